/**
 * One comparable form for a column value, built independently from (a) what mariadb-binlog -vv
 * prints and (b) what our decoder returns. Deliberately NOT built on the product's renderers: the
 * point is to check the decoder against a second, independent reading of the same bytes.
 *
 * Canonical forms (and why):
 *  - integers: the unsigned bit pattern of the column width. mariadb-binlog ignores signedness and
 *    prints `signed (unsigned)` for values with the top bit set (`-1 (255)`); our side is checked
 *    separately for being in the declared signed/unsigned range when the signedness is known.
 *  - DECIMAL: the exact text, leading integer zeros stripped.
 *  - FLOAT: mariadb-binlog prints `%-20g` (6 significant digits), so the comparison is numeric:
 *    |ours − printed| ≤ half a unit in the 6th significant digit of the printed value, and ours must
 *    be exactly representable as float32. (glibc rounds ties to even, JS `toPrecision` does not, so
 *    re-printing ours and comparing text would give false mismatches such as 1234565.)
 *  - DOUBLE: printed `%.20g` (≥ 17 significant digits round-trip), so the comparison is exact
 *    (Object.is on the parsed number).
 *  - strings/blobs/GEOMETRY/BINARY/UUID/INET: the quoted printed form (see `mariadbQuotedForm`);
 *    our strings are re-encoded to bytes in the column's charset first. BINARY(n) (STRING with the
 *    binary collation): the row image drops trailing 0x00 pad bytes, so ours (the stored n-byte
 *    value, length checked) is compared without its trailing 0x00s.
 *  - DATE (printed `YYYY:MM:DD` — colons!), TIME, DATETIME: text with the fraction padded to 6.
 *  - TIMESTAMP: epoch seconds + microseconds (printed `sec[.fraction]`).
 *  - YEAR: printed as stored byte + 1900, so the zero year 0000 prints as 1900; ours 0 maps to 1900.
 *  - BIT: the bit value as bigint (printed `b'0101…'`, big-endian like the storage).
 *  - SET: the member bitmap as bigint. mariadb-binlog prints a SET as its stored bytes in storage
 *    order (little-endian), each byte MSB first: members 1..9 of a 2-byte SET print b'1111111100000001'.
 *  - ENUM: the 1-based index.
 */
import type { ColumnDef } from '../../packages/core/src/binlog/types.js';
import type { ColumnValue } from '../../packages/core/src/binlog/columns/values.js';
import { mariadbQuotedForm, type VerboseValue } from './mariadb-binlog-verbose.js';

export type Canon =
  | { readonly t: 'null' }
  | { readonly t: 'int'; readonly bits: number; readonly v: bigint }
  | { readonly t: 'decimal'; readonly v: string }
  | { readonly t: 'float'; readonly v: number; readonly printed?: string }
  | { readonly t: 'double'; readonly v: number }
  | { readonly t: 'quoted'; readonly v: string }
  | { readonly t: 'date'; readonly v: string }
  | { readonly t: 'time'; readonly v: string }
  | { readonly t: 'datetime'; readonly v: string }
  | { readonly t: 'timestamp'; readonly s: number; readonly us: number }
  | { readonly t: 'year'; readonly v: number }
  | { readonly t: 'bit'; readonly v: bigint }
  | { readonly t: 'enum'; readonly v: number }
  | { readonly t: 'set'; readonly v: bigint }
  /** The value could not be canonicalised; `why` says what was wrong. Never equal to anything. */
  | { readonly t: 'invalid'; readonly why: string };

// MYSQL_TYPE_* codes, https://dev.mysql.com/doc/dev/mysql-server/latest/field__types_8h.html
export const MYSQL_TYPE = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8,
  INT24: 9, DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15, BIT: 16,
  TIMESTAMP2: 17, DATETIME2: 18, TIME2: 19, JSON: 245, NEWDECIMAL: 246, ENUM: 247, SET: 248,
  TINY_BLOB: 249, MEDIUM_BLOB: 250, LONG_BLOB: 251, BLOB: 252, VAR_STRING: 253, STRING: 254, GEOMETRY: 255,
} as const;

