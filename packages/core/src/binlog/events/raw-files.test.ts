/**
 * Whole raw binlog files from ../shared/fixtures through our TABLE_MAP/ROWS decoders, with a minimal
 * event walker local to this test (the product reader lives elsewhere): every row event of every
 * file must decode, and the values rust_mysql_common asserts must match.
 */
import { readdirSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURES, fixtureGroup, haveFixtures, hex, testContext } from '../../test-support/fixtures.js';
import type { Group } from '../../test-support/fixtures.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Flavor, TableMapBody } from '../types.js';
import { decompress } from 'zstd-napi';
import { decodeTableMapEvent } from './table-map-event.js';
import { decodeRowsEvent, isRowsEventType } from './rows-event.js';
import type { RowsBody } from '../types.js';


function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** Decodes every TABLE_MAP and rows event of a raw file (incl. inside TRANSACTION_PAYLOAD). */
function decodeFile(path: string): { rows: RowsBody[]; tableMaps: TableMapBody[]; flavor: Flavor } {
  const bytes = new Uint8Array(readFileSync(path));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(Buffer.from(bytes.subarray(0, 4)).toString('hex')).toBe('fe62696e');
  const ctx = testContext('mysql');
  ctx.file = path;
  let postHeader: Uint8Array = new Uint8Array(0);
  ctx.postHeaderLength = (type: number) => postHeader[type - 1] ?? 0;
  let checksumBytes = 0;
  const rows: RowsBody[] = [];
  const tableMaps: TableMapBody[] = [];
  const handle = (ev: Uint8Array, offset: number, crc: number): void => {
    const type = ev[4]!;
    const body = ev.subarray(19, ev.length - crc);
    if (type === 15) {
      // FORMAT_DESCRIPTION_EVENT: post-header lengths; checksum algorithm byte before the CRC.
      const version = Buffer.from(body.subarray(2, 52)).toString('latin1');
      ctx.flavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
      const alg = ev[ev.length - 5]!;
      checksumBytes = alg === 1 ? 4 : 0;
      postHeader = ev.subarray(19 + 57, ev.length - (alg === 1 ? 5 : 1));
    } else if (type === 19) {
      const tm = decodeTableMapEvent(body, ctx, offset + 19);
      ctx.tableMaps.set(tm.tableId, tm);
      tableMaps.push(tm);
    } else if (isRowsEventType(type)) {
      rows.push(decodeRowsEvent(body, type, ctx, offset + 19));
    } else if (type === 40) {
      // TRANSACTION_PAYLOAD_EVENT: TLV header (type, length, value; type 0 ends it), then zstd.
      let p = 0;
      const lenenc = (): number => {
        const b = body[p++]!;
        if (b < 0xfb) return b;
        const n = b === 0xfc ? 2 : b === 0xfd ? 3 : 8;
        const v = Buffer.from(body).readUIntLE(p, Math.min(n, 6));
        p += n;
        return v;
      };
      for (;;) {
        const t = lenenc();
        if (t === 0) break;
        const len = lenenc(); // (not `p += lenenc()`: that reads p before the call advances it)
        p += len;
      }
      const inner = new Uint8Array(decompress(Buffer.from(body.subarray(p))));
      for (let q = 0; q < inner.length; ) {
        const size = new DataView(inner.buffer, inner.byteOffset).getUint32(q + 9, true);
        handle(inner.subarray(q, q + size), offset, 0);
        q += size;
      }
    }
  };
  for (let pos = 4; pos < bytes.length; ) {
    const size = dv.getUint32(pos + 9, true);
    const ev = bytes.subarray(pos, pos + size);
    handle(ev, pos, ev[4] === 15 ? 0 : checksumBytes);
    pos += size;
  }
  return { rows, tableMaps, flavor: ctx.flavor };
}

const rawDirs = ['mysql8/raw', 'mariadb/raw'];
const rawFiles = haveFixtures ? rawDirs.flatMap((d) => listFiles(join(FIXTURES, d))).filter((f) => !/\.(sql|txt)$/.test(f)) : [];

describe.skipIf(!haveFixtures)('every raw fixture binlog decodes', () => {
  for (const f of rawFiles) {
    it(f.slice(FIXTURES.length + 1), () => {
      const { rows } = decodeFile(f);
      for (const r of rows) for (const change of r.rows) for (const img of [change.before, change.after]) if (img) expect(img.length).toBe(r.table.columns.length);
    });
  }
});

