/**
 * Test helper: a repository holding completed backups whose dumps are small synthetic
 * mariadb-dump outputs (header, CHANGE MASTER, a table, gtid, trailer), written through the real
 * catalog and gzip writer.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireRepoLock, initRepo } from '@pitr/core';
import type { PitrRepo } from '@pitr/core';
import type { BackupRecord } from '../../catalog/backup-record.js';
import { completeBackupRecord, startBackupRecord } from '../../catalog/catalog.js';
import { writeGzipFile } from '../gzip-file-writer.js';

export function fakeDump(file: string, pos: number, gtid: string, options: { trailer?: boolean } = {}): string {
  return [
    '-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)',
    '--',
    '-- Host: 127.0.0.1    Database: ',
    '-- Server version\t10.11.19-MariaDB-log',
    `-- CHANGE MASTER TO MASTER_LOG_FILE='${file}', MASTER_LOG_POS=${pos};`,
    'CREATE DATABASE `shop`;',
    'USE `shop`;',
    'CREATE TABLE `t` (`id` int PRIMARY KEY);',
    `INSERT INTO \`t\` VALUES ${Array.from({ length: 200 }, (_, i) => `(${i})`).join(',')};`,
    `-- SET GLOBAL gtid_slave_pos='${gtid}';`,
    ...(options.trailer === false ? [] : ['-- Dump completed on 2026-05-25 14:31:00']),
    '',
  ].join('\n');
}

export async function fakeRepo(): Promise<PitrRepo> {
  return initRepo(await mkdtemp(join(tmpdir(), 'pitr-repo-')));
}

/** A completed backup at binlog position `pos` of mariadb-bin.000001, started/ended at `time`. */
export async function fakeBackup(repo: PitrRepo, pos: number, time: string, options: { trailer?: boolean } = {}): Promise<BackupRecord> {
  const lock = await acquireRepoLock(repo.dir, { command: 'test' });
  try {
    const at = new Date(time);
    const started = await startBackupRecord(repo, lock, { trigger: 'manual', startedAt: at });
    const w = await writeGzipFile([Buffer.from(fakeDump('mariadb-bin.000001', pos, `0-1-${pos}`, options))], repo.layout.dumpFile(started.id));
    return await completeBackupRecord(repo, lock, started.id, {
      coordinates: { file: 'mariadb-bin.000001', pos, gtid: `0-1-${pos}` },
      sizeBytes: w.sizeBytes,
      sha256: w.sha256,
      endedAt: new Date(at.getTime() + 1000),
    });
  } finally {
    await lock.release();
  }
}
