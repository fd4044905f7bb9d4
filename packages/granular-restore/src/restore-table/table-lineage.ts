/**
 * What the binlogs did to one table up to the target: its row changes folded into final states
 * (primary key → row | deleted; without a key, a multiset of whole rows), and its DDL — TRUNCATE,
 * DROP, CREATE, RENAME, ALTER. Memory is bounded by the rows the binlogs touched, not by the table.
 *
 * A table is followed as a *lineage*: the object a name denotes at the target may have had other
 * names before (RENAME TABLE a TO b, ALTER TABLE … RENAME), or may be a table created in the range
 * under a name a dropped table had. A first pass follows the name as given; when that name was
 * taken over by a rename from another table, the lineage's origin is found by walking the
 * recorded renames backwards (resolveOrigin) and a second pass follows it from there.
 */
import {
  PitrError,
  type RowImage,
  type RowsBody,
  type SchemaColumn,
  type SchemaHistory,
  type Transaction,
  ddlSummary,
} from '@pitr/core';
import { isoUtc } from '../output/row-values.js';
import type { FkCascades } from './fk-cascades.js';
import { type LayoutStep, convertRow, layoutStep } from './layout-step.js';
import { hasMissing, rowKey } from './row-key.js';

export interface QualifiedName {
  readonly db: string;
  readonly table: string;
}

export interface DdlMark {
  readonly gtid: string | null;
  readonly file: string;
  readonly pos: number;
  readonly commitTimeUs: bigint;
  readonly statement: string;
}

/** Name-level DDL of every table, for resolving a lineage backwards. */
export type NameEvent =
  | { readonly kind: 'rename'; readonly from: QualifiedName; readonly to: QualifiedName; readonly mark: DdlMark }
  | { readonly kind: 'create'; readonly name: QualifiedName; readonly mark: DdlMark }
  | { readonly kind: 'drop'; readonly name: QualifiedName; readonly mark: DdlMark };

export type LineageStart =
  /** The table of this name in the backup (present or not). */
  | { readonly kind: 'dump'; readonly name: QualifiedName }
  /** The table created by the `index`-th CREATE of the name-event log. */
  | { readonly kind: 'create'; readonly name: QualifiedName; readonly eventIndex: number };

export type LineageState = 'present' | 'absent' | 'renamed-in';

export function sameName(a: QualifiedName, b: QualifiedName): boolean {
  return a.db === b.db && a.table === b.table;
}

export function showName(n: QualifiedName): string {
  return `${n.db}.${n.table}`;
}

function markText(m: DdlMark): string {
  return `${m.gtid === null ? `${m.file}:${m.pos}` : `GTID ${m.gtid}`}, committed ${isoUtc(m.commitTimeUs)}`;
}

/** Final row states, by primary key or (without one) as a multiset of whole rows. */
export class RowChanges {
  /** key → final row (null = deleted). */
  readonly byKey = new Map<string, RowImage | null>();
  /** Without a key: row text → net count (negative: that many dump rows are gone) and the row. */
  readonly multiset = new Map<string, { count: number; row: RowImage }>();

  constructor(
    /** Primary key column indexes; empty = no key. */
    public key: readonly number[],
    /** Columns compared for whole-row identity (not generated). */
    public compared: readonly number[],
  ) {}

  /**
   * Carries every row state into a new layout (layout-step.ts). The primary key keeps its values
   * (a step never touches it), so the keys of the map stay; tables without a key are refused there.
   */
  convert(step: LayoutStep, columns: readonly SchemaColumn[]): void {
    for (const [k, row] of this.byKey) if (row !== null) this.byKey.set(k, convertRow(row, step));
    this.key = columns.flatMap((c, i) => (c.primaryKey ? [i] : []));
    this.compared = columns.flatMap((c, i) => (c.generated ? [] : [i]));
  }

  get size(): number {
    return this.key.length > 0 ? this.byKey.size : this.multiset.size;
  }

  clear(): void {
    this.byKey.clear();
    this.multiset.clear();
  }

  private bump(row: RowImage, by: number): void {
    const text = rowKey(row, this.compared);
    const e = this.multiset.get(text);
    if (e === undefined) this.multiset.set(text, { count: by, row });
    else {
      e.count += by;
      if (e.count === 0) this.multiset.delete(text);
    }
  }

  apply(before: RowImage | undefined, after: RowImage | undefined): void {
    if (this.key.length === 0) {
      if (before !== undefined) this.bump(before, -1);
      if (after !== undefined) this.bump(after, 1);
      return;
    }
    if (before !== undefined) {
      const kb = rowKey(before, this.key);
      if (after === undefined || rowKey(after, this.key) !== kb) this.byKey.set(kb, null);
    }
    if (after !== undefined) this.byKey.set(rowKey(after, this.key), after);
  }
}

