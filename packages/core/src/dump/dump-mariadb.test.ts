/**
 * Real dumps: mariadb-dump of a throwaway server holding tricky data, routines, a trigger, an
 * event, a view and a sequence; the splitter's statements, executed one by one on a second
 * throwaway server, must reproduce the same objects and data, and the coordinates read from the
 * dump must equal SHOW MASTER STATUS / @@gtid_binlog_pos at dump time.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../../../tools/src/index.js';
import { dumpCoordinates } from './dump-coordinates.js';
import { dumpStatements, type DumpStatement } from './dump-statements.js';

const execFileP = promisify(execFile);
const DBS = ['pitr_dump_a', 'pitr dump;b'];

/** Every byte value, for blobs (dumped with --hex-blob). */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const TRICKY = [
  'semi;colon',
  "single ' quote",
  'double " quote',
  'back\\slash \\\' \\\\',
  'comment */ close /* open -- dash # hash',
  'DELIMITER ;;\nEND ;;\nDELIMITER ;',
  'new\nline\r\ncrlf\ttab',
  'emoji 😀🎉 and ünïcödé',
  'nul \0 byte',
  'backquote ` and ``',
  "/*!50003 ;; */ '';' \";\"",
  '',
];

async function setup(server: TestServer): Promise<void> {
  const conn = await server.connect();
  try {
    await conn.query(`
      CREATE DATABASE pitr_dump_a;
      CREATE DATABASE \`pitr dump;b\`;
      CREATE TABLE pitr_dump_a.tricky (
        id INT PRIMARY KEY,
        s VARCHAR(200) CHARACTER SET utf8mb4,
        t LONGTEXT,
        b MEDIUMBLOB,
        vb VARBINARY(300),
        j JSON,
        d DECIMAL(30,10),
        dt DATETIME(6),
        bits BIT(12)
      ) ENGINE=InnoDB;
      CREATE TABLE pitr_dump_a.\`we;ird\`\`name\` (\`col;1\` INT PRIMARY KEY, \`c*/\` TEXT) ENGINE=InnoDB;
      CREATE TABLE pitr_dump_a.audit (id INT AUTO_INCREMENT PRIMARY KEY, msg TEXT) ENGINE=InnoDB;
      CREATE TABLE \`pitr dump;b\`.many (id INT PRIMARY KEY, v VARCHAR(40), n BIGINT) ENGINE=InnoDB;
      CREATE SEQUENCE pitr_dump_a.seq START WITH 100 INCREMENT BY 5;
    `);
    for (let i = 0; i < TRICKY.length; i++) {
      await conn.query('INSERT INTO pitr_dump_a.tricky VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        i,
        TRICKY[i],
        TRICKY.join('|') + TRICKY[i]!.repeat(50),
        Buffer.concat([ALL_BYTES, Buffer.from(TRICKY[i]!)]),
        ALL_BYTES.subarray(i, i + 40),
        JSON.stringify({ k: TRICKY[i], n: i, arr: [1.5, null, true] }),
        `${i % 2 === 1 ? '-' : ''}123456789012345678${i % 10}.012345678${i % 10}`,
        `2026-05-25 14:30:${String(i).padStart(2, '0')}.${String(i * 1111).padStart(6, '0')}`,
        Buffer.from([i & 0x0f, 0xff]),
      ]);
    }
    // a long line: one 3 MB value (mariadb-dump prints it on one line)
    await conn.query('INSERT INTO pitr_dump_a.tricky (id, t, b) VALUES (1000, REPEAT(?, 100000), REPEAT(0x00FF27225C3B, 100000))', ["it's;a\\long*/line\n"]);
    await conn.query('INSERT INTO pitr_dump_a.tricky (id) VALUES (1001)'); // all NULL
    for (let i = 0; i < TRICKY.length; i++) {
      await conn.query('INSERT INTO pitr_dump_a.`we;ird``name` VALUES (?, ?)', [i, TRICKY[i]]);
    }
    const rows: unknown[][] = [];
    for (let i = 0; i < 5000; i++) rows.push([i, `row ${i}; it's "${i}"`, (BigInt(i) * 1844674407370955n - 4611686018427387904n).toString()]);
    await conn.query('INSERT INTO `pitr dump;b`.many VALUES ?', [rows]);
    await conn.query('SELECT NEXTVAL(pitr_dump_a.seq)');
    // routines, trigger, event, view: bodies with ; and strings that look like delimiters/comments
    await conn.query(`CREATE PROCEDURE pitr_dump_a.p(IN x INT)
BEGIN
  -- a comment; with 'quote
  DECLARE y VARCHAR(20) DEFAULT ';;';
  SELECT CONCAT(x, y, '*/', "DELIMITER ;") AS r; /* block ; comment */
  INSERT INTO pitr_dump_a.audit (msg) VALUES ('proc;called');
END`);
    await conn.query(`CREATE FUNCTION pitr_dump_a.f(x INT) RETURNS VARCHAR(50) DETERMINISTIC
BEGIN
  DECLARE r VARCHAR(50);
  SET r = CONCAT('f;', x, '\\'', ';;');
  RETURN r;
END`);
    await conn.query(`CREATE TRIGGER pitr_dump_a.tr AFTER INSERT ON pitr_dump_a.\`we;ird\`\`name\` FOR EACH ROW
BEGIN
  INSERT INTO pitr_dump_a.audit (msg) VALUES (CONCAT('trigger;', NEW.\`col;1\`, ' */ ;; '));
END`);
    await conn.query(
      "CREATE EVENT pitr_dump_a.ev ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO INSERT INTO pitr_dump_a.audit (msg) VALUES ('event;fired')",
    );
    await conn.query("CREATE VIEW pitr_dump_a.v AS SELECT id, s, CONCAT(s, ';*/') AS s2 FROM pitr_dump_a.tricky WHERE s <> ';'");
    await conn.query("CREATE VIEW `pitr dump;b`.v2 AS SELECT COUNT(*) AS n FROM `pitr dump;b`.many");
  } finally {
    await conn.end();
  }
}

