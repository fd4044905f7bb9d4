/**
 * Throwaway MariaDB servers for tests, the demo and benchmarks.
 *
 * Each server is a private `mariadbd` in its own temp dir (datadir, binlogs, socket, error log) on
 * a free 127.0.0.1 port, started with `--no-defaults` so nothing in /etc/mysql applies. Starting is
 * cheap because the system tables are created once per machine (per MariaDB build) in a template
 * datadir under os.tmpdir(), and each server starts from a copy of it.
 *
 * Safety: we only ever signal pids that we started. Live servers are tracked in-process and killed
 * when the process exits; servers left behind by a process that died hard (SIGKILL, OOM) are found
 * by `sweepStaleServers()` through the owner record we write into each temp dir, and are killed
 * only after /proc/<pid>/cmdline confirms it is a mariadbd on that temp dir's datadir.
 *
 * Server options: https://mariadb.com/kb/en/mysqld-options/ and
 * https://mariadb.com/kb/en/replication-and-binary-log-system-variables/
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const execFileAsync = promisify(execFile);

export type BinlogRowMetadata = 'NO_LOG' | 'MINIMAL' | 'FULL';
export type BinlogRowImage = 'FULL' | 'MINIMAL' | 'NOBLOB';
export type BinlogFormat = 'ROW' | 'MIXED' | 'STATEMENT';
export type BinlogChecksum = 'CRC32' | 'NONE';

export interface ServerOptions {
  /** Write binary logs (`--log-bin`). Default true. */
  binlog?: boolean;
  /** `binlog_format`. Default 'ROW'. */
  binlogFormat?: BinlogFormat;
  /** `binlog_row_metadata`. Default: the server's default (NO_LOG on MariaDB 10.11). */
  binlogRowMetadata?: BinlogRowMetadata;
  /** `binlog_row_image`. Default: the server's default (FULL). */
  binlogRowImage?: BinlogRowImage;
  /** `max_binlog_size` in bytes (server minimum 4096). Default: the server's default (1 GiB). */
  maxBinlogSize?: number;
  /** `log_bin_compress` (MariaDB compressed binlog events). Default false. */
  logBinCompress?: boolean;
  /** `log_bin_compress_min_len` (10..1024). Only meaningful with logBinCompress. */
  logBinCompressMinLen?: number;
  /** `binlog_checksum`. Default 'CRC32'. */
  checksum?: BinlogChecksum;
  /** `binlog_annotate_row_events` (ANNOTATE_ROWS events carrying the SQL text). Default true. */
  binlogAnnotateRowEvents?: boolean;
  /** `server_id`. Default: a random id in [100, 2^31), never 1. */
  serverId?: number;
  /** `gtid_domain_id`. Default 0. */
  gtidDomainId?: number;
  /**
   * `default_time_zone`, e.g. '+00:00' or 'Europe/Berlin' (named zones work: the template has the
   * time zone tables loaded). Default: the server's default (SYSTEM).
   */
  timeZone?: string;
  /** `sql_mode` for the server. Default: the server's default. */
  sqlMode?: string;
  /** `character_set_server`. Default 'utf8mb4' (what Debian's packaged config sets). */
  characterSet?: string;
  /** `collation_server`. Default 'utf8mb4_general_ci' when characterSet is utf8mb4. */
  collation?: string;
  /** Extra mariadbd arguments, appended last (so they win), e.g. ['--binlog-row-event-max-size=8192']. */
  extra?: string[];
  /** Milliseconds to wait for the server to accept connections. Default 60000. */
  startTimeoutMs?: number;
}

