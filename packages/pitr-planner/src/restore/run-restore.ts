/**
 * Runs a Plan onto a target server: loads the backup's dump, replays the binlogs from the backup's
 * position to the plan's stop point with core's BinlogApplier, creates the triggers of the
 * target moment, and sets the server's GTID position to the last applied transaction.
 *
 * Safety (DESIGN.md "Restore safety"): before the first write the target is checked — the
 * databases the dump restores must be absent or empty (unless `force`), and the event scheduler
 * must be off (a scheduled event firing mid-replay would write rows the source never logged there).
 * The plan is rebuilt-validated by the caller; nothing here guesses.
 *
 * Dump loading: every statement runs as the dump's bytes, in the dump's own session settings,
 * except those that would reconfigure the target as a replica (CHANGE MASTER, SET GLOBAL
 * gtid_slave_pos / GTID_PURGED: the GTID position is set at the end from the replay instead),
 * and CREATE TRIGGER, which is deferred with its session (deferred-triggers.ts).
 */
import {
  type AppliedGroup,
  type ApplyConnection,
  type BinlogEvent,
  BinlogApplier,
  DbRewrite,
  GroupReplayFailed,
  DeferredTriggers,
  ERROR_CODES,
  MariadbGtidPosition,
  PitrError,
  SchemaHistory,
  dumpStatements,
  formatMariadbGtid,
  openApplyConnection,
  parseMariadbGtid,
  readBinlogFile,
  schemaFromDump,
  serverErrorOf,
} from '@pitr/core';
import { takeBackup } from '../backup/take-backup.js';
import type { Plan } from '../plan/plan.js';

export interface RestoreProgress {
  readonly phase: 'check' | 'load' | 'replay' | 'triggers' | 'gtid' | 'done';
  /** load: dump bytes read; replay: binlog bytes read. */
  readonly done: number;
  readonly total: number;
  readonly transactions: number;
}

export interface RunRestoreOptions {
  readonly plan: Plan;
  /** Target server URL (mysql://user[:pass]@host:port/). */
  readonly to: string;
  /**
   * Restore although the databases the dump restores exist on the target and hold tables: they are
   * backed up first (`preRestoreBackupRepo`, trigger `pre_restore`), then dropped, so the restore
   * starts from nothing as it would on an empty server.
   */
  readonly force?: boolean;
  /** Where `force` takes its pre-restore backup; undefined with force = no backup (the caller said so loudly). */
  readonly preRestoreBackupRepo?: string;
  /**
   * The target already holds the restored dump (e.g. loaded by hand, or a restore whose replay
   * failed): do not load it, replay from the backup's coordinates. Triggers present on the target
   * are taken down for the replay and recreated after it (they must not fire on replayed rows).
   */
  readonly skipFull?: boolean;
  /**
   * Continue an interrupted restore of the same backup onto the same target from its last
   * committed transaction (the watermark in pitr_restore.progress on the target).
   */
  readonly resume?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly onProgress?: (p: RestoreProgress) => void;
  readonly onWarning?: (message: string) => void;
}

export interface RestoreResult {
  readonly statementsLoaded: number;
  readonly transactionsApplied: number;
  readonly transactionsRolledBack: number;
  readonly rowsApplied: number;
  readonly triggersCreated: number;
  /** The GTID position set on the target (null when none could be set). */
  readonly gtidPosition: string | null;
  readonly writesToTargetBinlog: boolean;
  readonly durationMs: number;
  readonly loadMs: number;
  readonly replayMs: number;
  /** `force`: the id of the pre-restore backup of the databases that were overwritten. */
  readonly preRestoreBackupId: string | null;
  /** `force`: the databases that held tables and were dropped before the load. */
  readonly droppedDatabases: readonly string[];
}

/**
 * Group commit: up to 500 source transactions per target commit, row statements sent 1 MiB at a
 * time. Measured with bench:replay (see docs/STATUS.md).
 */
const BATCH = { maxTransactions: 500, maxBytes: 1 << 20 } as const;

const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

