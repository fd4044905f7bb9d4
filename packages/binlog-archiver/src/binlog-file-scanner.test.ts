/**
 * The archiver's file scanner over real MySQL 8 / MariaDB binlogs from $PITR_FIXTURES (default
 * <repo>/../shared/fixtures): its statistics agree with core's decoder, its transaction boundaries
 * are where the decoder's event groups end, and a torn or damaged tail is found without reading
 * past it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PitrError, readBinlogFile } from '@pitr/core';
import { BinlogFileScanner } from './binlog-file-scanner.js';
import { binlogDumpPayload } from './binlog-dump-stream.js';
import { scanPlainBinlogFile } from './plain-file-scan.js';

const FIXTURES = resolve(process.env['PITR_FIXTURES'] ?? resolve(import.meta.dirname, '../../../../shared/fixtures'));
const RAW_DIRS = [join(FIXTURES, 'mysql8/raw'), join(FIXTURES, 'mariadb/raw')];

function binlogFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...binlogFiles(p));
    else if (!name.endsWith('.sql')) out.push(p);
  }
  return out.sort();
}

const FILES = RAW_DIRS.flatMap(binlogFiles);
if (FILES.length === 0) console.warn(`SKIPPED fixture scans: no binlogs under ${FIXTURES} (set PITR_FIXTURES)`);

interface DecoderView {
  events: number;
  gtids: string[];
  end: number;
  ok: boolean;
}

async function decoderView(path: string): Promise<DecoderView> {
  const v: DecoderView = { events: 0, gtids: [], end: 4, ok: true };
  try {
    for await (const ev of readBinlogFile(path, { decodeRows: false })) {
      if (ev.payloadIndex !== undefined) continue;
      v.events++;
      v.end = ev.end;
      if (ev.body.kind === 'gtid' && !(ev.body.flavor === 'mysql' && ev.body.anonymous)) v.gtids.push(ev.body.gtid);
    }
  } catch {
    v.ok = false;
  }
  return v;
}

/** Scans the bytes event by event, recording the boundary after each event. */
function boundariesOf(bytes: Uint8Array, name: string): { ends: number[]; boundaries: number[] } {
  const s = new BinlogFileScanner(name);
  const ends: number[] = [];
  const boundaries: number[] = [];
  let at = 4;
  while (at < bytes.length) {
    const size = bytes[at + 9]! | (bytes[at + 10]! << 8) | (bytes[at + 11]! << 16) | (bytes[at + 12]! << 24);
    s.add(bytes.subarray(at, at + size), at);
    at += size;
    ends.push(at);
    boundaries.push(s.stats.boundaryPos);
  }
  return { ends, boundaries };
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pitr-scan-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe.skipIf(FILES.length === 0)('BinlogFileScanner on fixture binlogs', () => {
  it('counts what the decoder reads: events, GTIDs, end position', async () => {
    let compared = 0;
    for (const path of FILES) {
      const view = await decoderView(path);
      if (!view.ok) continue; // a fixture the decoder itself refuses (cut samples)
      const scanner = new BinlogFileScanner('f');
      const r = await scanPlainBinlogFile(path, scanner);
      const s = scanner.stats;
      expect({ path, events: s.events, end: s.endPos, size: r.sizeBytes }).toEqual({ path, events: view.events, end: view.end, size: statSync(path).size });
      if (!scanner.inGroup && view.gtids.length > 0) {
        expect({ path, first: s.firstGtid, last: s.lastGtid }).toEqual({ path, first: view.gtids[0], last: view.gtids[view.gtids.length - 1] });
        expect(s.transactions).toBeGreaterThanOrEqual(view.gtids.length);
      }
      expect(s.flavor).toBeDefined();
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
  });

  it('finds the last complete transaction in a file cut at any point', async () => {
    const candidates = FILES.filter((f) => statSync(f).size < 400_000);
    for (const path of candidates.slice(0, 8)) {
      if (!(await decoderView(path)).ok) continue;
      const bytes = new Uint8Array(await readFile(path));
      const { ends, boundaries } = boundariesOf(bytes, 'f');
      const cut = join(tmp, 'cut');
      for (const at of [5, 30, Math.floor(bytes.length / 3), Math.floor(bytes.length / 2) + 7, bytes.length - 1]) {
        await writeFile(cut, bytes.subarray(0, at));
        const scanner = new BinlogFileScanner('cut');
        const r = await scanPlainBinlogFile(cut, scanner, { tolerateDamage: true });
        // The last event that fits entirely before the cut, and the boundary after it.
        let k = -1;
        while (k + 1 < ends.length && ends[k + 1]! <= at) k++;
        const expectedBoundary = k < 0 ? 4 : boundaries[k]!;
        expect({ path, at, boundary: scanner.stats.boundaryPos, damaged: r.damagedBytes }).toEqual({
          path,
          at,
          boundary: expectedBoundary,
          damaged: at - (k < 0 ? 4 : ends[k]!),
        });
      }
    }
  });

  it('stops at a damaged event (CRC32) and reports it, or throws without tolerateDamage', async () => {
    const path = FILES.find((f) => f.includes('mariadb-bin.000001')) ?? FILES[0]!;
    const bytes = new Uint8Array(await readFile(path));
    const { ends } = boundariesOf(bytes, 'f');
    const victim = ends[Math.floor(ends.length / 2)]!; // start of an event in the middle
    const damaged = bytes.slice();
    damaged[victim + 20] = damaged[victim + 20]! ^ 0xff;
    const file = join(tmp, 'damaged');
    await writeFile(file, damaged);
    const r = await scanPlainBinlogFile(file, new BinlogFileScanner('damaged'), { tolerateDamage: true });
    expect(r.damagedBytes).toBe(bytes.length - victim);
    expect(r.damage).toMatch(/CRC32 mismatch/);
    const e = await scanPlainBinlogFile(file, new BinlogFileScanner('damaged')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PitrError);
    expect((e as PitrError).code).toBe('BINLOG_CHECKSUM');
  });
});

describe('plain file edge cases', () => {
  it('reports a missing or short magic', async () => {
    const f = join(tmp, 'short');
    for (const content of [Buffer.alloc(0), Buffer.from([0xfe, 0x62]), Buffer.from('nope, not a binlog')]) {
      await writeFile(f, content);
      const r = await scanPlainBinlogFile(f, new BinlogFileScanner('short'), { tolerateDamage: true });
      expect(r.badMagic).toBe(true);
    }
  });
});

describe('binlogDumpPayload', () => {
  it('encodes COM_BINLOG_DUMP as in the MariaDB protocol documentation example', () => {
    // https://mariadb.com/kb/en/com_binlog_dump/ : position 0x634, flags 2, server id 10101, mysql-bin.000034
    const payload = binlogDumpPayload({ file: 'mysql-bin.000034', position: 0x634, flags: 2, serverId: 10101 });
    expect(payload.toString('hex')).toBe('12340600000200752700006d7973716c2d62696e2e303030303334');
  });

  it('refuses positions and server ids the packet cannot carry', () => {
    expect(() => binlogDumpPayload({ file: 'f', position: 2 ** 32, flags: 0, serverId: 1 })).toThrow(PitrError);
    expect(() => binlogDumpPayload({ file: 'f', position: 4, flags: 0, serverId: 0 })).toThrow(PitrError);
  });
});
