/**
 * Which transactions a restore target keeps (DESIGN.md "Targets and their meaning"). Pure: no I/O,
 * transactions in, verdicts out.
 *
 * The replay is always a PREFIX of the binlog in binlog order, and transaction-atomic. Applying a
 * later transaction without an earlier one would build a database that never existed, so the
 * first transaction past the target stops the replay and everything after it is lost, even if it
 * looks "before" the target on its own (a clock stepped back, GTIDs committed out of order). Those
 * are flagged `outOfOrder` so a plan can warn about them.
 *
 * Time targets. A transaction is kept when its commit time is at or before the target instant
 * (`--exclusive`: strictly before). Commit times are compared in microseconds:
 *   - MySQL 8: the GTID event's immediate_commit_timestamp, exact to the microsecond. Target
 *     "14:30:07" is the instant 14:30:07.000000: a commit at 14:30:07.000001 is lost. To keep
 *     the whole second give 14:30:07.999999.
 *   - MariaDB: the GTID event's header time, whole seconds, so commitTimeUs = seconds × 10^6
 *     (the start of the second the server recorded). Inclusive: seconds × 10^6 ≤ target, i.e.
 *     seconds ≤ floor(target); "14:30:07" keeps everything committed during 14:30:07.
 *     Exclusive: seconds × 10^6 < target, i.e. seconds < ceil(target); "14:30:07" keeps up to
 *     14:30:06, the same as `mariadb-binlog --stop-datetime="14:30:07"`, and the inclusive target
 *     matches `--stop-datetime` given the target + 1 s. A target with a fraction (14:30:07.5) keeps
 *     second 14:30:07 either way: the server did not record where in the second the commit fell.
 *
 * GTID targets. Everything up to and including the target transaction in binlog order
 * (`--exclusive`: up to the one before it). Transactions of other MariaDB domains or other MySQL
 * uuids/tags have no order relative to the target; they are kept when they come before it in the
 * binlog and lost after it, like everything else (one stop point, not one per domain — per-domain
 * stops would apply transactions that were committed after the target). Seeing a transaction of the
 * target's own numbering beyond it (MariaDB: same domain, sequence number ≥ the target's but not
 * the target itself — server ids are not part of the order; MySQL: same uuid and tag, higher
 * number) before the target itself proves the target is not where the user thinks: the replay
 * stops there and the matcher's state becomes `passed`, which planners must refuse.
 *
 * Position targets. Every transaction that ends at or before the position is kept; the group that
 * starts there is not (`mysqlbinlog --stop-position`). A transaction spanning the position does
 * not end before it, so it is lost (relation `straddles`, for plans to point out).
 *
 * `latest` keeps everything.
 */
import { PitrError } from '../errors/pitr-error.js';
import type { MariadbGtid } from '../gtid/mariadb-gtid.js';
import type { MysqlGtid } from '../gtid/mysql-gtid-set.js';
import type { Target } from './target.js';

/** A transaction's GTID; the binlog GTID event bodies (MariadbGtidBody, MysqlGtidBody) fit as they are. */
export type TransactionGtid =
  | (MariadbGtid & { readonly flavor: 'mariadb' })
  | (MysqlGtid & { readonly flavor: 'mysql'; readonly anonymous?: boolean });

export interface TransactionSummary {
  /**
   * Commit time, microseconds since the epoch. MariaDB: GTID event header timestamp × 10^6.
   * MySQL: the GTID event's immediate_commit_timestamp (header timestamp × 10^6 before 8.0.1).
   */
  readonly commitTimeUs: bigint;
  /** undefined for transactions without one (MySQL anonymous, gtid_mode=OFF). */
  readonly gtid: TransactionGtid | undefined;
  /** Binlog file name (a path is reduced to its base name). */
  readonly file: string;
  /** Offset of the group's first event. */
  readonly startPos: number;
  /** Offset just past the group's last event (where the next group starts). */
  readonly endPos: number;
}

/**
 * Where one transaction lies relative to the target, judged on its own:
 * - `before`: on the kept side of the target.
 * - `target`: GTID targets: the target transaction itself.
 * - `after`: on the lost side of the target (time, position).
 * - `straddles`: position targets: starts before the position and ends after it.
 * - `passed`: GTID targets: a later transaction of the target's own domain / uuid:tag, not the target.
 * - `unrelated`: GTID targets: another domain / uuid:tag, or no GTID — no order relative to the target.
 */
export type TargetRelation = 'before' | 'target' | 'after' | 'straddles' | 'passed' | 'unrelated';

