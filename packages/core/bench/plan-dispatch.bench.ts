/**
 * Design measurement (not a test): the row decoder dispatches on a precomputed kind code with one
 * `switch` (src/binlog/columns/row-decoder.ts). The alternative the brief mentioned — an array of
 * small per-column decode functions built once per TABLE_MAP — is implemented here for the column
 * kinds of the OLTP table in rows-decode.bench.ts and timed against the real decoder on the same
 * row images. Run: npx tsx packages/core/bench/plan-dispatch.bench.ts
 */
import { Buffer } from 'node:buffer';
import { Cursor } from '../src/binlog/cursor.js';
import { buildRowPlan, bufferOf, decodeRowImage } from '../src/binlog/columns/row-decoder.js';
import { decodeDecimal, decimalBinarySize } from '../src/binlog/columns/decimal.js';
import { decodeDatetime2, decodeTimestamp2 } from '../src/binlog/columns/temporal.js';
import type { ColumnDef } from '../src/binlog/types.js';
import type { ColumnValue, RowImage } from '../src/binlog/columns/values.js';

function col(index: number, type: number, meta: number, extra: Partial<ColumnDef> = {}): ColumnDef {
  return {
    index, type, meta, nullable: true, name: `c${index}`, unsigned: false, collationId: undefined,
    enumValues: undefined, setValues: undefined, geometryType: undefined, sqlType: undefined,
    generated: undefined, primaryKey: false, ...extra,
  };
}
const columns = [
  col(0, 3, 0), col(1, 8, 0), col(2, 15, 200, { collationId: 255 }), col(3, 15, 400, { collationId: 255 }),
  col(4, 246, (10 << 8) | 2), col(5, 18, 0), col(6, 17, 3), col(7, 5, 8), col(8, 1, 0), col(9, 252, 2, { collationId: 45 }),
];

type Fn = (c: Cursor, buf: Buffer) => ColumnValue;
const utf8 = (buf: Buffer, s: number, e: number): string => (buf as Buffer & { utf8Slice(a: number, b: number): string }).utf8Slice(s, e);
function fnFor(cd: ColumnDef): Fn {
  switch (cd.type) {
    case 3: return (c) => { c.need(4); const v = c.view.getInt32(c.pos, true); c.pos += 4; return v; };
    case 8: return (c) => { c.need(8); const v = c.view.getBigInt64(c.pos, true); c.pos += 8; return v; };
    case 1: return (c) => { c.need(1); return (c.bytes[c.pos++]! << 24) >> 24; };
    case 5: return (c) => { c.need(8); const v = c.view.getFloat64(c.pos, true); c.pos += 8; return v; };
    case 15: {
      const two = cd.meta > 255;
      return (c, buf) => { const len = two ? c.u16() : c.u8(); c.need(len); const s = c.pos; c.pos += len; return utf8(buf, s, s + len); };
    }
    case 252: return (c, buf) => { const len = c.u16(); c.need(len); const s = c.pos; c.pos += len; return utf8(buf, s, s + len); };
    case 246: {
      const p = cd.meta >>> 8, sc = cd.meta & 0xff, size = decimalBinarySize(p, sc);
      return (c) => { c.need(size); const v = decodeDecimal(c.bytes, c.pos, p, sc); c.pos += size; return v; };
    }
    case 18: return (c) => { c.need(5); const v = decodeDatetime2(c.bytes, c.pos, 0); c.pos += 5; return v; };
    case 17: return (c) => { c.need(6); const v = decodeTimestamp2(c.bytes, c.pos, 3); c.pos += 6; return v; };
    default: throw new Error('unsupported in this bench');
  }
}
const fns = columns.map(fnFor);

function decodeWithFns(c: Cursor, present: Uint8Array, presentCount: number, buf: Buffer): RowImage {
  const n = fns.length;
  const row: RowImage = new Array<ColumnValue | undefined>(n);
  const nullBytes = (presentCount + 7) >>> 3;
  c.need(nullBytes);
  const nullStart = c.pos;
  c.pos += nullBytes;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if ((present[i >>> 3]! & (1 << (i & 7))) === 0) continue;
    const isNull = (c.bytes[nullStart + (k >>> 3)]! & (1 << (k & 7))) !== 0;
    k++;
    row[i] = isNull ? null : fns[i]!(c, buf);
  }
  return row;
}

// Row images as in rows-decode.bench.ts
function rowBytes(i: number): number[] {
  const out: number[] = [0, 0];
  const le = (v: number, n: number): void => { for (let q = 0; q < n; q++) out.push(Math.floor(v / 2 ** (8 * q)) & 0xff); };
  le(i, 4); le(i * 7919, 8);
  const s1 = Buffer.from(`user${i}@example.com`); out.push(s1.length, ...s1);
  const s2 = Buffer.from(i % 5 === 0 ? `Zürich straße ${i}` : `Some street name ${i}`); le(s2.length, 2); out.push(...s2);
  const ip = i % 100000; out.push(((ip >>> 24) & 0xff) ^ 0x80, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff, i % 100);
  const intpart = ((2024 * 13 + 5) * 32 + 17) * 131072 + (12 << 12) + (34 << 6) + 56 + 0x8000000000;
  for (let q = 4; q >= 0; q--) out.push(Math.floor(intpart / 2 ** (8 * q)) & 0xff);
  const ts = 1715949296 + i; out.push((ts >>> 24) & 0xff, (ts >>> 16) & 0xff, (ts >>> 8) & 0xff, ts & 0xff, ((i % 1000) >> 8) & 0xff, i % 1000 & 0xff);
  const d = Buffer.alloc(8); d.writeDoubleLE(i * 1.25); out.push(...d);
  out.push(i & 0x7f);
  const t = Buffer.from(`A longer comment text for row ${i}, long enough to take the TextDecoder path.`); le(t.length, 2); out.push(...t);
  return out;
}
const ROWS = 20000;
const data = Uint8Array.from(Array.from({ length: ROWS }, (_, i) => rowBytes(i)).flat());
const buf = bufferOf(data);
const plan = buildRowPlan(columns);
const present = Uint8Array.of(0xff, 0x03);

function timeIt(name: string, f: (c: Cursor) => void): void {
  let best = Infinity;
  for (let b = 0; b < 10; b++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < 5; r++) {
      const c = new Cursor(data, { file: 'b', baseOffset: 0 });
      while (c.pos < c.end) f(c);
    }
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(`${name}: ${((data.length * 5) / 1e6 / best).toFixed(0)} MB/s`);
}
for (let w = 0; w < 3; w++) {
  timeIt('switch on kind codes (row-decoder.ts)', (c) => decodeRowImage(c, plan, present, 10, buf));
  timeIt('array of per-column functions       ', (c) => decodeWithFns(c, present, 10, buf));
}
