import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startServer, sweepStaleServers } from './server.js';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startServer', () => {
  it('starts two servers concurrently with the options asked for, and stop() removes them', async () => {
    const [a, b] = await Promise.all([
      startServer({
        binlogRowMetadata: 'FULL',
        binlogRowImage: 'MINIMAL',
        maxBinlogSize: 8192,
        serverId: 4242,
        timeZone: '+00:00',
      }),
      startServer({ binlogRowMetadata: 'NO_LOG', binlogRowImage: 'NOBLOB', logBinCompress: true, logBinCompressMinLen: 10 }),
    ]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.url).toBe(`mysql://pitr:pitr@127.0.0.1:${a.port}/`);

      const [va] = await a.query<Record<string, string>[]>(
        'SELECT @@binlog_row_metadata AS meta, @@log_bin AS log_bin, @@binlog_row_image AS image, ' +
          '@@max_binlog_size AS max_size, @@server_id AS server_id, @@log_bin_compress AS compress, ' +
          '@@time_zone AS tz, @@binlog_format AS format, @@binlog_checksum AS checksum, ' +
          '@@binlog_annotate_row_events AS annotate, @@character_set_server AS charset',
      );
      expect(va).toEqual({
        meta: 'FULL',
        log_bin: '1',
        image: 'MINIMAL',
        max_size: '8192',
        server_id: '4242',
        compress: '0',
        tz: '+00:00',
        format: 'ROW',
        checksum: 'CRC32',
        annotate: '1',
        charset: 'utf8mb4',
      });
      expect(a.serverId).toBe(4242);

      const [vb] = await b.query<Record<string, string>[]>(
        'SELECT @@binlog_row_metadata AS meta, @@binlog_row_image AS image, @@log_bin_compress AS compress, ' +
          '@@log_bin_compress_min_len AS min_len, @@server_id AS server_id',
      );
      expect(vb).toMatchObject({ meta: 'NO_LOG', image: 'NOBLOB', compress: '1', min_len: '10' });
      expect(Number(vb!.server_id)).not.toBe(1);
      expect(Number(vb!.server_id)).toBe(b.serverId);

      // Enough rows to rotate a's 8 KiB binlogs a few times.
      const conn = await a.connect();
      try {
        await conn.query('CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY, v VARCHAR(200))');
        for (let i = 0; i < 20; i++) {
          await conn.query('INSERT INTO shop.t VALUES (?, ?)', [i, 'x'.repeat(150)]);
        }
        const [rows] = await conn.query('SELECT COUNT(*) AS n FROM shop.t');
        expect(rows).toEqual([{ n: '20' }]);
      } finally {
        await conn.end();
      }
      await b.query('CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, b BLOB); INSERT INTO d.t VALUES (1, REPEAT("y", 1000))');
      await a.flushLogs();

      const filesA = await a.binlogFiles();
      expect(filesA.length).toBeGreaterThan(2);
      for (const f of filesA) {
        expect(f.startsWith(a.binlogDir)).toBe(true);
        expect(statSync(f).size).toBeGreaterThan(4);
      }
      const filesB = await b.binlogFiles();
      expect(filesB).toEqual([`${b.binlogBasename}.000001`]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    for (const s of [a, b]) {
      expect(existsSync(s.baseDir)).toBe(false);
      expect(pidAlive(s.pid)).toBe(false);
    }
  });

  it('starts a server without binlog, and restarts it with changed options', async () => {
    await using s = await startServer({ binlog: false });
    const [v] = await s.query<Record<string, string>[]>('SELECT @@log_bin AS log_bin');
    expect(v).toEqual({ log_bin: '0' });
    expect(await s.binlogFiles()).toEqual([]);
    await s.query('CREATE DATABASE keep_me');

    const oldPid = s.pid;
    await s.restart({ binlog: true, binlogRowMetadata: 'MINIMAL' });
    expect(s.pid).not.toBe(oldPid);
    expect(pidAlive(oldPid)).toBe(false);
    const [w] = await s.query<Record<string, string>[]>(
      "SELECT @@log_bin AS log_bin, @@binlog_row_metadata AS meta, (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'keep_me') AS kept",
    );
    expect(w).toEqual({ log_bin: '1', meta: 'MINIMAL', kept: '1' });
    expect((await s.binlogFiles()).length).toBe(1);
  });

  it('kill() crashes the server; stop() still cleans up; the sweeper leaves live servers alone', async () => {
    const s = await startServer();
    try {
      sweepStaleServers();
      expect(pidAlive(s.pid)).toBe(true);
      await s.kill();
      expect(pidAlive(s.pid)).toBe(false);
      expect(existsSync(s.datadir)).toBe(true);
    } finally {
      await s.stop();
    }
    expect(existsSync(s.baseDir)).toBe(false);
  });
});
