/**
 * The manifest format stays readable across additions (gaps, sealed, expired, incomplete are
 * optional), malformed additions are refused, and updateManifest serialises concurrent writers
 * (the archiver and `pitr expire`) so neither undoes the other's change.
 */
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT, readManifest, updateManifest, validateManifest, withEntry, writeManifest, type BinlogManifest, type ManifestFileEntry } from './binlog-manifest.js';
import { initRepo } from './repo-layout.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const base: BinlogManifest = {
  format: MANIFEST_FORMAT,
  manifestVersion: 1,
  timeline: '0001-mariadb-1',
  source: { flavor: 'mariadb', serverVersion: '10.11', serverId: 1, binlogBasename: 'bin', url: 'mysql://u@h/' },
  createdAt: '2026-05-25T00:00:00Z',
  updatedAt: '2026-05-25T00:00:00Z',
  files: [],
};
const entry = (n: number): ManifestFileEntry => ({
  name: `bin.${String(n).padStart(6, '0')}`,
  state: 'closed',
  storedAs: `bin.${String(n).padStart(6, '0')}.gz`,
  compression: 'gzip',
  startPos: 4,
  endPos: 100,
  storedBytes: 50,
  events: 1,
  transactions: 0,
  checksum: 'CRC32',
  serverId: 1,
  serverVersion: '10.11',
  flavor: 'mariadb',
  archivedAt: '2026-05-25T00:00:00Z',
});

describe('validateManifest', () => {
  it('reads manifests with and without the optional additions', () => {
    expect(validateManifest(JSON.parse(JSON.stringify(base)), 'm')).toEqual(base);
    const withGap = {
      ...base,
      files: [{ ...entry(1), incomplete: true }, entry(3)],
      gaps: [{ reason: 'purged-before-archived', from: { file: 'bin.000001', pos: 100 }, to: { file: 'bin.000003', pos: 4 }, missingFiles: ['bin.000002'], partialFile: 'bin.000001', detectedAt: 'x' }],
      sealed: { at: 'x', reason: 'RESET MASTER', successor: '0002-mariadb-1' },
      expired: { before: 'bin.000001', at: 'x', files: 3 },
    };
    expect(validateManifest(JSON.parse(JSON.stringify(withGap)), 'm')).toEqual(withGap);
  });

  it('refuses a malformed gap and a newer version', () => {
    expect(() => validateManifest({ ...base, gaps: [{ from: { file: 'a' } }] }, 'm')).toThrow(/a gap lacks/);
    expect(() => validateManifest({ ...base, gaps: 'x' }, 'm')).toThrow(/gaps must be a list/);
    expect(() => validateManifest({ ...base, manifestVersion: 2 }, 'm')).toThrow(/manifest version 2/);
  });
});

describe('updateManifest', () => {
  it('applies concurrent changes one after the other', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pitr-manifest-'));
    dirs.push(dir);
    const repo = await initRepo(dir);
    await mkdir(repo.layout.timelineDir(base.timeline), { recursive: true });
    await writeManifest(repo, base);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        updateManifest(repo, base.timeline, async (m) => {
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          return withEntry(m!, entry(i + 1));
        }),
      ),
    );
    const m = (await readManifest(repo, base.timeline))!;
    expect(m.files.map((f) => f.name)).toEqual(Array.from({ length: 20 }, (_, i) => entry(i + 1).name));
    // the lock and the temp files it is linked from are gone
    expect(await readdir(repo.layout.timelineDir(base.timeline))).toEqual(['manifest.json']);
  });

  it('takes over the lock of a killed writer on this host at once; waits for another host\'s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pitr-manifest-'));
    dirs.push(dir);
    const repo = await initRepo(dir);
    await mkdir(repo.layout.timelineDir(base.timeline), { recursive: true });
    await writeManifest(repo, base);
    const lock = join(repo.layout.timelineDir(base.timeline), 'manifest.lock');
    // a pid that cannot be running (beyond pid_max)
    await writeFile(lock, `999999999 ${hostname()}\n`);
    const t0 = Date.now();
    await updateManifest(repo, base.timeline, (m) => withEntry(m!, entry(1)), { waitMs: 5000 });
    expect(Date.now() - t0).toBeLessThan(1000);
    await writeFile(lock, `999999999 some-other-host\n`);
    await expect(updateManifest(repo, base.timeline, (m) => withEntry(m!, entry(2)), { waitMs: 200 })).rejects.toMatchObject({ code: 'REPO_LOCKED' });
  });
});
