/**
 * The restored copy's definition as SQL: the backup's (or the binlog's) CREATE TABLE under the
 * copy's name, without FOREIGN KEY constraints, plus the later index/option ALTERs under the same
 * name. Why no foreign keys: InnoDB constraint names are unique per database, so a copy beside
 * the live table would clash with the original's; and a copy is for reading and copying rows
 * back, where a constraint to the live parent tables would only get in the way.
 *
 * Statements are edited by token positions (quotes, backquotes and comments respected), never by
 * pattern over the whole text.
 */
import { PitrError, quoteIdentifier } from '@pitr/core';

interface Token {
  readonly kind: 'word' | 'ident' | 'string' | 'punct' | 'number';
  /** Words upper-cased; identifiers unquoted. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

function tokens(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      // executable comments /*!NNNNN … */ hold SQL: read through them, drop the markers
      if (sql[i + 2] === '!' || (sql[i + 2] === 'M' && sql[i + 3] === '!')) {
        i += sql[i + 2] === '!' ? 3 : 4;
        while (i < n && /[0-9]/.test(sql[i]!)) i++;
      } else {
        const close = sql.indexOf('*/', i + 2);
        i = close < 0 ? n : close + 2;
      }
    } else if (c === '*' && sql[i + 1] === '/') {
      i += 2;
    } else if (c === '#' || (c === '-' && sql[i + 1] === '-' && /\s/.test(sql[i + 2] ?? ' '))) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '`') {
      let j = i + 1;
      let text = '';
      for (;;) {
        const close = sql.indexOf('`', j);
        if (close < 0) throw new PitrError('PLAN', 'unterminated `name` in a table definition');
        text += sql.slice(j, close);
        if (sql[close + 1] === '`') {
          text += '`';
          j = close + 2;
          continue;
        }
        out.push({ kind: 'ident', text, start: i, end: close + 1 });
        i = close + 1;
        break;
      }
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && sql[j] !== c) j += sql[j] === '\\' ? 2 : 1;
      if (sql[j + 1] === c) {
        // doubled quote: continue the same string
        let k = j;
        while (sql[k] === c && sql[k + 1] === c) {
          k += 2;
          while (k < n && sql[k] !== c) k += sql[k] === '\\' ? 2 : 1;
        }
        j = k;
      }
      out.push({ kind: 'string', text: '', start: i, end: j + 1 });
      i = j + 1;
    } else if (/[A-Za-z_$\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j]!)) j++;
      out.push({ kind: 'word', text: sql.slice(i, j).toUpperCase(), start: i, end: j });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9.eE]/.test(sql[j]!)) j++;
      out.push({ kind: 'number', text: sql.slice(i, j), start: i, end: j });
      i = j;
    } else {
      out.push({ kind: 'punct', text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return out;
}

const isWord = (t: Token | undefined, w: string): boolean => t?.kind === 'word' && t.text === w;

/** Index of the table name after `CREATE … TABLE [IF NOT EXISTS]` / `ALTER … TABLE [IF EXISTS]`. */
function nameAfterTable(t: readonly Token[]): number {
  const at = t.findIndex((x) => isWord(x, 'TABLE'));
  if (at < 0) return -1;
  let i = at + 1;
  if (isWord(t[i], 'IF') && isWord(t[i + 1], 'NOT') && isWord(t[i + 2], 'EXISTS')) i += 3;
  else if (isWord(t[i], 'IF') && isWord(t[i + 1], 'EXISTS')) i += 2;
  return i;
}

/** Replaces the `[db.]name` starting at token i. */
function replaceName(sql: string, t: readonly Token[], i: number, qualified: string): string {
  const first = t[i];
  if (first === undefined || (first.kind !== 'ident' && first.kind !== 'word')) throw new PitrError('PLAN', 'cannot find the table name in a definition');
  let last = first;
  if (t[i + 1]?.text === '.' && t[i + 2] !== undefined) last = t[i + 2]!;
  return sql.slice(0, first.start) + qualified + sql.slice(last.end);
}

export function qualified(db: string, table: string): string {
  return `${quoteIdentifier(db)}.${quoteIdentifier(table)}`;
}

export interface CopyDefinition {
  readonly sql: string;
  /** Names (or definitions, when unnamed) of the FOREIGN KEY constraints left out. */
  readonly droppedForeignKeys: readonly string[];
}

/** A CREATE TABLE statement for the copy `db`.`table`, without FOREIGN KEYs. */
export function copyCreateTable(createSql: string, db: string, table: string): CopyDefinition {
  let t = tokens(createSql);
  const nameAt = nameAfterTable(t);
  if (!isWord(t[0], 'CREATE') || nameAt < 0) throw new PitrError('PLAN', 'the table definition is not a CREATE TABLE statement');
  // CREATE OR REPLACE → CREATE: the copy never replaces anything (an existing copy is refused before)
  let sql = createSql;
  if (isWord(t[1], 'OR') && isWord(t[2], 'REPLACE')) sql = sql.slice(0, t[1]!.start) + sql.slice(t[2]!.end).replace(/^\s*/, '');
  t = tokens(sql);
  // … and never IF NOT EXISTS: rows must not go into a table that was already there
  const at = t.findIndex((x) => isWord(x, 'TABLE'));
  if (isWord(t[at + 1], 'IF') && isWord(t[at + 2], 'NOT') && isWord(t[at + 3], 'EXISTS')) sql = sql.slice(0, t[at + 1]!.start) + sql.slice(t[at + 3]!.end).replace(/^\s*/, '');
  t = tokens(sql);
  sql = replaceName(sql, t, nameAfterTable(t), qualified(db, table));
  t = tokens(sql);
  const i = nameAfterTable(t);
  let open = i + 1;
  if (t[open]?.text === '.') open += 2;
  if (isWord(t[open], 'LIKE') || t[open]?.text !== '(') throw new PitrError('PLAN', 'CREATE TABLE … LIKE is not followed by restore-table', { hints: ['restore the whole database to a scratch server (pitr restore --to)'] });
  // the top-level parts of the (…) list
  const parts: { from: number; to: number; first: number }[] = [];
  let depth = 0;
  let partStart = t[open]!.end;
  let firstTok = open + 1;
  let close = -1;
  for (let k = open + 1; k < t.length; k++) {
    const x = t[k]!;
    if (x.text === '(' && x.kind === 'punct') depth++;
    else if (x.text === ')' && x.kind === 'punct') {
      if (depth === 0) {
        parts.push({ from: partStart, to: x.start, first: firstTok });
        close = k;
        break;
      }
      depth--;
    } else if (x.text === ',' && x.kind === 'punct' && depth === 0) {
      parts.push({ from: partStart, to: x.start, first: firstTok });
      partStart = x.end;
      firstTok = k + 1;
    }
  }
  if (close < 0) throw new PitrError('PLAN', 'unbalanced parentheses in a table definition');
  const dropped: string[] = [];
  const kept: string[] = [];
  for (const p of parts) {
    const a = t[p.first];
    let k = p.first;
    let name: string | undefined;
    if (isWord(a, 'CONSTRAINT')) {
      if (!isWord(t[k + 1], 'FOREIGN') && !isWord(t[k + 1], 'CHECK') && !isWord(t[k + 1], 'PRIMARY') && !isWord(t[k + 1], 'UNIQUE')) {
        name = t[k + 1]?.text;
        k += 2;
      } else k += 1;
    }
    if (isWord(t[k], 'FOREIGN') && isWord(t[k + 1], 'KEY')) {
      dropped.push(name ?? sql.slice(p.from, p.to).trim());
      continue;
    }
    kept.push(sql.slice(p.from, p.to));
  }
  const body = kept.join(',');
  // keep the line break before ')' when the last part lost its own
  const out = sql.slice(0, t[open]!.end) + body + (body.endsWith('\n') ? '' : '\n') + sql.slice(t[close]!.start);
  return { sql: out, droppedForeignKeys: dropped };
}

/**
 * An ALTER TABLE / CREATE INDEX / DROP INDEX statement re-aimed at the copy; undefined when it
 * adds a FOREIGN KEY (left out, like the definition's).
 */
export function copyAlter(alterSql: string, db: string, table: string): string | undefined {
  const t = tokens(alterSql);
  if (t.some((x, k) => isWord(x, 'FOREIGN') && isWord(t[k + 1], 'KEY'))) return undefined;
  if (isWord(t[0], 'ALTER')) return replaceName(alterSql, t, nameAfterTable(t), qualified(db, table));
  const on = t.findIndex((x) => isWord(x, 'ON'));
  if ((isWord(t[0], 'CREATE') || isWord(t[0], 'DROP')) && on > 0) return replaceName(alterSql, t, on + 1, qualified(db, table));
  throw new PitrError('PLAN', `cannot re-aim this statement at the copy: ${alterSql.slice(0, 120)}`);
}
