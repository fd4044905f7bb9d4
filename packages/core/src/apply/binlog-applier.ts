/**
 * Replays decoded binlog events onto a target server, transaction by transaction, the way the
 * source committed them. Feed it every event from the replay's start (a group boundary) to its stop
 * (a group boundary), in binlog order.
 *
 * Exactness rules (../shared/BINLOG-NOTES.md; each is a way to restore wrong data):
 *  - transactions: BEGIN/COMMIT/ROLLBACK as logged (XID commits). A non-transactional group closed by
 *    COMMIT and a mixed one closed by ROLLBACK are replayed as such: ROLLBACK undoes the
 *    transactional part only, exactly as on the source;
 *  - SAVEPOINT / ROLLBACK TO SAVEPOINT inside a transaction run as logged: rows logged after the
 *    savepoint (kept because a non-transactional table changed) are undone by the ROLLBACK TO;
 *  - foreign-key and unique checks per rows event, from its flags (NO_FOREIGN_KEY_CHECKS_F,
 *    RELAXED_UNIQUE_CHECKS_F): cascades are not logged, the target's foreign keys make them, and a
 *    session that ran with foreign_key_checks=0 is replayed with checks off for exactly its rows;
 *  - DDL and statement-logged queries run with the session they had (query-session.ts) and their
 *    default database, as the exact bytes the source ran;
 *  - CREATE/DROP TRIGGER are not run but recorded (deferred-triggers.ts): triggers are created after
 *    the replay, so logged trigger rows are not written twice;
 *  - generated columns are never written, and an UPDATE/DELETE that does not find its before image
 *    stops the replay with a DIVERGENCE error naming the transaction (row-statements.ts).
 * A failure rolls back the open transaction before it is thrown, so the target holds whole
 * transactions only.
 */
import { QUERY_EVENT } from '../binlog/constants.js';
import type { BinlogEvent, QueryStatusVars, RowsBody, TableMapBody } from '../binlog/types.js';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import { firstKeyword } from '../schema/schema-history.js';
import { LITERAL_SESSION_STATEMENTS } from '../sql/literal.js';
import type { DbRewrite } from '../sql/rewrite-db.js';
import { type ApplyConnection, serverErrorOf } from './apply-connection.js';
import { DeferredTriggers } from './deferred-triggers.js';
import { contextEventStatement, querySessionStatements, useStatement } from './query-session.js';
import { NetEffect, netEligibleByFacts, netFactsQuery, netIneligibleByMap } from './net-effect.js';
import { type RowStatement, rowStatements } from './row-statements.js';

const DATABASE_DDL = /^\s*(?:create|drop|alter)\s+(?:database|schema)\b/i;

const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

/** ROWS event flags. */
const NO_FOREIGN_KEY_CHECKS_F = 2;
const RELAXED_UNIQUE_CHECKS_F = 4;

/** A transaction (event group) the applier finished. */
export interface AppliedGroup {
  /** GTID text of the group, undefined without GTIDs. */
  readonly gtid: string | undefined;
  readonly file: string;
  /** Offset just past the group's last event: where a resumed replay starts. */
  readonly endPos: number;
  /** 'commit' (XID/COMMIT, or DDL), 'rollback' (a logged ROLLBACK). */
  readonly outcome: 'commit' | 'rollback';
  /** Row changes applied in the group. */
  readonly rows: number;
}

