/**
 * A byte-exact, diffable fingerprint of some databases on a server: every table's definition and
 * rows, and every trigger, routine, view, event and sequence. Two servers hold the same data and
 * schema exactly when their fingerprints are equal, so a point-in-time restore is checked by
 * comparing the restored server's fingerprint with the one recorded on the source at that moment.
 *
 * What is compared, and how each value is made exact:
 * - Strings, BLOBs, BINARY, ENUM/SET, JSON (LONGTEXT in MariaDB), geometry, UUID/INET4/INET6:
 *   `HEX(col)` — the stored bytes in the column's own character set, no conversion.
 * - Integers, DECIMAL, YEAR, DATE, TIME, DATETIME: `CAST(col AS CHAR)` — exact, with all fractional
 *   digits of the column. Not HEX(): on a number HEX() converts to a 64-bit integer first
 *   (`HEX(1.5)` = '2'), which hides every fraction.
 * - TIMESTAMP: `CAST(col AS CHAR)` with the session time_zone forced to '+00:00' (UTC has no DST
 *   gaps or folds, so the text is a bijection of the stored epoch value).
 * - DOUBLE: `CAST(col AS CHAR)` prints the shortest text that round-trips (checked on 10.11:
 *   1.7976931348623157e308, 9.007199254740992e15). FLOAT: cast to DOUBLE first (exact widening);
 *   the FLOAT's own text has 6 significant digits (`1.17549e-38`) and would hide differences.
 * - BIT: `HEX(col)` — here HEX() of the integer value, which is exact for BIT(1..64).
 * - NULL stays `null`, distinct from the empty string `''`.
 * - Values longer than 512 hex digits are kept as `#<bytes>:<sha256 of the hex>:<first 32 hex>`:
 *   still byte-exact to compare, but a fingerprint of a 70 KB BLOB stays small.
 * Rows are ordered by the primary key (the same definition orders alike on both servers); tables
 * without one are sorted by their fingerprint text, so duplicate rows (legal without a key) compare
 * as a multiset.
 *
 * Definitions come from SHOW CREATE TABLE (columns with full types, defaults and generated
 * expressions, indexes, foreign keys, engine, charset, comments) with one normalisation: the
 * `AUTO_INCREMENT=N` table option is removed and kept apart in `autoIncrement`, which
 * diffFingerprints ignores unless asked. Why: the counter is not data and cannot be restored from a
 * binlog. A rolled-back INSERT, an `INSERT ... ON DUPLICATE KEY UPDATE` that updated, or a REPLACE
 * consume ids on the source without logging anything (ROW format carries only the values written),
 * so a replayed server ends with counter = max(id) + 1 (or the dump's value) while the source's is
 * higher. An exact restore still never hands out an id that exists (InnoDB keeps the counter
 * above max(id)), which is what matters.
 *
 * Blind spot: SHOW CREATE TABLE (and information_schema) print 4-byte characters of ENUM/SET
 * members as '?', so a definition that lost such a member is seen only through the rows (the HEX
 * of the member text), not through `definition`.
 *
 * Triggers (information_schema.TRIGGERS: table, timing, event, order, statement, sql_mode, definer),
 * routines (SHOW CREATE PROCEDURE/FUNCTION + sql_mode), views (SHOW CREATE VIEW), events
 * (SHOW CREATE EVENT, including ENABLE/DISABLE, sql_mode and time_zone) and sequences (SHOW CREATE
 * SEQUENCE plus the stored row, `next_not_cached_value` included) are compared as text. Timestamps
 * of creation (`Created`, `LAST_ALTERED`) are not part of a fingerprint: a restore creates objects
 * anew.
 *
 * The whole fingerprint is read in one `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`, so
 * an open transaction on another connection (whose rows are not committed) is invisible and never
 * blocks the read.
 *
 * Functions used: https://mariadb.com/kb/en/hex/, https://mariadb.com/kb/en/cast/,
 * https://mariadb.com/kb/en/show-create-table/, https://mariadb.com/kb/en/information-schema-triggers-table/
 */
