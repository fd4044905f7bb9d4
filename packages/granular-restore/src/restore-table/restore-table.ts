/**
 * `pitr restore-table DB.TABLE --at TARGET`: one table as it was at a moment — its definition from
 * the backup (following later DDL), its rows from the backup, and only its own binlog changes up
 * to the target (DESIGN.md target semantics: inclusive, transaction-atomic).
 *
 * Order of work, chosen so memory follows the rows the binlogs touched, not the table:
 *  1. the binlogs from the backup's position to the target are read once (scan-transactions.ts)
 *     and this table's changes folded into final states per primary key (table-lineage.ts); its
 *     DDL decides where rows come from (TRUNCATE/DROP/CREATE: not the backup) and under which
 *     name (RENAME is followed: the user names the table as it was called at the target);
 *  2. the dump is streamed; every other table's statements are passed over by their table name
 *     (core's splitter names each INSERT's table without parsing it); this table's rows are
 *     parsed (dump-values.ts), given their exact FLOAT values (float-fixups.ts), replaced by
 *     their final state when the binlogs touched them, filtered, and written out;
 *  3. the rows the binlogs inserted and the backup did not have follow.
 * The filter sees each row as it is AT the target, so a row that entered or left the filter
 * after the backup is judged by its final state.
 *
 * Not handled, refused with a PitrError that says what to do instead: a column-layout change of
 * the table in the range (ALTER … ADD/DROP/MODIFY COLUMN), binlog_row_image=MINIMAL/NOBLOB images,
 * a CREATE TABLE … SELECT/LIKE, DDL the schema history cannot follow, --replace without a primary key.
 */
import { stat } from 'node:fs/promises';
import {
  PitrError,
  type RowImage,
  SchemaHistory,
  type SchemaProvider,
  type Target,
  TargetMatcher,
  type Transaction,
  TransactionTracker,
  describeTarget,
  dumpCoordinates,
  dumpStatements,
  readBinlogFile,
  type Flavor,
} from '@pitr/core';
import { isoUtc } from '../output/row-values.js';
import { type GranularSource, type ScanResult, scanTransactions } from '../scan/scan-transactions.js';
import { type PrefilteredBinlogs, prefilterBinlogs } from '../scan/binlog-prefilter.js';
import { type DumpPassResult, Spool, dumpPass, nonUtcError, readSpool } from './dump-pass.js';
import type { TableName } from '../find-transactions.js';
import { WhereFilter, type RowPredicate } from '../where/where-filter.js';
import { type ColumnCodec, columnCodecs } from './column-codec.js';
import { parseInsertRows } from './dump-values.js';
import { FloatFixups, isFloatFixup } from './float-fixups.js';
import { replaceRows, type ReplaceCounts, readLiveRows } from './replace-rows.js';
import { rowKey } from './row-key.js';
import { copyAlter, copyCreateTable, qualified } from './table-definition.js';
import { FkCascades } from './fk-cascades.js';
import { type LineageStart, type NameEvent, type QualifiedName, TableLineage, markText, resolveOrigin, sameName, showName } from './table-lineage.js';
import { CopyTableOutput, SqlFileOutput, type TableOutput } from './table-output.js';

export type RestoreTableOutput =
  /** Reviewable SQL in a new file (nothing connects anywhere). */
  | { readonly kind: 'sql'; readonly path: string; readonly into?: TableName | undefined }
  /** A new table on a server (default name TABLE__pitr_<yyyymmddhhmmss> of the target, UTC). */
  | { readonly kind: 'table'; readonly url: string; readonly into?: TableName | undefined; readonly env?: Readonly<Record<string, string | undefined>> }
  /** The live table's rows selected by the filter (now or at the target) set to their state at the target, in one transaction. */
  | { readonly kind: 'replace'; readonly url: string; readonly env?: Readonly<Record<string, string | undefined>> };

