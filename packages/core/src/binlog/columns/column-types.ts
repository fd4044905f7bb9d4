/**
 * Column type codes as they appear in TABLE_MAP (enum_field_types, upstream names).
 * https://dev.mysql.com/doc/dev/mysql-server/latest/field__types_8h.html
 * https://mariadb.com/kb/en/rows_event_v1v2-rows_compressed_event_v1/#column-data-formats
 */
export const MYSQL_TYPE_DECIMAL = 0;
export const MYSQL_TYPE_TINY = 1;
export const MYSQL_TYPE_SHORT = 2;
export const MYSQL_TYPE_LONG = 3;
export const MYSQL_TYPE_FLOAT = 4;
export const MYSQL_TYPE_DOUBLE = 5;
export const MYSQL_TYPE_NULL = 6;
export const MYSQL_TYPE_TIMESTAMP = 7;
export const MYSQL_TYPE_LONGLONG = 8;
export const MYSQL_TYPE_INT24 = 9;
export const MYSQL_TYPE_DATE = 10;
export const MYSQL_TYPE_TIME = 11;
export const MYSQL_TYPE_DATETIME = 12;
export const MYSQL_TYPE_YEAR = 13;
export const MYSQL_TYPE_NEWDATE = 14;
export const MYSQL_TYPE_VARCHAR = 15;
export const MYSQL_TYPE_BIT = 16;
export const MYSQL_TYPE_TIMESTAMP2 = 17;
export const MYSQL_TYPE_DATETIME2 = 18;
export const MYSQL_TYPE_TIME2 = 19;
export const MYSQL_TYPE_TYPED_ARRAY = 20;
/** MySQL 9.0+. */
export const MYSQL_TYPE_VECTOR = 242;
export const MYSQL_TYPE_INVALID = 243;
export const MYSQL_TYPE_BOOL = 244;
export const MYSQL_TYPE_JSON = 245;
export const MYSQL_TYPE_NEWDECIMAL = 246;
export const MYSQL_TYPE_ENUM = 247;
export const MYSQL_TYPE_SET = 248;
export const MYSQL_TYPE_TINY_BLOB = 249;
export const MYSQL_TYPE_MEDIUM_BLOB = 250;
export const MYSQL_TYPE_LONG_BLOB = 251;
export const MYSQL_TYPE_BLOB = 252;
export const MYSQL_TYPE_VAR_STRING = 253;
export const MYSQL_TYPE_STRING = 254;
export const MYSQL_TYPE_GEOMETRY = 255;

const TYPE_NAMES: Record<number, string> = {
  0: 'DECIMAL', 1: 'TINY', 2: 'SHORT', 3: 'LONG', 4: 'FLOAT', 5: 'DOUBLE', 6: 'NULL', 7: 'TIMESTAMP',
  8: 'LONGLONG', 9: 'INT24', 10: 'DATE', 11: 'TIME', 12: 'DATETIME', 13: 'YEAR', 14: 'NEWDATE',
  15: 'VARCHAR', 16: 'BIT', 17: 'TIMESTAMP2', 18: 'DATETIME2', 19: 'TIME2', 20: 'TYPED_ARRAY',
  242: 'VECTOR', 243: 'INVALID', 244: 'BOOL', 245: 'JSON', 246: 'NEWDECIMAL', 247: 'ENUM', 248: 'SET',
  249: 'TINY_BLOB', 250: 'MEDIUM_BLOB', 251: 'LONG_BLOB', 252: 'BLOB', 253: 'VAR_STRING', 254: 'STRING',
  255: 'GEOMETRY',
};

/** Upstream name without the MYSQL_TYPE_ prefix, e.g. 'NEWDECIMAL'; 'UNKNOWN(n)' otherwise. */
export function columnTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `UNKNOWN(${type})`;
}

/**
 * The real type of a STRING column: MySQL logs ENUM and SET as MYSQL_TYPE_STRING with the real type
 * in the first metadata byte (see readColumnMeta for the meta layout).
 */
export function realColumnType(type: number, meta: number): number {
  if (type === MYSQL_TYPE_STRING) {
    const b0 = meta >>> 8;
    if (b0 === MYSQL_TYPE_ENUM || b0 === MYSQL_TYPE_SET) return b0;
  }
  return type;
}

/**
 * Columns the optional-metadata SIGNEDNESS bitmap covers. MySQL's is_numeric_type()
 * (sql/log_event.cc) lists the integer types, NEWDECIMAL, FLOAT and DOUBLE; MariaDB's also YEAR
 * (its YEAR bit is set: YEAR is unsigned there).
 */
export function isNumericColumn(type: number, mariadb: boolean): boolean {
  switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_NEWDECIMAL:
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
      return true;
    case MYSQL_TYPE_YEAR:
      return mariadb;
    default:
      return false;
  }
}

/**
 * Columns the DEFAULT_CHARSET / COLUMN_CHARSET fields cover (is_character_type() upstream):
 * CHAR/VARCHAR/BINARY/VARBINARY and the BLOB/TEXT family, judged by the *real* type, so ENUM/SET
 * logged as STRING are not character columns (they use ENUM_AND_SET_* charsets instead).
 */
export function isCharacterColumn(type: number, meta: number, mariadb = false): boolean {
  switch (type) {
    // MariaDB counts GEOMETRY (binary collation) among the character columns.
    case MYSQL_TYPE_GEOMETRY:
      return mariadb;
    case MYSQL_TYPE_STRING:
      return realColumnType(type, meta) === MYSQL_TYPE_STRING;
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    // MySQL 9 VECTOR is a BLOB underneath and gets a (binary) charset entry (seen in vector.binlog).
    case MYSQL_TYPE_VECTOR:
      return true;
    default:
      return false;
  }
}

export function isEnumColumn(type: number, meta: number): boolean {
  return type === MYSQL_TYPE_ENUM || realColumnType(type, meta) === MYSQL_TYPE_ENUM;
}

export function isSetColumn(type: number, meta: number): boolean {
  return type === MYSQL_TYPE_SET || realColumnType(type, meta) === MYSQL_TYPE_SET;
}
