import { mkdir, readdir, rmdir, unlink } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { compareBinlogFileNames, ERROR_CODES, isPitrError, PitrError, syncDirectory } from '@pitr/core';
import {
  BACKUP_RECORD_VERSION,
  newBackupId,
  isBackupId,
  parseBackupRecord,
} from './backup-record.js';
import type {
  BackupCoordinates,
  BackupDatabase,
  BackupDumpTool,
  BackupFloatFixups,
  BackupRecord,
  BackupScope,
  BackupServer,
  BackupTrigger,
  BackupWho,
} from './backup-record.js';

/**
 * What the catalog needs from an opened repository. @pitr/core's `openRepo(dir)` / `initRepo(dir)`
 * result (PitrRepo) satisfies it: paths come from core's one repository layout, and every write
 * goes through core's atomic, fsynced JSON write.
 */
export interface CatalogRepo {
  readonly dir: string;
  readonly layout: {
    readonly backupsDir: string;
    backupDir(id: string): string;
    backupRecordFile(id: string): string;
  };
  writeJson(path: string, value: unknown): Promise<void>;
  readJson<T>(path: string, validate: (value: unknown, path: string) => T): Promise<T>;
}

/**
 * Proof that the caller holds the repository's writer lock (@pitr/core `acquireRepoLock` returns
 * one). Catalog writes take it as an argument so an unlocked write does not compile, and a lock of
 * another repository or one already released fails at once.
 */
export interface CatalogLock {
  readonly dir: string;
  readonly held: boolean;
}

export interface StartBackupOptions {
  trigger: BackupTrigger;
  server?: BackupServer;
  dumpTool?: BackupDumpTool;
  /** What is about to be dumped; completeBackupRecord may replace it with row estimates. */
  databases?: BackupDatabase[];
  /** What the user asked for (databases, exclusions). */
  scope?: BackupScope;
  /** Default: the OS user, host name and pid of this process. */
  who?: BackupWho;
  /** Default: now. */
  startedAt?: Date;
  /** Default: a new id from startedAt. */
  id?: string;
}

export interface CompleteBackupOptions {
  coordinates: BackupCoordinates;
  sizeBytes: number;
  sha256: string;
  databases?: BackupDatabase[];
  server?: BackupServer;
  dumpTool?: BackupDumpTool;
  warnings?: string[];
  floatFixups?: BackupFloatFixups;
  /** Default: now. */
  endedAt?: Date;
}

export interface FailBackupOptions {
  /** Default: now. */
  endedAt?: Date;
  warnings?: string[];
}

/**
 * Creates `backups/<id>/` and writes its record with status `running`. The caller then writes
 * the dump into `layout.dumpFile(id)` and ends with completeBackupRecord or failBackupRecord.
 */
export async function startBackupRecord(repo: CatalogRepo, lock: CatalogLock, options: StartBackupOptions): Promise<BackupRecord> {
  assertLocked(repo, lock, 'start a backup record');
  const startedAt = options.startedAt ?? new Date();
  let id = options.id ?? newBackupId(startedAt);
  // A fresh directory per backup: mkdir without `recursive` fails on an existing one, so two
  // backups can never share a directory even if their random suffixes collide.
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(repo.layout.backupDir(id));
      break;
    } catch (e) {
      if (errnoCode(e) === 'EEXIST' && options.id === undefined && attempt < 8) {
        id = newBackupId(startedAt);
        continue;
      }
      if (errnoCode(e) === 'EEXIST') {
        throw new PitrError(ERROR_CODES.USAGE, `backup ${id} already exists in ${repo.dir}`, { hints: ['choose another backup id'] });
      }
      throw new PitrError(ERROR_CODES.IO, `could not create ${repo.layout.backupDir(id)}: ${errnoCode(e) ?? String(e)}`, { cause: e });
    }
  }
  const record: BackupRecord = {
    recordVersion: BACKUP_RECORD_VERSION,
    id,
    status: 'running',
    trigger: options.trigger,
    startedAt: startedAt.toISOString(),
    databases: options.databases ?? [],
    who: options.who ?? currentWho(),
  };
  if (options.server !== undefined) record.server = options.server;
  if (options.dumpTool !== undefined) record.dumpTool = options.dumpTool;
  if (options.scope !== undefined) record.scope = options.scope;
  try {
    await repo.writeJson(repo.layout.backupRecordFile(id), record);
  } catch (e) {
    // Leave no record-less directory behind (listBackups would have to guess what it is).
    await rmdir(repo.layout.backupDir(id)).catch(() => undefined);
    throw e;
  }
  return record;
}