export interface RestoreTableOptions {
  readonly source: GranularSource;
  /** The table as it was called at the target. */
  readonly table: TableName;
  readonly at: Target;
  /** Only rows for which the filter is TRUE at the target (text is parsed first: USAGE errors before any file is read). */
  readonly where?: WhereFilter | string | undefined;
  /** Zone TIMESTAMP columns are compared in by the filter (a session time_zone); default UTC. */
  readonly timeZone?: string | undefined;
  readonly output: RestoreTableOutput;
  readonly onWarning?: (message: string) => void;
  /** Progress of a phase ('binlogs', 'dump'): bytes done of a total (total 0 = unknown). */
  readonly onProgress?: (phase: 'binlogs' | 'dump', done: number, total: number) => void;
}

export interface RestoreTableResult {
  /** The table as named at the target, and the table it was in the backup (after renames: another name; undefined when created in the range). */
  readonly table: TableName;
  readonly backupName: TableName | undefined;
  /** The new table (--to) or the name the SQL creates (--sql-out). */
  readonly copy: TableName | undefined;
  /** Rows of the result (matching the filter). */
  readonly rows: number;
  /** Of those, rows as the backup had them, and rows whose state came from the binlogs. */
  readonly fromBackup: number;
  readonly fromBinlog: number;
  /** Rows of the table in the backup that were read. */
  readonly backupRowsRead: number;
  /** Row changes of the table folded in from the binlogs. */
  readonly binlogRowChanges: number;
  /** The last transaction applied (the state is right after it), or undefined when none was. */
  readonly lastApplied: { readonly gtid: string | null; readonly file: string; readonly pos: number; readonly commitTime: string } | undefined;
  /** DDL of the table in the range, in order (what, GTID, time). */
  readonly ddl: readonly string[];
  readonly droppedForeignKeys: readonly string[];
  /** --replace: what was written. */
  readonly replaced: ReplaceCounts | undefined;
  readonly scan: ScanResult;
}

/** Reads the source and writes the table as it was at the target. */
export async function restoreTable(options: RestoreTableOptions): Promise<RestoreTableResult> {
  // the filter first: a bad one fails before any file is read or connection opened
  const filter = options.where === undefined ? undefined : typeof options.where === 'string' ? WhereFilter.parse(options.where) : options.where;
  const target: QualifiedName = { db: options.table.db, table: options.table.table };
  const out = options.output;
  if (out.kind === 'replace' && out.url === '') throw new PitrError('USAGE', '--replace needs --to URL');

  // 0. the dump (schema, definition, this table's rows spooled) and a prefilter pass over the
  //    binlogs (this table's rows only), at the same time: neither needs the other
  const first = await firstPass(options, target);
  try {
    return await restoreWith(options, filter, target, first.dump, first.prefiltered);
  } finally {
    await first.dump.dispose();
  }
}

