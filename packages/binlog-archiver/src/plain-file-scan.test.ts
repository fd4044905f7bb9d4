// One pass over a plain binlog file: events framed across chunk boundaries, events bigger than a
// chunk read on their own, every byte handed to onChunk once and in order.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BinlogFileScanner } from './binlog-file-scanner.js';
import { scanPlainBinlogFile } from './plain-file-scan.js';
import { BINLOG_FILE_MAGIC } from './replication-protocol.js';

const dir = mkdtempSync(join(tmpdir(), 'pitr-plain-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An event of a type the scanner only frames (WRITE_ROWS, 30), `size` bytes. */
function rawEvent(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 19; i < size; i++) b[i] = (seed * 7 + i) & 0xff;
  b.writeUInt32LE(1_700_000_000 + seed, 0);
  b[4] = 30;
  b.writeUInt32LE(size, 9);
  return b;
}

describe('scanPlainBinlogFile', () => {
  it('frames events across chunks and over a chunk, handing every byte to onChunk once, in order', async () => {
    const sizes = [100, 3 << 20, 50, (1 << 20) + 1, 19, 2_500_000, 700_000, 5 << 20, 23];
    const file = Buffer.concat([BINLOG_FILE_MAGIC, ...sizes.map((s, i) => rawEvent(s, i))]);
    const path = join(dir, 'mariadb-bin.000001');
    writeFileSync(path, file);
    const scanner = new BinlogFileScanner('mariadb-bin.000001');
    const seen: Buffer[] = [];
    let next = 0;
    const r = await scanPlainBinlogFile(path, scanner, {
      onChunk: (chunk, offset) => {
        expect(offset).toBe(next);
        next += chunk.length;
        seen.push(Buffer.from(chunk));
      },
    });
    expect(r).toEqual({ sizeBytes: file.length, badMagic: false, damagedBytes: 0, damage: undefined });
    expect(Buffer.concat(seen).equals(file)).toBe(true);
    expect(scanner.stats.events).toBe(sizes.length);
    expect(scanner.stats.endPos).toBe(file.length);
  });

  it('reports a big last event cut short as damage (tolerateDamage)', async () => {
    const whole = Buffer.concat([BINLOG_FILE_MAGIC, rawEvent(500, 1), rawEvent(3 << 20, 2)]);
    const path = join(dir, 'mariadb-bin.000002');
    writeFileSync(path, whole.subarray(0, whole.length - 1000));
    const scanner = new BinlogFileScanner('mariadb-bin.000002');
    const r = await scanPlainBinlogFile(path, scanner, { tolerateDamage: true });
    expect(r.damage).toMatch(/the last event \(at 504\) is incomplete/);
    expect(r.damagedBytes).toBe((3 << 20) - 1000);
    expect(scanner.stats.boundaryPos).toBe(504);
  });
});
