/**
 * `pitr expire --keep N | --keep-days D`: removes the oldest completed backups beyond the policy.
 *
 * - Order is binlog order (listBackups): "oldest" is the earliest snapshot, not the oldest file.
 * - `--keep N` keeps the newest N completed backups; `--keep-days D` keeps those that ended within
 *   the last D days. Whatever the policy, the newest completed backup is never removed: it is the
 *   start of every restore to a recent point.
 * - Each removal is the dump first, the record last (catalog deleteBackup), under the repository
 *   lock, so a crash leaves a record without dump (verify reports it; the next expire finishes it)
 *   and never an uncataloged dump.
 * - Failed and interrupted records are not touched (they hold no data; they document what happened).
 *
 *
 * Archived binlogs (`archivePrune`): after the backups are removed, the archive keeps exactly what
 * the retained completed backups need to be rolled forward (selectArchivePrune): in the timeline
 * holding a backup's coordinates, its file and every later one; every newer timeline entirely
 * (the newest timeline's files from the oldest retained backup's coordinates on, at least); and
 * each timeline's last file (where the archiver continues). Older files go, and older timelines
 * that no retained backup starts in go entirely. Without any completed backup nothing is pruned.
 * A backup whose coordinates are in no timeline keeps, in every timeline, the files from its file
 * name on. Each timeline's manifest is changed first (under its manifest.lock, which the archiver
 * honours, so this runs alongside `pitr archive --follow`) and the files are removed after: a
 * crash leaves unlisted files, never a listed file that is gone.
 */
import { rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_CODES, PitrError, acquireRepoLock, compareBinlogNames, errnoCode, openRepo, syncDirectory, updateManifest } from '@pitr/core';
import type { BinlogManifest, PitrRepo } from '@pitr/core';
import type { BackupRecord } from '../catalog/backup-record.js';
import { deleteBackup, listBackups } from '../catalog/catalog.js';
import { readTimelineManifests, timelineOfBackup } from './list-repo.js';

export interface ExpirePolicy {
  /** Keep the newest N completed backups (N ≥ 1). */
  keep?: number;
  /** Keep the completed backups that ended within the last D days (D ≥ 0). */
  keepDays?: number;
}

export interface ExpireOptions extends ExpirePolicy {
  /** Report what would be removed, remove nothing (no lock taken). */
  dryRun?: boolean;
  /** Default: now (tests pin it). */
  now?: Date;
  /** How long to wait for another writer's lock (default 0). */
  lockWaitMs?: number;
  /** Called after each removal (or, in a dry run, for each candidate). */
  onRemoved?: (record: BackupRecord) => void;
  onWarning?: (message: string) => void;
}

export interface ExpireResult {
  dryRun: boolean;
  /** Removed (or, in a dry run, to be removed), oldest first. */
  removed: BackupRecord[];
  /** Completed backups kept, oldest first. */
  kept: BackupRecord[];
  /** Archived binlogs removed (or, in a dry run, to be removed) because no retained backup needs them. */
  archivePrune: ArchivePruneResult | { implemented: false; note: string };
}

export interface ArchivePruneResult {
  implemented: true;
  /** Removed files, oldest first per timeline. */
  files: { timeline: string; name: string; storedAs: string; storedBytes: number }[];
  /** Timelines removed entirely (no retained backup starts in them; restores never cross timelines). */
  timelines: string[];
  /** Per remaining timeline: its first file after pruning. */
  keptFrom: { timeline: string; file: string | null }[];
  note: string;
}

