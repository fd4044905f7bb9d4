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
 * TODO(issue 4, binlog archive): binlogs needed by retained backups must be kept — when the archive
 * exists, expiring a backup must also release the archived binlogs older than the oldest retained
 * backup's coordinates (and never those it needs). `archivePrune` in ExpireResult is where that
 * report goes; nothing in binlogs/ is touched today because nothing writes there yet.
 */
import { ERROR_CODES, PitrError, acquireRepoLock, openRepo } from '@pitr/core';
import type { BackupRecord } from '../catalog/backup-record.js';
import { deleteBackup, listBackups } from '../catalog/catalog.js';

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
  /** Binlog archive pruning: not implemented until the archive exists (issue 4). */
  archivePrune: { implemented: false; note: string };
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
  const archivePrune = { implemented: false as const, note: 'the binlog archive (issue 4) does not exist yet: no archived binlogs to prune' };
  const now = options.now ?? new Date();
  if (options.dryRun === true) {
    const completed = await listBackups(repo, { status: ['completed'], onProblem: (m) => options.onWarning?.(m) });
    const removed = selectExpired(completed, options, now);
    for (const r of removed) options.onRemoved?.(r);
    return { dryRun: true, removed, kept: completed.filter((r) => !removed.includes(r)), archivePrune };
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
    // TODO(issue 4): before removing, compute the archived binlogs only these backups need and
    // release them after the records are gone (never those the oldest retained backup needs).
    for (const r of removed) {
      await deleteBackup(repo, lock, r.id);
      options.onRemoved?.(r);
    }
    return { dryRun: false, removed, kept: completed.filter((r) => !removed.includes(r)), archivePrune };
  } finally {
    await lock.release();
  }
}
