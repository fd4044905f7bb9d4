/**
 * The workload of the point-in-time restore oracle (issue 3, "Prove it"): a seeded workload run in
 * PHASES on a throwaway source, each phase separated from the next by a whole-second boundary, and
 * after each phase a record of the moment (second, GTID, binlog position) and a byte-exact
 * fingerprint of every database (../fingerprint.ts). A restore to a recorded moment, on a fresh
 * server, must reproduce the recorded fingerprint exactly.
 *
 * Every item of `../shared/BINLOG-NOTES.md` (beside the repository) is exercised somewhere (the `covers` list of each
 * phase says where); the phases are:
 *
 *  0 backup       setup (schema with triggers, routines, a view, an event, a sequence, foreign
 *                 keys, Aria/MyISAM tables, full-precision FLOATs) and the base backup, taken while
 *                 a background writer commits (the dump's coordinates must match its snapshot).
 *  1 types        every column type with edge values, >64 KiB BLOB/TEXT values (binlog files grow
 *                 past max_binlog_size), UPDATE/DELETE; TIMESTAMP written in a non-UTC session
 *                 time_zone; utf8mb4 emoji; latin1 text; UUID()/NOW(6).
 *  2 bulk         a 2,000-row transaction (+ an UPDATE of all of it), multi-row statements, a
 *                 rolled-back InnoDB transaction (consumes AUTO_INCREMENT ids), a rolled-back
 *                 transaction that also changed an Aria table (that change survives), a session
 *                 with sql_mode NO_AUTO_VALUE_ON_ZERO inserting id 0.
 *  3 relations    a transaction spanning two databases; ON DELETE CASCADE, ON UPDATE CASCADE, ON
 *                 DELETE SET NULL (also across databases); a foreign_key_checks=0 session inserting
 *                 orphans and deleting a parent without cascading.
 *  4 triggers     audit triggers writing another table; REPLACE hitting an existing key (logged as
 *                 Update_rows although the AFTER INSERT trigger fired) and REPLACE on a table with a
 *                 DELETE trigger (delete + insert); INSERT … ON DUPLICATE KEY UPDATE; generated
 *                 columns (VIRTUAL and STORED, both indexed); a table without a primary key with
 *                 duplicate rows.
 *  5 savepoints   SAVEPOINT / ROLLBACK TO around an Aria change (rolled-back InnoDB rows stay in
 *                 the binlog, followed by `ROLLBACK TO`), and without one; a SEQUENCE with NEXTVAL
 *                 refilling its cache several times; a sequence created in the binlog; a second GTID
 *                 domain (session gtid_domain_id) interleaved with the first.
 *  6 long-begin   connection B begins a transaction and writes (statement times in this phase);
 *                 other commits follow. B's work is NOT part of this phase's state.
 *  7 long-commit  B writes once more and commits after the boundary: its GTID (commit) time is in
 *                 this phase, its first events' times in the previous one.
 *  8 ddl          ADD/DROP COLUMN then rows in the new layout; CREATE, DROP, TRUNCATE TABLE;
 *                 RENAME TABLE across databases and within one; CREATE TABLE … SELECT; DROP +
 *                 CREATE of the same name with another definition; DDL with a default database
 *                 other than the table's (`USE oracle_b; ALTER TABLE oracle_a.kv …`, unqualified
 *                 CREATE TABLE); CREATE DATABASE; a table with 4-byte ENUM/SET members; a BEFORE
 *                 INSERT trigger that doubles a value (replay must not fire it again); a
 *                 procedure; a view created under sql_mode ANSI_QUOTES (its DDL only parses with
 *                 that mode); an ENABLEd event (logged with the session time_zone).
 *  9 after-ddl    DML on every table changed by the DDL; CALL of a procedure; an UPDATE of an
 *                 orphaned child with foreign key checks on; INSERT … SELECT from a TEMPORARY table
 *                 (not logged in ROW format); a transaction over three databases.
 * 10 disaster     `DELETE FROM oracle_a.accounts` (no WHERE; its trigger writes audit rows) and
 *                 `DROP TABLE oracle_a.orders`. Recorded as `disaster`: the state just before it
 *                 (= phase 9's) and where it starts (GTID, file:pos, second), plus the final state.
 *
 * Phases are separated by waiting for the next whole second after a phase's last commit, so a
 * time target of `phase.lastCommitSecond` (inclusive, commit-time semantics; mariadb-binlog
 * `--stop-datetime=<second + 1>`) contains exactly phases 0..k. Each phase ends with an autocommit
 * UPDATE of `oracle_a.phase_marker` on the main connection, so the phase's last commit is known:
 * its GTID is `lastGtid`, and `binlog` (SHOW MASTER STATUS) is the end of its group.
 *
 * Deliberately NOT in the workload: a 4-byte ENUM/SET member in a table that exists at backup
 * time. SHOW CREATE TABLE renders such members as '?', so every logical dump (pitr's included,
 * which only warns, issue 3) loses them; `oracle_d.moods` is created after the backup, through the
 * binlog, where the statement text keeps the real characters. A non-transactional change inside a
 * transaction after transactional ones is also left out: it is visible on the source at once but
 * logged with the transaction's commit, so no binlog replay can match the source in between.
 *
 * Sessions here come from mysql2, which connects with CLIENT_IGNORE_SPACE: their sql_mode has
 * IGNORE_SPACE (visible in the Query events' sql_mode, 1411383304 vs the server's 1411383296)
 * until a session sets sql_mode itself. A replay must take sql_mode from each event.
 *
 * The values are seeded (mulberry32); UUID(), NOW(6), the background writer's row count and the
 * GTID sequence numbers differ between runs: "deterministic in shape".
 *
 * Server options (ORACLE_SOURCE_OPTIONS; restore targets use ORACLE_TARGET_OPTIONS):
 *   max_binlog_size=64 KiB (several files; large groups make files well past the limit),
 *   binlog_format=ROW, binlog_row_image=FULL and binlog_row_metadata=NO_LOG (MariaDB's defaults:
 *   no column names in Table_map events), binlog_annotate_row_events=ON, checksum CRC32,
 *   gtid_domain_id=7 (never assume domain 0 / server 1), default_time_zone=Europe/Berlin (the
 *   server's local zone is not UTC; mariadb-binlog in the tests runs with yet another TZ).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { fingerprintServer, type Fingerprint, type TableFingerprint } from '../fingerprint.js';
import { referenceDump, type DumpCoordinates } from '../reference-restore.js';
import { startServer, type ServerOptions, type TestServer } from '../server.js';

/** The databases the workload writes, in fingerprint order. `oracle_d` is created in phase 8. */
export const ORACLE_DATABASES = ['oracle_a', 'oracle_b', 'oracle_c', 'oracle_d'] as const;

/** The source server's options (see the file comment). */
export const ORACLE_SOURCE_OPTIONS: Readonly<ServerOptions> = Object.freeze({
  binlog: true,
  binlogFormat: 'ROW',
  binlogRowImage: 'FULL',
  // Unset = the server default, NO_LOG on 10.11: spelled out for readers, same effect.
  binlogRowMetadata: 'NO_LOG',
  binlogAnnotateRowEvents: true,
  checksum: 'CRC32',
  maxBinlogSize: 64 * 1024,
  gtidDomainId: 7,
  timeZone: 'Europe/Berlin',
} satisfies ServerOptions);

/** Restore targets: the source's settings (a restore must not depend on different ones). */
export const ORACLE_TARGET_OPTIONS: Readonly<ServerOptions> = Object.freeze({ ...ORACLE_SOURCE_OPTIONS });

/** The zone the tests give mariadb-binlog (TZ) and time targets: not UTC, not the server's, no DST. */
export const ORACLE_TARGET_TZ = 'Asia/Kolkata';

