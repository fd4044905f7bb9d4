/**
 * Replay benchmark (issue 3, "Performance"): our restore vs the reference pipeline, same machine,
 * same run, identical fresh targets.
 *
 *   npm run bench:replay                                    # builds, then 300,000 transactions
 *   npx tsx tools/bench/bench-replay.ts --transactions 60000 --runs 2 --profile
 *
 * Source (replay-workload.ts, cached in $PITR_BENCH_DIR or ~/.cache/pitr-bench): a full
 * `mariadb-dump` and the binlogs of a sysbench oltp_write_only-style workload that followed it
 * (4 tables, 4 concurrent clients), with CHECKSUM TABLE of every table at the end.
 *
 * Each run starts two fresh targets with the SAME startServer options (TARGET_OPTIONS: binlog on,
 * as a restore target that is to become a primary has it) and changes no global setting on either:
 *   ours:      buildPlan(latest) + runRestore (dump load + binlog replay), in a child node process
 *              (`node -e`, the built packages), so its peak RSS and --cpu-prof are the restore's own;
 *   reference: `mariadb < dump`, then `mariadb-binlog --start-position=<dump pos> <files…> | mariadb`.
 * Both targets are then checked against the source (row counts + CHECKSUM TABLE of every table) and
 * their global variables against what they were before; any difference makes the script exit 1.
 * Runs alternate which side goes first (the shared VM's speed drifts); the best of each is compared.
 *
 * Also reported, to show where the time goes: the CPU seconds of the target mariadbd
 * (/proc/<pid>/stat, a server we started) and of the client side (GNU time of the child / pipeline).
 * The last stdout line is one JSON object with every figure (`{"bench":"replay",...}`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dumpCoordinates } from '@pitr/core';
import { startServer, type ServerOptions, type TestServer } from '../src/index.js';
import { summariseCpuProfile, type ProfileSummary } from './cpu-profile-summary.js';
import { type Timed, type TimedOptions, timed as timedIn } from './timed.js';
import { CLIENTS, clientConfigText, ensureReplayWorkload, tableChecksums, type ReplayWorkload, type TableChecksum } from './replay-workload.js';
import { shellQuote, warmPageCache } from './bench-util.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const timed = (argv: string[], opts: Omit<TimedOptions, 'cwd'> = {}): Promise<Timed> => timedIn(argv, { cwd: REPO, ...opts });
const TARGET_RATIO = 3;
/** Both targets: startServer's defaults (binlog ON, ROW, CRC32; see tools/src/server.ts serverArgs). */
const TARGET_OPTIONS: ServerOptions = { binlog: true };
/** Global variables that name the instance, or that a restore sets by contract (the GTID position). */
const INSTANCE_VARS = /^(server_id|server_uid|gtid_.*|wsrep_.*|timestamp|pseudo_thread_id)$/;

const USAGE = `usage: bench-replay.ts [--transactions N] [--runs N] [--keep] [--profile] [--cache-dir DIR]

  --transactions N  workload size (default 300000); generated once and cached
  --runs N          timed runs, each on two fresh targets; best of each side is compared (default 1)
  --keep            keep the last run's targets running (URLs printed) until Ctrl-C
  --profile         one more, untimed run of ours under --cpu-prof; prints the top functions
  --cache-dir DIR   cache for the generated source (default $PITR_BENCH_DIR or ~/.cache/pitr-bench)
`;

/**
 * The child that runs our restore: plain ESM through `node -e` from the repo root, importing the
 * built packages (tsx's loader would add its own RSS and start-up to what is measured). Arguments
 * in $PITR_BENCH_REPLAY (JSON); progress as JSON lines on stderr; the result as one JSON line.
 */
