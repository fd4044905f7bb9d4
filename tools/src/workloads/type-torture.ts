/**
 * A deterministic workload that writes every MariaDB column type, with its edge values, into the
 * binlog: integer extremes (signed/unsigned), DECIMAL precisions, FLOAT/DOUBLE extremes, denormals and -0,
 * BIT widths, YEAR/DATE/TIME/DATETIME/TIMESTAMP with every fractional precision and zero values,
 * strings in utf8mb4/latin1/binary (emoji, NUL bytes, quotes, backslashes, long values), BINARY/
 * VARBINARY, the four BLOB and TEXT sizes (values > 64 KiB), JSON, ENUM/SET with 1- and 2-byte
 * ENUMs and 1..8-byte SETs, geometry with and without SRID, UUID/INET4/INET6, generated columns,
 * a table without a primary key, and one large transaction.
 *
 * Used by the decoder differential tests (our decoder vs `mariadb-binlog -vv` and vs zongji) under
 * different binlog_row_image / binlog_row_metadata / log_bin_compress settings, so it must produce
 * the same statements every run: no clocks, no unseeded randomness.
 *
 * Column types: https://mariadb.com/kb/en/data-types/
 */
import type { Connection } from 'mysql2/promise';

export interface TypeTortureOptions {
  /** Database to (re)create. Default 'torture'. */
  database?: string;
  /** Rows in the large transaction. Default 3000. */
  largeTransactionRows?: number;
  /** Size in bytes of the biggest BLOB/TEXT values (MEDIUM/LONG). Default 70_000 (> 64 KiB). */
  bigValueBytes?: number;
}

export interface TypeTortureTable {
  name: string;
  /** The column definitions as created. */
  columns: string;
}

export interface TypeTortureReport {
  database: string;
  tables: TypeTortureTable[];
  /** One line per step, in order, e.g. 'ints: insert 5 rows'. */
  steps: string[];
  /** Number of SQL statements sent (each multi-row INSERT counts once). */
  statements: number;
  /** Rows written by INSERTs (before updates/deletes). */
  rowsInserted: number;
}

/** Raw SQL for mysql2's placeholder expansion (it calls toSqlString instead of quoting). */
function raw(sql: string): { toSqlString(): string } {
  return { toSqlString: () => sql };
}

/** Deterministic 32-bit PRNG (mulberry32) with a fixed seed: same data every run. */
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

/** `n` bytes of a repeating, position-dependent pattern including NUL and 0xFF. */
function patternBytes(n: number, salt: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + salt * 7 + (i >> 8)) & 0xff;
  return b;
}

/** A long utf8mb4 text of exactly `bytes` bytes mixing 1-, 2-, 3- and 4-byte characters. */
function mixedText(bytes: number): string {
  const pieces = ['a', 'é', '€', '😀', 'Z', ' ', '\\', "'", '"', '\n'];
  let out = '';
  let used = 0;
  let i = 0;
  while (used < bytes) {
    let p = pieces[i++ % pieces.length]!;
    const len = Buffer.byteLength(p);
    if (used + len > bytes) p = 'x'.repeat(bytes - used);
    out += p;
    used += Buffer.byteLength(p);
  }
  return out;
}

const enumMembers = (n: number): string => Array.from({ length: n }, (_, i) => `'m${i}'`).join(',');

/**
 * Creates database `torture` (by default) and runs the workload on `conn`. Sets the session's
 * sql_mode (zero dates, ENUM error values) and time_zone ('+00:00') and restores them afterwards.
 */
