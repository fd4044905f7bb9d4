/**
 * Schema history end to end: a NO_LOG binlog (MariaDB's default) carries no column names, so
 * `pitr binlog decode` follows the DDL in the binlog itself. Tables created inside the decoded range
 * get their names from the CREATE TABLE; an ALTER that changes the layout is followed; with
 * --schema-from a dump taken BEFORE the ALTER, the later rows still decode with the new layout.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'packages/cli/dist/bin.js');
const BUILT = existsSync(BIN);
if (!BUILT) console.warn(`SKIPPED cli-binlog-decode-ddl: ${BIN} does not exist (run: npx tsc -b packages/cli)`);

type Json = Record<string, unknown>;

function pitrJson(args: string[]): Promise<{ code: number; events: Json[]; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args, '--json'], { env: { ...process.env, TZ: 'UTC' }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      const events = stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Json);
      done({ code, events, stderr });
    });
  });
}

function rowsOf(events: Json[], table: string): Json[] {
  return events.filter((e) => e.table === table && e.type === 'write').flatMap((e) => e.rows as Json[]);
}

describe.skipIf(!BUILT)('pitr binlog decode follows DDL in NO_LOG binlogs', () => {
  let server: TestServer;
  let files: string[];

  beforeAll(async () => {
    server = await startServer({ binlogRowMetadata: 'NO_LOG', timeZone: '+00:00' });
    await server.query(`
      CREATE DATABASE app;
      CREATE TABLE app.t (id INT UNSIGNED PRIMARY KEY, name VARCHAR(20) CHARACTER SET latin1) ENGINE=InnoDB;
      INSERT INTO app.t VALUES (4294967295, 'café');
      ALTER TABLE app.t ADD COLUMN flag TINYINT UNSIGNED NOT NULL DEFAULT 0 FIRST, CHANGE name label VARCHAR(20) CHARACTER SET utf8mb4;
      INSERT INTO app.t (flag, id, label) VALUES (255, 1, 'ok 😀');
      RENAME TABLE app.t TO app.renamed;
      INSERT INTO app.renamed (flag, id, label) VALUES (7, 2, 'moved');
    `);
    await server.flushLogs();
    files = (await server.binlogFiles()).slice(0, -1);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('names, signedness and charsets come from the CREATE/ALTER/RENAME in the binlog', async () => {
    const { code, events, stderr } = await pitrJson(['binlog', 'decode', ...files]);
    expect(code, stderr).toBe(0);
    const before = rowsOf(events, 't');
    expect(before.map((r) => r.after)).toEqual([
      { id: 4294967295, name: 'café' },
      { flag: 255, id: 1, label: 'ok 😀' },
    ]);
    expect(rowsOf(events, 'renamed').map((r) => r.after)).toEqual([{ flag: 7, id: 2, label: 'moved' }]);
  });
});
