/**
 * The dump stream's packet framing and block recycling, on bytes built here and fed in random
 * pieces (the live path is covered by archive-binlogs.test.ts, including a 17 MiB event).
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinlogDumpStream, DumpServerError, parseErrPacket } from './binlog-dump-stream.js';

const MAX = 0xffffff;

/** Protocol packets (seq from 1) carrying `messages` (each: marker byte + body). */
function packets(messages: readonly Uint8Array[]): Buffer {
  const out: Buffer[] = [];
  let seq = 1;
  for (const m of messages) {
    let at = 0;
    for (;;) {
      const n = Math.min(MAX, m.length - at);
      const h = Buffer.alloc(4);
      h.writeUIntLE(n, 0, 3);
      h[3] = seq++ & 0xff;
      out.push(h, Buffer.from(m.subarray(at, at + n)));
      at += n;
      if (n < MAX) break;
    }
  }
  return Buffer.concat(out);
}

const eventMessage = (ev: Uint8Array): Uint8Array => Buffer.concat([Buffer.of(0), ev]);
const EOF = Uint8Array.of(0xfe, 0, 0, 2, 0);

/** A fake event of `size` bytes whose content depends on `seed`. */
function fakeEvent(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

class FakeSocket extends EventEmitter {
  paused = false;
  destroyed = false;
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

/** Feeds `bytes` in pieces of the given sizes (cycled), through one reused read buffer as the socket does. */
function feedInPieces(stream: BinlogDumpStream, bytes: Buffer, sizes: readonly number[]): void {
  const readBuffer = Buffer.alloc(Math.max(...sizes));
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, bytes.length - at);
    bytes.copy(readBuffer, 0, at, at + n);
    stream.feed(readBuffer, n);
    readBuffer.fill(0xee); // what the next read would overwrite
    at += n;
  }
}

/** Feeds `bytes` as the socket does once the dump has it: each read lands in the stream's readTarget. */
function feedInPlace(stream: BinlogDumpStream, bytes: Buffer, sizes: readonly number[]): void {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const target = stream.readTarget();
    const n = Math.min(sizes[i % sizes.length]!, bytes.length - at, target.length);
    target.set(bytes.subarray(at, at + n));
    stream.feed(target, n);
    at += n;
  }
}

async function collect(stream: BinlogDumpStream, release = false): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const batch of stream) {
    for (const ev of batch) out.push(Buffer.from(ev));
    if (release && batch.length > 0) stream.release(batch[batch.length - 1]!);
  }
  return out;
}