export interface BinlogApplierOptions {
  readonly conn: ApplyConnection;
  /** Where CREATE/DROP TRIGGER of the range go (created after the replay by the caller). */
  readonly triggers: DeferredTriggers;
  /** Called after each group is committed (or rolled back as logged) on the target. */
  readonly onGroup?: (group: AppliedGroup) => void | Promise<void>;
  /**
   * Group commit (speed): consecutive transactional MariaDB transactions are applied in one target
   * transaction of up to `maxTransactions`, and their row statements are sent `maxBytes` at a time as
   * one multi-statement query (the connection must allow multiple statements). The target ends in
   * the same state — a restore is all-or-nothing anyway — while commits and round trips drop by
   * orders of magnitude. Never merged: DDL, non-transactional groups (they may end in ROLLBACK),
   * MySQL groups. A failure inside a merged group rolls it back and throws GroupReplayFailed, so the
   * caller replays from `from` without merging and the failing transaction is named exactly.
   */
  readonly batch?: { readonly maxTransactions: number; readonly maxBytes: number; readonly netEffect?: boolean };
  /** Non-fatal findings (e.g. FLOAT values that only match at the dump's 6-digit precision). */
  readonly onWarning?: (message: string) => void;
  /**
   * Tables ('db.table') whose FLOAT values were found at mariadb-dump's 6-digit value rather than
   * exactly: later statements match them that way from the start. Shared across appliers of one restore.
   */
  readonly relaxFloatTables?: Set<string>;
  /**
   * Resume watermark: a statement recording that `groups` are applied, run in the same target
   * transaction as their changes, just before its COMMIT (after DDL and logged ROLLBACKs, which
   * commit on their own, right after them).
   */
  readonly watermark?: (groups: readonly AppliedGroup[]) => string;
  /**
   * Follow only what the replay would remember — CREATE/DROP TRIGGER and the DDL that affects
   * triggers — without running anything on the target (to rebuild that state up to a resume point).
   */
  readonly trackOnly?: boolean;
  /** Transactions (GTID text) to leave out entirely (`--skip-gtid`). */
  readonly skipGtids?: ReadonlySet<string>;
  /**
   * `--rewrite-db`: only the renamed databases are replayed, under their new names (row events,
   * default databases and qualified names in statements: sql/rewrite-db.ts). Rows and statements of
   * other databases are left out; a statement that mixes a renamed database with another database of
   * the backup stops the replay (it would write into a database this restore does not own).
   */
  readonly rewriteDb?: DbRewrite;
}

/** A merged group failed (rolled back): replay again from `from` (its first transaction's start) without batching. */
export class GroupReplayFailed extends Error {
  constructor(
    readonly from: { readonly file: string; readonly pos: number },
    readonly reason: unknown,
  ) {
    super(`a merged group of transactions failed from ${from.file}:${from.pos}`);
    this.name = 'GroupReplayFailed';
  }
}

type SessionKind = 'unset' | 'literal' | 'query';

/** What failed in a pipelined send: the COMMIT it led with, or its batch (statements or counts). */
interface SendFailure {
  readonly stage: 'commit' | 'batch';
  readonly reason: unknown;
}

interface InflightSend {
  /** Resolves (never rejects) when the send is done: undefined, or what failed. */
  readonly done: Promise<SendFailure | undefined>;
  /** Source transactions made durable by the COMMIT the send led with. */
  readonly commits: readonly AppliedGroup[];
  /** Start of the target transaction that COMMIT ends. */
  readonly commitFrom: { readonly file: string; readonly pos: number } | undefined;
  /** Start of the target transaction the batch belongs to. */
  readonly from: { readonly file: string; readonly pos: number };
}

export class BinlogApplier {
  private readonly conn: ApplyConnection;
  private readonly triggers: DeferredTriggers;
  private readonly onGroup: ((group: AppliedGroup) => void | Promise<void>) | undefined;
  private flavor: 'mariadb' | 'mysql' = 'mariadb';
  private checksumLength = 0;
  private queryPostHeader = 13;
  private session: SessionKind = 'unset';
  private fkChecks = -1;
  private uniqueChecks = -1;
  private inTransaction = false;
  private groupGtid: string | undefined;
  private groupRows = 0;
  private pending: string[] = [];
  /** The statement that caused the current rows (ANNOTATE_ROWS / ROWS_QUERY), for error messages. */
  private annotation: string | undefined;
  private groupStart: { file: string; pos: number } | undefined;
  private readonly batch: { readonly maxTransactions: number; readonly maxBytes: number; readonly netEffect?: boolean } | undefined;
  /** Batching: the combined changes of simple tables in the open target transaction (net-effect.ts). */
  private readonly net: NetEffect | undefined;
  /**
   * Net effect: which tables may be combined, per table map (the decoder hands out the same object
   * while the table is unchanged), so the common case costs one lookup; forgotten at every DDL.
   */
  private netEligible = new WeakMap<TableMapBody, boolean>();
  private readonly onWarning: ((message: string) => void) | undefined;
  private readonly relaxFloatTables: Set<string>;
  private readonly watermark: ((groups: readonly AppliedGroup[]) => string) | undefined;
  private readonly trackOnly: boolean;
  private readonly skipGtids: ReadonlySet<string> | undefined;
  private readonly rewriteDb: DbRewrite | undefined;
  private readonly targetDb: ((db: string) => string) | undefined;
  /** Inside a transaction left out (--skip-gtid): 'standalone' ends at its statement, 'group' at XID/COMMIT/ROLLBACK. */
  private skipping: 'no' | 'standalone' | 'group' = 'no';
  /** Batching: is the current source transaction merged into the open target transaction? */
  private merging = false;
  /** Batching: the current source transaction has queued statements of its own (BEGIN aside). */
  private sourceQueued = false;
  /** Between a group's GTID event and its end (the target transaction may stay open longer when merging). */
  private sourceOpen = false;
  /** Batching: source transactions done in the open target transaction, reported after its COMMIT. */
  private merged: AppliedGroup[] = [];
  private mergedFrom: { file: string; pos: number } | undefined;
  /**
   * Batching, pipelined: a merged target transaction whose statements are all sent but whose COMMIT
   * is not (it goes out once the last batch's counts are verified, ahead of the next batch).
   */
  private toCommit: { groups: AppliedGroup[]; from: { file: string; pos: number } } | undefined;
  /** Batching, pipelined: the send the server is working on while the next batch is rendered. */
  private inflight: InflightSend | undefined;
  /** Batching: statements not yet sent, and what each must report (-1: nothing to check). */
  private queued: string[] = [];
  private queuedExpect: number[] = [];
  private queuedBytes = 0;

