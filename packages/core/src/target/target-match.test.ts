import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MariadbGtidBody, MysqlGtidBody } from '../binlog/types.js';
import { PitrError } from '../errors/pitr-error.js';
import { parseTarget, type Target } from './target.js';
import { compareBinlogFileNames, TargetMatcher, targetMatch, type TransactionGtid, type TransactionSummary } from './target-match.js';

const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const B = '8a94f357-aab4-11df-86ab-c80aa9429562';
const T0 = BigInt(Date.parse('2026-05-25T12:30:07Z')) * 1000n; // 12:30:07.000000 UTC in µs

let nextPos = 4;
function tx(fields: Partial<TransactionSummary> & { gtid?: TransactionGtid | undefined }): TransactionSummary {
  const startPos = fields.startPos ?? nextPos;
  const endPos = fields.endPos ?? startPos + 100;
  nextPos = endPos;
  return { commitTimeUs: fields.commitTimeUs ?? T0, gtid: fields.gtid, file: fields.file ?? 'binlog.000001', startPos, endPos };
}
const maria = (domainId: number, serverId: number, seqNo: number): TransactionGtid => ({ flavor: 'mariadb', domainId, serverId, seqNo: BigInt(seqNo) });
const mysql = (uuid: string, gno: number, tag?: string): TransactionGtid => ({ flavor: 'mysql', uuid, tag, gno: BigInt(gno) });
/** MariaDB commit time: whole seconds of the GTID event header, as µs. */
const sec = (offsetSec: number): bigint => T0 + BigInt(offsetSec) * 1_000_000n;

function verdicts(target: Target, txs: TransactionSummary[]): string {
  const m = new TargetMatcher(target);
  return txs.map((t) => (m.decide(t).verdict === 'kept' ? 'K' : 'L')).join('');
}

