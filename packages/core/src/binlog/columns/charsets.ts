/**
 * Collation id → text decoding. Collation ids are the server's (SHOW COLLATION / information_schema
 * COLLATIONS); the charset decides the bytes' encoding:
 * https://dev.mysql.com/doc/refman/8.0/en/charset-charsets.html ,
 * https://mariadb.com/kb/en/supported-character-sets-and-collations/ .
 * MySQL "latin1" is cp1252 (0x80-0x9f are the Windows-1252 letters; the five undefined bytes map to
 * the C1 controls U+0081, U+008D, U+008F, U+0090, U+009D), which is exactly WHATWG 'windows-1252' —
 * but Node 20's TextDecoder('windows-1252') decodes ISO-8859-1 (0x80 → U+0080, not €), so latin1
 * has its own decoder here (decodeLatin1).
 */

import { Buffer } from 'node:buffer';
import { TextDecoder } from 'node:util';

/** How to turn a column's bytes into text. */
export const TextKind = {
  /** No known encoding: keep bytes. */
  Bytes: 0,
  /** binary collation (63): bytes by definition. */
  Binary: 1,
  Utf8: 2,
  /** Single-byte or multi-byte charset decoded by a TextDecoder. */
  Decoder: 3,
  /** UTF-32 big-endian (no WHATWG decoder). */
  Utf32: 4,
  /** MySQL latin1 = cp1252 (see decodeLatin1). */
  Latin1: 5,
} as const;
export type TextKind = (typeof TextKind)[keyof typeof TextKind];

export interface CharsetInfo {
  /** MySQL charset name, e.g. 'utf8mb4'. */
  readonly charset: string;
  readonly kind: TextKind;
  /** WHATWG encoding label for TextKind.Decoder. */
  readonly encoding: string | undefined;
}

/**
 * charset name → [kind, WHATWG label]. Charsets without a decoder here are kept as bytes.
 * Only charsets whose WHATWG decoder was checked byte for byte against the server's own conversion
 * (every 1- and 2-byte sequence, MariaDB 10.11 CONVERT) are listed: latin5, greek, hebrew, cp866,
 * koi8u, tis620, gb2312, big5, sjis, cp932, ujis, eucjpms and euckr differ from MySQL's tables in
 * 1..8824 code points, and gb18030 was not checked, so those stay bytes (exact, rendered as hex).
 */
const CHARSETS: Record<string, readonly [TextKind, string | undefined]> = {
  binary: [TextKind.Binary, undefined],
  utf8mb3: [TextKind.Utf8, undefined],
  utf8mb4: [TextKind.Utf8, undefined],
  ascii: [TextKind.Utf8, undefined],
  latin1: [TextKind.Latin1, undefined],
  latin2: [TextKind.Decoder, 'iso-8859-2'],
  latin7: [TextKind.Decoder, 'iso-8859-13'],
  cp1250: [TextKind.Decoder, 'windows-1250'],
  cp1251: [TextKind.Decoder, 'windows-1251'],
  cp1256: [TextKind.Decoder, 'windows-1256'],
  cp1257: [TextKind.Decoder, 'windows-1257'],
  koi8r: [TextKind.Decoder, 'koi8-r'],
  macroman: [TextKind.Decoder, 'macintosh'],
  gbk: [TextKind.Decoder, 'gbk'],
  ucs2: [TextKind.Decoder, 'utf-16be'],
  utf16: [TextKind.Decoder, 'utf-16be'],
  utf16le: [TextKind.Decoder, 'utf-16le'],
  utf32: [TextKind.Utf32, undefined],
};

/** [first id, last id, charset] ranges and single ids (MySQL 8.4 and MariaDB 11 SHOW COLLATION). */
const RANGES: readonly (readonly [number, number, string])[] = [
  [1, 1, 'big5'], [2, 2, 'latin2'], [3, 3, 'dec8'], [4, 4, 'cp850'], [5, 5, 'latin1'], [6, 6, 'hp8'],
  [7, 7, 'koi8r'], [8, 8, 'latin1'], [9, 9, 'latin2'], [10, 10, 'swe7'], [11, 11, 'ascii'],
  [12, 12, 'ujis'], [13, 13, 'sjis'], [14, 14, 'cp1251'], [15, 15, 'latin1'], [16, 16, 'hebrew'],
  [18, 18, 'tis620'], [19, 19, 'euckr'], [20, 20, 'latin7'], [21, 21, 'latin2'], [22, 22, 'koi8u'],
  [23, 23, 'cp1251'], [24, 24, 'gb2312'], [25, 25, 'greek'], [26, 26, 'cp1250'], [27, 27, 'latin2'],
  [28, 28, 'gbk'], [29, 29, 'cp1257'], [30, 30, 'latin5'], [31, 31, 'latin1'], [32, 32, 'armscii8'],
  [33, 33, 'utf8mb3'], [34, 34, 'cp1250'], [35, 35, 'ucs2'], [36, 36, 'cp866'], [37, 37, 'keybcs2'],
  [38, 38, 'macce'], [39, 39, 'macroman'], [40, 40, 'cp852'], [41, 41, 'latin7'], [42, 42, 'latin7'],
  [43, 43, 'macce'], [44, 44, 'cp1250'], [45, 46, 'utf8mb4'], [47, 49, 'latin1'], [50, 52, 'cp1251'],
  [53, 53, 'macroman'], [54, 55, 'utf16'], [56, 56, 'utf16le'], [57, 57, 'cp1256'], [58, 59, 'cp1257'],
  [60, 61, 'utf32'], [62, 62, 'utf16le'], [63, 63, 'binary'], [64, 64, 'armscii8'], [65, 65, 'ascii'],
  [66, 66, 'cp1250'], [67, 67, 'cp1256'], [68, 68, 'cp866'], [69, 69, 'dec8'], [70, 70, 'greek'],
  [71, 71, 'hebrew'], [72, 72, 'hp8'], [73, 73, 'keybcs2'], [74, 74, 'koi8r'], [75, 75, 'koi8u'],
  [76, 76, 'utf8mb3'], [77, 77, 'latin2'], [78, 78, 'latin5'], [79, 79, 'latin7'], [80, 80, 'cp850'],
  [81, 81, 'cp852'], [82, 82, 'swe7'], [83, 83, 'utf8mb3'], [84, 84, 'big5'], [85, 85, 'euckr'],
  [86, 86, 'gb2312'], [87, 87, 'gbk'], [88, 88, 'sjis'], [89, 89, 'tis620'], [90, 90, 'ucs2'],
  [91, 91, 'ujis'], [92, 92, 'geostd8'], [93, 93, 'geostd8'], [94, 94, 'latin1'], [95, 96, 'cp932'],
  [97, 98, 'eucjpms'], [99, 99, 'cp1250'], [101, 124, 'utf16'], [128, 151, 'ucs2'], [159, 159, 'ucs2'],
  [160, 183, 'utf32'], [192, 215, 'utf8mb3'], [223, 223, 'utf8mb3'], [224, 247, 'utf8mb4'],
  [248, 250, 'gb18030'], [255, 323, 'utf8mb4'],
  // MariaDB extra collations (10.x): *_croatian/myanmar/thai/vietnamese_*, utf8mb4 ones in 608-
  [576, 578, 'utf8mb3'], [608, 610, 'utf8mb4'], [640, 642, 'ucs2'], [672, 674, 'utf16'],
  [736, 738, 'utf32'],
];

