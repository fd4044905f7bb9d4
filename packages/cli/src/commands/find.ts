/**
 * `pitr find SOURCE [--table DB.T] [--op …] [--grep TEXT] [--from T] [--until T]`: the transactions
 * that match, with the GTID and position to paste into `pitr plan gtid:… --exclusive`,
 * `--skip-gtid` or `pitr undo --gtid`. Also home of what find/history/undo share: SOURCE and range
 * arguments, times in the display zone.
 */
import {
  type DumpCoordinates,
  type DumpStatement,
  DumpCoordinatesCollector,
  DumpStatementSplitter,
  PitrError,
  type Target,
  dumpChunks,
  dumpCoordinates,
  machineTimeZone,
  openRepo,
  parseTarget,
  resolveTimeZone,
  wallClock,
} from '@pitr/core';
import { type FindOperation, type FoundTransaction, type GranularSource, type TableName, type TransactionRange, findTransactions } from '@pitr/granular-restore';
import { archiveTimelineDir, chooseRepoBackup, listBackups, listBinlogDir, replayFiles } from '@pitr/pitr-planner';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { OutputSink } from '../output-sink.js';
import { Progress } from '../progress.js';

/**
 * SOURCE of find/history/undo/restore-table: a dump or a repository backup, and the binlogs from its
 * position on. With `at` (restore-table), a repository gives its newest completed backup at or
 * before that target (fewer binlogs to read), and only the dump's header is read for its
 * coordinates (restore-table reads the whole dump once itself); without it, the oldest usable one
 * (find/history/undo look back as far as the binlogs go).
 */
export async function granularSource(ctx: Pick<CommandContext, 'values'>, command: string, at?: Target): Promise<GranularSource> {
  const v = ctx.values;
  const dump = typeof v.dump === 'string' ? v.dump : undefined;
  const repo = typeof v.repo === 'string' ? v.repo : undefined;
  // --repo alone: the binlogs come from its archive (pitr archive)
  const binlogDir = typeof v['binlog-dir'] === 'string' ? v['binlog-dir'] : repo !== undefined && typeof v.dump !== 'string' ? await archiveTimelineDir(repo) : undefined;
  if (repo !== undefined && dump !== undefined) throw new PitrError('USAGE', '--repo and --dump are two different sources: give one', { hints: ['--repo DIR uses a backup of the repository; --dump FILE a dump file'] });
  if (binlogDir === undefined) {
    throw new PitrError('USAGE', `--binlog-dir is missing: pitr ${command} reads the binlogs from the backup's position on`, {
      hints: ['the SOURCE is --dump FILE.sql[.gz] --binlog-dir DIR, or --repo DIR (its archived binlogs, or --binlog-dir DIR)'],
    });
  }
  let dumpPath: string;
  if (repo !== undefined) dumpPath = at === undefined ? await oldestUsableBackup(repo, binlogDir) : (await chooseRepoBackup({ repo, binlogDir }, at)).dump;
  else if (dump !== undefined) dumpPath = dump;
  else throw new PitrError('USAGE', '--dump or --repo is missing: the SOURCE is --dump FILE.sql[.gz] --binlog-dir DIR, or --repo DIR --binlog-dir DIR', { hints: ['the dump gives the column names and where the binlogs start'] });
  const coordinates: DumpCoordinates = at === undefined ? await dumpCoordinates(dumpPath) : await headCoordinates(dumpPath);
  if (coordinates.binlog === undefined) {
    throw new PitrError('PLAN', `the dump ${dumpPath} has no binlog file/position`, { hints: ['take the dump with --master-data=2 (mariadb-dump) or --source-data=2 (mysqldump)'] });
  }
  const binlogs = replayFiles(await listBinlogDir(binlogDir), coordinates.binlog.file, binlogDir);
  return { dump: dumpPath, binlogs, coordinates };
}

/**
 * The repository backup whose binlogs reach furthest back: the oldest completed one whose binlog
 * file is in the directory (find/history/undo read from its position on).
 */
