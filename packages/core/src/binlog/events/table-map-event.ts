/**
 * TABLE_MAP_EVENT (type 19): table id → db, table, column types, type metadata, nullability and
 * (MySQL 8.0.1+ binlog_row_metadata=FULL/MINIMAL, MariaDB 10.5+) optional metadata TLVs.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Table__map__event.html
 * https://mariadb.com/kb/en/table_map_event/
 */
import { Buffer } from 'node:buffer';
import { Cursor, bitSet } from '../cursor.js';
import type { DecodeContext } from '../decode-context.js';
import type { ColumnDef, TableMapBody } from '../types.js';
import { readColumnMeta } from '../columns/column-meta.js';
import {
  MYSQL_TYPE_GEOMETRY,
  MYSQL_TYPE_VECTOR,
  isCharacterColumn,
  isEnumColumn,
  isNumericColumn,
  isSetColumn,
} from '../columns/column-types.js';
import { TextKind, charsetForCollation, decodeTextForCollation } from '../columns/charsets.js';
import { applySchema } from '../../schema/apply-schema.js';

export const TABLE_MAP_EVENT = 19;

/** Optional metadata field types (enum Optional_metadata_field_type, libbinlogevents rows_event.h). */
export const TABLE_MAP_OPTIONAL_METADATA = {
  SIGNEDNESS: 1,
  DEFAULT_CHARSET: 2,
  COLUMN_CHARSET: 3,
  COLUMN_NAME: 4,
  SET_STR_VALUE: 5,
  ENUM_STR_VALUE: 6,
  GEOMETRY_TYPE: 7,
  SIMPLE_PRIMARY_KEY: 8,
  PRIMARY_KEY_WITH_PREFIX: 9,
  ENUM_AND_SET_DEFAULT_CHARSET: 10,
  ENUM_AND_SET_COLUMN_CHARSET: 11,
  COLUMN_VISIBILITY: 12,
  VECTOR_DIMENSIONALITY: 13,
} as const;

const OPTIONAL_METADATA_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(TABLE_MAP_OPTIONAL_METADATA).map(([name, code]) => [code, name]),
);

type MutableColumn = { -readonly [K in keyof ColumnDef]: ColumnDef[K] };

/**
 * The body bytes each decoded TABLE_MAP came from. Servers log the same TABLE_MAP before every
 * statement's rows events; when the bytes are unchanged we return the previous object, which also
 * keeps its row decoding plan (columns/row-decoder.ts caches plans per TableMapBody).
 */
const bodyOf = new WeakMap<TableMapBody, Uint8Array>();

/**
 * Decodes a TABLE_MAP body (event without common header and checksum): body[start, end), where
 * `bodyOffset` is the file offset of body[0] (the parser passes the whole event, see rows-event.ts).
 */
