/**
 * OpenBinlogFile's writes: whatever the sizes of the appends and the moments of the flushes, the
 * file holds exactly the bytes appended, at every sync and at the end, with O_DIRECT writes of
 * whole pages from a staging ring (a small one: pieces wait for ring room), the partial last
 * page through the page cache when syncing, and everything through the page cache where O_DIRECT
 * is refused (misaligned memory, filesystems without it).
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenBinlogFile } from './open-binlog-file.js';
import { BINLOG_FILE_MAGIC } from './replication-protocol.js';
import { StagingRing } from './staging-ring.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(parent = tmpdir()): Promise<string> {
  const d = await mkdtemp(join(parent, 'pitr-open-file-'));
  dirs.push(d);
  return d;
}

/** Whether files in `dir` can be opened with O_DIRECT (not on tmpfs, for one). */
async function takesDirectIo(dir: string): Promise<boolean> {
  try {
    const h = await open(join(dir, 'probe'), fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_DIRECT);
    await h.close();
    return true;
  } catch {
    return false;
  }
}

const SOURCE = randomBytes(4 << 20);

/** Step: append an event of `size` bytes taken at `from` in SOURCE, then maybe flush or sync. */
interface Step {
  readonly from: number;
  readonly size: number;
  readonly then: 'none' | 'flush' | 'sync' | 'background';
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  from: fc.nat(SOURCE.length - 1),
  // events: small, row-event sized, big (a quarter of the test's 1 MiB ring and more bypass it)
  size: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 9000 }), fc.integer({ min: 60_000, max: 300_000 }), fc.integer({ min: 300_000, max: 900_000 })),
  then: fc.constantFrom('none', 'flush', 'flush', 'sync', 'background'),
});

