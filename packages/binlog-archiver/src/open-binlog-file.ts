/**
 * The plain file of the binlog the archiver is receiving: created with the binlog magic, events
 * appended, written when the archive writer flushes (in pieces of whole events through a staging
 * ring: staging-ring.ts), fsynced when it decides (its policy: archive-binlogs.ts). Writes go to
 * explicit offsets, so a short write or a retry never duplicates bytes.
 *
 * A flush copies each event once, into the staging ring at its file offset; from there the piece
 * is written (whole pages with O_DIRECT where the filesystem takes it), hashed and checked
 * (the digest threads read the ring: digest-worker.ts), and the appended views are handed back at
 * once (`onReleased`: the dump stream reuses their memory). An event too big for the ring is
 * written from its own memory instead.
 *
 * A file created here (not reopened after a restart) is hashed as its bytes go by: the SHA-256 of
 * the file as it will be once closed (the in-use flag cleared, as the server's stream sends it),
 * so closing it needs no second read.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BinlogFormatError, ERROR_CODES, type PitrError, REPO_WRITE_HINT, errnoCode, fileIoError, syncDirectory, typeName } from '@pitr/core';
import { DigestMismatchError, type DigestPart, type DigestWorker } from './digest-worker.js';
import { BINLOG_FILE_MAGIC } from './replication-protocol.js';
import { StagingRing, alignDown } from './staging-ring.js';

/** Pieces (their digest jobs and writes) that may run while the caller goes on. */
const MAX_WRITES_IN_FLIGHT = 2;
/**
 * A flush is staged in pieces of whole events of about this much (at most a quarter of the ring).
 * Measured catching up on 1 GB (2 vCPUs, ext4): 8 MiB pieces from a 32 MiB ring took 2.0 s
 * median against 2.4 s with 2 MiB pieces from an 8 MiB one.
 */
const PIECE_BYTES = 8 << 20;
/** The ring of a file given none (no direct writes, no digest threads). */
const OWN_RING_BYTES = 1 << 20;
/** Direct writes start once this many whole pages are staged and unwritten; less waits, or goes through the page cache when synced. */
const DIRECT_MIN_BYTES = 64 << 10;
/**
 * A file created after another closes (`createAfter`) keeps up to this much appended in memory
 * until it exists on disk; then flush waits for it (the dump stream pauses at its maxBufferedBytes,
 * 32 MiB by default, and resumes as the previous file's close releases what it wrote).
 */
const DEFERRED_PENDING_BYTES = 16 << 20;

export interface OpenBinlogFileOptions {
  /**
   * Called with the last view appended once the file no longer needs it nor anything appended
   * earlier (copied to the staging ring, or written): the dump stream reuses their memory.
   */
  readonly onReleased?: (last: Uint8Array) => void;
  /** Called when a background fdatasync (syncInBackground) has moved `syncedPosition`. */
  readonly onSynced?: (file: OpenBinlogFile) => void;
  /**
   * Hash on this worker, which also checks every event's CRC32 (once `checkChecksums` is set),
   * instead of hashing on the main thread (where the scanner checks the CRC32s). It reads the
   * worker's staging ring, which the file then uses.
   */
  readonly digestWorker?: DigestWorker;
  /**
   * The memory pieces are written from (one file at a time may use it; default: a ring of the
   * digest worker's, else one of the file's own).
   */
  readonly staging?: StagingRing;
  /**
   * Write whole pages with O_DIRECT, the partial last page through the page cache when syncing
   * (default: when a staging ring is given). Where the filesystem refuses O_DIRECT the file is
   * written through the page cache.
   */
  readonly directIo?: boolean;
}

/** Where the file's bytes are hashed: on the main thread or on the digest worker. */
interface FileDigest {
  /** Adds the next bytes; a promise when the work happens elsewhere. */
  add(parts: readonly DigestPart[], checkChecksums: boolean): Promise<void> | undefined;
  /** The hash of everything added (undefined when the file was not hashed from its start). */
  sha256(): Promise<string | undefined>;
  forget(): void;
}

