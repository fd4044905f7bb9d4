/**
 * The restore Plan: computed and validated before anything is written (DESIGN.md "Restore safety"),
 * reviewed by a person (`pitr plan`, text) or a tool (`--json`: the Plan object below, a stable
 * schema: fields are only ever added; `planVersion` changes if one changes meaning).
 *
 * Building a plan reads the backup's coordinates and every binlog from the backup's position to
 * the end of the archive (so it can say what the target loses, not only what it keeps); it writes
 * nothing. Validation failures are PitrError PLAN (exit 3): a missing or unreadable binlog, a gap,
 * a target before the backup or beyond the binlogs' end, a GTID target that is not there.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DumpCoordinates,
  DbRewrite,
  type ColumnValue,
  type RowImage,
  type RowsBody,
  SchemaHistory,
  schemaFromDump,
  ERROR_CODES,
  MariadbGtidPosition,
  PitrError,
  type Target,
  TargetMatcher,
  ddlSummary,
  describeTarget,
  type Transaction,
  TransactionTracker,
  dumpCoordinates,
  formatMariadbGtid,
  openRepo,
  readBinlogFile,
} from '@pitr/core';
import { listBackups } from '../catalog/catalog.js';
import { type BinlogFile, describeGap, listBinlogDir, replayFiles } from './binlog-files.js';

export const PLAN_VERSION = 1;

/**
 * Where the restore takes its backup and binlogs from: a dump file, or the newest suitable completed
 * backup of a repository. Binlogs come from a directory (the repository's own archive arrives with
 * `pitr archive`; until then a repository is combined with --binlog-dir).
 */
export type PlanSource =
  | { readonly kind: 'files'; readonly dump: string; readonly binlogDir: string }
  | {
      readonly kind: 'repo';
      readonly repo: string;
      /** Binlogs from this directory instead of the repository's archive (pitr archive). */
      readonly binlogDir?: string;
    };

export interface PlanTransaction {
  readonly gtid: string | null;
  readonly file: string;
  readonly startPos: number;
  readonly endPos: number;
  /** Commit time, UTC ISO 8601 (microseconds for MySQL). */
  readonly commitTime: string;
  readonly outcome: 'commit' | 'rollback';
  readonly rows: number;
  readonly tables: readonly string[];
  /** The statements behind its rows (ANNOTATE_ROWS / ROWS_QUERY) or its DDL, first few. */
  readonly statements: readonly string[];
}

export interface PlanTableCounts {
  readonly db: string;
  readonly table: string;
  readonly insert: number;
  readonly update: number;
  readonly delete: number;
}

export interface PlanDdl {
  readonly gtid: string | null;
  readonly file: string;
  readonly pos: number;
  readonly commitTime: string;
  readonly db: string;
  readonly statement: string;
}

export interface Plan {
  readonly planVersion: number;
  readonly createdAt: string;
  readonly target: {
    readonly text: string;
    readonly kind: Target['kind'];
    readonly exclusive: boolean;
    /** One line saying exactly what the target means (the resolved UTC instant for times). */
    readonly description: string;
    /** Time targets: the instant in UTC. */
    readonly utc?: string;
    readonly tz?: string;
  };
  readonly backup: {
    readonly source: 'dump' | 'repo';
    /** Repository backups: the backup id. */
    readonly id: string | null;
    readonly path: string;
    readonly size: number;
    readonly serverVersion: string | null;
    readonly flavor: 'mariadb' | 'mysql' | null;
    readonly databases: readonly string[];
    readonly binlogFile: string;
    readonly binlogPos: number;
    readonly gtid: string | null;
    /** Commit time of the last transaction the backup contains, when the binlogs show it. */
    readonly lastIncludedCommitTime: string | null;
  };
  readonly binlogs: readonly { readonly name: string; readonly path: string; readonly size: number; readonly compressed: boolean }[];
  readonly replay: {
    readonly start: { readonly file: string; readonly pos: number };
    /** Where the replay stops: the start of the first transaction not applied, or null to replay to the end. */
    readonly stop: { readonly file: string; readonly pos: number } | null;
    /**
     * Where the planner's reading of the binlogs ended (just past the last complete event). With
     * `stop` null the replay goes exactly this far: binlogs that grew since (a live server's current
     * file, an archive being followed) add nothing the reviewer did not see.
     */
    readonly end: { readonly file: string; readonly pos: number };
    readonly transactions: number;
    readonly rolledBack: number;
    readonly events: number;
    readonly rows: number;
    readonly tables: readonly PlanTableCounts[];
    readonly ddl: readonly PlanDdl[];
    /** The last few transactions applied (newest last) and the first few not applied. */
    readonly lastKept: readonly PlanTransaction[];
    readonly firstLost: readonly PlanTransaction[];
    /** `--skip-gtid`: transactions before the target that are left out. */
    readonly skipped: readonly PlanTransaction[];
    /** Everything after the stop point: what this target gives up. */
    readonly lost: { readonly transactions: number; readonly rows: number; readonly outOfOrder: number };
    /** GTID position of the target server after the restore (MariaDB gtid_slave_pos / MySQL gtid_purged). */
    readonly gtidAfter: string | null;
    /** The binlogs' last event time (UTC): a time target after it is beyond what the binlogs can prove. */
    readonly binlogsEndTime: string | null;
  };
  readonly warnings: readonly string[];
  readonly estimate: { readonly seconds: number; readonly basis: string };
  /**
   * `--rewrite-db FROM:TO`: only these databases are restored, each under its new name (absent
   * without the option). Part of the digest: a plan reviewed with a rewrite is not another plan's.
   */
  readonly rewriteDb?: readonly { readonly from: string; readonly to: string }[];
  /** SHA-256 of this plan without `createdAt` and `digest`: the restore records which plan it ran. */
  readonly digest: string;
}

