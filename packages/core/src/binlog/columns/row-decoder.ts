/**
 * Row image decoding: the hot path. Each TABLE_MAP gets a plan once (a kind code and parameters per
 * column, computed from type + metadata + charset), and a row image is decoded by one switch over the
 * precomputed kind codes: no per-value closures, no intermediate arrays, bigint only for BIGINT.
 * Value formats: https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Rows__event.html
 * and https://mariadb.com/kb/en/rows_event_v1v2-rows_compressed_event_v1/ .
 */
import { Buffer } from 'node:buffer';
import type { TextDecoder } from 'node:util';
import { type Cursor, scratch8 } from '../cursor.js';
import type { ColumnDef, TableMapBody } from '../types.js';
import type { ColumnValue, RowImage } from './values.js';
import {
  MYSQL_TYPE_BIT,
  MYSQL_TYPE_BLOB,
  MYSQL_TYPE_DATE,
  MYSQL_TYPE_DATETIME,
  MYSQL_TYPE_DATETIME2,
  MYSQL_TYPE_DOUBLE,
  MYSQL_TYPE_ENUM,
  MYSQL_TYPE_FLOAT,
  MYSQL_TYPE_GEOMETRY,
  MYSQL_TYPE_INT24,
  MYSQL_TYPE_JSON,
  MYSQL_TYPE_LONG,
  MYSQL_TYPE_LONGLONG,
  MYSQL_TYPE_LONG_BLOB,
  MYSQL_TYPE_MEDIUM_BLOB,
  MYSQL_TYPE_NEWDATE,
  MYSQL_TYPE_NEWDECIMAL,
  MYSQL_TYPE_NULL,
  MYSQL_TYPE_SET,
  MYSQL_TYPE_SHORT,
  MYSQL_TYPE_STRING,
  MYSQL_TYPE_TIME,
  MYSQL_TYPE_TIME2,
  MYSQL_TYPE_TIMESTAMP,
  MYSQL_TYPE_TIMESTAMP2,
  MYSQL_TYPE_TINY,
  MYSQL_TYPE_TINY_BLOB,
  MYSQL_TYPE_VARCHAR,
  MYSQL_TYPE_VAR_STRING,
  MYSQL_TYPE_VECTOR,
  MYSQL_TYPE_YEAR,
  columnTypeName,
} from './column-types.js';
import { decodeStringMeta } from './column-meta.js';
import { TextKind, charsetForCollation, decodeLatin1, decodeUtf32, textDecoderFor } from './charsets.js';
import { decimalBinarySize, decodeDecimal } from './decimal.js';
import {
  datetime2Size,
  decodeDate,
  decodeDatetime,
  decodeDatetime2,
  decodeTime,
  decodeTime2,
  decodeTimestamp,
  decodeTimestamp2,
  time2Size,
  timestamp2Size,
} from './temporal.js';
import { jsonBinaryToText } from '../json-binary.js';

// Kind codes (one per decoding routine).
const K_TINY = 1;
const K_TINY_U = 2;
const K_SHORT = 3;
const K_SHORT_U = 4;
const K_INT24 = 5;
const K_INT24_U = 6;
const K_LONG = 7;
const K_LONG_U = 8;
const K_LONGLONG = 9;
const K_LONGLONG_U = 10;
const K_FLOAT = 11;
const K_DOUBLE = 12;
const K_DECIMAL = 13;
const K_YEAR = 14;
const K_DATE = 15;
const K_TIME = 16;
const K_TIME2 = 17;
const K_DATETIME = 18;
const K_DATETIME2 = 19;
const K_TIMESTAMP = 20;
const K_TIMESTAMP2 = 21;
const K_BIT = 22;
/** Length-prefixed (p1 = prefix bytes 1..4) text or bytes (text mode in `text`). */
const K_VARLEN = 23;
const K_JSON = 24;
const K_ENUM = 25;
const K_SET = 26;
const K_NULL = 27;

// Text modes for K_VARLEN.
const T_BYTES = 0;
const T_UTF8 = 1;
const T_DECODER = 2;
const T_UTF32 = 3;
const T_LATIN1 = 4;

