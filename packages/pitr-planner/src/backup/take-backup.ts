/**
 * `pitr backup`: a full logical backup with the server's own dump tool, streamed through gzip into
 * the repository and cataloged (issue 3, DESIGN.md "Command line" and "Restore safety").
 *
 * Order of work, so that a mistake costs nothing:
 *   1. check the arguments and the repository path (an existing non-repository is refused);
 *   2. connect, read the server and what will be dumped — bad credentials, an unknown database, a
 *      server without binlog fail here, before anything is written (no record: nothing was tried);
 *   3. create the repository if `--repo` does not exist yet or is an empty directory (the result
 *      says so), take its writer lock, write the record `running`;
 *   4. run the dump tool (password only in a 0600 defaults-extra-file), stream stdout through the
 *      FLOAT splicer (only when needed) and gzip into `backups/<id>/.pitr-tmp-dump.sql.gz`,
 *      hashing on the fly; fsync;
 *   5. read the finished file back with core's dumpCoordinates (gzip readable, completion trailer,
 *      binlog coordinates + GTID), rename it to `dump.sql.gz`, mark the record `completed`.
 * A failure in 4–5 removes the partial file and marks the record `failed` with the error text
 * (passwords removed); the error reaches the caller as a PitrError with hints.
 */
import { spawn } from 'node:child_process';
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ATOMIC_TEMP_PREFIX,
  ERROR_CODES,
  PitrError,
  acquireRepoLock,
  dumpCoordinates,
  errnoCode,
  initRepo,
  isPitrError,
  openRepo,
  redactUrl,
  syncDirectory,
} from '@pitr/core';
import type { DumpCoordinates } from '@pitr/core';
import type { BackupDatabase, BackupRecord, BackupScope, BackupServer, BackupTrigger } from '../catalog/backup-record.js';
import { completeBackupRecord, failBackupRecord, startBackupRecord } from '../catalog/catalog.js';
import { CommitBarrier } from './commit-barrier.js';
import { spliceAfterTableData } from './dump-splicer.js';
import type { SpliceTable } from './dump-splicer.js';
import { connectionFlags, dumpContentFlags, dumpToolRecord, findDumpTool, writeDefaultsExtraFile } from './dump-tool.js';
import type { DumpToolInfo } from './dump-tool.js';
import { checkEnumSetMembers } from './enum-member-check.js';
import { FloatSnapshot, planFloatFixups } from './float-fixups.js';
import type { FloatPlan, FloatTable } from './float-fixups.js';
import { writeGzipFile } from './gzip-file-writer.js';
import { parseTableName, readInventory } from './source-inventory.js';
import type { Inventory } from './source-inventory.js';
import { assertBinlogEnabled, connectSource, readServerInfo, redactSecret, sourceConnectionOptions } from './source-server.js';
import type { SourceConnection } from './source-server.js';

export interface BackupProgress {
  phase: 'connect' | 'dump' | 'check' | 'done';
  /** `db.table` the dump tool is reading (from its --verbose lines). */
  table?: string;
  /** Dump bytes produced so far (uncompressed) and written (compressed). */
  inputBytes: number;
  outputBytes: number;
}

export interface TakeBackupOptions {
  /** `mysql://user[:pass]@host[:port]/` or `mysql://user@localhost/?socket=…`. */
  source: string;
  /** Repository directory; created when it does not exist or is empty. */
  repo: string;
  /** Only these databases (default: all, as `--all-databases`: every database but the system schemas). */
  databases?: readonly string[];
  /** `db.table` names to leave out (`--ignore-table`). */
  excludeTables?: readonly string[];
  onProgress?: (progress: BackupProgress) => void;
  /** Each warning as it is found (they are also in the result and the record). */
  onWarning?: (message: string) => void;
  /** Called when `repo` did not exist (or was empty) and has just been created. */
  onRepoCreated?: (dir: string) => void;
  /** Environment for PITR_PASSWORD (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Path of the dump tool (default: found by the server's flavor; the CLI passes PITR_DUMP_TOOL). */
  dumpTool?: string;
  /** Default 'manual'; `restore --force` uses 'pre_restore'. */
  trigger?: BackupTrigger;
  /** How long to wait for another writer's repository lock (default 0: fail at once). */
  lockWaitMs?: number;
}

export interface TakeBackupResult {
  record: BackupRecord;
  /** Absolute repository directory. */
  repoDir: string;
  /** The repository did not exist (or was an empty directory) and was created. */
  repoCreated: boolean;
  /** Absolute path of dump.sql.gz. */
  dumpFile: string;
  warnings: string[];
}

