/**
 * TABLE_MAP + ROWS decoding throughput on real MySQL 8 files from ../shared/fixtures (not a test).
 * Run: npx tsx packages/core/bench/fixture-files.bench.ts   (PITR_FIXTURES overrides the location)
 * Counts the bytes of rows events only; framing/CRC are the reader's job and not measured here.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTableMapEvent } from '../src/binlog/events/table-map-event.js';
import { decodeRowsEvent, isRowsEventType } from '../src/binlog/events/rows-event.js';
import type { DecodeContext } from '../src/binlog/decode-context.js';
import type { TableMapBody } from '../src/binlog/types.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const fixtures = process.env.PITR_FIXTURES ?? join(root, '../shared/fixtures');

for (const rel of ['mysql8/raw/msmp/binlog.000001', 'mysql8/raw/mysql-cdc-rs/folder/binlog.000693']) {
  const bytes = new Uint8Array(readFileSync(join(fixtures, rel)));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Collect events once: [type, start, end] of table maps and rows events (CRC32 stripped).
  const events: [number, number, number][] = [];
  let postHeader: Uint8Array = new Uint8Array(0);
  let rowsBytes = 0;
  for (let pos = 4; pos < bytes.length; ) {
    const size = dv.getUint32(pos + 9, true);
    const type = bytes[pos + 4]!;
    if (type === 15) postHeader = bytes.subarray(pos + 19 + 57, pos + size - 5);
    else if (type === 19 || isRowsEventType(type)) {
      events.push([type, pos + 19, pos + size - 4]);
      if (type !== 19) rowsBytes += size;
    }
    pos += size;
  }
  const ctx: DecodeContext = {
    file: rel, pos: 0, flavor: 'mysql', postHeaderLength: (t) => postHeader[t - 1] ?? 0,
    tableMaps: new Map<number, TableMapBody>(), schema: undefined, warn: () => undefined,
  };
  let rows = 0;
  const run = (): void => {
    rows = 0;
    for (const [type, s, e] of events) {
      const body = bytes.subarray(s, e);
      if (type === 19) {
        const tm = decodeTableMapEvent(body, ctx, s);
        ctx.tableMaps.set(tm.tableId, tm);
      } else {
        rows += decodeRowsEvent(body, type, ctx, s).rows.length;
      }
    }
  };
  for (let w = 0; w < 5; w++) run();
  let best = Infinity;
  for (let b = 0; b < 10; b++) {
    const t0 = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(`${rel}: ${rows} rows, ${(rowsBytes / 1e6).toFixed(2)} MB of rows events → ${(rowsBytes / 1e6 / best).toFixed(0)} MB/s`);
}
