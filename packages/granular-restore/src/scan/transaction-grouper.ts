/**
 * Groups binlog events into transactions (event groups), keeping their decoded row events.
 *
 * The boundaries are the planner's (pitr-planner plan/transactions.ts TransactionTracker, which
 * granular-restore may not import: packages depend only on core): a GTID event opens a group; it
 * ends with an XID event, a COMMIT or ROLLBACK query, or — for DDL, which has no BEGIN — with its
 * query event (MariaDB FL_STANDALONE groups; MySQL DDL); `CREATE TABLE … SELECT` goes on to its
 * XID (../shared/BINLOG-NOTES.md). Commit time is the GTID event's: MariaDB's header time (whole
 * seconds), MySQL's immediate_commit_timestamp (µs). When TransactionTracker moves to core, this
 * file becomes a thin layer over it (row events kept).
 */
import { type BinlogEvent, type RowsBody, type TransactionGtid, firstKeyword } from '@pitr/core';

export interface GroupedTransaction {
  readonly gtid: TransactionGtid | undefined;
  /** GTID as the binlog prints it ('0-1-42', 'uuid:7'); undefined without one. */
  readonly gtidText: string | undefined;
  readonly file: string;
  readonly startPos: number;
  endPos: number;
  readonly commitTimeUs: bigint;
  /** 'rollback' when the group ends with a logged ROLLBACK (only its non-transactional part happened). */
  outcome: 'commit' | 'rollback';
  /** Statements behind the rows (ANNOTATE_ROWS / ROWS_QUERY), in order. */
  readonly statements: string[];
  /** Statements logged as such (DDL, statement-format DML), with their default database. */
  readonly queries: { readonly db: string; readonly query: string }[];
  /** Row events, in order (those the caller chose to keep). */
  readonly rows: RowsBody[];
  /** For each kept row event, the index of the statement (in `statements`) annotating it, or -1. */
  readonly rowStatement: number[];
  /** Row counts per `db.table` and operation, over every row event (kept or not). */
  readonly counts: Map<string, { readonly db: string; readonly table: string; insert: number; update: number; delete: number }>;
  rowCount: number;
}

/** Feed events in binlog order; `push` returns each transaction when its last event is seen. */
export class TransactionGrouper {
  private current: GroupedTransaction | undefined;
  private begun = false;
  private standalone = false;

  /** @param keepRows decides which row events are kept in `rows` (all are counted). */
  constructor(private readonly keepRows: (body: RowsBody) => boolean) {}

  /** The group that started and has not ended (the binlogs end inside it). */
  get open(): GroupedTransaction | undefined {
    return this.current;
  }

  push(event: BinlogEvent): GroupedTransaction | undefined {
    const body = event.body;
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
        statements: [],
        queries: [],
        rows: [],
        rowStatement: [],
        counts: new Map(),
        rowCount: 0,
      };
      this.begun = false;
      this.standalone = body.flavor === 'mariadb' ? body.standalone : false;
      return undefined;
    }
    const t = this.current;
    if (t === undefined) return undefined;
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
        t.queries.push({ db: body.db, query: body.query });
        if (!this.begun && (this.standalone || t.gtid?.flavor !== 'mariadb')) return this.end();
        return undefined;
      }
      case 'xid':
        return this.end();
      case 'annotate_rows':
      case 'rows_query':
        t.statements.push(body.query);
        return undefined;
      case 'write':
      case 'update':
      case 'delete': {
        const key = `${body.table.db}.${body.table.table}`;
        let c = t.counts.get(key);
        if (c === undefined) {
          c = { db: body.table.db, table: body.table.table, insert: 0, update: 0, delete: 0 };
          t.counts.set(key, c);
        }
        const n = body.rows.length;
        if (body.kind === 'write') c.insert += n;
        else if (body.kind === 'update') c.update += n;
        else c.delete += n;
        t.rowCount += n;
        if (this.keepRows(body)) {
          t.rows.push(body);
          t.rowStatement.push(t.statements.length - 1);
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private end(): GroupedTransaction {
    const t = this.current!;
    this.current = undefined;
    this.begun = false;
    return t;
  }
}
