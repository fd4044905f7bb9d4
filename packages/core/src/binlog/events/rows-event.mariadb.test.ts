/**
 * TABLE_MAP + ROWS decoding against a real MariaDB (a throwaway mariadbd from tools/src): every
 * column type with binlog_row_metadata=FULL, MariaDB compressed rows events (log_bin_compress),
 * then NO_LOG metadata with a schema applied. Also checks our collation → charset table against the
 * server's information_schema.COLLATIONS.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../../../../tools/src/index.js';
import { decodeTableMapEvent } from './table-map-event.js';
import { decodeRowsEvent, isRowsEventType } from './rows-event.js';
import { charsetForCollation } from '../columns/charsets.js';
import type { DecodeContext } from '../decode-context.js';
import type { RowsBody, TableMapBody } from '../types.js';
import type { SchemaProvider, TableSchema } from '../../schema/schema-provider.js';

/** Minimal walker over a MariaDB binlog file (the product reader lives elsewhere). */
function decodeFile(path: string, schema?: SchemaProvider): { rows: RowsBody[]; warnings: string[] } {
  const bytes = new Uint8Array(readFileSync(path));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let postHeader: Uint8Array = new Uint8Array(0);
  const warnings: string[] = [];
  const ctx: DecodeContext = {
    file: path, pos: 0, flavor: 'mariadb', postHeaderLength: (t) => postHeader[t - 1] ?? 0,
    tableMaps: new Map<number, TableMapBody>(), schema, warn: (m) => warnings.push(m),
  };
  const rows: RowsBody[] = [];
  let crc = 0;
  for (let pos = 4; pos < bytes.length; ) {
    const size = dv.getUint32(pos + 9, true);
    const type = bytes[pos + 4]!;
    const ev = bytes.subarray(pos, pos + size);
    if (type === 15) {
      const alg = ev[ev.length - 5]!;
      crc = alg === 1 ? 4 : 0;
      postHeader = ev.subarray(19 + 57, ev.length - (alg === 1 ? 5 : 1));
    } else if (type === 19) {
      const tm = decodeTableMapEvent(ev.subarray(19, size - crc), ctx, pos + 19);
      ctx.tableMaps.set(tm.tableId, tm);
    } else if (isRowsEventType(type)) {
      rows.push(decodeRowsEvent(ev.subarray(19, size - crc), type, ctx, pos + 19));
    }
    pos += size;
  }
  return { rows, warnings };
}

const COLUMNS = `id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mu MEDIUMINT UNSIGNED,
  bi BIGINT, bu BIGINT UNSIGNED, d DECIMAL(30,10), f FLOAT, db DOUBLE, bt BIT(10), y YEAR, dt DATE,
  tm TIME(6), dtm DATETIME(3), ts TIMESTAMP(6) NULL, c CHAR(5), vc VARCHAR(300),
  l1 VARCHAR(20) CHARACTER SET latin1, cy VARCHAR(20) CHARACTER SET cp1251, u16 VARCHAR(10) CHARACTER SET utf16,
  u32 VARCHAR(10) CHARACTER SET utf32, bin BINARY(6), vb VARBINARY(10), tx TEXT, bl BLOB, j JSON,
  e ENUM('a','b','c'), s SET('x','y','z'), g POINT, uu UUID, i6 INET6, i4 INET4`;

const VALUES = `(1, -5, 250, -30000, 16000000, -9000000000000000000, 18446744073709551615,
  '-12345678901234567890.0123456789', 1.5, 3.141592653589793, b'1010101010', 2024, '2024-02-29',
  '-838:59:58.999999', '2024-05-17 12:34:56.789', '2021-01-01 00:00:01.000001', 'ab', 'héllo wörld 😀',
  'café €‰', 'Привет', 'ω€', '𝄞x', 'ab', 0x00ff, 'text é', 0xdeadbeef, '{"b": [1, 2.5, "x"], "a": null}',
  'b', 'x,z', POINT(1,2), '123e4567-e89b-12d3-a456-426614174000', '2001:db8::1', '192.168.0.1')`;

const hex = (v: unknown): string => Buffer.from(v as Uint8Array).toString('hex');