export interface BinlogCoordinates {
  /** Binlog file basename, e.g. 'mariadb-bin.000004'. */
  readonly file: string;
  readonly pos: number;
}

export interface RecordedPhase {
  /** 0-based phase number. */
  readonly phase: number;
  readonly name: string;
  /** What the phase exercises (for reports and for reading a failure). */
  readonly covers: readonly string[];
  /**
   * UTC epoch second at or after the phase's last commit and before the next phase's first: a
   * time target of this second (inclusive) is exactly "after this phase".
   */
  readonly lastCommitSecond: number;
  /** @@gtid_binlog_pos after the phase (one GTID per domain). */
  readonly gtidPos: string;
  /** GTID of the phase's last transaction (its phase_marker update). */
  readonly lastGtid: string;
  /** SHOW MASTER STATUS after the phase: the end of its last group. */
  readonly binlog: BinlogCoordinates;
  readonly fingerprint: Fingerprint;
}

export interface RecordedDisaster {
  /** GTID of the first disaster transaction (`DELETE FROM oracle_a.accounts`). */
  readonly firstGtid: string;
  /** Where its group starts (= the stop position that keeps everything before it). */
  readonly start: BinlogCoordinates;
  /** Commit second of the first disaster transaction (strictly after the previous phase's second). */
  readonly second: number;
  /** The statements of the disaster. */
  readonly statements: readonly string[];
  /** State just before the disaster (equal to the last phase's fingerprint). */
  readonly fingerprintBefore: Fingerprint;
  /** State after it (= a restore to `latest`). */
  readonly fingerprintAfter: Fingerprint;
  /** @@gtid_binlog_pos and SHOW MASTER STATUS at the very end. */
  readonly endGtidPos: string;
  readonly end: BinlogCoordinates;
}

export interface OracleRecording {
  readonly seed: number;
  /** Phases 0..9 in order (phase 0 = setup + backup). */
  readonly phases: readonly RecordedPhase[];
  readonly disaster: RecordedDisaster;
}

export interface OracleWorkloadOptions {
  /** PRNG seed. Default 0x0rac1e-ish constant. */
  seed?: number;
  /** Rows of the large transaction. Default 2000. */
  bulkRows?: number;
  /**
   * Takes the base backup(s). Called after the setup, while a background writer commits, before
   * phase 1 (its commits belong to phase 0).
   */
  backup: (server: TestServer) => Promise<void>;
  /** Called with each phase's record as soon as it is taken. */
  onPhase?: (phase: RecordedPhase) => void | Promise<void>;
}

/** Raw SQL for mysql2's placeholder expansion (it calls toSqlString instead of quoting). */
function raw(sql: string): { toSqlString(): string } {
  return { toSqlString: () => sql };
}

