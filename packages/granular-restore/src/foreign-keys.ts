/**
 * Foreign keys whose actions the server does not log: ON DELETE CASCADE / SET NULL change child
 * rows inside InnoDB, below the binlog (../shared/BINLOG-NOTES.md). Taken from the backup's table
 * definitions (core's CREATE TABLE parser), so `pitr undo` can say which child rows a reverted
 * parent DELETE took with it, and restore-table can replay what they did (fk-cascades.ts).
 *
 * Foreign keys added or dropped by DDL after the backup are not seen (the undo also lists that DDL).
 */
import type { ForeignKeySchema, TableSchemaMap } from '@pitr/core';

export interface ForeignKeyAction {
  readonly name: string;
  readonly child: { readonly db: string; readonly table: string; readonly columns: readonly string[] };
  readonly parent: { readonly db: string; readonly table: string; readonly columns: readonly string[] };
  /** What a parent DELETE does to the children (undefined: RESTRICT / NO ACTION, nothing unlogged). */
  readonly onDelete: ForeignKeyRule | undefined;
  /** What a change of the parent's referenced columns does to the children. */
  readonly onUpdate: ForeignKeyRule | undefined;
}

export type ForeignKeyRule = 'CASCADE' | 'SET NULL';

/**
 * A FOREIGN KEY of `db.table` (core's CREATE TABLE parser read it) as an action the server does not
 * log, or undefined when it has none (RESTRICT / NO ACTION / SET DEFAULT, or nothing declared).
 */
export function foreignKeyAction(fk: ForeignKeySchema, db: string, table: string): ForeignKeyAction | undefined {
  const onDelete = rule(fk.onDelete);
  const onUpdate = rule(fk.onUpdate);
  if (onDelete === undefined && onUpdate === undefined) return undefined;
  return {
    name: fk.name ?? '(unnamed)',
    child: { db, table, columns: fk.columns },
    parent: { db: fk.parentDb ?? db, table: fk.parentTable, columns: fk.parentColumns },
    onDelete,
    onUpdate,
  };
}

/** Every such foreign key of the backup's tables. */
export function foreignKeyActions(schema: TableSchemaMap): ForeignKeyAction[] {
  const out: ForeignKeyAction[] = [];
  for (const t of schema.tables()) {
    for (const fk of t.foreignKeys ?? []) {
      const a = foreignKeyAction(fk, t.db, t.table);
      if (a !== undefined) out.push(a);
    }
  }
  return out;
}

function rule(text: string | undefined): ForeignKeyRule | undefined {
  return text === 'CASCADE' || text === 'SET NULL' ? text : undefined;
}
