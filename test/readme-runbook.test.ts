/**
 * The README's runbook example must run as written: its ```ts block is extracted, saved next to
 * the repository's packages (so '@pitr/*' resolve) and run with tsx against a throwaway source's
 * dump and binlogs and a fresh target.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';

const execFileP = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');

describe('README runbook example', () => {
  const servers: TestServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pitr-runbook-'));
  const script = join(ROOT, 'tools', `.readme-runbook-${process.pid}.ts`);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
    rmSync(script, { force: true });
  });

  it('runs: plan to latest, restore, and the target holds the source rows', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /## Runbook API[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'the README has a ```ts runbook block').toBeDefined();

    const source = await startServer();
    const target = await startServer({ binlog: false });
    servers.push(source, target);
    await source.query('CREATE DATABASE rb; CREATE TABLE rb.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO rb.t VALUES (1, "before")');
    const cnf = join(dir, 'client.cnf');
    writeFileSync(cnf, `[client]\nuser=${source.user}\npassword=${source.password}\nhost=${source.host}\nport=${source.port}\n`, { mode: 0o600 });
    const { stdout } = await execFileP('mariadb-dump', [`--defaults-extra-file=${cnf}`, '--single-transaction', '--master-data=2', '--gtid', '--databases', 'rb'], { encoding: 'buffer', maxBuffer: 1 << 26 });
    const dump = join(dir, 'rb.sql');
    writeFileSync(dump, stdout);
    await source.query('INSERT INTO rb.t VALUES (2, "after"); UPDATE rb.t SET v = "changed" WHERE id = 1');

    writeFileSync(script, block!);
    const run = await execFileP(join(ROOT, 'node_modules/.bin/tsx'), [script], {
      cwd: ROOT,
      env: { ...process.env, DUMP: dump, BINLOG_DIR: source.binlogDir, TARGET_URL: target.url },
    });
    expect(run.stdout).toMatch(/Restore plan/);
    expect(run.stdout).toMatch(/applied 2 transactions; GTID position 0-\d+-\d+/);
    const rows = await target.query<{ id: number; v: string }[]>('SELECT id, v FROM rb.t ORDER BY id');
    expect(rows.map((r) => [Number(r.id), String(r.v)])).toEqual([
      [1, 'changed'],
      [2, 'after'],
    ]);
  }, 60_000);
});