function inlineDigest(hashFromStart: boolean, ring: StagingRing): FileDigest {
  let hash: Hash | undefined = hashFromStart ? createHash('sha256').update(BINLOG_FILE_MAGIC) : undefined;
  return {
    add(parts) {
      if (hash !== undefined) for (const p of parts) for (const v of p instanceof Uint8Array ? [p] : ring.views(p.at, p.at + p.length)) hash.update(v);
      return undefined;
    },
    sha256() {
      const hex = hash?.digest('hex');
      hash = undefined;
      return Promise.resolve(hex);
    },
    forget() {
      hash = undefined;
    },
  };
}

function workerDigest(worker: DigestWorker, hashFromStart: boolean): FileDigest {
  const key = worker.newFile();
  let hashing = hashFromStart;
  // the magic is no event: hashed without a CRC32 check (a worker failure shows in the next job)
  if (hashing) worker.digest(key, [BINLOG_FILE_MAGIC], { crc: false, hash: true }).catch(() => undefined);
  return {
    add(parts, checkChecksums) {
      return worker.digest(key, parts, { crc: checkChecksums, hash: hashing });
    },
    async sha256() {
      if (!hashing) return undefined;
      hashing = false;
      return worker.sha256(key);
    },
    forget() {
      if (hashing) worker.drop(key);
      hashing = false;
    },
  };
}

export class OpenBinlogFile {
  readonly path: string;
  readonly name: string;
  #handle: FileHandle | undefined;
  /** The same file opened with O_DIRECT (when asked for), and whether it is still used. */
  #directHandle: FileHandle | undefined;
  /** A file created by createAfter: on disk once this settles (undefined: it is). */
  #creating: Promise<void> | undefined;
  /** Flushes run one after the other (the caller's, and the one a deferred creation starts). */
  #flushing: Promise<void> = Promise.resolve();
  #useDirect: boolean;
  /** Where pieces are copied, each byte at its file offset mod the ring's size. */
  readonly #ring: StagingRing;
  /** Lowest ring offset each piece in flight reads (written or digested from the ring: those bytes must stay). */
  readonly #stagedStarts: number[] = [];
  /**
   * Writes were started for file range [0, #diskEnd). After a direct write it is a page boundary
   * and the bytes after it (the partial last page, staged) wait for the next direct write, which
   * starts at that page, or for a tail write through the page cache when the file syncs.
   */
  #diskEnd: number;
  /** Ends of staged pieces (event boundaries) not yet covered by a started write, in order. */
  #pieceEnds: number[] = [];
  readonly #onReleased: ((last: Uint8Array) => void) | undefined;
  readonly #onSynced: ((file: OpenBinlogFile) => void) | undefined;
  /** syncInBackground() was called: a finished background sync starts the next while bytes are unsynced. */
  #keepSyncing = false;
  /** SHA-256 of the closed file's bytes (only for a file hashed from its start). */
  readonly #digest: FileDigest;
  /**
   * With a digest worker: check each event's CRC32 there (set once the file's
   * FORMAT_DESCRIPTION_EVENT says the events carry one).
   */
  checkChecksums = false;
  /** Events appended and not yet flushed; the closed form of one of them, where it differs (the FDE). */
  #pending: Uint8Array[] = [];
  #pendingClosedAs: { readonly index: number; readonly bytes: Uint8Array } | undefined;
  #pendingBytes = 0;
  /** Offset of the next byte to write = bytes written + pending. */
  #end: number;
  /** Offset up to which bytes were written (not necessarily synced). */
  #written: number;
  /** Offset up to which writes were started. */
  #issued: number;
  /** Writes started and not completed; their completions, in order; callers waiting for one. */
  #writesInFlight = 0;
  #writeChain: Promise<void> = Promise.resolve();
  #writeWaiters: (() => void)[] = [];
  /** Offset up to which bytes are fsynced. */
  #synced: number;
  /** A background fdatasync (syncInBackground) and its failure. */
  #syncing: Promise<void> | undefined;
  #syncError: unknown = undefined;
  #closed = false;

