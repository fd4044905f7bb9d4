/**
 * Streams a dump through unchanged, except that text can be inserted right after each table's
 * data section: after the `UNLOCK TABLES;` that closes the `LOCK TABLES `t` WRITE; … INSERT …`
 * block mariadb-dump/mysqldump writes per table, and before the table's triggers (which the dump
 * creates after its data, so statements inserted there fire none).
 *
 * Statements are recognised with core's DumpStatementSplitter (quotes, comments, DELIMITER blocks
 * of routines and triggers), so text inside data or routine bodies never counts. The splitter
 * reports a statement while the chunk holding its delimiter is being pushed, so the insertion
 * point always lies in the current chunk, which is only passed on after the push.
 *
 * The dump's comments also go through core's DumpCoordinatesCollector: the binlog position of the
 * dump's snapshot (near the top) is known before the first table's data ends.
 */
import { DumpCoordinatesCollector, DumpStatementSplitter } from '@pitr/core';
import type { DumpCoordinates, DumpStatement } from '@pitr/core';

export interface SpliceTable {
  /** Database of the last USE (undefined in a one-database dump without USE). */
  db: string | undefined;
  table: string;
}

export interface SpliceOptions {
  /**
   * Text to insert after the data of `table` (or undefined for none); called once per table, when
   * its data ends. `dump` holds what the dump said so far (coordinates, server version).
   */
  after(table: SpliceTable, dump: DumpCoordinates): AsyncIterable<string> | undefined;
}

const SEMICOLON = 0x3b;

/** The transform: dump bytes in, dump bytes (with insertions) out. */
export async function* spliceAfterTableData(source: AsyncIterable<Buffer | Uint8Array>, options: SpliceOptions): AsyncGenerator<Buffer> {
  const collector = new DumpCoordinatesCollector();
  const splitter = new DumpStatementSplitter({ onComment: (text) => collector.comment(text), initialBufferBytes: 1 << 20 });
  let locked: SpliceTable | undefined;
  /** Absolute offsets (after the delimiter) where text goes, with the table. */
  let points: { at: number; table: SpliceTable }[] = [];
  const onStatement = (s: DumpStatement): void => {
    collector.statement(s);
    if (s.kind !== 'lock') return;
    const first = s.bytes[0];
    if (first === 0x4c || first === 0x6c) {
      // LOCK TABLES `t` WRITE
      locked = s.table === undefined ? undefined : { db: s.db, table: s.table };
      return;
    }
    if (locked === undefined) return;
    // UNLOCK TABLES: only whitespace lies between the statement text and its delimiter
    points.push({ at: s.offset + s.bytes.length, table: locked });
    locked = undefined;
  };

  let offset = 0; // absolute offset of the next chunk's first byte
  for await (const input of source) {
    const chunk = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    splitter.push(chunk, onStatement);
    const chunkStart = offset;
    offset += chunk.length;
    if (points.length === 0) {
      yield chunk;
      continue;
    }
    const here = points;
    points = [];
    let from = 0;
    for (const p of here) {
      // the delimiter is in this chunk (it completed the statement during this push)
      const search = Math.max(p.at - chunkStart, 0);
      const semi = chunk.indexOf(SEMICOLON, search);
      const cut = semi < 0 ? chunk.length : semi + 1;
      if (cut > from) yield chunk.subarray(from, cut);
      from = cut;
      const text = options.after(p.table, collector.result());
      if (text !== undefined) for await (const piece of text) yield Buffer.from(piece, 'utf8');
    }
    if (from < chunk.length) yield chunk.subarray(from);
  }
  splitter.end(onStatement);
}
