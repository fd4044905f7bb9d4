/**
 * Child process of bench-decode.ts: fully decodes the binlog files given as arguments with the built
 * @pitr/core and prints one JSON line of counts, timings and its own peak RSS. It runs in its own
 * process so peak RSS belongs to the decoder alone and `--cpu-prof` profiles only decoding.
 *
 * Plain JavaScript on purpose: running a .ts child through tsx would add ~30 MB of RSS (its loader
 * thread) and ~0.3 s of start-up to what is measured, and neither is the decoder's.
 *
 * Every rows event's rows are walked and every value touched (strings measured, bytes summed), so a
 * lazy decoder cannot skip work.
 *
 * PITR_BENCH_READER names another module exporting readBinlogFile (e.g. core's dist/binlog/reader.js
 * before index.ts exports it). PITR_BENCH_NO_CRC=1 skips CRC32 verification (mariadb-binlog does not
 * verify checksums unless given --verify-binlog-checksum), to see what verification costs.
 */
import { statSync } from 'node:fs';

/** @type {{ readBinlogFile(file: string, options?: object): { nextBatch(): Promise<readonly { body: any }[] | undefined> } }} */
const mod = await import(process.env.PITR_BENCH_READER ?? '@pitr/core');
const readBinlogFile = mod.readBinlogFile;
if (typeof readBinlogFile !== 'function') {
  console.error(`decode-child: ${process.env.PITR_BENCH_READER ?? '@pitr/core'} does not export readBinlogFile`);
  process.exit(2);
}

const readOptions = process.env.PITR_BENCH_NO_CRC === '1' ? { verifyChecksums: false } : {};
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: decode-child.mjs FILE...');
  process.exit(2);
}

let events = 0;
let rowsEvents = 0;
let rows = 0;
let values = 0;
let nulls = 0;
/** Sum of string lengths and byte lengths: keeps the touched values observable. */
let touched = 0;

/** @param {readonly unknown[] | undefined} image */
function touchImage(image) {
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
  // nextBatch(): the reader's batch API (the events of one input chunk at a time, no promise per
  // event), as the restore applier consumes them.
  const it = readBinlogFile(file, readOptions);
  for (let batch = await it.nextBatch(); batch !== undefined; batch = await it.nextBatch()) {
    for (let k = 0; k < batch.length; k++) {
      events++;
      const changes = batch[k].body.rows;
      if (changes === undefined) continue;
      rowsEvents++;
      for (let r = 0; r < changes.length; r++) {
        const change = changes[r];
        rows++;
        touchImage(change.before);
        touchImage(change.after);
      }
    }
  }
}
const decodeMs = performance.now() - t0;

let bytes = 0;
for (const f of files) bytes += statSync(f).size;

process.stdout.write(
  `${JSON.stringify({
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
  })}\n`,
);
