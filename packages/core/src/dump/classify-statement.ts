/**
 * Cheap classification of dump statements (what they create, fill or set, and on which table) by
 * their leading keywords, looking through the `/*!NNNNN` markers dump tools wrap them in. Not a
 * SQL parser: it reads at most CLASSIFY_BYTES bytes and a few dozen tokens of each statement.
 */
import type { DumpStatementKind } from './dump-statements.js';

const NL = 0x0a;
const BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

export interface StatementClassification {
  kind: DumpStatementKind;
  db: string | undefined;
  table: string | undefined;
  name: string | undefined;
}

/** Bytes of a statement looked at to classify it (names may be long; DEFINER clauses too). */
const CLASSIFY_BYTES = 1024;

/**
 * Leading tokens of a statement, looking through executable-comment markers: `up` has words
 * upper-cased for keyword tests, identifiers as '`name' (unquoted), strings as "'", punctuation
 * as is; `orig` has the same tokens with words as written.
 */
interface Tokens {
  up: string[];
  orig: string[];
}

function leadingTokens(bytes: Buffer, max: number): Tokens {
  const n = Math.min(bytes.length, CLASSIFY_BYTES);
  const up: string[] = [];
  const orig: string[] = [];
  let i = 0;
  while (i < n && up.length < max) {
    const c = bytes[i]!;
    if (isSpace(c)) {
      i++;
    } else if (c === 0x2f && bytes[i + 1] === 0x2a) {
      // executable comment opener: its content counts; a plain comment is skipped
      if (bytes[i + 2] === 0x21 || (bytes[i + 2] === 0x4d && bytes[i + 3] === 0x21)) {
        i += bytes[i + 2] === 0x21 ? 3 : 4;
        while (i < n && bytes[i]! >= 0x30 && bytes[i]! <= 0x39) i++;
      } else {
        const close = bytes.indexOf('*/', i + 2);
        i = close < 0 ? n : close + 2;
      }
    } else if (c === 0x2a && bytes[i + 1] === 0x2f) {
      i += 2;
    } else if (c === 0x23 || (c === 0x2d && bytes[i + 1] === 0x2d && (bytes[i + 2] ?? 0) <= 0x20)) {
      const nl = bytes.indexOf(NL, i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === 0x60) {
      let j = i + 1;
      let text = '';
      for (;;) {
        const close = bytes.indexOf(0x60, j);
        if (close < 0 || close >= n) {
          text += bytes.toString('utf8', j, n);
          j = n;
          break;
        }
        text += bytes.toString('utf8', j, close);
        if (bytes[close + 1] === 0x60) {
          text += '`';
          j = close + 2;
          continue;
        }
        j = close + 1;
        break;
      }
      up.push('`' + text);
      orig.push('`' + text);
      i = j;
    } else if (c === 0x27 || c === 0x22) {
      let j = i + 1;
      while (j < n && bytes[j] !== c) j += bytes[j] === BACKSLASH ? 2 : 1;
      up.push("'");
      orig.push("'");
      i = j + 1;
    } else if (isWordByte(c)) {
      let j = i + 1;
      while (j < n && isWordByte(bytes[j]!)) j++;
      const word = bytes.toString('utf8', i, j);
      up.push(word.toUpperCase());
      orig.push(word);
      i = j;
    } else {
      const p = String.fromCharCode(c);
      up.push(p);
      orig.push(p);
      i++;
    }
  }
  return { up, orig };
}

function isWordByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24 || c >= 0x80;
}

/** The name of an identifier token (backquoted or bare word), else undefined. */
function identName(t: string | undefined): string | undefined {
  if (t === undefined || t === '') return undefined;
  if (t.startsWith('`')) return t.slice(1);
  return t.length > 0 && isWordByte(t.charCodeAt(0) > 0x7f ? 0x80 : t.charCodeAt(0)) && t !== "'" ? t : undefined;
}

/** Reads `name` or `db.name` at token k; returns [db, name, next index]. */
function qualifiedName(t: Tokens, k: number): [string | undefined, string | undefined, number] {
  const first = identName(t.orig[k]);
  if (first === undefined) return [undefined, undefined, k];
  if (t.up[k + 1] === '.') return [first, identName(t.orig[k + 2]), k + 3];
  return [undefined, first, k + 1];
}

