/**
 * A bounds-checked little-endian reader over one byte view. Reading past the end throws
 * BinlogFormatError with the absolute file offset of the failed read, never a RangeError.
 * Hot path: methods are tiny and monomorphic; no allocation except for returned slices.
 */
import { Buffer } from 'node:buffer';
import { BinlogFormatError } from '../errors/pitr-error.js';

export interface CursorOrigin {
  /** File name for error messages. */
  readonly file: string;
  /** Absolute file offset of bytes[0]. */
  readonly baseOffset: number;
  readonly eventType?: number | undefined;
  /**
   * The bytes were inflated from compressed data starting at baseOffset: failures are reported
   * there (a position inside the inflated bytes is no file offset), with the position named in
   * the message.
   */
  readonly inflated?: boolean;
}

const latin1Decoder = new TextDecoder('latin1');

/**
 * 8-byte scratch for 64-bit and floating-point reads: the bytes are copied here and read through
 * one shared DataView. Creating a DataView per cursor cost ~9% of a full decode (one cursor per
 * event body, measured with tools/bench/bench-decode.ts --profile), while most events never read
 * a 64-bit or float value; smaller integers are assembled from bytes directly.
 */
const scratchBytes = new Uint8Array(8);
const scratchView = new DataView(scratchBytes.buffer);

/** bytes[at, at+8) → the shared scratch view (caller checked bounds). */
export function scratch8(bytes: Uint8Array, at: number): DataView {
  const s = scratchBytes;
  s[0] = bytes[at]!;
  s[1] = bytes[at + 1]!;
  s[2] = bytes[at + 2]!;
  s[3] = bytes[at + 3]!;
  s[4] = bytes[at + 4]!;
  s[5] = bytes[at + 5]!;
  s[6] = bytes[at + 6]!;
  s[7] = bytes[at + 7]!;
  return scratchView;
}

interface FastSliceBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
}

/** A Buffer over the whole of the last ArrayBuffer text was decoded from (one per input chunk). */
let textArrayBuffer: ArrayBufferLike | undefined;
let textBuffer: FastSliceBuffer | undefined;

/**
 * A Buffer over the whole ArrayBuffer behind `bytes` (bytes[0] is at its bytes.byteOffset), for
 * Buffer's fast string slicing. Cached for the last ArrayBuffer: all events of an input chunk share
 * one, where a Buffer per event cost ~1% of a full decode.
 */
export function bufferOfChunk(bytes: Uint8Array): Buffer {
  const ab = bytes.buffer;
  let buf = textBuffer;
  if (ab !== textArrayBuffer || buf === undefined) {
    buf = Buffer.from(ab) as FastSliceBuffer;
    textBuffer = buf;
    textArrayBuffer = ab;
  }
  return buf;
}

/**
 * bytes[s, e) as UTF-8, exactly as TextDecoder('utf-8') decodes it (a leading BOM dropped, invalid
 * sequences replaced by U+FFFD: both end in V8's String::NewFromUtf8), but through Buffer#utf8Slice
 * on a Buffer made once per chunk: TextDecoder#decode's call overhead dominated for the short
 * statements of ANNOTATE_ROWS events (~3% of a full decode).
 */
function utf8At(bytes: Uint8Array, s: number, e: number): string {
  if (e - s >= 3 && bytes[s] === 0xef && bytes[s + 1] === 0xbb && bytes[s + 2] === 0xbf) s += 3;
  const o = bytes.byteOffset;
  return (bufferOfChunk(bytes) as FastSliceBuffer).utf8Slice(o + s, o + e);
}

export class Cursor {
  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;
  readonly origin: CursorOrigin;
  private dataView: DataView | undefined = undefined;

  constructor(bytes: Uint8Array, origin: CursorOrigin, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    this.origin = origin;
  }

