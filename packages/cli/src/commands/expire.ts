/**
 * `pitr expire --repo DIR --keep N | --keep-days D [--dry-run] [--json]`: removes the oldest
 * completed backups beyond the policy (dump first, record last, under the repository lock), never
 * the newest completed one, and prints what it removed.
 */
import { PitrError } from '@pitr/core';
import { expireBackups, type ExpireOptions, type ExpireResult } from '@pitr/pitr-planner';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { OutputSink } from '../output-sink.js';
import { formatBytes, formatCoordinates, formatTime, repoArg } from './repo-format.js';

export interface ExpireDeps {
  readonly expireBackups: (dir: string, options: ExpireOptions) => Promise<ExpireResult>;
}

export function expire(ctx: CommandContext): Promise<ExitCode> {
  return runExpire(ctx, { expireBackups });
}

export async function runExpire(ctx: CommandContext, deps: ExpireDeps): Promise<ExitCode> {
  const v = ctx.values;
  const repo = repoArg(ctx, 'expire');
  const keep = typeof v.keep === 'number' ? v.keep : undefined;
  const keepDays = typeof v['keep-days'] === 'number' ? v['keep-days'] : undefined;
  if ((keep === undefined) === (keepDays === undefined)) {
    throw new PitrError('USAGE', 'pitr expire needs exactly one of --keep N and --keep-days D', {
      hints: ['--keep 7 keeps the newest 7 completed backups; --keep-days 14 keeps those of the last 14 days'],
    });
  }
  const result = await deps.expireBackups(repo, {
    ...(keep === undefined ? {} : { keep }),
    ...(keepDays === undefined ? {} : { keepDays }),
    dryRun: v['dry-run'] === true,
    onWarning: (m) => ctx.io.stderr.write(`pitr: warning: ${m}\n`),
  });
  const out = new OutputSink(ctx.io.stdout);
  await out.write(v.json === true ? `${JSON.stringify(result, null, 2)}\n` : renderExpire(result));
  await out.close();
  return EXIT.OK;
}

export function renderExpire(r: ExpireResult): string {
  const verb = r.dryRun ? 'would remove' : 'removed';
  const lines: string[] = [];
  if (r.removed.length === 0) lines.push(`Nothing to remove: ${r.kept.length} completed backup${r.kept.length === 1 ? '' : 's'} within the policy.`);
  for (const b of r.removed) {
    lines.push(
      `${verb} backup ${b.id} (started ${formatTime(b.startedAt)} UTC, ${formatBytes(b.sizeBytes ?? 0)}, at ${b.coordinates === undefined ? '?' : formatCoordinates(b.coordinates)})`,
    );
  }
  if (r.removed.length > 0) lines.push(`kept ${r.kept.length} completed backup${r.kept.length === 1 ? '' : 's'}, the newest ${r.kept.at(-1)?.id ?? '-'}`);
  if (r.dryRun) lines.push('(dry run: nothing was removed)');
  const prune = r.archivePrune;
  if (prune.implemented) {
    for (const t of prune.timelines) lines.push(`${verb} binlog timeline ${t} (no retained backup starts in it)`);
    for (const f of prune.files.filter((x) => !prune.timelines.includes(x.timeline))) lines.push(`${verb} binlog ${f.timeline}/${f.name} (${formatBytes(f.storedBytes)})`);
    for (const k of prune.keptFrom) if (k.file !== null) lines.push(`kept binlog timeline ${k.timeline} from ${k.file} on`);
  }
  lines.push(`Note: ${prune.note}.`);
  return `${lines.join('\n')}\n`;
}
