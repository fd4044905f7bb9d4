/**
 * A small parser for the CREATE TABLE statements that `SHOW CREATE TABLE`, mariadb-dump and
 * mysqldump print — enough to know each column's name, type, signedness, collation, nullability,
 * generated-ness and primary-key membership. Deliberately not a general SQL parser (those are slow
 * and reject MariaDB DDL); everything it does not need (keys, constraints, defaults, partitioning)
 * is skipped token-wise. Grammar: https://mariadb.com/kb/en/create-table/ ,
 * https://dev.mysql.com/doc/refman/8.0/en/create-table.html .
 */
import type { Flavor } from '../binlog/types.js';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import {
  BINARY_COLLATION_ID,
  collationIdByName,
  defaultCollationId,
  normalizeCharsetName,
} from './collations.js';
import type { ForeignKeySchema, SchemaColumn, TableSchema } from './schema-provider.js';

export interface ParseCreateTableOptions {
  /** Decides names/defaults that differ between the servers (utf8mb4's default collation). Default 'mariadb'. */
  readonly flavor?: Flavor;
  /** Charset/collation of the database, for a table that declares none (rare in dumps). */
  readonly databaseCharset?: string;
  readonly databaseCollation?: string;
}

/** Token kinds of tokenizeSql. */
export const Tok = {
  Word: 0,
  Ident: 1,
  String: 2,
  Number: 3,
  Punct: 4,
} as const;
export type Tok = (typeof Tok)[keyof typeof Tok];

export interface Token {
  readonly kind: Tok;
  /** Word: lower-cased; Ident/String: unescaped text; Number/Punct: as written. */
  readonly text: string;
  /** Word only: the spelling as written (unquoted table names are case-sensitive on Linux). */
  readonly raw?: string;
}

/** Types whose values are bytes: collation binary whatever the table says. */
const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
/** Types that take a character set. */
const CHARACTER_TYPES = new Set([
  'char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set',
  'nchar', 'nvarchar', 'national char', 'national varchar', 'long', 'long varchar',
]);
/** Synonyms normalized in baseType (sqlType keeps the declared spelling). */
const BASE_SYNONYMS: Record<string, string> = {
  integer: 'int',
  int4: 'int',
  int8: 'bigint',
  int1: 'tinyint',
  int2: 'smallint',
  int3: 'mediumint',
  middleint: 'mediumint',
  bool: 'tinyint',
  boolean: 'tinyint',
  dec: 'decimal',
  numeric: 'decimal',
  fixed: 'decimal',
  real: 'double',
  'double precision': 'double',
  float4: 'float',
  float8: 'double',
  character: 'char',
  'character varying': 'varchar',
  nchar: 'char',
  nvarchar: 'varchar',
  'national char': 'char',
  'national varchar': 'varchar',
  long: 'mediumtext',
  'long varchar': 'mediumtext',
};
/** Words that start a table element that is not a column. */
const NON_COLUMN_STARTS = new Set([
  'primary', 'key', 'index', 'unique', 'fulltext', 'spatial', 'constraint', 'foreign', 'check', 'period', 'vector',
]);

function schemaError(message: string, sql: string): PitrError {
  const excerpt = sql.length > 200 ? `${sql.slice(0, 200)}…` : sql;
  return new PitrError(ERROR_CODES.SCHEMA, `cannot parse CREATE TABLE: ${message}: ${excerpt}`, {
    hints: [
      'Give --schema-from a dump made by mariadb-dump/mysqldump (or SHOW CREATE TABLE output), or a server URL.',
      'Or enable binlog_row_metadata=FULL on the server so binlogs carry column names.',
    ],
  });
}

/**
 * Tokenizes SQL. Versioned comments (`/*!50100 … *\/`, `/*M!100301 … *\/`) are read as code, as the
 * server does; other comments are skipped.
 */