async function restoreWith(options: RestoreTableOptions, filter: WhereFilter | undefined, target: QualifiedName, dumped: DumpPassResult, prefiltered: PrefilteredBinlogs | undefined): Promise<RestoreTableResult> {
  const out = options.output;
  // 1. the binlogs, following the name; a second pass when the name came from another table
  const log: NameEvent[] = [];
  let pass = await scanPass(options, { kind: 'dump', name: target }, false, log, filter, dumped.schema, prefiltered);
  let lineage = pass.lineage;
  if (lineage.state === 'renamed-in') {
    const origin = resolveOrigin(target, log);
    pass = await scanPass(options, origin, true, [], filter, dumped.schema, undefined);
    lineage = pass.lineage;
  }
  const { scan, last } = pass;
  checkWindow(options.at, pass);
  if (options.at.kind === 'time' && last === undefined) await checkBeforeBackup(options, scan);
  if (lineage.state !== 'present' || !sameName(lineage.name, target)) throw notAtTarget(target, lineage, log, options.at);
  lineage.check();
  const schema = pass.history.getTable(target.db, target.table);
  // a column the filter names that the table lacks at the target (nothing is written before this)
  if (filter !== undefined && schema !== undefined) checkFilterColumns(filter, schema.columns.map((c) => c.name), target);
  if (schema === undefined) throw new PitrError('PLAN', `the definition of ${showName(target)} at the target is not known`, { hints: ['restore the whole database to a scratch server (pitr restore … --to URL)'] });
  const codecs = columnCodecs(schema.columns);
  const defs = codecs.map((c) => c.def);
  const predicate: RowPredicate | undefined = filter?.compile({ db: target.db, table: target.table, columns: defs }, { flavor: pass.flavor, ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}) });
  const key = codecs.flatMap((c, i) => (c.schema.primaryKey ? [i] : []));
  const compared = codecs.flatMap((c, i) => (c.schema.generated ? [] : [i]));
  if (out.kind === 'replace' && key.length === 0) {
    throw new PitrError('USAGE', `${showName(target)} has no primary key: --replace cannot tell which live row is which`, {
      hints: ['restore it into a new table (--to URL, or --sql-out FILE) and move the rows you need by hand'],
    });
  }

  // the copy's name and definition
  const instantUs = options.at.kind === 'time' ? options.at.epochUs : (last?.commitTimeUs ?? BigInt(Date.now()) * 1000n);
  const copyName: TableName | undefined = out.kind === 'replace' ? undefined : (out.into ?? { db: target.db, table: `${target.table}__pitr_${stamp(instantUs)}` });
  let definition: string[] = [];
  let droppedForeignKeys: readonly string[] = [];
  if (copyName !== undefined) {
    const createSql = lineage.create?.sql ?? (sameName(lineage.dumpName!, target) ? dumped.createSql : undefined) ?? (await dumpCreateTable(options.source.dump, lineage.dumpName!));
    if (lineage.create !== undefined && /\)\s*(?:[^)]*\b)?(SELECT|AS\s+SELECT)\b/i.test(createSql.slice(createSql.lastIndexOf(')')))) {
      throw new PitrError('PLAN', `${showName(target)} was created by CREATE TABLE … SELECT (${markText(lineage.create.mark)}): restore-table does not replay it`, { hints: ['restore the whole database to a scratch server (pitr restore … --to URL)'] });
    }
    const copy = copyCreateTable(createSql, copyName.db, copyName.table);
    definition = [copy.sql];
    droppedForeignKeys = copy.droppedForeignKeys;
    for (const a of lineage.alters) {
      const sql = copyAlter(a.sql, copyName.db, copyName.table);
      if (sql === undefined) options.onWarning?.(`a FOREIGN KEY added by ${markText(a.mark)} is not copied (the copy has no foreign keys)`);
      else definition.push(sql);
    }
  }

  // 2. where the rows go
  let output: TableOutput | undefined;
  let copyOutput: CopyTableOutput | undefined;
  let live: Awaited<ReturnType<typeof readLiveRows>> | undefined;
  if (out.kind === 'sql') {
    const header = [
      `pitr restore-table ${showName(target)} as it was at ${describeTarget(options.at)}`,
      `last transaction applied: ${last === undefined ? 'none after the backup' : `${last.gtid ?? `${last.file}:${last.pos}`} committed ${isoUtc(last.commitTimeUs)}`}`,
      `source: backup ${options.source.dump} + binlogs ${scan.start.file}:${scan.start.pos} … ${scan.end.file}:${scan.end.pos}`,
      ...(filter === undefined ? [] : [`rows where: ${filter.text.replace(/\s+/g, ' ')}`]),
      `creates the new table ${showName(copyName!)} (it must not exist; the database must)`,
      ...(droppedForeignKeys.length === 0 ? [] : [`FOREIGN KEY constraints left out of the copy: ${droppedForeignKeys.join(', ')}`]),
    ];
    output = new SqlFileOutput(out.path, header, qualified(copyName!.db, copyName!.table));
  } else if (out.kind === 'table') {
    copyOutput = new CopyTableOutput(out.url, out.env, copyName!.db, copyName!.table);
    await copyOutput.check();
    output = copyOutput;
  } else {
    live = await readLiveRows(out.url, out.env, target, codecs, key, predicate);
  }

  // 3. the dump, then the rows only the binlogs have
  const changes = lineage.changes!;
  let fromBackup = 0;
  let fromBinlog = 0;
  let backupRowsRead = 0;
  const wanted = (row: RowImage): boolean => predicate === undefined || predicate(row) === true;
  const collected = new Map<string, RowImage>();
  const emit = async (row: RowImage, fromLog: boolean): Promise<void> => {
    const match = wanted(row);
    if (live !== undefined) {
      const k = rowKey(row, key);
      if (match || live.matching.has(k)) collected.set(k, row);
      if (!match) return;
    } else if (!match) return;
    if (fromLog) fromBinlog++;
    else fromBackup++;
    await output?.row(row);
  };
  try {
    if (output !== undefined) await output.begin(definition, codecs);
    if (lineage.fromDump) {
      const fromSpool = dumped.complete && sameName(lineage.dumpName!, target);
      // ADD/DROP COLUMN in the range: the backup's rows are read in its own layout, then carried over
      const backupColumns = lineage.layouts.length === 0 ? undefined : dumped.schema.getTable(lineage.dumpName!.db, lineage.dumpName!.table)?.columns;
      const backupCodecs = backupColumns === undefined ? codecs : columnCodecs(backupColumns);
      // the first pass kept this table's rows; a table known under another name then is read again
      const readRows = (onRow: (row: RowImage) => Promise<void>): Promise<void> =>
        fromSpool ? dumped.rows(backupCodecs, lineage.dumpName!, onRow) : streamDump(options, lineage.dumpName!, backupCodecs, onRow);
      await readRows(async (read) => {
        backupRowsRead++;
        const row = backupColumns === undefined ? read : lineage.toTargetLayout(read);
        if (key.length > 0) {
          if (changes.byKey.has(rowKey(row, key))) return;
        } else {
          const e = changes.multiset.get(rowKey(row, compared));
          if (e !== undefined && e.count < 0) {
            e.count++;
            if (e.count === 0) changes.multiset.delete(rowKey(row, compared));
            return;
          }
        }
        const now = lineage.backupRow(row);
        if (now !== null) await emit(now, false);
      });
    }
    if (key.length > 0) {
      for (const row of changes.byKey.values()) if (row !== null) await emit(row, true);
    } else {
      for (const e of changes.multiset.values()) for (let n = 0; n < e.count; n++) await emit(e.row, true);
    }
    if (output !== undefined) await output.end();
  } catch (e) {
    await output?.abort();
    throw e;
  }
  let replaced: ReplaceCounts | undefined;
  if (out.kind === 'replace') {
    replaced = await replaceRows(out.url, out.env, target, codecs, key, predicate, live!, collected);
  }
  return {
    table: options.table,
    backupName: lineage.dumpName,
    copy: copyName,
    rows: fromBackup + fromBinlog,
    fromBackup,
    fromBinlog,
    backupRowsRead,
    binlogRowChanges: lineage.rowsSeen,
    lastApplied: last === undefined ? undefined : { gtid: last.gtid, file: last.file, pos: last.pos, commitTime: isoUtc(last.commitTimeUs) },
    ddl: lineage.ddl.map((d) => `${d.what} (${markText(d.mark)})`),
    droppedForeignKeys,
    replaced,
    scan,
  };
}

