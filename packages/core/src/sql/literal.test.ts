import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextDecoder } from 'node:util';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../../../tools/src/index.js';
import type { ColumnValue } from '../binlog/columns/values.js';
import { readBinlogFile } from '../binlog/reader.js';
import type { SchemaProvider } from '../schema/schema-provider.js';
import { schemaFromServer } from '../schema/server-schema.js';
import { schemaFromDump } from '../schema/dump-schema.js';
import {
  LITERAL_SESSION_STATEMENTS,
  quoteIdentifier,
  renderDouble,
  renderFloat,
  renderLiteral,
  renderMatch,
  renderText,
  type LiteralColumn,
  type StringLiteralStyle,
} from './literal.js';

describe('literal rendering (pure)', () => {
  it('quotes identifiers', () => {
    expect(quoteIdentifier('a`b')).toBe('`a``b`');
    expect(quoteIdentifier('')).toBe('``');
  });

  it('renders FLOAT as the shortest decimal that rounds back, never above FLT_MAX', () => {
    expect(renderFloat(Math.fround(0.1))).toBe('1e-1');
    expect(renderFloat(Math.fround(1.1754943508e-38))).toBe('1.1754944e-38');
    // shortest is 3.4028235e38, which is above FLT_MAX as a double: the exact value instead
    expect(renderFloat(Math.fround(3.4028235e38))).toBe('3.4028234663852886e+38');
    expect(renderFloat(-0)).toBe('-1e-50');
    expect(renderFloat(0)).toBe('0e0');
    for (let i = 0; i < 20000; i++) {
      const bits = new Uint32Array([(Math.random() * 2 ** 32) >>> 0]);
      const v = new Float32Array(bits.buffer)[0]!;
      if (!Number.isFinite(v)) continue;
      const s = renderFloat(v);
      expect(Math.fround(Number(s))).toBe(v);
    }
  });

  it('renders DOUBLE with an exponent and round-trip digits', () => {
    expect(renderDouble(0.1)).toBe('1e-1');
    expect(renderDouble(1.7976931348623157e308)).toBe('1.7976931348623157e+308');
    expect(renderDouble(5e-324)).toBe('5e-324');
    expect(renderDouble(-0)).toBe('-0e0');
    for (let i = 0; i < 20000; i++) {
      const v = new Float64Array(new Uint32Array([(Math.random() * 2 ** 32) >>> 0, (Math.random() * 2 ** 32) >>> 0]).buffer)[0]!;
      if (!Number.isFinite(v)) continue;
      expect(Number(renderDouble(v))).toBe(v);
    }
  });

  it('renders text in three styles', () => {
    expect(renderText("it's")).toBe("_utf8mb4'it''s'");
    expect(renderText('a\\b')).toBe("_utf8mb4 X'615C62'");
    expect(renderText('a\0\'"\\\n\r\x1a', 'backslash')).toBe("_utf8mb4'a\\0\\'\\\"\\\\\\n\\r\\Z'");
    expect(renderText('é', 'hex')).toBe("_utf8mb4 X'C3A9'");
    expect(renderText('😀')).toBe("_utf8mb4'😀'");
    expect(() => renderText('a\uD800b')).toThrow(/surrogate/);
  });

  it('renders the other kinds', () => {
    const col = (type: number, collationId?: number): LiteralColumn => ({ type, collationId, sqlType: undefined });
    expect(renderLiteral(null, col(3))).toBe('NULL');
    expect(renderLiteral(-5, col(3))).toBe('-5');
    expect(renderLiteral(18446744073709551615n, col(8))).toBe('18446744073709551615');
    expect(renderLiteral('-1.50', col(246))).toBe('-1.50');
    expect(renderLiteral('-838:59:59.000000', col(19))).toBe("'-838:59:59.000000'");
    expect(renderLiteral(new Uint8Array([0, 255]), col(254, 63))).toBe("X'00FF'");
    expect(renderLiteral(new Uint8Array([0xe9]), col(15, 8))).toBe("_latin1 X'E9'");
    expect(renderLiteral({ kind: 'timestamp', seconds: 0, micros: 0, fsp: 6 }, col(17))).toBe("'0000-00-00 00:00:00.000000'");
    expect(renderLiteral({ kind: 'timestamp', seconds: 2147483647, micros: 5, fsp: 6 }, col(17))).toBe("'2038-01-19 03:14:07.000005'");
    expect(renderLiteral({ kind: 'timestamp', seconds: 1, micros: 120000, fsp: 2 }, col(17))).toBe("'1970-01-01 00:00:01.12'");
    expect(renderLiteral({ kind: 'enum', index: 2, name: undefined }, col(247))).toBe('2');
    expect(renderLiteral({ kind: 'set', bits: 5n, names: undefined }, col(248))).toBe('5');
    expect(() => renderLiteral(Number.NaN, col(5))).toThrow(/cannot be stored/);
  });
});