describe.skipIf(!haveFixtures)('rust_mysql_common expectations', () => {
  const dir = (name: string): string => join(FIXTURES, 'mysql8/raw/rust_mysql_common', name);
  const exp = haveFixtures ? (JSON.parse(readFileSync(join(FIXTURES, 'mysql8/expectations/rust_mysql_common.json'), 'utf8')) as { files: Record<string, Record<string, unknown>> }).files : {};

  it('json-opaque.binlog: opaque scalars as MySQL prints them', () => {
    const { rows } = decodeFile(dir('json-opaque.binlog'));
    const docs = rows.map((r) => r.rows[0]!.after![0]);
    const want = exp['json-opaque.binlog']!.rows_events_after_image_json as unknown[];
    expect(docs.length).toBe(want.length);
    // MySQL's own printing: DECIMAL opaque values are numbers ("d": 123.456); rust_mysql_common lists them as strings.
    expect(docs).toEqual([
      '{"a": "base64:type15:VQ=="}',
      '{"b": "2012-03-18"}',
      '{"c": "2012-03-18 11:30:45.000000"}',
      '{"c": "87:31:46.654321"}',
      '{"d": 123.456}',
      '{"e": 9.00}',
      '{"e": [0, 1, true, false]}',
      '{"e": null}',
    ]);
    docs.forEach((d, i) => {
      const parsed = JSON.parse(d as string) as Record<string, unknown>;
      const w = want[i] as Record<string, unknown>;
      const key = Object.keys(w)[0]!;
      if (typeof parsed[key] === 'number') expect(Number(w[key])).toBe(parsed[key]);
      else expect(parsed).toEqual(w);
    });
  });

  it('vector.binlog: dimensions and float32 bytes', () => {
    const { rows, tableMaps } = decodeFile(dir('vector.binlog'));
    const dims = (name: string): number[] => tableMaps.find((t) => t.table === name)!.columns.filter((c) => c.type === 242).map((c) => c.vectorDimensions!);
    expect(dims('foo')).toEqual([3]);
    expect(dims('bar')).toEqual([2, 4]);
    const w = exp['vector.binlog']!.first_write_rows_event_into_foo as { id: number; vector_bytes_hex: string }[];
    const first = rows.find((r) => r.kind === 'write' && r.table.table === 'foo')!;
    first.rows.forEach((row, i) => {
      expect(row.after![0]).toBe(BigInt(w[i]!.id));
      expect(Buffer.from(row.after![1] as Uint8Array).toString('hex')).toBe(w[i]!.vector_bytes_hex);
    });
  });

  it('mysql-enum-string-set.000001: strings, ENUM index and names, SET bitmap', () => {
    const { rows } = decodeFile(dir('mysql-enum-string-set.000001'));
    const e = exp['mysql-enum-string-set.000001']!;
    const norm = (img: unknown[]): unknown[] =>
      img.map((v) => {
        if (v !== null && typeof v === 'object' && 'kind' in v) {
          const o = v as { kind: string; index?: number; bits?: bigint };
          return o.kind === 'enum' ? { enum_index: o.index } : { set_bitmap_bytes_hex: o.bits!.toString(16).padStart(2, '0') };
        }
        return v;
      });
    const [w, u, d] = [rows.find((r) => r.kind === 'write')!, rows.find((r) => r.kind === 'update')!, rows.find((r) => r.kind === 'delete')!];
    expect(norm(w.rows[0]!.after!)).toEqual(e.write_rows_after);
    expect(norm(u.rows[0]!.before!)).toEqual(e.update_rows_before);
    expect(norm(u.rows[0]!.after!)).toEqual(e.update_rows_after);
    expect(norm(d.rows[0]!.before!)).toEqual(e.delete_rows_before);
    // FULL metadata: ENUM members are known, so the name comes with the index.
    expect((w.rows[0]!.after![2] as { name: string }).name).toBeTypeOf('string');
  });

  it('mysql_type_bit.000001: BIT as big-endian bytes', () => {
    const { rows } = decodeFile(dir('mysql_type_bit.000001'));
    const want = exp['mysql_type_bit.000001']!.every_row_after_image as { bytes_hex: string; text?: string }[];
    for (const r of rows) for (const ch of r.rows) {
      ch.after!.forEach((v, i) => {
        if (want[i]!.text !== undefined && typeof v === 'string') expect(v).toBe(want[i]!.text);
        else expect(Buffer.from(v as Uint8Array).toString('hex')).toBe(want[i]!.bytes_hex);
      });
    }
  });

  it('minimal_row_metadata.000001: MINIMAL image, collation 255, INT UNSIGNED', () => {
    const { rows } = decodeFile(dir('minimal_row_metadata.000001'));
    const r = rows[0]!;
    const after = r.rows[0]!.after!;
    expect(r.table.columns[2]!.collationId).toBe(255);
    expect([...after.keys()].filter((i) => after[i] !== undefined)).toEqual([0, 2, 4]);
    expect(after[1]).toBeUndefined();
    expect(after[2]).toBe('a');
    expect(after[4]).toBe(3230202323);
  });

  it('json.binlog.000001: PARTIAL_UPDATE_ROWS with a MINIMAL before image keeps the diffs', () => {
    const { rows } = decodeFile(dir('json.binlog.000001'));
    const partial = rows.find((r) => r.eventName === 'PARTIAL_UPDATE_ROWS_EVENT')!;
    expect(partial.rows.length).toBe(6);
    const first = partial.rows[0]!;
    expect(first.before).toEqual([1, undefined, undefined, undefined]);
    expect(first.after).toEqual([undefined, undefined, 'Joe', 26]);
    expect(first.jsonPartialUpdates).toEqual({ 1: [{ operation: 'REPLACE', path: '$.age', value: '26' }] });
    // the full-image UPDATE before it: documents as MySQL prints them
    const full = rows.find((r) => r.eventName === 'UPDATE_ROWS_EVENT_V2')!;
    expect(full.rows[0]!.before![1]).toBe('{"age": 24, "data": "xxxxxxxxxx", "name": "Joe"}');
    expect(full.rows[0]!.after![1]).toBe('{"age": 25, "data": "xxxxxxxxxx", "name": "Joe"}');
  });

  it('time_issue.000001: negative TIME2 over 24 hours', () => {
    const { rows } = decodeFile(dir('time_issue.000001'));
    for (const v of rows[0]!.rows[0]!.after!) expect(v).toBe('-507:48:27');
  });

  it('mariadb-bin.000001 (MariaDB 10.5 FULL metadata): names, PK, collations', () => {
    const { tableMaps, rows, flavor } = decodeFile(join(FIXTURES, 'mariadb/raw/rust_mysql_common/mariadb-bin.000001'));
    expect(flavor).toBe('mariadb');
    const e = exp['mariadb-bin.000001 (in mariadb/raw/rust_mysql_common/)'] ?? Object.entries(exp).find(([k]) => k.startsWith('mariadb-bin'))![1];
    const tm = tableMaps[0]!;
    expect(tm.columns.map((c) => c.name)).toEqual(e.column_names);
    expect(tm.columns.map((c) => c.collationId ?? null)).toEqual(e.column_collation_ids);
    expect(tm.columns.map((c) => (c.primaryKey ? 'PRI_KEY' : null))).toEqual(e.column_flags);
    expect(rows.length).toBe(2);
    expect(rows[0]!.eventName).toBe('WRITE_ROWS_EVENT_V1');
  });
});

