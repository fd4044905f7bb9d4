/**
 * Reads binlog files and byte streams event by event: checks the 4-byte magic, frames events by
 * their header's event_size, and hands each to a BinlogParser. Memory does not grow with the file:
 * input arrives in ≥1 MiB chunks, an event that lies inside one chunk is passed on as a view of it
 * (no copy), and only events that straddle chunks are assembled into their own buffer.
 * Compressed files (gzip, zstd — as `pitr archive --compress` writes them) are recognised by their
 * magic bytes, not their names.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DecompressStream } from 'zstd-napi';
import { BinlogFormatError, ERROR_CODES, PitrError, isPitrError } from '../errors/pitr-error.js';
import { BINLOG_MAGIC, EVENT_HEADER_LENGTH, FORMAT_DESCRIPTION_EVENT } from './constants.js';
import { BinlogParser, type BinlogParserOptions } from './parser.js';
import type { BinlogEvent } from './types.js';

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
}

/** Read size for files and gzip output. */
export const READ_CHUNK_BYTES = 1 << 20;

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
    this.chunks.push(chunk);
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
      out = first.subarray(this.head, this.head + n);
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
 * Decodes a binlog from a byte stream (a whole file's bytes from offset 0, in chunks of any size).
 * Yields every event in file order; a TRANSACTION_PAYLOAD_EVENT is followed by its inner events.
 */
export async function* readBinlogStream(source: AsyncIterable<Uint8Array>, options: ReadBinlogOptions = {}): AsyncGenerator<BinlogEvent> {
  const file = options.fileName ?? 'binlog';
  const parser = new BinlogParser({
    ...options,
    fileName: file,
    verifyChecksums: options.verifyChecksums ?? options.verifyChecksum ?? true,
  });
  const start = options.startPosition;
  const stop = options.stopPosition;
  const q = new ChunkQueue();
  let magicChecked = false;
  let pos = 0;
  const fail = (message: string, offset: number, hints: string[] = []): never => {
    throw new BinlogFormatError(message, { file, offset }, { hints });
  };
  if (start !== undefined && (!Number.isSafeInteger(start) || start < BINLOG_MAGIC.length)) {
    throw new PitrError(ERROR_CODES.USAGE, `start position ${start} is not a valid event offset (the first event is at 4)`);
  }

  for await (const chunk of source) {
    q.push(chunk);
    if (!magicChecked) {
      if (q.length < BINLOG_MAGIC.length) continue;
      for (let i = 0; i < BINLOG_MAGIC.length; i++) {
        if (q.byteAt(i) !== BINLOG_MAGIC[i]) {
          fail(`not a binlog: starts with ${hex4((k) => q.byteAt(k))}, expected fe 62 69 6e`, 0, [
            'give a binary log file as written by the server (binlog.000001, mariadb-bin.000001), plain or gzip/zstd-compressed',
          ]);
        }
      }
      q.skip(BINLOG_MAGIC.length);
      pos = BINLOG_MAGIC.length;
      magicChecked = true;
    }
    while (q.length >= EVENT_HEADER_LENGTH) {
      const size = q.u32At(9);
      if (size < EVENT_HEADER_LENGTH) {
        fail(`event_size ${size} is smaller than the 19-byte header: the file is corrupt here`, pos);
      }
      if (q.length < size) break;
      if (stop !== undefined && pos >= stop) return;
      const typeCode = q.byteAt(4);
      if (start !== undefined && pos < start && typeCode !== FORMAT_DESCRIPTION_EVENT) {
        if (pos + size > start) {
          fail(`start position ${start} is inside the event at ${pos} (next event at ${pos + size})`, start, [
            `use an event boundary, e.g. --start-position ${pos} or ${pos + size}`,
          ]);
        }
        q.skip(size);
        pos += size;
        continue;
      }
      const event = q.take(size);
      const at = pos;
      pos += size;
      const r = parser.parse(event, at);
      if (Array.isArray(r)) {
        for (const e of r) yield e;
      } else {
        yield r;
      }
    }
  }
  if (!magicChecked) {
    fail(
      q.length === 0 ? 'file is empty: a binlog starts with the 4-byte magic fe 62 69 6e' : `file has only ${q.length} byte(s), less than the 4-byte magic`,
      0,
    );
  }
  if (q.length > 0) {
    const what = q.length >= EVENT_HEADER_LENGTH ? `${q.length} of its ${q.u32At(9)} bytes` : `${q.length} byte(s) of its 19-byte header`;
    fail(`truncated event: the file ends after ${what}`, pos, [
      'the file was cut short (copied while being written, or an interrupted transfer); the events before this offset are intact',
    ]);
  }
  if (start !== undefined && pos < start) {
    fail(`start position ${start} is beyond the end of the file (${pos} bytes)`, pos);
  }
}

/** Strips the compression suffix from a file name so positions name the binlog itself. */
function binlogName(path: string, compressed: boolean): string {
  const name = basename(path);
  return compressed ? name.replace(/\.(gz|gzip|zst|zstd)$/i, '') : name;
}

async function sniff(path: string): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw ioError(path, e);
  }
  try {
    const buf = new Uint8Array(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
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
 * Decodes a binlog file (plain, gzip or zstd). Reads in 1 MiB chunks; events are views into
 * those chunks, valid as long as they are referenced.
 */
export async function* readBinlogFile(path: string, options: ReadBinlogOptions = {}): AsyncGenerator<BinlogEvent> {
  const magic = await sniff(path);
  const gzip = magic.length >= 2 && magic[0] === GZIP_MAGIC0 && magic[1] === GZIP_MAGIC1;
  const zstd = magic.length >= 4 && ((magic[0]! | (magic[1]! << 8) | (magic[2]! << 16) | (magic[3]! << 24)) >>> 0) === ZSTD_MAGIC;
  const raw = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  let stream: Readable = raw;
  let compressed: string | undefined;
  if (gzip || zstd) {
    compressed = gzip ? 'gzip' : 'zstd';
    const t: Transform = gzip ? createGunzip({ chunkSize: READ_CHUNK_BYTES }) : new DecompressStream();
    // pipeline forwards read errors into t and destroys both on failure.
    pipeline(raw, t, () => undefined);
    stream = t;
  }
  yield* readBinlogStream(guarded(stream, path, compressed), {
    ...options,
    fileName: options.fileName ?? binlogName(path, compressed !== undefined),
  });
}
