/**
 * `pitr undo`: SQL that reverts the row changes of a range of transactions (or of given GTIDs),
 * newest first, for a reviewer to read and then run on the live server:
 *  - a row a transaction inserted is deleted,
 *  - a row it deleted is inserted again,
 *  - a row it updated is set back to its before image,
 * each statement guarded so it changes a row only if the row is still exactly as the transaction
 * left it: the DELETE and UPDATE match every stored column of the after image (renderMatch:
 * byte-exact where a collation would over-match), the INSERT happens only while no row holds the
 * primary key. A change that was changed again since (by a later transaction outside the undo) is
 * therefore skipped, not overwritten; the script counts those and reports them at its end.
 * Everything runs in one transaction, with the session the literals need (LITERAL_SESSION).
 *
 * Not reverted, and said so: DDL in the range (listed), statements logged as statements
 * (binlog_format STATEMENT/MIXED), and changes the binlog does not carry — rows deleted by an
 * ON DELETE CASCADE of a foreign key are not logged by the server, so undoing a parent's delete
 * does not bring the children back (restore them from a backup instead). Triggers on the tables
 * fire for the undo statements like for any other statement.
 */
import {
  type ColumnDef,
  LITERAL_SESSION,
  PitrError,
  type RowChange,
  type RowImage,
  type RowsBody,
  ddlSummary,
  qualifiedName,
  quoteIdentifier,
  renderLiteral,
  renderMatch,
  dumpCoordinates,
  schemaFromDump,
  type TableSchemaMap,
} from '@pitr/core';
import type { TableName } from './find-transactions.js';
import { foreignKeyActions } from './foreign-keys.js';
import { isoUtc, valueText } from './output/row-values.js';
import { type GranularSource, type ScanResult, type TransactionRange, scanTransactions } from './scan/scan-transactions.js';
import type { GroupedTransaction } from './scan/transaction-grouper.js';
import { WhereFilter } from './where/where-filter.js';

