/**
 * `pitr list`: the backups of a repository with their state, and the restorable windows.
 *
 * A `running` record whose writer is gone was interrupted (killed, machine lost): a live backup
 * always holds the repository lock (take-backup.ts), so a running record is live only while the
 * lock names the same process (pid and host from the record's `who`) and, on this host, that
 * process still exists.
 *
 * Restorable windows: a point-in-time restore starts at a completed backup's snapshot and replays
 * archived binlogs from its coordinates onward. The binlog archive (issue 4) does not exist yet,
 * so each window is just a backup's snapshot point; `end` is where archive coverage will go.
 */
import { readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { openRepo, readManifest, readRepoLock } from '@pitr/core';
import type { BinlogManifest, PitrRepo, RepoLockOwner, RepoMarker } from '@pitr/core';
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

/** Where archived binlogs take a restore from a backup (issue 4 fills this in). */
export type WindowEnd =
  | { kind: 'snapshot-only'; reason: string }
  | { kind: 'archive'; coordinates: BackupCoordinates; time: string };

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

async function readManifests(repo: PitrRepo, problems: string[]): Promise<BinlogManifest[]> {
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
      problems.push(`binlog timeline ${n}: ${(e as Error).message}`);
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

/** File names missing between consecutive archived files of one timeline. */
function gapsOf(m: BinlogManifest): string[] {
  const gaps: string[] = [];
  for (let i = 1; i < m.files.length; i++) {
    const a = m.files[i - 1]!.name;
    const b = m.files[i]!.name;
    for (let k = seqOf(a) + 1; k < seqOf(b); k++) gaps.push(`${baseOf(a)}.${String(k).padStart(6, '0')}`);
  }
  return gaps;
}

function timelineStatus(m: BinlogManifest): ArchiveTimelineStatus {
  const last = m.files[m.files.length - 1];
  const lastCommit = [...m.files].reverse().find((f) => f.lastCommitTime !== undefined);
  const lastGtid = [...m.files].reverse().find((f) => f.lastGtid !== undefined);
  return {
    timeline: m.timeline,
    files: m.files.length,
    first: m.files[0]?.name ?? null,
    last: last?.name ?? null,
    end: last === undefined ? null : { file: last.name, pos: last.endPos, time: lastCommit?.lastCommitTime ?? last.lastEventTime ?? null, gtid: lastGtid?.lastGtid ?? null },
    open: m.files.find((f) => f.state === 'open')?.name ?? null,
    gaps: gapsOf(m),
  };
}

/**
 * How far the archive takes a restore from a backup: through the timeline that holds the backup's
 * binlog file, up to the first gap after it (a replay never jumps a missing file) or the end.
 */
function windowEnd(start: BackupCoordinates, manifests: readonly BinlogManifest[]): WindowEnd {
  for (const m of manifests) {
    const i = m.files.findIndex((f) => f.name === start.file);
    if (i < 0) continue;
    let j = i;
    while (j + 1 < m.files.length && seqOf(m.files[j + 1]!.name) === seqOf(m.files[j]!.name) + 1) j++;
    const end = m.files[j]!;
    const lastCommit = m.files.slice(i, j + 1).reverse().find((f) => f.lastCommitTime !== undefined);
    const lastGtid = m.files.slice(i, j + 1).reverse().find((f) => f.lastGtid !== undefined);
    return {
      kind: 'archive',
      coordinates: { file: end.name, pos: end.endPos, ...(lastGtid?.lastGtid !== undefined ? { gtid: lastGtid.lastGtid } : {}) },
      time: lastCommit?.lastCommitTime ?? end.lastEventTime ?? start.file,
    };
  }
  return { kind: 'snapshot-only', reason: manifests.length === 0 ? 'no archived binlogs' : `the archive does not hold ${start.file}` };
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
  const manifests = await readManifests(repo, problems);
  const timelines = manifests.map(timelineStatus);
  const windows: RestorableWindow[] = records
    .filter((r) => r.status === 'completed' && r.coordinates !== undefined)
    .map((r) => ({ backupId: r.id, start: r.coordinates!, startedAt: r.startedAt, end: windowEnd(r.coordinates!, manifests) }));
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