const INT_BITS: Record<number, number> = { 1: 8, 2: 16, 9: 24, 3: 32, 8: 64 };

// ---------------------------------------------------------------------------------------------
// mariadb-binlog side

const VERBOSE_INT_BITS: Record<string, number> = { TINYINT: 8, SHORTINT: 16, MEDIUMINT: 24, INT: 32, LONGINT: 64 };

function padFraction(frac: string | undefined): string {
  return (frac ?? '').padEnd(6, '0');
}

function normDecimal(s: string): string | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return undefined;
  const int = m[2]!.replace(/^0+(?=\d)/, '');
  return `${m[1]}${int}${m[3] !== undefined ? `.${m[3]}` : ''}`;
}

function normTime(s: string): string | undefined {
  const m = /^(-?)(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(s);
  if (!m) return undefined;
  return `${m[1]}${Number(m[2])}:${m[3]}:${m[4]}.${padFraction(m[5])}`;
}

function normDatetime(s: string): string | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(s);
  if (!m) return undefined;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}.${padFraction(m[7])}`;
}

function quotedBody(text: string): string | undefined {
  return text.length >= 2 && text.startsWith("'") && text.endsWith("'") ? text : undefined;
}

/** Canonical form of one value printed by mariadb-binlog -vv. */
export function canonFromVerbose(v: VerboseValue): Canon {
  if (v.isNull) return v.text === 'NULL' ? { t: 'null' } : { t: 'invalid', why: `is_null=1 but printed ${v.text}` };
  const type = v.typeName;
  const text = v.text;
  const bad = (why: string): Canon => ({ t: 'invalid', why: `${type}: ${why}: ${JSON.stringify(text)}` });
  const intBits = VERBOSE_INT_BITS[type];
  if (intBits !== undefined) {
    const m = /^(-?\d+)(?: \((\d+)\))?$/.exec(text);
    if (!m) return bad('unparsable integer');
    const u = m[2] !== undefined ? BigInt(m[2]) : BigInt(m[1]!);
    if (u < 0n) return bad('negative without unsigned form');
    return { t: 'int', bits: intBits, v: u };
  }
  if (type === 'FLOAT') {
    const n = Number(text);
    return Number.isNaN(n) && text !== 'nan' ? bad('unparsable float') : { t: 'float', v: n, printed: text };
  }
  if (type === 'DOUBLE') {
    const n = Number(text);
    return Number.isNaN(n) && text !== 'nan' ? bad('unparsable double') : { t: 'double', v: n };
  }
  if (type.startsWith('DECIMAL(')) {
    const d = normDecimal(text);
    return d === undefined ? bad('unparsable decimal') : { t: 'decimal', v: d };
  }
  if (type === 'DATE') {
    const m = /^'(\d{4}):(\d\d):(\d\d)'$/.exec(text);
    return m ? { t: 'date', v: `${m[1]}-${m[2]}-${m[3]}` } : bad('unparsable date');
  }
  if (/^TIME(\(\d\))?$/.test(type)) {
    const t = /^'(.*)'$/.exec(text);
    const n = t ? normTime(t[1]!) : undefined;
    return n === undefined ? bad('unparsable time') : { t: 'time', v: n };
  }
  if (/^DATETIME(\(\d\))?$/.test(type)) {
    const t = /^'(.*)'$/.exec(text);
    const n = t ? normDatetime(t[1]!) : undefined;
    return n === undefined ? bad('unparsable datetime') : { t: 'datetime', v: n };
  }
  if (/^TIMESTAMP(\(\d\))?$/.test(type)) {
    const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text);
    return m ? { t: 'timestamp', s: Number(m[1]), us: Number(padFraction(m[2])) } : bad('unparsable timestamp');
  }
  if (type === 'YEAR') {
    return /^\d+$/.test(text) ? { t: 'year', v: Number(text) } : bad('unparsable year');
  }
  if (type.startsWith('BIT(') || type.startsWith('SET(')) {
    const m = /^b'([01]*)'$/.exec(text);
    if (!m) return bad('unparsable bit string');
    if (type.startsWith('BIT(')) return { t: 'bit', v: m[1]!.length === 0 ? 0n : BigInt(`0b${m[1]}`) };
    // SET: mariadb-binlog prints the stored bytes in storage order, each byte most significant bit
    // first; the stored integer is little-endian (b'1111111100000001' = bytes FF 01 = 0x01FF).
    if (m[1]!.length % 8 !== 0) return bad('SET bit string is not whole bytes');
    let v = 0n;
    for (let i = m[1]!.length - 8; i >= 0; i -= 8) v = (v << 8n) | BigInt(`0b${m[1]!.slice(i, i + 8)}`);
    return { t: 'set', v };
  }
  if (type.startsWith('ENUM(')) {
    return /^\d+$/.test(text) ? { t: 'enum', v: Number(text) } : bad('unparsable enum');
  }
  if (/^(STRING|VARSTRING)\(\d+\)$/.test(type) || type.includes('BLOB') || type === 'GEOMETRY') {
    const q = quotedBody(text);
    return q === undefined ? bad('unquoted string') : { t: 'quoted', v: q };
  }
  return bad('type not handled by the comparator');
}

// ---------------------------------------------------------------------------------------------
// our decoder's side

/**
 * MariaDB's latin1 is Windows-1252 with the five holes mapped to the C1 controls
 * (https://mariadb.com/kb/en/supported-character-sets-and-collations/). Table for 0x80..0x9F.
 */
const CP1252_HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];
const CP1252_ENCODE = new Map<number, number>();
for (let b = 0; b < 256; b++) CP1252_ENCODE.set(b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b, b);

/** Encodes text into the bytes of a MariaDB charset; undefined when not representable/unsupported. */
export function encodeInCharset(s: string, charset: string): Uint8Array | undefined {
  switch (charset) {
    case 'utf8mb4':
    case 'utf8mb3':
    case 'utf8':
      return Buffer.from(s, 'utf8');
    case 'latin1': {
      const out: number[] = [];
      for (const ch of s) {
        const b = CP1252_ENCODE.get(ch.codePointAt(0)!);
        if (b === undefined) return undefined;
        out.push(b);
      }
      return Uint8Array.from(out);
    }
    case 'ascii': {
      const out: number[] = [];
      for (const ch of s) {
        const cp = ch.codePointAt(0)!;
        if (cp > 0x7f) return undefined;
        out.push(cp);
      }
      return Uint8Array.from(out);
    }
    case 'ucs2':
    case 'utf16':
      return Buffer.from(s, 'utf16le').swap16();
    case 'utf16le':
      return Buffer.from(s, 'utf16le');
    case 'utf32': {
      const out: number[] = [];
      for (const ch of s) {
        const cp = ch.codePointAt(0)!;
        out.push((cp >>> 24) & 0xff, (cp >>> 16) & 0xff, (cp >>> 8) & 0xff, cp & 0xff);
      }
      return Uint8Array.from(out);
    }
    default:
      return undefined;
  }
}

const BINARY_COLLATION_ID = 63;

/**
 * Declared byte length of a MYSQL_TYPE_STRING column from its TABLE_MAP metadata: two bytes,
 * real type and length, with the length's bits 8-9 folded (inverted) into the real-type byte
 * (https://dev.mysql.com/doc/dev/mysql-server/latest/classbinary__log_1_1Table__map__event.html).
 */
export function stringMetaLength(meta: number): number {
  const byte0 = (meta >>> 8) & 0xff;
  const byte1 = meta & 0xff;
  return (byte0 & 0x30) !== 0x30 ? byte1 | (((byte0 & 0x30) ^ 0x30) << 4) : byte1;
}

function isObj(v: unknown): v is { kind: string } {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && 'kind' in v;
}

function bytesToBigint(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

export interface OursContext {
  /** Collation id → charset name, e.g. from information_schema.COLLATIONS of the server. */
  readonly charsetOfCollation: ReadonlyMap<number, string>;
}

/** Canonical form of one value from our decoder. */
export function canonFromOurs(value: ColumnValue, col: ColumnDef, ctx: OursContext): Canon {
  const bad = (why: string): Canon => ({ t: 'invalid', why: `ours (type ${col.type}): ${why}: ${describeJs(value)}` });
  if (value === null) return { t: 'null' };
  if (isObj(value)) {
    switch (value.kind) {
      case 'timestamp': {
        const ts = value as Extract<ColumnValue, { kind: 'timestamp' }>;
        return { t: 'timestamp', s: ts.seconds, us: ts.micros };
      }
      case 'enum':
        return { t: 'enum', v: (value as Extract<ColumnValue, { kind: 'enum' }>).index };
      case 'set':
        return { t: 'set', v: (value as Extract<ColumnValue, { kind: 'set' }>).bits };
      default:
        return bad('unknown object kind');
    }
  }
  const type = col.type;
  const bits = INT_BITS[type];
  if (bits !== undefined) {
    if (typeof value !== 'number' && typeof value !== 'bigint') return bad('integer column, non-integer value');
    if (bits === 64 && typeof value !== 'bigint') return bad('BIGINT must be bigint');
    if (bits < 64 && typeof value !== 'number') return bad('non-BIGINT integer must be number');
    const b = BigInt(value);
    const half = 1n << BigInt(bits - 1);
    if (col.unsigned === true && (b < 0n || b >= 2n * half)) return bad('out of unsigned range');
    if (col.unsigned === false && (b < -half || b >= half)) return bad('out of signed range');
    if (col.unsigned === undefined && (b < -half || b >= 2n * half)) return bad('out of range');
    return { t: 'int', bits, v: b < 0n ? b + 2n * half : b };
  }
  switch (type) {
    case MYSQL_TYPE.FLOAT:
      if (typeof value !== 'number') return bad('FLOAT must be number');
      if (Math.fround(value) !== value && !Number.isNaN(value)) return bad('FLOAT value not exactly a float32');
      return { t: 'float', v: value };
    case MYSQL_TYPE.DOUBLE:
      return typeof value === 'number' ? { t: 'double', v: value } : bad('DOUBLE must be number');
    case MYSQL_TYPE.NEWDECIMAL:
    case MYSQL_TYPE.DECIMAL: {
      const d = typeof value === 'string' ? normDecimal(value) : undefined;
      return d === undefined ? bad('DECIMAL must be an exact decimal string') : { t: 'decimal', v: d };
    }
    case MYSQL_TYPE.DATE:
    case MYSQL_TYPE.NEWDATE:
      return typeof value === 'string' && /^\d{4}-\d\d-\d\d$/.test(value) ? { t: 'date', v: value } : bad('DATE must be YYYY-MM-DD');
    case MYSQL_TYPE.TIME:
    case MYSQL_TYPE.TIME2: {
      const n = typeof value === 'string' ? normTime(value) : undefined;
      return n === undefined ? bad('TIME must be [-]H:MM:SS[.f]') : { t: 'time', v: n };
    }
    case MYSQL_TYPE.DATETIME:
    case MYSQL_TYPE.DATETIME2: {
      const n = typeof value === 'string' ? normDatetime(value) : undefined;
      return n === undefined ? bad('DATETIME must be YYYY-MM-DD HH:MM:SS[.f]') : { t: 'datetime', v: n };
    }
    case MYSQL_TYPE.TIMESTAMP:
    case MYSQL_TYPE.TIMESTAMP2:
      return bad('TIMESTAMP must be a TimestampValue');
    case MYSQL_TYPE.YEAR:
      if (typeof value !== 'number') return bad('YEAR must be number');
      // mariadb-binlog prints stored byte + 1900; the zero year is stored as byte 0.
      return { t: 'year', v: value === 0 ? 1900 : value };
    case MYSQL_TYPE.BIT:
      return value instanceof Uint8Array ? { t: 'bit', v: bytesToBigint(value) } : bad('BIT must be bytes');
    default:
      break;
  }
  // Everything else is printed quoted: strings, blobs, JSON (MariaDB: LONGTEXT), GEOMETRY, ...
  if (value instanceof Uint8Array) {
    if (type === MYSQL_TYPE.STRING && col.collationId === BINARY_COLLATION_ID) {
      // BINARY(n): the row image omits trailing 0x00 pad bytes (Field_string::pack) and
      // mariadb-binlog prints the image; the stored value — which ours returns — is exactly n bytes.
      const n = stringMetaLength(col.meta);
      if (value.length !== n) return bad(`BINARY(${n}) value must be ${n} bytes`);
      let end = value.length;
      while (end > 0 && value[end - 1] === 0) end--;
      return { t: 'quoted', v: mariadbQuotedForm(value.subarray(0, end)) };
    }
    return { t: 'quoted', v: mariadbQuotedForm(value) };
  }
  if (typeof value === 'string') {
    if (col.collationId === undefined) return bad('string value but the column collation is unknown');
    const cs = ctx.charsetOfCollation.get(col.collationId);
    if (cs === undefined) return bad(`unknown collation id ${col.collationId}`);
    const bytes = encodeInCharset(value, cs);
    if (bytes === undefined) return bad(`text not representable in ${cs} (or charset unsupported by the comparator)`);
    return { t: 'quoted', v: mariadbQuotedForm(bytes) };
  }
  return bad('unexpected JS type for this column');
}

function halfUnitAt6(printed: number): number {
  if (printed === 0) return 0;
  const e = Math.floor(Math.log10(Math.abs(printed)));
  return 0.5 * 10 ** (e - 5);
}

/** True when ours and theirs denote the same stored value (see the module comment). */
export function sameCanon(ours: Canon, theirs: Canon): boolean {
  if (ours.t === 'invalid' || theirs.t === 'invalid') return false;
  if (ours.t !== theirs.t) return false;
  switch (ours.t) {
    case 'null':
      return true;
    case 'float': {
      const t = (theirs as typeof ours).v;
      if (Number.isNaN(t) || Number.isNaN(ours.v)) return Number.isNaN(t) && Number.isNaN(ours.v);
      // %g keeps the sign of zero ("-0").
      if (t === 0) return Object.is(ours.v, t);
      // 1e-9 relative slack only for the floating-point error of computing the bound itself.
      return Math.abs(ours.v - t) <= halfUnitAt6(t) * (1 + 1e-9);
    }
    case 'double':
      return Object.is(ours.v, (theirs as typeof ours).v);
    case 'timestamp':
      return ours.s === (theirs as typeof ours).s && ours.us === (theirs as typeof ours).us;
    case 'int':
      return ours.bits === (theirs as typeof ours).bits && ours.v === (theirs as typeof ours).v;
    default:
      return (ours as { v: unknown }).v === (theirs as { v: unknown }).v;
  }
}

/** Short readable rendering for mismatch reports (non-printable bytes shown as \xHH). */
export function describeCanon(c: Canon): string {
  switch (c.t) {
    case 'null':
      return 'NULL';
    case 'invalid':
      return `INVALID(${c.why})`;
    case 'timestamp':
      return `timestamp(${c.s}.${String(c.us).padStart(6, '0')})`;
    case 'float':
      return `float(${c.v}${c.printed !== undefined ? ` printed ${c.printed}` : ''})`;
    case 'quoted': {
      const shown = c.v.length > 120 ? `${c.v.slice(0, 100)}…(${c.v.length} chars)` : c.v;
      // Printed bytes are latin1 chars; show bytes >= 0x7F as \xHH to keep the report ASCII.
      return `quoted(${shown.replace(/[\x7f-\xff]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16)}`)})`;
    }
    default:
      return `${c.t}(${String((c as { v: unknown }).v)})`;
  }
}

export function describeJs(v: unknown): string {
  if (v instanceof Uint8Array) {
    const hex = Buffer.from(v).toString('hex');
    return `bytes[${v.length}](${hex.length > 80 ? `${hex.slice(0, 80)}…` : hex})`;
  }
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}…(${v.length})` : v);
  if (v === undefined) return 'undefined';
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
}
