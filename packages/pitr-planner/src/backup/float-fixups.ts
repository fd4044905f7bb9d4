/**
 * Exact FLOAT values in a mariadb-dump backup.
 *
 * The problem (BINLOG-NOTES.md "mariadb-dump lossy spots"): the server prints a FLOAT with 6
 * significant digits, and mariadb-dump writes what the server prints, so `1.1754943508e-38`
 * reloads as `1.17549e-38`, `16777216` as `16777200`, and `-0` as `0`. mariadb-dump has no option
 * against it, and a restore replays binlog row events (bit-exact) on top of the reloaded,
 * rounded values, so a backup that rounds is wrong forever after. DOUBLE is printed with 17
 * digits and is exact.
 *
 * The fix: for every row whose FLOAT value the dump's text does not reproduce, the backup writes
 * an UPDATE that sets the exact value, matched by a unique key (batched, see FixupWriter) into
 * the dump itself, right after the
 * table's data (after its `UNLOCK TABLES;`, before its triggers are created, so nothing fires),
 * inside the same gzip stream (dump-splicer.ts). The dump stays a plain, valid dump that any
 * `mariadb` client loads exactly; its trailer and coordinates are untouched.
 *
 * Why the values are the dump's values: the exact values are read in a session of our own that
 * holds a consistent snapshot (`START TRANSACTION WITH CONSISTENT SNAPSHOT`) opened, like the dump
 * tool's, while commits are paused (commit-barrier.ts). No transaction commits between the two
 * snapshots, so both see the same committed data. This is checked, not assumed: MariaDB reports
 * the binlog position of each consistent snapshot (Binlog_snapshot_file/position,
 * https://mariadb.com/kb/en/enhancements-for-start-transaction-with-consistent-snapshot/), and the
 * statements are written only when our position equals the one the dump prints; otherwise the
 * backup warns that FLOAT values are rounded. Non-transactional tables (Aria, MyISAM) are outside
 * every snapshot (also mariadb-dump's own), so their values are as of our read, with a warning.
 *
 * Why the literals are exact: the value is read as `CAST(col AS DOUBLE)` (float → double is exact;
 * the server prints doubles with 17 significant digits, enough to round-trip) plus its sign
 * (`ATAN2(col, -1) < 0` tells -0 from 0, which prints as `0`), and written with core's
 * renderFloat: the shortest decimal that the server's own conversion (text → double → float)
 * turns back into the same float, `-1e-50` for -0 (a literal -0 is stored as +0).
 *
 * Rows are found by the primary key, or a unique key over NOT NULL columns. A table without one,
 * with FLOAT in every such key, a key of a type we cannot write as a literal, or that is
 * system-versioned (an UPDATE would add history rows) is left as the dump wrote it, with a
 * warning. `ON UPDATE CURRENT_TIMESTAMP` columns are assigned to themselves so they keep their
 * dumped values. Generated columns are never written; STORED ones are recomputed by the UPDATE.
 */
import { ERROR_CODES, PitrError, isPitrError, quoteIdentifier, renderFloat } from '@pitr/core';
import type { Connection as CallbackConnection } from 'mysql2';
import type { RowDataPacket } from 'mysql2/promise';
import type { Inventory, InventoryColumn } from './source-inventory.js';
import type { SourceConnection } from './source-server.js';

/** How a key column is selected (as text), written back as a literal, and compared. */
interface KeyColumn {
  name: string;
  select: string;
  literal: (text: string) => string;
  /** Appended to the literal side of the comparison (` COLLATE x` for text: the column's own equality). */
  compare: string;
}

export interface FloatTable {
  db: string;
  table: string;
  /** The unique key the UPDATEs match on. */
  key: KeyColumn[];
  keyName: string;
  /** FLOAT columns to repair (not generated). */
  floats: string[];
  /** ON UPDATE CURRENT_TIMESTAMP columns, assigned to themselves. */
  touch: string[];
  transactional: boolean;
}

export interface FloatPlan {
  tables: FloatTable[];
  /** Tables with FLOAT columns the backup cannot repair, and why. */
  warnings: string[];
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'year']);
const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);
const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
/** Types whose text form, quoted, reads back as the same value (TIMESTAMP: both sessions use +00:00). */
const QUOTED_TEXT_TYPES = new Set(['date', 'datetime', 'timestamp', 'time', 'uuid', 'inet4', 'inet6']);

const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;
const HEX_TEXT = /^[0-9A-F]*$/i;

