/**
 * A first, cheap pass over the binlogs for work that needs the changes of ONE table: every event is
 * framed and its checksum verified (core's reader, `decodeRows: false`), and the ROWS events of
 * every other table are dropped by their table id (the TABLE_MAP before them names the table)
 * without decoding a row. What is kept — every non-rows event (GTID, QUERY/DDL, ANNOTATE_ROWS,
 * XID…), and the TABLE_MAP and ROWS events of the wanted table — is copied, and decoded later by
 * `PrefilteredBinlogs.replay` with the full parser (column names from the schema, DDL applied in
 * order), exactly as if the files had been read with rows decoded.
 *
 * Why: this pass needs no schema, so it runs WHILE the dump is read (restore-table gets the schema
 * from the same dump pass that finds the table's rows): the binlogs are read in the time the dump
 * spends in gunzip, and the rows of the other tables — nearly all of the bytes — are never decoded.
 *
 * It gives up (`fallback` set, the caller reads the files the ordinary way) where following the one
 * table by its name is not enough or the events cannot be replayed one by one: a RENAME in the
 * range (the table's rows may be logged under another name), and MySQL compressed transactions
 * (TRANSACTION_PAYLOAD_EVENT: their inner events are not whole events of the file).
 *
 * Rows event layout (table id in the post-header):
 * https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Rows__event.html
 */
import {
  BinlogParser,
  type BinlogEvent,
  type BinlogParserOptions,
  type SchemaProvider,
  type Target,
  TargetMatcher,
  TransactionTracker,
  readBinlogFile,
} from '@pitr/core';
import type { GranularBinlogFile } from './scan-transactions.js';

/** ROWS event type codes: PRE_GA_*_ROWS_EVENT (20–22), *_ROWS_EVENT_V1 (23–25), *_ROWS_EVENT_V2 (30–32), PARTIAL_UPDATE_ROWS_EVENT (39), MariaDB *_ROWS_COMPRESSED_EVENT_V1/V2 (166–171). */
function isRowsType(t: number): boolean {
  return (t >= 20 && t <= 25) || (t >= 30 && t <= 32) || t === 39 || (t >= 166 && t <= 171);
}
const TABLE_MAP_EVENT = 19;
const FORMAT_DESCRIPTION_EVENT = 15;
const EVENT_HEADER_LENGTH = 19;
/** A statement that may log the table's rows under another name (RENAME TABLE, ALTER TABLE … RENAME). */
const RENAME_RE = /\bRENAME\b/i;

export interface PrefilterOptions {
  readonly binlogs: readonly GranularBinlogFile[];
  /** Position in the first file to start at (the backup's coordinates). */
  readonly startPos: number;
  /** The tables whose rows are kept (compared case-insensitively: the later, exact pass decides). */
  readonly tables: readonly { readonly db: string; readonly table: string }[];
  /** Reading may stop after the first transaction past this target (it is kept: the caller sees it). */
  readonly until?: Target | undefined;
  readonly onWarning?: (message: string, where: { file: string; pos: number }) => void;
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
}

interface KeptFile {
  readonly name: string;
  /** The file's events that were kept, with their offsets; the FORMAT_DESCRIPTION_EVENT first. */
  readonly events: Uint8Array[];
  readonly positions: number[];
}

export interface PrefilterStats {
  readonly bytesRead: number;
  readonly eventsRead: number;
  readonly eventsKept: number;
  readonly bytesKept: number;
  readonly rowsEventsDropped: number;
}

/** The kept events of a prefilter pass, or why it gave up. */
export class PrefilteredBinlogs {
  constructor(
    readonly files: readonly KeptFile[],
    /** Where reading ended (after the last event read). */
    readonly end: { readonly file: string; readonly pos: number },
    /** Why the ordinary read is needed instead; undefined when the kept events are complete. */
    readonly fallback: string | undefined,
    readonly stats: PrefilterStats,
  ) {}

  /**
   * Decodes the kept events with rows, in file order, a batch per file: the same events (positions,
   * bodies) readBinlogFile(…, { schema }) would have given for them. Checksums were verified when
   * they were read.
   */
  async *replay(options: Pick<BinlogParserOptions, 'schema' | 'onWarning'> & { schema?: SchemaProvider }): AsyncGenerator<readonly BinlogEvent[]> {
    const parser = new BinlogParser({ ...options, decodeRows: true });
    for (const f of this.files) {
      parser.startFile(f.name);
      const out: BinlogEvent[] = [];
      for (let i = 0; i < f.events.length; i++) {
        const e = parser.parse(f.events[i]!, f.positions[i]!, true);
        if (Array.isArray(e)) out.push(...e);
        else out.push(e);
        if (out.length >= 256) {
          yield out.splice(0, out.length);
        }
      }
      if (out.length > 0) yield out;
    }
  }
}

