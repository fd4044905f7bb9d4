/**
 * ROWS events: WRITE/UPDATE/DELETE_ROWS v1 and v2, MySQL PARTIAL_UPDATE_ROWS_EVENT and MariaDB's
 * compressed rows events.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Rows__event.html
 * https://mariadb.com/kb/en/rows_event_v1v2-rows_compressed_event_v1/
 *
 * Body: table id (6 bytes; 4 when the FDE post-header for the type is 6), flags (2), [v2: extra
 * data length (2, counting itself) + extra data], column count (lenenc), columns-present bitmap
 * (two for updates), then rows until the end: per image a null bitmap over the present columns and
 * the non-NULL values. In PARTIAL_UPDATE_ROWS the after image starts with value_options (lenenc)
 * and, when PARTIAL_JSON_UPDATES is set, a bitmap with one bit per JSON column saying which values
 * are diffs (sql/rpl_record.cc).
 */
import { inflateSync } from 'node:zlib';
import * as K from '../constants.js';
import { Cursor, bufferOfChunk } from '../cursor.js';
import type { DecodeContext } from '../decode-context.js';
import type { JsonPartialOperation, RowChange, RowsBody, RowsExtraRowInfo, RowsKind, TableMapBody } from '../types.js';
import type { RowImage } from '../columns/values.js';
import { type JsonPartialHook, type RowPlan, type bufferOf, decodeRowImage, rowPlanFor } from '../columns/row-decoder.js';
import { applyJsonDiff, readJsonDiffs } from '../json-diff.js';
import { jsonValueToText } from '../json-binary.js';

/** value_options bit (enum_binlog_row_value_options). */
const PARTIAL_JSON_UPDATES = 1;
/** Extra row info types (enum_extra_row_info_typecode). */
const EXTRA_ROW_INFO_NDB = 0;
const EXTRA_ROW_INFO_PART = 1;
/** Cap on a decompressed rows part (MariaDB's max_allowed_packet is at most 1 GiB). */
const MAX_UNCOMPRESSED_BYTES = 1 << 30;

interface RowsTypeInfo {
  readonly kind: RowsKind;
  readonly eventName: string;
  readonly version: 0 | 1 | 2;
  readonly compressed: boolean;
  readonly partial: boolean;
}

function rowsType(typeCode: number, kind: RowsKind, version: 0 | 1 | 2, compressed = false, partial = false): [number, RowsTypeInfo] {
  return [typeCode, { kind, eventName: K.typeName(typeCode), version, compressed, partial }];
}

const ROWS_TYPES: Record<number, RowsTypeInfo> = Object.fromEntries([
  rowsType(K.PRE_GA_WRITE_ROWS_EVENT, 'write', 0),
  rowsType(K.PRE_GA_UPDATE_ROWS_EVENT, 'update', 0),
  rowsType(K.PRE_GA_DELETE_ROWS_EVENT, 'delete', 0),
  rowsType(K.WRITE_ROWS_EVENT_V1, 'write', 1),
  rowsType(K.UPDATE_ROWS_EVENT_V1, 'update', 1),
  rowsType(K.DELETE_ROWS_EVENT_V1, 'delete', 1),
  rowsType(K.WRITE_ROWS_EVENT_V2, 'write', 2),
  rowsType(K.UPDATE_ROWS_EVENT_V2, 'update', 2),
  rowsType(K.DELETE_ROWS_EVENT_V2, 'delete', 2),
  rowsType(K.PARTIAL_UPDATE_ROWS_EVENT, 'update', 2, false, true),
  // MariaDB (sql/log_event.h): compressed rows, same layout as v1 / v2 with the rows part zlib-compressed.
  rowsType(K.MARIADB_WRITE_ROWS_COMPRESSED_EVENT_V1, 'write', 1, true),
  rowsType(K.MARIADB_UPDATE_ROWS_COMPRESSED_EVENT_V1, 'update', 1, true),
  rowsType(K.MARIADB_DELETE_ROWS_COMPRESSED_EVENT_V1, 'delete', 1, true),
  rowsType(K.MARIADB_WRITE_ROWS_COMPRESSED_EVENT_V2, 'write', 2, true),
  rowsType(K.MARIADB_UPDATE_ROWS_COMPRESSED_EVENT_V2, 'update', 2, true),
  rowsType(K.MARIADB_DELETE_ROWS_COMPRESSED_EVENT_V2, 'delete', 2, true),
]);

/** True for every rows event type code this module decodes. */
export function isRowsEventType(typeCode: number): boolean {
  return ROWS_TYPES[typeCode] !== undefined;
}

/**
 * Decodes a ROWS event body (event without common header and checksum): body[start, end), where
 * `bodyOffset` is the file offset of body[0]. The parser passes the whole event with start/end
 * around its body, which saves a subarray per event on the hot path.
 */
