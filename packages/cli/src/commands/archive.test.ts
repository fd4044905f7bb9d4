import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveBinlogsOptions, ArchiveResult } from '@pitr/binlog-archiver';
import { startServer, type TestServer } from '../../../../tools/src/index.js';
import type { CommandContext } from '../command-context.js';
import { main, type CliIo } from '../main.js';
import { parseArgs } from '../parse-args.js';
import { runArchive } from './archive.js';

function capture(env: Record<string, string> = {}): { io: CliIo; out: () => { stdout: string; stderr: string } } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  return { io: { stdout, stderr, env }, out: () => ({ stdout: o, stderr: e }) };
}

async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = capture(env);
  const code = await main(argv, c.io);
  await new Promise((r) => setImmediate(r));
  return { code, ...c.out() };
}

function ctx(argv: string[]): { ctx: CommandContext; out: () => { stdout: string; stderr: string } } {
  const parsed = parseArgs(argv);
  if (parsed.kind !== 'run') throw new Error('not a run');
  const c = capture();
  return { ctx: { positionals: parsed.positionals, values: parsed.values, io: c.io, env: {} }, out: c.out };
}

const fakeResult: ArchiveResult = {
  repoDir: '/r',
  repoCreated: false,
  timeline: '0001-mariadb-7',
  timelineCreated: false,
  timelineDir: '/r/binlogs/0001-mariadb-7',
  source: { flavor: 'mariadb', serverVersion: '10.11.19-MariaDB', serverId: 7, binlogBasename: 'bin', url: 'mysql://repl@db1:3306/' },
  serverId: 4000000001,
  from: { file: 'bin.000002', pos: 400 },
  to: { file: 'bin.000003', pos: 900 },
  closedFiles: [
    {
      name: 'bin.000002',
      state: 'closed',
      storedAs: 'bin.000002.gz',
      compression: 'gzip',
      startPos: 4,
      endPos: 2048,
      storedBytes: 700,
      sha256: 'ab'.repeat(32),
      storedSha256: 'cd'.repeat(32),
      events: 20,
      transactions: 4,
      lastGtid: '0-7-12',
      checksum: 'CRC32',
      serverId: 7,
      serverVersion: '10.11.19-MariaDB',
      flavor: 'mariadb',
      closedBy: 'rotate',
      archivedAt: '2026-05-25T10:00:00.000Z',
    },
  ],
  openFile: {
    name: 'bin.000003',
    state: 'open',
    storedAs: 'bin.000003',
    compression: 'none',
    startPos: 4,
    endPos: 900,
    storedBytes: 900,
    events: 9,
    transactions: 2,
    lastGtid: '0-7-14',
    checksum: 'CRC32',
    serverId: 7,
    serverVersion: '10.11.19-MariaDB',
    flavor: 'mariadb',
    archivedAt: '2026-05-25T10:00:00.000Z',
  },
  bytesReceived: 2544,
  eventsReceived: 25,
  transactionsReceived: 6,
  recovered: undefined,
  gaps: [],
  newTimelines: [],
  firstTimeline: '0001-mariadb-7',
  reconnects: 0,
  durationMs: 1234,
  warnings: [],
  manifest: { format: 'pitr-binlog-manifest', manifestVersion: 1, timeline: '0001-mariadb-7', source: { flavor: 'mariadb', serverVersion: '', serverId: 7, binlogBasename: 'bin', url: '' }, createdAt: '', updatedAt: '', files: [] },
};

