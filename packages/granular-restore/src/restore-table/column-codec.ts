/**
 * One column of a restored table: its ColumnDef (as a TABLE_MAP decoded with the schema would
 * give it, so the WHERE filter and core's renderLiteral treat dump rows, live rows and binlog
 * images alike) and the conversions of the two text forms a value reaches us in, into the
 * ColumnValue the binlog decoder produces for the same stored value (binlog/columns/values.ts):
 *  - a literal of a dump's INSERT (mariadb-dump / mysqldump with --hex-blob and --tz-utc, their
 *    defaults in pitr backups): numbers bare, text quoted with backslash escapes, binary as 0x…,
 *    TIMESTAMP as UTC wall-clock text, ENUM/SET by member text, UUID/INET as their text form;
 *  - a value read from a live table with the SELECT expression `liveSelect` gives (exact text:
 *    HEX() of bytes, CAST(… AS CHAR) of numbers, FLOAT widened to DOUBLE, ENUM/SET by number).
 * Equal stored values give equal ColumnValues whichever way they came, which is what the key maps
 * and the --replace comparison rely on (rowKey/rowText in row-key.ts).
 */
import {
  type ColumnDef,
  type ColumnValue,
  ColumnTypes as T,
  PitrError,
  type SchemaColumn,
  decodeTextForCollation,
  quoteIdentifier,
} from '@pitr/core';

/** A literal of a dump's VALUES tuple, as dump-values.ts tokenizes it. */
export type DumpToken =
  | { readonly kind: 'null' }
  /** DEFAULT (a generated column's place in some dumps): no value. */
  | { readonly kind: 'default' }
  | { readonly kind: 'number'; readonly text: string }
  /** A quoted string, escapes resolved: the bytes as the dump holds them (UTF-8 text, or raw bytes without --hex-blob). */
  | { readonly kind: 'string'; readonly bytes: Buffer }
  /** 0x… / X'…' */
  | { readonly kind: 'hex'; readonly bytes: Buffer }
  /** b'…' / 0b… */
  | { readonly kind: 'bits'; readonly value: bigint };

type Kind = 'int' | 'bigint' | 'float' | 'double' | 'decimal' | 'temporal' | 'timestamp' | 'text' | 'json' | 'bytes' | 'binary-fixed' | 'bit' | 'enum' | 'set' | 'uuid' | 'inet4' | 'inet6' | 'geometry';

export interface ColumnCodec {
  readonly def: ColumnDef;
  readonly schema: SchemaColumn;
  readonly kind: Kind;
  /** From a dump literal (`where` names the place for errors). */
  fromDump(token: DumpToken, where: () => string): ColumnValue;
  /** The SELECT expression reading the column exactly (see fromLive). */
  liveSelect(): string;
  /** From the text/bytes liveSelect() returned (null = SQL NULL). */
  fromLive(value: unknown): ColumnValue;
}

const INT_TYPES: Record<string, number> = { tinyint: T.MYSQL_TYPE_TINY, bool: T.MYSQL_TYPE_TINY, boolean: T.MYSQL_TYPE_TINY, smallint: T.MYSQL_TYPE_SHORT, mediumint: T.MYSQL_TYPE_INT24, int: T.MYSQL_TYPE_LONG, integer: T.MYSQL_TYPE_LONG };
const TEXT_BLOB = new Set(['tinytext', 'text', 'mediumtext', 'longtext', 'long']);
const BLOBS: Record<string, number> = { tinyblob: 1, blob: 2, mediumblob: 3, longblob: 4, tinytext: 1, text: 2, mediumtext: 3, longtext: 4, long: 3 };
const GEOMETRY = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);

function args(sqlType: string): number[] {
  const m = /^[a-z0-9_ ]+\(([0-9, ]+)\)/.exec(sqlType);
  return m === null ? [] : m[1]!.split(',').map((s) => Number(s.trim()));
}

/** The codecs of a table's columns, in table order. */
export function columnCodecs(columns: readonly SchemaColumn[]): ColumnCodec[] {
  return columns.map((c, i) => columnCodec(c, i));
}

