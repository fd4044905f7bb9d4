/**
 * Merges a schema source's table definition into a TABLE_MAP's columns. Binlog facts win where the
 * binlog has them (metadata FULL); the schema fills names, signedness, charsets, ENUM/SET members
 * and declared types the binlog left out (MariaDB NO_LOG, MySQL MINIMAL). A schema that does not
 * match the logged row layout (column count or a type) is not used: it describes another version
 * of the table (e.g. the dump was taken after an ALTER), and guessing would decode wrong values.
 */
import type { ColumnDef, TableMapBody } from '../binlog/types.js';
import type { SchemaColumn, TableSchema } from './schema-provider.js';
import {
  MYSQL_TYPE_BIT,
  MYSQL_TYPE_BLOB,
  MYSQL_TYPE_DATE,
  MYSQL_TYPE_DATETIME,
  MYSQL_TYPE_DATETIME2,
  MYSQL_TYPE_DECIMAL,
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
  isNumericColumn,
  realColumnType,
} from '../binlog/columns/column-types.js';

const BLOBS = [MYSQL_TYPE_TINY_BLOB, MYSQL_TYPE_MEDIUM_BLOB, MYSQL_TYPE_LONG_BLOB, MYSQL_TYPE_BLOB];
const GEOMETRY_WORDS = ['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection'];

/** Binlog (real) types a declared base type may be logged as; undefined = do not check. */
function loggedTypesFor(baseType: string): readonly number[] | undefined {
  switch (baseType) {
    case 'tinyint':
    case 'bool':
    case 'boolean':
      return [MYSQL_TYPE_TINY];
    case 'smallint':
      return [MYSQL_TYPE_SHORT];
    case 'mediumint':
      return [MYSQL_TYPE_INT24];
    case 'int':
    case 'integer':
      return [MYSQL_TYPE_LONG];
    case 'bigint':
    case 'serial':
      return [MYSQL_TYPE_LONGLONG];
    case 'decimal':
    case 'numeric':
    case 'dec':
    case 'fixed':
      return [MYSQL_TYPE_NEWDECIMAL, MYSQL_TYPE_DECIMAL];
    // FLOAT(p) with p > 24 is a DOUBLE.
    case 'float':
    case 'double':
    case 'real':
    case 'double precision':
      return [MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE];
    case 'bit':
      return [MYSQL_TYPE_BIT];
    case 'date':
      return [MYSQL_TYPE_DATE, MYSQL_TYPE_NEWDATE];
    case 'time':
      return [MYSQL_TYPE_TIME, MYSQL_TYPE_TIME2];
    case 'datetime':
      return [MYSQL_TYPE_DATETIME, MYSQL_TYPE_DATETIME2];
    case 'timestamp':
      return [MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_TIMESTAMP2];
    case 'year':
      return [MYSQL_TYPE_YEAR];
    case 'char':
    case 'binary':
    case 'uuid':
    case 'inet6':
    case 'inet4':
      return [MYSQL_TYPE_STRING];
    case 'varchar':
    case 'varbinary':
      return [MYSQL_TYPE_VARCHAR, MYSQL_TYPE_VAR_STRING];
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
    case 'long':
    case 'long varchar':
    case 'long varbinary':
      return BLOBS;
    // MySQL logs JSON natively; MariaDB's JSON is LONGTEXT.
    case 'json':
      return [MYSQL_TYPE_JSON, ...BLOBS];
    case 'enum':
      return [MYSQL_TYPE_ENUM];
    case 'set':
      return [MYSQL_TYPE_SET];
    case 'vector':
      return [MYSQL_TYPE_VECTOR, MYSQL_TYPE_VARCHAR, MYSQL_TYPE_VAR_STRING];
    default:
      return GEOMETRY_WORDS.includes(baseType) ? [MYSQL_TYPE_GEOMETRY] : undefined;
  }
}

function compatible(col: ColumnDef, s: SchemaColumn): boolean {
  const allowed = loggedTypesFor(s.baseType.toLowerCase());
  return allowed === undefined || allowed.includes(realColumnType(col.type, col.meta));
}

/**
 * Returns `tableMap` with schema facts merged in (schemaApplied = true), or `tableMap` unchanged
 * (after a warning) when the schema does not fit the logged columns.
 */
export function applySchema(tableMap: TableMapBody, schema: TableSchema, warn: (message: string) => void): TableMapBody {
  const where = `${tableMap.db}.${tableMap.table}`;
  if (schema.columns.length !== tableMap.columns.length) {
    warn(
      `schema for ${where} has ${schema.columns.length} columns but the binlog's TABLE_MAP has ${tableMap.columns.length}: ` +
        'not using it (the table changed between the schema source and this binlog)',
    );
    return tableMap;
  }
  for (let i = 0; i < schema.columns.length; i++) {
    const col = tableMap.columns[i]!;
    const s = schema.columns[i]!;
    if (!compatible(col, s)) {
      warn(
        `schema for ${where} column ${i + 1} (${s.name}) is ${s.sqlType} but the binlog logs ${columnTypeName(realColumnType(col.type, col.meta))}: ` +
          'not using the schema for this table',
      );
      return tableMap;
    }
  }
  const columns: ColumnDef[] = tableMap.columns.map((col, i) => {
    const s = schema.columns[i]!;
    return {
      ...col,
      name: col.name ?? s.name,
      // Signedness only means something for numeric columns (the binlog's SIGNEDNESS covers no others).
      unsigned: col.unsigned ?? (isNumericColumn(col.type, true) ? s.unsigned : undefined),
      collationId: col.collationId ?? s.collationId,
      enumValues: col.enumValues ?? s.enumValues,
      setValues: col.setValues ?? s.setValues,
      sqlType: col.sqlType ?? s.sqlType,
      generated: col.generated ?? s.generated,
      primaryKey: col.primaryKey || s.primaryKey,
    };
  });
  return { ...tableMap, columns, schemaApplied: true };
}
