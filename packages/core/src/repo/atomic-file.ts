import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ERROR_CODES, PitrError, isPitrError } from '../errors/pitr-error.js';

/**
 * Durable, atomic file replacement for repository metadata (backup records, restore records, the
 * repository marker). A reader sees either the old file or the new one, never a torn mix, even if
 * the writer is killed or the machine loses power:
 *
 *   1. write a temp file in the SAME directory (rename is only atomic within one file system),
 *   2. fsync it (its bytes are on disk before the name points at them),
 *   3. rename it over the target (atomic replace, POSIX rename(2)),
 *   4. fsync the directory (the rename itself survives a crash).
 *
 * See https://lwn.net/Articles/457667/ ("Ensuring data reaches disk") for why both fsyncs matter.
 * A killed writer can leave a temp file behind; its name starts with ATOMIC_TEMP_PREFIX so listers
 * skip it (isAtomicTempName) and cleanup can recognise it.
 */
export const ATOMIC_TEMP_PREFIX = '.pitr-tmp-';

/** True for the leftover temp files of an interrupted writeFileAtomic. */
export function isAtomicTempName(name: string): boolean {
  return name.startsWith(ATOMIC_TEMP_PREFIX);
}

export interface WriteFileAtomicOptions {
  /** File mode of the new file (default 0o644; 0o600 for anything secret). */
  mode?: number;
}

/** Writes `data` to `path` atomically and durably (see the file comment). */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `${ATOMIC_TEMP_PREFIX}${basename(path)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx', options.mode ?? 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    await syncDirectory(dir);
  } catch (e) {
    if (!renamed) await unlink(temp).catch(() => undefined);
    throw fileIoError(`could not write ${path}`, e, [`check that ${dir} exists, is writable and has free space`]);
  }
}

/** Writes `value` as pretty JSON (two-space indent, trailing newline) atomically. */
export async function writeJsonAtomic(path: string, value: unknown, options: WriteFileAtomicOptions = {}): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, options);
}

/**
 * Checks that parsed JSON has the expected shape and returns it typed. Throw a PitrError to
 * reject; any other exception is wrapped into one naming the file.
 */
export type JsonValidator<T> = (value: unknown, path: string) => T;

/** Reads and validates a JSON file. Missing file, bad JSON or a rejected shape → PitrError (IO). */
export async function readJsonFile<T>(path: string, validate: JsonValidator<T>): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw fileIoError(`could not read ${path}`, e, []);
  }
  return parseJsonText(text, path, validate);
}

/** As readJsonFile, but a missing file gives `undefined`. */
export async function readJsonFileIfExists<T>(path: string, validate: JsonValidator<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw fileIoError(`could not read ${path}`, e, []);
  }
  return parseJsonText(text, path, validate);
}

function parseJsonText<T>(text: string, path: string, validate: JsonValidator<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new PitrError(ERROR_CODES.IO, `${path} is not valid JSON`, {
      cause: e,
      hints: ['the file is damaged or was not written by pitr; restore it from a copy or remove it'],
    });
  }
  try {
    return validate(value, path);
  } catch (e) {
    if (isPitrError(e)) throw e;
    throw new PitrError(ERROR_CODES.IO, `${path} has an unexpected shape: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

/**
 * fsync on a directory makes a rename in it durable. Some platforms/file systems refuse to open or
 * sync directories (Windows, some network mounts); there is nothing more we can do there.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EISDIR' || code === 'EPERM' || code === 'EACCES') return;
    throw e;
  }
  try {
    await handle.sync();
  } catch (e) {
    const code = errnoCode(e);
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EBADF') throw e;
  } finally {
    await handle.close();
  }
}

/** The errno code (`ENOENT`, …) of a Node fs error, if any. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

/** Hint for a failed write into a repository. */
export const REPO_WRITE_HINT = 'check free space and permissions of the repository';

/**
 * A file-system failure as a PitrError IO: `message` (what failed) and the errno code (else the
 * error's message). A PitrError passes through unchanged.
 */
export function fileIoError(message: string, cause: unknown, hints: readonly string[] = []): PitrError {
  if (isPitrError(cause)) return cause;
  const code = errnoCode(cause);
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new PitrError(ERROR_CODES.IO, `${message}: ${code ?? detail}`, { cause, hints });
}
