/**
 * `pitr list`: the backups of a repository with their state, and the restorable windows.
 *
 * A `running` record whose writer is gone was interrupted (killed, machine lost): a live backup
 * always holds the repository lock (take-backup.ts), so a running record is live only while the
 * lock names the same process (pid and host from the record's `who`) and, on this host, that
 * process still exists.
 *
 * Restorable windows: a point-in-time restore starts at a completed backup's snapshot and replays
 * archived binlogs from its coordinates onward, through the timeline that holds them, up to the
 * first gap (a file the server purged before it was archived, recorded in the manifest, or a file
 * missing without a record) or the end of the archive. A gap splits the archive into stretches;
 * a stretch in which no backup starts cannot be restored to until a backup is taken in it.
 */
import { readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { openRepo, readManifest, readRepoLock } from '@pitr/core';
import type { BinlogManifest, ManifestFileEntry, PitrRepo, RepoLockOwner, RepoMarker } from '@pitr/core';
import type { BackupCoordinates, BackupRecord } from '../catalog/backup-record.js';
import { listBackups } from '../catalog/catalog.js';

export type BackupState = 'running' | 'interrupted' | 'completed' | 'failed';

export interface BackupListEntry {
  record: BackupRecord;
  /** The record's status, with `interrupted` for a running record whose process is gone. */
  state: BackupState;
  /** Why a running record counts as interrupted. */
  interruptedReason?: string;
}

/** A gap recorded in a timeline's manifest (core's ManifestGap). */
export type ArchiveGap = NonNullable<BinlogManifest['gaps']>[number];

/** Where archived binlogs take a restore from a backup. */
export type WindowEnd =
  | { kind: 'snapshot-only'; reason: string }
  | {
      kind: 'archive';
      coordinates: BackupCoordinates;
      time: string;
      /** The timeline the replay reads. */
      timeline?: string;
      /** The window ends at this gap (not at the end of the archive). */
      gap?: ArchiveGap;
      /** Missing file names without a recorded gap where the window ends. */
      missingFiles?: string[];
    };

export interface RestorableWindow {
  /** The backup a restore in this window starts from. */
  backupId: string;
  /** Its snapshot coordinates: the earliest point of the window. */
  start: BackupCoordinates;
  /** When the backup started (its snapshot is taken within seconds of it), ISO UTC. */
  startedAt: string;
  end: WindowEnd;
}

export interface ArchiveStatus {
  /** Whether the repository holds archived binlogs (pitr archive). */
  implemented: boolean;
  note: string;
  /** Each timeline of the archive: its files, where it ends, and gaps in its file sequence. */
  timelines: ArchiveTimelineStatus[];
}

export interface ArchiveTimelineStatus {
  timeline: string;
  files: number;
  first: string | null;
  last: string | null;
  /** Where the archive of this timeline ends (the last file's end), with the last commit time and GTID. */
  end: { file: string; pos: number; time: string | null; gtid: string | null } | null;
  /** The file the server is still writing (archived up to `end`). */
  open: string | null;
  /** Missing file names between archived ones: a restore cannot cross them. */
  gaps: string[];
  /** Gaps recorded by the archiver (the server purged binlogs before they were archived). */
  recordedGaps: ArchiveGap[];
  /** Stretches of the timeline without a gap, in order; a restore stays inside one. */
  stretches: ArchiveStretch[];
  /** The server's history went on in another timeline (RESET MASTER, failover). */
  sealed: { at: string; reason: string; successor?: string } | null;
  /** Files before this one were removed by `pitr expire`. */
  expiredBefore: string | null;
}

export interface ArchiveStretch {
  first: { file: string; pos: number; time: string | null };
  end: { file: string; pos: number; time: string | null; gtid: string | null };
  /** Completed backups whose snapshot lies in it: the starting points of restores in it. */
  backups: string[];
}

export interface RepoListing {
  dir: string;
  marker: RepoMarker;
  /** Every backup, oldest first (by start time). */
  backups: BackupListEntry[];
  /** One per completed backup, in binlog order. */
  windows: RestorableWindow[];
  archive: ArchiveStatus;
  /** The writer lock's holder, if any. */
  lock: RepoLockOwner | undefined;
  /** Damaged or unreadable records (skipped above). */
  problems: string[];
}

export const ARCHIVE_NOT_IMPLEMENTED =
  'no archived binlogs (`pitr archive --source URL --repo DIR`): a restore from this repository can reach only a backup\'s snapshot, or later points with --binlog-dir DIR';

/**
 * The manifests of every archive timeline, oldest first. A manifest that cannot be read goes to
 * `onUnreadable` (list reports it; expire refuses to prune anything).
 */
export async function readTimelineManifests(repo: PitrRepo, onUnreadable: (timeline: string, error: Error) => void): Promise<BinlogManifest[]> {
  let names: string[];
  try {
    names = (await readdir(repo.layout.binlogsDir, { withFileTypes: true })).filter((d) => d.isDirectory() && /^\d{4}-/.test(d.name)).map((d) => d.name).sort();
  } catch {
    return [];
  }
  const out: BinlogManifest[] = [];
  for (const n of names) {
    try {
      const m = await readManifest(repo, n);
      if (m !== undefined) out.push(m);
    } catch (e) {
      onUnreadable(n, e as Error);
    }
  }
  return out;
}

function seqOf(name: string): number {
  return Number(/\.(\d+)$/.exec(name)?.[1] ?? Number.NaN);
}

function baseOf(name: string): string {
  return name.replace(/\.\d+$/, '');
}

/** File names missing between consecutive archived files of one timeline (recorded gaps included). */
function gapsOf(m: BinlogManifest): string[] {
  const gaps: string[] = [];
  for (let i = 1; i < m.files.length; i++) {
    const a = m.files[i - 1]!.name;
    const b = m.files[i]!.name;
    for (let k = seqOf(a) + 1; k < seqOf(b); k++) gaps.push(`${baseOf(a)}.${String(k).padStart(6, '0')}`);
  }
  return gaps;
}

/** Whether a replay can go from file `i` to file `i + 1` of the timeline (no gap between). */
function continues(m: BinlogManifest, i: number): boolean {
  const a = m.files[i]!;
  const b = m.files[i + 1];
  if (b === undefined || a.incomplete === true || seqOf(b.name) !== seqOf(a.name) + 1) return false;
  return !(m.gaps ?? []).some((g) => g.from.file === a.name);
}

/** The end of the stretch that starts at file `i` (index of its last file). */
function stretchEnd(m: BinlogManifest, i: number): number {
  let j = i;
  while (continues(m, j)) j++;
  return j;
}

function lastCommit(files: readonly ManifestFileEntry[]): string | null {
  return [...files].reverse().find((f) => f.lastCommitTime !== undefined)?.lastCommitTime ?? null;
}

function lastGtid(files: readonly ManifestFileEntry[]): string | null {
  return [...files].reverse().find((f) => f.lastGtid !== undefined)?.lastGtid ?? null;
}

function timelineStatus(m: BinlogManifest, windows: readonly RestorableWindow[]): ArchiveTimelineStatus {
  const last = m.files[m.files.length - 1];
  const stretches: ArchiveStretch[] = [];
  for (let i = 0; i < m.files.length; ) {
    const j = stretchEnd(m, i);
    const files = m.files.slice(i, j + 1);
    const names = new Set(files.map((f) => f.name));
    const end = files[files.length - 1]!;
    stretches.push({
      first: { file: files[0]!.name, pos: files[0]!.startPos, time: files[0]!.firstCommitTime ?? files[0]!.firstEventTime ?? null },
      end: { file: end.name, pos: end.endPos, time: lastCommit(files) ?? end.lastEventTime ?? null, gtid: lastGtid(files) },
      backups: windows.filter((w) => w.end.kind === 'archive' && w.end.timeline === m.timeline && names.has(w.start.file)).map((w) => w.backupId),
    });
    i = j + 1;
  }
  return {
    timeline: m.timeline,
    files: m.files.length,
    first: m.files[0]?.name ?? null,
    last: last?.name ?? null,
    end: last === undefined ? null : { file: last.name, pos: last.endPos, time: lastCommit(m.files) ?? last.lastEventTime ?? null, gtid: lastGtid(m.files) },
    open: m.files.find((f) => f.state === 'open')?.name ?? null,
    gaps: gapsOf(m),
    recordedGaps: [...(m.gaps ?? [])],
    stretches,
    sealed: m.sealed === undefined ? null : { ...m.sealed },
    expiredBefore: m.expired?.before ?? null,
  };
}

/**
 * The timeline holding a backup's coordinates: the newest one with that file, created no later than
 * the backup started (after RESET MASTER the same names appear in two timelines), and long enough.
 */
export function timelineOfBackup(start: BackupCoordinates, startedAt: string, manifests: readonly BinlogManifest[]): { manifest: BinlogManifest; index: number } | undefined {
  const started = Date.parse(startedAt);
  for (const m of [...manifests].reverse()) {
    const index = m.files.findIndex((f) => f.name === start.file);
    if (index < 0) continue;
    const f = m.files[index]!;
    if (f.createdTime !== undefined && Number.isFinite(started) && Date.parse(f.createdTime) > started + 1000) continue;
    if (f.endPos < start.pos && f.state === 'closed') continue;
    return { manifest: m, index };
  }
  return undefined;
}

/**
 * How far the archive takes a restore from a backup: through the timeline that holds the backup's
 * binlog file, up to the first gap after it (a replay never jumps one) or the end.
 */
function windowEnd(start: BackupCoordinates, startedAt: string, manifests: readonly BinlogManifest[]): WindowEnd {
  const found = timelineOfBackup(start, startedAt, manifests);
  if (found === undefined) {
    return { kind: 'snapshot-only', reason: manifests.length === 0 ? 'no archived binlogs' : `the archive does not hold ${start.file}` };
  }
  const { manifest: m, index: i } = found;
  const j = stretchEnd(m, i);
  const end = m.files[j]!;
  const files = m.files.slice(i, j + 1);
  const gtid = lastGtid(files);
  const gap = (m.gaps ?? []).find((g) => g.from.file === end.name);
  const next = m.files[j + 1];
  const missing = gap === undefined && next !== undefined ? gapsOf({ ...m, files: [end, next] }) : [];
  return {
    kind: 'archive',
    coordinates: { file: end.name, pos: end.endPos, ...(gtid !== null ? { gtid } : {}) },
    time: lastCommit(files) ?? end.lastEventTime ?? start.file,
    timeline: m.timeline,
    ...(gap === undefined ? {} : { gap }),
    ...(missing.length === 0 ? {} : { missingFiles: missing }),
  };
}

/** Reads the repository at `dir` (read-only; no lock). */
export async function listRepo(dir: string): Promise<RepoListing> {
  const repo = await openRepo(dir);
  const problems: string[] = [];
  const records = await listBackups(repo, { onProblem: (m) => problems.push(m) });
  const lock = await readRepoLock(repo.dir);
  const backups = records
    .map((record) => classify(record, lock))
    .sort((a, b) => Date.parse(a.record.startedAt) - Date.parse(b.record.startedAt) || (a.record.id < b.record.id ? -1 : 1));
  const manifests = await readTimelineManifests(repo, (n, e) => problems.push(`binlog timeline ${n}: ${e.message}`));
  const windows: RestorableWindow[] = records
    .filter((r) => r.status === 'completed' && r.coordinates !== undefined)
    .map((r) => ({ backupId: r.id, start: r.coordinates!, startedAt: r.startedAt, end: windowEnd(r.coordinates!, r.startedAt, manifests) }));
  const timelines = manifests.map((m) => timelineStatus(m, windows));
  const archive: ArchiveStatus =
    manifests.length === 0
      ? { implemented: false, note: ARCHIVE_NOT_IMPLEMENTED, timelines }
      : { implemented: true, note: `${manifests.length} timeline(s) of archived binlogs`, timelines };
  return { dir: repo.dir, marker: repo.marker, backups, windows, archive, lock, problems };
}

/** The state of one record given the current lock holder. */
export function classify(record: BackupRecord, lock: RepoLockOwner | undefined, isAlive: (pid: number) => boolean = pidAlive): BackupListEntry {
  if (record.status !== 'running') return { record, state: record.status };
  const who = record.who;
  const holds = lock !== undefined && (who.pid === undefined ? lock.command === 'backup' : lock.pid === who.pid && lock.hostname === who.host);
  if (!holds) {
    return { record, state: 'interrupted', interruptedReason: 'its process no longer holds the repository lock' };
  }
  if (lock.hostname === hostname() && !isAlive(lock.pid)) {
    return { record, state: 'interrupted', interruptedReason: `its process (pid ${lock.pid}) has exited` };
  }
  return { record, state: 'running' };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