export interface BuildPlanOptions {
  readonly target: Target;
  readonly source: PlanSource;
  /**
   * `--skip-gtid`: transactions (GTID text as the binlog prints it, e.g. '0-1-4711') left out of
   * the replay although they are before the target — the bad transaction, when what came after it
   * must stay. Every one must be found in the replay range.
   */
  readonly skipGtids?: readonly string[];
  /** `--rewrite-db`: FROM → TO; only these databases are restored, under their new names. */
  readonly rewriteDb?: ReadonlyMap<string, string>;
  /** Called while binlogs are read: bytes done of total. */
  readonly onProgress?: (done: number, total: number) => void;
}

const EDGE = 5;
const TEMPORARY_RE = /^\s*(?:create|drop)\s+temporary\b/i;

/** Builds and validates the plan (reads the dump's coordinates and the binlogs; writes nothing). */
export async function buildPlan(options: BuildPlanOptions): Promise<Plan> {
  const { target } = options;
  const binlogDir = options.source.kind === 'repo' ? (options.source.binlogDir ?? (await archiveTimelineDir(options.source.repo))) : options.source.binlogDir;
  const chosen = options.source.kind === 'repo' ? await chooseRepoBackup({ repo: options.source.repo, binlogDir }, target) : undefined;
  const source = { dump: chosen?.dump ?? (options.source as { dump: string }).dump, binlogDir };
  const coords = await dumpCoordinates(source.dump);
  if (coords.binlog === undefined) {
    throw new PitrError(ERROR_CODES.PLAN, `the dump ${source.dump} has a GTID position but no binlog file/position: pitr needs the position to start the replay`, {
      hints: ['take the dump with --master-data=2 (mariadb-dump) or --source-data=2 (mysqldump)'],
    });
  }
  if (coords.binlogIsUpstream) {
    throw new PitrError(ERROR_CODES.PLAN, `the dump ${source.dump} was taken with --dump-slave: its position is in the binlogs of its source server, not of the dumped server`, {
      hints: ['replay the source server\'s binlogs, or take the dump with --master-data=2 instead'],
    });
  }
  if (!coords.complete && coords.hasHeader) {
    throw new PitrError(ERROR_CODES.PLAN, `the dump ${source.dump} has no "-- Dump completed" trailer: it was cut short`, {
      hints: ['use a complete dump; a dump interrupted while being written restores only part of the data'],
    });
  }
  const all = await listBinlogDir(source.binlogDir);
  const files = replayFiles(all, coords.binlog.file, source.binlogDir);
  const warnings: string[] = [];
  const dumpSize = (await stat(source.dump)).size;

  const rewrite = options.rewriteDb;
  if (rewrite !== undefined) checkRewrite(rewrite, coords.databases, source.dump);
  const rewriter = rewrite === undefined ? undefined : new DbRewrite(rewrite, coords.databases);

  const gtidStart = coords.gtid !== undefined && coords.flavor !== 'mysql' ? safeGtidPosition(coords.gtid) : undefined;
  checkTargetNotBeforeBackup(target, coords, gtidStart);

  const lastIncluded = await lastTransactionBefore(files[0]!, coords.binlog.pos, all);
  if (target.kind === 'time' && lastIncluded !== undefined && (target.exclusive ? lastIncluded >= target.epochUs : lastIncluded > target.epochUs)) {
    // the backup already holds a transaction committed after the target: it cannot be taken back
    throw new PitrError(ERROR_CODES.PLAN, `target ${target.utc} is before the backup: ${source.dump} already contains a transaction committed at ${isoUs(lastIncluded)}`, {
      hints: [chosen === undefined ? 'use an older dump, taken before the target' : 'the repository has no completed backup taken before the target (pitr list shows the restorable windows)'],
    });
  }

  // Scan the replay range.
  const matcher = new TargetMatcher(target);
  const skip = new Set(options.skipGtids ?? []);
  // --skip-gtid: rows are kept (and decoded with the backup's definitions, to know primary keys) so
  // later transactions that touch the rows a skipped one changed can be named
  const overlap = skip.size > 0 ? new SkipOverlap() : undefined;
  const schema = overlap === undefined ? undefined : new SchemaHistory(await schemaFromDump(source.dump), { flavor: coords.flavor ?? 'mariadb' });
  const tracker = new TransactionTracker(overlap === undefined ? undefined : () => true, EDGE);
  const tables = new Map<string, PlanTableCounts & { insert: number; update: number; delete: number }>();
  const ddl: PlanDdl[] = [];
  const lastKept: PlanTransaction[] = [];
  const firstLost: PlanTransaction[] = [];
  const skipped: PlanTransaction[] = [];
  let kept = 0;
  let rolledBack = 0;
  let events = 0;
  let rows = 0;
  let lostTx = 0;
  let lostRows = 0;
  let gtidAfter = gtidStart;
  let nonTransactional = 0;
  let statementDml = 0;
  /** --rewrite-db: rows of the databases left out, by database. */
  const leftOutRows = new Map<string, number>();
  let temporary = 0;
  let maxTime = 0;
  const total = files.reduce((n, f) => n + f.size, 0);
  let doneBefore = 0;
  let stop: { file: string; pos: number } | null = null;
  let lastFileEnd: { file: string; pos: number } = { file: files[0]!.name, pos: coords.binlog.pos };

  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const reader = readBinlogFile(f.path, { ...(i === 0 ? { startPosition: coords.binlog.pos } : {}), ...(schema === undefined ? {} : { schema }) });
    try {
      for (let batch = await reader.nextBatch(); batch !== undefined; batch = await reader.nextBatch()) {
        for (const event of batch) {
          if (event.header.timestamp > maxTime && event.body.kind !== 'format_description') maxTime = event.header.timestamp;
          lastFileEnd = { file: event.file, pos: event.end };
          const t = tracker.push(event);
          if (t === undefined) continue;
          const d = matcher.decide({ commitTimeUs: t.commitTimeUs, gtid: t.gtid, file: t.file, startPos: t.startPos, endPos: t.endPos });
          if (d.verdict === 'kept' && t.gtidText !== undefined && skip.has(t.gtidText)) {
            skipped.push(planTransaction(t));
            overlap?.skip(t);
            continue;
          }
          if (d.verdict === 'kept') {
            overlap?.check(t);
            kept++;
            events += t.events;
            rows += t.rowCount;
            if (t.outcome === 'rollback') rolledBack++;
            if (t.nonTransactional) nonTransactional++;
            for (const c of t.tables.values()) {
              if (rewrite !== undefined && !rewrite.has(c.db)) {
                leftOutRows.set(c.db, (leftOutRows.get(c.db) ?? 0) + c.insert + c.update + c.delete);
                continue;
              }
              addCounts(tables, c);
            }
            for (const q of t.queries) {
              if (rewriter !== undefined) checkRewrittenStatement(rewriter, q, t);
              if (TEMPORARY_RE.test(q.query)) temporary++;
              if (ddlSummary(q.query).kind === 'not-ddl') {
                // DML logged as a statement (binlog_format STATEMENT/MIXED): replayed as the statement it is
                statementDml++;
                continue;
              }
              ddl.push({ gtid: t.gtidText ?? null, file: t.file, pos: t.startPos, commitTime: isoUs(t.commitTimeUs), db: q.db, statement: q.query });
            }
            lastKept.push(planTransaction(t));
            if (lastKept.length > EDGE) lastKept.shift();
            if (t.gtid?.flavor === 'mariadb') gtidAfter = (gtidAfter ?? MariadbGtidPosition.EMPTY).advance(t.gtid);
          } else {
            stop ??= { file: t.file, pos: t.startPos };
            lostTx++;
            lostRows += t.rowCount;
            if (firstLost.length < EDGE) firstLost.push(planTransaction(t));
          }
        }
        if (options.onProgress !== undefined) options.onProgress(doneBefore + Math.min(f.size, lastFileEnd.pos), total);
      }
    } finally {
      await reader.return(); // a validation error thrown mid-file releases the file handle too
    }
    doneBefore += f.size;
  }
  const open = tracker.open;
  if (open !== undefined) {
    warnings.push(
      `the binlogs end inside a transaction (${open.gtidText ?? 'no GTID'} at ${open.file}:${open.startPos}): it is not complete in these files and is not applied`,
    );
    stop ??= { file: open.file, pos: open.startPos };
  }

  // Where the target lies relative to what the binlogs hold.
  const endTimeSec = maxTime;
  // A gap recorded in the archive ends the replay (replayFiles stops there): a target it does not reach lies in the gap or after it.
  const gap = files[files.length - 1]!.gapAfter;
  if (gap !== undefined) {
    const beyond =
      target.kind === 'time'
        ? matcher.state === 'open' && target.epochUs > BigInt(endTimeSec) * 1_000_000n + 999_999n
        : target.kind === 'position'
          ? matcher.state === 'open' && !(target.file === lastFileEnd.file && target.position === lastFileEnd.pos)
          : target.kind !== 'latest' && matcher.state === 'open';
    if (beyond) {
      throw new PitrError(ERROR_CODES.PLAN, `target ${target.text} is not restorable from backup ${chosen?.id ?? source.dump}: the archive has a gap ${describeGap(gap)}, and a replay cannot cross it`, {
        hints: ['choose a target before the gap, or a later one that a backup taken after the gap reaches (pitr list shows the restorable windows)'],
      });
    }
    if (target.kind === 'latest') {
      warnings.push(`"latest" reaches only ${gap.from.file}:${gap.from.pos}, where a gap in the archive begins (${describeGap(gap)}); a backup taken after the gap restores later points`);
    }
  }
  switch (target.kind) {
    case 'gtid':
      if (matcher.state === 'passed') {
        const s = matcher.stopAt!;
        throw new PitrError(ERROR_CODES.PLAN, `GTID target ${target.text} is not in the binlogs where it should be: ${s.file}:${s.startPos} already holds a later transaction of the same numbering`, {
          hints: ['check the GTID (pitr binlog decode --json … | grep gtid); a server id or domain may differ'],
        });
      }
      if (matcher.state === 'open') {
        throw new PitrError(ERROR_CODES.PLAN, `GTID target ${target.text} is not in the binlogs after the backup (${coords.binlog.file}:${coords.binlog.pos} … ${lastFileEnd.file}:${lastFileEnd.pos})`, {
          hints: ['the transaction may be newer than the newest binlog file here, or in another server\'s binlogs'],
        });
      }
      break;
    case 'time':
      if (matcher.state === 'open' && target.epochUs > BigInt(endTimeSec) * 1_000_000n + 999_999n) {
        throw new PitrError(
          ERROR_CODES.PLAN,
          `target ${target.utc} is after the end of the binlogs (their last event is at ${isoUs(BigInt(endTimeSec) * 1_000_000n)}): transactions after that are not in these files, so the state at the target cannot be proven`,
          { hints: ['use "latest" to restore everything the binlogs hold, or copy the newer binlog files into --binlog-dir'] },
        );
      }
      break;
    case 'position': {
      if (matcher.state === 'open' && !(target.file === lastFileEnd.file && target.position === lastFileEnd.pos)) {
        const inRange = files.some((f) => f.name === target.file);
        throw new PitrError(
          ERROR_CODES.PLAN,
          inRange
            ? `position ${target.file}:${target.position} is beyond the end of the binlogs (they end at ${lastFileEnd.file}:${lastFileEnd.pos})`
            : `position target file ${target.file} is not among the binlogs replayed (${files[0]!.name} … ${files[files.length - 1]!.name})`,
          { hints: ['give a position inside the replayed binlogs (pitr binlog decode shows event positions)'] },
        );
      }
      break;
    }
    default:
      break;
  }
  const missing = [...skip].filter((g) => !skipped.some((t) => t.gtid === g));
  if (missing.length > 0) {
    throw new PitrError(ERROR_CODES.PLAN, `--skip-gtid ${missing.join(', ')}: not among the transactions this restore replays (${coords.binlog.file}:${coords.binlog.pos} up to the target)`, {
      hints: ['the plan lists the transactions around the target; pitr binlog decode --json shows every GTID'],
    });
  }
  if (overlap !== undefined && overlap.conflicts.length > 0) {
    const shown = overlap.conflicts.slice(0, EDGE).map((c) => `${c.gtid} (${c.tables.join(', ')}; changed by ${c.skipped.join(', ')})`);
    warnings.push(
      `${overlap.conflicts.length} later transaction(s) change rows that a left-out transaction changed: ${shown.join('; ')}${overlap.conflicts.length > EDGE ? '; …' : ''}. ` +
        'Their before images assume the left-out change: the restore stops with a divergence error on them, or (an insert of a row the left-out transaction deleted) builds a state the source never had',
    );
  }
  if (skipped.length > 0) {
    warnings.push(
      `${skipped.length} transaction(s) before the target are left out (--skip-gtid ${skipped.map((t) => t.gtid).join(', ')}): the result is a state the source never had; a later transaction that depends on them stops the restore with a divergence error`,
    );
  }
  if (matcher.outOfOrderCount > 0) {
    warnings.push(`${matcher.outOfOrderCount} transaction(s) after the stop point would match the target on their own (commit times went backwards or GTIDs were committed out of order); a replay is a prefix of the binlog, so they are not applied`);
  }
  if (statementDml > 0) {
    warnings.push(
      `${statementDml} statement(s) in the range are DML logged as statements, not rows (binlog_format STATEMENT or MIXED): they are run again on the target, where a non-deterministic statement may not give the source's result; use binlog_format=ROW`,
    );
  }
  if (temporary > 0) {
    warnings.push(`${temporary} statement(s) create or drop TEMPORARY tables (statement-logged): statements that read them are replayed on the restore's single session`);
  }
  if (nonTransactional > 0) {
    warnings.push(`${nonTransactional} replayed transaction(s) changed non-transactional tables (Aria/MyISAM): they are applied as logged, but a failure part-way cannot be rolled back for those tables`);
  }
  if (rewrite !== undefined) {
    const restored = [...rewrite].map(([f, t]) => `${f} as ${t}`).join(', ');
    const others = coords.databases.filter((d) => !rewrite.has(d));
    warnings.push(
      `--rewrite-db: only ${restored} ${rewrite.size === 1 ? 'is' : 'are'} restored${others.length > 0 ? ` (not ${others.join(', ')})` : ''}; the target's GTID position is not set (a partial restore is not a replica's starting point)` +
        (leftOutRows.size > 0 ? `; ${[...leftOutRows.values()].reduce((a, b) => a + b, 0)} row change(s) in other databases (${[...leftOutRows.keys()].join(', ')}) are not replayed, also where a transaction spans databases` : ''),
    );
  }
  if (target.kind === 'time' && kept === 0 && lastIncluded === undefined) {
    warnings.push('no transaction is replayed and the binlogs do not show when the backup was taken: check that the target is not before the backup');
  }

  const start = { file: files[0]!.name, pos: coords.binlog.pos };
  const usedFiles = stop === null ? files : files.filter((f) => f.seq <= files.find((x) => x.name === stop!.file)!.seq);
  const body = {
    planVersion: PLAN_VERSION,
    target: targetInfo(target),
    backup: {
      source: chosen === undefined ? ('dump' as const) : ('repo' as const),
      id: chosen?.id ?? null,
      path: source.dump,
      size: dumpSize,
      serverVersion: coords.serverVersion ?? null,
      flavor: coords.flavor ?? null,
      databases: coords.databases,
      binlogFile: coords.binlog.file,
      binlogPos: coords.binlog.pos,
      gtid: coords.gtid ?? null,
      lastIncludedCommitTime: lastIncluded === undefined ? null : isoUs(lastIncluded),
    },
    binlogs: usedFiles.map((f) => ({ name: f.name, path: f.path, size: f.size, compressed: f.compressed })),
    replay: {
      start,
      stop,
      end: lastFileEnd,
      transactions: kept,
      rolledBack,
      events,
      rows,
      tables: [...tables.values()].sort((a, b) => (a.db === b.db ? (a.table < b.table ? -1 : 1) : a.db < b.db ? -1 : 1)),
      ddl,
      lastKept,
      firstLost,
      skipped,
      lost: { transactions: lostTx, rows: lostRows, outOfOrder: matcher.outOfOrderCount },
      gtidAfter: gtidAfter === undefined ? (coords.gtid ?? null) : gtidAfter.gtids.map(formatMariadbGtid).join(','),
      binlogsEndTime: endTimeSec === 0 ? null : isoUs(BigInt(endTimeSec) * 1_000_000n),
    },
    warnings,
    estimate: estimate(source.dump.endsWith('.gz') ? dumpSize * 4 : dumpSize, kept, rows),
    ...(rewrite === undefined ? {} : { rewriteDb: [...rewrite].map(([from, to]) => ({ from, to })) }),
  };
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  return { ...body, createdAt: new Date().toISOString(), digest };
}