/** Marks a running backup completed, with what the dump produced. */
export async function completeBackupRecord(
  repo: CatalogRepo,
  lock: CatalogLock,
  id: string,
  options: CompleteBackupOptions,
): Promise<BackupRecord> {
  assertLocked(repo, lock, 'complete a backup record');
  const record = await readRunning(repo, id, 'completed');
  const endedAt = options.endedAt ?? new Date();
  const done: BackupRecord = {
    ...record,
    status: 'completed',
    endedAt: endedAt.toISOString(),
    durationMs: durationMs(record.startedAt, endedAt),
    sizeBytes: options.sizeBytes,
    sha256: options.sha256,
    coordinates: options.coordinates,
  };
  if (options.databases !== undefined) done.databases = options.databases;
  if (options.server !== undefined) done.server = options.server;
  if (options.dumpTool !== undefined) done.dumpTool = options.dumpTool;
  if (options.warnings !== undefined && options.warnings.length > 0) done.warnings = options.warnings;
  if (options.floatFixups !== undefined) done.floatFixups = options.floatFixups;
  // Validate before writing: a completed record is what plans trust.
  parseBackupRecord(done, repo.layout.backupRecordFile(id));
  await repo.writeJson(repo.layout.backupRecordFile(id), done);
  return done;
}

/**
 * Marks a running backup failed. `error` is a PitrError/Error (its message is kept) or a text; the
 * caller removes secrets from it first. The last argument is the end time or FailBackupOptions.
 */
export async function failBackupRecord(
  repo: CatalogRepo,
  lock: CatalogLock,
  id: string,
  error: unknown,
  endedAtOrOptions: Date | FailBackupOptions = {},
): Promise<BackupRecord> {
  assertLocked(repo, lock, 'fail a backup record');
  const options: FailBackupOptions = endedAtOrOptions instanceof Date ? { endedAt: endedAtOrOptions } : endedAtOrOptions;
  const endedAt = options.endedAt ?? new Date();
  const record = await readRunning(repo, id, 'failed');
  const failed: BackupRecord = {
    ...record,
    status: 'failed',
    endedAt: endedAt.toISOString(),
    durationMs: durationMs(record.startedAt, endedAt),
    error: errorText(error),
  };
  if (options.warnings !== undefined && options.warnings.length > 0) failed.warnings = options.warnings;
  await repo.writeJson(repo.layout.backupRecordFile(id), failed);
  return failed;
}

/**
 * Removes a backup: its data files first, its record last, then its directory, so a crash midway
 * leaves a record whose dump is missing (`pitr verify` reports it, `pitr expire` finishes it) and
 * never a dump without a record that nothing would clean up.
 */
export async function deleteBackup(repo: CatalogRepo, lock: CatalogLock, id: string): Promise<void> {
  assertLocked(repo, lock, 'delete a backup');
  const dir = repo.layout.backupDir(id);
  const record = repo.layout.backupRecordFile(id);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
    throw new PitrError(ERROR_CODES.IO, `could not list ${dir}: ${errnoCode(e) ?? String(e)}`, { cause: e });
  }
  const recordName = record.slice(dir.length + 1);
  const remove = async (path: string): Promise<void> => {
    try {
      await unlink(path);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') {
        throw new PitrError(ERROR_CODES.IO, `could not remove ${path}: ${errnoCode(e) ?? String(e)}`, {
          cause: e,
          hints: ['check the permissions of the repository; run the command again to finish the removal'],
        });
      }
    }
  };
  for (const name of names) if (name !== recordName) await remove(`${dir}/${name}`);
  await syncDirectory(dir).catch(() => undefined);
  await remove(record);
  try {
    await rmdir(dir);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') {
      throw new PitrError(ERROR_CODES.IO, `could not remove ${dir}: ${errnoCode(e) ?? String(e)}`, { cause: e });
    }
  }
  await syncDirectory(repo.layout.backupsDir).catch(() => undefined);
}

