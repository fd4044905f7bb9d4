/**
 * Triggers are created only after the replay (../shared/BINLOG-NOTES.md "Triggers"): rows written
 * by a trigger on the source are logged as row events of their own, so a trigger present on the
 * target while rows are replayed as SQL would write them a second time (doubled audit rows).
 *
 * This model follows what happens to triggers in the range — from the dump, then CREATE/DROP
 * TRIGGER and the table DDL that takes triggers with it (DROP TABLE, DROP DATABASE, CREATE OR
 * REPLACE TABLE) — and yields the set the source had at the target, in creation order (which keeps
 * the relative order of several triggers on one table and event: FOLLOWS/PRECEDES refer to
 * triggers created earlier). Each keeps the session it was created in (sql_mode, charsets, default
 * database), so `CREATE TRIGGER` runs at the end as it ran on the source.
 *
 * Renaming a table moves its triggers with it; the stored statement names the old table, so a
 * trigger whose table was renamed cannot be recreated from its text: that is reported as
 * unsupported rather than guessed.
 */
import { Buffer } from 'node:buffer';
import { classifyStatement } from '../dump/classify-statement.js';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import { ddlSummary } from '../schema/schema-history.js';

export interface DeferredTrigger {
  readonly db: string;
  readonly name: string;
  readonly table: string;
  /** The CREATE TRIGGER statement's bytes as the source ran it (in its character_set_client). */
  readonly statement: Uint8Array;
  /** Statements that set its session before it runs (SET sql_mode…, SET NAMES…, USE db). */
  readonly session: readonly string[];
  /** Set when its table was renamed after it was created (cannot be recreated from its text). */
  renamedTo?: { db: string; table: string };
}

const key = (db: string, name: string): string => `${db}\0${name}`;
const tableKey = (db: string, table: string): string => `${db}\0${table}`;

export class DeferredTriggers {
  private readonly triggers = new Map<string, DeferredTrigger>();

  /** Is this statement a CREATE or DROP TRIGGER (to be handed to create()/drop() instead of run)? */
  static triggerStatement(bytes: Uint8Array, defaultDb: string): { op: 'create' | 'drop'; db: string; name: string; table: string | undefined } | undefined {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const c = classifyStatement(buf, defaultDb === '' ? undefined : defaultDb);
    if (c.kind !== 'trigger' || c.name === undefined) return undefined;
    const head = buf.subarray(0, 64).toString('latin1').replace(/\/\*!\d*|\*\//g, ' ').trimStart().toUpperCase();
    const op = head.startsWith('DROP') ? 'drop' : 'create';
    return { op, db: c.db ?? defaultDb, name: c.name, table: c.table };
  }

  create(trigger: DeferredTrigger): void {
    // CREATE OR REPLACE TRIGGER replaces in place; plain CREATE of an existing name failed on the source (not logged)
    this.triggers.delete(key(trigger.db, trigger.name));
    this.triggers.set(key(trigger.db, trigger.name), trigger);
  }

  drop(db: string, name: string): void {
    this.triggers.delete(key(db, name));
  }

  /**
   * Follows a DDL statement's effect on triggers: tables dropped or replaced lose theirs, renamed
   * tables take theirs along, a dropped database loses all of its own.
   */
  afterDdl(sql: string, defaultDb: string): void {
    if (this.triggers.size === 0) return;
    const s = ddlSummary(sql);
    const refs = s.tables.map((t) => ({ db: t.db ?? defaultDb, table: t.table }));
    switch (s.kind) {
      case 'drop':
        for (const t of refs) this.dropTable(t.db, t.table);
        break;
      case 'create':
        // CREATE OR REPLACE TABLE drops the old table with its triggers
        if (/^\s*create\s+or\s+replace\b/i.test(sql)) for (const t of refs) this.dropTable(t.db, t.table);
        break;
      case 'rename':
        for (let i = 0; i + 1 < refs.length; i += 2) this.renameTable(refs[i]!, refs[i + 1]!);
        break;
      case 'alter':
        if (refs.length > 1) this.renameTable(refs[0]!, refs[refs.length - 1]!);
        break;
      default:
        break;
    }
    for (const db of s.databases ?? []) {
      if (!/^\s*drop\b/i.test(sql)) continue;
      for (const [k, t] of this.triggers) if (t.db === db) this.triggers.delete(k);
    }
  }

  private dropTable(db: string, table: string): void {
    for (const [k, t] of this.triggers) if (tableKey(t.renamedTo?.db ?? t.db, t.renamedTo?.table ?? t.table) === tableKey(db, table)) this.triggers.delete(k);
  }

  private renameTable(from: { db: string; table: string }, to: { db: string; table: string }): void {
    for (const t of this.triggers.values()) {
      const cur = t.renamedTo ?? { db: t.db, table: t.table };
      if (cur.db === from.db && cur.table === from.table) t.renamedTo = to;
    }
  }

  /** The triggers to create after the replay, in creation order. */
  final(): DeferredTrigger[] {
    const out = [...this.triggers.values()];
    const renamed = out.find((t) => t.renamedTo !== undefined && (t.renamedTo.db !== t.db || t.renamedTo.table !== t.table));
    if (renamed !== undefined) {
      throw new PitrError(
        ERROR_CODES.BINLOG_UNSUPPORTED,
        `trigger ${renamed.db}.${renamed.name} belongs to table ${renamed.db}.${renamed.table}, which was renamed to ${renamed.renamedTo!.db}.${renamed.renamedTo!.table} in the replayed range: recreating it after the replay is not supported yet`,
        { hints: ['restore to a point before the rename, or recreate the trigger by hand after a restore with --skip-full'] },
      );
    }
    return out;
  }

  get size(): number {
    return this.triggers.size;
  }
}
