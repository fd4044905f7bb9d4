/**
 * Group commit, part two: the net effect of a merged target transaction on a simple table.
 *
 * The applier merges up to 500 source transactions into one target transaction (binlog-applier.ts
 * `batch`). Within it, the row changes of a table that nothing else depends on can be applied as
 * their net effect per primary key — the row as it was before the group (checked) and as it is
 * after it — instead of change by change: one multi-row statement per kind instead of one
 * statement per row change. The target ends in exactly the state the changes lead to; only the
 * intermediate states of a row inside the group are skipped (a restore is all-or-nothing, and
 * nobody reads the target in between). Measured on the target: the server's work per row change is
 * dominated by statement overhead, not by the row (docs/STATUS.md, bench:replay).
 *
 * Why it stays exact, and where it is not used:
 *  - every row that existed before the group is checked first, with the whole before image (the
 *    same byte-exact match an UPDATE uses), in one SELECT per 200 keys: the count must be exact,
 *    or the group is replayed again change by change, which names the diverging transaction;
 *  - the changes of one key must chain (each before image equals the previous after image) and
 *    keep their key (no primary-key updates); otherwise the table's combined changes are written
 *    out and the event is applied as it is;
 *  - only tables with an integer primary key (a string key under a case-insensitive collation would
 *    make two byte strings one key), no other unique key (an upsert could meet it), no foreign key
 *    in either direction (the order of rows across tables would matter, and cascades), no triggers,
 *    not system-versioned (each change makes a history row), InnoDB, no FLOAT column (they may need
 *    the 6-digit dump match), and full row images;
 *  - a key inserted and deleted within the group is still inserted and deleted, so AUTO_INCREMENT
 *    advances as on the source.
 */
import type { ColumnDef, RowsBody, TableMapBody } from '../binlog/types.js';
import type { RowImage } from '../binlog/columns/values.js';
import { renderLiteral } from '../sql/literal.js';
import { type TablePlan, matchClause, sameValue, tablePlan, valuesTuple } from './row-statements.js';

/** A statement to queue and the row count it must report (-1: not checked). */
export interface NetStatement {
  readonly sql: string;
  readonly expectRows: number;
}

/** MYSQL_TYPE_TINY, SHORT, LONG, LONGLONG, INT24. */
const INTEGER_TYPES = new Set([1, 2, 3, 8, 9]);
const MYSQL_TYPE_FLOAT = 4;
const VERIFY_KEYS = 200;
const MAX_STATEMENT_BYTES = 1 << 20;
const HEX_STRINGS = { strings: 'hex' } as const;

interface KeyState {
  /** The row before the group (null: absent, inserted in the group). */
  readonly before: RowImage | null;
  /** The row now (null: deleted). */
  after: RowImage | null;
  /** Absent before: an image it was inserted with (to insert and delete it again when it ends absent). */
  readonly inserted: RowImage | null;
}

interface NetTable {
  readonly table: TableMapBody;
  readonly plan: TablePlan;
  readonly key: readonly number[];
  readonly keys: Map<string, KeyState>;
}

/**
 * What the table map says (the target's facts are checked by the applier): an integer primary key,
 * no FLOAT column. Undefined when eligible, else why not.
 */
export function netIneligibleByMap(table: TableMapBody): string | undefined {
  const key: number[] = [];
  for (const c of table.columns) {
    if (c.name === undefined || c.generated === undefined) return 'columns unknown';
    if (c.type === MYSQL_TYPE_FLOAT) return 'FLOAT column';
    if (c.primaryKey) {
      if (!INTEGER_TYPES.has(c.type) || c.generated) return 'primary key not integer';
      key.push(c.index);
    }
  }
  return key.length === 0 ? 'no primary key' : undefined;
}

/**
 * The target's facts that make a table eligible, as one query: its primary key columns (in order),
 * and counts of what excludes it. The applier runs it once per table and DDL epoch.
 */
export function netFactsQuery(db: string, table: string): string {
  const d = sqlString(db);
  const t = sqlString(table);
  return `SELECT
    (SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION SEPARATOR '\\n') FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ${d} AND TABLE_NAME = ${t} AND CONSTRAINT_NAME = 'PRIMARY') AS pk,
    (SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = ${d} AND TABLE_NAME = ${t} AND CONSTRAINT_TYPE IN ('UNIQUE', 'FOREIGN KEY')) AS keys_out,
    (SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE UNIQUE_CONSTRAINT_SCHEMA = ${d} AND REFERENCED_TABLE_NAME = ${t}) AS keys_in,
    (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ${d} AND EVENT_OBJECT_TABLE = ${t}) AS triggers,
    (SELECT CONCAT(ENGINE, ' ', TABLE_TYPE) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${d} AND TABLE_NAME = ${t}) AS kind`;
}

