/**
 * `npm run demo`: the main job end to end, on throwaway servers — the story of a bad DELETE:
 *   1. a throwaway MariaDB "production" server with a shop database;
 *   2. `pitr backup` into a fresh repository;
 *   3. the business goes on (orders, payments, a schema change), and we note the time;
 *   4. the disaster: an accidental `DELETE FROM shop.orders` without WHERE, and a dropped table;
 *   5. `pitr archive` copies the server's binlogs into the repository (byte-exact, over the
 *      replication protocol), then `pitr plan <time>`: what a restore to just before the disaster
 *      keeps and loses;
 *   6. `pitr restore <time> --to <a second throwaway server>`;
 *   7. proof: every table on the restored server equals production as it was at that time.
 * Both servers and the repository are removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'mysql2/promise';
import { startServer, type TestServer } from './server.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// the executable users run (bin/pitr.mjs: the bundle when it is fresh)
const cliBin = join(repoRoot, 'packages', 'cli', 'bin', 'pitr.mjs');
const TABLES = ['customers', 'orders', 'payments'];

function heading(text: string): void {
  process.stdout.write(`\n== ${text}\n`);
}

async function run(conn: Connection, steps: [string, string][]): Promise<void> {
  for (const [what, sql] of steps) {
    await conn.query(sql);
    process.stdout.write(`  - ${what}\n`);
  }
}

/** `pitr …` as a user types it; output shown indented. */
function pitr(args: string[], show = true): { code: number | null; stdout: string; stderr: string } {
  process.stdout.write(`\n  $ pitr ${args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`);
  const r = spawnSync(process.execPath, [cliBin, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PITR_PASSWORD: 'pitr' } });
  if (show) {
    const out = `${r.stderr ?? ''}${r.stdout ?? ''}`.replace(/\n$/, '');
    if (out !== '') process.stdout.write(`${out.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
  }
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A passwordless URL (the password comes from PITR_PASSWORD, as it should in real use). */
function urlOf(server: TestServer): string {
  return `mysql://${server.user}@${server.host}:${server.port}/`;
}

/** Per table: row count and CHECKSUM TABLE. */
async function tableState(server: TestServer): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLES) {
    const exists = await server.query<unknown[]>(`SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = ?`, [t]);
    if (exists.length === 0) {
      out[t] = '(table does not exist)';
      continue;
    }
    const [c] = await server.query<{ n: string }[]>(`SELECT COUNT(*) AS n FROM shop.${t}`);
    const [k] = await server.query<{ Checksum: string }[]>(`CHECKSUM TABLE shop.${t}`);
    out[t] = `${c!.n} rows, checksum ${k!.Checksum}`;
  }
  return out;
}

function printState(state: Record<string, string>): void {
  for (const [t, s] of Object.entries(state)) process.stdout.write(`    shop.${t.padEnd(10)} ${s}\n`);
}

async function nextSecond(): Promise<number> {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  await new Promise((r) => setTimeout(r, (sec + 1) * 1000 - now + 50));
  return sec;
}

