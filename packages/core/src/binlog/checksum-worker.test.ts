/**
 * The checksum worker: it only ever vouches for events whose CRC32 matches, the reader gives the
 * same events and the same errors (code, offset, order) with and without it, and odd chunkings
 * (tiny chunks, chunks larger than its ring) frame the same way.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BinlogFormatError } from '../errors/pitr-error.js';
import { ChecksumWorker } from './checksum-worker.js';
import { BinlogParser } from './parser.js';
import { readBinlogFile, readBinlogStream, type ReadBinlogOptions } from './reader.js';
import type { BinlogEvent } from './types.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const FIXTURES = process.env.PITR_FIXTURES ?? join(repoRoot, '../shared/fixtures');
/** ~3 MB, CRC32 on: larger than the worker's ring. */
const REL = 'mysql8/raw/msmp/binlog.000001';
const haveFixture = existsSync(join(FIXTURES, REL));
const SKIP_REASON = `fixture ${REL} not found under ${FIXTURES} (set PITR_FIXTURES)`;
if (!haveFixture) console.warn(`[skip] checksum worker tests: ${SKIP_REASON}`);

const tmp = mkdtempSync(join(tmpdir(), 'pitr-crc-worker-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(it: AsyncIterable<BinlogEvent>): Promise<BinlogEvent[]> {
  const out: BinlogEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/** Events read before the failure, and the failure. */
async function readAll(it: AsyncIterable<BinlogEvent>): Promise<{ positions: number[]; error: unknown }> {
  const positions: number[] = [];
  try {
    for await (const e of it) positions.push(e.pos);
  } catch (error) {
    return { positions, error };
  }
  return { positions, error: undefined };
}

function fingerprint(events: readonly BinlogEvent[]): string[] {
  return events.map((e) =>
    JSON.stringify({ pos: e.pos, end: e.end, type: e.typeName, i: e.payloadIndex, body: e.body }, (_k, v: unknown) =>
      typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
    ),
  );
}

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, Math.min(at + size, bytes.length));
}

async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