export function tokenizeSql(sql: string): Token[] {
  const out: Token[] = [];
  const n = sql.length;
  let i = 0;
  let inVersioned = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    // whitespace
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    // comments
    if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      const versioned = /^\/\*M?!\d*/.exec(sql.slice(i, i + 12));
      if (versioned !== null) {
        inVersioned++;
        i += versioned[0].length;
        continue;
      }
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === 42 && sql.charCodeAt(i + 1) === 47 && inVersioned > 0) {
      inVersioned--;
      i += 2;
      continue;
    }
    if (c === 35 /* # */ || (c === 45 && sql.charCodeAt(i + 1) === 45 && /[\s]/.test(sql[i + 2] ?? ' '))) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
      continue;
    }
    // quoted identifier: `` doubles a backquote
    if (c === 96 /* ` */) {
      let text = '';
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf('`', j);
        if (k < 0) throw schemaError('unterminated `identifier`', sql);
        text += sql.slice(j, k);
        if (sql.charCodeAt(k + 1) === 96) {
          text += '`';
          j = k + 2;
          continue;
        }
        i = k + 1;
        break;
      }
      out.push({ kind: Tok.Ident, text });
      continue;
    }
    // strings: '' / "" doubling and backslash escapes (dumps are written without NO_BACKSLASH_ESCAPES)
    if (c === 39 || c === 34) {
      const q = sql[i]!;
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= n) throw schemaError('unterminated string', sql);
        const ch = sql[j]!;
        if (ch === '\\' && j + 1 < n) {
          const e = sql[j + 1]!;
          text += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === '0' ? '\0' : e === 'Z' ? '\x1a' : e === 'b' ? '\b' : e;
          j += 2;
          continue;
        }
        if (ch === q) {
          if (sql[j + 1] === q) {
            text += q;
            j += 2;
            continue;
          }
          j++;
          break;
        }
        text += ch;
        j++;
      }
      i = j;
      out.push({ kind: Tok.String, text });
      continue;
    }
    // numbers
    if ((c >= 48 && c <= 57) || (c === 46 && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(?:0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)/.exec(sql.slice(i, i + 80));
      const text = m?.[0] ?? sql[i]!;
      // identifiers may start with digits (`1col` unquoted): take word chars that follow
      const w = /^[0-9A-Za-z_$\u0080-\uffff]+/.exec(sql.slice(i, i + 200))?.[0] ?? text;
      if (w.length > text.length && !/[eE.]/.test(text)) {
        out.push({ kind: Tok.Word, text: w.toLowerCase(), raw: w });
        i += w.length;
      } else {
        out.push({ kind: Tok.Number, text });
        i += text.length;
      }
      continue;
    }
    // words (keywords and unquoted identifiers)
    const w = /^[A-Za-z_$\u0080-\uffff][0-9A-Za-z_$\u0080-\uffff]*/.exec(sql.slice(i, i + 256));
    if (w !== null) {
      out.push({ kind: Tok.Word, text: w[0].toLowerCase(), raw: w[0] });
      i += w[0].length;
      continue;
    }
    out.push({ kind: Tok.Punct, text: sql[i]! });
    i++;
  }
  return out;
}

/** ENUM/SET members of a declared type (`enum('a','b''c')` → ['a', "b'c"]). */
export function parseEnumMembers(columnType: string): string[] {
  return tokenizeSql(columnType)
    .filter((t) => t.kind === Tok.String)
    .map((t) => t.text);
}

/** Splits tokens[from, to) at depth-0 commas. */
export function splitTopLevel(tokens: readonly Token[], from: number, to: number): Token[][] {
  const parts: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    if (t.kind === Tok.Punct) {
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
      else if (t.text === ',' && depth === 0) {
        parts.push(cur);
        cur = [];
        continue;
      }
    }
    cur.push(t);
  }
  if (cur.length > 0) parts.push(cur);
  return parts;
}

/** Index just past the parenthesized group that opens at tokens[open] ('('). */
export function skipGroup(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== Tok.Punct) continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return tokens.length;
}

export function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && t.kind === Tok.Punct && t.text === p;
}

export function isWord(t: Token | undefined, w: string): boolean {
  return t !== undefined && t.kind === Tok.Word && t.text === w;
}

/** An identifier as written (backquoted, or bare keeping its case). */
export function nameOf(t: Token | undefined): string | undefined {
  if (t === undefined) return undefined;
  if (t.kind === Tok.Ident || t.kind === Tok.String) return t.text;
  if (t.kind === Tok.Word) return t.raw ?? t.text;
  return undefined;
}

