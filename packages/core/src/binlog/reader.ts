/**
 * Reads binlog files and byte streams event by event: checks the 4-byte magic, frames events by
 * their header's event_size, and hands each to a BinlogParser. Memory does not grow with the file:
 * input arrives in READ_CHUNK_BYTES chunks, an event that lies inside one chunk is passed on as a view of it
 * (no copy), and only events that straddle chunks are assembled into their own buffer.
 * Compressed files (gzip, zstd — as `pitr archive --compress` writes them) are recognised by their
 * magic bytes, not their names.
 */
import { Buffer } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BinlogFormatError, ERROR_CODES, PitrError, isPitrError } from '../errors/pitr-error.js';
import { BINLOG_CHECKSUM_ALG_CRC32, BINLOG_MAGIC, EVENT_HEADER_LENGTH, FORMAT_DESCRIPTION_EVENT, MARIADB_START_ENCRYPTION_EVENT, isKnownEventType } from './constants.js';
import { rejectStartEncryptionEvent } from './events/mariadb-events.js';
import { BinlogParser, type BinlogParserOptions } from './parser.js';
import { type ChecksumFile, ChecksumWorker } from './checksum-worker.js';
import type { BinlogEvent } from './types.js';
import { zstdNapi } from '../zstd.js';

export interface ReadBinlogOptions extends BinlogParserOptions {
  /** Verify CRC32 checksums (default true). */
  verifyChecksums?: boolean;
  /** Alias of verifyChecksums (the CLI's spelling). */
  verifyChecksum?: boolean;
  /**
   * First event to yield (must be an event boundary, as mysqlbinlog --start-position). The
   * FORMAT_DESCRIPTION_EVENT is always read and yielded, since every later event depends on it.
   */
  startPosition?: number;
  /** Stop before the first event that starts at or after this offset (as mysqlbinlog --stop-position). */
  stopPosition?: number;
  /**
   * Verify checksums on a second thread while decoding (checksum-worker.ts). Default: when the
   * input is at least PARALLEL_CHECKSUM_MIN_BYTES (a thread costs ~30 ms to start); true forces it
   * (tests), false never uses it. Errors and their offsets are the same either way.
   */
  parallelChecksums?: boolean;
}

/** Inputs from this size on verify checksums on a worker thread by default. */
export const PARALLEL_CHECKSUM_MIN_BYTES = 8 << 20;

/** Stops the checksum worker of an iterator that was dropped without being finished or returned. */
const abandonedWorkers = new FinalizationRegistry<ChecksumWorker>((w) => w.stop());

const CRC_UNDECIDED = 0;
/** Worker started, not running yet: verify inline meanwhile. */
const CRC_STARTING = 1;
const CRC_WORKER = 2;
const CRC_INLINE = 3;

/**
 * Events decoded ahead of the consumer. Small enough that decoded rows die young (a whole 1 MiB
 * chunk of decoded events outlives the young generation and costs 2–3× in GC), large enough to
 * amortise the async hop.
 */
const MAX_BATCH_EVENTS = 64;

/**
 * Read size for files and gzip output. 256 KiB rather than 1 MiB: peak RSS of a full decode of a
 * 520 MB binlog fell from ~125 MB to ~95 MB (with 1 MiB chunks, ~45 MB of already-decoded chunks
 * waited for a major GC; smaller ones die in the young generation) and throughput did not drop
 * (128 KiB was slower). Measured with tools/bench/bench-decode.ts.
 */
export const READ_CHUNK_BYTES = 1 << 18;

const GZIP_MAGIC0 = 0x1f;
const GZIP_MAGIC1 = 0x8b;
const ZSTD_MAGIC = 0xfd2fb528; // 28 b5 2f fd, little-endian