/** Whether the target's facts (a row of netFactsQuery) allow net-effect application for `table`. */
export function netEligibleByFacts(facts: Record<string, unknown>, table: TableMapBody): boolean {
  const text = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v ?? ''));
  if (text(facts['keys_out']) !== '0' || text(facts['keys_in']) !== '0' || text(facts['triggers']) !== '0') return false;
  if (text(facts['kind']) !== 'InnoDB BASE TABLE') return false;
  const pk = text(facts['pk']).split('\n');
  const mapped = table.columns.filter((c) => c.primaryKey).map((c) => c.name);
  return pk.length === mapped.length && pk.every((n, i) => n === mapped[i]);
}

/** The combined row changes of the current merged target transaction, per table. */
export class NetEffect {
  private readonly tables = new Map<string, NetTable>();

  get size(): number {
    return this.tables.size;
  }

  /**
   * Takes a rows event of an eligible table (written to `targetDb`). False when it cannot be
   * combined (a partial image, a key change, changes that do not chain, another table map): then
   * nothing was taken; flush the table and apply the event as it is.
   */
  add(body: RowsBody, targetDb: string): boolean {
    // tables are known by their quoted target name, which row-statements.ts caches per table map
    const plan = tablePlan(body.table, targetDb);
    const name = plan.name;
    let t = this.tables.get(name);
    if (t !== undefined && t.table !== body.table && t.table.columns.length !== body.table.columns.length) return false;
    if (t === undefined) {
      const key = body.table.columns.filter((c) => c.primaryKey).map((c) => c.index);
      t = { table: body.table, plan, key, keys: new Map() };
    }
    // check the whole event before taking any of it
    const staged = new Map<string, KeyState>();
    const state = (k: string): KeyState | undefined => staged.get(k) ?? t.keys.get(k);
    for (const change of body.rows) {
      if (change.jsonPartialUpdates !== undefined) return false;
      const before = change.before;
      const after = change.after;
      if ((before !== undefined && !complete(before, t.plan)) || (after !== undefined && !complete(after, t.plan))) return false;
      switch (body.kind) {
        case 'write': {
          const k = keyOf(after!, t.key);
          if (k === undefined) return false;
          const s = state(k);
          if (s === undefined) staged.set(k, { before: null, after: after!, inserted: after! });
          else if (s.after !== null) return false; // a duplicate: let the exact statement report it
          else staged.set(k, { before: s.before, after: after!, inserted: s.inserted ?? after! });
          break;
        }
        case 'update':
        case 'delete': {
          const k = keyOf(before!, t.key);
          if (k === undefined) return false;
          if (body.kind === 'update' && keyOf(after!, t.key) !== k) return false; // the key changes
          const s = state(k);
          const next = body.kind === 'update' ? after! : null;
          if (s === undefined) staged.set(k, { before: before!, after: next, inserted: null });
          else if (s.after === null || !sameImage(s.after, before!, t.plan)) return false;
          else staged.set(k, { before: s.before, after: next, inserted: s.inserted });
          break;
        }
      }
    }
    if (!this.tables.has(name)) this.tables.set(name, t);
    for (const [k, s] of staged) t.keys.set(k, s);
    return true;
  }

  /** The statements that apply one table's combined changes (and forget them); none when it has none. */
  flush(table: TableMapBody, targetDb: string): NetStatement[] {
    if (this.tables.size === 0) return [];
    const name = tablePlan(table, targetDb).name;
    const t = this.tables.get(name);
    if (t === undefined) return [];
    this.tables.delete(name);
    return statementsFor(t);
  }

  /** Every table's statements (and forget them). */
  flushAll(): NetStatement[] {
    const out: NetStatement[] = [];
    for (const t of this.tables.values()) out.push(...statementsFor(t));
    this.tables.clear();
    return out;
  }

  /** Forget everything (the target transaction was rolled back). */
  clear(): void {
    this.tables.clear();
  }
}

