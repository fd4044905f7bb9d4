/**
 * MySQL binary JSON (the JSON column's storage and binlog format) → the text MySQL itself prints.
 * Format: https://dev.mysql.com/doc/dev/mysql-server/latest/json__binary_8h.html
 *   doc   ::= type value
 *   type  0 small object, 1 large object, 2 small array, 3 large array, 4 literal, 5 int16,
 *         6 uint16, 7 int32, 8 uint32, 9 int64, 10 uint64, 11 double, 12 utf8mb4 string, 15 opaque
 * Objects/arrays: element count and byte size (2 bytes small, 4 large), key entries (offset, 2-byte
 * length), value entries (type + offset or inlined value). Offsets are relative to the start of the
 * object/array, so a document MySQL 8 updated in place (with holes) is read by following them.
 * Printing follows MySQL's Json_wrapper::to_string: `{"k": v, "k2": v2}`, `[1, 2]`, keys in stored
 * order (MySQL keeps them sorted by length, then bytes), DATE/TIME/DATETIME/DECIMAL opaque values
 * as their text, other opaque values as "base64:typeNN:…".
 */
import { Buffer } from 'node:buffer';
import { BinlogFormatError } from '../errors/pitr-error.js';
import { decimalBinarySize, decodeDecimal } from './columns/decimal.js';
import { formatPackedDate, formatPackedDatetime, formatPackedTime } from './columns/temporal.js';
import {
  MYSQL_TYPE_DATE,
  MYSQL_TYPE_DATETIME,
  MYSQL_TYPE_NEWDECIMAL,
  MYSQL_TYPE_TIME,
  MYSQL_TYPE_TIMESTAMP,
} from './columns/column-types.js';

export const JSONB_TYPE_SMALL_OBJECT = 0x0;
export const JSONB_TYPE_LARGE_OBJECT = 0x1;
export const JSONB_TYPE_SMALL_ARRAY = 0x2;
export const JSONB_TYPE_LARGE_ARRAY = 0x3;
export const JSONB_TYPE_LITERAL = 0x4;
export const JSONB_TYPE_INT16 = 0x5;
export const JSONB_TYPE_UINT16 = 0x6;
export const JSONB_TYPE_INT32 = 0x7;
export const JSONB_TYPE_UINT32 = 0x8;
export const JSONB_TYPE_INT64 = 0x9;
export const JSONB_TYPE_UINT64 = 0xa;
export const JSONB_TYPE_DOUBLE = 0xb;
export const JSONB_TYPE_STRING = 0xc;
export const JSONB_TYPE_OPAQUE = 0xf;

export const JSONB_NULL_LITERAL = 0x0;
export const JSONB_TRUE_LITERAL = 0x1;
export const JSONB_FALSE_LITERAL = 0x2;

/** A decoded JSON value that keeps what MySQL's printing needs (number kinds, key order). */
export type JsonValue =
  | { readonly t: 'object'; keys: string[]; values: JsonValue[] }
  | { readonly t: 'array'; items: JsonValue[] }
  | { readonly t: 'string'; readonly v: string }
  /** Integers and DECIMALs: printed as their text. */
  | { readonly t: 'number'; readonly text: string }
  | { readonly t: 'double'; readonly v: number }
  | { readonly t: 'literal'; readonly v: null | boolean };

const MAX_DEPTH = 100;

