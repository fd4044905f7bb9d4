/**
 * Table definitions that follow the DDL of a binlog. With MariaDB's default
 * binlog_row_metadata=NO_LOG (MySQL's MINIMAL) a TABLE_MAP carries column types only, so names,
 * signedness and charsets come from a schema source; one static schema is wrong as soon as the
 * binlog crosses an ALTER TABLE. SchemaHistory starts from such a source (a dump taken at the
 * backup's coordinates) and replays each QUERY event's DDL onto it, so `getTable` always answers
 * for the position the decoder is at.
 *
 * It never guesses: a statement it does not fully understand makes the tables it touches
 * *unknown* (getTable → undefined, decoding falls back to binlog-only facts with a warning).
 * Grammar: https://mariadb.com/kb/en/alter-table/ , https://mariadb.com/kb/en/create-table/ ,
 * https://mariadb.com/kb/en/rename-table/ , https://mariadb.com/kb/en/drop-table/ ,
 * https://dev.mysql.com/doc/refman/8.0/en/alter-table.html .
 * DDL is logged with the session's default database (the QUERY event's `db`), which qualifies
 * the statement's unqualified names (BINLOG-NOTES.md).
 */
import type { Flavor } from '../binlog/types.js';
import { PitrError } from '../errors/pitr-error.js';
import {
  BINARY_COLLATION_ID,
  charsetMaxLen,
  charsetOfCollation,
  collationById,
  collationIdByName,
  defaultCollationId,
} from './collations.js';
import {
  IMPLICIT_SYSTEM_VERSIONING_COLUMNS,
  Tok,
  type Token,
  charsetOptions,
  isPunct,
  isWord,
  nameOf,
  parseColumnDefinition,
  parseCreateSequence,
  parseCreateTable,
  primaryKeyColumns,
  skipGroup,
  splitTopLevel,
  tokenizeSql,
} from './create-table-parser.js';
import type { SchemaColumn, SchemaProvider, TableSchema } from './schema-provider.js';

export interface TableRef {
  readonly db: string;
  readonly table: string;
}

/**
 * Why a table's definition became unknown: 'not-understood' (a statement we cannot follow: worth a
 * warning), 'no-prior-definition' (DDL on a table the history never knew, e.g. without
 * --schema-from), 'query-columns' (CREATE TABLE … SELECT), 'error-code' (the statement failed
 * part-way on the source), 'temporary' (a temporary table of the same name, statement/mixed format).
 */
export type UnknownCause = 'not-understood' | 'no-prior-definition' | 'query-columns' | 'error-code' | 'temporary';

export interface UnknownTable extends TableRef {
  readonly cause: UnknownCause;
  readonly reason: string;
}

export type DdlKind = 'create' | 'alter' | 'drop' | 'rename' | 'truncate' | 'other-ddl' | 'not-ddl';

/** What one QUERY event did to the schema history. */
export interface SchemaChange {
  readonly kind: DdlKind;
  /** Tables whose definition is new or different after the statement (renamed tables under their new name). */
  readonly changed: readonly TableRef[];
  /** Tables that no longer exist (dropped, or the old name of a rename). */
  readonly dropped: readonly TableRef[];
  /** Tables whose definition is unknown from now on, and why. */
  readonly unknown: readonly UnknownTable[];
  /** Harmless oddities worth a debug line (e.g. `IF NOT EXISTS` on a table we already knew). */
  readonly notes: readonly string[];
}

/** The parts of a QUERY event body that matter here (binlog/types.ts EventBody kind 'query'). */
export interface SchemaQueryEvent {
  readonly db: string;
  readonly query: string;
  readonly errorCode?: number;
  readonly statusVars?: { readonly collationServer?: number | undefined };
}

export interface ApplyQueryOptions {
  /**
   * Q_CHARSET_CODE's collation_server of the event: the default of a `CREATE DATABASE` without a
   * charset (a replica sets it from the event before executing, so the same rule holds there).
   */
  readonly collationServer?: number | undefined;
  /** Non-zero: the statement failed part-way on the source (e.g. a multi-table DROP); its tables become unknown. */
  readonly errorCode?: number | undefined;
}

export interface SchemaHistoryOptions {
  /** Server kind: decides default collations (utf8mb4). Default 'mariadb'. */
  readonly flavor?: Flavor;
  /** lower_case_table_names=1 (Windows, some macOS setups): names compare case-insensitively. */
  readonly caseInsensitiveNames?: boolean;
  /** Default charset/collation (names) of databases that exist before the binlog, when known (from the dump's CREATE DATABASE). */
  readonly databaseDefaults?: ReadonlyMap<string, { readonly charset?: string; readonly collation?: string }>;
}

interface KnownEntry {
  readonly kind: 'known';
  readonly schema: TableSchema;
  /** The table's default charset/collation (names), for columns added later without one; undefined when unknown. */
  readonly charset: string | undefined;
  readonly collation: string | undefined;
}
type Entry = KnownEntry | { readonly kind: 'unknown'; readonly cause: UnknownCause; readonly reason: string } | { readonly kind: 'absent' };

const ABSENT: Entry = { kind: 'absent' };
const EMPTY: readonly never[] = [];
const NOT_DDL: SchemaChange = Object.freeze({ kind: 'not-ddl', changed: EMPTY, dropped: EMPTY, unknown: EMPTY, notes: EMPTY });

/** Types whose values take a character set (CONVERT TO CHARACTER SET converts them). */
const CHARACTER_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);
const TEXT_BYTES: readonly (readonly [string, number])[] = [
  ['tinytext', 255],
  ['text', 65535],
  ['mediumtext', 16777215],
  ['longtext', 4294967295],
];

/** ALTER TABLE table options: `name [=] value` (value one token or a parenthesized list). */
const TABLE_OPTIONS = new Set([
  'engine', 'auto_increment', 'avg_row_length', 'checksum', 'table_checksum', 'comment', 'compression', 'connection',
  'delay_key_write', 'encrypted', 'encryption', 'encryption_key_id', 'insert_method', 'key_block_size', 'max_rows',
  'min_rows', 'pack_keys', 'page_checksum', 'page_compressed', 'page_compression_level', 'password', 'row_format',
  'stats_auto_recalc', 'stats_persistent', 'stats_sample_pages', 'tablespace', 'transactional', 'union', 'sequence',
  'autoextend_size', 'engine_attribute', 'secondary_engine', 'secondary_engine_attribute', 'storage', 'ietf_quotes',
]);
/** Words after ADD/DROP that name something other than a column (layout unchanged unless PRIMARY). */
const NON_COLUMN_WORDS = new Set(['index', 'key', 'unique', 'fulltext', 'spatial', 'foreign', 'check', 'vector']);
/** Partition maintenance: never changes the row layout. */
const PARTITION_OPS = new Set(['analyze', 'check', 'optimize', 'rebuild', 'repair', 'coalesce', 'reorganize', 'exchange', 'truncate', 'discard', 'import']);