/** Runs the steps on `file` (which holds `expected` so far), checking the file at each sync and at the end. */
async function play(file: OpenBinlogFile, steps: readonly Step[], expected: Buffer[]): Promise<void> {
  for (const s of steps) {
    const bytes = SOURCE.subarray(s.from, Math.min(SOURCE.length, s.from + s.size));
    file.append(bytes);
    expected.push(bytes);
    if (s.then === 'flush') await file.flush();
    if (s.then === 'background') await file.syncInBackground();
    if (s.then === 'sync') {
      await file.sync();
      const want = Buffer.concat(expected);
      expect((await stat(file.path)).size).toBe(want.length);
      expect((await readFile(file.path)).equals(want)).toBe(true);
    }
  }
  // background syncs alone make it exact and durable once the writes settle (the staged partial
  // page after the last direct write goes out through the page cache)
  await file.syncInBackground();
  const deadline = Date.now() + 10_000;
  while (file.syncedPosition !== file.position && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(file.syncedPosition).toBe(file.position);
  expect((await readFile(file.path)).equals(Buffer.concat(expected))).toBe(true);
  await file.close();
  expect((await readFile(file.path)).equals(Buffer.concat(expected))).toBe(true);
}

describe('OpenBinlogFile writes', () => {
  it('holds exactly the appended bytes with direct writes from a small staging ring (pieces wait for room; big events bypass it)', async () => {
    const dir = await tempDir();
    const direct = await takesDirectIo(dir);
    if (!direct) console.warn(`[skip part] ${dir} takes no O_DIRECT: the writes go through the page cache`);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 40 }), async (steps) => {
        const file = await OpenBinlogFile.create(dir, `f.${++n}`, { staging: new StagingRing(1 << 20) });
        expect(file.directWrites).toBe(direct);
        await play(file, steps, [Buffer.from(BINLOG_FILE_MAGIC)]);
        // no write fell back (the ring's memory is aligned)
        expect(file.directWrites).toBe(direct);
      }),
      { numRuns: 25 },
    );
  });

  it('hashes what it writes: closedSha256 is the SHA-256 of the file', async () => {
    const dir = await tempDir();
    const file = await OpenBinlogFile.create(dir, 'f.1', { staging: new StagingRing() });
    for (let i = 0; i < 30; i++) {
      file.append(SOURCE.subarray(i * 100_000, i * 100_000 + 70_001 + i));
      if (i % 3 === 0) await file.flush();
    }
    await file.sync();
    const sha = await file.closedSha256();
    await file.close();
    expect(sha).toBe(createHash('sha256').update(await readFile(file.path)).digest('hex'));
  });

  it('continues a reopened file at an unaligned size', async () => {
    const dir = await tempDir();
    const first = await OpenBinlogFile.create(dir, 'f.1');
    const expected = [Buffer.from(BINLOG_FILE_MAGIC), SOURCE.subarray(0, 12_345)];
    first.append(expected[1]!);
    first.append(SOURCE.subarray(0, 999)); // cut by the reopen
    await first.close();
    const file = await OpenBinlogFile.reopen(dir, 'f.1', 4 + 12_345, false, { staging: new StagingRing() });
    await play(
      file,
      [
        { from: 5, size: 700_001, then: 'flush' },
        ...Array.from({ length: 40 }, (_, i): Step => ({ from: 77 + i, size: 100_000 + i, then: 'none' })),
        { from: 77, size: 3_000_000, then: 'sync' },
        { from: 1, size: 10, then: 'sync' },
      ],
      expected,
    );
  });

  it('createAfter: receives while the previous file closes, creates the file only then, and fails with the previous close', async () => {
    const dir = await tempDir();
    let closePrevious!: () => void;
    const previous = new Promise<void>((resolve) => (closePrevious = resolve));
    const file = OpenBinlogFile.createAfter(dir, 'f.1', { staging: new StagingRing(1 << 20) }, previous);
    const expected = [Buffer.from(BINLOG_FILE_MAGIC)];
    for (let i = 0; i < 20; i++) {
      const bytes = SOURCE.subarray(i * 1000, i * 1000 + 30_000 + i);
      file.append(bytes);
      expected.push(bytes);
      await file.flush(); // returns at once: nothing is written before the previous file is closed
      await file.syncInBackground();
    }
    await expect(stat(file.path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(file.position).toBe(Buffer.concat(expected).length);
    closePrevious();
    // created, and what was appended meanwhile written and synced without another call
    const deadline = Date.now() + 10_000;
    while (file.syncedPosition !== file.position && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(file.syncedPosition).toBe(file.position);
    expect((await readFile(file.path)).equals(Buffer.concat(expected))).toBe(true);
    await play(file, [{ from: 9, size: 200_000, then: 'sync' }], expected);

    const failed = OpenBinlogFile.createAfter(dir, 'f.2', {}, Promise.reject(new Error('the previous file could not be closed')));
    failed.append(SOURCE.subarray(0, 100));
    await expect(failed.sync()).rejects.toThrow('the previous file could not be closed');
    await failed.abandon();
    await expect(stat(failed.path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes through the page cache where O_DIRECT is refused', async () => {
    // tmpfs refused O_DIRECT at open before Linux 6.6 (and takes it since)
    const shm = await stat('/dev/shm').then(
      () => true,
      () => false,
    );
    if (shm) {
      const dir = await tempDir('/dev/shm');
      const file = await OpenBinlogFile.create(dir, 'f.1', { staging: new StagingRing(1 << 20) });
      expect(file.directWrites).toBe(await takesDirectIo(dir));
      await play(file, [{ from: 0, size: 100_000, then: 'none' }, { from: 5, size: 200_000, then: 'sync' }], [Buffer.from(BINLOG_FILE_MAGIC)]);
    }
    // misaligned memory: the first direct write fails with EINVAL, and the file goes on without
    const dir = await tempDir();
    if (!(await takesDirectIo(dir))) return;
    const odd = new StagingRing(1 << 20, { memory: new Uint8Array((1 << 20) + 1).subarray(1) });
    const file = await OpenBinlogFile.create(dir, 'f.2', { staging: odd });
    expect(file.directWrites).toBe(true);
    const steps: Step[] = Array.from({ length: 60 }, (_, i) => ({ from: i * 1000, size: 20_000 + i, then: i % 20 === 19 ? 'sync' : 'none' }));
    await play(file, steps, [Buffer.from(BINLOG_FILE_MAGIC)]);
    expect(file.directWrites).toBe(false);
  });
});