const CHILD = `
import { parseTarget } from '@pitr/core';
import { buildPlan, runRestore } from '@pitr/pitr-planner';
const a = JSON.parse(process.env.PITR_BENCH_REPLAY);
const say = (o) => process.stderr.write(JSON.stringify(o) + '\\n');
const t0 = performance.now();
const plan = await buildPlan({ target: parseTarget('latest'), source: { kind: 'files', dump: a.dump, binlogDir: a.binlogDir } });
const planMs = performance.now() - t0;
say({ planned: { ms: Math.round(planMs), transactions: plan.replay.transactions, rows: plan.replay.rows, events: plan.replay.events, warnings: plan.warnings } });
let last = performance.now();
const t1 = performance.now();
const r = await runRestore({
  plan,
  to: a.url,
  onWarning: (m) => say({ warning: m }),
  onProgress: (p) => {
    const now = performance.now();
    if (now - last < 10000) return;
    last = now;
    say({ progress: { phase: p.phase, done: p.done, total: p.total, transactions: p.transactions, s: Math.round((now - t0) / 1000) } });
  },
});
const restoreMs = performance.now() - t1;
process.stdout.write(JSON.stringify({
  planMs: Math.round(planMs), restoreMs: Math.round(restoreMs), totalMs: Math.round(performance.now() - t0),
  loadMs: r.loadMs, replayMs: r.replayMs, plannedTransactions: plan.replay.transactions, plannedRows: plan.replay.rows, events: plan.replay.events,
  transactionsApplied: r.transactionsApplied, rowsApplied: r.rowsApplied, statementsLoaded: r.statementsLoaded,
  writesToTargetBinlog: r.writesToTargetBinlog, gtidPosition: r.gtidPosition, maxRssKB: process.resourceUsage().maxRSS,
}) + '\\n');
`;

interface ChildResult {
  planMs: number;
  restoreMs: number;
  totalMs: number;
  loadMs: number;
  replayMs: number;
  plannedTransactions: number;
  plannedRows: number;
  events: number;
  transactionsApplied: number;
  rowsApplied: number;
  statementsLoaded: number;
  writesToTargetBinlog: boolean;
  gtidPosition: string | null;
  maxRssKB: number;
}

interface OursRun {
  wallMs: number;
  child: ChildResult;
  peakRssMB: number;
  clientCpuMs: number | undefined;
  serverCpuMs: number;
}

interface ReferenceRun {
  wallMs: number;
  loadMs: number;
  replayMs: number;
  clientCpuMs: number | undefined;
  serverCpuMs: number;
}

interface RunResult {
  run: number;
  first: 'ours' | 'reference';
  ours: OursRun | null;
  reference: ReferenceRun | null;
  loadavg: number[];
}

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function sec(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

let clockTicks: number | undefined;

/** CPU time (user + system) a process we started has used so far, from /proc/<pid>/stat. */
function processCpuMs(pid: number): number {
  clockTicks ??= (() => {
    try {
      return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      return 100;
    }
  })();
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after "(comm)": state is field 3, utime 14, stime 15
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) / clockTicks) * 1000;
}

/** The mariadbd arguments of a target that matter for speed (paths, port and ids left out). */
function serverSettings(server: TestServer): string {
  try {
    const args = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(1);
    return args
      .filter((a) => !/^--(datadir|port|socket|pid-file|log-error|tmpdir|server-id|log-bin-index|bind-address|user)=/.test(a) && a !== '--no-defaults')
      .map((a) => a.replace(server.baseDir, '…'))
      .join(' ');
  } catch {
    return '(unknown)';
  }
}

/** SHOW GLOBAL VARIABLES with the instance's paths and port made generic, instance ids left out. */
async function globalVariables(server: TestServer): Promise<Map<string, string>> {
  const rows = await server.query<{ Variable_name: string; Value: string | null }[]>('SHOW GLOBAL VARIABLES');
  const out = new Map<string, string>();
  for (const r of rows) {
    if (INSTANCE_VARS.test(r.Variable_name)) continue;
    let v = String(r.Value ?? 'NULL').split(server.baseDir).join('<dir>');
    if (v === String(server.port)) v = '<port>';
    out.set(r.Variable_name, v);
  }
  return out;
}

function diffVariables(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(k) !== b.get(k)) out.push(`${k}: ${a.get(k) ?? '(absent)'} → ${b.get(k) ?? '(absent)'}`);
  }
  return out.sort();
}

function compareChecksums(got: Record<string, TableChecksum>, want: Record<string, TableChecksum>): string[] {
  const bad: string[] = [];
  for (const [t, w] of Object.entries(want)) {
    const g = got[t];
    if (!g || g.rows !== w.rows || g.checksum !== w.checksum) {
      bad.push(`${t}: ${g ? `${g.rows} rows, checksum ${g.checksum}` : 'missing'} — the source had ${w.rows} rows, checksum ${w.checksum}`);
    }
  }
  return bad;
}

function childArgv(extraNode: string[] = []): string[] {
  return [process.execPath, ...extraNode, '--input-type=module', '-e', CHILD];
}