/** id → CharsetInfo, built lazily. */
const cache = new Map<number, CharsetInfo | null>();

function charsetNameOf(id: number): string | undefined {
  // MariaDB 10.10+ UCA-14.0.0 collations: id bits 8-10 select the charset
  // (https://mariadb.com/kb/en/unicode-collation-algorithm/ , ctype-uca.h MY_UCA1400_COLLATION_ID_*).
  if (id >= 2048 && id < 3328) {
    return ['utf8mb3', 'utf8mb4', 'ucs2', 'utf16', 'utf32'][(id - 2048) >>> 8];
  }
  // MariaDB NOPAD collations are the PAD collation's id + 1024 (e.g. 1057 utf8mb3_general_nopad_ci).
  if (id >= 1024 && id < 2048) return charsetNameOf(id - 1024);
  for (const [lo, hi, name] of RANGES) {
    if (id >= lo && id <= hi && name !== '') return name;
  }
  return undefined;
}

/** Charset facts for a collation id; undefined when the id is unknown to us. */
export function charsetForCollation(id: number): CharsetInfo | undefined {
  let info = cache.get(id);
  if (info === undefined) {
    const name = charsetNameOf(id);
    const entry = name === undefined ? undefined : CHARSETS[name];
    info = name === undefined ? null : { charset: name, kind: entry ? entry[0] : TextKind.Bytes, encoding: entry?.[1] };
    cache.set(id, info);
  }
  return info ?? undefined;
}

const decoders = new Map<string, TextDecoder>();

/** A shared TextDecoder for a WHATWG label (created once; decoders are stateless between calls). */
export function textDecoderFor(encoding: string): TextDecoder {
  let d = decoders.get(encoding);
  if (d === undefined) {
    d = new TextDecoder(encoding);
    decoders.set(encoding, d);
  }
  return d;
}

/** Whether text of this collation can be decoded to a JS string. */
export function canDecodeText(collationId: number | undefined): boolean {
  if (collationId === undefined) return false;
  const info = charsetForCollation(collationId);
  return info !== undefined && info.kind !== TextKind.Bytes && info.kind !== TextKind.Binary;
}

/** UTF-32BE bytes → string (MySQL utf32 is big-endian). */
export function decodeUtf32(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i + 3 < end; i += 4) {
    const cp = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    out += cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
  }
  return out;
}

/** cp1252 0x80-0x9f as MySQL's latin1 maps them (strings/ctype-latin1.cc cs_to_uni). */
const CP1252_HIGH =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
  '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

const HAS_C1 = /[\u0080-\u009f]/;
const C1_RANGE = /[\u0080-\u009f]/g;

function cp1252High(ch: string): string {
  return CP1252_HIGH[ch.charCodeAt(0) - 0x80]!;
}

/** MySQL latin1 bytes → string: ISO-8859-1 except 0x80-0x9f, which are the cp1252 characters. */
export function decodeLatin1(buf: Buffer, start: number, end: number): string {
  const text = (buf as Buffer & { latin1Slice(s: number, e: number): string }).latin1Slice(start, end);
  return HAS_C1.test(text) ? text.replace(C1_RANGE, cp1252High) : text;
}

const utf8Decoder = new TextDecoder('utf-8');

/**
 * Bytes in a collation's charset → string (not the row hot path: TABLE_MAP member names etc.).
 * Unknown or binary charsets are read as UTF-8, the best guess for identifiers.
 */
export function decodeTextForCollation(bytes: Uint8Array, collationId: number | undefined): string {
  const info = collationId === undefined ? undefined : charsetForCollation(collationId);
  switch (info?.kind) {
    case TextKind.Latin1:
      return decodeLatin1(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.length);
    case TextKind.Utf32:
      return decodeUtf32(bytes, 0, bytes.length);
    case TextKind.Decoder:
      return textDecoderFor(info.encoding!).decode(bytes);
    default:
      return utf8Decoder.decode(bytes);
  }
}
