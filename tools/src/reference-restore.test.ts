import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLocalSecond, readDumpCoordinates, referenceBinlogArgs } from './reference-restore.js';

describe('reference restore helpers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pitr-ref-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('formats an epoch second as local wall time in a zone (what mariadb-binlog parses under TZ)', () => {
    const t = Date.UTC(2026, 4, 25, 12, 30, 7) / 1000;
    expect(formatLocalSecond(t, 'UTC')).toBe('2026-05-25 12:30:07');
    expect(formatLocalSecond(t, 'Asia/Kolkata')).toBe('2026-05-25 18:00:07');
    expect(formatLocalSecond(t, 'America/New_York')).toBe('2026-05-25 08:30:07');
    expect(formatLocalSecond(Date.UTC(2026, 0, 1, 0, 0, 0) / 1000, 'Asia/Kolkata')).toBe('2026-01-01 05:30:00');
  });

  it('builds mariadb-binlog arguments: +1 s for time targets, stop file for positions', () => {
    const files = ['/a/bin.000001', '/a/bin.000002', '/a/bin.000003'];
    const start = { file: 'bin.000002', pos: 1234 };
    const t = Date.UTC(2026, 4, 25, 12, 30, 59) / 1000;
    expect(referenceBinlogArgs(files, start, { kind: 'time', second: t, tz: 'Asia/Kolkata' })).toEqual({
      args: ['--start-position=1234', '--stop-datetime=2026-05-25 18:01:00', '/a/bin.000002', '/a/bin.000003'],
      tz: 'Asia/Kolkata',
    });
    expect(referenceBinlogArgs(files, start, { kind: 'position', file: 'bin.000002', pos: 5000 }).args).toEqual([
      '--start-position=1234',
      '--stop-position=5000',
      '/a/bin.000002',
    ]);
    expect(referenceBinlogArgs(files, start, { kind: 'gtid', gtid: '7-100-5,11-100-2' }).args).toEqual([
      '--start-position=1234',
      '--stop-position=7-100-5,11-100-2',
      '/a/bin.000002',
      '/a/bin.000003',
    ]);
    expect(() => referenceBinlogArgs(files, start, { kind: 'position', file: 'bin.000001', pos: 5 })).toThrow(/not at or after/);
    expect(() => referenceBinlogArgs(files, { file: 'bin.000009', pos: 4 }, { kind: 'latest' })).toThrow(/not among/);
  });

  it('reads --master-data=2 and --gtid coordinates from a dump, and refuses a dump without them', async () => {
    const dump = join(dir, 'dump.sql');
    await writeFile(
      dump,
      [
        '-- MariaDB dump 10.19',
        "-- CHANGE MASTER TO MASTER_LOG_FILE='mariadb-bin.000002', MASTER_LOG_POS=13756;",
        'CREATE TABLE t (id INT);',
        "INSERT INTO t VALUES (1);\n".repeat(5000),
        "-- SET GLOBAL gtid_slave_pos='7-1637220131-75';",
        '-- Dump completed on 2026-11-23 12:32:45',
      ].join('\n'),
    );
    expect(await readDumpCoordinates(dump)).toEqual({ file: 'mariadb-bin.000002', pos: 13756, gtid: '7-1637220131-75' });
    const bare = join(dir, 'bare.sql');
    await writeFile(bare, 'CREATE TABLE t (id INT);\n');
    await expect(readDumpCoordinates(bare)).rejects.toThrow(/--master-data=2/);
  });
});
