/**
 * Restore smoke test (the oracle test in test/oracle-*.test.ts covers every trap): a dump, two
 * phases of writes separated by a second boundary, then a disaster; the plan to the end of phase 1
 * and the restore onto a fresh server give back exactly the tables as they were then — with a
 * foreign-key cascade, a trigger (not fired twice), generated columns, a rolled-back transaction
 * and DDL in the range.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parseTarget } from '@pitr/core';
import { buildPlan, runRestore } from '@pitr/pitr-planner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';
import { runPitr } from '../tools/src/run-pitr.js';

const execFileP = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the next whole second has begun; returns the second that was current before (epoch s). */
async function nextSecond(): Promise<number> {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  await sleep((sec + 1) * 1000 - now + 20);
  return sec;
}

async function fingerprint(server: TestServer, db: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const tables = await server.query<{ t: string }[]>(`SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1`, [db]);
  for (const { t } of tables) {
    const [create] = await server.query<{ 'Create Table': string }[]>(`SHOW CREATE TABLE \`${db}\`.\`${t}\``);
    const cols = await server.query<{ c: string }[]>(`SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, [db, t]);
    const hex = cols.map(({ c }) => `IFNULL(HEX(\`${c}\`), 'NULL')`).join(", '|', ");
    const rows = await server.query<{ r: string }[]>(`SELECT CONCAT(${hex}) AS r FROM \`${db}\`.\`${t}\` ORDER BY 1`);
    out[t] = { create: create!['Create Table'].replace(/ AUTO_INCREMENT=\d+/, ''), rows: rows.map((r) => r.r) };
  }
  const triggers = await server.query<{ n: string; s: string }[]>(`SELECT TRIGGER_NAME AS n, ACTION_STATEMENT AS s FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1`, [db]);
  out['#triggers'] = triggers;
  return out;
}

describe('restore smoke: dump + binlogs → plan → restore to a time', () => {
  let source: TestServer;
  let dir: string;
  let dumpPath: string;
  let phase1Second = 0;
  let atPhase1: Record<string, unknown>;
  let atPhase2: Record<string, unknown>;
  const targets: TestServer[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitr-restore-smoke-'));
    source = await startServer({ maxBinlogSize: 8192 });
    await source.query(`
      CREATE DATABASE shop;
      CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(50) CHARACTER SET utf8mb4, balance DECIMAL(12,2), note TEXT CHARACTER SET latin1) ENGINE=InnoDB;
      CREATE TABLE shop.orders (
        id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL,
        doubled DECIMAL(12,2) AS (amount * 2) STORED, label VARCHAR(60) AS (CONCAT('order-', id)) VIRTUAL, f FLOAT, ts TIMESTAMP(3) NULL,
        FOREIGN KEY (customer_id) REFERENCES shop.customers(id) ON DELETE CASCADE
      ) ENGINE=InnoDB;
      CREATE TABLE shop.audit (id INT AUTO_INCREMENT PRIMARY KEY, msg VARCHAR(100)) ENGINE=InnoDB;
      CREATE TABLE shop.floats (id INT PRIMARY KEY, f FLOAT, n INT) ENGINE=InnoDB;
      INSERT INTO shop.floats VALUES (1, 1.1754943508e-38, 0), (2, 0.1, 0);
      CREATE TRIGGER shop.orders_ai AFTER INSERT ON shop.orders FOR EACH ROW INSERT INTO shop.audit (msg) VALUES (CONCAT('order ', NEW.id));
      INSERT INTO shop.customers VALUES (1, 'Ada 😀', 10.50, 'café'), (2, 'Bob', 0, NULL), (3, 'Cy', 99.99, 'x');
      INSERT INTO shop.orders (customer_id, amount, f, ts) VALUES (1, 5.25, 0.5, '2026-01-01 00:00:00.123'), (2, 7, -0.5, NULL);
    `);
    const cnf = join(dir, 'client.cnf');
    writeFileSync(cnf, `[client]\nuser=${source.user}\npassword=${source.password}\nhost=${source.host}\nport=${source.port}\n`, { mode: 0o600 });
    const { stdout } = await execFileP(
      'mariadb-dump',
      [`--defaults-extra-file=${cnf}`, '--single-transaction', '--master-data=2', '--gtid', '--routines', '--triggers', '--events', '--hex-blob', '--databases', 'shop'],
      { encoding: 'buffer', maxBuffer: 1 << 30 },
    );
    dumpPath = join(dir, 'shop.sql');
    writeFileSync(dumpPath, stdout);

    // phase 1
    const conn = await source.connect();
    await conn.query(`
      INSERT INTO shop.orders (customer_id, amount, f) VALUES (3, 1.5, 3.4028234e38), (3, 2.5, 0.1), (1, 9, 1.1754943508e-38);
      UPDATE shop.floats SET n = n + 1;
      UPDATE shop.customers SET balance = balance + 1, name = CONCAT(name, '!') WHERE id IN (1, 3);
      BEGIN; INSERT INTO shop.customers VALUES (50, 'rolled back', 0, NULL); ROLLBACK;
      FLUSH BINARY LOGS;
      ALTER TABLE shop.customers ADD COLUMN tier TINYINT UNSIGNED NOT NULL DEFAULT 1;
      UPDATE shop.customers SET tier = 200 WHERE id = 2;
      SET SESSION time_zone = '+05:00'; INSERT INTO shop.orders (customer_id, amount, ts) VALUES (2, 3, '2026-06-01 12:00:00.5'); SET SESSION time_zone = DEFAULT;
      DELETE FROM shop.customers WHERE id = 2;
    `);
    phase1Second = await nextSecond();
    atPhase1 = await fingerprint(source, 'shop');
    // phase 2: the disaster
    await conn.query(`DELETE FROM shop.orders; DROP TABLE shop.audit;`);
    await nextSecond();
    atPhase2 = await fingerprint(source, 'shop');
    await conn.end();
    await source.flushLogs();
  }, 120_000);

  afterAll(async () => {
    await Promise.all([source?.stop(), ...targets.map((t) => t.stop())]);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('plans the restore to the end of phase 1: kept, lost, DDL', async () => {
    const target = parseTarget(new Date(phase1Second * 1000).toISOString());
    const plan = await buildPlan({ target, source: { kind: 'files', dump: dumpPath, binlogDir: source.binlogDir } });
    expect(plan.replay.transactions).toBeGreaterThanOrEqual(6);
    expect(plan.replay.ddl.map((d) => d.statement)).toEqual([expect.stringMatching(/ALTER TABLE shop\.customers ADD COLUMN tier/)]);
    expect(plan.replay.firstLost[0]?.statements[0]).toMatch(/DELETE FROM shop\.orders/);
    expect(plan.replay.lost.transactions).toBe(2);
    expect(plan.replay.stop).not.toBeNull();
    const t = plan.replay.tables.find((x) => x.table === 'audit');
    expect(t?.insert).toBe(4); // written by the trigger on the source, logged as rows
  });

  it('restores exactly the state at the end of phase 1 (and at the end of everything)', async () => {
    for (const [text, expected] of [
      [new Date(phase1Second * 1000).toISOString(), atPhase1],
      ['latest', atPhase2],
    ] as const) {
      const target = parseTarget(text);
      const plan = await buildPlan({ target, source: { kind: 'files', dump: dumpPath, binlogDir: source.binlogDir } });
      const server = await startServer({ binlog: false });
      targets.push(server);
      const result = await runRestore({ plan, to: server.url });
      expect(result.transactionsApplied).toBe(plan.replay.transactions);
      expect(await fingerprint(server, 'shop')).toEqual(expected);
    }
  }, 120_000);

  describe('the CLI', () => {
    let resumable: TestServer | undefined;
    const pitr = (...argv: string[]): ReturnType<typeof runPitr> => runPitr(argv);
    const files = (): string[] => ['--dump', dumpPath, '--binlog-dir', source.binlogDir];

    it('pitr plan prints the reviewer\'s plan; --json the Plan object', async () => {
      const at = new Date(phase1Second * 1000).toISOString();
      const text = await pitr('plan', at, ...files());
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/Restore plan \(nothing has been written\)/);
      expect(text.stdout).toMatch(/DDL in the range \(1, applied in order\):\n.*ALTER TABLE shop\.customers ADD COLUMN tier/);
      expect(text.stdout).toMatch(/first transactions lost:\n.*\n\s+DELETE FROM shop\.orders/);
      expect(text.stdout).toMatch(/shop\.audit\s+4\s+0\s+0/);
      const json = await pitr('plan', at, ...files(), '--json');
      const plan = JSON.parse(json.stdout);
      expect(plan.planVersion).toBe(1);
      expect(plan.target.utc).toBe(at);
      expect(plan.replay.lost.transactions).toBe(2);
    });

    it('pitr TARGET --to restores (shorthand), and refuses a non-empty target without writing', async () => {
      const server = await startServer({ binlog: false });
      targets.push(server);
      const at = new Date(phase1Second * 1000).toISOString();
      const state = join(dir, 'state');
      const r = await pitr(at, ...files(), '--to', server.url, '--state-dir', state);
      expect(r.stderr).not.toMatch(/error/);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/restored: \d+ dump statements/);
      // mariadb-dump printed shop.floats' FLOATs with 6 digits: found by that value, then made exact by the binlog
      expect(r.stderr).toMatch(/warning: shop\.floats: FLOAT values on the target differ/);
      const recordPath = /recorded in (\S+\.json)/.exec(r.stdout)![1]!;
      const record = JSON.parse(readFileSync(recordPath, 'utf8'));
      expect(record).toMatchObject({ status: 'completed', target: { text: at }, to: expect.stringContaining(':***@'), result: { transactionsApplied: expect.any(Number) } });
      expect(await fingerprint(server, 'shop')).toEqual(atPhase1);
      const again = await pitr('restore', 'latest', ...files(), '--to', server.url, '--state-dir', state);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already has data in the databases this restore writes: shop/);
      expect(await fingerprint(server, 'shop')).toEqual(atPhase1);
    }, 60_000);

    it('--force backs up and replaces what the target holds; --skip-full replays onto a loaded dump without firing its triggers', async () => {
      const state = join(dir, 'state-force');
      const server = await startServer(); // with a binlog: the pre-restore backup is a pitr backup with coordinates
      targets.push(server);
      const at = new Date(phase1Second * 1000).toISOString();
      expect((await pitr(at, ...files(), '--to', server.url, '--state-dir', state)).code).toBe(0);
      const forced = await pitr('restore', 'latest', ...files(), '--to', server.url, '--state-dir', state, '--force');
      expect(forced.stderr).not.toMatch(/error/);
      expect(forced.code).toBe(0);
      expect(forced.stdout).toMatch(/replaced on the target: shop; their previous content is backup \S+/);
      expect(await fingerprint(server, 'shop')).toEqual(atPhase2);
      // the pre-restore backup holds the phase-1 state: restoring it elsewhere gives phase 1 back
      const listed = await pitr('list', '--repo', join(state, 'repo'), '--json');
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/pre_restore/);

      // --skip-full: the dump loaded by hand (with its trigger), then only the replay
      const loaded = await startServer({ binlog: false });
      targets.push(loaded);
      const cnf = join(dir, 'loaded.cnf');
      writeFileSync(cnf, `[client]\nuser=${loaded.user}\npassword=${loaded.password}\nhost=${loaded.host}\nport=${loaded.port}\n`, { mode: 0o600 });
      await execFileP('sh', ['-c', `mariadb --defaults-extra-file=${cnf} < ${dumpPath}`]);
      const skip = await pitr('restore', at, ...files(), '--to', loaded.url, '--state-dir', state, '--skip-full');
      expect(skip.stderr).not.toMatch(/error/);
      expect(skip.code).toBe(0);
      // FLOATs the dump printed with 6 digits were healed by the binlog; the trigger is back and fired once
      expect(await fingerprint(loaded, 'shop')).toEqual(atPhase1);
    }, 90_000);

    it('a target that drifted stops the replay with a divergence error naming the transaction; earlier ones are committed', async () => {
      // the dump says customer 3 is 'Cz': phase 1's UPDATE of 'Cy' does not find its row
      const drifted = join(dir, 'drifted.sql');
      writeFileSync(drifted, readFileSync(dumpPath, 'utf8').replace("(3,'Cy',", "(3,'Cz',"));
      const server = await startServer({ binlog: false });
      targets.push(server);
      const r = await pitr('restore', 'latest', '--dump', drifted, '--binlog-dir', source.binlogDir, '--to', server.url, '--state-dir', join(dir, 'state'));
      expect(r.code).toBe(3);
      const failed = JSON.parse(readFileSync(/recorded in (\S+\.json)/.exec(r.stderr)![1]!, 'utf8'));
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'DIVERGENCE' } });
      resumable = server;
      expect(r.stderr).toMatch(/divergence on shop\.customers: update of row \d found no row matching the before image/);
      expect(r.stderr).toMatch(/transaction 0-\d+-\d+ starting at mariadb-bin\.\d+:\d+/);
      expect(r.stderr).toMatch(/HINT: the source statement: UPDATE shop\.customers SET balance/);
      // the transaction before it (three orders, audit rows written by the trigger on the source) is on the target
      const [orders] = await server.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM shop.orders');
      expect(Number(orders!.n)).toBe(5);
      // …and the failed transaction (names get a '!') is not
      const [cust] = await server.query<{ n: number }[]>("SELECT COUNT(*) AS n FROM shop.customers WHERE name LIKE '%!'");
      expect(Number(cust!.n)).toBe(0);
    }, 60_000);

    it('--resume continues the interrupted restore from its watermark, and the result is exact', async () => {
      // the drifted row fixed by hand, as an operator would after reading the divergence error
      await resumable!.query("UPDATE shop.customers SET name = 'Cy' WHERE id = 3");
      const r = await pitr('restore', 'latest', '--dump', join(dir, 'drifted.sql'), '--binlog-dir', source.binlogDir, '--to', resumable!.url, '--state-dir', join(dir, 'state'), '--resume');
      expect(r.stderr).toMatch(/resuming after 2 applied transactions, at mariadb-bin\.000001:\d+ \(GTID position 0-\d+-\d+\)/);
      expect(r.code).toBe(0);
      expect(await fingerprint(resumable!, 'shop')).toEqual(atPhase2);
      expect(await resumable!.query("SHOW DATABASES LIKE 'pitr_restore'")).toEqual([]);
      // nothing left to resume
      const again = await pitr('restore', 'latest', '--dump', join(dir, 'drifted.sql'), '--binlog-dir', source.binlogDir, '--to', resumable!.url, '--state-dir', join(dir, 'state'), '--resume');
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/nothing to resume/);
    }, 60_000);

    it('--skip-gtid leaves out the bad DELETE and keeps what came after it', async () => {
      const at = new Date(phase1Second * 1000).toISOString();
      const planned = JSON.parse((await pitr('plan', at, ...files(), '--json')).stdout);
      const bad = planned.replay.firstLost[0].gtid as string;
      const plan = await pitr('plan', 'latest', ...files(), '--skip-gtid', bad);
      expect(plan.stdout).toMatch(/transactions left out \(--skip-gtid\):\n.*\n\s+DELETE FROM shop\.orders/);
      expect(plan.stdout).toMatch(/a state the source never had/);
      expect(plan.stdout).not.toMatch(/change rows that a left-out transaction changed/);
      // leaving out an INSERT whose rows a later DELETE removes: the plan names the later transaction
      const inserts = (await pitr('find', ...files(), '--table', 'shop.orders', '--op', 'insert', '--json')).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { gtid: string }).gtid);
      const overlapping = await pitr('plan', 'latest', ...files(), '--skip-gtid', inserts[0]!);
      expect(overlapping.code).toBe(0);
      expect(overlapping.stdout).toMatch(new RegExp(`1 later transaction\\(s\\) change rows that a left-out transaction changed: ${bad.replace(/-/g, '\\-')} \\(shop\\.orders; changed by ${inserts[0]!.replace(/-/g, '\\-')}\\)`));
      const server = await startServer({ binlog: false });
      targets.push(server);
      const r = await pitr('restore', 'latest', ...files(), '--skip-gtid', `gtid:${bad}`, '--to', server.url, '--state-dir', join(dir, 'state'));
      expect(r.code).toBe(0);
      const expected = { ...atPhase1 };
      delete expected['audit']; // the DROP TABLE after the DELETE is kept
      expect(await fingerprint(server, 'shop')).toEqual(expected);
      const unknown = await pitr('plan', 'latest', ...files(), '--skip-gtid', '0-1-999999');
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toMatch(/not among the transactions this restore replays/);
    }, 60_000);

    it('bad input: each its error and exit code, nothing written', async () => {
      // a dump without coordinates
      const bare = join(dir, 'bare.sql');
      writeFileSync(bare, readFileSync(dumpPath, 'utf8').replace(/^-- CHANGE MASTER.*$/gm, '').replace(/^-- SET GLOBAL gtid_slave_pos.*$/gm, ''));
      const noCoords = await pitr('plan', 'latest', '--dump', bare, '--binlog-dir', source.binlogDir);
      expect(noCoords.code).toBe(2);
      expect(noCoords.stderr).toMatch(/--master-data/);
      // a binlog missing in the middle
      const holes = join(dir, 'holes');
      mkdirSync(holes);
      const all = await source.binlogFiles();
      expect(all.length).toBeGreaterThanOrEqual(3);
      for (const f of all.filter((_, i) => i !== 1)) copyFileSync(f, join(holes, f.split('/').pop()!));
      const gap = await pitr('plan', 'latest', '--dump', dumpPath, '--binlog-dir', holes);
      expect(gap.code).toBe(3);
      expect(gap.stderr).toMatch(/is missing from .* the replay would skip its transactions/);
      // a corrupt binlog
      const bad = join(dir, 'bad');
      mkdirSync(bad);
      for (const f of all) copyFileSync(f, join(bad, f.split('/').pop()!));
      const victim = join(bad, all[all.length - 1]!.split('/').pop()!);
      const bytes = readFileSync(victim);
      bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
      writeFileSync(victim, bytes);
      const corrupt = await pitr('plan', 'latest', '--dump', dumpPath, '--binlog-dir', bad);
      expect(corrupt.code).toBe(3);
      expect(corrupt.stderr).toMatch(/CRC32|checksum|event_size|truncated/i);
      // a target after the binlogs' end, an unparseable time, a GTID that is not there
      const late = await pitr('plan', '2099-01-01T00:00:00Z', ...files());
      expect(late.code).toBe(3);
      expect(late.stderr).toMatch(/after the end of the binlogs/);
      expect((await pitr('plan', '2026-13-45 25:00', ...files())).code).toBe(2);
      const noGtid = await pitr('plan', 'gtid:0-1-999999', ...files());
      expect(noGtid.code).toBe(3);
      expect(noGtid.stderr).toMatch(/not in the binlogs/);
      // a target before the backup
      const early = await pitr('plan', '2001-01-01T00:00:00Z', ...files());
      expect(early.code).toBe(3);
      expect(early.stderr).toMatch(/before the backup/);
      // a corrupt gzip dump: refused by the plan, before the target sees anything
      const gz = gzipSync(readFileSync(dumpPath));
      gz[Math.floor(gz.length / 2)]! ^= 0xff;
      const badGz = join(dir, 'corrupt.sql.gz');
      writeFileSync(badGz, gz);
      const untouched = await startServer({ binlog: false });
      targets.push(untouched);
      const broken = await pitr('restore', 'latest', '--dump', badGz, '--binlog-dir', source.binlogDir, '--to', untouched.url, '--state-dir', join(dir, 'state-gz'));
      expect(broken.code).toBe(3);
      // zlib names whatever the flipped byte breaks first (incorrect data check, invalid distance too far back, …)
      expect(broken.stderr).toMatch(/is damaged: .+ \(its gzip data fails its check or ends early\)/);
      expect(await untouched.query("SELECT SCHEMA_NAME AS d FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN ('mysql','information_schema','performance_schema','sys','test')")).toEqual([]);
    }, 60_000);
  });
});
