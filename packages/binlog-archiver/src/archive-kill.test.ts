/**
 * Kill test: `archiveBinlogs({ follow: true })` in a child process is SIGKILLed at random moments
 * (while receiving, fsyncing, compressing a closed file or writing the manifest) a dozen times
 * during a write workload with frequent FLUSH BINARY LOGS and some big rows (pieces written with
 * O_DIRECT, see open-binlog-file.ts), and restarted each time. In the end
 * the archive is byte-identical to the server's binlogs: nothing lost, duplicated or torn, and
 * every closed file has its manifest entry.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../../tools/src/index.js';
import { archiveBinlogs } from './archive-binlogs.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const CHILD = join(import.meta.dirname, 'test-support/archive-child.ts');
const KILLS = 12;

let server: TestServer;
let repo: string;

beforeAll(async () => {
  server = await startServer({});
  repo = await mkdtemp(join(tmpdir(), 'pitr-archive-kill-'));
  await server.query('CREATE DATABASE k; CREATE TABLE k.t (id INT PRIMARY KEY, v MEDIUMTEXT)');
});

afterAll(async () => {
  await server?.stop();
  if (repo !== undefined) await rm(repo, { recursive: true, force: true });
});

describe('archiveBinlogs kill test', () => {
  it(`leaves a byte-identical archive after ${KILLS} SIGKILLs at random moments`, async () => {
    let stop = false;
    let n = 0;
    const writer = (async () => {
      const c = await server.connect();
      try {
        while (!stop) {
          n++;
          // every 40th row is big (one ~300 KB event): direct writes of whole pages happen, not only small buffered ones
          const size = n % 40 === 0 ? 300_000 + n : (n * 131) % 5000;
          await c.query(`BEGIN; INSERT INTO k.t VALUES (${n}, REPEAT('x', ${size})); UPDATE k.t SET v = 'y' WHERE id = ${Math.max(1, n - 2)}; COMMIT`);
          if (n % 120 === 0) await c.query('FLUSH BINARY LOGS');
        }
      } finally {
        await c.end();
      }
    })();
    const warnings: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, server.url, repo], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise((r) => child.on('exit', r));
      // running (it printed), or failed to start: then stop here with its exit code, not at the test's timeout
      const started = await Promise.race([new Promise((r) => child.stdout.once('data', () => r(true))), exited.then(() => false)]);
      if (!started) throw new Error(`archive child ${i + 1} exited before it started archiving (exit code ${child.exitCode}); its stderr is above`);
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 800));
      child.kill('SIGKILL');
      await exited;
      warnings.push(...out.split('\n').filter((l) => l.startsWith('WARN ')));
    }
    stop = true;
    await writer;
    // Let the server finish its BINLOG_CHECKPOINT after the last flush, then catch up once more.
    await new Promise((r) => setTimeout(r, 1500));
    const r = await archiveBinlogs({ source: server.url, repo });
    const files = await server.binlogFiles();
    expect(files.length).toBeGreaterThan(3);
    expect(r.manifest.files.map((f) => f.name)).toEqual(files.map((f) => basename(f)));
    for (const path of files) {
      const entry = r.manifest.files.find((f) => f.name === basename(path))!;
      const stored = await readFile(join(r.timelineDir, entry.storedAs));
      const mine = entry.state === 'closed' ? gunzipSync(stored) : stored;
      expect({ name: entry.name, equal: mine.equals(await readFile(path)) }).toEqual({ name: entry.name, equal: true });
    }
    // The only warnings: stale locks of killed runs, and cuts of their partial writes.
    for (const w of warnings) expect(w).toMatch(/took over a stale repository lock|cut \d+ byte|started over/);
  }, 180_000);
});