function statementsFor(t: NetTable): NetStatement[] {
  const out: NetStatement[] = [];
  const columns = t.table.columns;
  const { plan } = t;
  const verify: RowImage[] = [];
  const deletes: RowImage[] = [];
  const inserts: RowImage[] = [];
  const upserts: RowImage[] = [];
  const transient: RowImage[] = [];
  for (const s of t.keys.values()) {
    if (s.before !== null) {
      verify.push(s.before);
      if (s.after === null) deletes.push(s.before);
      else if (!sameImage(s.before, s.after, plan)) upserts.push(s.after);
    } else if (s.after !== null) inserts.push(s.after);
    else if (s.inserted !== null) {
      // inserted and deleted within the group: both, so AUTO_INCREMENT moves as on the source
      inserts.push(s.inserted);
      transient.push(s.inserted);
    }
  }
  // 1. every row the group changes that existed before it is there, exactly
  for (let i = 0; i < verify.length; i += VERIFY_KEYS) {
    const chunk = verify.slice(i, i + VERIFY_KEYS);
    const where = chunk.map((img) => `(${matchClause(img, plan, columns, false).where})`).join(' OR ');
    out.push({ sql: `SELECT 1 FROM ${plan.name} FORCE INDEX (PRIMARY) WHERE ${where}`, expectRows: chunk.length });
  }
  // 2. deleted, 3. inserted, 4. changed, 5. inserted-and-deleted removed again
  out.push(...deleteByKey(t, deletes));
  const writable = columns.filter((c) => plan.writable[c.index]).map((c) => c.index);
  out.push(...multiRow(`INSERT INTO ${plan.name} (${writable.map((i) => plan.quoted[i]).join(',')}) VALUES `, '', inserts, writable, columns, true));
  const nonKey = writable.filter((i) => !columns[i]!.primaryKey);
  if (upserts.length > 0 && nonKey.length > 0) {
    const update = ` ON DUPLICATE KEY UPDATE ${nonKey.map((i) => `${plan.quoted[i]}=VALUES(${plan.quoted[i]})`).join(',')}`;
    out.push(...multiRow(`INSERT INTO ${plan.name} (${writable.map((i) => plan.quoted[i]).join(',')}) VALUES `, update, upserts, writable, columns, false));
  }
  out.push(...deleteByKey(t, transient));
  return out;
}

function multiRow(head: string, tail: string, images: readonly RowImage[], cols: readonly number[], columns: readonly ColumnDef[], counted: boolean): NetStatement[] {
  const out: NetStatement[] = [];
  let sql = '';
  let n = 0;
  for (const img of images) {
    const tuple = valuesTuple(img, cols, columns);
    if (n > 0 && sql.length + tuple.length > MAX_STATEMENT_BYTES) {
      out.push({ sql: sql + tail, expectRows: counted ? n : -1 });
      sql = '';
      n = 0;
    }
    sql += n === 0 ? head + tuple : `,${tuple}`;
    n++;
  }
  if (n > 0) out.push({ sql: sql + tail, expectRows: counted ? n : -1 });
  return out;
}

function deleteByKey(t: NetTable, images: readonly RowImage[]): NetStatement[] {
  const out: NetStatement[] = [];
  const columns = t.table.columns;
  for (let i = 0; i < images.length; i += VERIFY_KEYS) {
    const chunk = images.slice(i, i + VERIFY_KEYS);
    const where =
      t.key.length === 1
        ? `${t.plan.quoted[t.key[0]!]} IN (${chunk.map((img) => renderLiteral(img[t.key[0]!]!, columns[t.key[0]!]!, HEX_STRINGS)).join(',')})`
        : chunk.map((img) => `(${t.key.map((k) => `${t.plan.quoted[k]}=${renderLiteral(img[k]!, columns[k]!, HEX_STRINGS)}`).join(' AND ')})`).join(' OR ');
    out.push({ sql: `DELETE FROM ${t.plan.name} WHERE ${where}`, expectRows: chunk.length });
  }
  return out;
}

/** Every written column is in the image (FULL row image). */
function complete(image: RowImage, plan: TablePlan): boolean {
  for (let i = 0; i < plan.writable.length; i++) if (plan.writable[i] && image[i] === undefined) return false;
  return true;
}

function sameImage(a: RowImage, b: RowImage, plan: TablePlan): boolean {
  for (let i = 0; i < plan.writable.length; i++) {
    if (!plan.writable[i]) continue;
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || !sameValue(x, y)) return false;
  }
  return true;
}

/** The key's integer values as text (undefined when a key column is NULL or not an integer). */
function keyOf(image: RowImage, key: readonly number[]): string | undefined {
  let s = '';
  for (const i of key) {
    const v = image[i];
    if (typeof v !== 'number' && typeof v !== 'bigint') return undefined;
    s += `${v.toString()},`;
  }
  return s;
}

/** A name as a string literal that reads the same under any sql_mode (the session may be the source's). */
function sqlString(s: string): string {
  return `CONVERT(X'${Buffer.from(s, 'utf8').toString('hex')}' USING utf8mb4)`;
}