async function runOurs(w: ReplayWorkload, target: TestServer, extraNode: string[] = []): Promise<{ t: Timed; child: ChildResult; serverCpuMs: number }> {
  const cpu0 = processCpuMs(target.pid);
  const t = await timed(childArgv(extraNode), {
    env: { ...process.env, PITR_BENCH_REPLAY: JSON.stringify({ dump: w.dumpFile, binlogDir: w.binlogDir, url: target.url }) },
    onStderrLine: (line) => {
      let o: { planned?: { ms: number; transactions: number; rows: number; warnings: string[] }; progress?: { phase: string; done: number; total: number; transactions: number; s: number }; warning?: string };
      try {
        o = JSON.parse(line) as typeof o;
      } catch {
        if (line.trim() !== '') log(`  ours: ${line}`);
        return;
      }
      if (o.planned) log(`  ours: planned in ${sec(o.planned.ms)}: ${o.planned.transactions} transactions, ${o.planned.rows} rows${o.planned.warnings.length > 0 ? `; plan warnings: ${o.planned.warnings.join(' | ')}` : ''}`);
      if (o.progress) log(`  ours: ${o.progress.s} s ${o.progress.phase} ${o.progress.total > 0 ? `${Math.round((100 * o.progress.done) / o.progress.total)}%` : ''} ${o.progress.transactions} transactions`);
      if (o.warning) log(`  ours: warning: ${o.warning}`);
    },
  });
  const serverCpuMs = processCpuMs(target.pid) - cpu0;
  const line = t.stdout.trim().split('\n').pop() ?? '';
  let child: ChildResult;
  try {
    child = JSON.parse(line) as ChildResult;
  } catch {
    throw new Error(`our restore failed (exit ${t.exitCode}):\n${t.stderr.slice(-4000)}\n${t.stdout.slice(-2000)}`);
  }
  return { t, child, serverCpuMs };
}

