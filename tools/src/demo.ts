/**
 * `npm run demo`: start a throwaway MariaDB (binlog_row_metadata=FULL), run a small shop workload
 * (inserts, updates, deletes, DDL, a multi-statement transaction), then decode its binary log with
 * `pitr binlog decode`, as text and as NDJSON. The server is stopped and removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'mysql2/promise';
import { startServer } from './server.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cliBin = join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');
const TEXT_LINES = 120;
const JSON_LINES = 8;

function heading(text: string): void {
  process.stdout.write(`\n== ${text}\n`);
}

/** The shop workload; each step is printed as it runs. */
async function shopWorkload(conn: Connection): Promise<void> {
  const steps: [string, string][] = [
    ['create the shop', 'CREATE DATABASE shop'],
    [
      'create tables customers and orders',
      `CREATE TABLE shop.customers (
         id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
         name VARCHAR(100) NOT NULL,
         email VARCHAR(200) NOT NULL UNIQUE,
         created_at DATETIME(6) NOT NULL
       ) ENGINE=InnoDB;
       CREATE TABLE shop.orders (
         id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
         customer_id INT UNSIGNED NOT NULL,
         total DECIMAL(10,2) NOT NULL,
         status ENUM('new','paid','shipped','cancelled') NOT NULL DEFAULT 'new',
         note TEXT NULL,
         placed_at TIMESTAMP(3) NOT NULL,
         FOREIGN KEY (customer_id) REFERENCES shop.customers (id)
       ) ENGINE=InnoDB`,
    ],
    [
      'insert 3 customers (one multi-row INSERT)',
      `INSERT INTO shop.customers (name, email, created_at) VALUES
         ('Ada Lovelace', 'ada@example.com', '2026-05-25 09:00:00.000001'),
         ('Grace Hopper', 'grace@example.com', '2026-05-25 09:05:00.250000'),
         ('Zoë Ünal 🚀', 'zoe@example.com', '2026-05-25 09:10:00.999999')`,
    ],
    [
      'insert 4 orders',
      `INSERT INTO shop.orders (customer_id, total, status, note, placed_at) VALUES
         (1, 19.99, 'new', NULL, '2026-05-25 10:00:00.123'),
         (1, 250.00, 'new', 'gift wrap, please', '2026-05-25 10:01:00.000'),
         (2, 0.50, 'new', 'it''s a "test" order', '2026-05-25 10:02:00.500'),
         (3, 1234567.89, 'new', NULL, '2026-05-25 10:03:00.999')`,
    ],
    [
      'pay and ship orders in one transaction',
      `START TRANSACTION;
       UPDATE shop.orders SET status = 'paid' WHERE id IN (1, 2);
       UPDATE shop.orders SET status = 'shipped', note = CONCAT(COALESCE(note, ''), ' [shipped]') WHERE id = 1;
       COMMIT`,
    ],
    ['cancel and delete an order', "UPDATE shop.orders SET status = 'cancelled' WHERE id = 3; DELETE FROM shop.orders WHERE id = 3"],
    ['add a column (DDL)', 'ALTER TABLE shop.customers ADD COLUMN loyalty_points INT NOT NULL DEFAULT 0'],
    ['give everyone loyalty points', 'UPDATE shop.customers SET loyalty_points = id * 10'],
    ['rotate the binlog', 'FLUSH BINARY LOGS'],
    ['a customer leaves', 'DELETE FROM shop.orders WHERE customer_id = 3; DELETE FROM shop.customers WHERE id = 3'],
  ];
  for (const [what, sql] of steps) {
    await conn.query(sql);
    process.stdout.write(`  - ${what}\n`);
  }
}

function runCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliBin, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function printLimited(text: string, maxLines: number): void {
  const lines = text.replace(/\n$/, '').split('\n');
  process.stdout.write(`${lines.slice(0, maxLines).join('\n')}\n`);
  if (lines.length > maxLines) process.stdout.write(`… (${lines.length - maxLines} more lines)\n`);
}

async function main(): Promise<number> {
  heading('starting a throwaway MariaDB (binlog_row_metadata=FULL, time zone +00:00)');
  const started = Date.now();
  const server = await startServer({ binlogRowMetadata: 'FULL', timeZone: '+00:00' });
  try {
    process.stdout.write(`  ${server.url} (pid ${server.pid}, ready in ${Date.now() - started} ms, files in ${server.baseDir})\n`);

    heading('running the shop workload');
    const conn = await server.connect();
    try {
      await shopWorkload(conn);
      const [rows] = await conn.query(
        'SELECT (SELECT COUNT(*) FROM shop.customers) AS customers, (SELECT COUNT(*) FROM shop.orders) AS orders',
      );
      const counts = (rows as { customers: string; orders: string }[])[0];
      process.stdout.write(`  now: ${counts?.customers} customers, ${counts?.orders} orders\n`);
    } finally {
      await conn.end();
    }
    await server.flushLogs();
    const files = await server.binlogFiles();
    // The last file was just opened by FLUSH and holds no data yet; the demo decodes the others.
    const withData = files.slice(0, -1);
    process.stdout.write(`  binlog files: ${withData.map((f) => relative(server.baseDir, f)).join(', ')}\n`);

    if (!existsSync(cliBin)) {
      heading('pitr binlog decode');
      process.stdout.write(`  ${relative(repoRoot, cliBin)} is missing: build first (npx tsc -b)\n`);
      return 1;
    }

    heading(`pitr binlog decode ${withData.map((f) => relative(server.baseDir, f)).join(' ')}  (text, like mariadb-binlog -vv)`);
    const text = runCli(['binlog', 'decode', ...withData]);
    if (text.code !== 0 || text.stdout.trim() === '') {
      process.stdout.write(`  pitr binlog decode failed (exit ${text.code})${text.stderr.trim() ? `:\n${text.stderr.trim()}` : ''}\n`);
      return 1;
    }
    printLimited(text.stdout, TEXT_LINES);

    heading(`pitr binlog decode … --json  (NDJSON, first ${JSON_LINES} lines)`);
    const json = runCli(['binlog', 'decode', ...withData, '--json']);
    if (json.code !== 0) {
      process.stdout.write(`  --json failed (exit ${json.code}):\n${json.stderr.trim()}\n`);
      return 1;
    }
    printLimited(json.stdout, JSON_LINES);
    return 0;
  } finally {
    await server.stop();
    heading('stopped the throwaway server and removed its files');
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
