import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PitrError } from '../errors/pitr-error.js';
import { ATOMIC_TEMP_PREFIX } from './atomic-file.js';
import { initRepo, openRepo, REPO_FORMAT_VERSION, repoLayout } from './repo-layout.js';

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'pitr-repo-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<PitrError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PitrError);
  return e as PitrError;
}

describe('repoLayout', () => {
  it('puts every path under the repository', () => {
    const l = repoLayout('/srv/pitr');
    expect(l.dumpFile('20260525T143007Z-1a2b')).toBe('/srv/pitr/backups/20260525T143007Z-1a2b/dump.sql.gz');
    expect(l.backupRecordFile('20260525T143007Z-1a2b')).toBe('/srv/pitr/backups/20260525T143007Z-1a2b/backup.json');
    expect(l.timelineDir('db1-3306')).toBe('/srv/pitr/binlogs/db1-3306');
    expect(l.restoreRecordFile('r1')).toBe('/srv/pitr/restores/r1.json');
    expect(l.lockFile).toBe('/srv/pitr/lock');
    expect(l.markerFile).toBe('/srv/pitr/pitr-repo.json');
    expect(l.catalogDir).toBe('/srv/pitr/catalog');
  });

  it('refuses ids that would leave the repository', () => {
    const l = repoLayout('/srv/pitr');
    for (const bad of ['..', '../etc', 'a/b', '.hidden', '', 'a..b']) {
      expect(() => l.backupDir(bad)).toThrow(PitrError);
    }
  });
});

describe('initRepo / openRepo', () => {
  it('creates a repository, and is idempotent on it', async () => {
    const dir = join(base, 'new', 'repo');
    const repo = await initRepo(dir);
    expect(repo.marker.formatVersion).toBe(REPO_FORMAT_VERSION);
    expect((await readdir(dir)).sort()).toEqual(['backups', 'binlogs', 'catalog', 'pitr-repo.json', 'restores']);
    await writeFile(join(dir, 'backups', 'keep'), 'x');
    const again = await initRepo(dir);
    expect(again.marker.createdAt).toBe(repo.marker.createdAt);
    expect(await readFile(join(dir, 'backups', 'keep'), 'utf8')).toBe('x');
    const opened = await openRepo(dir);
    expect(opened.layout.root).toBe(dir);
  });

  it('round-trips JSON through the repository handle', async () => {
    const repo = await initRepo(base);
    const file = repo.layout.restoreRecordFile('r1');
    await repo.writeJson(file, { status: 'running' });
    expect(await repo.readJson(file, (v) => v as { status: string })).toEqual({ status: 'running' });
    expect(await repo.readJsonIfExists(repo.layout.restoreRecordFile('r2'), (v) => v)).toBeUndefined();
  });

  it('refuses a non-empty directory that is not a repository', async () => {
    await writeFile(join(base, 'notes.txt'), 'mine');
    const err = await rejection(initRepo(base));
    expect(err.code).toBe('USAGE');
    expect(err.message).toContain('is not empty and is not a pitr repository');
    expect(await readdir(base)).toEqual(['notes.txt']);
  });

  it('creates the repository where a killed first run left only the marker\'s temp file', async () => {
    // SIGKILLed between writing the marker's temp file and renaming it (the archiver kill test hit this)
    await writeFile(join(base, `${ATOMIC_TEMP_PREFIX}pitr-repo.json-123`), '{"format":');
    const repo = await initRepo(base);
    expect((await openRepo(base)).layout.root).toBe(repo.layout.root);
  });

  it('explains how to create a repository when there is none', async () => {
    const missing = await rejection(openRepo(join(base, 'nope')));
    expect(missing.message).toContain('does not exist');
    expect(missing.hints.join(' ')).toContain('run `pitr backup --repo');
    const empty = await rejection(openRepo(base));
    expect(empty.code).toBe('USAGE');
    expect(empty.message).toContain('is not a pitr repository');
    expect(empty.hints.join(' ')).toContain('run `pitr backup --repo');
    await writeFile(join(base, 'file'), 'x');
    const notDir = await rejection(openRepo(join(base, 'file')));
    expect(notDir.message).toContain('not a directory');
  });

  it('refuses a marker it did not write and a newer format version', async () => {
    await writeFile(join(base, 'pitr-repo.json'), '{"hello": 1}');
    expect((await rejection(openRepo(base))).message).toContain('is not a pitr repository marker');
    await writeFile(join(base, 'pitr-repo.json'), JSON.stringify({ format: 'pitr-repo', formatVersion: REPO_FORMAT_VERSION + 1 }));
    const newer = await rejection(openRepo(base));
    expect(newer.message).toContain(`format version ${REPO_FORMAT_VERSION + 1}`);
    expect(newer.hints.join(' ')).toContain('upgrade pitr');
    await writeFile(join(base, 'pitr-repo.json'), '{"format": ');
    expect((await rejection(openRepo(base))).message).toContain('not valid JSON');
  });

  it('recreates missing subdirectories of an existing repository', async () => {
    await initRepo(base);
    await rm(join(base, 'catalog'), { recursive: true });
    await mkdir(join(base, 'binlogs', 't1'), { recursive: true });
    await openRepo(base);
    expect((await readdir(base)).sort()).toEqual(['backups', 'binlogs', 'catalog', 'pitr-repo.json', 'restores']);
  });
});
