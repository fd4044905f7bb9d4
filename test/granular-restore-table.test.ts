/**
 * `pitr restore-table` end to end on a throwaway MariaDB: a `pitr backup`, then a workload whose
 * moments are recorded (GTID + every row of the tables, exactly: HEX of bytes, CAST of numbers and
 * times, FLOAT widened to DOUBLE) together with `SELECT … WHERE` results of some filters. Each
 * check restores a table at a recorded moment — into a new table, as SQL loaded into a second
 * server, or with --replace into the live table — and compares rows byte for byte.
 * Covered: every common column type (escapes, NULL, FLOAT via the backup's exact-FLOAT fixups),
 * rows entering and leaving a filter, a _ci collation ('a' = 'A '), NULLs, a table without a
 * primary key, DROP, TRUNCATE, RENAME (followed under the new name), a refused ADD COLUMN, bad
 * filters, and --replace after a bad UPDATE/DELETE without firing the child table's cascade.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';
import { runPitr } from '../tools/src/run-pitr.js';

const pitr = (...argv: string[]): ReturnType<typeof runPitr> => runPitr(argv);

/** Every row of a table as exact text per column, sorted. */
async function rows(server: TestServer, db: string, table: string, where = ''): Promise<string[]> {
  const cols = await server.query<{ c: string; t: string }[]>('SELECT COLUMN_NAME AS c, DATA_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [db, table]);
  const expr = cols.map(({ c, t }) => {
    const q = `\`${c}\``;
    const v = t === 'float' ? `CAST(CAST(${q} AS DOUBLE) AS CHAR)` : /int|decimal|year|date|time|double/.test(t) ? `CAST(${q} AS CHAR)` : `HEX(${q})`;
    return `IFNULL(${v}, 'NULL')`;
  });
  // the shared connection's session is in UTC (set in beforeAll): TIMESTAMP text is exact
  const list = await server.query<{ r: string }[]>(`SELECT CONCAT_WS('|', ${expr.join(', ')}) AS r FROM \`${db}\`.\`${table}\` ${where}`);
  return list.map((x) => String(x.r)).sort();
}

async function gtidNow(server: TestServer): Promise<string> {
  const [r] = await server.query<{ g: string }[]>('SELECT @@gtid_binlog_pos AS g');
  return r!.g;
}

interface Moment {
  /** The --at of the moment. */
  at: string;
  tables: Record<string, string[]>;
  filtered: Record<string, string[]>;
}

const TABLES = ['types', 'nokey', 'trunc', 'gone', 'parent'];
const FILTERS: Record<string, string> = {
  pk: 'id BETWEEN 3 AND 7',
  ci: "vc = 'a'",
  nulls: 'd > 10 OR d IS NULL',
};

describe('pitr restore-table', () => {
  let server: TestServer;
  let scratch: TestServer;
  let dir: string;
  let dump: string;
  let cnf: string;
  const moments: Moment[] = [];
  let renamedAt: Moment;
  let renamedRows: string[];
  let beforeDrop: Moment;
  let beforeBad: { gtid: string; parent: string[]; child: string[] };

  const record = async (): Promise<Moment> => {
    const m: Moment = { at: `gtid:${await gtidNow(server)}`, tables: {}, filtered: {} };
    for (const t of TABLES) m.tables[t] = await rows(server, 'shop', t).catch(() => []);
    for (const [k, f] of Object.entries(FILTERS)) m.filtered[k] = await rows(server, 'shop', 'types', `WHERE ${f}`);
    moments.push(m);
    return m;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitr-restore-table-'));
    [server, scratch] = await Promise.all([startServer({ maxBinlogSize: 65536 }), startServer()]);
    await Promise.all([server.query("SET time_zone = '+00:00'"), scratch.query("SET time_zone = '+00:00'")]);
    await server.query(`
      CREATE DATABASE shop;
      CREATE TABLE shop.types (id INT PRIMARY KEY, i TINYINT, si SMALLINT UNSIGNED, bi BIGINT, d DECIMAL(12,3), f FLOAT, dbl DOUBLE,
        dt DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(2), dd DATE, y YEAR, c CHAR(5), vc VARCHAR(40) COLLATE utf8mb4_general_ci,
        lat VARCHAR(20) CHARACTER SET latin1, tx TEXT, bin BINARY(4), vb VARBINARY(10), bl BLOB, bt BIT(10), e ENUM('a','b','c'),
        st SET('x','y','z'), js JSON, u UUID, g GEOMETRY NULL, gen INT AS (i + 1) VIRTUAL, KEY (vc)) ENGINE=InnoDB;
      CREATE TABLE shop.nokey (a INT, b VARCHAR(10)) ENGINE=InnoDB;
      CREATE TABLE shop.trunc (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB;
      CREATE TABLE shop.gone (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB;
      CREATE TABLE shop.oldname (id INT PRIMARY KEY, v VARCHAR(10), f FLOAT) ENGINE=InnoDB;
      CREATE TABLE shop.altered (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
      CREATE TABLE shop.modified (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
      CREATE TABLE shop.parent (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB;
      CREATE TABLE shop.child (id INT PRIMARY KEY, parent_id INT, CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES shop.parent (id) ON DELETE CASCADE) ENGINE=InnoDB;
      INSERT INTO shop.nokey VALUES (1, 'a'), (1, 'a'), (2, NULL);
      INSERT INTO shop.trunc VALUES (1, 'old'), (2, 'old');
      INSERT INTO shop.gone VALUES (1, 'g1'), (2, 'g2');
      INSERT INTO shop.oldname VALUES (1, 'o1', 0.1), (3, 'o3', 1e-7);
      INSERT INTO shop.altered VALUES (1, 1), (2, 2), (3, 3);
      INSERT INTO shop.modified VALUES (1, 1);
      INSERT INTO shop.parent VALUES (1, 'p1'), (2, 'p2'), (3, 'p3'), (4, 'p4'), (5, 'p5'), (6, 'p6');
      INSERT INTO shop.child VALUES (10, 1), (20, 2), (30, 3), (60, 6);
    `);
    const values: string[] = [];
    for (let id = 1; id <= 12; id++) {
      const s = (x: string): string => `'${x}'`;
      const h = (n: number): string => n.toString(16).padStart(2, '0');
      values.push(
        `(${id}, ${id % 2 ? -id : id * 10}, ${id * 1000}, ${id === 3 ? '-9223372036854775808' : id === 4 ? '9223372036854775807' : id * 123456789012}, ` +
          `${id % 4 === 0 ? 'NULL' : `${id * 3}.${id}5`}, ${id === 5 ? '1.1754943508e-38' : id === 6 ? '3.4028234e38' : id === 7 ? '16777217' : `${id}.1`}, ${id === 2 ? '-0.1e-300' : `${id}.000000000001`}, ` +
          `'2026-05-25 14:30:0${id % 10}.12345${id % 10}', ${id % 3 === 0 ? 'NULL' : "'2026-05-25 12:00:00.5'"}, '-${id}:02:03.45', '2026-01-0${(id % 9) + 1}', ${2000 + id}, ` +
          `${s(`c${id}`)}, ${s(['a', 'A ', 'A', 'b', 'ä', 'a'][id % 6]!)}, ${s('é\\\\x')}, ${s(`it''s \\n "q" \\\\ \\0 😀 ${id}`)}, X'${h(id)}00', X'00${h(id)}FF', ${id === 1 ? "''" : `X'${'AB'.repeat(id)}'`}, b'${(id * 37).toString(2)}', ` +
          `${s(['a', 'b', 'c'][id % 3]!)}, ${s(id % 2 ? 'x,z' : '')}, ${s(`{"k": ${id}, "s": "v\\\\"q"}`)}, '6ccd780c-baba-4026-9564-5b8c656024${String(id).padStart(2, '0')}', ${id === 1 ? "ST_GeomFromText('POINT(1 2)', 4326)" : 'NULL'}, DEFAULT)`,
      );
    }
    await server.query(`INSERT INTO shop.types VALUES ${values.join(',\n')}`);
    cnf = join(dir, 'client.cnf');
    writeFileSync(cnf, `[client]\nuser=${scratch.user}\npassword=${scratch.password}\nhost=${scratch.host}\nport=${scratch.port}\n`, { mode: 0o600 });
    const b = await pitr('backup', '--source', server.url, '--repo', join(dir, 'repo'), '--databases', 'shop', '--json');
    expect(b.code, b.stderr).toBe(0);
    dump = (JSON.parse(b.stdout) as { dumpFile: string }).dumpFile;

    // moment 0: the backup itself (no write since: its binlog position is the backup's)
    const [status] = await server.query<{ File: string; Position: number }[]>('SHOW MASTER STATUS');
    (await record()).at = `pos:${status!.File}:${status!.Position}`;
    await server.query(`
      UPDATE shop.types SET d = 99.5, vc = 'A ' WHERE id = 1;
      UPDATE shop.types SET d = NULL, f = 2.5e-40 WHERE id = 2;
      DELETE FROM shop.types WHERE id = 9;
      INSERT INTO shop.types (id, i, d, vc, tx, bin, bt, e, st) VALUES (13, 5, 11.5, 'a', 'new \\\\ row', X'01', b'1', 'c', 'y'), (14, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      UPDATE shop.nokey SET b = 'z' WHERE a = 1 LIMIT 1;
      INSERT INTO shop.nokey VALUES (3, 'c');
      TRUNCATE TABLE shop.trunc;
      INSERT INTO shop.trunc VALUES (5, 'new');
      UPDATE shop.gone SET v = 'g2b' WHERE id = 2;
      INSERT INTO shop.gone VALUES (3, 'g3');
    `);
    beforeDrop = await record(); // moment 1
    await server.query(`
      DROP TABLE shop.gone;
      UPDATE shop.oldname SET v = 'o1b';
      RENAME TABLE shop.oldname TO shop.newname;
      INSERT INTO shop.newname VALUES (2, 'n2', 3.3);
      UPDATE shop.types SET id = 15, vc = 'b' WHERE id = 3;
      UPDATE shop.types SET d = 1.0, vc = 'a' WHERE id = 4;
      UPDATE shop.types SET vc = 'x' WHERE id = 6;
      ALTER TABLE shop.types ADD INDEX (d);
      UPDATE shop.altered SET v = 20 WHERE id = 2;
      ALTER TABLE shop.altered ADD COLUMN w INT, ADD COLUMN tag VARCHAR(8) NOT NULL DEFAULT 'né' FIRST, DROP COLUMN v;
      UPDATE shop.altered SET w = 7 WHERE id = 3;
      ALTER TABLE shop.modified MODIFY v BIGINT;
      INSERT INTO shop.trunc VALUES (6, 'newer');
    `);
    renamedAt = await record(); // moment 2
    renamedRows = await rows(server, 'shop', 'newname');
    beforeBad = { gtid: await gtidNow(server), parent: await rows(server, 'shop', 'parent'), child: await rows(server, 'shop', 'child') };
    // the incident: an UPDATE without WHERE and a DELETE (cascading to child), then later work
    await server.query(`
      UPDATE shop.parent SET name = 'oops';
      DELETE FROM shop.parent WHERE id IN (2, 3);
      INSERT INTO shop.parent VALUES (7, 'p7');
      INSERT INTO shop.child VALUES (70, 7);
      UPDATE shop.parent SET name = 'later' WHERE id = 6;
      UPDATE shop.types SET tx = 'after' WHERE id = 5;
    `);
    await server.flushLogs();
  }, 180_000);

  afterAll(async () => {
    await Promise.all([server?.stop(), scratch?.stop()]);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const source = (): string[] => ['--dump', dump, '--binlog-dir', server.binlogDir];

  it('restores tables at recorded moments into new tables, byte for byte', async () => {
    // the workload is what the checks need: the moments differ, FLOATs beyond 6 digits, filters select some rows
    expect(moments.map((m) => m.tables.types!.length)).toEqual([12, 13, 13]);
    expect(moments[0]!.tables.types!.join('\n')).toMatch(/\|1\.1754943508222875e-38\|/);
    expect(new Set(moments.map((m) => JSON.stringify(m.tables))).size).toBe(3);
    for (const k of Object.keys(FILTERS)) expect(moments.every((m) => m.filtered[k]!.length > 0 && m.filtered[k]!.length < m.tables.types!.length), k).toBe(true);
    if (process.env.PITR_DEBUG) console.log(JSON.stringify(moments, null, 1).slice(0, 6000));
    for (const [n, m] of moments.entries()) {
      for (const t of ['types', 'nokey', 'trunc']) {
        const into = `restored_${t}_${n}`;
        const r = await pitr('restore-table', `shop.${t}`, '--at', m.at, ...source(), '--to', server.url, '--into', `shop.${into}`, '--json');
        expect(r.stderr, `${t} at moment ${n}`).toBe('');
        expect(r.code).toBe(0);
        expect(await rows(server, 'shop', into), `${t} at moment ${n}`).toEqual(m.tables[t]);
      }
    }
    // the default name: TABLE__pitr_<target instant, UTC>; FOREIGN KEYs left out and named
    const r = await pitr('restore-table', 'shop.child', '--at', 'latest', ...source(), '--to', server.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/written to the new table shop\.child__pitr_\d{14}/);
    expect(r.stdout).toMatch(/FOREIGN KEY constraints not copied.*fk_child_parent/);
    const existing = await pitr('restore-table', 'shop.types', '--at', 'latest', ...source(), '--to', server.url, '--into', 'shop.restored_types_0');
    expect(existing.code).toBe(2);
    expect(existing.stderr).toMatch(/already exists/);
  });

  it('--where gives exactly what SELECT … WHERE gave at each moment (keys, collations, NULLs)', async () => {
    for (const [n, m] of moments.entries()) {
      for (const [k, f] of Object.entries(FILTERS)) {
        const into = `w_${k}_${n}`;
        const r = await pitr('restore-table', 'shop.types', '--at', m.at, '--where', f, ...source(), '--to', server.url, '--into', `shop.${into}`);
        expect(r.code, r.stderr).toBe(0);
        expect(await rows(server, 'shop', into), `${f} at moment ${n}`).toEqual(m.filtered[k]);
      }
    }
  });

  it('--sql-out loaded into a fresh server gives the same rows', async () => {
    const m = moments[1]!;
    const out = join(dir, 'types.sql');
    const r = await pitr('restore-table', 'shop.types', '--at', m.at, ...source(), '--sql-out', out, '--into', 'shop.types');
    expect(r.code, r.stderr).toBe(0);
    const sql = readFileSync(out, 'utf8');
    expect(sql).toMatch(/^-- pitr restore-table shop\.types/);
    await scratch.query('CREATE DATABASE shop');
    const run = spawnSync('mariadb', [`--defaults-extra-file=${cnf}`, '--batch'], { input: sql, maxBuffer: 1 << 26 });
    expect(run.stderr.toString()).toBe('');
    expect(await rows(scratch, 'shop', 'types')).toEqual(m.tables.types);
  });

  it('follows DROP, TRUNCATE and RENAME; refuses a column change', async () => {
    const gone = await pitr('restore-table', 'shop.gone', '--at', beforeDrop.at, ...source(), '--to', server.url, '--into', 'shop.gone_back');
    expect(gone.code, gone.stderr).toBe(0);
    expect(await rows(server, 'shop', 'gone_back')).toEqual(beforeDrop.tables.gone);
    const dropped = await pitr('restore-table', 'shop.gone', '--at', 'latest', ...source(), '--to', server.url);
    expect(dropped.code).toBe(3);
    expect(dropped.stderr).toMatch(/shop\.gone does not exist at the target: it was dropped \(GTID 0-\d+-\d+/);

    const renamed = await pitr('restore-table', 'shop.newname', '--at', renamedAt.at, ...source(), '--to', server.url, '--into', 'shop.newname_back');
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.stdout).toMatch(/followed from shop\.oldname/);
    expect(await rows(server, 'shop', 'newname_back')).toEqual(renamedRows);
    const old = await pitr('restore-table', 'shop.oldname', '--at', 'latest', ...source(), '--sql-out', join(dir, 'x.sql'));
    expect(old.code).toBe(3);
    expect(old.stderr).toMatch(/renamed to shop\.newname/);

    // a target outside what the backup and binlogs cover
    const early = await pitr('restore-table', 'shop.trunc', '--at', '2000-01-01T00:00:00Z', ...source(), '--sql-out', join(dir, 'e.sql'));
    expect(early.code).toBe(3);
    expect(early.stderr).toMatch(/is before the backup/);
    const late = await pitr('restore-table', 'shop.trunc', '--at', '2099-01-01T00:00:00Z', ...source(), '--sql-out', join(dir, 'l.sql'));
    expect(late.code).toBe(3);
    expect(late.stderr).toMatch(/after the end of the binlogs/);
    // from the repository (its backup and --binlog-dir), JSON output
    const fromRepo = await pitr('restore-table', 'shop.trunc', '--at', moments[2]!.at, '--repo', join(dir, 'repo'), '--binlog-dir', server.binlogDir, '--to', server.url, '--into', 'shop.trunc_repo', '--json');
    expect(fromRepo.code, fromRepo.stderr).toBe(0);
    expect(JSON.parse(fromRepo.stdout)).toMatchObject({ table: 'shop.trunc', copy: 'shop.trunc_repo', rows: 2, fromBackup: 0, fromBinlog: 2 });
    expect(await rows(server, 'shop', 'trunc_repo')).toEqual(moments[2]!.tables.trunc);

    // ADD/DROP COLUMN in the range: the backup's rows (and rows logged before the ALTER) are carried over
    const altered = await pitr('restore-table', 'shop.altered', '--at', 'latest', ...source(), '--to', server.url, '--into', 'shop.altered_copy');
    expect(altered.code, altered.stderr).toBe(0);
    expect(await rows(server, 'shop', 'altered_copy')).toEqual(await rows(server, 'shop', 'altered'));
    const filtered = await pitr('restore-table', 'shop.altered', '--at', 'latest', '--where', "tag = 'NÉ' AND w IS NULL", ...source(), '--to', server.url, '--into', 'shop.altered_where');
    expect(filtered.code, filtered.stderr).toBe(0);
    expect(await rows(server, 'shop', 'altered_where')).toEqual(await rows(server, 'shop', 'altered', "WHERE tag = 'NÉ' AND w IS NULL"));
    // a changed type is not converted: refused, naming the statement
    const modified = await pitr('restore-table', 'shop.modified', '--at', 'latest', ...source(), '--sql-out', join(dir, 'y.sql'));
    expect(modified.code).toBe(3);
    expect(modified.stderr).toMatch(/changed its columns in the range \(ALTER TABLE shop\.modified MODIFY v BIGINT — GTID 0-\d+-\d+, committed [^)]+\) in a way restore-table does not convert rows across: it changes or renames a column/);
    expect(modified.stderr).toMatch(/scratch server/);
  });

  it('refuses bad filters before reading anything, and touches nothing', async () => {
    const cases: [string, RegExp][] = [
      ['id = = 1', /syntax|parse/i],
      ['nmae = 1', /unknown column `nmae`/],
      ['id IN (SELECT id FROM shop.parent)', /does not support subqueries/],
      ['1; DROP TABLE shop.parent', /more than one statement/],
    ];
    for (const [f, message] of cases) {
      const r = await pitr('restore-table', 'shop.parent', '--at', 'latest', '--where', f, ...source(), '--to', server.url, '--replace');
      expect(r.code, f).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect((await rows(server, 'shop', 'parent')).length).toBeGreaterThan(0);
  });

  it('--replace puts back the rows of a bad UPDATE/DELETE, leaves the rest, fires no cascade', async () => {
    const childBefore = await rows(server, 'shop', 'child');
    const r = await pitr('restore-table', 'shop.parent', '--at', `gtid:${beforeBad.gtid}`, '--where', 'id <= 5 OR id = 7', ...source(), '--to', server.url, '--replace');
    expect(r.code, r.stderr).toBe(0);
    // rows 1..5 back as before the incident; 6 keeps its later change; 7 (inserted later) is gone
    const expected = [...beforeBad.parent.filter((x) => !x.startsWith('6|')), (await rows(server, 'shop', 'parent')).find((x) => x.startsWith('6|'))!].sort();
    expect(await rows(server, 'shop', 'parent')).toEqual(expected);
    expect(r.stdout).toMatch(/2 inserted, 3 updated, 1 deleted/);
    // deleting parent 7 did not cascade to child 70
    expect(await rows(server, 'shop', 'child')).toEqual(childBefore);
    expect(childBefore.some((x) => x.startsWith('70|'))).toBe(true);
    const nokey = await pitr('restore-table', 'shop.nokey', '--at', 'latest', ...source(), '--to', server.url, '--replace');
    expect(nokey.code).toBe(2);
    expect(nokey.stderr).toMatch(/no primary key/);
  });
});