export async function runRestore(options: RunRestoreOptions): Promise<RestoreResult> {
  const { plan } = options;
  const t0 = performance.now();
  const warn = options.onWarning ?? ((): void => undefined);
  const progress = options.onProgress ?? ((): void => undefined);
  const rewrite = plan.rewriteDb === undefined ? undefined : new DbRewrite(new Map(plan.rewriteDb.map((x) => [x.from, x.to])), plan.backup.databases);
  const conn = await openApplyConnection(options.to, options.env);
  try {
    progress({ phase: 'check', done: 0, total: 0, transactions: 0 });
    const skipFull = options.skipFull === true;
    const resume = options.resume === true;
    const { writesToTargetBinlog, busy } = await checkTarget(conn, plan, options.force === true || skipFull || resume, rewrite);
    const mark = resume ? await readWatermark(conn, plan) : undefined;

    // 0. --force: back up what is about to be overwritten, then start from nothing
    let preRestoreBackupId: string | null = null;
    const droppedDatabases: string[] = [];
    if (!skipFull && !resume && busy.length > 0) {
      if (options.preRestoreBackupRepo !== undefined) {
        if (!writesToTargetBinlog) {
          throw new PitrError(ERROR_CODES.TARGET, `--force would replace ${busy.join(', ')} on a target without a binary log: its pre-restore backup could not carry the coordinates every pitr backup has, so it is not taken and nothing was written`, {
            hints: ['enable log_bin on the target, or drop those databases yourself (or pass --no-pre-restore-backup) if their content is not needed'],
          });
        }
        const b = await takeBackup({ source: options.to, repo: options.preRestoreBackupRepo, databases: busy, trigger: 'pre_restore', ...(options.env === undefined ? {} : { env: options.env }), onWarning: warn });
        preRestoreBackupId = b.record.id;
        warn(`pre-restore backup ${b.record.id} of ${busy.join(', ')} taken in ${b.repoDir} (restore it with pitr restore latest --repo … if this restore was a mistake)`);
      }
      for (const db of busy) {
        await run(conn, `DROP DATABASE ${quoteIdent(db)}`, `dropping ${db} before the restore`);
        droppedDatabases.push(db);
      }
    }

    // 1. the dump (or, with --skip-full, the triggers it created, taken down for the replay)
    const triggers = new DeferredTriggers();
    const tLoad = performance.now();
    // --resume: the dump is loaded; its triggers (deferred, not yet created) are collected again
    const statementsLoaded = skipFull ? 0 : await loadDump(conn, plan, triggers, progress, resume, rewrite);
    if (skipFull) await takeDownTriggers(conn, restoredDatabases(plan, rewrite), triggers);
    await run(conn, WATERMARK_DDL[0]!, 'creating the resume watermark');
    await run(conn, WATERMARK_DDL[1]!, 'creating the resume watermark');
    const loadMs = performance.now() - tLoad;

    // 2. the binlogs, up to the stop point
    const tReplay = performance.now();
    const dumpSchema = await schemaFromDump(plan.backup.path);
    const newHistory = (): SchemaHistory => new SchemaHistory(dumpSchema, { flavor: plan.backup.flavor ?? 'mariadb' });
    let transactions = mark?.transactions ?? 0;
    let rolledBack = 0;
    let rowsApplied = mark?.rows ?? 0;
    let gtid = mark !== undefined ? (mark.gtid === '' ? undefined : MariadbGtidPosition.parse(mark.gtid)) : plan.backup.gtid !== null && plan.backup.flavor !== 'mysql' ? MariadbGtidPosition.parse(plan.backup.gtid) : undefined;
    const watermark = (groups: readonly AppliedGroup[]): string => {
      let g = gtid;
      let rows = rowsApplied;
      for (const x of groups) {
        rows += x.rows;
        if (x.gtid !== undefined && /^\d+-\d+-\d+$/.test(x.gtid)) g = (g ?? MariadbGtidPosition.EMPTY).advance(parseMariadbGtid(x.gtid));
      }
      const last = groups[groups.length - 1]!;
      const gtidText = g === undefined ? '' : g.gtids.map(formatMariadbGtid).join(',');
      return `INSERT INTO pitr_restore.progress (id, backup, backup_file, backup_pos, file, pos, gtid_position, transactions, rows_applied) VALUES (1, ${quoteString(plan.backup.path)}, ${quoteString(plan.backup.binlogFile)}, ${plan.backup.binlogPos}, ${quoteString(last.file)}, ${last.endPos}, ${quoteString(gtidText)}, ${transactions + groups.length}, ${rows}) ON DUPLICATE KEY UPDATE file = VALUES(file), pos = VALUES(pos), gtid_position = VALUES(gtid_position), transactions = VALUES(transactions), rows_applied = VALUES(rows_applied)`;
    };
    const onGroup = (g: AppliedGroup): void => {
      transactions++;
      rowsApplied += g.rows;
      if (g.outcome === 'rollback') rolledBack++;
      if (g.gtid !== undefined && /^\d+-\d+-\d+$/.test(g.gtid)) gtid = (gtid ?? MariadbGtidPosition.EMPTY).advance(parseMariadbGtid(g.gtid));
    };
    const total = plan.binlogs.reduce((n, f) => n + f.size, 0);
    // a plan to the end of the binlogs replays what it read, not what was written after it
    const stop = plan.replay.stop ?? plan.replay.end;
    const warnOnce = new Set<string>();
    const onWarning = (m: string, where: { file: string; pos: number }): void => {
      if (warnOnce.has(m)) return;
      warnOnce.add(m);
      warn(`${where.file}:${where.pos}: ${m}`);
    };
    /** Reads [from, stop) feeding each event to `each`; `schema` follows the DDL read. */
    const readRange = async (from: { index: number; pos: number }, schema: SchemaHistory, decodeRows: boolean, each: (e: BinlogEvent) => Promise<void>, until?: { file: string; pos: number }): Promise<void> => {
      const end = until ?? stop;
      let doneBefore = plan.binlogs.slice(0, from.index).reduce((n, f) => n + f.size, 0);
      for (let i = from.index; i < plan.binlogs.length; i++) {
        const f = plan.binlogs[i]!;
        const reader = readBinlogFile(f.path, {
          schema,
          onWarning,
          decodeRows,
          ...(i === from.index ? { startPosition: from.pos } : {}),
          ...(end !== null && end.file === f.name ? { stopPosition: end.pos } : {}),
        });
        for (let batch = await reader.nextBatch(); batch !== undefined; batch = await reader.nextBatch()) {
          for (const event of batch) await each(event);
          if (decodeRows) progress({ phase: 'replay', done: doneBefore + batch[batch.length - 1]!.end, total, transactions });
        }
        doneBefore += f.size;
        if (end !== null && end.file === f.name) break;
      }
    };
    // Merged commits first; a merged group that fails is replayed again transaction by transaction
    // (with the schema history rebuilt up to its start), so the error names the exact transaction
    // and every transaction before it is committed.
    const relaxFloatTables = new Set<string>();
    const skipGtids = new Set(plan.replay.skipped.map((t) => t.gtid!));
    let from = { index: 0, pos: plan.replay.start.pos };
    let history = newHistory();
    if (mark !== undefined) {
      // rebuild what the replay remembers (schema history, triggers) up to the watermark, then go on from it
      const index = plan.binlogs.findIndex((f) => f.name === mark.file);
      const tracker = new BinlogApplier({ conn, triggers, trackOnly: true, skipGtids, ...(rewrite === undefined ? {} : { rewriteDb: rewrite }) });
      await readRange({ index: 0, pos: plan.replay.start.pos }, history, false, (e) => tracker.apply(e), { file: mark.file, pos: mark.pos });
      from = { index, pos: mark.pos };
      warn(`resuming after ${mark.transactions} applied transactions, at ${mark.file}:${mark.pos}${mark.gtid === '' ? '' : ` (GTID position ${mark.gtid})`}`);
    }
    let batched = true;
    const done = stop !== null && mark !== undefined && mark.file === stop.file && mark.pos >= stop.pos;
    for (; !done; ) {
      const applier = new BinlogApplier({ conn, triggers, onGroup, relaxFloatTables, onWarning: warn, watermark, skipGtids, ...(batched ? { batch: BATCH } : {}), ...(rewrite === undefined ? {} : { rewriteDb: rewrite }) });
      try {
        await readRange(from, history, true, (e) => applier.apply(e));
        await applier.finish();
        break;
      } catch (e) {
        if (!(e instanceof GroupReplayFailed) || !batched) throw e;
        if (e.from.file === '?') throw e.reason;
        batched = false;
        const index = plan.binlogs.findIndex((f) => f.name === e.from.file);
        from = { index, pos: e.from.pos };
        history = newHistory();
        const noop = async (): Promise<void> => undefined;
        if (index > 0 || e.from.pos > plan.replay.start.pos) await readRange({ index: 0, pos: plan.replay.start.pos }, history, false, noop, e.from);
      }
    }
    const replayMs = performance.now() - tReplay;
    if (transactions !== plan.replay.transactions) {
      throw new PitrError(ERROR_CODES.INTERNAL, `the replay applied ${transactions} transactions but the plan counted ${plan.replay.transactions}`, {
        hints: ['the binlog files changed between planning and restoring, or this is a bug'],
      });
    }

    // 3. triggers as they were at the target
    progress({ phase: 'triggers', done: 0, total: triggers.size, transactions });
    const final = triggers.final();
    for (const t of final) {
      for (const s of t.session) await run(conn, s, `trigger ${t.db}.${t.name}`);
      await run(conn, t.statement, `trigger ${t.db}.${t.name}`);
    }

    // 4. the GTID position
    progress({ phase: 'gtid', done: 0, total: 0, transactions });
    let gtidPosition: string | null = null;
    // --rewrite-db restores part of the source beside other data: its GTID position would be a lie
    if (gtid !== undefined && !gtid.isEmpty && rewrite === undefined) {
      const text = gtid.gtids.map(formatMariadbGtid).join(',');
      try {
        await conn.run(`SET GLOBAL gtid_slave_pos = '${text}'`);
        gtidPosition = text;
      } catch (e) {
        warn(`could not set gtid_slave_pos to ${text} on the target: ${serverErrorOf(e)?.message ?? String(e)} (set it by hand before making it a replica)`);
      }
    }
    // the restore is complete: the watermark has served its purpose
    await run(conn, 'DROP DATABASE IF EXISTS pitr_restore', 'removing the resume watermark');
    progress({ phase: 'done', done: 0, total: 0, transactions });
    return {
      statementsLoaded,
      transactionsApplied: transactions,
      transactionsRolledBack: rolledBack,
      rowsApplied,
      triggersCreated: final.length,
      gtidPosition,
      writesToTargetBinlog,
      durationMs: Math.round(performance.now() - t0),
      loadMs: Math.round(loadMs),
      replayMs: Math.round(replayMs),
      preRestoreBackupId,
      droppedDatabases,
    };
  } finally {
    await conn.close();
  }
}

