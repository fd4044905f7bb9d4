/**
 * `--rewrite-db FROM:TO`: restore a database beside the original, under another name.
 *
 * What is renamed: the database of row events (the applier writes to TO), the default database of
 * statements (USE), and database names written in statements — `FROM`.`t` qualifiers (also inside
 * `/*!50001 … *\/` version comments, where mariadb-dump puts its view definitions), and the name
 * after CREATE/DROP/ALTER DATABASE|SCHEMA and USE. String literals and comments are left alone
 * (a database name inside a string is data, not a reference).
 *
 * What it cannot know: a table alias or a table that happens to be named like a renamed database
 * and is used as a qualifier (`shop.id` where `shop` is a table) is renamed too; the server then
 * refuses the statement (unknown table) — loud, never a silent write elsewhere. A statement that
 * names a database of the backup that is NOT renamed is reported (`foreign`) so the caller can
 * refuse it: restoring beside the original must never write into another (live) database.
 *
 * Unlike mariadb-binlog's --rewrite-db (which renames only the default database and row events),
 * qualified names are renamed, so DDL written as `ALTER TABLE shop.t …` does not reach the original.
 */
import { quoteIdentifier } from './literal.js';

export interface RewriteResult {
  /** The statement with every reference to a renamed database replaced (the input itself when none). */
  readonly bytes: Uint8Array;
  /** Whether a renamed database was referenced. */
  readonly touched: boolean;
  /** Databases of `known` (not renamed) the statement names as qualifiers or DATABASE/USE objects. */
  readonly foreign: readonly string[];
}

const DB_KEYWORDS = new Set(['DATABASE', 'SCHEMA', 'USE']);

export class DbRewrite {
  /** FROM and TO as latin1 strings of their UTF-8 bytes, so they compare with the byte-wise scan. */
  private readonly byLatin1 = new Map<string, string>();
  private readonly knownLatin1: Set<string>;

  /**
   * @param map FROM → TO.
   * @param known every database the restore knows of (the backup's): those not renamed are reported in `foreign`.
   */
  constructor(
    readonly map: ReadonlyMap<string, string>,
    known: Iterable<string> = [],
  ) {
    for (const [from, to] of map) this.byLatin1.set(Buffer.from(from, 'utf8').toString('latin1'), to);
    this.knownLatin1 = new Set([...known].filter((d) => !map.has(d)).map((d) => Buffer.from(d, 'utf8').toString('latin1')));
  }

  /** Parses `FROM:TO[,FROM:TO…]` (repeatable option values). */
  static parse(specs: readonly string[]): Map<string, string> {
    const map = new Map<string, string>();
    for (const spec of specs.flatMap((s) => s.split(','))) {
      const m = /^\s*([^:\s][^:]*?)\s*:\s*([^:\s][^:]*?)\s*$/.exec(spec);
      if (m === null) throw new RangeError(`'${spec}' is not FROM:TO`);
      const [, from, to] = m as unknown as [string, string, string];
      if (from === to) throw new RangeError(`'${spec}' renames ${from} to itself`);
      if (map.has(from)) throw new RangeError(`${from} is renamed twice`);
      map.set(from, to);
    }
    const targets = [...map.values()];
    for (const to of targets) {
      if (map.has(to)) throw new RangeError(`${to} is both renamed and a new name`);
      if (targets.indexOf(to) !== targets.lastIndexOf(to)) throw new RangeError(`two databases are renamed to ${to}`);
    }
    return map;
  }

  /** The new name of a database, or undefined when it is not renamed. */
  db(name: string): string | undefined {
    return this.map.get(name);
  }