  /** A DataView over `bytes`, created on first use (most events never need one). */
  get view(): DataView {
    let v = this.dataView;
    if (v === undefined) {
      const b = this.bytes;
      v = new DataView(b.buffer, b.byteOffset, b.byteLength);
      this.dataView = v;
    }
    return v;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws a positioned format error at the current position (or `at`). */
  fail(message: string, at = this.pos): never {
    const o = this.origin;
    throw new BinlogFormatError(o.inflated === true ? `${message} (at byte ${at} of the inflated data)` : message, {
      file: o.file,
      offset: o.inflated === true ? o.baseOffset : o.baseOffset + at,
      eventType: o.eventType,
    });
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      this.fail(`needs ${n} more byte(s) but only ${this.end - this.pos} remain`);
    }
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  u8(): number {
    if (this.pos >= this.end) this.need(1);
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    const p = this.pos;
    if (p + 2 > this.end) this.need(2);
    const b = this.bytes;
    this.pos = p + 2;
    return b[p]! | (b[p + 1]! << 8);
  }

  u24(): number {
    this.need(3);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 3;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
  }

  u32(): number {
    const p = this.pos;
    if (p + 4 > this.end) this.need(4);
    const b = this.bytes;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** 48-bit unsigned as a number (exact: < 2^53). */
  u48(): number {
    const p = this.pos;
    if (p + 6 > this.end) this.need(6);
    const b = this.bytes;
    this.pos = p + 6;
    const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    return (b[p + 4]! | (b[p + 5]! << 8)) * 0x1_0000_0000 + lo;
  }

  u64(): bigint {
    this.need(8);
    const v = scratch8(this.bytes, this.pos).getBigUint64(0, true);
    this.pos += 8;
    return v;
  }

  i64(): bigint {
    this.need(8);
    const v = scratch8(this.bytes, this.pos).getBigInt64(0, true);
    this.pos += 8;
    return v;
  }

  /** Unsigned 64-bit as a number; fails if it cannot be represented exactly. */
  u64Number(): number {
    const at = this.pos;
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`64-bit value ${v} is too large here`, at);
    return Number(v);
  }

  /**
   * Length-encoded integer (protocol "int<lenenc>"). Returns null for 0xfb (NULL marker).
   * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_dt_integers.html
   */
  lenenc(): number | null {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfb) return null;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) return this.u24();
    if (first === 0xfe) return this.u64Number();
    return this.fail('invalid length-encoded integer prefix 0xff', this.pos - 1);
  }

  /** Length-encoded integer that must not be NULL. */
  lenencNotNull(): number {
    const at = this.pos;
    const v = this.lenenc();
    if (v === null) this.fail('unexpected NULL length', at);
    return v;
  }

  /** A view (no copy) of the next n bytes. */
  bytesView(n: number): Uint8Array {
    this.need(n);
    // A plain Uint8Array even over a Buffer (so bytesCopy's slice() copies), made with the
    // constructor: ~25 ns less than subarray(), which looks up a species constructor.
    const b = this.bytes;
    const v = new Uint8Array(b.buffer, b.byteOffset + this.pos, n);
    this.pos += n;
    return v;
  }

  /** A copy of the next n bytes (safe to keep after the underlying buffer is reused). */
  bytesCopy(n: number): Uint8Array {
    return this.bytesView(n).slice();
  }

  /** n bytes as latin1 text (protocol identifiers are ASCII). */
  latin1(n: number): string {
    return latin1Decoder.decode(this.bytesView(n));
  }

  utf8(n: number): string {
    this.need(n);
    const s = this.pos;
    this.pos = s + n;
    return utf8At(this.bytes, s, s + n);
  }

  /** NUL-terminated string (UTF-8), consuming the terminator. */
  cstringUtf8(): string {
    const start = this.pos;
    const idx = this.bytes.indexOf(0, start);
    if (idx < 0 || idx >= this.end) this.fail('unterminated string');
    this.pos = idx + 1;
    return utf8At(this.bytes, start, idx);
  }

  /** The rest of the view as UTF-8. */
  restUtf8(): string {
    return this.utf8(this.end - this.pos);
  }

  /** Reads a bitmap of `bits` bits (LSB-first per byte) and returns a view. */
  bitmap(bits: number): Uint8Array {
    return this.bytesView((bits + 7) >>> 3);
  }
}

/** True when bit i is set in an LSB-first bitmap. */
export function bitSet(bitmap: Uint8Array, i: number): boolean {
  return (bitmap[i >>> 3]! & (1 << (i & 7))) !== 0;
}
