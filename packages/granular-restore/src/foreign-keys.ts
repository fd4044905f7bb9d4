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
  /** What a parent DELETE does to the children. */
  readonly onDelete: 'CASCADE' | 'SET NULL';
}

const CONSTRAINT_RE =
  /CONSTRAINT\s+`((?:[^`]|``)+)`\s+FOREIGN KEY\s+\(([^)]*)\)\s+REFERENCES\s+(?:`((?:[^`]|``)+)`\.)?`((?:[^`]|``)+)`\s+\(([^)]*)\)([^\n,]*)/g;

/** The ON DELETE CASCADE / SET NULL foreign keys of the backup's tables. */
export async function dumpForeignKeyActions(dump: string): Promise<ForeignKeyAction[]> {
  const out: ForeignKeyAction[] = [];
  for await (const s of dumpStatements(dump)) {
    if (s.kind !== 'create-table' || s.db === undefined || s.table === undefined) continue;
    const text = s.bytes.toString('utf8');
    if (!text.includes('FOREIGN KEY')) continue;
    for (const m of text.matchAll(CONSTRAINT_RE)) {
      const action = /ON DELETE (CASCADE|SET NULL)/i.exec(m[6] ?? '')?.[1]?.toUpperCase();
      if (action !== 'CASCADE' && action !== 'SET NULL') continue;
      out.push({
        name: unquote(m[1]!),
        child: { db: s.db, table: s.table, columns: columnList(m[2]!) },
        parent: { db: m[3] === undefined ? s.db : unquote(m[3]), table: unquote(m[4]!), columns: columnList(m[5]!) },
        onDelete: action,
      });
    }
  }
  return out;
}

function columnList(text: string): string[] {
  return [...text.matchAll(/`((?:[^`]|``)+)`/g)].map((m) => unquote(m[1]!));
}

function unquote(name: string): string {
  return name.replace(/``/g, '`');
}