export interface TestServer extends AsyncDisposable {
  /** `mysql://pitr:pitr@127.0.0.1:PORT/` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** A user with ALL PRIVILEGES WITH GRANT OPTION, reachable over TCP. */
  readonly user: string;
  readonly password: string;
  /** Unix socket; `root` with no password also works over it. */
  readonly socket: string;
  readonly datadir: string;
  /** The temp dir holding everything of this server; removed by stop(). */
  readonly baseDir: string;
  /** `--log-bin` basename (absolute): files are `${binlogBasename}.000001`…, index `${binlogBasename}.index`. */
  readonly binlogBasename: string;
  readonly binlogDir: string;
  readonly errorLog: string;
  readonly pid: number;
  readonly serverId: number;
  readonly options: Readonly<ServerOptions>;
  /** A new connection (caller ends it): multipleStatements, big numbers as strings, dates as strings. */
  connect(extra?: mysql.ConnectionOptions): Promise<mysql.Connection>;
  /** Runs SQL on a shared connection (opened lazily, closed by stop()); returns the rows/result. */
  query<T = any>(sql: string, values?: unknown[]): Promise<T>;
  /** Binlog files in index order, absolute paths (empty when binlog is off). */
  binlogFiles(): Promise<string[]>;
  /** `FLUSH BINARY LOGS`: closes the current binlog and opens the next one. */
  flushLogs(): Promise<void>;
  /** Stops the server (clean shutdown, SIGKILL after a timeout) and removes baseDir unless PITR_KEEP_SERVERS=1. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL (a crash) without removing anything; stop() still cleans up. */
  kill(): Promise<void>;
  /** Clean shutdown and start again on the same datadir and port, optionally with changed options. */
  restart(changes?: ServerOptions): Promise<void>;
  /** Last `lines` lines of the error log. */
  errorLogTail(lines?: number): string;
}

/** The user created in the template, reachable as pitr:pitr@127.0.0.1 and over the socket. */
const USER = 'pitr';
const PASSWORD = 'pitr';
const HOST = '127.0.0.1';
/** Temp dirs of servers start with this; the sweeper only looks at these. */
const SERVER_DIR_PREFIX = 'pitr-srv-';
const OWNER_FILE = 'pitr-owner.json';
const TEMPLATE_MARKER = '.pitr-template-ok';
/** Bump when the template's contents change, so old templates are not reused. */
const TEMPLATE_FORMAT = 3;
/** InnoDB sizes shared by the template and every server (small: servers are many and short-lived). */
const INNODB_ARGS = ['--innodb-log-file-size=16M', '--innodb-buffer-pool-size=32M'];

export class ServerStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerStartError';
  }
}

interface Binaries {
  mariadbd: string;
  installDb: string;
  tzinfoToSql: string | undefined;
  version: string;
}

let binariesCache: Binaries | undefined;

function findBinary(names: string[], dirs: string[]): string | undefined {
  const pathDirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const dir of [...dirs, ...pathDirs]) {
    for (const name of names) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}

/** Locates mariadbd & co. (PITR_MARIADBD overrides) and reads the version once per process. */
export function mariadbBinaries(): Binaries {
  if (binariesCache) return binariesCache;
  const sbin = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin'];
  const mariadbd = process.env.PITR_MARIADBD ?? findBinary(['mariadbd', 'mysqld'], sbin);
  const installDb = findBinary(['mariadb-install-db', 'mysql_install_db'], sbin);
  if (!mariadbd || !installDb) {
    throw new ServerStartError(
      'MariaDB server binaries not found (need mariadbd and mariadb-install-db). ' +
        'Run `bash scripts/install-deps.sh` (installs Debian mariadb-server and mariadb-client).',
    );
  }
  const tzinfoToSql = findBinary(['mariadb-tzinfo-to-sql', 'mysql_tzinfo_to_sql'], sbin);
  const version = execFileSync(mariadbd, ['--no-defaults', '--version'], { encoding: 'utf8' }).trim();
  binariesCache = { mariadbd, installDb, tzinfoToSql, version };
  return binariesCache;
}

// ---------------------------------------------------------------------------------------------
// Template datadir

let templatePromise: Promise<string> | undefined;

/**
 * The template datadir for this machine's MariaDB build, creating it if needed. Creation happens in
 * a private temp dir that is renamed into place, so concurrent test workers either win the rename
 * or discard their copy and use the winner's.
 */
export function templateDatadir(): Promise<string> {
  templatePromise ??= createTemplate().catch((err: unknown) => {
    templatePromise = undefined;
    throw err;
  });
  return templatePromise;
}