/** What to prune from the archive (pure): see the file comment. */
export function selectArchivePrune(manifests: readonly BinlogManifest[], retained: readonly BackupRecord[]): { files: Map<string, string[]>; timelines: string[] } {
  const files = new Map<string, string[]>();
  const timelines: string[] = [];
  const withCoords = retained.filter((r) => r.coordinates !== undefined);
  if (withCoords.length === 0 || manifests.length === 0) return { files, timelines };
  const order = manifests.map((m) => m.timeline);
  /** timeline → the first file needed ('' = all of it). */
  const need = new Map<string, string>();
  const needAtLeast = (timeline: string, file: string): void => {
    const had = need.get(timeline);
    if (had === undefined || (had !== '' && (file === '' || compareBinlogNames(file, had) < 0))) need.set(timeline, file);
  };
  for (const r of withCoords) {
    const found = timelineOfBackup(r.coordinates!, r.startedAt, manifests);
    if (found === undefined) {
      for (const m of manifests) needAtLeast(m.timeline, r.coordinates!.file);
      continue;
    }
    needAtLeast(found.manifest.timeline, r.coordinates!.file);
    for (const t of order.slice(order.indexOf(found.manifest.timeline) + 1)) needAtLeast(t, '');
  }
  const newest = order[order.length - 1];
  for (const m of manifests) {
    const from = need.get(m.timeline);
    if (from === undefined && m.timeline !== newest) {
      timelines.push(m.timeline);
      continue;
    }
    if (from === undefined || from === '') continue;
    const last = m.files[m.files.length - 1];
    const gone = m.files.filter((f) => f.state === 'closed' && f !== last && compareBinlogNames(f.name, from) < 0 && sameBase(f.name, from)).map((f) => f.name);
    if (gone.length > 0) files.set(m.timeline, gone);
  }
  return { files, timelines };
}

function sameBase(a: string, b: string): boolean {
  return a.replace(/\.\d+$/, '') === b.replace(/\.\d+$/, '');
}


/** Applies (or, dry, describes) the archive pruning for the retained backups. */
async function pruneArchive(repo: PitrRepo, retained: readonly BackupRecord[], dryRun: boolean, onWarning: ((m: string) => void) | undefined): Promise<ArchivePruneResult> {
  const manifests = await readTimelineManifests(repo, (n, err) => {
    // an unreadable manifest: prune nothing at all (we cannot tell what it holds)
    throw new PitrError(ERROR_CODES.IO, `binlog timeline ${n}: ${err.message}; no archived binlog was pruned`, { cause: err, hints: ['run pitr verify --repo DIR'] });
  });
  const result: ArchivePruneResult = { implemented: true, files: [], timelines: [], keptFrom: [], note: '' };
  if (manifests.length === 0) return { ...result, note: 'no archived binlogs' };
  if (!retained.some((r) => r.coordinates !== undefined)) return { ...result, note: 'no completed backup with coordinates: the archive is kept as it is' };
  const plan = selectArchivePrune(manifests, retained);
  for (const m of manifests) {
    if (plan.timelines.includes(m.timeline)) {
      result.timelines.push(m.timeline);
      for (const f of m.files) result.files.push({ timeline: m.timeline, name: f.name, storedAs: f.storedAs, storedBytes: f.storedBytes });
      continue;
    }
    const gone = new Set(plan.files.get(m.timeline) ?? []);
    for (const f of m.files) if (gone.has(f.name)) result.files.push({ timeline: m.timeline, name: f.name, storedAs: f.storedAs, storedBytes: f.storedBytes });
    result.keptFrom.push({ timeline: m.timeline, file: m.files.find((f) => !gone.has(f.name))?.name ?? null });
  }
  const bytes = result.files.reduce((n, f) => n + f.storedBytes, 0);
  result.note =
    result.files.length === 0
      ? 'archived binlogs: every file is needed by a retained backup (or is the end of its timeline); nothing pruned'
      : `archived binlogs: ${dryRun ? 'would remove' : 'removed'} ${result.files.length} file(s) (${bytes} bytes) no retained backup needs${result.timelines.length > 0 ? `, including timeline(s) ${result.timelines.join(', ')}` : ''}`;
  if (dryRun) return result;
  for (const m of manifests) {
    const dir = repo.layout.timelineDir(m.timeline);
    if (plan.timelines.includes(m.timeline)) {
      await unlink(join(dir, 'manifest.json')).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      continue;
    }
    const gone = new Set(plan.files.get(m.timeline) ?? []);
    if (gone.size === 0) continue;
    let removed: BinlogManifest | undefined;
    await updateManifest(repo, m.timeline, (disk) => {
      const cur = disk ?? m;
      const files = cur.files.filter((f) => !gone.has(f.name));
      const first = files[0]?.name ?? null;
      removed = {
        ...cur,
        files,
        gaps: (cur.gaps ?? []).filter((g) => !gone.has(g.from.file) && !gone.has(g.to.file)),
        ...(first === null ? {} : { expired: { before: first, at: new Date().toISOString(), files: (cur.expired?.files ?? 0) + (cur.files.length - files.length) } }),
        updatedAt: new Date().toISOString(),
      };
      if (removed.gaps!.length === 0) delete (removed as { gaps?: unknown }).gaps;
      return removed;
    });
    for (const f of m.files.filter((x) => gone.has(x.name))) {
      await unlink(join(dir, f.storedAs)).catch((e: unknown) => {
        if (errnoCode(e) !== 'ENOENT') throw new PitrError(ERROR_CODES.IO, `could not remove ${join(dir, f.storedAs)}: ${errnoCode(e) ?? String(e)}`, { cause: e });
      });
    }
    await syncDirectory(dir);
  }
  return result;
}


