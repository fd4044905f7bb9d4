// Public entry point of @pitr/granular-restore. Every export is named explicitly; anything not
// listed here is internal.

// WHERE filters: parsed with node-sql-parser, evaluated in-process with MySQL semantics
export { WhereFilter, compareValues, truth } from './where/where-filter.js';
export type { WhereFilterOptions, RowMatch, RowPredicate, WhereTable } from './where/where-filter.js';
export { parseWhere } from './where/where-parser.js';
export type { WhereExpr, WhereLiteral, ComparisonOp, ArithmeticOp, WhereFunctionName } from './where/where-expr.js';
export { WHERE_FUNCTIONS } from './where/where-expr.js';

// reading a backup's binlogs as transactions
export { scanTransactions } from './scan/scan-transactions.js';
export type { GranularSource, GranularBinlogFile, TransactionRange, ScanOptions, ScanResult } from './scan/scan-transactions.js';
export type { GroupedTransaction } from './scan/transaction-grouper.js';

// pitr find / history / undo
export { findTransactions } from './find-transactions.js';
export type { FindOptions, FindOperation, FindResult, FoundTransaction, FoundTableCounts, TableName } from './find-transactions.js';
export { rowHistory } from './row-history.js';
export type { HistoryOptions, HistoryResult, RowVersion } from './row-history.js';
export { undoSql } from './undo-sql.js';
export type { UndoOptions, UndoResult, UndoDdl } from './undo-sql.js';

// output helpers (values as pitr prints them everywhere)
export { rowJson, valueJson, valueText as columnValueText, columnName, isoUtc } from './output/row-values.js';
export type { JsonValue } from './output/row-values.js';

// pitr restore-table: one table (or some of its rows) as it was at a moment
export { restoreTable } from './restore-table/restore-table.js';
export type { RestoreTableOptions, RestoreTableOutput, RestoreTableResult } from './restore-table/restore-table.js';
export type { ReplaceCounts } from './restore-table/replace-rows.js';
