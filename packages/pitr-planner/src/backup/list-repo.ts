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
import { hostname } from 'node:os';
import { openRepo, readRepoLock } from '@pitr/core';
import type { RepoLockOwner, RepoMarker } from '@pitr/core';
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
  /** False until the binlog archive (issue 4) exists. */
  implemented: boolean;
  note: string;
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
  'the binlog archive (`pitr archive`) is not implemented yet: a restore from this repository can reach only a backup\'s snapshot; later points need binlogs (`--dump FILE --binlog-dir DIR`)';

/** Reads the repository at `dir` (read-only; no lock). */
export async function listRepo(dir: string): Promise<RepoListing> {
  const repo = await openRepo(dir);
  const problems: string[] = [];
  const records = await listBackups(repo, { onProblem: (m) => problems.push(m) });
  const lock = await readRepoLock(repo.dir);
  const backups = records
    .map((record) => classify(record, lock))
    .sort((a, b) => Date.parse(a.record.startedAt) - Date.parse(b.record.startedAt) || (a.record.id < b.record.id ? -1 : 1));
  const windows: RestorableWindow[] = records
    .filter((r) => r.status === 'completed' && r.coordinates !== undefined)
    .map((r) => ({
      backupId: r.id,
      start: r.coordinates!,
      startedAt: r.startedAt,
      end: { kind: 'snapshot-only', reason: 'no binlog archive yet' },
    }));
  return { dir: repo.dir, marker: repo.marker, backups, windows, archive: { implemented: false, note: ARCHIVE_NOT_IMPLEMENTED }, lock, problems };
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