export function columnCodec(c: SchemaColumn, index: number): ColumnCodec {
  const base = c.baseType.toLowerCase();
  const a = args(c.sqlType.toLowerCase());
  let type: number;
  let meta = 0;
  let kind: Kind;
  if (base in INT_TYPES) {
    type = INT_TYPES[base]!;
    kind = 'int';
  } else if (base === 'bigint' || base === 'serial') {
    type = T.MYSQL_TYPE_LONGLONG;
    kind = 'bigint';
  } else if (base === 'year') {
    type = T.MYSQL_TYPE_YEAR;
    kind = 'int';
  } else if (base === 'float') {
    type = T.MYSQL_TYPE_FLOAT;
    meta = 4;
    kind = 'float';
  } else if (base === 'double' || base === 'real') {
    type = T.MYSQL_TYPE_DOUBLE;
    meta = 8;
    kind = 'double';
  } else if (base === 'decimal' || base === 'numeric' || base === 'dec' || base === 'fixed') {
    type = T.MYSQL_TYPE_NEWDECIMAL;
    meta = ((a[0] ?? 10) << 8) | (a[1] ?? 0);
    kind = 'decimal';
  } else if (base === 'date') {
    type = T.MYSQL_TYPE_DATE;
    kind = 'temporal';
  } else if (base === 'time') {
    type = T.MYSQL_TYPE_TIME2;
    meta = a[0] ?? 0;
    kind = 'temporal';
  } else if (base === 'datetime') {
    type = T.MYSQL_TYPE_DATETIME2;
    meta = a[0] ?? 0;
    kind = 'temporal';
  } else if (base === 'timestamp') {
    type = T.MYSQL_TYPE_TIMESTAMP2;
    meta = a[0] ?? 0;
    kind = 'timestamp';
  } else if (base === 'char' || base === 'binary') {
    type = T.MYSQL_TYPE_STRING;
    const binary = base === 'binary' || c.collationId === 63;
    const len = (a[0] ?? 1) * (binary ? 1 : 4);
    meta = ((T.MYSQL_TYPE_STRING ^ ((len & 0x300) >> 4)) << 8) | (len & 0xff);
    kind = binary ? 'binary-fixed' : 'text';
  } else if (base === 'varchar' || base === 'varbinary') {
    type = T.MYSQL_TYPE_VARCHAR;
    meta = a[0] ?? 0;
    kind = base === 'varbinary' || c.collationId === 63 ? 'bytes' : 'text';
  } else if (base in BLOBS) {
    type = T.MYSQL_TYPE_BLOB;
    meta = BLOBS[base]!;
    kind = TEXT_BLOB.has(base) && c.collationId !== 63 ? 'text' : 'bytes';
  } else if (base === 'json') {
    // MySQL's binary JSON; MariaDB's JSON is LONGTEXT and never gets here
    type = T.MYSQL_TYPE_JSON;
    meta = 4;
    kind = 'json';
  } else if (base === 'enum' || base === 'set') {
    type = T.MYSQL_TYPE_STRING;
    const members = (base === 'enum' ? c.enumValues : c.setValues)?.length ?? 0;
    const size = base === 'enum' ? (members > 255 ? 2 : 1) : Math.ceil(members / 8);
    meta = ((base === 'enum' ? T.MYSQL_TYPE_ENUM : T.MYSQL_TYPE_SET) << 8) | size;
    kind = base;
  } else if (base === 'bit') {
    type = T.MYSQL_TYPE_BIT;
    const n = a[0] ?? 1;
    meta = ((n >> 3) << 8) | (n & 7);
    kind = 'bit';
  } else if (base === 'uuid' || base === 'inet6' || base === 'inet4') {
    type = T.MYSQL_TYPE_STRING;
    const len = base === 'inet4' ? 4 : 16;
    meta = (T.MYSQL_TYPE_STRING << 8) | len;
    kind = base;
  } else if (GEOMETRY.has(base)) {
    type = T.MYSQL_TYPE_GEOMETRY;
    meta = 4;
    kind = 'geometry';
  } else {
    throw new PitrError('PLAN', `restore-table does not handle the column type ${c.sqlType} (column \`${c.name}\`)`, {
      hints: ['restore the whole database to a scratch server (pitr restore --to) and copy the table from there'],
    });
  }
  const def: ColumnDef = {
    index,
    type,
    meta,
    nullable: c.nullable,
    name: c.name,
    unsigned: c.unsigned,
    collationId: kind === 'text' || kind === 'enum' || kind === 'set' || kind === 'json' ? c.collationId : kind === 'bytes' || kind === 'binary-fixed' || kind === 'uuid' || kind === 'inet4' || kind === 'inet6' ? 63 : undefined,
    enumValues: c.enumValues,
    setValues: c.setValues,
    geometryType: undefined,
    sqlType: c.sqlType,
    generated: c.generated,
    primaryKey: c.primaryKey,
  };
  return new Codec(def, c, kind, a[0] ?? (kind === 'bit' ? 1 : 0));
}

class Codec implements ColumnCodec {
  constructor(
    readonly def: ColumnDef,
    readonly schema: SchemaColumn,
    readonly kind: Kind,
    /** Declared length (BIT: bits) or fsp (TIMESTAMP). */
    private readonly size: number,
  ) {}

