/**
 * SQL literals for decoded column values, such that `INSERT … VALUES (<literal>)` stores the
 * identical value (DESIGN.md "Fidelity": whatever is written back round-trips). Every literal here
 * was checked against MariaDB 10.11 by src/sql/literal.test.ts (insert, render, re-insert, compare
 * HEX() and <=>).
 *
 * Session requirements (LITERAL_SESSION_STATEMENTS), which the applier sets once per connection:
 *  - time_zone '+00:00': TIMESTAMP values are rendered as UTC wall-clock text. This was chosen
 *    over FROM_UNIXTIME(), which depends on the session zone just the same, but is not a constant
 *    (cannot appear in some contexts) and hides the value from a human reading generated SQL.
 *  - sql_mode 'NO_AUTO_VALUE_ON_ZERO' (as mariadb-dump uses): a 0 in an AUTO_INCREMENT column stays 0;
 *    no NO_ZERO_DATE / NO_ZERO_IN_DATE (zero dates are real stored values), not strict (ENUM index 0,
 *    the "invalid value" member, is storable only in non-strict mode).
 *  - character set utf8mb4 on the client side: text literals are sent as UTF-8 with a `_utf8mb4`
 *    introducer, so character_set_connection does not matter, but the bytes must arrive unconverted.
 * Literals never depend on NO_BACKSLASH_ESCAPES unless the 'backslash' string style is chosen.
 */
import type { ColumnDef } from '../binlog/types.js';
import type { ColumnValue } from '../binlog/columns/values.js';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import { BINARY_COLLATION_ID, charsetOfCollation } from '../schema/collations.js';

/** What the session must be for rendered literals to mean what they say. */
export const LITERAL_SESSION = {
  timeZone: '+00:00',
  sqlMode: 'NO_AUTO_VALUE_ON_ZERO',
  charset: 'utf8mb4',
} as const;

/** Statements that establish LITERAL_SESSION on a connection. */
export const LITERAL_SESSION_STATEMENTS: readonly string[] = [
  "SET time_zone = '+00:00'",
  "SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
  'SET NAMES utf8mb4',
];

/**
 * How text values are written:
 *  - 'portable' (default): `_utf8mb4'…'` with quotes doubled when the text has no backslash or
 *    control character, else `_utf8mb4 X'…'`; valid with and without NO_BACKSLASH_ESCAPES;
 *  - 'backslash': always quoted, with \0 \' \" \\ \n \r \Z escapes (only without NO_BACKSLASH_ESCAPES);
 *  - 'hex': always `_utf8mb4 X'…'` (byte-exact, unreadable).
 */
export type StringLiteralStyle = 'portable' | 'backslash' | 'hex';

export interface RenderLiteralOptions {
  readonly strings?: StringLiteralStyle;
}

export interface RenderMatchOptions {
  /**
   * The statement finds the row by its whole primary key (compared with `=` in the same WHERE):
   * other text columns are then compared as bytes alone, without the index-friendly `=`.
   */
  readonly rowFoundByKey?: boolean;
}

/** The ColumnDef fields rendering looks at (`meta` only for renderMatch of BINARY(n)). */
export type LiteralColumn = Pick<ColumnDef, 'type' | 'collationId' | 'sqlType'> & { readonly meta?: number };

// MYSQL_TYPE_* codes (see binlog/columns/column-types.ts), repeated to keep this module standalone.
const MYSQL_TYPE_DECIMAL = 0;
const MYSQL_TYPE_FLOAT = 4;
const MYSQL_TYPE_DOUBLE = 5;
const MYSQL_TYPE_BIT = 16;
const MYSQL_TYPE_JSON = 245;
const MYSQL_TYPE_STRING = 254;
const MYSQL_TYPE_NEWDECIMAL = 246;

const FLT_MAX = 3.4028234663852886e38;

