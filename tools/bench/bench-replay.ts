/**
 * Replay benchmark (issue 3, "Performance"): a sysbench-style write workload on a throwaway source,
 * then on two identical fresh targets in the same run:
 *   ours:      buildPlan(latest) + runRestore (dump load + binlog replay)
 *   reference: `mariadb < dump` + `mariadb-binlog --start-position … files | mariadb`
 * Both targets are checked against the source with CHECKSUM TABLE; the script fails loudly on a
 * mismatch. Prints both times, transactions/s and the ratio, and one JSON line.
 *
 *   npm run bench:replay                       # builds, then 300,000 transactions
 *   npx tsx tools/bench/bench-replay.ts --transactions 50000 --runs 2
 *
 * Workload (sysbench oltp_write_only shape): tables sbtest1..4 (id INT PK AUTO_INCREMENT, k INT,
 * c CHAR(120), pad CHAR(60), KEY(k)), 10,000 rows each before the dump; then transactions of
 * UPDATE k, UPDATE c, DELETE, INSERT of one random id, from 4 concurrent client connections. The
 * source relaxes durability while generating (innodb_flush_log_at_trx_commit=0, sync_binlog=0):
 * that does not change what is logged. Both targets run with identical, default settings (binlog
 * on, as a restore target that is to become a primary usually is); pitr changes no global setting.
 *
 * The generated dump and binlogs are kept in a cache dir (PITR_BENCH_DIR or ~/.cache/pitr-bench),
 * keyed by workload version and size; `meta.json` written last marks a complete entry.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { dumpCoordinates, parseTarget } from '@pitr/core';
import { buildPlan, runRestore } from '@pitr/pitr-planner';
import { startServer, type TestServer } from '../src/index.js';

const execFileP = promisify(execFile);
const WORKLOAD_VERSION = 'replay-sysbench-v1';
const TABLES = 4;
const ROWS_PER_TABLE = 10_000;
const CLIENTS = 4;
const TRX_PER_QUERY = 50;
const TARGET_RATIO = 3;

interface Meta {
  workloadVersion: string;
  transactions: number;
  serverVersion: string;
  checksums: Record<string, string>;
  binlogFiles: string[];
  dumpFile: string;
  generationMs: number;
  createdAt: string;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function clientConfig(server: TestServer, path: string): Promise<void> {
  return writeFile(path, `[client]\nuser=${server.user}\npassword=${server.password}\nhost=${server.host}\nport=${server.port}\n`, { mode: 0o600 });
}

async function checksums(server: TestServer): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (let t = 1; t <= TABLES; t++) {
    const [r] = await server.query<{ Checksum: string }[]>(`CHECKSUM TABLE sbtest.sbtest${t}`);
    const [n] = await server.query<{ n: string }[]>(`SELECT COUNT(*) AS n FROM sbtest.sbtest${t}`);
    out[`sbtest${t}`] = `${String(n!.n)} rows, checksum ${String(r!.Checksum)}`;
  }
  return out;
}

/** Generates (or reuses) the dump + binlogs of the workload. */
async function ensureWorkload(transactions: number, cacheRoot: string): Promise<{ dir: string; meta: Meta }> {
  const dir = join(cacheRoot, `${WORKLOAD_VERSION}-${transactions}`);
  const metaPath = join(dir, 'meta.json');
  if (existsSync(metaPath)) {
    log(`reusing the workload in ${dir}`);
    return { dir, meta: JSON.parse(await readFile(metaPath, 'utf8')) as Meta };
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  log(`generating: ${TABLES} tables × ${ROWS_PER_TABLE} rows, dump, then ${transactions} transactions from ${CLIENTS} clients`);
  const t0 = Date.now();
  const source = await startServer({ maxBinlogSize: 64 << 20, extra: ['--innodb-flush-log-at-trx-commit=0', '--sync-binlog=0'] });
  try {
    await source.query('CREATE DATABASE sbtest');
    for (let t = 1; t <= TABLES; t++) {
      await source.query(
        `CREATE TABLE sbtest.sbtest${t} (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY k_${t} (k)) ENGINE=InnoDB`,
      );
      await source.query(
        `INSERT INTO sbtest.sbtest${t} (k, c, pad) SELECT FLOOR(RAND() * ${ROWS_PER_TABLE}), SUBSTRING(REPEAT(CONCAT(FLOOR(RAND() * 1e11), '-'), 12), 1, 119), SUBSTRING(REPEAT(CONCAT(FLOOR(RAND() * 1e11), '-'), 6), 1, 59) FROM mysql.seq_1_to_${ROWS_PER_TABLE}`,
      );
    }
    const cnf = join(dir, 'source.cnf');
    await clientConfig(source, cnf);
    const dumpFile = join(dir, 'dump.sql');
    await execFileP('sh', ['-c', `mariadb-dump --defaults-extra-file=${cnf} --single-transaction --master-data=2 --gtid --routines --triggers --events --hex-blob --databases sbtest > ${dumpFile}`]);
    await rm(cnf);
    let done = 0;
    const rand = (n: number): number => 1 + Math.floor(Math.random() * n);
    const text = (len: number): string => {
      let s = '';
      while (s.length < len) s += `${Math.floor(Math.random() * 1e11)}-`;
      return s.slice(0, len);
    };
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, w) => {
        const conn = await source.connect();
        try {
          const mine = Math.floor(transactions / CLIENTS) + (w < transactions % CLIENTS ? 1 : 0);
          for (let i = 0; i < mine; i += TRX_PER_QUERY) {
            let sql = '';
            for (let j = 0; j < Math.min(TRX_PER_QUERY, mine - i); j++) {
              const t = rand(TABLES);
              const id = rand(ROWS_PER_TABLE);
              sql +=
                `BEGIN; UPDATE sbtest.sbtest${t} SET k = k + 1 WHERE id = ${id}; UPDATE sbtest.sbtest${t} SET c = '${text(119)}' WHERE id = ${id}; ` +
                `DELETE FROM sbtest.sbtest${t} WHERE id = ${id}; INSERT INTO sbtest.sbtest${t} (id, k, c, pad) VALUES (${id}, ${rand(ROWS_PER_TABLE)}, '${text(119)}', '${text(59)}'); COMMIT;`;
            }
            await conn.query(sql);
            done += Math.min(TRX_PER_QUERY, mine - i);
            if (done % 20_000 < TRX_PER_QUERY) process.stdout.write(`\r  ${done} / ${transactions} transactions`);
          }
        } finally {
          await conn.end();
        }
      }),
    );
    process.stdout.write('\n');
    await source.flushLogs();
    const [v] = await source.query<{ v: string }[]>('SELECT VERSION() AS v');
    const sums = await checksums(source);
    const files: string[] = [];
    for (const f of await source.binlogFiles()) {
      const to = join(dir, 'binlogs', basename(f));
      await mkdir(join(dir, 'binlogs'), { recursive: true });
      await copyFile(f, to);
      files.push(to);
    }
    const meta: Meta = {
      workloadVersion: WORKLOAD_VERSION,
      transactions,
      serverVersion: v!.v,
      checksums: sums,
      binlogFiles: files,
      dumpFile,
      generationMs: Date.now() - t0,
      createdAt: new Date().toISOString(),
    };
    await writeFile(metaPath, JSON.stringify(meta, null, 2));
    log(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { dir, meta };
  } finally {
    await source.stop();
  }
}

