/**
 * Archive benchmark: `pitr archive` catching up on ≥ 1 GB of binlogs against
 * `mariadb-binlog --read-from-remote-server --raw --to-last-log` on the same server in the same run,
 * then `pitr archive --follow` under a sustained write workload (lag p50/p99, RSS over time).
 *
 *   npm run bench:archive                              # builds, then runs with 1024 MB of binlogs
 *   npx tsx tools/bench/bench-archive.ts --size-mb 300 --follow-seconds 20
 *
 * Generation: a throwaway mariadbd (max_binlog_size 64 MiB) gets bulk transactions (multi-row
 * INSERTs of ~1 KB rows and some UPDATEs, so row events with before/after images) until its
 * binlogs reach --size-mb. Free disk is checked first (server copy + two archive copies).
 *
 * Catch-up: both tools run as child processes over the same server files (in the page cache:
 * they were just written), `/usr/bin/time` gives wall time and peak RSS; `sync` runs before each
 * timed run so no run pays for the previous one's dirty pages. Ours runs with `--compress none`
 * (like --raw: the figure compares the replication client and writer) and then with zstd and gzip
 * (the repository default), each on a fresh repository. Target: ours ≥ 1× the throughput of
 * mariadb-binlog with `--compress none`, over --reps alternating runs after one warm-up round
 * (medians, and the best run of each: on a shared machine single runs swing by ±50 %).
 *
 * Two things differ by design and are reported apart: mariadb-binlog never fsyncs (its output is
 * in the page cache when it exits), ours is durable when it exits (fdatasync, see archive-binlogs.ts)
 * and also computes every file's SHA-256 and checks every event's CRC32. So the figure
 * "mariadb-binlog + sync" (its run, then `sync -f` on its output) is the like-for-like one for a
 * durable archive; and --work-dir /dev/shm (tmpfs: fsync costs nothing) compares the pipelines
 * without the disk. Each run's CPU (user + sys, from /usr/bin/time) is printed: mariadb-binlog
 * writes event by event through the page cache, and its kernel time swings with it (1.3–5.1 s of
 * sys per GB on the 2-vCPU VM); ours writes with O_DIRECT (see staging-ring.ts).
 *
 * Follow: archiveBinlogs({ follow: true }) in this process; a writer child commits small
 * transactions at --rate per second. Every 100 ms the server's end (SHOW MASTER STATUS) is sampled;
 * a sample's lag is the time until the archive has that position durably (fsynced: the status'
 * `archived` position). RSS of this process is sampled every second. Targets: lag p99 ≤ 1 s, RSS
 * flat (last third vs first third of the run).
 *
 * The machine may be shared (other processes' CPU use shows in every figure). The last stdout line
 * is a JSON object with every figure (`{"bench":"archive",...}`).
 */
import { execFile, fork, spawn } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { archiveBinlogs } from '@pitr/binlog-archiver';
import { startServer, type TestServer } from '../src/index.js';

const execFileAsync = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const PITR_BIN = join(REPO, 'packages/cli/bin/pitr.mjs');
const GNU_TIME = '/usr/bin/time';

const USAGE = `usage: bench-archive.ts [--size-mb N] [--follow-seconds N] [--rate N] [--reps N] [--work-dir DIR] [--no-mariadb] [--no-compressed]

  --size-mb N         binlog volume to generate for the catch-up (default 1024, or $PITR_BENCH_ARCHIVE_MB)
  --follow-seconds N  duration of the --follow run under writes (default 30)
  --rate N            writer transactions per second during --follow (default 400)
  --reps N            catch-up runs of each tool, alternating, after one warm-up round (default 3; medians reported)
  --work-dir DIR      where the archives are written (default the temp dir; /dev/shm: no disk)
  --no-mariadb        skip the mariadb-binlog baseline
  --no-compressed     skip the zstd/gzip catch-up runs
`;

interface Timed {
  readonly seconds: number;
  readonly maxRssMb: number | null;
  /** CPU seconds in user space and in the kernel (mariadb-binlog's kernel time swings with the page cache). */
  readonly cpu: { readonly user: number; readonly sys: number } | null;
  readonly stdout: string;
}

