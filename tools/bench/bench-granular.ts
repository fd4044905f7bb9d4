/**
 * Granular benchmark (issue 5, "Performance"): restoring ONE record of one table at a late target
 * with `pitr restore-table`, against
 *   (a) only reading the same inputs: `zcat dump > /dev/null; cat binlogs > /dev/null`
 *       (target: restore-table within 1.5× of it), and
 *   (b) a full restore of the same dump + binlogs to the same target onto a fresh throwaway server
 *       (`pitr restore`; target: restore-table ≥ 10× faster).
 *
 *   npm run bench:granular                                  # builds; ~1.1 GB dump + ~1.1 GB binlogs
 *   npx tsx tools/bench/bench-granular.ts --dump-mb 300 --binlog-mb 300 --runs 2 --skip-full --profile
 *
 * Source (granular-workload.ts, cached in $PITR_BENCH_DIR or ~/.cache/pitr-bench): 32 tables, the
 * restored one last in the dump (every other table's data is read past first), binlogs of
 * large-row UPDATEs over all tables with the record changed every few statements; the record's row
 * at the target is recorded by the source server (with an MD5 the server computes).
 *
 * Free disk is checked first: sizes are scaled down (never below 300 MB each) when short.
 * restore-table and (a) run as child processes timed by GNU time (wall, peak RSS, CPU), alternating
 * which goes first in each run (the shared VM's speed drifts); the best of each is compared. (b)
 * runs once (minutes). Correctness: the row the full restore has, and the row restore-table's SQL
 * creates when loaded into a server, must both hash (server-side MD5) to the recorded row; the SQL
 * of every run must be the same bytes. Any failure makes the script exit 1.
 * The last stdout line is one JSON object with every figure (`{"bench":"granular",...}`).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer, type ServerOptions, type TestServer } from '../src/index.js';
import { summariseCpuProfile, type ProfileSummary } from './cpu-profile-summary.js';
import { ROW_HASH_SQL, cachedGranularWorkload, clientConfigText, defaultCacheRoot, ensureGranularWorkload, type GranularWorkload } from './granular-workload.js';
import { type Timed, timed as timedIn } from './timed.js';
import { shellQuote, warmPageCache } from './bench-util.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const timed = (argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> => timedIn(argv, { cwd: REPO, env });
const PITR = join(REPO, 'packages', 'cli', 'bin', 'pitr.mjs');
const TARGET_READ_RATIO = 1.5;
const TARGET_FULL_RATIO = 10;
const MIN_MB = 300;
/**
 * The full restore's target: startServer's defaults (binlog ON, as a server that is to serve again
 * has it) with a buffer pool and redo log sized for a GB-scale load, as a DBA would give a scratch
 * server — (b) is not slowed by the harness's tiny default InnoDB settings.
 */
const FULL_TARGET_OPTIONS: ServerOptions = { binlog: true, extra: ['--innodb-buffer-pool-size=1G', '--innodb-log-file-size=512M'] };

const USAGE = `usage: bench-granular.ts [--dump-mb N] [--binlog-mb N] [--runs N] [--skip-full] [--profile] [--cache-dir DIR]

  --dump-mb N      uncompressed dump size to generate, MB (default 1100; scaled down when disk is short)
  --binlog-mb N    binlog bytes after the dump, MB (default 1100)
  --runs N         timed runs of restore-table and of (a), alternating (default 3)
  --skip-full      do not time (b), the full restore (the SQL is still checked on a small server)
  --profile        one more, untimed restore-table under --cpu-prof; prints the top functions
  --cache-dir DIR  cache for the generated source (default $PITR_BENCH_DIR or ~/.cache/pitr-bench)
`;

