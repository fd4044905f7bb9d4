/**
 * ROWS decoding against go-mysql / vitess captured bodies in ../shared/fixtures, incl. the 8
 * PARTIAL_UPDATE_ROWS events from MySQL 8.0.40 with their mysqlbinlog -vvv text.
 */
import { describe, expect, it } from 'vitest';
import { FIXTURES, fixtureGroup, haveFixtures, hex, testContext } from '../../test-support/fixtures.js';
import type { Group } from '../../test-support/fixtures.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Flavor, TableMapBody } from '../types.js';
import { deflateSync } from 'node:zlib';
import { decodeTableMapEvent } from './table-map-event.js';
import { decodeRowsEvent } from './rows-event.js';
import { BinlogFormatError } from '../../errors/pitr-error.js';
import type { ColumnDef, RowsBody } from '../types.js';


const GO = 'mysql8/vectors/go-mysql.json';
const ROWS_V2 = { write: 30, update: 31, delete: 32 } as const;

function col(index: number, type: number, meta: number, extra: Partial<ColumnDef> = {}): ColumnDef {
  return {
    index, type, meta, nullable: true, name: undefined, unsigned: undefined, collationId: undefined,
    enumValues: undefined, setValues: undefined, geometryType: undefined, sqlType: undefined,
    generated: undefined, primaryKey: false, ...extra,
  };
}

function table(tableId: number, columns: ColumnDef[], db = 'test', name = 't'): TableMapBody {
  return { kind: 'table_map', tableId, flags: 0, db, table: name, columns, metadataFields: [], schemaApplied: false };
}

/** TABLE_MAP body then rows body through the real decoders. */
function decodePair(tableMapHex: string, rowsHex: string, typeCode: number, flavor: Flavor = 'mysql'): RowsBody {
  const ctx = testContext(flavor);
  const tm = decodeTableMapEvent(hex(tableMapHex), ctx, 100);
  ctx.tableMaps.set(tm.tableId, tm);
  return decodeRowsEvent(hex(rowsHex), typeCode, ctx, 200);
}