  constructor(options: BinlogApplierOptions) {
    this.conn = options.conn;
    this.triggers = options.triggers;
    this.onGroup = options.onGroup;
    this.batch = options.batch;
    this.net = options.batch !== undefined && options.batch.netEffect !== false ? new NetEffect() : undefined;
    this.onWarning = options.onWarning;
    this.relaxFloatTables = options.relaxFloatTables ?? new Set();
    this.watermark = options.watermark;
    this.trackOnly = options.trackOnly === true;
    this.skipGtids = options.skipGtids;
    this.rewriteDb = options.rewriteDb;
    const rw = options.rewriteDb;
    this.targetDb = rw === undefined ? undefined : (db) => rw.db(db) ?? db;
  }

  /** True between a group's start and its end: stopping here would leave a partial transaction. */
  get insideTransaction(): boolean {
    return this.sourceOpen;
  }

  async apply(event: BinlogEvent): Promise<void> {
    const body = event.body;
    if (this.skipping !== 'no' && this.skippedEnds(body)) return;
    if (body.kind === 'gtid' && this.skipGtids?.has(body.gtid) === true) {
      await this.settle();
      this.skipping = body.flavor === 'mariadb' && body.standalone ? 'standalone' : 'group';
      return;
    }
    switch (body.kind) {
      case 'format_description':
        this.flavor = body.flavor;
        this.checksumLength = body.checksumAlg === 1 ? 4 : 0;
        this.queryPostHeader = body.postHeaderLengths[QUERY_EVENT - 1] ?? 13;
        return;
      case 'gtid':
        if (this.sourceOpen) await this.fail(event, 'a new transaction starts before the previous one ended (the binlog is cut or reordered)', ERROR_CODES.BINLOG_FORMAT);
        this.sourceOpen = true;
        this.groupGtid = body.flavor === 'mysql' && body.anonymous ? undefined : body.gtid;
        this.groupRows = 0;
        this.groupStart = { file: event.file, pos: event.pos };
        this.annotation = undefined;
        this.merging = this.batch !== undefined && body.flavor === 'mariadb' && body.transactional && !body.standalone && !body.ddl;
        if (!this.merging) await this.settle();
        else if (this.mergedFrom === undefined) this.mergedFrom = { file: event.file, pos: event.pos };
        // MariaDB logs no BEGIN query: a GTID event without FL_STANDALONE opens the transaction
        // (mariadb-binlog prints its BEGIN from this event). MySQL logs a BEGIN query event.
        if (body.flavor === 'mariadb' && !body.standalone && !this.inTransaction) {
          // merged: queued, so it cannot reach the server before the previous transaction's COMMIT
          if (this.merging) this.enqueue('BEGIN', -1);
          else await this.run(event, 'BEGIN');
          this.inTransaction = true;
        }
        this.sourceQueued = false;
        return;
      case 'query':
        return this.query(event, body.query, body.db, body.statusVars, body.compressed);
      case 'xid':
        if (this.merging) return this.endMerged(event);
        await this.markBefore(event, 'commit');
        await this.run(event, 'COMMIT');
        return this.endGroup(event, 'commit');
      case 'intvar':
      case 'rand':
      case 'user_var': {
        const s = contextEventStatement(body);
        if (s !== undefined) this.pending.push(s);
        return;
      }
      case 'annotate_rows':
      case 'rows_query':
        this.annotation = body.query;
        return;
      case 'write':
      case 'update':
      case 'delete':
        return this.rows(event, body);
      case 'incident':
        return this.fail(event, `the source logged an INCIDENT (${body.message || `type ${body.incidentType}`}): events may be missing here`, ERROR_CODES.BINLOG_UNSUPPORTED);
      case 'begin_load_query':
      case 'execute_load_query':
        return this.fail(event, 'LOAD DATA logged in statement format cannot be replayed yet', ERROR_CODES.BINLOG_UNSUPPORTED);
      case 'xa_prepare':
        return this.fail(event, 'XA transactions cannot be replayed yet', ERROR_CODES.BINLOG_UNSUPPORTED);
      default:
        // TABLE_MAP (rows carry their table), ROTATE, GTID_LIST, BINLOG_CHECKPOINT, STOP, HEARTBEAT,
        // PREVIOUS_GTIDS, TRANSACTION_CONTEXT, VIEW_CHANGE, TRANSACTION_PAYLOAD (inner events follow), IGNORABLE
        return;
    }
  }

