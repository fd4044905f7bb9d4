/**
 * `--follow` robustness: while a writer commits without pause, the throwaway server is restarted
 * and the archiver's Binlog Dump connection is KILLed from another session. The archiver
 * reconnects with backoff (logged), and at the end every server binlog is in the archive byte for
 * byte: nothing missed, nothing duplicated. The status file follows the run, and the open file's
 * manifest entry stays within what is on disk. A CLI `pitr archive --follow` stops cleanly on
 * SIGTERM (exit 0, status "stopped").
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { archiveBinlogs, type ArchiveProgress, type ArchiveStatusDocument } from '@pitr/binlog-archiver';
import { startServer, type TestServer } from '../tools/src/index.js';

const ROOT = resolve(import.meta.dirname, '..');

async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every binlog of the server equals its archived copy (closed: gunzipped; open: plain). */
async function expectArchiveEqualsServer(server: TestServer, timelineDir: string): Promise<void> {
  const manifest = JSON.parse(readFileSync(join(timelineDir, 'manifest.json'), 'utf8')) as { files: { name: string; state: string; storedAs: string; endPos: number }[] };
  const files = await server.binlogFiles();
  expect(manifest.files.map((f) => f.name)).toEqual(files.map((f) => basename(f)));
  for (const path of files) {
    const entry = manifest.files.find((f) => f.name === basename(path))!;
    const stored = await readFile(join(timelineDir, entry.storedAs));
    const mine = entry.storedAs.endsWith('.gz') ? gunzipSync(stored) : stored;
    const theirs = await readFile(path);
    expect({ name: entry.name, size: mine.length, equal: mine.equals(theirs) }).toEqual({ name: entry.name, size: theirs.length, equal: true });
  }
}

