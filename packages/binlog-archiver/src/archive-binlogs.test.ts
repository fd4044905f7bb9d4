/**
 * archiveBinlogs() against throwaway MariaDB servers: the archive must hold the server's binlog
 * files byte for byte (closed files once decompressed), fetched through the replication protocol
 * only (the server shows our Binlog Dump thread; the archiver is never told where the datadir is),
 * with manifest entries that agree with core's decoder, and a second run must fetch only what is
 * new. The test itself reads the server's files from its datadir to compare.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'zstd-napi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, PitrError, openRepo, readBinlogFile, readBinlogStream } from '@pitr/core';
import { startServer, type TestServer } from '../../../tools/src/index.js';
import { archiveBinlogs, type ArchiveResult } from './archive-binlogs.js';
import { readManifest, writeManifest, type BinlogManifest, type ManifestFileEntry } from '@pitr/core';

let server: TestServer;
let base: string;

beforeAll(async () => {
  // A 17 MiB row makes one event larger than a protocol packet (16 MiB): it arrives in two packets.
  server = await startServer({ extra: ['--max-allowed-packet=64M'] });
  base = await mkdtemp(join(tmpdir(), 'pitr-archive-test-'));
  await server.query(`
    CREATE DATABASE w;
    CREATE TABLE w.t (id INT PRIMARY KEY, n INT NOT NULL, payload TEXT, big LONGBLOB) ENGINE=InnoDB;
    CREATE TABLE w.log (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(64)) ENGINE=Aria;
  `);
});

afterAll(async () => {
  await server?.stop();
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

let nextId = 1;

/**
 * `transactions` transactions over `connections` sessions in parallel: multi-statement InnoDB
 * transactions, non-transactional (Aria) writes, a DDL now and then, FLUSH BINARY LOGS every
 * `flushEvery` transactions.
 */
async function workload(transactions: number, options: { connections?: number; flushEvery?: number } = {}): Promise<void> {
  const conns = await Promise.all(Array.from({ length: options.connections ?? 3 }, () => server.connect()));
  const flushEvery = options.flushEvery ?? 60;
  let done = 0;
  try {
    await Promise.all(
      conns.map(async (c) => {
        while (done < transactions) {
          const i = done++;
          const id = nextId++;
          const text = `row ${id} ${'x'.repeat((id * 37) % 900)}`;
          if (i % flushEvery === flushEvery - 1) await c.query('FLUSH BINARY LOGS');
          if (i % 97 === 50) await c.query(`ALTER TABLE w.t COMMENT 'ddl ${i}'`);
          else if (i % 10 === 3) await c.query(`INSERT INTO w.log (what) VALUES ('aria ${id}')`);
          else {
            await c.query(
              `BEGIN; INSERT INTO w.t (id, n, payload) VALUES (${id}, ${i}, '${text}'); UPDATE w.t SET n = n + 1 WHERE id = ${Math.max(1, id - 3)}; ` +
                `${i % 7 === 0 ? `DELETE FROM w.t WHERE id = ${Math.max(1, id - 5)};` : ''} COMMIT`,
            );
          }
        }
      }),
    );
  } finally {
    await Promise.all(conns.map((c) => c.end()));
  }
}

/**
 * Waits until the server's binlog stops growing: after FLUSH BINARY LOGS, MariaDB appends a
 * BINLOG_CHECKPOINT event to the new file a moment later, once the old file's transactions are
 * durable in InnoDB.
 */
