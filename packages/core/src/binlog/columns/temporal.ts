/**
 * DATE/TIME/DATETIME/TIMESTAMP storage formats → text exactly as stored (no time-zone shift).
 * Formats: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
 * and MySQL's mysys/my_time.cc (my_datetime_packed_from_binary, my_time_packed_from_binary,
 * TIME_from_longlong_*_packed). TIME2/DATETIME2/TIMESTAMP2 are big-endian; the old formats
 * little-endian.
 */
import type { TimestampValue } from './values.js';

const TWO_24 = 0x100_0000;
const TWO_17 = 0x2_0000;
const SIX_ZEROS = '000000';

/** Bytes of fractional-second storage for fsp 0..6. */
export function fracBytes(fsp: number): number {
  return (fsp + 1) >>> 1;
}

/** '00'..'99' precomputed: date/time formatting is on the row hot path. */
const PAD2: readonly string[] = Array.from({ length: 100 }, (_, n) => (n < 10 ? '0' + n : String(n)));

function pad2(n: number): string {
  return n < 100 ? PAD2[n]! : String(n);
}

function pad4(n: number): string {
  return n >= 1000 ? String(n) : n >= 100 ? '0' + n : n >= 10 ? '00' + n : '000' + n;
}

/** '.ffffff' cut to fsp digits, or '' for fsp 0. */
export function fractionText(micros: number, fsp: number): string {
  if (fsp <= 0) return '';
  const s = String(micros);
  return '.' + (SIX_ZEROS.slice(s.length) + s).slice(0, fsp);
}

/** Reads a fractional part of (fsp+1)/2 bytes at p → microseconds (big-endian, unsigned). */
function readFraction(b: Uint8Array, p: number, fsp: number): number {
  switch (fsp) {
    case 1:
    case 2:
      return b[p]! * 10000;
    case 3:
    case 4:
      return ((b[p]! << 8) | b[p + 1]!) * 100;
    case 5:
    case 6:
      return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
    default:
      return 0;
  }
}

/** DATE (3 bytes LE: day 5 bits, month 4 bits, year 15 bits) → 'YYYY-MM-DD'. */
export function decodeDate(b: Uint8Array, p: number): string {
  const v = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
  return pad4(v >>> 9) + '-' + pad2((v >>> 5) & 15) + '-' + pad2(v & 31);
}

/** Old TIME (3 bytes LE signed, HHMMSS as an integer) → '[-]HH:MM:SS'. */
export function decodeTime(b: Uint8Array, p: number): string {
  let v = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
  if (v & 0x80_0000) v -= 0x100_0000;
  const sign = v < 0 ? '-' : '';
  if (v < 0) v = -v;
  return sign + pad2(Math.floor(v / 10000)) + ':' + pad2(Math.floor(v / 100) % 100) + ':' + pad2(v % 100);
}

/** Old DATETIME (8 bytes LE, YYYYMMDDhhmmss as an integer) → 'YYYY-MM-DD HH:MM:SS'. */
export function decodeDatetime(b: Uint8Array, p: number): string {
  const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  const hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
  const v = hi * 0x1_0000_0000 + lo;
  const date = Math.floor(v / 1_000_000);
  const time = v % 1_000_000;
  return (
    pad4(Math.floor(date / 10000)) + '-' + pad2(Math.floor(date / 100) % 100) + '-' + pad2(date % 100) + ' ' +
    pad2(Math.floor(time / 10000)) + ':' + pad2(Math.floor(time / 100) % 100) + ':' + pad2(time % 100)
  );
}

/** Storage size of DATETIME2(fsp). */
export function datetime2Size(fsp: number): number {
  return 5 + fracBytes(fsp);
}

/** DATETIME2 (5 bytes BE packed + fraction) → 'YYYY-MM-DD HH:MM:SS[.f…]'. */
export function decodeDatetime2(b: Uint8Array, p: number, fsp: number): string {
  const low32 = ((b[p + 1]! << 24) | (b[p + 2]! << 16) | (b[p + 3]! << 8) | b[p + 4]!) >>> 0;
  const intpart = b[p]! * 0x1_0000_0000 + low32 - 0x80_0000_0000;
  return formatDatetimeParts(intpart, readFraction(b, p + 5, fsp), fsp);
}

