/**
 * ROWS events → SQL statements that make the same change on a target server (the restore applier).
 *
 * Why SQL rather than `BINLOG '…'` statements: we decide what is applied (transaction by
 * transaction, per table for granular restores, with names rewritten for --rewrite-db), and every
 * value goes through our exact literal rendering (sql/literal.ts, round-trip tested on a server).
 * The traps of turning rows into SQL (../shared/BINLOG-NOTES.md) are handled here and in
 * binlog-applier.ts:
 *  - generated columns (STORED and VIRTUAL) are logged with their values but never written: they
 *    are left out of INSERT column lists and UPDATE SET lists, and out of WHERE (they follow from
 *    the other columns);
 *  - a column absent from a MINIMAL/NOBLOB image is neither written nor matched;
 *  - an UPDATE/DELETE must find its before image: the statement matches every logged column
 *    exactly (renderMatch: byte comparison where a collation would over-match) and the caller
 *    checks the matched row count (`expectRows`), so a target that drifted from the source stops
 *    the replay instead of silently changing other rows.
 *
 * Matching "exactly once": when the image holds every stored column of the table, two matching
 * rows are byte-identical (a table without a unique key may hold duplicates), so changing either is
 * the same change: LIMIT 1, and one row must match. With a partial image (MINIMAL: only the key)
 * two matches mean the key is not unique on the target: LIMIT 2, so the count exposes it.
 *
 * Literals need LITERAL_SESSION (time_zone '+00:00', sql_mode NO_AUTO_VALUE_ON_ZERO, utf8mb4);
 * values are rendered as `_utf8mb4 X'…'` (WHERE clauses also compare text as text, for the index),
 * so statements must be sent as UTF-8.
 */
import type { ColumnDef, RowsBody, TableMapBody } from '../binlog/types.js';
import type { ColumnValue, RowImage } from '../binlog/columns/values.js';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import { quoteIdentifier, renderDouble, renderLiteral, renderMatch } from '../sql/literal.js';

const MYSQL_TYPE_FLOAT = 4;

/** One statement and the row count it must report (affected rows for INSERT/DELETE, matched rows for UPDATE). */
export interface RowStatement {
  readonly sql: string;
  readonly expectRows: number;
  /** Which row change(s) of the event it applies (0-based), for error messages. */
  readonly rowIndex: number;
  /** 'check': a SELECT that must return expectRows rows (an update that writes nothing). */
  readonly kind: 'insert' | 'update' | 'delete' | 'check';
  /**
   * UPDATE/DELETE of a row with FLOAT values: the same statement that also accepts each FLOAT at
   * the value `mariadb-dump` printed for it (6 significant digits, ../shared/BINLOG-NOTES.md), for
   * rows restored from such a dump. Used only when the exact statement finds no row.
   */
  readonly relaxedSql?: string;
}

export interface RowStatementOptions {
  /** Database name to write to instead of the logged one (--rewrite-db). */
  readonly targetDb?: (db: string) => string;
  /**
   * Largest INSERT statement to build (bytes of SQL, roughly): a rows event's rows are split over
   * several INSERTs beyond it. Default 4 MiB (under MariaDB's default max_allowed_packet of 16 MiB).
   */
  readonly maxInsertBytes?: number;
  /** Match FLOAT values exactly or at their 6-digit dump value from the start (see relaxedSql). */
  readonly relaxFloat?: boolean;
}

const DEFAULT_MAX_INSERT_BYTES = 4 << 20;

/** Table name as `db`.`table` for SQL. */
export function qualifiedName(db: string, table: string): string {
  return `${quoteIdentifier(db)}.${quoteIdentifier(table)}`;
}

/** Per table map: which columns may be written, and their quoted names. Cached per TableMapBody. */
export interface TablePlan {
  readonly name: string;
  readonly writable: readonly boolean[];
  readonly quoted: readonly string[];
}

const plans = new WeakMap<TableMapBody, Map<string, TablePlan>>();

