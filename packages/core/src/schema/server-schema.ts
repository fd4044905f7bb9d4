/**
 * A SchemaProvider read from a live server's information_schema: every column of every base table
 * outside the system databases. It describes the tables as they are *now*; a binlog older than the
 * last ALTER TABLE needs a dump from before it instead.
 * https://mariadb.com/kb/en/information-schema-columns-table/ ,
 * https://dev.mysql.com/doc/refman/8.0/en/information-schema-columns-table.html
 */
import type mysql from 'mysql2/promise';
import type { Flavor } from '../binlog/types.js';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import { parseConnectionUrl, redactUrl } from '../sql/connection-url.js';
import { BINARY_COLLATION_ID, collationIdByName } from './collations.js';
import { IMPLICIT_SYSTEM_VERSIONING_COLUMNS, parseEnumMembers } from './create-table-parser.js';
import { TableSchemaMap } from './dump-schema.js';
import type { SchemaColumn } from './schema-provider.js';

const SYSTEM_DATABASES = ['mysql', 'information_schema', 'performance_schema', 'sys'];

const COLUMNS_SQL = `
SELECT c.TABLE_SCHEMA AS db, c.TABLE_NAME AS tbl, c.COLUMN_NAME AS name, c.ORDINAL_POSITION AS pos,
       c.DATA_TYPE AS dataType, c.COLUMN_TYPE AS columnType, c.IS_NULLABLE AS nullable,
       c.CHARACTER_SET_NAME AS charset, c.COLLATION_NAME AS collation, c.EXTRA AS extra,
       c.GENERATION_EXPRESSION AS generation, t.TABLE_TYPE AS tableType
  FROM information_schema.COLUMNS c
  JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
 WHERE c.TABLE_SCHEMA NOT IN (${SYSTEM_DATABASES.map(() => '?').join(',')}) AND t.TABLE_TYPE <> 'VIEW'
 ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`;

// COLUMN_KEY 'PRI' also marks the first UNIQUE NOT NULL key of a table without a primary key,
// so the primary key is read from STATISTICS.
const PRIMARY_SQL = `
SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS name
  FROM information_schema.STATISTICS
 WHERE INDEX_NAME = 'PRIMARY' AND TABLE_SCHEMA NOT IN (${SYSTEM_DATABASES.map(() => '?').join(',')})`;

type Row = Record<string, unknown>;

function str(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/** Collation name → id as this server numbers them (MariaDB 10.10+ lists per-charset uca1400 names in COLLATION_CHARACTER_SET_APPLICABILITY). */
async function serverCollationIds(conn: mysql.Connection): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT FULL_COLLATION_NAME AS name, ID AS id FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY',
    );
    for (const r of rows) ids.set(String(r['name']), Number(r['id']));
  } catch {
    // older servers: no FULL_COLLATION_NAME column
  }
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT COLLATION_NAME AS name, ID AS id FROM information_schema.COLLATIONS WHERE ID IS NOT NULL',
  );
  for (const r of rows) if (!ids.has(String(r['name']))) ids.set(String(r['name']), Number(r['id']));
  return ids;
}

function connectionError(url: string, e: unknown): PitrError {
  const err = e as { code?: string; message?: string };
  return new PitrError(ERROR_CODES.CONNECTION, `cannot connect to ${redactUrl(url)} for the schema: ${err.message ?? String(e)}`, {
    hints: [
      'Check host, port or ?socket=, user and password (PITR_PASSWORD) of the --schema-from URL.',
      'The user needs SELECT on the tables (information_schema shows only tables the user can see).',
    ],
    cause: e,
  });
}

/**
 * Reads the column definitions of all non-system tables of a server. The connection is closed
 * before returning: the provider is a snapshot.
 */