/**
 * Refuses a target that is not safe to restore onto. Returns whether it writes its own binlog and
 * which of the dump's databases hold tables there (refused unless `allowBusy`).
 */
async function checkTarget(conn: ApplyConnection, plan: Plan, allowBusy: boolean, rewrite: DbRewrite | undefined): Promise<{ writesToTargetBinlog: boolean; busy: string[] }> {
  const [vars] = await conn.rows('SELECT @@global.event_scheduler AS es, @@global.log_bin AS lb');
  const es = String(vars?.['es'] ?? '').toUpperCase();
  if (es === 'ON') {
    throw new PitrError(ERROR_CODES.TARGET, 'the target runs the event scheduler (event_scheduler=ON): a scheduled event firing during the restore would write rows the source did not have at that point', {
      hints: ['start the target with --event-scheduler=OFF (or SET GLOBAL event_scheduler=OFF) for the restore, and turn it on afterwards'],
    });
  }
  const dbs = restoredDatabases(plan, rewrite);
  let busy: string[] = [];
  if (dbs.length > 0) {
    const rows = await conn.rows(`SELECT TABLE_SCHEMA AS db, COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (${dbs.map(quoteString).join(',')}) GROUP BY TABLE_SCHEMA`);
    const held = rows.filter((r) => Number(r['n']) > 0);
    busy = held.map((r) => String(r['db']));
    if (!allowBusy && held.length > 0) {
      throw new PitrError(ERROR_CODES.TARGET, `the target already has data in the databases this restore writes: ${held.map((r) => `${String(r['db'])} (${String(r['n'])} tables)`).join(', ')}; nothing was written`, {
        hints: ['restore onto an empty server; or --force, which first backs those databases up (trigger pre_restore) and then replaces them'],
      });
    }
  }
  return { writesToTargetBinlog: String(vars?.['lb'] ?? '0') === '1', busy };
}