async function verify(server: TestServer, expected: Record<string, string>, who: string): Promise<void> {
  const got = await checksums(server);
  for (const [t, want] of Object.entries(expected)) {
    if (got[t] !== want) throw new Error(`${who}: ${t} is ${got[t]}, the source had ${want} — THE RESTORE IS NOT EXACT`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { transactions: { type: 'string' }, runs: { type: 'string' }, 'cache-dir': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    log('usage: bench-replay.ts [--transactions N (default 300000)] [--runs N (default 1)] [--cache-dir DIR]');
    return;
  }
  const transactions = Number(values.transactions ?? 300_000);
  const runs = Math.max(1, Number(values.runs ?? 1));
  const cacheRoot = values['cache-dir'] ?? process.env.PITR_BENCH_DIR ?? join(homedir(), '.cache', 'pitr-bench');
  const { dir, meta } = await ensureWorkload(transactions, cacheRoot);
  const coords = await dumpCoordinates(meta.dumpFile);
  const startIndex = meta.binlogFiles.findIndex((f) => basename(f) === coords.binlog!.file);
  const binlogs = meta.binlogFiles.slice(startIndex);
  const work = await mkdtemp(join(tmpdir(), 'pitr-bench-replay-'));
  const results: { oursMs: number; planMs: number; loadMs: number; replayMs: number; referenceMs: number; maxRssMB: number }[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const [a, b] = [await startServer(), await startServer()];
      try {
        // ours, with RSS sampled (the restore runs in this process)
        let maxRss = process.memoryUsage().rss;
        const sampler = setInterval(() => {
          maxRss = Math.max(maxRss, process.memoryUsage().rss);
        }, 100);
        const t0 = Date.now();
        const plan = await buildPlan({ target: parseTarget('latest'), source: { kind: 'files', dump: meta.dumpFile, binlogDir: join(dir, 'binlogs') } });
        const planMs = Date.now() - t0;
        const r = await runRestore({ plan, to: a.url });
        const oursMs = Date.now() - t0;
        clearInterval(sampler);
        await verify(a, meta.checksums, 'ours');
        log(`run ${run} ours:      ${(oursMs / 1000).toFixed(1)} s (plan ${(planMs / 1000).toFixed(1)}, load ${(r.loadMs / 1000).toFixed(1)}, replay ${(r.replayMs / 1000).toFixed(1)}), ${r.transactionsApplied} transactions, peak RSS ${Math.round(maxRss / 1048576)} MB — checksums equal`);

        const cnf = join(work, 'b.cnf');
        await clientConfig(b, cnf);
        const t1 = Date.now();
        await execFileP('sh', ['-c', `mariadb --defaults-extra-file=${cnf} < ${meta.dumpFile}`]);
        await execFileP('sh', ['-c', `mariadb-binlog --start-position=${coords.binlog!.pos} ${binlogs.join(' ')} | mariadb --defaults-extra-file=${cnf}`], { maxBuffer: 1 << 20 });
        const referenceMs = Date.now() - t1;
        await verify(b, meta.checksums, 'reference');
        log(`run ${run} reference: ${(referenceMs / 1000).toFixed(1)} s — checksums equal (this run: ${(referenceMs / oursMs).toFixed(2)}×)`);
        results.push({ oursMs, planMs, loadMs: r.loadMs, replayMs: r.replayMs, referenceMs, maxRssMB: Math.round(maxRss / 1048576) });
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const best = results.reduce((x, y) => (y.oursMs < x.oursMs ? y : x));
  const bestRef = Math.min(...results.map((x) => x.referenceMs));
  const ratio = Math.round((bestRef / best.oursMs) * 100) / 100;
  log('');
  log(`transactions ${meta.transactions} (4 row changes each) on ${meta.serverVersion}`);
  log(`ours:      ${(best.oursMs / 1000).toFixed(1)} s, ${Math.round(meta.transactions / (best.oursMs / 1000))} transactions/s (incl. plan and dump load)`);
  log(`reference: ${(bestRef / 1000).toFixed(1)} s, ${Math.round(meta.transactions / (bestRef / 1000))} transactions/s`);
  log(`ratio:     ${ratio}× (target ≥ ${TARGET_RATIO}×) ${ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}; peak RSS ${Math.max(...results.map((x) => x.maxRssMB))} MB`);
  log(JSON.stringify({ bench: 'replay', workload: WORKLOAD_VERSION, transactions: meta.transactions, server: meta.serverVersion, runs: results, ratio, target: TARGET_RATIO, node: process.version }));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