async function oldestUsableBackup(repoDir: string, binlogDir: string): Promise<string> {
  const repo = await openRepo(repoDir);
  const names = new Set((await listBinlogDir(binlogDir)).map((f) => f.name));
  const backups = (await listBackups(repo, { status: ['completed'] })).filter((b) => b.coordinates !== undefined);
  const usable = backups.find((b) => names.has(b.coordinates!.file));
  if (usable === undefined) {
    throw new PitrError('PLAN', backups.length === 0 ? `the repository ${repoDir} has no completed backup with binlog coordinates` : `no backup of ${repoDir} starts in a binlog file of ${binlogDir}`, {
      hints: backups.length === 0 ? ['take one with pitr backup --source URL --repo DIR'] : [`the backups start at ${backups.map((b) => b.coordinates!.file).join(', ')}: copy those binlog files into ${binlogDir}`],
    });
  }
  return repo.layout.dumpFile(usable.id);
}

/**
 * The dump's coordinates from its header only: mariadb-dump and mysqldump write the binlog
 * position before the first table, so reading stops at the first CREATE TABLE or INSERT instead of
 * decompressing the whole dump (dumpCoordinates reads to the end for the trailer and the MariaDB
 * GTID comment, which restore-table does not need). A dump without coordinates in its header is
 * read whole, for the same result and errors as dumpCoordinates.
 */
async function headCoordinates(path: string): Promise<DumpCoordinates> {
  const collector = new DumpCoordinatesCollector();
  const splitter = new DumpStatementSplitter({ onComment: (text) => collector.comment(text) });
  let tables = false;
  const onStatement = (s: DumpStatement): void => {
    collector.statement(s);
    if (s.kind === 'create-table' || s.kind === 'insert') tables = true;
  };
  for await (const chunk of dumpChunks(path, 1 << 16)) {
    splitter.push(chunk, onStatement);
    if (tables) break;
  }
  const found = collector.result();
  return tables && found.binlog !== undefined ? found : dumpCoordinates(path);
}

/** --from/--until of find/history/undo (time targets in --tz). */
export function rangeArgs(ctx: Pick<CommandContext, 'values'>): { from: Target | undefined; until: Target | undefined } {
  const v = ctx.values;
  const tz = typeof v.tz === 'string' ? v.tz : undefined;
  const read = (name: 'from' | 'until'): Target | undefined => {
    const text = v[name];
    if (typeof text !== 'string') return undefined;
    try {
      return parseTarget(text, { tz });
    } catch (e) {
      if (e instanceof PitrError) throw new PitrError('USAGE', `--${name}: ${e.message}`, { hints: e.hints, cause: e });
      throw e;
    }
  };
  return { from: read('from'), until: read('until') };
}

/** `--table DB.T` (backquotes allowed: `` `my.db`.t ``). */
export function tableArg(text: string, option: string): TableName {
  const m = /^\s*(`(?:[^`]|``)+`|[^.`\s]+)\.(`(?:[^`]|``)+`|[^.`\s]+)\s*$/.exec(text);
  if (m === null) throw new PitrError('USAGE', `${option} must be DB.TABLE, not '${text}'`, { hints: ['e.g. shop.orders (quote names with dots in backquotes: `my.db`.orders)'] });
  const unquote = (s: string): string => (s.startsWith('`') ? s.slice(1, -1).replace(/``/g, '`') : s);
  return { db: unquote(m[1]!), table: unquote(m[2]!) };
}

