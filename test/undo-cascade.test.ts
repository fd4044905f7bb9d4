/**
 * Undo of a parent DELETE whose children went with it (ON DELETE CASCADE, ON DELETE SET NULL):
 * the server does not log what a foreign key did, so `pitr undo` cannot put the children back
 * itself — it says so, per foreign key, with the `pitr restore-table … --replace` command that does.
 * Followed exactly as a DBA would: run the undo script, then the commands it printed; the three
 * tables are back as they were before the DELETE.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';
import { runPitr } from '../tools/src/run-pitr.js';

const execFileP = promisify(execFile);

async function rowsOf(server: TestServer, table: string): Promise<unknown[]> {
  return server.query(`SELECT * FROM shop.${table} ORDER BY id`);
}

describe('undo of a parent DELETE with cascades', () => {
  let server: TestServer;
  let dir: string;
  let dump: string;
  let cnf: string;
  let before: Record<string, unknown[]>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitr-undo-cascade-'));
    server = await startServer({});
    await server.query(`
      CREATE DATABASE shop;
      CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB;
      CREATE TABLE shop.orders (id INT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(8,2), CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES shop.customers (id) ON DELETE CASCADE) ENGINE=InnoDB;
      CREATE TABLE shop.notes (id INT PRIMARY KEY, customer_id INT NULL, body TEXT, CONSTRAINT notes_customer FOREIGN KEY (customer_id) REFERENCES shop.customers (id) ON DELETE SET NULL) ENGINE=InnoDB;
      INSERT INTO shop.customers VALUES (1, 'Ada'), (7, 'Seven'), (9, 'Nine');
      INSERT INTO shop.orders VALUES (10, 1, 5), (70, 7, 7.5), (71, 7, 8), (90, 9, 9);
      INSERT INTO shop.notes VALUES (1, 7, 'call back'), (2, 1, 'vip'), (3, 9, 'late payer');
    `);
    cnf = join(dir, 'client.cnf');
    writeFileSync(cnf, `[client]\nuser=${server.user}\npassword=${server.password}\nhost=${server.host}\nport=${server.port}\n`, { mode: 0o600 });
    const { stdout } = await execFileP('mariadb-dump', [`--defaults-extra-file=${cnf}`, '--single-transaction', '--master-data=2', '--gtid', '--hex-blob', '--databases', 'shop'], { encoding: 'buffer', maxBuffer: 1 << 30 });
    dump = join(dir, 'dump.sql');
    writeFileSync(dump, stdout);
    await server.query(`INSERT INTO shop.orders VALUES (72, 7, 12); UPDATE shop.notes SET body = 'called' WHERE id = 1`);
    before = { customers: await rowsOf(server, 'customers'), orders: await rowsOf(server, 'orders'), notes: await rowsOf(server, 'notes') };
    await server.query('DELETE FROM shop.customers WHERE id IN (7, 9)');
    await server.flushLogs();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('names the children each foreign key took, and the restore-table command that brings them back', async () => {
    const source = ['--dump', dump, '--binlog-dir', server.binlogDir];
    const found = await runPitr(['find', ...source, '--table', 'shop.customers', '--op', 'delete', '--json']);
    expect(found.code, found.stderr).toBe(0);
    const gtid = (JSON.parse(found.stdout.trim().split('\n')[0]!) as { gtid: string }).gtid;
    const out = join(dir, 'undo.sql');
    const undo = await runPitr(['undo', '--gtid', gtid, ...source, '--sql-out', out]);
    expect(undo.code, undo.stderr).toBe(0);
    const warnings = undo.stderr.split('\n').filter((l) => l.includes('restore-table'));
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/shop\.orders rows that FOREIGN KEY orders_customer \(ON DELETE CASCADE\) deleted/);
    expect(warnings.join('\n')).toMatch(/shop\.notes rows that FOREIGN KEY notes_customer \(ON DELETE SET NULL\) set to NULL/);

    // the DBA runs the script, then the printed commands
    await execFileP('bash', ['-c', `mariadb --defaults-extra-file=${cnf} < ${out}`]);
    expect(await rowsOf(server, 'customers')).toEqual(before['customers']);
    for (const w of warnings) {
      const m = /pitr restore-table (\S+) --at (\S+) --where "([^"]+)" <this source> --to URL --replace/.exec(w);
      expect(m, w).not.toBeNull();
      const r = await runPitr(['restore-table', m![1]!, '--at', m![2]!, '--where', m![3]!, ...source, '--to', server.url, '--replace'], { PITR_PASSWORD: server.password });
      expect(r.code, r.stderr).toBe(0);
    }
    expect(await rowsOf(server, 'orders')).toEqual(before['orders']);
    expect(await rowsOf(server, 'notes')).toEqual(before['notes']);
  }, 120_000);
});
