import { readdir, rm } from 'node:fs/promises';
import { acquireRepoLock } from '@pitr/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../catalog/backup-record.js';
import { listBackups, startBackupRecord } from '../catalog/catalog.js';
import { expireBackups, selectExpired } from './expire-backups.js';
import { fakeBackup, fakeRepo } from './test-support/fake-backup.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function rec(id: string, endedAt: string): BackupRecord {
  return { recordVersion: 1, id, status: 'completed', trigger: 'manual', startedAt: endedAt, endedAt, databases: [], who: { user: 'u', host: 'h' } };
}

describe('selectExpired', () => {
  const list = [rec('a', '2026-05-01T00:00:00Z'), rec('b', '2026-05-10T00:00:00Z'), rec('c', '2026-05-20T00:00:00Z'), rec('d', '2026-05-24T00:00:00Z')];
  const now = new Date('2026-05-25T00:00:00Z');

  it('keeps the newest N', () => {
    expect(selectExpired(list, { keep: 2 }, now).map((r) => r.id)).toEqual(['a', 'b']);
    expect(selectExpired(list, { keep: 10 }, now)).toEqual([]);
  });

  it('keeps the last D days, and never the newest backup', () => {
    expect(selectExpired(list, { keepDays: 7 }, now).map((r) => r.id)).toEqual(['a', 'b']);
    expect(selectExpired(list, { keepDays: 0 }, now).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(selectExpired([list[0]!], { keepDays: 0 }, now)).toEqual([]);
  });

  it('refuses a policy that is not exactly one of keep / keep-days', () => {
    expect(() => selectExpired(list, {}, now)).toThrow(/exactly one/);
    expect(() => selectExpired(list, { keep: 1, keepDays: 1 }, now)).toThrow(/exactly one/);
    expect(() => selectExpired(list, { keep: 0 }, now)).toThrow(/at least 1/);
  });
});

describe('expireBackups', () => {
  it('removes the oldest completed backups (file and record), leaves running records alone', async () => {
    const repo = await fakeRepo();
    dirs.push(repo.dir);
    const a = await fakeBackup(repo, 100, '2026-05-01T00:00:00Z');
    const b = await fakeBackup(repo, 200, '2026-05-02T00:00:00Z');
    const c = await fakeBackup(repo, 300, '2026-05-03T00:00:00Z');
    const lock = await acquireRepoLock(repo.dir, { command: 'test' });
    const running = await startBackupRecord(repo, lock, { trigger: 'manual', startedAt: new Date('2026-04-01T00:00:00Z') });
    await lock.release();

    const dry = await expireBackups(repo.dir, { keep: 1, dryRun: true });
    expect(dry.removed.map((r) => r.id)).toEqual([a.id, b.id]);
    expect((await listBackups(repo)).length).toBe(4);

    const removed: string[] = [];
    const r = await expireBackups(repo.dir, { keep: 2, onRemoved: (x) => removed.push(x.id) });
    expect(removed).toEqual([a.id]);
    expect(r.kept.map((x) => x.id)).toEqual([b.id, c.id]);
    expect(r.archivePrune.implemented).toBe(false);
    const left = await readdir(repo.layout.backupsDir);
    expect(left.sort()).toEqual([b.id, c.id, running.id].sort());
  });
});