/** Everything we compare between source and restored server. */
async function snapshot(conn: Connection): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const q = async (sql: string): Promise<unknown[]> => {
    const [rows] = await conn.query({ sql, rowsAsArray: true });
    return rows as unknown[];
  };
  const tables = (await q(
    `SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema IN ('pitr_dump_a', 'pitr dump;b') ORDER BY 1, 2`,
  )) as [string, string, string][];
  out.tables = tables;
  for (const [db, table, type] of tables) {
    const name = `\`${db.replace(/`/g, '``')}\`.\`${table.replace(/`/g, '``')}\``;
    if (type === 'BASE TABLE') {
      out[`checksum ${name}`] = (await q(`CHECKSUM TABLE ${name}`)).map((r) => (r as unknown[])[1]);
    }
    if (type === 'SEQUENCE') out[`seq ${name}`] = await q(`SELECT * FROM ${name}`);
    else out[`rows ${name}`] = await q(`SELECT * FROM ${name} ORDER BY 1`);
    out[`create ${name}`] = ((await q(`SHOW CREATE TABLE ${name}`))[0] as unknown[])[1];
  }
  out.routines = await q(
    "SELECT routine_schema, routine_name, routine_type, routine_definition, definer, sql_mode FROM information_schema.routines WHERE routine_schema LIKE 'pitr%' ORDER BY 1, 2",
  );
  out.triggers = await q(
    "SELECT trigger_schema, trigger_name, event_object_table, action_statement, definer, sql_mode FROM information_schema.triggers WHERE trigger_schema LIKE 'pitr%' ORDER BY 1, 2",
  );
  out.events = await q(
    "SELECT event_schema, event_name, event_definition, interval_value, interval_field, starts, status FROM information_schema.events WHERE event_schema LIKE 'pitr%' ORDER BY 1, 2",
  );
  out.views = await q("SELECT table_schema, table_name, view_definition FROM information_schema.views WHERE table_schema LIKE 'pitr%' ORDER BY 1, 2");
  out.fn = await q('SELECT pitr_dump_a.f(7)');
  return out;
}