  fromDump(t: DumpToken, where: () => string): ColumnValue {
    if (t.kind === 'null') return null;
    if (t.kind === 'default') throw new PitrError('INTERNAL', 'DEFAULT reached a column codec');
    const bad = (what: string): never => {
      throw new PitrError('PLAN', `${where()}: ${what} for column \`${this.schema.name}\` (${this.schema.sqlType})`, {
        hints: ['the dump must be mariadb-dump/mysqldump output with --hex-blob (pitr backup writes one)'],
      });
    };
    switch (this.kind) {
      case 'int':
        if (t.kind === 'number') return Number(t.text);
        if (t.kind === 'string') return Number(t.bytes.toString('latin1'));
        return bad('expected a number');
      case 'bigint':
        if (t.kind === 'number' && /^-?\d+$/.test(t.text)) return BigInt(t.text);
        return bad('expected an integer');
      case 'float':
      case 'double': {
        const text = t.kind === 'number' ? t.text : t.kind === 'string' ? t.bytes.toString('latin1') : bad('expected a number');
        const v = Number(text);
        if (Number.isNaN(v)) bad(`'${text}' is not a number`);
        return this.kind === 'float' ? Math.fround(v) : v;
      }
      case 'decimal':
        if (t.kind === 'number' || t.kind === 'string') return normalizeDecimal(t.kind === 'number' ? t.text : t.bytes.toString('latin1'), this.def.meta & 0xff);
        return bad('expected a DECIMAL');
      case 'temporal':
        if (t.kind === 'string') return t.bytes.toString('latin1');
        return bad('expected a quoted date/time');
      case 'timestamp':
        if (t.kind === 'string') return parseUtcTimestamp(t.bytes.toString('latin1'), this.size) ?? bad('not a TIMESTAMP');
        return bad('expected a quoted TIMESTAMP');
      case 'text':
      case 'json':
        if (t.kind === 'string') return t.bytes.toString('utf8');
        if (t.kind === 'hex') return decodeTextForCollation(t.bytes, this.def.collationId);
        return bad('expected a string');
      case 'bytes':
      case 'geometry':
        if (t.kind === 'hex' || t.kind === 'string') return new Uint8Array(t.bytes);
        return bad('expected 0x… bytes');
      case 'binary-fixed':
        if (t.kind === 'hex' || t.kind === 'string') return stripZeros(t.bytes);
        return bad('expected 0x… bytes');
      case 'bit':
        if (t.kind === 'hex') return bitBytes(bytesToBig(t.bytes), this.size);
        if (t.kind === 'bits') return bitBytes(t.value, this.size);
        if (t.kind === 'number' && /^\d+$/.test(t.text)) return bitBytes(BigInt(t.text), this.size);
        return bad("expected 0x… or b'…'");
      case 'enum': {
        if (t.kind !== 'string') return bad('expected a quoted ENUM member');
        const text = t.bytes.toString('utf8');
        return enumValue(text, this.schema.enumValues ?? []);
      }
      case 'set': {
        if (t.kind !== 'string') return bad('expected a quoted SET value');
        return setValue(t.bytes.toString('utf8'), this.schema.setValues ?? []) ?? bad('not a member of the SET');
      }
      case 'uuid':
      case 'inet4':
      case 'inet6': {
        if (t.kind === 'hex') return new Uint8Array(t.bytes);
        if (t.kind !== 'string') return bad('expected a quoted value');
        return typedBytes(t.bytes.toString('latin1'), this.kind) ?? bad(`'${t.bytes.toString('latin1')}' is not a valid ${this.kind.toUpperCase()}`);
      }
    }
  }

  liveSelect(): string {
    const c = quoteIdentifier(this.schema.name);
    switch (this.kind) {
      case 'float':
        return `CAST(CAST(${c} AS DOUBLE) AS CHAR)`;
      case 'int':
      case 'bigint':
      case 'double':
      case 'decimal':
      case 'temporal':
      case 'timestamp':
        return `CAST(${c} AS CHAR)`;
      case 'enum':
      case 'set':
        return `CAST(${c} + 0 AS CHAR)`;
      case 'json':
        return `HEX(CAST(${c} AS CHAR CHARACTER SET utf8mb4))`;
      default:
        return `HEX(${c})`;
    }
  }

