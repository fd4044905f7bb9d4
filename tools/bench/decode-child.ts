/**
 * Child process of bench-decode.ts: fully decodes the binlog files given as arguments with the built
 * @pitr/core and prints one JSON line of counts, timings and its own peak RSS. Runs in its own
 * process so peak RSS belongs to the decoder alone and `--cpu-prof` profiles only decoding.
 *
 * Every rows event's rows are walked and every value touched (strings measured, bytes summed), so a
 * lazy decoder cannot skip work.
 *
 * PITR_BENCH_READER names another module exporting readBinlogFile (e.g. packages/core/src/index.ts
 * to measure the source through tsx).
 */
import type { BinlogEvent } from '@pitr/core';

/** The decoder under test: the built @pitr/core, or another module (e.g. core's source) by env. */
const mod = (await import(process.env.PITR_BENCH_READER ?? '@pitr/core')) as {
  readBinlogFile(file: string): AsyncIterable<BinlogEvent> | Iterable<BinlogEvent>;
};
const readBinlogFile = mod.readBinlogFile;

interface ChildResult {
  files: number;
  bytes: number;
  events: number;
  rowsEvents: number;
  rows: number;
  values: number;
  nulls: number;
  /** Sum of string lengths and byte lengths: keeps the touched values observable. */
  touched: number;
  decodeMs: number;
  maxRssKB: number;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: decode-child.ts FILE...');
  process.exit(2);
}

let events = 0;
let rowsEvents = 0;
let rows = 0;
let values = 0;
let nulls = 0;
let touched = 0;
let bytes = 0;

function touchImage(image: readonly unknown[] | undefined): void {
  if (image === undefined) return;
  for (let i = 0; i < image.length; i++) {
    const v = image[i];
    values++;
    if (v === null || v === undefined) nulls++;
    else if (typeof v === 'string') touched += v.length;
    else if (typeof v === 'number') touched += v & 1;
    else if (typeof v === 'bigint') touched += Number(v & 1n);
    else if (v instanceof Uint8Array) touched += v.length;
    else touched += 1;
  }
}

const t0 = performance.now();
for (const file of files) {
  for await (const event of readBinlogFile(file)) {
    events++;
    const body = event.body as { rows?: readonly { before?: readonly unknown[]; after?: readonly unknown[] }[] };
    const changes = body.rows;
    if (changes !== undefined) {
      rowsEvents++;
      for (let r = 0; r < changes.length; r++) {
        const change = changes[r]!;
        rows++;
        touchImage(change.before);
        touchImage(change.after);
      }
    }
  }
}
const decodeMs = performance.now() - t0;

const { statSync } = await import('node:fs');
for (const f of files) bytes += statSync(f).size;

const result: ChildResult = {
  files: files.length,
  bytes,
  events,
  rowsEvents,
  rows,
  values,
  nulls,
  touched,
  decodeMs: Math.round(decodeMs),
  maxRssKB: process.resourceUsage().maxRSS,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
