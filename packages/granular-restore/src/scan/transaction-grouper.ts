/**
 * Transactions with their kept row events: core's TransactionTracker (the same boundaries as a
 * restore plan), under the names granular-restore uses.
 */
export { TransactionTracker as TransactionGrouper } from '@pitr/core';
export type { Transaction as GroupedTransaction } from '@pitr/core';