/** A commit time on the wall clock of the display zone: 'YYYY-MM-DD HH:MM:SS[.ffffff]'. */
export function localTime(us: bigint, tz: string): string {
  const sec = Number(us / 1_000_000n);
  const w = wallClock(sec, tz);
  const p = (n: number, l = 2): string => String(n).padStart(l, '0');
  const frac = us % 1_000_000n;
  return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}:${p(w.second)}${frac === 0n ? '' : `.${frac.toString().padStart(6, '0')}`}`;
}

/** The zone times are shown in (--tz, else the machine's), as a name people recognise. */
export function displayZone(ctx: Pick<CommandContext, 'values'>): string {
  const tz = typeof ctx.values.tz === 'string' ? ctx.values.tz : undefined;
  return tz === undefined ? machineTimeZone() : resolveTimeZone(tz).name;
}

/** A progress line on a terminal while the binlogs are read. */
export function scanProgress(ctx: CommandContext, label: string): { progress: Progress; onProgress: (done: number, total: number) => void } {
  const progress = new Progress(ctx.io.stdout, ctx.io.stderr);
  return { progress, onProgress: (done, total) => progress.update(label, done, total, 0) };
}

/** Warnings go to stderr, once each. */
export function warner(ctx: CommandContext): (message: string) => void {
  const seen = new Set<string>();
  return (m) => {
    if (seen.has(m)) return;
    seen.add(m);
    ctx.io.stderr.write(`pitr: warning: ${m}\n`);
  };
}

const OPS: readonly FindOperation[] = ['insert', 'update', 'delete', 'ddl'];

export async function find(ctx: CommandContext): Promise<ExitCode> {
  const v = ctx.values;
  if (ctx.positionals.length > 0) throw new PitrError('USAGE', `unexpected argument '${ctx.positionals[0]}'`, { hints: ['pitr find takes only options: --dump/--repo, --binlog-dir, --table, --op, --grep, --from, --until'] });
  const op = typeof v.op === 'string' ? v.op.toLowerCase() : undefined;
  if (op !== undefined && !OPS.includes(op as FindOperation)) throw new PitrError('USAGE', `--op must be one of ${OPS.join(', ')}, not '${v.op}'`);
  const table = typeof v.table === 'string' ? tableArg(v.table, '--table') : undefined;
  const range: TransactionRange = rangeArgs(ctx);
  const source = await granularSource(ctx, 'find');
  const zone = displayZone(ctx);
  const json = v.json === true;
  const out = new OutputSink(ctx.io.stdout);
  const { progress, onProgress } = scanProgress(ctx, 'find: reading binlogs');
  const first: FoundTransaction[] = [];
  try {
    if (!json) await out.write(`Transactions${table === undefined ? '' : ` on ${table.db}.${table.table}`}${op === undefined ? '' : ` with ${op}`}${typeof v.grep === 'string' ? ` mentioning "${v.grep}"` : ''} (times in ${zone}):\n\n`);
    const result = await findTransactions(
      { source, range, table, op: op as FindOperation | undefined, grep: typeof v.grep === 'string' ? v.grep : undefined, onWarning: warner(ctx), onProgress },
      async (t) => {
        progress.clear();
        if (first.length < 1) first.push(t);
        await out.write(json ? `${JSON.stringify(foundJson(t))}\n` : renderFound(t, zone));
      },
    );
    progress.clear();
    if (!json) {
      await out.write(`${result.matched} transaction(s) matched, of ${result.scan.transactionsRead} read (${result.scan.start.file}:${result.scan.start.pos} … ${result.scan.end.file}:${result.scan.end.pos}).\n`);
      const g = first[0]?.gtid;
      if (g !== undefined && g !== null) {
        await out.write(`Restore to just before one: pitr restore gtid:${g} --exclusive …  Revert one: pitr undo --gtid ${g} … --sql-out undo.sql\n`);
      }
    }
  } finally {
    progress.clear();
    await out.close();
  }
  return EXIT.OK;
}

function foundJson(t: FoundTransaction): Record<string, unknown> {
  const { commitTimeUs: _, ...rest } = t;
  return rest;
}

function renderFound(t: FoundTransaction, zone: string): string {
  const lines: string[] = [];
  const rolled = t.outcome === 'rollback' ? '  (rolled back)' : '';
  lines.push(`${localTime(t.commitTimeUs, zone)}  ${t.gtid === null ? '(no GTID)' : `gtid:${t.gtid}`}  ${t.file}:${t.startPos}-${t.endPos}${rolled}`);
  for (const c of t.tables) {
    const parts = [c.insert > 0 ? `${c.insert} inserted` : '', c.update > 0 ? `${c.update} updated` : '', c.delete > 0 ? `${c.delete} deleted` : ''].filter((x) => x !== '');
    lines.push(`    ${c.db}.${c.table}: ${parts.join(', ')}`);
  }
  for (const s of [...t.statements, ...t.queries.map((q) => q.statement)].slice(0, 5)) lines.push(`    > ${oneLine(s)}`);
  const more = t.statements.length + t.queries.length - 5;
  if (more > 0) lines.push(`    > … ${more} more statement(s)`);
  return `${lines.join('\n')}\n\n`;
}

/** A statement on one line, shortened for a listing. */
export function oneLine(s: string, max = 300): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