describe('time targets', () => {
  const incl = parseTarget('2026-05-25T12:30:07Z');
  const excl = parseTarget('2026-05-25T12:30:07Z', { exclusive: true });
  const fracIncl = parseTarget('2026-05-25T12:30:07.5Z');
  const fracExcl = parseTarget('2026-05-25T12:30:07.5Z', { exclusive: true });

  it.each([
    // MySQL 8: immediate_commit_timestamp, microseconds; the target is an exact instant.
    ['MySQL exactly at the target', incl, T0, 'before'],
    ['MySQL 1 µs after', incl, T0 + 1n, 'after'],
    ['MySQL 1 µs before', incl, T0 - 1n, 'before'],
    ['MySQL exactly at, exclusive', excl, T0, 'after'],
    ['MySQL 1 µs before, exclusive', excl, T0 - 1n, 'before'],
    ['MySQL 07.499999 vs 07.5', fracIncl, T0 + 499_999n, 'before'],
    ['MySQL 07.500000 vs 07.5', fracIncl, T0 + 500_000n, 'before'],
    ['MySQL 07.500000 vs 07.5 exclusive', fracExcl, T0 + 500_000n, 'after'],
    ['MySQL 07.500001 vs 07.5', fracIncl, T0 + 500_001n, 'after'],
    // MariaDB: whole seconds. "12:30:07" keeps all of second 07; exclusive keeps up to 06.
    ['MariaDB committed during the target second', incl, sec(0), 'before'],
    ['MariaDB the next second', incl, sec(1), 'after'],
    ['MariaDB the second before, exclusive', excl, sec(-1), 'before'],
    ['MariaDB the target second, exclusive', excl, sec(0), 'after'],
    // A fractional target keeps its own second either way (the commit counts as 07.000000).
    ['MariaDB second 07 vs 07.5', fracIncl, sec(0), 'before'],
    ['MariaDB second 07 vs 07.5 exclusive', fracExcl, sec(0), 'before'],
    ['MariaDB second 08 vs 07.5', fracIncl, sec(1), 'after'],
  ] as const)('%s', (_name, target, commitTimeUs, relation) => {
    expect(targetMatch(target, tx({ commitTimeUs }))).toBe(relation);
  });

  it('a local wall-time target compares in UTC', () => {
    const berlin = parseTarget('2026-05-25 14:30:07', { tz: 'Europe/Berlin' });
    expect(targetMatch(berlin, tx({ commitTimeUs: T0 }))).toBe('before');
    expect(targetMatch(berlin, tx({ commitTimeUs: T0 + 1n }))).toBe('after');
  });

  it('property: on whole seconds, matches mariadb-binlog --stop-datetime (exclusive) given T+1 s, or T with --exclusive', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 4_000_000_000 }), (delta, targetSec) => {
        const iso = new Date(targetSec * 1000).toISOString().replace('.000Z', 'Z');
        const commitSec = targetSec + delta;
        const t = tx({ commitTimeUs: BigInt(commitSec) * 1_000_000n });
        // mariadb-binlog --stop-datetime=S stops at the first group whose commit second is >= S.
        const stopDatetime = (s: number): boolean => commitSec < s;
        expect(targetMatch(parseTarget(iso), t) === 'before').toBe(stopDatetime(targetSec + 1));
        expect(targetMatch(parseTarget(iso, { exclusive: true }), t) === 'before').toBe(stopDatetime(targetSec));
      }),
      { numRuns: 200 },
    );
  });

  it('stops at the first transaction past the target; later ones are lost even if their clock says earlier', () => {
    const m = new TargetMatcher(incl);
    const a = tx({ commitTimeUs: sec(-2) });
    const b = tx({ commitTimeUs: sec(0) });
    const c = tx({ commitTimeUs: sec(1) });
    const d = tx({ commitTimeUs: sec(-1) }); // the clock stepped back
    expect(m.decide(a)).toEqual({ verdict: 'kept', relation: 'before', afterStop: false, outOfOrder: false });
    expect(m.decide(b).verdict).toBe('kept');
    expect(m.state).toBe('open');
    expect(m.decide(c)).toEqual({ verdict: 'lost', relation: 'after', afterStop: false, outOfOrder: false });
    expect(m.state).toBe('reached');
    expect(m.decide(d)).toEqual({ verdict: 'lost', relation: 'before', afterStop: true, outOfOrder: true });
    expect(m.lastKept).toBe(b);
    expect(m.stopAt).toBe(c);
    expect(m.keptCount).toBe(2);
    expect(m.outOfOrderCount).toBe(1);
  });

  it('stays open when the archive ends before the target', () => {
    const m = new TargetMatcher(incl);
    m.decide(tx({ commitTimeUs: sec(-10) }));
    expect(m.state).toBe('open');
    expect(m.stopAt).toBeUndefined();
  });
});

