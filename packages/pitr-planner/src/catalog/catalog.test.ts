import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PitrError } from '@pitr/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBackupId, newBackupId, parseBackupRecord } from './backup-record.js';
import type { BackupRecord } from './backup-record.js';
import {
  completeBackupRecord,
  failBackupRecord,
  listBackups,
  readBackupRecord,
  startBackupRecord,
} from './catalog.js';
import type { CatalogLock, CatalogRepo } from './catalog.js';

/**
 * The catalog runs against @pitr/core's repository (initRepo + acquireRepoLock) when the core
 * build exports it, and otherwise against a minimal stand-in with the same layout, so these
 * tests also pass before the core exports are wired.
 */
interface RepoApi {
  initRepo(dir: string): Promise<CatalogRepo>;
  acquireRepoLock(dir: string, options: { command: string }): Promise<CatalogLock & { release(): Promise<void> }>;
}

async function repoApi(): Promise<RepoApi> {
  const core = (await import('@pitr/core')) as unknown as Partial<RepoApi>;
  if (typeof core.initRepo === 'function' && typeof core.acquireRepoLock === 'function') return core as RepoApi;
  return {
    async initRepo(dir) {
      const root = resolve(dir);
      const backupsDir = join(root, 'backups');
      await mkdir(backupsDir, { recursive: true });
      return {
        dir: root,
        layout: {
          backupsDir,
          backupDir: (id) => join(backupsDir, id),
          backupRecordFile: (id) => join(backupsDir, id, 'backup.json'),
        },
        writeJson: (path, value) => writeFile(path, `${JSON.stringify(value, null, 2)}\n`),
        readJson: async (path, validate) => validate(JSON.parse(await readFile(path, 'utf8')), path),
      };
    },
    async acquireRepoLock(dir) {
      const lock = { dir: resolve(dir), held: true, release: async () => void (lock.held = false) };
      return lock;
    },
  };
}

let base: string;
let repo: CatalogRepo;
let lock: CatalogLock & { release(): Promise<void> };
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'pitr-catalog-'));
  const api = await repoApi();
  repo = await api.initRepo(base);
  lock = await api.acquireRepoLock(base, { command: 'backup' });
});
afterEach(async () => {
  await lock.release();
  await rm(base, { recursive: true, force: true });
});

const SHA = 'ab'.repeat(32);
const SERVER = { flavor: 'mariadb' as const, version: '10.11.19-MariaDB-log', serverId: 1 };

describe('backup ids', () => {
  it('are the UTC start second plus 4 hex digits', () => {
    const id = newBackupId(new Date('2026-05-25T14:30:07.987Z'), Uint8Array.of(0x1a, 0x2b));
    expect(id).toBe('20260525T143007Z-1a2b');
    expect(isBackupId(id)).toBe(true);
    expect(isBackupId('20260525T143007Z-1A2B')).toBe(false);
    expect(isBackupId('../x')).toBe(false);
  });
});

describe('backup record lifecycle', () => {
  it('running → completed round-trips through the repository', async () => {
    const started = await startBackupRecord(repo, lock, {
      trigger: 'manual',
      server: SERVER,
      dumpTool: { name: 'mariadb-dump', version: '10.19', flags: ['--single-transaction', '--master-data=2'] },
      databases: [{ name: 'shop', tables: [{ name: 'orders', rowsEstimate: null }] }],
      who: { user: 'dba', host: 'ops1' },
      startedAt: new Date('2026-05-25T14:30:07.000Z'),
    });
    expect(started.status).toBe('running');
    expect(started.id).toMatch(/^20260525T143007Z-[0-9a-f]{4}$/);
    expect(await readBackupRecord(repo, started.id)).toEqual(started);

    const done = await completeBackupRecord(repo, lock, started.id, {
      coordinates: { file: 'mariadb-bin.000012', pos: 4567, gtid: '0-1-1234' },
      sizeBytes: 1024,
      sha256: SHA,
      databases: [{ name: 'shop', tables: [{ name: 'orders', rowsEstimate: 1200 }] }],
      endedAt: new Date('2026-05-25T14:31:09.500Z'),
    });
    expect(done).toMatchObject({ status: 'completed', durationMs: 62_500, endedAt: '2026-05-25T14:31:09.500Z' });
    const read = await readBackupRecord(repo, started.id);
    expect(read).toEqual(done);
    expect(read.who).toEqual({ user: 'dba', host: 'ops1' });
    expect(read.databases[0]?.tables[0]?.rowsEstimate).toBe(1200);

    // A record changes status once.
    await expect(failBackupRecord(repo, lock, started.id, new Error('late'))).rejects.toThrow(/already completed/);
  });

  it('running → failed keeps the error text and defaults who to this process', async () => {
    const started = await startBackupRecord(repo, lock, { trigger: 'pre_restore' });
    expect(started.who.user.length).toBeGreaterThan(0);
    const failed = await failBackupRecord(repo, lock, started.id, new PitrError('CONNECTION', 'server went away'));
    expect(failed).toMatchObject({ status: 'failed', error: 'server went away', trigger: 'pre_restore' });
    expect((await readBackupRecord(repo, started.id)).status).toBe('failed');
  });

  it('refuses writes without the lock and an id that exists', async () => {
    const released = { dir: repo.dir, held: false };
    await expect(startBackupRecord(repo, released, { trigger: 'manual' })).rejects.toThrow(/without holding its lock/);
    const other = { dir: join(base, 'elsewhere'), held: true };
    await expect(startBackupRecord(repo, other, { trigger: 'manual' })).rejects.toThrow(/without holding its lock/);
    const id = '20260525T143007Z-0000';
    await startBackupRecord(repo, lock, { trigger: 'manual', id });
    await expect(startBackupRecord(repo, lock, { trigger: 'manual', id })).rejects.toThrow(/already exists/);
  });

  it('refuses to mark completed without valid coordinates or checksum', async () => {
    const started = await startBackupRecord(repo, lock, { trigger: 'manual' });
    await expect(
      completeBackupRecord(repo, lock, started.id, { coordinates: { file: 'b.000001', pos: 4 }, sizeBytes: 1, sha256: 'nothex' }),
    ).rejects.toThrow(/sha256 must be 64 lowercase hex digits/);
    expect((await readBackupRecord(repo, started.id)).status).toBe('running');
  });
});

