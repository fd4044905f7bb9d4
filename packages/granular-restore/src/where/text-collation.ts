/**
 * Text comparison under a column's collation, as far as it is documented and checked against a
 * server (where-filter.server.test.ts). A collation we do not model is never guessed: comparing
 * text under it throws a USAGE error naming the collation and the way out (COLLATE …_bin).
 *
 * Modelled (https://dev.mysql.com/doc/refman/8.0/en/charset-collation-names.html,
 * https://mariadb.com/kb/en/supported-character-sets-and-collations/):
 *  - `binary` and `*_bin`: code point order (= byte order in UTF-8; latin1_bin is byte order of
 *    cp1252, the same for the letters people store);
 *  - `*_general_ci`, `*_general_nopad_ci`: case- and accent-insensitive, one weight per character:
 *    a character compares as the upper case of its base letter (é = E, ß = S, æ/ø/œ are letters of
 *    their own);
 *  - `*_unicode_ci`, `*_unicode_520_ci`, `*_uca1400_ai_ci`, `*_0900_ai_ci` (and their nopad forms):
 *    case- and accent-insensitive with the expansions ß = ss, œ = oe (520/1400/0900 also æ = ae,
 *    ø = o). Ordering (< > BETWEEN) is modelled only for letters, digits and spaces: UCA orders
 *    punctuation differently from code points;
 *  - `*_as_ci` (uca1400_as_ci, 0900_as_ci): case-insensitive, accent-sensitive;
 *  - every other `_ci` (language collations such as latin1_swedish_ci, whose accented letters
 *    follow national alphabets): equality and LIKE only when both sides are ASCII (where every case-
 *    insensitive collation agrees: A = a, trailing spaces ignored), except the Turkish/Azeri ones;
 *  - every other `_cs`: equality as code points when both sides are ASCII.
 * PAD SPACE collations ignore trailing spaces in comparisons (not in LIKE); NO PAD ones (`_nopad_`,
 * MySQL 8's `_0900_`) do not.
 */
import { PitrError, charsetOfCollation, collationById, collationIdByName, type Flavor } from '@pitr/core';

export interface TextCollation {
  readonly name: string;
  /** Character set (utf8mb4, latin1, binary…). */
  readonly charset: string;
  readonly kind: 'codepoint' | 'general' | 'uca' | 'case-only' | 'ascii-ci' | 'ascii-cs';
  readonly padSpace: boolean;
  /** UCA expansions beyond ß/œ (æ = ae, ø = o): UCA 5.2 and later. */
  readonly newUca: boolean;
}

const cache = new Map<string, TextCollation>();

/** The collation named `name` (e.g. 'utf8mb4_general_ci'); undefined when the server kind has no such collation. */
export function textCollationByName(name: string, flavor: Flavor): TextCollation | undefined {
  const lower = name.toLowerCase();
  if (lower === 'binary') return textCollation('binary', 'binary');
  const id = collationIdByName(lower, flavor);
  if (id === undefined) return undefined;
  return textCollation(lower, charsetOfCollation(id) ?? lower.split('_')[0]!);
}

/** The collation with id `id` (a column's), or undefined when unknown. */
export function textCollationById(id: number, flavor: Flavor): TextCollation | undefined {
  const info = collationById(id, flavor) ?? collationById(id, flavor === 'mariadb' ? 'mysql' : 'mariadb');
  return info === undefined ? undefined : textCollation(info.name, info.charset);
}

