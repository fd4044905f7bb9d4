/**
 * The rows of a dump's `INSERT INTO \`t\` [(\`a\`, …)] VALUES (…),(…)` statement, read straight from
 * its bytes into row images (one ColumnValue per column, via column-codec.ts).
 *
 * Literal syntax is what mariadb-dump and mysqldump write (mysql_real_escape_string and
 * the server's text output): NULL; numbers bare (`-1.5e-7`); strings in '…' (or "…") with the
 * escapes \0 \' \" \b \n \r \t \Z \\ (\% and \_ keep their backslash, any other \x is x) and
 * doubled quotes; binary as 0x… (--hex-blob) or X'…'; BIT as b'…' or 0x….
 * https://mariadb.com/kb/en/string-literals/ , https://dev.mysql.com/doc/refman/8.0/en/string-literals.html
 */
import { type ColumnValue, PitrError, type RowImage } from '@pitr/core';
import type { ColumnCodec, DumpToken } from './column-codec.js';

const NULL_TOKEN: DumpToken = { kind: 'null' };
const DEFAULT_TOKEN: DumpToken = { kind: 'default' };

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

const ESCAPES: Record<number, number> = { 0x30: 0x00, 0x62: 0x08, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x5a: 0x1a };

function hexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Position context for error messages. */
export interface DumpPlace {
  readonly line: number;
  readonly table: string;
}

/**
 * Calls `onRow` for each tuple of the INSERT statement in `bytes`, as a RowImage in table order
 * (columns the statement's column list leaves out, such as generated ones, are `undefined`).
 */
export function parseInsertRows(bytes: Buffer, codecs: readonly ColumnCodec[], place: DumpPlace, onRow: (row: RowImage) => void): number {
  const n = bytes.length;
  const fail = (i: number, what: string): never => {
    throw new PitrError('PLAN', `line ${place.line} of the dump (INSERT into ${place.table}), byte ${i}: ${what}`, {
      hints: ['the dump must be mariadb-dump/mysqldump output (pitr backup writes one); a hand-edited INSERT may use syntax restore-table does not read'],
    });
  };
  let i = 0;
  // INSERT [IGNORE] INTO `t` — skip to the name, then past it
  const into = bytes.indexOf('INTO', 0, 'latin1');
  if (into < 0) fail(0, 'not an INSERT … INTO statement');
  i = into + 4;
  while (i < n && isSpace(bytes[i]!)) i++;
  i = skipName(bytes, i, fail);
  if (bytes[i] === 0x2e) i = skipName(bytes, i + 1, fail); // `db`.`t`
  while (i < n && isSpace(bytes[i]!)) i++;
  // optional column list
  let slots: number[] = codecs.map((_, k) => k);
  if (bytes[i] === 0x28) {
    const names: string[] = [];
    i++;
    for (;;) {
      while (i < n && isSpace(bytes[i]!)) i++;
      const start = i;
      i = skipName(bytes, i, fail);
      let name = bytes.toString('utf8', start, i);
      if (name.startsWith('`')) name = name.slice(1, -1).replace(/``/g, '`');
      names.push(name);
      while (i < n && isSpace(bytes[i]!)) i++;
      if (bytes[i] === 0x2c) {
        i++;
        continue;
      }
      if (bytes[i] === 0x29) {
        i++;
        break;
      }
      fail(i, 'bad column list');
    }
    slots = names.map((name) => {
      const k = codecs.findIndex((c) => c.schema.name.toLowerCase() === name.toLowerCase());
      if (k < 0) fail(i, `column \`${name}\` is not in the table's definition`);
      return k;
    });
  }
  while (i < n && isSpace(bytes[i]!)) i++;
  if (bytes.toString('latin1', i, i + 6).toUpperCase() !== 'VALUES') fail(i, 'expected VALUES');
  i += 6;
  let rows = 0;
  const where = (): string => `line ${place.line} of the dump (INSERT into ${place.table}), row ${rows + 1}`;
  for (;;) {
    while (i < n && isSpace(bytes[i]!)) i++;
    if (bytes[i] !== 0x28) fail(i, 'expected ( of a row');
    i++;
    const row: RowImage = new Array<ColumnValue | undefined>(codecs.length).fill(undefined);
    let k = 0;
    for (;;) {
      while (i < n && isSpace(bytes[i]!)) i++;
      if (k >= slots.length) fail(i, `more values than the ${slots.length} columns`);
      const r = readToken(bytes, i, fail);
      i = r.next;
      const slot = slots[k]!;
      row[slot] = r.token.kind === 'default' ? undefined : codecs[slot]!.fromDump(r.token, where);
      k++;
      while (i < n && isSpace(bytes[i]!)) i++;
      const c = bytes[i];
      if (c === 0x2c) {
        i++;
        continue;
      }
      if (c === 0x29) {
        i++;
        break;
      }
      fail(i, 'expected , or ) after a value');
    }
    if (k !== slots.length) fail(i, `${k} values for ${slots.length} columns`);
    rows++;
    onRow(row);
    while (i < n && isSpace(bytes[i]!)) i++;
    if (i >= n || bytes[i] === 0x3b) break;
    if (bytes[i] !== 0x2c) {
      // ON DUPLICATE KEY UPDATE … and the like are not dump syntax
      fail(i, 'unexpected text after a row');
    }
    i++;
  }
  return rows;
}