describe.skipIf(!haveFixtures)("MySQL's own mysqlbinlog -vv output (mysql-cdc-rs captures)", () => {
  for (const dir of ['19_30_Table_map_event_Write_rows_log_event', '31_update_rows_v2', '32_delete_rows_v2']) {
    it(dir, () => {
      const dump = readFileSync(join(FIXTURES, 'mysql8/mysqlbinlog-vv/mysql-cdc-rs', dir, 'dump.txt'), 'utf8');
      // Images in order: each WHERE/SET block is a list of "@n=value" lines.
      const images: string[][] = [];
      for (const line of dump.split('\n')) {
        if (/^### (WHERE|SET)$/.test(line)) images.push([]);
        const m = /^###\s+@\d+=(.*?) \/\*/.exec(line);
        if (m) images[images.length - 1]!.push(m[1]!);
      }
      const raw = listFiles(join(FIXTURES, 'mysql8/raw/mysql-cdc-rs', dir))[0]!;
      const ours = decodeFile(raw).rows.flatMap((r) => r.rows.flatMap((ch) => [ch.before, ch.after].filter((x) => x !== undefined)));
      expect(ours.length).toBe(images.length);
      ours.forEach((img, i) => expect(img!.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)))).toEqual(images[i]));
    });
  }
});

describe.skipIf(!haveFixtures)('the product reader (reader.ts) yields the same rows as this walker', () => {
  for (const f of rawFiles) {
    it(f.slice(FIXTURES.length + 1), async () => {
      const { readBinlogFile } = await import('../reader.js');
      const viaReader: RowsBody[] = [];
      for await (const ev of readBinlogFile(f)) {
        if ((ev.body as { kind: string }).kind === 'write' || (ev.body as { kind: string }).kind === 'update' || (ev.body as { kind: string }).kind === 'delete') {
          viaReader.push(ev.body as RowsBody);
        }
      }
      const ours = decodeFile(f).rows;
      expect(viaReader.map((r) => [r.eventName, r.table.db, r.table.table, r.rows])).toEqual(ours.map((r) => [r.eventName, r.table.db, r.table.table, r.rows]));
    });
  }
});