describe.skipIf(!haveFixtures)('ROWS go-mysql vectors', () => {
  it('TestLastNull: trailing NULLs in v2 writes', () => {
    for (const c of fixtureGroup(GO, 'TestLastNull').cases) {
      const r = decodePair(c.table_map_body_hex as string, c.rows_body_hex as string, ROWS_V2.write);
      expect(r.rows.length).toBe(c.expected_row_count);
      expect(r.eventName).toBe('WRITE_ROWS_EVENT_V2');
      // …fe01 ff fe02 = (1),(NULL),(2); …fe01 fe02 ff = (1),(2),(NULL)
      expect(r.rows.map((x) => x.after![0])).toEqual(c.rows_body_hex === 'd301000000000100020001fffe01fffe02' ? [1, null, 2] : [1, 2, null]);
    }
  });

  it('TestParseRowPanic: only the present columns are read', () => {
    const c = fixtureGroup(GO, 'TestParseRowPanic').cases[0]!;
    const types = hex((c.column_types as { hex: string }).hex);
    const metas = c.column_meta as number[];
    const ctx = testContext();
    ctx.tableMaps.set(c.table_id as number, table(c.table_id as number, [...types].map((t, i) => col(i, t, metas[i]!))));
    const r = decodeRowsEvent(hex(c.rows_body_hex as string), ROWS_V2.write, ctx, 0);
    expect(r.rows[0]!.after![0]).toBe((c.expected as Record<string, number>).row0_col0_int32);
  });

  it('TestParseJson: MySQL 5.7 JSON + DECIMAL rows', () => {
    const g = fixtureGroup(GO, 'TestParseJson');
    for (const c of g.cases) {
      const rowsHex = (c.rows_body_hex as string).replace(/"/g, '');
      const tmHex = (c.table_map_body_hex as string | undefined) ?? (g.cases[0]!.table_map_body_hex as string);
      const r = decodePair(tmHex, rowsHex, ROWS_V2.write);
      const exp = c.expected as Record<string, unknown>;
      const row = r.rows[0]!.after!;
      expect(row[1]).toBe(exp.row0_col1_decimal_string);
      if ('row0_col0' in exp) expect(row[0]).toBe(null);
      // go-mysql compares compact JSON; MySQL prints `{"key1": "value1", "key2": "value2"}`.
      if ('row0_col0_json' in exp) expect(row[0]).toBe('{"key1": "value1", "key2": "value2"}');
      if ('row0_col0_json_note' in exp) expect(row[0]).toMatch(/^\{"text": "Lorem ipsum dolor sit amet, consectetuer adipiscing elit\. /);
    }
  });

  it('TestEnum / TestMultiBytesEnum / TestSet', () => {
    const e = fixtureGroup(GO, 'TestEnum').cases[0]!;
    expect(decodePair(e.table_map_body_hex as string, e.rows_body_hex as string, ROWS_V2.write).rows[0]!.after![1]).toEqual({ kind: 'enum', index: 1, name: undefined });
    const m = fixtureGroup(GO, 'TestMultiBytesEnum').cases[0]!;
    const mr = decodePair(m.table_map_body_hex as string, m.rows_body_hex as string, ROWS_V2.write);
    expect(mr.rows.map((x) => (x.after![1] as { index: number }).index)).toEqual([1, 257]);
    const s = fixtureGroup(GO, 'TestSet').cases[0]!;
    expect(decodePair(s.table_map_body_hex as string, s.rows_body_hex as string, ROWS_V2.write).rows[0]!.after![1]).toEqual({ kind: 'set', bits: 5n, names: undefined });
  });

  it('TestJsonNull: a zero-length JSON value is JSON null', () => {
    const c = fixtureGroup(GO, 'TestJsonNull').cases[0]!;
    const r = decodePair(c.table_map_body_hex as string, c.rows_body_hex as string, ROWS_V2.write);
    expect(r.rows[0]!.after![3]).toBe('null');
  });

  it('TestJsonCompatibility: virtual JSON columns (MySQL 5.7 images)', () => {
    const g = fixtureGroup(GO, 'TestJsonCompatibility');
    const tmHex = g.cases[0]!.table_map_body_hex as string;
    const texts = (r: RowsBody): unknown[] => r.rows.flatMap((x) => [x.before?.[2], x.after?.[2]]).filter((v) => v !== undefined);
    expect(texts(decodePair(tmHex, g.cases[0]!.rows_body_hex as string, ROWS_V2.write))).toEqual(['{}']);
    expect(texts(decodePair(tmHex, g.cases[1]!.rows_body_hex as string, ROWS_V2.update))).toEqual(['{}', '{"a": 1234}']);
    expect(texts(decodePair(tmHex, g.cases[2]!.rows_body_hex as string, ROWS_V2.update))).toEqual(['{"a": 1234}', '{}']);
    // Pre-5.7.22 servers logged garbage for virtual JSON columns; go-mysql can ignore it (null).
    // We never guess: it is a positioned format error.
    expect(() => decodePair(tmHex, g.cases[3]!.rows_body_hex as string, ROWS_V2.update)).toThrow(BinlogFormatError);
    expect(texts(decodePair(tmHex, g.cases[4]!.rows_body_hex as string, ROWS_V2.update))).toEqual(['{}', '{}']);
  });

  it('TestInvalidEvent: corrupt v1 rows are a BinlogFormatError', () => {
    const c = fixtureGroup(GO, 'TestInvalidEvent').cases[0]!;
    const t = c.table as { table_id: number; column_types: number[]; column_meta: number[] };
    const ctx = testContext();
    ctx.tableMaps.set(t.table_id, table(t.table_id, t.column_types.map((ty, i) => col(i, ty, t.column_meta[i]!))));
    expect(() => decodeRowsEvent(hex(c.rows_body_hex as string), 24, ctx, 0)).toThrow(BinlogFormatError);
  });

  it('TestRowsDataExtraData: NDB info and partition ids', () => {
    for (const c of fixtureGroup(GO, 'TestRowsDataExtraData').cases) {
      const type = String(c.event_type).startsWith('UPDATE') ? ROWS_V2.update : ROWS_V2.write;
      const r = decodePair(c.table_map_body_hex as string, c.rows_body_hex as string, type);
      const x = r.extraRowInfo;
      expect(x?.partitionId ?? 0).toBe(c.expected_partition_id);
      expect(x?.sourcePartitionId ?? 0).toBe(c.expected_source_partition_id);
      expect(x?.ndbFormat ?? 0).toBe(c.expected_ndb_format);
      expect(x?.ndbData === undefined ? null : Buffer.from(x.ndbData).toString('hex')).toBe(c.expected_ndb_data_hex);
    }
  });

  it('TestRowsEventDecodeImageWithEmptyJSON: empty diffs leave the JSON unchanged', () => {
    const c = fixtureGroup(GO, 'TestRowsEventDecodeImageWithEmptyJSON').cases[0]!;
    const types = c.column_types as number[];
    const metas = c.column_meta as number[];
    const ctx = testContext();
    ctx.tableMaps.set(9, table(9, types.map((t, i) => col(i, t, metas[i]!))));
    // Build a PARTIAL_UPDATE_ROWS body: before image with JSON {"a": 2} in columns 2-4, then the vector's after image.
    const doc = '0d000000' + '0001000c000b00010005020061';
    const before = '00' + 'f62b0f00' + 'ebaf5002' + doc + doc + doc + '99acfabec3' + '99afab3118' + '34110000';
    const body = '090000000000' + '0000' + '0200' + '08' + 'ff' + 'ff' + before + (c.image_hex as string);
    const r = decodeRowsEvent(hex(body), 39, ctx, 0);
    const after = r.rows[0]!.after!;
    expect(after[0]).toBe(994294);
    expect(after[1]).toBe(38842347);
    expect(after.slice(2, 5)).toEqual(['{"a": 2}', '{"a": 2}', '{"a": 2}']);
    expect(after[7]).toBe(4404);
  });
});

describe.skipIf(!haveFixtures)('vitess PARTIAL_UPDATE_ROWS (MySQL 8.0.40, mysqlbinlog -vvv)', () => {
  // vt_commerce.customer (id BIGINT — mysqlbinlog's LONGINT, email VARCHAR(128), data JSON).
  const customer = table(176, [col(0, 8, 0, { nullable: false }), col(1, 15, 128, { collationId: 255 }), col(2, 245, 4)], 'vt_commerce', 'customer');
  // After images = the before document with mysqlbinlog's JSON_REPLACE/REMOVE/INSERT applied, in
  // MySQL's key order (length, then bytes) and text style.
  const expected: Record<string, [unknown, unknown]> = {
    REPLACE: ['{"role": "manager", "salary": 100}', '{"role": "IC", "salary": 100}'],
    REMOVE: ['{"role": "manager", "salary": 99}', '{"role": "manager"}'],
    'INSERT and REMOVE and REPLACE': [
      '{"day": "monday", "role": "manager", "salary": 99, "favorite_color": "red"}',
      '{"day": "tuesday", "role": "manager", "hobby": "skiing", "salary": 99}',
    ],
    'REPLACE with null': ['{"role": "manager", "salary": 99}', '{"role": "manager", "salary": null}'],
    // The transcribed bytes' before image has salary 99 where the mysqlbinlog text says null (upstream
    // reused the previous event's before image); the logged diff is the same either way.
    'REPLACE 2 paths': ['{"role": "manager", "salary": 99}', '{"role": "IC", "salary": 110}'],
    'JSON null': ['{"day": "friday", "role": "manager", "color": "red", "salary": 100, "favorite_color": "black"}', 'null'],
    // mysqlbinlog prints the JSON string "null" as 'null'; the server itself prints "null" (quoted).
    'null literal string': [null, '"null"'],
    'JSON object': [
      '{"day": "wednesday", "role": "manager", "color": "red", "salary": 100}',
      '{"day": "wednesday", "misc": "{\\"address\\":\\"1012 S Park\\", \\"town\\":\\"Hastings\\", \\"state\\":\\"MI\\"}", "role": "manager", "color": "red", "salary": 100}',
    ],
  };
  const cases = haveFixtures ? fixtureGroup('mysql8/vectors/vitess.json', 'TestMySQL56PartialUpdateRowsEvent').cases : [];
  it('has the 8 events', () => expect(cases.length).toBe(8));
  for (const c of cases) {
    it(String(c.name), () => {
      const event = hex(c.event_hex as string);
      expect(event[4]).toBe(39);
      const ctx = testContext();
      const tableId = Buffer.from(event).readUIntLE(19, 6);
      ctx.tableMaps.set(tableId, { ...customer, tableId });
      const r = decodeRowsEvent(event.subarray(19), 39, ctx, 19);
      expect(r.eventName).toBe('PARTIAL_UPDATE_ROWS_EVENT');
      expect(r.rows.length).toBe(c.num_rows);
      const [before, after] = expected[String(c.name)]!;
      const row = r.rows[0]!;
      expect(row.before![2]).toBe(before);
      expect(row.after![2]).toBe(after);
      // the mysqlbinlog text names the same id and email on both sides
      const lines = (c.mysqlbinlog_vvv_decode_rows as string[]).join('\n');
      expect(lines).toContain(`@1=${String(row.before![0])} `);
      expect(lines).toContain(`@2='${row.after![1] as string}'`);
      if (typeof before === 'string' && c.name !== 'REPLACE 2 paths') expect(lines).toContain(`@3='${before}'`);
    });
  }
});

describe('ROWS structure', () => {
  const t = (): ReturnType<typeof testContext> => {
    const ctx = testContext('mariadb');
    ctx.tableMaps.set(5, table(5, [col(0, 3, 0), col(1, 15, 20, { collationId: 45 })]));
    return ctx;
  };
  // v1 write, table 5, 2 columns, both present; row (7, 'hé')
  const rowsPart = '00' + '07000000' + '03' + Buffer.from('hé').toString('hex');
  const v1 = '050000000000' + '0100' + '02' + '03' + rowsPart;

  it('decodes v1 rows with a known charset as text', () => {
    const r = decodeRowsEvent(hex(v1), 23, t(), 0);
    expect(r).toMatchObject({ kind: 'write', version: 1, tableId: 5, flags: 1, compressed: false });
    expect(r.rows).toEqual([{ after: [7, 'hé'] }]);
  });

  it('MariaDB compressed v1 rows (zlib with a length header)', () => {
    const raw = hex(rowsPart + rowsPart);
    const z = deflateSync(raw);
    const body = '050000000000' + '0100' + '02' + '03' + '81' + raw.length.toString(16).padStart(2, '0') + Buffer.from(z).toString('hex');
    const r = decodeRowsEvent(hex(body), 166, t(), 0);
    expect(r.compressed).toBe(true);
    expect(r.eventName).toBe('MARIADB_WRITE_ROWS_COMPRESSED_EVENT_V1');
    expect(r.rows).toEqual([{ after: [7, 'hé'] }, { after: [7, 'hé'] }]);
  });

  it('columns not in the image are undefined, NULL is null', () => {
    // present: only column 1; null bitmap says NULL
    const body = '050000000000' + '0000' + '02' + '02' + '01';
    const r = decodeRowsEvent(hex(body), 25, t(), 0);
    expect(r.rows).toEqual([{ before: [undefined, null] }]);
    expect(0 in r.rows[0]!.before!).toBe(false);
  });

  it('a missing TABLE_MAP is a BinlogFormatError', () => {
    const ctx = testContext();
    expect(() => decodeRowsEvent(hex(v1), 23, ctx, 4)).toThrow(/without a preceding TABLE_MAP_EVENT/);
  });

  it('every truncation is a positioned BinlogFormatError', () => {
    const bytes = hex(v1);
    for (let n = 0; n < bytes.length; n++) {
      if (n === 10) continue; // ends exactly after the bitmap: a valid event with no rows
      let err: unknown;
      try {
        decodeRowsEvent(bytes.subarray(0, n), 23, t(), 1000);
      } catch (e) {
        err = e;
      }
      expect(err, `truncated at ${n}`).toBeInstanceOf(BinlogFormatError);
    }
  });
});

describe('ROWS property: hostile input', () => {
  it('random and truncated bodies only ever throw BinlogFormatError', async () => {
    const fc = await import('fast-check');
    const ctx = testContext('mariadb');
    ctx.tableMaps.set(5, table(5, [
      col(0, 3, 0), col(1, 15, 300, { collationId: 45 }), col(2, 246, (20 << 8) | 6), col(3, 18, 6), col(4, 19, 3),
      col(5, 254, (247 << 8) | 2), col(6, 254, (248 << 8) | 3), col(7, 16, (2 << 8) | 3), col(8, 252, 4), col(9, 245, 4),
      col(10, 8, 0, { unsigned: true }), col(11, 17, 6), col(12, 13, 0), col(13, 10, 0), col(14, 11, 0), col(15, 12, 0),
    ]));
    const head = '050000000000' + '0000';
    for (const type of [23, 24, 25, 30, 31, 32, 39, 166, 170]) {
      const prefix = type >= 30 && type <= 32 || type === 39 || type === 170 ? head + '0200' : head;
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
          const body = Uint8Array.from([...hex(prefix + '10'), ...tail]);
          try {
            decodeRowsEvent(body, type, ctx, 0);
          } catch (e) {
            if (!(e instanceof BinlogFormatError)) throw e;
          }
        }),
        { numRuns: 300 },
      );
    }
  });
});

