/**
 * Group commit with net effect (packages/core/src/apply/net-effect.ts): hundreds of transactions
 * merged into one target transaction, where the changes of simple tables are applied per key as
 * "before (checked) → after". A seeded workload hits what could go wrong — the same rows changed
 * again and again, rows inserted and deleted inside the group (AUTO_INCREMENT must still move),
 * deleted and inserted again, a composite key, a TIMESTAMP ON UPDATE column, a generated column,
 * NULLs and bytes — beside tables that must NOT be combined (a foreign key with a cascade, a
 * second unique key whose values are swapped). The restore equals the source byte for byte,
 * AUTO_INCREMENT included; a target that drifted stops with a divergence error naming the
 * transaction.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PitrError, parseTarget } from '@pitr/core';
import { buildPlan, runRestore } from '@pitr/pitr-planner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintServer } from '../tools/src/fingerprint.js';
import { startServer, type TestServer } from '../tools/src/index.js';

const execFileP = promisify(execFile);

/** The database as tools/src/fingerprint.ts sees it (definitions, every row's exact value, AUTO_INCREMENT). */
async function fingerprint(server: TestServer, db: string): Promise<unknown> {
  const conn = await server.connect();
  try {
    return (await fingerprintServer(conn, { databases: [db] })).databases[db];
  } finally {
    await conn.end();
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('replay: merged transactions, net effect per key', () => {
  let source: TestServer;
  let dir: string;
  let dump: string;
  let expected: unknown;
  let updatedId = 0;
  const targets: TestServer[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitr-net-effect-'));
    source = await startServer({ maxBinlogSize: 1 << 20 });
    await source.query(`
      CREATE DATABASE nx;
      CREATE TABLE nx.items (
        id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, name VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, price DECIMAL(10,2),
        data BLOB, ts TIMESTAMP(6) NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP(6), g INT AS (k * 2) STORED, KEY (k)
      ) ENGINE=InnoDB;
      CREATE TABLE nx.pair (a BIGINT UNSIGNED NOT NULL, b SMALLINT NOT NULL, v TEXT, PRIMARY KEY (a, b)) ENGINE=InnoDB;
      CREATE TABLE nx.parent (id INT PRIMARY KEY, label VARCHAR(20)) ENGINE=InnoDB;
      CREATE TABLE nx.child (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES nx.parent(id) ON DELETE CASCADE) ENGINE=InnoDB;
      CREATE TABLE nx.uniq (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL, UNIQUE KEY (email)) ENGINE=InnoDB;
    `);
    const seedRows: string[] = [];
    for (let i = 1; i <= 40; i++) seedRows.push(`(${i}, ${i % 7}, 'name ${i}', ${i}.25, ${i % 3 === 0 ? 'NULL' : `X'00ff${i.toString(16).padStart(2, '0')}'`}, '2026-01-01 00:00:00.000001')`);
    await source.query(`INSERT INTO nx.items (id, k, name, price, data, ts) VALUES ${seedRows.join(',')}`);
    await source.query(`INSERT INTO nx.pair VALUES (1, 1, 'a'), (1, 2, 'b'), (18446744073709551615, -3, 'max')`);
    await source.query(`INSERT INTO nx.parent VALUES (1, 'one'), (2, 'two'), (3, 'three'); INSERT INTO nx.child VALUES (10, 1), (20, 2), (30, 3)`);
    await source.query(`INSERT INTO nx.uniq VALUES (1, 'a@x'), (2, 'b@x'), (3, 'c@x')`);

    const cnf = join(dir, 'client.cnf');
    writeFileSync(cnf, `[client]\nuser=${source.user}\npassword=${source.password}\nhost=${source.host}\nport=${source.port}\n`, { mode: 0o600 });
    const { stdout } = await execFileP('mariadb-dump', [`--defaults-extra-file=${cnf}`, '--single-transaction', '--master-data=2', '--gtid', '--hex-blob', '--databases', 'nx'], { encoding: 'buffer', maxBuffer: 1 << 30 });
    dump = join(dir, 'dump.sql');
    writeFileSync(dump, stdout);

    const r = rng(42);
    const pick = (n: number): number => 1 + Math.floor(r() * n);
    const conn = await source.connect();
    let nextParent = 4;
    for (let t = 0; t < 320; t++) {
      const s: string[] = ['BEGIN'];
      const n = 1 + Math.floor(r() * 4);
      for (let j = 0; j < n; j++) {
        const x = r();
        const id = pick(45);
        if (x < 0.3) s.push(`UPDATE nx.items SET k = k + 1, price = price * 2 WHERE id = ${id}`);
        else if (x < 0.4) s.push(`UPDATE nx.items SET name = ${r() < 0.3 ? 'NULL' : `'Name ${t}-${j} é😀'`} WHERE id = ${id}`);
        else if (x < 0.48) s.push(`INSERT INTO nx.items (k, name, price, data) VALUES (${t % 5}, 'new ${t}', 1.5, X'${t.toString(16).padStart(4, '0')}')`);
        else if (x < 0.55) s.push(`DELETE FROM nx.items WHERE id = ${id}`);
        else if (x < 0.6) s.push(`INSERT INTO nx.items (k, name) VALUES (99, 'gone'); DELETE FROM nx.items WHERE k = 99`);
        else if (x < 0.66) s.push(`REPLACE INTO nx.items (id, k, name, price) VALUES (${id}, ${t}, 'replaced ${t}', 0)`);
        else if (x < 0.74) s.push(`INSERT INTO nx.pair VALUES (${pick(3)}, ${pick(3) - 2}, 'v${t}') ON DUPLICATE KEY UPDATE v = CONCAT(v, '+')`);
        else if (x < 0.78) s.push(`DELETE FROM nx.pair WHERE a = ${pick(3)} AND b = ${pick(3) - 2}`);
        else if (x < 0.86) {
          s.push(`INSERT INTO nx.parent VALUES (${nextParent}, 'p${t}'); INSERT INTO nx.child VALUES (${nextParent * 10}, ${nextParent})`);
          nextParent++;
        } else if (x < 0.9) s.push(`DELETE FROM nx.parent WHERE id = ${pick(nextParent)}`);
        else s.push(`UPDATE nx.uniq SET email = 'tmp' WHERE id = 1; UPDATE nx.uniq SET email = 'a@x' WHERE id = 2 AND email <> 'a@x'; UPDATE nx.uniq SET email = IF((SELECT COUNT(*) FROM (SELECT 1 FROM nx.uniq WHERE email = 'b@x') q) = 0, 'b@x', 'c${t}@x') WHERE id = 1`);
      }
      s.push('COMMIT');
      await conn.query(s.join(';\n'));
    }
    // the row the divergence test changes on its target: updated in the replay
    await conn.query(`UPDATE nx.items SET price = price + 1 WHERE id = 5`);
    updatedId = 5;
    await conn.end();
    expected = await fingerprint(source, 'nx');
    await source.flushLogs();
  }, 180_000);

  afterAll(async () => {
    await Promise.all([source?.stop(), ...targets.map((t) => t.stop())]);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('restores every table byte for byte, AUTO_INCREMENT included', async () => {
    const plan = await buildPlan({ target: parseTarget('latest'), source: { kind: 'files', dump, binlogDir: source.binlogDir } });
    expect(plan.replay.transactions).toBeGreaterThan(250); // transactions that changed nothing are not logged
    const target = await startServer({ binlog: false });
    targets.push(target);
    const result = await runRestore({ plan, to: target.url });
    expect(result.transactionsApplied).toBe(plan.replay.transactions);
    expect(await fingerprint(target, 'nx')).toEqual(expected);
  }, 120_000);

  it('a row that differs on the target stops the replay with a divergence error naming the transaction', async () => {
    const plan = await buildPlan({ target: parseTarget('latest'), source: { kind: 'files', dump, binlogDir: source.binlogDir } });
    const target = await startServer({ binlog: false });
    targets.push(target);
    const cnf = join(dir, 'target.cnf');
    writeFileSync(cnf, `[client]\nuser=${target.user}\npassword=${target.password}\nhost=${target.host}\nport=${target.port}\n`, { mode: 0o600 });
    await execFileP('bash', ['-c', `mariadb --defaults-extra-file=${cnf} < ${dump}`]);
    await target.query(`UPDATE nx.items SET data = X'01' WHERE id = ${updatedId}`);
    const err = await runRestore({ plan, to: target.url, skipFull: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PitrError);
    expect((err as PitrError).code).toBe('DIVERGENCE');
    expect((err as PitrError).message).toMatch(/divergence on nx\.items: .* — transaction 0-\d+-\d+ starting at/);
  }, 120_000);
});