/**
 * The resume watermark: one row, updated in the same target transaction as the changes it covers
 * (binlog-applier.ts `watermark`), so after a crash it names exactly the last committed source
 * transaction. DDL commits on its own: an interruption between a DDL and its watermark row makes
 * --resume run that DDL again (it then fails clearly, e.g. "table exists"). Dropped when the restore
 * completes.
 */
const WATERMARK_DDL = [
  'CREATE DATABASE IF NOT EXISTS pitr_restore',
  `CREATE TABLE IF NOT EXISTS pitr_restore.progress (
     id TINYINT UNSIGNED PRIMARY KEY, backup VARCHAR(2048) NOT NULL, backup_file VARCHAR(512) NOT NULL, backup_pos BIGINT UNSIGNED NOT NULL,
     file VARCHAR(512) NOT NULL, pos BIGINT UNSIGNED NOT NULL, gtid_position TEXT NOT NULL, transactions BIGINT UNSIGNED NOT NULL,
     rows_applied BIGINT UNSIGNED NOT NULL, updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
   ) ENGINE=InnoDB`,
];

interface Watermark {
  readonly file: string;
  readonly pos: number;
  readonly gtid: string;
  readonly transactions: number;
  readonly rows: number;
}

/** The watermark of an interrupted restore of this plan's backup; refuses anything else. */
async function readWatermark(conn: ApplyConnection, plan: Plan): Promise<Watermark> {
  let rows: Record<string, unknown>[];
  try {
    rows = await conn.rows('SELECT backup, backup_file, backup_pos, file, pos, gtid_position, transactions, rows_applied FROM pitr_restore.progress WHERE id = 1');
  } catch {
    rows = [];
  }
  const r = rows[0];
  if (r === undefined) {
    throw new PitrError(ERROR_CODES.TARGET, 'the target has no record of an interrupted restore (pitr_restore.progress): there is nothing to resume', {
      hints: ['an interrupted restore that never reached the binlog replay must be started again (its dump load is not resumable); use --force to replace what it left'],
    });
  }
  const backup = text(r['backup']);
  const backupFile = text(r['backup_file']);
  const backupPos = Number(text(r['backup_pos']));
  if (backupFile !== plan.backup.binlogFile || backupPos !== plan.backup.binlogPos) {
    throw new PitrError(ERROR_CODES.TARGET, `the interrupted restore on the target started from another backup (${backup} at ${backupFile}:${backupPos}), not ${plan.backup.path} at ${plan.backup.binlogFile}:${plan.backup.binlogPos}`, {
      hints: ['resume with the same backup, or restore again with --force'],
    });
  }
  const mark: Watermark = { file: text(r['file']), pos: Number(text(r['pos'])), gtid: text(r['gtid_position']), transactions: Number(text(r['transactions'])), rows: Number(text(r['rows_applied'])) };
  const index = plan.binlogs.findIndex((f) => f.name === mark.file);
  const stop = plan.replay.stop;
  const beyond = stop !== null && (plan.binlogs.findIndex((f) => f.name === stop.file) < index || (stop.file === mark.file && mark.pos > stop.pos));
  if (index < 0 || beyond) {
    throw new PitrError(ERROR_CODES.TARGET, `the interrupted restore already applied transactions up to ${mark.file}:${mark.pos}, which is ${index < 0 ? 'not in this plan\'s binlogs' : 'beyond this target'}`, {
      hints: ['a restore cannot go back: restore again with --force to an earlier target'],
    });
  }
  return mark;
}

