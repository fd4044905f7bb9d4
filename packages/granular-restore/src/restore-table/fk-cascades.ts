/**
 * What foreign keys did to the restored table without a trace in the binlog: a parent row's DELETE
 * with ON DELETE CASCADE / SET NULL, or a change of its key with ON UPDATE CASCADE / SET NULL,
 * changes the child rows inside InnoDB, and the server logs only the parent's row
 * (../shared/BINLOG-NOTES.md). A full restore gets them from the target's own foreign keys; a
 * restore of one table must replay them itself: the parents' row events are read too, and each
 * one that fires an action becomes a rule — "child rows whose key columns hold these values are
 * deleted / set to NULL / set to the new values" — applied at once to the child rows the binlogs
 * already changed, and later, in order, to the rows read from the backup that the binlogs never
 * touched (a row touched afterwards is logged as the action left it).
 *
 * Not fired: rows events logged with foreign_key_checks=0 (NO_FOREIGN_KEY_CHECKS_F), as on the
 * source. Refused with a clear error rather than guessed: an action two levels up (a grandparent
 * whose own cascade removes parents, which cascade again), a child table without a primary key, a
 * parent whose column names the binlog does not give. Foreign keys come from the backup's CREATE
 * TABLE statements; one added by DDL after the backup is not known.
 */
import { PitrError, type RowImage, type RowsBody, type SchemaProvider } from '@pitr/core';
import { type ForeignKeyAction, type ForeignKeyRule, foreignKeyAction } from '../foreign-keys.js';
import { rowKey } from './row-key.js';
import type { RowChanges } from './table-lineage.js';

const NO_FOREIGN_KEY_CHECKS_F = 2;

interface Rule {
  /** Child columns holding the parent's key. */
  readonly cols: readonly number[];
  /** Their values before the action (rowKey text). */
  readonly match: string;
  /** null: delete the row; else the new values of `cols` (null values for SET NULL). */
  readonly set: readonly (RowImage[number])[] | null;
}

/** Where a cascade came from, for error messages. */
export interface CascadeMark {
  readonly gtid: string | null;
  readonly file: string;
  readonly pos: number;
}

export class FkCascades {
  private readonly rules: Rule[] = [];
  private readonly byParent = new Map<string, { fk: ForeignKeyAction; cols: number[] }[]>();
  private readonly grandparents = new Map<string, ForeignKeyAction>();
  /** Rules created so far (cascades that fired). */
  fired = 0;

  /**
   * @param fks foreign keys of the restored table (it is their child) with CASCADE/SET NULL actions
   * @param parentFks foreign keys of those parents with actions (two levels: refused when they fire)
   * @param childColumns the restored table's column names, in order
   */
  constructor(fks: readonly ForeignKeyAction[], parentFks: readonly ForeignKeyAction[], childColumns: readonly string[]) {
    for (const fk of fks) {
      const cols = fk.child.columns.map((n) => childColumns.indexOf(n));
      if (cols.some((i) => i < 0)) continue;
      const k = `${fk.parent.db}.${fk.parent.table}`;
      const list = this.byParent.get(k) ?? [];
      list.push({ fk, cols });
      this.byParent.set(k, list);
    }
    for (const fk of parentFks) this.grandparents.set(`${fk.parent.db}.${fk.parent.table}`, fk);
  }

  /** The foreign-key actions that reach `db.table` (from the backup's definitions), or undefined when none do. */
  static fromSchema(schema: SchemaProvider, db: string, table: string): FkCascades | undefined {
    const t = schema.getTable(db, table);
    if (t === undefined) return undefined;
    const mine = (t.foreignKeys ?? []).map((fk) => foreignKeyAction(fk, db, table)).filter((a): a is ForeignKeyAction => a !== undefined);
    if (mine.length === 0) return undefined;
    const parents: ForeignKeyAction[] = [];
    for (const fk of mine) {
      const p = schema.getTable(fk.parent.db, fk.parent.table);
      for (const g of p?.foreignKeys ?? []) {
        const a = foreignKeyAction(g, fk.parent.db, fk.parent.table);
        if (a !== undefined) parents.push(a);
      }
    }
    return new FkCascades(mine, parents, t.columns.map((c) => c.name));
  }

  get empty(): boolean {
    return this.byParent.size === 0;
  }

