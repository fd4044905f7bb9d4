/**
 * Issue 3's oracle end-to-end test for pitr's own restore: the phased workload
 * (tools/src/workloads/oracle-workload.ts: every column type, large and rolled-back transactions,
 * cross-database transactions, FK cascades and foreign_key_checks=0, triggers, generated columns,
 * savepoints around Aria, REPLACE/upserts, sequences, a transaction spanning a phase boundary, DDL
 * of every kind, a disaster) is recorded once; then `buildPlan` + `runRestore` restore onto fresh
 * servers to every recorded second, to positions, to GTIDs, to just before the disaster and to
 * `latest`, and every restored fingerprint (definitions + every row byte-exactly) must equal the
 * recorded one. test/oracle-reference.test.ts proves the same recording with the reference
 * pipeline (mariadb-dump + mariadb-binlog | mariadb).
 *
 * The base backup is the reference mariadb-dump file, so its known FLOAT loss (6 digits, in
 * oracle_a.dump_floats, never touched after the backup) is asserted and taken out exactly as in the
 * reference test. AUTO_INCREMENT counters are not compared (a rolled-back INSERT consumes ids
 * without a binlog trace; see tools/src/fingerprint.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTarget } from '@pitr/core';
import { buildPlan, runRestore, takeBackup, type Plan, type PlanSource } from '@pitr/pitr-planner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffFingerprints, fingerprintServer, type Fingerprint } from '../tools/src/fingerprint.js';
import { ORACLE_DATABASES, reconcileDumpFloatLoss, recordOracle, startOracleTarget, type OracleRun } from '../tools/src/workloads/oracle-workload.js';

const CONCURRENCY = 2;

function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    while (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
const limit = limiter(CONCURRENCY);

describe('oracle: pitr restore reproduces every recorded moment', () => {
  let dir: string;
  let run: OracleRun;

  async function restore(targetText: string, exclusive = false, fromRepo = false): Promise<{ plan: Plan; fingerprint: Fingerprint; warnings: string[] }> {
    return limit(async () => {
      const source: PlanSource = fromRepo ? { kind: 'repo', repo: join(dir, 'repo'), binlogDir: run.binlogDir } : { kind: 'files', dump: run.dumpFile, binlogDir: run.binlogDir };
      const plan = await buildPlan({ target: parseTarget(targetText, { exclusive }), source });
      const server = await startOracleTarget();
      const warnings: string[] = [];
      try {
        const result = await runRestore({ plan, to: server.url, onWarning: (m) => warnings.push(m) });
        expect(result.transactionsApplied).toBe(plan.replay.transactions);
        const conn = await server.connect();
        try {
          return { plan, fingerprint: await fingerprintServer(conn, { databases: ORACLE_DATABASES }), warnings };
        } finally {
          await conn.end();
        }
      } finally {
        await server.stop();
      }
    });
  }

  function expectSame(expected: Fingerprint, restored: Fingerprint): void {
    const r = reconcileDumpFloatLoss(expected, restored);
    expect(r.unexplained).toEqual([]);
    expect(r.lossyRows).toBe(5);
    expect(diffFingerprints(expected, r.fingerprint)).toEqual([]);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pitr-oracle-restore-'));
    // pitr's own backup is taken at backup time too, right after the reference dump
    run = await recordOracle({ dir, backup: async (server) => void (await takeBackup({ source: server.url, repo: join(dir, 'repo') })) });
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('time targets: every phase', { timeout: 180_000 }, () => {
    it.concurrent.for(Array.from({ length: 10 }, (_, i) => i))('phase %i', async (i) => {
      const phase = run.phases[i]!;
      const { fingerprint, plan } = await restore(new Date(phase.lastCommitSecond * 1000).toISOString());
      expect(plan.replay.stop).not.toBeNull();
      expectSame(phase.fingerprint, fingerprint);
    });
  });

  describe('position, GTID, disaster and latest targets', { timeout: 180_000 }, () => {
    it.concurrent.for([3, 6])('position after phase %i', async (i) => {
      const phase = run.phases[i]!;
      expectSame(phase.fingerprint, (await restore(`pos:${phase.binlog.file}:${phase.binlog.pos}`)).fingerprint);
    });

    it.concurrent.for([4, 5, 8])('GTID of the last transaction of phase %i (everything before it in binlog order, all domains)', async (i) => {
      const phase = run.phases[i]!;
      expectSame(phase.fingerprint, (await restore(`gtid:${phase.lastGtid}`)).fingerprint);
    });

    it.concurrent('just before the disaster: its first GTID, exclusive', async () => {
      const { fingerprint, plan } = await restore(`gtid:${run.disaster.firstGtid}`, true);
      expect(plan.replay.firstLost[0]?.gtid).toBe(run.disaster.firstGtid);
      expect(plan.replay.firstLost[0]?.statements.join(' ')).toMatch(/DELETE FROM oracle_a\.accounts/);
      expectSame(run.disaster.fingerprintBefore, fingerprint);
    });

    it.concurrent('latest: the state after the disaster', async () => {
      expectSame(run.disaster.fingerprintAfter, (await restore('latest')).fingerprint);
    });
  });

  describe('from a pitr backup (repository): exact FLOATs, no dump loss to reconcile', { timeout: 180_000 }, () => {
    it.concurrent.for([2, 9])('phase %i', async (i) => {
      const phase = run.phases[i]!;
      const { fingerprint, plan } = await restore(new Date(phase.lastCommitSecond * 1000).toISOString(), false, true);
      expect(plan.backup.source).toBe('repo');
      expect(diffFingerprints(phase.fingerprint, fingerprint)).toEqual([]);
    });
  });
});
