import { describe, expect, it } from 'vitest';
import { compress } from 'zstd-napi';
import { BinlogFormatError } from '../../errors/pitr-error.js';
import type { DecodeContext } from '../decode-context.js';
import type { TableMapBody } from '../types.js';
import { decodeTransactionPayloadEvent, zstdFramesProblem } from './transaction-payload-event.js';

const ctx: DecodeContext = {
  file: 'f',
  pos: 0,
  flavor: 'mysql',
  postHeaderLength: () => 0,
  tableMaps: new Map<number, TableMapBody>(),
  schema: undefined,
  warn: () => undefined,
};

function lenenc(n: number): number[] {
  return n < 0xfb ? [n] : [0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16];
}
function payloadBody(data: Uint8Array, uncompressed: number, type = 0): Uint8Array {
  const f = (t: number, v: number) => [t, lenenc(v).length, ...lenenc(v)];
  const tlv = [...f(1, data.length), ...(type === 0 ? [2, 1, 0] : [2, 3, 0xfc, type, 0]), ...f(3, uncompressed), 0];
  return Uint8Array.from([...tlv, ...data]);
}

describe('TRANSACTION_PAYLOAD_EVENT', () => {
  const plain = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 251);
  const z = new Uint8Array(compress(plain));

  it('zstd frames are checked for completeness before decompressing', () => {
    expect(zstdFramesProblem(z)).toBeUndefined();
    for (let n = 0; n < z.length; n++) expect(zstdFramesProblem(z.subarray(0, n))).toBeTypeOf('string');
    // Two frames back to back are fine.
    const two = new Uint8Array(z.length * 2);
    two.set(z);
    two.set(z, z.length);
    expect(zstdFramesProblem(two)).toBeUndefined();
  });

  it('decodes header fields and decompresses', () => {
    const d = decodeTransactionPayloadEvent(payloadBody(z, plain.length), ctx, 100);
    expect(d.body).toEqual({ kind: 'transaction_payload', compressionType: 0, payloadSize: z.length, uncompressedSize: plain.length });
    expect(d.payload).toEqual(plain);
  });

  it('truncated or corrupt data fails, and the next intact payload still decodes', () => {
    for (let n = 1; n < z.length; n += 7) {
      expect(() => decodeTransactionPayloadEvent(payloadBody(z.subarray(0, n), plain.length), ctx, 100)).toThrow(BinlogFormatError);
      const bad = z.slice();
      bad[Math.min(n + 6, bad.length - 1)]! ^= 0x5a;
      try {
        decodeTransactionPayloadEvent(payloadBody(bad, plain.length), ctx, 100);
      } catch (e) {
        expect(e).toBeInstanceOf(BinlogFormatError);
      }
      expect(decodeTransactionPayloadEvent(payloadBody(z, plain.length), ctx, 100).payload).toEqual(plain);
    }
  });

  it('compression NONE passes the bytes through; unknown types fail', () => {
    expect(decodeTransactionPayloadEvent(payloadBody(plain.subarray(0, 100), 100, 255), ctx, 0).payload).toEqual(plain.subarray(0, 100));
    expect(() => decodeTransactionPayloadEvent(payloadBody(plain.subarray(0, 100), 100, 7), ctx, 0)).toThrow(/compression type 7/);
  });
});