interface PassResult {
  lineage: TableLineage;
  history: SchemaHistory;
  scan: ScanResult;
  flavor: Flavor;
  last: { gtid: string | null; file: string; pos: number; commitTimeUs: bigint } | undefined;
  /** A transaction after the target was seen (the binlogs reach past it). */
  reachedPast: boolean;
}

/** Thrown from the transaction callback to stop reading at the first transaction past the target. */
const STOP = Symbol('past the target');

/**
 * The dump pass and the binlog prefilter, side by side (the dump mostly waits for gunzip, which
 * runs on libuv's thread pool; the binlog checksums run on a worker). The prefilter is skipped when
 * the source is not what scanTransactions accepts (it then reports the problem).
 */
async function firstPass(options: RestoreTableOptions, target: QualifiedName): Promise<{ dump: DumpPassResult; prefiltered: PrefilteredBinlogs | undefined }> {
  const source = options.source;
  const coords = source.coordinates ?? (await dumpCoordinates(source.dump));
  const firstFile = source.binlogs[0];
  const canPrefilter = coords.binlog !== undefined && firstFile !== undefined && firstFile.name === coords.binlog.file;
  const [d, p] = await Promise.allSettled([
    dumpPass(source.dump, target, coords.flavor ?? 'mariadb', options.onProgress === undefined ? undefined : (done, t) => options.onProgress!('dump', done, t), 0),
    canPrefilter
      ? prefilterBinlogs({
          binlogs: source.binlogs,
          startPos: coords.binlog!.pos,
          tables: [target],
          until: options.at,
          ...(options.onProgress ? { onProgress: (done: number, t: number) => options.onProgress!('binlogs', done, t) } : {}),
        })
      : Promise.resolve(undefined),
  ]);
  if (d.status === 'rejected') throw d.reason;
  if (p.status === 'rejected') {
    await d.value.dispose();
    throw p.reason;
  }
  let pre = p.value;
  // a parent's foreign-key actions reach the table without row events of its own (FkCascades):
  // the parents' (and their parents') rows are needed too — read again keeping them
  const related = foreignKeyParents(d.value.schema, target);
  if (pre !== undefined && pre.fallback === undefined && related.length > 0) {
    try {
      pre = await prefilterBinlogs({ binlogs: source.binlogs, startPos: coords.binlog!.pos, tables: [target, ...related], until: options.at });
    } catch (e) {
      await d.value.dispose();
      throw e;
    }
  }
  return { dump: d.value, prefiltered: pre === undefined || pre.fallback !== undefined ? undefined : pre };
}

