/**
 * Retention: `pitr expire` removes the expired backups and the archived binlogs that no retained
 * backup needs (those before the oldest retained backup's coordinates), never one a retained
 * backup needs to roll forward. Afterwards `pitr verify` passes, `pitr list` says what expired,
 * the archiver continues where it was, and a restore plan from the oldest retained backup to the
 * latest point still has every file it reads.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';
import { runPitr } from '../tools/src/run-pitr.js';

const pitr = (...argv: string[]): ReturnType<typeof runPitr> => runPitr(argv);

describe('pitr expire prunes the archive', () => {
  const servers: TestServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pitr-archive-expire-'));
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes only binlogs no retained backup needs; verify and plans still pass', async () => {
    const source = await startServer({});
    servers.push(source);
    const repo = join(dir, 'repo');
    await source.query('CREATE DATABASE e; CREATE TABLE e.t (id INT PRIMARY KEY, v VARCHAR(50))');
    let id = 0;
    const round = async (): Promise<void> => {
      for (let i = 0; i < 10; i++) await source.query(`INSERT INTO e.t VALUES (${++id}, 'row ${id}')`);
      await source.flushLogs();
      for (let i = 0; i < 5; i++) await source.query(`INSERT INTO e.t VALUES (${++id}, 'row ${id}')`);
    };
    const backupIds: string[] = [];
    for (let b = 0; b < 3; b++) {
      await round();
      const r = await pitr('backup', '--source', source.url, '--repo', repo, '--databases', 'e', '--json');
      expect(r.code).toBe(0);
      await round();
      expect((await pitr('archive', '--source', source.url, '--repo', repo)).code).toBe(0);
    }
    const listing = JSON.parse((await pitr('list', '--repo', repo, '--json')).stdout) as {
      backups: { id: string; coordinates: { file: string } }[];
      archive: { timelines: { timeline: string; first: string }[] };
    };
    backupIds.push(...listing.backups.map((b) => b.id));
    expect(backupIds).toHaveLength(3);
    const second = listing.backups[1]!.coordinates.file;
    const timeline = listing.archive.timelines[0]!.timeline;
    expect(listing.archive.timelines[0]!.first).toBe('mariadb-bin.000001');

    const dry = await pitr('expire', '--repo', repo, '--keep', '2', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would remove binlog 0001-mariadb-\d+\/mariadb-bin\.000001/);

    const r = await pitr('expire', '--repo', repo, '--keep', '2', '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { removed: { id: string }[]; archivePrune: { files: { name: string }[]; keptFrom: { file: string }[] } };
    expect(result.removed.map((b) => b.id)).toEqual([backupIds[0]]);
    // exactly the files before the oldest retained backup's file
    const expected = Array.from({ length: Number(second.slice(-6)) - 1 }, (_, i) => `mariadb-bin.${String(i + 1).padStart(6, '0')}`);
    expect(result.archivePrune.files.map((f) => f.name)).toEqual(expected);
    expect(result.archivePrune.keptFrom).toEqual([{ timeline, file: second }]);
    const manifest = JSON.parse(readFileSync(join(repo, 'binlogs', timeline, 'manifest.json'), 'utf8')) as { files: { name: string }[]; expired: { before: string } };
    expect(manifest.files[0]!.name).toBe(second);
    expect(manifest.expired.before).toBe(second);

    const verify = await pitr('verify', '--repo', repo);
    expect(verify.code).toBe(0);
    const list = await pitr('list', '--repo', repo);
    expect(list.stdout).toContain(`files before ${second} expired`);
    expect(list.stdout).not.toMatch(/GAP/);

    // the archiver continues where it was (nothing fetched again), plans from the oldest retained backup work
    await round();
    const again = await pitr('archive', '--source', source.url, '--repo', repo, '--json');
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { from: { file: string } }).from.file).not.toBe('mariadb-bin.000001');
    const plan = await pitr('plan', 'latest', '--repo', repo, '--json');
    expect(plan.code).toBe(0);
    expect((await pitr('verify', '--repo', repo)).code).toBe(0);
  }, 90_000);
});
