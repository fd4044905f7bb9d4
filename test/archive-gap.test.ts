/**
 * Purged before archived: the server purges binlogs the archiver never had (it was not running).
 * The next `pitr archive` says so loudly, records the gap in the manifest and goes on from the
 * oldest file the server still has. `pitr list` shows the restorable windows split by the gap,
 * `pitr plan` refuses a target inside it (exit 3) while targets before it (from the older backup)
 * and after it (from a backup taken after it) plan fine, and `pitr verify` reports the gap as a
 * known fact, not as damage.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';
import { runPitr } from '../tools/src/run-pitr.js';

const pitr = (...argv: string[]): ReturnType<typeof runPitr> => runPitr(argv);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a gap in the archive (purged before archived)', () => {
  const servers: TestServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pitr-archive-gap-'));
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is recorded, splits the restorable windows, and plans refuse targets inside it', async () => {
    const source = await startServer({});
    servers.push(source);
    const repo = join(dir, 'repo');
    const utcNow = async (): Promise<string> => {
      const [r] = await source.query<{ t: string }[]>("SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%sZ') AS t");
      return r!.t;
    };
    await source.query('CREATE DATABASE g; CREATE TABLE g.t (id INT PRIMARY KEY, what VARCHAR(20)); INSERT INTO g.t VALUES (1, "before backup")');
    expect((await pitr('backup', '--source', source.url, '--repo', repo, '--databases', 'g')).code).toBe(0);
    for (let i = 2; i <= 5; i++) await source.query(`INSERT INTO g.t VALUES (${i}, 'archived')`);
    const beforeGap = await utcNow();
    expect((await pitr('archive', '--source', source.url, '--repo', repo)).code).toBe(0);

    // The archiver is down: transactions, rotations, and the server purges what it did not get.
    await pause(1100);
    await source.query("INSERT INTO g.t VALUES (6, 'lost')");
    const inGap = await utcNow();
    await source.flushLogs();
    await source.query("INSERT INTO g.t VALUES (7, 'lost')");
    await source.flushLogs();
    await pause(1100);
    const files = (await source.binlogFiles()).map((f) => basename(f));
    const oldest = files[files.length - 1]!;
    await source.query(`PURGE BINARY LOGS TO '${oldest}'`);
    await source.query("INSERT INTO g.t VALUES (8, 'after gap')");

    const archived = await pitr('archive', '--source', source.url, '--repo', repo);
    expect(archived.code).toBe(0);
    expect(archived.stderr).toContain('GAP IN THE ARCHIVE: the server purged the rest of mariadb-bin.000001');
    expect(archived.stdout).toMatch(/GAP: {10}mariadb-bin\.000001:\d+ → mariadb-bin\.000003:4 \(purged by the server before it was archived: mariadb-bin\.000002\)/);
    const timeline = readdirSync(join(repo, 'binlogs')).find((n) => /^0001-/.test(n))!;
    const manifest = JSON.parse(readFileSync(join(repo, 'binlogs', timeline, 'manifest.json'), 'utf8')) as {
      gaps: { from: { file: string }; to: { file: string; pos: number }; missingFiles: string[]; partialFile?: string }[];
    };
    expect(manifest.gaps).toHaveLength(1);
    expect(manifest.gaps[0]).toMatchObject({ from: { file: 'mariadb-bin.000001' }, to: { file: oldest, pos: 4 }, missingFiles: ['mariadb-bin.000002'], partialFile: 'mariadb-bin.000001' });

    // A backup after the gap, more writes, archived.
    expect((await pitr('backup', '--source', source.url, '--repo', repo, '--databases', 'g')).code).toBe(0);
    await source.query("INSERT INTO g.t VALUES (9, 'after backup 2')");
    expect((await pitr('archive', '--source', source.url, '--repo', repo)).code).toBe(0);

    // list: two windows, the first ends where the gap begins; two stretches
    const list = await pitr('list', '--repo', repo);
    expect(list.code).toBe(0);
    const windows = list.stdout.split('\n').filter((l) => l.startsWith('  from backup '));
    expect(windows).toHaveLength(2);
    expect(windows[0]).toMatch(/: to mariadb-bin\.000001:\d+ .*where a GAP begins \(mariadb-bin\.000001:\d+ .*→ mariadb-bin\.000003:4.*the rest of mariadb-bin\.000001, mariadb-bin\.000002 purged|where a GAP begins/);
    expect(windows[1]).toMatch(/: to mariadb-bin\.000003:\d+/);
    expect(windows[1]).not.toMatch(/GAP/);
    expect(list.stdout).toMatch(/ {4}GAP: mariadb-bin\.000001:\d+.* → mariadb-bin\.000003:4.*purged by the server before it was archived: the rest of mariadb-bin\.000001, mariadb-bin\.000002 — restores cannot cross it/);
    expect(list.stdout).toMatch(/stretch mariadb-bin\.000001:4 .*: restorable from backup \S+/);
    expect(list.stdout).toMatch(/stretch mariadb-bin\.000003:4 .*: restorable from backup \S+/);
    const json = JSON.parse((await pitr('list', '--repo', repo, '--json')).stdout) as { windows: { end: { gap?: { missingFiles: string[] } } }[] };
    expect(json.windows[0]!.end.gap?.missingFiles).toEqual(['mariadb-bin.000002']);
    expect(json.windows[1]!.end.gap).toBeUndefined();

    // plan: inside the gap → refused (exit 3); before it and after it → fine
    const refused = await pitr('plan', inGap, '--repo', repo, '--tz', 'UTC');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/the archive has a gap/);
    const before = await pitr('plan', beforeGap, '--repo', repo, '--tz', 'UTC');
    expect(before.stderr).toBe('');
    expect(before.code).toBe(0);
    const latest = await pitr('plan', 'latest', '--repo', repo, '--json');
    expect(latest.code).toBe(0);
    const plan = JSON.parse(latest.stdout) as { binlogs: { name: string }[] };
    expect(plan.binlogs.map((b) => b.name)).toEqual([oldest]);

    // verify: the gap is a known fact (a warning), not damage
    const verify = await pitr('verify', '--repo', repo);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/warning: binlog timeline 0001-mariadb-\d+ has a GAP from mariadb-bin\.000001:\d+ to mariadb-bin\.000003:4 \(the rest of mariadb-bin\.000001, mariadb-bin\.000002 purged/);
  }, 90_000);
});