  /** While skipping a transaction: true for its events (the last one ends the skip). */
  private skippedEnds(body: BinlogEvent['body']): boolean {
    if (body.kind === 'gtid') {
      this.skipping = 'no';
      return false;
    }
    if (body.kind === 'xid') this.skipping = 'no';
    else if (body.kind === 'query') {
      const kw = firstKeyword(body.query);
      if (kw === 'commit' || (kw === 'rollback' && !/^\s*rollback\s+(work\s+)?to\b/i.test(body.query))) this.skipping = 'no';
      else if (this.skipping === 'standalone' && kw !== 'begin') this.skipping = 'no';
    }
    return true;
  }

  /** Call after the last event: a replay must end on a group boundary. */
  async finish(): Promise<void> {
    if (this.sourceOpen && this.merging) {
      await this.rollbackQuietly();
      throw new PitrError(ERROR_CODES.INTERNAL, 'the replay ended inside a transaction (its stop point is not a group boundary); the partial transaction was rolled back');
    }
    await this.settle();
    if (this.inTransaction) {
      await this.rollbackQuietly();
      throw new PitrError(ERROR_CODES.INTERNAL, 'the replay ended inside a transaction (its stop point is not a group boundary); the partial transaction was rolled back');
    }
  }

  private async query(event: BinlogEvent, text: string, db: string, statusVars: QueryStatusVars, compressed: boolean): Promise<void> {
    const kw = firstKeyword(text);
    if (kw === 'begin' || (kw === 'start' && /^\s*start\s+transaction\b/i.test(text))) {
      if (this.inTransaction) return; // opened by the GTID event, or merged into the open target transaction
      await this.run(event, 'BEGIN');
      this.inTransaction = true;
      return;
    }
    if (kw === 'commit') {
      if (this.merging) return this.endMerged(event);
      await this.markBefore(event, 'commit');
      await this.run(event, 'COMMIT');
      return this.endGroup(event, 'commit');
    }
    if (kw === 'rollback' && !/^\s*rollback\s+(work\s+)?to\b/i.test(text)) {
      await this.run(event, 'ROLLBACK');
      // what survives a logged ROLLBACK (non-transactional changes) is committed already
      await this.markBefore(event, 'rollback');
      return this.endGroup(event, 'rollback');
    }
    if (kw === 'savepoint' || kw === 'rollback' || kw === 'release') {
      if (this.merging) {
        // combined changes stay on their side of a savepoint (ROLLBACK TO must undo exactly what followed it)
        await this.flushNet();
        this.enqueue(UTF8_DECODER.decode(this.queryBytes(event, text, compressed)), -1);
        return;
      }
      await this.run(event, this.queryBytes(event, text, compressed));
      return;
    }
    if (kw === 'xa') return this.fail(event, 'XA transactions cannot be replayed yet', ERROR_CODES.BINLOG_UNSUPPORTED);
    // a statement inside a merged transaction (statement-logged DML): when it is the transaction's
    // first change, the merged transactions before it are committed and this one runs unmerged;
    // after changes of its own, the stretch is replayed again unmerged (GroupReplayFailed)
    if (this.merging) {
      if (this.sourceQueued) await this.groupFailed(new Error(`a statement-logged query at ${event.file}:${event.pos} inside a merged transaction`));
      await this.unmergeCurrent(event);
    }
    await this.settle();
    this.netEligible = new WeakMap(); // DDL may change what makes a table simple
    let bytes = this.queryBytes(event, text, compressed);
    let run = true;
    if (this.rewriteDb !== undefined) {
      const r = await this.rewriteStatement(event, bytes, text, db);
      if (r === undefined) run = false;
      else ({ bytes, text, db } = r);
    }
    const trigger = run ? DeferredTriggers.triggerStatement(bytes, db) : undefined;
    const session = querySessionStatements(statusVars, event.header.timestamp, this.flavor);
    // CREATE/DROP/ALTER DATABASE is logged with the database itself as default database (which may
    // not exist yet): it needs none, as on a replica.
    const use = DATABASE_DDL.test(text) ? undefined : useStatement(db);
    if (!run) {
      this.pending = [];
    } else if (trigger !== undefined) {
      if (trigger.op === 'drop') this.triggers.drop(trigger.db, trigger.name);
      else this.triggers.create({ db: trigger.db, name: trigger.name, table: trigger.table ?? '', statement: bytes.slice(), session: use === undefined ? session : [...session, use] });
      this.pending = [];
    } else {
      for (const s of session) await this.run(event, s);
      if (use !== undefined) await this.run(event, use);
      for (const s of this.pending) await this.run(event, s);
      this.pending = [];
      this.session = 'query';
      this.fkChecks = -1;
      this.uniqueChecks = -1;
      await this.run(event, bytes, text);
      this.triggers.afterDdl(text, db);
    }
    // DDL is its own group (no BEGIN): it ends here. CREATE TABLE … SELECT goes on with rows and an XID.
    if (!this.inTransaction) {
      await this.markBefore(event, 'commit');
      await this.endGroup(event, 'commit', false);
    }
  }

