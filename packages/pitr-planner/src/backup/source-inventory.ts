/**
 * What a backup will contain, read from information_schema before the dump starts: databases,
 * tables (engine, row estimate), and the columns and keys the FLOAT and ENUM/SET checks need.
 * https://mariadb.com/kb/en/information-schema-tables-table/ ,
 * https://mariadb.com/kb/en/information-schema-columns-table/
 */
import { ERROR_CODES, PitrError } from '@pitr/core';
import type { RowDataPacket } from 'mysql2/promise';
import type { BackupScope } from '../catalog/backup-record.js';
import type { SourceConnection } from './source-server.js';

/** Schemas mariadb-dump/mysqldump --all-databases never dump (they are views of the server). */
export const SYSTEM_SCHEMAS: readonly string[] = ['information_schema', 'performance_schema', 'sys'];

export interface InventoryTable {
  db: string;
  name: string;
  /** information_schema TABLE_TYPE: 'BASE TABLE', 'VIEW', 'SEQUENCE', 'SYSTEM VERSIONED', … */
  type: string;
  engine: string | null;
  /** The engine has transactions (InnoDB…): only those are inside the dump's consistent snapshot. */
  transactional: boolean;
  rowsEstimate: number | null;
}

export interface InventoryColumn {
  db: string;
  table: string;
  name: string;
  /** DATA_TYPE, lower case: 'float', 'enum', 'varchar', … */
  dataType: string;
  /** COLUMN_TYPE as the server renders it: `float unsigned`, `enum('a','?')`, … */
  columnType: string;
  charset: string | null;
  collation: string | null;
  nullable: boolean;
  /** EXTRA, lower case: 'auto_increment', 'on update current_timestamp()', 'virtual generated', … */
  extra: string;
  generated: boolean;
}

export interface InventoryKey {
  db: string;
  table: string;
  name: string;
  /** Column names in key order. */
  columns: string[];
}

export interface Inventory {
  /** Databases the dump will hold, in server order. */
  databases: string[];
  tables: InventoryTable[];
  /** Columns of the tables (base tables only), in ordinal order. */
  columns: InventoryColumn[];
  /** PRIMARY and UNIQUE keys of the tables; PRIMARY first. */
  uniqueKeys: InventoryKey[];
  /** --exclude-tables entries that name no table on the server (they exclude nothing). */
  unknownExcludes: string[];
}

/** `db.table` → [db, table]; the first dot splits (database names with dots cannot be excluded). */
export function parseTableName(text: string): [string, string] {
  const dot = text.indexOf('.');
  if (dot <= 0 || dot === text.length - 1) {
    throw new PitrError(ERROR_CODES.USAGE, `--exclude-tables: '${text}' is not db.table`, {
      hints: ['name each table with its database: --exclude-tables shop.sessions,shop.cache'],
    });
  }
  return [text.slice(0, dot), text.slice(dot + 1)];
}

type Row = RowDataPacket;

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/**
 * Reads the inventory of the databases in `scope`. Named databases must exist (USAGE error
 * otherwise, before anything is written).
 */
export async function readInventory(conn: SourceConnection, scope: BackupScope): Promise<Inventory> {
  const [schemaRows] = await conn.query<Row[]>('SELECT SCHEMA_NAME AS db FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME');
  const existing = schemaRows.map((r) => str(r['db'])!);
  let databases: string[];
  if (scope.databases === 'all') {
    databases = existing.filter((d) => !SYSTEM_SCHEMAS.includes(d.toLowerCase()));
  } else {
    const missing = scope.databases.filter((d) => !existing.includes(d));
    if (missing.length > 0) {
      throw new PitrError(ERROR_CODES.USAGE, `--databases: no database ${missing.map((d) => `'${d}'`).join(', ')} on the server`, {
        hints: [`databases on the server: ${existing.filter((d) => !SYSTEM_SCHEMAS.includes(d.toLowerCase())).join(', ') || '(none)'}`],
      });
    }
    databases = [...scope.databases];
  }
  const excluded = new Set(scope.excludeTables);
  if (databases.length === 0) {
    return { databases, tables: [], columns: [], uniqueKeys: [], unknownExcludes: [...excluded] };
  }
  const marks = databases.map(() => '?').join(',');

  const [engineRows] = await conn.query<Row[]>('SELECT ENGINE AS engine, TRANSACTIONS AS tx FROM information_schema.ENGINES');
  const transactional = new Set(engineRows.filter((r) => str(r['tx']) === 'YES').map((r) => str(r['engine'])!.toLowerCase()));

  const [tableRows] = await conn.query<Row[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, TABLE_TYPE AS type, ENGINE AS engine, TABLE_ROWS AS rowsEstimate
       FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (${marks}) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    databases,
  );
  const seen = new Set<string>();
  const tables: InventoryTable[] = [];
  for (const r of tableRows) {
    const db = str(r['db'])!;
    const name = str(r['name'])!;
    seen.add(`${db}.${name}`);
    if (excluded.has(`${db}.${name}`)) continue;
    const engine = str(r['engine']);
    const rows = str(r['rowsEstimate']);
    tables.push({
      db,
      name,
      type: str(r['type']) ?? '',
      engine,
      transactional: engine !== null && transactional.has(engine.toLowerCase()),
      rowsEstimate: rows === null ? null : Number(rows),
    });
  }
  const included = new Set(tables.map((t) => `${t.db}\0${t.name}`));

  const [columnRows] = await conn.query<Row[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType,
            CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation, IS_NULLABLE AS nullable, EXTRA AS extra, IS_GENERATED AS generated
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (${marks}) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    databases,
  );
  const columns: InventoryColumn[] = [];
  for (const r of columnRows) {
    const db = str(r['db'])!;
    const table = str(r['tbl'])!;
    if (!included.has(`${db}\0${table}`)) continue;
    const extra = (str(r['extra']) ?? '').toLowerCase();
    columns.push({
      db,
      table,
      name: str(r['name'])!,
      dataType: (str(r['dataType']) ?? '').toLowerCase(),
      columnType: str(r['columnType']) ?? '',
      charset: str(r['charset']),
      collation: str(r['collation']),
      nullable: str(r['nullable']) === 'YES',
      extra,
      generated: (str(r['generated']) ?? 'NEVER') !== 'NEVER' || /\b(virtual|stored|persistent)\b/.test(extra),
    });
  }

  const [keyRows] = await conn.query<Row[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, INDEX_NAME AS name, COLUMN_NAME AS col, SEQ_IN_INDEX AS seq
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN (${marks}) AND NON_UNIQUE = 0
      ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`,
    databases,
  );
  const uniqueKeys: InventoryKey[] = [];
  for (const r of keyRows) {
    const db = str(r['db'])!;
    const table = str(r['tbl'])!;
    if (!included.has(`${db}\0${table}`)) continue;
    const name = str(r['name'])!;
    const last = uniqueKeys[uniqueKeys.length - 1];
    const col = str(r['col']);
    if (last !== undefined && last.db === db && last.table === table && last.name === name) {
      last.columns.push(col ?? '');
    } else {
      // '' marks a key part that is an expression (MySQL functional key parts have no column)
      uniqueKeys.push({ db, table, name, columns: [col ?? ''] });
    }
  }

  const unknownExcludes = [...excluded].filter((t) => !seen.has(t));
  return { databases, tables, columns, uniqueKeys, unknownExcludes };
}