/** Deterministic 32-bit PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function patternBytes(n: number, salt: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + salt * 7 + (i >> 8)) & 0xff;
  return b;
}

/** A utf8mb4 text of exactly `bytes` bytes mixing 1- to 4-byte characters, quotes and backslashes. */
function mixedText(bytes: number, salt: number): string {
  const pieces = ['a', 'é', '€', '😀', String.fromCharCode(65 + (salt % 26)), ' ', '\\', "'", '"', '\n'];
  let out = '';
  let used = 0;
  for (let i = salt; used < bytes; i++) {
    let p = pieces[i % pieces.length]!;
    if (used + Buffer.byteLength(p) > bytes) p = 'x'.repeat(bytes - used);
    out += p;
    used += Buffer.byteLength(p);
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function rows<T = Record<string, unknown>>(conn: Connection, sql: string, values?: unknown[]): Promise<T[]> {
  const [r] = await conn.query(sql, values);
  return r as T[];
}

async function masterStatus(conn: Connection): Promise<BinlogCoordinates> {
  const [s] = await rows<{ File: string; Position: number | string }>(conn, 'SHOW MASTER STATUS');
  if (!s) throw new Error('SHOW MASTER STATUS returned nothing: is the binlog on?');
  return { file: s.File, pos: Number(s.Position) };
}

// ---------------------------------------------------------------------------------------------
// Schema and data present at backup time

const SETUP_SQL = [
  'CREATE DATABASE oracle_a CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci',
  // latin1 by default: unqualified text columns there are latin1.
  'CREATE DATABASE oracle_b CHARACTER SET latin1 COLLATE latin1_swedish_ci',
  'CREATE DATABASE oracle_c CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
  `CREATE TABLE oracle_a.phase_marker (id TINYINT PRIMARY KEY, phase INT NOT NULL, name VARCHAR(40) NOT NULL, at DATETIME(6) NOT NULL)`,
  `CREATE TABLE oracle_a.types (
     id INT PRIMARY KEY,
     ti TINYINT NULL, tiu TINYINT UNSIGNED NULL, si SMALLINT NULL, mi MEDIUMINT UNSIGNED NULL,
     i INT NULL, bi BIGINT NULL, biu BIGINT UNSIGNED NULL, zf INT(6) UNSIGNED ZEROFILL NULL,
     dec65 DECIMAL(65,30) NULL, dec10 DECIMAL(10,2) UNSIGNED NULL,
     f FLOAT NULL, d DOUBLE NULL,
     b1 BIT(1) NULL, b64 BIT(64) NULL,
     y YEAR NULL, dt DATE NULL, t6 TIME(6) NULL, dt0 DATETIME NULL, dt6 DATETIME(6) NULL,
     ts3 TIMESTAMP(3) NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL,
     c CHAR(10) NULL, vc VARCHAR(300) NULL, vl VARCHAR(100) CHARACTER SET latin1 NULL,
     bin BINARY(8) NULL, vb VARBINARY(200) NULL,
     tt TINYTEXT NULL, tx TEXT NULL, mt MEDIUMTEXT NULL, tb TINYBLOB NULL, lb LONGBLOB NULL,
     j JSON NULL, e ENUM('small','medium','large') NULL, st SET('r','g','b') NULL,
     g GEOMETRY NULL, pt POINT REF_SYSTEM_ID=4326 NULL,
     u UUID NULL, i4 INET4 NULL, i6 INET6 NULL
   )`,
  // Full-precision FLOATs present at backup time and never touched again (see reference-restore.ts).
  'CREATE TABLE oracle_a.dump_floats (id INT PRIMARY KEY, f FLOAT NOT NULL, d DOUBLE NOT NULL)',
  `CREATE TABLE oracle_a.accounts (
     id INT AUTO_INCREMENT PRIMARY KEY, owner VARCHAR(60) NOT NULL, balance DECIMAL(12,2) NOT NULL DEFAULT 0,
     created_at DATETIME(6) NOT NULL, token UUID NULL, KEY k_owner (owner)
   )`,
  `CREATE TABLE oracle_a.audit (
     id INT AUTO_INCREMENT PRIMARY KEY, account_id INT NULL, action VARCHAR(60) NOT NULL,
     old_balance DECIMAL(12,2) NULL, new_balance DECIMAL(12,2) NULL
   )`,
  `CREATE TRIGGER oracle_a.accounts_ai AFTER INSERT ON oracle_a.accounts FOR EACH ROW
     INSERT INTO oracle_a.audit (account_id, action, old_balance, new_balance) VALUES (NEW.id, 'insert', NULL, NEW.balance)`,
  `CREATE TRIGGER oracle_a.accounts_au AFTER UPDATE ON oracle_a.accounts FOR EACH ROW
     INSERT INTO oracle_a.audit (account_id, action, old_balance, new_balance) VALUES (NEW.id, 'update', OLD.balance, NEW.balance)`,
  `CREATE TRIGGER oracle_a.accounts_ad AFTER DELETE ON oracle_a.accounts FOR EACH ROW
     INSERT INTO oracle_a.audit (account_id, action, old_balance, new_balance) VALUES (OLD.id, 'delete', OLD.balance, NULL)`,
  // Only an AFTER INSERT trigger: REPLACE on a duplicate key becomes an update (BINLOG-NOTES "REPLACE").
  'CREATE TABLE oracle_a.kv (k INT PRIMARY KEY, v VARCHAR(40) NOT NULL, n INT NOT NULL DEFAULT 0)',
  `CREATE TRIGGER oracle_a.kv_ai AFTER INSERT ON oracle_a.kv FOR EACH ROW
     INSERT INTO oracle_a.audit (account_id, action, new_balance) VALUES (NEW.k, CONCAT('kv insert ', NEW.v), NEW.n)`,
  'CREATE TABLE oracle_a.parent (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)',
  `CREATE TABLE oracle_a.child_cascade (
     id INT PRIMARY KEY, parent_id INT NULL, note VARCHAR(40) NULL, KEY k_parent (parent_id),
     CONSTRAINT fk_cc FOREIGN KEY (parent_id) REFERENCES oracle_a.parent (id) ON DELETE CASCADE ON UPDATE CASCADE
   )`,
  `CREATE TABLE oracle_a.child_setnull (
     id INT PRIMARY KEY, parent_id INT NULL, note VARCHAR(40) NULL, KEY k_parent (parent_id),
     CONSTRAINT fk_cs FOREIGN KEY (parent_id) REFERENCES oracle_a.parent (id) ON DELETE SET NULL ON UPDATE CASCADE
   )`,
  `CREATE TABLE oracle_b.child_xdb (
     id INT PRIMARY KEY, parent_id INT NULL, note VARCHAR(40) NULL, KEY k_parent (parent_id),
     CONSTRAINT fk_xdb FOREIGN KEY (parent_id) REFERENCES oracle_a.parent (id) ON DELETE CASCADE ON UPDATE CASCADE
   )`,
  `CREATE TABLE oracle_a.gen (
     id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(30) NOT NULL,
     v_sum INT AS (a * 2) VIRTUAL, s_txt VARCHAR(64) AS (CONCAT(b, ':', a)) STORED,
     v_up VARCHAR(30) AS (UPPER(b)) VIRTUAL,
     KEY k_s (s_txt), KEY k_v (v_sum)
   )`,
  'CREATE TABLE oracle_a.nopk (a INT NULL, b VARCHAR(20) NULL, c DATETIME(3) NULL)',
  `CREATE TABLE oracle_a.bulk (
     id INT AUTO_INCREMENT PRIMARY KEY, k BIGINT NOT NULL, amount DECIMAL(12,2) NOT NULL,
     label VARCHAR(64) NOT NULL, payload VARBINARY(64) NULL, at DATETIME(6) NOT NULL
   )`,
  'CREATE TABLE oracle_a.nontx (id INT PRIMARY KEY, note VARCHAR(60) NOT NULL) ENGINE=Aria',
  'CREATE TABLE oracle_b.nontx_m (id INT PRIMARY KEY, note VARCHAR(60) NOT NULL) ENGINE=MyISAM',
  'CREATE TABLE oracle_a.sp_t (id INT PRIMARY KEY, note VARCHAR(40) NOT NULL)',
  'CREATE TABLE oracle_a.longtx (id INT PRIMARY KEY, note VARCHAR(40) NOT NULL, at DATETIME(6) NOT NULL)',
  'CREATE SEQUENCE oracle_a.seq START WITH 1 INCREMENT BY 1 CACHE 5',
  'CREATE TABLE oracle_a.orders (id BIGINT PRIMARY KEY, account_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL)',
  `CREATE TABLE oracle_b.ledger (
     id INT AUTO_INCREMENT PRIMARY KEY, account_id INT NOT NULL, memo VARCHAR(80) NOT NULL,
     memo_utf8 VARCHAR(80) CHARACTER SET utf8mb4 NULL, amount DECIMAL(12,2) NOT NULL
   )`,
  'CREATE TABLE oracle_a.during_backup (id INT AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL, at DATETIME(6) NOT NULL)',
  'CREATE TABLE oracle_a.truncate_me (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20) NOT NULL)',
  'CREATE TABLE oracle_a.to_move (id INT PRIMARY KEY, label VARCHAR(30) NOT NULL)',
  'CREATE TABLE oracle_a.drop_me (id INT PRIMARY KEY)',
  'CREATE TABLE oracle_a.recreated (id INT PRIMARY KEY, x INT NOT NULL)',
  'CREATE TABLE oracle_c.notes (id INT PRIMARY KEY, body TEXT NOT NULL)',
  `CREATE FUNCTION oracle_a.tax(x DECIMAL(12,2)) RETURNS DECIMAL(12,2) DETERMINISTIC RETURN ROUND(x * 0.19, 2)`,
  `CREATE VIEW oracle_a.v_balances AS SELECT id, owner, balance, oracle_a.tax(balance) AS tax FROM oracle_a.accounts`,
  `CREATE EVENT oracle_a.ev_nightly ON SCHEDULE EVERY 1 DAY STARTS '2035-01-01 00:00:00' ON COMPLETION PRESERVE DISABLE
     COMMENT 'never runs' DO DELETE FROM oracle_a.audit WHERE id < 0`,
];

/** FLOATs that survive mariadb-dump's 6 significant digits, for rows present at backup time. */
const DUMP_SAFE_FLOATS = ['0', '0.5', '-1.25', '100', '3.5'];
/** FLOATs that do not (a full 24-bit mantissa): written after the backup they travel bit-exact. */
const FULL_FLOATS = ['1.1754943508e-38', '3.4028234e38', '16777217', '0.1', '3.14159274', '-2.7182817', '1.401298464e-45'];

const TYPE_COLUMNS = [
  'id', 'ti', 'tiu', 'si', 'mi', 'i', 'bi', 'biu', 'zf', 'dec65', 'dec10', 'f', 'd', 'b1', 'b64', 'y', 'dt', 't6', 'dt0', 'dt6',
  'ts3', 'ts6', 'c', 'vc', 'vl', 'bin', 'vb', 'tt', 'tx', 'mt', 'tb', 'lb', 'j', 'e', 'st', 'g', 'pt', 'u', 'i4', 'i6',
];

const geom = (wkt: string, srid = 0): unknown => raw(`ST_GeomFromText('${wkt}', ${srid})`);

/** One `types` row; `big` > 0 adds values of that many bytes to the TEXT/BLOB columns. */
function typeRow(id: number, rand: () => number, floatText: string, big: number): unknown[] {
  const r = (): number => rand();
  const n = Math.floor(r() * 1e9);
  return [
    id,
    Math.floor(r() * 256) - 128,
    Math.floor(r() * 256),
    Math.floor(r() * 65536) - 32768,
    Math.floor(r() * 16777216),
    n - 500_000_000,
    raw(id % 2 === 0 ? '-9223372036854775808' : '9223372036854775807'),
    raw(id % 3 === 0 ? '18446744073709551615' : String(n)),
    id * 7,
    raw(`${id % 2 === 0 ? '-' : ''}${'9'.repeat(35)}.${String(n).padStart(30, '0')}`),
    raw((r() * 1e7).toFixed(2)),
    raw(floatText),
    raw(id % 2 === 0 ? '2.2250738585072014e-308' : String(r() * 1e300)),
    raw(`b'${id % 2}'`),
    raw(`x'${(BigInt(n) * 0x9e3779b97f4a7c15n & 0xffffffffffffffffn).toString(16).padStart(16, '0')}'`),
    id % 5 === 0 ? raw('0') : 1901 + (n % 255),
    id % 5 === 0 ? '0000-00-00' : `${1000 + (n % 9000)}-0${1 + (n % 9)}-${10 + (n % 18)}`,
    `${id % 2 === 0 ? '-' : ''}${n % 839}:${String(n % 60).padStart(2, '0')}:59.${String(n % 1_000_000).padStart(6, '0')}`,
    id % 5 === 0 ? '0000-00-00 00:00:00' : '9999-12-31 23:59:59',
    `2026-05-25 14:30:${String(n % 60).padStart(2, '0')}.${String(n % 1_000_000).padStart(6, '0')}`,
    '2038-01-18 03:14:07.999',
    // Written in the session's time zone (the server's Europe/Berlin, or America/New_York for some
    // rows): 2026-10-25 02:30 happens twice in Berlin (DST ends), the server picks one.
    `2026-10-25 0${1 + (id % 3)}:30:00.${String(n % 1_000_000).padStart(6, '0')}`,
    id % 4 === 0 ? '' : `c${id} 😀`,
    `vc ${id} 'quoted' \\ "dq" ${'é😀€'.repeat(id % 50)}`,
    `latin1 ${id}: café Ørsted ÿ ß`,
    patternBytes(8, id),
    patternBytes(id % 200, id),
    '😀'.repeat(id % 60),
    big > 0 ? mixedText(Math.min(big, 65535), id) : `text ${id}\n\ttab`,
    big > 0 ? mixedText(big, id + 1) : 'm',
    Buffer.from([0, id & 0xff, 0xff]),
    big > 0 ? patternBytes(big + id, id) : Buffer.alloc(0),
    JSON.stringify({ id, nested: { a: [1, -2.5, null, true], s: `é😀 "q" ${id}` }, big: 18446744073709551615n.toString() }),
    ['small', 'medium', 'large'][id % 3],
    ['', 'r', 'r,g', 'g,b', 'r,g,b'][id % 5],
    id % 2 === 0 ? geom('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))') : geom(`POINT(${id} -${id}.5)`),
    geom(`POINT(${(id % 180) - 90}.25 ${(id % 90) - 45}.5)`, 4326),
    raw('UUID()'),
    `10.${id % 256}.0.${n % 256}`,
    `2001:db8::${(n % 65536).toString(16)}`,
  ];
}

interface Ctx {
  server: TestServer;
  /** Main connection: most statements, and the phase marker. */
  a: Connection;
  /** The long transaction's connection. */
  b: Connection;
  /** Sessions with special settings (foreign_key_checks=0, sql_mode, time_zone, gtid_domain_id). */
  c: Connection;
  rand: () => number;
  bulkRows: number;
}

async function insertRows(conn: Connection, table: string, columns: readonly string[], values: unknown[][]): Promise<void> {
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  await conn.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.map(() => tuple).join(', ')}`, values.flat());
}

async function setup(ctx: Ctx): Promise<void> {
  const { a, rand } = ctx;
  for (const sql of SETUP_SQL) await a.query(sql);
  await insertRows(a, 'oracle_a.types', TYPE_COLUMNS, [1, 2, 3, 4, 5].map((id) => typeRow(id, rand, DUMP_SAFE_FLOATS[id - 1]!, id === 2 ? 70_000 : 0)));
  await insertRows(a, 'oracle_a.dump_floats', ['id', 'f', 'd'], FULL_FLOATS.map((f, i) => [i + 1, raw(f), raw(f)]));
  for (let i = 1; i <= 6; i++) {
    await a.query('INSERT INTO oracle_a.accounts (owner, balance, created_at, token) VALUES (?, ?, NOW(6), UUID())', [
      `owner ${i} ${'😀'.repeat(i % 3)}`,
      (i * 1000.25).toFixed(2),
    ]);
  }
  await insertRows(a, 'oracle_a.kv', ['k', 'v', 'n'], [[1, 'one', 1], [2, 'two', 2], [3, 'three', 3]]);
  await insertRows(a, 'oracle_a.parent', ['id', 'name'], [1, 2, 3, 4, 5, 6].map((i) => [i, `p${i}`]));
  const children = (p: number[]): unknown[][] => p.flatMap((pid) => [[pid * 10 + 1, pid, `c${pid}a`], [pid * 10 + 2, pid, `c${pid}b`]]);
  await insertRows(a, 'oracle_a.child_cascade', ['id', 'parent_id', 'note'], children([1, 2, 3, 4, 5]));
  await insertRows(a, 'oracle_a.child_setnull', ['id', 'parent_id', 'note'], children([1, 2, 3, 5]));
  await insertRows(a, 'oracle_b.child_xdb', ['id', 'parent_id', 'note'], children([1, 3]));
  await insertRows(a, 'oracle_a.gen', ['id', 'a', 'b'], [[1, 1, 'one'], [2, 2, 'two 😀'], [3, -3, '']]);
  await insertRows(a, 'oracle_a.nopk', ['a', 'b', 'c'], [[1, 'dup', '2026-05-25 10:00:00.001'], [1, 'dup', '2026-05-25 10:00:00.001'], [2, null, null]]);
  await insertRows(a, 'oracle_a.nontx', ['id', 'note'], [[1, 'aria at backup']]);
  await insertRows(a, 'oracle_b.nontx_m', ['id', 'note'], [[1, 'myisam at backup']]);
  await a.query('INSERT INTO oracle_a.orders (id, account_id, amount) VALUES (NEXTVAL(oracle_a.seq), 1, 10), (NEXTVAL(oracle_a.seq), 2, 20)');
  await insertRows(a, 'oracle_b.ledger', ['account_id', 'memo', 'memo_utf8', 'amount'], [[1, 'opening café', 'opening 😀', '0.00']]);
  await insertRows(a, 'oracle_a.truncate_me', ['v'], [['t1'], ['t2'], ['t3']]);
  await insertRows(a, 'oracle_a.to_move', ['id', 'label'], [[1, 'before rename']]);
  await insertRows(a, 'oracle_a.drop_me', ['id'], [[1], [2]]);
  await insertRows(a, 'oracle_a.recreated', ['id', 'x'], [[1, 100]]);
  await insertRows(a, 'oracle_c.notes', ['id', 'body'], [[1, 'note one']]);
  await a.query("INSERT INTO oracle_a.phase_marker VALUES (1, 0, 'setup', NOW(6))");
}

// ---------------------------------------------------------------------------------------------
// Phases

interface PhaseDef {
  name: string;
  covers: string[];
  run: (ctx: Ctx) => Promise<void>;
}

const PHASES: PhaseDef[] = [
  {
    name: 'types',
    covers: [
      'all column types with edge values (ints, DECIMAL(65,30), full-precision FLOAT/DOUBLE, BIT, YEAR/DATE/TIME/DATETIME/TIMESTAMP with fractions, CHAR/VARCHAR utf8mb4+latin1, BINARY/VARBINARY, TEXT/BLOB > 64 KiB, JSON, ENUM/SET, GEOMETRY with SRID, UUID/INET4/INET6)',
      'TIMESTAMP written in session time_zone America/New_York',
      'UUID()/NOW(6) values',
      'UPDATE and DELETE of typed rows',
      'groups larger than max_binlog_size',
    ],
    async run({ a, c, rand }) {
      await insertRows(a, 'oracle_a.types', TYPE_COLUMNS, [10, 11, 12].map((id, i) => typeRow(id, rand, FULL_FLOATS[i]!, id === 11 ? 80_000 : 0)));
      await c.query("SET SESSION time_zone = 'America/New_York'");
      await insertRows(c, 'oracle_a.types', TYPE_COLUMNS, [13, 14].map((id, i) => typeRow(id, rand, FULL_FLOATS[i + 3]!, 0)));
      await c.query("UPDATE oracle_a.types SET ts3 = '2026-11-01 01:30:00.5', ts6 = NOW(6) WHERE id IN (1, 13)");
      // TIMESTAMP extremes are UTC instants.
      await c.query("SET SESSION time_zone = '+00:00'");
      await c.query("UPDATE oracle_a.types SET ts3 = '2038-01-19 03:14:07.999', ts6 = '1970-01-01 00:00:01.000001' WHERE id = 10");
      await c.query('SET SESSION time_zone = DEFAULT');
      await a.query(
        `UPDATE oracle_a.types SET f = 1.401298464e-45, d = -0.0, b64 = x'FFFFFFFFFFFFFFFF', vc = CONCAT(vc, ' ✓'),
           j = JSON_SET(j, '$.edited', 1), st = 'r,b', u = NULL, i6 = '::ffff:1.2.3.4' WHERE id IN (3, 10)`,
      );
      await a.query("UPDATE oracle_a.types SET lb = REPEAT(x'00FF', 40000), mt = NULL WHERE id = 2");
      await a.query('DELETE FROM oracle_a.types WHERE id IN (4, 12)');
      await a.query('INSERT INTO oracle_a.accounts (owner, balance, created_at, token) VALUES (?, 77.70, NOW(6), UUID()), (?, 0.01, NOW(6), UUID())', [
        'zoë 😀🚀',
        'naïve café',
      ]);
      await a.query("INSERT INTO oracle_b.ledger (account_id, memo, memo_utf8, amount) VALUES (2, 'Ørsted ÿ é', '中文 😀', -12.5)");
    },
  },
  {
    name: 'bulk',
    covers: [
      'a 2,000-row transaction (multi-row INSERTs, then an UPDATE of every row) in one group',
      'a rolled-back InnoDB transaction (no trace; consumes AUTO_INCREMENT ids)',
      'a rolled-back transaction that changed an Aria table (the Aria change is logged and kept)',
      'sql_mode NO_AUTO_VALUE_ON_ZERO inserting id 0 into an AUTO_INCREMENT column',
    ],
    async run({ a, c, rand, bulkRows }) {
      await a.query('START TRANSACTION');
      for (let start = 0; start < bulkRows; start += 250) {
        const batch: unknown[][] = [];
        for (let i = start; i < Math.min(start + 250, bulkRows); i++) {
          batch.push([
            raw(String(Math.floor(rand() * 2 ** 52) - 2 ** 51)),
            raw((Math.floor(rand() * 2e8) / 100 - 1e6).toFixed(2)),
            `row ${i + 1} ${'é😀'.repeat(i % 7)}`,
            i % 5 === 0 ? null : patternBytes(i % 64, i),
            `2026-05-25 ${String(Math.floor(i / 3600) % 24).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String((i * 7919) % 1_000_000).padStart(6, '0')}`,
          ]);
        }
        await insertRows(a, 'oracle_a.bulk', ['k', 'amount', 'label', 'payload', 'at'], batch);
      }
      await a.query("UPDATE oracle_a.bulk SET amount = amount + 0.01, label = CONCAT(label, '+')");
      await a.query('DELETE FROM oracle_a.bulk WHERE id % 7 = 0');
      await a.query('COMMIT');

      await a.query('START TRANSACTION');
      await a.query("INSERT INTO oracle_a.accounts (owner, balance, created_at) VALUES ('rolled back 1', 1, NOW(6)), ('rolled back 2', 2, NOW(6))");
      await a.query('DELETE FROM oracle_a.bulk');
      await a.query('ROLLBACK');

      await a.query('START TRANSACTION');
      await a.query("INSERT INTO oracle_a.sp_t VALUES (100, 'rolled back innodb')");
      await a.query("INSERT INTO oracle_a.nontx VALUES (100, 'aria change inside a rolled-back transaction')");
      await a.query('ROLLBACK');

      await c.query("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO')");
      await c.query("INSERT INTO oracle_a.bulk (id, k, amount, label, at) VALUES (0, 0, 0, 'id zero', '2026-01-01 00:00:00')");
      await c.query('SET SESSION sql_mode = DEFAULT');
      await a.query("INSERT INTO oracle_a.bulk (k, amount, label, at) VALUES (1, 1, 'after zero', NOW(6)), (2, 2, 'after zero', NOW(6))");
    },
  },
  {
    name: 'relations',
    covers: [
      'a transaction spanning oracle_a and oracle_b',
      'ON DELETE CASCADE (also into another database), ON UPDATE CASCADE, ON DELETE SET NULL (children not logged)',
      'a foreign_key_checks=0 session inserting orphans and deleting a parent without cascading',
    ],
    async run({ a, c }) {
      await a.query('START TRANSACTION');
      await a.query('UPDATE oracle_a.accounts SET balance = balance - 10 WHERE id = 1');
      await a.query("INSERT INTO oracle_b.ledger (account_id, memo, memo_utf8, amount) VALUES (1, 'transfer out', 'überweisung ➜', -10)");
      await a.query('UPDATE oracle_a.accounts SET balance = balance + 10 WHERE id = 2');
      await a.query('COMMIT');

      await a.query('DELETE FROM oracle_a.parent WHERE id IN (1, 2)');
      await a.query('UPDATE oracle_a.parent SET id = 103 WHERE id = 3');
      await a.query("UPDATE oracle_a.parent SET name = 'renamed' WHERE id = 5");

      await c.query('SET SESSION foreign_key_checks = 0');
      await c.query("INSERT INTO oracle_a.child_cascade (id, parent_id, note) VALUES (901, 999, 'orphan'), (902, 998, 'orphan')");
      await c.query("INSERT INTO oracle_a.child_setnull (id, parent_id, note) VALUES (903, 997, 'orphan')");
      // No cascade with checks off: children of 4 stay, now orphans.
      await c.query('DELETE FROM oracle_a.parent WHERE id = 4');
      await c.query('SET SESSION foreign_key_checks = 1');
      await a.query("INSERT INTO oracle_a.parent VALUES (7, 'p7'), (8, 'p8')");
      await a.query("INSERT INTO oracle_a.child_cascade VALUES (71, 7, 'c7a')");
      await a.query("INSERT INTO oracle_b.child_xdb VALUES (81, 8, 'c8a')");
    },
  },
  {
    name: 'triggers',
    covers: [
      'AFTER INSERT/UPDATE/DELETE audit triggers writing another table (their rows are logged; replay must not fire them)',
      'REPLACE on an existing key with only an AFTER INSERT trigger (logged as Update_rows) and on a table with a DELETE trigger',
      'INSERT … ON DUPLICATE KEY UPDATE',
      'generated columns VIRTUAL and STORED, indexed',
      'a table without a primary key: duplicates, DELETE … LIMIT 1',
    ],
    async run({ a }) {
      await a.query("INSERT INTO oracle_a.accounts (owner, balance, created_at) VALUES ('trigger 1', 5, NOW(6)), ('trigger 2', 6, NOW(6))");
      await a.query('UPDATE oracle_a.accounts SET balance = balance * 2 WHERE id <= 3');
      await a.query('DELETE FROM oracle_a.accounts WHERE id = 6');
      await a.query("REPLACE INTO oracle_a.kv (k, v, n) VALUES (1, 'one replaced', 10), (4, 'four', 4)");
      await a.query("INSERT INTO oracle_a.kv (k, v, n) VALUES (2, 'two', 1), (5, 'five', 5) ON DUPLICATE KEY UPDATE n = n + VALUES(n), v = CONCAT(v, '!')");
      await a.query("REPLACE INTO oracle_a.accounts (id, owner, balance, created_at) VALUES (2, 'replaced owner', 42, '2026-01-01 00:00:00')");
      await a.query("INSERT INTO oracle_a.gen (id, a, b) VALUES (4, 40, 'forty'), (5, -5, 'neg 😀')");
      await a.query("UPDATE oracle_a.gen SET a = a + 100, b = CONCAT(b, '+') WHERE id IN (1, 4)");
      await a.query('DELETE FROM oracle_a.gen WHERE id = 3');
      await a.query("INSERT INTO oracle_a.nopk VALUES (1, 'dup', '2026-05-25 10:00:00.001'), (3, 'three', NOW(3))");
      await a.query('DELETE FROM oracle_a.nopk WHERE a = 1 LIMIT 1');
      await a.query("UPDATE oracle_a.nopk SET b = 'was dup' WHERE a = 1");
    },
  },
  {
    name: 'savepoints',
    covers: [
      'SAVEPOINT / ROLLBACK TO after an Aria change (rolled-back InnoDB rows stay in the binlog, then ROLLBACK TO)',
      'SAVEPOINT / ROLLBACK TO with only InnoDB changes',
      'a MyISAM change as the first statement of a transaction',
      'a SEQUENCE with NEXTVAL refilling its cache (CACHE 5) several times; a sequence created after the backup',
      'a second GTID domain (session gtid_domain_id=11) interleaved with domain 7',
    ],
    async run({ a, c }) {
      await a.query('START TRANSACTION');
      await a.query("INSERT INTO oracle_a.sp_t VALUES (1, 'kept before savepoint')");
      await a.query('SAVEPOINT sp1');
      await a.query("INSERT INTO oracle_a.sp_t VALUES (2, 'rolled back to sp1')");
      await a.query("UPDATE oracle_a.sp_t SET note = 'changed then rolled back' WHERE id = 1");
      await a.query("INSERT INTO oracle_a.nontx VALUES (2, 'aria after savepoint (kept)')");
      await a.query('ROLLBACK TO SAVEPOINT sp1');
      await a.query("INSERT INTO oracle_a.sp_t VALUES (3, 'after rollback to sp1')");
      await a.query('COMMIT');

      await a.query('START TRANSACTION');
      await a.query("INSERT INTO oracle_a.sp_t VALUES (4, 'kept')");
      await a.query('SAVEPOINT sp2');
      await a.query("INSERT INTO oracle_a.sp_t VALUES (5, 'rolled back to sp2')");
      await a.query('ROLLBACK TO sp2');
      await a.query('COMMIT');

      // A MyISAM change as a transaction's first statement is logged at once, in its own group.
      await a.query('START TRANSACTION');
      await a.query("INSERT INTO oracle_b.nontx_m VALUES (3, 'first statement of a transaction')");
      await a.query("INSERT INTO oracle_a.sp_t VALUES (9, 'after a MyISAM change')");
      await a.query('COMMIT');

      for (let i = 0; i < 13; i++) {
        await a.query('INSERT INTO oracle_a.orders (id, account_id, amount) VALUES (NEXTVAL(oracle_a.seq), ?, ?)', [1 + (i % 3), (i * 1.5).toFixed(2)]);
      }
      // NEXTVAL outside any table write: the cache refill is the only thing logged.
      for (let i = 0; i < 6; i++) await a.query('SELECT NEXTVAL(oracle_a.seq)');
      await a.query('CREATE SEQUENCE oracle_a.seq2 START WITH 100 INCREMENT BY 10 CACHE 2');
      await a.query('INSERT INTO oracle_a.orders (id, account_id, amount) VALUES (NEXTVAL(oracle_a.seq2), 9, 1), (NEXTVAL(oracle_a.seq2), 9, 2), (NEXTVAL(oracle_a.seq2), 9, 3)');

      await c.query('SET SESSION gtid_domain_id = 11');
      await c.query("INSERT INTO oracle_c.notes VALUES (2, 'domain 11')");
      await a.query("INSERT INTO oracle_c.notes VALUES (3, 'domain 7 between')");
      await c.query("UPDATE oracle_c.notes SET body = CONCAT(body, ' (edited in domain 11)') WHERE id = 1");
      await c.query('SET SESSION gtid_domain_id = DEFAULT');
    },
  },
  {
    name: 'long-begin',
    covers: ['a transaction begun and written on connection B in this phase but committed in the next (NOT part of this state)'],
    async run({ a, b }) {
      await b.query('START TRANSACTION');
      await b.query("INSERT INTO oracle_a.longtx VALUES (1, 'long tx first statement', NOW(6)), (2, 'long tx', NOW(6))");
      await a.query("INSERT INTO oracle_a.sp_t VALUES (6, 'committed while B is open')");
      await a.query("UPDATE oracle_a.kv SET n = n + 1 WHERE k = 3");
    },
  },
  {
    name: 'long-commit',
    covers: ['the long transaction commits here: commit time in this phase, first statement times in the previous one'],
    async run({ a, b }) {
      await a.query("INSERT INTO oracle_a.sp_t VALUES (7, 'before B commits')");
      await b.query("UPDATE oracle_a.longtx SET note = 'long tx, updated before commit' WHERE id = 2");
      await b.query('COMMIT');
      await a.query("INSERT INTO oracle_a.sp_t VALUES (8, 'after B commits')");
    },
  },
  {
    name: 'ddl',
    covers: [
      'ALTER TABLE ADD COLUMN / DROP COLUMN followed by rows in the new layout',
      'CREATE TABLE, DROP TABLE, TRUNCATE TABLE, CREATE TABLE … SELECT',
      'RENAME TABLE across databases (oracle_a.to_move → oracle_c.moved) and within one',
      'DROP + CREATE of the same name with another definition',
      'DDL with a default database different from the table database (USE oracle_b)',
      'CREATE DATABASE; a 4-byte ENUM member',
      'a BEFORE INSERT trigger that doubles a value; a procedure; a view under sql_mode ANSI_QUOTES; an ENABLEd event (logged with the session time_zone)',
    ],
    async run({ a, c }) {
      await a.query('ALTER TABLE oracle_a.accounts ADD COLUMN tier TINYINT NOT NULL DEFAULT 1 AFTER owner');
      await a.query('UPDATE oracle_a.accounts SET tier = 2 WHERE id % 2 = 0');
      await a.query('ALTER TABLE oracle_a.types DROP COLUMN tb, ADD COLUMN added_late VARCHAR(10) NULL DEFAULT \'late\'');
      await insertRows(
        a,
        'oracle_a.types',
        [...TYPE_COLUMNS.filter((col) => col !== 'tb'), 'added_late'],
        [[...typeRow(20, () => 0.25, '-2.7182817', 0).filter((_, i) => TYPE_COLUMNS[i] !== 'tb'), 'x']],
      );
      await a.query('TRUNCATE TABLE oracle_a.truncate_me');
      await a.query("INSERT INTO oracle_a.truncate_me (v) VALUES ('after truncate')");
      await a.query('RENAME TABLE oracle_a.to_move TO oracle_c.moved');
      await a.query('ALTER TABLE oracle_c.moved ADD COLUMN n INT NOT NULL DEFAULT 0');
      await a.query('CREATE TRIGGER oracle_c.moved_bi BEFORE INSERT ON oracle_c.moved FOR EACH ROW SET NEW.n = NEW.n * 2');
      await a.query('DROP TABLE oracle_a.drop_me');
      await a.query('DROP TABLE oracle_a.recreated');
      await a.query('CREATE TABLE oracle_a.recreated (id BIGINT PRIMARY KEY, y VARCHAR(10) NOT NULL, z DATE NULL)');
      await a.query("INSERT INTO oracle_a.recreated VALUES (1, 'new def', '2026-05-25')");
      await a.query('CREATE TABLE oracle_a.summary (PRIMARY KEY (owner)) AS SELECT owner, SUM(balance) AS total, COUNT(*) AS n FROM oracle_a.accounts GROUP BY owner');
      await a.query('CREATE TABLE oracle_a.fresh (id INT AUTO_INCREMENT PRIMARY KEY, v JSON NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))');
      await a.query(`INSERT INTO oracle_a.fresh (v) VALUES ('{"fresh": true}'), ('[1, 2, 3]')`);
      await a.query('RENAME TABLE oracle_a.fresh TO oracle_a.fresh_renamed');
      // Default database oracle_b; tables named in oracle_a and unqualified ones land in oracle_b.
      await c.query('USE oracle_b');
      await c.query('ALTER TABLE oracle_a.kv ADD COLUMN note VARCHAR(20) NULL');
      await c.query("CREATE TABLE t_in_b (id INT PRIMARY KEY, txt VARCHAR(20) NOT NULL) COMMENT 'created with USE oracle_b'");
      await c.query("INSERT INTO t_in_b VALUES (1, 'latin1 é')");
      await c.query("INSERT INTO oracle_a.kv (k, v, n, note) VALUES (6, 'six', 6, 'from oracle_b')");
      await c.query('CREATE DATABASE oracle_d CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
      await c.query("CREATE TABLE oracle_d.moods (id INT PRIMARY KEY, mood ENUM('ok','😀','😡') NOT NULL, s SET('a','🚀') NULL)");
      await c.query("INSERT INTO oracle_d.moods VALUES (1, '😀', '🚀'), (2, 'ok', 'a,🚀'), (3, '😡', '')");
      await c.query("SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')");
      await c.query('CREATE VIEW oracle_a."v_ansi" AS SELECT "k", "v" FROM oracle_a."kv" WHERE "n" > 1');
      await c.query('SET SESSION sql_mode = DEFAULT');
      await c.query('USE oracle_a');
      await a.query(
        `CREATE PROCEDURE oracle_a.bump(IN delta DECIMAL(12,2))
         BEGIN
           UPDATE oracle_a.accounts SET balance = balance + delta WHERE id % 3 = 0;
           INSERT INTO oracle_a.audit (account_id, action) VALUES (NULL, CONCAT('bump ', delta));
         END`,
      );
      await a.query(
        `CREATE EVENT oracle_a.ev_added ON SCHEDULE EVERY 1 HOUR STARTS '2036-06-01 12:00:00' ON COMPLETION PRESERVE ENABLE
           DO UPDATE oracle_a.kv SET n = n + 1`,
      );
      await a.query('ALTER TABLE oracle_a.gen ADD COLUMN v_neg INT AS (-a) VIRTUAL, ADD KEY k_neg (v_neg)');
    },
  },
  {
    name: 'after-ddl',
    covers: [
      'DML on every table changed by the DDL phase (new layouts, renamed and re-created tables)',
      'CALL of a procedure (its statements logged as rows)',
      'INSERT … SELECT from a TEMPORARY table (the temporary table is not logged)',
      'an UPDATE of an orphaned child with foreign key checks on',
      'a transaction over three databases',
    ],
    async run({ a }) {
      await a.query("INSERT INTO oracle_a.accounts (owner, tier, balance, created_at) VALUES ('after ddl', 3, 300, NOW(6))");
      await a.query("INSERT INTO oracle_c.moved (id, label, n) VALUES (2, 'doubled by trigger', 21)");
      await a.query('UPDATE oracle_c.moved SET n = n + 1');
      await a.query("INSERT INTO oracle_a.recreated VALUES (2, 'second', NULL)");
      await a.query("UPDATE oracle_a.types SET added_late = 'set', vl = 'latin1 ÿ' WHERE id IN (1, 20)");
      await a.query('CALL oracle_a.bump(1.5)');
      await a.query("UPDATE oracle_a.child_cascade SET note = 'orphan, edited with checks on' WHERE id = 901");
      await a.query('UPDATE oracle_a.gen SET a = 7 WHERE id = 5');
      await a.query(`INSERT INTO oracle_a.fresh_renamed (v) VALUES ('"after rename"')`);
      // Temporary tables are not logged in ROW format; INSERT … SELECT from one is logged as rows.
      await a.query('CREATE TEMPORARY TABLE oracle_a.tmp_calc (k INT PRIMARY KEY, v VARCHAR(40) NOT NULL)');
      await a.query("INSERT INTO oracle_a.tmp_calc VALUES (20, 'from a temporary table'), (21, 'from a temporary table')");
      await a.query('INSERT INTO oracle_a.kv (k, v, n) SELECT k, v, k FROM oracle_a.tmp_calc');
      await a.query('DROP TEMPORARY TABLE oracle_a.tmp_calc');
      await a.query('START TRANSACTION');
      await a.query("INSERT INTO oracle_b.t_in_b VALUES (2, 'three dbs')");
      await a.query("INSERT INTO oracle_c.notes VALUES (4, 'three dbs')");
      await a.query("UPDATE oracle_d.moods SET mood = 'ok' WHERE id = 3");
      await a.query('COMMIT');
    },
  },
];

const DISASTER = ['DELETE FROM oracle_a.accounts', 'DROP TABLE oracle_a.orders'];

/**
 * Waits until the system clock (shared with the server) is past the start of the second after
 * `second`, so every later statement starts, and commits, at a later whole second.
 */
async function waitForSecondAfter(second: number): Promise<void> {
  const boundaryMs = (second + 1) * 1000;
  for (;;) {
    const left = boundaryMs - Date.now();
    if (left < 0) return;
    await sleep(left + 5);
  }
}

/**
 * Runs the workload on `server` (which must have the binlog on; use ORACLE_SOURCE_OPTIONS) and
 * records every phase. The databases in ORACLE_DATABASES must not exist yet.
 */
export async function runOracleWorkload(server: TestServer, options: OracleWorkloadOptions): Promise<OracleRecording> {
  const seed = options.seed ?? 0x07ac1e;
  const a = await server.connect();
  const b = await server.connect();
  const c = await server.connect();
  const fp = await server.connect();
  const ctx: Ctx = { server, a, b, c, rand: prng(seed), bulkRows: options.bulkRows ?? 2000 };
  const phases: RecordedPhase[] = [];
  const fingerprint = (): Promise<Fingerprint> => fingerprintServer(fp, { databases: ORACLE_DATABASES });

  /** The phase's last commit, then its record; then wait for the next second. */
  const finishPhase = async (phase: number, name: string, covers: readonly string[]): Promise<RecordedPhase> => {
    await a.query('UPDATE oracle_a.phase_marker SET phase = ?, name = ?, at = NOW(6) WHERE id = 1', [phase, name]);
    // The client's clock after the commit returned is at or after the commit's second.
    const lastCommitSecond = Math.floor(Date.now() / 1000);
    const [g] = await rows<{ last: string; pos: string }>(a, 'SELECT @@SESSION.last_gtid AS last, @@GLOBAL.gtid_binlog_pos AS pos');
    const record: RecordedPhase = {
      phase,
      name,
      covers,
      lastCommitSecond,
      gtidPos: String(g?.pos),
      lastGtid: String(g?.last),
      binlog: await masterStatus(a),
      fingerprint: await fingerprint(),
    };
    phases.push(record);
    await options.onPhase?.(record);
    await waitForSecondAfter(lastCommitSecond);
    return record;
  };

  try {
    await setup(ctx);

    // Background writer during the backup: the dump's snapshot and coordinates must agree.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      const w = await server.connect();
      try {
        while (writing) {
          await w.query('INSERT INTO oracle_a.during_backup (n, at) VALUES (?, NOW(6))', [++written]);
          await sleep(2);
        }
      } finally {
        await w.end();
      }
    })();
    try {
      await sleep(30);
      await options.backup(server);
      await sleep(30);
    } finally {
      writing = false;
      await writer;
    }
    await finishPhase(0, 'backup', [
      'setup: schema with triggers, routines, view, event, sequence, foreign keys, Aria/MyISAM tables, full-precision FLOATs',
      `base backup taken while a background writer committed (${written} rows)`,
    ]);

    for (const [i, def] of PHASES.entries()) {
      await def.run(ctx);
      await finishPhase(i + 1, def.name, def.covers);
    }

    // The disaster: its own second, after the last phase's.
    const before = phases[phases.length - 1]!;
    const start = await masterStatus(a);
    await a.query(DISASTER[0]!);
    const second = Math.floor(Date.now() / 1000);
    const [g] = await rows<{ last: string }>(a, 'SELECT @@SESSION.last_gtid AS last');
    for (const sql of DISASTER.slice(1)) await a.query(sql);
    const [end] = await rows<{ pos: string }>(a, 'SELECT @@GLOBAL.gtid_binlog_pos AS pos');
    const disaster: RecordedDisaster = {
      firstGtid: String(g?.last),
      start,
      second,
      statements: DISASTER,
      fingerprintBefore: before.fingerprint,
      fingerprintAfter: await fingerprint(),
      endGtidPos: String(end?.pos),
      end: await masterStatus(a),
    };
    return { seed, phases, disaster };
  } finally {
    for (const conn of [a, b, c, fp]) await conn.end().catch(() => conn.destroy());
  }
}

export interface OracleRun extends OracleRecording {
  /** The reference base backup (mariadb-dump, see reference-restore.ts) and its coordinates. */
  readonly dumpFile: string;
  readonly dumpCoordinates: DumpCoordinates;
  /** Copies of the source's binlog files, in order, in `<dir>/binlogs`. */
  readonly binlogFiles: readonly string[];
  readonly binlogDir: string;
  /** The source, still running when `keepSource` was set (the caller stops it). */
  readonly source: TestServer | undefined;
  readonly sourceOptions: Readonly<ServerOptions>;
  /** Wall time of the whole recording. */
  readonly durationMs: number;
}

export interface RecordOracleOptions {
  /** Where the dump and the binlog copies go (created if needed). */
  dir: string;
  seed?: number;
  bulkRows?: number;
  /** More backups to take at backup time (e.g. `pitr backup`), after the reference dump. */
  backup?: (server: TestServer) => Promise<void>;
  onPhase?: (phase: RecordedPhase) => void | Promise<void>;
  /** Keep the source running and return it (default: stopped after copying its binlogs). */
  keepSource?: boolean;
}

/**
 * The whole recording: starts a source with ORACLE_SOURCE_OPTIONS, takes the reference dump (and
 * `backup`) during the workload's backup step, runs all phases, copies the binlogs to
 * `<dir>/binlogs` (the last file as the running server left it, not rotated) and stops the source.
 */
export async function recordOracle(options: RecordOracleOptions): Promise<OracleRun> {
  const t0 = Date.now();
  await mkdir(join(options.dir, 'binlogs'), { recursive: true });
  const dumpFile = join(options.dir, 'base.sql');
  const source = await startServer(ORACLE_SOURCE_OPTIONS);
  try {
    let dumpCoordinates: DumpCoordinates | undefined;
    const recording = await runOracleWorkload(source, {
      seed: options.seed,
      bulkRows: options.bulkRows,
      onPhase: options.onPhase,
      async backup(server) {
        dumpCoordinates = await referenceDump(server, dumpFile, ORACLE_DATABASES.filter((d) => d !== 'oracle_d'));
        await options.backup?.(server);
      },
    });
    const binlogDir = join(options.dir, 'binlogs');
    const binlogFiles: string[] = [];
    for (const f of await source.binlogFiles()) {
      const copy = join(binlogDir, basename(f));
      await copyFile(f, copy);
      binlogFiles.push(copy);
    }
    return {
      ...recording,
      dumpFile,
      dumpCoordinates: dumpCoordinates!,
      binlogFiles,
      binlogDir,
      source: options.keepSource ? source : undefined,
      sourceOptions: ORACLE_SOURCE_OPTIONS,
      durationMs: Date.now() - t0,
    };
  } finally {
    if (!options.keepSource) await source.stop();
  }
}

/** Starts a fresh, empty restore target with ORACLE_TARGET_OPTIONS. */
export function startOracleTarget(extra: ServerOptions = {}): Promise<TestServer> {
  return startServer({ ...ORACLE_TARGET_OPTIONS, ...extra });
}

/** Starts a source with ORACLE_SOURCE_OPTIONS (for callers that drive runOracleWorkload themselves). */
export function startOracleSource(extra: ServerOptions = {}): Promise<TestServer> {
  return startServer({ ...ORACLE_SOURCE_OPTIONS, ...extra });
}

export interface DumpFloatReconciliation {
  /** `restored` with oracle_a.dump_floats.f put back to the recorded values. */
  readonly fingerprint: Fingerprint;
  /** Rows whose FLOAT differs from the recorded one (expected: 5 of 7 after a mariadb-dump load). */
  readonly lossyRows: number;
  /** Differences NOT explained by 6-significant-digit printing (expected: none). */
  readonly unexplained: readonly string[];
}

/**
 * Takes out the one known difference of a restore from a mariadb-dump base backup: mariadb-dump
 * prints FLOAT with 6 significant digits (BINLOG-NOTES.md), so the full-precision FLOATs of
 * `oracle_a.dump_floats` (written before the backup, never changed) reload rounded. A difference
 * counts as explained when both values agree to 6 significant digits. A restore from an exact
 * backup (pitr's own) must have `lossyRows === 0` and needs no reconciliation.
 */
export function reconcileDumpFloatLoss(recorded: Fingerprint, restored: Fingerprint): DumpFloatReconciliation {
  const rec = recorded.databases.oracle_a?.tables.dump_floats;
  const res = restored.databases.oracle_a?.tables.dump_floats;
  const db = restored.databases.oracle_a;
  if (!rec || !res || !db) return { fingerprint: restored, lossyRows: 0, unexplained: [] };
  const f = rec.columns.indexOf('f');
  const unexplained: string[] = [];
  let lossyRows = 0;
  if (res.rowCount !== rec.rowCount || res.columns.join() !== rec.columns.join()) {
    unexplained.push(`oracle_a.dump_floats: ${res.rowCount} rows (${res.columns.join()}) vs recorded ${rec.rowCount} (${rec.columns.join()})`);
    return { fingerprint: restored, lossyRows, unexplained };
  }
  rec.rows.forEach((row, i) => {
    const other = res.rows[i]!;
    row.forEach((v, c) => {
      if (v === other[c]) return;
      if (c === f && v !== null && other[c] !== null && Number(v).toPrecision(6) === Number(other[c]).toPrecision(6)) lossyRows++;
      else unexplained.push(`oracle_a.dump_floats row ${i}: ${rec.columns[c]}: ${v} vs ${other[c]}`);
    });
  });
  if (unexplained.length > 0) return { fingerprint: restored, lossyRows, unexplained };
  const fixed: TableFingerprint = { ...res, rows: rec.rows, digest: rec.digest };
  return {
    fingerprint: { databases: { ...restored.databases, oracle_a: { ...db, tables: { ...db.tables, dump_floats: fixed } } } },
    lossyRows,
    unexplained,
  };
}