/** Internal to apply/: which columns are written and their quoted names (net-effect.ts). */
export function tablePlan(table: TableMapBody, db: string): TablePlan {
  let byDb = plans.get(table);
  if (byDb === undefined) {
    byDb = new Map();
    plans.set(table, byDb);
  }
  let plan = byDb.get(db);
  if (plan !== undefined) return plan;
  const quoted: string[] = [];
  const writable: boolean[] = [];
  for (const c of table.columns) {
    if (c.name === undefined || c.generated === undefined) {
      throw new PitrError(
        ERROR_CODES.SCHEMA,
        `cannot apply rows of ${table.db}.${table.table}: column ${c.index + 1} has no ${c.name === undefined ? 'name' : 'known generated/stored status'} (the binlog has binlog_row_metadata=NO_LOG/MINIMAL and no table definition is known here)`,
        { hints: ['the definition comes from the backup and the DDL in the binlogs; a statement pitr could not follow leaves it unknown: see the warnings above'] },
      );
    }
    quoted.push(quoteIdentifier(c.name));
    writable.push(!c.generated);
  }
  plan = { name: qualifiedName(db, table.table), writable, quoted };
  byDb.set(db, plan);
  return plan;
}

function sameDb(db: string): string {
  return db;
}

/** SQL statements for one rows event, in row order. */
export function rowStatements(body: RowsBody, options: RowStatementOptions = {}): RowStatement[] {
  const table = body.table;
  const plan = tablePlan(table, (options.targetDb ?? sameDb)(table.db));
  const out: RowStatement[] = [];
  const rows = body.rows;
  switch (body.kind) {
    case 'write': {
      const max = options.maxInsertBytes ?? DEFAULT_MAX_INSERT_BYTES;
      let start = 0;
      while (start < rows.length) {
        const first = rows[start]!.after!;
        const cols = presentWritable(first, plan);
        let sql = `INSERT INTO ${plan.name} (${cols.map((i) => plan.quoted[i]).join(',')}) VALUES ${valuesTuple(first, cols, table.columns)}`;
        let end = start + 1;
        // rows with the same present columns share the INSERT (they do, except in odd MINIMAL images)
        while (end < rows.length && sql.length < max && samePresence(rows[end]!.after!, first, plan)) {
          sql += `,${valuesTuple(rows[end]!.after!, cols, table.columns)}`;
          end++;
        }
        out.push({ sql, expectRows: end - start, rowIndex: start, kind: 'insert' });
        start = end;
      }
      return out;
    }
    case 'delete':
      for (let r = 0; r < rows.length; r++) {
        const before = rows[r]!.before!;
        const { where, full, relaxed } = matchClause(before, plan, table.columns, options.relaxFloat === true);
        const sql = (w: string): string => `DELETE FROM ${plan.name} WHERE ${w} LIMIT ${full ? 1 : 2}`;
        out.push({ sql: sql(where), expectRows: 1, rowIndex: r, kind: 'delete', ...(relaxed === undefined ? {} : { relaxedSql: sql(relaxed) }) });
      }
      return out;
    case 'update':
      for (let r = 0; r < rows.length; r++) {
        const change = rows[r]!;
        if (change.jsonPartialUpdates !== undefined) {
          throw new PitrError(ERROR_CODES.BINLOG_UNSUPPORTED, `cannot apply a partial JSON update of ${table.db}.${table.table} whose before value is not logged (binlog_row_image=MINIMAL with binlog_row_value_options=PARTIAL_JSON)`);
        }
        const { where, full, relaxed, byKey } = matchClause(change.before!, plan, table.columns, options.relaxFloat === true);
        const set = setClause(change.after!, change.before!, plan, table.columns);
        // FORCE INDEX (PRIMARY): with the whole key matched, the optimizer may still pick a secondary
        // index on a column being updated (then buffers the update): measured ~2× slower.
        const target = byKey ? `${plan.name} FORCE INDEX (PRIMARY)` : plan.name;
        // Nothing writable changed in the image (only generated columns): still check the row is there.
        const sql = (w: string): string => (set === '' ? `SELECT 1 FROM ${plan.name} WHERE ${w} LIMIT ${full ? 1 : 2}` : `UPDATE ${target} SET ${set} WHERE ${w} LIMIT ${full ? 1 : 2}`);
        out.push({ sql: sql(where), expectRows: 1, rowIndex: r, kind: set === '' ? 'check' : 'update', ...(relaxed === undefined ? {} : { relaxedSql: sql(relaxed) }) });
      }
      return out;
  }
}

function presentWritable(image: RowImage, plan: TablePlan): number[] {
  const cols: number[] = [];
  for (let i = 0; i < image.length; i++) if (image[i] !== undefined && plan.writable[i]) cols.push(i);
  return cols;
}

function samePresence(a: RowImage, b: RowImage, plan: TablePlan): boolean {
  for (let i = 0; i < a.length; i++) if (plan.writable[i] && (a[i] === undefined) !== (b[i] === undefined)) return false;
  return true;
}