/** Per-table decoding plan, built once per TABLE_MAP. */
export interface RowPlan {
  readonly columnCount: number;
  readonly kinds: Uint8Array;
  /** Kind parameter: fixed size, prefix bytes, fsp, precision. */
  readonly p1: Int32Array;
  /** Second parameter: DECIMAL scale, BINARY pad length. */
  readonly p2: Int32Array;
  /** Fixed storage size for DECIMAL/TIME2/DATETIME2/TIMESTAMP2. */
  readonly size: Int32Array;
  readonly text: Uint8Array;
  readonly decoders: (TextDecoder | undefined)[];
  readonly columns: readonly ColumnDef[];
  /** Indexes of MySQL JSON (245) columns, in column order (for PARTIAL_UPDATE_ROWS). */
  readonly jsonColumns: readonly number[];
}

const plans = new WeakMap<TableMapBody, RowPlan>();

/** The cached plan for a TABLE_MAP. */
export function rowPlanFor(table: TableMapBody): RowPlan {
  let plan = plans.get(table);
  if (plan === undefined) {
    plan = buildRowPlan(table.columns);
    plans.set(table, plan);
  }
  return plan;
}

/** Prefix bytes for a length below 256 vs not (VARCHAR/CHAR lengths are byte lengths). */
function prefixFor(maxLength: number): number {
  return maxLength > 255 ? 2 : 1;
}

export function buildRowPlan(columns: readonly ColumnDef[]): RowPlan {
  const n = columns.length;
  const kinds = new Uint8Array(n);
  const p1 = new Int32Array(n);
  const p2 = new Int32Array(n);
  const size = new Int32Array(n);
  const text = new Uint8Array(n);
  const decoders: (TextDecoder | undefined)[] = new Array<TextDecoder | undefined>(n).fill(undefined);
  const jsonColumns: number[] = [];
  for (let i = 0; i < n; i++) {
    const col = columns[i]!;
    const meta = col.meta;
    const unsigned = col.unsigned === true;
    let kind = 0;
    switch (col.type) {
      case MYSQL_TYPE_TINY: kind = unsigned ? K_TINY_U : K_TINY; break;
      case MYSQL_TYPE_SHORT: kind = unsigned ? K_SHORT_U : K_SHORT; break;
      case MYSQL_TYPE_INT24: kind = unsigned ? K_INT24_U : K_INT24; break;
      case MYSQL_TYPE_LONG: kind = unsigned ? K_LONG_U : K_LONG; break;
      case MYSQL_TYPE_LONGLONG: kind = unsigned ? K_LONGLONG_U : K_LONGLONG; break;
      case MYSQL_TYPE_FLOAT: kind = K_FLOAT; break;
      case MYSQL_TYPE_DOUBLE: kind = K_DOUBLE; break;
      case MYSQL_TYPE_NEWDECIMAL: kind = K_DECIMAL; p1[i] = meta >>> 8; p2[i] = meta & 0xff; break;
      case MYSQL_TYPE_YEAR: kind = K_YEAR; break;
      case MYSQL_TYPE_DATE:
      case MYSQL_TYPE_NEWDATE: kind = K_DATE; break;
      case MYSQL_TYPE_TIME: kind = K_TIME; break;
      case MYSQL_TYPE_TIME2: kind = K_TIME2; p1[i] = meta; break;
      case MYSQL_TYPE_DATETIME: kind = K_DATETIME; break;
      case MYSQL_TYPE_DATETIME2: kind = K_DATETIME2; p1[i] = meta; break;
      case MYSQL_TYPE_TIMESTAMP: kind = K_TIMESTAMP; break;
      case MYSQL_TYPE_TIMESTAMP2: kind = K_TIMESTAMP2; p1[i] = meta; break;
      case MYSQL_TYPE_BIT: kind = K_BIT; p1[i] = (meta >>> 8) + ((meta & 0xff) !== 0 ? 1 : 0); break;
      case MYSQL_TYPE_NULL: kind = K_NULL; break;
      case MYSQL_TYPE_VARCHAR:
      case MYSQL_TYPE_VAR_STRING:
        kind = K_VARLEN;
        p1[i] = prefixFor(meta);
        break;
      case MYSQL_TYPE_TINY_BLOB:
      case MYSQL_TYPE_MEDIUM_BLOB:
      case MYSQL_TYPE_LONG_BLOB:
      case MYSQL_TYPE_BLOB:
      case MYSQL_TYPE_GEOMETRY:
      case MYSQL_TYPE_VECTOR:
        kind = K_VARLEN;
        p1[i] = meta;
        break;
      case MYSQL_TYPE_JSON:
        kind = K_JSON;
        p1[i] = meta;
        jsonColumns.push(i);
        break;
      case MYSQL_TYPE_ENUM: kind = K_ENUM; p1[i] = meta & 0xff; break;
      case MYSQL_TYPE_SET: kind = K_SET; p1[i] = meta & 0xff; break;
      case MYSQL_TYPE_STRING: {
        const { realType, length } = decodeStringMeta(meta);
        if (realType === MYSQL_TYPE_ENUM) {
          kind = K_ENUM;
          p1[i] = length;
        } else if (realType === MYSQL_TYPE_SET) {
          kind = K_SET;
          p1[i] = length;
        } else {
          kind = K_VARLEN;
          p1[i] = prefixFor(length);
        }
        break;
      }
      default:
        kind = 0;
    }
    if ((kind === K_VARLEN || kind === K_JSON) && (p1[i]! < 1 || p1[i]! > 4)) kind = 0;
    // Metadata the server cannot produce (DECIMAL up to 65 digits, scale up to 38 in MariaDB; fsp 0-6).
    if (kind === K_DECIMAL && (p1[i]! < 1 || p1[i]! > 65 || p2[i]! > p1[i]! || p2[i]! > 38)) kind = 0;
    if ((kind === K_TIME2 || kind === K_DATETIME2 || kind === K_TIMESTAMP2) && p1[i]! > 6) kind = 0;
    // BINARY(n) values are logged without their trailing 0x00 pad bytes (Field_string::pack); the
    // stored value is n bytes, so pad back when we know the column is binary.
    if (kind === K_VARLEN && col.type === MYSQL_TYPE_STRING && isBinaryString(col)) p2[i] = decodeStringMeta(meta).length;
    kinds[i] = kind;
    if (kind === K_DECIMAL) size[i] = decimalBinarySize(p1[i]!, p2[i]!);
    else if (kind === K_TIME2) size[i] = time2Size(p1[i]!);
    else if (kind === K_DATETIME2) size[i] = datetime2Size(p1[i]!);
    else if (kind === K_TIMESTAMP2) size[i] = timestamp2Size(p1[i]!);
    // Text only for character columns whose charset we know; GEOMETRY/VECTOR are always bytes.
    if (kind === K_VARLEN && col.type !== MYSQL_TYPE_GEOMETRY && col.type !== MYSQL_TYPE_VECTOR && col.collationId !== undefined) {
      const info = charsetForCollation(col.collationId);
      if (info !== undefined) {
        if (info.kind === TextKind.Utf8) text[i] = T_UTF8;
        else if (info.kind === TextKind.Utf32) text[i] = T_UTF32;
        else if (info.kind === TextKind.Latin1) text[i] = T_LATIN1;
        else if (info.kind === TextKind.Decoder && info.encoding !== undefined) {
          text[i] = T_DECODER;
          decoders[i] = textDecoderFor(info.encoding);
        }
      }
    }
  }
  return { columnCount: n, kinds, p1, p2, size, text, decoders, columns, jsonColumns };
}