function skipName(bytes: Buffer, i: number, fail: (i: number, what: string) => never): number {
  if (bytes[i] === 0x60) {
    let j = i + 1;
    for (;;) {
      const close = bytes.indexOf(0x60, j);
      if (close < 0) fail(i, 'unterminated `name`');
      if (bytes[close + 1] === 0x60) {
        j = close + 2;
        continue;
      }
      return close + 1;
    }
  }
  let j = i;
  while (j < bytes.length) {
    const c = bytes[j]!;
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24 || c >= 0x80) j++;
    else break;
  }
  if (j === i) fail(i, 'expected a name');
  return j;
}

/** One literal at `i`. Exported for tests. */
export function readToken(bytes: Buffer, i: number, fail: (i: number, what: string) => never): { token: DumpToken; next: number } {
  const c = bytes[i];
  if (c === 0x27 || c === 0x22) return readString(bytes, i, c, fail);
  if ((c === 0x4e || c === 0x6e) && bytes.toString('latin1', i, i + 4).toUpperCase() === 'NULL') return { token: NULL_TOKEN, next: i + 4 };
  if ((c === 0x44 || c === 0x64) && bytes.toString('latin1', i, i + 7).toUpperCase() === 'DEFAULT') return { token: DEFAULT_TOKEN, next: i + 7 };
  if (c === 0x30 && (bytes[i + 1] === 0x78 || bytes[i + 1] === 0x58)) {
    let j = i + 2;
    while (j < bytes.length && hexDigit(bytes[j]!)) j++;
    let hex = bytes.toString('latin1', i + 2, j);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    return { token: { kind: 'hex', bytes: Buffer.from(hex, 'hex') }, next: j };
  }
  if (c === 0x30 && bytes[i + 1] === 0x62) {
    let j = i + 2;
    while (bytes[j] === 0x30 || bytes[j] === 0x31) j++;
    const digits = bytes.toString('latin1', i + 2, j);
    return { token: { kind: 'bits', value: digits === '' ? 0n : BigInt(`0b${digits}`) }, next: j };
  }
  if ((c === 0x58 || c === 0x78) && bytes[i + 1] === 0x27) {
    const close = bytes.indexOf(0x27, i + 2);
    if (close < 0) fail(i, "unterminated X'…'");
    return { token: { kind: 'hex', bytes: Buffer.from(bytes.toString('latin1', i + 2, close), 'hex') }, next: close + 1 };
  }
  if ((c === 0x62 || c === 0x42) && bytes[i + 1] === 0x27) {
    const close = bytes.indexOf(0x27, i + 2);
    if (close < 0) fail(i, "unterminated b'…'");
    const digits = bytes.toString('latin1', i + 2, close);
    return { token: { kind: 'bits', value: digits === '' ? 0n : BigInt(`0b${digits}`) }, next: close + 1 };
  }
  // a number: [-+]digits[.digits][e[-+]digits]
  let j = i;
  if (bytes[j] === 0x2d || bytes[j] === 0x2b) j++;
  const digitsStart = j;
  while (j < bytes.length) {
    const d = bytes[j]!;
    if ((d >= 0x30 && d <= 0x39) || d === 0x2e) j++;
    else if ((d === 0x65 || d === 0x45) && j > digitsStart) {
      j++;
      if (bytes[j] === 0x2d || bytes[j] === 0x2b) j++;
    } else break;
  }
  if (j === digitsStart) fail(i, 'expected a value');
  return { token: { kind: 'number', text: bytes.toString('latin1', i, j) }, next: j };
}

function readString(bytes: Buffer, i: number, quote: number, fail: (i: number, what: string) => never): { token: DumpToken; next: number } {
  let j = i + 1;
  // fast path: no escape, no doubled quote
  const close = bytes.indexOf(quote, j);
  if (close < 0) fail(i, 'unterminated string');
  // a backslash only counts before the quote: searching the rest of the statement (often 1 MB)
  // for each string made a statement's parse quadratic
  const text = bytes.subarray(j, close);
  if (text.indexOf(0x5c) < 0 && bytes[close + 1] !== quote) return { token: { kind: 'string', bytes: text }, next: close + 1 };
  // find the end first: the unescaped text is never longer than the quoted one
  let end = j;
  for (;;) {
    const c = bytes[end];
    if (c === undefined) fail(i, 'unterminated string');
    if (c === 0x5c) end += 2;
    else if (c === quote) {
      if (bytes[end + 1] !== quote) break;
      end += 2;
    } else end++;
  }
  const out = Buffer.allocUnsafe(end - j);
  let o = 0;
  for (;;) {
    if (j >= bytes.length) fail(i, 'unterminated string');
    const c = bytes[j]!;
    if (c === 0x5c) {
      const e = bytes[j + 1];
      if (e === undefined) fail(i, 'unterminated string');
      if (e === 0x25 || e === 0x5f) {
        out[o++] = 0x5c;
        out[o++] = e;
      } else out[o++] = ESCAPES[e] ?? e;
      j += 2;
      continue;
    }
    if (c === quote) {
      if (bytes[j + 1] === quote) {
        out[o++] = quote;
        j += 2;
        continue;
      }
      return { token: { kind: 'string', bytes: out.subarray(0, o) }, next: j + 1 };
    }
    out[o++] = c;
    j++;
  }
}
