/**
 * `pitr verify --repo DIR [--json]`: reads every completed backup in full (checksum, gzip,
 * completion trailer, coordinates) and lists every problem; exit code 3 when there is any.
 * Interrupted backups and leftover temporary files are reported as warnings (exit code unchanged).
 */
import { verifyRepo, type RepoVerification, type VerifyRepoOptions } from '@pitr/pitr-planner';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { OutputSink } from '../output-sink.js';
import { formatBytes, repoArg } from './repo-format.js';

export interface VerifyDeps {
  readonly verifyRepo: (dir: string, options?: VerifyRepoOptions) => Promise<RepoVerification>;
}

export function verify(ctx: CommandContext): Promise<ExitCode> {
  return runVerify(ctx, { verifyRepo });
}

export async function runVerify(ctx: CommandContext, deps: VerifyDeps): Promise<ExitCode> {
  const repo = repoArg(ctx, 'verify');
  const { io } = ctx;
  const live = io.stderr.isTTY === true;
  const result = await deps.verifyRepo(repo, {
    onBackup: (id, i, n) => {
      if (live) io.stderr.write(`\r\x1b[Kverify: reading backup ${i + 1} of ${n} (${id})`);
    },
  });
  if (live) io.stderr.write('\r\x1b[K');
  const out = new OutputSink(io.stdout);
  await out.write(ctx.values.json === true ? `${JSON.stringify(result, null, 2)}\n` : renderVerification(result));
  await out.close();
  return result.ok ? EXIT.OK : EXIT.INTEGRITY;
}

export function renderVerification(v: RepoVerification): string {
  const lines = [`Repository ${v.dir}`];
  const checked = v.backups.filter((b) => b.checked);
  for (const b of v.backups) {
    if (!b.checked) {
      lines.push(`  ${b.id}  ${b.state}: not checked (only completed backups hold a dump)`);
      continue;
    }
    if (b.problems.length === 0) {
      lines.push(`  ${b.id}  OK (checksum, gzip, trailer, coordinates; ${formatBytes(b.dumpBytes ?? 0)} of SQL)`);
    } else {
      lines.push(`  ${b.id}  FAILED`);
      for (const p of b.problems) lines.push(`      - ${p}`);
    }
  }
  for (const a of v.archive) {
    if (a.problems.length === 0) lines.push(`  binlog ${a.timeline}/${a.name}  OK (${a.state === 'closed' ? 'SHA-256 of the stored file and of the binlog, ' : ''}every event's CRC32, positions)`);
    else {
      lines.push(`  binlog ${a.timeline}/${a.name}  FAILED`);
      for (const p of a.problems) lines.push(`      - ${p}`);
    }
  }
  for (const p of v.problems) lines.push(`  problem: ${p}`);
  for (const w of v.warnings) lines.push(`  warning: ${w}`);
  const failed = v.backups.filter((b) => b.problems.length > 0).length;
  const failedFiles = v.archive.filter((a) => a.problems.length > 0).length;
  lines.push(
    '',
    v.ok
      ? `All ${checked.length} completed backup${checked.length === 1 ? '' : 's'}${v.archive.length > 0 ? ` and ${v.archive.length} archived binlog file${v.archive.length === 1 ? '' : 's'}` : ''} verified.`
      : `Verification FAILED: ${failed} backup${failed === 1 ? '' : 's'}${failedFiles > 0 ? ` and ${failedFiles} archived binlog file${failedFiles === 1 ? '' : 's'}` : ''} with problems${v.problems.length > 0 ? `, ${v.problems.length} repository problem${v.problems.length === 1 ? '' : 's'}` : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}
