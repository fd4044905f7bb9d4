/**
 * Per-column type metadata in TABLE_MAP. Widths per type follow
 * https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Table__map__event.html
 * (table "Table_map_event column types: numerical identifier and metadata").
 *
 * We pack the bytes into one number (ColumnDef.meta):
 *  - FLOAT, DOUBLE, the BLOB family, GEOMETRY/JSON/VECTOR/TIMESTAMP2/DATETIME2/TIME2: the single byte
 *  - VARCHAR/VAR_STRING: uint16 little-endian (max length in bytes)
 *  - BIT: uint16 little-endian → (bytes << 8) | bitsInLastByte
 *  - NEWDECIMAL: (precision << 8) | scale
 *  - STRING/ENUM/SET: (byte0 << 8) | byte1 (byte0 = real type / high length bits, byte1 = length)
 *  - everything else: no metadata, 0
 */
import type { Cursor } from '../cursor.js';
import {
  MYSQL_TYPE_BIT,
  MYSQL_TYPE_BLOB,
  MYSQL_TYPE_DATETIME2,
  MYSQL_TYPE_DOUBLE,
  MYSQL_TYPE_ENUM,
  MYSQL_TYPE_FLOAT,
  MYSQL_TYPE_GEOMETRY,
  MYSQL_TYPE_JSON,
  MYSQL_TYPE_LONG_BLOB,
  MYSQL_TYPE_MEDIUM_BLOB,
  MYSQL_TYPE_NEWDECIMAL,
  MYSQL_TYPE_SET,
  MYSQL_TYPE_STRING,
  MYSQL_TYPE_TIME2,
  MYSQL_TYPE_TIMESTAMP2,
  MYSQL_TYPE_TINY_BLOB,
  MYSQL_TYPE_VARCHAR,
  MYSQL_TYPE_VAR_STRING,
  MYSQL_TYPE_VECTOR,
} from './column-types.js';

/** Number of metadata bytes a column type has in TABLE_MAP. */
export function columnMetaWidth(type: number): number {
  switch (type) {
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_GEOMETRY:
    case MYSQL_TYPE_JSON:
    case MYSQL_TYPE_VECTOR:
    case MYSQL_TYPE_TIMESTAMP2:
    case MYSQL_TYPE_DATETIME2:
    case MYSQL_TYPE_TIME2:
      return 1;
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_BIT:
    case MYSQL_TYPE_NEWDECIMAL:
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_ENUM:
    case MYSQL_TYPE_SET:
      return 2;
    default:
      return 0;
  }
}

/** Reads one column's metadata (see the file comment for how it is packed). */
export function readColumnMeta(c: Cursor, type: number): number {
  switch (columnMetaWidth(type)) {
    case 1:
      return c.u8();
    case 2: {
      if (type === MYSQL_TYPE_VARCHAR || type === MYSQL_TYPE_VAR_STRING || type === MYSQL_TYPE_BIT) return c.u16();
      const b0 = c.u8();
      return (b0 << 8) | c.u8();
    }
    default:
      return 0;
  }
}

/**
 * STRING metadata → (real type, max length in bytes). CHAR columns longer than 255 bytes keep the
 * two high length bits in byte0 bits 4-5, XOR-ed so that ENUM/SET (0xf7/0xf8) stay recognisable
 * (Field_string::save_field_metadata in sql/field.cc).
 */
export function decodeStringMeta(meta: number): { realType: number; length: number } {
  const b0 = meta >>> 8;
  const b1 = meta & 0xff;
  if ((b0 & 0x30) !== 0x30) {
    return { realType: b0 | 0x30, length: b1 | (((b0 & 0x30) ^ 0x30) << 4) };
  }
  return { realType: b0, length: b1 };
}