export function decodeRowsEvent(body: Uint8Array, typeCode: number, ctx: DecodeContext, bodyOffset: number, start = 0, end = body.length): RowsBody {
  const info = ROWS_TYPES[typeCode];
  const c = new Cursor(body, { file: ctx.file, baseOffset: bodyOffset, eventType: typeCode }, start, end);
  if (info === undefined) return c.fail(`event type ${typeCode} is not a rows event`);
  const tableId = ctx.postHeaderLength(typeCode) === 6 ? c.u32() : c.u48();
  const flags = c.u16();
  let extraRowInfo: RowsExtraRowInfo | undefined;
  if (info.version === 2) {
    const extraLength = c.u16();
    if (extraLength < 2) c.fail(`v2 extra data length ${extraLength} is less than 2`, c.pos - 2);
    if (extraLength > 2) {
      const extraStart = c.pos;
      c.skip(extraLength - 2);
      extraRowInfo = readExtraRowInfo(new Cursor(body, c.origin, extraStart, c.pos), info.kind);
    }
  }
  const table = ctx.tableMaps.get(tableId);
  if (table === undefined) {
    return c.fail(`${info.eventName} for table id ${tableId} without a preceding TABLE_MAP_EVENT`, start);
  }
  const columnCount = c.lenencNotNull();
  if (columnCount !== table.columns.length) {
    c.fail(`${info.eventName} has ${columnCount} columns but TABLE_MAP for ${table.db}.${table.table} has ${table.columns.length}`);
  }
  const present1 = c.bitmap(columnCount);
  const present2 = info.kind === 'update' ? c.bitmap(columnCount) : present1;

  let rowsCursor = c;
  if (info.compressed) rowsCursor = decompressRows(c, ctx, bodyOffset, typeCode);

  const plan = rowPlanFor(table);
  const rows = decodeRows(rowsCursor, plan, table, info, present1, present2);
  // Two literals rather than spreading an optional field, which builds a temporary object per event.
  if (extraRowInfo === undefined) {
    return { kind: info.kind, eventName: info.eventName, version: info.version, tableId, flags, table, rows, compressed: info.compressed };
  }
  return { kind: info.kind, eventName: info.eventName, version: info.version, tableId, flags, table, rows, compressed: info.compressed, extraRowInfo };
}

function countBits(bitmap: Uint8Array, n: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) if (bitmap[i >>> 3]! & (1 << (i & 7))) count++;
  return count;
}

function decodeRows(
  c: Cursor,
  plan: RowPlan,
  table: TableMapBody,
  info: RowsTypeInfo,
  present1: Uint8Array,
  present2: Uint8Array,
): RowChange[] {
  const n = plan.columnCount;
  const count1 = countBits(present1, n);
  const count2 = info.kind === 'update' ? countBits(present2, n) : count1;
  const buf = bufferOfChunk(c.bytes);
  const base = c.bytes.byteOffset;
  const rows: RowChange[] = [];
  // PARTIAL_UPDATE_ROWS: JSON byte ranges of the before image, to apply diffs to.
  const rawBefore = info.partial ? new Int32Array(2 * n) : undefined;
  while (c.pos < c.end) {
    // An image with no columns takes no bytes: without this check a corrupt bitmap loops forever.
    if (count1 === 0 && (info.kind !== 'update' || count2 === 0)) c.fail(`${info.eventName} rows with an empty columns-present bitmap`);
    switch (info.kind) {
      case 'write':
        rows.push({ after: decodeRowImage(c, plan, present1, count1, buf, undefined, undefined, base) });
        break;
      case 'delete':
        rows.push({ before: decodeRowImage(c, plan, present1, count1, buf, undefined, undefined, base) });
        break;
      case 'update': {
        const before = decodeRowImage(c, plan, present1, count1, buf, undefined, rawBefore, base);
        if (info.partial) {
          const partialUpdates: Record<number, JsonPartialOperation[]> = {};
          const after = decodePartialAfterImage(c, plan, table, present2, count2, buf, base, before, rawBefore!, partialUpdates);
          rows.push(Object.keys(partialUpdates).length > 0 ? { before, after, jsonPartialUpdates: partialUpdates } : { before, after });
        } else {
          rows.push({ before, after: decodeRowImage(c, plan, present2, count2, buf, undefined, undefined, base) });
        }
        break;
      }
    }
  }
  return rows;
}

/**
 * value_options, the partial-JSON bitmap (one bit per JSON column of the table), then an ordinary
 * image whose flagged JSON values are diffs. A diff is applied to the before value when the before
 * image carries it; otherwise (binlog_row_image=MINIMAL) it is kept in `partialUpdates`.
 */
