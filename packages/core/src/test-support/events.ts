/** Test-only builders for hand-made decoded events (renderer tests). */
import type { BinlogEvent, ColumnDef, EventBody, RowChange, RowsBody, TableMapBody } from '../binlog/types.js';

export function ev(body: EventBody, over: Partial<BinlogEvent> = {}): BinlogEvent {
  return {
    file: 'mariadb-bin.000001',
    pos: 256,
    end: 300,
    header: { timestamp: 1779712207, typeCode: 2, serverId: 7, eventSize: 44, logPos: 300, flags: 0 },
    typeName: 'X',
    raw: new Uint8Array([0, 0, 0, 0, 0x78, 0x56, 0x34, 0x12]),
    body,
    ...over,
  };
}

export function col(index: number, type: number, over: Partial<ColumnDef> = {}): ColumnDef {
  return {
    index,
    type,
    meta: 0,
    nullable: true,
    name: undefined,
    unsigned: undefined,
    collationId: undefined,
    enumValues: undefined,
    setValues: undefined,
    geometryType: undefined,
    sqlType: undefined,
    generated: undefined,
    primaryKey: false,
    ...over,
  };
}

export function table(columns: ColumnDef[], over: Partial<TableMapBody> = {}): TableMapBody {
  return { kind: 'table_map', tableId: 18, flags: 1, db: 'shop', table: 'orders', columns, metadataFields: [], schemaApplied: false, ...over };
}

export function rows(kind: RowsBody['kind'], t: TableMapBody, images: RowChange[], version: 1 | 2 = 2): RowsBody {
  const eventName = `${kind.toUpperCase()}_ROWS_EVENT_V${version}`;
  return { kind, eventName, version, tableId: t.tableId, flags: 1, table: t, rows: images, compressed: false };
}

/** A MariaDB FORMAT_DESCRIPTION_EVENT body. */
export const FDE: EventBody = {
  kind: 'format_description',
  binlogVersion: 4,
  serverVersion: '10.11.6-MariaDB-log',
  createTimestamp: 0,
  headerLength: 19,
  postHeaderLengths: new Uint8Array(),
  checksumAlg: 1,
  flavor: 'mariadb',
};
