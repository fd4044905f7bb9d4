import { readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireRepoLock } from '@pitr/core';
import { afterEach, describe, expect, it } from 'vitest';
import { completeBackupRecord, startBackupRecord } from '../catalog/catalog.js';
import { fakeBackup, fakeRepo } from './test-support/fake-backup.js';
import { writeGzipFile } from './gzip-file-writer.js';
import { verifyRepo } from './verify-repo.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('verifyRepo', () => {
  it('passes intact backups and lists every problem of damaged ones', async () => {
    const repo = await fakeRepo();
    dirs.push(repo.dir);
    const good = await fakeBackup(repo, 100, '2026-05-25T10:00:00Z');
    const flipped = await fakeBackup(repo, 200, '2026-05-25T11:00:00Z');
    const cut = await fakeBackup(repo, 300, '2026-05-25T12:00:00Z');
    const gone = await fakeBackup(repo, 400, '2026-05-25T13:00:00Z');
    const noTrailer = await fakeBackup(repo, 500, '2026-05-25T14:00:00Z', { trailer: false });
    expect((await verifyRepo(repo.dir)).ok).toBe(false); // noTrailer already

    // flip one byte in the middle of the compressed data
    const f = repo.layout.dumpFile(flipped.id);
    const bytes = await readFile(f);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x55;
    await writeFile(f, bytes);
    // cut the file short
    const c = repo.layout.dumpFile(cut.id);
    await truncate(c, (await stat(c)).size - 40);
    await rm(repo.layout.dumpFile(gone.id));
    await writeFile(join(repo.layout.backupDir(good.id), '.pitr-tmp-dump.sql.gz'), 'x');

    const v = await verifyRepo(repo.dir);
    expect(v.ok).toBe(false);
    const by = new Map(v.backups.map((b) => [b.id, b]));
    expect(by.get(good.id)!.problems).toEqual([]);
    expect(by.get(good.id)!.checks).toEqual({ checksum: true, gzip: true, trailer: true, coordinates: true });
    expect(by.get(flipped.id)!.problems.join('\n')).toMatch(/SHA-256 is [0-9a-f]{64}, the record says/);
    expect(by.get(flipped.id)!.problems.join('\n')).toMatch(/gzip: /);
    expect(by.get(cut.id)!.problems.join('\n')).toMatch(/size is .* the record says/);
    expect(by.get(cut.id)!.problems.join('\n')).toMatch(/gzip: unexpected end of file/);
    expect(by.get(gone.id)!.problems.join('\n')).toMatch(/is missing/);
    expect(by.get(noTrailer.id)!.problems).toEqual(['the dump has no completion trailer ("-- Dump completed"): it was cut short']);
    expect(v.leftovers).toEqual([join('backups', good.id, '.pitr-tmp-dump.sql.gz')]);
    expect(v.warnings.join('\n')).toMatch(/leftover temporary file/);
  });

  it('checks the dump carries the record coordinates, and reports interrupted backups', async () => {
    const repo = await fakeRepo();
    dirs.push(repo.dir);
    const lock = await acquireRepoLock(repo.dir, { command: 'test' });
    const started = await startBackupRecord(repo, lock, { trigger: 'manual', who: { user: 'u', host: 'h', pid: 1 } });
    const other = await startBackupRecord(repo, lock, { trigger: 'manual' });
    const dump = '-- MariaDB dump 10.19\n' + "-- CHANGE MASTER TO MASTER_LOG_FILE='b.000001', MASTER_LOG_POS=4;\nSELECT 1;\n-- Dump completed\n";
    const w = await writeGzipFile([Buffer.from(dump)], repo.layout.dumpFile(other.id));
    await completeBackupRecord(repo, lock, other.id, { coordinates: { file: 'b.000001', pos: 99 }, sizeBytes: w.sizeBytes, sha256: w.sha256 });
    await lock.release();
    const v = await verifyRepo(repo.dir);
    const by = new Map(v.backups.map((b) => [b.id, b]));
    expect(by.get(other.id)!.problems).toEqual(["the dump's coordinates (b.000001:4) differ from the record's (b.000001:99)"]);
    expect(by.get(started.id)).toMatchObject({ state: 'interrupted', checked: false });
    expect(v.warnings.join('\n')).toContain(`backup ${started.id} was interrupted`);
  });
});