export interface UndoOptions {
  readonly source: GranularSource;
  /** The transactions to revert: a range (`from`/`until`), or `gtids`. */
  readonly range: TransactionRange;
  /** Only this table's changes. */
  readonly table?: TableName | undefined;
  /** Only changes whose before or after image satisfies the filter (the table's rows). */
  readonly where?: WhereFilter | string | undefined;
  /** Zone TIMESTAMP columns are compared in by the filter; default UTC. */
  readonly timeZone?: string | undefined;
  readonly onWarning?: (message: string) => void;
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface UndoDdl {
  readonly gtid: string | null;
  readonly file: string;
  readonly pos: number;
  readonly commitTime: string;
  readonly db: string;
  readonly statement: string;
}

export interface UndoResult {
  /** The script (UTF-8 text). */
  readonly sql: string;
  /** Reverting statements in the script (one per row change). */
  readonly statements: number;
  /** Transactions with at least one reverted change, and their GTIDs (null without one). */
  readonly transactions: readonly { readonly gtid: string | null; readonly file: string; readonly pos: number; readonly commitTime: string; readonly changes: number }[];
  /** DDL in the range: reported, not reverted. */
  readonly ddl: readonly UndoDdl[];
  readonly warnings: readonly string[];
  readonly scan: ScanResult;
}

interface Change {
  readonly t: GroupedTransaction;
  readonly body: RowsBody;
  readonly change: RowChange;
}

/** Builds the undo script (reads the binlogs; writes nothing). */
export async function undoSql(options: UndoOptions): Promise<UndoResult> {
  const filter = options.where === undefined ? undefined : typeof options.where === 'string' ? WhereFilter.parse(options.where) : options.where;
  if (filter !== undefined && options.table === undefined) throw new PitrError('USAGE', '--where needs --table: a filter is evaluated on one table\'s rows', { hints: ['e.g. --table shop.orders --where "customer_id = 7"'] });
  const coordinates = options.source.coordinates ?? (await dumpCoordinates(options.source.dump));
  const flavor = coordinates.flavor ?? 'mariadb';
  const table = options.table;
  const changes: Change[] = [];
  const ddl: UndoDdl[] = [];
  const warnings: string[] = [];
  const warn = (m: string): void => {
    if (!warnings.includes(m)) warnings.push(m);
    options.onWarning?.(m);
  };
  let statementDml = 0;
  // the backup's definitions: for the scan, and for the foreign keys whose actions are not logged
  const schema = await schemaFromDump(options.source.dump);
  const scan = await scanTransactions(
    {
      source: { ...options.source, coordinates },
      schema,
      range: options.range,
      keepRows: (b) => table === undefined || (b.table.db === table.db && b.table.table === table.table),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    (t) => {
      for (const q of t.queries) {
        const s = ddlSummary(q.query);
        if (s.kind === 'not-ddl') {
          statementDml++;
          continue;
        }
        if (table === undefined || s.databases?.includes(table.db) === true || s.tables.some((x) => (x.db ?? q.db) === table.db && x.table === table.table)) {
          ddl.push({ gtid: t.gtidText ?? null, file: t.file, pos: t.startPos, commitTime: isoUtc(t.commitTimeUs), db: q.db, statement: q.query });
        }
      }
      if (t.outcome === 'rollback') {
        if (t.rowEvents.length > 0) warn(`transaction ${t.gtidText ?? `at ${t.file}:${t.startPos}`} was rolled back (only its changes to non-transactional tables happened): its row changes are reverted as logged`);
      }
      for (const body of t.rowEvents) {
        const predicate = filter?.compile({ db: body.table.db, table: body.table.table, columns: body.table.columns }, { flavor, unknownColumns: 'unevaluable', ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}) });
        for (const change of body.rows) {
          if (predicate !== undefined) {
            const mb = change.before === undefined ? false : predicate(change.before);
            const ma = change.after === undefined ? false : predicate(change.after);
            if (mb === undefined || ma === undefined) warn(`some row images of ${body.table.db}.${body.table.table} lack columns the filter reads (binlog_row_image=MINIMAL, or a column added/dropped in the range): those changes are not reverted unless their other image matches`);
            if (mb !== true && ma !== true) continue;
          }
          if (body.kind === 'delete' && !body.table.columns.some((c) => c.primaryKey)) {
            warn(`${body.table.db}.${body.table.table} has no primary key: its deleted rows are inserted again without a guard (a row put back since would be duplicated)`);
          }
          changes.push({ t, body, change });
        }
      }
    },
  );
  if (statementDml > 0) warn(`${statementDml} statement(s) in the range are DML logged as statements (binlog_format STATEMENT/MIXED): their effect is not in the binlog as rows and is not reverted`);
  if (ddl.length > 0) warn(`${ddl.length} DDL statement(s) in the range are not reverted (listed at the top of the script); changes before a DDL may not apply to the table as it is now`);
  for (const w of cascadeWarnings(changes, schema)) warn(w);

  const lines: string[] = [];
  const perTransaction = new Map<GroupedTransaction, number>();
  let n = 0;
  for (let i = changes.length - 1; i >= 0; i--) {
    const c = changes[i]!;
    const sql = revertStatement(c.body, c.change);
    if (sql === undefined) continue;
    n++;
    perTransaction.set(c.t, (perTransaction.get(c.t) ?? 0) + 1);
    const what = c.body.kind === 'write' ? 'INSERT' : c.body.kind === 'update' ? 'UPDATE' : 'DELETE';
    lines.push(`-- [${n}] undo ${what} of ${c.body.table.db}.${c.body.table.table} ${rowLabel(c.change.after ?? c.change.before!, c.body.table.columns)} — transaction ${c.t.gtidText ?? '(no GTID)'} at ${c.t.file}:${c.t.startPos}, committed ${isoUtc(c.t.commitTimeUs)}`);
    lines.push(`${sql};`);
    // CONCAT_WS of only NULLs is '', not NULL: NULLIF keeps "nothing skipped" NULL
    lines.push(`SET @pitr_undo_skipped = NULLIF(CONCAT_WS(',', @pitr_undo_skipped, IF(ROW_COUNT() > 0, NULL, ${n})), '');`);
  }
  const transactions = [...perTransaction].map(([t, k]) => ({ gtid: t.gtidText ?? null, file: t.file, pos: t.startPos, commitTime: isoUtc(t.commitTimeUs), changes: k }));
  const sql = script(lines, n, transactions, ddl, warnings, options, scan);
  return { sql, statements: n, transactions, ddl, warnings, scan };
}