async function runReference(w: ReplayWorkload, target: TestServer, start: { file: string; pos: number }, cnf: string): Promise<ReferenceRun> {
  const files = w.binlogFiles.slice(w.binlogFiles.findIndex((f) => f.endsWith(`/${start.file}`)));
  const cpu0 = processCpuMs(target.pid);
  const load = await timed(['bash', '-c', `mariadb --defaults-extra-file=${shellQuote(cnf)} < ${shellQuote(w.dumpFile)}`]);
  if (load.exitCode !== 0) throw new Error(`reference: mariadb < dump failed (exit ${load.exitCode}):\n${load.stderr.slice(-4000)}`);
  log(`  reference: dump loaded in ${sec(load.wallMs)}`);
  // Progress from the target's GTID position (mariadb-binlog replays each transaction's GTID).
  const seq = (g: string): number => Number(/-(\d+)\s*$/.exec(g)?.[1] ?? 0);
  const t0 = Date.now();
  const poll = setInterval(() => {
    target
      .query<{ g: string }[]>('SELECT @@global.gtid_binlog_pos AS g')
      .then(([g]) => log(`  reference: ${Math.round((Date.now() - t0) / 1000)} s replay, GTID ${g!.g} (${seq(g!.g) - seq(w.meta.dumpGtid)} transactions)`))
      .catch(() => undefined);
  }, 15_000);
  let replay: Timed;
  try {
    replay = await timed([
      'bash',
      '-c',
      `set -o pipefail; mariadb-binlog --start-position=${start.pos} ${files.map(shellQuote).join(' ')} | mariadb --defaults-extra-file=${shellQuote(cnf)}`,
    ]);
  } finally {
    clearInterval(poll);
  }
  if (replay.exitCode !== 0) throw new Error(`reference: mariadb-binlog | mariadb failed (exit ${replay.exitCode}):\n${replay.stderr.slice(-4000)}`);
  const serverCpuMs = processCpuMs(target.pid) - cpu0;
  return {
    wallMs: load.wallMs + replay.wallMs,
    loadMs: load.wallMs,
    replayMs: replay.wallMs,
    clientCpuMs: load.cpuMs !== undefined && replay.cpuMs !== undefined ? load.cpuMs + replay.cpuMs : undefined,
    serverCpuMs,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      transactions: { type: 'string' },
      runs: { type: 'string' },
      keep: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'cache-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const transactions = Number(values.transactions ?? 300_000);
  const runs = Number(values.runs ?? 1);
  if (!Number.isInteger(transactions) || transactions < CLIENTS) throw new Error(`--transactions must be an integer ≥ ${CLIENTS}\n${USAGE}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer\n${USAGE}`);

  const w = await ensureReplayWorkload({ transactions, ...(values['cache-dir'] ? { cacheRoot: values['cache-dir'] } : {}) });
  const { meta } = w;
  const coords = await dumpCoordinates(w.dumpFile);
  if (coords.binlog === undefined) throw new Error(`${w.dumpFile} has no binlog coordinates`);
  const start = { file: coords.binlog.file, pos: coords.binlog.pos };
  const startIndex = meta.binlogs.findIndex((b) => b.name === start.file);
  if (startIndex < 0) throw new Error(`the dump's binlog ${start.file} is not in ${w.binlogDir}`);
  const replayBytes = meta.binlogs.slice(startIndex).reduce((n, b) => n + b.bytes, 0) - start.pos;
  log(
    `source: ${meta.serverVersion}; ${meta.transactions} transactions from ${meta.clients} clients on ${meta.tables} tables × ${meta.rowsPerTable} rows; ` +
      `dump ${mib(meta.dumpBytes)} at ${start.file}:${start.pos}; ${meta.binlogs.length} binlog files, ${mib(meta.binlogBytes)} (${mib(replayBytes)} after the dump)`,
  );
  await warmPageCache([w.dumpFile, ...w.binlogFiles]);

  const work = await mkdtemp(join(tmpdir(), 'pitr-bench-replay-'));
  const results: RunResult[] = [];
  const failures: string[] = [];
  let targetSettings = '';
  let kept: TestServer[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const a = await startServer(TARGET_OPTIONS);
      const b = await startServer(TARGET_OPTIONS);
      let keepThese = false;
      try {
        targetSettings = serverSettings(a);
        const settingsB = serverSettings(b);
        if (run === 1) log(`targets: startServer(${JSON.stringify(TARGET_OPTIONS)}) for both → mariadbd ${targetSettings}`);
        if (settingsB !== targetSettings) failures.push(`run ${run}: the two targets were started differently:\n  ${targetSettings}\n  ${settingsB}`);
        const varsA0 = await globalVariables(a);
        const varsB0 = await globalVariables(b);
        const startDiff = diffVariables(varsA0, varsB0);
        if (startDiff.length > 0) failures.push(`run ${run}: the targets' global variables differ before the restores:\n  ${startDiff.join('\n  ')}`);
        const cnf = join(work, `b${run}.cnf`);
        await writeFile(cnf, clientConfigText(b), { mode: 0o600 });

        const first: 'ours' | 'reference' = run % 2 === 1 ? 'ours' : 'reference';
        const result: RunResult = { run, first, ours: null, reference: null, loadavg: loadavg().map((x) => Math.round(x * 100) / 100) };
        const doOurs = async (): Promise<void> => {
          log(`run ${run}: ours (load average ${loadavg()[0]!.toFixed(2)})`);
          try {
            const o = await runOurs(w, a);
            const peakRssMB = Math.round(Math.max(o.t.maxRssKB ?? 0, o.child.maxRssKB) / 1024);
            result.ours = { wallMs: Math.round(o.t.wallMs), child: o.child, peakRssMB, clientCpuMs: o.t.cpuMs, serverCpuMs: Math.round(o.serverCpuMs) };
            log(
              `run ${run}: ours ${sec(o.t.wallMs)} (plan ${sec(o.child.planMs)}, load ${sec(o.child.loadMs)}, replay ${sec(o.child.replayMs)}), ` +
                `${o.child.transactionsApplied} transactions, ${o.child.rowsApplied} rows, peak RSS ${peakRssMB} MB; ` +
                `CPU: our process ${o.t.cpuMs === undefined ? '?' : sec(o.t.cpuMs)}, target mariadbd ${sec(o.serverCpuMs)}`,
            );
          } catch (e) {
            failures.push(`run ${run}: ours failed: ${e instanceof Error ? e.message : String(e)}`);
            return;
          }
          const bad = compareChecksums(await tableChecksums(a), meta.checksums);
          if (bad.length > 0) failures.push(`run ${run}: OURS IS NOT EXACT:\n  ${bad.join('\n  ')}`);
          else log(`run ${run}: ours: every table equals the source (rows and CHECKSUM TABLE)`);
          const changed = diffVariables(varsA0, await globalVariables(a));
          if (changed.length > 0) failures.push(`run ${run}: ours changed global variables of the target:\n  ${changed.join('\n  ')}`);
        };
        const doReference = async (): Promise<void> => {
          log(`run ${run}: reference (load average ${loadavg()[0]!.toFixed(2)})`);
          try {
            const r = await runReference(w, b, start, cnf);
            result.reference = r;
            log(
              `run ${run}: reference ${sec(r.wallMs)} (load ${sec(r.loadMs)}, replay ${sec(r.replayMs)}); ` +
                `CPU: mariadb-binlog + mariadb clients ${r.clientCpuMs === undefined ? '?' : sec(r.clientCpuMs)}, target mariadbd ${sec(r.serverCpuMs)}`,
            );
          } catch (e) {
            failures.push(`run ${run}: the reference failed: ${e instanceof Error ? e.message : String(e)}`);
            return;
          }
          const bad = compareChecksums(await tableChecksums(b), meta.checksums);
          if (bad.length > 0) failures.push(`run ${run}: THE REFERENCE IS NOT EXACT:\n  ${bad.join('\n  ')}`);
          else log(`run ${run}: reference: every table equals the source (rows and CHECKSUM TABLE)`);
          const changed = diffVariables(varsB0, await globalVariables(b));
          if (changed.length > 0) log(`run ${run}: (the reference pipeline changed global variables: ${changed.join('; ')})`);
        };
        if (first === 'ours') {
          await doOurs();
          await doReference();
        } else {
          await doReference();
          await doOurs();
        }
        if (result.ours && result.reference) log(`run ${run}: ratio ${(result.reference.wallMs / result.ours.wallMs).toFixed(2)}×`);
        results.push(result);
        keepThese = values.keep && run === runs;
        if (keepThese) kept = [a, b];
      } finally {
        if (!keepThese) await Promise.all([a.stop(), b.stop()]);
      }
    }

    let profile: ProfileSummary | undefined;
    if (values.profile) {
      log('profile: one more run of ours under --cpu-prof (untimed) on a fresh target');
      const profDir = await mkdtemp(join(tmpdir(), 'pitr-bench-prof-'));
      const p = await startServer(TARGET_OPTIONS);
      try {
        await runOurs(w, p, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
        const prof = (await readdir(profDir)).find((f) => f.endsWith('.cpuprofile'));
        if (!prof) throw new Error('no .cpuprofile written');
        profile = await summariseCpuProfile(join(profDir, prof), 25);
      } finally {
        await p.stop();
        await rm(profDir, { recursive: true, force: true });
      }
    }

    report(w, start, replayBytes, results, failures, profile, targetSettings);
    if (kept.length > 0) {
      log(`\n--keep: targets still running — ours: ${kept[0]!.url} (${kept[0]!.baseDir}), reference: ${kept[1]!.url} (${kept[1]!.baseDir}). Ctrl-C stops them.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
  } finally {
    await Promise.all(kept.map((s) => s.stop()));
    await rm(work, { recursive: true, force: true });
  }
  return failures.length > 0 ? 1 : 0;
}

function report(
  w: ReplayWorkload,
  start: { file: string; pos: number },
  replayBytes: number,
  results: RunResult[],
  failures: string[],
  profile: ProfileSummary | undefined,
  targetSettings: string,
): void {
  const { meta } = w;
  const ours = results.map((r) => r.ours).filter((x): x is OursRun => x !== null);
  const refs = results.map((r) => r.reference).filter((x): x is ReferenceRun => x !== null);
  const best = ours.length > 0 ? ours.reduce((x, y) => (y.wallMs < x.wallMs ? y : x)) : undefined;
  const bestRef = refs.length > 0 ? refs.reduce((x, y) => (y.wallMs < x.wallMs ? y : x)) : undefined;
  const ratio = best && bestRef ? Math.round((bestRef.wallMs / best.wallMs) * 100) / 100 : null;
  const pairRatios = results.filter((r) => r.ours && r.reference).map((r) => Math.round((r.reference!.wallMs / r.ours!.wallMs) * 100) / 100);
  const peakRssMB = ours.length > 0 ? Math.max(...ours.map((o) => o.peakRssMB)) : null;
  const trx = best?.child.plannedTransactions ?? meta.transactions;
  const rows = best?.child.plannedRows ?? null;
  const tps = (ms: number): number => Math.round(trx / (ms / 1000));

  log('');
  log(`workload:     ${trx} transactions (${meta.clients} concurrent clients), ${rows ?? '?'} row changes, ${meta.tables} tables × ${meta.rowsPerTable} rows, on ${meta.serverVersion}`);
  log(`dump:         ${mib(meta.dumpBytes)}; binlogs ${mib(meta.binlogBytes)} in ${meta.binlogs.length} files, ${mib(replayBytes)} replayed from ${start.file}:${start.pos}`);
  const varsChanged = failures.some((f) => f.includes('changed global variables'));
  log(`targets:      identical, binlog ON, ${varsChanged ? 'GLOBAL SETTINGS CHANGED (see below)' : 'no global setting changed by ours'}: mariadbd ${targetSettings}`);
  if (best) {
    log(
      `ours:         ${sec(best.wallMs)}, ${tps(best.wallMs)} transactions/s (plan ${sec(best.child.planMs)} + load ${sec(best.child.loadMs)} + replay ${sec(best.child.replayMs)}; ` +
        `replay alone ${tps(best.child.replayMs)} transactions/s); peak RSS ${peakRssMB} MB`,
    );
    log(`              CPU: our process ${best.clientCpuMs === undefined ? '?' : sec(best.clientCpuMs)}, target mariadbd ${sec(best.serverCpuMs)}`);
  }
  if (bestRef) {
    log(`reference:    ${sec(bestRef.wallMs)}, ${tps(bestRef.wallMs)} transactions/s (load ${sec(bestRef.loadMs)} + replay ${sec(bestRef.replayMs)}; replay alone ${tps(bestRef.replayMs)} transactions/s)`);
    log(`              CPU: mariadb-binlog + mariadb ${bestRef.clientCpuMs === undefined ? '?' : sec(bestRef.clientCpuMs)}, target mariadbd ${sec(bestRef.serverCpuMs)}`);
  }
  if (ratio !== null) {
    log(`ratio:        ${ratio}× reference / ours, best vs best (target ≥ ${TARGET_RATIO}×) ${ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}${pairRatios.length > 1 ? `; per run ${pairRatios.map((r) => `${r}×`).join(' ')}` : ''}`);
  }
  log(`load average: ${results.map((r) => r.loadavg[0]).join(', ')} at the start of each run (2-core VM shared with other work)`);
  if (profile) {
    log(`\nprofile of ours (self time, ${profile.totalMs} ms sampled; idle = waiting for the server), top functions:`);
    for (const e of profile.functions) log(`  ${e.selfPct.toFixed(1).padStart(5)}%  ${String(e.selfMs).padStart(9)} ms  ${e.name}`);
    log('by file:');
    for (const e of profile.files.slice(0, 15)) log(`  ${e.selfPct.toFixed(1).padStart(5)}%  ${String(e.selfMs).padStart(9)} ms  ${e.name}`);
  }
  if (failures.length > 0) {
    log('');
    log('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
    for (const f of failures) log(`FAILED: ${f}`);
    log('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
  }
  log(
    JSON.stringify({
      bench: 'replay',
      workload: meta.workloadVersion,
      server: meta.serverVersion,
      transactions: trx,
      rows,
      clients: meta.clients,
      tables: meta.tables,
      dumpBytes: meta.dumpBytes,
      binlogBytes: meta.binlogBytes,
      replayBytes,
      binlogFiles: meta.binlogs.length,
      targetOptions: TARGET_OPTIONS,
      targetSettings,
      ours: best
        ? {
            wallMs: best.wallMs,
            planMs: best.child.planMs,
            loadMs: best.child.loadMs,
            replayMs: best.child.replayMs,
            transactionsPerSec: tps(best.wallMs),
            peakRssMB,
            clientCpuMs: best.clientCpuMs === undefined ? null : Math.round(best.clientCpuMs),
            serverCpuMs: best.serverCpuMs,
          }
        : null,
      reference: bestRef
        ? {
            wallMs: Math.round(bestRef.wallMs),
            loadMs: Math.round(bestRef.loadMs),
            replayMs: Math.round(bestRef.replayMs),
            transactionsPerSec: tps(bestRef.wallMs),
            clientCpuMs: bestRef.clientCpuMs === undefined ? null : Math.round(bestRef.clientCpuMs),
            serverCpuMs: bestRef.serverCpuMs,
          }
        : null,
      ratio,
      pairRatios,
      target: TARGET_RATIO,
      met: ratio === null ? null : ratio >= TARGET_RATIO,
      exact: failures.length === 0,
      failures,
      runs: results.map((r) => ({ run: r.run, first: r.first, loadavg: r.loadavg, oursMs: r.ours?.wallMs ?? null, referenceMs: r.reference ? Math.round(r.reference.wallMs) : null })),
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