describe('mariadb-dump round trip through the splitter', () => {
  let source: TestServer;
  let target: TestServer;
  let dir: string;
  let dumpPath: string;
  let atDump: { file: string; pos: number; gtid: string; version: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitr-dump-mariadb-'));
    [source, target] = await Promise.all([startServer(), startServer()]);
    await setup(source);
    const status = async (): Promise<{ file: string; pos: number; gtid: string; version: string }> => {
      const [[ms], [g]] = await source.query<[[{ File: string; Position: string | number }], [{ gtid: string; version: string }]]>(
        'SHOW MASTER STATUS; SELECT @@gtid_binlog_pos AS gtid, VERSION() AS version',
      );
      return { file: ms.File, pos: Number(ms.Position), gtid: g.gtid, version: g.version };
    };
    atDump = await status();
    // credentials through a 0600 defaults-extra-file (never argv); it must be the first option
    const cnf = join(dir, 'client.cnf');
    writeFileSync(cnf, `[client]\nuser=${source.user}\npassword=${source.password}\nhost=${source.host}\nport=${source.port}\n`, { mode: 0o600 });
    chmodSync(cnf, 0o600);
    dumpPath = join(dir, 'dump.sql');
    const { stdout } = await execFileP(
      'mariadb-dump',
      [`--defaults-extra-file=${cnf}`, '--single-transaction', '--master-data=2', '--gtid', '--routines', '--triggers', '--events', '--hex-blob', '--databases', ...DBS],
      { encoding: 'buffer', maxBuffer: 1 << 30 },
    );
    writeFileSync(dumpPath, stdout);
    writeFileSync(`${dumpPath}.gz`, gzipSync(stdout));
    // --compact drops every comment but the coordinates
    const compact = await execFileP(
      'mariadb-dump',
      [`--defaults-extra-file=${cnf}`, '--single-transaction', '--master-data=2', '--gtid', '--compact', '--databases', ...DBS],
      { encoding: 'buffer', maxBuffer: 1 << 30 },
    );
    writeFileSync(join(dir, 'compact.sql'), compact.stdout);
    // no writes happened in between: the dump's coordinates must be these
    expect(await status()).toEqual(atDump);
  });

  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('coordinates equal SHOW MASTER STATUS and @@gtid_binlog_pos at dump time', async () => {
    const c = await dumpCoordinates(dumpPath);
    expect(c.binlog).toEqual({ file: atDump.file, pos: atDump.pos });
    expect(c.gtid).toBe(atDump.gtid);
    expect(c.flavor).toBe('mariadb');
    expect(atDump.version.startsWith(c.serverVersion!.replace(/-log$/, ''))).toBe(true);
    expect(c.complete).toBe(true);
    expect(c.databases).toEqual(DBS);
    expect(c.hasHeader).toBe(true);
    expect(await dumpCoordinates(`${dumpPath}.gz`)).toEqual(c);
    // --compact: same coordinates, but no header/trailer, so completeness is unknown
    const compact = await dumpCoordinates(join(dir, 'compact.sql'));
    expect(compact).toMatchObject({ binlog: c.binlog, gtid: c.gtid, databases: DBS, hasHeader: false, complete: false, flavor: undefined });
  });

  it('gzip and plain give the same statements; classification is as expected', async () => {
    const read = async (p: string): Promise<string[]> => {
      const out: string[] = [];
      for await (const s of dumpStatements(p)) out.push(JSON.stringify([s.offset, s.line, s.kind, s.db, s.table, s.name, s.delimiter, s.bytes.toString('base64')]));
      return out;
    };
    const plain = await read(dumpPath);
    expect(await read(`${dumpPath}.gz`)).toEqual(plain);
    const kinds = plain.map((j) => JSON.parse(j) as unknown[]);
    const has = (kind: string, db: string, table: string | null, name: string | null = null): boolean =>
      kinds.some((k) => k[2] === kind && k[3] === db && (table === null || k[4] === table) && (name === null || k[5] === name));
    expect(has('create-database', 'pitr dump;b', null)).toBe(true);
    expect(has('use', 'pitr dump;b', null)).toBe(true);
    expect(has('create-table', 'pitr_dump_a', 'we;ird`name')).toBe(true);
    expect(has('insert', 'pitr_dump_a', 'tricky')).toBe(true);
    expect(has('insert', 'pitr dump;b', 'many')).toBe(true);
    expect(has('drop-table', 'pitr_dump_a', 'tricky')).toBe(true);
    expect(has('lock', 'pitr_dump_a', 'tricky')).toBe(true);
    expect(has('trigger', 'pitr_dump_a', 'we;ird`name', 'tr')).toBe(true);
    expect(has('routine', 'pitr_dump_a', null, 'p')).toBe(true);
    expect(has('routine', 'pitr_dump_a', null, 'f')).toBe(true);
    expect(has('routine', 'pitr_dump_a', null, 'ev')).toBe(true);
    expect(has('view', 'pitr_dump_a', 'v', 'v')).toBe(true);
    expect(has('create-table', 'pitr_dump_a', 'seq')).toBe(true);
    expect(has('other', 'pitr_dump_a', 'seq')).toBe(true); // SELECT SETVAL(`seq`, …)
    expect(kinds.some((k) => k[6] === ';;')).toBe(true);
    // every statement starts where the dump says it does
    const bytes = readFileSync(dumpPath);
    for (const k of kinds) {
      const stmt = Buffer.from(k[7] as string, 'base64');
      expect(bytes.subarray(k[0] as number, (k[0] as number) + stmt.length).equals(stmt)).toBe(true);
      expect(bytes.subarray(0, k[0] as number).toString('latin1').split('\n').length).toBe(k[1]);
    }
  });

  it('executing the statements one by one on a fresh server reproduces the data and objects', async () => {
    const conn = await target.connect({ multipleStatements: false });
    let executed = 0;
    let current: DumpStatement | undefined;
    try {
      for await (const s of dumpStatements(dumpPath)) {
        current = s;
        await conn.query(s.text());
        executed++;
      }
    } catch (e) {
      throw new Error(`statement at line ${current?.line}: ${current?.text().slice(0, 300)}: ${(e as Error).message}`);
    } finally {
      await conn.end();
    }
    expect(executed).toBeGreaterThan(50);
    const [a, b] = [await source.connect(), await target.connect()];
    try {
      const [want, got] = [await snapshot(a), await snapshot(b)];
      expect(Object.keys(got).length).toBeGreaterThan(10);
      expect(got).toEqual(want);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });
});
