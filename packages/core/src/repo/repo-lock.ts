import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import { errnoCode, syncDirectory } from './atomic-file.js';
import { repoLayout } from './repo-layout.js';

/**
 * One writer at a time per repository (DESIGN.md "Restore safety"). The lock is a file created
 * with O_CREAT|O_EXCL (`open(…, 'wx')`), which is atomic on local file systems and on NFSv3+;
 * it names its holder so a second writer can say who is in the way. Readers never lock.
 *
 * A holder that died leaves its file behind. When the file names a pid on THIS host that no
 * longer exists, the lock is stale and the next writer takes it over (and says so). A lock from
 * another host cannot be checked from here and is never taken over automatically.
 */
export interface RepoLockOwner {
  pid: number;
  hostname: string;
  /** What holds it, e.g. `backup`, `archive --follow`, `restore`. */
  command: string;
  /** ISO UTC time the lock was taken. */
  startedAt: string;
  /** Random per acquisition, so a holder never removes a lock that is no longer its own. */
  token: string;
}

export interface AcquireRepoLockOptions {
  /** The command taking the lock (shown to whoever waits for it). */
  command: string;
  /** How long to wait for a live holder before failing (default 0: fail at once). */
  waitMs?: number;
  /** Poll interval while waiting (default 100 ms). */
  pollMs?: number;
  /** Called for things the user should know but that do not stop us (stale lock taken over). */
  onWarning?: (message: string) => void;
  /**
   * Which writer lock: 'repository' (backups, catalog, restore records; the default) or 'archive'
   * (the binlog archive, `archive.lock`), so a running `pitr archive --follow` does not stop backups.
   * A command that changes both (expire pruning binlogs) takes both, repository first.
   */
  scope?: 'repository' | 'archive';
}

/** Lock file of the binlog archive's writer (see AcquireRepoLockOptions.scope). */
export const ARCHIVE_LOCK_FILE = 'archive.lock';

/**
 * A lock file younger than this that cannot be parsed is a holder between its O_EXCL create and
 * its write, not a corpse: wait for it. Older, it was left by a crash at exactly that moment.
 */
const UNREADABLE_LOCK_GRACE_MS = 10_000;
const DEFAULT_POLL_MS = 100;

/** A held repository lock. Release it with `await using lock = …` or `await lock.release()`. */
export class RepoLock implements AsyncDisposable {
  readonly dir: string;
  readonly file: string;
  readonly owner: RepoLockOwner;
  #held = true;
  readonly #onExit: () => void;
  readonly #onWarning: ((message: string) => void) | undefined;

  /** @internal use acquireRepoLock */
  constructor(dir: string, file: string, owner: RepoLockOwner, onWarning: ((message: string) => void) | undefined) {
    this.dir = dir;
    this.file = file;
    this.owner = owner;
    this.#onWarning = onWarning;
    // Best effort on a normal exit (including process.exit from the CLI's main). A kill -9 or a
    // fatal signal skips this; the stale-lock takeover covers those.
    this.#onExit = () => {
      if (!this.#held) return;
      this.#held = false;
      try {
        if (parseOwner(readFileSync(this.file, 'utf8'))?.token === this.owner.token) unlinkSync(this.file);
      } catch {
        // exiting anyway; a leftover lock is detected as stale next time
      }
    };
    process.on('exit', this.#onExit);
  }

  get held(): boolean {
    return this.#held;
  }

  /** Removes the lock file if it is still ours. Idempotent. */
  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    process.off('exit', this.#onExit);
    let current: RepoLockOwner | undefined;
    try {
      current = parseOwner(await readFile(this.file, 'utf8'));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') {
        this.#onWarning?.(`repository lock ${this.file} was already removed while \`${this.owner.command}\` held it`);
        return;
      }
      throw lockIoError(`could not read repository lock ${this.file}`, e);
    }
    if (current?.token !== this.owner.token) {
      this.#onWarning?.(
        `repository lock ${this.file} is no longer ours (now ${current === undefined ? 'unreadable' : describeOwner(current)}); left in place`,
      );
      return;
    }
    try {
      await unlink(this.file);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw lockIoError(`could not remove repository lock ${this.file}`, e);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}

/**
 * Takes the writer lock of the repository at `dir` (the directory must exist). Waits up to
 * `waitMs` for a live holder, takes over a stale one, and otherwise fails with a PitrError
 * naming the holder.
 */
export async function acquireRepoLock(dir: string, options: AcquireRepoLockOptions): Promise<RepoLock> {
  const layout = repoLayout(dir);
  const file = options.scope === 'archive' ? join(layout.root, ARCHIVE_LOCK_FILE) : layout.lockFile;
  const waitMs = Math.max(0, options.waitMs ?? 0);
  const pollMs = Math.max(1, options.pollMs ?? DEFAULT_POLL_MS);
  const deadline = Date.now() + waitMs;
  const owner: RepoLockOwner = {
    pid: process.pid,
    hostname: hostname(),
    command: options.command,
    startedAt: '',
    token: randomBytes(8).toString('hex'),
  };
  for (;;) {
    owner.startedAt = new Date().toISOString();
    if (await tryCreate(file, owner)) {
      await syncDirectory(layout.root).catch(() => undefined);
      return new RepoLock(layout.root, file, { ...owner }, options.onWarning);
    }
    const holder = await inspectHolder(file);
    if (holder.kind === 'gone') continue;
    if (holder.kind === 'stale') {
      if (await takeOverStale(file, holder.raw)) {
        options.onWarning?.(`took over a stale repository lock: ${holder.reason}`);
      }
      continue;
    }
    const now = Date.now();
    if (now >= deadline) throw lockedError(layout.root, file, holder.owner, waitMs);
    await sleep(Math.min(pollMs, deadline - now));
  }
}

/** Who holds the lock of the repository at `dir`, if anyone (for `pitr list`/diagnostics). */
export async function readRepoLock(dir: string): Promise<RepoLockOwner | undefined> {
  try {
    return parseOwner(await readFile(repoLayout(dir).lockFile, 'utf8'));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw lockIoError(`could not read the repository lock of ${dir}`, e);
  }
}

async function tryCreate(file: string, owner: RepoLockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx', 0o644);
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    if (errnoCode(e) === 'ENOENT') {
      throw new PitrError(ERROR_CODES.USAGE, `cannot lock ${file}: the repository directory does not exist`, {
        hints: ['create the repository first (initRepo / `pitr backup --repo DIR`)'],
      });
    }
    throw lockIoError(`could not create repository lock ${file}`, e);
  }
  let failure: unknown;
  try {
    await handle.writeFile(`${JSON.stringify(owner)}\n`);
    await handle.sync();
  } catch (e) {
    failure = e;
  } finally {
    await handle.close().catch(() => undefined);
  }
  if (failure !== undefined) {
    await unlink(file).catch(() => undefined);
    throw lockIoError(`could not write repository lock ${file}`, failure);
  }
  return true;
}

