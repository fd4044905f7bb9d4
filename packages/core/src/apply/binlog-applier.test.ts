/**
 * The applier's group commit with pipelined sends, against a fake target that keeps transactions
 * (BEGIN/COMMIT/ROLLBACK, implicit commit) and answers after random delays: whatever the timing,
 * a transaction is reported only once its COMMIT succeeded, nothing is committed before its row
 * counts were checked, the resume watermark counts exactly what is durable with it, and a failure
 * hands the replay back from the first transaction that is not committed.
 */
import { describe, expect, it } from 'vitest';
import type { BinlogEvent } from '../binlog/types.js';
import { FDE, col, ev, rows, table } from '../test-support/events.js';
import type { ApplyConnection } from './apply-connection.js';
import { type AppliedGroup, BinlogApplier, GroupReplayFailed } from './binlog-applier.js';
import { DeferredTriggers } from './deferred-triggers.js';

const LONG = 3;
const T = table([col(0, LONG, { name: 'id', generated: false, primaryKey: true, nullable: false })]);

/** A target that keeps transactions; statements matching `divergeOn` match no row; the `failCommit`-th COMMIT fails. */
class FakeTarget implements ApplyConnection {
  committed: string[] = [];
  private pending: string[] = [];
  private open = false;
  commits = 0;
  readonly log: string[] = [];
  constructor(
    private readonly rng: () => number,
    private readonly divergeOn?: RegExp,
    private readonly failCommit?: number,
  ) {}

  private async delay(): Promise<void> {
    const r = this.rng();
    if (r < 0.3) return;
    await new Promise((res) => setTimeout(res, Math.floor(r * 3)));
  }

  private exec(s: string): number {
    this.log.push(s);
    if (s === 'BEGIN') {
      if (this.open) this.commit();
      this.open = true;
      return 0;
    }
    if (s === 'COMMIT') {
      this.commits++;
      if (this.commits === this.failCommit) throw Object.assign(new Error('commit failed'), { sqlMessage: 'commit failed', errno: 1180 });
      this.commit();
      return 0;
    }
    if (s === 'ROLLBACK') {
      this.pending = [];
      this.open = false;
      return 0;
    }
    if (this.divergeOn?.test(s) === true) return 0;
    if (this.open) this.pending.push(s);
    else this.committed.push(s);
    return /^(INSERT|DELETE)/.test(s) ? 1 : 0;
  }

  private commit(): void {
    this.committed.push(...this.pending);
    this.pending = [];
    this.open = false;
  }

  async run(statement: string | Uint8Array): Promise<number> {
    await this.delay();
    return this.exec(typeof statement === 'string' ? statement : Buffer.from(statement).toString());
  }

  async runMany(sql: string, count: number): Promise<number[]> {
    await this.delay();
    const parts = sql.split(';\n');
    expect(parts.length).toBe(count);
    return parts.map((p) => this.exec(p));
  }

  async rows(): Promise<Record<string, unknown>[]> {
    return [];
  }

  async close(): Promise<void> {}
}

