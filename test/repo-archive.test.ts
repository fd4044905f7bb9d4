/**
 * A repository with backups and an archive (pitr archive), end to end through the CLI: list shows
 * the window through the archive, verify re-checks every archived file (exit 3 on damage), and a
 * restore from the repository alone (no --binlog-dir) is exact.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';
import { runPitr } from '../tools/src/run-pitr.js';

const pitr = (...argv: string[]): ReturnType<typeof runPitr> => runPitr(argv);

describe('repository with an archive', () => {
  const servers: TestServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pitr-repo-archive-'));
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('backup, archive, list, verify, restore from the repository alone; a damaged archive file fails verify', async () => {
    const source = await startServer({ maxBinlogSize: 4096 });
    const target = await startServer({ binlog: false });
    servers.push(source, target);
    const repo = join(dir, 'repo');
    await source.query('CREATE DATABASE r; CREATE TABLE r.t (id INT PRIMARY KEY, v VARCHAR(40)); INSERT INTO r.t VALUES (1, "a")');
    expect((await pitr('backup', '--source', source.url, '--repo', repo, '--databases', 'r')).code).toBe(0);
    for (let i = 2; i < 60; i++) await source.query(`INSERT INTO r.t VALUES (${i}, REPEAT('x', 30))`);
    await source.query('UPDATE r.t SET v = "changed" WHERE id < 10');
    await source.flushLogs();
    expect((await pitr('archive', '--source', source.url, '--repo', repo)).code).toBe(0);

    const list = await pitr('list', '--repo', repo);
    expect(list.stdout).toMatch(/: to mariadb-bin\.\d+:\d+ \(gtid 0-\d+-\d+\)/);
    expect(list.stdout).toMatch(/Binlog archive:\n {2}timeline 0001-mariadb-\d+: \d+ file\(s\)/);

    const ok = await pitr('verify', '--repo', repo);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/binlog 0001-mariadb-\d+\/mariadb-bin\.000001 {2}OK \(SHA-256 of the stored file and of the binlog/);

    const r = await pitr('restore', 'latest', '--repo', repo, '--to', target.url);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const [want] = await source.query<{ Checksum: string }[]>('CHECKSUM TABLE r.t');
    const [got] = await target.query<{ Checksum: string }[]>('CHECKSUM TABLE r.t');
    expect(got!.Checksum).toBe(want!.Checksum);

    // find reads the repository's archive too (no --binlog-dir)
    const found = await pitr('find', '--repo', repo, '--table', 'r.t', '--op', 'update');
    expect(found.stderr).not.toMatch(/error/);
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(/UPDATE r\.t SET v = "changed"/);

    // damage one closed archive file: verify names it and exits 3
    const tdir = join(repo, 'binlogs', readdirSync(join(repo, 'binlogs'))[0]!);
    const closed = readdirSync(tdir).find((f) => f.endsWith('.gz'))!;
    const bytes = readFileSync(join(tdir, closed));
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(join(tdir, closed), bytes);
    const bad = await pitr('verify', '--repo', repo);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(new RegExp(`${closed.replace(/\.gz$/, '').replace(/\./g, '\\.')} {2}FAILED\\n {6}- the stored file's SHA-256 differs`));
  }, 90_000);
});