const DAY_MS = 86_400_000;

/** Checks a policy: exactly one of keep / keepDays, in range. */
export function checkExpirePolicy(policy: ExpirePolicy): void {
  const { keep, keepDays } = policy;
  if ((keep === undefined) === (keepDays === undefined)) {
    throw new PitrError(ERROR_CODES.USAGE, 'expire needs exactly one of --keep N and --keep-days D', {
      hints: ['--keep 7 keeps the newest 7 backups; --keep-days 14 keeps those of the last 14 days'],
    });
  }
  if (keep !== undefined && (!Number.isSafeInteger(keep) || keep < 1)) {
    throw new PitrError(ERROR_CODES.USAGE, `--keep must be at least 1, not ${keep}`, { hints: ['the newest completed backup is always kept'] });
  }
  if (keepDays !== undefined && (!Number.isFinite(keepDays) || keepDays < 0)) {
    throw new PitrError(ERROR_CODES.USAGE, `--keep-days must be 0 or more, not ${keepDays}`, { hints: ['--keep-days 0 keeps only the newest backup'] });
  }
}

/**
 * The completed backups the policy removes, oldest first (pure). `completed` is in binlog order,
 * newest last.
 */
export function selectExpired(completed: readonly BackupRecord[], policy: ExpirePolicy, now: Date): BackupRecord[] {
  checkExpirePolicy(policy);
  if (completed.length <= 1) return [];
  const newest = completed[completed.length - 1]!;
  let retained: (r: BackupRecord, index: number) => boolean;
  if (policy.keep !== undefined) {
    const firstKept = completed.length - policy.keep;
    retained = (_r, i) => i >= firstKept;
  } else {
    const cutoff = now.getTime() - policy.keepDays! * DAY_MS;
    retained = (r) => Date.parse(r.endedAt ?? r.startedAt) >= cutoff;
  }
  return completed.filter((r, i) => r !== newest && !retained(r, i));
}

/** Applies the policy to the repository at `dir`. */
export async function expireBackups(dir: string, options: ExpireOptions): Promise<ExpireResult> {
  checkExpirePolicy(options);
  const repo = await openRepo(dir);
  const now = options.now ?? new Date();
  if (options.dryRun === true) {
    const completed = await listBackups(repo, { status: ['completed'], onProblem: (m) => options.onWarning?.(m) });
    const removed = selectExpired(completed, options, now);
    for (const r of removed) options.onRemoved?.(r);
    const kept = completed.filter((r) => !removed.includes(r));
    return { dryRun: true, removed, kept, archivePrune: await pruneArchive(repo, kept, true, options.onWarning) };
  }
  const lock = await acquireRepoLock(repo.dir, {
    command: 'expire',
    waitMs: options.lockWaitMs ?? 0,
    ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
  });
  try {
    // read under the lock: a backup finishing meanwhile counts
    const completed = await listBackups(repo, { status: ['completed'], onProblem: (m) => options.onWarning?.(m) });
    const removed = selectExpired(completed, options, now);
    for (const r of removed) {
      await deleteBackup(repo, lock, r.id);
      options.onRemoved?.(r);
    }
    const kept = completed.filter((r) => !removed.includes(r));
    // binlogs only the removed backups needed, after their records are gone
    const archivePrune = await pruneArchive(repo, kept, false, options.onWarning);
    return { dryRun: false, removed, kept, archivePrune };
  } finally {
    await lock.release();
  }
}
