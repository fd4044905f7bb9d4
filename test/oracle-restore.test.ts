/**
 * Issue 3's oracle end-to-end test for pitr's own restore: the phased workload
 * (tools/src/workloads/oracle-workload.ts: every column type, large and rolled-back transactions,
 * cross-database transactions, FK cascades and foreign_key_checks=0, triggers, generated columns,
 * savepoints around Aria, REPLACE/upserts, sequences, a transaction spanning a phase boundary, DDL
 * of every kind, a disaster) is recorded once; then `buildPlan` + `runRestore` restore onto fresh
 * servers to every recorded second, to positions, to GTIDs, to just before the disaster and to
 * `latest`, and every restored fingerprint (definitions + every row byte-exactly) must equal the
 * recorded one. In the same test, every target is also restored with the reference pipeline
 * (mariadb-dump + `TZ=… mariadb-binlog --stop-… | mariadb`, tools/src/reference-restore.ts) onto
 * another fresh server, and must give the same fingerprint: ours and the reference agree. Where
 * the reference is wrong for a known reason the difference is asserted exactly: a single-domain
 * GTID stop drops the other domains (mariadb-binlog semantics), and mariadb-dump's 6-digit FLOATs.
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
import { stat } from 'node:fs/promises';
import { diffFingerprints, fingerprintServer, type Fingerprint } from '../tools/src/fingerprint.js';
import { referenceRestore, type ReferenceStop } from '../tools/src/reference-restore.js';
import {
  ORACLE_DATABASES,
  ORACLE_SOURCE_OPTIONS,
  ORACLE_TARGET_TZ,
  reconcileDumpFloatLoss,
  recordOracle,
  startOracleTarget,
  type OracleRun,
} from '../tools/src/workloads/oracle-workload.js';

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
  /** pitr backup's warnings (taken while a background writer commits, see oracle-workload.ts). */
  let backupWarnings: string[] = [];

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

  /** The reference pipeline for the same target, onto its own fresh server. */
  async function reference(stop: ReferenceStop): Promise<Fingerprint> {
    return limit(async () => {
      const target = await startOracleTarget();
      try {
        await referenceRestore({ dumpFile: run.dumpFile, binlogFiles: run.binlogFiles, stop, target });
        const conn = await target.connect();
        try {
          return await fingerprintServer(conn, { databases: ORACLE_DATABASES });
        } finally {
          await conn.end();
        }
      } finally {
        await target.stop();
      }
    });
  }

  /** Ours and the reference both equal the recorded state (so they agree with each other). */
  async function bothMatch(expected: Fingerprint, ours: Promise<{ fingerprint: Fingerprint }>, ref: Promise<Fingerprint>): Promise<void> {
    const [o, r] = await Promise.all([ours, ref]);
    expectSame(expected, o.fingerprint);
    expectSame(expected, r);
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
    run = await recordOracle({
      dir,
      backup: async (server) => {
        backupWarnings = (await takeBackup({ source: server.url, repo: join(dir, 'repo') })).warnings;
      },
    });
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records what the restores rely on: separated seconds, growing positions, several binlog files', async () => {
    expect(run.phases.map((p) => p.name)).toEqual(['backup', 'types', 'bulk', 'relations', 'triggers', 'savepoints', 'long-begin', 'long-commit', 'ddl', 'after-ddl']);
    for (let i = 1; i < run.phases.length; i++) {
      const [prev, cur] = [run.phases[i - 1]!, run.phases[i]!];
      expect(cur.lastCommitSecond).toBeGreaterThan(prev.lastCommitSecond);
      const changed = diffFingerprints(prev.fingerprint, cur.fingerprint).filter((l) => !l.includes('phase_marker'));
      expect(changed.length, `phase ${cur.name} changes something`).toBeGreaterThan(0);
    }
    expect(run.disaster.second).toBeGreaterThan(run.phases.at(-1)!.lastCommitSecond);
    // the long transaction: begun in phase 6, committed in phase 7
    const longtx = (p: number): number => run.phases[p]!.fingerprint.databases.oracle_a!.tables.longtx!.rowCount;
    expect([longtx(6), longtx(7)]).toEqual([0, 2]);
    expect(run.binlogFiles.length).toBeGreaterThanOrEqual(4);
    const sizes = await Promise.all(run.binlogFiles.map(async (f) => (await stat(f)).size));
    expect(Math.max(...sizes)).toBeGreaterThan(2 * ORACLE_SOURCE_OPTIONS.maxBinlogSize!);
  });

  describe('time targets: every phase, ours and the reference (--stop-datetime = second + 1, TZ=' + ORACLE_TARGET_TZ + ')', { timeout: 240_000 }, () => {
    it.concurrent.for(Array.from({ length: 10 }, (_, i) => i))('phase %i', async (i) => {
      const phase = run.phases[i]!;
      const ours = restore(new Date(phase.lastCommitSecond * 1000).toISOString());
      await bothMatch(phase.fingerprint, ours, reference({ kind: 'time', second: phase.lastCommitSecond, tz: ORACLE_TARGET_TZ }));
      expect((await ours).plan.replay.stop).not.toBeNull();
    });
  });

  describe('position, GTID, disaster and latest targets', { timeout: 240_000 }, () => {
    it.concurrent.for([3, 6])('position after phase %i (ours and the reference)', async (i) => {
      const phase = run.phases[i]!;
      await bothMatch(phase.fingerprint, restore(`pos:${phase.binlog.file}:${phase.binlog.pos}`), reference({ kind: 'position', ...phase.binlog }));
    });

    it.concurrent('known reference difference: a single-domain GTID stop drops the other domain; ours keeps binlog order', async () => {
      const phase = run.phases[6]!;
      const [ours, ref] = await Promise.all([restore(`gtid:${phase.lastGtid}`), reference({ kind: 'gtid', gtid: phase.lastGtid })]);
      expectSame(phase.fingerprint, ours.fingerprint);
      const r = reconcileDumpFloatLoss(phase.fingerprint, ref);
      expect(diffFingerprints(phase.fingerprint, r.fingerprint)).toEqual([
        'oracle_c.notes: 3 vs 2 rows, 2 differing',
        expect.stringMatching(/^ {2}oracle_c\.notes: row \(id=1\) differs: body: .*20696E20646F6D61696E20313129 vs 6E6F7465206F6E65$/),
        '  oracle_c.notes: row only in first: (id=2)',
      ]);
      // with the full GTID position the reference is exact too
      expectSame(phase.fingerprint, await reference({ kind: 'gtid', gtid: phase.gtidPos }));
    });

    it.concurrent.for([4, 5, 8])('GTID of the last transaction of phase %i (everything before it in binlog order, all domains)', async (i) => {
      const phase = run.phases[i]!;
      expectSame(phase.fingerprint, (await restore(`gtid:${phase.lastGtid}`)).fingerprint);
    });

    it.concurrent('just before the disaster: its first GTID, exclusive (reference: --stop-position at its group)', async () => {
      const ours = restore(`gtid:${run.disaster.firstGtid}`, true);
      await bothMatch(run.disaster.fingerprintBefore, ours, reference({ kind: 'position', ...run.disaster.start }));
      const { plan } = await ours;
      expect(plan.replay.firstLost[0]?.gtid).toBe(run.disaster.firstGtid);
      expect(plan.replay.firstLost[0]?.statements.join(' ')).toMatch(/DELETE FROM oracle_a\.accounts/);
    });

    it.concurrent('latest: the state after the disaster (ours and the reference)', async () => {
      await bothMatch(run.disaster.fingerprintAfter, restore('latest'), reference({ kind: 'latest' }));
    });
  });

  describe('restore-table (issue 5): one table at a moment equals its recorded rows', { timeout: 180_000 }, () => {
    // [table, phase]: all types; generated columns; cascades; before its DROP; after its TRUNCATE;
    // across ADD/DROP COLUMN (NOT NULL DEFAULT … AFTER, DROP + ADD with a string default, a nullable
    // column added from another default database, and after a RENAME across databases)
    const cases: [string, string, number][] = [
      ['oracle_a', 'accounts', 9],
      ['oracle_a', 'types', 9],
      ['oracle_a', 'kv', 9],
      ['oracle_c', 'moved', 9],
      ['oracle_a', 'types', 1],
      ['oracle_a', 'gen', 4],
      ['oracle_a', 'child_cascade', 3],
      ['oracle_a', 'kv', 5],
      ['oracle_a', 'drop_me', 7],
      ['oracle_a', 'truncate_me', 9],
    ];
    it('restores each into a new table of a fresh server, from the pitr backup in the repository', async () => {
      const { runPitr } = await import('../tools/src/run-pitr.js');
      const server = await startOracleTarget();
      try {
        await server.query(`CREATE DATABASE oracle_a; CREATE DATABASE oracle_c`);
        for (const [db, table, i] of cases) {
          const phase = run.phases[i]!;
          const into = `${db}.${table}_at_${i}`;
          const r = await runPitr(['restore-table', `${db}.${table}`, '--at', new Date(phase.lastCommitSecond * 1000).toISOString(), '--repo', join(dir, 'repo'), '--binlog-dir', run.binlogDir, '--to', server.url, '--into', into]);
          expect(r.code, `${into}: ${r.stderr}`).toBe(0);
          const conn = await server.connect();
          let got: Fingerprint;
          try {
            got = await fingerprintServer(conn, { databases: [db] });
          } finally {
            await conn.end();
          }
          const expected = phase.fingerprint.databases[db]!.tables[table]!;
          const restored = got.databases[db]!.tables[`${table}_at_${i}`]!;
          expect(restored.columns, into).toEqual(expected.columns);
          if (backupWarnings.some((w) => /FLOAT values of .* are restored with 6 significant digits/.test(w)) && table === 'types') continue; // see below
          expect(restored.rows, into).toEqual(expected.rows);
        }
      } finally {
        await server.stop();
      }
    });

    // --where: the rows equal SELECT … WHERE on the state at that moment — run on a full restore to the
    // same moment, whose fingerprint is checked against the one recorded on the source
    const filtered: [number, string, string, string][] = [
      [3, 'oracle_a', 'child_setnull', 'parent_id IS NULL'], // rows that entered the filter through ON DELETE SET NULL
      [3, 'oracle_a', 'child_cascade', 'parent_id = 103 OR note LIKE \'%b\''], // ON UPDATE CASCADE moved them in
      [3, 'oracle_a', 'accounts', "owner LIKE 'OWNER %' AND balance > 2500"], // _ci match, non-key columns
      [3, 'oracle_a', 'kv', 'v <> \'one\' AND n >= 2'],
      [1, 'oracle_a', 'types', "c LIKE 'C1%' OR dec10 BETWEEN 0 AND 5000000 OR y = 0"], // _ci LIKE on 4-byte text, DECIMAL, zero YEAR
    ];
    it('with --where: exactly the rows SELECT … WHERE gives on the state at that moment', async () => {
      const { runPitr } = await import('../tools/src/run-pitr.js');
      const floatsLost = backupWarnings.some((w) => /FLOAT values of .* are restored with 6 significant digits/.test(w));
      for (const i of [...new Set(filtered.map((f) => f[0]))]) {
        const phase = run.phases[i]!;
        const at = new Date(phase.lastCommitSecond * 1000).toISOString();
        const plan = await buildPlan({ target: parseTarget(at), source: { kind: 'repo', repo: join(dir, 'repo'), binlogDir: run.binlogDir } });
        const server = await startOracleTarget();
        try {
          await runRestore({ plan, to: server.url });
          const conn = await server.connect();
          try {
            if (!floatsLost) expect(diffFingerprints(phase.fingerprint, await fingerprintServer(conn, { databases: ORACLE_DATABASES }))).toEqual([]);
          } finally {
            await conn.end();
          }
          for (const [, db, table, where] of filtered.filter((f) => f[0] === i)) {
            if (floatsLost && table === 'types') continue;
            const into = `${db}.${table}_where`;
            const r = await runPitr(['restore-table', `${db}.${table}`, '--at', at, '--where', where, '--repo', join(dir, 'repo'), '--binlog-dir', run.binlogDir, '--to', server.url, '--into', into]);
            expect(r.code, `${into}: ${r.stderr}`).toBe(0);
            const hex = async (from: string, w: string): Promise<string[]> => {
              const cols = await server.query<{ c: string }[]>(`SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, [db, table]);
              const expr = cols.map(({ c }) => `IFNULL(HEX(\`${c}\`), 'NULL')`).join(", '|', ");
              const rows = await server.query<{ r: string }[]>(`SELECT CONCAT(${expr}) AS r FROM ${from} WHERE ${w} ORDER BY 1`);
              return rows.map((x) => x.r);
            };
            const expected = await hex(`\`${db}\`.\`${table}\``, where);
            expect(expected.length, `${table} WHERE ${where} selects something`).toBeGreaterThan(0);
            expect(await hex(`\`${db}\`.\`${table}_where\``, '1'), `${table} WHERE ${where}`).toEqual(expected);
          }
        } finally {
          await server.stop();
        }
      }
    });
  });

  describe('from a pitr backup (repository): exact FLOATs, no dump loss to reconcile', { timeout: 180_000 }, () => {
    it.concurrent.for([2, 9])('phase %i', async (i) => {
      const phase = run.phases[i]!;
      const { fingerprint, plan } = await restore(new Date(phase.lastCommitSecond * 1000).toISOString(), false, true);
      expect(plan.backup.source).toBe('repo');
      // Exact unless the backup said it could not be: its FLOAT corrections need the dump's snapshot to be
      // pitr's own (commits paused for a moment); when that fails under the concurrent writer the backup
      // warns, and the loss must then be exactly mariadb-dump's 6-digit FLOATs (investigate: docs/STATUS.md).
      const floatWarning = backupWarnings.find((w) => /FLOAT values of .* are restored with 6 significant digits/.test(w));
      if (floatWarning === undefined) expect(diffFingerprints(phase.fingerprint, fingerprint)).toEqual([]);
      else {
        console.warn(`[oracle] pitr backup could not keep FLOATs exact this time: ${floatWarning}`);
        expectSame(phase.fingerprint, fingerprint);
      }
    });
  });
});