export interface LineageOptions {
  readonly start: LineageStart;
  /** Follow RENAMEs of the table (pass 2), or stay with the name (pass 1). */
  readonly follow: boolean;
  readonly history: SchemaHistory;
  /** What foreign-key actions of parent tables did to this table (fk-cascades.ts), when any can. */
  readonly cascades?: FkCascades | undefined;
}

/** One pass's view of the table. Feed every transaction up to the target, in order. */
export class TableLineage {
  name: QualifiedName;
  state: LineageState;
  /** The dump's rows are the base (false after TRUNCATE, DROP or CREATE in the range). */
  fromDump: boolean;
  /** The table's name in the dump (rows are read from the dump under it). */
  readonly dumpName: QualifiedName | undefined;
  /** CREATE TABLE in the range that made the lineage (with the session's database). */
  create: { readonly db: string; readonly sql: string; readonly mark: DdlMark } | undefined;
  /** Later DDL that does not change the row layout (indexes, options), replayed on a copy. */
  readonly alters: { readonly db: string; readonly sql: string; readonly mark: DdlMark }[] = [];
  /** A DDL that changed the row layout in a way restore-table does not convert (refused), and why. */
  layoutChange: DdlMark | undefined;
  layoutReason: string | undefined;
  /** Column-layout ALTERs followed (ADD/DROP COLUMN): the backup's rows go through each, in order. */
  readonly layouts: LayoutStep[] = [];
  /** The definition became unknown (a statement the schema history could not follow). */
  unknown: { readonly reason: string; readonly mark: DdlMark } | undefined;
  /** Rows only in some columns (binlog_row_image=MINIMAL/NOBLOB). */
  partialImages: DdlMark | undefined;
  readonly ddl: { readonly what: string; readonly mark: DdlMark }[] = [];
  /** Why the name has no table at the end (for error messages). */
  gone: { readonly what: 'dropped' | 'renamed'; readonly to?: QualifiedName; readonly mark: DdlMark } | undefined;
  renamedIn: DdlMark | undefined;
  changes: RowChanges | undefined;
  rowsSeen = 0;
  private waitingForCreate: number | undefined;

  constructor(private readonly options: LineageOptions) {
    const s = options.start;
    this.name = s.name;
    if (s.kind === 'dump') {
      const present = options.history.getTable(s.name.db, s.name.table) !== undefined;
      this.state = present ? 'present' : 'absent';
      this.fromDump = present;
      this.dumpName = present ? s.name : undefined;
      if (present) this.changes = this.newChanges();
    } else {
      this.state = 'absent';
      this.fromDump = false;
      this.dumpName = undefined;
      this.waitingForCreate = s.eventIndex;
    }
  }

  /** The table's current definition (schema history at the current point of the scan). */
  columns(): readonly SchemaColumn[] | undefined {
    return this.options.history.getTable(this.name.db, this.name.table)?.columns;
  }

  private newChanges(): RowChanges {
    const cols = this.columns() ?? [];
    return new RowChanges(
      cols.flatMap((c, i) => (c.primaryKey ? [i] : [])),
      cols.flatMap((c, i) => (c.generated ? [] : [i])),
    );
  }

  /** Which row events to keep: those of the current name. */
  wants(body: RowsBody): boolean {
    return body.table.db === this.name.db && body.table.table === this.name.table;
  }

  /** Which row events to keep: the table's own, and its parents' when their foreign-key actions reach it. */
  keeps(body: RowsBody): boolean {
    return this.wants(body) || this.options.cascades?.wants(body) === true;
  }

  /** A row of the backup that the binlogs never changed, as the range's foreign-key actions left it (null: deleted). */
  backupRow(row: RowImage): RowImage | null {
    return this.options.cascades === undefined ? row : this.options.cascades.backupRow(row);
  }

  /** A row as the backup holds it, in the table's layout at the target (after the ADD/DROP COLUMNs followed). */
  toTargetLayout(row: RowImage): RowImage {
    let out = row;
    for (const step of this.layouts) out = convertRow(out, step);
    return out;
  }

