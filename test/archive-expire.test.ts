/**
 * Retention: `pitr expire` removes the expired backups and the archived binlogs that no retained
 * backup needs (those before the oldest retained backup's coordinates), never one a retained
 * backup needs to roll forward. Afterwards `pitr verify` passes, `pitr list` says what expired,
 * the archiver continues where it was, and a restore plan from the oldest retained backup to the
 * latest point still has every file it reads. And `pitr expire` while `archive --follow` runs
 * under writes: both change the timeline's manifest (under its lock), neither undoes the other.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { archiveBinlogs } from '@pitr/binlog-archiver';
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

  it('expires while archive --follow runs under writes: the archive stays complete after the cut', async () => {
    const source = await startServer({ maxBinlogSize: 64 * 1024 });
    servers.push(source);
    const repo = join(dir, 'repo-follow');
    await source.query('CREATE DATABASE c; CREATE TABLE c.t (id INT PRIMARY KEY, v VARCHAR(200))');
    let id = 0;
    const write = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await source.query(`INSERT INTO c.t VALUES (${++id}, REPEAT('v', ${50 + (id % 150)}))`);
    };
    await write(50);
    await source.flushLogs();
    expect((await pitr('backup', '--source', source.url, '--repo', repo, '--databases', 'c')).code).toBe(0);
    await write(50);
    await source.flushLogs();
    await write(50);
    await source.flushLogs();
    expect((await pitr('backup', '--source', source.url, '--repo', repo, '--databases', 'c')).code).toBe(0);

    const controller = new AbortController();
    const warnings: string[] = [];
    const following = archiveBinlogs({ source: source.url, repo, follow: true, signal: controller.signal, manifestIntervalMs: 50, onWarning: (m) => warnings.push(m) });
    following.catch(() => undefined);
    // a writer that rotates often: the archiver closes files (manifest changes) all along
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        await write(20);
        await source.flushLogs();
      }
    })();
    await new Promise((r) => setTimeout(r, 1500));
    const expired = await pitr('expire', '--repo', repo, '--keep', '1', '--json');
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await writer;
    await write(5);
    // the server writes its BINLOG_CHECKPOINT after the last rotation by itself: let it, then let
    // the follower run a little longer, stop it, and catch up once more (nothing is fetched twice)
    await new Promise((r) => setTimeout(r, 1500));
    controller.abort();
    await following;
    const result = await archiveBinlogs({ source: source.url, repo });

    expect(expired.code).toBe(0);
    const prune = (JSON.parse(expired.stdout) as { archivePrune: { files: { name: string }[]; keptFrom: { file: string }[] } }).archivePrune;
    expect(prune.files.length).toBeGreaterThan(0);
    const keptFrom = prune.keptFrom[0]!.file;
    // from the retained backup's file on, every server binlog is archived byte for byte; nothing before it
    const timelineDir = result.timelineDir;
    const manifest = JSON.parse(readFileSync(join(timelineDir, 'manifest.json'), 'utf8')) as { files: { name: string; storedAs: string }[]; expired: { before: string } };
    expect(manifest.expired.before).toBe(keptFrom);
    const wanted = (await source.binlogFiles()).filter((f) => basename(f) >= keptFrom);
    expect(manifest.files.map((f) => f.name)).toEqual(wanted.map((f) => basename(f)));
    for (const path of wanted) {
      const entry = manifest.files.find((f) => f.name === basename(path))!;
      const stored = await readFile(join(timelineDir, entry.storedAs));
      const mine = entry.storedAs.endsWith('.gz') ? (await import('node:zlib')).gunzipSync(stored) : stored;
      const theirs = await readFile(path);
      expect({ name: entry.name, state: (entry as { state?: string }).state, size: mine.length, equal: mine.equals(theirs) }).toEqual({
        name: entry.name,
        state: (entry as { state?: string }).state,
        size: theirs.length,
        equal: true,
      });
    }
    for (const f of prune.files) expect(readdirSync(timelineDir)).not.toContain(`${f.name}.gz`);
    // no lock or temp file left behind; the archive verifies
    expect(readdirSync(timelineDir).filter((n) => n.includes('lock') || n.startsWith('.pitr-tmp-'))).toEqual([]);
    expect(warnings).toEqual([]);
    expect((await pitr('verify', '--repo', repo)).code).toBe(0);
  }, 120_000);
});
