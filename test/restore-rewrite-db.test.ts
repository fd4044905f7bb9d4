/**
 * `--rewrite-db FROM:TO`: a database restored beside the original, on the very server that still
 * runs the original (the on-call case: "give me shop as it was at 14:29 next to the live shop").
 * The copy equals the original's state at the target — tables, rows byte-exactly, a trigger and a
 * view that name the database, a procedure — while the live databases are untouched, the other
 * database of the backup is not restored, and the server's GTID position is not moved. A statement
 * in the range that names a renamed and a not-renamed database fails the plan (exit 3), before
 * anything is written.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintServer } from '../tools/src/fingerprint.js';
import { startServer, type TestServer } from '../tools/src/index.js';
import { runPitr } from '../tools/src/run-pitr.js';

const execFileP = promisify(execFile);

/** The tables of a database (definitions and every row's exact value, tools/src/fingerprint.ts). */
async function tablesOf(server: TestServer, db: string): Promise<unknown> {
  const conn = await server.connect();
  try {
    return (await fingerprintServer(conn, { databases: [db] })).databases[db]!.tables;
  } finally {
    await conn.end();
  }
}

describe('restore --rewrite-db: a database beside the original', () => {
  let source: TestServer;
  let dir: string;
  let dump: string;
  let expected: unknown;
  let liveShop: unknown;
  let liveCrm: unknown;
  let badGtid = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitr-rewrite-db-'));
    source = await startServer({ maxBinlogSize: 8192 });
    await source.query(`
      CREATE DATABASE shop; CREATE DATABASE crm;
      CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(40), balance DECIMAL(10,2)) ENGINE=InnoDB;
      CREATE TABLE shop.orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(10,2), FOREIGN KEY (customer_id) REFERENCES shop.customers(id) ON DELETE CASCADE) ENGINE=InnoDB;
      CREATE TABLE shop.audit (id INT AUTO_INCREMENT PRIMARY KEY, msg VARCHAR(100)) ENGINE=InnoDB;
      CREATE TRIGGER shop.orders_ai AFTER INSERT ON shop.orders FOR EACH ROW INSERT INTO shop.audit (msg) VALUES (CONCAT('order ', NEW.id));
      CREATE VIEW shop.big_orders AS SELECT o.id, o.amount FROM shop.orders o WHERE o.amount > 5;
      CREATE PROCEDURE shop.total(OUT t DECIMAL(12,2)) SELECT SUM(amount) INTO t FROM shop.orders;
      CREATE TABLE crm.contacts (id INT PRIMARY KEY, email VARCHAR(60)) ENGINE=InnoDB;
      INSERT INTO shop.customers VALUES (1, 'Ada', 10), (2, 'Bob', 0), (3, 'Cy', 5);
      INSERT INTO shop.orders (customer_id, amount) VALUES (1, 4), (2, 8);
      INSERT INTO crm.contacts VALUES (1, 'a@x'), (2, 'b@x');
    `);
    const cnf = join(dir, 'client.cnf');
    writeFileSync(cnf, `[client]\nuser=${source.user}\npassword=${source.password}\nhost=${source.host}\nport=${source.port}\n`, { mode: 0o600 });
    const { stdout } = await execFileP(
      'mariadb-dump',
      [`--defaults-extra-file=${cnf}`, '--single-transaction', '--master-data=2', '--gtid', '--routines', '--triggers', '--events', '--hex-blob', '--databases', 'shop', 'crm'],
      { encoding: 'buffer', maxBuffer: 1 << 30 },
    );
    dump = join(dir, 'dump.sql');
    writeFileSync(dump, stdout);

    // after the backup: rows in both databases, a cross-database transaction, DDL qualified and not
    await source.query(`
      INSERT INTO shop.orders (customer_id, amount) VALUES (3, 9.5), (1, 1);
      BEGIN; UPDATE shop.customers SET balance = balance - 1 WHERE id = 1; INSERT INTO crm.contacts VALUES (3, 'c@x'); COMMIT;
      DELETE FROM shop.customers WHERE id = 2;
      ALTER TABLE shop.customers ADD COLUMN tier TINYINT NOT NULL DEFAULT 1;
      USE shop; CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'hello');
      RENAME TABLE shop.notes TO shop.memos;
      USE crm; UPDATE crm.contacts SET email = 'z@x' WHERE id = 1;
      UPDATE shop.customers SET tier = 3 WHERE id = 3;
    `);
    expected = await tablesOf(source, 'shop');
    // then a statement that names both databases: a --rewrite-db restore past it is refused
    await source.query('CREATE TABLE crm.like_customers LIKE shop.customers');
    const [g] = await source.query<{ g: string }[]>('SELECT @@global.gtid_binlog_pos AS g');
    badGtid = g!.g;
    await source.query('INSERT INTO shop.customers VALUES (9, "after", 0, 1)');
    liveShop = await tablesOf(source, 'shop');
    liveCrm = await tablesOf(source, 'crm');
    await source.flushLogs();
  }, 120_000);

  afterAll(async () => {
    await source?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a range with a statement naming a renamed and another database (exit 3, nothing written)', async () => {
    const r = await runPitr(['plan', 'latest', '--dump', dump, '--binlog-dir', source.binlogDir, '--rewrite-db', 'shop:shop_copy']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--rewrite-db cannot replay the statement of transaction .* it also names crm/);
    const usage = await runPitr(['plan', 'latest', '--dump', dump, '--binlog-dir', source.binlogDir, '--rewrite-db', 'nope:x']);
    expect(usage.code).toBe(3);
    expect(usage.stderr).toMatch(/has no database nope/);
    const bad = await runPitr(['plan', 'latest', '--dump', dump, '--binlog-dir', source.binlogDir, '--rewrite-db', 'shop']);
    expect(bad.code).toBe(2);
  });

  it('restores shop as shop_copy on the live server; the originals and the GTID position are untouched', async () => {
    const [before] = await source.query<{ g: string }[]>('SELECT @@global.gtid_slave_pos AS g');
    const target = `gtid:${badGtid}`;
    const dry = await runPitr(['restore', target, '--exclusive', '--dump', dump, '--binlog-dir', source.binlogDir, '--rewrite-db', 'shop:shop_copy', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/restored only: shop → shop_copy/);
    expect(dry.stdout).toMatch(/--rewrite-db: only shop as shop_copy is restored \(not crm\)/);
    const r = await runPitr(['restore', target, '--exclusive', '--dump', dump, '--binlog-dir', source.binlogDir, '--rewrite-db', 'shop:shop_copy', '--to', source.url, '--state-dir', join(dir, 'state')], { PITR_PASSWORD: source.password });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/not set: --rewrite-db/);

    expect(await tablesOf(source, 'shop_copy')).toEqual(expected);
    expect(await tablesOf(source, 'shop')).toEqual(liveShop);
    expect(await tablesOf(source, 'crm')).toEqual(liveCrm);
    const dbs = await source.query<{ d: string }[]>("SELECT SCHEMA_NAME AS d FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'crm%' OR SCHEMA_NAME LIKE 'pitr%' ORDER BY 1");
    expect(dbs.map((x) => x.d)).toEqual(['crm']);
    const [after] = await source.query<{ g: string }[]>('SELECT @@global.gtid_slave_pos AS g');
    expect(after!.g).toBe(before!.g);

    // the trigger, view and procedure of the copy name the copy
    const [trig] = await source.query<{ s: string }[]>("SELECT ACTION_STATEMENT AS s FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop_copy'");
    expect(trig!.s).toMatch(/INSERT INTO `shop_copy`\.audit/);
    const [view] = await source.query<{ v: string }[]>("SELECT VIEW_DEFINITION AS v FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'shop_copy'");
    expect(view!.v).toMatch(/`shop_copy`\.`o`|`shop_copy`\.`orders`/);
    expect(view!.v).not.toMatch(/`shop`\./);
    const copyView = await source.query('SELECT * FROM shop_copy.big_orders ORDER BY id');
    expect(copyView).toEqual([{ id: 3, amount: '9.50' }]);
    await source.query('SET @t = NULL; CALL shop_copy.total(@t)');
    const [total] = await source.query<{ t: string }[]>('SELECT @t AS t');
    expect(total!.t).toBe('14.50');
    // the copy's trigger fires into the copy, not into the live shop
    const auditBefore = await source.query('SELECT COUNT(*) AS n FROM shop.audit');
    await source.query('INSERT INTO shop_copy.orders (customer_id, amount) VALUES (1, 2)');
    expect(await source.query('SELECT COUNT(*) AS n FROM shop.audit')).toEqual(auditBefore);
    expect(await source.query("SELECT msg FROM shop_copy.audit ORDER BY id DESC LIMIT 1")).toEqual([{ msg: 'order 5' }]);
  }, 120_000);
});