/** Runs one backup; see the file comment. */
export async function takeBackup(options: TakeBackupOptions): Promise<TakeBackupResult> {
  const scope = backupScope(options);
  const repoState = await inspectRepoDir(options.repo);
  const password = sourceConnectionOptions(options.source, options.env).password;
  const warnings: string[] = [];
  const warn = (message: string): void => {
    if (warnings.includes(message)) return;
    warnings.push(message);
    options.onWarning?.(message);
  };
  const progress = (p: BackupProgress): void => options.onProgress?.(p);
  progress({ phase: 'connect', inputBytes: 0, outputBytes: 0 });

  // 2. everything that can fail without writing anything
  let server: BackupServer;
  let inventory: Inventory;
  let floatPlan: FloatPlan;
  let tool: DumpToolInfo;
  const conn = await connectSource(options.source, env(options));
  try {
    server = await readServerInfo(conn);
    await assertBinlogEnabled(conn, options.source);
    inventory = await readInventory(conn, scope);
    tool = await findDumpTool(server.flavor, options.dumpTool);
    for (const t of inventory.unknownExcludes) warn(`--exclude-tables: no table ${t} on the server (nothing excluded for it)`);
    for (const w of await checkEnumSetMembers(conn, inventory.columns)) warn(w);
    floatPlan = planFloatFixups(inventory);
  } finally {
    await conn.end().catch(() => undefined);
  }
  if (server.flavor === 'mysql' && floatPlan.tables.length > 0) {
    warn(
      `FLOAT columns in ${floatPlan.tables.map((t) => `${t.db}.${t.table}`).join(', ')}: pitr corrects mariadb-dump's 6-digit FLOAT text only on MariaDB; on MySQL the values are as mysqldump prints them`,
    );
    floatPlan = { tables: [], warnings: floatPlan.warnings };
  }
  for (const w of floatPlan.warnings) warn(w);
  const flags = dumpContentFlags(tool, scope, inventory.databases);

  // 3. the repository, its lock, the running record
  const repo = repoState === 'repository' ? await openRepo(options.repo) : await initRepo(options.repo);
  if (repoState !== 'repository') options.onRepoCreated?.(repo.dir);
  const lock = await acquireRepoLock(repo.dir, { command: 'backup', waitMs: options.lockWaitMs ?? 0, onWarning: warn });
  try {
    const record = await startBackupRecord(repo, lock, {
      trigger: options.trigger ?? 'manual',
      server,
      dumpTool: dumpToolRecord(tool, flags),
      scope,
      databases: recordDatabases(inventory, inventory.databases),
    });
    const tempFile = join(repo.layout.backupDir(record.id), `${ATOMIC_TEMP_PREFIX}dump.sql.gz`);
    const dumpFile = repo.layout.dumpFile(record.id);
    try {
      let run = await runDump({ options, tool, flags, password, floatPlan, tempFile, warn, progress });
      progress({ phase: 'check', inputBytes: run.inputBytes, outputBytes: run.sizeBytes });
      let coords = await readBackDump(tempFile, tool);
      if (retryHelps(run.floats, coords)) {
        // The dump's snapshot and pitr's FLOAT snapshot differ although commits were paused (seen
        // rarely under concurrent writers): once more, rather than keep 6-digit FLOATs.
        warn(`the dump's snapshot (${coords.binlog?.file}:${coords.binlog?.pos}) did not match pitr's FLOAT snapshot (${run.floats?.snapshot?.position?.file}:${run.floats?.snapshot?.position?.pos}): dumped again`);
        run = await runDump({ options, tool, flags, password, floatPlan, tempFile, warn, progress });
        progress({ phase: 'check', inputBytes: run.inputBytes, outputBytes: run.sizeBytes });
        coords = await readBackDump(tempFile, tool);
      }
      checkFloatAlignment(run.floats, coords, warn);
      await rename(tempFile, dumpFile);
      await syncDirectory(repo.layout.backupDir(record.id));
      const fixed = run.floats?.snapshot?.fixedRows;
      const done = await completeBackupRecord(repo, lock, record.id, {
        coordinates: { file: coords.binlog!.file, pos: coords.binlog!.pos, ...(coords.gtid !== undefined ? { gtid: coords.gtid } : {}) },
        sizeBytes: run.sizeBytes,
        sha256: run.sha256,
        databases: recordDatabases(inventory, coords.databases),
        warnings,
        ...(fixed !== undefined && fixed.size > 0
          ? { floatFixups: { tables: [...fixed.keys()], rows: [...fixed.values()].reduce((a, b) => a + b, 0) } }
          : {}),
      });
      progress({ phase: 'done', inputBytes: run.inputBytes, outputBytes: run.sizeBytes });
      return { record: done, repoDir: repo.dir, repoCreated: repoState !== 'repository', dumpFile, warnings };
    } catch (e) {
      await unlink(tempFile).catch(() => undefined);
      const error = backupError(e, options.source, password, record.id);
      await failBackupRecord(repo, lock, record.id, error, { warnings }).catch(() => undefined);
      throw error;
    }
  } finally {
    await lock.release();
  }
}