/** Tables the table's FOREIGN KEYs refer to, and the tables theirs refer to (the backup's definitions). */
function foreignKeyParents(schema: SchemaProvider, name: QualifiedName): QualifiedName[] {
  const out: QualifiedName[] = [];
  const parentsOf = (db: string, table: string): QualifiedName[] => (schema.getTable(db, table)?.foreignKeys ?? []).map((fk) => ({ db: fk.parentDb ?? db, table: fk.parentTable }));
  for (const p of parentsOf(name.db, name.table)) {
    out.push(p);
    out.push(...parentsOf(p.db, p.table));
  }
  return out;
}

async function scanPass(
  options: RestoreTableOptions,
  start: LineageStart,
  follow: boolean,
  log: NameEvent[],
  filter: WhereFilter | undefined,
  schema: SchemaProvider,
  prefiltered: PrefilteredBinlogs | undefined,
): Promise<PassResult> {
  let lineage: TableLineage | undefined;
  let history: SchemaHistory | undefined;
  let flavor: Flavor = 'mariadb';
  let last: PassResult['last'];
  let read = 0;
  let stopAt: { file: string; pos: number } | undefined;
  // the target is decided here rather than by scanTransactions' --until, to know whether the binlogs reach past it
  const matcher = new TargetMatcher(options.at);
  let scan: ScanResult | undefined;
  try {
    scan = await scanTransactions(
      {
        source: options.source,
        range: {},
        schema,
        ...(prefiltered === undefined ? {} : { prefiltered }),
        keepRows: (b) => lineage !== undefined && lineage.state === 'present' && lineage.keeps(b),
        onSchema: (initial: SchemaProvider, f: Flavor) => {
          flavor = f;
          history = new SchemaHistory(initial, { flavor: f });
          // foreign-key actions of its parents reach the table without a row event of its own
          const cascades = start.kind === 'dump' ? FkCascades.fromSchema(initial, start.name.db, start.name.table) : undefined;
          lineage = new TableLineage({ start, follow, history, cascades });
        },
        ...(options.onWarning ? { onWarning: options.onWarning } : {}),
        ...(options.onProgress ? { onProgress: (d: number, t: number) => options.onProgress!('binlogs', d, t) } : {}),
      },
      (t: Transaction) => {
        read++;
        if (matcher.decide({ commitTimeUs: t.commitTimeUs, gtid: t.gtid, file: t.file, startPos: t.startPos, endPos: t.endPos }).verdict === 'lost') {
          stopAt = { file: t.file, pos: t.startPos };
          throw STOP;
        }
        lineage!.transaction(t, log);
        last = { gtid: t.gtidText ?? null, file: t.file, pos: t.startPos, commitTimeUs: t.commitTimeUs };
      },
    );
  } catch (e) {
    if (e !== STOP) throw e;
  }
  const coords = options.source.coordinates ?? (await dumpCoordinates(options.source.dump));
  const begin = { file: options.source.binlogs[0]!.name, pos: coords.binlog?.pos ?? 4 };
  const result: ScanResult = scan ?? { flavor, coordinates: coords, transactionsRead: read, start: begin, end: stopAt! };
  const at = options.at;
  if (at.kind === 'gtid' && matcher.state !== 'reached') {
    throw new PitrError('PLAN', `--at ${at.text} is not in the binlogs after the backup (${begin.file}:${begin.pos} … ${result.end.file}:${result.end.pos})`, {
      hints: ['pitr find lists the transactions with their GTIDs; a transaction before the backup is already in it: use an older backup'],
    });
  }
  return { lineage: lineage!, history: history!, scan: result, flavor, last, reachedPast: stopAt !== undefined };
}