describe.skipIf(!haveFixtures)('msmp full events (MySQL 8.0.34)', () => {
  const events = haveFixtures
    ? [...fixtureGroup('mysql8/vectors/msmp.json', 'msmp_binlog_event_tests').cases, ...fixtureGroup('mysql8/vectors/msmp.json', 'msmp_binlog_write_rows_tests').cases]
    : [];
  const body = (c: Record<string, unknown>): Uint8Array => {
    const ev = hex(c.event_hex as string);
    return ev.subarray(19, ev.length - 4);
  };

  it('TABLE_MAP events: names, signedness, charsets, ENUM members, PK, visibility', () => {
    const maps = events.filter((c) => c.event_type === 'table_map');
    expect(maps.length).toBe(5);
    for (const c of maps) {
      const e = (c.expected_decoded as { packet: { event: Record<string, unknown> } }).packet.event;
      const tm = decodeTableMapEvent(body(c), testContext(), 0);
      expect(tm.tableId).toBe(e.table_id);
      expect(tm.db).toBe(e.database);
      expect(tm.table).toBe(e.table);
      const md = e.metadata as Record<string, unknown>;
      if (md.column_name) expect(tm.columns.map((x) => x.name)).toEqual(md.column_name);
      // msmp numbers signedness entries 1-based over numeric columns
      const uns = md.unsignedness as Record<string, string> | undefined;
      if (uns) {
        const numeric = tm.columns.filter((x) => x.unsigned !== undefined);
        expect(numeric.map((x) => String(x.unsigned))).toEqual(Object.keys(uns).sort((a, b) => +a - +b).map((k) => uns[k]));
      }
      if (Array.isArray(md.default_charset)) {
        for (const x of tm.columns.filter((x) => x.collationId !== undefined)) expect(x.collationId).toBe(md.default_charset[0]);
      }
      if (md.enum_str_value) expect(tm.columns.filter((x) => x.enumValues).map((x) => x.enumValues)).toEqual(md.enum_str_value);
      if (md.simple_primary_key) expect(tm.columns.filter((x) => x.primaryKey).map((x) => x.index)).toEqual(md.simple_primary_key);
    }
  });

  it('an 8 KB WRITE_ROWS with UTF-8 strings', () => {
    const c = events.find((x) => x.event_type === 'write_rows')!;
    const e = (c.expected_decoded as { packet: { event: { rows: { $tuple: string[] }[] } } }).packet.event;
    const ctx = testContext();
    // msmp does not include this event's TABLE_MAP: 6 VARCHAR utf8mb4 columns (first < 256 bytes, others not).
    ctx.tableMaps.set(118, table(118, [0, 1, 2, 3, 4, 5].map((i) => col(i, 15, i === 0 ? 200 : 400, { collationId: 255 }))));
    const r = decodeRowsEvent(body(c), 30, ctx, 0);
    expect(r.rows.map((x) => x.after)).toEqual(e.rows.map((t) => t.$tuple));
  });
});