function env(options: TakeBackupOptions): { env?: Readonly<Record<string, string | undefined>> } {
  return options.env === undefined ? {} : { env: options.env };
}

/** The checked scope: database names and `db.table` exclusions. */
export function backupScope(options: Pick<TakeBackupOptions, 'databases' | 'excludeTables'>): BackupScope {
  const databases = options.databases?.map((d) => d.trim()).filter((d) => d !== '');
  if (options.databases !== undefined && (databases === undefined || databases.length === 0)) {
    throw new PitrError(ERROR_CODES.USAGE, '--databases names no database', { hints: ['give a comma-separated list: --databases shop,crm'] });
  }
  const excludeTables = (options.excludeTables ?? []).map((t) => t.trim()).filter((t) => t !== '');
  for (const t of excludeTables) parseTableName(t);
  return { databases: databases === undefined ? 'all' : [...new Set(databases)], excludeTables: [...new Set(excludeTables)] };
}

type RepoDirState = 'missing' | 'empty' | 'repository';

/** Refuses early what initRepo/openRepo would refuse later, before connecting to anything. */
async function inspectRepoDir(dir: string): Promise<RepoDirState> {
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) await openRepo(dir); // throws the "not a directory" error
    entries = await readdir(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return 'missing';
    throw e;
  }
  if (entries.length === 0) return 'empty';
  await openRepo(dir); // validates the marker; throws for a directory that is not a repository
  return 'repository';
}

function recordDatabases(inventory: Inventory, names: readonly string[]): BackupDatabase[] {
  return names.map((name) => ({
    name,
    tables: inventory.tables.filter((t) => t.db === name).map((t) => ({ name: t.name, rowsEstimate: t.rowsEstimate })),
  }));
}

interface FloatRun {
  snapshot: FloatSnapshot | undefined;
  /** Why there is no snapshot, or why its values were not used. */
  skipped: string | undefined;
  /** Why commits could not be paused (BACKUP STAGE refused), if so. */
  barrierRefused: string | undefined;
  tables: FloatTable[];
  /** The dump's position differed from the snapshot's: no statements were written. */
  misaligned: boolean;
}

interface DumpRun {
  sizeBytes: number;
  sha256: string;
  inputBytes: number;
  floats: FloatRun | undefined;
}

interface RunDumpArgs {
  options: TakeBackupOptions;
  tool: DumpToolInfo;
  flags: string[];
  password: string | undefined;
  floatPlan: FloatPlan;
  tempFile: string;
  warn: (message: string) => void;
  progress: (p: BackupProgress) => void;
}