/** The databases the restore writes on the target: the backup's, or with --rewrite-db the new names. */
function restoredDatabases(plan: Plan, rewrite: DbRewrite | undefined): string[] {
  if (rewrite !== undefined) return [...rewrite.map.values()];
  return plan.backup.databases.filter((d) => !SYSTEM_DATABASES.has(d));
}

function quoteString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function quoteIdent(s: string): string {
  return `\`${s.replace(/`/g, '``')}\``;
}

/**
 * --skip-full: the target holds the dump with its triggers. They are recorded exactly as the server
 * keeps them (SHOW CREATE TRIGGER: statement, sql_mode, character sets), dropped for the replay and
 * recreated after it through the same model as a full restore, in creation order.
 */
async function takeDownTriggers(conn: ApplyConnection, dbs: readonly string[], triggers: DeferredTriggers): Promise<void> {
  if (dbs.length === 0) return;
  const list = await conn.rows(
    `SELECT TRIGGER_SCHEMA AS db, TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA IN (${dbs.map(quoteString).join(',')}) ORDER BY CREATED, ACTION_ORDER`,
  );
  for (const t of list) {
    const db = text(t['db']);
    const name = text(t['name']);
    const [c] = await conn.rows(`SHOW CREATE TRIGGER ${quoteIdent(db)}.${quoteIdent(name)}`);
    if (c === undefined) continue;
    const statement = c['SQL Original Statement'];
    triggers.create({
      db,
      name,
      table: text(t['tbl']),
      statement: Buffer.isBuffer(statement) ? Uint8Array.from(statement) : new TextEncoder().encode(String(statement)),
      session: [`SET @@session.sql_mode=${quoteString(text(c['sql_mode']))}`, `SET @@session.character_set_client=${text(c['character_set_client'])}, @@session.collation_connection=${text(c['collation_connection'])}`, `USE ${quoteIdent(db)}`],
    });
    await run(conn, `DROP TRIGGER ${quoteIdent(db)}.${quoteIdent(name)}`, `taking down trigger ${db}.${name} for the replay`);
  }
}