export function valuesTuple(image: RowImage, cols: readonly number[], columns: readonly ColumnDef[]): string {
  let s = '(';
  for (let k = 0; k < cols.length; k++) {
    const i = cols[k]!;
    if (k > 0) s += ',';
    s += renderLiteral(image[i]!, columns[i]!, HEX_STRINGS);
  }
  return `${s})`;
}

const HEX_STRINGS = { strings: 'hex' } as const;

/**
 * The SET list: the writable after-image columns whose value differs from the before image (less to
 * parse and write; the others already hold that value — the WHERE proved it), plus every temporal
 * column of the after image, changed or not: a TIMESTAMP/DATETIME ... ON UPDATE CURRENT_TIMESTAMP
 * column left out would take the target's clock when the row changes.
 */
function setClause(after: RowImage, before: RowImage, plan: TablePlan, columns: readonly ColumnDef[]): string {
  let s = '';
  for (let i = 0; i < after.length; i++) {
    const v = after[i];
    if (v === undefined || !plan.writable[i]) continue;
    const b = before[i];
    if (b !== undefined && !TEMPORAL_TYPES.has(columns[i]!.type) && sameValue(b, v)) continue;
    if (s !== '') s += ',';
    s += `${plan.quoted[i]}=${renderLiteral(v, columns[i]!, HEX_STRINGS)}`;
  }
  return s;
}

/**
 * Whether two decoded values of one column are the same stored value (without rendering either):
 * -0 and 0 differ (FLOAT/DOUBLE keep the sign), bytes compare byte by byte, and TIMESTAMP, ENUM and
 * SET values by what they store.
 */
export function sameValue(a: ColumnValue, b: ColumnValue): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
    return true;
  }
  if (b instanceof Uint8Array) return false;
  switch (a.kind) {
    case 'timestamp':
      return b.kind === 'timestamp' && a.seconds === b.seconds && a.micros === b.micros;
    case 'enum':
      return b.kind === 'enum' && a.index === b.index;
    case 'set':
      return b.kind === 'set' && a.bits === b.bits;
  }
}

/** MYSQL_TYPE_TIMESTAMP(2), DATETIME, TIMESTAMP2, DATETIME2: may carry ON UPDATE CURRENT_TIMESTAMP. */
const TEMPORAL_TYPES = new Set([7, 12, 17, 18]);

export function matchClause(image: RowImage, plan: TablePlan, columns: readonly ColumnDef[], relaxFloat: boolean): { where: string; full: boolean; relaxed: string | undefined; byKey: boolean } {
  const parts: string[] = [];
  let relaxedParts: string[] | undefined;
  let full = true;
  // Found by its primary key when every key column is matched with `=`: then other text columns are
  // compared as bytes only (renderMatch rowFoundByKey) and an UPDATE names the key (FORCE INDEX).
  let keyColumns = 0;
  let keyPresent = true;
  for (let i = 0; i < columns.length; i++) {
    if (!columns[i]!.primaryKey) continue;
    keyColumns++;
    if (image[i] === undefined || image[i] === null || !plan.writable[i]) keyPresent = false;
  }
  const byKey = keyColumns > 0 && keyPresent;
  for (let i = 0; i < columns.length; i++) {
    if (!plan.writable[i]) continue;
    const v = image[i];
    if (v === undefined) {
      full = false;
      continue;
    }
    const exact = renderMatch(plan.quoted[i]!, v, columns[i]!, byKey && !columns[i]!.primaryKey ? BY_KEY : NOT_BY_KEY);
    parts.push(exact);
    if (typeof v === 'number' && columns[i]!.type === MYSQL_TYPE_FLOAT && Number.isFinite(v) && v !== 0) {
      const printed = Math.fround(Number(v.toPrecision(6)));
      if (printed !== v && Number.isFinite(printed)) {
        relaxedParts ??= parts.slice(0, -1);
        relaxedParts.push(`(${exact} OR ${plan.quoted[i]!} = ${renderDouble(printed)})`);
        continue;
      }
    }
    relaxedParts?.push(exact);
  }
  if (parts.length === 0) {
    throw new PitrError(ERROR_CODES.BINLOG_UNSUPPORTED, `a before image of ${columns.length > 0 ? 'this table' : 'a table without columns'} carries no stored column to find the row by`);
  }
  const relaxed = relaxedParts?.join(' AND ');
  return relaxFloat && relaxed !== undefined ? { where: relaxed, full, relaxed: undefined, byKey } : { where: parts.join(' AND '), full, relaxed, byKey };
}

const BY_KEY = { rowFoundByKey: true } as const;
const NOT_BY_KEY = {} as const;