/** Starts the dump tool and streams its output into `tempFile`; resolves when both are done. */
async function runDump(args: RunDumpArgs): Promise<DumpRun> {
  const { options, tool, flags, password, floatPlan, tempFile, warn, progress } = args;
  const conn = sourceConnectionOptions(options.source, options.env);
  const defaults = await writeDefaultsExtraFile(password);
  const sessions: SourceConnection[] = [];
  let barrier: CommitBarrier | undefined;
  let floats: FloatRun | undefined;
  try {
    if (floatPlan.tables.length > 0) {
      floats = { snapshot: undefined, skipped: undefined, barrierRefused: undefined, tables: floatPlan.tables, misaligned: false };
      const barrierConn = await connectSource(options.source, env(options));
      sessions.push(barrierConn);
      const taken = await CommitBarrier.acquire(barrierConn);
      barrier = taken.barrier;
      if (taken.barrier === undefined) floats.barrierRefused = taken.reason;
      const snapConn = await connectSource(options.source, {
        ...env(options),
        extra: { typeCast: (field, next) => (field.type === 'GEOMETRY' ? next() : field.string()) },
      });
      sessions.push(snapConn);
      floats.snapshot = await FloatSnapshot.open(snapConn);
      if (floats.snapshot.position === undefined) floats.skipped = 'the server reports no binlog position for a consistent snapshot';
    }
    const argv = [...(defaults.flag === undefined ? [] : [defaults.flag]), ...connectionFlags(conn), ...flags];
    const child = spawn(tool.path, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let spawnError: Error | undefined;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('close', (code, signal) => resolve({ code, signal }));
      child.once('error', (e) => {
        spawnError = e;
        resolve({ code: null, signal: null });
      });
    });

    // stderr: --verbose lines are progress (and tell when the tool's snapshot exists); the rest is
    // what the tool has to say (errors, warnings), kept for the failure message
    let table: string | undefined;
    let sawStart = false;
    let inputBytes = 0;
    let outputBytes = 0;
    const messages: string[] = [];
    let messagesChars = 0;
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.replace(/\r$/, '');
        if (line.startsWith('-- ')) {
          // The tool reads its option files before its first progress line ("-- Connecting to
          // …"): from then on the password file is not needed, so it exists for milliseconds, not
          // for the whole dump (a Ctrl-C that skips the cleanup below cannot leave it behind).
          void defaults.remove();
          if (sawStart) void barrier?.release();
          if (/Starting transaction/.test(line)) sawStart = true;
          const t = /^-- Retrieving table structure for table (.+?)\.{3}$/.exec(line);
          if (t !== null) {
            table = t[1];
            progress({ phase: 'dump', ...(table === undefined ? {} : { table }), inputBytes, outputBytes });
          }
          continue;
        }
        if (line.trim() === '') continue;
        if (messagesChars < 16_384) {
          messages.push(redactSecret(line, password));
          messagesChars += line.length;
        }
      }
    });

    const spliced =
      floats === undefined
        ? child.stdout
        : spliceAfterTableData(child.stdout, {
            after: (t, dump) => floatStatements(floats!, t, dump),
          });
    let written: Awaited<ReturnType<typeof writeGzipFile>>;
    try {
      written = await writeGzipFile(spliced, tempFile, {
        onBytes: (i, o) => {
          inputBytes = i;
          outputBytes = o;
          if ((o & 0xfffff) < 65536) progress({ phase: 'dump', ...(table === undefined ? {} : { table }), inputBytes: i, outputBytes: o });
        },
      });
    } catch (e) {
      // our side failed (disk, snapshot session): stop the tool; if the tool died first (its
      // output ended mid-statement), its own failure is the better explanation
      const stillRunning = child.exitCode === null && child.signalCode === null;
      if (stillRunning) child.kill('SIGTERM');
      const { code, signal } = await exited;
      if (spawnError !== undefined) throw toolNotRunnable(tool, spawnError);
      if (!stillRunning && (code !== 0 || signal !== null)) throw toolFailed(tool, code, signal, messages, e);
      throw e;
    }
    const { code, signal } = await exited;
    await barrier?.release();
    if (spawnError !== undefined) throw toolNotRunnable(tool, spawnError);
    if (code !== 0 || signal !== null) throw toolFailed(tool, code, signal, messages, undefined);
    for (const m of messages) warn(`${tool.name}: ${m}`);
    return { sizeBytes: written.sizeBytes, sha256: written.sha256, inputBytes: written.inputBytes, floats };
  } finally {
    await barrier?.release();
    await floats?.snapshot?.close();
    for (const s of sessions) await s.end().catch(() => undefined);
    await defaults.remove();
  }
}

/** The statements for one table, if the dump's snapshot is ours (see float-fixups.ts). */
function floatStatements(floats: FloatRun, t: SpliceTable, dump: DumpCoordinates): AsyncIterable<string> | undefined {
  const snapshot = floats.snapshot;
  if (snapshot === undefined || snapshot.position === undefined) return undefined;
  const ours = snapshot.position;
  if (dump.binlog === undefined || dump.binlog.file !== ours.file || dump.binlog.pos !== ours.pos) {
    floats.misaligned = true;
    return undefined;
  }
  const table = floats.tables.find((f) => f.table === t.table && (t.db === undefined || f.db === t.db));
  return table === undefined ? undefined : snapshot.statements(table);
}

