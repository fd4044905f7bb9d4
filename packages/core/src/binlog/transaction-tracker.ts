/**
 * Groups binlog events into transactions (event groups) as a replay sees them, with what a plan, a
 * search or an undo needs about each: GTID, commit time, position, row counts per table and
 * operation, the statements behind the rows (ANNOTATE_ROWS / ROWS_QUERY), DDL, and — when asked —
 * the row events themselves.
 *
 * Group boundaries (../shared/BINLOG-NOTES.md): a GTID event opens a group; it ends with an XID
 * event, a COMMIT or ROLLBACK query, or — for DDL, which has no BEGIN — with its query event
 * (MariaDB marks such groups FL_STANDALONE; `CREATE TABLE … SELECT` is a DDL group that goes on
 * with rows and ends with an XID). Commit time is the GTID event's: MariaDB's header time (whole
 * seconds), MySQL's immediate_commit_timestamp (µs). Events inside carry statement start times and
 * are never used to decide a target.
 */
import { firstKeyword } from '../schema/schema-history.js';
import type { TransactionGtid } from '../target/target-match.js';
import type { BinlogEvent, RowsBody } from './types.js';

export type RowOperation = 'insert' | 'update' | 'delete';

export interface TableCounts {
  readonly db: string;
  readonly table: string;
  insert: number;
  update: number;
  delete: number;
}

export interface Transaction {
  readonly gtid: TransactionGtid | undefined;
  /** GTID as the binlog prints it ('0-1-42', 'uuid:7'), undefined without one. */
  readonly gtidText: string | undefined;
  readonly file: string;
  readonly startPos: number;
  endPos: number;
  readonly commitTimeUs: bigint;
  /** 'commit', or 'rollback' when the group ends with a logged ROLLBACK (only its non-transactional part happened). */
  outcome: 'commit' | 'rollback';
  events: number;
  /** Row changes in the group. */
  rowCount: number;
  /** Row counts per `db.table` and operation. */
  readonly tables: Map<string, TableCounts>;
  /** Statements behind the rows (ANNOTATE_ROWS / ROWS_QUERY), in order. */
  readonly statements: string[];
  /** DDL / statement-logged queries, with their default database. */
  readonly queries: { readonly db: string; readonly query: string }[];
  /** Row events kept (TransactionTracker's keepRows), in order; empty without it. */
  readonly rowEvents: RowsBody[];
  /** For each kept row event, the index in `statements` of the statement annotating it, or -1. */
  readonly rowStatement: number[];
  /** MariaDB: a group without FL_TRANSACTIONAL (changes to non-transactional tables). */
  readonly nonTransactional: boolean;
  readonly ddl: boolean;
}

/** Feed events in binlog order; `push` returns each transaction when its last event is seen. */
export class TransactionTracker {
  private current: Transaction | undefined;
  private begun = false;
  private standalone = false;

  /**
   * @param keepRows which row events to keep in `rowEvents` (all are counted); none by default.
   * @param maxStatements statements kept per transaction (a plan shows a few; a million-statement
   *   transaction must not hold them all); unlimited by default.
   */
  constructor(
    private readonly keepRows?: (body: RowsBody) => boolean,
    private readonly maxStatements = Number.POSITIVE_INFINITY,
  ) {}

  /** The open group, if an event group has started and not ended (the binlogs end inside it). */
  get open(): Transaction | undefined {
    return this.current;
  }

  push(event: BinlogEvent): Transaction | undefined {
    const body = event.body;
    const t = this.current;
    if (body.kind === 'gtid') {
      const gtid: TransactionGtid | undefined =
        body.flavor === 'mariadb'
          ? { flavor: 'mariadb', domainId: body.domainId, serverId: body.serverId, seqNo: body.seqNo }
          : body.anonymous
            ? undefined
            : { flavor: 'mysql', uuid: body.uuid, tag: body.tag, gno: body.gno };
      const commitTimeUs = body.flavor === 'mysql' && body.immediateCommitTimestampUs !== undefined ? body.immediateCommitTimestampUs : BigInt(event.header.timestamp) * 1_000_000n;
      this.current = {
        gtid,
        gtidText: gtid === undefined ? undefined : body.gtid,
        file: event.file,
        startPos: event.pos,
        endPos: event.end,
        commitTimeUs,
        outcome: 'commit',
        events: 1,
        rowCount: 0,
        tables: new Map(),
        statements: [],
        queries: [],
        rowEvents: [],
        rowStatement: [],
        nonTransactional: body.flavor === 'mariadb' && !body.transactional && !body.ddl,
        ddl: body.flavor === 'mariadb' ? body.ddl : false,
      };
      this.begun = false;
      this.standalone = body.flavor === 'mariadb' ? body.standalone : false;
      return undefined;
    }
    if (t === undefined) return undefined;
    t.events++;
    t.endPos = event.end;
    switch (body.kind) {
      case 'query': {
        const kw = firstKeyword(body.query);
        if (kw === 'begin') {
          this.begun = true;
          return undefined;
        }
        if (kw === 'commit') return this.end();
        if (kw === 'rollback' && !/^\s*rollback\s+(work\s+)?to\b/i.test(body.query)) {
          t.outcome = 'rollback';
          return this.end();
        }
        if (kw === 'savepoint' || kw === 'rollback' || kw === 'release') return undefined;
        // every DDL is kept (a plan lists them all); statement-logged DML beyond the cap is not
        if (t.queries.length < this.maxStatements || !this.begun) t.queries.push({ db: body.db, query: body.query });
        // DDL: no BEGIN; MySQL DDL and MariaDB standalone groups end with the statement
        // (MariaDB CREATE TABLE … SELECT is not standalone: it goes on to its XID)
        if (!this.begun && (this.standalone || t.gtid?.flavor !== 'mariadb')) return this.end();
        return undefined;
      }
      case 'xid':
        return this.end();
      case 'annotate_rows':
      case 'rows_query':
        if (t.statements.length < this.maxStatements) t.statements.push(body.query);
        return undefined;
      case 'write':
      case 'update':
      case 'delete': {
        const key = `${body.table.db}.${body.table.table}`;
        let c = t.tables.get(key);
        if (c === undefined) {
          c = { db: body.table.db, table: body.table.table, insert: 0, update: 0, delete: 0 };
          t.tables.set(key, c);
        }
        const n = body.rows.length;
        if (body.kind === 'write') c.insert += n;
        else if (body.kind === 'update') c.update += n;
        else c.delete += n;
        t.rowCount += n;
        if (this.keepRows?.(body) === true) {
          t.rowEvents.push(body);
          t.rowStatement.push(t.statements.length - 1);
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private end(): Transaction {
    const t = this.current!;
    this.current = undefined;
    this.begun = false;
    return t;
  }
}