/** Reads one backup record. */
export async function readBackupRecord(repo: CatalogRepo, id: string): Promise<BackupRecord> {
  const path = repo.layout.backupRecordFile(id);
  const record = await repo.readJson(path, parseBackupRecord);
  if (record.id !== id) {
    throw new PitrError(ERROR_CODES.IO, `${path} holds the record of backup ${record.id}, not ${id}`, {
      hints: ['a backup directory was renamed or copied by hand; `pitr verify` checks the repository'],
    });
  }
  return record;
}

export interface ListBackupsOptions {
  /** Only these statuses (default: all). */
  status?: readonly BackupRecord['status'][];
  /**
   * Called for a backup directory whose record is missing or damaged, which is then skipped.
   * Without it, such a directory fails the whole listing.
   */
  onProblem?: (message: string, cause: PitrError) => void;
}

/**
 * Every backup record of the repository in binlog order: by snapshot coordinates (binlog file
 * sequence, then position), ties and records without coordinates (running, failed) by start
 * time; those without coordinates come last, since they cannot start a replay.
 */
export async function listBackups(repo: CatalogRepo, options: ListBackupsOptions = {}): Promise<BackupRecord[]> {
  let names: string[];
  try {
    names = await readdir(repo.layout.backupsDir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw new PitrError(ERROR_CODES.IO, `could not list ${repo.layout.backupsDir}: ${errnoCode(e) ?? String(e)}`, { cause: e });
  }
  const records: BackupRecord[] = [];
  for (const name of names) {
    // Only backup ids: skips temp files and anything a user dropped there.
    if (!isBackupId(name)) continue;
    try {
      records.push(await readBackupRecord(repo, name));
    } catch (e) {
      if (options.onProblem === undefined || !isPitrError(e)) throw e;
      options.onProblem(`backup ${name}: ${e.message}`, e);
    }
  }
  const wanted = options.status;
  const selected = wanted === undefined ? records : records.filter((r) => wanted.includes(r.status));
  return selected.sort(compareBackupRecords);
}

/** The order of listBackups. */
export function compareBackupRecords(a: BackupRecord, b: BackupRecord): number {
  const ca = a.coordinates;
  const cb = b.coordinates;
  if (ca !== undefined && cb !== undefined) {
    const byFile = compareBinlogFileNames(ca.file, cb.file);
    if (byFile !== 0) return byFile;
    if (ca.pos !== cb.pos) return ca.pos - cb.pos;
  } else if (ca !== undefined) {
    return -1;
  } else if (cb !== undefined) {
    return 1;
  }
  const byTime = Date.parse(a.startedAt) - Date.parse(b.startedAt);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

async function readRunning(repo: CatalogRepo, id: string, next: BackupRecord['status']): Promise<BackupRecord> {
  const record = await readBackupRecord(repo, id);
  if (record.status !== 'running') {
    throw new PitrError(ERROR_CODES.INTERNAL, `backup ${id} is already ${record.status}; it cannot become ${next}`, {
      hints: ['a backup record changes status once: running → completed | failed'],
    });
  }
  return record;
}

function assertLocked(repo: CatalogRepo, lock: CatalogLock, what: string): void {
  if (!lock.held || lock.dir !== repo.dir) {
    throw new PitrError(
      ERROR_CODES.INTERNAL,
      `tried to ${what} in ${repo.dir} without holding its lock (${lock.held ? `the lock is of ${lock.dir}` : 'the lock was released'})`,
    );
  }
}

function durationMs(startedAt: string, endedAt: Date): number {
  return Math.max(0, endedAt.getTime() - Date.parse(startedAt));
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return String(error);
}

/** The OS user; userInfo() throws in containers whose uid has no passwd entry. */
export function currentWho(): BackupWho {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env['USER'] ?? process.env['LOGNAME'] ?? `uid ${process.getuid?.() ?? '?'}`;
  }
  return { user, host: hostname(), pid: process.pid };
}

function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}