/** The FLOAT snapshot was taken under a commit pause but does not match the dump's: a second dump may align. */
function retryHelps(floats: FloatRun | undefined, coords: DumpCoordinates): boolean {
  if (floats === undefined || floats.barrierRefused !== undefined || floats.skipped !== undefined) return false;
  const pos = floats.snapshot?.position;
  const aligned = pos !== undefined && coords.binlog !== undefined && coords.binlog.file === pos.file && coords.binlog.pos === pos.pos;
  return floats.misaligned || !aligned;
}

/** Warns when the exact FLOAT values could not be used. */
function checkFloatAlignment(floats: FloatRun | undefined, coords: DumpCoordinates, warn: (m: string) => void): void {
  if (floats === undefined) return;
  const names = floats.tables.map((t) => `${t.db}.${t.table}`).join(', ');
  const pos = floats.snapshot?.position;
  const aligned = pos !== undefined && coords.binlog !== undefined && coords.binlog.file === pos.file && coords.binlog.pos === pos.pos;
  if (floats.misaligned || !aligned) {
    const pause =
      floats.barrierRefused === undefined
        ? 'the commit pause ended before the dump tool started its snapshot'
        : `commits could not be paused (BACKUP STAGE BLOCK_COMMIT, needs the RELOAD privilege: ${floats.barrierRefused})`;
    const why =
      floats.skipped ??
      `transactions committed between pitr's snapshot (${pos === undefined ? '?' : `${pos.file}:${pos.pos}`}) and the dump's (${coords.binlog === undefined ? '?' : `${coords.binlog.file}:${coords.binlog.pos}`}): ${pause}`;
    warn(`FLOAT values of ${names} are restored with 6 significant digits (as mariadb-dump prints them): ${why}; run the backup again at a quieter moment`);
  }
}

/** Reads the finished dump back: readable gzip, completion trailer, coordinates of our own server. */
async function readBackDump(path: string, tool: DumpToolInfo): Promise<DumpCoordinates> {
  let coords: DumpCoordinates;
  try {
    coords = await dumpCoordinates(path, { requireCoordinates: false });
  } catch (e) {
    throw new PitrError(ERROR_CODES.IO, `the dump just written cannot be read back: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
      hints: ['check the disk of the repository; run the backup again'],
    });
  }
  if (!coords.complete) {
    throw new PitrError(ERROR_CODES.IO, `${tool.name} ended without its completion trailer ("-- Dump completed"): the dump is incomplete`, {
      hints: ['run the backup again; check the server error log if it happens again'],
    });
  }
  if (coords.binlog === undefined || coords.binlogIsUpstream) {
    throw new PitrError(ERROR_CODES.IO, `${tool.name} wrote no binlog position for its snapshot, so the backup cannot start a replay`, {
      hints: ['the server must have log_bin on and the user the privileges for SHOW MASTER STATUS (BINLOG MONITOR / REPLICATION CLIENT)'],
    });
  }
  return coords;
}

function toolNotRunnable(tool: DumpToolInfo, e: Error): PitrError {
  return new PitrError(ERROR_CODES.USAGE, `cannot start ${tool.path}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, {
    cause: e,
    hints: ['install the client tools of the server, or name the dump tool with PITR_DUMP_TOOL=/path/to/tool'],
  });
}

function toolFailed(tool: DumpToolInfo, code: number | null, signal: NodeJS.Signals | null, messages: readonly string[], cause: unknown): PitrError {
  const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
  const said = messages.length === 0 ? '' : `: ${messages.join(' | ')}`;
  return new PitrError(ERROR_CODES.CONNECTION, `${tool.name} ${how}${said}`, {
    cause,
    hints: [
      'the dump user needs SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES and RELOAD, plus BINLOG MONITOR (MariaDB) or REPLICATION CLIENT (MySQL) for the binlog position',
    ],
  });
}

/** The error as the user and the record see it: a PitrError, no password anywhere, naming the record. */
function backupError(e: unknown, url: string, password: string | undefined, id: string): PitrError {
  const clean = (text: string): string => redactSecret(text.split(url).join(redactUrl(url)), password);
  const base = isPitrError(e)
    ? e
    : new PitrError(ERROR_CODES.INTERNAL, `backup failed: ${e instanceof Error ? e.message : String(e)}`, {
        hints: ['this is a bug in pitr; please report it'],
      });
  return new PitrError(base.code, clean(base.message), {
    cause: e,
    hints: [...base.hints.map(clean), `the attempt is recorded as backup ${id} (status failed); its partial dump was removed`],
  });
}