import { createHash } from 'node:crypto';
import type { Connection } from 'mysql2/promise';

/** A value as fingerprinted: exact text (see the file comment), or null for SQL NULL. */
export type FingerprintValue = string | null;

export interface TableFingerprint {
  /** SHOW CREATE TABLE without the `AUTO_INCREMENT=N` table option. */
  readonly definition: string;
  /** The removed `AUTO_INCREMENT=N` value, or null. Informational: not compared by default. */
  readonly autoIncrement: string | null;
  /** Column names in table order; each row has one value per column. */
  readonly columns: readonly string[];
  /** Names of the columns identifying a row (the primary key), empty when the table has none. */
  readonly key: readonly string[];
  readonly rowCount: number;
  /** sha256 over all rows, for a quick equality check. */
  readonly digest: string;
  readonly rows: readonly (readonly FingerprintValue[])[];
}

export interface TriggerFingerprint {
  readonly table: string;
  /** e.g. 'AFTER INSERT'. */
  readonly timing: string;
  readonly order: number;
  readonly statement: string;
  readonly sqlMode: string;
  readonly definer: string;
}

export interface SequenceFingerprint {
  /** SHOW CREATE SEQUENCE. */
  readonly definition: string;
  /** The sequence table's single row (`next_not_cached_value`, …) as `name=value` pairs. */
  readonly state: string;
}

export interface DatabaseFingerprint {
  readonly exists: boolean;
  /** SHOW CREATE DATABASE (charset and collation), '' when the database does not exist. */
  readonly definition: string;
  readonly tables: Readonly<Record<string, TableFingerprint>>;
  readonly views: Readonly<Record<string, string>>;
  readonly sequences: Readonly<Record<string, SequenceFingerprint>>;
  readonly triggers: Readonly<Record<string, TriggerFingerprint>>;
  /** Keyed `PROCEDURE name` / `FUNCTION name`; the value is SHOW CREATE text plus its sql_mode. */
  readonly routines: Readonly<Record<string, string>>;
  /** SHOW CREATE EVENT text plus sql_mode and time_zone. */
  readonly events: Readonly<Record<string, string>>;
}

export interface Fingerprint {
  /** Keyed by database name, in the order asked for. */
  readonly databases: Readonly<Record<string, DatabaseFingerprint>>;
}

export interface FingerprintOptions {
  /** Databases to fingerprint; a database that does not exist is recorded as `exists: false`. */
  databases: readonly string[];
}

/** Values longer than this many hex digits are replaced by their length and sha256 (see top). */
const MAX_INLINE_HEX = 512;

const NUMERIC_OR_TEMPORAL = new Set([
  'tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'decimal', 'year', 'date', 'time', 'datetime', 'timestamp', 'double',
]);

type Row = Record<string, unknown>;

const ident = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

/** The SELECT expression giving a column's exact text (see the file comment for each choice). */
function valueExpression(column: string, dataType: string): string {
  const c = ident(column);
  if (dataType === 'float') return `CAST(CAST(${c} AS DOUBLE) AS CHAR)`;
  if (NUMERIC_OR_TEMPORAL.has(dataType)) return `CAST(${c} AS CHAR)`;
  return `HEX(${c})`;
}

function compactValue(v: unknown): FingerprintValue {
  if (v === null || v === undefined) return null;
  const s = Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
  if (s.length <= MAX_INLINE_HEX) return s;
  return `#${s.length / 2}:${createHash('sha256').update(s).digest('hex')}:${s.slice(0, 32)}`;
}

async function query<T extends Row = Row>(conn: Connection, sql: string, values?: unknown[]): Promise<T[]> {
  const [rows] = await conn.query(sql, values);
  return rows as T[];
}

function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

