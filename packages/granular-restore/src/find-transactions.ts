/**
 * `pitr find`: the transactions in a range that touched a table, did a kind of change or carry a
 * statement text — with the GTID and position to paste as a restore target (`gtid:… --exclusive`),
 * as `--skip-gtid`, or into `pitr undo --gtid`.
 *
 * What a transaction shows: commit time, GTID, file:start–end, row counts per table and operation
 * (from the row events), the statements behind the rows (ANNOTATE_ROWS, logged by MariaDB's default
 * binlog_annotate_row_events=ON; MySQL's ROWS_QUERY with binlog_rows_query_log_events=ON) and its DDL.
 */
import { ddlSummary } from '@pitr/core';
import { isoUtc } from './output/row-values.js';
import { type GranularSource, type ScanResult, type TransactionRange, scanTransactions } from './scan/scan-transactions.js';
import type { GroupedTransaction } from './scan/transaction-grouper.js';

export type FindOperation = 'insert' | 'update' | 'delete' | 'ddl';

export interface TableName {
  readonly db: string;
  readonly table: string;
}

export interface FindOptions {
  readonly source: GranularSource;
  readonly range?: TransactionRange;
  /** Only transactions that changed rows of this table, or ran DDL on it. */
  readonly table?: TableName | undefined;
  /** Only transactions with this kind of change (on `table` when given). */
  readonly op?: FindOperation | undefined;
  /** Only transactions whose statements (row annotations, DDL) contain this text, case-insensitively. */
  readonly grep?: string | undefined;
  readonly onWarning?: (message: string) => void;
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface FoundTableCounts {
  readonly db: string;
  readonly table: string;
  readonly insert: number;
  readonly update: number;
  readonly delete: number;
}

export interface FoundTransaction {
  /** GTID as the binlog prints it ('0-1-42'); null without one. */
  readonly gtid: string | null;
  readonly file: string;
  readonly startPos: number;
  readonly endPos: number;
  /** Commit time, UTC ISO 8601 (MariaDB: whole seconds). */
  readonly commitTime: string;
  readonly commitTimeUs: bigint;
  readonly outcome: 'commit' | 'rollback';
  readonly rows: number;
  readonly tables: readonly FoundTableCounts[];
  /** The statements behind the rows (ANNOTATE_ROWS / ROWS_QUERY), in order. */
  readonly statements: readonly string[];
  /** Statements logged as statements: DDL, and DML under binlog_format STATEMENT/MIXED. */
  readonly queries: readonly { readonly db: string; readonly statement: string; readonly ddl: boolean }[];
}

export interface FindResult {
  readonly matched: number;
  readonly scan: ScanResult;
}

/** Calls `onFound` for every matching transaction, in binlog order. */
export async function findTransactions(options: FindOptions, onFound: (t: FoundTransaction) => void | Promise<void>): Promise<FindResult> {
  const grep = options.grep?.toLowerCase();
  let matched = 0;
  const scan = await scanTransactions(
    { source: options.source, range: options.range ?? {}, ...(options.onWarning ? { onWarning: options.onWarning } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) },
    async (t) => {
      const found = describe(t);
      if (!matches(found, options.table, options.op, grep)) return;
      matched++;
      await onFound(found);
    },
  );
  return { matched, scan };
}

function describe(t: GroupedTransaction): FoundTransaction {
  return {
    gtid: t.gtidText ?? null,
    file: t.file,
    startPos: t.startPos,
    endPos: t.endPos,
    commitTime: isoUtc(t.commitTimeUs),
    commitTimeUs: t.commitTimeUs,
    outcome: t.outcome,
    rows: t.rowCount,
    tables: [...t.tables.values()].map((c) => ({ db: c.db, table: c.table, insert: c.insert, update: c.update, delete: c.delete })),
    statements: t.statements,
    queries: t.queries.map((q) => ({ db: q.db, statement: q.query, ddl: ddlSummary(q.query).kind !== 'not-ddl' })),
  };
}

function matches(t: FoundTransaction, table: TableName | undefined, op: FindOperation | undefined, grep: string | undefined): boolean {
  const counts = table === undefined ? t.tables : t.tables.filter((c) => c.db === table.db && c.table === table.table);
  const ddl = t.queries.filter((q) => q.ddl && (table === undefined || ddlTouches(q, table)));
  if (table !== undefined && counts.length === 0 && ddl.length === 0) return false;
  if (op !== undefined) {
    if (op === 'ddl' ? ddl.length === 0 : !counts.some((c) => c[op] > 0)) return false;
  }
  if (grep !== undefined && grep !== '') {
    const texts = [...t.statements, ...t.queries.map((q) => q.statement)];
    if (!texts.some((s) => s.toLowerCase().includes(grep))) return false;
  }
  return true;
}

function ddlTouches(q: { db: string; statement: string }, table: TableName): boolean {
  const s = ddlSummary(q.statement);
  if (s.databases?.includes(table.db) === true) return true;
  return s.tables.some((x) => (x.db ?? q.db) === table.db && x.table === table.table);
}