async function main(): Promise<number> {
  if (!existsSync(join(repoRoot, 'packages', 'cli', 'dist', 'bin.js'))) {
    process.stdout.write('the CLI is not built (packages/cli/dist/bin.js is missing): build first (npx tsc -b)\n');
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'pitr-demo-'));
  const repo = join(work, 'repo');
  let production: TestServer | undefined;
  let spare: TestServer | undefined;
  try {
    heading('1. a throwaway MariaDB plays production (binlog on, ROW format, MariaDB defaults otherwise)');
    production = await startServer({ timeZone: '+00:00', maxBinlogSize: 64 * 1024 });
    process.stdout.write(`  ${urlOf(production)}  (binlogs in ${production.binlogDir})\n`);
    const conn = await production.connect();
    await run(conn, [
      ['create the shop', 'CREATE DATABASE shop'],
      [
        'tables customers, orders (FK), payments, with a trigger that keeps order totals paid',
        `CREATE TABLE shop.customers (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200) NOT NULL UNIQUE) ENGINE=InnoDB;
         CREATE TABLE shop.orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id INT UNSIGNED NOT NULL, total DECIMAL(10,2) NOT NULL, paid DECIMAL(10,2) NOT NULL DEFAULT 0,
           status ENUM('new','paid','shipped') NOT NULL DEFAULT 'new', placed_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
           FOREIGN KEY (customer_id) REFERENCES shop.customers (id) ON DELETE CASCADE) ENGINE=InnoDB;
         CREATE TABLE shop.payments (id BIGINT AUTO_INCREMENT PRIMARY KEY, order_id BIGINT NOT NULL, amount DECIMAL(10,2) NOT NULL) ENGINE=InnoDB;
         CREATE TRIGGER shop.payment_ai AFTER INSERT ON shop.payments FOR EACH ROW UPDATE shop.orders SET paid = paid + NEW.amount WHERE id = NEW.order_id`,
      ],
      [
        'three customers and their first orders',
        `INSERT INTO shop.customers (name, email) VALUES ('Ada Lovelace', 'ada@example.com'), ('Grace Hopper', 'grace@example.com'), ('Zoë Ünal 🚀', 'zoe@example.com');
         INSERT INTO shop.orders (customer_id, total) VALUES (1, 19.99), (1, 250.00), (2, 0.50), (3, 1234567.89)`,
      ],
    ]);

    heading('2. the nightly backup');
    const backup = pitr(['backup', '--source', urlOf(production), '--repo', repo, '--databases', 'shop']);
    if (backup.code !== 0) return 1;

    heading('3. the business goes on');
    await run(conn, [
      ['new orders', "INSERT INTO shop.orders (customer_id, total) VALUES (2, 42.00), (3, 7.25), (1, 99.90)"],
      ['payments (the trigger updates orders.paid)', 'INSERT INTO shop.payments (order_id, amount) VALUES (1, 19.99), (2, 100.00), (5, 42.00)'],
      ['ship paid orders, in one transaction', "START TRANSACTION; UPDATE shop.orders SET status = 'paid' WHERE paid >= total; UPDATE shop.orders SET status = 'shipped' WHERE id = 1; COMMIT"],
      ['a schema change', 'ALTER TABLE shop.customers ADD COLUMN vip BOOLEAN NOT NULL DEFAULT FALSE'],
      ['Ada becomes a VIP', "UPDATE shop.customers SET vip = TRUE WHERE email = 'ada@example.com'"],
    ]);
    const goodSecond = await nextSecond();
    const goodTime = new Date(goodSecond * 1000).toISOString().replace('T', ' ').replace('.000Z', '');
    const before = await tableState(production);
    process.stdout.write(`  all is well at ${goodTime} UTC:\n`);
    printState(before);

    heading('4. the disaster');
    await run(conn, [
      ['someone runs DELETE without a WHERE', 'DELETE FROM shop.orders'],
      ['and drops a table for good measure', 'DROP TABLE shop.payments'],
    ]);
    await conn.end();
    printState(await tableState(production));

    heading('5. archive the binlogs into the repository (as a replica would fetch them), then plan');
    const archived = pitr(['archive', '--source', urlOf(production), '--repo', repo]);
    if (archived.code !== 0) return 1;
    if (pitr(['list', '--repo', repo]).code !== 0) return 1;
    process.stdout.write(`\n  what would a restore to ${goodTime} UTC do? (writes nothing)\n`);
    const source = ['--repo', repo];
    const plan = pitr(['plan', goodTime, '--tz', 'UTC', ...source]);
    if (plan.code !== 0) return 1;

    heading('6. restore onto a spare server');
    spare = await startServer({ timeZone: '+00:00' });
    const restore = pitr(['restore', goodTime, '--tz', 'UTC', ...source, '--to', urlOf(spare)]);
    if (restore.code !== 0) return 1;

    heading('7. proof: the spare server holds exactly what production held at that moment');
    const after = await tableState(spare);
    printState(after);
    const same = TABLES.every((t) => before[t] === after[t]);
    process.stdout.write(same ? '  every table matches production before the disaster (row counts and CHECKSUM TABLE)\n' : '  MISMATCH: the restore is not what production held\n');
    return same ? 0 : 1;
  } finally {
    await Promise.all([production?.stop(), spare?.stop()]);
    rmSync(work, { recursive: true, force: true });
    heading('stopped the throwaway servers and removed their files and the repository');
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