  /** Applies one transaction: its DDL to the schema history (and the lineage), then its rows. */
  transaction(t: Transaction, log: NameEvent[]): void {
    for (const q of t.queries) {
      const mark: DdlMark = { gtid: t.gtidText ?? null, file: t.file, pos: t.startPos, commitTimeUs: t.commitTimeUs, statement: q.query };
      this.query(q.db, q.query, mark, log);
    }
    if (this.state !== 'present') return;
    const cascades = this.options.cascades;
    for (const body of t.rowEvents) {
      if (this.wants(body)) this.rows(body, { gtid: t.gtidText ?? null, file: t.file, pos: t.startPos, commitTimeUs: t.commitTimeUs, statement: '' });
      else if (cascades?.wants(body) === true) cascades.parentRows(body, (this.changes ??= this.newChanges()), { gtid: t.gtidText ?? null, file: t.file, pos: t.startPos });
    }
  }

  private rows(body: RowsBody, mark: DdlMark): void {
    const width = this.columns()?.length ?? body.table.columns.length;
    const changes = (this.changes ??= this.newChanges());
    for (const r of body.rows) {
      const { before, after } = r;
      if ((before !== undefined && hasMissing(before, width)) || (after !== undefined && hasMissing(after, width))) {
        this.partialImages ??= mark;
        continue;
      }
      changes.apply(before, after);
      this.rowsSeen++;
    }
  }

  private query(db: string, sql: string, mark: DdlMark, log: NameEvent[]): void {
    const summary = ddlSummary(sql);
    if (summary.kind === 'not-ddl') return;
    const history = this.options.history;
    const q = (t: { db?: string; table: string }): QualifiedName => ({ db: t.db ?? db, table: t.table });
    const isMine = (n: QualifiedName): boolean => sameName(n, this.name);
    const before = history.getTable(this.name.db, this.name.table);
    history.applyQuery(db, sql);
    const orReplace = /^\s*create\s+or\s+replace\b/i.test(sql);
    const ifNotExists = /^\s*create\s+(?:or\s+replace\s+)?(?:temporary\s+)?table\s+if\s+not\s+exists\b/i.test(sql);
    const temporary = /^\s*(?:create|drop)\s+(?:or\s+replace\s+)?temporary\b/i.test(sql);
    if (temporary) return;
    switch (summary.kind) {
      case 'truncate': {
        const n = summary.tables[0];
        if (n !== undefined && isMine(q(n)) && this.state === 'present') {
          this.changes?.clear();
          this.fromDump = false;
          this.ddl.push({ what: 'TRUNCATE', mark });
        }
        return;
      }
      case 'drop': {
        const names = summary.tables.map(q);
        for (const n of names) log.push({ kind: 'drop', name: n, mark });
        const dbDropped = summary.databases?.includes(this.name.db) ?? false;
        if ((names.some(isMine) || dbDropped) && this.state === 'present') {
          this.state = 'absent';
          this.gone = { what: 'dropped', mark };
          this.changes = undefined;
          this.fromDump = false;
          this.ddl.push({ what: 'DROP', mark });
        }
        return;
      }
      case 'create': {
        const n = summary.tables[0];
        if (n === undefined) return;
        const name = q(n);
        if (ifNotExists && before !== undefined && isMine(name)) return;
        log.push({ kind: 'create', name, mark });
        const index = log.length - 1;
        const starts = this.waitingForCreate === undefined ? isMine(name) && (this.state !== 'present' || orReplace) : index === this.waitingForCreate;
        if (!starts) return;
        this.waitingForCreate = undefined;
        this.name = name;
        this.state = 'present';
        this.fromDump = false;
        this.create = { db, sql, mark };
        this.alters.length = 0;
        this.layoutChange = undefined;
        this.renamedIn = undefined;
        this.gone = undefined;
        this.changes = this.newChanges();
        const reason = history.unknownReason(name.db, name.table);
        this.unknown = reason === undefined ? undefined : { reason, mark };
        this.ddl.push({ what: 'CREATE', mark });
        return;
      }
      case 'rename': {
        for (let k = 0; k + 1 < summary.tables.length; k += 2) {
          const from = q(summary.tables[k]!);
          const to = q(summary.tables[k + 1]!);
          log.push({ kind: 'rename', from, to, mark });
          this.renamed(from, to, mark);
        }
        return;
      }
      case 'alter': {
        const n = summary.tables[0];
        if (n === undefined) return;
        const name = q(n);
        const to = summary.tables[1] === undefined ? undefined : q(summary.tables[1]);
        if (to !== undefined && !sameName(name, to)) log.push({ kind: 'rename', from: name, to, mark });
        if (!isMine(name) || this.state !== 'present') {
          if (to !== undefined) this.renamed(name, to, mark);
          return;
        }
        const after = history.getTable((to ?? name).db, (to ?? name).table);
        if (after === undefined) {
          this.unknown ??= { reason: history.unknownReason((to ?? name).db, (to ?? name).table) ?? 'not understood', mark };
        } else if (before !== undefined && !sameLayout(before.columns, after.columns)) {
          const step = to !== undefined ? 'it also renames the table' : (this.changes?.key.length ?? 1) === 0 ? 'the table has no primary key' : layoutStep(before.columns, after.columns, sql);
          if (typeof step === 'string') {
            this.layoutChange ??= mark;
            this.layoutReason ??= step;
          } else {
            this.layouts.push(step);
            this.changes?.convert(step, after.columns);
            this.alters.push({ db, sql, mark });
          }
        } else if (to === undefined) {
          this.alters.push({ db, sql, mark });
        }
        if (to !== undefined) this.renamed(name, to, mark);
        else this.ddl.push({ what: 'ALTER', mark });
        return;
      }
      default: {
        const reason = history.unknownReason(this.name.db, this.name.table);
        if (reason !== undefined && this.state === 'present') this.unknown ??= { reason, mark };
      }
    }
  }