function textCollation(name: string, charset: string): TextCollation {
  let c = cache.get(name);
  if (c !== undefined) return c;
  const nopad = name.includes('_nopad_') || name.includes('_0900_') || name === 'binary' || /_nopad$/.test(name);
  const newUca = /_(unicode_520|uca1400|0900)_/.test(name);
  let kind: TextCollation['kind'];
  if (name === 'binary' || name.endsWith('_bin')) kind = 'codepoint';
  else if (/^(utf8mb3|utf8mb4|utf8|ucs2|utf16|utf16le|utf32)_general_(nopad_)?ci$/.test(name)) kind = 'general';
  else if (/^(utf8mb3|utf8mb4|utf8|ucs2|utf16|utf16le|utf32)_(unicode|unicode_520|uca1400|0900)_(nopad_)?(ai_)?ci$/.test(name) || /_uca1400_(nopad_)?ai_ci$/.test(name)) kind = 'uca';
  else if (/_as_ci$/.test(name)) kind = 'case-only';
  else if (name.endsWith('_ci') && !/_(turkish|azeri)_/.test(name)) kind = 'ascii-ci';
  else kind = 'ascii-cs';
  c = { name, charset, kind, padSpace: !nopad, newUca };
  cache.set(name, c);
  return c;
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
const MARKS = /\p{M}+/gu;

/** Compares two texts under `c`: negative, 0, positive. Throws USAGE where `c` is not modelled for these texts. */
export function compareText(a: string, b: string, c: TextCollation, ordering: boolean): number {
  if (c.padSpace) {
    a = trimEndSpaces(a);
    b = trimEndSpaces(b);
  }
  switch (c.kind) {
    case 'codepoint':
      return compareCodePoints(a, b);
    case 'general':
      return compareCodePoints(generalKey(a), generalKey(b));
    case 'case-only':
      return compareCodePoints(a.normalize('NFC').toLowerCase(), b.normalize('NFC').toLowerCase());
    case 'uca': {
      const ka = ucaKey(a, c.newUca);
      const kb = ucaKey(b, c.newUca);
      return ordering ? ucaOrder(ka, kb, c) : compareCodePoints(ka, kb);
    }
    case 'ascii-ci':
      if (!ASCII.test(a) || !ASCII.test(b)) throw unmodelled(c, 'non-ASCII text');
      if (ordering) throw unmodelled(c, 'ordering of text');
      return compareCodePoints(a.toLowerCase(), b.toLowerCase());
    case 'ascii-cs':
      if (!ASCII.test(a) || !ASCII.test(b)) throw unmodelled(c, 'non-ASCII text');
      if (ordering) throw unmodelled(c, 'ordering of text');
      return compareCodePoints(a, b);
  }
}

/** One character's comparison key for LIKE (which compares character by character, without expansions). */
export function likeCharKey(ch: string, c: TextCollation): string {
  switch (c.kind) {
    case 'codepoint':
    case 'ascii-cs':
      if (c.kind === 'ascii-cs' && ch.charCodeAt(0) > 0x7f) throw unmodelled(c, 'non-ASCII text in LIKE');
      return ch;
    case 'general':
      return generalKey(ch);
    case 'uca':
      return ch.normalize('NFD').replace(MARKS, '').toLowerCase();
    case 'case-only':
      return ch.normalize('NFC').toLowerCase();
    case 'ascii-ci':
      if (ch.charCodeAt(0) > 0x7f) throw unmodelled(c, 'non-ASCII text in LIKE');
      return ch.toLowerCase();
  }
}

/**
 * Order of two UCA keys (ai_ci: primary weights only), decided at their first difference. The
 * DUCET orders whitespace < punctuation and symbols < digits < letters; within letters and within
 * digits the keys' code points agree with it. Two different punctuation characters, or anything
 * outside ASCII at the first difference, are not modelled.
 */
function ucaOrder(a: string, b: string, c: TextCollation): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const cx = ucaClass(x);
    const cy = ucaClass(y);
    if (cx < 0 || cy < 0 || (cx === 1 && cy === 1)) throw unmodelled(c, 'ordering of text with punctuation, symbols or non-Latin letters');
    return cx !== cy ? cx - cy : x - y;
  }
  return a.length - b.length;
}

/** 0 space, 1 ASCII punctuation/symbol, 2 digit, 3 Latin letter (keys are lower case), -1 anything else. */
function ucaClass(code: number): number {
  if (code === 0x20) return 0;
  if (code >= 0x30 && code <= 0x39) return 2;
  if (code >= 0x61 && code <= 0x7a) return 3;
  if (code > 0x20 && code < 0x7f) return 1;
  return -1;
}

function trimEndSpaces(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x20) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** general_ci: each character → the upper case of its base letter (one weight per character). */
function generalKey(s: string): string {
  if (ASCII.test(s)) return s.toUpperCase();
  let out = '';
  for (const ch of s) {
    if (ch === 'ß') {
      out += 'S';
      continue;
    }
    const base = ch.normalize('NFD').replace(MARKS, '');
    const up = base.toUpperCase();
    // a character whose upper case is several characters keeps one weight: its own upper form or itself
    out += [...up].length === 1 ? up : base;
  }
  return out;
}

function ucaKey(s: string, newUca: boolean): string {
  let k = s.normalize('NFD').replace(MARKS, '').toLowerCase();
  if (!ASCII.test(k)) {
    k = k.replace(/ß/g, 'ss').replace(/œ/g, 'oe');
    if (newUca) k = k.replace(/æ/g, 'ae').replace(/ø/g, 'o');
  }
  return k;
}

/** Code point order (not UTF-16 unit order, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && x <= 0xdfff && y >= 0xd800 && y <= 0xdfff) return x - y;
    if (x >= 0xd800 && x <= 0xdfff) return y >= 0xe000 ? 1 : x - y;
    if (y >= 0xd800 && y <= 0xdfff) return x >= 0xe000 ? -1 : x - y;
    return x - y;
  }
  return a.length - b.length;
}

function unmodelled(c: TextCollation, what: string): PitrError {
  return new PitrError('USAGE', `--where: comparing ${what} under the collation ${c.name} is not modelled by pitr, so the result could differ from the server's`, {
    hints: [
      `compare exactly with COLLATE: e.g. name COLLATE ${c.charset === 'binary' ? 'binary' : `${c.charset}_bin`} = '…' (case- and accent-sensitive)`,
      'fully modelled: binary and *_bin, *_general_ci, *_unicode_ci, *_unicode_520_ci, *_uca1400_ai_ci, *_0900_ai_ci; other case-insensitive collations for ASCII text',
    ],
  });
}