/** Queue of input chunks; hands out views when an event fits one chunk, copies otherwise. */
class ChunkQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    // Plain Uint8Array views, not Buffers: Buffer#slice does not copy, and decoders rely on
    // slice() (Cursor.bytesCopy) copying.
    this.chunks.push(chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.length += chunk.length;
  }

  byteAt(i: number): number {
    let k = 0;
    let at = this.head + i;
    for (;;) {
      const c = this.chunks[k]!;
      if (at < c.length) return c[at]!;
      at -= c.length;
      k++;
    }
  }

  u32At(i: number): number {
    const first = this.chunks[0]!;
    const at = this.head + i;
    if (at + 4 <= first.length) {
      return (first[at]! | (first[at + 1]! << 8) | (first[at + 2]! << 16) | (first[at + 3]! << 24)) >>> 0;
    }
    return (this.byteAt(i) | (this.byteAt(i + 1) << 8) | (this.byteAt(i + 2) << 16) | (this.byteAt(i + 3) << 24)) >>> 0;
  }

  /** The next n bytes (n ≤ length) as a view when contiguous, else a fresh copy. */
  take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    const avail = first.length - this.head;
    let out: Uint8Array;
    if (n <= avail) {
      // The constructor rather than subarray(): ~25 ns less per event (no species lookup).
      out = new Uint8Array(first.buffer, first.byteOffset + this.head, n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
    } else {
      out = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0]!;
        const m = Math.min(n - filled, c.length - this.head);
        out.set(c.subarray(this.head, this.head + m), filled);
        filled += m;
        this.head += m;
        if (this.head === c.length) {
          this.chunks.shift();
          this.head = 0;
        }
      }
    }
    this.length -= n;
    return out;
  }

  /** Calls fn with each unconsumed run of bytes, in order. */
  forEachPending(fn: (bytes: Uint8Array) => void): void {
    for (let k = 0; k < this.chunks.length; k++) fn(k === 0 ? this.chunks[0]!.subarray(this.head) : this.chunks[k]!);
  }

  skip(n: number): void {
    let left = n;
    while (left > 0) {
      const c = this.chunks[0]!;
      const m = Math.min(left, c.length - this.head);
      left -= m;
      this.head += m;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.length -= n;
  }
}

function hex4(b: (i: number) => number): string {
  return [0, 1, 2, 3].map((i) => b(i).toString(16).padStart(2, '0')).join(' ');
}

/**
 * Frames and parses events chunk by chunk. All events of a chunk are decoded synchronously into a
 * batch that `next()` then hands out as already-resolved promises: an async generator costs ~2 µs
 * per event in promise machinery, several times the decoding of a small event (measured on
 * msmp/binlog.000001: 84 → 300+ MB/s). A failure is thrown only after the events before it.
 */
/**
 * Events of a binlog, one at a time (`for await`) or a batch at a time (`nextBatch()`: the events
 * decoded from one input chunk, no promise per event: ~5–7% faster on a full decode). Use one style
 * per reader.
 */
export interface BinlogEventReader extends AsyncIterableIterator<BinlogEvent> {
  /** The next decoded events in file order (never empty), or undefined at the end; a failure is thrown after the events before it. */
  nextBatch(): Promise<readonly BinlogEvent[] | undefined>;
  /** Stops reading and releases the file or stream (call it when leaving a reader before its end). */
  return(): Promise<IteratorResult<BinlogEvent>>;
}

class BinlogEventIterator implements BinlogEventReader {
  private readonly parser: BinlogParser;
  private readonly q = new ChunkQueue();
  private readonly file: string;
  private readonly start: number | undefined;
  private readonly stop: number | undefined;
  private source: AsyncIterator<Uint8Array> | undefined;
  private batch: BinlogEvent[] = [];
  private index = 0;
  private error: unknown = undefined;
  private finished = false;
  private magicChecked = false;
  private pos = 0;
  /**
   * Offset of a MariaDB START_ENCRYPTION_EVENT whose next event is not checked yet. The server's
   * own file is encrypted after it; a file archived over replication holds the same events
   * decrypted (the server sends them so, pitr archive marks them decryptedFromSource). The next
   * header tells: a plain one has a known type, a sane size and the log_pos its size implies;
   * an encrypted one is noise there.
   */
  private afterStartEncryption: number | undefined;
  private readonly verify: boolean;
  private readonly parallelMinBytes: number;
  private crcMode = CRC_UNDECIDED;
  private crcWorker: ChecksumWorker | undefined;
  /**
   * With a checksum worker fed by post() (compressed files; a plain file's worker reads the file
   * itself), one chunk is read ahead of the decoder and posted at once, so the worker has verified
   * a chunk before the decoder reaches it.
   */
  private ahead: Uint8Array | undefined;
  private aheadDone = false;
  private aheadError: unknown = undefined;
  /** Size of the input when known (plain files): a corrupt event_size fails at once instead of buffering to EOF. */
  knownTotalBytes: number | undefined;
  /** A plain file the checksum worker may read itself. */
  checksumFile: ChecksumFile | undefined;