/**
 * The repository's binlog archive (pitr archive): the timeline directory under binlogs/. With
 * several timelines (a failover, a rebuilt server) the newest one (highest number) is used; name
 * another with --binlog-dir <repo>/binlogs/<timeline>.
 */
export async function archiveTimelineDir(repoDir: string): Promise<string> {
  const repo = await openRepo(repoDir);
  let names: string[] = [];
  try {
    names = (await readdir(repo.layout.binlogsDir, { withFileTypes: true })).filter((d) => d.isDirectory() && /^\d{4}-/.test(d.name)).map((d) => d.name);
  } catch {
    names = [];
  }
  if (names.length === 0) {
    throw new PitrError(ERROR_CODES.PLAN, `the repository ${repoDir} has no archived binlogs`, {
      hints: ['archive them with pitr archive --source URL --repo DIR (or give a directory of binlog files with --binlog-dir)'],
    });
  }
  names.sort();
  return join(repo.layout.binlogsDir, names[names.length - 1]!);
}

/**
 * The newest completed backup of the repository whose snapshot lies at or before the target in
 * binlog order: its coordinates at or before a position target, its GTID position not past a GTID
 * target, and for time targets the last transaction it contains committed at or before the target
 * (read from the binlogs; the backup's start time only when they do not show it).
 */