  /**
   * --rewrite-db: the statement as it runs on the target (renamed), or undefined when it concerns
   * only databases this restore leaves out.
   */
  private async rewriteStatement(event: BinlogEvent, bytes: Uint8Array, text: string, db: string): Promise<{ bytes: Uint8Array; text: string; db: string } | undefined> {
    const rw = this.rewriteDb!;
    const newDb = rw.db(db);
    const r = rw.statement(bytes);
    if (newDb === undefined && !r.touched) return undefined;
    if (r.foreign.length > 0) {
      await this.fail(event, `--rewrite-db: this statement also names ${r.foreign.join(', ')}, which this restore does not rename: replaying it would write outside the restored database(s)`, ERROR_CODES.APPLY, undefined, text);
    }
    if (newDb === undefined && db !== '' && !DATABASE_DDL.test(text)) {
      await this.fail(event, `--rewrite-db: this statement names a renamed database but runs in database ${db}, which this restore does not restore`, ERROR_CODES.APPLY, undefined, text);
    }
    return { bytes: r.bytes, text: r.touched ? UTF8_DECODER.decode(r.bytes) : text, db: newDb ?? db };
  }

  private async rows(event: BinlogEvent, body: RowsBody): Promise<void> {
    if (this.trackOnly) return;
    if (this.targetDb !== undefined && this.rewriteDb!.db(body.table.db) === undefined) return; // another database: not restored
    if (this.session !== 'literal') {
      for (const s of LITERAL_SESSION_STATEMENTS) {
        if (this.merging) this.enqueue(s, -1);
        else await this.run(event, s);
      }
      this.session = 'literal';
    }
    const fk = (body.flags & NO_FOREIGN_KEY_CHECKS_F) !== 0 ? 0 : 1;
    const uq = (body.flags & RELAXED_UNIQUE_CHECKS_F) !== 0 ? 0 : 1;
    if (fk !== this.fkChecks || uq !== this.uniqueChecks) {
      const set = `SET @@session.foreign_key_checks=${fk}, @@session.unique_checks=${uq}`;
      if (this.merging) this.enqueue(set, -1);
      else await this.run(event, set);
      this.fkChecks = fk;
      this.uniqueChecks = uq;
    }
    const targetDb = this.targetDb === undefined ? body.table.db : this.targetDb(body.table.db);
    if (this.merging && this.net !== undefined && (this.netEligible.get(body.table) ?? (await this.mayCombine(body, targetDb))) && this.net.add(body, targetDb)) {
      this.groupRows += body.rows.length;
      return;
    }
    let statements: RowStatement[];
    try {
      statements = rowStatements(body, { relaxFloat: this.relaxFloatTables.has(`${body.table.db}.${body.table.table}`), ...(this.targetDb === undefined ? {} : { targetDb: this.targetDb }) });
    } catch (e) {
      return this.fail(event, e instanceof PitrError ? e.message : String(e), e instanceof PitrError ? e.code : ERROR_CODES.INTERNAL, e);
    }
    if (this.merging) {
      if (this.net !== undefined) for (const st of this.net.flush(body.table, targetDb)) this.enqueue(st.sql, st.expectRows);
      for (const st of statements) this.enqueue(st.sql, st.expectRows);
      this.groupRows += body.rows.length;
      if (this.queuedBytes >= this.batch!.maxBytes) await this.sendQueued();
      return;
    }
    for (const st of statements) {
      let n = await this.run(event, st.sql);
      if (n === 0 && st.relaxedSql !== undefined) {
        n = await this.run(event, st.relaxedSql);
        const key = `${body.table.db}.${body.table.table}`;
        if (n === st.expectRows && !this.relaxFloatTables.has(key)) {
          this.relaxFloatTables.add(key);
          this.onWarning?.(
            `${key}: FLOAT values on the target differ from the binlog's in the digits beyond the 6th (the dump printed FLOAT with 6 significant digits, as mariadb-dump does); rows of this table are found by the dump's FLOAT value from now on and get the exact values from the binlog. Take backups with pitr backup, which keeps FLOAT exact.`,
          );
        }
      }
      if (n !== st.expectRows) {
        const what = st.kind === 'insert' ? `inserted ${n} of ${st.expectRows} rows` : `found ${n === 0 ? 'no row' : `${n} rows`} matching the before image (expected exactly one)`;
        await this.fail(
          event,
          `divergence on ${body.table.db}.${body.table.table}: ${st.kind} of row ${st.rowIndex + 1} ${what}: the target does not hold what the source held at this point`,
          ERROR_CODES.DIVERGENCE,
          undefined,
          st.sql,
        );
      }
    }
    this.groupRows += body.rows.length;
  }