describe('MariaDB GTID targets', () => {
  const target = parseTarget('gtid:0-1-5');
  const exclusive = parseTarget('gtid:0-1-5', { exclusive: true });

  it.each([
    [maria(0, 1, 4), 'before'],
    [maria(0, 7, 4), 'before'], // server id is not part of the order
    [maria(0, 1, 5), 'target'],
    [maria(0, 2, 5), 'passed'], // same place in the domain, another transaction
    [maria(0, 1, 6), 'passed'],
    [maria(1, 1, 5), 'unrelated'],
    [maria(1, 1, 99), 'unrelated'],
    [undefined, 'unrelated'],
  ] as const)('%# → %s', (gtid, relation) => {
    expect(targetMatch(target, tx({ gtid }))).toBe(relation);
  });

  it('keeps everything before the target in binlog order, other domains included, then stops', () => {
    const txs = [tx({ gtid: maria(0, 1, 4) }), tx({ gtid: maria(1, 2, 10) }), tx({ gtid: maria(0, 1, 5) }), tx({ gtid: maria(1, 2, 11) }), tx({ gtid: maria(0, 1, 6) })];
    expect(verdicts(target, txs)).toBe('KKKLL');
    expect(verdicts(exclusive, txs)).toBe('KKLLL');
    const m = new TargetMatcher(target);
    txs.forEach((t) => m.decide(t));
    expect(m.state).toBe('reached');
    expect(m.lastKept).toBe(txs[2]);
    expect(m.stopAt).toBe(txs[3]);
    const e = new TargetMatcher(exclusive);
    const decisions = txs.map((t) => e.decide(t));
    expect(decisions[2]).toEqual({ verdict: 'lost', relation: 'target', afterStop: false, outOfOrder: false });
    expect(decisions[3]).toEqual({ verdict: 'lost', relation: 'unrelated', afterStop: true, outOfOrder: false });
    expect(e.state).toBe('reached');
    expect(e.lastKept).toBe(txs[1]);
    expect(e.stopAt).toBe(txs[2]);
  });

  it('stops with state "passed" when the domain moves beyond the target without it', () => {
    const txs = [tx({ gtid: maria(0, 1, 4) }), tx({ gtid: maria(0, 2, 5) }), tx({ gtid: maria(0, 1, 5) })];
    const m = new TargetMatcher(target);
    const d = txs.map((t) => m.decide(t));
    expect(d.map((x) => x.verdict)).toEqual(['kept', 'lost', 'lost']);
    expect(d[1]!.relation).toBe('passed');
    expect(d[2]).toEqual({ verdict: 'lost', relation: 'target', afterStop: true, outOfOrder: true });
    expect(m.state).toBe('passed');
    expect(m.stopAt).toBe(txs[1]);
  });

  it('stays open when the target never appears', () => {
    const m = new TargetMatcher(target);
    m.decide(tx({ gtid: maria(0, 1, 3) }));
    m.decide(tx({ gtid: maria(2, 1, 30) }));
    expect(m.state).toBe('open');
    expect(m.keptCount).toBe(2);
  });

  it('takes GTID event bodies as they are', () => {
    const body: MariadbGtidBody = {
      kind: 'gtid',
      flavor: 'mariadb',
      gtid: '0-1-5',
      domainId: 0,
      serverId: 1,
      seqNo: 5n,
      flags: 0,
      standalone: false,
      transactional: true,
      ddl: false,
      commitId: undefined,
    };
    expect(targetMatch(target, tx({ gtid: body }))).toBe('target');
  });

  it('refuses a MySQL binlog', () => {
    const e = (() => {
      try {
        targetMatch(target, tx({ gtid: mysql(A, 5), file: '/archive/binlog.000003' }));
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(PitrError);
    expect((e as PitrError).code).toBe('USAGE');
    expect((e as PitrError).message).toBe('the target gtid:0-1-5 is a MariaDB GTID, but binlog.000003 holds MySQL transactions');
  });
});

describe('MySQL GTID targets', () => {
  const target = parseTarget(`gtid:${A}:5`);
  const tagged = parseTarget(`gtid:${A}:Nightly:5`);

  it.each([
    [target, mysql(A, 4), 'before'],
    [target, mysql(A.toUpperCase(), 5), 'target'],
    [target, mysql(A, 6), 'passed'],
    [target, mysql(A, 5, 'nightly'), 'unrelated'],
    [target, mysql(B, 5), 'unrelated'],
    [target, { ...mysql(A, 5), anonymous: true }, 'unrelated'],
    [tagged, mysql(A, 5, 'nightly'), 'target'],
    [tagged, mysql(A, 5, 'NIGHTLY'), 'target'],
    [tagged, mysql(A, 5), 'unrelated'],
    [tagged, mysql(A, 6, 'nightly'), 'passed'],
  ] as const)('%#', (t, gtid, relation) => {
    expect(targetMatch(t, tx({ gtid }))).toBe(relation);
  });

  it('stops after the target in binlog order', () => {
    const txs = [tx({ gtid: mysql(B, 90) }), tx({ gtid: mysql(A, 4) }), tx({ gtid: mysql(A, 5) }), tx({ gtid: mysql(B, 91) })];
    expect(verdicts(target, txs)).toBe('KKKL');
    expect(verdicts(parseTarget(`gtid:${A}:5`, { exclusive: true }), txs)).toBe('KKLL');
  });

  it('refuses out-of-order commits rather than skipping the target (state "passed")', () => {
    const txs = [tx({ gtid: mysql(A, 4) }), tx({ gtid: mysql(A, 6) }), tx({ gtid: mysql(A, 5) })];
    const m = new TargetMatcher(target);
    expect(txs.map((t) => m.decide(t).verdict)).toEqual(['kept', 'lost', 'lost']);
    expect(m.state).toBe('passed');
    expect(m.outOfOrderCount).toBe(1);
  });

  it('takes GTID event bodies as they are', () => {
    const body: MysqlGtidBody = {
      kind: 'gtid',
      flavor: 'mysql',
      gtid: `${A}:5`,
      anonymous: false,
      uuid: A,
      tag: undefined,
      gno: 5n,
      commitFlag: true,
      lastCommitted: 0n,
      sequenceNumber: 1n,
      immediateCommitTimestampUs: T0,
      originalCommitTimestampUs: T0,
      transactionLength: 100n,
      immediateServerVersion: 80400,
      originalServerVersion: 80400,
    };
    expect(targetMatch(target, tx({ gtid: body }))).toBe('target');
  });

  it('refuses a MariaDB binlog', () => {
    expect(() => targetMatch(target, tx({ gtid: maria(0, 1, 5) }))).toThrow(/is a MySQL GTID, but binlog.000001 holds MariaDB transactions/);
  });
});

describe('position targets', () => {
  const target = parseTarget('pos:binlog.000012:4567');

  it.each([
    ['an earlier file', 'binlog.000011', 9000, 9100, 'before'],
    ['ending exactly at the position', 'binlog.000012', 4400, 4567, 'before'],
    ['ending before it', 'binlog.000012', 4, 300, 'before'],
    ['starting exactly at the position', 'binlog.000012', 4567, 4700, 'after'],
    ['starting after it', 'binlog.000012', 5000, 5100, 'after'],
    ['spanning it', 'binlog.000012', 4500, 4600, 'straddles'],
    ['a later file', 'binlog.000013', 4, 100, 'after'],
    ['a path to an earlier file', '/archive/binlogs/binlog.000011', 4, 100, 'before'],
  ] as const)('%s', (_name, file, startPos, endPos, relation) => {
    expect(targetMatch(target, tx({ file, startPos, endPos }))).toBe(relation);
  });

  it('applies every group ending at or before the position, not the one starting there (mysqlbinlog --stop-position)', () => {
    const txs = [
      tx({ file: 'binlog.000011', startPos: 4, endPos: 500 }),
      tx({ file: 'binlog.000012', startPos: 256, endPos: 4567 }),
      tx({ file: 'binlog.000012', startPos: 4567, endPos: 4800 }),
      tx({ file: 'binlog.000013', startPos: 256, endPos: 400 }),
    ];
    const m = new TargetMatcher(target);
    expect(txs.map((t) => m.decide(t).verdict)).toEqual(['kept', 'kept', 'lost', 'lost']);
    expect(m.lastKept).toBe(txs[1]);
    expect(m.stopAt).toBe(txs[2]);
    expect(m.state).toBe('reached');
  });

  it('a transaction spanning the position is not applied', () => {
    const m = new TargetMatcher(parseTarget('pos:binlog.000012:4600'));
    expect(m.decide(tx({ file: 'binlog.000012', startPos: 4567, endPos: 4800 }))).toEqual({
      verdict: 'lost',
      relation: 'straddles',
      afterStop: false,
      outOfOrder: false,
    });
  });
});

describe('latest', () => {
  it('keeps everything and stays open', () => {
    const m = new TargetMatcher(parseTarget('latest'));
    const txs = [tx({ commitTimeUs: sec(100) }), tx({ gtid: maria(0, 1, 1) }), tx({ file: 'binlog.999999' })];
    expect(txs.map((t) => m.decide(t).verdict)).toEqual(['kept', 'kept', 'kept']);
    expect(m.state).toBe('open');
    expect(m.lastKept).toBe(txs[2]);
  });
});

describe('compareBinlogFileNames', () => {
  it.each([
    ['binlog.000001', 'binlog.000002', -1],
    ['binlog.000002', 'binlog.000001', 1],
    ['binlog.000012', 'binlog.000012', 0],
    ['binlog.999999', 'binlog.1000000', -1], // past six digits the server keeps counting
    ['binlog.000012', '/a/b/binlog.000012', 0],
    ['binlog.00012', 'binlog.000012', 0],
    ['a-bin.000003', 'b-bin.000002', 1], // sequence first
    ['a-bin.000002', 'b-bin.000002', -1],
    ['binlog.000001', 'binlog.index', -1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareBinlogFileNames(a, b))).toBe(sign);
  });
});