function decodePartialAfterImage(
  c: Cursor,
  plan: RowPlan,
  table: TableMapBody,
  present: Uint8Array,
  presentCount: number,
  buf: ReturnType<typeof bufferOf>,
  base: number,
  before: RowImage,
  rawBefore: Int32Array,
  partialUpdates: Record<number, JsonPartialOperation[]>,
): RowImage {
  const valueOptions = c.lenencNotNull();
  if ((valueOptions & PARTIAL_JSON_UPDATES) === 0) return decodeRowImage(c, plan, present, presentCount, buf, undefined, undefined, base);
  const json = plan.jsonColumns;
  const partialBits = c.bitmap(json.length);
  const partialColumns = new Set<number>();
  for (let k = 0; k < json.length; k++) if (partialBits[k >>> 3]! & (1 << (k & 7))) partialColumns.add(json[k]!);
  const origin = c.origin;
  const hook: JsonPartialHook = {
    isPartial: (i) => partialColumns.has(i),
    apply: (i, bytes, start, end) => {
      const beforeValue = before[i];
      if (beforeValue === undefined) {
        partialUpdates[i] = readJsonDiffs(bytes, start, end, origin.file, origin.baseOffset).map((d) => ({
          operation: d.operation === 0 ? 'REPLACE' : d.operation === 1 ? 'INSERT' : 'REMOVE',
          path: d.path,
          value: d.value === undefined ? undefined : jsonValueToText(d.value),
        }));
        return undefined;
      }
      if (beforeValue === null) {
        return new Cursor(bytes, origin).fail(`${table.db}.${table.table} column ${i + 1}: JSON diff against a NULL before value`, start);
      }
      return applyJsonDiff(c.bytes, rawBefore[2 * i]!, rawBefore[2 * i + 1]!, bytes, start, end, origin.file, origin.baseOffset);
    },
  };
  return decodeRowImage(c, plan, present, presentCount, buf, hook, undefined, base);
}

/** v2 extra data: typed entries (MySQL 8.0.16+ NDB info and partition ids). */
function readExtraRowInfo(e: Cursor, kind: RowsKind): RowsExtraRowInfo {
  let ndbFormat: number | undefined;
  let ndbData: Uint8Array | undefined;
  let partitionId: number | undefined;
  let sourcePartitionId: number | undefined;
  const start = e.pos;
  while (e.remaining > 0) {
    const type = e.u8();
    if (type === EXTRA_ROW_INFO_NDB) {
      // length byte counts itself and the format byte.
      const len = e.u8();
      if (len < 2) e.fail(`NDB extra row info length ${len} is less than 2`, e.pos - 1);
      ndbFormat = e.u8();
      ndbData = e.bytesCopy(len - 2);
    } else if (type === EXTRA_ROW_INFO_PART) {
      partitionId = e.u16();
      if (kind === 'update') sourcePartitionId = e.u16();
    } else {
      // Unknown entry type: we cannot know its length, keep the rest raw.
      return { ndbFormat, ndbData, partitionId, sourcePartitionId, raw: e.bytes.slice(start, e.end) };
    }
  }
  return { ndbFormat, ndbData, partitionId, sourcePartitionId };
}

/**
 * MariaDB compressed rows: the part after the bitmaps is one header byte (0x80 | number of bytes of
 * the uncompressed length), the big-endian uncompressed length, then a zlib stream
 * (sql/log_event.cc binlog_buf_uncompress, the same scheme as QUERY_COMPRESSED_EVENT).
 */
function decompressRows(c: Cursor, ctx: DecodeContext, bodyOffset: number, typeCode: number): Cursor {
  const at = c.pos;
  const header = c.u8();
  const lenBytes = header & 0x07;
  // Bits 5-7 are 0b100; bits 3-4 the algorithm (0 = zlib, the only one MariaDB has).
  if ((header & 0xf8) !== 0x80 || lenBytes < 1 || lenBytes > 4) {
    c.fail(`compressed rows header 0x${header.toString(16)} is not zlib with a 1-4 byte length`, at);
  }
  let expected = 0;
  for (let i = 0; i < lenBytes; i++) expected = expected * 256 + c.u8();
  if (expected > MAX_UNCOMPRESSED_BYTES) c.fail(`compressed rows claim ${expected} uncompressed bytes`, at);
  let out: Uint8Array;
  try {
    out = inflateSync(c.bytesView(c.end - c.pos), { maxOutputLength: Math.max(expected, 1) });
  } catch (err) {
    return c.fail(`compressed rows do not inflate: ${(err as Error).message}`, at);
  }
  if (out.length !== expected) c.fail(`compressed rows inflate to ${out.length} bytes, header says ${expected}`, at);
  // Positions inside the inflated rows are reported at the start of the compressed data (bodyOffset
  // + at plus a position in `out` could point past the event: the fuzz test caught one).
  return new Cursor(out, { file: ctx.file, baseOffset: bodyOffset + at, eventType: typeCode, inflated: true });
}