async function createTemplate(): Promise<string> {
  const bins = mariadbBinaries();
  const hash = createHash('sha256')
    .update(`${bins.version}\n${bins.mariadbd}\n${TEMPLATE_FORMAT}\n${INNODB_ARGS.join(' ')}`)
    .digest('hex')
    .slice(0, 12);
  const finalDir = join(tmpdir(), `pitr-mariadb-template-${hash}`);
  if (existsSync(join(finalDir, TEMPLATE_MARKER))) return join(finalDir, 'data');

  // One creator at a time (machine-wide): the others wait for the marker instead of burning CPU
  // on identical work. The rename below keeps it correct even if the lock is broken as stale.
  const lock = `${finalDir}.lock`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (existsSync(join(finalDir, TEMPLATE_MARKER))) return join(finalDir, 'data');
    let holder = NaN;
    try {
      holder = Number(readFileSync(lock, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    const stale = !Number.isInteger(holder) || holder <= 0 || processStartTicks(holder) === undefined;
    if (stale || Date.now() > deadline) {
      await rm(lock, { force: true });
      continue;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    if (existsSync(join(finalDir, TEMPLATE_MARKER))) return join(finalDir, 'data');
    return await buildTemplate(bins, hash, finalDir);
  } finally {
    await rm(lock, { force: true });
  }
}

async function buildTemplate(bins: Binaries, hash: string, finalDir: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), `pitr-mariadb-template-${hash}.tmp-`));
  try {
    const datadir = join(work, 'data');
    const log = join(work, 'install.log');
    // Private tmpdir: concurrent bootstraps sharing /tmp can collide on temp table names.
    const tmp = join(work, 'tmp');
    await mkdir(tmp);
    try {
      await execFileAsync(
        bins.installDb,
        [
          '--no-defaults',
          '--user=root',
          `--datadir=${datadir}`,
          `--tmpdir=${tmp}`,
          '--auth-root-authentication-method=normal',
          '--skip-test-db',
          '--skip-name-resolve',
          ...INNODB_ARGS,
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      );
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new ServerStartError(
        `mariadb-install-db failed:\n${tail(`${e.stdout ?? ''}\n${e.stderr ?? ''}`, 30)}`,
        { cause: err },
      );
    }

    // Bootstrap mode runs with grant tables off until FLUSH PRIVILEGES loads them; one statement
    // per line. Host-named accounts (root@<hostname>) only cause warnings under skip-name-resolve.
    const sql = [
      "DELETE FROM mysql.global_priv WHERE Host NOT IN ('localhost', '127.0.0.1', '::1');",
      "DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '127.0.0.1', '::1');",
      'FLUSH PRIVILEGES;',
      `CREATE USER '${USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}';`,
      `GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'127.0.0.1' WITH GRANT OPTION;`,
      `CREATE USER '${USER}'@'localhost' IDENTIFIED BY '${PASSWORD}';`,
      `GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'localhost' WITH GRANT OPTION;`,
      'USE mysql;',
    ].join('\n');
    let tzSql = '';
    if (bins.tzinfoToSql && existsSync('/usr/share/zoneinfo')) {
      // Named time zones ('Europe/Berlin') for default_time_zone and CONVERT_TZ in tests.
      try {
        const r = await execFileAsync(bins.tzinfoToSql, ['/usr/share/zoneinfo'], { maxBuffer: 256 * 1024 * 1024 });
        tzSql = r.stdout;
      } catch {
        tzSql = '';
      }
    }
    await bootstrap(bins.mariadbd, datadir, `${sql}\n${tzSql}\n`, log, tmp);
    await rm(tmp, { recursive: true, force: true });
    await writeFile(join(work, TEMPLATE_MARKER), `${bins.version}\n`);
    try {
      await rename(work, finalDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      // Another worker won the race; use theirs.
      await rm(work, { recursive: true, force: true });
      if (!existsSync(join(finalDir, TEMPLATE_MARKER))) {
        throw new ServerStartError(`template dir ${finalDir} exists but is incomplete; remove it and retry`);
      }
    }
    return join(finalDir, 'data');
  } catch (err) {
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

function bootstrap(mariadbd: string, datadir: string, sql: string, log: string, tmp: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      mariadbd,
      ['--no-defaults', '--user=root', '--bootstrap', `--datadir=${datadir}`, `--tmpdir=${tmp}`, `--log-error=${log}`, ...INNODB_ARGS],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) return resolvePromise();
      let logText = '';
      try {
        logText = readFileSync(log, 'utf8');
      } catch {
        // no log
      }
      reject(new ServerStartError(`mariadbd --bootstrap failed (exit ${code}):\n${tail(`${logText}\n${stderr}`, 30)}`));
    });
    child.stdin.end(sql);
  });
}

// ---------------------------------------------------------------------------------------------
// Registry of live servers and cleanup

interface LiveServer {
  pid: number;
  baseDir: string;
  keep: boolean;
}

const live = new Map<string, LiveServer>();
let handlersInstalled = false;

