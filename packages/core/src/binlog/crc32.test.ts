import { describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, crc32Js } from './crc32.js';

describe('crc32', () => {
  it('matches the standard check value', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32Js(check)).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32Js(new Uint8Array(0))).toBe(0);
  });

  it('JS slicing-by-8 equals zlib on random data, any range, and chained', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let n = 0; n < 300; n++) {
      const bytes = Uint8Array.from({ length: n * 7 + (n % 13) }, rnd);
      const start = bytes.length > 3 ? n % 3 : 0;
      const end = bytes.length - (bytes.length > 5 ? n % 5 : 0);
      const expected = zlibCrc32(bytes.subarray(start, end)) >>> 0;
      expect(crc32Js(bytes, start, end)).toBe(expected);
      expect(crc32(bytes, start, end)).toBe(expected);
      const mid = (start + end) >>> 1;
      expect(crc32Js(bytes, mid, end, crc32Js(bytes, start, mid))).toBe(expected);
      expect(crc32(bytes, mid, end, crc32(bytes, start, mid))).toBe(expected);
    }
  });

  it('throughput (logged, not asserted)', () => {
    const bytes = new Uint8Array(8 << 20).map((_, i) => (i * 31) & 0xff);
    const time = (f: () => number): number => {
      f();
      const t0 = performance.now();
      for (let i = 0; i < 4; i++) f();
      return (4 * bytes.length) / 1e6 / ((performance.now() - t0) / 1000);
    };
    const js = time(() => crc32Js(bytes));
    const best = time(() => crc32(bytes));
    // Also typical event sizes (the parser checks one event at a time).
    const small = bytes.subarray(0, 200);
    const t0 = performance.now();
    for (let i = 0; i < 50_000; i++) crc32(small);
    const smallRate = (50_000 * 200) / 1e6 / ((performance.now() - t0) / 1000);
    console.log(`crc32: js slicing-by-8 ${js.toFixed(0)} MB/s, crc32() ${best.toFixed(0)} MB/s, 200-byte events ${smallRate.toFixed(0)} MB/s`);
    expect(js).toBeGreaterThan(0);
  });
});