  constructor(
    private readonly openSource: () => AsyncIterable<Uint8Array>,
    options: ReadBinlogOptions,
    /**
     * May wait for the next chunk before decoding the current one (files: the next read is
     * prompt). Not for streams, whose next chunk may come much later (a live replication feed).
     */
    private readonly mayReadAhead = false,
  ) {
    this.file = options.fileName ?? 'binlog';
    this.verify = options.verifyChecksums ?? options.verifyChecksum ?? true;
    this.parser = new BinlogParser({
      ...options,
      fileName: this.file,
      verifyChecksums: this.verify,
      // frame() checks that the events after one are plain (see afterStartEncryption)
      startEncryption: 'ignore',
    });
    const parallel = options.parallelChecksums;
    if (!this.verify || parallel === false) this.crcMode = CRC_INLINE;
    this.parallelMinBytes = parallel === true ? 0 : PARALLEL_CHECKSUM_MIN_BYTES;
    this.start = options.startPosition;
    this.stop = options.stopPosition;
  }

  [Symbol.asyncIterator](): BinlogEventReader {
    return this;
  }

  next(): Promise<IteratorResult<BinlogEvent>> {
    if (this.index < this.batch.length) {
      return Promise.resolve({ value: this.batch[this.index++]!, done: false });
    }
    return this.refill();
  }

  /**
   * The next run of decoded events (the rest of the current batch), or undefined at the end: the
   * same events in the same order as next(), without a promise per event. Do not mix with next().
   */
  async nextBatch(): Promise<readonly BinlogEvent[] | undefined> {
    if (this.index >= this.batch.length) {
      const r = await this.refill();
      if (r.done === true) return undefined;
      this.index = 0;
    }
    const out = this.index === 0 ? this.batch : this.batch.slice(this.index);
    this.index = this.batch.length;
    return out;
  }

  async return(): Promise<IteratorResult<BinlogEvent>> {
    this.batch = [];
    this.index = 0;
    await this.close();
    return { value: undefined, done: true };
  }

  /** Ends reading and releases the source (its file handle); the current batch stays. */
  private async close(): Promise<void> {
    this.finished = true;
    this.crcWorker?.stop();
    this.ahead = undefined;
    const source = this.source;
    this.source = undefined;
    if (source?.return !== undefined) await source.return();
  }

  private async refill(): Promise<IteratorResult<BinlogEvent>> {
    this.batch = [];
    this.index = 0;
    if (this.error !== undefined) {
      const e = this.error;
      this.error = undefined;
      await this.close();
      throw e;
    }
    if (this.finished) return { value: undefined, done: true };
    try {
      if (this.source === undefined) {
        const s = this.start;
        if (s !== undefined && (!Number.isSafeInteger(s) || s < BINLOG_MAGIC.length)) {
          throw new PitrError(ERROR_CODES.USAGE, `start position ${s} is not a valid event offset (the first event is at 4)`);
        }
        this.source = this.openSource()[Symbol.asyncIterator]();
      }
      while (this.batch.length === 0 && !this.finished) {
        this.frame();
        if (this.batch.length > 0 || this.finished) break;
        const chunk = await this.nextChunk(this.source);
        if (chunk === undefined) {
          this.finished = true;
          this.atEnd();
        } else {
          this.q.push(chunk);
        }
      }
    } catch (e) {
      if (this.batch.length === 0) {
        await this.close();
        throw e;
      }
      this.error = e;
    }
    if (this.finished && this.error === undefined && this.source !== undefined) await this.close();
    if (this.batch.length === 0) return { value: undefined, done: true };
    return { value: this.batch[this.index++]!, done: false };
  }