export async function chooseRepoBackup(source: { repo: string; binlogDir: string }, target: Target): Promise<{ id: string; dump: string }> {
  const repo = await openRepo(source.repo);
  const all = (await listBackups(repo, { status: ['completed'] })).filter((b) => b.coordinates !== undefined);
  if (all.length === 0) {
    throw new PitrError(ERROR_CODES.PLAN, `the repository ${source.repo} has no completed backup with binlog coordinates`, { hints: ['take one with pitr backup --source URL --repo DIR'] });
  }
  const binlogs = await listBinlogDir(source.binlogDir);
  const rejected: string[] = [];
  for (const b of [...all].reverse()) {
    const c = b.coordinates!;
    let ok = true;
    if (target.kind === 'position') {
      const cmp = compareNames(target.file, c.file);
      ok = cmp > 0 || (cmp === 0 && target.position >= c.pos);
    } else if (target.kind === 'gtid' && target.flavor === 'mariadb' && c.gtid !== undefined) {
      const have = safeGtidPosition(c.gtid)?.get(target.gtid.domainId);
      ok = have === undefined || have.seqNo < target.gtid.seqNo || (have.seqNo === target.gtid.seqNo && !target.exclusive);
    } else if (target.kind === 'time') {
      const first = binlogs.find((f) => f.name === c.file);
      const last = first === undefined ? undefined : await lastTransactionBefore(first, c.pos, binlogs);
      const limitUs = last ?? BigInt(Date.parse(b.startedAt)) * 1000n;
      ok = target.exclusive ? limitUs < target.epochUs : limitUs <= target.epochUs;
    }
    if (ok) return { id: b.id, dump: repo.layout.dumpFile(b.id) };
    rejected.push(`${b.id} (${c.file}:${c.pos})`);
  }
  throw new PitrError(ERROR_CODES.PLAN, `target ${target.text} is before the oldest backup in ${source.repo}: every backup already contains later transactions (${rejected.join(', ')})`, {
    hints: ['a restore can only roll a backup forward; choose a later target, or restore from an older dump with --dump'],
  });
}