const MAX_KEYS_SHOWN = 50;

/**
 * Reverted parent DELETEs whose children went with them (ON DELETE CASCADE / SET NULL, not logged):
 * one warning per foreign key, with the restore-table command that brings the children back as they
 * were just before the first of those DELETEs.
 */
function cascadeWarnings(changes: readonly Change[], schema: TableSchemaMap): string[] {
  const deletes = new Map<string, Change[]>();
  for (const c of changes) {
    if (c.body.kind !== 'delete') continue;
    const key = `${c.body.table.db}.${c.body.table.table}`;
    const list = deletes.get(key);
    if (list === undefined) deletes.set(key, [c]);
    else list.push(c);
  }
  if (deletes.size === 0) return [];
  const out: string[] = [];
  for (const fk of foreignKeyActions(schema)) {
    const list = deletes.get(`${fk.parent.db}.${fk.parent.table}`);
    if (list === undefined || fk.onDelete === undefined) continue;
    const columns = list[0]!.body.table.columns;
    const cols = fk.parent.columns.map((n) => columns.find((c) => c.name === n));
    const keys = new Set<string>();
    let literal = true;
    for (const c of list) {
      const parts: string[] = [];
      for (const [i, col] of cols.entries()) {
        const v = col === undefined ? undefined : c.change.before?.[col.index];
        const text = filterLiteral(v);
        if (text === undefined) literal = false;
        parts.push(`${fk.child.columns[i] ?? '?'} = ${text ?? '?'}`);
      }
      keys.add(parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`);
    }
    const first = list[0]!.t; // changes are in binlog order
    const child = `${fk.child.db}.${fk.child.table}`;
    const shown = [...keys].slice(0, MAX_KEYS_SHOWN);
    const single = fk.child.columns.length === 1 && shown.every((k) => k.startsWith(`${fk.child.columns[0]} = `));
    const where = single ? `${fk.child.columns[0]} IN (${shown.map((k) => k.slice(fk.child.columns[0]!.length + 3)).join(', ')})` : shown.join(' OR ');
    const how = literal
      ? `pitr restore-table ${child} --at pos:${first.file}:${first.startPos} --where "${where.replace(/"/g, '\\"')}" <this source> --to URL --replace${keys.size > MAX_KEYS_SHOWN ? ` (the first ${MAX_KEYS_SHOWN} of ${keys.size} keys; repeat for the others)` : ''}`
      : `pitr restore-table ${child} --at pos:${first.file}:${first.startPos} --where "<${fk.child.columns.join(', ')} of the deleted ${fk.parent.db}.${fk.parent.table} rows>" <this source> --to URL --replace`;
    out.push(
      `this script puts back ${list.length} deleted row(s) of ${fk.parent.db}.${fk.parent.table}, but the ${child} rows that FOREIGN KEY ${fk.name} (ON DELETE ${fk.onDelete}) ${fk.onDelete === 'CASCADE' ? 'deleted' : 'set to NULL'} with them are not in the binlog and are not restored by it (nor what their own foreign keys did). After running it, bring them back as they were just before the first of those DELETEs: ${how}`,
    );
  }
  return out;
}

/** A value as a literal of a --where filter (numbers and text only), or undefined. */
function filterLiteral(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  return undefined;
}