function keyColumn(c: InventoryColumn): KeyColumn | undefined {
  const q = quoteIdentifier(c.name);
  const name = c.name;
  if (INTEGER_TYPES.has(c.dataType)) {
    return { name, select: q, literal: (t) => (NUMBER_TEXT.test(t) ? t : badKey(t)), compare: '' };
  }
  if (c.dataType === 'bit') return { name, select: `${q} + 0`, literal: (t) => (NUMBER_TEXT.test(t) ? t : badKey(t)), compare: '' };
  const word = /^[a-z0-9_]+$/i;
  if (TEXT_TYPES.has(c.dataType) && c.charset !== null && word.test(c.charset) && c.collation !== null && word.test(c.collation)) {
    const charset = c.charset;
    return { name, select: `HEX(${q})`, literal: (t) => (HEX_TEXT.test(t) ? `_${charset} X'${t}'` : badKey(t)), compare: ` COLLATE ${c.collation}` };
  }
  if (BINARY_TYPES.has(c.dataType)) return { name, select: `HEX(${q})`, literal: (t) => (HEX_TEXT.test(t) ? `X'${t}'` : badKey(t)), compare: '' };
  if (QUOTED_TEXT_TYPES.has(c.dataType)) {
    return { name, select: q, literal: (t) => (/^[0-9A-Fa-f:.\- ]*$/.test(t) ? `'${t}'` : badKey(t)), compare: '' };
  }
  return undefined;
}

function badKey(text: string): never {
  throw new Error(`unexpected key text ${JSON.stringify(text.slice(0, 40))}`);
}

function tableName(db: string, table: string): string {
  return `${db}.${table}`;
}

/** Which tables get exact FLOAT statements, and which cannot (with warnings). */
export function planFloatFixups(inventory: Inventory): FloatPlan {
  const byTable = new Map<string, InventoryColumn[]>();
  for (const c of inventory.columns) {
    const k = `${c.db}\0${c.table}`;
    let list = byTable.get(k);
    if (list === undefined) byTable.set(k, (list = []));
    list.push(c);
  }
  const tables: FloatTable[] = [];
  const warnings: string[] = [];
  for (const t of inventory.tables) {
    const columns = byTable.get(`${t.db}\0${t.name}`) ?? [];
    const floats = columns.filter((c) => c.dataType === 'float' && !c.generated);
    if (floats.length === 0 || (t.type !== 'BASE TABLE' && t.type !== 'SYSTEM VERSIONED')) continue;
    const name = tableName(t.db, t.name);
    const rounded = `FLOAT values of ${name} are restored with 6 significant digits (as mariadb-dump prints them)`;
    if (t.type === 'SYSTEM VERSIONED') {
      warnings.push(`${rounded}: it is system-versioned, and correcting rows would add history rows`);
      continue;
    }
    const byName = new Map(columns.map((c) => [c.name, c]));
    let chosen: { name: string; key: KeyColumn[] } | undefined;
    let why = 'it has no primary key or unique key over NOT NULL columns';
    for (const k of inventory.uniqueKeys.filter((u) => u.db === t.db && u.table === t.name)) {
      const cols = k.columns.map((n) => byName.get(n));
      if (cols.some((c) => c === undefined || c.nullable)) continue;
      if (cols.some((c) => c!.dataType === 'float' || c!.dataType === 'double')) {
        why = 'its unique keys contain floating-point columns';
        continue;
      }
      const key = cols.map((c) => keyColumn(c!));
      if (key.some((c) => c === undefined)) {
        why = `its unique key ${k.name} has a column type pitr cannot match on`;
        continue;
      }
      chosen = { name: k.name, key: key as KeyColumn[] };
      break;
    }
    if (chosen === undefined) {
      warnings.push(`${rounded}: ${why}`);
      continue;
    }
    if (!t.transactional) {
      warnings.push(
        `${name} (engine ${t.engine ?? '?'}) is not transactional: its exact FLOAT values are read after the dump's, outside any snapshot; a write in between makes them newer than the rest of the dump`,
      );
    }
    tables.push({
      db: t.db,
      table: t.name,
      key: chosen.key,
      keyName: chosen.name,
      floats: floats.map((c) => c.name),
      touch: columns.filter((c) => !c.generated && /\bon update\b/.test(c.extra)).map((c) => c.name),
      transactional: t.transactional,
    });
  }
  return { tables, warnings };
}

/** A binlog position as MariaDB reports it for a consistent snapshot. */
export interface SnapshotPosition {
  file: string;
  pos: number;
}

/**
 * The float text the dump printed, as the server reloads it: parsed as a double, then rounded to
 * float (Field_float::store(double)); Math.fround rounds the same way (IEEE nearest-even).
 */
