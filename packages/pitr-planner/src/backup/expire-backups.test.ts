import { readdir, rm } from 'node:fs/promises';
import { acquireRepoLock } from '@pitr/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../catalog/backup-record.js';
import { listBackups, startBackupRecord } from '../catalog/catalog.js';
import type { BinlogManifest, ManifestFileEntry } from '@pitr/core';
import { expireBackups, selectArchivePrune, selectExpired } from './expire-backups.js';
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
    expect(r.archivePrune).toMatchObject({ implemented: true, files: [], note: 'no archived binlogs' });
    const left = await readdir(repo.layout.backupsDir);
    expect(left.sort()).toEqual([b.id, c.id, running.id].sort());
  });
});

describe('selectArchivePrune', () => {
  const file = (n: number, state: 'closed' | 'open' = 'closed', created = '2026-05-01T00:00:00Z'): ManifestFileEntry =>
    ({ name: `bin.${String(n).padStart(6, '0')}`, state, storedAs: `bin.${String(n).padStart(6, '0')}.gz`, endPos: 1000, createdTime: created }) as ManifestFileEntry;
  const timeline = (name: string, files: ManifestFileEntry[]): BinlogManifest =>
    ({ format: 'pitr-binlog-manifest', manifestVersion: 1, timeline: name, files }) as unknown as BinlogManifest;
  const backup = (file: number, startedAt = '2026-05-10T00:00:00Z'): BackupRecord => ({
    ...rec(`b${file}`, startedAt),
    coordinates: { file: `bin.${String(file).padStart(6, '0')}`, pos: 400 },
  });

  it('keeps what the oldest retained backup needs, and the last file of a timeline', () => {
    const t = timeline('0001-mariadb-1', [file(1), file(2), file(3), file(4), file(5, 'open')]);
    expect(selectArchivePrune([t], [backup(3), backup(5)]).files.get('0001-mariadb-1')).toEqual(['bin.000001', 'bin.000002']);
    expect(selectArchivePrune([t], [backup(1)]).files.size).toBe(0);
    expect(selectArchivePrune([t], []).files.size).toBe(0);
    // a backup newer than the archive's end: everything before it may go, but not the last closed
    // file when it is the timeline's last (the archiver continues after it)
    const closedOnly = timeline('0001-mariadb-1', [file(1), file(2), file(3)]);
    expect(selectArchivePrune([closedOnly], [backup(9)]).files.get('0001-mariadb-1')).toEqual(['bin.000001', 'bin.000002']);
  });

  it('removes older timelines no retained backup starts in, keeps newer ones whole', () => {
    const old = timeline('0001-mariadb-1', [file(1, 'closed', '2026-04-01T00:00:00Z'), file(2, 'closed', '2026-04-02T00:00:00Z')]);
    const mid = timeline('0002-mariadb-1', [file(1, 'closed', '2026-05-01T00:00:00Z'), file(2, 'closed', '2026-05-02T00:00:00Z'), file(3, 'closed', '2026-05-03T00:00:00Z')]);
    const cur = timeline('0003-mariadb-1', [file(1, 'closed', '2026-06-01T00:00:00Z'), file(2, 'open', '2026-06-02T00:00:00Z')]);
    // the backup is in 0002 (file 2 created before it started): 0001 goes, 0002 keeps 2…, 0003 whole
    const r = selectArchivePrune([old, mid, cur], [backup(2, '2026-05-10T00:00:00Z')]);
    expect(r.timelines).toEqual(['0001-mariadb-1']);
    expect(r.files.get('0002-mariadb-1')).toEqual(['bin.000001']);
    expect(r.files.get('0003-mariadb-1')).toBeUndefined();
    // a backup in the newest timeline: the older ones go entirely
    expect(selectArchivePrune([old, mid, cur], [backup(2, '2026-06-10T00:00:00Z')]).timelines).toEqual(['0001-mariadb-1', '0002-mariadb-1']);
  });
});