export async function typeTorture(conn: Connection, options: TypeTortureOptions = {}): Promise<TypeTortureReport> {
  const db = options.database ?? 'torture';
  const largeRows = options.largeTransactionRows ?? 3000;
  const big = options.bigValueBytes ?? 70_000;
  const report: TypeTortureReport = { database: db, tables: [], steps: [], statements: 0, rowsInserted: 0 };
  const q = `\`${db.replace(/`/g, '``')}\``;

  const exec = async (step: string, sql: string, values?: unknown[]): Promise<void> => {
    await conn.query(sql, values);
    report.statements++;
    report.steps.push(step);
  };
  const createTable = async (name: string, columns: string, suffix = ''): Promise<void> => {
    await exec(`${name}: create`, `CREATE TABLE ${q}.${name} (${columns})${suffix}`);
    report.tables.push({ name, columns: columns.replace(/\s+/g, ' ').trim() });
  };
  const insert = async (table: string, columns: string[], rows: unknown[][]): Promise<void> => {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const sql = `INSERT INTO ${q}.${table} (${columns.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}`;
    await exec(`${table}: insert ${rows.length} row(s)`, sql, rows.flat());
    report.rowsInserted += rows.length;
  };

  const [saved] = (await conn.query('SELECT @@SESSION.sql_mode AS sqlMode, @@SESSION.time_zone AS tz')) as unknown as [
    { sqlMode: string; tz: string }[],
  ];
  const savedSession = saved[0];
  // Not strict (ENUM error value '' and out-of-range clamping are accepted with a warning) and no
  // NO_ZERO_DATE/NO_ZERO_IN_DATE (zero DATE/DATETIME/TIMESTAMP). UTC so TIMESTAMP literals are exact.
  await conn.query("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION', SESSION time_zone = '+00:00'");
  try {
    await exec('drop database', `DROP DATABASE IF EXISTS ${q}`);
    await exec('create database', `CREATE DATABASE ${q} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);

    // --- integers -----------------------------------------------------------------------------
    await createTable(
      'ints',
      `id INT PRIMARY KEY,
       ti TINYINT NULL, tiu TINYINT UNSIGNED NULL,
       si SMALLINT NULL, siu SMALLINT UNSIGNED NULL,
       mi MEDIUMINT NULL, miu MEDIUMINT UNSIGNED NULL,
       i INT NULL, iu INT UNSIGNED NULL,
       bi BIGINT NULL, biu BIGINT UNSIGNED NULL,
       b BOOLEAN NULL, zf INT(6) ZEROFILL NULL`,
    );
    const intCols = ['id', 'ti', 'tiu', 'si', 'siu', 'mi', 'miu', 'i', 'iu', 'bi', 'biu', 'b', 'zf'];
    await insert('ints', intCols, [
      [1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, raw('-9223372036854775808'), raw('0'), 0, 0],
      [2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, raw('9223372036854775807'), raw('18446744073709551615'), 1, 4294967295],
      [3, 0, 0, 0, 0, 0, 0, 0, 0, raw('0'), raw('0'), 0, 42],
      [4, null, null, null, null, null, null, null, null, null, null, null, null],
      [5, -1, 128, -1, 32768, -1, 8388608, -1, 2147483648, raw('-1'), raw('9223372036854775808'), 1, 1],
    ]);
    await exec('ints: update', `UPDATE ${q}.ints SET ti = -ti, si = si - 1, biu = 18446744073709551614 WHERE id = 2`);
    await exec('ints: update NULL to values', `UPDATE ${q}.ints SET ti = 7, bi = -7, biu = 7 WHERE id = 4`);
    await exec('ints: delete', `DELETE FROM ${q}.ints WHERE id = 3`);

    // --- DECIMAL --------------------------------------------------------------------------------
    await createTable(
      'decimals',
      `id INT PRIMARY KEY,
       d65_30 DECIMAL(65,30) NULL, d10_0 DECIMAL(10,0) NULL, d5_5 DECIMAL(5,5) NULL,
       d18_9 DECIMAL(18,9) NULL, d20_10 DECIMAL(20,10) NULL, d1_0 DECIMAL(1,0) NULL,
       d9_2 DECIMAL(9,2) NULL, d65_0 DECIMAL(65,0) NULL, d12_4u DECIMAL(12,4) UNSIGNED NULL`,
    );
    const decCols = ['id', 'd65_30', 'd10_0', 'd5_5', 'd18_9', 'd20_10', 'd1_0', 'd9_2', 'd65_0', 'd12_4u'];
    const nines = (n: number): string => '9'.repeat(n);
    await insert('decimals', decCols, [
      [1, raw(`${nines(35)}.${nines(30)}`), raw(nines(10)), raw('0.99999'), raw(`${nines(9)}.${nines(9)}`), raw(`${nines(10)}.${nines(10)}`), raw('9'), raw('9999999.99'), raw(nines(65)), raw('99999999.9999')],
      [2, raw(`-${nines(35)}.${nines(30)}`), raw(`-${nines(10)}`), raw('-0.99999'), raw(`-${nines(9)}.${nines(9)}`), raw(`-${nines(10)}.${nines(10)}`), raw('-9'), raw('-9999999.99'), raw(`-${nines(65)}`), raw('0')],
      [3, raw('0'), raw('0'), raw('0'), raw('0'), raw('0'), raw('0'), raw('0'), raw('0'), raw('0')],
      [4, raw('0.000000000000000000000000000001'), raw('1'), raw('0.00001'), raw('0.000000001'), raw('-0.0000000001'), raw('1'), raw('-0.01'), raw('1'), raw('0.0001')],
      [5, raw('-1234567890123456789012345.123456789012345678901234567890'), raw('-1234567890'), raw('0.12345'), raw('-123456789.123456789'), raw('1000000000.0000000001'), raw('-1'), raw('1234.5'), raw('100000000000000000000000000000000000000000000000000000000000000'), raw('12345678.9012')],
      [6, null, null, null, null, null, null, null, null, null],
    ]);
    await exec('decimals: update', `UPDATE ${q}.decimals SET d65_30 = -d65_30, d9_2 = d9_2 + 0.01 WHERE id IN (4, 5)`);
    await exec('decimals: delete', `DELETE FROM ${q}.decimals WHERE id = 3`);

    // --- FLOAT / DOUBLE ------------------------------------------------------------------------
    await createTable('floats', 'id INT PRIMARY KEY, f FLOAT NULL, d DOUBLE NULL, fu FLOAT UNSIGNED NULL, dp DOUBLE(10,3) NULL');
    await insert('floats', ['id', 'f', 'd', 'fu', 'dp'], [
      [1, raw('1.1754943508e-38'), raw('2.2250738585072014e-308'), raw('0'), raw('1234567.891')],
      [2, raw('3.4028235e38'), raw('1.7976931348623157e308'), raw('3.4028235e38'), raw('-9999999.999')],
      [3, raw('-3.4028235e38'), raw('-1.7976931348623157e308'), raw('1'), raw('0')],
      [4, raw('1.401298464e-45'), raw('4.9e-324'), raw('16777216'), raw('0.001')],
      // MariaDB normalises -0 to +0 when storing (checked: no sign bit in the row image); kept so a
      // decoder that printed '-0' would be caught.
      [5, raw('-0e0'), raw('-0e0'), raw('0.1'), raw('-0.001')],
      [6, raw('16777217'), raw('9007199254740993'), raw('0.5'), raw('1.5')],
      [7, raw('0.1'), raw('0.1'), raw('1e-10'), raw('2.25')],
      [8, raw('3.14159274'), raw('3.141592653589793'), raw('2.7182817'), raw('3.142')],
      [9, null, null, null, null],
    ]);
    await exec('floats: update', `UPDATE ${q}.floats SET f = f * 2, d = -d WHERE id IN (7, 8)`);
    await exec('floats: delete', `DELETE FROM ${q}.floats WHERE id = 6`);

    // --- BIT -----------------------------------------------------------------------------------
    await createTable('bits', 'id INT PRIMARY KEY, b1 BIT(1) NULL, b5 BIT(5) NULL, b8 BIT(8) NULL, b9 BIT(9) NULL, b64 BIT(64) NULL');
    await insert('bits', ['id', 'b1', 'b5', 'b8', 'b9', 'b64'], [
      [1, raw("b'0'"), raw("b'00000'"), raw("b'00000000'"), raw("b'000000000'"), raw("b'0'")],
      [2, raw("b'1'"), raw("b'11111'"), raw("b'11111111'"), raw("b'111111111'"), raw("x'FFFFFFFFFFFFFFFF'")],
      [3, raw("b'1'"), raw("b'10101'"), raw("b'10000001'"), raw("b'100000001'"), raw("x'8000000000000001'")],
      [4, null, null, null, null, null],
    ]);
    await exec('bits: update', `UPDATE ${q}.bits SET b5 = b'01010', b64 = x'0123456789ABCDEF' WHERE id = 3`);
    await exec('bits: delete', `DELETE FROM ${q}.bits WHERE id = 1`);

    // --- temporal ------------------------------------------------------------------------------
    await createTable(
      'temporals',
      `id INT PRIMARY KEY, y YEAR NULL, d DATE NULL,
       t0 TIME(0) NULL, t1 TIME(1) NULL, t3 TIME(3) NULL, t6 TIME(6) NULL,
       dt0 DATETIME(0) NULL, dt1 DATETIME(1) NULL, dt2 DATETIME(2) NULL, dt3 DATETIME(3) NULL,
       dt4 DATETIME(4) NULL, dt5 DATETIME(5) NULL, dt6 DATETIME(6) NULL,
       ts0 TIMESTAMP(0) NULL, ts1 TIMESTAMP(1) NULL, ts2 TIMESTAMP(2) NULL, ts3 TIMESTAMP(3) NULL,
       ts4 TIMESTAMP(4) NULL, ts5 TIMESTAMP(5) NULL, ts6 TIMESTAMP(6) NULL`,
    );
    const tCols = ['id', 'y', 'd', 't0', 't1', 't3', 't6', 'dt0', 'dt1', 'dt2', 'dt3', 'dt4', 'dt5', 'dt6', 'ts0', 'ts1', 'ts2', 'ts3', 'ts4', 'ts5', 'ts6'];
    const same = (v: string, n: number): string[] => Array.from({ length: n }, () => v);
    const zeroDt = '0000-00-00 00:00:00';
    await insert('temporals', tCols, [
      // zero values (YEAR 0 is 0000: the number 0, not the string '0' which means 2000)
      [1, raw('0'), '0000-00-00', '00:00:00', '00:00:00', '00:00:00', '00:00:00', ...same(zeroDt, 7), ...same(zeroDt, 7)],
      // minimums
      [2, 1901, '1000-01-01', '-838:59:59', '-838:59:59.0', '-838:59:59.000', '-838:59:59.000000', ...same('1000-01-01 00:00:00', 7), ...same('1970-01-01 00:00:01', 7)],
      // maximums (MariaDB truncates extra fractional digits unless TIME_ROUND_FRACTIONAL)
      [3, 2155, '9999-12-31', '838:59:59', '838:59:59.9', '838:59:59.999', '838:59:59.000000', '9999-12-31 23:59:59', '9999-12-31 23:59:59.9', '9999-12-31 23:59:59.99', '9999-12-31 23:59:59.999', '9999-12-31 23:59:59.9999', '9999-12-31 23:59:59.99999', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', '2038-01-19 03:14:07.9', '2038-01-19 03:14:07.99', '2038-01-19 03:14:07.999', '2038-01-19 03:14:07.9999', '2038-01-19 03:14:07.99999', '2038-01-19 03:14:07.999999'],
      // negative sub-second times and fractional digits at every position
      [4, 2026, '2026-05-25', '-00:00:01', '-00:00:01.5', '-00:00:01.5', '-00:00:01.5', '2026-05-25 14:30:00', '2026-05-25 14:30:00.1', '2026-05-25 14:30:00.12', '2026-05-25 14:30:00.123', '2026-05-25 14:30:00.1234', '2026-05-25 14:30:00.12345', '2026-05-25 14:30:00.123456', '2026-05-25 14:30:00', '2026-05-25 14:30:00.1', '2026-05-25 14:30:00.12', '2026-05-25 14:30:00.123', '2026-05-25 14:30:00.1234', '2026-05-25 14:30:00.12345', '2026-05-25 14:30:00.123456'],
      [5, 1999, '2000-02-29', '12:34:56', '-12:34:56.7', '00:00:00.001', '-00:00:00.000001', '2000-02-29 23:59:59', '1999-12-31 23:59:59.5', '1999-12-31 23:59:59.05', '1999-12-31 23:59:59.005', '1999-12-31 23:59:59.0005', '1999-12-31 23:59:59.00005', '1999-12-31 23:59:59.000005', '2001-09-09 01:46:40', '2001-09-09 01:46:40.5', '2001-09-09 01:46:40.05', '2001-09-09 01:46:40.005', '2001-09-09 01:46:40.0005', '2001-09-09 01:46:40.00005', '2001-09-09 01:46:40.000001'],
      [6, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
    ]);
    await exec('temporals: update', `UPDATE ${q}.temporals SET t6 = '-00:00:00.5', dt6 = '2026-01-01 00:00:00.000001', ts6 = '2026-01-01 00:00:00.000001', y = 2000 WHERE id = 5`);
    await exec('temporals: update zero to values', `UPDATE ${q}.temporals SET d = '2026-05-25', ts0 = '2026-05-25 00:00:00' WHERE id = 1`);
    await exec('temporals: delete', `DELETE FROM ${q}.temporals WHERE id = 4`);

    // --- character strings ------------------------------------------------------------------------
    await createTable(
      'strings',
      `id INT PRIMARY KEY,
       c10 CHAR(10) CHARACTER SET utf8mb4 NULL,
       c255 CHAR(255) CHARACTER SET utf8mb4 NULL,
       v60 VARCHAR(60) CHARACTER SET utf8mb4 NULL,
       v300 VARCHAR(300) CHARACTER SET utf8mb4 NULL,
       l_c CHAR(10) CHARACTER SET latin1 NULL,
       l_v VARCHAR(200) CHARACTER SET latin1 NULL,
       b_c CHAR(10) CHARACTER SET binary NULL,
       u8 VARCHAR(50) CHARACTER SET utf8mb3 NULL,
       cs VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL`,
    );
    const strCols = ['id', 'c10', 'c255', 'v60', 'v300', 'l_c', 'l_v', 'b_c', 'u8', 'cs'];
    await insert('strings', strCols, [
      [1, '', '', '', '', '', '', Buffer.alloc(0), '', ''],
      [2, 'emoji 😀🚀', '👍'.repeat(255), 'quotes \' " ` and \\ backslash', `NUL\u0000byte and \ttab\nnewline`, 'café', 'é à ü ß ÿ', Buffer.from('ab\u0000cd', 'binary'), 'Zoë ünïcode', 'Case'],
      [3, 'trailing  ', 'x'.repeat(255), 'ä'.repeat(60), '€'.repeat(300), 'ÀÉÎÕÜ', Buffer.from([0x80, 0x8a, 0x9c, 0x9f, 0xe9, 0xff]), Buffer.from([0x00, 0xff, 0x00]), '中文字符', 'case'],
      [4, '  lead', '\u0000', 'a\u0000b', '😀'.repeat(300), 'A', 'plain ascii', Buffer.from('0123456789'), '€', '\\'],
      [5, null, null, null, null, null, null, null, null, null],
    ]);
    await exec('strings: update', `UPDATE ${q}.strings SET v300 = CONCAT(v300, ' (edited)'), c10 = NULL WHERE id IN (2, 3)`);
    await exec('strings: update NULL to values', `UPDATE ${q}.strings SET c10 = 'filled', l_v = 'naïve' WHERE id = 5`);
    await exec('strings: delete', `DELETE FROM ${q}.strings WHERE id = 1`);

    // Long VARCHAR/VARBINARY (2-byte length prefix). Each needs its own table: a row's non-BLOB
    // columns are limited to 65535 bytes.
    await createTable('long_varchar', 'id INT PRIMARY KEY, v VARCHAR(16000) CHARACTER SET utf8mb4 NULL');
    await insert('long_varchar', ['id', 'v'], [
      [1, mixedText(16000)],
      [2, '😀'.repeat(16000)],
      [3, null],
    ]);
    await exec('long_varchar: update', `UPDATE ${q}.long_varchar SET v = LEFT(v, 100) WHERE id = 1`);
    await createTable('long_varbinary', 'id INT PRIMARY KEY, vb VARBINARY(60000) NULL');
    await insert('long_varbinary', ['id', 'vb'], [
      [1, patternBytes(60000, 1)],
      [2, Buffer.alloc(0)],
      [3, null],
    ]);
    await exec('long_varbinary: delete', `DELETE FROM ${q}.long_varbinary WHERE id = 1`);

    // --- binary strings ---------------------------------------------------------------------------
    await createTable('binaries', 'id INT PRIMARY KEY, b16 BINARY(16) NULL, b1 BINARY(1) NULL, vb VARBINARY(300) NULL, vb10 VARBINARY(10) NULL');
    await insert('binaries', ['id', 'b16', 'b1', 'vb', 'vb10'], [
      [1, Buffer.alloc(16), Buffer.from([0]), Buffer.alloc(300), Buffer.alloc(0)],
      [2, Buffer.alloc(16, 0xff), Buffer.from([0xff]), patternBytes(300, 2), Buffer.from('a\u0000b\u0000', 'binary')],
      [3, Buffer.from('abc'), Buffer.from('x'), Buffer.from([0x00, 0x01, 0x00]), Buffer.from([0x00])],
      [4, Buffer.from('0123456789abcdef'), null, null, null],
      [5, null, null, null, null],
    ]);
    await exec('binaries: update', `UPDATE ${q}.binaries SET b16 = x'000102030405060708090A0B0C0D0E0F', vb = x'00' WHERE id = 3`);
    await exec('binaries: delete', `DELETE FROM ${q}.binaries WHERE id = 4`);

    // --- BLOB / TEXT ------------------------------------------------------------------------------
    await createTable(
      'lobs',
      `id INT PRIMARY KEY,
       tb TINYBLOB NULL, b BLOB NULL, mb MEDIUMBLOB NULL, lb LONGBLOB NULL,
       tt TINYTEXT NULL, t TEXT NULL, mt MEDIUMTEXT NULL, lt LONGTEXT NULL,
       tl TEXT CHARACTER SET latin1 NULL`,
    );
    const lobCols = ['id', 'tb', 'b', 'mb', 'lb', 'tt', 't', 'mt', 'lt', 'tl'];
    await insert('lobs', lobCols, [
      [1, Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0), '', '', '', '', ''],
      [2, patternBytes(255, 3), patternBytes(65535, 4), patternBytes(big, 5), patternBytes(big + 1, 6), 'x'.repeat(255), mixedText(65535), mixedText(big), mixedText(big + 3), 'é'.repeat(65535)],
      [3, Buffer.from([0]), Buffer.from('blob\u0000with\u0000nuls', 'binary'), Buffer.from([0xff, 0x00, 0xff]), Buffer.from('short'), '😀', 'tab\tquote\'back\\slash', 'line1\nline2', '{"not":"json"}', 'café'],
      [4, null, null, null, null, null, null, null, null, null],
    ]);
    await exec('lobs: update small column only', `UPDATE ${q}.lobs SET tt = 'changed' WHERE id = 2`);
    await exec('lobs: update blob', `UPDATE ${q}.lobs SET b = x'DEADBEEF', t = 'short now' WHERE id = 3`);
    await exec('lobs: delete', `DELETE FROM ${q}.lobs WHERE id = 1`);

    // --- JSON (MariaDB: LONGTEXT with a JSON_VALID check) ----------------------------------------------
    await createTable('jsons', 'id INT PRIMARY KEY, j JSON NULL');
    await insert('jsons', ['id', 'j'], [
      [1, '{}'],
      [2, '[]'],
      [3, '{"a": 1, "b": [true, false, null], "c": {"d": "é😀", "e": -1.5e300}, "big": 18446744073709551615}'],
      [4, '"just a string with \\"quotes\\" and \\\\ backslash"'],
      [5, '[1, -2, 3.25, "x", {"k": []}]'],
      [6, null],
      [7, JSON.stringify({ long: 'v'.repeat(5000), list: Array.from({ length: 100 }, (_, i) => i) })],
    ]);
    await exec('jsons: update', `UPDATE ${q}.jsons SET j = JSON_SET(j, '$.a', 2) WHERE id = 3`);
    await exec('jsons: delete', `DELETE FROM ${q}.jsons WHERE id = 2`);

    // --- ENUM / SET -------------------------------------------------------------------------------
    await createTable(
      'enums_sets',
      `id INT PRIMARY KEY,
       e ENUM('a','b','c') NULL,
       e300 ENUM(${enumMembers(300)}) NULL,
       s3 SET('x','y','z') NULL,
       s9 SET(${enumMembers(9)}) NULL,
       s17 SET(${enumMembers(17)}) NULL,
       s25 SET(${enumMembers(25)}) NULL,
       s64 SET(${enumMembers(64)}) NULL,
       eu ENUM('é','😀','') CHARACTER SET utf8mb4 NULL`,
    );
    const all = (n: number): string => Array.from({ length: n }, (_, i) => `m${i}`).join(',');
    await insert('enums_sets', ['id', 'e', 'e300', 's3', 's9', 's17', 's25', 's64', 'eu'], [
      [1, 'a', 'm0', '', '', '', '', '', 'é'],
      [2, 'c', 'm299', 'x,y,z', all(9), all(17), all(25), all(64), '😀'],
      // Not a member: stored as the error value '' (index 0) in non-strict mode.
      [3, 'not-a-member', 'nope', 'y', 'm8', 'm16', 'm24', 'm63', ''],
      [4, 'b', 'm255', 'x,z', 'm0,m8', 'm0,m16', 'm7,m8,m15,m16,m23,m24', 'm0,m31,m32,m63', 'é'],
      [5, null, null, null, null, null, null, null, null],
    ]);
    await exec('enums_sets: update', `UPDATE ${q}.enums_sets SET e = 'b', e300 = 'm256', s64 = 'm1,m62' WHERE id = 1`);
    await exec('enums_sets: delete', `DELETE FROM ${q}.enums_sets WHERE id = 4`);

    // --- spatial ----------------------------------------------------------------------------------
    await createTable(
      'geo',
      `id INT PRIMARY KEY,
       g GEOMETRY NULL, p POINT NULL, ls LINESTRING NULL, poly POLYGON NULL,
       mp MULTIPOINT NULL, gc GEOMETRYCOLLECTION NULL,
       p4326 POINT REF_SYSTEM_ID=4326 NULL, g4326 GEOMETRY REF_SYSTEM_ID=4326 NULL`,
    );
    const geom = (wkt: string, srid = 0): unknown => raw(`ST_GeomFromText('${wkt}', ${srid})`);
    await insert('geo', ['id', 'g', 'p', 'ls', 'poly', 'mp', 'gc', 'p4326', 'g4326'], [
      [1, geom('POINT(0 0)'), geom('POINT(1 2)'), geom('LINESTRING(0 0, 1 1, 2 0)'), geom('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))'), geom('MULTIPOINT(0 0, 1 1)'), geom('GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(0 0, 1 1))'), geom('POINT(13.4 52.52)', 4326), geom('POLYGON((0 0, 1 0, 1 1, 0 0))', 4326)],
      [2, geom('POLYGON((0 0, 1 0, 0 1, 0 0))'), geom('POINT(-1.5 1e-10)'), geom('LINESTRING(-180 -90, 180 90)'), geom('POLYGON((0 0, 1 0, 1 1, 0 0))'), geom('MULTIPOINT(5 5)'), geom('GEOMETRYCOLLECTION(POINT(2 2))'), geom('POINT(-122.42 37.77)', 4326), geom('POINT(0 0)', 4326)],
      [3, null, null, null, null, null, null, null, null],
    ]);
    await exec('geo: update', `UPDATE ${q}.geo SET p = ST_GeomFromText('POINT(3 4)'), g4326 = NULL WHERE id = 2`);
    await exec('geo: delete', `DELETE FROM ${q}.geo WHERE id = 1`);

    // --- MariaDB UUID / INET4 / INET6 -----------------------------------------------------------------
    await createTable('mariadb_types', 'id INT PRIMARY KEY, u UUID NULL, i4 INET4 NULL, i6 INET6 NULL');
    await insert('mariadb_types', ['id', 'u', 'i4', 'i6'], [
      [1, '00000000-0000-0000-0000-000000000000', '0.0.0.0', '::'],
      [2, 'ffffffff-ffff-ffff-ffff-ffffffffffff', '255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
      [3, '123e4567-e89b-12d3-a456-426655440000', '192.168.0.1', '2001:db8::1'],
      [4, '01890a5d-ac96-774b-bcce-b302099a8057', '10.0.0.1', '::ffff:192.168.0.1'],
      [5, null, null, null],
    ]);
    await exec('mariadb_types: update', `UPDATE ${q}.mariadb_types SET i4 = '127.0.0.1', u = NULL WHERE id = 3`);
    await exec('mariadb_types: delete', `DELETE FROM ${q}.mariadb_types WHERE id = 1`);

    // --- generated columns ------------------------------------------------------------------------
    await createTable(
      'generated',
      `id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(20) NOT NULL,
       v_sum INT AS (a * 2) VIRTUAL,
       s_txt VARCHAR(40) AS (CONCAT(b, '#', a)) STORED,
       v_len INT AS (CHAR_LENGTH(b)) VIRTUAL,
       KEY (s_txt)`,
    );
    await insert('generated', ['id', 'a', 'b'], [
      [1, 1, 'one'],
      [2, 2, 'two 😀'],
      [3, -3, ''],
    ]);
    await exec('generated: update', `UPDATE ${q}.generated SET a = a + 10, b = 'changed' WHERE id = 2`);
    await exec('generated: delete', `DELETE FROM ${q}.generated WHERE id = 3`);

    // --- no primary key (full before images even with binlog_row_image=MINIMAL) ----------------------
    await createTable('no_pk', 'a INT NULL, b VARCHAR(20) NULL, c DATETIME(3) NULL', ' ENGINE=InnoDB');
    await insert('no_pk', ['a', 'b', 'c'], [
      [1, 'dup', '2026-05-25 10:00:00.001'],
      [1, 'dup', '2026-05-25 10:00:00.001'],
      [2, null, null],
      [null, 'only b', null],
    ]);
    await exec('no_pk: update duplicates', `UPDATE ${q}.no_pk SET b = 'was dup' WHERE a = 1`);
    await exec('no_pk: delete one', `DELETE FROM ${q}.no_pk WHERE a = 2`);
    await createTable('unique_only', 'u VARCHAR(10) NOT NULL, n INT NULL, UNIQUE KEY (u)');
    await insert('unique_only', ['u', 'n'], [['k1', 1], ['k2', 2]]);
    await exec('unique_only: update', `UPDATE ${q}.unique_only SET n = n * 100`);

    // --- a large transaction ----------------------------------------------------------------------
    // Thousands of rows in one transaction: row events are split at binlog_row_event_max_size and
    // the transaction spans many events between one GTID and its XID.
    await createTable(
      'bulk',
      'id INT PRIMARY KEY, k BIGINT NOT NULL, amount DECIMAL(12,2) NOT NULL, label VARCHAR(64) NOT NULL, payload VARBINARY(64) NULL, at DATETIME(6) NOT NULL',
    );
    const rand = prng(0x5eed);
    await exec('bulk: begin', 'START TRANSACTION');
    const batch = 500;
    for (let start = 0; start < largeRows; start += batch) {
      const rows: unknown[][] = [];
      for (let i = start; i < Math.min(start + batch, largeRows); i++) {
        const r = rand();
        rows.push([
          i + 1,
          raw(String(Math.floor(r * 2 ** 52) - 2 ** 51)),
          raw((Math.floor(rand() * 2_000_000_00) / 100 - 1_000_000).toFixed(2)),
          `row ${i + 1} ${'é😀'.repeat(i % 7)}`,
          i % 5 === 0 ? null : patternBytes(i % 64, i),
          `2026-05-25 ${String(Math.floor(i / 3600) % 24).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i * 7919 % 1_000_000).padStart(6, '0')}`,
        ]);
      }
      await insert('bulk', ['id', 'k', 'amount', 'label', 'payload', 'at'], rows);
    }
    await exec('bulk: update every row', `UPDATE ${q}.bulk SET amount = amount + 0.01, label = CONCAT(label, '+')`);
    await exec('bulk: delete every other row', `DELETE FROM ${q}.bulk WHERE id % 2 = 0`);
    await exec('bulk: commit', 'COMMIT');

    // A rolled-back transaction leaves nothing in the binlog (InnoDB); a DDL after it does.
    await exec('bulk: begin (rolled back)', 'START TRANSACTION');
    await exec('bulk: delete all (rolled back)', `DELETE FROM ${q}.bulk`);
    await exec('bulk: rollback', 'ROLLBACK');
    await exec('bulk: alter table', `ALTER TABLE ${q}.bulk ADD COLUMN extra INT NULL DEFAULT 7`);
    await exec('bulk: update after ALTER', `UPDATE ${q}.bulk SET extra = id WHERE id <= 10`);
  } finally {
    if (savedSession) {
      await conn.query('SET SESSION sql_mode = ?, SESSION time_zone = ?', [savedSession.sqlMode, savedSession.tz]);
    }
  }
  return report;
}
