/**
 * Server id clash: the source keeps one dump per replica server id. When another replica connects
 * with the archiver's id, the source ends the archiver's dump (MariaDB ER_SLAVE_SAME_ID); the
 * archiver must fail at once with a clear error and a hint (--server-id), not reconnect (which
 * would end the other replica's dump in turn, forever). The status file says so.
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
});