/** Skips `DEFINER = user@host`, `OR REPLACE`, `ALGORITHM = x`, `SQL SECURITY x`, ... after CREATE. */
function skipCreateOptions(t: string[], k: number): number {
  for (;;) {
    const w = t[k];
    if (w === 'OR' && t[k + 1] === 'REPLACE') k += 2;
    else if (w === 'ALGORITHM' && t[k + 1] === '=') k += 3;
    else if (w === 'SQL' && t[k + 1] === 'SECURITY') k += 3;
    else if (w === 'DEFINER' && t[k + 1] === '=') {
      k += 3; // user
      if (t[k] === '@') k += 2; // @host
      else if (t[k] === '(' && t[k + 1] === ')') k += 2; // CURRENT_USER()
    } else if (w === 'AGGREGATE' || w === 'TEMPORARY' || w === 'NONEDITIONABLE' || w === 'EDITIONABLE') k++;
    else return k;
  }
}

function skipIfExists(t: string[], k: number): number {
  if (t[k] === 'IF' && t[k + 1] === 'NOT' && t[k + 2] === 'EXISTS') return k + 3;
  if (t[k] === 'IF' && t[k + 1] === 'EXISTS') return k + 2;
  return k;
}

/**
 * Cheap classification of a dump statement by its leading keywords (see DumpStatementKind),
 * looking through `/*!NNNNN` markers. `currentDb` fills `db` for unqualified names.
 */
export function classifyStatement(bytes: Buffer, currentDb: string | undefined): StatementClassification {
  const t = leadingTokens(bytes, 32);
  const w = t.up;
  const out: StatementClassification = { kind: 'other', db: undefined, table: undefined, name: undefined };
  const tableAt = (k: number): number => {
    const [db, table, next] = qualifiedName(t, k);
    out.db = db ?? currentDb;
    out.table = table;
    return next;
  };
  const nameAt = (k: number): number => {
    const [db, name, next] = qualifiedName(t, k);
    out.db = db ?? currentDb;
    out.name = name;
    return next;
  };
  const w0 = w[0];
  switch (w0) {
    case 'INSERT':
    case 'REPLACE': {
      let k = 1;
      while (w[k] === 'LOW_PRIORITY' || w[k] === 'DELAYED' || w[k] === 'HIGH_PRIORITY' || w[k] === 'IGNORE') k++;
      if (w[k] === 'INTO') k++;
      out.kind = 'insert';
      tableAt(k);
      return out;
    }
    case 'USE':
      out.kind = 'use';
      out.db = identName(t.orig[1]);
      return out;
    case 'SET':
      out.kind = 'set';
      return out;
    case 'SELECT':
    case 'DO':
      // the value of a MariaDB sequence: SELECT SETVAL(`seq`, 105, 0)
      if (w[1] === 'SETVAL' && w[2] === '(') tableAt(3);
      return out;
    case 'LOCK':
    case 'UNLOCK':
      out.kind = 'lock';
      if (w0 === 'LOCK' && (w[1] === 'TABLES' || w[1] === 'TABLE')) tableAt(2);
      return out;
    case 'DROP': {
      let k = 1;
      if (w[k] === 'TEMPORARY') k++;
      const what = w[k];
      k = skipIfExists(w, k + 1);
      if (what === 'TABLE' || what === 'TABLES' || what === 'SEQUENCE') {
        out.kind = 'drop-table';
        tableAt(k);
      } else if (what === 'VIEW') {
        out.kind = 'view';
        tableAt(k);
        out.name = out.table;
      } else if (what === 'PROCEDURE' || what === 'FUNCTION' || what === 'EVENT') {
        out.kind = 'routine';
        nameAt(k);
      } else if (what === 'TRIGGER') {
        out.kind = 'trigger';
        nameAt(k);
      } else if (what === 'DATABASE' || what === 'SCHEMA') {
        out.db = identName(t.orig[k]);
      }
      return out;
    }
    case 'CREATE': {
      let k = skipCreateOptions(w, 1);
      const what = w[k];
      k = skipIfExists(w, k + 1);
      if (what === 'TABLE' || what === 'SEQUENCE') {
        // a MariaDB SEQUENCE is a table (its value is restored by SELECT SETVAL)
        out.kind = 'create-table';
        tableAt(k);
      } else if (what === 'DATABASE' || what === 'SCHEMA') {
        out.kind = 'create-database';
        out.db = identName(t.orig[k]);
      } else if (what === 'VIEW') {
        out.kind = 'view';
        tableAt(k);
        out.name = out.table;
      } else if (what === 'PROCEDURE' || what === 'FUNCTION' || what === 'EVENT') {
        out.kind = 'routine';
        nameAt(k);
      } else if (what === 'TRIGGER') {
        out.kind = 'trigger';
        const next = nameAt(k);
        const qualified = t.up[k + 1] === '.';
        // trigger_time trigger_event ON tbl
        const on = w.indexOf('ON', next);
        if (on > 0) {
          const [tdb, table] = qualifiedName(t, on + 1);
          out.table = table;
          if (!qualified && tdb !== undefined) out.db = tdb;
        }
      }
      return out;
    }
    default:
      return out;
  }
}