/*
 * Round trip on a real server: source values are inserted with SQL, read back raw (HEX, CAST …),
 * turned into ColumnValues the way the binlog decoder produces them, rendered, inserted into a
 * copy, and compared on the server with <=> and HEX().
 */

interface Case {
  readonly col: string;
  readonly ddl: string;
  /** Binlog type code and collation as the TABLE_MAP (+ schema) would give them. */
  readonly def: LiteralColumn;
  /** SQL expressions inserted as source values, one row each (NULL added automatically). */
  readonly values: readonly string[];
  /** Expression reading the raw value as text. */
  readonly read: string;
  /** Raw text → the value the decoder would produce. */
  readonly build: (raw: string) => ColumnValue;
  /** Extra comparison expression (e.g. the sign of zero), `x` replaced by the column. */
  readonly extraCompare?: string;
}

const hexBytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const utf8 = new TextDecoder('utf-8');
// MariaDB/MySQL latin1 is cp1252 with the five undefined bytes mapped to C1 controls (= WHATWG
// windows-1252). Node 20's TextDecoder('windows-1252') decodes ISO-8859-1 instead (0x80 → U+0080,
// not €), so the mapping of 0x80..0x9f is spelled out here.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
const cp1252 = {
  decode: (b: Uint8Array): string =>
    Array.from(b, (x) => String.fromCodePoint(x >= 0x80 && x < 0xa0 ? CP1252_HIGH[x - 0x80]! : x)).join(''),
};
const def = (type: number, collationId?: number, sqlType?: string, meta?: number): LiteralColumn => ({ type, collationId, sqlType, meta });
/** As the binlog logs BINARY(n): without trailing 0x00 (CHAR likewise drops trailing spaces). */
const binlogBinary = (r: string): ColumnValue => hexBytes(r.replace(/(00)+$/, ''));
const int = (raw: string): ColumnValue => Number(raw);
const big = (raw: string): ColumnValue => BigInt(raw);
const bits = (width: number) => (raw: string): ColumnValue => {
  const n = BigInt(`0x${raw === '' ? '0' : raw}`);
  const len = (width + 7) >> 3;
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[len - 1 - i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
};

const latin1High = Array.from({ length: 128 }, (_, i) => (0x80 + i).toString(16)).join('');

const CASES: readonly Case[] = [
  { col: 'ti', ddl: 'TINYINT', def: def(1), values: ['-128', '127', '0'], read: 'CAST(x AS CHAR)', build: int },
  { col: 'tiu', ddl: 'TINYINT UNSIGNED', def: def(1), values: ['255', '0'], read: 'CAST(x AS CHAR)', build: int },
  { col: 'si', ddl: 'SMALLINT', def: def(2), values: ['-32768', '32767'], read: 'CAST(x AS CHAR)', build: int },
  { col: 'siu', ddl: 'SMALLINT UNSIGNED', def: def(2), values: ['65535'], read: 'CAST(x AS CHAR)', build: int },
  { col: 'mi', ddl: 'MEDIUMINT', def: def(9), values: ['-8388608', '8388607'], read: 'CAST(x AS CHAR)', build: int },
  { col: 'miu', ddl: 'MEDIUMINT UNSIGNED', def: def(9), values: ['16777215'], read: 'CAST(x AS CHAR)', build: int },
  { col: 'i', ddl: 'INT', def: def(3), values: ['-2147483648', '2147483647'], read: 'CAST(x AS CHAR)', build: int },
  { col: 'iu', ddl: 'INT UNSIGNED', def: def(3), values: ['4294967295'], read: 'CAST(x AS CHAR)', build: int },
  { col: 'bi', ddl: 'BIGINT', def: def(8), values: ['-9223372036854775808', '9223372036854775807', '0'], read: 'CAST(x AS CHAR)', build: big },
  { col: 'biu', ddl: 'BIGINT UNSIGNED', def: def(8), values: ['18446744073709551615', '9007199254740993'], read: 'CAST(x AS CHAR)', build: big },
  {
    col: 'dec', ddl: 'DECIMAL(65,30)', def: def(246),
    values: ['-99999999999999999999999999999999999.999999999999999999999999999999', '0.000000000000000000000000000001', '-0.5', '0'],
    read: 'CAST(x AS CHAR)', build: (r) => r,
  },
  { col: 'dec0', ddl: 'DECIMAL(10,0) UNSIGNED', def: def(246), values: ['9999999999'], read: 'CAST(x AS CHAR)', build: (r) => r },
  {
    col: 'f', ddl: 'FLOAT', def: def(4),
    values: ['1.1754943508e-38', '3.4028235e38', '-3.4028235e38', '0.1', '16777217', '1e-45', '-1e-50', '0', '1.0000001'],
    // CAST to DOUBLE is exact for a float; MariaDB prints doubles with round-trip digits
    // (negative zero printed as '0': its sign comes from ATAN2, as the binlog's sign bit would give it)
    read: "IF(x = 0 AND ATAN2(x, -1) < 0, '-0', CAST(CAST(x AS DOUBLE) AS CHAR))", build: (r) => Math.fround(Number(r)),
    extraCompare: 'ATAN2(x, -1)',
  },
  { col: 'f74', ddl: 'FLOAT(7,4)', def: def(4), values: ['123.4567', '-999.9999'], read: 'CAST(CAST(x AS DOUBLE) AS CHAR)', build: (r) => Math.fround(Number(r)) },
  {
    col: 'd', ddl: 'DOUBLE', def: def(5),
    values: ['1.7976931348623157e308', '-1.7976931348623157e308', '2.2250738585072014e-308', '5e-324', '0.1', '-0e0', '123456789012345678'],
    read: 'CAST(x AS CHAR)', build: (r) => Number(r), extraCompare: 'ATAN2(x, -1)',
  },
  { col: 'b1', ddl: 'BIT(1)', def: def(16), values: ["b'1'", "b'0'"], read: 'HEX(x)', build: bits(1) },
  { col: 'b5', ddl: 'BIT(5)', def: def(16), values: ["b'10101'", "b'11111'"], read: 'HEX(x)', build: bits(5) },
  { col: 'b64', ddl: 'BIT(64)', def: def(16), values: ["b'1111111111111111111111111111111111111111111111111111111111111111'", '1', "b'1000000000000000000000000000000000000000000000000000000000000000'"], read: 'HEX(x)', build: bits(64) },
  { col: 'y', ddl: 'YEAR', def: def(13), values: ['0000', '1901', '2155', '0'], read: 'CAST(x + 0 AS CHAR)', build: int },
  { col: 'dt0', ddl: 'DATE', def: def(10), values: ["'0000-00-00'", "'1000-01-01'", "'9999-12-31'", "'2024-02-29'"], read: 'CAST(x AS CHAR)', build: (r) => r },
  { col: 'tm', ddl: 'TIME(6)', def: def(19), values: ["'-838:59:59.000000'", "'838:59:59'", "'-00:00:00.000001'", "'12:34:56.789012'"], read: 'CAST(x AS CHAR)', build: (r) => r },
  { col: 'tm0', ddl: 'TIME', def: def(19), values: ["'-12:00:00'"], read: 'CAST(x AS CHAR)', build: (r) => r },
  { col: 'dtm', ddl: 'DATETIME(6)', def: def(18), values: ["'0000-00-00 00:00:00'", "'1000-01-01 00:00:00.000001'", "'9999-12-31 23:59:59.999999'"], read: 'CAST(x AS CHAR)', build: (r) => r },
  {
    col: 'ts', ddl: 'TIMESTAMP(6) NULL', def: def(17),
    values: ["'0000-00-00 00:00:00'", "'1970-01-01 00:00:01'", "'2038-01-19 03:14:07.999999'", "'2024-03-31 01:30:00.5'"],
    read: 'CAST(UNIX_TIMESTAMP(x) AS CHAR)',
    build: (r) => {
      const [s, f = '0'] = r.split('.');
      return { kind: 'timestamp', seconds: Number(s), micros: Number(f.padEnd(6, '0')), fsp: 6 };
    },
  },
  { col: 'ts0', ddl: 'TIMESTAMP NULL', def: def(17), values: ["'2001-02-03 04:05:06'"], read: 'CAST(UNIX_TIMESTAMP(x) AS CHAR)', build: (r) => ({ kind: 'timestamp', seconds: Number(r), micros: 0, fsp: 0 }) },
  {
    col: 'u8', ddl: 'VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin', def: def(15, 46),
    values: ["'plain'", "_utf8mb4 X'F09F98800061005C27222709'", "'it''s \"q\" \\\\ back'", "''", "'trailing  '", "CONCAT('a', CHAR(0), 'b', CHAR(26), CHAR(13), CHAR(10))"],
    read: 'HEX(x)', build: (r) => utf8.decode(hexBytes(r)),
  },
  { col: 'u8ci', ddl: 'CHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci', def: def(254, 45), values: ["'ÄbC'", "'x'"], read: 'HEX(x)', build: (r) => utf8.decode(hexBytes(r)) },
  { col: 'u3', ddl: 'VARCHAR(20) CHARACTER SET utf8mb3', def: def(15, 33), values: ["'日本語'", "'ß'"], read: 'HEX(x)', build: (r) => utf8.decode(hexBytes(r)) },
  {
    col: 'l1', ddl: 'VARCHAR(200) CHARACTER SET latin1', def: def(15, 8),
    values: [`X'${latin1High}'`, "X'5C27005A'"],
    read: 'HEX(x)', build: (r) => cp1252.decode(hexBytes(r)),
  },
  { col: 'l1b', ddl: 'VARCHAR(200) CHARACTER SET latin1', def: def(15, 8), values: [`X'${latin1High}'`], read: 'HEX(x)', build: hexBytes },
  { col: 'cyr', ddl: 'VARCHAR(20) CHARACTER SET cp1251', def: def(15, 51), values: ["'Привет'"], read: 'HEX(x)', build: (r) => new TextDecoder('windows-1251').decode(hexBytes(r)) },
  { col: 'u16', ddl: 'VARCHAR(20) CHARACTER SET utf16', def: def(15, 54), values: ["_utf8mb4 X'F09F9880'", "'abc'"], read: 'HEX(x)', build: (r) => new TextDecoder('utf-16be').decode(hexBytes(r)) },
  { col: 'bin', ddl: 'BINARY(8)', def: def(254, 63, undefined, 0xfe08), values: ["X'0001020300'", "X'FFFFFFFFFFFFFFFF'", "''", "X'00'"], read: 'HEX(x)', build: binlogBinary },
  { col: 'chr', ddl: 'CHAR(5) CHARACTER SET latin1 COLLATE latin1_general_ci', def: def(254, 48), values: ["'a'", "'A'", "'a  '", "' a'", "'é'"], read: 'HEX(x)', build: (r) => cp1252.decode(hexBytes(r)) },
  { col: 'vbin', ddl: 'VARBINARY(20)', def: def(15, 63), values: ["X'00'", "''", "X'5C27'"], read: 'HEX(x)', build: hexBytes },
  { col: 'blb', ddl: 'BLOB', def: def(252, 63), values: ["X'00FF00FE'", 'REPEAT(X\'AB\', 70000 DIV 2)'], read: 'HEX(x)', build: hexBytes },
  { col: 'lblb', ddl: 'LONGBLOB', def: def(252, 63), values: ["REPEAT(X'00', 100000)"], read: 'HEX(x)', build: hexBytes },
  { col: 'txt', ddl: 'TEXT CHARACTER SET utf8mb4', def: def(252, 45), values: ["REPEAT('😀\\\\''', 1000)"], read: 'HEX(x)', build: (r) => utf8.decode(hexBytes(r)) },
  {
    col: 'js', ddl: 'JSON', def: def(252, 46, 'longtext'),
    values: [`'{"a": [1, 2.5, "x\\\\"y"], "b": null, "😀": true}'`, "'[]'", "'\"\\\\u0000\"'"],
    read: 'HEX(x)', build: (r) => utf8.decode(hexBytes(r)),
  },
  { col: 'en', ddl: "ENUM('a','b''q','c,d','😀') CHARACTER SET utf8mb4", def: def(247), values: ["'a'", "'😀'", "'b''q'", "'no such member'"], read: 'CAST(x + 0 AS CHAR)', build: (r) => ({ kind: 'enum', index: Number(r), name: undefined }) },
  { col: 'st', ddl: "SET('x','y','z','😀') CHARACTER SET utf8mb4", def: def(248), values: ["'x,z'", "''", "'x,y,z,😀'"], read: 'CAST(x + 0 AS CHAR)', build: (r) => ({ kind: 'set', bits: BigInt(r), names: undefined }) },
  {
    col: 'geo', ddl: 'GEOMETRY', def: def(255),
    values: ["ST_GeomFromText('POINT(1 2)', 4326)", "ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 3857)", "ST_GeomFromText('LINESTRING(0.1 0.2, 3 4)')"],
    read: 'HEX(x)', build: hexBytes,
  },
  { col: 'pt', ddl: 'POINT', def: def(255), values: ["POINT(-1.5, 2e300)"], read: 'HEX(x)', build: hexBytes },
  {
    col: 'uu', ddl: 'UUID', def: def(254, 63, 'uuid'),
    values: ["'01234567-89ab-1def-8123-456789abcdef'", "'6ccd780c-baba-4026-9564-5b8c656024db'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'", "'00000000-0000-0000-0000-000000000000'"],
    // HEX(uuid) is the stored (and binlogged) byte order on 10.11 (checked against mariadb-binlog)
    read: 'HEX(x)', build: hexBytes,
  },
  { col: 'i6', ddl: 'INET6', def: def(254, 63, 'inet6'), values: ["'2001:db8::ff00:42:8329'", "'::ffff:1.2.3.4'", "'::'"], read: 'HEX(x)', build: hexBytes },
  { col: 'i4', ddl: 'INET4', def: def(254, 63, 'inet4'), values: ["'192.168.1.2'", "'0.0.0.0'", "'255.255.255.255'"], read: 'HEX(x)', build: hexBytes },
];

const STYLES: readonly StringLiteralStyle[] = ['portable', 'backslash', 'hex'];

describe('literal round trip on MariaDB', () => {
  let server: TestServer;
  let conn: mysql.Connection;
  const rowCount = Math.max(...CASES.map((c) => c.values.length)) + 1;

  beforeAll(async () => {
    server = await startServer({ binlogRowMetadata: 'NO_LOG' });
    conn = await server.connect();
    for (const s of LITERAL_SESSION_STATEMENTS) await conn.query(s);
    await conn.query('CREATE DATABASE rt');
    const cols = CASES.map((c) => `${quoteIdentifier(c.col)} ${c.ddl}`).join(',\n');
    await conn.query(`CREATE TABLE rt.src (id INT PRIMARY KEY,\n${cols}) DEFAULT CHARSET=utf8mb4`);
    for (const style of STYLES) await conn.query(`CREATE TABLE rt.copy_${style} LIKE rt.src`);
    // row r holds values[r] of each case (NULL past the end: every column gets a NULL row)
    for (let r = 0; r < rowCount; r++) {
      const vals = CASES.map((c) => c.values[r] ?? 'NULL');
      await conn.query(`INSERT INTO rt.src VALUES (${r}, ${vals.join(', ')})`);
    }
  }, 120_000);

  afterAll(async () => {
    await conn?.end();
    await server?.stop();
  });

  it('stores identical values from rendered literals', async () => {
    // the raw value of every cell, as the decoder would produce it
    const cells: ColumnValue[][] = [];
    for (let r = 0; r < rowCount; r++) cells.push([]);
    for (const [ci, c] of CASES.entries()) {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT id, ${c.read.replace(/\bx\b/g, quoteIdentifier(c.col))} AS v FROM rt.src ORDER BY id`,
      );
      for (const row of rows) {
        const raw = row['v'] as string | null;
        cells[Number(row['id'])]![ci] = raw === null ? null : c.build(typeof raw === 'string' ? raw : String(raw));
      }
    }
    for (const style of STYLES) {
      for (let r = 0; r < rowCount; r++) {
        const lits = CASES.map((c, ci) => renderLiteral(cells[r]![ci]!, c.def, { strings: style }));
        await conn.query(`INSERT INTO rt.copy_${style} VALUES (${r}, ${lits.join(', ')})`);
        const [warnings] = await conn.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
        // storing ENUM index 0 (the "invalid value" member) always warns; it is still stored exactly
        const unexpected = warnings.filter((w) => !(String(w['Message']).includes("'en'") && (cells[r]![CASES.findIndex((c) => c.col === 'en')] as { index?: number } | null)?.index === 0));
        expect(unexpected, `warnings for row ${r} (${style})`).toEqual([]);
      }
    }
    const mismatches: string[] = [];
    for (const style of STYLES) {
      for (const c of CASES) {
        const a = `a.${quoteIdentifier(c.col)}`;
        const b = `b.${quoteIdentifier(c.col)}`;
        const extra = c.extraCompare === undefined ? '' : ` OR NOT (${c.extraCompare.replace(/\bx\b/g, a)} <=> ${c.extraCompare.replace(/\bx\b/g, b)})`;
        const [rows] = await conn.query<mysql.RowDataPacket[]>(
          `SELECT a.id FROM rt.src a JOIN rt.copy_${style} b USING (id) WHERE NOT (${a} <=> ${b}) OR NOT (HEX(${a}) <=> HEX(${b}))${extra}`,
        );
        for (const row of rows) mismatches.push(`${style} ${c.col} row ${String(row['id'])}`);
      }
      const [counts] = await conn.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM rt.copy_${style}`);
      expect(Number(counts[0]!['n'])).toBe(rowCount);
    }
    expect(mismatches).toEqual([]);

    // renderMatch selects exactly the rows holding an identical value (not 'A' for 'a', not 'a ' for 'a')
    const wrongCounts: string[] = [];
    for (const [ci, c] of CASES.entries()) {
      const a = `a.${quoteIdentifier(c.col)}`;
      const b = `b.${quoteIdentifier(c.col)}`;
      for (let r = 0; r < rowCount; r++) {
        const pred = renderMatch(a, cells[r]![ci]!, c.def);
        const extra = c.extraCompare === undefined ? '' : ` AND (${c.extraCompare.replace(/\bx\b/g, a)} <=> ${c.extraCompare.replace(/\bx\b/g, b)})`;
        const [[got]] = await conn.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM rt.src a WHERE ${pred}`);
        const [[want]] = await conn.query<mysql.RowDataPacket[]>(
          `SELECT COUNT(*) AS n FROM rt.src a JOIN rt.src b ON b.id = ${r} WHERE ${a} <=> ${b} AND HEX(${a}) <=> HEX(${b})${c.col === 'f' || c.col === 'd' ? '' : extra}`,
        );
        if (Number(got!['n']) !== Number(want!['n'])) wrongCounts.push(`${c.col} row ${r}: ${String(got!['n'])} rows, want ${String(want!['n'])} (${pred.slice(0, 120)})`);
      }
    }
    expect(wrongCounts).toEqual([]);

    // negative control: the comparison does see a float that differs in the last bit, and -0 vs 0
    await conn.query("UPDATE rt.copy_hex SET f = 1.17549e-38 WHERE id = 0");
    await conn.query("UPDATE rt.copy_hex SET f = 0 WHERE id = 6");
    const [bad] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT a.id FROM rt.src a JOIN rt.copy_hex b USING (id) WHERE NOT (a.f <=> b.f) OR NOT (ATAN2(a.f, -1) <=> ATAN2(b.f, -1)) ORDER BY id',
    );
    expect(bad.map((r) => Number(r['id']))).toEqual([0, 6]);
  }, 120_000);

  /** Rows of rt.<table> as the binlog decoder gives them, rendered to literals right away. */
  async function renderFromBinlog(table: string, schema: SchemaProvider | undefined): Promise<string[][]> {
    await server.flushLogs();
    const out: string[][] = [];
    for (const file of await server.binlogFiles()) {
      for await (const ev of readBinlogFile(file, schema === undefined ? {} : { schema })) {
        const body = ev.body;
        if (body.kind !== 'write' || body.table.db !== 'rt' || body.table.table !== table) continue;
        for (const row of body.rows) {
          const after = row.after!;
          out.push(body.table.columns.map((def, i) => renderLiteral(after[i] as ColumnValue, def)));
        }
      }
    }
    return out;
  }

  async function compareTables(src: string, copy: string): Promise<string[]> {
    const mismatches: string[] = [];
    for (const c of CASES) {
      const a = `a.${quoteIdentifier(c.col)}`;
      const b = `b.${quoteIdentifier(c.col)}`;
      const extra = c.extraCompare === undefined ? '' : ` OR NOT (${c.extraCompare.replace(/\bx\b/g, a)} <=> ${c.extraCompare.replace(/\bx\b/g, b)})`;
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT a.id FROM rt.${src} a LEFT JOIN rt.${copy} b USING (id) WHERE b.id IS NULL OR NOT (${a} <=> ${b}) OR NOT (HEX(${a}) <=> HEX(${b}))${extra}`,
      );
      for (const row of rows) mismatches.push(`${c.col} row ${String(row['id'])}`);
    }
    return mismatches;
  }

  it('round-trips values decoded from the binlog (FULL metadata, and NO_LOG + schemaFromServer)', async () => {
    // src was written with binlog_row_metadata=NO_LOG: decode it with the live server's schema
    const schema = await schemaFromServer(server.url);
    const fromSchema = await renderFromBinlog('src', schema);
    expect(fromSchema.length).toBe(rowCount);
    await conn.query('CREATE TABLE rt.copy_nolog LIKE rt.src');
    for (const lits of fromSchema) await conn.query(`INSERT INTO rt.copy_nolog VALUES (${lits.join(', ')})`);

    // the same rows again with FULL metadata (charsets, names, signedness from the binlog itself)
    await conn.query("SET GLOBAL binlog_row_metadata = 'FULL'");
    const full = await server.connect();
    for (const s of LITERAL_SESSION_STATEMENTS) await full.query(s);
    await full.query('CREATE TABLE rt.src_full LIKE rt.src');
    await full.query('INSERT INTO rt.src_full SELECT * FROM rt.src');
    await full.end();
    const fromFull = await renderFromBinlog('src_full', undefined);
    expect(fromFull.length).toBe(rowCount);
    await conn.query('CREATE TABLE rt.copy_full LIKE rt.src');
    for (const lits of fromFull) await conn.query(`INSERT INTO rt.copy_full VALUES (${lits.join(', ')})`);

    // and with the schema taken from a mariadb-dump of the database
    const dir = mkdtempSync(join(tmpdir(), 'pitr-literal-'));
    try {
      const dumpFile = join(dir, 'rt.sql');
      writeFileSync(dumpFile, execFileSync('mariadb-dump', ['--no-defaults', `--socket=${server.socket}`, '--user=root', '--no-data', '--databases', 'rt']));
      const fromDump = await renderFromBinlog('src', await schemaFromDump(dumpFile));
      expect(fromDump).toEqual(fromSchema);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const nolog = await compareTables('src', 'copy_nolog');
    const fullMismatch = await compareTables('src', 'copy_full');
    expect({ nolog, full: fullMismatch }).toEqual({ nolog: [], full: [] });
  }, 120_000);
});