  /** The next input chunk, undefined at the end; with a post()-fed checksum worker, reads one chunk ahead. */
  private async nextChunk(source: AsyncIterator<Uint8Array>): Promise<Uint8Array | undefined> {
    const w = this.crcWorker;
    if (this.ahead !== undefined) {
      const chunk = this.ahead;
      this.ahead = undefined;
      if (w?.accepting === true && this.mayReadAhead) await this.readAhead(source, w);
      return chunk;
    }
    if (this.aheadError !== undefined) {
      // Surfaces only now, after every event before it.
      const e = this.aheadError;
      this.aheadError = undefined;
      throw e;
    }
    if (this.aheadDone) return undefined;
    const r = await source.next();
    if (r.done === true) return undefined;
    if (w?.accepting === true) {
      w.post(r.value);
      if (this.mayReadAhead) await this.readAhead(source, w);
    }
    return r.value;
  }

  private async readAhead(source: AsyncIterator<Uint8Array>, w: ChecksumWorker): Promise<void> {
    if (this.aheadDone || this.aheadError !== undefined) return;
    try {
      const r = await source.next();
      if (r.done === true) {
        this.aheadDone = true;
      } else {
        w.post(r.value);
        this.ahead = r.value;
      }
    } catch (e) {
      this.aheadError = e;
    }
  }

  /**
   * Once the FDE says events carry CRC32 and the input is large enough, starts a checksum worker;
   * beginWorker hands it the input once it runs.
   */
  private decideChecksums(): void {
    const parser = this.parser;
    if (parser.formatDescription === undefined) return;
    if (parser.checksumAlg !== BINLOG_CHECKSUM_ALG_CRC32) {
      this.crcMode = CRC_INLINE;
      return;
    }
    if ((this.knownTotalBytes ?? this.pos) < this.parallelMinBytes) {
      // A file of known size stays below the threshold; a stream may still grow past it.
      if (this.knownTotalBytes !== undefined) this.crcMode = CRC_INLINE;
      return;
    }
    const w = ChecksumWorker.start(this.checksumFile);
    if (w === undefined) {
      this.crcMode = CRC_INLINE;
      return;
    }
    this.crcWorker = w;
    this.crcMode = CRC_STARTING;
    abandonedWorkers.register(this, w);
  }

  /** Once the worker runs, hands it the input from this event boundary on. */
  private beginWorker(w: ChecksumWorker): void {
    if (!w.alive) {
      this.crcMode = CRC_INLINE;
      return;
    }
    if (!w.ready) return;
    w.begin(this.pos);
    this.crcMode = CRC_WORKER;
    if (w.accepting) this.q.forEachPending((bytes) => w.post(bytes));
  }

  private fail(message: string, offset: number, hints: string[] = []): never {
    throw new BinlogFormatError(message, { file: this.file, offset }, { hints });
  }

  /** Decodes every complete event in the queue into the batch. */
  private frame(): void {
    const q = this.q;
    if (!this.magicChecked) {
      if (q.length < BINLOG_MAGIC.length) return;
      for (let i = 0; i < BINLOG_MAGIC.length; i++) {
        if (q.byteAt(i) !== BINLOG_MAGIC[i]) {
          this.fail(`not a binlog: starts with ${hex4((k) => q.byteAt(k))}, expected fe 62 69 6e`, 0, [
            'give a binary log file as written by the server (binlog.000001, mariadb-bin.000001), plain or gzip/zstd-compressed',
          ]);
        }
      }
      q.skip(BINLOG_MAGIC.length);
      this.pos = BINLOG_MAGIC.length;
      this.magicChecked = true;
    }
    const { start, stop, parser, batch } = this;
    if (q.length < EVENT_HEADER_LENGTH) return;
    while (q.length >= EVENT_HEADER_LENGTH) {
      const pos = this.pos;
      const size = q.u32At(9);
      if (this.afterStartEncryption !== undefined) {
        const at = this.afterStartEncryption;
        this.afterStartEncryption = undefined;
        const plain = size >= EVENT_HEADER_LENGTH && size < 1 << 30 && q.u32At(13) === (pos + size) % 0x1_0000_0000 && isKnownEventType(q.byteAt(4));
        if (!plain) rejectStartEncryptionEvent(this.file, at);
      }
      if (size < EVENT_HEADER_LENGTH) {
        this.fail(`event_size ${size} is smaller than the 19-byte header: the file is corrupt here`, pos);
      }
      if (q.length < size) {
        const total = this.knownTotalBytes;
        if (total !== undefined && pos + size > total) this.truncated(total - pos, size);
        return;
      }
      if (stop !== undefined && pos >= stop) {
        this.finished = true;
        return;
      }
      if (start !== undefined && pos < start && q.byteAt(4) !== FORMAT_DESCRIPTION_EVENT) {
        if (pos + size > start) {
          this.fail(`start position ${start} is inside the event at ${pos} (next event at ${pos + size})`, start, [
            `use an event boundary, e.g. --start-position ${pos} or ${pos + size}`,
          ]);
        }
        q.skip(size);
        this.pos = pos + size;
        continue;
      }
      if (this.crcMode === CRC_UNDECIDED) this.decideChecksums();
      else if (this.crcMode === CRC_STARTING) this.beginWorker(this.crcWorker!);
      if (q.byteAt(4) === MARIADB_START_ENCRYPTION_EVENT) this.afterStartEncryption = pos;
      const event = q.take(size);
      this.pos = pos + size;
      const w = this.crcWorker;
      const r = parser.parse(event, pos, w !== undefined && w.covers(pos + size));
      if (Array.isArray(r)) {
        for (const e of r) batch.push(e);
      } else {
        batch.push(r);
      }
      if (batch.length >= MAX_BATCH_EVENTS) return;
    }
  }