describe.skipIf(!haveFixture)(`checksum worker (${haveFixture ? REL : SKIP_REASON})`, () => {
  const bytes = haveFixture ? new Uint8Array(readFileSync(join(FIXTURES, REL))) : new Uint8Array(0);
  const path = join(FIXTURES, REL);
  const parallel: ReadBinlogOptions = { parallelChecksums: true };
  const inline: ReadBinlogOptions = { parallelChecksums: false };

  it('vouches for every event of a good file, streamed in pieces larger than its ring', async () => {
    const events = await collect(readBinlogFile(path, inline));
    const start = events[1]!.pos; // after the FDE
    const w = ChecksumWorker.start()!;
    expect(w).toBeDefined();
    try {
      expect(w.covers(start + 1)).toBe(false);
      expect(await until(() => w.ready)).toBe(true);
      w.begin(start);
      w.post(bytes.subarray(start));
      expect(await until(() => w.covers(bytes.length))).toBe(true);
    } finally {
      w.stop();
    }
  });

  it('reads a plain file itself, and only the file the reader opened', async () => {
    const events = await collect(readBinlogFile(path, inline));
    const st = statSync(path, { bigint: true });
    const file = { path, size: bytes.length, dev: String(st.dev), ino: String(st.ino) };
    const w = ChecksumWorker.start(file)!;
    try {
      expect(w.accepting).toBe(false);
      expect(await until(() => w.ready)).toBe(true);
      w.begin(events[1]!.pos);
      expect(w.accepting).toBe(false); // no post(): it reads
      expect(await until(() => w.covers(bytes.length))).toBe(true);
    } finally {
      w.stop();
    }
    const other = ChecksumWorker.start({ ...file, ino: `${file.ino}1` })!;
    try {
      expect(await until(() => other.ready)).toBe(true);
      other.begin(events[1]!.pos);
      await new Promise((r) => setTimeout(r, 200));
      expect(other.covers(events[2]!.end)).toBe(false);
    } finally {
      other.stop();
    }
  });

  it('stops vouching at the first event whose CRC32 does not match', async () => {
    const events = await collect(readBinlogFile(path, inline));
    const bad = events.find((e) => e.pos > 2_000_000 && e.payloadIndex === undefined)!;
    const copy = bytes.slice();
    copy[bad.pos + 20]! ^= 0x40;
    const w = ChecksumWorker.start()!;
    try {
      expect(await until(() => w.ready)).toBe(true);
      w.begin(events[1]!.pos);
      w.post(copy.subarray(events[1]!.pos));
      expect(await until(() => w.covers(bad.pos))).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      expect(w.covers(bad.end)).toBe(false);
      expect(w.covers(copy.length)).toBe(false);
    } finally {
      w.stop();
    }
  });

  it('the reader gives the same events with and without it, whatever the chunking', async () => {
    const expected = fingerprint(await collect(readBinlogFile(path, inline)));
    expect(fingerprint(await collect(readBinlogFile(path, parallel)))).toEqual(expected);
    // A compressed file: chunks are copied to the worker, one read ahead.
    const gz = join(tmp, 'binlog.000001.gz');
    writeFileSync(gz, gzipSync(bytes));
    expect(fingerprint(await collect(readBinlogFile(gz, parallel)))).toEqual(expected);
    for (const size of [4093, 3 << 20]) {
      expect(fingerprint(await collect(readBinlogStream(chunked(bytes, size), { ...parallel, fileName: 'binlog.000001' })))).toEqual(expected);
    }
  });

  it('the reader really hands checksums to it once it runs', async () => {
    const expected = fingerprint(await collect(readBinlogFile(path, inline)));
    // A slow source: the worker is running before most of the input arrives.
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield bytes.slice(0, 65536);
      await new Promise((r) => setTimeout(r, 300));
      for (let at = 65536; at < bytes.length; at += 65536) {
        await new Promise((r) => setTimeout(r, 2));
        yield bytes.slice(at, Math.min(at + 65536, bytes.length));
      }
    }
    const parse = vi.spyOn(BinlogParser.prototype, 'parse');
    try {
      const events = await collect(readBinlogStream(slow(), { ...parallel, fileName: 'binlog.000001' }));
      expect(fingerprint(events)).toEqual(expected);
      const vouched = parse.mock.calls.filter((call) => call[2] === true).length;
      expect(vouched).toBeGreaterThan(0);
    } finally {
      parse.mockRestore();
    }
  });

  it('a corrupt event deep in the file: same error, same offset, same events before it', async () => {
    const events = await collect(readBinlogFile(path, inline));
    const bad = events.find((e) => e.pos > 1_500_000 && e.payloadIndex === undefined)!;
    const copy = bytes.slice();
    copy[bad.end - 6]! ^= 0x01;
    const file = join(tmp, 'flipped.bin');
    writeFileSync(file, copy);
    const a = await readAll(readBinlogFile(file, inline));
    const b = await readAll(readBinlogFile(file, parallel));
    expect(a.error).toBeInstanceOf(BinlogFormatError);
    expect((a.error as BinlogFormatError).code).toBe('BINLOG_CHECKSUM');
    expect((a.error as BinlogFormatError).offset).toBe(bad.pos);
    expect(b.error).toBeInstanceOf(BinlogFormatError);
    expect((b.error as Error).message).toBe((a.error as Error).message);
    expect(b.positions).toEqual(a.positions);
    expect(b.positions[b.positions.length - 1]).toBeLessThan(bad.pos);
    // Skipped by startPosition: not an error, with or without the worker.
    const later = events.find((e) => e.pos > bad.end && e.payloadIndex === undefined)!;
    const skipped = await readAll(readBinlogFile(file, { ...parallel, startPosition: later.pos }));
    expect(skipped.error).toBeUndefined();
    expect(skipped.positions.length).toBe(1 + events.filter((e) => e.pos >= later.pos).length);
  });

  it('a corrupt event_size: the reader reports it as without the worker', async () => {
    const events = await collect(readBinlogFile(path, inline));
    const bad = events.find((e) => e.pos > 1_000_000 && e.payloadIndex === undefined)!;
    const copy = bytes.slice();
    new DataView(copy.buffer).setUint32(bad.pos + 9, 7, true);
    const file = join(tmp, 'bad-size.bin');
    writeFileSync(file, copy);
    const a = await readAll(readBinlogFile(file, inline));
    const b = await readAll(readBinlogFile(file, parallel));
    expect((a.error as BinlogFormatError).offset).toBe(bad.pos);
    expect((b.error as Error).message).toBe((a.error as Error).message);
    expect(b.positions).toEqual(a.positions);
  });

  it('verifyChecksums:false never starts it and reads a corrupt file on', async () => {
    const events = await collect(readBinlogFile(path, inline));
    const copy = bytes.slice();
    copy[events[100]!.end - 1]! ^= 0x01; // the stored CRC32 itself
    const r = await readAll(readBinlogStream(chunked(copy, 65536), { parallelChecksums: true, verifyChecksums: false }));
    expect(r.error).toBeUndefined();
  });
});