function safeGtidPosition(text: string): MariadbGtidPosition | undefined {
  try {
    return MariadbGtidPosition.parse(text);
  } catch {
    return undefined;
  }
}

/** A GTID or position target at or before the backup cannot be reached by replaying forward. */
function checkTargetNotBeforeBackup(target: Target, coords: DumpCoordinates, gtidStart: MariadbGtidPosition | undefined): void {
  const b = coords.binlog!;
  if (target.kind === 'gtid' && target.flavor === 'mariadb' && gtidStart !== undefined) {
    const have = gtidStart.get(target.gtid.domainId);
    if (have !== undefined && have.seqNo >= target.gtid.seqNo) {
      const exact = have.seqNo === target.gtid.seqNo && have.serverId === target.gtid.serverId && !target.exclusive;
      if (!exact) {
        throw new PitrError(ERROR_CODES.PLAN, `GTID target ${target.text} is before the backup (the backup already contains ${formatMariadbGtid(have)} of domain ${have.domainId})`, {
          hints: ['use an older backup (a dump taken before that transaction)'],
        });
      }
    }
  }
  if (target.kind === 'position') {
    const cmp = compareNames(target.file, b.file);
    if (cmp < 0 || (cmp === 0 && target.position < b.pos)) {
      throw new PitrError(ERROR_CODES.PLAN, `position target ${target.file}:${target.position} is before the backup's position ${b.file}:${b.pos}`, {
        hints: ['use an older backup (a dump taken before that position)'],
      });
    }
  }
}