class JsonReader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly start: number,
    readonly end: number,
    readonly file: string,
    readonly baseOffset: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** `at` may be where a corrupt offset points; the reported position stays inside the value. */
  fail(message: string, at: number): never {
    const clamped = Math.min(Math.max(at, this.start), this.end);
    throw new BinlogFormatError(`JSON value: ${message}`, { file: this.file, offset: this.baseOffset + clamped });
  }

  need(at: number, n: number, limit: number): void {
    if (at < 0 || at + n > limit) this.fail(`needs ${n} byte(s) at ${at - this.start} but the value ends at ${limit - this.start}`, at);
  }

  /** Value of `type` whose data starts at `at`, inside [.., limit). */
  value(type: number, at: number, limit: number, depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail('nested too deeply', at);
    const v = this.view;
    switch (type) {
      case JSONB_TYPE_SMALL_OBJECT:
      case JSONB_TYPE_LARGE_OBJECT:
        return this.container(at, limit, type === JSONB_TYPE_LARGE_OBJECT, true, depth);
      case JSONB_TYPE_SMALL_ARRAY:
      case JSONB_TYPE_LARGE_ARRAY:
        return this.container(at, limit, type === JSONB_TYPE_LARGE_ARRAY, false, depth);
      case JSONB_TYPE_LITERAL:
        this.need(at, 1, limit);
        return literal(this.bytes[at]!, this, at);
      case JSONB_TYPE_INT16:
        this.need(at, 2, limit);
        return { t: 'number', text: String(v.getInt16(at, true)) };
      case JSONB_TYPE_UINT16:
        this.need(at, 2, limit);
        return { t: 'number', text: String(v.getUint16(at, true)) };
      case JSONB_TYPE_INT32:
        this.need(at, 4, limit);
        return { t: 'number', text: String(v.getInt32(at, true)) };
      case JSONB_TYPE_UINT32:
        this.need(at, 4, limit);
        return { t: 'number', text: String(v.getUint32(at, true)) };
      case JSONB_TYPE_INT64:
        this.need(at, 8, limit);
        return { t: 'number', text: String(v.getBigInt64(at, true)) };
      case JSONB_TYPE_UINT64:
        this.need(at, 8, limit);
        return { t: 'number', text: String(v.getBigUint64(at, true)) };
      case JSONB_TYPE_DOUBLE:
        this.need(at, 8, limit);
        return { t: 'double', v: v.getFloat64(at, true) };
      case JSONB_TYPE_STRING: {
        const [len, p] = this.varLength(at, limit);
        this.need(p, len, limit);
        return { t: 'string', v: Buffer.from(this.bytes.buffer, this.bytes.byteOffset + p, len).toString('utf8') };
      }
      case JSONB_TYPE_OPAQUE: {
        this.need(at, 1, limit);
        const fieldType = this.bytes[at]!;
        const [len, p] = this.varLength(at + 1, limit);
        this.need(p, len, limit);
        return this.opaque(fieldType, p, len);
      }
      default:
        return this.fail(`unknown value type ${type}`, at);
    }
  }

  /** Variable-length length: 7 bits per byte, low group first, high bit = more (at most 5 bytes). */
  varLength(at: number, limit: number): [number, number] {
    let len = 0;
    for (let i = 0; i < 5; i++) {
      this.need(at + i, 1, limit);
      const b = this.bytes[at + i]!;
      len += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return [len, at + i + 1];
    }
    return this.fail('variable-length length is longer than 5 bytes', at);
  }

  container(at: number, limit: number, large: boolean, isObject: boolean, depth: number): JsonValue {
    const w = large ? 4 : 2;
    this.need(at, 2 * w, limit);
    const v = this.view;
    const count = large ? v.getUint32(at, true) : v.getUint16(at, true);
    const size = large ? v.getUint32(at + w, true) : v.getUint16(at + w, true);
    if (size > limit - at) this.fail(`container size ${size} exceeds the ${limit - at} bytes available`, at);
    const cEnd = at + size;
    const keyEntry = w + 2;
    const valueEntry = 1 + w;
    const headerEnd = at + 2 * w + (isObject ? count * keyEntry : 0) + count * valueEntry;
    if (headerEnd > cEnd) this.fail(`container of ${count} elements does not fit in ${size} bytes`, at);
    const keys: string[] = [];
    const values: JsonValue[] = [];
    for (let i = 0; i < count; i++) {
      if (isObject) {
        const ke = at + 2 * w + i * keyEntry;
        const keyOffset = large ? v.getUint32(ke, true) : v.getUint16(ke, true);
        const keyLength = v.getUint16(ke + w, true);
        this.need(at + keyOffset, keyLength, cEnd);
        keys.push(Buffer.from(this.bytes.buffer, this.bytes.byteOffset + at + keyOffset, keyLength).toString('utf8'));
      }
      const ve = at + 2 * w + (isObject ? count * keyEntry : 0) + i * valueEntry;
      const type = this.bytes[ve]!;
      if (isInlined(type, large)) {
        values.push(this.value(type, ve + 1, ve + 1 + w, depth + 1));
      } else {
        const offset = large ? v.getUint32(ve + 1, true) : v.getUint16(ve + 1, true);
        if (offset >= size) this.fail(`element offset ${offset} is outside its container (${size} bytes)`, ve + 1);
        values.push(this.value(type, at + offset, cEnd, depth + 1));
      }
    }
    return isObject ? { t: 'object', keys, values } : { t: 'array', items: values };
  }

  opaque(fieldType: number, p: number, len: number): JsonValue {
    const bytes = this.bytes;
    switch (fieldType) {
      case MYSQL_TYPE_NEWDECIMAL: {
        // precision, scale, then the binary DECIMAL (Json_decimal::convert_from_binary).
        if (len >= 2) {
          const precision = bytes[p]!;
          const scale = bytes[p + 1]!;
          if (scale <= precision && decimalBinarySize(precision, scale) <= len - 2) {
            return { t: 'number', text: decodeDecimal(bytes, p + 2, precision, scale) };
          }
        }
        break;
      }
      case MYSQL_TYPE_DATE:
      case MYSQL_TYPE_DATETIME:
      case MYSQL_TYPE_TIMESTAMP:
      case MYSQL_TYPE_TIME:
        if (len >= 8) {
          const packed = this.view.getBigInt64(p, true);
          const text =
            fieldType === MYSQL_TYPE_DATE
              ? formatPackedDate(packed)
              : fieldType === MYSQL_TYPE_TIME
                ? formatPackedTime(packed)
                : formatPackedDatetime(packed);
          return { t: 'string', v: text };
        }
        break;
      default:
        break;
    }
    const data = Buffer.from(bytes.buffer, bytes.byteOffset + p, len).toString('base64');
    return { t: 'string', v: `base64:type${fieldType}:${data}` };
  }
}