function killAllSync(): void {
  for (const s of live.values()) {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    if (!s.keep) {
      try {
        rmSync(s.baseDir, { recursive: true, force: true });
      } catch {
        // best effort on the way out
      }
    }
  }
  live.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllSync);
  // The monitor variant observes without changing Node's crash behaviour.
  process.on('uncaughtExceptionMonitor', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      // If someone else handles the signal they decide whether the process ends (and the 'exit'
      // hook cleans up then). Otherwise behave like the default, dying by the signal, but first
      // take our servers down: a signal death skips 'exit' hooks.
      if (process.listenerCount(signal) > 1) return;
      killAllSync();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * Start time of a live process in clock ticks since boot (field 22 of /proc/<pid>/stat), to detect
 * pid reuse; undefined when the process is gone. https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces; fields after the last ')' are fixed.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie (state Z) has exited; it only waits for its parent to reap it.
    if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

interface OwnerRecord {
  ownerPid: number;
  ownerStartTicks: string | undefined;
  serverPid?: number;
  datadir: string;
  keep?: boolean;
  createdAt: string;
}

/** True if `pid` is a mariadbd running on `datadir` (so killing it cannot hit anything else). */
function isOurMariadbd(pid: number, datadir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const exe = cmdline[0] ?? '';
    return /mariadbd|mysqld/.test(exe) && cmdline.includes(`--datadir=${datadir}`);
  } catch {
    return false;
  }
}

/**
 * Kills servers (and removes temp dirs) left behind by processes that no longer exist. Looks only
 * at `pitr-srv-*` dirs in os.tmpdir() that carry our owner record. Returns the dirs removed.
 */
export function sweepStaleServers(): string[] {
  const removed: string[] = [];
  const root = tmpdir();
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(SERVER_DIR_PREFIX)) continue;
    const dir = join(root, name);
    let rec: OwnerRecord;
    try {
      rec = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as OwnerRecord;
    } catch {
      // No owner record: either being created right now or a crash before it was written.
      // Only remove it once it is clearly old.
      try {
        if (Date.now() - statSync(dir).mtimeMs > 10 * 60_000 && !existsSync(join(dir, 'data', 'mysql'))) {
          rmSync(dir, { recursive: true, force: true });
          removed.push(dir);
        }
      } catch {
        // raced with its owner
      }
      continue;
    }
    const ownerTicks = processStartTicks(rec.ownerPid);
    const ownerAlive = ownerTicks !== undefined && (rec.ownerStartTicks === undefined || ownerTicks === rec.ownerStartTicks);
    if (ownerAlive) continue;
    if (rec.serverPid !== undefined && isOurMariadbd(rec.serverPid, rec.datadir)) {
      try {
        process.kill(rec.serverPid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    if (rec.keep) continue;
    try {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // best effort
    }
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Starting

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

function readTail(file: string, lines: number): string {
  try {
    return tail(readFileSync(file, 'utf8').trimEnd(), lines);
  } catch {
    return '(no error log)';
  }
}

function onOff(v: boolean): string {
  return v ? 'ON' : 'OFF';
}

function serverArgs(
  o: ServerOptions,
  p: { datadir: string; port: number; socket: string; pidFile: string; errorLog: string; tmp: string; binlogBasename: string; serverId: number },
): string[] {
  const args = [
    '--no-defaults',
    '--user=root',
    `--datadir=${p.datadir}`,
    `--port=${p.port}`,
    `--bind-address=${HOST}`,
    `--socket=${p.socket}`,
    `--pid-file=${p.pidFile}`,
    `--log-error=${p.errorLog}`,
    `--tmpdir=${p.tmp}`,
    `--server-id=${p.serverId}`,
    '--skip-name-resolve',
    '--performance-schema=OFF',
    '--skip-log-warnings=0',
    ...INNODB_ARGS,
    // Durability is not the point of a throwaway server; speed is.
    '--innodb-flush-log-at-trx-commit=2',
    '--innodb-doublewrite=0',
    '--sync-binlog=0',
    '--max-allowed-packet=256M',
    '--log-bin-trust-function-creators=1',
    '--skip-slave-start',
  ];
  const charset = o.characterSet ?? 'utf8mb4';
  args.push(`--character-set-server=${charset}`);
  const collation = o.collation ?? (charset === 'utf8mb4' ? 'utf8mb4_general_ci' : undefined);
  if (collation) args.push(`--collation-server=${collation}`);
  if (o.binlog ?? true) {
    args.push(`--log-bin=${p.binlogBasename}`, `--log-bin-index=${p.binlogBasename}.index`);
    args.push(`--binlog-format=${o.binlogFormat ?? 'ROW'}`);
    if (o.binlogRowMetadata) args.push(`--binlog-row-metadata=${o.binlogRowMetadata}`);
    if (o.binlogRowImage) args.push(`--binlog-row-image=${o.binlogRowImage}`);
    if (o.maxBinlogSize !== undefined) args.push(`--max-binlog-size=${o.maxBinlogSize}`);
    if (o.logBinCompress !== undefined) args.push(`--log-bin-compress=${onOff(o.logBinCompress)}`);
    if (o.logBinCompressMinLen !== undefined) args.push(`--log-bin-compress-min-len=${o.logBinCompressMinLen}`);
    args.push(`--binlog-checksum=${o.checksum ?? 'CRC32'}`);
    args.push(`--binlog-annotate-row-events=${onOff(o.binlogAnnotateRowEvents ?? true)}`);
  } else {
    args.push('--skip-log-bin');
  }
  if (o.gtidDomainId !== undefined) args.push(`--gtid-domain-id=${o.gtidDomainId}`);
  if (o.timeZone !== undefined) args.push(`--default-time-zone=${o.timeZone}`);
  if (o.sqlMode !== undefined) args.push(`--sql-mode=${o.sqlMode}`);
  args.push(...(o.extra ?? []));
  return args;
}

const BIND_FAILURE = /Can't start server: Bind on TCP\/IP port|Address already in use|Do you already have another server running on port/i;

async function waitReady(
  child: ChildProcess,
  port: number,
  errorLog: string,
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; bindFailure: boolean; reason: string }> {
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    exited = { code, signal };
  };
  child.once('exit', onExit);
  if (child.exitCode !== null || child.signalCode !== null) exited = { code: child.exitCode, signal: child.signalCode };
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  try {
    while (Date.now() < deadline) {
      if (exited) {
        const log = readTail(errorLog, 40);
        return {
          ok: false,
          bindFailure: BIND_FAILURE.test(log),
          reason: `mariadbd exited during startup (code ${exited.code}, signal ${exited.signal})`,
        };
      }
      try {
        const conn = await mysql.createConnection({ host: HOST, port, user: USER, password: PASSWORD, connectTimeout: 2000 });
        await conn.query('SELECT 1');
        await conn.end();
        return { ok: true };
      } catch (err) {
        lastError = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 40));
    }
  } finally {
    child.removeListener('exit', onExit);
  }
  return { ok: false, bindFailure: BIND_FAILURE.test(readTail(errorLog, 40)), reason: `not ready after ${timeoutMs} ms (last error: ${lastError})` };
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => {
      child.removeListener('exit', done);
      resolvePromise(false);
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      resolvePromise(true);
    };
    child.once('exit', done);
  });
}