function compareNames(a: string, b: string): number {
  const na = Number(/\.(\d+)$/.exec(a)?.[1] ?? NaN);
  const nb = Number(/\.(\d+)$/.exec(b)?.[1] ?? NaN);
  return na - nb;
}

/**
 * Commit time of the last transaction before the backup's position (the backup contains it), from
 * the start file's beginning, else the previous file. Undefined when neither shows one.
 */
async function lastTransactionBefore(first: BinlogFile, pos: number, all: readonly BinlogFile[]): Promise<bigint | undefined> {
  const scan = async (f: BinlogFile, stopPosition: number | undefined): Promise<bigint | undefined> => {
    const tracker = new TransactionTracker();
    let last: bigint | undefined;
    const reader = readBinlogFile(f.path, stopPosition === undefined ? { decodeRows: false } : { stopPosition, decodeRows: false });
    for (let batch = await reader.nextBatch(); batch !== undefined; batch = await reader.nextBatch()) {
      for (const e of batch) {
        const t = tracker.push(e);
        if (t !== undefined) last = t.commitTimeUs;
      }
    }
    return last;
  };
  const inFile = pos > 4 ? await scan(first, pos) : undefined;
  if (inFile !== undefined) return inFile;
  const prev = all.find((f) => f.base === first.base && f.seq === first.seq - 1);
  return prev === undefined ? undefined : scan(prev, undefined);
}