class Unsupported extends Error {}
/** DDL on a table whose definition we did not have: nothing to misunderstand, but nothing to update. */
class NoPriorDefinition extends Unsupported {}

function unsupported(reason: string): never {
  throw new Unsupported(reason);
}

function isCharCode(c: number, lower: number): boolean {
  return c === lower || c === lower - 32;
}

/**
 * Lower-cased first keyword of a statement, skipping whitespace and comments (and entering
 * executable comments `/*!40101 …`), looking at no more than the first few hundred characters.
 * Every QUERY event (BEGIN, COMMIT, SAVEPOINT, statement-format DML) passes here, so no regex and
 * no tokenizing.
 */
export function firstKeyword(sql: string): string {
  const n = Math.min(sql.length, 2000);
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 40 /* ( */) {
      i++;
      continue;
    }
    if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      let j = i + 2;
      if (sql.charCodeAt(j) === 77 /* M */ && sql.charCodeAt(j + 1) === 33) j++;
      if (sql.charCodeAt(j) === 33 /* ! */) {
        j++;
        while (j < n && sql.charCodeAt(j) >= 48 && sql.charCodeAt(j) <= 57) j++;
        i = j;
        continue;
      }
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) return '';
      i = end + 2;
      continue;
    }
    if (c === 35 /* # */ || (c === 45 && sql.charCodeAt(i + 1) === 45)) {
      const end = sql.indexOf('\n', i);
      if (end < 0) return '';
      i = end + 1;
      continue;
    }
    break;
  }
  let j = i;
  while (j < n) {
    const c = sql.charCodeAt(j) | 32;
    if (c < 97 || c > 122) break;
    j++;
  }
  return sql.slice(i, j).toLowerCase();
}

/** True when the statement may change a table definition (cheap: first keyword only). */
function mayBeDdl(sql: string): boolean {
  // a quick reject on the first non-blank byte keeps BEGIN/COMMIT/INSERT/SET/SAVEPOINT off the slow path
  let i = 0;
  while (i < sql.length && sql.charCodeAt(i) <= 32) i++;
  const c = sql.charCodeAt(i);
  if (!(isCharCode(c, 99) || isCharCode(c, 97) || isCharCode(c, 100) || isCharCode(c, 114) || isCharCode(c, 116) || c === 47 || c === 35 || c === 45 || c === 40)) {
    return false;
  }
  const k = firstKeyword(sql);
  return k === 'create' || k === 'alter' || k === 'drop' || k === 'rename' || k === 'truncate';
}

interface NameAt {
  readonly db: string | undefined;
  readonly table: string;
  readonly next: number;
}

/** `[db.]name` at tokens[i]. */
function readName(tokens: readonly Token[], i: number): NameAt | undefined {
  const first = nameOf(tokens[i]);
  if (first === undefined) return undefined;
  if (isPunct(tokens[i + 1], '.')) {
    const second = nameOf(tokens[i + 2]);
    if (second === undefined) return undefined;
    return { db: first, table: second, next: i + 3 };
  }
  return { db: undefined, table: first, next: i + 1 };
}

/** `WAIT n` / `NOWAIT` after a table name. */
function skipWait(tokens: readonly Token[], i: number): number {
  if (isWord(tokens[i], 'nowait')) return i + 1;
  if (isWord(tokens[i], 'wait') && tokens[i + 1]?.kind === Tok.Number) return i + 2;
  return i;
}

