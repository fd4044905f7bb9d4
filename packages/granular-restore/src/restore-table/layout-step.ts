/**
 * A column-layout ALTER between the backup and the target, as a conversion of rows: rows the
 * backup holds (and rows the binlogs logged before the ALTER) are carried into the new layout the
 * way the server carried the table's rows — kept columns keep their values, dropped columns go,
 * added columns take their DEFAULT.
 *
 * Only what is exact without the server is done: ADD COLUMN with a constant DEFAULT (or none: NULL
 * for a nullable column, the implicit 0 / '' for NOT NULL numbers and strings) and DROP COLUMN, in
 * any order and position. Everything else is refused with the reason, never guessed: a changed
 * type, collation or nullability (MODIFY), a renamed column (CHANGE / RENAME COLUMN: it would look
 * like a drop and an add), a generated or AUTO_INCREMENT column added, a DEFAULT that is an
 * expression (CURRENT_TIMESTAMP is the ALTER's time, which the binlog holds only to the second),
 * and any change to the primary key.
 */
import type { ColumnValue, RowImage, SchemaColumn } from '@pitr/core';
import { columnCodec } from './column-codec.js';
import { readToken } from './dump-values.js';

/** For each column of the new layout: the old column's index, or the value every existing row takes. */
export interface LayoutStep {
  readonly map: readonly (number | { readonly value: ColumnValue })[];
  readonly sql: string;
}

const LITERAL = /^(?:'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|NULL|b'[01]*'|0x[0-9a-f]+|x'[0-9a-f]*')(?=\s|,|$)/i;

/** The conversion for one ALTER, or why it cannot be done exactly. */
export function layoutStep(before: readonly SchemaColumn[], after: readonly SchemaColumn[], sql: string): LayoutStep | string {
  if (/\b(?:CHANGE|MODIFY)\b|\bRENAME\s+COLUMN\b/i.test(stripStrings(sql))) return 'it changes or renames a column (CHANGE / MODIFY / RENAME COLUMN)';
  const map: LayoutStep['map'][number][] = [];
  const oldByName = new Map(before.map((c, i) => [c.name.toLowerCase(), i]));
  for (const [j, c] of after.entries()) {
    const i = oldByName.get(c.name.toLowerCase());
    if (i !== undefined) {
      const o = before[i]!;
      if (o.sqlType !== c.sqlType || o.collationId !== c.collationId || o.nullable !== c.nullable || o.generated !== c.generated) return `it changes column ${c.name} (${o.sqlType} → ${c.sqlType})`;
      if (o.primaryKey !== c.primaryKey) return 'it changes the primary key';
      map.push(i);
      continue;
    }
    if (c.generated) return `it adds the generated column ${c.name}`;
    if (c.primaryKey) return `it adds ${c.name} to the primary key`;
    const clause = addClause(sql, c.name);
    if (clause === undefined) return `the ADD clause of column ${c.name} was not found`;
    if (/\bAUTO_INCREMENT\b/i.test(clause)) return `it adds the AUTO_INCREMENT column ${c.name}`;
    const d = /\bDEFAULT\s+(.*)$/is.exec(stripComments(clause));
    let literal: string | undefined;
    if (d !== null) {
      const m = LITERAL.exec(d[1]!.trim());
      if (m === null) return `the DEFAULT of column ${c.name} is not a constant`;
      literal = m[0];
    } else if (c.nullable) literal = 'NULL';
    else if (/int|decimal|float|double|real|numeric|bit|year/.test(c.baseType)) literal = '0';
    else if (/char|text|binary|blob/.test(c.baseType)) literal = "''";
    else return `column ${c.name} is NOT NULL without a DEFAULT (its implicit default for ${c.baseType} is not followed)`;
    let value: ColumnValue | undefined;
    try {
      const fail = (_i: number, what: string): never => {
        throw new Error(what);
      };
      const token = readToken(Buffer.from(literal, 'utf8'), 0, fail).token;
      value = token.kind === 'default' ? undefined : columnCodec(c, j).fromDump(token, () => `the DEFAULT of ${c.name}`);
    } catch (e) {
      return `the DEFAULT of column ${c.name} cannot be read (${(e as Error).message})`;
    }
    if (value === undefined) return `the DEFAULT of column ${c.name} cannot be read`;
    map.push({ value });
  }
  return { map, sql };
}

/** A row of the old layout in the new one. */
export function convertRow(row: RowImage, step: LayoutStep): RowImage {
  const out: RowImage = new Array(step.map.length);
  for (let j = 0; j < step.map.length; j++) {
    const m = step.map[j]!;
    out[j] = typeof m === 'number' ? row[m] : m.value;
  }
  return out;
}

/** `ADD [COLUMN] [IF NOT EXISTS] name …` up to the next top-level comma (or the end). */
function addClause(sql: string, name: string): string | undefined {
  const quoted = `\`${name.replace(/`/g, '``')}\``;
  const re = new RegExp(`\\bADD\\s+(?:COLUMN\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?(?:${escapeRe(quoted)}|${escapeRe(name)}\\b)`, 'i');
  const m = re.exec(sql);
  if (m === null) return undefined;
  let depth = 0;
  let quote = '';
  for (let i = m.index + m[0].length; i < sql.length; i++) {
    const ch = sql[i]!;
    if (quote !== '') {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) return sql.slice(m.index + m[0].length, i);
  }
  return sql.slice(m.index + m[0].length);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function stripStrings(sql: string): string {
  return sql.replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"/g, "''");
}

function stripComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\/|--[^\n]*|#[^\n]*/g, ' ');
}