/** Runs a command under /usr/bin/time (wall seconds, peak RSS, CPU). */
async function timed(cmd: string, args: readonly string[]): Promise<Timed> {
  const useTime = await stat(GNU_TIME).then(
    () => true,
    () => false,
  );
  const started = process.hrtime.bigint();
  const child = spawn(useTime ? GNU_TIME : cmd, useTime ? ['-f', '%e %M %U %S', cmd, ...args] : [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`);
  const m = /(\d+(?:\.\d+)?) (\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)\s*$/.exec(err);
  return { seconds, maxRssMb: m === null ? null : Number(m[2]) / 1024, cpu: m === null ? null : { user: Number(m[3]), sys: Number(m[4]) }, stdout: out };
}

function mb(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function binlogBytes(server: TestServer): Promise<number> {
  const rows = await server.query<{ File_size: string | number }[]>('SHOW BINARY LOGS');
  return rows.reduce((n, r) => n + Number(r.File_size), 0);
}

/** Bulk transactions until the server's binlogs hold `targetBytes`. */
async function generate(server: TestServer, targetBytes: number): Promise<void> {
  await server.query(`
    CREATE DATABASE IF NOT EXISTS bench;
    CREATE TABLE bench.t (id BIGINT PRIMARY KEY, k INT NOT NULL, c VARCHAR(255) NOT NULL, pad TEXT NOT NULL, d DATETIME(6) NOT NULL, e DECIMAL(12,2) NOT NULL, KEY (k)) ENGINE=InnoDB;
  `);
  const conns = await Promise.all([server.connect(), server.connect()]);
  let next = 0;
  let done = false;
  const started = Date.now();
  let lastReport = 0;
  await Promise.all(
    conns.map(async (c) => {
      while (!done) {
        const base = next;
        next += 1000;
        // 1000 rows of ~1 KB: one transaction of ~1 MB of row events
        await c.query(
          `INSERT INTO bench.t SELECT ${base} + seq, seq % 1000, MD5(seq + ${base}), REPEAT(SHA2(seq + ${base}, 512), 7), NOW(6), (seq * 7.31) FROM bench.seq_1_to_1000`,
        );
        if (base % 20_000 === 0) await c.query(`UPDATE bench.t SET k = k + 1, e = e + 1 WHERE id BETWEEN ${base + 1} AND ${base + 200}`);
        if (base % 10_000 === 0) {
          const have = await binlogBytes(server);
          if (have >= targetBytes) done = true;
          if (Date.now() - lastReport > 10_000) {
            lastReport = Date.now();
            process.stderr.write(`  generated ${mb(have)} MB of binlogs in ${Math.round((Date.now() - started) / 1000)} s\n`);
          }
        }
      }
    }),
  );
  await Promise.all(conns.map((c) => c.end()));
  await server.flushLogs();
}

/**
 * Waits until the server has flushed the generation's dirty pages and the disk has the data:
 * the catch-up runs then measure the tools, not the server's (or the kernel's) background writes.
 */
async function waitForQuietServer(server: TestServer): Promise<void> {
  const started = Date.now();
  await server.query('SET GLOBAL innodb_max_dirty_pages_pct_lwm = 0, GLOBAL innodb_max_dirty_pages_pct = 0');
  while (Date.now() - started < 120_000) {
    const [row] = await server.query<{ Value: string }[]>("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
    if (Number(row?.Value ?? 0) < 100) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await execFileAsync('sync');
  await new Promise((r) => setTimeout(r, 2000));
  process.stderr.write(`  server settled (dirty pages flushed, sync) in ${Math.round((Date.now() - started) / 1000)} s\n`);
}

/** The writer child of the --follow run: `--writer URL RATE SECONDS`. */
async function writer(url: string, rate: number, seconds: number): Promise<void> {
  const conn = await mysql.createConnection({ uri: url, multipleStatements: true });
  await conn.query('CREATE TABLE IF NOT EXISTS bench.f (id BIGINT PRIMARY KEY, v VARCHAR(200), n INT)');
  const end = Date.now() + seconds * 1000;
  let id = 0;
  const intervalMs = 1000 / rate;
  let due = Date.now();
  while (Date.now() < end) {
    id++;
    await conn.query(`BEGIN; INSERT INTO bench.f VALUES (${id}, REPEAT('f', ${50 + (id % 150)}), ${id}); UPDATE bench.f SET n = n + 1 WHERE id = ${Math.max(1, id - 10)}; COMMIT`);
    due += intervalMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await conn.end();
  process.stdout.write(`${JSON.stringify({ transactions: id })}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'size-mb': { type: 'string' },
      'follow-seconds': { type: 'string' },
      rate: { type: 'string' },
      'no-mariadb': { type: 'boolean' },
      'no-compressed': { type: 'boolean' },
      reps: { type: 'string' },
      'work-dir': { type: 'string' },
      writer: { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.writer !== undefined) {
    const [url, rate, seconds] = values.writer;
    await writer(url!, Number(rate), Number(seconds));
    return;
  }
  const sizeMb = Number(values['size-mb'] ?? process.env.PITR_BENCH_ARCHIVE_MB ?? 1024);
  const followSeconds = Number(values['follow-seconds'] ?? 30);
  const rate = Number(values.rate ?? 400);
  const reps = Math.max(1, Number(values.reps ?? 3));
  const workRoot = values['work-dir'] ?? tmpdir();
  const fs = statfsSync(workRoot);
  const freeMb = (fs.bavail * fs.bsize) / 1048576;
  const needMb = sizeMb * 3.5 + 500;
  if (freeMb < needMb) throw new Error(`${workRoot} has ${Math.round(freeMb)} MB free; the benchmark needs about ${Math.round(needMb)} MB`);

  const figures: Record<string, unknown> = { bench: 'archive', sizeMbTarget: sizeMb, cpus: (await import('node:os')).cpus().length, loadavgAtStart: (await import('node:os')).loadavg() };
  const work = await mkdtemp(join(workRoot, 'pitr-bench-archive-'));
  process.stderr.write(`bench:archive: generating ${sizeMb} MB of binlogs on a throwaway server (work dir ${work})\n`);
  const server = await startServer({
    maxBinlogSize: 64 * 1024 * 1024,
    extra: ['--innodb-buffer-pool-size=256M', '--innodb-flush-log-at-trx-commit=2', '--sync-binlog=0', '--max-allowed-packet=64M'],
  });
  try {
    const genStarted = Date.now();
    await generate(server, sizeMb * 1048576);
    const total = await binlogBytes(server);
    const files = (await server.query<unknown[]>('SHOW BINARY LOGS')).length;
    figures.generated = { mb: mb(total), files, seconds: Math.round((Date.now() - genStarted) / 1000) };
    process.stderr.write(`  ${mb(total)} MB in ${files} files\n`);
    await waitForQuietServer(server);

    // --- catch-up: --reps rounds, each: mariadb-binlog (then sync), ours --compress none
    const catchUp: Record<string, unknown> = {};
    const first = (await server.query<{ Log_name: string }[]>('SHOW BINARY LOGS'))[0]!.Log_name;
    const theirs: { seconds: number; syncSeconds: number; maxRssMb: number | null; cpu: Timed['cpu'] }[] = [];
    const ours: { seconds: number; archiveSeconds: number; maxRssMb: number | null; bytes: number; cpu: Timed['cpu'] }[] = [];
    const cpuText = (c: Timed['cpu']): string => (c === null ? '' : `, cpu ${c.user} s user + ${c.sys} s sys`);
    const oursRun = async (compression: string, repo: string): Promise<(typeof ours)[number]> => {
      await rm(repo, { recursive: true, force: true });
      await execFileAsync('sync');
      const t = await timed(process.execPath, [PITR_BIN, 'archive', '--source', server.url, '--repo', repo, '--compress', compression, '--json']);
      const doc = JSON.parse(t.stdout) as { bytesReceived: number; durationMs: number };
      return { seconds: t.seconds, archiveSeconds: doc.durationMs / 1000, maxRssMb: t.maxRssMb, bytes: doc.bytesReceived, cpu: t.cpu };
    };
    // round 0 is a warm-up, not counted: the first run of either tool after the generation was
    // often its slowest (3.9–4.2 s against 2.3–3.0 s), whichever ran first
    for (let r = -1; r < reps; r++) {
      const counted = r >= 0;
      if (values['no-mariadb'] !== true) {
        const out = join(work, 'mariadb-binlog');
        await rm(out, { recursive: true, force: true });
        await execFileAsync('mkdir', ['-p', out]);
        await execFileAsync('sync');
        const t = await timed('mariadb-binlog', [
          '--read-from-remote-server',
          '--raw',
          '--to-last-log',
          `--host=${server.host}`,
          `--port=${server.port}`,
          `--user=${server.user}`,
          `--password=${server.password}`,
          `--result-file=${out}/`,
          first,
        ]);
        const s0 = process.hrtime.bigint();
        await execFileAsync('sync', ['-f', out]);
        const syncSeconds = Number(process.hrtime.bigint() - s0) / 1e9;
        if (counted) theirs.push({ seconds: t.seconds, syncSeconds, maxRssMb: t.maxRssMb, cpu: t.cpu });
        process.stderr.write(
          `  ${counted ? '' : '(warm-up) '}mariadb-binlog --raw: ${round(t.seconds)} s (${round(mb(total) / t.seconds)} MB/s${cpuText(t.cpu)}), then sync ${round(syncSeconds)} s; peak RSS ${t.maxRssMb?.toFixed(0)} MB\n`,
        );
        await rm(out, { recursive: true, force: true });
      }
      const o = await oursRun('none', join(work, 'repo-none'));
      if (counted) ours.push(o);
      process.stderr.write(
        `  ${counted ? '' : '(warm-up) '}pitr archive --compress none: ${round(o.seconds)} s (${round(o.archiveSeconds)} s inside), ${round(mb(o.bytes) / o.seconds)} MB/s${cpuText(o.cpu)}, peak RSS ${o.maxRssMb?.toFixed(0)} MB\n`,
      );
    }
    const median = (xs: readonly number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.floor((s.length - 1) / 2)]!;
    };
    const oursS = median(ours.map((o) => o.seconds));
    catchUp.pitr_none = {
      seconds: round(oursS),
      mbPerS: round(mb(total) / oursS),
      archiveSeconds: round(median(ours.map((o) => o.archiveSeconds))),
      maxRssMb: round(Math.max(...ours.map((o) => o.maxRssMb ?? 0))),
      runs: ours.map((o) => round(o.seconds)),
      cpuRuns: ours.map((o) => o.cpu),
    };
    const best = (xs: readonly number[]): number => Math.min(...xs);
    if (theirs.length > 0) {
      const rawS = median(theirs.map((t) => t.seconds));
      const durableS = median(theirs.map((t) => t.seconds + t.syncSeconds));
      // best of the runs: what each tool does when the shared machine lets it
      catchUp.ratioBestNoneVsBestMariadbBinlog = round(best(theirs.map((t) => t.seconds)) / best(ours.map((o) => o.seconds)));
      catchUp.mariadbBinlog = {
        seconds: round(rawS),
        mbPerS: round(mb(total) / rawS),
        withSyncSeconds: round(durableS),
        maxRssMb: round(Math.max(...theirs.map((t) => t.maxRssMb ?? 0))),
        runs: theirs.map((t) => round(t.seconds)),
        syncRuns: theirs.map((t) => round(t.syncSeconds)),
        cpuRuns: theirs.map((t) => t.cpu),
      };
      catchUp.ratioNoneVsMariadbBinlog = round(rawS / oursS);
      catchUp.ratioNoneVsMariadbBinlogPlusSync = round(durableS / oursS);
      process.stderr.write(`  medians: ours ${round(oursS)} s; mariadb-binlog ${round(rawS)} s (${round(rawS / oursS)}×), with sync ${round(durableS)} s (${round(durableS / oursS)}×)\n`);
      process.stderr.write(`  best runs: ours ${round(best(ours.map((o) => o.seconds)))} s; mariadb-binlog ${round(best(theirs.map((t) => t.seconds)))} s (${catchUp.ratioBestNoneVsBestMariadbBinlog as number}×)\n`);
    }
    if (values['no-compressed'] !== true) {
      for (const compression of ['zstd', 'gzip']) {
        const o = await oursRun(compression, join(work, `repo-${compression}`));
        catchUp[`pitr_${compression}`] = { seconds: round(o.seconds), mbPerS: round(mb(o.bytes) / o.seconds), archiveSeconds: round(o.archiveSeconds), maxRssMb: o.maxRssMb === null ? null : round(o.maxRssMb) };
        process.stderr.write(`  pitr archive --compress ${compression}: ${round(o.seconds)} s (${round(o.archiveSeconds)} s inside), ${round(mb(o.bytes) / o.seconds)} MB/s, peak RSS ${o.maxRssMb?.toFixed(0)} MB\n`);
        await rm(join(work, `repo-${compression}`), { recursive: true, force: true });
      }
    }
    figures.catchUp = catchUp;

    // --- follow under writes (continuing the --compress none repository: only new events)
    process.stderr.write(`  --follow for ${followSeconds} s under ${rate} transactions/s\n`);
    const controller = new AbortController();
    let archived = { file: '', pos: 0 };
    const lagSelf: number[] = [];
    const pending: { t: number; file: string; pos: number }[] = [];
    const lags: number[] = [];
    const reached = (p: { file: string; pos: number }): boolean => archived.file > p.file || (archived.file === p.file && archived.pos >= p.pos);
    /** Samples whose position is archived now: their lag ends now (checked on every status, not on a timer). */
    const settle = (): void => {
      while (pending.length > 0 && reached(pending[0]!)) lags.push(Date.now() - pending.shift()!.t);
    };
    const following = archiveBinlogs({
      source: server.url,
      repo: join(work, 'repo-none'),
      follow: true,
      compression: 'gzip',
      signal: controller.signal,
      onStatus: (s) => {
        if (s.archived !== null) archived = { file: s.archived.file, pos: s.archived.pos };
        if (s.lagSeconds !== null) lagSelf.push(s.lagSeconds);
        settle();
      },
    });
    following.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
    const child = fork(fileURLToPath(import.meta.url), ['--writer', server.url, '--writer', String(rate), '--writer', String(followSeconds)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let childOut = '';
    child.stdout!.on('data', (d: Buffer) => (childOut += d.toString()));
    const childDone = new Promise<void>((r) => child.on('exit', () => r()));
    const probe = await server.connect();
    const rss: number[] = [];
    let running = true;
    void childDone.then(() => (running = false));
    let lastRss = 0;
    while (running) {
      const now = Date.now();
      const [s] = (await probe.query('SHOW MASTER STATUS'))[0] as { File: string; Position: string | number }[];
      pending.push({ t: now, file: s!.File, pos: Number(s!.Position) });
      settle();
      if (now - lastRss >= 1000) {
        lastRss = now;
        rss.push(process.memoryUsage().rss / 1048576);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const drainUntil = Date.now() + 10_000;
    while (pending.length > 0 && Date.now() < drainUntil) {
      settle();
      await new Promise((r) => setTimeout(r, 10));
    }
    await probe.end();
    controller.abort();
    const result = await following;
    lags.sort((a, b) => a - b);
    const third = Math.max(1, Math.floor(rss.length / 3));
    const avg = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const writerDoc = JSON.parse(childOut.trim().split('\n').pop() ?? '{}') as { transactions?: number };
    figures.follow = {
      seconds: followSeconds,
      rateTarget: rate,
      transactions: writerDoc.transactions ?? null,
      samples: lags.length,
      unreached: pending.length,
      lagMsP50: percentile(lags, 50),
      lagMsP99: percentile(lags, 99),
      lagMsMax: lags[lags.length - 1] ?? null,
      statusLagSecondsMax: lagSelf.length === 0 ? null : Math.max(...lagSelf),
      rssMbFirstThird: round(avg(rss.slice(0, third))),
      rssMbLastThird: round(avg(rss.slice(-third))),
      rssMbMax: round(Math.max(...rss)),
      bytesReceived: result.bytesReceived,
    };
    process.stderr.write(`  lag p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms; RSS ${round(avg(rss.slice(0, third)))} → ${round(avg(rss.slice(-third)))} MB\n`);
    figures.loadavgAtEnd = (await import('node:os')).loadavg();
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

await main();