  /** Renames database references in one SQL statement (bytes in any ASCII-compatible charset). */
  statement(bytes: Uint8Array): RewriteResult {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const s = buf.toString('latin1');
    const n = s.length;
    const edits: { start: number; end: number; to: string }[] = [];
    const foreign = new Set<string>();
    let prevWord = ''; // the previous bare word (upper case), '' after anything else
    let prevWord2 = '';
    let prevDot = false;
    let i = 0;
    const consider = (name: string, start: number, end: number, afterDb: boolean): void => {
      // a qualifier: the identifier is followed by a dot (whitespace allowed) and is not itself after one
      let j = end;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      const qualifier = !prevDot && j < n && s.charCodeAt(j) === 46;
      if (!qualifier && !afterDb) return;
      const to = this.byLatin1.get(name);
      if (to !== undefined) edits.push({ start, end, to });
      else if (this.knownLatin1.has(name)) foreign.add(Buffer.from(name, 'latin1').toString('utf8'));
    };
    while (i < n) {
      const c = s.charCodeAt(i);
      if (isSpace(c)) {
        i++;
        continue;
      }
      // comments: `-- `, `#`, `/* */`; `/*!NNNNN … */` and `/*M!… */` are code: scanned inside
      if (c === 45 && s.charCodeAt(i + 1) === 45 && (i + 2 >= n || isSpace(s.charCodeAt(i + 2)))) {
        i = lineEnd(s, i);
        continue;
      }
      if (c === 35) {
        i = lineEnd(s, i);
        continue;
      }
      if (c === 47 && s.charCodeAt(i + 1) === 42) {
        const bang = s.charCodeAt(i + 2) === 33 || (s.charCodeAt(i + 2) === 77 && s.charCodeAt(i + 3) === 33);
        if (bang) {
          i += s.charCodeAt(i + 2) === 33 ? 3 : 4;
          while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
          continue;
        }
        const e = s.indexOf('*/', i + 2);
        i = e < 0 ? n : e + 2;
        continue;
      }
      if (c === 42 && s.charCodeAt(i + 1) === 47) {
        i += 2; // the end of a version comment
        continue;
      }
      // string literals: '…' and "…" (backslash escapes and doubled quotes)
      if (c === 39 || c === 34) {
        i = stringEnd(s, i, c);
        prevWord2 = prevWord;
        prevWord = '';
        prevDot = false;
        continue;
      }
      const afterDb = DB_KEYWORDS.has(prevWord) || ((prevWord === 'EXISTS') && (prevWord2 === 'IF' || prevWord2 === 'NOT'));
      if (c === 96) {
        // `quoted identifier` (`` is a backtick)
        let j = i + 1;
        let name = '';
        for (;;) {
          const e = s.indexOf('`', j);
          if (e < 0) {
            name += s.slice(j);
            j = n;
            break;
          }
          name += s.slice(j, e);
          if (s.charCodeAt(e + 1) === 96) {
            name += '`';
            j = e + 2;
            continue;
          }
          j = e + 1;
          break;
        }
        consider(name, i, j, afterDb);
        i = j;
        prevWord2 = prevWord;
        prevWord = '';
        prevDot = false;
        continue;
      }
      if (isWordChar(c)) {
        let j = i + 1;
        while (j < n && isWordChar(s.charCodeAt(j))) j++;
        const word = s.slice(i, j);
        // numbers (1.5) are not identifiers
        if (!(c >= 48 && c <= 57 && /^\d+$/.test(word))) consider(word, i, j, afterDb && !isKeywordAfterDb(word));
        i = j;
        prevWord2 = prevWord;
        prevWord = word.toUpperCase();
        prevDot = false;
        continue;
      }
      prevDot = c === 46;
      prevWord2 = prevWord;
      prevWord = '';
      i++;
    }
    if (edits.length === 0) return { bytes, touched: false, foreign: [...foreign] };
    const parts: Buffer[] = [];
    let at = 0;
    for (const e of edits) {
      parts.push(buf.subarray(at, e.start), Buffer.from(quoteIdentifier(e.to), 'utf8'));
      at = e.end;
    }
    parts.push(buf.subarray(at));
    return { bytes: Buffer.concat(parts), touched: true, foreign: [...foreign] };
  }
}

/** After DATABASE/SCHEMA: `IF [NOT] EXISTS` come before the name. */
function isKeywordAfterDb(word: string): boolean {
  const u = word.toUpperCase();
  return u === 'IF' || u === 'NOT' || u === 'EXISTS';
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

/** Unquoted identifier characters: ASCII letters, digits, _ and $, and any non-ASCII byte. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c >= 128;
}

function lineEnd(s: string, i: number): number {
  const e = s.indexOf('\n', i);
  return e < 0 ? s.length : e + 1;
}

function stringEnd(s: string, i: number, quote: number): number {
  let j = i + 1;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 92) {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (s.charCodeAt(j + 1) === quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return s.length;
}
