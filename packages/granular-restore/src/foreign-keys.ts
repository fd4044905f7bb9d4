/**
 * Foreign keys whose actions the server does not log: ON DELETE CASCADE / SET NULL change child
 * rows inside InnoDB, below the binlog (../shared/BINLOG-NOTES.md). Read from the backup's CREATE
 * TABLE statements (mariadb-dump / mysqldump write each constraint on one line), so `pitr undo` can
 * say which child rows a reverted parent DELETE took with it, and how to get them back.
 *
 * Foreign keys added or dropped by DDL after the backup are not seen (the undo also lists that DDL).
 */
import { dumpStatements } from '@pitr/core';

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

const CONSTRAINT_RE =
  /CONSTRAINT\s+`((?:[^`]|``)+)`\s+FOREIGN KEY\s+\(([^)]*)\)\s+REFERENCES\s+(?:`((?:[^`]|``)+)`\.)?`((?:[^`]|``)+)`\s+\(([^)]*)\)([^\n,]*)/g;

/** The foreign keys with ON DELETE / ON UPDATE CASCADE or SET NULL of the backup's tables. */
export async function dumpForeignKeyActions(dump: string): Promise<ForeignKeyAction[]> {
  const out: ForeignKeyAction[] = [];
  for await (const s of dumpStatements(dump)) {
    if (s.kind !== 'create-table' || s.db === undefined || s.table === undefined) continue;
    const text = s.bytes.toString('utf8');
    if (text.includes('FOREIGN KEY')) out.push(...foreignKeyActions(text, s.db, s.table));
  }
  return out;
}

/** The CASCADE / SET NULL foreign keys of one CREATE TABLE statement (as SHOW CREATE TABLE writes it). */
export function foreignKeyActions(createTable: string, db: string, table: string): ForeignKeyAction[] {
  const out: ForeignKeyAction[] = [];
  for (const m of createTable.matchAll(CONSTRAINT_RE)) {
    const onDelete = rule(/ON DELETE (CASCADE|SET NULL)/i.exec(m[6] ?? '')?.[1]);
    const onUpdate = rule(/ON UPDATE (CASCADE|SET NULL)/i.exec(m[6] ?? '')?.[1]);
    if (onDelete === undefined && onUpdate === undefined) continue;
    out.push({
      name: unquote(m[1]!),
      child: { db, table, columns: columnList(m[2]!) },
      parent: { db: m[3] === undefined ? db : unquote(m[3]), table: unquote(m[4]!), columns: columnList(m[5]!) },
      onDelete,
      onUpdate,
    });
  }
  return out;
}

function rule(text: string | undefined): ForeignKeyRule | undefined {
  const u = text?.toUpperCase();
  return u === 'CASCADE' || u === 'SET NULL' ? u : undefined;
}

function columnList(text: string): string[] {
  return [...text.matchAll(/`((?:[^`]|``)+)`/g)].map((m) => unquote(m[1]!));
}

function unquote(name: string): string {
  return name.replace(/``/g, '`');
}
