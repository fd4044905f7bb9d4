import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PitrError } from '../errors/pitr-error.js';
import { isAtomicTempName, readJsonFile, readJsonFileIfExists, writeFileAtomic, writeJsonAtomic } from './atomic-file.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../../../..');
const ATOMIC_MODULE = pathToFileURL(join(HERE, 'atomic-file.ts')).href;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pitr-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const isCounter = (v: unknown): { n: number } => {
  if (typeof v !== 'object' || v === null || typeof (v as { n?: unknown }).n !== 'number') throw new Error('n must be a number');
  return v as { n: number };
};

describe('writeFileAtomic', () => {
  it('replaces the content and leaves no temp file', async () => {
    const file = join(dir, 'backup.json');
    await writeFileAtomic(file, 'old');
    await writeJsonAtomic(file, { n: 2 });
    expect(await readFile(file, 'utf8')).toBe('{\n  "n": 2\n}\n');
    expect(await readdir(dir)).toEqual(['backup.json']);
    expect(await readJsonFile(file, isCounter)).toEqual({ n: 2 });
  });

  it('honours the file mode', async () => {
    const file = join(dir, 'secret.cnf');
    await writeFileAtomic(file, '[client]\n', { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('fails with PitrError IO and leaves nothing behind when the directory is missing', async () => {
    const err = (await writeFileAtomic(join(dir, 'missing', 'x.json'), '{}').catch((e: unknown) => e)) as PitrError;
    expect(err).toBeInstanceOf(PitrError);
    expect(err.code).toBe('IO');
    expect(err.message).toContain('ENOENT');
    expect(await readdir(dir)).toEqual([]);
  });

  it('leaves either the old or a complete new file when the writer is killed mid-write', async () => {
    const file = join(dir, 'data.txt');
    const sizeBytes = 4 * 1024 * 1024;
    await writeFile(file, 'a'.repeat(sizeBytes));
    // The child rewrites the file over and over with a different letter of the same length each time;
    // a torn write would show a mix of letters or a wrong length.
    const script = `import { writeFileAtomic } from ${JSON.stringify(ATOMIC_MODULE)};
      const letters = 'bcdefghij';
      console.log('START');
      for (let i = 0; ; i++) await writeFileAtomic(${JSON.stringify(file)}, letters[i % letters.length].repeat(${sizeBytes}));`;
    for (let round = 0; round < 3; round++) {
      const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((res) => proc.stdout.once('data', () => res()));
      await new Promise((res) => setTimeout(res, 60 + round * 70));
      const exited = new Promise((res) => proc.on('exit', res));
      proc.kill('SIGKILL');
      await exited;
      const content = await readFile(file, 'utf8');
      expect(content.length).toBe(sizeBytes);
      expect(content).toBe((content[0] as string).repeat(sizeBytes));
      // A kill between create and rename can leave a temp file; it is recognisable as one.
      for (const name of await readdir(dir)) {
        if (name !== 'data.txt') expect(isAtomicTempName(name)).toBe(true);
      }
    }
  });
});

describe('readJsonFile', () => {
  it('names the file when it is missing, not JSON, or the wrong shape', async () => {
    const file = join(dir, 'r.json');
    await expect(readJsonFile(file, isCounter)).rejects.toThrow(/could not read .*r\.json: ENOENT/);
    expect(await readJsonFileIfExists(file, isCounter)).toBeUndefined();
    await writeFile(file, '{"n": ');
    await expect(readJsonFile(file, isCounter)).rejects.toThrow(/r\.json is not valid JSON/);
    await writeFile(file, '{"n": "x"}');
    const err = (await readJsonFile(file, isCounter).catch((e: unknown) => e)) as PitrError;
    expect(err).toBeInstanceOf(PitrError);
    expect(err.message).toMatch(/r\.json has an unexpected shape: n must be a number/);
  });

  it('passes a PitrError from the validator through unchanged', async () => {
    const file = join(dir, 'r.json');
    await writeFile(file, '{}');
    const mine = new PitrError('USAGE', 'not mine');
    await expect(
      readJsonFile(file, () => {
        throw mine;
      }),
    ).rejects.toBe(mine);
  });
});
