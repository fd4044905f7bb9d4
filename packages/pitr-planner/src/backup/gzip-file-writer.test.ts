import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeGzipFile } from './gzip-file-writer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pitr-gzip-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeGzipFile', () => {
  it('streams, hashes the file bytes and counts both sides', async () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < 300; i++) parts.push(Buffer.from(`INSERT INTO t VALUES (${i}, '${'x'.repeat(i * 7)}');\n`));
    const seen: number[] = [];
    async function* source(): AsyncGenerator<Buffer> {
      yield* parts;
    }
    const path = join(dir, 'dump.sql.gz');
    const r = await writeGzipFile(source(), path, { onBytes: (i) => seen.push(i) });
    const file = await readFile(path);
    expect(r.sizeBytes).toBe(file.length);
    expect(r.sha256).toBe(createHash('sha256').update(file).digest('hex'));
    expect(r.inputBytes).toBe(Buffer.concat(parts).length);
    expect(gunzipSync(file).equals(Buffer.concat(parts))).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('refuses to overwrite and reports a failing source as is', async () => {
    const path = join(dir, 'x.gz');
    await writeGzipFile([Buffer.from('a')], path);
    await expect(writeGzipFile([Buffer.from('b')], path)).rejects.toThrow(/could not create/);
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.from('partial');
      throw new Error('dump went away');
    }
    await expect(writeGzipFile(broken(), join(dir, 'y.gz'))).rejects.toThrow(/dump went away/);
  });
});