export function reloadedFloat(dumpedText: string): number {
  return Math.fround(Number(dumpedText));
}

/** The exact float from `CAST(col AS DOUBLE)` text and the sign flag (for -0, which prints as 0). */
export function exactFloat(doubleText: string, negativeZero: boolean): number {
  const v = Math.fround(Number(doubleText));
  return v === 0 && negativeZero ? -0 : v;
}

/** Rows per UPDATE … JOIN statement, and a size cap for tables with long text keys. */
const ROWS_PER_STATEMENT = 1000;
const STATEMENT_BYTES = 256 * 1024;
/** Aliases in the statements (fixed names, so they never collide with each other). */
const ROW = '`pitr_row`';
const EXACT = '`pitr_exact`';

/**
 * Turns rows (key literals + exact floats) into SQL text for the dump. Rows go in batches:
 *
 *   UPDATE `t` AS `pitr_row` JOIN (SELECT 1 AS `k0`, 1.1754944e-38 AS `f0` UNION ALL SELECT 2, …)
 *     AS `pitr_exact` ON `pitr_row`.`id` = `pitr_exact`.`k0` SET `pitr_row`.`f` = `pitr_exact`.`f0`;
 *
 * one statement per 1000 rows instead of one per row (about 10× faster to load). The derived
 * table's columns are DOUBLE (every literal has an exponent), which holds each float exactly.
 * A row with a -0 value gets a statement of its own with the literal itself, the one form proven
 * to keep the sign (core renderFloat's `-1e-50`); text keys compare with the column's collation,
 * so each row matches exactly the row its unique key names.
 */
export class FixupWriter {
  readonly #t: FloatTable;
  readonly #table: string;
  readonly #touch: string[];
  #batch: string[] = [];
  #batchBytes = 0;
  rows = 0;

  constructor(t: FloatTable) {
    this.#t = t;
    this.#table = quoteIdentifier(t.table);
    this.#touch = t.touch.map((c) => `${ROW}.${quoteIdentifier(c)} = ${ROW}.${quoteIdentifier(c)}`);
  }

  /** Adds a row; returns text to write when a batch is full. */
  add(keys: readonly string[], exact: readonly (number | null)[]): string | undefined {
    let out = this.rows === 0 ? this.#header() : '';
    this.rows++;
    if (exact.some((v) => v !== null && Object.is(v, -0))) {
      const sets = exact.map((v, i) => `${ROW}.${quoteIdentifier(this.#t.floats[i]!)} = ${v === null ? 'NULL' : renderFloat(v)}`);
      const where = this.#t.key.map((k, i) => `${ROW}.${quoteIdentifier(k.name)} = ${keys[i]}${k.compare}`).join(' AND ');
      out += `\nUPDATE ${this.#table} AS ${ROW} SET ${[...sets, ...this.#touch].join(', ')} WHERE ${where};`;
      return out;
    }
    const first = this.#batch.length === 0;
    const values = [
      ...keys.map((k, i) => (first ? `${k} AS ${quoteIdentifier(`k${i}`)}` : k)),
      ...exact.map((v, i) => {
        const lit = v === null ? 'NULL' : renderFloat(v);
        return first ? `${lit} AS ${quoteIdentifier(`f${i}`)}` : lit;
      }),
    ];
    const part = `SELECT ${values.join(', ')}`;
    this.#batch.push(part);
    this.#batchBytes += part.length;
    if (this.#batch.length >= ROWS_PER_STATEMENT || this.#batchBytes >= STATEMENT_BYTES) out += this.#flush();
    return out === '' ? undefined : out;
  }

  /** The rest, if any. */
  end(): string | undefined {
    const out = this.#flush();
    return out === '' ? undefined : out;
  }

  #header(): string {
    return (
      `\n-- pitr: exact FLOAT values of ${this.#table}: the data above has FLOAT with the 6 significant digits ` +
      `mariadb-dump prints; these statements give the rows (matched by key ${quoteIdentifier(this.#t.keyName)}) their exact values back`
    );
  }

  #flush(): string {
    if (this.#batch.length === 0) return '';
    const on = this.#t.key.map((k, i) => `${ROW}.${quoteIdentifier(k.name)} = ${EXACT}.${quoteIdentifier(`k${i}`)}${k.compare}`).join(' AND ');
    const sets = this.#t.floats.map((f, i) => `${ROW}.${quoteIdentifier(f)} = ${EXACT}.${quoteIdentifier(`f${i}`)}`);
    const sql = `\nUPDATE ${this.#table} AS ${ROW} JOIN (${this.#batch.join(' UNION ALL ')}) AS ${EXACT} ON ${on} SET ${[...sets, ...this.#touch].join(', ')};`;
    this.#batch = [];
    this.#batchBytes = 0;
    return sql;
  }
}

