/**
 * What a plan warns a reviewer about (issue 3, Planner): DML logged as statements (binlog_format
 * STATEMENT/MIXED), TEMPORARY tables, and changes to non-transactional tables.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseTarget } from '@pitr/core';
import { buildPlan } from '@pitr/pitr-planner';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';

const execFileP = promisify(execFile);

describe('plan warnings', () => {
  const servers: TestServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pitr-plan-warn-'));
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function dumpOf(s: TestServer, db: string): Promise<string> {
    const cnf = join(dir, `${s.port}.cnf`);
    writeFileSync(cnf, `[client]\nuser=${s.user}\npassword=${s.password}\nhost=${s.host}\nport=${s.port}\n`, { mode: 0o600 });
    const { stdout } = await execFileP('mariadb-dump', [`--defaults-extra-file=${cnf}`, '--single-transaction', '--master-data=2', '--gtid', '--databases', db], { encoding: 'buffer' });
    const path = join(dir, `${s.port}.sql`);
    writeFileSync(path, stdout);
    return path;
  }

  it('statement-logged DML, temporary tables, non-transactional tables', async () => {
    const stmt = await startServer({ binlogFormat: 'STATEMENT' });
    const row = await startServer();
    servers.push(stmt, row);
    await stmt.query('CREATE DATABASE w; CREATE TABLE w.t (a INT PRIMARY KEY) ENGINE=InnoDB');
    await row.query('CREATE DATABASE w; CREATE TABLE w.m (a INT PRIMARY KEY) ENGINE=Aria');
    const [d1, d2] = [await dumpOf(stmt, 'w'), await dumpOf(row, 'w')];
    await stmt.query('INSERT INTO w.t VALUES (1); CREATE TEMPORARY TABLE w.tmp (a INT); INSERT INTO w.tmp VALUES (2); INSERT INTO w.t SELECT a FROM w.tmp; DROP TEMPORARY TABLE w.tmp');
    await row.query('INSERT INTO w.m VALUES (1)');

    const p1 = await buildPlan({ target: parseTarget('latest'), source: { kind: 'files', dump: d1, binlogDir: stmt.binlogDir } });
    expect(p1.warnings.join('\n')).toMatch(/DML logged as statements, not rows/);
    expect(p1.warnings.join('\n')).toMatch(/TEMPORARY tables/);
    expect(p1.replay.ddl.map((d) => d.statement)).not.toContainEqual(expect.stringMatching(/^INSERT/));

    const p2 = await buildPlan({ target: parseTarget('latest'), source: { kind: 'files', dump: d2, binlogDir: row.binlogDir } });
    expect(p2.warnings.join('\n')).toMatch(/1 replayed transaction\(s\) changed non-transactional tables/);
  }, 60_000);
});