describe('BinlogDumpStream framing', () => {
  it('hands out every event byte-exact, however the socket cuts the packets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 19, max: 3000 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        fc.constantFrom('copied', 'in place', 'in place, shared memory'),
        async (sizes, pieces, recycle, how) => {
          const events = sizes.map((s, i) => fakeEvent(s, i));
          const bytes = packets([...events.map(eventMessage), EOF]);
          const blockMemory = how === 'in place, shared memory' ? new Uint8Array(new SharedArrayBuffer(3 << 20), 4096, 2 << 20) : undefined;
          const stream = new BinlogDumpStream(new FakeSocket() as unknown as Socket, { recycle, ...(blockMemory === undefined ? {} : { blockMemory }) });
          if (how === 'copied') feedInPieces(stream, bytes, pieces);
          else feedInPlace(stream, bytes, pieces);
          const got = await collect(stream, recycle);
          expect(got).toEqual(events);
          expect(stream.bytesReceived).toBe(events.reduce((n, e) => n + e.length, 0));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('joins an event of several packets (16 MiB and more), also one that ends on a packet boundary', async () => {
    const big = fakeEvent(MAX + 1000, 1);
    // marker + event = exactly 0xffffff bytes: an empty packet must follow
    const exact = fakeEvent(MAX - 1, 2);
    const small = fakeEvent(50, 3);
    const bytes = packets([eventMessage(small), eventMessage(big), eventMessage(exact), eventMessage(small), EOF]);
    for (const inPlace of [false, true]) {
      const stream = new BinlogDumpStream(new FakeSocket() as unknown as Socket, { recycle: true });
      if (inPlace) feedInPlace(stream, bytes, [256 * 1024, 7, 65536, 1 << 20]);
      else feedInPieces(stream, bytes, [256 * 1024, 7, 65536]);
      const got = await collect(stream, true);
      expect(got.map((e) => e.length)).toEqual([50, big.length, exact.length, 50]);
      expect(got[1]!.equals(big)).toBe(true);
      expect(got[2]!.equals(exact)).toBe(true);
    }
  });

  it('turns an ERR packet into a server error (errno, SQL state, message)', async () => {
    const err = Buffer.concat([Buffer.of(0xff, 0xd4, 0x04), Buffer.from('#HY000'), Buffer.from('Could not find first log file name in binary log index file')]);
    const stream = new BinlogDumpStream(new FakeSocket() as unknown as Socket, { mapError: (e) => e });
    feedInPieces(stream, packets([eventMessage(fakeEvent(30, 1)), err]), [3]);
    const first = await stream.next();
    expect(first.done).toBe(false);
    const e = await stream.next().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DumpServerError);
    expect(e).toMatchObject({ errno: 1236, sqlState: 'HY000', sqlMessage: 'Could not find first log file name in binary log index file' });
    expect(parseErrPacket(Buffer.of(0x10, 0x04)).errno).toBe(1040);
  });

  it('fails on a packet out of sequence or an unexpected first byte, and destroys the socket', async () => {
    const socket = new FakeSocket();
    const stream = new BinlogDumpStream(socket as unknown as Socket, {});
    const bytes = packets([eventMessage(fakeEvent(30, 1))]);
    bytes[3] = 5;
    stream.feed(bytes, bytes.length);
    await expect(stream.next()).rejects.toThrow(/out of sequence: packet 5, expected 1/);
    expect(socket.destroyed).toBe(true);

    const other = new BinlogDumpStream(new FakeSocket() as unknown as Socket, {});
    const odd = packets([Uint8Array.of(0x42, 1, 2, 3)]);
    other.feed(odd, odd.length);
    await expect(other.next()).rejects.toThrow(/unexpected packet in the binlog stream \(first byte 0x42, 4 bytes\)/);
  });
});

describe('BinlogDumpStream blocks', () => {
  it('hands out events as views of the memory the socket read into (blockMemory), packets between blocks moved, bigger ones apart', async () => {
    const memory = new Uint8Array(new SharedArrayBuffer(4 << 20));
    const stream = new BinlogDumpStream(new FakeSocket() as unknown as Socket, { recycle: true, blockMemory: memory });
    // 300 KiB events: an unfinished one moves to the next block; 1.5 MiB ones get a buffer of their own
    const events = [...Array.from({ length: 12 }, (_, i) => fakeEvent(300_000, i)), fakeEvent(1_500_000, 99), fakeEvent(100, 7)];
    feedInPlace(stream, packets([...events.map(eventMessage), EOF]), [70_000, 1 << 20]);
    const got: Uint8Array[] = [];
    for await (const batch of stream) got.push(...batch);
    expect(got.length).toBe(events.length);
    expect(got.every((e, i) => Buffer.from(e).equals(events[i]!))).toBe(true);
    const inMemory = got.map((e) => e.buffer === memory.buffer);
    expect(inMemory).toEqual([...events.slice(0, 12).map(() => true), false, true]);
    // no event crosses a block's end
    for (const e of got.slice(0, 12)) expect(Math.floor(e.byteOffset / (1 << 20))).toBe(Math.floor((e.byteOffset + e.length - 1) / (1 << 20)));
  });

  for (const inPlace of [false, true]) {
    it(`reuses a block only after its events are released, and keeps released views out of reuse (${inPlace ? 'read in place into blockMemory' : 'copied'})`, async () => {
      const socket = new FakeSocket();
      const blockMemory = inPlace ? new Uint8Array(new SharedArrayBuffer(5 << 20)) : undefined;
      const stream = new BinlogDumpStream(socket as unknown as Socket, { recycle: true, maxBufferedBytes: 3 << 20, ...(blockMemory === undefined ? {} : { blockMemory }) });
      const events = Array.from({ length: 600 }, (_, i) => fakeEvent(20_000, i)); // ~12 MiB: several 1 MiB blocks
      const bytes = packets([...events.map(eventMessage), EOF]);
      let at = 0;
      const step = 100_000;
      const readBuffer = Buffer.alloc(step);
      const got: Buffer[] = [];
      while (at < bytes.length || stream.queuedEvents > 0) {
        if (!socket.paused && at < bytes.length) {
          if (inPlace) {
            const target = stream.readTarget();
            const n = Math.min(step, bytes.length - at, target.length);
            target.set(bytes.subarray(at, at + n));
            stream.feed(target, n);
            at += n;
          } else {
            const n = Math.min(step, bytes.length - at);
            bytes.copy(readBuffer, 0, at, at + n);
            stream.feed(readBuffer, n);
            at += n;
          }
          continue;
        }
        // the socket paused itself above 3 MiB held: the consumer takes, checks and releases
        const r = await stream.next();
        if (r.done === true) break;
        const held = [...r.value];
        const copies = held.map((v) => Buffer.from(v));
        for (let i = 0; i < held.length; i++) expect(copies[i]!.equals(events[got.length + i]!)).toBe(true);
        // the first half is released, then more bytes arrive (several reads, new blocks): the
        // views still held must not change
        const half = held.length >> 1;
        if (half > 0) stream.release(held[half - 1]!);
        for (let k = 0; inPlace && k < 25 && at < bytes.length; k++) {
          const target = stream.readTarget();
          const n = Math.min(step, bytes.length - at, target.length);
          target.set(bytes.subarray(at, at + n));
          stream.feed(target, n);
          at += n;
        }
        for (let i = half; i < held.length; i++) expect(Buffer.from(held[i]!).equals(events[got.length + i]!)).toBe(true);
        if (inPlace) expect(held.every((v) => v.buffer === blockMemory!.buffer)).toBe(true);
        got.push(...copies);
        stream.release(held[held.length - 1]!);
        expect(stream.heldBytes).toBeLessThanOrEqual(5 << 20);
      }
      const all = [...got, ...(await collect(stream, true))];
      expect(all.length).toBe(events.length);
      expect(all.every((e, i) => e.equals(events[i]!))).toBe(true);
    });
  }

  it('without recycle, pauses above the limit until the consumer takes the events', async () => {
    const socket = new FakeSocket();
    const stream = new BinlogDumpStream(socket as unknown as Socket, { maxBufferedBytes: 100_000 });
    const bytes = packets(Array.from({ length: 20 }, (_, i) => eventMessage(fakeEvent(10_000, i))));
    stream.feed(bytes, bytes.length);
    expect(socket.paused).toBe(true);
    const r = await stream.next();
    expect(r.value).toHaveLength(20);
    expect(socket.paused).toBe(false);
  });

  it('never leaves the consumer waiting on its own pause', async () => {
    const socket = new FakeSocket();
    const stream = new BinlogDumpStream(socket as unknown as Socket, { recycle: true, maxBufferedBytes: 50_000 });
    const bytes = packets(Array.from({ length: 10 }, (_, i) => eventMessage(fakeEvent(10_000, i))));
    stream.feed(bytes, bytes.length);
    expect(socket.paused).toBe(true);
    await stream.next(); // takes the events without releasing them
    const waiting = stream.next();
    expect(socket.paused).toBe(false); // resumed although nothing was released
    stream.close();
    expect((await waiting).done).toBe(true);
  });
});