function checkFilterColumns(filter: WhereFilter, columns: readonly string[], name: QualifiedName): void {
  const have = new Set(columns.map((c) => c.toLowerCase()));
  for (const c of filter.columnNames()) {
    if (!have.has(c.toLowerCase())) {
      throw new PitrError('USAGE', `unknown column \`${c}\` in --where: ${showName(name)} has ${columns.map((x) => `\`${x}\``).join(', ')}`, {
        hints: ['the filter reads the columns of the table as it is at the target'],
      });
    }
  }
}

/** A time target after the last transaction of the binlogs cannot be proven. */
function checkWindow(at: Target, pass: PassResult): void {
  const last = pass.last;
  if (at.kind !== 'time' || last === undefined || pass.reachedPast) return;
  if (at.epochUs > last.commitTimeUs + 999_999n) {
    throw new PitrError('PLAN', `target ${at.utc} is after the end of the binlogs (their last transaction committed at ${isoUtc(last.commitTimeUs)}): the table's state at the target cannot be proven`, {
      hints: ['use --at latest for everything the binlogs hold, or copy the newer binlog files into --binlog-dir'],
    });
  }
}

/** A time target before the backup's snapshot: the dump already holds later transactions. */
async function checkBeforeBackup(options: RestoreTableOptions, scan: ScanResult): Promise<void> {
  const at = options.at;
  if (at.kind !== 'time') return;
  const first = options.source.binlogs[0]!;
  const tracker = new TransactionTracker();
  let lastUs: bigint | undefined;
  const reader = readBinlogFile(first.path, { stopPosition: scan.start.pos, decodeRows: false });
  for (let batch = await reader.nextBatch(); batch !== undefined; batch = await reader.nextBatch()) {
    for (const e of batch) {
      const t = tracker.push(e);
      if (t !== undefined) lastUs = t.commitTimeUs;
    }
  }
  if (lastUs !== undefined && (at.exclusive ? lastUs >= at.epochUs : lastUs > at.epochUs + (at.epochUs % 1_000_000n === 0n ? 999_999n : 0n))) {
    throw new PitrError('PLAN', `target ${at.utc} is before the backup: the dump already contains a transaction committed at ${isoUtc(lastUs)}`, {
      hints: ['a backup can only be rolled forward: choose a later --at, or give an older backup with --dump'],
    });
  }
}

