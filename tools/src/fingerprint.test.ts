/**
 * The fingerprint must see every difference an inexact restore could leave behind, and nothing
 * else: each case changes one thing a lossy reader would miss (1 ulp of a FLOAT, a trailing space,
 * '' vs NULL, one microsecond, the last byte of a 70 KB BLOB, one of two duplicate rows, a trigger
 * body, a sequence's stored state) and expects exactly that difference to be reported.
 */
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffFingerprints, fingerprintServer, type Fingerprint } from './fingerprint.js';
import { startServer, type TestServer } from './server.js';

const DB = 'fp_test';

const SCHEMA = [
  `CREATE DATABASE ${DB}`,
  `CREATE TABLE ${DB}.t (
     id INT AUTO_INCREMENT PRIMARY KEY, f FLOAT NULL, d DOUBLE NULL, dec2 DECIMAL(10,2) NULL,
     vc VARCHAR(20) NULL, ci VARCHAR(20) COLLATE utf8mb4_general_ci NULL, l1 VARCHAR(20) CHARACTER SET latin1 NULL,
     ts TIMESTAMP(6) NULL DEFAULT NULL, dt DATETIME(6) NULL, b BIT(9) NULL, lb LONGBLOB NULL, j JSON NULL,
     u UUID NULL, e ENUM('x','y') NULL, v INT AS (id * 2) VIRTUAL
   )`,
  `INSERT INTO ${DB}.t (f, d, dec2, vc, ci, l1, ts, dt, b, lb, j, u, e) VALUES
     (16777216, 0.1, 1.10, 'a', 'a', 'café', '2026-01-01 00:00:00.000001', '2026-01-01 00:00:00.5', b'101010101',
      REPEAT(x'00AB', 35000), '{"a": 1}', '123e4567-e89b-12d3-a456-426655440000', 'x'),
     (NULL, NULL, NULL, '', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  `CREATE TABLE ${DB}.nopk (a INT NULL, b VARCHAR(10) NULL)`,
  `INSERT INTO ${DB}.nopk VALUES (1, 'dup'), (1, 'dup'), (2, NULL)`,
  `CREATE TABLE ${DB}.audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(20) NOT NULL)`,
  `CREATE TRIGGER ${DB}.t_ai AFTER INSERT ON ${DB}.t FOR EACH ROW INSERT INTO ${DB}.audit (what) VALUES ('insert')`,
  `CREATE SEQUENCE ${DB}.s CACHE 2`,
  `CREATE VIEW ${DB}.v AS SELECT id, vc FROM ${DB}.t`,
  `CREATE FUNCTION ${DB}.f1(x INT) RETURNS INT DETERMINISTIC RETURN x + 1`,
  `CREATE EVENT ${DB}.ev ON SCHEDULE EVERY 1 DAY STARTS '2035-01-01 00:00:00' DISABLE DO DELETE FROM ${DB}.audit`,
];

describe('fingerprintServer / diffFingerprints', () => {
  let server: TestServer;
  let conn: Connection;
  let base: Fingerprint;

  const fingerprint = (): Promise<Fingerprint> => fingerprintServer(conn, { databases: [DB, 'fp_absent'] });

  /** Applies `change`, fingerprints, undoes it with `undo`, and returns the differences. */
  const diffAfter = async (change: string, undo: string): Promise<string[]> => {
    await conn.query(change);
    try {
      return diffFingerprints(base, await fingerprint());
    } finally {
      await conn.query(undo);
    }
  };

  beforeAll(async () => {
    server = await startServer({ binlog: false });
    conn = await server.connect();
    for (const sql of SCHEMA) await conn.query(sql);
    base = await fingerprint();
  });

  afterAll(async () => {
    await conn?.end();
    await server?.stop();
  });

  it('is stable, JSON-safe, and records absent databases', async () => {
    const again = await fingerprint();
    expect(diffFingerprints(base, again)).toEqual([]);
    expect(JSON.parse(JSON.stringify(again))).toEqual(again);
    expect(again.databases.fp_absent).toMatchObject({ exists: false });
    const t = again.databases[DB]!.tables.t!;
    expect(t.key).toEqual(['id']);
    expect(t.rowCount).toBe(2);
    // Exact text per type; NULL stays null, distinct from ''.
    const row = Object.fromEntries(t.columns.map((c, i) => [c, t.rows[0]![i]]));
    expect(row).toMatchObject({ f: '16777216', d: '0.1', dec2: '1.10', ts: '2026-01-01 00:00:00.000001', b: '155', v: '2' });
    expect(row.lb).toMatch(/^#70000:[0-9a-f]{64}:00AB00AB/);
    const empty = Object.fromEntries(t.columns.map((c, i) => [c, t.rows[1]![i]]));
    expect(empty).toMatchObject({ f: null, vc: '', ci: null });
    expect(again.databases[DB]!.sequences.s!.state).toContain('next_not_cached_value=1');
    expect(Object.keys(again.databases[DB]!.routines)).toEqual(['FUNCTION f1']);
  });

  it('does not depend on the session time zone', async () => {
    await conn.query("SET SESSION time_zone = 'America/New_York'");
    try {
      expect(diffFingerprints(base, await fingerprint())).toEqual([]);
    } finally {
      await conn.query("SET SESSION time_zone = '+00:00'");
    }
  });

  it.each([
    ['one ulp of a FLOAT', `UPDATE ${DB}.t SET f = 16777218 WHERE id = 1`, `UPDATE ${DB}.t SET f = 16777216 WHERE id = 1`, 'f: 16777216 vs 16777218'],
    ['one ulp of a DOUBLE', `UPDATE ${DB}.t SET d = 0.10000000000000002 WHERE id = 1`, `UPDATE ${DB}.t SET d = 0.1 WHERE id = 1`, 'd: 0.1 vs 0.10000000000000002'],
    ['a trailing space (equal under PAD SPACE collations)', `UPDATE ${DB}.t SET vc = 'a ' WHERE id = 1`, `UPDATE ${DB}.t SET vc = 'a' WHERE id = 1`, 'vc: 61 vs 6120'],
    ['letter case in a _ci column', `UPDATE ${DB}.t SET ci = 'A' WHERE id = 1`, `UPDATE ${DB}.t SET ci = 'a' WHERE id = 1`, 'ci: 61 vs 41'],
    ["'' vs NULL", `UPDATE ${DB}.t SET vc = NULL WHERE id = 2`, `UPDATE ${DB}.t SET vc = '' WHERE id = 2`, 'vc:  vs NULL'],
    ['one microsecond of a TIMESTAMP', `UPDATE ${DB}.t SET ts = '2026-01-01 00:00:00.000002' WHERE id = 1`, `UPDATE ${DB}.t SET ts = '2026-01-01 00:00:00.000001' WHERE id = 1`, 'ts: 2026-01-01 00:00:00.000001 vs 2026-01-01 00:00:00.000002'],
    ['the last byte of a 70 KB BLOB', `UPDATE ${DB}.t SET lb = CONCAT(LEFT(lb, 69999), x'AC') WHERE id = 1`, `UPDATE ${DB}.t SET lb = REPEAT(x'00AB', 35000) WHERE id = 1`, 'lb: #70000:'],
    ['JSON whitespace', `UPDATE ${DB}.t SET j = '{"a":1}' WHERE id = 1`, `UPDATE ${DB}.t SET j = '{"a": 1}' WHERE id = 1`, 'j: 7B2261223A20317D vs 7B2261223A317D'],
    ['a BIT value', `UPDATE ${DB}.t SET b = b'101010100' WHERE id = 1`, `UPDATE ${DB}.t SET b = b'101010101' WHERE id = 1`, 'b: 155 vs 154'],
    ['latin1 bytes', `UPDATE ${DB}.t SET l1 = 'cafe' WHERE id = 1`, `UPDATE ${DB}.t SET l1 = 'café' WHERE id = 1`, 'l1: 636166E9 vs 63616665'],
    ['one of two duplicate rows in a table without a key', `DELETE FROM ${DB}.nopk WHERE a = 1 LIMIT 1`, `INSERT INTO ${DB}.nopk VALUES (1, 'dup')`, 'row only in first: (1,647570)'],
  ])('sees %s', async (_what, change, undo, expected) => {
    const diff = await diffAfter(change, undo);
    expect(diff.join('\n')).toContain(expected);
  });

  it('sees definitions: a column default, an index, a trigger body, a view, a routine, an event', async () => {
    const cases: [string, string, string][] = [
      [`ALTER TABLE ${DB}.t ALTER vc SET DEFAULT 'z'`, `ALTER TABLE ${DB}.t ALTER vc DROP DEFAULT`, 'fp_test.t: definition differs'],
      [`ALTER TABLE ${DB}.t ADD KEY k_vc (vc)`, `ALTER TABLE ${DB}.t DROP KEY k_vc`, 'fp_test.t: definition differs'],
      [
        `DROP TRIGGER ${DB}.t_ai; CREATE TRIGGER ${DB}.t_ai AFTER INSERT ON ${DB}.t FOR EACH ROW INSERT INTO ${DB}.audit (what) VALUES ('ins')`,
        `DROP TRIGGER ${DB}.t_ai; CREATE TRIGGER ${DB}.t_ai AFTER INSERT ON ${DB}.t FOR EACH ROW INSERT INTO ${DB}.audit (what) VALUES ('insert')`,
        'fp_test: trigger t_ai differs',
      ],
      [`CREATE OR REPLACE VIEW ${DB}.v AS SELECT id FROM ${DB}.t`, `CREATE OR REPLACE VIEW ${DB}.v AS SELECT id, vc FROM ${DB}.t`, 'fp_test: view v differs'],
      [
        `DROP FUNCTION ${DB}.f1; CREATE FUNCTION ${DB}.f1(x INT) RETURNS INT DETERMINISTIC RETURN x + 2`,
        `DROP FUNCTION ${DB}.f1; CREATE FUNCTION ${DB}.f1(x INT) RETURNS INT DETERMINISTIC RETURN x + 1`,
        'fp_test: routine FUNCTION f1 differs',
      ],
      [`ALTER EVENT ${DB}.ev ENABLE`, `ALTER EVENT ${DB}.ev DISABLE`, 'fp_test: event ev differs'],
    ];
    for (const [change, undo, expected] of cases) {
      const diff = await diffAfter(change, undo);
      expect(diff.join('\n'), change).toContain(expected);
    }
  });

  it('ignores the AUTO_INCREMENT counter unless asked', async () => {
    await conn.query(`ALTER TABLE ${DB}.t AUTO_INCREMENT = 1000`);
    const after = await fingerprint();
    expect(diffFingerprints(base, after)).toEqual([]);
    expect(diffFingerprints(base, after, { autoIncrement: true })).toEqual(['fp_test.t: AUTO_INCREMENT 3 vs 1000']);
  });

  it('lists at most maxRowsPerTable differing rows and counts the rest', async () => {
    await conn.query(`INSERT INTO ${DB}.nopk VALUES (10, 'x'), (11, 'x'), (12, 'x'), (13, 'x')`);
    try {
      const diff = diffFingerprints(base, await fingerprint(), { maxRowsPerTable: 2 });
      expect(diff).toEqual([
        'fp_test.nopk: 3 vs 7 rows, 4 differing',
        '  fp_test.nopk: row only in second: (10,78)',
        '  fp_test.nopk: row only in second: (11,78)',
        '  fp_test.nopk: … and 2 more',
      ]);
    } finally {
      await conn.query(`DELETE FROM ${DB}.nopk WHERE a >= 10`);
    }
  });

  // Last: a sequence cannot be moved back, so this one is not undone.
  it("sees a sequence's stored state move when NEXTVAL refills its cache", async () => {
    await conn.query(`DO NEXTVAL(${DB}.s)`);
    const diff = diffFingerprints(base, await fingerprint());
    expect(diff).toHaveLength(1);
    expect(diff[0]).toMatch(/^fp_test: sequence s differs: line 2: ".*next_not_cached_value=1 .*" vs ".*next_not_cached_value=3 /);
  });
});