const BINARY_SQL_TYPE = /^(binary|uuid|inet6|inet4)\b/;

function isBinaryString(col: ColumnDef): boolean {
  if (col.collationId === 63) return true;
  return col.sqlType !== undefined && BINARY_SQL_TYPE.test(col.sqlType);
}

/** Unsupported-column message (old DECIMAL, TYPED_ARRAY, unknown codes). */
export function unsupportedColumns(plan: RowPlan): string | undefined {
  for (let i = 0; i < plan.columnCount; i++) {
    if (plan.kinds[i] === 0) {
      const col = plan.columns[i]!;
      return `column ${i + 1} has type ${columnTypeName(col.type)} (meta ${col.meta}), which cannot be decoded`;
    }
  }
  return undefined;
}

/**
 * Node's Buffer#utf8Slice (the native routine behind toString('utf8', s, e)) called directly: it
 * skips toString's encoding lookup and argument checks, which cost as much as the decoding for the
 * short strings typical of rows (measured in bench/rows-decode.bench.ts).
 */
interface FastSliceBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
}

function utf8Text(buf: Buffer, s: number, e: number): string {
  return (buf as FastSliceBuffer).utf8Slice(s, e);
}

/**
 * Optional per-image hooks for PARTIAL_UPDATE_ROWS: when `partialJson` says a JSON column's value is
 * a diff, `applyJsonDiff` turns it into the full document text.
 */