function notAtTarget(name: QualifiedName, lineage: TableLineage, log: readonly NameEvent[], at: Target): PitrError {
  const n = showName(name);
  const gone = lineage.gone;
  if (gone !== undefined) {
    const when = markText(gone.mark);
    if (gone.what === 'dropped') {
      return new PitrError('PLAN', `${n} does not exist at the target: it was dropped (${when})`, {
        hints: [`pick an --at before the DROP, e.g. --at pos:${gone.mark.file}:${gone.mark.pos} (every transaction before it)`],
      });
    }
    return new PitrError('PLAN', `${n} does not exist at the target: it was renamed to ${showName(gone.to!)} (${when})`, {
      hints: [`name it as it was called at the target: pitr restore-table ${showName(gone.to!)} …`, `or pick an --at before the rename: --at pos:${gone.mark.file}:${gone.mark.pos}`],
    });
  }
  const later = log.find((e) => (e.kind === 'create' && sameName(e.name, name)) || (e.kind === 'rename' && sameName(e.to, name)));
  return new PitrError('PLAN', `${n} does not exist at the target (${describeTarget(at)}): it is not in the backup and no CREATE or RENAME makes it before the target${later === undefined ? '' : ' (one does later)'}`, {
    hints: ['check the name (pitr find --table DB.T --op ddl shows its DDL); names are case-sensitive'],
  });
}

/** yyyymmddhhmmss of an instant in UTC. */
function stamp(us: bigint): string {
  return isoUtc(us).replace(/\.\d+/, '').replace(/[^0-9]/g, '').slice(0, 14);
}

/** The table's CREATE TABLE statement in the dump. */
async function dumpCreateTable(dump: string, name: QualifiedName): Promise<string> {
  for await (const s of dumpStatements(dump)) {
    if (s.kind === 'create-table' && s.table === name.table && (s.db === undefined || s.db === name.db)) return s.text();
  }
  throw new PitrError('PLAN', `the dump ${dump} has no CREATE TABLE for ${showName(name)}`);
}

/**
 * This table's rows in the dump, with their exact FLOAT values. Every other statement is passed
 * over by the table name the splitter read. When the dump carries FLOAT fixups for the table
 * (they follow its data), its INSERTs are spooled to a temporary file first and parsed once the
 * fixups are known; a table without FLOAT columns streams straight through.
 */
async function streamDump(options: RestoreTableOptions, name: QualifiedName, codecs: readonly ColumnCodec[], onRow: (row: RowImage) => Promise<void>): Promise<void> {
  const dump = options.source.dump;
  const total = (await stat(dump)).size;
  const hasFloat = codecs.some((c) => c.kind === 'float' && !c.schema.generated);
  const fixups = new FloatFixups(codecs);
  const place = { line: 0, table: showName(name) };
  let spool: Spool | undefined;
  let inTable = false;
  let timeZoneUtc = true;
  const hasTimestamp = codecs.some((c) => c.kind === 'timestamp');
  const pending: RowImage[] = [];
  try {
    let n = 0;
    for await (const s of dumpStatements(dump)) {
      if ((++n & 1023) === 0) options.onProgress?.('dump', Math.min(s.offset, total), total);
      if (s.kind === 'set' && /TIME_ZONE\s*=/i.test(s.bytes.toString('latin1', 0, Math.min(200, s.bytes.length)))) {
        timeZoneUtc = /TIME_ZONE\s*=\s*'\+00:00'/i.test(s.text());
      }
      const mine = s.table === name.table && (s.db === undefined || s.db === name.db);
      if (s.kind === 'insert' && mine) {
        if (hasTimestamp && !timeZoneUtc) throw nonUtcError(name);
        inTable = true;
        place.line = s.line;
        if (!hasFloat) {
          parseInsertRows(s.bytes, codecs, place, (row) => pending.push(row));
          for (const row of pending) await onRow(row);
          pending.length = 0;
        } else {
          spool ??= await Spool.create();
          await spool.add(s.bytes, s.line);
        }
        continue;
      }
      if (!inTable) continue;
      if (s.kind === 'other' && isFloatFixup(s.bytes)) {
        fixups.add(s.text());
        continue;
      }
      if (s.kind === 'lock' || s.kind === 'set' || s.kind === 'other' && /^\s*(\/\*!\d+\s*)?ALTER TABLE/i.test(s.bytes.toString('latin1', 0, 60))) continue;
      // the next table (or triggers, views…): this table's section is over
      break;
    }
    // the spooled INSERTs, now with the fixups known
    if (spool !== undefined) await readSpool(spool, codecs, name, fixups, onRow);
    options.onProgress?.('dump', total, total);
  } finally {
    await spool?.dispose();
  }
}