  private truncated(have: number, size: number | undefined): never {
    const what = size !== undefined ? `${have} of its ${size} bytes` : `${have} byte(s) of its 19-byte header`;
    return this.fail(`truncated event: the file ends after ${what}`, this.pos, [
      'the file was cut short (copied while being written, or an interrupted transfer); the events before this offset are intact',
    ]);
  }

  /** End of input: anything left over is a truncated event. */
  private atEnd(): void {
    const q = this.q;
    if (!this.magicChecked) {
      this.fail(
        q.length === 0 ? 'file is empty: a binlog starts with the 4-byte magic fe 62 69 6e' : `file has only ${q.length} byte(s), less than the 4-byte magic`,
        0,
      );
    }
    if (q.length > 0) this.truncated(q.length, q.length >= EVENT_HEADER_LENGTH ? q.u32At(9) : undefined);
    if (this.start !== undefined && this.pos < this.start) {
      this.fail(`start position ${this.start} is beyond the end of the file (${this.pos} bytes)`, this.pos);
    }
  }
}

/**
 * Decodes a binlog from a byte stream (a whole file's bytes from offset 0, in chunks of any size).
 * Yields every event in file order; a TRANSACTION_PAYLOAD_EVENT is followed by its inner events.
 * Chunks are not copied: events inside one chunk are views of it, so a producer must not reuse
 * a chunk's memory after handing it over.
 */
export function readBinlogStream(source: AsyncIterable<Uint8Array>, options: ReadBinlogOptions = {}): BinlogEventReader {
  return new BinlogEventIterator(() => source, options);
}

/** Strips the compression suffix from a file name so positions name the binlog itself. */
function binlogName(path: string, compressed: boolean): string {
  const name = basename(path);
  return compressed ? name.replace(COMPRESSED_SUFFIX, '') : name;
}

interface Sniffed {
  magic: Uint8Array;
  size: number;
  /** Device and inode (decimal) of what was opened, for the checksum worker's own open. */
  dev: string;
  ino: string;
}

async function sniff(path: string): Promise<Sniffed> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw ioError(path, e);
  }
  try {
    const buf = new Uint8Array(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    const st = await fh.stat({ bigint: true });
    return { magic: buf.subarray(0, bytesRead), size: Number(st.size), dev: String(st.dev), ino: String(st.ino) };
  } catch (e) {
    throw ioError(path, e);
  } finally {
    await fh.close();
  }
}

function ioError(path: string, e: unknown): PitrError {
  const code = (e as NodeJS.ErrnoException).code;
  const hints = code === 'ENOENT' ? ['check the path; binlog files are usually named like binlog.000001'] : [];
  return new PitrError(ERROR_CODES.IO, `cannot read ${path}: ${(e as Error).message}`, { cause: e, hints });
}

