import { hostname } from 'node:os';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../catalog/backup-record.js';
import { classify, listRepo } from './list-repo.js';
import { fakeBackup, fakeRepo } from './test-support/fake-backup.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const running: BackupRecord = {
  recordVersion: 1,
  id: '20260525T143007Z-1a2b',
  status: 'running',
  trigger: 'manual',
  startedAt: '2026-05-25T14:30:07.000Z',
  databases: [],
  who: { user: 'u', host: hostname(), pid: 4242 },
};
const lockOf = (pid: number, host = hostname()) => ({ pid, hostname: host, command: 'backup', startedAt: '', token: 't' });

describe('classify', () => {
  it('a running record is live only while its process holds the lock', () => {
    expect(classify(running, lockOf(4242), () => true).state).toBe('running');
    expect(classify(running, lockOf(4242), () => false)).toMatchObject({ state: 'interrupted', interruptedReason: 'its process (pid 4242) has exited' });
    expect(classify(running, lockOf(1), () => true).state).toBe('interrupted');
    expect(classify(running, undefined).state).toBe('interrupted');
    // another host's process cannot be checked from here: trust the lock
    expect(classify({ ...running, who: { ...running.who, host: 'elsewhere' } }, lockOf(4242, 'elsewhere'), () => false).state).toBe('running');
    expect(classify({ ...running, status: 'failed' }, undefined).state).toBe('failed');
  });
});

describe('listRepo', () => {
  it('lists backups oldest first and one window per completed backup, noting the missing archive', async () => {
    const repo = await fakeRepo();
    dirs.push(repo.dir);
    const b2 = await fakeBackup(repo, 900, '2026-05-25T12:00:00Z');
    const b1 = await fakeBackup(repo, 100, '2026-05-25T11:00:00Z');
    const l = await listRepo(repo.dir);
    expect(l.backups.map((b) => b.record.id)).toEqual([b1.id, b2.id]);
    expect(l.windows.map((w) => [w.backupId, w.start.pos, w.end.kind])).toEqual([
      [b1.id, 100, 'snapshot-only'],
      [b2.id, 900, 'snapshot-only'],
    ]);
    expect(l.archive.implemented).toBe(false);
    expect(l.lock).toBeUndefined();
  });
});