describe('archive --follow robustness', () => {
  const servers: TestServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pitr-archive-follow-'));
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reconnects after a server restart and a KILLed dump connection; misses and duplicates nothing', async () => {
    const server = await startServer({ maxBinlogSize: 64 * 1024 });
    servers.push(server);
    await server.query('CREATE DATABASE f; CREATE TABLE f.t (id INT PRIMARY KEY, v VARCHAR(200))');
    const repo = join(dir, 'repo');
    const controller = new AbortController();
    const warnings: string[] = [];
    const infos: string[] = [];
    const statuses: ArchiveStatusDocument[] = [];
    let progress: ArchiveProgress | undefined;
    const following = archiveBinlogs({
      source: server.url,
      repo,
      follow: true,
      signal: controller.signal,
      heartbeatMs: 300,
      reconnectDelayMs: 100,
      reconnectMaxDelayMs: 1000,
      manifestIntervalMs: 300,
      lagLogIntervalMs: 500,
      onWarning: (m) => warnings.push(m),
      onInfo: (m) => infos.push(m),
      onStatus: (s) => statuses.push(s),
      onProgress: (p) => (progress = p),
    });
    following.catch(() => undefined);

    // A writer that survives the restart: it reconnects and retries until each row is committed.
    let stop = false;
    let committed = 0;
    const writer = (async () => {
      let conn = await server.connect();
      let id = 0;
      while (!stop) {
        try {
          await conn.query(`INSERT INTO f.t VALUES (${id + 1}, REPEAT('w', ${(id * 13) % 180}))`);
          id++;
          committed = id;
        } catch (e) {
          // a COMMIT the restart cut off from its answer may have happened: the retry then finds the row
          if ((e as { errno?: number }).errno === 1062) {
            id++;
            committed = id;
            continue;
          }
          await conn.end().catch(() => undefined);
          await new Promise((r) => setTimeout(r, 100));
          conn = await server.connect().catch(() => conn);
        }
      }
      await conn.end().catch(() => undefined);
    })();

    const dumpThreads = async (): Promise<Record<string, unknown>[]> =>
      (await server.query<Record<string, unknown>[]>('SHOW PROCESSLIST')).filter((r) => r['Command'] === 'Binlog Dump');
    await until('the dump thread', async () => (await dumpThreads()).length === 1);
    await until('writes', () => committed > 200);

    // 1. the server restarts (clean shutdown: STOP event, new file)
    await server.restart();
    await until('the archiver to reconnect after the restart', async () => (await dumpThreads()).length === 1 && warnings.some((w) => /lost the connection/.test(w)), 60_000);
    const afterRestart = committed;
    await until('writes after the restart', () => committed > afterRestart + 200);

    // 2. the dump connection is KILLed from another session
    const [thread] = await dumpThreads();
    await server.query(`KILL ${String(thread!['Id'])}`);
    await until('a new dump thread', async () => {
      const now = await dumpThreads();
      return now.length === 1 && now[0]!['Id'] !== thread!['Id'];
    });
    const afterKill = committed;
    await until('writes after the kill', () => committed > afterKill + 200);
    stop = true;
    await writer;

    // caught up: the archive reaches the server's end
    await new Promise((r) => setTimeout(r, 1500)); // MariaDB's BINLOG_CHECKPOINT after a rotation comes a moment later
    const [end] = await server.query<{ File: string; Position: string | number }[]>('SHOW MASTER STATUS');
    await until('the archiver to catch up', () => progress?.file === end!.File && progress.position >= Number(end!.Position));
    await until('status lag 0', () => statuses.some((s) => s.state === 'following' && s.lagSeconds === 0));
    // the open file's entry is never ahead of the file on disk
    const timelineDir = join(repo, 'binlogs', `0001-mariadb-${server.serverId}`);
    await until('the open entry', () => {
      const m = JSON.parse(readFileSync(join(timelineDir, 'manifest.json'), 'utf8')) as { files: { name: string; state: string; endPos: number }[] };
      const open = m.files.find((f) => f.state === 'open');
      return open?.name === end!.File && open.endPos === Number(end!.Position);
    });

    controller.abort();
    const result = await following;
    expect(result.reconnects).toBeGreaterThanOrEqual(2);
    expect(warnings.filter((w) => /lost the connection to the source .*reconnecting in/.test(w)).length).toBeGreaterThanOrEqual(2);
    expect(warnings.filter((w) => !/lost the connection|took over a stale/.test(w))).toEqual([]);
    expect(infos.some((m) => /caught up with the source/.test(m))).toBe(true);
    expect(infos.some((m) => /reconnected to the source/.test(m))).toBe(true);
    expect(infos.some((m) => /following: .* lag \d+ s/.test(m))).toBe(true);
    await expectArchiveEqualsServer(server, timelineDir);
    const [count] = await server.query<{ n: string | number }[]>('SELECT COUNT(*) AS n FROM f.t');
    expect(Number(count!.n)).toBe(committed);

    const status = JSON.parse(readFileSync(join(repo, 'binlogs', 'status.json'), 'utf8')) as ArchiveStatusDocument;
    expect(status).toMatchObject({ format: 'pitr-archive-status', state: 'stopped', follow: true, reconnects: result.reconnects, timeline: result.timeline });
    expect(status.archived).toMatchObject({ file: end!.File, pos: Number(end!.Position) });
    expect(status.lastError?.code).toBe('CONNECTION');
  }, 90_000);

  it('pitr archive --follow stops cleanly on SIGTERM', async () => {
    const server = await startServer({});
    servers.push(server);
    await server.query('CREATE DATABASE s; CREATE TABLE s.t (id INT PRIMARY KEY); INSERT INTO s.t VALUES (1), (2)');
    const repo = join(dir, 'repo-cli');
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), 'archive', '--follow', '--source', server.url, '--repo', repo], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await until('the archiver to follow', () => /caught up with the source/.test(err), 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}; stderr: ${err}; stdout: ${out}`);
    });
    await server.query('INSERT INTO s.t VALUES (3)');
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/archive ends: mariadb-bin\.000001:\d+/);
    const status = JSON.parse(readFileSync(join(repo, 'binlogs', 'status.json'), 'utf8')) as ArchiveStatusDocument;
    expect(status.state).toBe('stopped');
    const [end] = await server.query<{ File: string; Position: string | number }[]>('SHOW MASTER STATUS');
    expect(status.archived).toMatchObject({ file: end!.File, pos: Number(end!.Position) });
  }, 60_000);
});
