/**
 * The reader against every raw binlog in ../shared/fixtures (MySQL 8.x/9.x and MariaDB): event
 * counts per type as listed in manifest.json (incl. events inside TRANSACTION_PAYLOAD), walks ending
 * exactly at EOF, gzip/zstd/stream reading equal to plain file reading, and positioned errors for
 * corrupt, truncated and foreign files.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { compress as zstdCompress } from 'zstd-napi';
import { afterAll, describe, expect, it } from 'vitest';
import { BinlogFormatError, PitrError } from '../errors/pitr-error.js';
import { READ_CHUNK_BYTES, readBinlogFile, readBinlogStream, type ReadBinlogOptions } from './reader.js';
import type { BinlogEvent } from './types.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const FIXTURES = process.env.PITR_FIXTURES ?? join(repoRoot, '../shared/fixtures');
const haveFixtures = existsSync(join(FIXTURES, 'manifest.json'));
const SKIP_REASON = `fixtures not found at ${FIXTURES} (set PITR_FIXTURES)`;
if (!haveFixtures) console.warn(`[skip] reader fixture tests: ${SKIP_REASON}`);

interface ManifestEntry {
  file: string;
  bytes: number;
  fde_in_use_flag: boolean;
  scan: { crc_ok: number; events: Record<string, number>; payload_inner_events: Record<string, number> };
}
const manifest: ManifestEntry[] = haveFixtures ? (JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as ManifestEntry[]) : [];
const fixture = (rel: string): string => join(FIXTURES, rel);

/** Manifest spelling of our upstream names: QUERY_EVENT → QUERY, WRITE_ROWS_EVENT_V2 → WRITE_ROWS_V2, MARIADB_GTID_EVENT → MARIA_GTID. */
function manifestName(typeName: string): string {
  return typeName.replace(/^MARIADB_/, 'MARIA_').replace(/_LOG_EVENT$/, '').replace(/_EVENT(_V\d)?$/, '$1');
}