/** Reads the binlogs once, keeping what one table's changes need (see the file comment). */
export async function prefilterBinlogs(options: PrefilterOptions): Promise<PrefilteredBinlogs> {
  const wanted = new Set(options.tables.map((t) => `${t.db}\0${t.table}`.toLowerCase()));
  const matcher = options.until === undefined ? undefined : new TargetMatcher(options.until);
  const tracker = new TransactionTracker();
  const total = options.binlogs.reduce((n, f) => n + f.size, 0);
  const files: KeptFile[] = [];
  /** Table ids whose TABLE_MAP names a wanted table (ids are re-announced before use; a new map replaces the old). */
  const wantedIds = new Set<number>();
  let fallback: string | undefined;
  let end = { file: options.binlogs[0]?.name ?? '', pos: options.startPos };
  let doneBefore = 0;
  let eventsRead = 0;
  let eventsKept = 0;
  let bytesKept = 0;
  let rowsEventsDropped = 0;
  let bytesRead = 0;
  let stop = false;
  let postHeader: Uint8Array = new Uint8Array(0);
  /** A RENAME seen in the current transaction. */
  let rename: string | undefined;
  for (let i = 0; i < options.binlogs.length && !stop && fallback === undefined; i++) {
    const f = options.binlogs[i]!;
    const kept: KeptFile = { name: f.name, events: [], positions: [] };
    files.push(kept);
    const reader = readBinlogFile(f.path, {
      decodeRows: false,
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      ...(i === 0 ? { startPosition: options.startPos } : {}),
    });
    let drained = false;
    try {
      for (let batch = await reader.nextBatch(); ; batch = await reader.nextBatch()) {
        if (batch === undefined) {
          drained = true;
          break;
        }
        for (const event of batch) {
          eventsRead++;
          end = { file: event.file, pos: event.end };
          if (event.payloadIndex !== undefined) {
            fallback = `${event.file}:${event.pos}: a compressed transaction (TRANSACTION_PAYLOAD_EVENT)`;
            break;
          }
          const type = event.header.typeCode;
          let keep = true;
          if (type === FORMAT_DESCRIPTION_EVENT) {
            const body = event.body as { postHeaderLengths?: Uint8Array };
            postHeader = body.postHeaderLengths ?? postHeader;
          } else if (type === TABLE_MAP_EVENT) {
            const m = event.body as { kind: string; tableId: number; db: string; table: string };
            const mine = m.kind === 'table_map' && wanted.has(`${m.db}\0${m.table}`.toLowerCase());
            if (mine) wantedIds.add(m.tableId);
            else wantedIds.delete(m.tableId);
            keep = mine;
          } else if (isRowsType(type)) {
            keep = wantedIds.has(rowsTableId(event.raw, postHeader[type - 1] ?? 8));
            if (!keep) rowsEventsDropped++;
          } else if (event.body.kind === 'query') {
            const q = (event.body as { query?: string }).query ?? '';
            // decided when its transaction ends: a RENAME past the target does not matter
            if (RENAME_RE.test(q)) rename ??= `${event.file}:${event.pos}: a RENAME in the range`;
          }
          if (keep) {
            // the reader's bytes are views of its chunks: copy what is kept, as a plain Uint8Array
            // like the reader's (decoders rely on Uint8Array#slice copying, which Buffer#slice does not)
            kept.events.push(new Uint8Array(event.raw));
            kept.positions.push(event.pos);
            eventsKept++;
            bytesKept += event.raw.length;
          }
          const t = tracker.push(event);
          if (t !== undefined) {
            if (matcher !== undefined && matcher.decide({ commitTimeUs: t.commitTimeUs, gtid: t.gtid, file: t.file, startPos: t.startPos, endPos: t.endPos }).verdict === 'lost') {
              stop = true;
              break;
            }
            if (rename !== undefined) {
              fallback = rename;
              break;
            }
          }
        }
        options.onProgress?.(doneBefore + Math.min(end.pos, f.size), total);
        if (stop || fallback !== undefined) break;
      }
    } finally {
      if (!drained) await reader.return?.();
    }
    doneBefore += f.size;
    bytesRead += stop || fallback !== undefined ? end.pos - (i === 0 ? options.startPos : 0) : f.size - (i === 0 ? options.startPos : 0);
  }
  // a RENAME in a transaction the binlogs do not finish
  if (!stop && fallback === undefined && rename !== undefined) fallback = rename;
  return new PrefilteredBinlogs(files, end, fallback, { bytesRead, eventsRead, eventsKept, bytesKept, rowsEventsDropped });
}

/** The table id of a rows event: 6 bytes after the header (4 when the FDE gives the event a 6-byte post-header). */
function rowsTableId(raw: Uint8Array, postHeaderLength: number): number {
  const p = EVENT_HEADER_LENGTH;
  if (raw.length < p + 6) return -1;
  const low = (raw[p]! | (raw[p + 1]! << 8) | (raw[p + 2]! << 16) | (raw[p + 3]! << 24)) >>> 0;
  if (postHeaderLength === 6) return low;
  return low + (raw[p + 4]! | (raw[p + 5]! << 8)) * 0x1_0000_0000;
}
