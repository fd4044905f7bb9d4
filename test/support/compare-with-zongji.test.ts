/**
 * Unit tests of the zongji known-difference rules (each is an exact transformation of our value).
 */
import { describe, expect, it } from 'vitest';
import { expectZongji, viewZongji } from './compare-with-zongji.js';
import { MYSQL_TYPE } from './canonical-value.js';
import type { ColumnDef } from '../../packages/core/src/binlog/types.js';

function col(type: number, extra: Partial<ColumnDef> = {}): ColumnDef {
  return {
    index: 0, type, meta: 0, nullable: true, name: 'c', unsigned: undefined, collationId: undefined,
    enumValues: undefined, setValues: undefined, geometryType: undefined, sqlType: undefined,
    generated: undefined, primaryKey: false, ...extra,
  };
}
const cs = new Map([[45, 'utf8mb4'], [8, 'latin1'], [63, 'binary']]);

describe('zongji expectations', () => {
  it('lossless values are compared as they are', () => {
    expect(expectZongji(-0, col(MYSQL_TYPE.DOUBLE), cs)).toEqual({ view: 'num:-0', ours: '0' });
    expect(viewZongji(0, col(MYSQL_TYPE.DOUBLE))).toBe('num:0');
    expect(expectZongji('2026-05-25 14:30:00.1', col(MYSQL_TYPE.DATETIME2), cs).view).toBe(viewZongji('2026-05-25 14:30:00.100000', col(MYSQL_TYPE.DATETIME2)));
    expect(expectZongji(Uint8Array.of(1, 0), col(MYSQL_TYPE.BIT), cs).view).toBe(viewZongji(Buffer.from([1, 0]), col(MYSQL_TYPE.BIT)));
  });

  it('named rules', () => {
    expect(expectZongji(0, col(MYSQL_TYPE.YEAR), cs)).toMatchObject({ view: 'num:1900', rule: 'year-zero-as-1900' });
    expect(expectZongji({ kind: 'enum', index: 0, name: '' }, col(MYSQL_TYPE.STRING), cs)).toMatchObject({ view: 'undefined', rule: 'enum-zero-undefined' });
    expect(expectZongji({ kind: 'set', bits: 5n, names: ['x', 'z'] }, col(MYSQL_TYPE.STRING), cs)).toMatchObject({ view: 'str:x,z' });
    expect(expectZongji(123n, col(MYSQL_TYPE.LONGLONG), cs).view).toBe(viewZongji(123, col(MYSQL_TYPE.LONGLONG)));
    expect(expectZongji(18446744073709551615n, col(MYSQL_TYPE.LONGLONG), cs).view).toBe(viewZongji('18446744073709551615', col(MYSQL_TYPE.LONGLONG)));
    expect(expectZongji({ kind: 'timestamp', seconds: 1, micros: 500000, fsp: 1 }, col(MYSQL_TYPE.TIMESTAMP2), cs).view).toBe(
      viewZongji('1970-01-01 00:00:01.5', col(MYSQL_TYPE.TIMESTAMP2)),
    );
    expect(expectZongji({ kind: 'timestamp', seconds: 0, micros: 0, fsp: 0 }, col(MYSQL_TYPE.TIMESTAMP2), cs).view).toBe(
      viewZongji('0000-00-00 00:00:00', col(MYSQL_TYPE.TIMESTAMP2)),
    );
    expect(expectZongji('a\u0081b', col(MYSQL_TYPE.VARCHAR, { collationId: 8 }), cs)).toMatchObject({ view: 'str:a\ufffdb', rule: 'latin1-cp1252-holes' });
    expect(expectZongji('a\u0081b', col(MYSQL_TYPE.VARCHAR, { collationId: 45 }), cs).rule).toBeUndefined();
  });

  it('GEOMETRY: SRID + WKB parsed into zongji’s shape', () => {
    // SRID 4326, little-endian POINT(1 2)
    const p = Buffer.alloc(25);
    p.writeUInt32LE(4326, 0);
    p.writeUInt8(1, 4);
    p.writeUInt32LE(1, 5);
    p.writeDoubleLE(1, 9);
    p.writeDoubleLE(2, 17);
    const e = expectZongji(new Uint8Array(p), col(MYSQL_TYPE.GEOMETRY), cs);
    expect(e).toMatchObject({ rule: 'geometry-parsed-no-srid' });
    expect(e.view).toBe(viewZongji({ x: 1, y: 2 }, col(MYSQL_TYPE.GEOMETRY)));
  });

  it('charset shift after GEOMETRY columns', () => {
    const columns = [
      col(MYSQL_TYPE.STRING, { index: 0, meta: 65028, collationId: 63 }), // BINARY(4)
      col(MYSQL_TYPE.GEOMETRY, { index: 1, meta: 4, collationId: 63 }),
      col(MYSQL_TYPE.LONG, { index: 2 }),
      col(MYSQL_TYPE.VARCHAR, { index: 3, meta: 40, collationId: 45 }),
    ];
    const e = expectZongji('é', columns[3]!, cs, columns);
    expect(e).toMatchObject({ view: 'bytes:c3a9', rule: 'charset-shift-after-geometry' });
    // Without a GEOMETRY before it, no shift.
    expect(expectZongji('é', columns[3]!, cs, [columns[0]!, columns[2]!, columns[3]!]).view).toBe('str:é');
  });
});