async function collect(it: AsyncIterable<BinlogEvent>): Promise<BinlogEvent[]> {
  const out: BinlogEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

async function failureOf(it: AsyncIterable<BinlogEvent>): Promise<unknown> {
  try {
    for await (const _ of it) {
      // drain
    }
  } catch (e) {
    return e;
  }
  return undefined;
}

/** A comparable rendering: bigint and bytes made JSON-safe. */
function fingerprint(events: readonly BinlogEvent[]): string[] {
  return events.map((e) =>
    JSON.stringify({ file: e.file, pos: e.pos, end: e.end, type: e.typeName, i: e.payloadIndex, raw: Buffer.from(e.raw).toString('hex'), body: e.body }, (_k, v: unknown) =>
      typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
    ),
  );
}

const tmp = mkdtempSync(join(tmpdir(), 'pitr-reader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
function tmpFile(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

describe.skipIf(!haveFixtures)(`raw fixture files (${haveFixtures ? FIXTURES : SKIP_REASON})`, () => {
  it.each(manifest.map((m) => [m.file, m] as const))('%s: counts by type match the manifest and the walk ends at EOF', async (_name, m) => {
    const counts: Record<string, number> = {};
    const inner: Record<string, number> = {};
    let topLevel = 0;
    let end = 0;
    for await (const e of readBinlogFile(fixture(m.file))) {
      const name = manifestName(e.typeName);
      if (e.payloadIndex === undefined) {
        counts[name] = (counts[name] ?? 0) + 1;
        topLevel++;
        expect(e.pos).toBe(end === 0 ? 4 : end);
        end = e.end;
      } else {
        inner[name] = (inner[name] ?? 0) + 1;
        expect(e.header.logPos).toBe(0);
      }
      expect(e.body.kind).not.toBe('unknown');
    }
    expect(counts).toEqual(m.scan.events);
    expect(inner).toEqual(m.scan.payload_inner_events);
    expect(end).toBe(m.bytes);
    // Every top-level event carries a CRC32 (the manifest's scanner did not count an in-use FDE as ok).
    expect(topLevel).toBe(m.scan.crc_ok + (m.fde_in_use_flag ? 1 : 0));
  });

  it('FDE with LOG_EVENT_BINLOG_IN_USE_F verifies with the flag cleared, and without it too', async () => {
    const inUse = manifest.find((m) => m.fde_in_use_flag)!;
    const bytes = new Uint8Array(readFileSync(fixture(inUse.file)));
    expect(bytes[4 + 17]! & 1).toBe(1);
    const cleared = bytes.slice();
    cleared[4 + 17]! &= ~1;
    expect((await collect(readBinlogFile(tmpFile('cleared.bin', cleared)))).length).toBeGreaterThan(3);
  });

  it('gzip and zstd files read exactly like the plain file (detected by magic, not name)', async () => {
    for (const rel of ['mysql8/raw/msmp/binlog.000001', 'mysql8/raw/mysql-binlog-connector-rust/mysql-bin.000057', 'mariadb/raw/rust_mysql_common/mariadb-bin.000001']) {
      const plainBytes = readFileSync(fixture(rel));
      const name = rel.split('/').pop()!;
      const plain = fingerprint(await collect(readBinlogFile(tmpFile(name, plainBytes))));
      const gz = fingerprint(await collect(readBinlogFile(tmpFile(`${name}.gz`, gzipSync(plainBytes)))));
      const noSuffix = fingerprint(await collect(readBinlogFile(tmpFile(`gz-without-suffix-${name}`, gzipSync(plainBytes)), { fileName: name })));
      const zst = fingerprint(await collect(readBinlogFile(tmpFile(`${name}.zst`, zstdCompress(plainBytes)))));
      expect(gz).toEqual(plain);
      expect(noSuffix).toEqual(plain);
      expect(zst).toEqual(plain);
    }
  });

  it('stream reading in odd-sized chunks equals file reading', async () => {
    for (const m of manifest.filter((x) => x.bytes < 20_000)) {
      const bytes = new Uint8Array(readFileSync(fixture(m.file)));
      const name = m.file.split('/').pop()!;
      const fromFile = fingerprint(await collect(readBinlogFile(fixture(m.file))));
      let seed = m.bytes;
      async function* chunks(): AsyncGenerator<Uint8Array> {
        for (let at = 0; at < bytes.length; ) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          const n = 1 + (seed % 97);
          // Copies, so events that straddle chunks must be assembled.
          yield bytes.slice(at, at + n);
          at += n;
        }
      }
      expect(fingerprint(await collect(readBinlogStream(chunks(), { fileName: name })))).toEqual(fromFile);
    }
  });

  it('one-byte chunks work too', async () => {
    const bytes = new Uint8Array(readFileSync(fixture('mysql8/raw/rust_mysql_common/transaction_compression.000001')));
    async function* ones(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
    }
    const events = await collect(readBinlogStream(ones(), { fileName: 'transaction_compression.000001' }));
    expect(fingerprint(events)).toEqual(fingerprint(await collect(readBinlogFile(fixture('mysql8/raw/rust_mysql_common/transaction_compression.000001')))));
  });

  it('a flipped byte is a BINLOG_CHECKSUM error at the event offset; verifyChecksums:false reads on', async () => {
    const rel = 'mysql8/raw/maxwell/binlog.000004';
    const events = await collect(readBinlogFile(fixture(rel)));
    const query = events.find((e) => e.body.kind === 'query' && e.pos > 1000)!;
    const bytes = new Uint8Array(readFileSync(fixture(rel)));
    bytes[query.end - 6]! ^= 0x01; // last character of the statement
    const path = tmpFile('flipped.bin', bytes);
    const err = await failureOf(readBinlogFile(path));
    expect(err).toBeInstanceOf(BinlogFormatError);
    expect((err as BinlogFormatError).code).toBe('BINLOG_CHECKSUM');
    expect((err as BinlogFormatError).offset).toBe(query.pos);
    expect((err as BinlogFormatError).file).toBe('flipped.bin');
    expect((err as Error).message).toMatch(/CRC32 mismatch/);
    expect(await failureOf(readBinlogFile(path, { verifyChecksums: false }))).toBeUndefined();
    expect(await failureOf(readBinlogFile(path, { verifyChecksum: false } as ReadBinlogOptions))).toBeUndefined();
  });

  it('nextBatch() hands out the same events as for-await, and a failure only after the events before it', async () => {
    const rel = 'mysql8/raw/maxwell/binlog.000004';
    const all = await collect(readBinlogFile(fixture(rel)));
    const batched: BinlogEvent[] = [];
    const reader = readBinlogFile(fixture(rel));
    for (let b = await reader.nextBatch(); b !== undefined; b = await reader.nextBatch()) {
      expect(b.length).toBeGreaterThan(0);
      batched.push(...b);
    }
    expect(fingerprint(batched)).toEqual(fingerprint(all));

    const query = all.find((e) => e.body.kind === 'query' && e.pos > 1000)!;
    const bytes = new Uint8Array(readFileSync(fixture(rel)));
    bytes[query.end - 6]! ^= 0x01;
    const broken = readBinlogFile(tmpFile('flipped-batch.bin', bytes));
    const before: BinlogEvent[] = [];
    let err: unknown;
    try {
      for (let b = await broken.nextBatch(); b !== undefined; b = await broken.nextBatch()) before.push(...b);
    } catch (e) {
      err = e;
    }
    expect((err as BinlogFormatError).code).toBe('BINLOG_CHECKSUM');
    expect(before.map((e) => e.pos)).toEqual(all.filter((e) => e.pos < query.pos).map((e) => e.pos));
  });

  it('a flipped byte in a FDE is caught as well', async () => {
    const bytes = new Uint8Array(readFileSync(fixture('mysql8/raw/rust_mysql_common/time_issue.000001')));
    bytes[4 + 19 + 10]! ^= 0x20; // inside the server version
    const err = await failureOf(readBinlogFile(tmpFile('fde-flip.bin', bytes)));
    expect((err as BinlogFormatError).code).toBe('BINLOG_CHECKSUM');
    expect((err as BinlogFormatError).offset).toBe(4);
  });

  it('a truncated file is a BinlogFormatError at the start of the cut event', async () => {
    const rel = 'mysql8/raw/mysql-cdc-rs/31_update_rows_v2/binlog.000001';
    const events = await collect(readBinlogFile(fixture(rel)));
    const bytes = new Uint8Array(readFileSync(fixture(rel)));
    const last = events[events.length - 1]!;
    for (const cut of [last.end - 1, last.pos + 10, last.pos + 19]) {
      const err = await failureOf(readBinlogFile(tmpFile(`cut-${cut}.bin`, bytes.subarray(0, cut))));
      expect(err).toBeInstanceOf(BinlogFormatError);
      expect((err as BinlogFormatError).code).toBe('BINLOG_FORMAT');
      expect((err as BinlogFormatError).offset).toBe(last.pos);
      expect((err as Error).message).toMatch(/truncated event/);
    }
    // Cut exactly at an event boundary: a shorter but valid file.
    expect((await collect(readBinlogFile(tmpFile('cut-boundary.bin', bytes.subarray(0, last.pos))))).length).toBe(events.length - 1);
  });

  it('a corrupt event_size beyond the end of a plain file fails at that event (no buffering to EOF)', async () => {
    const rel = 'mysql8/raw/msmp/binlog.000001';
    const bytes = new Uint8Array(readFileSync(fixture(rel)));
    const second = 4 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(4 + 9, true);
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(second + 9, 0xfffffff0, true);
    const err = await failureOf(readBinlogFile(tmpFile('huge-size.bin', bytes)));
    expect((err as BinlogFormatError).offset).toBe(second);
    expect((err as Error).message).toMatch(/truncated event: the file ends after \d+ of its 4294967280 bytes/);
  });

  it('startPosition/stopPosition select events like mysqlbinlog (FDE always read)', async () => {
    const rel = 'mysql8/raw/maxwell/binlog.000004';
    const all = await collect(readBinlogFile(fixture(rel)));
    const start = all[10]!.pos;
    const stop = all[20]!.pos;
    const some = await collect(readBinlogFile(fixture(rel), { startPosition: start, stopPosition: stop }));
    expect(some.map((e) => e.pos)).toEqual([4, ...all.slice(10, 20).map((e) => e.pos)]);
    const err = await failureOf(readBinlogFile(fixture(rel), { startPosition: start + 1 }));
    expect(err).toBeInstanceOf(BinlogFormatError);
    expect((err as Error).message).toMatch(/inside the event/);
    const beyond = await failureOf(readBinlogFile(fixture(rel), { startPosition: all[all.length - 1]!.end + 100 }));
    expect((beyond as Error).message).toMatch(/beyond the end/);
  });

  it('decodeRows:false keeps rows events generic but still tracks TABLE_MAPs', async () => {
    const events = await collect(readBinlogFile(fixture('mysql8/raw/maxwell/binlog.000004'), { decodeRows: false }));
    expect(events.filter((e) => e.typeName === 'WRITE_ROWS_EVENT_V2').every((e) => e.body.kind === 'unknown')).toBe(true);
    expect(events.some((e) => e.body.kind === 'table_map')).toBe(true);
  });

  it('memory does not grow with the input: 20 × msmp/binlog.000001 as one 60 MB stream', async () => {
    const bytes = new Uint8Array(readFileSync(fixture('mysql8/raw/msmp/binlog.000001')));
    const events = await collect(readBinlogFile(fixture('mysql8/raw/msmp/binlog.000001'), { decodeRows: false }));
    // Head = magic, FDE, PREVIOUS_GTIDS; the rest (minus the final STOP) is repeated.
    const headEnd = events[1]!.end;
    const tailStart = events[events.length - 1]!.pos;
    const repeats = 20;
    async function* big(): AsyncGenerator<Uint8Array> {
      yield bytes.slice(0, headEnd);
      for (let r = 0; r < repeats; r++) {
        for (let at = headEnd; at < tailStart; at += READ_CHUNK_BYTES) yield bytes.slice(at, Math.min(at + READ_CHUNK_BYTES, tailStart));
      }
    }
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let n = 0;
    for await (const _ of readBinlogStream(big())) {
      if ((++n & 1023) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(n).toBe(2 + repeats * (events.length - 3));
    // Generous bound (GC is lazy), far below the 60 MB of input plus decoded rows.
    expect(peak - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('throughput on the largest fixtures (logged, not asserted)', async () => {
    for (const rel of ['mysql8/raw/msmp/binlog.000001', 'mysql8/raw/mysql-cdc-rs/folder/binlog.000693']) {
      for (const decodeRows of [false, true]) {
        const size = readFileSync(fixture(rel)).length;
        const t0 = performance.now();
        let n = 0;
        for await (const _ of readBinlogFile(fixture(rel), { decodeRows })) n++;
        const ms = performance.now() - t0;
        console.log(`${rel} decodeRows=${decodeRows}: ${n} events, ${(size / 1e3 / ms).toFixed(0)} MB/s`);
      }
    }
  });
});

describe('foreign and broken input', () => {
  it('bad magic is a clear error at offset 0', async () => {
    const err = await failureOf(readBinlogFile(tmpFile('notes.txt', new TextEncoder().encode('hello world, not a binlog'))));
    expect(err).toBeInstanceOf(BinlogFormatError);
    expect((err as BinlogFormatError).offset).toBe(0);
    expect((err as Error).message).toMatch(/not a binlog: starts with 68 65 6c 6c, expected fe 62 69 6e/);
  });

  it('empty and tiny files', async () => {
    expect(((await failureOf(readBinlogFile(tmpFile('empty.bin', new Uint8Array(0))))) as Error).message).toMatch(/empty/);
    expect(((await failureOf(readBinlogFile(tmpFile('two.bin', Uint8Array.of(0xfe, 0x62))))) as Error).message).toMatch(/less than the 4-byte magic/);
    // Magic only: a valid, empty binlog.
    expect(await collect(readBinlogFile(tmpFile('magic.bin', Uint8Array.of(0xfe, 0x62, 0x69, 0x6e))))).toEqual([]);
  });

  it.skipIf(!haveFixtures)('a corrupt gzip file is a PitrError naming the file', async () => {
    const whole = gzipSync(readFileSync(fixture('mysql8/raw/maxwell/binlog.000004')));
    const gz = whole.subarray(0, whole.length >> 1);
    const err = await failureOf(readBinlogFile(tmpFile('broken.gz', gz)));
    expect(err).toBeInstanceOf(PitrError);
    expect((err as Error).message).toMatch(/broken\.gz/);
  });

  it('a missing file is an IO error', async () => {
    const err = await failureOf(readBinlogFile(join(tmp, 'nope.000001')));
    expect(err).toBeInstanceOf(PitrError);
    expect((err as PitrError).code).toBe('IO');
  });

  it('an event smaller than its header is rejected, not looped on', async () => {
    const bytes = new Uint8Array(4 + 19);
    bytes.set([0xfe, 0x62, 0x69, 0x6e]);
    const err = await failureOf(readBinlogFile(tmpFile('small.bin', bytes)));
    expect((err as BinlogFormatError).offset).toBe(4);
    expect((err as Error).message).toMatch(/smaller than the 19-byte header/);
  });
});