function addCounts(into: Map<string, { db: string; table: string; insert: number; update: number; delete: number }>, c: { db: string; table: string; insert: number; update: number; delete: number }): void {
  const key = `${c.db}.${c.table}`;
  const t = into.get(key);
  if (t === undefined) into.set(key, { db: c.db, table: c.table, insert: c.insert, update: c.update, delete: c.delete });
  else {
    t.insert += c.insert;
    t.update += c.update;
    t.delete += c.delete;
  }
}

function planTransaction(t: Transaction): PlanTransaction {
  const statements = [...t.statements, ...t.queries.map((q) => q.query)].slice(0, EDGE).map((s) => (s.length > 300 ? `${s.slice(0, 300)}…` : s));
  return {
    gtid: t.gtidText ?? null,
    file: t.file,
    startPos: t.startPos,
    endPos: t.endPos,
    commitTime: isoUs(t.commitTimeUs),
    outcome: t.outcome,
    rows: t.rowCount,
    tables: [...t.tables.keys()],
    statements,
  };
}

/** Microseconds since the epoch → ISO 8601 UTC, with a fraction only when there is one. */
export function isoUs(us: bigint): string {
  const ms = Number(us / 1000n);
  const frac = us % 1_000_000n;
  const base = new Date(ms).toISOString().slice(0, 19);
  return frac === 0n ? `${base}Z` : `${base}.${frac.toString().padStart(6, '0')}Z`;
}

function targetInfo(target: Target): Plan['target'] {
  const base = { text: target.text, kind: target.kind, exclusive: target.exclusive, description: describeTarget(target) };
  return target.kind === 'time' ? { ...base, utc: target.utc, tz: target.tz } : base;
}

/**
 * Rough restore time from rates measured on a 2-core VM (sysbench-style workload, 20,000
 * transactions of 4 row changes: ~2,400 transactions/s ≈ 10,000 row changes/s replayed; dumps load
 * at ~15 MB/s of SQL). Real servers are usually faster; the estimate errs long.
 */