describe('pitr archive (arguments and output)', () => {
  it('passes the options on and prints what was archived', async () => {
    let seen: ArchiveBinlogsOptions | undefined;
    const c = ctx(['archive', '--source', 'mysql://repl@db1:3306/', '--repo', '/r', '--server-id', '4000000001', '--compress', 'zstd']);
    const code = await runArchive(c.ctx, {
      archiveBinlogs: async (o) => {
        seen = o;
        o.onWarning?.('binlog_format is MIXED');
        return fakeResult;
      },
      signals: new EventEmitter() as never,
    });
    expect(code).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(seen).toMatchObject({ source: 'mysql://repl@db1:3306/', repo: '/r', serverId: 4000000001, compression: 'zstd', follow: false });
    const { stdout, stderr } = c.out();
    expect(stderr).toBe('pitr: warning: binlog_format is MIXED\n');
    expect(stdout).toContain('timeline:     0001-mariadb-7 in /r/binlogs/0001-mariadb-7');
    expect(stdout).toContain('received:     2.5 KiB, 25 events, 6 transactions, from bin.000002:400');
    expect(stdout).toContain('closed:       bin.000002 (2.0 KiB → 700 B gzip, 4 transactions, last 0-7-12');
    expect(stdout).toContain('open:         bin.000003 up to 900 (2 transactions, last 0-7-14; the server is still writing it)');
  });

  it('prints JSON with --json', async () => {
    const c = ctx(['archive', '--source', 'mysql://repl@db1/', '--repo', '/r', '--json']);
    await runArchive(c.ctx, { archiveBinlogs: async () => fakeResult, signals: new EventEmitter() as never });
    await new Promise((r) => setImmediate(r));
    const doc = JSON.parse(c.out().stdout);
    expect(doc).toMatchObject({ timeline: '0001-mariadb-7', replicaServerId: 4000000001, to: { file: 'bin.000003', pos: 900 }, openFile: { state: 'open' } });
    expect(doc.closedFiles[0]).toMatchObject({ name: 'bin.000002', sha256: 'ab'.repeat(32) });
  });

  it('stops a --follow run on SIGINT/SIGTERM through the abort signal', async () => {
    const signals = new EventEmitter();
    const c = ctx(['archive', '--source', 'mysql://repl@db1/', '--repo', '/r', '--follow']);
    const code = await runArchive(c.ctx, {
      archiveBinlogs: (o) =>
        new Promise((resolve) => {
          expect(o.follow).toBe(true);
          o.signal!.addEventListener('abort', () => resolve(fakeResult));
          setImmediate(() => signals.emit('SIGTERM'));
        }),
      signals: signals as never,
    });
    expect(code).toBe(0);
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('refuses a bad --compress, a missing --source or --repo (exit 2)', async () => {
    const bad = await run(['archive', '--source', 'mysql://u@h/', '--repo', '/r', '--compress', 'lz4']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--compress lz4 is not one of gzip, zstd, none');
    const noSource = await run(['archive', '--repo', '/r']);
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toContain('pitr archive needs --source URL');
    const noRepo = await run(['archive', '--source', 'mysql://u@h/']);
    expect(noRepo.code).toBe(2);
    expect(noRepo.stderr).toContain('pitr archive needs --repo DIR');
    const zero = await run(['archive', '--source', 'mysql://u@h/', '--repo', '/r', '--server-id', '0']);
    expect(zero.code).toBe(2);
  });

  it('has help with examples', async () => {
    const r = await run(['archive', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pitr archive');
    expect(r.stdout).toContain('--follow');
    expect(r.stdout).toContain('--server-id');
    expect(r.stdout).toContain('--compress');
    expect(r.stdout).toContain('the server whose binlogs to archive');
  });
});

describe('pitr archive (against a server)', () => {
  let server: TestServer;
  let base: string;

  beforeAll(async () => {
    server = await startServer({});
    base = await mkdtemp(join(tmpdir(), 'pitr-cli-archive-'));
    await server.query('CREATE DATABASE a; CREATE TABLE a.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO a.t VALUES (1, "one")');
    await server.flushLogs();
    await server.query('INSERT INTO a.t VALUES (2, "two")');
  });

  afterAll(async () => {
    await server?.stop();
    if (base !== undefined) await rm(base, { recursive: true, force: true });
  });

  it('archives into a new repository (password from PITR_PASSWORD), then only what is new', async () => {
    const repo = join(base, 'repo');
    const url = `mysql://pitr@127.0.0.1:${server.port}/`;
    const first = await run(['archive', '--source', url, '--repo', repo, '--json'], { PITR_PASSWORD: 'pitr' });
    expect(first.stderr).toContain(`pitr: created repository ${repo}`);
    expect(first.code).toBe(0);
    const doc = JSON.parse(first.stdout);
    expect(doc.from).toEqual({ file: 'mariadb-bin.000001', pos: 4 });
    expect(doc.closedFiles.map((f: { name: string }) => f.name)).toEqual(['mariadb-bin.000001']);
    const closedPath = join(doc.timelineDir, 'mariadb-bin.000001.gz');
    const [serverFirst] = await server.binlogFiles();
    expect(gunzipSync(await readFile(closedPath)).equals(await readFile(serverFirst!))).toBe(true);

    await server.query('INSERT INTO a.t VALUES (3, "three")');
    const second = await run(['archive', '--source', url, '--repo', repo], { PITR_PASSWORD: 'pitr' });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`from ${doc.to.file}:${doc.to.pos}`);
    expect(second.stdout).toMatch(/open: {9}mariadb-bin\.000002 up to \d+/);
    const files = await server.binlogFiles();
    const open = await readFile(join(doc.timelineDir, basename(files[1]!)));
    expect(open.equals(await readFile(files[1]!))).toBe(true);
  });

  it('fails with exit 1, a hint and no password when the credentials are wrong', async () => {
    const repo = join(base, 'never');
    const r = await run(['archive', '--source', `mysql://pitr:NotThePassword@127.0.0.1:${server.port}/`, '--repo', repo]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pitr: error: cannot connect: mysql:\/\/pitr:\*\*\*@127\.0\.0\.1:\d+\/ refused the user 'pitr'/);
    expect(r.stderr).toContain('HINT: check the user and the password');
    expect(r.stderr).not.toContain('NotThePassword');
    expect(existsSync(repo)).toBe(false);
  });
});