  private renamed(from: QualifiedName, to: QualifiedName, mark: DdlMark): void {
    if (sameName(from, this.name) && this.state === 'present') {
      if (this.options.follow) {
        this.name = to;
        this.ddl.push({ what: `RENAME to ${showName(to)}`, mark });
      } else {
        this.state = 'absent';
        this.gone = { what: 'renamed', to, mark };
        this.changes = undefined;
      }
      return;
    }
    if (sameName(to, this.name) && this.state !== 'present' && this.waitingForCreate === undefined) {
      // another table takes the name: its past is not in this pass
      this.state = 'renamed-in';
      this.renamedIn = mark;
      this.gone = undefined;
    }
  }

  /** Refusals that depend only on the lineage (called for the lineage the target names). */
  check(): void {
    const name = showName(this.name);
    if (this.layoutChange !== undefined) {
      const m = this.layoutChange;
      throw new PitrError('PLAN', `${name} changed its columns in the range (${m.statement.slice(0, 160)} — ${markText(m)}) in a way restore-table does not convert rows across: ${this.layoutReason ?? 'not a plain ADD/DROP COLUMN'}`, {
        hints: [
          'restore the whole database to a scratch server at the target (pitr restore TARGET … --to URL) and copy the table from there',
          'or use a backup taken after that ALTER, or an --at before it',
        ],
      });
    }
    if (this.layouts.length > 0 && (this.options.cascades?.fired ?? 0) > 0) {
      throw new PitrError('PLAN', `${name} changed its columns in the range and foreign-key actions of its parents changed its rows: restore-table does not combine the two`, {
        hints: ['restore the whole database to a scratch server at the target (pitr restore TARGET … --to URL) and copy the table from there'],
      });
    }
    if (this.unknown !== undefined) {
      throw new PitrError('PLAN', `the definition of ${name} cannot be followed through the binlogs (${this.unknown.reason}; ${markText(this.unknown.mark)})`, {
        hints: ['restore the whole database to a scratch server at the target (pitr restore TARGET … --to URL) and copy the table from there'],
      });
    }
    if (this.partialImages !== undefined) {
      throw new PitrError('PLAN', `the binlogs log ${name} with partial row images (binlog_row_image=MINIMAL or NOBLOB, first at ${markText(this.partialImages)}): restore-table needs FULL images`, {
        hints: ['restore the whole database to a scratch server at the target (pitr restore … --to URL), which replays partial images exactly', 'set binlog_row_image=FULL on the source for the future'],
      });
    }
  }
}

/** True when two definitions store rows alike (same columns, types and order). */
function sameLayout(a: readonly SchemaColumn[], b: readonly SchemaColumn[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((c, i) => {
    const d = b[i]!;
    return c.name === d.name && c.sqlType === d.sqlType && c.generated === d.generated && c.collationId === d.collationId && c.nullable === d.nullable && c.primaryKey === d.primaryKey;
  });
}

/** The start of the lineage named `name` at the end of `log`, walking its renames backwards. */
export function resolveOrigin(name: QualifiedName, log: readonly NameEvent[]): LineageStart {
  let cur = name;
  for (let i = log.length - 1; i >= 0; i--) {
    const e = log[i]!;
    if (e.kind === 'rename' && sameName(e.to, cur)) cur = e.from;
    else if (e.kind === 'create' && sameName(e.name, cur)) return { kind: 'create', name: cur, eventIndex: i };
  }
  return { kind: 'dump', name: cur };
}

export { markText };