  private constructor(dir: string, name: string, handle: FileHandle | undefined, direct: FileHandle | undefined, size: number, options: OpenBinlogFileOptions) {
    this.path = join(dir, name);
    this.name = name;
    this.#handle = handle;
    this.#directHandle = direct;
    this.#useDirect = direct !== undefined;
    this.#ring = ringOf(options);
    this.#onReleased = options.onReleased;
    this.#onSynced = options.onSynced;
    // hashed from its start: the magic is all there is
    const fromStart = size === BINLOG_FILE_MAGIC.length;
    this.#digest = options.digestWorker === undefined ? inlineDigest(fromStart, this.#ring) : workerDigest(options.digestWorker, fromStart);
    this.#end = size;
    this.#written = size;
    this.#issued = size;
    this.#diskEnd = size;
    this.#synced = size;
  }

  /** Creates `dir/name` (it must not exist) holding the 4-byte magic, durably (file and directory fsynced). */
  static async create(dir: string, name: string, options: OpenBinlogFileOptions = {}): Promise<OpenBinlogFile> {
    const file = new OpenBinlogFile(dir, name, undefined, undefined, BINLOG_FILE_MAGIC.length, options);
    await file.#createOnDisk(dir, options);
    return file;
  }

  /**
   * The file `create` makes, made on disk once `after` settles (the previous file is closed: a
   * restart takes a file followed by another as finished, and the staging ring is shared), while
   * events are appended already: receiving goes on during the previous file's last writes and
   * fsync and this one's creation instead of stalling at each rotation. Appends are kept in
   * memory meanwhile (flush returns at once below DEFERRED_PENDING_BYTES); a failure of `after`
   * or of the creation is thrown by the next flush/sync/close.
   */
  static createAfter(dir: string, name: string, options: OpenBinlogFileOptions, after: Promise<unknown>): OpenBinlogFile {
    const file = new OpenBinlogFile(dir, name, undefined, undefined, BINLOG_FILE_MAGIC.length, options);
    file.#creating = after
      .then(() => file.#createOnDisk(dir, options))
      .then(
        () => {
          file.#creating = undefined;
          // what was appended meanwhile goes out now, not at the caller's next flush
          if (file.#pendingBytes > 0) file.flush().catch((e: unknown) => (file.#syncError ??= e));
          else if (file.#keepSyncing) file.#startSync();
        },
        (e: unknown) => {
          file.#syncError ??= e;
        },
      );
    return file;
  }

  async #createOnDisk(dir: string, options: OpenBinlogFileOptions): Promise<void> {
    const path = this.path;
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
    this.#handle = handle;
    this.#directHandle = await openDirect(path, options);
    this.#useDirect = this.#directHandle !== undefined;
    this.#ring.put(0, BINLOG_FILE_MAGIC);
  }

  /** The file exists on disk (a failure to create it is thrown). */
  async #created(): Promise<void> {
    if (this.#creating !== undefined) await this.#creating;
    this.#throwSyncError();
  }

  /** The file's handle (it exists on disk by the time anything is written). */
  get #fh(): FileHandle {
    if (this.#handle === undefined) throw new Error(`${this.path} is not created yet`);
    return this.#handle;
  }

  /**
   * Opens an existing plain file to continue it at `size` bytes: anything after is cut (and the
   * cut made durable). A file without a valid magic is started over.
   */
  static async reopen(dir: string, name: string, size: number, rewriteMagic: boolean, options: OpenBinlogFileOptions = {}): Promise<OpenBinlogFile> {
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
      const file = new OpenBinlogFile(dir, name, handle, await openDirect(path, options), rewriteMagic ? BINLOG_FILE_MAGIC.length : keep, options);
      await file.#loadPartialPage();
      return file;
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

  /** Whole pages go out with O_DIRECT (a staging ring was given and the filesystem takes them). */
  get directWrites(): boolean {
    return this.#useDirect;
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Queues one event for the next flush. The caller must not change it until it is released
   * (`onReleased`). `closedAs`: the same bytes as they will be in the closed file, when they differ
   * (the FDE's in-use flag).
   */
  append(event: Uint8Array, closedAs?: Uint8Array): void {
    if (closedAs !== undefined && closedAs !== event) this.#pendingClosedAs = { index: this.#pending.length, bytes: closedAs };
    this.#pending.push(event);
    this.#pendingBytes += event.length;
    this.#end += event.length;
  }

  /**
   * The SHA-256 (hex) of the file's bytes with the in-use flag cleared, when every byte went
   * through this object (a created file, not one reopened after a restart); once, at the end.
   */
  async closedSha256(): Promise<string | undefined> {
    await this.#writeChain;
    if (this.#pendingBytes !== 0 || this.#syncError !== undefined) {
      this.#digest.forget();
      return undefined;
    }
    return this.#digest.sha256();
  }

  /** The hash is not wanted (the file was not closed by the server). */
  forgetSha256(): void {
    this.#digest.forget();
  }

  /**
   * Starts writing (and digesting) what is queued, in pieces of whole events, and returns once at
   * most MAX_WRITES_IN_FLIGHT writes are still running: the caller decodes the next events while
   * the disk and the digest threads work (waiting for each write kept both idle half the time).
   * Writes go to their own offsets and complete in order (the file is exact up to the last piece end
   * a completed write covers: what a sync makes durable). A
   * failure is thrown by this or the next call (flush, sync, close). Flushes run one after the
   * other (a file from createAfter starts one itself once it exists); before it exists, this
   * returns at once below DEFERRED_PENDING_BYTES pending.
   */
  flush(): Promise<void> {
    const run = this.#flushing.then(() => this.#flushNow());
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  async #flushNow(): Promise<void> {
    this.#throwSyncError();
    if (this.#creating !== undefined) {
      if (this.#pendingBytes < DEFERRED_PENDING_BYTES) return;
      await this.#created();
    }
    const events = this.#pending;
    const closedAs = this.#pendingClosedAs;
    this.#pending = [];
    this.#pendingClosedAs = undefined;
    const ring = this.#ring;
    const pieceLimit = Math.min(PIECE_BYTES, ring.size / 4);
    let i = 0;
    while (i < events.length) {
      const first = events[i]!;
      if (first.length > ring.size / 4) {
        // too big for the ring: written from its own memory, after everything before it
        await this.#writeUnstaged(first, closedAs?.index === i ? closedAs.bytes : first);
        i++;
        continue;
      }
      let j = i + 1;
      let bytes = first.length;
      while (j < events.length && events[j]!.length <= ring.size / 4 && bytes + events[j]!.length <= pieceLimit) bytes += events[j++]!.length;
      // the ring holds the pieces in flight: wait until this one fits beside them
      while (this.#stagedStarts.length > 0 && this.#issued + bytes - this.#liveFrom() > ring.size) await this.#writeCompleted();
      while (this.#writesInFlight > MAX_WRITES_IN_FLIGHT) await this.#writeCompleted();
      this.#throwSyncError();
      const parts = this.#stage(events, i, j, closedAs);
      this.#pendingBytes -= bytes;
      await this.#startPiece(bytes, parts);
      // copied (and what the digest threads get apart from the ring, too): the caller may reuse the events' memory
      this.#onReleased?.(events[j - 1]!);
      i = j;
    }
    while (this.#writesInFlight > MAX_WRITES_IN_FLIGHT) await this.#writeCompleted();
    this.#throwSyncError();
  }

  /**
   * Copies events[from, to) into the ring at the file offsets they will have, and returns the
   * digest parts for them: ring ranges, cut where an event wraps around the ring's end (sent as its
   * own bytes, like the closed form of the FDE), so that each part holds whole events.
   */
  #stage(events: readonly Uint8Array[], from: number, to: number, closedAs: { readonly index: number; readonly bytes: Uint8Array } | undefined): DigestPart[] {
    const ring = this.#ring;
    const size = ring.size;
    const parts: DigestPart[] = [];
    let pos = this.#issued;
    let runStart = pos;
    for (let k = from; k < to; k++) {
      const ev = events[k]!;
      const o = pos % size;
      if (o === 0 && pos > runStart) {
        parts.push({ at: runStart, length: pos - runStart });
        runStart = pos;
      }
      ring.put(pos, ev);
      const own = closedAs?.index === k ? closedAs.bytes : o + ev.length > size ? ev : undefined;
      if (own !== undefined) {
        if (pos > runStart) parts.push({ at: runStart, length: pos - runStart });
        parts.push(own);
        runStart = pos + ev.length;
      }
      pos += ev.length;
    }
    if (pos > runStart) parts.push({ at: runStart, length: pos - runStart });
    return parts;
  }

  #writeCompleted(): Promise<void> {
    return new Promise<void>((resolve) => this.#writeWaiters.push(resolve));
  }

  /** The lowest file offset whose staged bytes are still needed (by a piece in flight, or not yet written). */
  #liveFrom(): number {
    const unwritten = alignDown(this.#diskEnd);
    const oldest = this.#stagedStarts[0];
    return oldest === undefined ? unwritten : Math.min(oldest, unwritten);
  }

  /**
   * Starts digesting the next `bytes` (staged in the ring) and writing what is staged: with direct
   * writes, every whole page not yet written once there are DIRECT_MIN_BYTES of them (the partial
   * last page waits: the next direct write starts at it, so no page is written twice and nothing
   * goes through the page cache while catching up); otherwise through the page cache at once.
   */
  async #startPiece(bytes: number, parts: readonly DigestPart[]): Promise<void> {
    // A direct write would start at a page last written through the page cache: that write must be
    // done first (and another may start meanwhile: a background sync's tail write).
    while (
      this.#useDirect &&
      this.#diskEnd !== alignDown(this.#diskEnd) &&
      this.#writesInFlight > 0 &&
      alignDown(this.#issued + bytes) - alignDown(this.#diskEnd) >= DIRECT_MIN_BYTES
    ) {
      await this.#drainWrites();
    }
    const at = this.#issued;
    const end = at + bytes;
    this.#issued = end;
    this.#pieceEnds.push(end);
    // hashed (and checked) beside the write; the ring's bytes stay until both are done
    const digesting = this.#digest.add(parts, this.checkChecksums) ?? Promise.resolve();
    let writing: Promise<void> | undefined;
    let from = at;
    let exactEnd: number | undefined;
    if (this.#useDirect && this.#directHandle !== undefined) {
      const a = alignDown(this.#diskEnd);
      const b = alignDown(end);
      if (b - a >= DIRECT_MIN_BYTES) {
        from = a;
        exactEnd = this.#coverTo(b);
        writing = this.#writeDirect(a, b);
      }
    } else {
      from = this.#diskEnd;
      exactEnd = this.#coverTo(end);
      writing = writeFully(this.#fh, this.#ring.views(from, end), from);
    }
    this.#chain(Math.min(from, at), exactEnd, bothDone(writing, digesting), at);
  }

  /**
   * A write of [#diskEnd, to) is started: returns the last piece end it covers (the file is exact
   * up to there once it and the writes before it are done).
   */
  #coverTo(to: number): number | undefined {
    this.#diskEnd = to;
    let exact: number | undefined;
    while (this.#pieceEnds.length > 0 && this.#pieceEnds[0]! <= to) exact = this.#pieceEnds.shift();
    return exact;
  }

  /**
   * Writes the staged bytes no write has covered yet (the partial page after the last direct
   * write, or pieces below DIRECT_MIN_BYTES) through the page cache, once no write runs: a
   * buffered write of a page a direct write is writing could leave its stale copy to writeback.
   */
  #startTailWrite(): void {
    if (this.#diskEnd >= this.#issued || this.#writesInFlight > 0) return;
    const from = this.#diskEnd;
    const end = this.#issued;
    const exactEnd = this.#coverTo(end);
    this.#chain(from, exactEnd, bothDone(writeFully(this.#fh, this.#ring.views(from, end), from), undefined), from);
  }

  /** Every staged byte is written: the file is exact up to `position` (minus what is pending). */
  async #writeTail(): Promise<void> {
    await this.#drainWrites();
    this.#startTailWrite();
    await this.#drainWrites();
  }

  /** An event too big for the ring: written (and digested) from its own memory once everything before it is. */
  async #writeUnstaged(event: Uint8Array, closedAs: Uint8Array): Promise<void> {
    await this.#writeTail();
    const at = this.#issued;
    const end = at + event.length;
    this.#issued = end;
    this.#pendingBytes -= event.length;
    const digesting = this.#digest.add([closedAs], this.checkChecksums) ?? Promise.resolve();
    this.#diskEnd = end;
    this.#chain(at, end, bothDone(writeFully(this.#fh, [event], at), digesting), at);
    await this.#drainWrites();
    // its partial last page goes on the ring: the next direct write starts there
    const page = alignDown(end);
    if (page >= at) this.#ring.put(page, event.subarray(page - at));
    this.#onReleased?.(event);
  }

  /**
   * Records a piece or write in flight reading the ring from `from`; completions are taken in
   * order: the file is then exact up to `exactEnd` (when given), or the first failure is kept
   * (a digest job's reported at its offset from `digestAt`, the piece's first byte).
   */
  #chain(from: number, exactEnd: number | undefined, done: Promise<void>, digestAt: number): void {
    this.#writesInFlight++;
    this.#stagedStarts.push(from);
    const settled = done.then(
      () => undefined,
      (e: unknown) => e ?? new Error('write failed'),
    );
    this.#writeChain = this.#writeChain.then(async () => {
      const failure = await settled;
      this.#writesInFlight--;
      this.#stagedStarts.shift();
      if (failure !== undefined) this.#syncError ??= this.#failure(failure, digestAt);
      else if (this.#syncError === undefined && exactEnd !== undefined && exactEnd > this.#written) this.#written = exactEnd;
      if (this.#keepSyncing) this.#startSync();
      const waiters = this.#writeWaiters;
      this.#writeWaiters = [];
      for (const w of waiters) w();
    });
  }

  /** Every write started has completed (or failed: thrown). */
  async #drainWrites(): Promise<void> {
    await this.#writeChain;
    this.#throwSyncError();
  }

  /**
   * Writes file range [a, b) (whole pages) from the staging ring with O_DIRECT. A filesystem that
   * turns O_DIRECT down (EINVAL) gets this and every later write through the page cache.
   */
  async #writeDirect(a: number, b: number): Promise<void> {
    try {
      await writeFully(this.#directHandle!, this.#ring.views(a, b), a);
    } catch (e) {
      if (errnoCode(e) !== 'EINVAL') throw e;
      this.#useDirect = false;
      await writeFully(this.#fh, this.#ring.views(a, b), a);
    }
  }

  /** Reads the file's partial last page into the ring (a reopened file: the next direct write starts at that page). */
  async #loadPartialPage(): Promise<void> {
    const page = alignDown(this.#issued);
    if (!this.#useDirect || page === this.#issued) return;
    const bytes = Buffer.alloc(this.#issued - page);
    const { bytesRead } = await this.#fh.read(bytes, 0, bytes.length, page);
    if (bytesRead !== bytes.length) throw ioError(`could not read ${this.path}`, new Error(`${bytesRead} of ${bytes.length} bytes read at ${page}`));
    this.#ring.put(page, bytes);
  }

  /** A failure of a piece (its write or its digest job) as the caller sees it. */
  #failure(e: unknown, digestAt: number): unknown {
    if (e instanceof WriteFailure) return ioError(`could not write ${this.path}`, e.cause);
    return this.#digestFailure(e, digestAt);
  }

  /** A digest job's failure as the scanner would report it (the file and offset of the bad event). */
  #digestFailure(e: unknown, at: number): unknown {
    if (!(e instanceof DigestMismatchError)) return e;
    const m = e.mismatch;
    const offset = at + m.offset;
    if (m.stored === undefined || m.actual === undefined || m.type === undefined) {
      return new BinlogFormatError(`malformed event: ${m.reason ?? 'unknown'}`, { file: this.name, offset });
    }
    const hex = (x: number): string => `0x${x.toString(16).padStart(8, '0')}`;
    return new BinlogFormatError(
      `${typeName(m.type)} CRC32 mismatch: stored ${hex(m.stored)}, computed ${hex(m.actual)}`,
      { file: this.name, offset, eventType: m.type },
      { code: ERROR_CODES.BINLOG_CHECKSUM, hints: ['the event was damaged on its way or on disk; run pitr archive again to fetch it anew'] },
    );
  }

  /**
   * Writes what is queued and makes sure an fdatasync runs in the background (none is started
   * while one runs; when it ends and bytes written meanwhile are not synced, it starts the next):
   * while catching up, receiving goes on during the disk's flush instead of stalling, and the disk
   * is kept busy. `syncedPosition` moves when one completes (`onSynced`); a failure is thrown by
   * the next flush/sync/close.
   */
  async syncInBackground(): Promise<void> {
    await this.flush();
    this.#keepSyncing = true;
    this.#startSync();
  }

  #startSync(): void {
    if (this.#syncing !== undefined || this.#closed || this.#syncError !== undefined || this.#creating !== undefined) return;
    // the staged bytes no write covers yet go out first (once no write runs; its completion comes back here)
    this.#startTailWrite();
    if (this.#synced === this.#written) return;
    const target = this.#written;
    this.#syncing = this.#fh.datasync().then(
      () => {
        if (target > this.#synced) this.#synced = target;
        this.#syncing = undefined;
        this.#onSynced?.(this);
        if (this.#keepSyncing) this.#startSync();
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
    await this.#created();
    await this.flush();
    await this.#writeTail();
    while (this.#syncing !== undefined) await this.#syncing;
    this.#throwSyncError();
    if (this.#synced === this.#written) return;
    try {
      await this.#fh.datasync();
    } catch (e) {
      throw ioError(`could not fsync ${this.path}`, e);
    }
    this.#synced = this.#written;
  }

  /** Syncs and closes. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#keepSyncing = false;
    try {
      await this.sync();
    } finally {
      this.#closed = true;
      await this.#directHandle?.close().catch(() => undefined);
      await this.#handle?.close().catch(() => undefined);
    }
  }

  /** Closes without writing what is pending (after a failure). */
  async abandon(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#creating?.catch(() => undefined);
    await this.#flushing;
    await this.#writeChain;
    await this.#syncing?.catch(() => undefined);
    this.#pending = [];
    this.#pendingClosedAs = undefined;
    this.#digest.forget();
    this.#pendingBytes = 0;
    await this.#directHandle?.close().catch(() => undefined);
    await this.#handle?.close().catch(() => undefined);
  }
}

/** The ring a file writes from: the one given, the digest worker's (which its threads read), or its own. */
function ringOf(options: OpenBinlogFileOptions): StagingRing {
  const theirs = options.digestWorker?.staging;
  if (options.staging !== undefined && theirs !== undefined && options.staging !== theirs) throw new Error("a file's staging ring must be its digest worker's");
  return options.staging ?? theirs ?? new StagingRing(OWN_RING_BYTES);
}

/** The file opened for O_DIRECT writes, when asked for (`directIo`, or a staging ring given) and the filesystem allows them. */
async function openDirect(path: string, options: OpenBinlogFileOptions): Promise<FileHandle | undefined> {
  if (!(options.directIo ?? options.staging !== undefined) || fsConstants.O_DIRECT === undefined) return undefined;
  try {
    return await open(path, fsConstants.O_WRONLY | fsConstants.O_DIRECT);
  } catch {
    return undefined; // EINVAL: tmpfs and others; written through the page cache
  }
}

/** A write's failure (told apart from a digest job's). */
class WriteFailure {
  constructor(readonly cause: unknown) {}
}

/** Settles once both have: a digest failure first (it names the bad event), then a write failure. */
async function bothDone(writing: Promise<void> | undefined, digesting: Promise<void> | undefined): Promise<void> {
  const [w, d] = await Promise.allSettled([writing, digesting]);
  if (d.status === 'rejected') throw d.reason;
  if (w.status === 'rejected') throw new WriteFailure(w.reason);
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
  return fileIoError(message, e, [REPO_WRITE_HINT]);
}