function estimate(dumpBytes: number, transactions: number, rows: number): { seconds: number; basis: string } {
  const seconds = Math.ceil(dumpBytes / 15e6 + Math.max(transactions / 2400, rows / 10_000));
  return { seconds, basis: 'dump SQL at ~15 MB/s (a .gz counted as 4× its size), replay at ~2,400 transactions/s or ~10,000 row changes/s, whichever is slower (measured on a 2-core VM)' };
}


/** --rewrite-db: every FROM is a database of the backup, no TO is one (it would be two databases at once). */
function checkRewrite(rewrite: ReadonlyMap<string, string>, databases: readonly string[], dump: string): void {
  for (const [from, to] of rewrite) {
    if (!databases.includes(from)) {
      throw new PitrError(ERROR_CODES.PLAN, `--rewrite-db ${from}:${to}: the backup ${dump} has no database ${from} (it has ${databases.length === 0 ? 'no database named in it' : databases.join(', ')})`, {
        hints: ['FROM is the database as the backup names it; TO the new name on the target'],
      });
    }
    if (databases.includes(to)) {
      throw new PitrError(ERROR_CODES.PLAN, `--rewrite-db ${from}:${to}: ${to} is itself a database of the backup, so statements naming it could not be told apart`, {
        hints: ['choose a new name that the backup does not use, e.g. ' + `${from}_restored`],
      });
    }
  }
}

/**
 * --rewrite-db: a statement in the range that the applier would refuse (it names a renamed database
 * together with another database of the backup, or runs in a database that is not restored) fails
 * the plan, before anything is written.
 */
function checkRewrittenStatement(rewriter: DbRewrite, q: { readonly query: string; readonly db: string }, t: Transaction): void {
  const r = rewriter.statement(Buffer.from(q.query, 'utf8'));
  const mapped = rewriter.db(q.db) !== undefined;
  if (!mapped && !r.touched) return;
  const problem =
    r.foreign.length > 0
      ? `it also names ${r.foreign.join(', ')}, which is not restored`
      : !mapped && q.db !== '' && !/^\s*(?:create|drop|alter)\s+(?:database|schema)\b/i.test(q.query)
        ? `it runs in database ${q.db}, which is not restored, and names a renamed one`
        : undefined;
  if (problem === undefined) return;
  throw new PitrError(ERROR_CODES.PLAN, `--rewrite-db cannot replay the statement of transaction ${t.gtidText ?? '(no GTID)'} at ${t.file}:${t.startPos}: ${problem}`, {
    hints: [`statement: ${q.query.replace(/\s+/g, ' ').slice(0, 300)}`, 'rename that database too (--rewrite-db a:a2,b:b2), or restore the whole backup onto a spare server'],
  });
}

/**
 * --skip-gtid: which later transactions touch rows the left-out ones changed (a row = its table and
 * primary key, or its whole image without one).
 */
class SkipOverlap {
  private readonly changed = new Map<string, string>();
  readonly conflicts: { gtid: string; tables: string[]; skipped: string[] }[] = [];

  skip(t: Transaction): void {
    for (const body of t.rowEvents) {
      for (const r of body.rows) {
        if (r.before !== undefined) this.changed.set(rowKey(body, r.before), t.gtidText ?? `${t.file}:${t.startPos}`);
        if (r.after !== undefined) this.changed.set(rowKey(body, r.after), t.gtidText ?? `${t.file}:${t.startPos}`);
      }
    }
  }

  check(t: Transaction): void {
    if (this.changed.size === 0) return;
    const tables = new Set<string>();
    const by = new Set<string>();
    for (const body of t.rowEvents) {
      for (const r of body.rows) {
        for (const img of [r.before, r.after]) {
          if (img === undefined) continue;
          const g = this.changed.get(rowKey(body, img));
          if (g === undefined) continue;
          tables.add(`${body.table.db}.${body.table.table}`);
          by.add(g);
        }
      }
    }
    if (tables.size > 0) this.conflicts.push({ gtid: t.gtidText ?? `${t.file}:${t.startPos}`, tables: [...tables], skipped: [...by] });
  }
}

function rowKey(body: RowsBody, image: RowImage): string {
  const cols = body.table.columns;
  const key = cols.some((c) => c.primaryKey) ? cols.filter((c) => c.primaryKey) : cols;
  let s = `${body.table.db}.${body.table.table}`;
  for (const c of key) s += `|${valueKey(image[c.index])}`;
  return s;
}

function valueKey(v: ColumnValue | undefined): string {
  if (v === undefined) return '?';
  if (v === null) return 'NULL';
  if (v instanceof Uint8Array) return `x${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'object') return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return `${typeof v}:${String(v)}`;
}
