/**
 * Reads the binlogs of a source from its backup's coordinates on and hands over the transactions
 * in a range (`--from`/`--until` targets, or a set of GTIDs), decoded with column names and types:
 * the schema starts as the backup's CREATE TABLEs and follows the DDL read (SchemaHistory), so
 * binlogs written with binlog_row_metadata=NO_LOG/MINIMAL decode with names too.
 *
 * Why from the backup's position and not from the first binlog of the directory: the dump's
 * schema is exact only there; earlier events would be decoded against a later definition.
 *
 * Range semantics (DESIGN.md "Targets and their meaning"): `--from T` starts with the first
 * transaction a restore to T with --exclusive would not replay (time: committed at or after T;
 * gtid:X: X itself; pos:F:N: the groups starting at or after F:N); `--until T` ends with the last
 * one a restore to T would replay. Reading stops at the first transaction past `--until`.
 */
import {
  type BinlogEvent,
  type DumpCoordinates,
  PitrError,
  type RowsBody,
  SchemaHistory,
  type Target,
  TargetMatcher,
  dumpCoordinates,
  readBinlogFile,
  schemaFromDump,
  type Flavor,
  type SchemaProvider,
} from '@pitr/core';
import { type GroupedTransaction, TransactionGrouper } from './transaction-grouper.js';
import type { PrefilteredBinlogs } from './binlog-prefilter.js';

export interface GranularBinlogFile {
  /** The binlog's name as the server names it (`mariadb-bin.000042`), without a compression suffix. */
  readonly name: string;
  readonly path: string;
  readonly size: number;
}

/**
 * A backup and the binlogs after it. `binlogs` are in binlog order and start with the file the
 * dump's coordinates name (pitr-planner's `replayFiles(listBinlogDir(dir), coordinates.binlog.file, dir)`
 * lists exactly these, gap-checked).
 */
export interface GranularSource {
  readonly dump: string;
  readonly binlogs: readonly GranularBinlogFile[];
  /** The dump's coordinates when already read (saves a pass over the dump). */
  readonly coordinates?: DumpCoordinates;
}

/** Which transactions: a target range, or the transactions with these GTIDs. */
export interface TransactionRange {
  /** Start (see the file comment); default: the backup's position. */
  readonly from?: Target | undefined;
  /** End (see the file comment); default: the end of the binlogs. */
  readonly until?: Target | undefined;
  /** Only these transactions (GTID text as the binlog prints it: '0-1-42', 'uuid:7'); each must be found. */
  readonly gtids?: readonly string[] | undefined;
}

export interface ScanOptions {
  readonly source: GranularSource;
  readonly range: TransactionRange;
  /** Which row events the transactions handed over keep in `rows` (all are counted). Default none. */
  readonly keepRows?: (body: RowsBody) => boolean;
  readonly onWarning?: (message: string) => void;
  /** Told the backup's table definitions before any binlog is read (to check names early). */
  readonly onSchema?: (initial: SchemaProvider, flavor: Flavor) => void;
  /** Bytes read of the binlogs' total. */
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** The backup's table definitions when already read (saves a pass over the dump). */
  readonly schema?: SchemaProvider;
  /**
   * The events to read instead of the files: a prefilter pass over the same binlogs (binlog-prefilter.ts)
   * that kept every event the wanted rows need; it must be complete (`fallback` undefined).
   */
  readonly prefiltered?: PrefilteredBinlogs;
}

export interface ScanResult {
  readonly flavor: Flavor;
  readonly coordinates: DumpCoordinates;
  /** Transactions read (in and out of the range). */
  readonly transactionsRead: number;
  /** Where reading started and ended. */
  readonly start: { readonly file: string; readonly pos: number };
  readonly end: { readonly file: string; readonly pos: number };
}