export function decodeTableMapEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number, start = 0, end = body.length): TableMapBody {
  // MySQL 5.1.4- wrote a 4-byte table id; the FDE then declares a 6-byte post-header.
  const shortId = ctx.postHeaderLength(TABLE_MAP_EVENT) === 6;
  if (end - start >= 6) {
    // The common case, a repeat of the previous map for this id, without a Cursor.
    const b = body;
    const low = (b[start]! | (b[start + 1]! << 8) | (b[start + 2]! << 16) | (b[start + 3]! << 24)) >>> 0;
    const id = shortId ? low : (b[start + 4]! | (b[start + 5]! << 8)) * 0x1_0000_0000 + low;
    const previous = ctx.tableMaps.get(id);
    if (previous !== undefined) {
      const previousBody = bodyOf.get(previous);
      if (previousBody !== undefined && sameBytes(previousBody, body, start, end)) return previous;
    }
  }
  const c = new Cursor(body, { file: ctx.file, baseOffset: bodyOffset, eventType: TABLE_MAP_EVENT }, start, end);
  const tableId = shortId ? c.u32() : c.u48();
  const flags = c.u16();
  const db = readName(c);
  const table = readName(c);
  const columnCount = c.lenencNotNull();
  if (columnCount > 4096) c.fail(`TABLE_MAP declares ${columnCount} columns (MySQL allows at most 4096)`);
  const types = c.bytesView(columnCount);
  const metaLength = c.lenencNotNull();
  const metaEnd = c.pos + metaLength;
  c.need(metaLength);
  const metaCursor = new Cursor(body, c.origin, c.pos, metaEnd);
  const columns: MutableColumn[] = new Array(columnCount);
  for (let i = 0; i < columnCount; i++) {
    const type = types[i]!;
    columns[i] = {
      index: i,
      type,
      meta: readColumnMeta(metaCursor, type),
      nullable: false,
      name: undefined,
      unsigned: undefined,
      collationId: undefined,
      enumValues: undefined,
      setValues: undefined,
      geometryType: undefined,
      sqlType: undefined,
      generated: undefined,
      primaryKey: false,
    };
  }
  if (metaCursor.pos !== metaEnd) {
    c.fail(`column metadata is ${metaLength} bytes but the column types use ${metaCursor.pos - c.pos}`);
  }
  c.pos = metaEnd;
  const nullBitmap = c.bitmap(columnCount);
  for (let i = 0; i < columnCount; i++) columns[i]!.nullable = bitSet(nullBitmap, i);

  const metadataFields = readOptionalMetadata(c, columns, ctx);
  for (const col of columns) {
    if (col.collationId === undefined || col.collationId === 63 || !isCharacterColumn(col.type, col.meta, ctx.flavor === 'mariadb')) continue;
    const info = charsetForCollation(col.collationId);
    if (info === undefined || info.kind === TextKind.Bytes) {
      ctx.warn(
        `${db}.${table} column ${col.index + 1}${col.name === undefined ? '' : ` (${col.name})`}: collation id ${col.collationId}` +
          `${info === undefined ? '' : ` (charset ${info.charset})`} has no text decoder here; its values are kept as bytes`,
      );
    }
  }

  let result: TableMapBody = { kind: 'table_map', tableId, flags, db, table, columns, metadataFields, schemaApplied: false };
  if (ctx.schema !== undefined) {
    const schema = ctx.schema.getTable(db, table);
    if (schema !== undefined) result = applySchema(result, schema, (message) => ctx.warn(message));
  }
  // a copy (Buffer's slice() is a view): the event's memory may be reused after this call
  bodyOf.set(result, Uint8Array.prototype.slice.call(body, start, end));
  return result;
}

/**
 * a equals b[start, end). A plain loop: TABLE_MAP bodies are tens of bytes, where Buffer.compare's
 * native call costs more than the comparison (it was ~2% of a full decode).
 */
