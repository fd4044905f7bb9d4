/**
 * Server id clash: the source keeps one dump per replica server id. When another replica connects
 * with the archiver's id, the source ends the archiver's dump (MariaDB ER_SLAVE_SAME_ID); the
 * archiver must fail at once with a clear error and a hint (--server-id), not reconnect (which
 * would end the other replica's dump in turn, forever). The status file says so. A real replica
 * that already uses the id (listed by SHOW SLAVE HOSTS) is refused before anything is written.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PitrError } from '@pitr/core';
import { startServer, type TestServer } from '../../../tools/src/index.js';
import { archiveBinlogs } from './archive-binlogs.js';
import { ReplicationSource, ServerIdClashError } from './replication-source.js';

let server: TestServer;
let base: string;

beforeAll(async () => {
  server = await startServer({});
  base = await mkdtemp(join(tmpdir(), 'pitr-archive-clash-'));
});

afterAll(async () => {
  await server?.stop();
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

describe('server id clash', () => {
  it('fails with a clear error and a --server-id hint when another replica takes our server id', async () => {
    const repo = join(base, 'repo');
    const controller = new AbortController();
    let following = false;
    const run = archiveBinlogs({
      source: server.url,
      repo,
      follow: true,
      serverId: 777,
      signal: controller.signal,
      reconnectDelayMs: 50,
      onInfo: (m) => {
        if (/caught up/.test(m)) following = true;
      },
    });
    const outcome = run.then(
      () => undefined,
      (e: unknown) => e,
    );
    for (let i = 0; i < 200 && !following; i++) await new Promise((r) => setTimeout(r, 50));
    expect(following).toBe(true);
    // another "replica" with the same id
    const other = await ReplicationSource.connect(server.url);
    const files = await other.binaryLogs();
    const stream = await other.openDump({ file: files[0]!.name, position: 4, serverId: 777, nonBlocking: false });
    try {
      const timer = setTimeout(() => controller.abort(), 20_000);
      const e = await outcome;
      clearTimeout(timer);
      expect(e).toBeInstanceOf(ServerIdClashError);
      const err = e as PitrError;
      expect(err.code).toBe('CONNECTION');
      expect(err.message).toMatch(/another replica of mysql:\/\/pitr:\*\*\*@127\.0\.0\.1:\d+\/ uses the same server id as this archiver/);
      expect(err.hints.join('\n')).toMatch(/--server-id N/);
      const status = JSON.parse(await readFile(join(repo, 'binlogs', 'status.json'), 'utf8')) as { state: string; lastError: { message: string } };
      expect(status.state).toBe('error');
      expect(status.lastError.message).toMatch(/same server id/);
    } finally {
      stream.close();
      await other.close();
    }
  }, 60_000);

  it('refuses up front an id a registered replica already uses (SHOW SLAVE HOSTS), writing nothing', async () => {
    const replica = await startServer({ serverId: 4242, extra: ['--report-host=pitr-test-replica'] });
    try {
      await replica.query(
        `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${server.port}, MASTER_USER='${server.user}', MASTER_PASSWORD='${server.password}', MASTER_USE_GTID=no; START SLAVE`,
      );
      let listed = false;
      for (let i = 0; i < 200 && !listed; i++) {
        const rows = await server.query<{ Server_id: number | string }[]>('SHOW SLAVE HOSTS');
        listed = rows.some((r) => Number(r.Server_id) === 4242);
        if (!listed) await new Promise((r) => setTimeout(r, 50));
      }
      expect(listed).toBe(true);
      const repo = join(base, 'repo-refused');
      const e = await archiveBinlogs({ source: server.url, repo, serverId: 4242 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ServerIdClashError);
      expect((e as PitrError).message).toMatch(/a replica of mysql:\/\/pitr:\*\*\*@127\.0\.0\.1:\d+\/ already uses server id 4242 \(SHOW SLAVE HOSTS: pitr-test-replica:\d+\)/);
      expect((e as PitrError).hints.join('\n')).toMatch(/--server-id N/);
      // checked before the repository is touched
      await expect(readFile(join(repo, 'binlogs', 'status.json'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
      // the replica's own replication goes on (the archiver never started a dump with its id)
      const [status] = await replica.query<{ Slave_IO_Running: string }[]>('SHOW SLAVE STATUS');
      expect(status?.Slave_IO_Running).toBe('Yes');
    } finally {
      await replica.query('STOP SLAVE').catch(() => undefined);
      await replica.stop();
    }
  }, 60_000);
});