/** The reverting statement of one row change (without `;`), or undefined when there is nothing to revert. */
function revertStatement(body: RowsBody, change: RowChange): string | undefined {
  const t = body.table;
  const columns = t.columns;
  const name = qualifiedName(t.db, t.table);
  for (const c of columns) {
    if (c.name === undefined || c.generated === undefined) {
      throw new PitrError('SCHEMA', `cannot write SQL for ${t.db}.${t.table}: column ${c.index + 1} has no ${c.name === undefined ? 'name' : 'known generated/stored status'} (binlog_row_metadata=NO_LOG/MINIMAL and no table definition known here)`, {
        hints: ['the definition comes from the backup and the DDL in the binlogs; a statement pitr could not follow leaves it unknown: see the warnings'],
      });
    }
  }
  if (change.jsonPartialUpdates !== undefined) {
    throw new PitrError('BINLOG_UNSUPPORTED', `cannot revert a partial JSON update of ${t.db}.${t.table} whose before value is not logged (binlog_row_value_options=PARTIAL_JSON with binlog_row_image=MINIMAL)`);
  }
  switch (body.kind) {
    case 'write':
      return `DELETE FROM ${name} WHERE ${matchAll(change.after!, columns)} LIMIT 1`;
    case 'delete': {
      const before = change.before!;
      requireFull(before, columns, t, 'DELETE');
      const cols = columns.filter((c) => !c.generated);
      const values = cols.map((c) => renderLiteral(before[c.index]!, c)).join(', ');
      const names = cols.map((c) => quoteIdentifier(c.name!)).join(', ');
      const pk = columns.filter((c) => c.primaryKey);
      if (pk.length === 0) return `INSERT INTO ${name} (${names}) VALUES (${values})`;
      const key = pk.map((c) => renderMatch(quoteIdentifier(c.name!), before[c.index]!, c)).join(' AND ');
      return `INSERT INTO ${name} (${names}) SELECT ${values} FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM ${name} WHERE ${key})`;
    }
    case 'update': {
      const before = change.before!;
      const after = change.after!;
      const set: string[] = [];
      let differs = false;
      for (const c of columns) {
        if (c.generated) continue;
        const a = after[c.index];
        const b = before[c.index];
        if (a === undefined) continue;
        if (b === undefined) {
          throw new PitrError('BINLOG_UNSUPPORTED', `cannot revert an UPDATE of ${t.db}.${t.table}: the before value of ${c.name} is not logged (binlog_row_image=MINIMAL/NOBLOB)`, {
            hints: ['undo needs binlog_row_image=FULL on the source'],
          });
        }
        const lit = renderLiteral(b, c);
        const same = lit === renderLiteral(a, c);
        if (!same) differs = true;
        // temporal columns always: ON UPDATE CURRENT_TIMESTAMP would otherwise take the clock
        if (same && !TEMPORAL_TYPES.has(c.type)) continue;
        set.push(`${quoteIdentifier(c.name!)} = ${lit}`);
      }
      if (!differs) return undefined;
      return `UPDATE ${name} SET ${set.join(', ')} WHERE ${matchAll(after, columns)} LIMIT 1`;
    }
  }
}

/** MYSQL_TYPE_TIMESTAMP, DATETIME, TIMESTAMP2, DATETIME2: may carry ON UPDATE CURRENT_TIMESTAMP. */
const TEMPORAL_TYPES = new Set([7, 12, 17, 18]);

/** WHERE matching every stored column present in the image. */
function matchAll(image: RowImage, columns: readonly ColumnDef[]): string {
  const parts: string[] = [];
  for (const c of columns) {
    const v = image[c.index];
    if (c.generated || v === undefined) continue;
    parts.push(renderMatch(quoteIdentifier(c.name!), v, c));
  }
  if (parts.length === 0) throw new PitrError('BINLOG_UNSUPPORTED', 'a row image carries no stored column to find the row by');
  return parts.join(' AND ');
}

function requireFull(image: RowImage, columns: readonly ColumnDef[], t: { db: string; table: string }, what: string): void {
  const missing = columns.filter((c) => !c.generated && image[c.index] === undefined);
  if (missing.length > 0) {
    throw new PitrError('BINLOG_UNSUPPORTED', `cannot revert a ${what} of ${t.db}.${t.table}: the image lacks ${missing.map((c) => c.name).join(', ')} (binlog_row_image=MINIMAL/NOBLOB)`, {
      hints: ['undo needs binlog_row_image=FULL on the source'],
    });
  }
}