  /** Row events to read besides the table's own: its parents' (and their parents', to refuse). */
  wants(body: RowsBody): boolean {
    const k = `${body.table.db}.${body.table.table}`;
    return this.byParent.has(k) || this.grandparents.has(k);
  }

  /** A parent's (or grandparent's) rows event: its unlogged effects on the table's changed rows now, on the backup's rows later. */
  parentRows(body: RowsBody, changes: RowChanges, mark: CascadeMark): void {
    if ((body.flags & NO_FOREIGN_KEY_CHECKS_F) !== 0) return; // foreign_key_checks=0: no action fired
    const k = `${body.table.db}.${body.table.table}`;
    const grand = this.grandparents.get(k);
    if (grand !== undefined && body.kind !== 'write') {
      const fires = body.kind === 'delete' ? grand.onDelete !== undefined : grand.onUpdate !== undefined && body.rows.some((r) => keyOf(r.before!, body, grand.parent.columns) !== keyOf(r.after!, body, grand.parent.columns));
      if (fires) {
        throw new PitrError('PLAN', `a ${body.kind.toUpperCase()} of ${k} (${where(mark)}) may change ${grand.child.db}.${grand.child.table} through FOREIGN KEY ${grand.name}, and that table's own cascades the restored table: restore-table follows one level of foreign-key actions`, {
          hints: ['restore the whole database to a scratch server (pitr restore … --to URL) and copy the table from there'],
        });
      }
    }
    const list = this.byParent.get(k);
    if (list === undefined || body.kind === 'write') return;
    for (const { fk, cols } of list) {
      const action: ForeignKeyRule | undefined = body.kind === 'delete' ? fk.onDelete : fk.onUpdate;
      if (action === undefined) continue;
      const parentCols = fk.parent.columns.map((n) => body.table.columns.findIndex((c) => c.name === n));
      if (parentCols.some((i) => i < 0)) {
        throw new PitrError('PLAN', `the binlog does not name the columns of ${k} (${where(mark)}), so what FOREIGN KEY ${fk.name} did to the restored table cannot be followed`, {
          hints: ['restore the whole database to a scratch server (pitr restore … --to URL)'],
        });
      }
      for (const r of body.rows) {
        const before = r.before!;
        if (parentCols.some((i) => before[i] === null || before[i] === undefined)) continue;
        const match = rowKey(before, parentCols);
        let set: Rule['set'];
        if (body.kind === 'delete') set = action === 'CASCADE' ? null : cols.map(() => null);
        else {
          const after = r.after!;
          if (rowKey(after, parentCols) === match) continue; // the key did not change: nothing fires
          set = action === 'CASCADE' ? parentCols.map((i) => after[i]!) : cols.map(() => null);
        }
        this.addRule({ cols, match, set }, changes, mark);
      }
    }
  }

  /** A row read from the backup and never changed by the binlogs, after every action of the range (null: deleted). */
  backupRow(row: RowImage): RowImage | null {
    let cur: RowImage = row;
    for (const rule of this.rules) {
      if (rowKey(cur, rule.cols) !== rule.match) continue;
      if (rule.set === null) return null;
      cur = applySet(cur, rule);
    }
    return cur;
  }

  private addRule(rule: Rule, changes: RowChanges, mark: CascadeMark): void {
    if (changes.key.length === 0) {
      throw new PitrError('PLAN', `a foreign-key action (${where(mark)}) changes rows of the restored table, which has no primary key: the rows it changed cannot be told apart`, {
        hints: ['restore the whole database to a scratch server (pitr restore … --to URL)'],
      });
    }
    this.fired++;
    this.rules.push(rule);
    for (const [k, row] of changes.byKey) {
      if (row === null || rowKey(row, rule.cols) !== rule.match) continue;
      changes.byKey.set(k, rule.set === null ? null : applySet(row, rule));
    }
  }
}

function applySet(row: RowImage, rule: Rule): RowImage {
  const out = row.slice();
  rule.cols.forEach((c, i) => {
    out[c] = rule.set![i]!;
  });
  return out;
}

function keyOf(image: RowImage, body: RowsBody, names: readonly string[]): string {
  return rowKey(image, names.map((n) => body.table.columns.findIndex((c) => c.name === n)));
}

function where(m: CascadeMark): string {
  return m.gtid === null ? `at ${m.file}:${m.pos}` : `transaction ${m.gtid}`;
}