/** Skips `IF EXISTS` / `IF NOT EXISTS` at i. */
function skipIf(tokens: readonly Token[], i: number): { next: number; present: boolean } {
  if (isWord(tokens[i], 'if') && isWord(tokens[i + 1], 'exists')) return { next: i + 2, present: true };
  if (isWord(tokens[i], 'if') && isWord(tokens[i + 1], 'not') && isWord(tokens[i + 2], 'exists')) return { next: i + 3, present: true };
  return { next: i, present: false };
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Table name references of DROP/RENAME lists etc. */
interface Statement {
  readonly kind: DdlKind;
  readonly tables: { db?: string; table: string }[];
  readonly databases?: string[];
}

/**
 * Classifies a statement for restore planning: which kind of DDL, on which tables (db only when
 * the statement qualifies the name; unqualified names belong to the QUERY event's default db).
 */
export function ddlSummary(sql: string): { kind: DdlKind; tables: { db?: string; table: string }[]; databases?: string[] } {
  if (!mayBeDdl(sql)) return { kind: 'not-ddl', tables: [] };
  let tokens: Token[];
  try {
    tokens = tokenizeSql(sql);
  } catch {
    return { kind: 'other-ddl', tables: [] };
  }
  return summarize(tokens);
}

function ref(n: NameAt): { db?: string; table: string } {
  return n.db === undefined ? { table: n.table } : { db: n.db, table: n.table };
}

/** Index of the object word of CREATE/ALTER/DROP (after OR REPLACE, TEMPORARY, ONLINE, IGNORE, DEFINER=…, ALGORITHM=…). */
function objectWordAt(tokens: readonly Token[]): number {
  let i = 1;
  for (;;) {
    const t = tokens[i];
    if (t === undefined) return i;
    if (isWord(t, 'or') && isWord(tokens[i + 1], 'replace')) i += 2;
    else if (t.kind === Tok.Word && ['temporary', 'online', 'offline', 'ignore', 'global', 'local', 'unique', 'fulltext', 'spatial', 'aggregate', 'sql', 'security', 'definer', 'invoker', 'algorithm'].includes(t.text)) {
      // DEFINER = user@host, ALGORITHM = x, SQL SECURITY x
      if ((t.text === 'definer' || t.text === 'algorithm') && isPunct(tokens[i + 1], '=')) {
        i += 3;
        // user@host: 'u'@'h' tokenizes as String Punct(@) String
        while (isPunct(tokens[i], '@')) i += 2;
      } else i++;
    } else return i;
  }
}

function summarize(tokens: readonly Token[]): Statement {
  const verb = tokens[0]?.text;
  const at = objectWordAt(tokens);
  const obj = tokens[at]?.text;
  if (verb === 'truncate') {
    const i = isWord(tokens[1], 'table') ? 2 : 1;
    const n = readName(tokens, i);
    return { kind: 'truncate', tables: n === undefined ? [] : [ref(n)] };
  }
  if (verb === 'rename') {
    if (!isWord(tokens[1], 'table') && !isWord(tokens[1], 'tables')) return { kind: 'other-ddl', tables: [] };
    const tables: { db?: string; table: string }[] = [];
    for (const pair of renamePairs(tokens)) tables.push(ref(pair[0]), ref(pair[1]));
    return { kind: 'rename', tables };
  }
  if (obj === 'table' || obj === 'tables') {
    if (verb === 'create') {
      const n = readName(tokens, skipIf(tokens, at + 1).next);
      return { kind: 'create', tables: n === undefined ? [] : [ref(n)] };
    }
    if (verb === 'drop') return { kind: 'drop', tables: dropNames(tokens, at + 1).map(ref) };
    if (verb === 'alter') {
      const n = readName(tokens, skipIf(tokens, at + 1).next);
      if (n === undefined) return { kind: 'alter', tables: [] };
      const tables = [ref(n)];
      // an unqualified new name is in the session's default database, not the table's (checked on 10.11)
      // ALTER TABLE t RENAME [TO|AS] u: u is affected too
      for (const spec of splitTopLevel(tokens, skipWait(tokens, n.next), tokens.length)) {
        if (isWord(spec[0], 'rename') && !isWord(spec[1], 'column') && !isWord(spec[1], 'index') && !isWord(spec[1], 'key')) {
          const to = readName(spec, isWord(spec[1], 'to') || isWord(spec[1], 'as') ? 2 : 1);
          if (to !== undefined) tables.push(ref(to));
        }
      }
      return { kind: 'alter', tables };
    }
  }
  if ((verb === 'create' || verb === 'drop') && obj === 'index') {
    // CREATE INDEX i ON t / DROP INDEX i ON t: an ALTER TABLE in disguise
    const on = tokens.findIndex((t) => isWord(t, 'on'));
    const n = on < 0 ? undefined : readName(tokens, on + 1);
    return { kind: 'alter', tables: n === undefined ? [] : [ref(n)] };
  }
  if ((verb === 'drop' || verb === 'create') && (obj === 'database' || obj === 'schema')) {
    const name = nameOf(tokens[skipIf(tokens, at + 1).next]);
    return { kind: verb === 'drop' ? 'drop' : 'other-ddl', tables: [], databases: name === undefined ? [] : [name] };
  }
  if (obj === 'sequence') {
    const n = readName(tokens, skipIf(tokens, at + 1).next);
    const kind: DdlKind = verb === 'create' ? 'create' : verb === 'drop' ? 'drop' : 'alter';
    return { kind, tables: n === undefined ? [] : [ref(n)] };
  }
  return { kind: 'other-ddl', tables: [] };
}

/** Names of `DROP [TEMPORARY] TABLE[S] [IF EXISTS] a, b [WAIT n|NOWAIT] [RESTRICT|CASCADE]` from tokens[i]. */
function dropNames(tokens: readonly Token[], i: number): NameAt[] {
  const out: NameAt[] = [];
  let j = skipIf(tokens, i).next;
  for (;;) {
    const n = readName(tokens, j);
    if (n === undefined) unsupported('DROP TABLE without a table name');
    out.push(n);
    j = n.next;
    if (!isPunct(tokens[j], ',')) break;
    j++;
  }
  j = skipWait(tokens, j);
  while (isWord(tokens[j], 'restrict') || isWord(tokens[j], 'cascade') || isWord(tokens[j], 'force')) j++;
  if (j < tokens.length) unsupported('unexpected words after the DROP TABLE list');
  return out;
}

/** Pairs of `RENAME TABLE[S] [IF EXISTS] a [WAIT n] TO b, c TO d`. */
function renamePairs(tokens: readonly Token[]): [NameAt, NameAt][] {
  const out: [NameAt, NameAt][] = [];
  let j = skipIf(tokens, 2).next;
  for (;;) {
    const from = readName(tokens, j);
    if (from === undefined) unsupported('RENAME TABLE without a table name');
    j = skipWait(tokens, from.next);
    if (!isWord(tokens[j], 'to')) unsupported('RENAME TABLE without TO');
    const to = readName(tokens, j + 1);
    if (to === undefined) unsupported('RENAME TABLE without a new name');
    out.push([from, to]);
    j = to.next;
    if (!isPunct(tokens[j], ',')) break;
    j++;
  }
  if (j < tokens.length) unsupported('unexpected words after the RENAME TABLE list');
  return out;
}

/** Mutable working copy of a table during one ALTER TABLE. */
interface Work {
  columns: SchemaColumn[];
  charset: string | undefined;
  collation: string | undefined;
  renameTo: NameAt | undefined;
}

/**
 * Schema history: the current definition of every table the binlog has reached so far. Feed it
 * every QUERY event in binlog order (`applyQueryEvent`), before decoding the row events that
 * follow it.
 */
export class SchemaHistory implements SchemaProvider {
  private readonly entries = new Map<string, Entry>();
  /** Databases dropped (or created fresh) since the start: the initial provider no longer speaks for them. */
  private readonly resetDbs = new Set<string>();
  private readonly dbDefaults = new Map<string, { charset: string | undefined; collation: string | undefined }>();
  /** Names used by CREATE TEMPORARY TABLE (statement/mixed format only): later DDL may address either table. */
  private readonly temporary = new Set<string>();
  private flavor: Flavor;
  private readonly foldNames: boolean;

  constructor(
    private readonly initial?: SchemaProvider,
    options: SchemaHistoryOptions = {},
  ) {
    this.flavor = options.flavor ?? 'mariadb';
    this.foldNames = options.caseInsensitiveNames ?? false;
    for (const [db, d] of options.databaseDefaults ?? []) this.dbDefaults.set(this.dbKey(db), { charset: d.charset, collation: d.collation });
  }

  /** The parser learns the flavor from the FORMAT_DESCRIPTION_EVENT; it decides default collations of later DDL. */
  setFlavor(flavor: Flavor): void {
    this.flavor = flavor;
  }

  private dbKey(db: string): string {
    return this.foldNames ? db.toLowerCase() : db;
  }

  private key(db: string, table: string): string {
    const k = `${db}\0${table}`;
    return this.foldNames ? k.toLowerCase() : k;
  }

  getTable(db: string, table: string): TableSchema | undefined {
    const e = this.entries.get(this.key(db, table));
    if (e !== undefined) return e.kind === 'known' ? e.schema : undefined;
    if (this.resetDbs.has(this.dbKey(db))) return undefined;
    return this.initial?.getTable(db, table);
  }

  /** Why getTable(db, table) is undefined: a reason for a table made unknown by DDL, else undefined. */
  unknownReason(db: string, table: string): string | undefined {
    const e = this.entries.get(this.key(db, table));
    return e?.kind === 'unknown' ? e.reason : undefined;
  }

  /** Applies a QUERY event (binlog/types.ts body kind 'query'). */
  applyQueryEvent(event: SchemaQueryEvent): SchemaChange {
    if (!mayBeDdl(event.query)) return NOT_DDL;
    return this.applyQuery(event.db, event.query, { collationServer: event.statusVars?.collationServer, errorCode: event.errorCode });
  }

  /**
   * Updates the history from one statement executed with default database `defaultDb`. Non-DDL
   * statements return quickly with kind 'not-ddl'.
   */
  applyQuery(defaultDb: string, sql: string, options: ApplyQueryOptions = {}): SchemaChange {
    if (!mayBeDdl(sql)) return NOT_DDL;
    const change = new ChangeBuilder();
    let tokens: Token[];
    try {
      tokens = tokenizeSql(sql);
    } catch (e) {
      if (!(e instanceof PitrError)) throw e;
      // unbalanced quotes: whatever it names is suspect, but we cannot even read the names
      return change.build('other-ddl');
    }
    let summary: Statement;
    try {
      summary = summarize(tokens);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      summary = { kind: 'other-ddl', tables: [] };
    }
    const qualify = (t: { db?: string; table: string }): TableRef => ({ db: t.db ?? defaultDb, table: t.table });
    if (options.errorCode !== undefined && options.errorCode !== 0 && summary.kind !== 'other-ddl' && summary.kind !== 'not-ddl') {
      // the statement did part of its work on the source (a DROP of several tables, say): do not guess which
      for (const t of summary.tables) this.markUnknown(qualify(t), 'error-code', `statement logged with error code ${options.errorCode}`, change);
      return change.build(summary.kind);
    }
    try {
      this.apply(sql, tokens, defaultDb, options, change);
    } catch (e) {
      if (!(e instanceof Unsupported) && !(e instanceof PitrError)) throw e;
      const noPrior = e instanceof NoPriorDefinition;
      const reason = noPrior ? e.message : `not understood (${e.message.split('\n')[0]!.slice(0, 160)}): ${excerpt(sql)}`;
      // every table the statement names is suspect (for a rename list or ALTER … RENAME, both names)
      for (const t of summary.tables) this.markUnknown(qualify(t), noPrior ? 'no-prior-definition' : 'not-understood', reason, change);
    }
    return change.build(summary.kind);
  }

  private markUnknown(ref: TableRef, cause: UnknownCause, reason: string, change: ChangeBuilder): void {
    const key = this.key(ref.db, ref.table);
    const old = this.entries.get(key);
    // a table already unknown keeps its first (most telling) reason
    const entry = old?.kind === 'unknown' ? old : { kind: 'unknown' as const, cause, reason };
    this.entries.set(key, entry);
    change.unknown.push({ db: ref.db, table: ref.table, cause: entry.cause, reason: entry.reason });
  }

  /** The entry for a table: overlay first, then the initial provider (undefined = we know nothing of it). */
  private load(db: string, table: string): Entry | undefined {
    const e = this.entries.get(this.key(db, table));
    if (e !== undefined) return e;
    if (this.resetDbs.has(this.dbKey(db))) return undefined;
    const s = this.initial?.getTable(db, table);
    if (s === undefined) return undefined;
    // the dump's table default charset: columns added later without one take it (ALTER … ADD c VARCHAR(20))
    return { kind: 'known', schema: { db, table, columns: s.columns }, charset: s.defaultCharset, collation: s.defaultCollation };
  }

  /**
   * Whether the table exists as far as we know. A table the history never heard of counts as
   * absent: with an initial schema that lists every table this is right; without one, a wrong
   * guess is caught by applySchema's layout check.
   */
  private exists(ref: TableRef): boolean {
    const e = this.load(ref.db, ref.table);
    return e !== undefined && e.kind !== 'absent';
  }

  private setKnown(db: string, table: string, columns: readonly SchemaColumn[], charset: string | undefined, collation: string | undefined): void {
    this.entries.set(this.key(db, table), { kind: 'known', schema: { db, table, columns }, charset, collation });
  }

  private apply(sql: string, tokens: readonly Token[], defaultDb: string, options: ApplyQueryOptions, change: ChangeBuilder): void {
    const verb = tokens[0]?.text;
    const at = objectWordAt(tokens);
    const obj = tokens[at]?.text;
    const temporary = tokens.slice(1, at).some((t) => isWord(t, 'temporary'));
    const orReplace = isWord(tokens[1], 'or') && isWord(tokens[2], 'replace');
    const db = (n: { db: string | undefined }): string => n.db ?? defaultDb;

    if (verb === 'truncate') return;
    if (verb === 'rename') {
      if (!isWord(tokens[1], 'table') && !isWord(tokens[1], 'tables')) return; // RENAME USER
      for (const [from, to] of renamePairs(tokens)) this.rename({ db: db(from), table: from.table }, { db: db(to), table: to.table }, change);
      return;
    }
    if (obj === 'database' || obj === 'schema') {
      const ifp = skipIf(tokens, at + 1);
      const name = nameOf(tokens[ifp.next]);
      if (verb === 'drop') {
        if (name !== undefined) this.dropDatabase(name, change);
        return;
      }
      if (verb === 'create') {
        if (name === undefined) unsupported('CREATE DATABASE without a name');
        if (orReplace) this.dropDatabase(name, change);
        // a database created here starts empty, whatever a later snapshot says (unless IF NOT EXISTS found one)
        if (!ifp.present || orReplace) this.resetDbs.add(this.dbKey(name));
        this.setDatabaseDefaults(name, tokens, ifp.next + 1, options, ifp.present && !orReplace ? 'if-not-exists' : 'create');
        return;
      }
      if (verb === 'alter') {
        // ALTER DATABASE [name] options: name omitted = the default database
        const first = tokens[at + 1];
        const named = first !== undefined && (first.kind === Tok.Ident || (first.kind === Tok.Word && !['default', 'character', 'charset', 'collate', 'comment', 'upgrade', 'read', 'encryption'].includes(first.text)));
        this.setDatabaseDefaults(named ? nameOf(first)! : defaultDb, tokens, named ? at + 2 : at + 1, options, 'alter');
      }
      return;
    }
    if (obj === 'sequence') {
      const ifp = skipIf(tokens, at + 1);
      const n = readName(tokens, ifp.next);
      if (n === undefined) unsupported('SEQUENCE without a name');
      const ref = { db: db(n), table: n.table };
      if (verb === 'create') {
        if (temporary) return this.createTemporary(ref, change);
        const s = parseCreateSequence(sql, ref.db);
        if (ifp.present && !orReplace && this.exists(ref)) {
          change.notes.push(`CREATE SEQUENCE IF NOT EXISTS ${ref.db}.${ref.table}: exists, kept`);
          return;
        }
        this.setKnown(ref.db, ref.table, s.columns, undefined, undefined);
        change.changed.push(ref);
      } else if (verb === 'drop') {
        for (const d of dropNames(tokens, at + 1)) this.drop({ db: db(d), table: d.table }, temporary, change);
      }
      return;
    }
    if (obj === 'index' && (verb === 'create' || verb === 'drop')) {
      const on = tokens.findIndex((t) => isWord(t, 'on'));
      const n = on < 0 ? undefined : readName(tokens, on + 1);
      if (n === undefined) unsupported('INDEX without ON table');
      const ref = { db: db(n), table: n.table };
      const idx = nameOf(tokens[skipIf(tokens, at + 1).next]);
      if (verb === 'drop' && idx !== undefined && sameName(idx, 'primary')) {
        this.alterKnown(ref, change, (w) => {
          w.columns = w.columns.map((c) => (c.primaryKey ? { ...c, primaryKey: false } : c));
        });
      }
      // CREATE INDEX never adds a primary key (that needs ALTER TABLE … ADD PRIMARY KEY)
      return;
    }
    if (obj !== 'table' && obj !== 'tables') return; // views, triggers, routines, users, events, servers …

    if (verb === 'drop') {
      for (const d of dropNames(tokens, at + 1)) this.drop({ db: db(d), table: d.table }, temporary, change);
      return;
    }
    if (verb === 'create') {
      const ifp = skipIf(tokens, at + 1);
      const n = readName(tokens, ifp.next);
      if (n === undefined) unsupported('CREATE TABLE without a name');
      const ref = { db: db(n), table: n.table };
      if (temporary) return this.createTemporary(ref, change);
      if (ifp.present && !orReplace && this.exists(ref)) {
        // the server kept the existing table (and logged the statement anyway); an unknown one stays unknown
        change.notes.push(`CREATE TABLE IF NOT EXISTS ${ref.db}.${ref.table}: exists, kept`);
        return;
      }
      this.createTable(ref, defaultDb, sql, tokens, n.next, change);
      return;
    }
    if (verb === 'alter') {
      const ifp = skipIf(tokens, at + 1);
      const n = readName(tokens, ifp.next);
      if (n === undefined) unsupported('ALTER TABLE without a name');
      this.alterTable({ db: db(n), table: n.table }, defaultDb, tokens, skipWait(tokens, n.next), change);
    }
  }

  private setDatabaseDefaults(name: string, tokens: readonly Token[], from: number, options: ApplyQueryOptions, mode: 'create' | 'if-not-exists' | 'alter'): void {
    const { charset, collation } = charsetOptions(tokens, from, tokens.length);
    const key = this.dbKey(name);
    if (charset !== undefined || collation !== undefined) {
      this.dbDefaults.set(key, {
        charset: charset ?? (collation !== undefined ? charsetOfCollationName(collation, this.flavor) : undefined),
        collation,
      });
    } else if (options.collationServer !== undefined && (mode === 'create' || (mode === 'if-not-exists' && !this.dbDefaults.has(key)))) {
      // CREATE DATABASE without a charset takes collation_server, which the event carries
      const info = collationById(options.collationServer, this.flavor);
      if (info !== undefined) this.dbDefaults.set(key, { charset: info.charset, collation: info.name });
    }
  }

  private dropDatabase(name: string, change: ChangeBuilder): void {
    const key = this.dbKey(name);
    const prefix = `${key}\0`;
    for (const [k, e] of this.entries) {
      if (k.startsWith(prefix)) {
        this.entries.delete(k);
        if (e.kind !== 'absent') change.dropped.push({ db: name, table: k.slice(prefix.length) });
      }
    }
    this.resetDbs.add(key);
    this.dbDefaults.delete(key);
  }

  private createTemporary(ref: TableRef, change: ChangeBuilder): void {
    this.temporary.add(this.key(ref.db, ref.table));
    const e = this.load(ref.db, ref.table);
    if (e !== undefined && e.kind !== 'absent') {
      this.markUnknown(ref, 'temporary', 'a temporary table of the same name shadows it (statement/mixed format DDL may address either)', change);
    }
  }

  private drop(ref: TableRef, temporary: boolean, change: ChangeBuilder): void {
    const key = this.key(ref.db, ref.table);
    if (this.temporary.has(key)) {
      this.temporary.delete(key);
      if (temporary) return;
      // plain DROP TABLE drops the temporary table first if the session has one
      this.markUnknown(ref, 'temporary', 'DROP TABLE of a name that also had a temporary table', change);
      return;
    }
    if (temporary) return;
    this.entries.set(key, ABSENT);
    change.dropped.push(ref);
  }

  private rename(from: TableRef, to: TableRef, change: ChangeBuilder): void {
    if (this.temporary.has(this.key(from.db, from.table))) unsupported(`${from.db}.${from.table} may be a temporary table`);
    const e = this.load(from.db, from.table);
    this.entries.set(this.key(from.db, from.table), ABSENT);
    change.dropped.push(from);
    if (e?.kind === 'known') {
      this.setKnown(to.db, to.table, e.schema.columns, e.charset, e.collation);
      change.changed.push(to);
    } else {
      if (e?.kind === 'unknown') this.markUnknown(to, e.cause, e.reason, change);
      else this.markUnknown(to, 'no-prior-definition', `renamed from ${from.db}.${from.table}, whose definition was not known`, change);
    }
  }

  private defaultsOfDb(db: string): { charset: string | undefined; collation: string | undefined } {
    return this.dbDefaults.get(this.dbKey(db)) ?? { charset: undefined, collation: undefined };
  }

  private createTable(ref: TableRef, defaultDb: string, sql: string, tokens: readonly Token[], i: number, change: ChangeBuilder): void {
    // CREATE TABLE t LIKE s / CREATE TABLE t (LIKE s)
    const likeAt = isWord(tokens[i], 'like') ? i + 1 : isPunct(tokens[i], '(') && isWord(tokens[i + 1], 'like') ? i + 2 : -1;
    if (likeAt >= 0) {
      const s = readName(tokens, likeAt);
      if (s === undefined) unsupported('CREATE TABLE … LIKE without a source');
      const src = { db: s.db ?? defaultDb, table: s.table };
      const e = this.load(src.db, src.table);
      if (e?.kind === 'known') {
        this.setKnown(ref.db, ref.table, e.schema.columns, e.charset, e.collation);
        change.changed.push(ref);
      } else if (e?.kind === 'unknown') this.markUnknown(ref, e.cause, `created LIKE ${src.db}.${src.table}: ${e.reason}`, change);
      else this.markUnknown(ref, 'no-prior-definition', `created LIKE ${src.db}.${src.table}, whose definition was not known`, change);
      return;
    }
    const isQuery = (t: Token | undefined): boolean => isWord(t, 'select') || isWord(t, 'with') || isWord(t, 'values') || isWord(t, 'table');
    if (!isPunct(tokens[i], '(') || isQuery(tokens[i + 1])) {
      this.markUnknown(ref, 'query-columns', 'CREATE TABLE … SELECT without a column list: the columns come from the query', change);
      return;
    }
    const close = skipGroup(tokens, i);
    for (let k = close; k < tokens.length; k++) {
      if (isWord(tokens[k], 'select') || isWord(tokens[k], 'values') || (isWord(tokens[k], 'as') && isQuery(tokens[k + 1]))) {
        this.markUnknown(ref, 'query-columns', 'CREATE TABLE … SELECT: columns coming from the query cannot be known', change);
        return;
      }
    }
    const dbd = this.defaultsOfDb(ref.db);
    const schema = parseCreateTable(sql, ref.db, {
      flavor: this.flavor,
      ...(dbd.charset !== undefined ? { databaseCharset: dbd.charset } : {}),
      ...(dbd.collation !== undefined ? { databaseCollation: dbd.collation } : {}),
    });
    const opts = charsetOptions(tokens, close, tokens.length);
    let charset = dbd.charset;
    let collation = dbd.collation;
    if (opts.charset !== undefined) {
      charset = opts.charset;
      collation = opts.collation;
    } else if (opts.collation !== undefined) {
      collation = opts.collation;
      charset = charsetOfCollationName(opts.collation, this.flavor);
    }
    this.setKnown(ref.db, ref.table, schema.columns, charset, collation);
    change.changed.push(ref);
  }

  /** Runs `edit` on a working copy of a known table; tables we know nothing of become unknown. */
  private alterKnown(ref: TableRef, change: ChangeBuilder, edit: (w: Work) => void): void {
    if (this.temporary.has(this.key(ref.db, ref.table))) unsupported(`${ref.db}.${ref.table} may be a temporary table`);
    const e = this.load(ref.db, ref.table);
    if (e?.kind === 'unknown') throw new NoPriorDefinition(e.reason);
    if (e?.kind !== 'known') throw new NoPriorDefinition(`${ref.db}.${ref.table} altered, but its definition before was not known`);
    const w: Work = { columns: [...e.schema.columns], charset: e.charset, collation: e.collation, renameTo: undefined };
    edit(w);
    let target = ref;
    if (w.renameTo !== undefined) {
      target = { db: w.renameTo.db ?? ref.db, table: w.renameTo.table };
      this.entries.set(this.key(ref.db, ref.table), ABSENT);
      change.dropped.push(ref);
    }
    if (w.columns.length === 0) unsupported('ALTER TABLE left no columns');
    this.setKnown(target.db, target.table, w.columns, w.charset, w.collation);
    change.changed.push(target);
  }

  private alterTable(ref: TableRef, defaultDb: string, tokens: readonly Token[], from: number, change: ChangeBuilder): void {
    // on a clause we do not understand nothing is stored here; applyQuery then marks the table and
    // any RENAME target unknown
    const specs = splitTopLevel(tokens, from, tokens.length);
    this.alterKnown(ref, change, (w) => {
      for (const spec of specs) this.alterSpec(w, spec, ref.db, defaultDb);
    });
  }

  private findColumn(w: Work, name: string): number {
    return w.columns.findIndex((c) => sameName(c.name, name));
  }

  /** Strips a trailing `FIRST` / `AFTER col` from a column definition; returns the insert position. */
  private position(w: Work, def: Token[]): { def: Token[]; at: 'first' | 'last' | string } {
    const n = def.length;
    if (n > 2 && isWord(def[n - 1], 'first')) return { def: def.slice(0, n - 1), at: 'first' };
    if (n > 3 && isWord(def[n - 2], 'after')) {
      const col = nameOf(def[n - 1]);
      if (col === undefined) unsupported('AFTER without a column');
      return { def: def.slice(0, n - 2), at: col };
    }
    return { def, at: 'last' };
  }

  private insertAt(w: Work, col: SchemaColumn, at: 'first' | 'last' | string): void {
    if (at === 'first') w.columns.unshift(col);
    else if (at === 'last') {
      // MariaDB: implicit system-versioning columns stay last
      const hidden = w.columns.length >= 2 && w.columns[w.columns.length - 1] === IMPLICIT_SYSTEM_VERSIONING_COLUMNS[1];
      if (hidden) w.columns.splice(w.columns.length - 2, 0, col);
      else w.columns.push(col);
    } else {
      const k = this.findColumn(w, at);
      if (k < 0) unsupported(`AFTER ${at}: no such column`);
      w.columns.splice(k + 1, 0, col);
    }
  }

  private columnDef(w: Work, def: readonly Token[]): SchemaColumn {
    return parseColumnDefinition(def, w.charset, w.collation, this.flavor);
  }

  private setPrimaryKey(w: Work, names: readonly string[]): void {
    for (const n of names) if (this.findColumn(w, n) < 0) unsupported(`PRIMARY KEY on unknown column ${n}`);
    w.columns = w.columns.map((c) => {
      const pk = names.some((n) => sameName(n, c.name));
      return pk ? { ...c, primaryKey: true, nullable: false } : c.primaryKey ? { ...c, primaryKey: false } : c;
    });
  }

  /** One comma-separated clause; `db` is the table's database, `defaultDb` the session's. */
  private alterSpec(w: Work, spec: Token[], db: string, defaultDb: string): void {
    let i = 0;
    const t = spec[0];
    if (t === undefined) unsupported('empty ALTER TABLE clause');
    if (t.kind !== Tok.Word) unsupported(`ALTER TABLE clause starting with ${t.text}`);
    switch (t.text) {
      case 'add': {
        i = 1;
        if (isWord(spec[i], 'column')) {
          i++;
          return this.addColumns(w, spec, i);
        }
        const next = spec[i];
        if (isPunct(next, '(')) return this.addColumns(w, spec, i);
        if (next?.kind === Tok.Word) {
          if (isWord(next, 'constraint') || isWord(next, 'primary')) {
            const p = spec.findIndex((x, k) => isWord(x, 'primary') && isWord(spec[k + 1], 'key'));
            if (p >= 0) this.setPrimaryKey(w, primaryKeyColumns(spec.slice(p)));
            return;
          }
          if (NON_COLUMN_WORDS.has(next.text) && !(next.text === 'vector' && !isWord(spec[i + 1], 'index') && !isWord(spec[i + 1], 'key'))) return;
          if (next.text === 'partition') return;
          if (next.text === 'period' && isWord(spec[i + 1], 'for')) return;
          if (next.text === 'system' && isWord(spec[i + 1], 'versioning')) unsupported('ADD SYSTEM VERSIONING');
        }
        return this.addColumns(w, spec, i);
      }
      case 'drop': {
        i = 1;
        const next = spec[i];
        if (isWord(next, 'primary') && isWord(spec[i + 1], 'key')) {
          w.columns = w.columns.map((c) => (c.primaryKey ? { ...c, primaryKey: false } : c));
          return;
        }
        if (isWord(next, 'index') || isWord(next, 'key') || isWord(next, 'constraint')) {
          const name = nameOf(spec[skipIf(spec, i + 1).next]);
          if (name !== undefined && sameName(name, 'primary')) w.columns = w.columns.map((c) => (c.primaryKey ? { ...c, primaryKey: false } : c));
          return;
        }
        if (isWord(next, 'foreign') || isWord(next, 'check') || isWord(next, 'partition')) return;
        if (isWord(next, 'period') && isWord(spec[i + 1], 'for')) return;
        if (isWord(next, 'system') && isWord(spec[i + 1], 'versioning')) unsupported('DROP SYSTEM VERSIONING');
        if (isWord(next, 'column')) i++;
        const ifp = skipIf(spec, i);
        const name = nameOf(spec[ifp.next]);
        if (name === undefined) unsupported('DROP COLUMN without a name');
        let end = ifp.next + 1;
        while (isWord(spec[end], 'restrict') || isWord(spec[end], 'cascade')) end++;
        if (end !== spec.length) unsupported('unexpected words after DROP COLUMN');
        const k = this.findColumn(w, name);
        if (k < 0) {
          if (ifp.present) return;
          unsupported(`DROP COLUMN ${name}: no such column in the known definition`);
        }
        w.columns.splice(k, 1);
        return;
      }
      case 'modify':
      case 'change': {
        i = 1;
        if (isWord(spec[i], 'column')) i++;
        const ifp = skipIf(spec, i);
        i = ifp.next;
        const old = nameOf(spec[i]);
        if (old === undefined) unsupported(`${t.text.toUpperCase()} without a column`);
        const k = this.findColumn(w, old);
        if (k < 0) {
          if (ifp.present) return;
          unsupported(`${t.text.toUpperCase()} ${old}: no such column in the known definition`);
        }
        const { def, at } = this.position(w, spec.slice(t.text === 'change' ? i + 1 : i));
        const prev = w.columns[k]!;
        let col = this.columnDef(w, def);
        if (prev.primaryKey && !col.primaryKey) col = { ...col, primaryKey: true, nullable: false };
        w.columns.splice(k, 1);
        if (at === 'last') w.columns.splice(k, 0, col);
        else this.insertAt(w, col, at);
        return;
      }
      case 'alter': {
        // ALTER [COLUMN] c {SET DEFAULT … | DROP DEFAULT | SET [IN]VISIBLE}; ALTER {INDEX|KEY} i [NOT] {VISIBLE|IGNORED}
        i = 1;
        if (isWord(spec[i], 'index') || isWord(spec[i], 'key') || isWord(spec[i], 'check') || isWord(spec[i], 'constraint')) return;
        if (isWord(spec[i], 'column')) i++;
        const name = nameOf(spec[i]);
        if (name === undefined || this.findColumn(w, name) < 0) unsupported(`ALTER COLUMN ${name ?? ''}: no such column`);
        if ((isWord(spec[i + 1], 'set') || isWord(spec[i + 1], 'drop')) && (isWord(spec[i + 2], 'default') || isWord(spec[i + 2], 'visible') || isWord(spec[i + 2], 'invisible'))) return;
        unsupported('ALTER COLUMN clause');
        break;
      }
      case 'rename': {
        i = 1;
        if (isWord(spec[i], 'index') || isWord(spec[i], 'key')) return;
        if (isWord(spec[i], 'column')) {
          const ifp = skipIf(spec, i + 1);
          const from = nameOf(spec[ifp.next]);
          const to = nameOf(spec[ifp.next + 2]);
          if (from === undefined || to === undefined || !isWord(spec[ifp.next + 1], 'to') || spec.length !== ifp.next + 3) unsupported('RENAME COLUMN');
          const k = this.findColumn(w, from);
          if (k < 0) {
            if (ifp.present) return;
            unsupported(`RENAME COLUMN ${from}: no such column in the known definition`);
          }
          w.columns[k] = { ...w.columns[k]!, name: to };
          return;
        }
        if (isWord(spec[i], 'to') || isWord(spec[i], 'as')) i++;
        const to = readName(spec, i);
        if (to === undefined || to.next !== spec.length) unsupported('RENAME TO');
        w.renameTo = { db: to.db ?? defaultDb, table: to.table, next: to.next };
        return;
      }
      case 'convert': {
        // CONVERT TO CHARACTER SET cs [COLLATE c]
        let k = 1;
        if (!isWord(spec[k], 'to')) unsupported('CONVERT without TO');
        k++;
        if (isWord(spec[k], 'character') && isWord(spec[k + 1], 'set')) k += 2;
        else if (isWord(spec[k], 'charset')) k++;
        else unsupported('CONVERT TO without CHARACTER SET');
        if (isPunct(spec[k], '=')) k++;
        let charset = nameOf(spec[k]);
        let collation: string | undefined;
        k++;
        if (isWord(spec[k], 'collate')) {
          k++;
          if (isPunct(spec[k], '=')) k++;
          collation = nameOf(spec[k]);
          k++;
        }
        if (charset !== undefined && charset.toLowerCase() === 'default') {
          const d = this.defaultsOfDb(db);
          if (d.charset === undefined) unsupported('CONVERT TO CHARACTER SET DEFAULT with an unknown database default');
          charset = d.charset;
          collation ??= d.collation;
        }
        if (charset === undefined || k !== spec.length) unsupported('CONVERT TO CHARACTER SET');
        this.convert(w, charset, collation);
        return;
      }
      case 'default':
      case 'character':
      case 'charset':
      case 'collate':
        return this.tableOptions(w, spec, 0);
      case 'algorithm':
      case 'lock':
        // ALGORITHM [=] x / LOCK [=] x: how, not what
        i = isPunct(spec[1], '=') ? 3 : 2;
        if (i < spec.length) return this.alterSpec(w, spec.slice(i), db, defaultDb);
        return;
      case 'force':
      case 'enable':
      case 'disable':
      case 'discard':
      case 'import':
      case 'order':
      case 'with':
      case 'without':
      case 'remove':
      case 'partition':
        // FORCE, {ENABLE|DISABLE} KEYS, {DISCARD|IMPORT} TABLESPACE, ORDER BY, WITH[OUT] VALIDATION,
        // REMOVE PARTITIONING, PARTITION BY …: rebuild or re-partition, same columns
        if (t.text === 'with' && isWord(spec[1], 'system')) unsupported('WITH SYSTEM VERSIONING');
        return;
      default:
        if (PARTITION_OPS.has(t.text) && isWord(spec[1], 'partition')) return;
        if (TABLE_OPTIONS.has(t.text) || (t.text === 'data' || t.text === 'index') && isWord(spec[1], 'directory')) return this.tableOptions(w, spec, 0);
        unsupported(`ALTER TABLE clause ${t.text.toUpperCase()}`);
    }
  }

  /** Space-separated table options; only the charset ones matter (for columns added later). */
  private tableOptions(w: Work, spec: readonly Token[], from: number): void {
    let k = from;
    while (k < spec.length) {
      const t = spec[k]!;
      if (isWord(t, 'default')) {
        k++;
        continue;
      }
      if (isWord(t, 'partition') && isWord(spec[k + 1], 'by')) return;
      if (isWord(t, 'character') || isWord(t, 'charset') || isWord(t, 'collate')) {
        let j = k + (isWord(t, 'character') ? 2 : 1);
        if (isWord(t, 'character') && !isWord(spec[k + 1], 'set')) unsupported('CHARACTER without SET');
        if (isPunct(spec[j], '=')) j++;
        const value = nameOf(spec[j]);
        if (value === undefined) unsupported('charset option without a value');
        if (isWord(t, 'collate')) {
          w.collation = value;
          w.charset = charsetOfCollationName(value, this.flavor) ?? w.charset;
        } else {
          w.charset = value;
          w.collation = undefined;
        }
        k = j + 1;
        continue;
      }
      if (t.kind === Tok.Word && (TABLE_OPTIONS.has(t.text) || ((t.text === 'data' || t.text === 'index') && isWord(spec[k + 1], 'directory')))) {
        let j = k + (t.text === 'data' || t.text === 'index' ? 2 : 1);
        if (isPunct(spec[j], '=')) j++;
        j = isPunct(spec[j], '(') ? skipGroup(spec, j) : j + 1;
        k = j;
        continue;
      }
      unsupported(`table option ${t.text}`);
    }
  }

  private addColumns(w: Work, spec: Token[], i: number): void {
    const ifp = skipIf(spec, i);
    i = ifp.next;
    if (isPunct(spec[i], '(')) {
      // ADD [COLUMN] (a INT, b INT, INDEX (a)): appended in order
      const end = skipGroup(spec, i);
      if (end !== spec.length) unsupported('words after ADD COLUMN (…)');
      for (const def of splitTopLevel(spec, i + 1, end - 1)) {
        const first = def[0];
        if (first?.kind === Tok.Word && (NON_COLUMN_WORDS.has(first.text) || first.text === 'primary' || first.text === 'constraint')) {
          const p = def.findIndex((x, k) => isWord(x, 'primary') && isWord(def[k + 1], 'key'));
          if (p >= 0) this.setPrimaryKey(w, primaryKeyColumns(def.slice(p)));
          continue;
        }
        this.addOne(w, def, ifp.present);
      }
      return;
    }
    this.addOne(w, spec.slice(i), ifp.present);
  }

  private addOne(w: Work, def: Token[], ifNotExists: boolean): void {
    const p = this.position(w, def);
    const col = this.columnDef(w, p.def);
    if (this.findColumn(w, col.name) >= 0) {
      if (ifNotExists) return;
      unsupported(`ADD COLUMN ${col.name}: the known definition already has it`);
    }
    if (col.primaryKey) w.columns = w.columns.map((c) => (c.primaryKey ? { ...c, primaryKey: false } : c));
    this.insertAt(w, col, p.at);
  }

  private convert(w: Work, charset: string, collation: string | undefined): void {
    const id = collation !== undefined ? collationIdByName(collation, this.flavor, charset) : defaultCollationId(charset, this.flavor);
    if (id === undefined) unsupported(`CONVERT TO CHARACTER SET ${charset}: unknown charset/collation`);
    const newMax = charsetMaxLen(charsetOfCollation(id) ?? charset);
    w.columns = w.columns.map((c) => {
      if (!CHARACTER_TYPES.has(c.baseType) || c.collationId === BINARY_COLLATION_ID) return c;
      let { sqlType, baseType } = c;
      const textAt = TEXT_BYTES.findIndex(([name]) => name === baseType);
      const oldMax = c.collationId === undefined ? undefined : charsetMaxLen(charsetOfCollation(c.collationId) ?? '');
      if (textAt >= 0 && oldMax !== newMax) {
        // TEXT types grow so they still hold as many characters (latin1 TEXT → utf8mb4 MEDIUMTEXT)
        if (oldMax === undefined || newMax === undefined) unsupported(`CONVERT of ${c.name}: unknown charset width`);
        const needed = Math.floor(TEXT_BYTES[textAt]![1] / oldMax) * newMax;
        const fit = TEXT_BYTES.find(([, bytes]) => bytes >= needed) ?? TEXT_BYTES[TEXT_BYTES.length - 1]!;
        baseType = fit[0];
        sqlType = sqlType.replace(/^[a-z]+/, fit[0]);
      } else if (baseType === 'varchar' && newMax !== undefined) {
        const len = /^varchar\((\d+)\)/.exec(sqlType);
        // a VARCHAR too long for the new charset becomes a TEXT type
        if (len === null || Number(len[1]) * newMax > 65532) unsupported(`CONVERT of ${c.name}: VARCHAR may become TEXT`);
      }
      return { ...c, sqlType, baseType, collationId: id };
    });
    w.charset = charset;
    w.collation = collation;
  }
}

class ChangeBuilder {
  readonly changed: TableRef[] = [];
  readonly dropped: TableRef[] = [];
  readonly unknown: UnknownTable[] = [];
  readonly notes: string[] = [];

  build(kind: DdlKind): SchemaChange {
    return { kind, changed: this.changed, dropped: this.dropped, unknown: this.unknown, notes: this.notes };
  }
}

function charsetOfCollationName(name: string, flavor: Flavor): string | undefined {
  const id = collationIdByName(name, flavor);
  return id === undefined ? undefined : charsetOfCollation(id);
}

function excerpt(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 120 ? `${s.slice(0, 120)}…` : s;
}
