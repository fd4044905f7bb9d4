import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { TextKind, canDecodeText, charsetForCollation, decodeLatin1, decodeTextForCollation } from './charsets.js';

describe('collation ids → charsets', () => {
  it('utf8mb3/utf8mb4 incl. MySQL 0900 and MariaDB uca1400/nopad ids', () => {
    for (const id of [33, 76, 83, 192, 223, 576, 1057, 2048, 2100]) expect(charsetForCollation(id)?.charset, `id ${id}`).toBe('utf8mb3');
    for (const id of [45, 46, 224, 247, 255, 309, 323, 608, 1069, 2304, 2305, 2334]) expect(charsetForCollation(id)?.charset, `id ${id}`).toBe('utf8mb4');
    expect(charsetForCollation(2560)?.charset).toBe('ucs2');
    expect(charsetForCollation(2816)?.charset).toBe('utf16');
    expect(charsetForCollation(3072)?.charset).toBe('utf32');
  });
  it('binary, latin1, unknown', () => {
    expect(charsetForCollation(63)?.kind).toBe(TextKind.Binary);
    expect(canDecodeText(63)).toBe(false);
    expect(charsetForCollation(8)?.kind).toBe(TextKind.Latin1);
    expect(charsetForCollation(4000)).toBeUndefined();
    expect(canDecodeText(4000)).toBe(false);
    // charsets without a decoder here (dec8, swe7, …): known name, kept as bytes
    expect(charsetForCollation(3)).toEqual({ charset: 'dec8', kind: TextKind.Bytes, encoding: undefined });
  });
});

describe('decoding', () => {
  it("MySQL latin1 is cp1252 with C1 fills (not Node's ISO-8859-1 'windows-1252')", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = decodeLatin1(Buffer.from(all), 0x80, 0xa0);
    expect(text).toBe('€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ');
    expect(decodeLatin1(Buffer.from(all), 0xa0, 0x100)).toBe(Buffer.from(all.subarray(0xa0)).toString('latin1'));
    expect(decodeTextForCollation(Uint8Array.of(0x63, 0x61, 0x66, 0xe9, 0x20, 0x80), 8)).toBe('café €');
  });
  it('other charsets', () => {
    expect(decodeTextForCollation(Uint8Array.from(Buffer.from('cff0e8e2e5f2', 'hex')), 51)).toBe('Привет'); // cp1251
    expect(decodeTextForCollation(Uint8Array.from(Buffer.from('c4e3bac3', 'hex')), 28)).toBe('你好'); // gbk
    expect(decodeTextForCollation(Uint8Array.from(Buffer.from('03c920ac', 'hex')), 54)).toBe('ω€'); // utf16 (BE)
    expect(decodeTextForCollation(Uint8Array.from(Buffer.from('c903ac20', 'hex')), 56)).toBe('ω€'); // utf16le
    expect(decodeTextForCollation(Uint8Array.from(Buffer.from('03c9', 'hex')), 35)).toBe('ω'); // ucs2
    expect(decodeTextForCollation(Uint8Array.from(Buffer.from('0001d11e00000078', 'hex')), 60)).toBe('𝄞x'); // utf32
    // sjis, euckr, big5 (and other charsets whose WHATWG decoders differ from the server's tables)
    // are kept as bytes rather than decoded approximately.
    for (const id of [13, 19, 1, 12, 16, 25, 30, 24, 95, 97]) expect(canDecodeText(id)).toBe(false);
  });
});