function sameBytes(a: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  const n = a.length;
  if (n !== end - start) return false;
  if (n > 256) return Buffer.compare(a, b.subarray(start, end)) === 0;
  for (let i = 0; i < n; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

/** 1-byte length, name, NUL. */
function readName(c: Cursor): string {
  const n = c.u8();
  const name = c.utf8(n);
  c.skip(1);
  return name;
}

function readOptionalMetadata(c: Cursor, columns: MutableColumn[], ctx: DecodeContext): string[] {
  const fields: string[] = [];
  if (c.remaining === 0) return fields;
  const mariadb = ctx.flavor === 'mariadb';
  const numeric: number[] = [];
  const character: number[] = [];
  const enumSet: number[] = [];
  const enums: number[] = [];
  const sets: number[] = [];
  const geometry: number[] = [];
  const vectors: number[] = [];
  for (const col of columns) {
    if (isNumericColumn(col.type, mariadb)) numeric.push(col.index);
    if (isCharacterColumn(col.type, col.meta, mariadb)) character.push(col.index);
    if (isEnumColumn(col.type, col.meta)) {
      enums.push(col.index);
      enumSet.push(col.index);
    } else if (isSetColumn(col.type, col.meta)) {
      sets.push(col.index);
      enumSet.push(col.index);
    }
    if (col.type === MYSQL_TYPE_GEOMETRY) geometry.push(col.index);
    if (col.type === MYSQL_TYPE_VECTOR) vectors.push(col.index);
  }
  // Member names are decoded once the ENUM_AND_SET charsets (which may come later) are known.
  let enumRaw: Uint8Array[][] | undefined;
  let setRaw: Uint8Array[][] | undefined;
  const F = TABLE_MAP_OPTIONAL_METADATA;

  while (c.remaining > 0) {
    const fieldType = c.u8();
    const length = c.lenencNotNull();
    c.need(length);
    const end = c.pos + length;
    const f = new Cursor(c.bytes, c.origin, c.pos, end);
    const name = OPTIONAL_METADATA_NAMES[fieldType];
    if (name !== undefined) fields.push(name);
    switch (fieldType) {
      case F.SIGNEDNESS:
        // One bit per numeric column, most significant bit first.
        for (let k = 0; k < numeric.length && (k >>> 3) < length; k++) {
          const byte = c.bytes[f.pos + (k >>> 3)]!;
          columns[numeric[k]!]!.unsigned = (byte & (0x80 >>> (k & 7))) !== 0;
        }
        break;
      case F.DEFAULT_CHARSET:
        readDefaultCharset(f, columns, character);
        break;
      case F.COLUMN_CHARSET:
        for (let k = 0; k < character.length && f.remaining > 0; k++) columns[character[k]!]!.collationId = f.lenencNotNull();
        break;
      case F.COLUMN_NAME:
        for (let k = 0; k < columns.length && f.remaining > 0; k++) columns[k]!.name = f.utf8(f.lenencNotNull());
        break;
      case F.SET_STR_VALUE:
        setRaw = readStringLists(f);
        break;
      case F.ENUM_STR_VALUE:
        enumRaw = readStringLists(f);
        break;
      case F.GEOMETRY_TYPE:
        for (let k = 0; k < geometry.length && f.remaining > 0; k++) columns[geometry[k]!]!.geometryType = f.lenencNotNull();
        break;
      case F.SIMPLE_PRIMARY_KEY:
        while (f.remaining > 0) markPrimaryKey(f, columns, f.lenencNotNull(), 0);
        break;
      case F.PRIMARY_KEY_WITH_PREFIX:
        while (f.remaining > 0) {
          const index = f.lenencNotNull();
          markPrimaryKey(f, columns, index, f.lenencNotNull());
        }
        break;
      case F.ENUM_AND_SET_DEFAULT_CHARSET:
        readDefaultCharset(f, columns, enumSet);
        break;
      case F.ENUM_AND_SET_COLUMN_CHARSET:
        for (let k = 0; k < enumSet.length && f.remaining > 0; k++) columns[enumSet[k]!]!.collationId = f.lenencNotNull();
        break;
      case F.COLUMN_VISIBILITY:
        for (let k = 0; k < columns.length && (k >>> 3) < length; k++) {
          const byte = c.bytes[f.pos + (k >>> 3)]!;
          columns[k]!.visible = (byte & (0x80 >>> (k & 7))) !== 0;
        }
        break;
      case F.VECTOR_DIMENSIONALITY:
        for (let k = 0; k < vectors.length && f.remaining > 0; k++) columns[vectors[k]!]!.vectorDimensions = f.lenencNotNull();
        break;
      default:
        // Unknown (newer) field: its length lets us skip it.
        fields.push(`UNKNOWN(${fieldType})`);
        break;
    }
    c.pos = end;
  }
  if (enumRaw !== undefined) assignNames(enumRaw, enums, columns, 'enumValues');
  if (setRaw !== undefined) assignNames(setRaw, sets, columns, 'setValues');
  return fields;
}

/** Default collation, then (index among the covered columns, collation) exceptions. */
function readDefaultCharset(f: Cursor, columns: MutableColumn[], covered: readonly number[]): void {
  const defaultCollation = f.lenencNotNull();
  for (const i of covered) columns[i]!.collationId = defaultCollation;
  while (f.remaining > 0) {
    const at = f.pos;
    const k = f.lenencNotNull();
    const collation = f.lenencNotNull();
    const index = covered[k];
    if (index === undefined) f.fail(`charset exception for column #${k} but only ${covered.length} columns have a charset`, at);
    columns[index]!.collationId = collation;
  }
}

function markPrimaryKey(f: Cursor, columns: MutableColumn[], index: number, prefix: number): void {
  const col = columns[index];
  if (col === undefined) f.fail(`primary key column ${index} is out of range (${columns.length} columns)`);
  col.primaryKey = true;
  col.primaryKeyPrefix = prefix;
}

/** Per column: lenenc member count, then lenenc-length strings (raw, decoded later). */
function readStringLists(f: Cursor): Uint8Array[][] {
  const lists: Uint8Array[][] = [];
  while (f.remaining > 0) {
    const count = f.lenencNotNull();
    if (count > 65535) f.fail(`ENUM/SET with ${count} members`);
    const list: Uint8Array[] = [];
    for (let i = 0; i < count; i++) list.push(f.bytesView(f.lenencNotNull()));
    lists.push(list);
  }
  return lists;
}

function assignNames(
  lists: Uint8Array[][],
  indexes: readonly number[],
  columns: MutableColumn[],
  key: 'enumValues' | 'setValues',
): void {
  for (let k = 0; k < indexes.length && k < lists.length; k++) {
    const col = columns[indexes[k]!]!;
    // Member names are in the column charset.
    col[key] = lists[k]!.map((b) => decodeTextForCollation(b, col.collationId));
  }
}