async function quiesce(): Promise<void> {
  let last = '';
  let stableSince = Date.now();
  for (let i = 0; i < 200; i++) {
    const [s] = await server.query<{ File: string; Position: string | number }[]>('SHOW MASTER STATUS');
    const now = `${s!.File}:${s!.Position}`;
    if (now !== last) stableSince = Date.now();
    else if (Date.now() - stableSince >= 1000) return;
    last = now;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The bytes an archived file stands for (closed: decompressed; open: the plain file). */
async function* toChunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function archivedBytes(dir: string, entry: ManifestFileEntry): Promise<Buffer> {
  const stored = await readFile(join(dir, entry.storedAs));
  if (entry.compression === 'gzip') return gunzipSync(stored);
  if (entry.compression === 'zstd') return zstdDecompress(stored);
  return stored;
}

/** Every server binlog is in the archive with identical bytes (call when the server is quiet). */
async function expectArchiveEqualsServer(result: ArchiveResult): Promise<BinlogManifest> {
  const manifest = result.manifest;
  const files = await server.binlogFiles();
  expect(manifest.files.map((f) => f.name)).toEqual(files.map((f) => basename(f)));
  for (const path of files) {
    const name = basename(path);
    const entry = manifest.files.find((f) => f.name === name)!;
    const serverBytes = await readFile(path);
    const mine = await archivedBytes(result.timelineDir, entry);
    expect({ name, size: mine.length, equal: Buffer.compare(mine, serverBytes) === 0 }).toEqual({ name, size: serverBytes.length, equal: true });
    expect(entry.endPos).toBe(serverBytes.length);
    if (entry.state === 'closed') expect(entry.sha256).toBe(createHash('sha256').update(serverBytes).digest('hex'));
  }
  // Only the last file is still being written.
  expect(manifest.files.filter((f) => f.state === 'open').map((f) => f.name)).toEqual([basename(files[files.length - 1]!)]);
  return manifest;
}

async function rejection(p: Promise<unknown>): Promise<PitrError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PitrError);
  return e as PitrError;
}