export async function schemaFromServer(url: string): Promise<TableSchemaMap> {
  const opts = parseConnectionUrl(url);
  let conn: mysql.Connection;
  try {
    // Loaded on first use: importing mysql2 takes ~70 ms, which every `@pitr/core` import (every
    // CLI command, every binlog decode) paid although few connect to a server.
    const { default: mysqlClient } = await import('mysql2/promise');
    conn = await mysqlClient.createConnection({
      ...(opts.socketPath !== undefined ? { socketPath: opts.socketPath } : { host: opts.host, port: opts.port }),
      user: opts.user,
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      ...(opts.database !== undefined ? { database: opts.database } : {}),
      charset: 'UTF8MB4_GENERAL_CI',
      connectTimeout: 10_000,
    });
  } catch (e) {
    throw connectionError(url, e);
  }
  try {
    const [versionRows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    const flavor: Flavor = /mariadb/i.test(String(versionRows[0]?.['v'] ?? '')) ? 'mariadb' : 'mysql';
    const ids = await serverCollationIds(conn);
    const [columns] = await conn.query<mysql.RowDataPacket[]>(COLUMNS_SQL, SYSTEM_DATABASES);
    const [primary] = await conn.query<mysql.RowDataPacket[]>(PRIMARY_SQL, SYSTEM_DATABASES);
    const pk = new Set(primary.map((r: Row) => `${str(r['db'])}\0${str(r['tbl'])}\0${str(r['name'])}`));
    const provider = new TableSchemaMap();
    let current: { db: string; table: string; versioned: boolean; explicitPeriod: boolean; columns: SchemaColumn[] } | undefined;
    const flush = (): void => {
      if (current === undefined) return;
      // implicit row_start/row_end are hidden from information_schema but present in row events
      if (current.versioned && !current.explicitPeriod) current.columns.push(...IMPLICIT_SYSTEM_VERSIONING_COLUMNS);
      provider.add({ db: current.db, table: current.table, columns: current.columns });
    };
    for (const r of columns as Row[]) {
      const db = str(r['db'])!;
      const table = str(r['tbl'])!;
      if (current === undefined || current.db !== db || current.table !== table) {
        flush();
        current = { db, table, versioned: str(r['tableType']) === 'SYSTEM VERSIONED', explicitPeriod: false, columns: [] };
      }
      const name = str(r['name'])!;
      const columnType = (str(r['columnType']) ?? '').toLowerCase();
      const dataType = (str(r['dataType']) ?? '').toLowerCase();
      const collation = str(r['collation']);
      const extra = str(r['extra']) ?? '';
      const generation = str(r['generation']) ?? '';
      if (/^ROW (START|END)$/i.test(generation)) current.explicitPeriod = true;
      let collationId: number | undefined;
      if (collation !== undefined) collationId = ids.get(collation) ?? collationIdByName(collation, flavor);
      else if (/binary|blob/.test(dataType)) collationId = BINARY_COLLATION_ID;
      const baseType = dataType;
      current.columns.push({
        name,
        sqlType: columnType,
        baseType,
        unsigned: /\bunsigned\b/.test(columnType) || /\bzerofill\b/.test(columnType),
        nullable: str(r['nullable']) === 'YES',
        collationId,
        enumValues: baseType === 'enum' ? parseEnumMembers(columnType) : undefined,
        setValues: baseType === 'set' ? parseEnumMembers(columnType) : undefined,
        // EXTRA says 'VIRTUAL GENERATED' / 'STORED GENERATED' (MariaDB also 'PERSISTENT GENERATED');
        // MySQL's 'DEFAULT_GENERATED' is an expression default, not a generated column.
        generated: generation !== '' || /\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i.test(extra),
        primaryKey: pk.has(`${db}\0${table}\0${name}`),
      });
    }
    flush();
    return provider;
  } catch (e) {
    if (e instanceof PitrError) throw e;
    const err = e as { message?: string };
    throw new PitrError(ERROR_CODES.SCHEMA, `cannot read the schema from ${redactUrl(url)}: ${err.message ?? String(e)}`, {
      hints: ['The --schema-from user needs to read information_schema (any user can; it sees the tables it has privileges on).'],
      cause: e,
    });
  } finally {
    await conn.end().catch(() => undefined);
  }
}