/** n MariaDB transactions: each inserts row k (or deletes it, for the ids in `deletes`). */
function transactions(n: number, deletes: ReadonlySet<number> = new Set(), statements: ReadonlySet<number> = new Set()): BinlogEvent[] {
  const out: BinlogEvent[] = [ev(FDE, { pos: 4, end: 256 })];
  let pos = 256;
  const at = (): { pos: number; end: number } => {
    const r = { pos, end: pos + 40 };
    pos += 40;
    return r;
  };
  for (let k = 1; k <= n; k++) {
    out.push(ev({ kind: 'gtid', flavor: 'mariadb', gtid: `0-1-${k}`, domainId: 0, serverId: 1, seqNo: BigInt(k), flags: 4, standalone: false, transactional: true, ddl: false, commitId: undefined }, at()));
    if (statements.has(k)) {
      // DML logged as a statement (binlog_format MIXED/STATEMENT)
      out.push(ev({ kind: 'query', threadId: 1, execTimeSec: 0, errorCode: 0, db: 'shop', query: `INSERT INTO shop.orders VALUES (${k})`, statusVars: {}, compressed: false }, at()));
    } else {
      const body = deletes.has(k) ? rows('delete', T, [{ before: [k] }]) : rows('write', T, [{ after: [k] }]);
      out.push(ev(body, at()));
    }
    out.push(ev({ kind: 'xid', xid: BigInt(k) }, at()));
  }
  return out;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Run {
  readonly target: FakeTarget;
  readonly reported: AppliedGroup[];
  readonly error: unknown;
}

async function replay(events: BinlogEvent[], target: FakeTarget, batch = { maxTransactions: 4, maxBytes: 120 }): Promise<Run> {
  const reported: AppliedGroup[] = [];
  const ended: string[] = [];
  const applier = new BinlogApplier({
    conn: target,
    triggers: new DeferredTriggers(),
    batch,
    onGroup: (g) => {
      // reported only when durable: its row is committed on the target
      expect(target.committed.some((s) => s.includes(`(${g.gtid!.split('-')[2]})`) || s.includes(`= ${g.gtid!.split('-')[2]} `))).toBe(true);
      reported.push(g);
    },
    watermark: (groups) => {
      // the watermark counts every transaction not yet reported, in order, up to the current one
      const all = [...reported, ...groups].map((g) => g.gtid!);
      ended.length = 0;
      expect(all).toEqual(all.map((_, i) => `0-1-${i + 1}`));
      return `SET @wm = '${groups[groups.length - 1]!.gtid} ${all.length}'`;
    },
  });
  let error: unknown;
  try {
    for (const e of events) await applier.apply(e);
    await applier.finish();
  } catch (e) {
    error = e;
  }
  return { target, reported, error };
}

describe('BinlogApplier group commit (pipelined)', () => {
  it('applies every transaction once, commits only checked batches, reports after COMMIT', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { target, reported, error } = await replay(transactions(23), new FakeTarget(seeded(seed)));
      expect(error).toBeUndefined();
      expect(reported.map((g) => g.gtid)).toEqual(Array.from({ length: 23 }, (_, i) => `0-1-${i + 1}`));
      const inserts = target.committed.filter((s) => s.startsWith('INSERT'));
      expect(inserts).toHaveLength(23);
      expect(inserts.map((s) => Number(/\((\d+)\)$/.exec(s)![1]))).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
      // one watermark per target transaction (4 source transactions each), the last names the last transaction
      const wms = target.committed.filter((s) => s.startsWith('SET @wm'));
      expect(wms).toHaveLength(6);
      expect(wms[wms.length - 1]).toBe("SET @wm = '0-1-23 23'");
    }
  });

  it('a divergence hands the replay back from the first transaction not committed; nothing after it is durable', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      // transaction 14 deletes a row the target does not have (matches nothing)
      const { target, reported, error } = await replay(transactions(23, new Set([14])), new FakeTarget(seeded(seed), /^DELETE/));
      expect(error).toBeInstanceOf(GroupReplayFailed);
      const failed = error as GroupReplayFailed;
      // target transactions hold 4 source transactions: 13..16 is the one that failed; it starts with 13's GTID
      const gtidPos = 256 + (13 - 1) * 120;
      expect(failed.from).toEqual({ file: 'mariadb-bin.000001', pos: gtidPos });
      expect(reported.map((g) => g.gtid)).toEqual(Array.from({ length: 12 }, (_, i) => `0-1-${i + 1}`));
      const inserts = target.committed.filter((s) => s.startsWith('INSERT'));
      expect(inserts).toHaveLength(12);
    }
  });

  it('a transaction whose first change is a logged statement leaves the merge without a replay from the start', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { target, reported, error } = await replay(transactions(23, new Set(), new Set([6, 15, 16])), new FakeTarget(seeded(seed)));
      expect(error).toBeUndefined();
      expect(reported.map((g) => g.gtid)).toEqual(Array.from({ length: 23 }, (_, i) => `0-1-${i + 1}`));
      const inserts = target.committed.filter((s) => s.startsWith('INSERT'));
      expect(inserts.map((s) => Number(/\((\d+)\)$/.exec(s)![1]))).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    }
  });

  it('a failed COMMIT hands the replay back from the start of that target transaction', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { target, reported, error } = await replay(transactions(23), new FakeTarget(seeded(seed), undefined, 3));
      expect(error).toBeInstanceOf(GroupReplayFailed);
      expect((error as GroupReplayFailed).from.pos).toBe(256 + 8 * 120); // the 3rd target transaction starts at source transaction 9
      expect(reported.map((g) => g.gtid)).toEqual(Array.from({ length: 8 }, (_, i) => `0-1-${i + 1}`));
      expect(target.committed.filter((s) => s.startsWith('INSERT'))).toHaveLength(8);
    }
  });
});