/** The relation of one transaction to the target, ignoring binlog order (see TargetMatcher). */
export function targetMatch(target: Target, tx: TransactionSummary): TargetRelation {
  switch (target.kind) {
    case 'latest':
      return 'before';
    case 'time':
      return (target.exclusive ? tx.commitTimeUs < target.epochUs : tx.commitTimeUs <= target.epochUs) ? 'before' : 'after';
    case 'position': {
      const order = compareBinlogFileNames(tx.file, target.file);
      if (order !== 0) return order < 0 ? 'before' : 'after';
      if (tx.endPos <= target.position) return 'before';
      return tx.startPos >= target.position ? 'after' : 'straddles';
    }
    case 'gtid': {
      const g = tx.gtid;
      if (g === undefined || (g.flavor === 'mysql' && g.anonymous === true)) return 'unrelated';
      if (g.flavor !== target.flavor) {
        const [mine, theirs] = target.flavor === 'mariadb' ? ['a MariaDB', 'MySQL'] : ['a MySQL', 'MariaDB'];
        throw new PitrError('USAGE', `the target ${target.text} is ${mine} GTID, but ${baseName(tx.file)} holds ${theirs} transactions`, {
          hints: ['MariaDB GTIDs look like gtid:0-1-1234, MySQL GTIDs like gtid:3e11fa47-71ca-11e1-9e33-c80aa9429562:23; take the GTID from these binlogs (pitr find)'],
        });
      }
      if (g.flavor === 'mariadb' && target.flavor === 'mariadb') {
        const t = target.gtid;
        if (g.domainId !== t.domainId) return 'unrelated';
        if (g.seqNo < t.seqNo) return 'before';
        return g.seqNo === t.seqNo && g.serverId === t.serverId ? 'target' : 'passed';
      }
      if (g.flavor === 'mysql' && target.flavor === 'mysql') {
        const t = target.gtid;
        if (g.uuid.toLowerCase() !== t.uuid || (g.tag ?? '').toLowerCase() !== (t.tag ?? '')) return 'unrelated';
        return g.gno < t.gno ? 'before' : g.gno === t.gno ? 'target' : 'passed';
      }
      return 'unrelated';
    }
  }
}

export interface TargetDecision {
  readonly verdict: 'kept' | 'lost';
  readonly relation: TargetRelation;
  /** The transaction comes after the replay's stop point in binlog order. */
  readonly afterStop: boolean;
  /**
   * After the stop point, yet on its own it would have been kept (relation `before` or `target`):
   * commit times went backwards or GTIDs were committed out of order. Not applied; worth a warning.
   */
  readonly outOfOrder: boolean;
}

/**
 * - `open`: nothing past the target seen yet. At the end of the binlogs: time and position targets
 *   lie at or after the archive's end, `latest` is done, a GTID target was not found.
 * - `reached`: the target was reached; the replay ends at `lastKept`.
 * - `passed`: GTID targets: a later transaction of the target's numbering came first; the target is
 *   not in these binlogs at that point. A plan must refuse (never a silent different restore).
 */
export type TargetMatchState = 'open' | 'reached' | 'passed';

/**
 * Decides transactions fed in binlog order (across files) against a target, keeping the kept set a
 * prefix: once a transaction is lost, every later one is.
 */
export class TargetMatcher {
  readonly target: Target;
  #state: TargetMatchState = 'open';
  #lastKept: TransactionSummary | undefined;
  #stopAt: TransactionSummary | undefined;
  #kept = 0;
  #outOfOrder = 0;

  constructor(target: Target) {
    this.target = target;
  }

  get state(): TargetMatchState {
    return this.#state;
  }

  /** The last transaction kept: the replay ends after it. */
  get lastKept(): TransactionSummary | undefined {
    return this.#lastKept;
  }

  /** The first transaction not kept: where the replay stops. */
  get stopAt(): TransactionSummary | undefined {
    return this.#stopAt;
  }

  get keptCount(): number {
    return this.#kept;
  }

  /** Transactions after the stop point that would have been kept on their own. */
  get outOfOrderCount(): number {
    return this.#outOfOrder;
  }

  decide(tx: TransactionSummary): TargetDecision {
    const relation = targetMatch(this.target, tx);
    if (this.#state !== 'open') {
      const outOfOrder = relation === 'before' || relation === 'target';
      if (outOfOrder) this.#outOfOrder++;
      this.#stopAt ??= tx;
      return { verdict: 'lost', relation, afterStop: true, outOfOrder };
    }
    switch (relation) {
      case 'before':
      case 'unrelated':
        return this.#keep(tx, relation);
      case 'target':
        this.#state = 'reached';
        if (!this.target.exclusive) return this.#keep(tx, relation);
        this.#stopAt = tx;
        return { verdict: 'lost', relation, afterStop: false, outOfOrder: false };
      case 'after':
      case 'straddles':
      case 'passed':
        this.#state = relation === 'passed' ? 'passed' : 'reached';
        this.#stopAt = tx;
        return { verdict: 'lost', relation, afterStop: false, outOfOrder: false };
    }
  }

  #keep(tx: TransactionSummary, relation: TargetRelation): TargetDecision {
    this.#lastKept = tx;
    this.#kept++;
    return { verdict: 'kept', relation, afterStop: false, outOfOrder: false };
  }
}

/**
 * Binlog order of two file names `BASE.NNNNNN`: by sequence number (numerically, so .999999 comes
 * before .1000000), then by base name. Directories are ignored. Names without a numeric extension
 * compare as text after the numbered ones. Whether a named file belongs to the archive at all is
 * the planner's check, not this one.
 */
export function compareBinlogFileNames(a: string, b: string): number {
  const x = splitBinlogName(baseName(a));
  const y = splitBinlogName(baseName(b));
  if (x.seq !== undefined && y.seq !== undefined) {
    if (x.seq.length !== y.seq.length) return x.seq.length - y.seq.length;
    if (x.seq !== y.seq) return x.seq < y.seq ? -1 : 1;
    return x.base < y.base ? -1 : x.base > y.base ? 1 : 0;
  }
  if (x.seq !== undefined) return -1;
  if (y.seq !== undefined) return 1;
  return x.base < y.base ? -1 : x.base > y.base ? 1 : 0;
}

function splitBinlogName(name: string): { base: string; seq: string | undefined } {
  const m = /^(.*)\.0*(\d+)$/.exec(name);
  return m === null ? { base: name, seq: undefined } : { base: m[1] as string, seq: m[2] as string };
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}
