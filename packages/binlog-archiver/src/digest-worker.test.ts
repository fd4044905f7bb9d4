import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, crc32 } from '@pitr/core';
import { DigestMismatchError, DigestWorker } from './digest-worker.js';
import { OpenBinlogFile } from './open-binlog-file.js';
import { StagingRing } from './staging-ring.js';

/** A v4 event of `size` bytes (type `type`) with a correct CRC32 trailer. */
function event(size: number, type: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (seed * 13 + i) & 0xff;
  b[4] = type;
  b.writeUInt32LE(size, 9);
  b.writeUInt32LE(crc32(b, 0, size - 4), size - 4);
  return b;
}

let worker: DigestWorker;
beforeAll(() => {
  worker = new DigestWorker();
});
afterAll(async () => {
  await worker.stop();
});

describe('DigestWorker', () => {
  it('hashes what it is given, in order, whatever the runs and their alignment', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 300_000 })), { minLength: 1, maxLength: 30 }), async (runs) => {
        const file = worker.newFile();
        const expected = createHash('sha256');
        // one backing buffer, runs at odd offsets in it: each goes to the threads as just its own bytes
        const backing = Buffer.alloc(runs.reduce((n, [pad, len]) => n + pad + len, 0));
        let at = 0;
        const views = runs.map(([pad, len], i) => {
          const v = backing.subarray(at + pad, at + pad + len);
          v.fill((i * 7 + 1) & 0xff);
          at += pad + len;
          expected.update(v);
          return v;
        });
        // several jobs, as the writer would send them
        for (let i = 0; i < views.length; i += 5) await worker.digest(file, views.slice(i, i + 5), { crc: false, hash: true });
        expect(await worker.sha256(file)).toBe(expected.digest('hex'));
      }),
      { numRuns: 20 },
    );
  });

  it('takes big jobs of bytes of their own (bigger than its staging ring), hashed in call order', async () => {
    const file = worker.newFile();
    const big = Buffer.alloc(9 << 20, 3); // > the 8 MiB staging ring
    const many = Array.from({ length: 40 }, (_, i) => Buffer.alloc(1 << 20, i)); // 40 MiB in one job
    const expected = createHash('sha256').update(big);
    for (const m of many) expected.update(m);
    await Promise.all([worker.digest(file, [big], { crc: false, hash: true }), worker.digest(file, many, { crc: false, hash: true })]);
    expect(await worker.sha256(file)).toBe(expected.digest('hex'));
    expect(await worker.sha256(worker.newFile())).toBeUndefined();
  });

  it('checks every event CRC32 and names the first bad one by its offset in the job', async () => {
    const events = [event(100, 30, 1), event(5000, 31, 2), event(40, 16, 3), event(800, 2, 4)];
    const file = worker.newFile();
    await worker.digest(file, [Buffer.concat(events.slice(0, 2)), Buffer.concat(events.slice(2))], { crc: true, hash: false });
    const bad = Buffer.concat(events);
    bad[5120] = bad[5120]! ^ 1; // in the XID event's body
    const e = await worker.digest(file, [bad.subarray(0, 5100), bad.subarray(5100)], { crc: true, hash: false }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DigestMismatchError);
    expect((e as DigestMismatchError).mismatch).toMatchObject({ offset: 5100, type: 16 });
    // a FORMAT_DESCRIPTION_EVENT's CRC32 is left to the scanner (its in-use flag byte)
    const fde = event(120, 15, 5);
    fde[17] = fde[17]! | 1;
    await expect(worker.digest(file, [fde], { crc: true, hash: false })).resolves.toBeUndefined();
  });
});

describe('OpenBinlogFile with a digest worker', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pitr-digest-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hashes the closed form of the file (the FDE without its in-use flag) beside the writes', async () => {
    const file = await OpenBinlogFile.create(dir, 'b.000001', { digestWorker: worker });
    const fde = event(120, 15, 1);
    const inUse = Buffer.from(fde);
    inUse[17] = inUse[17]! | 1;
    file.append(inUse, fde);
    file.checkChecksums = true;
    const block = Buffer.concat([event(300, 30, 2), event(31, 16, 3)]);
    file.append(block.subarray(0, 300));
    file.append(block.subarray(300));
    await file.close();
    const onDisk = await readFile(join(dir, 'b.000001'));
    expect(onDisk[4 + 17]! & 1).toBe(1); // open: in use, as on the server's disk
    onDisk[4 + 17]! &= ~1;
    expect(await file.closedSha256()).toBe(createHash('sha256').update(onDisk).digest('hex'));
  });

  it('hashes and checks files staged in a small shared ring, events wrapping around its end included', async () => {
    const small = new DigestWorker(new StagingRing(1 << 20, { shared: true }));
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 23, max: 70_000 }), { minLength: 50, maxLength: 150 }), fc.integer({ min: 1, max: 40 }), async (sizes, flushEvery) => {
          const file = await OpenBinlogFile.create(dir, `w.${small.newFile()}`, { digestWorker: small, staging: small.staging });
          const fde = event(120, 15, 1);
          const inUse = Buffer.from(fde);
          inUse[17] = inUse[17]! | 1;
          file.append(inUse, fde);
          file.checkChecksums = true;
          // the events of a batch lie in one buffer, as the dump stream's blocks hold them
          const block = Buffer.concat(sizes.map((n, i) => event(n, 30, i)));
          let at = 0;
          for (let i = 0; i < sizes.length; i++) {
            file.append(block.subarray(at, at + sizes[i]!));
            at += sizes[i]!;
            if (i % flushEvery === 0) await file.flush();
          }
          await file.close();
          const onDisk = await readFile(file.path);
          expect(onDisk.subarray(4 + 120).equals(block)).toBe(true);
          onDisk[4 + 17]! &= ~1;
          expect(await file.closedSha256()).toBe(createHash('sha256').update(onDisk).digest('hex'));
        }),
        { numRuns: 10 },
      );
    } finally {
      await small.stop();
    }
  });

  it('reports a bad event as a CRC32 mismatch at its file offset, and keeps failing', async () => {
    const file = await OpenBinlogFile.create(dir, 'b.000002', { digestWorker: worker });
    file.append(event(120, 15, 1));
    file.checkChecksums = true;
    const bad = event(200, 30, 2);
    bad[50] = bad[50]! ^ 0xff;
    file.append(event(60, 33, 3));
    file.append(bad);
    // the write runs in the background: the failure comes with the next call that waits for it
    await file.flush();
    const e = await file.sync().catch((x: unknown) => x);
    expect(e).toMatchObject({ code: ERROR_CODES.BINLOG_CHECKSUM, offset: 4 + 120 + 60 });
    expect(String((e as Error).message)).toMatch(/CRC32 mismatch/);
    await expect(file.flush()).rejects.toBe(e);
    expect(file.syncedPosition).toBe(4);
    await file.abandon();
  });
});