function text(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v ?? '');
}

/**
 * Statements of the dump that must not run on the target: replication setup (the dump's own
 * coordinates are for a replica; the restore sets the GTID position itself after the replay).
 */
const SKIP_RE = /^\s*(?:\/\*!\d*\s*)?(?:CHANGE\s+(?:MASTER|REPLICATION\s+SOURCE)\b|SET\s+(?:GLOBAL\s+|@@GLOBAL\.)gtid_slave_pos\b|SET\s+@@GLOBAL\.GTID_PURGED\b|START\s+(?:SLAVE|REPLICA)\b)/i;

/**
 * Loads the dump. `collectOnly` (--resume): runs only its session SETs and collects the CREATE
 * TRIGGER statements with their sessions again (a full load defers them, so an interrupted restore
 * never created them).
 */
async function loadDump(conn: ApplyConnection, plan: Plan, triggers: DeferredTriggers, progress: (p: RestoreProgress) => void, collectOnly: boolean, rewrite: DbRewrite | undefined): Promise<number> {
  let n = 0;
  let currentDb = '';
  /** --rewrite-db: the dump's own name of the current database. */
  let sourceDb = '';
  // a .gz dump: positions count uncompressed bytes, so its file size is no measure of progress
  const total = plan.backup.path.endsWith(".gz") ? 0 : plan.backup.size;
  let last = 0;
  for await (const dumped of dumpStatements(plan.backup.path)) {
    let s: { readonly kind: typeof dumped.kind; readonly bytes: Buffer; readonly db: string | undefined; readonly line: number; readonly offset: number } = dumped;
    if (rewrite !== undefined) {
      // only the renamed databases are restored, under their new names
      if (s.kind === 'use' && s.db !== undefined) sourceDb = s.db;
      const db = s.kind === 'use' || s.kind === 'create-database' ? s.db : (s.db ?? sourceDb);
      if (s.kind !== 'set' && db !== undefined && db !== '' && rewrite.db(db) === undefined) continue;
      if (s.kind !== 'insert' && s.kind !== 'set') {
        const r = rewrite.statement(s.bytes);
        if (r.touched) s = { ...s, kind: s.kind, bytes: Buffer.from(r.bytes), db: db === undefined ? undefined : (rewrite.db(db) ?? db) };
      }
    }
    if (s.kind === 'use' && s.db !== undefined) currentDb = s.db;
    if (s.kind === 'trigger') {
      const t = DeferredTriggers.triggerStatement(s.bytes, currentDb);
      if (t !== undefined && t.op === 'create') {
        const [sess] = await conn.rows('SELECT @@session.sql_mode AS m, @@session.character_set_client AS cs, @@session.collation_connection AS cc, @@session.collation_database AS cd');
        const session = [
          `SET @@session.sql_mode='${String(sess?.['m'] ?? '')}'`,
          `SET @@session.character_set_client=${String(sess?.['cs'])}, @@session.collation_connection=${String(sess?.['cc'])}`,
          `USE \`${t.db.replace(/`/g, '``')}\``,
        ];
        triggers.create({ db: t.db, name: t.name, table: t.table ?? '', statement: Uint8Array.from(s.bytes), session });
        continue;
      }
    }
    if (s.kind === 'other' || s.kind === 'set') {
      if (SKIP_RE.test(s.bytes.subarray(0, 200).toString('latin1'))) continue;
    }
    if (collectOnly && s.kind !== 'set' && s.kind !== 'use') continue;
    await run(conn, s.bytes, `dump statement at line ${s.line}`);
    n++;
    if (s.offset - last > 1 << 20) {
      last = s.offset;
      progress({ phase: 'load', done: s.offset, total, transactions: 0 });
    }
  }
  return n;
}

async function run(conn: ApplyConnection, statement: string | Uint8Array, what: string): Promise<void> {
  try {
    await conn.run(statement);
  } catch (e) {
    const se = serverErrorOf(e);
    if (se === undefined) throw e;
    const text = typeof statement === 'string' ? statement : Buffer.from(statement.buffer, statement.byteOffset, Math.min(statement.byteLength, 300)).toString('utf8');
    throw new PitrError(ERROR_CODES.APPLY, `the target refused ${what}: ${se.message} (error ${se.errno ?? '?'})`, {
      hints: [`statement: ${text.slice(0, 300)}`],
      cause: e,
    });
  }
}
