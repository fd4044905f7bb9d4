/**
 * find / history / undo end to end, the way a DBA uses them after a bad DELETE: a dump, then a
 * workload with updates, DDL, a key change and the bad DELETE, then a later insert that reuses a
 * deleted key. `pitr find` names the bad transaction, `pitr history` shows each version of a
 * customer, and the SQL of `pitr undo --gtid` applied to the source brings the deleted rows back
 * byte for byte (HEX of every column), skipping and reporting the row that changed since. The
 * backup is a `pitr backup` (gzip dump in a repository), used both as --dump and as --repo.
 * Binlogs are MariaDB's default binlog_row_metadata=NO_LOG: names come from the dump + DDL.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';
import { runPitr } from '../tools/src/run-pitr.js';

const pitr = (...argv: string[]): ReturnType<typeof runPitr> => runPitr(argv);

/** Every row of a table as HEX of each column, sorted: equal fingerprints = identical rows. */
async function rowsHex(server: TestServer, table: string): Promise<string[]> {
  const cols = await server.query<{ c: string }[]>(`SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, [table]);
  const hex = cols.map(({ c }) => `IFNULL(HEX(\`${c}\`), 'NULL')`).join(", '|', ");
  const rows = await server.query<{ r: string }[]>(`SELECT CONCAT(${hex}) AS r FROM shop.\`${table}\` ORDER BY 1`);
  return rows.map((r) => r.r);
}

describe('pitr find / history / undo after a bad DELETE', () => {
  let server: TestServer;
  let dir: string;
  let dump: string;
  let repo: string;
  let cnf: string;
  let ordersBeforeDelete: string[];
  let ordersAfterReuse: string[];
  let customersBeforeBadUpdate: string[];
  let customersAfter: string[];
  let badGtid: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitr-granular-'));
    server = await startServer({ maxBinlogSize: 16384 });
    await server.query(`
      CREATE DATABASE shop;
      CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, email VARCHAR(80) CHARACTER SET latin1, balance DECIMAL(12,2) NOT NULL DEFAULT 0,
        status ENUM('new','regular','vip') NOT NULL DEFAULT 'new', updated TIMESTAMP(3) NULL) ENGINE=InnoDB;
      CREATE TABLE shop.orders (id INT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL, note TEXT, f FLOAT, placed DATETIME(6), raw VARBINARY(8)) ENGINE=InnoDB;
      INSERT INTO shop.customers (id, name, email, balance, status) VALUES (1, 'Ada', 'ada@example.com', 10, 'new'), (7, 'Seven', 'seven@example.com', 70.50, 'regular'), (8, 'Eight', NULL, 0, 'new');
    `);
    const values = [];
    for (let i = 100; i < 112; i++) values.push(`(${i}, ${i % 3 === 0 ? 7 : 1}, ${(i - 95) * 1.25}, ${i % 4 === 0 ? 'NULL' : `'note ${i} ''quoted'' \\\\ é 😀'`}, ${i / 7}, '2026-05-25 14:30:${String(i - 100).padStart(2, '0')}.123456', X'00${i.toString(16)}FF')`);
    await server.query(`INSERT INTO shop.orders VALUES ${values.join(',')}`);
    cnf = join(dir, 'client.cnf');
    writeFileSync(cnf, `[client]\nuser=${server.user}\npassword=${server.password}\nhost=${server.host}\nport=${server.port}\n`, { mode: 0o600 });
    repo = join(dir, 'repo');
    const b = await pitr('backup', '--source', server.url, '--repo', repo, '--databases', 'shop', '--json');
    expect(b.code, b.stderr).toBe(0);
    dump = (JSON.parse(b.stdout) as { dumpFile: string }).dumpFile;

    const conn = await server.connect();
    await conn.query(`
      UPDATE shop.customers SET balance = balance + 5 WHERE id = 7;
      UPDATE shop.customers SET name = 'Seven B', status = 'vip', updated = '2026-05-25 14:31:00.5' WHERE id = 7;
      UPDATE shop.customers SET balance = balance + 1;
      ALTER TABLE shop.customers ADD COLUMN phone VARCHAR(20) CHARACTER SET utf8mb4 NULL AFTER email;
      UPDATE shop.customers SET phone = '555-0107' WHERE id = 7;
      INSERT INTO shop.orders VALUES (200, 7, 99.99, 'late', 1.5, NULL, NULL);
      UPDATE shop.orders SET amount = amount * 2 WHERE customer_id = 7 AND id < 103;
    `);
    ordersBeforeDelete = await rowsHex(server, 'orders');
    await conn.query('DELETE FROM shop.orders WHERE amount > 10');
    // after the incident: a new order reuses a deleted id; another customer changes
    await conn.query(`INSERT INTO shop.orders VALUES (104, 1, 1.00, 'new order 104', NULL, NULL, NULL); UPDATE shop.customers SET id = 70 WHERE id = 7; DELETE FROM shop.customers WHERE id = 8;`);
    ordersAfterReuse = await rowsHex(server, 'orders');
    // a second incident: an UPDATE without WHERE; then one of its rows is changed again
    customersBeforeBadUpdate = await rowsHex(server, 'customers');
    await conn.query("UPDATE shop.customers SET balance = 0; UPDATE shop.customers SET name = 'Ada L' WHERE id = 1;");
    customersAfter = await rowsHex(server, 'customers');
    await conn.end();
    await server.flushLogs();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const source = (): string[] => ['--dump', dump, '--binlog-dir', server.binlogDir];

  it('find --op delete --table names the bad DELETE and its GTID', async () => {
    const r = await pitr('find', ...source(), '--table', 'shop.orders', '--op', 'delete', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const found = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { gtid: string; tables: { table: string; delete: number }[]; statements: string[] });
    expect(found).toHaveLength(1);
    expect(found[0]!.statements[0]).toMatch(/DELETE FROM shop\.orders WHERE amount > 10/);
    const deleted = ordersBeforeDelete.length - (ordersAfterReuse.length - 1);
    expect(found[0]!.tables).toEqual([{ db: 'shop', table: 'orders', insert: 0, update: 0, delete: deleted }]);
    badGtid = found[0]!.gtid;
    expect(badGtid).toMatch(/^0-\d+-\d+$/);

    // ranges by GTID: --from starts with the transaction, --until ends with it
    const all = (await pitr('find', ...source(), '--json')).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { gtid: string }).gtid);
    const at = all.indexOf(badGtid);
    const upTo = (await pitr('find', ...source(), '--until', `gtid:${badGtid}`, '--json')).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { gtid: string }).gtid);
    expect(upTo).toEqual(all.slice(0, at + 1));
    const fromIt = (await pitr('find', ...source(), '--from', `gtid:${badGtid}`, '--json')).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { gtid: string }).gtid);
    expect(fromIt).toEqual(all.slice(at));
    const missing = await pitr('find', ...source(), '--until', 'gtid:0-1-999999');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/--until gtid:0-1-999999 is not in the binlogs/);

    const text = await pitr('find', ...source(), '--grep', 'alter table', '--op', 'ddl');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ALTER TABLE shop\.customers ADD COLUMN phone/);
    expect(text.stdout).toMatch(/1 transaction\(s\) matched/);
  });

  it('history --where "id = 7" shows each version, across the ALTER and the key change', async () => {
    // from the repository: its backup is the one taken above
    const r = await pitr('history', 'shop.customers', '--where', 'id = 7', '--repo', repo, '--binlog-dir', server.binlogDir, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const versions = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { record: number; op: string; changed?: string[]; before?: Record<string, unknown>; after?: Record<string, unknown>; statement: string | null });
    expect(versions.map((v) => [v.record, v.op, v.changed])).toEqual([
      [1, 'update', ['balance']],
      [1, 'update', ['name', 'status', 'updated']],
      [1, 'update', ['balance']],
      [1, 'update', ['phone']],
      [1, 'update', ['id']],
      [1, 'update', ['balance']],
    ]);
    expect(versions[0]!.before).toMatchObject({ id: 7, name: 'Seven', balance: '70.50', status: 'regular' });
    expect(versions[1]!.after).toMatchObject({ name: 'Seven B', status: 'vip', updated: '2026-05-25 14:31:00.500' });
    expect(versions[3]!.after).toMatchObject({ phone: '555-0107' });
    expect(versions[4]!.after).toMatchObject({ id: 70, balance: '76.50' });
    expect(versions[4]!.statement).toMatch(/SET id = 70/);

    const text = await pitr('history', 'shop.customers', '--where', "status = 'VIP' OR id = 8", ...source(), '--tz', 'UTC');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/2 record\(s\)/);
    expect(text.stdout).toMatch(/name: 'Seven' → 'Seven B'/);
    expect(text.stdout).toMatch(/DELETE .*\n.*\n? *row \(deleted\): id=8, name='Eight'/);
  });

  it('undo --gtid writes SQL that, run on the source, brings the deleted rows back exactly', async () => {
    const out = join(dir, 'undo.sql');
    const r = await pitr('undo', '--gtid', badGtid, ...source(), '--sql-out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reverting the row changes of 1 transaction/);
    const sql = readFileSync(out, 'utf8');
    expect(sql).toMatch(/INSERT INTO `shop`\.`orders` .* WHERE NOT EXISTS/);
    const run = spawnSync('mariadb', [`--defaults-extra-file=${cnf}`, '--batch'], { input: sql, maxBuffer: 1 << 26 });
    expect(run.stderr.toString()).toBe('');
    expect(run.status).toBe(0);
    // the order that reused id 104 stays; the undo says it skipped that one
    expect(run.stdout.toString()).toMatch(/skipped_changes\tskipped_statements\n1\t\d+\n/);
    const now = await rowsHex(server, 'orders');
    const reused = ordersAfterReuse.find((r) => r.startsWith('68|'))!; // id 104 = 0x68
    const expected = [...ordersBeforeDelete.filter((r) => !r.startsWith('68|')), reused].sort();
    expect(now).toEqual(expected);
  });

  it('undo of a bad UPDATE puts the rows back, except one changed since, which it reports', async () => {
    const found = await pitr('find', ...source(), '--table', 'shop.customers', '--op', 'update', '--grep', 'SET balance = 0', '--json');
    expect(found.code).toBe(0);
    const lines = found.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const gtid = (JSON.parse(lines[0]!) as { gtid: string }).gtid;
    const out = join(dir, 'undo-update.sql');
    const r = await pitr('undo', '--gtid', `gtid:${gtid}`, ...source(), '--sql-out', out);
    expect(r.code).toBe(0);
    const run = spawnSync('mariadb', [`--defaults-extra-file=${cnf}`, '--batch'], { input: readFileSync(out), maxBuffer: 1 << 26 });
    expect(run.stderr.toString()).toBe('');
    expect(run.stdout.toString()).toMatch(/skipped_changes\tskipped_statements\n1\t\d+\n/);
    const now = await rowsHex(server, 'customers');
    const ada = customersAfter.find((x) => x.startsWith('1|'))!;
    expect(now).toEqual([...customersBeforeBadUpdate.filter((x) => !x.startsWith('1|')), ada].sort());
  });

  it('refuses bad filters before reading, and touches nothing', async () => {
    const injection = await pitr('history', 'shop.customers', '--where', '1; DROP TABLE shop.orders', ...source());
    expect(injection.code).toBe(2);
    expect(injection.stderr).toMatch(/more than one statement/);
    const unknown = await pitr('history', 'shop.customers', '--where', 'nmae = 1', ...source());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown column `nmae`/);
    const sub = await pitr('undo', '--gtid', badGtid, '--table', 'shop.orders', '--where', 'id IN (SELECT id FROM shop.orders)', ...source(), '--sql-out', join(dir, 'x.sql'));
    expect(sub.code).toBe(2);
    expect(sub.stderr).toMatch(/does not support subqueries/);
    const [count] = await server.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM shop.orders');
    expect(Number(count!.n)).toBeGreaterThan(0);
  });
});