/** `name` as a quoted identifier (backquotes, embedded backquotes doubled). */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function internalError(message: string): PitrError {
  return new PitrError(ERROR_CODES.INTERNAL, message, {
    hints: ['This is a bug in pitr; please report it with the binlog event that triggered it.'],
  });
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

/**
 * A FLOAT column stores a float32. The literal is the shortest decimal that rounds (as a double,
 * then to float, which is what the server does) back to the same float — unless that decimal lies
 * just above FLT_MAX, which the server's range check rejects before rounding (`3.4028235e38` fails
 * in strict mode): then the exact double value of the float is written instead.
 * Negative zero: the server turns a literal -0 into +0 before storing, but keeps the sign of a
 * negative double that underflows to float zero, so -0 is written as `-1e-50`.
 */
export function renderFloat(v: number): string {
  if (!Number.isFinite(v)) throw internalError(`FLOAT value ${v} cannot be stored by MySQL/MariaDB`);
  if (v === 0) return Object.is(v, -0) ? '-1e-50' : '0e0';
  for (let p = 1; p <= 9; p++) {
    const s = v.toExponential(p - 1);
    const back = Number(s);
    if (Math.fround(back) === v && Math.abs(back) <= FLT_MAX) return s;
  }
  return v.toExponential();
}

/**
 * A DOUBLE literal with an exponent (so the server parses it as a double, not a DECIMAL) and the
 * shortest digits that round-trip (ECMAScript's Number#toExponential() without an argument).
 * MariaDB stores -0 as 0 in DOUBLE columns whatever the literal; '-0e0' is written for clarity.
 */
export function renderDouble(v: number): string {
  if (!Number.isFinite(v)) throw internalError(`DOUBLE value ${v} cannot be stored by MySQL/MariaDB`);
  if (v === 0) return Object.is(v, -0) ? '-0e0' : '0e0';
  return v.toExponential();
}

// eslint-disable-next-line no-control-regex
const NEEDS_HEX = /[\\\u0000-\u001f\u007f]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A text value as a utf8mb4 literal in the given style. */
export function renderText(text: string, style: StringLiteralStyle = 'portable'): string {
  // UTF-8 encoding would silently turn a lone surrogate into U+FFFD: refuse instead of writing a different value
  if (LONE_SURROGATE.test(text)) throw internalError('text value with an unpaired UTF-16 surrogate cannot be written exactly');
  if (style === 'hex' || (style === 'portable' && NEEDS_HEX.test(text))) {
    return `_utf8mb4 X'${Buffer.from(text, 'utf8').toString('hex').toUpperCase()}'`;
  }
  if (style === 'backslash') {
    return `_utf8mb4'${text.replace(/[\0'"\\\n\r\x1a]/g, (c) => BACKSLASH_ESCAPES[c] ?? c)}'`;
  }
  return `_utf8mb4'${text.replace(/'/g, "''")}'`;
}

const BACKSLASH_ESCAPES: Record<string, string> = {
  '\0': '\\0',
  "'": "\\'",
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\x1a': '\\Z',
};

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** TIMESTAMP as UTC text (needs session time_zone '+00:00'); seconds 0 is the zero timestamp. */
function renderTimestamp(seconds: number, micros: number, fsp: number): string {
  let frac = '';
  if (fsp > 0 || micros !== 0) {
    const digits = pad(micros, 6);
    frac = `.${fsp > 0 && Number(digits.slice(fsp)) === 0 ? digits.slice(0, fsp) : digits}`;
  }
  if (seconds === 0 && micros === 0) return `'0000-00-00 00:00:00${frac}'`;
  const d = new Date(seconds * 1000);
  const text =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return `'${text}${frac}'`;
}

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;
// DATE/TIME/DATETIME text as the decoder prints it: digits, '-', ':', '.', ' ' only
const TEMPORAL_TEXT = /^[-0-9:. ]*$/;

/**
 * Renders a decoded value as a SQL literal for `column`. NULL → NULL; integers as digits; DECIMAL
 * as its exact text; FLOAT/DOUBLE see renderFloat/renderDouble; text as a `_utf8mb4` literal
 * (converted by the server to the column's charset); bytes (BINARY/BLOB/BIT/GEOMETRY/UUID/INET,
 * or text whose charset is unknown) as X'…', with the column charset's introducer when the
 * column is a known non-binary text column; TIMESTAMP as UTC text; ENUM by index, SET by bitmap.
 */
export function renderLiteral(value: ColumnValue, column: LiteralColumn, options: RenderLiteralOptions = {}): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'number':
      if (column.type === MYSQL_TYPE_FLOAT) return renderFloat(value);
      if (column.type === MYSQL_TYPE_DOUBLE || !Number.isInteger(value)) return renderDouble(value);
      return String(value);
    case 'bigint':
      return value.toString();
    case 'string':
      if (column.type === MYSQL_TYPE_NEWDECIMAL || column.type === MYSQL_TYPE_DECIMAL) {
        return DECIMAL_TEXT.test(value) ? value : renderText(value, 'portable');
      }
      if (column.type === MYSQL_TYPE_JSON) return renderText(value, options.strings ?? 'portable');
      if (isTemporalType(column.type) && TEMPORAL_TEXT.test(value)) return `'${value}'`;
      return renderText(value, options.strings ?? 'portable');
    case 'object':
      break;
    default:
      throw internalError(`cannot render a ${typeof value} as SQL`);
  }
  if (value instanceof Uint8Array) {
    const id = column.collationId;
    if (id !== undefined && id !== BINARY_COLLATION_ID && isTextType(column.type)) {
      const charset = charsetOfCollation(id);
      if (charset !== undefined) return `_${charset} X'${hex(value)}'`;
    }
    return `X'${hex(value)}'`;
  }
  switch (value.kind) {
    case 'timestamp':
      return renderTimestamp(value.seconds, value.micros, value.fsp);
    case 'enum':
      // the 1-based member index is exact even when member names are unknown or lossy (4-byte chars)
      return String(value.index);
    case 'set':
      return value.bits.toString();
    default:
      throw internalError('unknown column value kind');
  }
}