  /** Queues the combined changes of every table (before anything that must follow them). */
  private async flushNet(): Promise<void> {
    if (this.net === undefined || this.net.size === 0) return;
    for (const st of this.net.flushAll()) {
      this.enqueue(st.sql, st.expectRows);
      if (this.queuedBytes >= this.batch!.maxBytes) await this.sendQueued();
    }
  }

  /** Whether the rows of this table may be combined (net-effect.ts says which tables are simple); asked once per table map. */
  private async mayCombine(body: RowsBody, targetDb: string): Promise<boolean> {
    let ok = netIneligibleByMap(body.table) === undefined && !this.relaxFloatTables.has(`${body.table.db}.${body.table.table}`);
    if (ok) {
      // one question to the target per table (it waits for the batch in flight: rare)
      try {
        const [facts] = await this.conn.rows(netFactsQuery(targetDb, body.table.table));
        ok = facts !== undefined && netEligibleByFacts(facts, body.table);
      } catch {
        ok = false; // not knowing is no: such a table's changes are applied one by one
      }
    }
    this.netEligible.set(body.table, ok);
    return ok;
  }

  /** Runs the resume watermark for the group ending at `event` (in its transaction, before COMMIT). */
  private async markBefore(event: BinlogEvent, outcome: 'commit' | 'rollback'): Promise<void> {
    if (this.watermark === undefined || this.trackOnly) return;
    await this.run(event, this.watermark([{ gtid: this.groupGtid, file: event.file, endPos: event.end, outcome, rows: this.groupRows }]));
  }

  private enqueue(sql: string, expectRows = -1): void {
    this.sourceQueued = true;
    this.queued.push(sql);
    this.queuedExpect.push(expectRows);
    this.queuedBytes += sql.length + 1;
  }