describe('MariaDB server: every column type, FULL metadata, compressed rows', () => {
  let server: TestServer;
  let files: string[] = [];
  let collations: { ID: number; CHARACTER_SET_NAME: string }[] = [];

  beforeAll(async () => {
    server = await startServer({ binlogRowMetadata: 'FULL', logBinCompress: true, logBinCompressMinLen: 10, timeZone: '+00:00' });
    await server.query('CREATE DATABASE d1');
    await server.query(`CREATE TABLE d1.t (${COLUMNS})`);
    await server.query(`INSERT INTO d1.t VALUES ${VALUES}`);
    await server.query(`UPDATE d1.t SET vc = 'changed', ts = NULL WHERE id = 1`);
    await server.query('CREATE TABLE d1.many (id INT PRIMARY KEY, v VARCHAR(100))');
    await server.query(`INSERT INTO d1.many VALUES ${Array.from({ length: 300 }, (_, i) => `(${i}, 'row ${i} ${'x'.repeat(i % 50)}')`).join(',')}`);
    await server.query('DELETE FROM d1.many WHERE id < 100');
    await server.query('SET GLOBAL binlog_row_metadata = NO_LOG, GLOBAL log_bin_compress = OFF');
    const conn = await server.connect();
    await conn.query(`INSERT INTO d1.t VALUES ${VALUES.replace('(1,', '(2,')}`);
    await conn.end();
    await server.flushLogs();
    files = (await server.binlogFiles()).slice(0, -1);
    collations = await server.query('SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE ID IS NOT NULL');
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  function allRows(schema?: SchemaProvider): { rows: RowsBody[]; warnings: string[] } {
    const out = files.map((f) => decodeFile(f, schema));
    return { rows: out.flatMap((o) => o.rows), warnings: out.flatMap((o) => o.warnings) };
  }

  it('decodes every type exactly (FULL metadata)', () => {
    const { rows } = allRows();
    const w = rows.find((r) => r.kind === 'write' && r.table.table === 't')!;
    const names = w.table.columns.map((c) => c.name);
    const row = Object.fromEntries(w.rows[0]!.after!.map((v, i) => [names[i], v]));
    expect(row).toMatchObject({
      id: 1, ti: -5, tu: 250, si: -30000, mu: 16000000, bi: -9000000000000000000n, bu: 18446744073709551615n,
      d: '-12345678901234567890.0123456789', f: 1.5, db: 3.141592653589793, y: 2024, dt: '2024-02-29',
      tm: '-838:59:58.999999', dtm: '2024-05-17 12:34:56.789', ts: { kind: 'timestamp', seconds: 1609459201, micros: 1, fsp: 6 },
      c: 'ab', vc: 'héllo wörld 😀', l1: 'café €‰', cy: 'Привет', u16: 'ω€', u32: '𝄞x', tx: 'text é',
      j: '{"b": [1, 2.5, "x"], "a": null}', e: { kind: 'enum', index: 2, name: 'b' }, s: { kind: 'set', bits: 5n, names: ['x', 'z'] },
    });
    expect(hex(row.bt)).toBe('02aa');
    // BINARY(6) is logged without its trailing 0x00 padding; we restore the stored 6 bytes.
    expect(hex(row.bin)).toBe('616200000000');
    expect(hex(row.vb)).toBe('00ff');
    expect(hex(row.bl)).toBe('deadbeef');
    expect(hex(row.g)).toBe('00000000' + '0101000000' + '000000000000f03f' + '0000000000000040');
    expect((row.uu as Uint8Array).length).toBe(16);
    expect(hex(row.i6)).toBe('20010db8000000000000000000000001');
    expect(hex(row.i4)).toBe('c0a80001');
  });

  it('decodes the update images and MariaDB compressed rows events', () => {
    const { rows } = allRows();
    const u = rows.find((r) => r.kind === 'update' && r.table.table === 't')!;
    expect(u.rows[0]!.before![17]).toBe('héllo wörld 😀');
    expect(u.rows[0]!.after![17]).toBe('changed');
    expect(u.rows[0]!.after![15]).toBeNull();
    const many = rows.filter((r) => r.table.table === 'many');
    expect(many.some((r) => r.compressed && /COMPRESSED/.test(r.eventName))).toBe(true);
    expect(many.filter((r) => r.kind === 'write').flatMap((r) => r.rows).length).toBe(300);
    expect(many.filter((r) => r.kind === 'delete').flatMap((r) => r.rows).map((x) => x.before![0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const w = many.find((r) => r.kind === 'write')!;
    expect(w.rows[7]!.after).toEqual([7, `row 7 ${'x'.repeat(7)}`]);
  });

  it('NO_LOG metadata: bytes without a schema, text with one', () => {
    const plain = allRows().rows.filter((r) => r.kind === 'write' && r.table.table === 't').at(-1)!;
    expect(plain.table.metadataFields).toEqual([]);
    expect(plain.table.columns[17]!.name).toBeUndefined();
    expect(plain.rows[0]!.after![17]).toBeInstanceOf(Uint8Array);
    // unknown signedness: decoded signed
    expect(plain.rows[0]!.after![2]).toBe(-6);

    const full = allRows().rows.find((r) => r.kind === 'write' && r.table.table === 't')!.table;
    const schema: TableSchema = {
      db: 'd1', table: 't',
      columns: full.columns.map((c) => ({
        name: c.name!, sqlType: c.type === 254 && c.meta >>> 8 === 0xfe && (c.meta & 0xff) === 16 ? 'uuid' : 'x', baseType: '',
        unsigned: c.unsigned ?? false, nullable: c.nullable, collationId: c.collationId, enumValues: c.enumValues,
        setValues: c.setValues, generated: false, primaryKey: c.primaryKey,
      })),
    };
    const withSchema = allRows({ getTable: (db, t) => (db === 'd1' && t === 't' ? schema : undefined) }).rows.filter((r) => r.kind === 'write' && r.table.table === 't').at(-1)!;
    expect(withSchema.table.schemaApplied).toBe(true);
    const after = withSchema.rows[0]!.after!;
    expect(after[0]).toBe(2);
    expect(after[2]).toBe(250);
    expect(after[17]).toBe('héllo wörld 😀');
    expect(after[18]).toBe('café €‰');
    expect(after[26]).toBe('{"b": [1, 2.5, "x"], "a": null}');
    expect(after[27]).toEqual({ kind: 'enum', index: 2, name: 'b' });
  });

  it("our collation table agrees with the server's information_schema.COLLATIONS", () => {
    const mismatches: string[] = [];
    for (const { ID, CHARACTER_SET_NAME } of collations) {
      const ours = charsetForCollation(Number(ID));
      if (ours?.charset !== CHARACTER_SET_NAME) mismatches.push(`${ID}: server ${CHARACTER_SET_NAME}, ours ${ours?.charset ?? 'unknown'}`);
    }
    expect(mismatches).toEqual([]);
    expect(collations.length).toBeGreaterThan(300);
  });
});