function isTemporalType(type: number): boolean {
  // DATE, TIME, DATETIME, NEWDATE, TIMESTAMP2, DATETIME2, TIME2, and TIMESTAMP (7)
  return type === 7 || type === 10 || type === 11 || type === 12 || type === 14 || type === 17 || type === 18 || type === 19;
}

function isTextType(type: number): boolean {
  // VARCHAR, VAR_STRING, STRING, and the BLOB family (TEXT columns are BLOBs with a text collation)
  return type === 15 || type === 253 || type === 254 || (type >= 249 && type <= 252);
}

/** Declared length of a MYSQL_TYPE_STRING column from its TABLE_MAP metadata (real type and length share two bytes). */
function stringFieldLength(meta: number): number {
  const b0 = meta >>> 8;
  const b1 = meta & 0xff;
  return (b0 & 0x30) !== 0x30 ? b1 | (((b0 & 0x30) ^ 0x30) << 4) : b1;
}

/**
 * A predicate that is true exactly for rows whose `columnSql` holds `value` (for an applier's
 * UPDATE/DELETE … WHERE): `=` where it is exact (and can use an index), plus a byte comparison
 * where collations would over-match (case/accent-insensitive or PAD SPACE text). Differences from
 * renderLiteral: FLOAT is compared as the float's exact double value (comparisons happen in double,
 * where the shortest float decimal is a different number); BIT as its number; BINARY(n) values, which the binlog logs
 * without their trailing 0x00 pad, are padded back to n bytes (needs `meta`); MySQL JSON is compared
 * as JSON. Needs the same session as renderLiteral (LITERAL_SESSION_STATEMENTS).
 */
export function renderMatch(columnSql: string, value: ColumnValue, column: LiteralColumn, options: RenderMatchOptions = {}): string {
  if (options.rowFoundByKey === true && typeof value === 'string' && isTextType(column.type) && column.type !== MYSQL_TYPE_JSON) {
    // The row is found by its primary key: the text need not use an index, so one byte comparison
    // does (the `=` + HEX pair below is for index use), about a third cheaper on the server.
    const id = column.collationId;
    const charset = id === undefined ? undefined : charsetOfCollation(id);
    if (charset !== undefined && charset !== 'binary') {
      const utf8 = `_utf8mb4 X'${hex(Buffer.from(value, 'utf8'))}'`;
      return charset === 'utf8mb4' || charset === 'utf8mb3' || charset === 'utf8'
        ? `CAST(${columnSql} AS BINARY) = X'${hex(Buffer.from(value, 'utf8'))}'`
        : `CAST(${columnSql} AS BINARY) = CAST(CONVERT(${utf8} USING ${charset}) AS BINARY)`;
    }
  }
  if (value === null) return `${columnSql} IS NULL`;
  if (typeof value === 'number' && column.type === MYSQL_TYPE_FLOAT) return `${columnSql} = ${renderDouble(value)}`;
  const id = column.collationId;
  const textColumn = isTextType(column.type) && id !== undefined && id !== BINARY_COLLATION_ID;
  if (value instanceof Uint8Array && column.type === MYSQL_TYPE_BIT) {
    // a BIT column compares with a hex string as a string (never equal): compare as the number
    let n = 0n;
    for (const b of value) n = (n << 8n) | BigInt(b);
    return `${columnSql} = ${n.toString()}`;
  }
  if (value instanceof Uint8Array) {
    let bytes = value;
    if (!textColumn && column.type === MYSQL_TYPE_STRING && column.meta !== undefined) {
      const length = stringFieldLength(column.meta);
      if (bytes.length < length) {
        const padded = new Uint8Array(length);
        padded.set(bytes);
        bytes = padded;
      }
    }
    const lit = renderLiteral(bytes, column);
    return textColumn ? `${columnSql} = ${lit} AND HEX(${columnSql}) = '${hex(bytes)}'` : `${columnSql} = ${lit}`;
  }
  if (typeof value === 'string' && column.type === MYSQL_TYPE_JSON) {
    return `${columnSql} = CAST(${renderText(value)} AS JSON)`;
  }
  if (typeof value === 'string' && isTextType(column.type)) {
    const lit = renderText(value);
    const charset = id === undefined ? undefined : charsetOfCollation(id);
    const bytesOf = charset === undefined || charset === 'utf8mb4' ? lit : `CONVERT(${lit} USING ${charset})`;
    return `${columnSql} = ${lit} AND HEX(${columnSql}) = HEX(${bytesOf})`;
  }
  return `${columnSql} = ${renderLiteral(value, column)}`;
}
