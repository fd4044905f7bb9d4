/**
 * `pitr list --repo DIR [--json]`: the repository's backups (oldest first, newest last) with their
 * state, and the restorable windows. Reads only; takes no lock.
 */
import { listRepo, type BackupListEntry, type RepoListing } from '@pitr/pitr-planner';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { OutputSink } from '../output-sink.js';
import { formatBytes, formatCoordinates, formatDuration, formatTime, repoArg } from './repo-format.js';

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
    const e = w.end;
    let end = e.kind === 'archive' ? `to ${formatCoordinates(e.coordinates)} (${formatTime(e.time)})` : 'its snapshot only';
    if (e.kind === 'archive' && e.gap !== undefined) end += `, where a GAP begins (${gapText(e.gap)})`;
    else if (e.kind === 'archive' && e.missingFiles !== undefined) end += `, where ${e.missingFiles.join(', ')} ${e.missingFiles.length === 1 ? 'is' : 'are'} missing`;
    lines.push(`  from backup ${w.backupId} at ${formatCoordinates(w.start)} (started ${formatTime(w.startedAt)} UTC): ${end}`);
  }
  if (!listing.archive.implemented) lines.push(`  Note: ${listing.archive.note}`);
  if (listing.archive.timelines.length > 0) {
    lines.push('', 'Binlog archive:');
    for (const t of listing.archive.timelines) {
      const end = t.end === null ? 'empty' : `${t.first} … ${t.end.file}:${t.end.pos}${t.end.time === null ? '' : ` (last commit ${formatTime(t.end.time)} UTC)`}${t.end.gtid === null ? '' : `, last GTID ${t.end.gtid}`}`;
      lines.push(`  timeline ${t.timeline}: ${t.files} file(s), ${end}${t.open === null ? '' : `; ${t.open} still being written`}`);
      if (t.expiredBefore !== null) lines.push(`    files before ${t.expiredBefore} expired (no retained backup needs them)`);
      for (const g of t.recordedGaps) lines.push(`    GAP: ${gapText(g)} — restores cannot cross it`);
      const recorded = new Set(t.recordedGaps.flatMap((g) => g.missingFiles));
      const unrecorded = t.gaps.filter((n) => !recorded.has(n));
      if (unrecorded.length > 0) lines.push(`    GAP: ${unrecorded.join(', ')} missing — restores cannot cross it (windows end before it)`);
      if (t.stretches.length > 1) {
        for (const s of t.stretches) {
          const from = `${s.first.file}:${s.first.pos}${s.first.time === null ? '' : ` (${formatTime(s.first.time)})`}`;
          const to = `${s.end.file}:${s.end.pos}${s.end.time === null ? '' : ` (${formatTime(s.end.time)})`}`;
          lines.push(
            `    stretch ${from} … ${to}: ${s.backups.length > 0 ? `restorable from backup ${s.backups.join(', ')}` : 'no backup starts here: not restorable until a backup is taken after the gap'}`,
          );
        }
      }
      if (t.sealed !== null) lines.push(`    ended ${formatTime(t.sealed.at)} UTC: ${t.sealed.reason}${t.sealed.successor === undefined ? '' : `; continued in timeline ${t.sealed.successor}`}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `mariadb-bin.000003:1234 → mariadb-bin.000006:4, purged before archived: mariadb-bin.000004, …` */
function gapText(g: { from: { file: string; pos: number; time?: string }; to: { file: string; pos: number; time?: string }; missingFiles: readonly string[]; partialFile?: string }): string {
  const missing = [...(g.partialFile === undefined ? [] : [`the rest of ${g.partialFile}`]), ...g.missingFiles];
  return (
    `${g.from.file}:${g.from.pos}${g.from.time === undefined ? '' : ` (${formatTime(g.from.time)})`} → ${g.to.file}:${g.to.pos}${g.to.time === undefined ? '' : ` (${formatTime(g.to.time)})`}` +
    `, purged by the server before it was archived: ${missing.join(', ')}`
  );
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