export interface JsonPartialHook {
  /** Is column i's after value a diff? */
  isPartial(columnIndex: number): boolean;
  /**
   * Apply the diff bytes [start, end) to the before value of column i → JSON text, or undefined
   * when the before value is not logged (the hook keeps the diff; the slot stays undefined).
   */
  apply(columnIndex: number, bytes: Uint8Array, start: number, end: number): string | undefined;
}

/**
 * Decodes one row image at c.pos: null bitmap over the present columns, then the values.
 * Returns an array with one slot per table column (undefined = not present in this image).
 * `rawOut`, when given, receives [start, end) byte offsets of each present JSON value (for diffs).
 * `buf` is a Buffer over the same memory as c.bytes, with c.bytes[0] at buf[bufBase] (decodeRows
 * passes one Buffer per input chunk, bufferOfChunk, instead of making one per event).
 */
export function decodeRowImage(
  c: Cursor,
  plan: RowPlan,
  present: Uint8Array,
  presentCount: number,
  buf: Buffer,
  partial?: JsonPartialHook,
  rawOut?: Int32Array,
  bufBase = 0,
): RowImage {
  const n = plan.columnCount;
  const row: RowImage = new Array<ColumnValue | undefined>(n);
  const nullBytes = (presentCount + 7) >>> 3;
  c.need(nullBytes);
  const nullStart = c.pos;
  c.pos += nullBytes;
  const bytes = c.bytes;
  const kinds = plan.kinds;
  const p1 = plan.p1;
  let nullIndex = 0;
  for (let i = 0; i < n; i++) {
    if ((present[i >>> 3]! & (1 << (i & 7))) === 0) continue;
    const isNull = (bytes[nullStart + (nullIndex >>> 3)]! & (1 << (nullIndex & 7))) !== 0;
    nullIndex++;
    if (isNull) {
      row[i] = null;
      continue;
    }
    const p = c.pos;
    const k = kinds[i]!;
    let v: ColumnValue;
    switch (k) {
      case K_TINY:
        c.need(1);
        v = (bytes[p]! << 24) >> 24;
        c.pos = p + 1;
        break;
      case K_TINY_U:
        c.need(1);
        v = bytes[p]!;
        c.pos = p + 1;
        break;
      case K_SHORT:
        c.need(2);
        v = ((bytes[p]! | (bytes[p + 1]! << 8)) << 16) >> 16;
        c.pos = p + 2;
        break;
      case K_SHORT_U:
        c.need(2);
        v = bytes[p]! | (bytes[p + 1]! << 8);
        c.pos = p + 2;
        break;
      case K_INT24:
        c.need(3);
        v = ((bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16)) << 8) >> 8;
        c.pos = p + 3;
        break;
      case K_INT24_U:
        c.need(3);
        v = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16);
        c.pos = p + 3;
        break;
      case K_LONG:
        c.need(4);
        v = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
        c.pos = p + 4;
        break;
      case K_LONG_U:
        c.need(4);
        v = (bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24)) >>> 0;
        c.pos = p + 4;
        break;
      case K_LONGLONG:
        c.need(8);
        v = scratch8(bytes, p).getBigInt64(0, true);
        c.pos = p + 8;
        break;
      case K_LONGLONG_U:
        c.need(8);
        v = scratch8(bytes, p).getBigUint64(0, true);
        c.pos = p + 8;
        break;
      case K_FLOAT:
        c.need(4);
        v = scratch8(bytes, p).getFloat32(0, true);
        c.pos = p + 4;
        break;
      case K_DOUBLE:
        c.need(8);
        v = scratch8(bytes, p).getFloat64(0, true);
        c.pos = p + 8;
        break;
      case K_DECIMAL: {
        const precision = p1[i]!;
        const scale = plan.p2[i]!;
        const size = plan.size[i]!;
        c.need(size);
        v = decodeDecimal(bytes, p, precision, scale);
        c.pos = p + size;
        break;
      }
      case K_YEAR: {
        c.need(1);
        const y = bytes[p]!;
        v = y === 0 ? 0 : 1900 + y;
        c.pos = p + 1;
        break;
      }
      case K_DATE:
        c.need(3);
        v = decodeDate(bytes, p);
        c.pos = p + 3;
        break;
      case K_TIME:
        c.need(3);
        v = decodeTime(bytes, p);
        c.pos = p + 3;
        break;
      case K_TIME2: {
        const size = plan.size[i]!;
        c.need(size);
        v = decodeTime2(bytes, p, p1[i]!);
        c.pos = p + size;
        break;
      }
      case K_DATETIME:
        c.need(8);
        v = decodeDatetime(bytes, p);
        c.pos = p + 8;
        break;
      case K_DATETIME2: {
        const size = plan.size[i]!;
        c.need(size);
        v = decodeDatetime2(bytes, p, p1[i]!);
        c.pos = p + size;
        break;
      }
      case K_TIMESTAMP:
        c.need(4);
        v = decodeTimestamp(bytes, p);
        c.pos = p + 4;
        break;
      case K_TIMESTAMP2: {
        const size = plan.size[i]!;
        c.need(size);
        v = decodeTimestamp2(bytes, p, p1[i]!);
        c.pos = p + size;
        break;
      }
      case K_BIT:
        v = c.bytesCopy(p1[i]!);
        break;
      case K_VARLEN: {
        const len = readLength(c, p1[i]!);
        const s = c.pos;
        c.need(len);
        const e = s + len;
        c.pos = e;
        switch (plan.text[i]) {
          case T_UTF8:
            v = utf8Text(buf, bufBase + s, bufBase + e);
            break;
          case T_DECODER:
            v = plan.decoders[i]!.decode(bytes.subarray(s, e));
            break;
          case T_UTF32:
            v = decodeUtf32(bytes, s, e);
            break;
          case T_LATIN1:
            v = decodeLatin1(buf, bufBase + s, bufBase + e);
            break;
          default: {
            const padTo = plan.p2[i]!;
            if (padTo > len) {
              const padded = new Uint8Array(padTo);
              padded.set(bytes.subarray(s, e));
              v = padded;
            } else {
              v = bytes.slice(s, e);
            }
          }
        }
        break;
      }
      case K_JSON: {
        const len = readLength(c, p1[i]!);
        const s = c.pos;
        c.need(len);
        const e = s + len;
        c.pos = e;
        if (rawOut !== undefined) {
          rawOut[2 * i] = s;
          rawOut[2 * i + 1] = e;
        }
        if (partial !== undefined && partial.isPartial(i)) {
          const text = partial.apply(i, bytes, s, e);
          if (text === undefined) continue;
          v = text;
        } else {
          v = jsonBinaryToText(bytes, s, e, c.origin.file, c.origin.baseOffset);
        }
        break;
      }
      case K_ENUM: {
        const size = p1[i]!;
        c.need(size);
        const index = size === 1 ? bytes[p]! : size === 2 ? bytes[p]! | (bytes[p + 1]! << 8) : 0;
        if (size !== 1 && size !== 2) c.fail(`ENUM column ${i + 1} has a ${size}-byte value (expected 1 or 2)`);
        c.pos = p + size;
        const names = plan.columns[i]!.enumValues;
        v = { kind: 'enum', index, name: names === undefined ? undefined : index === 0 ? '' : names[index - 1] };
        break;
      }
      case K_SET: {
        const size = p1[i]!;
        if (size < 1 || size > 8) c.fail(`SET column ${i + 1} has a ${size}-byte value (expected 1..8)`);
        c.need(size);
        let bits = 0n;
        for (let j = size - 1; j >= 0; j--) bits = (bits << 8n) | BigInt(bytes[p + j]!);
        c.pos = p + size;
        const members = plan.columns[i]!.setValues;
        let names: string[] | undefined;
        if (members !== undefined) {
          names = [];
          for (let j = 0; j < members.length; j++) if ((bits >> BigInt(j)) & 1n) names.push(members[j]!);
        }
        v = { kind: 'set', bits, names };
        break;
      }
      case K_NULL:
        v = null;
        break;
      default: {
        const col = plan.columns[i]!;
        return c.fail(`column ${i + 1} has type ${columnTypeName(col.type)} (meta ${col.meta}), which cannot be decoded`);
      }
    }
    row[i] = v;
  }
  return row;
}

/** Little-endian length prefix of 1..4 bytes. */
function readLength(c: Cursor, prefix: number): number {
  switch (prefix) {
    case 1:
      return c.u8();
    case 2:
      return c.u16();
    case 3:
      return c.u24();
    default:
      return c.u32();
  }
}

/** A Buffer over the same memory (for fast toString). */
export function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