  /**
   * Sends the queued statements as one multi-statement query WITHOUT waiting for it (pipelining: the
   * server runs this batch while the next one is decoded and rendered). Waits for the previous send
   * first and checks its counts, so nothing is ever committed unverified: a merged transaction's
   * COMMIT is sent only here, after its last batch was checked, ahead of the next batch — and the
   * next batch only after that COMMIT succeeded.
   */
  private async sendQueued(): Promise<void> {
    await this.drain();
    const commit = this.toCommit;
    this.toCommit = undefined;
    if (this.queued.length === 0 && commit === undefined) return;
    const sql = this.queued.join(';\n');
    const expect = this.queuedExpect;
    this.queued = [];
    this.queuedExpect = [];
    this.queuedBytes = 0;
    const conn = this.conn;
    const done = (async (): Promise<SendFailure | undefined> => {
      if (commit !== undefined) {
        try {
          await conn.run('COMMIT');
        } catch (e) {
          return { stage: 'commit', reason: e };
        }
      }
      if (expect.length === 0) return undefined;
      let counts: number[];
      try {
        counts = await conn.runMany(sql, expect.length);
      } catch (e) {
        return { stage: 'batch', reason: e };
      }
      for (let i = 0; i < expect.length; i++) {
        if (expect[i]! >= 0 && counts[i] !== expect[i]) return { stage: 'batch', reason: new Error(`statement ${i + 1} of a batch reported ${counts[i]} rows, expected ${expect[i]}`) };
      }
      return undefined;
    })();
    this.inflight = {
      done,
      commits: commit?.groups ?? [],
      commitFrom: commit?.from,
      from: this.mergedFrom ?? commit?.from ?? this.groupStart ?? { file: '?', pos: 0 },
    };
  }

  /**
   * Waits for the send in flight; reports the transactions its COMMIT made durable. A failure rolls
   * back what is open and throws GroupReplayFailed from the first transaction not committed.
   */
  private async drain(): Promise<void> {
    const send = this.inflight;
    if (send === undefined) return;
    this.inflight = undefined;
    const failure = await send.done;
    if (failure === undefined || failure.stage === 'batch') await this.report(send.commits);
    if (failure !== undefined) await this.abort(failure.stage === 'commit' ? send.commitFrom! : send.from, failure.reason);
  }

  private async report(groups: readonly AppliedGroup[]): Promise<void> {
    if (this.onGroup !== undefined) for (const g of groups) await this.onGroup(g);
  }

  /** A merged group failed: roll back and hand the replay back to the caller (GroupReplayFailed). */
  private async groupFailed(reason: unknown): Promise<never> {
    await this.drain(); // an earlier failure in flight is the one to report
    return this.abort(this.toCommit?.from ?? this.mergedFrom ?? this.groupStart ?? { file: '?', pos: 0 }, reason);
  }

  /** Rolls the merged target transaction back and throws GroupReplayFailed from `from`. */
  private async abort(from: { file: string; pos: number }, reason: unknown): Promise<never> {
    this.net?.clear();
    await this.rollbackQuietly();
    this.merged = [];
    this.mergedFrom = undefined;
    this.toCommit = undefined;
    this.queued = [];
    this.queuedExpect = [];
    this.queuedBytes = 0;
    this.merging = false;
    throw new GroupReplayFailed(from, reason);
  }

  /** End of a merged source transaction: close the target transaction once enough are merged. */
  private async endMerged(event: BinlogEvent): Promise<void> {
    this.sourceOpen = false;
    this.merged.push({ gtid: this.groupGtid, file: event.file, endPos: event.end, outcome: 'commit', rows: this.groupRows });
    this.groupGtid = undefined;
    this.groupRows = 0;
    this.annotation = undefined;
    if (this.merged.length >= this.batch!.maxTransactions) await this.closeMerged();
  }

  /**
   * Ends the merged target transaction: its watermark and last statements are sent (not awaited);
   * its COMMIT follows with the next send (or settle()).
   */
  private async closeMerged(): Promise<void> {
    await this.flushNet();
    if (this.merged.length === 0 && this.queued.length === 0) return;
    if (this.watermark !== undefined && this.merged.length > 0) {
      // the watermark counts every transaction up to this one: those reported, those whose COMMIT is
      // in flight or pending, and this target transaction's own
      this.enqueue(this.watermark([...(this.inflight?.commits ?? []), ...(this.toCommit?.groups ?? []), ...this.merged]));
    }
    await this.sendQueued();
    if (this.merged.length > 0 || this.mergedFrom !== undefined) this.toCommit = { groups: this.merged, from: this.mergedFrom ?? this.groupStart ?? { file: '?', pos: 0 } };
    this.merged = [];
    this.mergedFrom = undefined;
    this.inTransaction = false;
  }

  /**
   * The current source transaction, merged so far without any change of its own, is taken out of
   * the merge: the transactions merged before it are committed, and it goes on unmerged.
   */
  private async unmergeCurrent(event: BinlogEvent): Promise<void> {
    // its queued BEGIN (when it opened the target transaction) goes out with the others: harmless
    await this.settle();
    this.merging = false;
    await this.run(event, 'BEGIN');
    this.inTransaction = true;
  }