function literal(b: number, r: JsonReader, at: number): JsonValue {
  switch (b) {
    case JSONB_NULL_LITERAL:
      return { t: 'literal', v: null };
    case JSONB_TRUE_LITERAL:
      return { t: 'literal', v: true };
    case JSONB_FALSE_LITERAL:
      return { t: 'literal', v: false };
    default:
      return r.fail(`unknown literal ${b}`, at);
  }
}

/** Values stored in the value entry itself instead of at an offset. */
function isInlined(type: number, large: boolean): boolean {
  switch (type) {
    case JSONB_TYPE_LITERAL:
    case JSONB_TYPE_INT16:
    case JSONB_TYPE_UINT16:
      return true;
    case JSONB_TYPE_INT32:
    case JSONB_TYPE_UINT32:
      return large;
    default:
      return false;
  }
}

/**
 * Parses a binary JSON document in bytes[start, end). An empty value (length 0, which MySQL writes
 * for a JSON column it could not fill, e.g. a NOT NULL column omitted under strict mode off) is the
 * JSON null literal, as the server reads it.
 */
export function parseJsonBinary(bytes: Uint8Array, start = 0, end = bytes.length, file = '', baseOffset = 0): JsonValue {
  if (end <= start) return { t: 'literal', v: null };
  const r = new JsonReader(bytes, start, end, file, baseOffset);
  return r.value(bytes[start]!, start + 1, end, 0);
}

/** Parses a JSON value without its leading type byte (type given separately). */
export function parseJsonBinaryValue(type: number, bytes: Uint8Array, start: number, end: number, file = '', baseOffset = 0): JsonValue {
  return new JsonReader(bytes, start, end, file, baseOffset).value(type, start, end, 0);
}

/** Binary JSON → MySQL's text. */
export function jsonBinaryToText(bytes: Uint8Array, start = 0, end = bytes.length, file = '', baseOffset = 0): string {
  return jsonValueToText(parseJsonBinary(bytes, start, end, file, baseOffset));
}

/** MySQL's JSON text for a decoded value. */
export function jsonValueToText(value: JsonValue): string {
  switch (value.t) {
    case 'object': {
      let out = '{';
      for (let i = 0; i < value.keys.length; i++) {
        if (i > 0) out += ', ';
        out += quoteJsonString(value.keys[i]!) + ': ' + jsonValueToText(value.values[i]!);
      }
      return out + '}';
    }
    case 'array': {
      let out = '[';
      for (let i = 0; i < value.items.length; i++) {
        if (i > 0) out += ', ';
        out += jsonValueToText(value.items[i]!);
      }
      return out + ']';
    }
    case 'string':
      return quoteJsonString(value.v);
    case 'number':
      return value.text;
    case 'double':
      return formatJsonDouble(value.v);
    case 'literal':
      return value.v === null ? 'null' : value.v ? 'true' : 'false';
  }
}

const HEX = '0123456789abcdef';

/** Quoting as MySQL's double_quote() (sql-common/json_dom.cc): only '"', '\\' and controls are escaped. */
export function quoteJsonString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(from, i);
    from = i + 1;
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      default: out += '\\u00' + HEX[c >> 4] + HEX[c & 15];
    }
  }
  return out + s.slice(from) + '"';
}

/**
 * A double as MySQL's JSON output prints it (Json_wrapper::to_string): my_gcvt(d, DOUBLE,
 * MY_GCVT_MAX_FIELD_WIDTH) — the shortest digits that round-trip (dtoa mode 4), in 'f' notation
 * when the decimal exponent is within [-14, 15] (MAX_DECPT_FOR_F_FORMAT = DBL_DIG) or the number
 * has a fractional part, else 'e' notation without '+' ("1e15", "1.5e-300") — then ".0" appended
 * when neither '.' nor 'e' was printed, so 1.0 stays "1.0". See strings/dtoa.cc my_gcvt().
 */
export function formatJsonDouble(d: number): string {
  if (!Number.isFinite(d)) return String(d);
  const neg = d < 0 || Object.is(d, -0);
  let digits: string;
  let decpt: number;
  if (d === 0) {
    digits = '0';
    decpt = 1;
  } else {
    const [mant, expText] = Math.abs(d).toExponential().split('e') as [string, string];
    digits = mant.replace('.', '');
    decpt = Number(expText) + 1;
  }
  const len = digits.length;
  let out: string;
  if (decpt >= 1 - MAX_DECPT_FOR_F_FORMAT && (decpt <= MAX_DECPT_FOR_F_FORMAT || len > decpt)) {
    if (decpt <= 0) out = '0.' + '0'.repeat(-decpt) + digits;
    else if (decpt < len) out = digits.slice(0, decpt) + '.' + digits.slice(decpt);
    else out = digits + '0'.repeat(decpt - len) + '.0';
  } else {
    const e = decpt - 1;
    out = (len > 1 ? digits[0] + '.' + digits.slice(1) : digits) + 'e' + (e < 0 ? '-' : '') + Math.abs(e);
  }
  return neg ? '-' + out : out;
}

/** DBL_DIG: my_gcvt prefers the 'e' format beyond this decimal exponent. */
const MAX_DECPT_FOR_F_FORMAT = 15;