describe('archiveBinlogs', () => {
  const repo = (): string => join(base, 'repo');
  let first: ArchiveResult;

  it('archives every binlog byte for byte while a workload writes, through a Binlog Dump thread', async () => {
    // Follow mode first: its dump thread lives while the workload runs, so the server shows it.
    const controller = new AbortController();
    let position = { file: '', pos: 0 };
    const following = archiveBinlogs({
      source: server.url,
      repo: repo(),
      follow: true,
      signal: controller.signal,
      onProgress: (p) => (position = { file: p.file, pos: p.position }),
    });
    following.catch(() => undefined);
    let dumpThreads: Record<string, unknown>[] = [];
    for (let i = 0; i < 200 && dumpThreads.length === 0; i++) {
      const rows = await server.query<Record<string, unknown>[]>('SHOW PROCESSLIST');
      dumpThreads = rows.filter((r) => r['Command'] === 'Binlog Dump');
      if (dumpThreads.length === 0) await new Promise((r) => setTimeout(r, 25));
    }
    expect(dumpThreads).toHaveLength(1);
    expect(dumpThreads[0]).toMatchObject({ User: 'pitr', Command: 'Binlog Dump' });

    const writing = workload(150);
    // Meanwhile, one 17 MiB row (an event split over two protocol packets).
    await server.query(`INSERT INTO w.t (id, n, big) VALUES (1000000, 0, REPEAT('b', 17 * 1024 * 1024))`);
    await writing;
    const [status] = await server.query<{ File: string; Position: string | number }[]>('SHOW MASTER STATUS');
    for (let i = 0; i < 400 && !(position.file === status!.File && position.pos >= Number(status!.Position)); i++) await new Promise((r) => setTimeout(r, 25));
    controller.abort();
    const followed = await following;
    await quiesce();
    first = await archiveBinlogs({ source: server.url, repo: repo() });
    expect(followed.repoCreated).toBe(true);
    expect(followed.timeline).toBe(`0001-mariadb-${server.serverId}`);
    expect(followed.from).toEqual({ file: 'mariadb-bin.000001', pos: 4 });
    expect(followed.closedFiles.length).toBeGreaterThanOrEqual(2);
    expect(first.from).toEqual(followed.to);
    await expectArchiveEqualsServer(first);

    // Now without follow, while the workload runs: each run archives up to the server's end of
    // that moment and resumes where the previous one stopped (often inside the file being written).
    const concurrent = workload(150, { flushEvery: 40 });
    const runs: ArchiveResult[] = [];
    while (runs.length < 3 || (await Promise.race([concurrent.then(() => true), new Promise((r) => setTimeout(() => r(false), 0))])) === false) {
      const prev = runs[runs.length - 1] ?? first;
      const r = await archiveBinlogs({ source: server.url, repo: repo() });
      expect(r.from).toEqual(prev.to);
      runs.push(r);
      if (runs.length > 50) break;
    }
    await concurrent;
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.some((r) => r.from!.pos > 4)).toBe(true); // resumed inside a file the server was writing
    await quiesce();
    const last = await archiveBinlogs({ source: server.url, repo: repo() });
    const manifest = await expectArchiveEqualsServer(last);
    first = last;
    expect(manifest.files.length).toBeGreaterThanOrEqual(6);
  }, 180_000);

  it('records in the manifest what core decoder reads in each file', async () => {
    const manifest = first.manifest;
    let largestEvent = 0;
    for (const entry of manifest.files) {
      const path = join(first.timelineDir, entry.storedAs);
      let events = 0;
      let transactions = 0;
      const gtids: string[] = [];
      let firstTime: number | undefined;
      let lastTime: number | undefined;
      let end = 0;
      let gtidList: string | undefined;
      let fdeServerId: number | undefined;
      let checksum: string | undefined;
      for await (const ev of readBinlogFile(path, { decodeRows: false })) {
        if (ev.payloadIndex !== undefined) continue;
        events++;
        largestEvent = Math.max(largestEvent, ev.raw.length);
        firstTime ??= ev.header.timestamp;
        lastTime = ev.header.timestamp;
        end = ev.end;
        const body = ev.body;
        if (body.kind === 'gtid') {
          transactions++;
          gtids.push(body.gtid);
        }
        if (body.kind === 'gtid_list') gtidList ??= body.gtids.map((g) => `${g.domainId}-${g.serverId}-${g.seqNo}`).join(',');
        if (body.kind === 'format_description') {
          fdeServerId = ev.header.serverId;
          checksum = body.checksumAlg === 1 ? 'CRC32' : 'NONE';
        }
      }
      const iso = (s: number | undefined): string | undefined => (s === undefined ? undefined : new Date(s * 1000).toISOString().replace('.000Z', 'Z'));
      expect({
        name: entry.name,
        events: entry.events,
        transactions: entry.transactions,
        firstGtid: entry.firstGtid,
        lastGtid: entry.lastGtid,
        firstEventTime: entry.firstEventTime,
        lastEventTime: entry.lastEventTime,
        endPos: entry.endPos,
        gtidStateAtStart: entry.gtidStateAtStart,
        serverId: entry.serverId,
        checksum: entry.checksum,
      }).toEqual({
        name: entry.name,
        events,
        transactions,
        firstGtid: gtids[0],
        lastGtid: gtids[gtids.length - 1],
        firstEventTime: iso(firstTime),
        lastEventTime: iso(lastTime),
        endPos: end,
        gtidStateAtStart: gtidList,
        serverId: fdeServerId,
        checksum,
      });
      expect(entry.serverId).toBe(server.serverId);
      expect(entry.flavor).toBe('mariadb');
      if (entry.state === 'closed') {
        const stored = await readFile(path);
        expect(entry.storedBytes).toBe(stored.length);
        expect(entry.storedSha256).toBe(createHash('sha256').update(stored).digest('hex'));
        expect(entry.closedBy).toBe('rotate');
      }
    }
    // The 17 MiB row: an event that came in more than one protocol packet.
    expect(largestEvent).toBeGreaterThan(16 * 1024 * 1024);
  });

  it('fetches only what is new on the next run and leaves closed files untouched', async () => {
    const dir = first.timelineDir;
    const closedBefore = first.manifest.files.filter((f) => f.state === 'closed');
    const statsBefore = await Promise.all(closedBefore.map(async (f) => ({ name: f.storedAs, ...(await stat(join(dir, f.storedAs))) })));
    const sizesBefore = new Map(first.manifest.files.map((f) => [f.name, f.endPos]));

    const idle = await archiveBinlogs({ source: server.url, repo: repo() });
    expect(idle.manifest.files.map((f) => [f.name, f.endPos])).toEqual(first.manifest.files.map((f) => [f.name, f.endPos]));
    expect(idle.bytesReceived).toBe(0);
    expect(idle.closedFiles).toEqual([]);
    expect(idle.from).toEqual(first.to);

    await workload(40, { flushEvery: 15 });
    await quiesce();
    const next = await archiveBinlogs({ source: server.url, repo: repo() });
    expect(next.from).toEqual(first.to);
    await expectArchiveEqualsServer(next);
    // Exactly the new bytes crossed the wire (the magic of a new file is not sent).
    let expected = 0;
    for (const f of await server.binlogFiles()) {
      const size = (await stat(f)).size;
      const had = sizesBefore.get(basename(f));
      expected += had === undefined ? size - 4 : size - had;
    }
    expect(next.bytesReceived).toBe(expected);
    expect(next.closedFiles.map((f) => f.name)).not.toContain(closedBefore[0]!.name);
    for (const s of statsBefore) {
      const now = await stat(join(dir, s.name));
      expect({ name: s.name, ino: now.ino, mtimeMs: now.mtimeMs, size: now.size }).toEqual({ name: s.name, ino: s.ino, mtimeMs: s.mtimeMs, size: s.size });
    }
    first = next;
  }, 120_000);

  it('continues after an interrupted run: cuts a partial transaction, finishes an interrupted close, removes temp files', async () => {
    const dir = first.timelineDir;
    await workload(20, { flushEvery: 1000 });
    await quiesce();
    const manifest = (await archiveBinlogs({ source: server.url, repo: repo() })).manifest;
    const open = manifest.files.find((f) => f.state === 'open')!;
    const closed = manifest.files.filter((f) => f.state === 'closed');
    const lastClosed = closed[closed.length - 1]!;
    // A killed run: the open file ends inside a transaction and inside an event…
    await truncate(join(dir, open.name), open.endPos - 30);
    // …a closed file whose plain copy was not removed yet…
    await writeFile(join(dir, lastClosed.name), await archivedBytes(dir, lastClosed));
    // …and a temp file of an interrupted compression.
    await writeFile(join(dir, `.pitr-tmp-${lastClosed.name}.gz-1-abcd`), 'partial');
    const lastClosedStat = await stat(join(dir, lastClosed.storedAs));
    await workload(10, { flushEvery: 1000 });
    await quiesce();
    const warnings: string[] = [];
    const r = await archiveBinlogs({ source: server.url, repo: repo(), onWarning: (m) => warnings.push(m) });
    expect(r.recovered).toMatchObject({ file: open.name });
    expect(r.recovered!.cutBytes).toBeGreaterThan(0);
    expect(r.from!.file).toBe(open.name);
    expect(r.from!.pos).toBeLessThan(open.endPos - 30);
    expect(warnings.join('\n')).toMatch(/cut \d+ byte\(s\)/);
    await expectArchiveEqualsServer(r);
    expect((await readdir(dir)).filter((n) => n.startsWith('.pitr-tmp-') || n === lastClosed.name)).toEqual([]);
    expect((await stat(join(dir, lastClosed.storedAs))).mtimeMs).toBe(lastClosedStat.mtimeMs);

    // A finished file left plain, not compressed nor recorded (killed after the server's ROTATE
    // arrived): it is closed again, to the same bytes.
    const again = r.manifest.files.filter((f) => f.state === 'closed').pop()!;
    const plain = await archivedBytes(dir, again);
    plain[21] = plain[21]! | 1; // as the plain copy of a file being received has it
    await writeFile(join(dir, again.name), plain);
    await rm(join(dir, again.storedAs));
    const handle = await openRepo(repo());
    const m = (await readManifest(handle, r.timeline))!;
    await writeManifest(handle, { ...m, files: m.files.filter((f) => f.name !== again.name) });
    const r2 = await archiveBinlogs({ source: server.url, repo: repo() });
    expect(r2.closedFiles.map((f) => f.name)).toContain(again.name);
    expect(r2.manifest.files.find((f) => f.name === again.name)).toMatchObject({ state: 'closed', sha256: again.sha256, closedBy: 'rotate' });
    await expectArchiveEqualsServer(r2);
    first = r2;
  }, 120_000);

  it('stores closed files as zstd or uncompressed on request, identical once decompressed', async () => {
    for (const compression of ['zstd', 'none'] as const) {
      const r = await archiveBinlogs({ source: server.url, repo: join(base, `repo-${compression}`), compression });
      const closed = r.manifest.files.filter((f) => f.state === 'closed');
      expect(closed.length).toBeGreaterThan(0);
      for (const f of closed) {
        expect(f.compression).toBe(compression);
        expect(f.storedAs).toBe(compression === 'zstd' ? `${f.name}.zst` : f.name);
      }
      await expectArchiveEqualsServer(r);
    }
  }, 120_000);

  it('catches up over many short files with little memory for the dump (each close runs while the next file is received)', async () => {
    // A file is created once the one before it is closed; its events are received meanwhile and
    // held. The closes release the memory of what they wrote while the receive loop waits for
    // events: the dump, paused at maxBufferedBytes, once waited for a release forever here.
    const c = await server.connect();
    try {
      await c.query('CREATE TABLE w.short_files (id INT PRIMARY KEY, v MEDIUMTEXT)');
      for (let i = 0; i < 12; i++) {
        for (let k = 0; k < 8; k++) await c.query(`INSERT INTO w.short_files VALUES (${1000 + i * 10 + k}, REPEAT('r', ${300_000 + i}))`);
        await c.query('FLUSH BINARY LOGS');
      }
    } finally {
      await c.end();
    }
    // the server writes the new file's BINLOG_CHECKPOINT a moment after FLUSH BINARY LOGS returns
    await new Promise((r) => setTimeout(r, 1500));
    const r = await archiveBinlogs({ source: server.url, repo: join(base, 'repo-small-memory'), compression: 'none', maxBufferedBytes: 4 << 20 });
    await expectArchiveEqualsServer(r);
  }, 60_000);

  it('records a gap, loudly, when the server purged binlogs the archive never had, and goes on from its oldest file', async () => {
    const before = await archiveBinlogs({ source: server.url, repo: repo() });
    const open = before.openFile!;
    await server.query("INSERT INTO w.log (what) VALUES ('lost 1')");
    await server.flushLogs();
    await server.query("INSERT INTO w.log (what) VALUES ('lost 2')");
    await server.flushLogs();
    await quiesce();
    const files = (await server.binlogFiles()).map((f) => basename(f));
    const oldest = files[files.length - 1]!;
    const missing = files.slice(files.indexOf(open.name) + 1, -1);
    expect(missing.length).toBe(1);
    await server.query(`PURGE BINARY LOGS TO '${oldest}'`);
    const warnings: string[] = [];
    const r = await archiveBinlogs({ source: server.url, repo: repo(), onWarning: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toContain(`GAP IN THE ARCHIVE: the server purged the rest of ${open.name} (after offset ${open.endPos}) and ${missing[0]} before it was archived; the archive goes on with ${oldest}`);
    expect(r.from).toEqual({ file: oldest, pos: 4 });
    expect(r.gaps).toHaveLength(1);
    expect(r.manifest.gaps).toEqual(r.gaps);
    expect(r.gaps[0]).toMatchObject({
      reason: 'purged-before-archived',
      from: { file: open.name, pos: open.endPos, gtid: open.lastGtid ?? before.manifest.files.filter((f) => f.lastGtid !== undefined).pop()!.lastGtid },
      to: { file: oldest, pos: 4 },
      missingFiles: missing,
      partialFile: open.name,
    });
    expect(r.gaps[0]!.to.gtid).toMatch(/^0-\d+-\d+/);
    // the partial copy is closed as it is, marked incomplete
    expect(r.manifest.files.find((f) => f.name === open.name)).toMatchObject({ state: 'closed', incomplete: true, endPos: open.endPos, closedBy: 'next-file' });
    expect(r.manifest.files.map((f) => f.name)).not.toContain(missing[0]);
    const entry = r.manifest.files.find((f) => f.name === oldest)!;
    expect((await archivedBytes(r.timelineDir, entry)).equals(await readFile(join(server.binlogDir, oldest)))).toBe(true);
    // the next run goes on without a new gap
    const again = await archiveBinlogs({ source: server.url, repo: repo() });
    expect(again.gaps).toEqual([]);
    expect(again.manifest.gaps).toHaveLength(1);
    first = again;
  });
});

describe('archiveBinlogs preconditions (nothing is written)', () => {
  const newRepo = (): string => join(base, `never-${Math.random().toString(36).slice(2)}`);

  it('refuses a server without binary logging', async () => {
    const plain = await startServer({ binlog: false });
    try {
      const repo = newRepo();
      const e = await rejection(archiveBinlogs({ source: plain.url, repo }));
      expect(e.code).toBe('USAGE');
      expect(e.message).toMatch(/does not write a binary log \(log_bin is OFF\)/);
      expect(e.hints.join(' ')).toMatch(/--log-bin/);
      expect(existsSync(repo)).toBe(false);
    } finally {
      await plain.stop();
    }
  });

  it('names the missing privilege: REPLICATION SLAVE, REPLICATION CLIENT', async () => {
    await server.query(`
      CREATE USER 'noslave'@'127.0.0.1' IDENTIFIED BY 'pw1'; GRANT BINLOG MONITOR ON *.* TO 'noslave'@'127.0.0.1';
      CREATE USER 'noclient'@'127.0.0.1' IDENTIFIED BY 'pw2'; GRANT REPLICATION SLAVE ON *.* TO 'noclient'@'127.0.0.1';
    `);
    for (const [user, pw] of [
      ['noslave', 'pw1'],
      ['noclient', 'pw2'],
    ] as const) {
      const repo = newRepo();
      const e = await rejection(archiveBinlogs({ source: `mysql://${user}:${pw}@127.0.0.1:${server.port}/`, repo }));
      expect(e.code).toBe('CONNECTION');
      expect(e.message).toContain(`the user '${user}' lacks a privilege`);
      expect(e.message).not.toContain(pw);
      expect(e.hints.join(' ')).toContain('GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.*');
      expect(existsSync(repo)).toBe(false);
    }
  });

  it('says when the credentials are wrong, without showing the password', async () => {
    const repo = newRepo();
    const e = await rejection(archiveBinlogs({ source: `mysql://pitr:Wr0ngSecret@127.0.0.1:${server.port}/`, repo }));
    expect(e.code).toBe('CONNECTION');
    expect(e.message).toMatch(/refused the user 'pitr'/);
    expect(e.message).not.toContain('Wr0ngSecret');
    expect(e.hints.join(' ')).toMatch(/PITR_PASSWORD/);
    expect(existsSync(repo)).toBe(false);
  });

  it('says when the server cannot be reached', async () => {
    const repo = newRepo();
    // A port nothing listens on: a stopped throwaway server's.
    const gone = await startServer({});
    const port = gone.port;
    await gone.stop();
    const e = await rejection(archiveBinlogs({ source: `mysql://pitr:pitr@127.0.0.1:${port}/`, repo }));
    expect(e.code).toBe('CONNECTION');
    expect(e.message).toContain(`cannot reach the server at 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(existsSync(repo)).toBe(false);
  });

  it('refuses a dump memory limit too small to ever resume', async () => {
    const e = await rejection(archiveBinlogs({ source: 'mysql://pitr:pitr@127.0.0.1:1/', repo: join(base, 'never-written'), maxBufferedBytes: 1 << 20 }));
    expect(e.code).toBe(ERROR_CODES.USAGE);
    expect(e.message).toContain('maxBufferedBytes');
    await expect(stat(join(base, 'never-written'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a replica server id equal to the source server id', async () => {
    const repo = newRepo();
    const e = await rejection(archiveBinlogs({ source: server.url, repo, serverId: server.serverId }));
    expect(e.code).toBe('USAGE');
    expect(e.message).toContain("the source's own server id");
    expect(existsSync(repo)).toBe(false);
  });
});

describe('archiveBinlogs from a server that encrypts its binlogs (MariaDB encrypt_binlog)', () => {
  it('archives them decrypted at the same positions, says so, and marks the manifest', async () => {
    const keys = await mkdtemp(join(tmpdir(), 'pitr-keys-'));
    await writeFile(join(keys, 'keys.txt'), '1;a7addd9adea9978fda19f21e6be987880e68ac92632ca052e5bb42b1a506939a\n');
    const encrypted = await startServer({
      extra: ['--plugin-load-add=file_key_management', `--file-key-management-filename=${join(keys, 'keys.txt')}`, '--encrypt-binlog=ON'],
    });
    try {
      await encrypted.query("CREATE DATABASE e; CREATE TABLE e.t (id INT PRIMARY KEY, secret VARCHAR(40)); INSERT INTO e.t VALUES (1, 'plain text in the archive')");
      await encrypted.flushLogs();
      await encrypted.query("INSERT INTO e.t VALUES (2, 'second')");
      // the BINLOG_CHECKPOINT MariaDB appends a moment after FLUSH BINARY LOGS: archive after it
      await new Promise((r) => setTimeout(r, 1500));
      const warnings: string[] = [];
      const r = await archiveBinlogs({ source: encrypted.url, repo: join(base, 'repo-encrypted'), onWarning: (m) => warnings.push(m) });
      expect(warnings.join('\n')).toContain('the server encrypts its binlogs at rest');
      const files = await encrypted.binlogFiles();
      for (const path of files) {
        const entry = r.manifest.files.find((f) => f.name === basename(path))!;
        const onServer = await readFile(path);
        const mine = await archivedBytes(r.timelineDir, entry);
        expect(entry.decryptedFromSource).toBe(true);
        expect(mine.length).toBe(onServer.length);
        expect(onServer.includes('plain text in the archive')).toBe(false);
      }
      const first = await archivedBytes(r.timelineDir, r.manifest.files[0]!);
      expect(first.includes('plain text in the archive')).toBe(true);
      expect(r.manifest.files[0]!.transactions).toBe(3);
      // core's reader decodes the archived (decrypted) files, and still refuses the server's own
      const decoded: string[] = [];
      for (const entry of r.manifest.files) {
        for await (const ev of readBinlogStream(toChunks(await archivedBytes(r.timelineDir, entry)), { fileName: entry.name })) {
          if (ev.body.kind === 'annotate_rows') decoded.push(ev.body.query);
        }
      }
      expect(decoded.join('\n')).toContain("INSERT INTO e.t VALUES (2, 'second')");
      const own = readBinlogFile(files[0]!);
      await expect((async () => {
        for await (const ev of own) void ev;
      })()).rejects.toMatchObject({ code: ERROR_CODES.BINLOG_ENCRYPTED });
    } finally {
      await encrypted.stop();
      await rm(keys, { recursive: true, force: true });
    }
  });
});