  fromLive(v: unknown): ColumnValue {
    if (v === null || v === undefined) return null;
    const text = Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
    switch (this.kind) {
      case 'int':
        return Number(text);
      case 'bigint':
        return BigInt(text);
      case 'float':
        return Math.fround(Number(text));
      case 'double':
        return Number(text);
      case 'decimal':
        return normalizeDecimal(text, this.def.meta & 0xff);
      case 'temporal':
        return text;
      case 'timestamp':
        return parseUtcTimestamp(text, this.size) ?? null;
      case 'text':
        return decodeTextForCollation(Buffer.from(text, 'hex'), this.def.collationId);
      case 'json':
        return Buffer.from(text, 'hex').toString('utf8');
      case 'binary-fixed':
        return stripZeros(Buffer.from(text, 'hex'));
      case 'bit':
        return bitBytes(text === '' ? 0n : BigInt(`0x${text}`), this.size);
      case 'enum': {
        const index = Number(text);
        const names = this.schema.enumValues ?? [];
        return { kind: 'enum', index, name: index === 0 ? '' : names[index - 1] };
      }
      case 'set': {
        const bits = BigInt(text);
        const names = this.schema.setValues ?? [];
        return { kind: 'set', bits, names: names.filter((_, i) => (bits >> BigInt(i)) & 1n) };
      }
      default:
        return new Uint8Array(Buffer.from(text, 'hex'));
    }
  }
}

/** DECIMAL text as the decoder prints it: no '+', no leading zeros (at least '0'), exactly `scale` fraction digits. */
export function normalizeDecimal(text: string, scale: number): string {
  const m = /^\s*([-+]?)(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (m === null) return text;
  const int = (m[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  let frac = m[3] ?? '';
  if (frac.length < scale) frac = frac.padEnd(scale, '0');
  else if (frac.length > scale) frac = frac.slice(0, scale);
  return `${m[1] === '-' ? '-' : ''}${int}${scale > 0 ? `.${frac}` : ''}`;
}

const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** 'YYYY-MM-DD HH:MM:SS[.f]' in UTC → TIMESTAMP value; the zero timestamp → seconds 0. */
export function parseUtcTimestamp(text: string, fsp: number): ColumnValue | undefined {
  const m = TIMESTAMP_TEXT.exec(text.trim());
  if (m === null) return undefined;
  const micros = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0'));
  if (m[1] === '0000' && m[2] === '00' && m[3] === '00') return { kind: 'timestamp', seconds: 0, micros, fsp };
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return { kind: 'timestamp', seconds: Math.floor(ms / 1000), micros, fsp };
}

/** BINARY(n) is logged without its trailing 0x00 padding (the binlog's form is the one kept). */
function stripZeros(b: Uint8Array): Uint8Array {
  let e = b.length;
  while (e > 0 && b[e - 1] === 0) e--;
  return new Uint8Array(b.subarray(0, e));
}

function bytesToBig(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

/** BIT(n) as the decoder gives it: (n+7)/8 big-endian bytes. */
function bitBytes(v: bigint, bits: number): Uint8Array {
  const len = Math.max(1, (bits + 7) >> 3);
  const out = new Uint8Array(len);
  let x = v;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function enumValue(text: string, members: readonly string[]): ColumnValue {
  let i = members.indexOf(text);
  if (i < 0) i = members.findIndex((m) => m.toLowerCase() === text.toLowerCase());
  return i < 0 ? { kind: 'enum', index: 0, name: '' } : { kind: 'enum', index: i + 1, name: members[i] };
}

function setValue(text: string, members: readonly string[]): ColumnValue | undefined {
  let bits = 0n;
  if (text !== '') {
    for (const part of text.split(',')) {
      let i = members.indexOf(part);
      if (i < 0) i = members.findIndex((m) => m.toLowerCase() === part.toLowerCase());
      if (i < 0) return undefined;
      bits |= 1n << BigInt(i);
    }
  }
  return { kind: 'set', bits, names: members.filter((_, i) => (bits >> BigInt(i)) & 1n) };
}

/** UUID/INET text → the bytes the binlog logs (the stored order, as HEX() shows it on 10.11). */
export function typedBytes(text: string, kind: 'uuid' | 'inet4' | 'inet6'): Uint8Array | undefined {
  if (kind === 'uuid') {
    const h = text.replace(/-/g, '');
    return /^[0-9a-f]{32}$/i.test(h) ? new Uint8Array(Buffer.from(h, 'hex')) : undefined;
  }
  if (kind === 'inet4') return ipv4(text);
  return ipv6(text);
}

function ipv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return new Uint8Array(parts.map(Number));
}

function ipv6(text: string): Uint8Array | undefined {
  let head = text;
  let v4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    v4 = ipv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = 8 - left.length - right.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...right];
  if (all.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  if (v4 !== undefined) out.set(v4, 12);
  return out;
}
