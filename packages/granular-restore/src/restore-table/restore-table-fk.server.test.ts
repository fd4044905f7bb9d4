/**
 * restore-table reads only the table's own rows events from the binlogs (scan/binlog-prefilter.ts)
 * — and its FOREIGN KEY parents', whose ON DELETE/UPDATE actions change the table without a row
 * event of its own. A child restored after its parent's cascading DELETE must not have the rows
 * the cascade took; rows of unrelated tables changed in the same transactions do not matter.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../../../tools/src/index.js';
import { runPitr } from '../../../../tools/src/run-pitr.js';

const execFileP = promisify(execFile);

describe('restore-table follows foreign-key actions of the parents', () => {
  let server: TestServer;
  let dir: string;
  let dump: string;
  let after: unknown[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitr-rt-fk-'));
    server = await startServer({});
    await server.query(`
      CREATE DATABASE shop;
      CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB;
      CREATE TABLE shop.orders (id INT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(8,2), CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES shop.customers (id) ON DELETE CASCADE) ENGINE=InnoDB;
      CREATE TABLE shop.other (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
      INSERT INTO shop.customers VALUES (1, 'Ada'), (7, 'Seven'), (9, 'Nine');
      INSERT INTO shop.orders VALUES (10, 1, 5), (70, 7, 7.5), (71, 7, 8), (90, 9, 9);
      INSERT INTO shop.other VALUES (1, 1);
    `);
    const cnf = join(dir, 'client.cnf');
    writeFileSync(cnf, `[client]\nuser=${server.user}\npassword=${server.password}\nhost=${server.host}\nport=${server.port}\n`, { mode: 0o600 });
    const { stdout } = await execFileP('mariadb-dump', [`--defaults-extra-file=${cnf}`, '--single-transaction', '--master-data=2', '--gtid', '--hex-blob', '--databases', 'shop'], { encoding: 'buffer', maxBuffer: 1 << 30 });
    dump = join(dir, 'dump.sql');
    writeFileSync(dump, stdout);
    await server.query(`INSERT INTO shop.orders VALUES (72, 7, 12); UPDATE shop.other SET v = 2; BEGIN; DELETE FROM shop.customers WHERE id IN (7, 9); UPDATE shop.other SET v = 3; COMMIT; INSERT INTO shop.orders VALUES (11, 1, 1)`);
    after = await server.query('SELECT * FROM shop.orders ORDER BY id');
    await server.flushLogs();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('the child at the end has none of the rows the parent DELETE cascaded to', async () => {
    const r = await runPitr(['restore-table', 'shop.orders', '--at', 'latest', '--dump', dump, '--binlog-dir', server.binlogDir, '--to', server.url, '--into', 'shop.orders_copy', '--json'], {
      PITR_PASSWORD: server.password,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(await server.query('SELECT * FROM shop.orders_copy ORDER BY id')).toEqual(after);
    expect((after as { id: number }[]).map((o) => o.id)).toEqual([10, 11]);
  }, 60_000);
});