async function tableFingerprint(conn: Connection, db: string, table: string): Promise<TableFingerprint> {
  const [create] = await query(conn, `SHOW CREATE TABLE ${ident(db)}.${ident(table)}`);
  const rawDefinition = str(create?.['Create Table']);
  const auto = /\sAUTO_INCREMENT=(\d+)/.exec(rawDefinition);
  const definition = rawDefinition.replace(/\sAUTO_INCREMENT=\d+/, '');

  const cols = await query<{ name: string; type: string }>(
    conn,
    'SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [db, table],
  );
  const key = (
    await query<{ name: string }>(
      conn,
      "SELECT COLUMN_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
      [db, table],
    )
  ).map((r) => str(r.name));

  const columns = cols.map((c) => str(c.name));
  const select = cols.map((c) => valueExpression(str(c.name), str(c.type).toLowerCase())).join(', ');
  const order = key.length > 0 ? ` ORDER BY ${key.map(ident).join(', ')}` : '';
  const [raw] = await conn.query({ sql: `SELECT ${select} FROM ${ident(db)}.${ident(table)}${order}`, rowsAsArray: true });
  const rows = (raw as unknown[][]).map((r) => r.map(compactValue));
  if (key.length === 0) {
    const keyed = rows.map((r) => [JSON.stringify(r), r] as const);
    keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    rows.splice(0, rows.length, ...keyed.map((k) => k[1]));
  }
  const hash = createHash('sha256');
  for (const r of rows) hash.update(JSON.stringify(r)).update('\n');
  return {
    definition,
    autoIncrement: auto?.[1] ?? null,
    columns,
    key,
    rowCount: rows.length,
    digest: hash.digest('hex'),
    rows,
  };
}

async function databaseFingerprint(conn: Connection, db: string): Promise<DatabaseFingerprint> {
  const exists = await query(conn, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db]);
  if (exists.length === 0) {
    return { exists: false, definition: '', tables: {}, views: {}, sequences: {}, triggers: {}, routines: {}, events: {} };
  }
  const [createDb] = await query(conn, `SHOW CREATE DATABASE ${ident(db)}`);
  const objects = await query<{ name: string; type: string }>(
    conn,
    'SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [db],
  );
  const tables: Record<string, TableFingerprint> = {};
  const views: Record<string, string> = {};
  const sequences: Record<string, SequenceFingerprint> = {};
  for (const o of objects) {
    const name = str(o.name);
    const type = str(o.type);
    if (type === 'VIEW') {
      const [v] = await query(conn, `SHOW CREATE VIEW ${ident(db)}.${ident(name)}`);
      views[name] = str(v?.['Create View']);
    } else if (type === 'SEQUENCE') {
      const [s] = await query(conn, `SHOW CREATE SEQUENCE ${ident(db)}.${ident(name)}`);
      const [row] = await query(conn, `SELECT * FROM ${ident(db)}.${ident(name)}`);
      const state = Object.entries(row ?? {})
        .map(([k, v]) => `${k}=${str(v)}`)
        .join(' ');
      sequences[name] = { definition: str(s?.['Create Table']), state };
    } else {
      tables[name] = await tableFingerprint(conn, db, name);
    }
  }

  const triggers: Record<string, TriggerFingerprint> = {};
  for (const t of await query(
    conn,
    `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event,
            ACTION_ORDER AS ord, ACTION_STATEMENT AS stmt, SQL_MODE AS sqlMode, DEFINER AS definer
       FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY TRIGGER_NAME`,
    [db],
  )) {
    triggers[str(t.name)] = {
      table: str(t.tbl),
      timing: `${str(t.timing)} ${str(t.event)}`,
      order: Number(t.ord),
      statement: str(t.stmt),
      sqlMode: str(t.sqlMode),
      definer: str(t.definer),
    };
  }

  const routines: Record<string, string> = {};
  for (const r of await query(
    conn,
    'SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_TYPE, ROUTINE_NAME',
    [db],
  )) {
    const type = str(r.type);
    const name = str(r.name);
    const [c] = await query(conn, `SHOW CREATE ${type} ${ident(db)}.${ident(name)}`);
    const text = type === 'FUNCTION' ? c?.['Create Function'] : c?.['Create Procedure'];
    routines[`${type} ${name}`] = `${str(text)}\n-- sql_mode=${str(c?.['sql_mode'])}`;
  }

  const events: Record<string, string> = {};
  for (const e of await query(
    conn,
    'SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME',
    [db],
  )) {
    const name = str(e.name);
    const [c] = await query(conn, `SHOW CREATE EVENT ${ident(db)}.${ident(name)}`);
    events[name] = `${str(c?.['Create Event'])}\n-- sql_mode=${str(c?.['sql_mode'])} time_zone=${str(c?.['time_zone'])}`;
  }

  return { exists: true, definition: str(createDb?.['Create Database']), tables, views, sequences, triggers, routines, events };
}

