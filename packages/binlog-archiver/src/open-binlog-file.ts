/**
 * The plain file of the binlog the archiver is receiving: created with the binlog magic, events
 * appended in batches (one writev per batch), fsynced when the archive writer decides (its policy:
 * archive-binlogs.ts). Writes go to explicit offsets, so a short write or a retry never duplicates
 * bytes.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_CODES, PitrError, isPitrError, syncDirectory } from '@pitr/core';
import { BINLOG_FILE_MAGIC } from './replication-protocol.js';

/** Pending bytes above which append() callers should flush (the writer flushes per batch anyway). */
export const FLUSH_BYTES = 4 << 20;

export class OpenBinlogFile {
  readonly path: string;
  readonly name: string;
  readonly #handle: FileHandle;
  /** Offset of the next byte to write = bytes written + pending. */
  #end: number;
  /** Offset up to which bytes were written (not necessarily synced). */
  #written: number;
  /** Offset up to which bytes are fsynced. */
  #synced: number;
  #pending: Uint8Array[] = [];
  /** A background fdatasync (syncInBackground) and its failure. */
  #syncing: Promise<void> | undefined;
  #syncError: unknown = undefined;
  #pendingBytes = 0;
  #closed = false;

  private constructor(dir: string, name: string, handle: FileHandle, size: number) {
    this.path = join(dir, name);
    this.name = name;
    this.#handle = handle;
    this.#end = size;
    this.#written = size;
    this.#synced = size;
  }

  /** Creates `dir/name` (it must not exist) holding the 4-byte magic, durably (file and directory fsynced). */
  static async create(dir: string, name: string): Promise<OpenBinlogFile> {
    const path = join(dir, name);
    let handle: FileHandle;
    try {
      handle = await open(path, 'wx+', 0o600);
    } catch (e) {
      throw ioError(`could not create ${path}`, e);
    }
    try {
      await writeFully(handle, [BINLOG_FILE_MAGIC], 0);
      await handle.sync();
      await syncDirectory(dir);
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw ioError(`could not write ${path}`, e);
    }
    return new OpenBinlogFile(dir, name, handle, BINLOG_FILE_MAGIC.length);
  }

  /**
   * Opens an existing plain file to continue it at `size` bytes: anything after is cut (and the
   * cut made durable). A file without a valid magic is started over.
   */
  static async reopen(dir: string, name: string, size: number, rewriteMagic: boolean): Promise<OpenBinlogFile> {
    const path = join(dir, name);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r+');
    } catch (e) {
      throw ioError(`could not open ${path}`, e);
    }
    try {
      const keep = rewriteMagic ? 0 : Math.max(size, BINLOG_FILE_MAGIC.length);
      const current = (await handle.stat()).size;
      if (current !== keep) await handle.truncate(keep);
      if (rewriteMagic) await writeFully(handle, [BINLOG_FILE_MAGIC], 0);
      await handle.sync();
      return new OpenBinlogFile(dir, name, handle, rewriteMagic ? BINLOG_FILE_MAGIC.length : keep);
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw ioError(`could not prepare ${path}`, e);
    }
  }

  /** Offset after the last appended byte (= where the next event starts). */
  get position(): number {
    return this.#end;
  }

  get syncedPosition(): number {
    return this.#synced;
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Queues bytes for the next flush. The caller must not change them afterwards. */
  append(bytes: Uint8Array): void {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    this.#end += bytes.length;
  }

  /** Writes what is queued (not synced). */
  async flush(): Promise<void> {
    this.#throwSyncError();
    if (this.#pendingBytes === 0) return;
    const chunks = this.#pending;
    const at = this.#written;
    const n = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    try {
      await writeFully(this.#handle, chunks, at);
    } catch (e) {
      throw ioError(`could not write ${this.path}`, e);
    }
    this.#written = at + n;
  }

  /**
   * Writes what is queued and starts an fdatasync without waiting for it (none if one is still
   * running): while catching up, receiving goes on during the disk's flush instead of stalling.
   * `syncedPosition` moves when it completes; a failure is thrown by the next flush/sync/close.
   */
  async syncInBackground(): Promise<void> {
    await this.flush();
    if (this.#syncing !== undefined || this.#synced === this.#written) return;
    const target = this.#written;
    this.#syncing = this.#handle.datasync().then(
      () => {
        if (target > this.#synced) this.#synced = target;
        this.#syncing = undefined;
      },
      (e: unknown) => {
        this.#syncError ??= ioError(`could not fsync ${this.path}`, e);
        this.#syncing = undefined;
      },
    );
  }

  #throwSyncError(): void {
    if (this.#syncError !== undefined) throw this.#syncError;
  }

  /** Writes what is queued and fsyncs (fdatasync: data and the size, not the times). */
  async sync(): Promise<void> {
    await this.flush();
    if (this.#syncing !== undefined) await this.#syncing;
    this.#throwSyncError();
    if (this.#synced === this.#written) return;
    try {
      await this.#handle.datasync();
    } catch (e) {
      throw ioError(`could not fsync ${this.path}`, e);
    }
    this.#synced = this.#written;
  }

  /** Syncs and closes. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.sync();
    } finally {
      this.#closed = true;
      await this.#handle.close().catch(() => undefined);
    }
  }

  /** Closes without writing what is pending (after a failure). */
  async abandon(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#syncing?.catch(() => undefined);
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.#handle.close().catch(() => undefined);
  }
}

/** Writes every byte of `chunks` at `position` (loops over short writes). */
export async function writeFully(handle: FileHandle, chunks: readonly Uint8Array[], position: number): Promise<void> {
  let at = position;
  let list = chunks.filter((c) => c.length > 0);
  while (list.length > 0) {
    const { bytesWritten } = await handle.writev(list as Uint8Array[], at);
    at += bytesWritten;
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const c of list) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      rest.push(skip > 0 ? c.subarray(skip) : c);
      skip = 0;
    }
    if (bytesWritten === 0 && rest.length > 0) throw new Error('write returned 0 bytes');
    list = rest;
  }
}

function ioError(message: string, e: unknown): PitrError {
  if (isPitrError(e)) return e;
  const code = (e as NodeJS.ErrnoException).code;
  return new PitrError(ERROR_CODES.IO, `${message}: ${code ?? (e instanceof Error ? e.message : String(e))}`, {
    cause: e,
    hints: ['check free space and permissions of the repository'],
  });
}