/**
 * Starts a throwaway mariadbd. Ready (accepting connections as pitr@127.0.0.1) when the promise
 * resolves. Always `await server.stop()` (or `await using server = await startServer()`).
 */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  sweepStaleServers();
  installHandlers();
  const bins = mariadbBinaries();
  const template = await templateDatadir();

  const baseDir = await mkdtemp(join(tmpdir(), SERVER_DIR_PREFIX));
  const keep = process.env.PITR_KEEP_SERVERS === '1';
  const datadir = join(baseDir, 'data');
  const binlogDir = join(baseDir, 'binlog');
  const binlogBasename = join(binlogDir, 'mariadb-bin');
  const socket = join(baseDir, 'mysqld.sock');
  const pidFile = join(baseDir, 'mariadbd.pid');
  const errorLog = join(baseDir, 'error.log');
  const tmp = join(baseDir, 'tmp');
  if (Buffer.byteLength(socket) >= 108) {
    throw new ServerStartError(`socket path too long for a unix socket (${socket}); set TMPDIR to a shorter dir`);
  }
  const owner: OwnerRecord = {
    ownerPid: process.pid,
    ownerStartTicks: processStartTicks(process.pid),
    datadir,
    keep,
    createdAt: new Date().toISOString(),
  };
  await writeFile(join(baseDir, OWNER_FILE), JSON.stringify(owner));
  try {
    await cp(template, datadir, { recursive: true });
    await mkdir(binlogDir);
    await mkdir(tmp);
  } catch (err) {
    await rm(baseDir, { recursive: true, force: true });
    throw err;
  }

  const serverId = options.serverId ?? randomInt(100, 2 ** 31 - 1);
  let currentOptions: ServerOptions = { ...options };
  let port = 0;
  let child: ChildProcess | undefined;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;

  const launch = async (fixedPort: number | undefined): Promise<void> => {
    const attempts = fixedPort === undefined ? 5 : 3;
    let lastReason = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      port = fixedPort ?? (await freePort());
      const args = serverArgs(currentOptions, { datadir, port, socket, pidFile, errorLog, tmp, binlogBasename, serverId });
      const c = spawn(bins.mariadbd, args, { stdio: 'ignore', detached: true });
      c.unref();
      const spawnError = new Promise<Error>((r) => c.once('error', r));
      if (c.pid === undefined) throw new ServerStartError(`could not spawn ${bins.mariadbd}: ${(await spawnError).message}`);
      child = c;
      live.set(baseDir, { pid: c.pid, baseDir, keep });
      owner.serverPid = c.pid;
      writeFileSync(join(baseDir, OWNER_FILE), JSON.stringify(owner));
      const r = await waitReady(c, port, errorLog, startTimeoutMs);
      if (r.ok) return;
      lastReason = r.reason;
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already exited
      }
      await waitExit(c, 10_000);
      live.delete(baseDir);
      if (!r.bindFailure) break;
      // Someone took the port between our probe and the server's bind; try another (or the same
      // one again after a pause when restarting on a fixed port).
      if (fixedPort !== undefined) await new Promise((res) => setTimeout(res, 500));
    }
    const log = readTail(errorLog, 40);
    if (!keep) await rm(baseDir, { recursive: true, force: true }).catch(() => undefined);
    throw new ServerStartError(`throwaway mariadbd failed to start: ${lastReason}\n--- error log (${errorLog}) ---\n${log}`);
  };

  await launch(undefined);

  let shared: mysql.Connection | undefined;
  let sharedPromise: Promise<mysql.Connection> | undefined;
  let stopped = false;

  const connect = async (extra: mysql.ConnectionOptions = {}): Promise<mysql.Connection> =>
    mysql.createConnection({
      host: HOST,
      port,
      user: USER,
      password: PASSWORD,
      multipleStatements: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      ...extra,
    });

  const closeShared = async (): Promise<void> => {
    const c = shared ?? (sharedPromise ? await sharedPromise.catch(() => undefined) : undefined);
    shared = undefined;
    sharedPromise = undefined;
    if (c) await c.end().catch(() => c.destroy());
  };

  const shutdown = async (): Promise<void> => {
    await closeShared();
    const c = child;
    if (!c || c.pid === undefined) return;
    if (c.exitCode === null && c.signalCode === null) {
      try {
        process.kill(c.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      if (!(await waitExit(c, 30_000))) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          // gone
        }
        await waitExit(c, 10_000);
      }
    }
    live.delete(baseDir);
  };

  const server: TestServer = {
    get url() {
      return `mysql://${USER}:${PASSWORD}@${HOST}:${port}/`;
    },
    host: HOST,
    get port() {
      return port;
    },
    user: USER,
    password: PASSWORD,
    socket,
    datadir,
    baseDir,
    binlogBasename,
    binlogDir,
    errorLog,
    get pid() {
      return child?.pid ?? -1;
    },
    serverId,
    get options() {
      return currentOptions;
    },
    connect,
    async query<T = any>(sql: string, values?: unknown[]): Promise<T> {
      if (!shared) {
        sharedPromise ??= connect();
        shared = await sharedPromise;
      }
      const [rows] = await shared.query(sql, values);
      return rows as T;
    },
    async binlogFiles(): Promise<string[]> {
      const index = `${binlogBasename}.index`;
      let text: string;
      try {
        text = await readFile(index, 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) => (isAbsolute(l) ? l : resolve(datadir, l)));
    },
    async flushLogs(): Promise<void> {
      await server.query('FLUSH BINARY LOGS');
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await shutdown();
      if (!keep) await rm(baseDir, { recursive: true, force: true });
    },
    async kill(): Promise<void> {
      await closeShared().catch(() => undefined);
      const c = child;
      if (c?.pid !== undefined && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          // gone
        }
        await waitExit(c, 10_000);
      }
      live.delete(baseDir);
    },
    async restart(changes: ServerOptions = {}): Promise<void> {
      if (stopped) throw new ServerStartError('restart() after stop()');
      await shutdown();
      currentOptions = { ...currentOptions, ...changes };
      await launch(port);
    },
    errorLogTail(lines = 40): string {
      return readTail(errorLog, lines);
    },
    async [Symbol.asyncDispose](): Promise<void> {
      await server.stop();
    },
  };
  return server;
}
