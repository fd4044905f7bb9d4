/**
 * `pitr list --repo DIR [--json]`: the repository's backups (oldest first, newest last) with their
 * state, and the restorable windows. Reads only; takes no lock.
 */
import { PitrError } from '@pitr/core';
import { listRepo, type BackupCoordinates, type BackupListEntry, type RepoListing } from '@pitr/pitr-planner';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { OutputSink } from '../output-sink.js';

/** `--repo`, required by every repository command. */
export function repoArg(ctx: Pick<CommandContext, 'values'>, command: string): string {
  const repo = ctx.values.repo;
  if (typeof repo !== 'string') {
    throw new PitrError('USAGE', `pitr ${command} needs --repo DIR`, { hints: [`run 'pitr ${command} --help'`] });
  }
  return repo;
}

export interface ListDeps {
  readonly listRepo: (dir: string) => Promise<RepoListing>;
}

export function list(ctx: CommandContext): Promise<ExitCode> {
  return runList(ctx, { listRepo });
}

export async function runList(ctx: CommandContext, deps: ListDeps): Promise<ExitCode> {
  const repo = repoArg(ctx, 'list');
  const listing = await deps.listRepo(repo);
  const out = new OutputSink(ctx.io.stdout);
  if (ctx.values.json === true) {
    await out.write(`${JSON.stringify(listingJson(listing), null, 2)}\n`);
  } else {
    await out.write(renderListing(listing));
  }
  await out.close();
  for (const p of listing.problems) ctx.io.stderr.write(`pitr: warning: ${p}\n`);
  return EXIT.OK;
}

/** The JSON document of `pitr list --json` (records as stored, plus the derived state). */
export function listingJson(listing: RepoListing): unknown {
  return {
    repository: listing.dir,
    formatVersion: listing.marker.formatVersion,
    backups: listing.backups.map((b) => ({ ...b.record, state: b.state, ...(b.interruptedReason === undefined ? {} : { interruptedReason: b.interruptedReason }) })),
    windows: listing.windows,
    archive: listing.archive,
    lock: listing.lock ?? null,
    problems: listing.problems,
  };
}

export function renderListing(listing: RepoListing): string {
  const lines: string[] = [`Repository ${listing.dir}`];
  if (listing.lock !== undefined) {
    lines.push(`  locked by \`${listing.lock.command}\` (pid ${listing.lock.pid} on ${listing.lock.hostname}, since ${formatTime(listing.lock.startedAt)})`);
  }
  lines.push('');
  if (listing.backups.length === 0) {
    lines.push('No backups yet (`pitr backup --source URL --repo DIR` takes one).');
  } else {
    lines.push(`Backups (${listing.backups.length}, newest last):`);
    const rows = listing.backups.map(backupRow);
    lines.push(...table(['ID', 'STATE', 'STARTED (UTC)', 'DURATION', 'SIZE', 'COORDINATES', 'GTID', 'SERVER'], rows));
    for (const b of listing.backups) {
      if (b.state === 'interrupted') lines.push(`  ${b.record.id}: interrupted — ${b.interruptedReason ?? ''}`);
      if (b.state === 'failed' && b.record.error !== undefined) lines.push(`  ${b.record.id}: failed — ${b.record.error}`);
      for (const w of b.record.warnings ?? []) lines.push(`  ${b.record.id}: warning — ${w}`);
    }
  }
  lines.push('', 'Restorable windows:');
  if (listing.windows.length === 0) lines.push('  none: no completed backup');
  for (const w of listing.windows) {
    const end = w.end.kind === 'archive' ? `to ${formatCoordinates(w.end.coordinates)} (${formatTime(w.end.time)})` : 'its snapshot only';
    lines.push(`  from backup ${w.backupId} at ${formatCoordinates(w.start)} (started ${formatTime(w.startedAt)} UTC): ${end}`);
  }
  if (!listing.archive.implemented) lines.push(`  Note: ${listing.archive.note}`);
  if (listing.archive.timelines.length > 0) {
    lines.push('', 'Binlog archive:');
    for (const t of listing.archive.timelines) {
      const end = t.end === null ? 'empty' : `${t.first} … ${t.end.file}:${t.end.pos}${t.end.time === null ? '' : ` (last commit ${formatTime(t.end.time)} UTC)`}${t.end.gtid === null ? '' : `, last GTID ${t.end.gtid}`}`;
      lines.push(`  timeline ${t.timeline}: ${t.files} file(s), ${end}${t.open === null ? '' : `; ${t.open} still being written`}`);
      if (t.gaps.length > 0) lines.push(`    GAP: ${t.gaps.join(', ')} missing — restores cannot cross it (windows end before it)`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function backupRow(b: BackupListEntry): string[] {
  const r = b.record;
  const server = r.server === undefined ? '' : `${r.server.flavor} ${r.server.version.replace(/-.*$/, '')} id ${r.server.serverId}`;
  return [
    r.id,
    b.state,
    formatTime(r.startedAt),
    r.durationMs === undefined ? '' : formatDuration(r.durationMs),
    r.sizeBytes === undefined ? '' : formatBytes(r.sizeBytes),
    r.coordinates === undefined ? '' : `${r.coordinates.file}:${r.coordinates.pos}`,
    r.coordinates?.gtid ?? '',
    server,
  ];
}

/** Left-aligned columns, two spaces apart, trailing blanks trimmed. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

export function formatCoordinates(c: BackupCoordinates): string {
  return `${c.file}:${c.pos}${c.gtid === undefined ? '' : ` (gtid ${c.gtid})`}`;
}

/** `2026-05-25 14:30:07` from an ISO UTC time. */
export function formatTime(iso: string): string {
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