/**
 * `[DEFAULT] {CHARACTER SET | CHARSET} [=] x` and `[DEFAULT] COLLATE [=] y` anywhere in tokens[from, to)
 * outside parentheses (table options of CREATE/ALTER TABLE, CREATE/ALTER DATABASE). The last one wins.
 */
export function charsetOptions(tokens: readonly Token[], from: number, to: number): { charset: string | undefined; collation: string | undefined } {
  let charset: string | undefined;
  let collation: string | undefined;
  for (let j = from; j < to; j++) {
    const t = tokens[j]!;
    if (isPunct(t, '(')) {
      j = skipGroup(tokens, j) - 1;
      continue;
    }
    if (t.kind !== Tok.Word) continue;
    let k = -1;
    if (t.text === 'charset') k = j + 1;
    else if (t.text === 'character' && isWord(tokens[j + 1], 'set')) k = j + 2;
    else if (t.text === 'collate') k = j + 1;
    if (k < 0) continue;
    if (isPunct(tokens[k], '=')) k++;
    if (t.text === 'collate') collation = nameOf(tokens[k]);
    else charset = nameOf(tokens[k]);
    j = k;
  }
  return { charset, collation };
}

/** Quotes an ENUM/SET member the way SHOW CREATE TABLE does. */
function quoteMember(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

interface ColumnSpec {
  name: string;
  sqlType: string;
  baseType: string;
  unsigned: boolean;
  charset: string | undefined;
  collation: string | undefined;
  notNull: boolean;
  enumValues: string[] | undefined;
  setValues: string[] | undefined;
  generated: boolean;
  /** GENERATED ALWAYS AS ROW START/END (system versioning period column). */
  rowStartEnd: boolean;
  primaryKey: boolean;
}

/** Index past one DEFAULT / ON UPDATE expression starting at i. */
function skipExpression(tokens: readonly Token[], i: number): number {
  let j = i;
  while (isPunct(tokens[j], '-') || isPunct(tokens[j], '+')) j++;
  const t = tokens[j];
  if (t === undefined) return j;
  if (isPunct(t, '(')) return skipGroup(tokens, j);
  // charset introducer: _utf8mb4'x' / _binary 0x..
  if (t.kind === Tok.Word && t.text.startsWith('_') && (tokens[j + 1]?.kind === Tok.String || tokens[j + 1]?.kind === Tok.Number)) {
    return j + 2;
  }
  // x'..' / b'..' / n'..' literals
  if (t.kind === Tok.Word && (t.text === 'x' || t.text === 'b' || t.text === 'n') && tokens[j + 1]?.kind === Tok.String) return j + 2;
  if (t.kind === Tok.Word && isPunct(tokens[j + 1], '(')) return skipGroup(tokens, j + 1);
  return j + 1;
}

function parseColumn(def: readonly Token[], sql: string): ColumnSpec {
  const name = nameOf(def[0]);
  if (name === undefined) throw schemaError('column without a name', sql);
  let i = 1;
  const typeTok = def[i];
  if (typeTok === undefined || typeTok.kind !== Tok.Word) throw schemaError(`column ${name} has no type`, sql);
  let typeWords = typeTok.text;
  i++;
  // two-word types
  const next = def[i];
  if (next?.kind === Tok.Word) {
    const two = `${typeWords} ${next.text}`;
    if (two === 'double precision' || two === 'character varying' || two === 'national char' || two === 'national varchar' || two === 'long varchar' || two === 'long varbinary') {
      typeWords = two;
      i++;
    }
  }
  let baseType = BASE_SYNONYMS[typeWords] ?? typeWords;
  if (typeWords === 'long varbinary') baseType = 'mediumblob';
  let args = '';
  let enumValues: string[] | undefined;
  let setValues: string[] | undefined;
  if (isPunct(def[i], '(')) {
    const end = skipGroup(def, i);
    const inner = def.slice(i + 1, end - 1);
    if (baseType === 'enum' || baseType === 'set') {
      const members = inner.filter((t) => t.kind === Tok.String).map((t) => t.text);
      if (baseType === 'enum') enumValues = members;
      else setValues = members;
      args = `(${members.map(quoteMember).join(',')})`;
    } else {
      args = `(${inner.map((t) => t.text).join('')})`;
    }
    i = end;
  }
  const spec: ColumnSpec = {
    name,
    sqlType: '',
    baseType,
    unsigned: false,
    charset: undefined,
    collation: undefined,
    notNull: false,
    enumValues,
    setValues,
    generated: false,
    rowStartEnd: false,
    primaryKey: false,
  };
  let zerofill = false;
  if (typeWords === 'nchar' || typeWords === 'nvarchar' || typeWords.startsWith('national')) spec.charset = 'utf8mb3';
  if (typeWords === 'serial') {
    // SERIAL = BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE
    spec.baseType = 'bigint';
    spec.unsigned = true;
    spec.notNull = true;
  }
  while (i < def.length) {
    const t = def[i]!;
    if (t.kind === Tok.Punct && t.text === '(') {
      i = skipGroup(def, i);
      continue;
    }
    if (t.kind !== Tok.Word) {
      i++;
      continue;
    }
    switch (t.text) {
      case 'unsigned':
        spec.unsigned = true;
        i++;
        break;
      case 'signed':
        i++;
        break;
      case 'zerofill':
        // ZEROFILL implies UNSIGNED
        zerofill = true;
        spec.unsigned = true;
        i++;
        break;
      case 'character':
      case 'charset':
      case 'char': {
        let j = i + 1;
        if (t.text === 'character' || t.text === 'char') {
          if (!isWord(def[j], 'set')) {
            i++;
            break;
          }
          j++;
        }
        if (isPunct(def[j], '=')) j++;
        spec.charset = nameOf(def[j]);
        i = j + 1;
        break;
      }
      case 'ascii':
        spec.charset = 'latin1';
        i++;
        break;
      case 'unicode':
        spec.charset = 'ucs2';
        i++;
        break;
      case 'byte':
        spec.charset = 'binary';
        i++;
        break;
      case 'binary':
        // CHAR(10) BINARY = the charset's _bin collation; keep it as a marker
        if (spec.collation === undefined) spec.collation = '\0bin';
        i++;
        break;
      case 'collate': {
        let j = i + 1;
        if (isPunct(def[j], '=')) j++;
        spec.collation = nameOf(def[j]);
        i = j + 1;
        break;
      }
      case 'not':
        if (isWord(def[i + 1], 'null')) {
          spec.notNull = true;
          i += 2;
        } else i++;
        break;
      case 'null':
        i++;
        break;
      case 'default':
        i = skipExpression(def, i + 1);
        break;
      case 'on':
        // ON UPDATE expr
        i = isWord(def[i + 1], 'update') ? skipExpression(def, i + 2) : i + 1;
        break;
      case 'generated':
        // GENERATED ALWAYS AS (expr): the AS case follows
        i++;
        break;
      case 'always':
        i++;
        break;
      case 'as':
        spec.generated = true;
        if (isWord(def[i + 1], 'row')) {
          // system-versioning period columns are implicitly NOT NULL
          spec.rowStartEnd = true;
          spec.notNull = true;
        }
        i = isPunct(def[i + 1], '(') ? skipGroup(def, i + 1) : i + 1;
        break;
      case 'check':
        i = isPunct(def[i + 1], '(') ? skipGroup(def, i + 1) : i + 1;
        break;
      case 'comment':
      case 'srid':
      case 'column_format':
      case 'storage':
      case 'engine_attribute':
      case 'secondary_engine_attribute':
        i += 2;
        if (isPunct(def[i - 1], '=')) i++;
        break;
      case 'primary':
        spec.primaryKey = true;
        i++;
        break;
      case 'key':
        // bare KEY in a column definition means PRIMARY KEY (MySQL grammar); after UNIQUE it is a unique key
        if (!isWord(def[i - 1], 'unique') && !isWord(def[i - 1], 'primary')) spec.primaryKey = true;
        i++;
        break;
      case 'references':
        // REFERENCES t (cols) [MATCH ..] [ON DELETE ..]: the rest of the definition
        i = def.length;
        break;
      default:
        i++;
    }
  }
  const binaryWord = spec.collation === '\0bin' ? ' binary' : '';
  spec.sqlType = `${typeWords}${args}${spec.unsigned && !zerofill ? ' unsigned' : ''}${zerofill ? ' unsigned zerofill' : ''}${binaryWord}`;
  return spec;
}

/**
 * One column definition (`name type [attributes]`, as in CREATE TABLE or ALTER TABLE ADD/MODIFY)
 * as a SchemaColumn; the table's default charset/collation apply when the column names none.
 * Throws PitrError SCHEMA when it is not a column definition.
 */
export function parseColumnDefinition(
  def: readonly Token[],
  tableCharset: string | undefined,
  tableCollation: string | undefined,
  flavor: Flavor = 'mariadb',
): SchemaColumn {
  const s = parseColumn(def, def.map((t) => t.raw ?? t.text).join(' '));
  return {
    name: s.name,
    sqlType: s.sqlType,
    baseType: s.baseType,
    unsigned: s.unsigned,
    nullable: !s.notNull && !s.primaryKey,
    collationId: resolveCollation(s, tableCharset, tableCollation, flavor),
    enumValues: s.enumValues,
    setValues: s.setValues,
    generated: s.generated,
    primaryKey: s.primaryKey,
  };
}

/** Primary-key column names from `PRIMARY KEY [name] [USING x] (col[(len)] [ASC|DESC], ...)`. */
export function primaryKeyColumns(def: readonly Token[]): string[] {
  const open = def.findIndex((t) => isPunct(t, '('));
  if (open < 0) return [];
  const end = skipGroup(def, open);
  return splitTopLevel(def, open + 1, end - 1)
    .map((part) => nameOf(part[0]))
    .filter((n): n is string => n !== undefined);
}

function byNameOrUndefined(name: string, flavor: Flavor): number | undefined {
  return collationIdByName(name, flavor);
}

function resolveCollation(
  spec: ColumnSpec,
  tableCharset: string | undefined,
  tableCollation: string | undefined,
  flavor: Flavor,
): number | undefined {
  if (BINARY_TYPES.has(spec.baseType)) return BINARY_COLLATION_ID;
  // MariaDB's JSON is an alias of LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin (+ CHECK json_valid);
  // MySQL's is a binary format without a collation.
  if (spec.baseType === 'json') return flavor === 'mariadb' ? byNameOrUndefined('utf8mb4_bin', flavor) : undefined;
  if (!CHARACTER_TYPES.has(spec.baseType)) return undefined;
  const byName = (name: string, charset: string | undefined): number | undefined => collationIdByName(name, flavor, charset);
  if (spec.charset !== undefined && normalizeCharsetName(spec.charset) === 'binary') return BINARY_COLLATION_ID;
  const charset = spec.charset ?? tableCharset;
  if (spec.collation === '\0bin') {
    const cs = charset !== undefined ? normalizeCharsetName(charset) : undefined;
    return cs === undefined ? undefined : byName(`${cs}_bin`, cs);
  }
  if (spec.collation !== undefined) return byName(spec.collation, charset);
  if (spec.charset !== undefined) {
    // a column charset equal to the table's takes the table's collation (SHOW CREATE omits it then)
    if (tableCollation !== undefined && tableCharset !== undefined && normalizeCharsetName(spec.charset) === normalizeCharsetName(tableCharset)) {
      return byName(tableCollation, tableCharset);
    }
    return defaultCollationId(spec.charset, flavor);
  }
  if (tableCollation !== undefined) return byName(tableCollation, tableCharset);
  if (tableCharset !== undefined) return defaultCollationId(tableCharset, flavor);
  return undefined;
}

/**
 * Parses one CREATE TABLE statement into a TableSchema. `defaultDb` is used when the table name is
 * not qualified. Throws PitrError SCHEMA when the statement is not a CREATE TABLE with a column list.
 */
export function parseCreateTable(sql: string, defaultDb?: string, options: ParseCreateTableOptions = {}): TableSchema {
  const flavor = options.flavor ?? 'mariadb';
  const tokens = tokenizeSql(sql);
  let i = 0;
  if (!isWord(tokens[i], 'create')) throw schemaError('not a CREATE statement', sql);
  i++;
  if (isWord(tokens[i], 'or') && isWord(tokens[i + 1], 'replace')) i += 2;
  while (isWord(tokens[i], 'temporary') || isWord(tokens[i], 'global') || isWord(tokens[i], 'local')) i++;
  if (!isWord(tokens[i], 'table')) throw schemaError('not a CREATE TABLE statement', sql);
  i++;
  if (isWord(tokens[i], 'if') && isWord(tokens[i + 1], 'not') && isWord(tokens[i + 2], 'exists')) i += 3;
  let db = defaultDb;
  let table = nameOf(tokens[i]);
  i++;
  if (isPunct(tokens[i], '.')) {
    db = table;
    table = nameOf(tokens[i + 1]);
    i += 2;
  }
  if (table === undefined) throw schemaError('missing table name', sql);
  if (!isPunct(tokens[i], '(')) throw schemaError(`table ${table} has no column list (CREATE TABLE … LIKE/AS SELECT)`, sql);
  const close = skipGroup(tokens, i);
  const defs = splitTopLevel(tokens, i + 1, close - 1);

  // table options: [DEFAULT] {CHARSET|CHARACTER SET} [=] x, [DEFAULT] COLLATE [=] y
  let tableCharset = options.databaseCharset;
  let tableCollation = options.databaseCollation;
  const { charset: explicitCharset, collation: explicitCollation } = charsetOptions(tokens, close, tokens.length);
  if (explicitCharset !== undefined) {
    tableCharset = explicitCharset;
    tableCollation = explicitCollation;
  } else if (explicitCollation !== undefined) {
    tableCollation = explicitCollation;
    tableCharset = undefined;
  }

  const specs: ColumnSpec[] = [];
  const pk = new Set<string>();
  const foreignKeys: ForeignKeySchema[] = [];
  for (const def of defs) {
    const first = def[0];
    if (first === undefined) continue;
    // PERIOD and VECTOR are not reserved: `period INT` is a column, `PERIOD FOR …` is not
    const notColumn =
      first.kind === Tok.Word &&
      NON_COLUMN_STARTS.has(first.text) &&
      (first.text !== 'period' || isWord(def[1], 'for')) &&
      (first.text !== 'vector' || isWord(def[1], 'key') || isWord(def[1], 'index'));
    if (notColumn) {
      // CONSTRAINT [name] PRIMARY KEY (...)
      const p = def.findIndex((t, idx) => isWord(t, 'primary') && isWord(def[idx + 1], 'key'));
      if (p >= 0 && (first.text === 'primary' || first.text === 'constraint')) {
        for (const c of primaryKeyColumns(def.slice(p))) pk.add(c.toLowerCase());
      }
      const fk = foreignKey(def);
      if (fk !== undefined) foreignKeys.push(fk);
      continue;
    }
    specs.push(parseColumn(def, sql));
  }
  if (specs.length === 0) throw schemaError(`table ${table} has no columns`, sql);
  const versioned = tokens.some(
    (t, k) => k >= close && isWord(t, 'with') && isWord(tokens[k + 1], 'system') && isWord(tokens[k + 2], 'versioning'),
  );
  const hasRowStart = specs.some((s) => s.generated && s.rowStartEnd);
  const columns: SchemaColumn[] = specs.map((s) => {
    const primaryKey = s.primaryKey || pk.has(s.name.toLowerCase());
    return {
      name: s.name,
      sqlType: s.sqlType,
      baseType: s.baseType,
      unsigned: s.unsigned,
      // primary key columns are NOT NULL even when not declared so
      nullable: !s.notNull && !primaryKey,
      collationId: resolveCollation(s, tableCharset, tableCollation, flavor),
      enumValues: s.enumValues,
      setValues: s.setValues,
      generated: s.generated,
      primaryKey,
    };
  });
  if (versioned && !hasRowStart) columns.push(...IMPLICIT_SYSTEM_VERSIONING_COLUMNS);
  return {
    db: db ?? '',
    table,
    columns,
    ...(tableCharset !== undefined ? { defaultCharset: tableCharset } : {}),
    ...(tableCollation !== undefined ? { defaultCollation: tableCollation } : {}),
    ...(foreignKeys.length > 0 ? { foreignKeys } : {}),
  };
}

/** `[CONSTRAINT [name]] FOREIGN KEY [name] (cols) REFERENCES [db.]t (cols) [ON DELETE x] [ON UPDATE y]`. */
function foreignKey(def: readonly Token[]): ForeignKeySchema | undefined {
  const f = def.findIndex((t, k) => isWord(t, 'foreign') && isWord(def[k + 1], 'key'));
  if (f < 0) return undefined;
  const name = isWord(def[0], 'constraint') && f > 1 ? nameOf(def[1]) : undefined;
  const cols = def.findIndex((t, k) => k > f && isPunct(t, '('));
  const r = def.findIndex((t, k) => k > cols && isWord(t, 'references'));
  if (cols < 0 || r < 0) return undefined;
  let parentDb: string | undefined;
  let parentTable = nameOf(def[r + 1]);
  let at = r + 2;
  if (isPunct(def[at], '.')) {
    parentDb = parentTable;
    parentTable = nameOf(def[at + 1]);
    at += 2;
  }
  if (parentTable === undefined || !isPunct(def[at], '(')) return undefined;
  const action = (what: string): string | undefined => {
    const k = def.findIndex((t, i) => i > at && isWord(t, 'on') && isWord(def[i + 1], what));
    if (k < 0) return undefined;
    const a = def[k + 2]?.text.toUpperCase();
    const b = def[k + 3]?.text.toUpperCase();
    return (a === 'SET' || a === 'NO') && b !== undefined ? `${a} ${b}` : a;
  };
  return {
    name,
    columns: primaryKeyColumns(def.slice(cols)),
    parentDb,
    parentTable,
    parentColumns: primaryKeyColumns(def.slice(at)),
    onDelete: action('delete'),
    onUpdate: action('update'),
  };
}

function hiddenColumn(name: string, sqlType: string, baseType: string, unsigned: boolean, generated: boolean): SchemaColumn {
  return { name, sqlType, baseType, unsigned, nullable: false, collationId: undefined, enumValues: undefined, setValues: undefined, generated, primaryKey: false };
}

/**
 * `WITH SYSTEM VERSIONING` without explicit period columns adds two invisible columns that neither
 * SHOW CREATE TABLE nor information_schema shows, but that every row event carries (after the
 * declared columns). https://mariadb.com/kb/en/system-versioned-tables/
 */
export const IMPLICIT_SYSTEM_VERSIONING_COLUMNS: readonly SchemaColumn[] = [
  hiddenColumn('row_start', 'timestamp(6)', 'timestamp', false, true),
  hiddenColumn('row_end', 'timestamp(6)', 'timestamp', false, true),
];

/** The fixed columns of a MariaDB SEQUENCE table (https://mariadb.com/kb/en/sequence-overview/). */
export function sequenceTableSchema(db: string, table: string): TableSchema {
  return {
    db,
    table,
    columns: [
      hiddenColumn('next_not_cached_value', 'bigint(21)', 'bigint', false, false),
      hiddenColumn('minimum_value', 'bigint(21)', 'bigint', false, false),
      hiddenColumn('maximum_value', 'bigint(21)', 'bigint', false, false),
      hiddenColumn('start_value', 'bigint(21)', 'bigint', false, false),
      hiddenColumn('increment', 'bigint(21)', 'bigint', false, false),
      hiddenColumn('cache_size', 'bigint(21) unsigned', 'bigint', true, false),
      hiddenColumn('cycle_option', 'tinyint(1) unsigned', 'tinyint', true, false),
      hiddenColumn('cycle_count', 'bigint(21)', 'bigint', false, false),
    ],
  };
}

/** Parses `CREATE [OR REPLACE] SEQUENCE [IF NOT EXISTS] [db.]name …` into the sequence table's schema. */
export function parseCreateSequence(sql: string, defaultDb?: string): TableSchema {
  const tokens = tokenizeSql(sql);
  let i = 0;
  if (!isWord(tokens[i], 'create')) throw schemaError('not a CREATE statement', sql);
  i++;
  if (isWord(tokens[i], 'or') && isWord(tokens[i + 1], 'replace')) i += 2;
  if (isWord(tokens[i], 'temporary')) i++;
  if (!isWord(tokens[i], 'sequence')) throw schemaError('not a CREATE SEQUENCE statement', sql);
  i++;
  if (isWord(tokens[i], 'if') && isWord(tokens[i + 1], 'not') && isWord(tokens[i + 2], 'exists')) i += 3;
  let db = defaultDb;
  let table = nameOf(tokens[i]);
  if (isPunct(tokens[i + 1], '.')) {
    db = table;
    table = nameOf(tokens[i + 2]);
  }
  if (table === undefined) throw schemaError('missing sequence name', sql);
  return sequenceTableSchema(db ?? '', table);
}
