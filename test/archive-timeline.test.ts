/**
 * Timelines: after RESET MASTER the server numbers its binlogs from 000001 again, with other
 * content under names the archive already has. `pitr archive` notices (the server's files do not
 * continue the archive; a file of the same name was created at another time), says so loudly, seals
 * the old timeline untouched and archives the new history as a new timeline, byte for byte.
 * `pitr list` and `pitr verify` report both timelines.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';
import { runPitr } from '../tools/src/run-pitr.js';

const pitr = (...argv: string[]): ReturnType<typeof runPitr> => runPitr(argv);

interface Manifest {
  timeline: string;
  sealed?: { reason: string; successor?: string };
  files: { name: string; state: string; storedAs: string }[];
}

function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of readdirSync(dir).filter((n) => n !== 'manifest.json')) out[n] = createHash('sha256').update(readFileSync(join(dir, n))).digest('hex');
  return out;
}

describe('a new timeline after RESET MASTER', () => {
  const servers: TestServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pitr-archive-timeline-'));
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('archives the new history in a new timeline and never overwrites archived files', async () => {
    const source = await startServer({});
    servers.push(source);
    const repo = join(dir, 'repo');
    const binlogs = join(repo, 'binlogs');
    await source.query('CREATE DATABASE h; CREATE TABLE h.t (id INT PRIMARY KEY, v VARCHAR(100))');
    for (let i = 1; i <= 20; i++) await source.query(`INSERT INTO h.t VALUES (${i}, REPEAT('a', ${i * 3}))`);
    await source.flushLogs();
    await source.query('INSERT INTO h.t VALUES (100, "old history")');
    expect((await pitr('archive', '--source', source.url, '--repo', repo)).code).toBe(0);
    const first = readdirSync(binlogs).filter((n) => /^\d{4}-/.test(n));
    expect(first).toEqual([`0001-mariadb-${source.serverId}`]);
    const before = hashes(join(binlogs, first[0]!));

    // RESET MASTER: numbering starts over (a different file under the name mariadb-bin.000001)
    await new Promise((r) => setTimeout(r, 1100));
    await source.query('RESET MASTER');
    await source.query('INSERT INTO h.t VALUES (200, "new history")');
    const r = await pitr('archive', '--source', source.url, '--repo', repo);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/NEW TIMELINE 0002-mariadb-\d+: the server's (mariadb-bin\.000001 is not the archived mariadb-bin\.000001|binlogs \(mariadb-bin\.000001 … mariadb-bin\.000001\) do not continue the archive)/);
    expect(r.stdout).toMatch(/new timeline: 0002-mariadb-\d+ after 0001-mariadb-\d+/);
    const timelines = readdirSync(binlogs).filter((n) => /^\d{4}-/.test(n)).sort();
    expect(timelines).toEqual([`0001-mariadb-${source.serverId}`, `0002-mariadb-${source.serverId}`]);

    // the old timeline is sealed; its files are the ones archived before (the open one closed as it was)
    const old = JSON.parse(readFileSync(join(binlogs, timelines[0]!, 'manifest.json'), 'utf8')) as Manifest;
    expect(old.sealed).toMatchObject({ successor: timelines[1] });
    expect(old.files.every((f) => f.state === 'closed')).toBe(true);
    const after = hashes(join(binlogs, timelines[0]!));
    for (const [name, h] of Object.entries(before)) {
      if (name in after) expect({ name, h: after[name] }).toEqual({ name, h });
      else expect(after[`${name}.gz`]).toBeDefined(); // the open plain file, now closed (compressed)
    }
    const reclosed = old.files.find((f) => f.name === 'mariadb-bin.000002')!;
    expect(gunzipSync(readFileSync(join(binlogs, timelines[0]!, reclosed.storedAs))).length).toBeGreaterThan(4);

    // the new timeline holds the server's files byte for byte
    const fresh = JSON.parse(readFileSync(join(binlogs, timelines[1]!, 'manifest.json'), 'utf8')) as Manifest;
    const serverFiles = await source.binlogFiles();
    expect(fresh.files.map((f) => f.name)).toEqual(serverFiles.map((f) => basename(f)));
    for (const f of serverFiles) {
      const e = fresh.files.find((x) => x.name === basename(f))!;
      expect(readFileSync(join(binlogs, timelines[1]!, e.storedAs)).equals(readFileSync(f))).toBe(true);
    }

    // A second RESET MASTER while the new timeline's 000001 is open: same name, other file.
    await new Promise((r) => setTimeout(r, 1100));
    await source.query('RESET MASTER');
    for (let i = 300; i < 340; i++) await source.query(`INSERT INTO h.t VALUES (${i}, REPEAT('c', 90))`);
    const r3 = await pitr('archive', '--source', source.url, '--repo', repo);
    expect(r3.code).toBe(0);
    expect(r3.stderr).toMatch(/NEW TIMELINE 0003-mariadb-\d+: the server's mariadb-bin\.000001 is not the archived mariadb-bin\.000001 \(created at/);

    // list and verify report the timelines
    const list = await pitr('list', '--repo', repo);
    expect(list.stdout).toMatch(/timeline 0001-mariadb-\d+: 2 file\(s\)/);
    expect(list.stdout).toMatch(/ended .* UTC: .*; continued in timeline 0002-mariadb-\d+/);
    expect(list.stdout).toMatch(/timeline 0003-mariadb-\d+: 1 file\(s\)/);
    const verify = await pitr('verify', '--repo', repo);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/warning: binlog timeline 0001-mariadb-\d+ ended .*the archive continues in timeline 0002-mariadb-\d+/);
    expect(verify.stdout).toMatch(/binlog 0003-mariadb-\d+\/mariadb-bin\.000001 {2}OK/);
  }, 90_000);

  it('starts a new timeline for another server (failover) and seals the old one', async () => {
    const a = await startServer({});
    const b = await startServer({});
    servers.push(a, b);
    const repo = join(dir, 'repo-failover');
    await a.query('CREATE DATABASE x; CREATE TABLE x.t (id INT PRIMARY KEY); INSERT INTO x.t VALUES (1)');
    expect((await pitr('archive', '--source', a.url, '--repo', repo)).code).toBe(0);
    await b.query('CREATE DATABASE x; CREATE TABLE x.t (id INT PRIMARY KEY); INSERT INTO x.t VALUES (2)');
    const r = await pitr('archive', '--source', b.url, '--repo', repo);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`is not the server of the newest timeline 0001-mariadb-${a.serverId}`));
    const old = JSON.parse(readFileSync(join(repo, 'binlogs', `0001-mariadb-${a.serverId}`, 'manifest.json'), 'utf8')) as Manifest;
    expect(old.sealed).toMatchObject({ successor: `0002-mariadb-${b.serverId}`, reason: expect.stringMatching(/another server .*server id \d+/) });
    expect(old.files.map((f) => f.state)).toEqual(['closed']);
    const fresh = JSON.parse(readFileSync(join(repo, 'binlogs', `0002-mariadb-${b.serverId}`, 'manifest.json'), 'utf8')) as Manifest;
    expect(fresh.files.map((f) => f.name)).toEqual(['mariadb-bin.000001']);
    const verify = await pitr('verify', '--repo', repo);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/warning: binlog timeline 0001-mariadb-\d+ ended .*continues in timeline 0002-mariadb-\d+/);
  }, 60_000);
});