type Holder =
  | { kind: 'gone' }
  | { kind: 'live'; owner: RepoLockOwner | undefined }
  | { kind: 'stale'; raw: string; reason: string };

async function inspectHolder(file: string): Promise<Holder> {
  let raw: string;
  let mtimeMs: number;
  try {
    raw = await readFile(file, 'utf8');
    mtimeMs = (await stat(file)).mtimeMs;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { kind: 'gone' };
    throw lockIoError(`could not read repository lock ${file}`, e);
  }
  const owner = parseOwner(raw);
  if (owner === undefined) {
    const ageMs = Date.now() - mtimeMs;
    if (ageMs > UNREADABLE_LOCK_GRACE_MS) {
      return { kind: 'stale', raw, reason: `${file} is unreadable and ${Math.round(ageMs / 1000)} s old (a holder crashed while creating it)` };
    }
    return { kind: 'live', owner: undefined };
  }
  if (owner.hostname === hostname() && !pidAlive(owner.pid)) {
    return {
      kind: 'stale',
      raw,
      reason: `\`${owner.command}\` (pid ${owner.pid} on ${owner.hostname}, since ${owner.startedAt}) is no longer running`,
    };
  }
  return { kind: 'live', owner };
}

/**
 * Removes a stale lock without ever removing a live one: two waiters may both judge the same file
 * stale, and by the time the slower one acts the faster one may have created a fresh lock. So the
 * file is first renamed to a private name (only one renamer wins) and checked to be the very file
 * judged stale; if it is not, it is linked back (link fails rather than clobbering a newer lock).
 */
async function takeOverStale(file: string, staleRaw: string): Promise<boolean> {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw lockIoError(`could not remove stale repository lock ${file}`, e);
  }
  let raw: string;
  try {
    raw = await readFile(aside, 'utf8');
  } catch (e) {
    throw lockIoError(`could not read ${aside}`, e);
  }
  if (raw !== staleRaw) {
    await link(aside, file).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return false;
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

function parseOwner(raw: string): RepoLockOwner | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (
    typeof o['pid'] !== 'number' ||
    typeof o['hostname'] !== 'string' ||
    typeof o['command'] !== 'string' ||
    typeof o['startedAt'] !== 'string' ||
    typeof o['token'] !== 'string'
  ) {
    return undefined;
  }
  return { pid: o['pid'], hostname: o['hostname'], command: o['command'], startedAt: o['startedAt'], token: o['token'] };
}

/** signal 0 checks existence without signalling; EPERM means it exists but is not ours. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}

function describeOwner(owner: RepoLockOwner): string {
  return `\`${owner.command}\` (pid ${owner.pid} on ${owner.hostname}, since ${owner.startedAt})`;
}

function lockedError(root: string, file: string, owner: RepoLockOwner | undefined, waitMs: number): PitrError {
  const who = owner === undefined ? 'another pitr process (its lock file is being written)' : describeOwner(owner);
  const waited = waitMs > 0 ? ` (waited ${waitMs} ms)` : '';
  const sameHost = owner === undefined || owner.hostname === hostname();
  return new PitrError(ERROR_CODES.REPO_LOCKED, `repository ${root} is locked by ${who}${waited}`, {
    hints: [
      'wait for that command to finish and run this one again',
      sameHost
        ? `if that process is hung, stop it; a lock whose process has exited is taken over automatically`
        : `that lock is held from another host; if you are sure nothing there is running, remove ${file}`,
    ],
  });
}

function lockIoError(message: string, cause: unknown): PitrError {
  return new PitrError(ERROR_CODES.IO, `${message}: ${errnoCode(cause) ?? String(cause)}`, { cause });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