/** ymdhms (year*13+month)<<22 | day<<17 | hour<<12 | minute<<6 | second, as in my_time.cc. */
function formatDatetimeParts(ymdhms: number, micros: number, fsp: number): string {
  const ymd = Math.floor(ymdhms / TWO_17);
  const hms = ymdhms % TWO_17;
  const ym = ymd >>> 5;
  return (
    pad4(Math.floor(ym / 13)) + '-' + pad2(ym % 13) + '-' + pad2(ymd & 31) + ' ' +
    pad2(hms >>> 12) + ':' + pad2((hms >>> 6) & 63) + ':' + pad2(hms & 63) + fractionText(micros, fsp)
  );
}

/** Storage size of TIME2(fsp). */
export function time2Size(fsp: number): number {
  return 3 + fracBytes(fsp);
}

/** TIME2 (3 bytes BE + fraction, offset-binary) → '[-]HH:MM:SS[.f…]'; hours go up to 838. */
export function decodeTime2(b: Uint8Array, p: number, fsp: number): string {
  const intpart = ((b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!) - 0x80_0000;
  let packed: number;
  switch (fsp) {
    case 1:
    case 2: {
      let frac = b[p + 3]!;
      let ip = intpart;
      // A negative value with a fraction is stored as (int - 1) + (1 - frac): undo the borrow.
      if (ip < 0 && frac !== 0) {
        ip += 1;
        frac -= 0x100;
      }
      packed = ip * TWO_24 + frac * 10000;
      break;
    }
    case 3:
    case 4: {
      let frac = (b[p + 3]! << 8) | b[p + 4]!;
      let ip = intpart;
      if (ip < 0 && frac !== 0) {
        ip += 1;
        frac -= 0x1_0000;
      }
      packed = ip * TWO_24 + frac * 100;
      break;
    }
    case 5:
    case 6:
      // 6 bytes as one offset-binary integer.
      packed = (intpart + 0x80_0000) * TWO_24 + ((b[p + 3]! << 16) | (b[p + 4]! << 8) | b[p + 5]!) - 0x8000_0000_0000;
      break;
    default:
      packed = intpart * TWO_24;
  }
  return formatTimePacked(packed, fsp);
}

/** Packed TIME (hms << 24 | micros, signed) → '[-]HH:MM:SS[.f…]'. */
function formatTimePacked(packed: number, fsp: number): string {
  const neg = packed < 0;
  const abs = neg ? -packed : packed;
  const hms = Math.floor(abs / TWO_24);
  const micros = abs % TWO_24;
  return (
    (neg ? '-' : '') + pad2((hms >>> 12) % 1024) + ':' + pad2((hms >>> 6) & 63) + ':' + pad2(hms & 63) +
    fractionText(micros, fsp)
  );
}

/** Storage size of TIMESTAMP2(fsp). */
export function timestamp2Size(fsp: number): number {
  return 4 + fracBytes(fsp);
}

/** TIMESTAMP2 (4 bytes BE seconds + fraction). */
export function decodeTimestamp2(b: Uint8Array, p: number, fsp: number): TimestampValue {
  const seconds = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  return { kind: 'timestamp', seconds, micros: readFraction(b, p + 4, fsp), fsp };
}

/** Old TIMESTAMP (4 bytes LE seconds). */
export function decodeTimestamp(b: Uint8Array, p: number): TimestampValue {
  const seconds = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  return { kind: 'timestamp', seconds, micros: 0, fsp: 0 };
}

/**
 * Packed DATETIME as an int64 (JSON opaque values, my_time.cc TIME_to_longlong_datetime_packed)
 * → 'YYYY-MM-DD HH:MM:SS.ffffff' (MySQL's JSON printing always shows 6 digits).
 */
export function formatPackedDatetime(packed: bigint, fsp = 6): string {
  const abs = packed < 0n ? -packed : packed;
  return formatDatetimeParts(Number(abs >> 24n), Number(abs & 0xff_ffffn), fsp);
}

/** Packed DATE (same layout as DATETIME, time part zero) → 'YYYY-MM-DD'. */
export function formatPackedDate(packed: bigint): string {
  return formatPackedDatetime(packed, 0).slice(0, 10);
}

/** Packed TIME as an int64 → '[-]HH:MM:SS.ffffff'. */
export function formatPackedTime(packed: bigint, fsp = 6): string {
  const neg = packed < 0n;
  const abs = neg ? -packed : packed;
  return (neg ? '-' : '') + formatTimePacked(Number(abs), fsp);
}