  /** Before anything that is not merged: every merged transaction sent, verified, committed and reported. */
  private async settle(): Promise<void> {
    await this.closeMerged();
    await this.drain();
    const commit = this.toCommit;
    if (commit === undefined) return;
    this.toCommit = undefined;
    try {
      await this.conn.run('COMMIT');
    } catch (e) {
      return this.abort(commit.from, e);
    }
    await this.report(commit.groups);
  }

  private async endGroup(event: BinlogEvent, outcome: 'commit' | 'rollback', wasTransaction = true): Promise<void> {
    if (wasTransaction) this.inTransaction = false;
    this.sourceOpen = false;
    const group: AppliedGroup = { gtid: this.groupGtid, file: event.file, endPos: event.end, outcome, rows: this.groupRows };
    this.groupGtid = undefined;
    this.groupRows = 0;
    this.groupStart = undefined;
    this.annotation = undefined;
    if (this.onGroup !== undefined) await this.onGroup(group);
  }

  /** The QUERY event's statement as the source's bytes (its text is in the session's character_set_client). */
  private queryBytes(event: BinlogEvent, text: string, compressed: boolean): Uint8Array {
    const raw = event.raw;
    // QUERY_COMPRESSED_EVENT: the text was decompressed by the decoder (UTF-8 assumed there too)
    if (compressed || raw[4] !== QUERY_EVENT) return UTF8_ENCODER.encode(text);
    const h = 19;
    const dbLength = raw[h + 8]!;
    const statusLength = raw[h + 11]! | (raw[h + 12]! << 8);
    const start = h + this.queryPostHeader + statusLength + dbLength + 1;
    const end = raw.length - (event.payloadIndex === undefined ? this.checksumLength : 0);
    return raw.subarray(start, end);
  }

  private async run(event: BinlogEvent, statement: string | Uint8Array, text?: string): Promise<number> {
    if (this.trackOnly) return 0;
    try {
      return await this.conn.run(statement);
    } catch (e) {
      const shown = text ?? (typeof statement === 'string' ? statement : UTF8_DECODER.decode(statement));
      const se = serverErrorOf(e);
      if (se === undefined) throw e instanceof PitrError ? e : new PitrError(ERROR_CODES.CONNECTION, `lost the restore target while replaying: ${(e as Error).message}`, { cause: e });
      // 1032 key not found, 1062 duplicate key, 1452/1451 foreign key: the target is not what the source was
      const divergence = se.errno === 1062 || se.errno === 1032 || se.errno === 1452 || se.errno === 1451;
      return this.fail(event, `the target refused a replayed statement: ${se.message} (error ${se.errno ?? '?'})`, divergence ? ERROR_CODES.DIVERGENCE : ERROR_CODES.APPLY, e, shown);
    }
  }

  private async rollbackQuietly(): Promise<void> {
    this.inTransaction = false;
    // a send in flight must finish first: its later steps would otherwise run after the ROLLBACK
    const send = this.inflight;
    this.inflight = undefined;
    if (send !== undefined) {
      const failure = await send.done;
      if (failure === undefined || failure.stage === 'batch') await this.report(send.commits).catch(() => undefined);
    }
    try {
      await this.conn.run('ROLLBACK');
    } catch {
      // the connection may be gone; the server rolls back an open transaction of a closed connection
    }
  }

  private async fail(event: BinlogEvent, message: string, code: PitrError['code'], cause?: unknown, statement?: string): Promise<never> {
    await this.rollbackQuietly();
    const where = `transaction ${this.groupGtid ?? '(no GTID)'} starting at ${this.groupStart?.file ?? event.file}:${this.groupStart?.pos ?? event.pos}, event at ${event.file}:${event.pos}`;
    const hints: string[] = [];
    if (this.annotation !== undefined) hints.push(`the source statement: ${clip(this.annotation)}`);
    if (statement !== undefined) hints.push(`pitr ran: ${clip(statement)}`);
    if (code === ERROR_CODES.DIVERGENCE) hints.push('the restore was stopped; this transaction was rolled back and every earlier one is on the target. Restore onto an empty server, or check what else writes to the target.');
    throw new PitrError(code, `${message} — ${where}`, { hints, ...(cause === undefined ? {} : { cause }) });
  }
}

function clip(s: string): string {
  return s.length > 400 ? `${s.slice(0, 400)}… (${s.length} characters)` : s;
}