function rowLabel(image: RowImage, columns: readonly ColumnDef[]): string {
  const pk = columns.filter((c) => c.primaryKey && image[c.index] !== undefined);
  const shown = pk.length > 0 ? pk : columns.filter((c) => image[c.index] !== undefined).slice(0, 3);
  // one line: a value with a newline must not end the SQL comment
  return shown.map((c) => `${c.name ?? `@${c.index + 1}`}=${valueText(image[c.index]!, c)}`).join(' ').replace(/[\r\n]/g, ' ');
}

function comment(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((l) => `-- ${l}`)
    .join('\n');
}

function script(lines: readonly string[], n: number, transactions: UndoResult['transactions'], ddl: readonly UndoDdl[], warnings: readonly string[], options: UndoOptions, scan: ScanResult): string {
  const r = options.range;
  const scope = r.gtids !== undefined ? `transactions ${r.gtids.join(', ')}` : `transactions from ${r.from?.text ?? `the backup (${scan.start.file}:${scan.start.pos})`} until ${r.until?.text ?? `the end of the binlogs (${scan.end.file}:${scan.end.pos})`}`;
  const head = [
    `pitr undo: reverts ${n} row change(s) of ${transactions.length} transaction(s), newest first`,
    `scope: ${scope}${options.table === undefined ? '' : `, table ${options.table.db}.${options.table.table}`}${options.where === undefined ? '' : `, rows where ${typeof options.where === 'string' ? options.where : options.where.text}`}`,
    `backup: ${options.source.dump}; binlogs ${scan.start.file}:${scan.start.pos} … ${scan.end.file}:${scan.end.pos}`,
    '',
    'Each statement changes a row only if it is still exactly as the transaction left it; the others are',
    'skipped and counted: the SELECT at the end reports how many (and their [numbers] below).',
    'All in one transaction. Triggers on these tables fire for these statements. Rows deleted by an',
    'ON DELETE CASCADE are not in the binlog and do not come back: restore them from a backup.',
  ];
  for (const w of warnings) head.push(`WARNING: ${w}`);
  if (ddl.length > 0) {
    head.push('', 'DDL in the range, NOT reverted:');
    for (const d of ddl) head.push(`  ${d.gtid ?? '(no GTID)'} at ${d.file}:${d.pos} (${d.commitTime}), database ${d.db}: ${d.statement}`);
  }
  if (transactions.length > 0) {
    head.push('', 'transactions reverted (GTID, position, commit time, row changes):');
    for (const t of transactions) head.push(`  ${t.gtid ?? '(no GTID)'}  ${t.file}:${t.pos}  ${t.commitTime}  ${t.changes}`);
  }
  return [
    comment(head.join('\n')),
    '',
    '-- the session the literals below are written for',
    'SET NAMES utf8mb4;',
    'SET @pitr_undo_sql_mode = @@SESSION.sql_mode, @pitr_undo_time_zone = @@SESSION.time_zone;',
    `SET SESSION sql_mode = '${LITERAL_SESSION.sqlMode}', SESSION time_zone = '${LITERAL_SESSION.timeZone}';`,
    'SET @pitr_undo_skipped = NULL;',
    'START TRANSACTION;',
    '',
    ...lines,
    '',
    "SELECT IF(@pitr_undo_skipped IS NULL, 0, 1 + LENGTH(@pitr_undo_skipped) - LENGTH(REPLACE(@pitr_undo_skipped, ',', ''))) AS skipped_changes, IFNULL(@pitr_undo_skipped, '') AS skipped_statements;",
    'COMMIT;',
    'SET SESSION sql_mode = @pitr_undo_sql_mode, SESSION time_zone = @pitr_undo_time_zone;',
    '',
  ].join('\n');
}