/** Wraps source errors (I/O, corrupt gzip/zstd data) as PitrErrors naming the file. */
async function* guarded(stream: Readable, path: string, compressed: string | undefined): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (e) {
    if (isPitrError(e)) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (compressed !== undefined && (code === undefined || code.startsWith('Z_') || code === 'ERR_ZSTD' || !code.startsWith('E'))) {
      throw new PitrError(ERROR_CODES.BINLOG_FORMAT, `${path}: ${compressed} data is corrupt or truncated: ${(e as Error).message}`, {
        cause: e,
        hints: ['the compressed file is damaged; restore it from another copy of the archive'],
      });
    }
    throw ioError(path, e);
  } finally {
    stream.destroy();
  }
}

/**
 * Decodes a binlog file (plain, gzip or zstd). Reads in READ_CHUNK_BYTES chunks; events are views into
 * those chunks, valid as long as they are referenced.
 */
export function readBinlogFile(path: string, options: ReadBinlogOptions = {}): BinlogEventReader {
  // The event file name is known only after sniffing; a compressed file's name loses its suffix.
  const named = options.fileName !== undefined ? options : { ...options, fileName: binlogName(path, COMPRESSED_SUFFIX.test(path)) };
  const it: BinlogEventIterator = new BinlogEventIterator(
    () =>
      fileChunks(path, (file) => {
        it.knownTotalBytes = file.size;
        it.checksumFile = file;
      }),
    named,
    true,
  );
  return it;
}

const COMPRESSED_SUFFIX = /\.(gz|gzip|zst|zstd)$/i;

async function* fileChunks(path: string, onPlainFile: (file: ChecksumFile) => void): AsyncGenerator<Uint8Array> {
  const { magic, size, dev, ino } = await sniff(path);
  const gzip = magic.length >= 2 && magic[0] === GZIP_MAGIC0 && magic[1] === GZIP_MAGIC1;
  const zstd = magic.length >= 4 && ((magic[0]! | (magic[1]! << 8) | (magic[2]! << 16) | (magic[3]! << 24)) >>> 0) === ZSTD_MAGIC;
  // A plain file is read as of now (a live binlog may grow meanwhile): its size bounds the
  // framing, so a corrupt event_size fails at once instead of buffering to EOF.
  const plain = !gzip && !zstd;
  if (plain) {
    onPlainFile({ path, size, dev, ino });
    yield* plainFileChunks(path, size);
    return;
  }
  const raw = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  const t: Transform = gzip ? createGunzip({ chunkSize: READ_CHUNK_BYTES }) : new (zstdNapi().DecompressStream)();
  // pipeline forwards read errors into t and destroys both on failure.
  pipeline(raw, t, () => undefined);
  yield* guarded(t, path, gzip ? 'gzip' : 'zstd');
}

/** Reads kept in flight for a plain file: the next chunk is on its way while one is decoded. */
const READS_IN_FLIGHT = 2;

/**
 * A plain file's bytes [0, size) in READ_CHUNK_BYTES chunks, with READS_IN_FLIGHT positional reads
 * in flight (a ReadStream keeps one, and the decoder waited for it ~5% of a full decode). A short
 * read (the file shrank) ends the input there; the reader then reports a truncated event.
 */
async function* plainFileChunks(path: string, size: number): AsyncGenerator<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw ioError(path, e);
  }
  const reads: Promise<{ bytesRead: number; buffer: Uint8Array }>[] = [];
  let next = 0;
  const issue = (): void => {
    if (next >= size) return;
    const n = Math.min(READ_CHUNK_BYTES, size - next);
    // Uninitialised memory (as a ReadStream uses): zero-filling every chunk first cost ~3%. Only
    // the bytes read are handed on.
    const p = fh.read(Buffer.allocUnsafeSlow(n), 0, n, next);
    // Reads still in flight when the consumer stops fail once the handle closes: not an error.
    p.catch(() => undefined);
    reads.push(p);
    next += n;
  };
  try {
    for (let i = 0; i < READS_IN_FLIGHT; i++) issue();
    while (reads.length > 0) {
      let r;
      try {
        r = await reads.shift()!;
      } catch (e) {
        throw ioError(path, e);
      }
      issue();
      if (r.bytesRead > 0) yield r.buffer.subarray(0, r.bytesRead);
      if (r.bytesRead < r.buffer.length) return;
    }
  } finally {
    await Promise.allSettled(reads);
    await fh.close();
  }
}