/** Reads the range and calls `onTransaction` for each transaction in it, in binlog order. */
export async function scanTransactions(options: ScanOptions, onTransaction: (t: GroupedTransaction) => void | Promise<void>): Promise<ScanResult> {
  const { source, range } = options;
  if (source.binlogs.length === 0) throw new PitrError('PLAN', 'no binlog files to read', { hints: ['give the directory holding the server\'s binlogs with --binlog-dir'] });
  const coords = source.coordinates ?? (await dumpCoordinates(source.dump));
  if (coords.binlog === undefined) {
    throw new PitrError('PLAN', `the dump ${source.dump} has no binlog file/position: pitr reads the binlogs from the backup's position`, {
      hints: ['take the dump with --master-data=2 (mariadb-dump) or --source-data=2 (mysqldump)'],
    });
  }
  const first = source.binlogs[0]!;
  if (first.name !== coords.binlog.file) {
    throw new PitrError('PLAN', `the binlogs given start with ${first.name}, but the backup's position is in ${coords.binlog.file}`, {
      hints: [`the binlogs must start with ${coords.binlog.file} (the backup's coordinates ${coords.binlog.file}:${coords.binlog.pos})`],
    });
  }
  if (range.from?.kind === 'latest') throw new PitrError('USAGE', '--from latest selects nothing', { hints: ['give --from as a time, gtid:… or pos:…'] });
  const flavor: Flavor = coords.flavor ?? 'mariadb';
  const initial = options.schema ?? (await schemaFromDump(source.dump));
  options.onSchema?.(initial, flavor);
  const schema = new SchemaHistory(initial, { flavor });
  // --from T: the transactions a restore to T --exclusive would NOT replay
  const fromMatcher = range.from === undefined ? undefined : new TargetMatcher(range.from.kind === 'position' ? range.from : { ...range.from, exclusive: true });
  const untilMatcher = range.until === undefined ? undefined : new TargetMatcher(range.until);
  const wanted = range.gtids === undefined ? undefined : new Set(range.gtids);
  const found = new Set<string>();
  const keep = options.keepRows ?? (() => false);
  const grouper = new TransactionGrouper(keep);
  const warned = new Set<string>();
  const onWarning = (message: string, where: { file: string; pos: number }): void => {
    if (warned.has(message)) return;
    warned.add(message);
    options.onWarning?.(`${where.file}:${where.pos}: ${message}`);
  };
  const total = source.binlogs.reduce((n, f) => n + f.size, 0);
  let doneBefore = 0;
  let read = 0;
  let end = { file: first.name, pos: coords.binlog.pos };
  let done = false;
  const handle = async (batch: readonly BinlogEvent[]): Promise<void> => {
    for (const event of batch) {
      end = { file: event.file, pos: event.end };
      const t = grouper.push(event);
      if (t === undefined) continue;
      read++;
      const summary = { commitTimeUs: t.commitTimeUs, gtid: t.gtid, file: t.file, startPos: t.startPos, endPos: t.endPos };
      const before = fromMatcher !== undefined && fromMatcher.decide(summary).verdict === 'kept';
      const after = untilMatcher !== undefined && untilMatcher.decide(summary).verdict === 'lost';
      if (after) {
        done = true;
        return;
      }
      if (before) continue;
      if (wanted !== undefined) {
        if (t.gtidText === undefined || !wanted.has(t.gtidText)) continue;
        found.add(t.gtidText);
      }
      await onTransaction(t);
      if (wanted !== undefined && found.size === wanted.size) {
        done = true;
        return;
      }
    }
  };
  if (options.prefiltered !== undefined) {
    if (options.prefiltered.fallback !== undefined) throw new Error(`internal: an incomplete prefilter pass was given (${options.prefiltered.fallback})`);
    for await (const batch of options.prefiltered.replay({ schema, onWarning })) {
      await handle(batch);
      if (done) break;
    }
    if (!done) end = { ...options.prefiltered.end };
  }
  for (let i = 0; options.prefiltered === undefined && i < source.binlogs.length && !done; i++) {
    const f = source.binlogs[i]!;
    const reader = readBinlogFile(f.path, { schema, onWarning, ...(i === 0 ? { startPosition: coords.binlog.pos } : {}) });
    let drained = false;
    try {
      for (let batch = await reader.nextBatch(); ; batch = await reader.nextBatch()) {
        if (batch === undefined) {
          drained = true;
          break;
        }
        await handle(batch);
        options.onProgress?.(doneBefore + Math.min(end.pos, f.size), total);
        if (done) break;
      }
    } finally {
      // stopped early (or failed): release the file and any checksum worker now
      if (!drained) await reader.return?.();
    }
    doneBefore += f.size;
  }
  const open = grouper.open;
  if (!done && open !== undefined) options.onWarning?.(`the binlogs end inside a transaction (${open.gtidText ?? 'no GTID'} at ${open.file}:${open.startPos}): it is not complete in these files and is left out`);
  checkTargetsFound(range, fromMatcher, untilMatcher, coords, end);
  if (wanted !== undefined && found.size < wanted.size) {
    const missing = [...wanted].filter((g) => !found.has(g));
    throw new PitrError('PLAN', `transaction${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in the binlogs after the backup (${coords.binlog.file}:${coords.binlog.pos} … ${end.file}:${end.pos})`, {
      hints: ['pitr find lists the transactions with their GTIDs; a transaction before the backup cannot be read with its column names'],
    });
  }
  return { flavor, coordinates: coords, transactionsRead: read, start: { file: first.name, pos: coords.binlog.pos }, end };
}

function checkTargetsFound(range: TransactionRange, from: TargetMatcher | undefined, until: TargetMatcher | undefined, coords: DumpCoordinates, end: { file: string; pos: number }): void {
  const span = `${coords.binlog!.file}:${coords.binlog!.pos} … ${end.file}:${end.pos}`;
  for (const [name, target, matcher] of [
    ['--from', range.from, from],
    ['--until', range.until, until],
  ] as const) {
    if (target === undefined || matcher === undefined || target.kind !== 'gtid') continue;
    if (matcher.state === 'open') {
      throw new PitrError('PLAN', `${name} ${target.text} is not in the binlogs after the backup (${span})`, {
        hints: ['pitr find lists the transactions with their GTIDs'],
      });
    }
    if (matcher.state === 'passed') {
      throw new PitrError('PLAN', `${name} ${target.text} is not in the binlogs where it should be: a later transaction of the same numbering comes first`, {
        hints: ['check the GTID (domain and server id) with pitr find'],
      });
    }
  }
}