interface RunResult {
  run: number;
  first: 'restore-table' | 'read';
  loadavg: number;
  ours: { wallMs: number; cpuMs: number | null; peakRssMB: number | null } | null;
  read: { wallMs: number; cpuMs: number | null } | null;
}

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function sec(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

function load1(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}


/** Free bytes on the filesystem holding `path` (or its nearest existing parent). */
function freeBytes(path: string): number {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  const out = execFileSync('df', ['-Pk', p], { encoding: 'utf8' }).trim().split('\n').pop() ?? '';
  return Number(out.split(/\s+/)[3] ?? 0) * 1024;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Loads a SQL file with the mariadb client. */
async function loadSql(server: TestServer, file: string, work: string): Promise<void> {
  const cnf = join(work, `load-${server.port}.cnf`);
  await writeFile(cnf, clientConfigText(server), { mode: 0o600 });
  const t = await timed(['bash', '-c', `mariadb --defaults-extra-file=${shellQuote(cnf)} < ${shellQuote(file)}`]);
  if (t.exitCode !== 0) throw new Error(`loading ${file} failed (exit ${t.exitCode}):\n${t.stderr.slice(-4000)}`);
}

async function rowHash(server: TestServer, db: string, table: string, id: number): Promise<{ rows: number; hash: string | null }> {
  const rows = await server.query<{ h: string }[]>(`SELECT ${ROW_HASH_SQL} AS h FROM \`${db}\`.\`${table}\` WHERE id = ${id}`);
  const [n] = await server.query<{ n: string | number }[]>(`SELECT COUNT(*) AS n FROM \`${db}\`.\`${table}\``);
  return { rows: Number(n!.n), hash: rows.length === 1 ? String(rows[0]!.h) : null };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'dump-mb': { type: 'string' },
      'binlog-mb': { type: 'string' },
      runs: { type: 'string' },
      'skip-full': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'cache-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let dumpMB = Number(values['dump-mb'] ?? 1100);
  let binlogMB = Number(values['binlog-mb'] ?? 1100);
  const runs = Number(values.runs ?? 3);
  const skipFull = values['skip-full'] === true;
  if (!Number.isInteger(dumpMB) || !Number.isInteger(binlogMB) || dumpMB < MIN_MB || binlogMB < MIN_MB) throw new Error(`--dump-mb and --binlog-mb must be integers ≥ ${MIN_MB}\n${USAGE}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer\n${USAGE}`);
  const cacheRoot = values['cache-dir'] ?? defaultCacheRoot();

  // disk: the cache (gzipped dump ~0.6×, binlogs 1×), the generating source (data ~1.5× the dump,
  // its binlogs, 0.5 GB redo), the full restore's target (data ~1.5×, its own binlogs ~ dump + binlogs)
  const need = (d: number, b: number, cached: boolean): number =>
    1e6 * ((cached ? 0 : 0.6 * d + b + 1.5 * d + 1.1 * b + 600) + (skipFull ? 50 : 1.5 * d + d + b + 600));
  const free = Math.min(freeBytes(cacheRoot), freeBytes(tmpdir()));
  const cachedAtSize = (await cachedGranularWorkload({ dumpMB, binlogMB, cacheRoot })) !== undefined;
  if (free < need(dumpMB, binlogMB, cachedAtSize)) {
    const scale = Math.max(0, free / need(dumpMB, binlogMB, false));
    const d = Math.max(MIN_MB, Math.floor(dumpMB * scale));
    const b = Math.max(MIN_MB, Math.floor(binlogMB * scale));
    log(`disk: ${mb(free)} free, ${mb(need(dumpMB, binlogMB, cachedAtSize))} needed for ${dumpMB} MB + ${binlogMB} MB: scaling down to ${d} MB + ${b} MB`);
    dumpMB = d;
    binlogMB = b;
    if (free < need(d, b, false)) log(`disk: WARNING: ${mb(free)} free may still be short of ${mb(need(d, b, false))}`);
  } else {
    log(`disk: ${mb(free)} free, ${mb(need(dumpMB, binlogMB, cachedAtSize))} needed`);
  }

  const w = await ensureGranularWorkload({ dumpMB, binlogMB, cacheRoot });
  const { meta } = w;
  const rec = meta.record;
  const at = `gtid:${rec.targetGtid}`;
  log(
    `source: ${meta.serverVersion}; ${meta.tables} tables × ${meta.rowsPerTable} rows; dump ${mb(meta.dumpUncompressedBytes)} (${mb(meta.dumpBytes)} gzipped); ` +
      `${meta.binlogs.length} binlog files, ${mb(meta.binlogBytes)}, ${meta.statements} transactions, ${meta.rowChanges} row changes`,
  );
  log(`record: ${rec.db}.${rec.table} id = ${rec.id}, ${rec.changesBefore} versions before the target ${at} (at ${mb(rec.targetBinlogOffset)} of the binlogs), ${rec.changesAfter} after`);
  await warmPageCache([w.dumpFile, ...w.binlogFiles]);

  const work = await mkdtemp(join(tmpdir(), 'pitr-bench-granular-'));
  const failures: string[] = [];
  const results: RunResult[] = [];
  const sqlFiles: string[] = [];
  let oursJson: Record<string, unknown> | undefined;
  const oursArgv = (sqlOut: string, extraNode: string[] = []): string[] => [
    process.execPath,
    ...extraNode,
    PITR,
    'restore-table',
    `${rec.db}.${rec.table}`,
    '--at',
    at,
    '--where',
    `id = ${rec.id}`,
    '--dump',
    w.dumpFile,
    '--binlog-dir',
    w.binlogDir,
    '--sql-out',
    sqlOut,
    '--json',
  ];
  const readArgv = ['bash', '-c', `zcat ${shellQuote(w.dumpFile)} > /dev/null && cat ${w.binlogFiles.map(shellQuote).join(' ')} > /dev/null`];
  let profile: ProfileSummary | undefined;
  let full: { wallMs: number; cpuMs: number | null } | null = null;
  try {
    for (let run = 1; run <= runs; run++) {
      const first = run % 2 === 1 ? 'restore-table' : 'read';
      const result: RunResult = { run, first, loadavg: load1(), ours: null, read: null };
      const doOurs = async (): Promise<void> => {
        const sqlOut = join(work, `run${run}.sql`);
        const t = await timed(oursArgv(sqlOut));
        if (t.exitCode !== 0) {
          failures.push(`run ${run}: restore-table failed (exit ${t.exitCode}): ${t.stderr.slice(-2000)}`);
          return;
        }
        oursJson = JSON.parse(t.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
        if (oursJson.rows !== 1) failures.push(`run ${run}: restore-table found ${String(oursJson.rows)} rows, not 1`);
        sqlFiles.push(sqlOut);
        result.ours = { wallMs: Math.round(t.wallMs), cpuMs: t.cpuMs === undefined ? null : Math.round(t.cpuMs), peakRssMB: t.maxRssKB === undefined ? null : Math.round(t.maxRssKB / 1024) };
        log(`run ${run}: restore-table ${sec(t.wallMs)} (CPU ${t.cpuMs === undefined ? '?' : sec(t.cpuMs)}, peak RSS ${result.ours.peakRssMB ?? '?'} MB; load average ${load1()})`);
      };
      const doRead = async (): Promise<void> => {
        const t = await timed(readArgv);
        if (t.exitCode !== 0) {
          failures.push(`run ${run}: zcat/cat failed (exit ${t.exitCode}): ${t.stderr.slice(-2000)}`);
          return;
        }
        result.read = { wallMs: Math.round(t.wallMs), cpuMs: t.cpuMs === undefined ? null : Math.round(t.cpuMs) };
        log(`run ${run}: (a) zcat + cat ${sec(t.wallMs)} (CPU ${t.cpuMs === undefined ? '?' : sec(t.cpuMs)}; load average ${load1()})`);
      };
      if (first === 'restore-table') {
        await doOurs();
        await doRead();
      } else {
        await doRead();
        await doOurs();
      }
      results.push(result);
    }
    const hashes = new Set(sqlFiles.map(sha256));
    if (hashes.size > 1) failures.push(`the SQL of the runs differs (${hashes.size} different files)`);

    if (values.profile) {
      log('profile: one more restore-table under --cpu-prof (untimed)');
      const profDir = join(work, 'prof');
      await mkdir(profDir);
      const t = await timed(oursArgv(join(work, 'profile.sql'), ['--cpu-prof', `--cpu-prof-dir=${profDir}`]));
      if (t.exitCode !== 0) failures.push(`profile run failed: ${t.stderr.slice(-2000)}`);
      const profs = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile')).sort();
      // the first profile is the main thread (later ones: the checksum worker)
      if (profs[0] !== undefined) profile = await summariseCpuProfile(join(profDir, profs[0]), 20);
    }

    // (b), and the correctness checks on a server
    const server = await startServer(skipFull ? { binlog: false } : FULL_TARGET_OPTIONS);
    try {
      if (!skipFull) {
        log(`(b) full restore: pitr restore ${at} onto a fresh server (load average ${load1()}) …`);
        const url = `mysql://${server.user}@${server.host}:${server.port}/`;
        const t = await timed(
          [process.execPath, PITR, 'restore', at, '--dump', w.dumpFile, '--binlog-dir', w.binlogDir, '--to', url, '--state-dir', join(work, 'state')],
          { ...process.env, PITR_PASSWORD: server.password },
        );
        if (t.exitCode !== 0) failures.push(`(b) pitr restore failed (exit ${t.exitCode}): ${t.stderr.slice(-3000)}`);
        else {
          full = { wallMs: Math.round(t.wallMs), cpuMs: t.cpuMs === undefined ? null : Math.round(t.cpuMs) };
          log(`(b) full restore ${sec(t.wallMs)} (CPU of pitr ${t.cpuMs === undefined ? '?' : sec(t.cpuMs)})`);
          const h = await rowHash(server, rec.db, rec.table, rec.id);
          if (h.hash !== rec.hash) failures.push(`(b) the full restore's record hashes to ${h.hash ?? 'nothing'}, the source had ${rec.hash} at the target`);
          else log(`(b) the full restore's record equals the source's row at the target (MD5 ${rec.hash})`);
        }
      } else {
        await server.query(`CREATE DATABASE IF NOT EXISTS \`${rec.db}\``);
      }
      const copy = typeof oursJson?.copy === 'string' ? oursJson.copy : undefined;
      if (sqlFiles[0] !== undefined && copy !== undefined) {
        await loadSql(server, sqlFiles[0], work);
        const [db, table] = copy.split('.') as [string, string];
        const h = await rowHash(server, db, table, rec.id);
        if (h.rows !== 1 || h.hash !== rec.hash) failures.push(`restore-table's SQL creates ${h.rows} row(s), hashing to ${h.hash ?? 'nothing'}; the source had ${rec.hash} at the target`);
        else log(`restore-table's SQL, loaded into a server, holds exactly the record, equal to the source's row at the target (MD5 ${rec.hash}; the latest version is ${rec.finalHash})`);
      }
    } finally {
      await server.stop();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  report(w, results, full, failures, profile, skipFull, oursJson);
  return failures.length > 0 ? 1 : 0;
}

function report(
  w: GranularWorkload,
  results: RunResult[],
  full: { wallMs: number; cpuMs: number | null } | null,
  failures: string[],
  profile: ProfileSummary | undefined,
  skipFull: boolean,
  oursJson: Record<string, unknown> | undefined,
): void {
  const { meta } = w;
  const ours = results.flatMap((r) => (r.ours ? [r.ours] : []));
  const reads = results.flatMap((r) => (r.read ? [r.read] : []));
  const best = ours.length > 0 ? ours.reduce((x, y) => (y.wallMs < x.wallMs ? y : x)) : undefined;
  const bestRead = reads.length > 0 ? reads.reduce((x, y) => (y.wallMs < x.wallMs ? y : x)) : undefined;
  const round2 = (x: number): number => Math.round(x * 100) / 100;
  const readRatio = best && bestRead ? round2(best.wallMs / bestRead.wallMs) : null;
  const fullRatio = best && full ? round2(full.wallMs / best.wallMs) : null;
  const pairRatios = results.filter((r) => r.ours && r.read).map((r) => round2(r.ours!.wallMs / r.read!.wallMs));
  log('');
  log(`inputs:        dump ${mb(meta.dumpUncompressedBytes)} of SQL (${mb(meta.dumpBytes)} gzipped, ${meta.tables} tables × ${meta.rowsPerTable} rows); binlogs ${mb(meta.binlogBytes)} in ${meta.binlogs.length} files`);
  log(`restore:       ${meta.record.db}.${meta.record.table} --where "id = ${meta.record.id}" --at gtid:${meta.record.targetGtid} (${mb(meta.record.targetBinlogOffset)} into the binlogs; the table is the dump's last)`);
  if (best) log(`restore-table: ${sec(best.wallMs)} best of ${ours.length} (${ours.map((o) => sec(o.wallMs)).join(', ')}); CPU ${best.cpuMs === null ? '?' : sec(best.cpuMs)}, peak RSS ${best.peakRssMB ?? '?'} MB`);
  if (bestRead) log(`(a) read only:  ${sec(bestRead.wallMs)} best of ${reads.length} (${reads.map((o) => sec(o.wallMs)).join(', ')}): zcat dump > /dev/null; cat binlogs > /dev/null`);
  if (full) log(`(b) full:      ${sec(full.wallMs)}: pitr restore to the same target onto a fresh server`);
  else if (skipFull) log('(b) full:      skipped (--skip-full)');
  if (readRatio !== null) log(`ratio (a):     restore-table / read = ${readRatio}× (target ≤ ${TARGET_READ_RATIO}×) ${readRatio <= TARGET_READ_RATIO ? 'OK' : 'ABOVE TARGET'}; per run ${pairRatios.map((r) => `${r}×`).join(' ')}`);
  if (fullRatio !== null) log(`ratio (b):     full / restore-table = ${fullRatio}× (target ≥ ${TARGET_FULL_RATIO}×) ${fullRatio >= TARGET_FULL_RATIO ? 'OK' : 'BELOW TARGET'}`);
  log(`load average:  ${results.map((r) => r.loadavg).join(', ')} at the start of each run (2-core VM shared with other work)`);
  if (profile) {
    log(`\nprofile of restore-table's main thread (self time, ${profile.totalMs} ms sampled; idle = waiting for gunzip / I/O), top functions:`);
    for (const e of profile.functions) log(`  ${e.selfPct.toFixed(1).padStart(5)}%  ${String(e.selfMs).padStart(9)} ms  ${e.name}`);
  }
  if (failures.length > 0) {
    log('');
    for (const f of failures) log(`FAILED: ${f}`);
  }
  log(
    JSON.stringify({
      bench: 'granular',
      workload: meta.workloadVersion,
      server: meta.serverVersion,
      dumpBytes: meta.dumpUncompressedBytes,
      dumpGzipBytes: meta.dumpBytes,
      binlogBytes: meta.binlogBytes,
      binlogFiles: meta.binlogs.length,
      tables: meta.tables,
      rowsPerTable: meta.rowsPerTable,
      transactions: meta.statements,
      target: `gtid:${meta.record.targetGtid}`,
      targetBinlogOffset: meta.record.targetBinlogOffset,
      restoreTable: best ?? null,
      restoreTableRuns: ours.map((o) => o.wallMs),
      read: bestRead ?? null,
      readRuns: reads.map((o) => o.wallMs),
      full,
      readRatio,
      fullRatio,
      pairRatios,
      targets: { readRatioMax: TARGET_READ_RATIO, fullRatioMin: TARGET_FULL_RATIO },
      met: { read: readRatio === null ? null : readRatio <= TARGET_READ_RATIO, full: fullRatio === null ? null : fullRatio >= TARGET_FULL_RATIO },
      correct: failures.length === 0,
      failures,
      result: oursJson ?? null,
      runs: results,
      profileTop: profile ? profile.functions.slice(0, 10) : undefined,
      node: process.version,
    }),
  );
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