describe('listBackups', () => {
  async function backup(startedAt: string, coordinates?: { file: string; pos: number }): Promise<BackupRecord> {
    const r = await startBackupRecord(repo, lock, { trigger: 'manual', startedAt: new Date(startedAt) });
    if (coordinates === undefined) return r;
    return completeBackupRecord(repo, lock, r.id, { coordinates, sizeBytes: 10, sha256: SHA, endedAt: new Date(startedAt) });
  }

  it('orders by binlog coordinates, not by wall clock; records without coordinates last', async () => {
    // Wall clocks disagree with binlog order (e.g. a clock step): coordinates win.
    const b3 = await backup('2026-05-25T10:00:00Z', { file: 'bin.000010', pos: 4 });
    const b1 = await backup('2026-05-25T12:00:00Z', { file: 'bin.000009', pos: 900 });
    const b2 = await backup('2026-05-25T11:00:00Z', { file: 'bin.000010', pos: 4 });
    const b0 = await backup('2026-05-25T13:00:00Z', { file: 'bin.000009', pos: 120 });
    const running = await backup('2026-05-25T09:00:00Z');
    const list = await listBackups(repo);
    expect(list.map((r) => r.id)).toEqual([b0.id, b1.id, b3.id, b2.id, running.id]);
    expect((await listBackups(repo, { status: ['completed'] })).map((r) => r.id)).toEqual([b0.id, b1.id, b3.id, b2.id]);
  });

  it('skips non-backup entries, and reports a damaged record', async () => {
    const ok = await backup('2026-05-25T10:00:00Z', { file: 'bin.000001', pos: 4 });
    await writeFile(join(repo.layout.backupsDir, 'README'), 'not a backup');
    await mkdir(repo.layout.backupDir('20260101T000000Z-dead'));
    await writeFile(repo.layout.backupRecordFile('20260101T000000Z-dead'), '{"id": 1}');
    await expect(listBackups(repo)).rejects.toBeInstanceOf(PitrError);
    const problems: string[] = [];
    const list = await listBackups(repo, { onProblem: (m) => problems.push(m) });
    expect(list.map((r) => r.id)).toEqual([ok.id]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('20260101T000000Z-dead');
  });
});

describe('parseBackupRecord', () => {
  it('rejects a completed record without coordinates, naming the field', () => {
    const record = {
      recordVersion: 1,
      id: '20260525T143007Z-1a2b',
      status: 'completed',
      trigger: 'manual',
      startedAt: '2026-05-25T14:30:07.000Z',
      endedAt: '2026-05-25T14:31:07.000Z',
      durationMs: 60000,
      sizeBytes: 1,
      sha256: SHA,
      databases: [],
      who: { user: 'u', host: 'h' },
    };
    expect(() => parseBackupRecord(record, 'backup.json')).toThrow(/backup\.json: backup record field coordinates must be present/);
    expect(parseBackupRecord({ ...record, coordinates: { file: 'b.000001', pos: 4 } }, 'backup.json').coordinates).toEqual({
      file: 'b.000001',
      pos: 4,
    });
    expect(() => parseBackupRecord({ ...record, status: 'done' }, 'backup.json')).toThrow(/status must be one of running, completed, failed/);
  });
});