/**
 * Our consistent-snapshot session. Opened while commits are paused, it reads the exact FLOAT values
 * of each table when the dump reaches that table.
 */
export class FloatSnapshot {
  readonly #conn: SourceConnection;
  readonly position: SnapshotPosition | undefined;
  /** Rows that got a statement, per `db.table`. */
  readonly fixedRows = new Map<string, number>();

  private constructor(conn: SourceConnection, position: SnapshotPosition | undefined) {
    this.#conn = conn;
    this.position = position;
  }

  /**
   * Starts the snapshot on `conn`, a session of its own created with a typeCast that returns every
   * value as text (or null): the exact values must not pass through JavaScript numbers' parsing of
   * the server's FLOAT text.
   */
  static async open(conn: SourceConnection): Promise<FloatSnapshot> {
    let rows: RowDataPacket[];
    try {
      await conn.query("SET SESSION time_zone = '+00:00'");
      await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      [rows] = await conn.query<RowDataPacket[]>("SHOW STATUS LIKE 'binlog_snapshot_%'");
    } catch (e) {
      throw sessionError('could not open the snapshot for exact FLOAT values', e);
    }
    let file: string | undefined;
    let pos: number | undefined;
    for (const r of rows) {
      const name = String(r['Variable_name'] ?? '').toLowerCase();
      if (name === 'binlog_snapshot_file') file = String(r['Value'] ?? '');
      if (name === 'binlog_snapshot_position') pos = Number(r['Value']);
    }
    const position = file !== undefined && file !== '' && pos !== undefined && Number.isSafeInteger(pos) ? { file, pos } : undefined;
    return new FloatSnapshot(conn, position);
  }

  /**
   * The statements that give `t` its exact FLOAT values, as text chunks (streamed from the
   * server: a large table is never held in memory). Nothing when every value survives the dump.
   */
  async *statements(t: FloatTable): AsyncGenerator<string> {
    try {
      yield* this.#statements(t);
    } catch (e) {
      throw sessionError(`reading the exact FLOAT values of ${tableName(t.db, t.table)} failed`, e);
    }
  }

  async *#statements(t: FloatTable): AsyncGenerator<string> {
    const keySelect = t.key.map((k, i) => `${k.select} AS k${i}`);
    const floatSelect = t.floats.map((f, i) => {
      const q = quoteIdentifier(f);
      return `${q} AS f${i}t, CAST(${q} AS DOUBLE) AS f${i}x, (${q} = 0 AND ATAN2(${q}, -1) < 0) AS f${i}n`;
    });
    const sql = `SELECT ${[...keySelect, ...floatSelect].join(', ')} FROM ${quoteIdentifier(t.db)}.${quoteIdentifier(t.table)}`;
    // Streaming (with backpressure) exists on the callback connection under the promise wrapper,
    // which mysql2's typings do not declare.
    const core = (this.#conn as unknown as { connection: CallbackConnection }).connection;
    const stream = core.query(sql).stream({ highWaterMark: 256 });
    const writer = new FixupWriter(t);
    for await (const row of stream as AsyncIterable<Record<string, string | null>>) {
      const exact: (number | null)[] = [];
      let changed = false;
      for (let i = 0; i < t.floats.length; i++) {
        const text = row[`f${i}t`];
        const exactText = row[`f${i}x`];
        if (text === null || text === undefined || exactText === null || exactText === undefined) {
          exact.push(null);
          continue;
        }
        const v = exactFloat(exactText, row[`f${i}n`] === '1');
        exact.push(v);
        if (!Object.is(reloadedFloat(text), v)) changed = true;
      }
      if (!changed) continue;
      const out = writer.add(
        t.key.map((k, i) => k.literal(String(row[`k${i}`]))),
        exact,
      );
      if (out !== undefined) yield out;
    }
    const last = writer.end();
    if (last !== undefined) yield last;
    if (writer.rows > 0) this.fixedRows.set(tableName(t.db, t.table), writer.rows);
  }

  /** Ends the snapshot. Never throws. */
  async close(): Promise<void> {
    await this.#conn.query('COMMIT').catch(() => undefined);
  }
}

function sessionError(what: string, e: unknown): PitrError {
  if (isPitrError(e)) return e;
  return new PitrError(ERROR_CODES.CONNECTION, `${what}: ${e instanceof Error ? e.message : String(e)}`, {
    cause: e,
    hints: ['the session pitr keeps open beside the dump tool was refused or lost; run the backup again'],
  });
}