/**
 * Fingerprints `databases` through `conn` (any user that can read them). The session's time_zone
 * is set to '+00:00' for the read and put back afterwards. Reads in its own transaction: do not
 * pass a connection with an open transaction (starting one commits it).
 */
export async function fingerprintServer(conn: Connection, options: FingerprintOptions): Promise<Fingerprint> {
  const [saved] = await query(conn, 'SELECT @@SESSION.time_zone AS tz');
  await conn.query("SET SESSION time_zone = '+00:00'");
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  try {
    const databases: Record<string, DatabaseFingerprint> = {};
    for (const db of options.databases) databases[db] = await databaseFingerprint(conn, db);
    return { databases };
  } finally {
    await conn.query('COMMIT');
    await conn.query('SET SESSION time_zone = ?', [str(saved?.tz)]);
  }
}

export interface DiffOptions {
  /** Differing rows listed per table before summarising. Default 5. */
  maxRowsPerTable?: number;
  /** Also compare the AUTO_INCREMENT counters (see the file comment for why not by default). */
  autoIncrement?: boolean;
}

function shorten(v: FingerprintValue, max = 80): string {
  if (v === null) return 'NULL';
  return v.length > max ? `${v.slice(0, max)}…(${v.length})` : v;
}

/** The first line where two texts differ, for a one-line message. */
function firstLineDiff(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: ${JSON.stringify(la[i] ?? '(none)')} vs ${JSON.stringify(lb[i] ?? '(none)')}`;
  }
  return '(same text)';
}

function diffNamed<T>(
  out: string[],
  where: string,
  kind: string,
  a: Readonly<Record<string, T>>,
  b: Readonly<Record<string, T>>,
  render: (v: T) => string,
): void {
  for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[name];
    const y = b[name];
    if (x === undefined) out.push(`${where}: ${kind} ${name} only in second`);
    else if (y === undefined) out.push(`${where}: ${kind} ${name} only in first`);
    else {
      const rx = render(x);
      const ry = render(y);
      if (rx !== ry) out.push(`${where}: ${kind} ${name} differs: ${firstLineDiff(rx, ry)}`);
    }
  }
}

function diffRows(out: string[], where: string, a: TableFingerprint, b: TableFingerprint, max: number): void {
  if (a.digest === b.digest && a.rowCount === b.rowCount) return;
  if (a.columns.join(',') !== b.columns.join(',')) {
    out.push(`${where}: rows not compared (columns differ: ${a.columns.join(',')} vs ${b.columns.join(',')})`);
    return;
  }
  const keyIndexes = a.key.map((k) => a.columns.indexOf(k));
  const keyOf = (r: readonly FingerprintValue[]): string =>
    keyIndexes.length > 0 ? JSON.stringify(keyIndexes.map((i) => r[i])) : JSON.stringify(r);
  // Multimaps, so tables without a key compare as multisets of rows.
  const index = (rows: readonly (readonly FingerprintValue[])[]): Map<string, (readonly FingerprintValue[])[]> => {
    const m = new Map<string, (readonly FingerprintValue[])[]>();
    for (const r of rows) {
      const k = keyOf(r);
      const list = m.get(k);
      if (list) list.push(r);
      else m.set(k, [r]);
    }
    return m;
  };
  const ma = index(a.rows);
  const mb = index(b.rows);
  const lines: string[] = [];
  const label = (r: readonly FingerprintValue[]): string =>
    keyIndexes.length > 0
      ? a.key.map((k, i) => `${k}=${shorten(r[keyIndexes[i]!] ?? null, 40)}`).join(',')
      : r.map((v) => shorten(v, 20)).join(',');
  for (const [k, ra] of ma) {
    const rb = mb.get(k) ?? [];
    const n = Math.max(ra.length, rb.length);
    for (let i = 0; i < n; i++) {
      const x = ra[i];
      const y = rb[i];
      if (x && !y) lines.push(`row only in first: (${label(x)})`);
      else if (!x && y) lines.push(`row only in second: (${label(y)})`);
      else if (x && y) {
        const cols = a.columns.filter((_, c) => x[c] !== y[c]);
        if (cols.length > 0) {
          const detail = cols
            .slice(0, 3)
            .map((c) => {
              const ci = a.columns.indexOf(c);
              return `${c}: ${shorten(x[ci] ?? null)} vs ${shorten(y[ci] ?? null)}`;
            })
            .join('; ');
          lines.push(`row (${label(x)}) differs: ${detail}${cols.length > 3 ? `; +${cols.length - 3} more columns` : ''}`);
        }
      }
    }
  }
  for (const [k, rb] of mb) if (!ma.has(k)) for (const y of rb) lines.push(`row only in second: (${label(y)})`);
  out.push(`${where}: ${a.rowCount} vs ${b.rowCount} rows, ${lines.length} differing`);
  for (const l of lines.slice(0, max)) out.push(`  ${where}: ${l}`);
  if (lines.length > max) out.push(`  ${where}: … and ${lines.length - max} more`);
}

/**
 * Human-readable differences between two fingerprints ('first' = a, 'second' = b), empty when they
 * are equal. Row differences are matched by primary key and listed up to `maxRowsPerTable` per
 * table.
 */
export function diffFingerprints(a: Fingerprint, b: Fingerprint, options: DiffOptions = {}): string[] {
  const max = options.maxRowsPerTable ?? 5;
  const out: string[] = [];
  for (const db of new Set([...Object.keys(a.databases), ...Object.keys(b.databases)])) {
    const x = a.databases[db];
    const y = b.databases[db];
    if (!x || !y) {
      out.push(`database ${db}: fingerprinted only in ${x ? 'first' : 'second'}`);
      continue;
    }
    if (x.exists !== y.exists) {
      out.push(`database ${db}: ${x.exists ? 'exists only in first' : 'exists only in second'}`);
      continue;
    }
    if (x.definition !== y.definition) out.push(`database ${db}: definition differs: ${firstLineDiff(x.definition, y.definition)}`);
    for (const t of new Set([...Object.keys(x.tables), ...Object.keys(y.tables)])) {
      const ta = x.tables[t];
      const tb = y.tables[t];
      const where = `${db}.${t}`;
      if (!ta || !tb) {
        out.push(`${where}: table only in ${ta ? 'first' : 'second'}${ta ? ` (${ta.rowCount} rows)` : tb ? ` (${tb.rowCount} rows)` : ''}`);
        continue;
      }
      if (ta.definition !== tb.definition) out.push(`${where}: definition differs: ${firstLineDiff(ta.definition, tb.definition)}`);
      if (options.autoIncrement && ta.autoIncrement !== tb.autoIncrement) {
        out.push(`${where}: AUTO_INCREMENT ${ta.autoIncrement ?? 'none'} vs ${tb.autoIncrement ?? 'none'}`);
      }
      diffRows(out, where, ta, tb, max);
    }
    diffNamed(out, db, 'view', x.views, y.views, (v) => v);
    diffNamed(out, db, 'sequence', x.sequences, y.sequences, (s) => `${s.definition}\n${s.state}`);
    diffNamed(out, db, 'trigger', x.triggers, y.triggers, (t) =>
      [`${t.table} ${t.timing} #${t.order}`, t.statement, `sql_mode=${t.sqlMode}`, `definer=${t.definer}`].join('\n'),
    );
    diffNamed(out, db, 'routine', x.routines, y.routines, (r) => r);
    diffNamed(out, db, 'event', x.events, y.events, (e) => e);
  }
  return out;
}
