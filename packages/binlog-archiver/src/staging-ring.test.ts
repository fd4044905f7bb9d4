// The staging ring's copies: from memory of the arena it starts (WebAssembly memory.copy) and from
// anywhere else, at any alignment, wrapping around the ring's end.
import { describe, expect, it } from 'vitest';
import { SharedArena, StagingRing } from './staging-ring.js';

describe('StagingRing in a SharedArena', () => {
  it('copies events received into the arena (memory.copy) and from elsewhere to their file offsets, wrapping around', () => {
    const ringSize = 1 << 16;
    const arena = new SharedArena(3 << 16);
    const ring = new StagingRing(ringSize, { arena });
    expect(ring.bytes.buffer).toBe(arena.bytes.buffer);
    const file = new Uint8Array(3 * ringSize);
    for (let i = 0; i < file.length; i++) file[i] = (i * 131 + (i >> 8)) & 0xff;
    // events of odd sizes at odd arena offsets (after the ring), some from ordinary memory
    let at = 0;
    let k = 0;
    while (at < file.length) {
      const n = Math.min(1 + ((k * 7919) % 9000), file.length - at, ringSize);
      const fromArena = k % 3 !== 2;
      let ev: Uint8Array;
      if (fromArena) {
        const src = ringSize + 1 + ((k * 37) % 1000);
        arena.bytes.set(file.subarray(at, at + n), src);
        ev = new Uint8Array(arena.bytes.buffer, src, n);
      } else ev = file.slice(at, at + n);
      ring.put(at, ev);
      // what the ring holds for [at, at + n) is the file's bytes
      const got = Buffer.concat(ring.views(at, at + n));
      expect(got.equals(Buffer.from(file.subarray(at, at + n)))).toBe(true);
      at += n;
      k++;
    }
    expect(k).toBeGreaterThan(20);
  });

  it('copies within the arena like memmove, overlapping ranges included', () => {
    const arena = new SharedArena(1 << 16);
    for (let i = 0; i < 1000; i++) arena.bytes[i] = i & 0xff;
    arena.copy(3, 0, 500);
    for (let i = 0; i < 500; i++) expect(arena.bytes[3 + i]).toBe(i & 0xff);
  });
});
