/**
 * A SchemaProvider read from a logical dump (mariadb-dump / mysqldump output, plain or gzip).
 * Only CREATE TABLE statements are parsed; the data lines (INSERT/REPLACE, often megabytes each)
 * are skipped by scanning bytes for the next newline without decoding them, so a multi-GB dump is
 * read at disk speed with memory bounded by the largest non-data statement.
 */
import { dumpChunks } from '../dump/dump-statements.js';
import type { Flavor } from '../binlog/types.js';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import { parseCreateSequence, parseCreateTable, tokenizeSql } from './create-table-parser.js';
import type { SchemaProvider, TableSchema } from './schema-provider.js';

/** A SchemaProvider over a fixed set of tables; lookups are exact first, then case-insensitive (lower_case_table_names). */
export class TableSchemaMap implements SchemaProvider {
  private readonly exact = new Map<string, TableSchema>();
  private readonly folded = new Map<string, TableSchema>();

  add(schema: TableSchema): void {
    this.exact.set(`${schema.db}\0${schema.table}`, schema);
    this.folded.set(`${schema.db}\0${schema.table}`.toLowerCase(), schema);
  }

  delete(db: string, table: string): void {
    this.exact.delete(`${db}\0${table}`);
    this.folded.delete(`${db}\0${table}`.toLowerCase());
  }

  getTable(db: string, table: string): TableSchema | undefined {
    const hit = this.exact.get(`${db}\0${table}`) ?? this.folded.get(`${db}\0${table}`.toLowerCase());
    if (hit !== undefined || db === '') return hit;
    // a dump that never names its database (mysqldump --compact of one database) matches any database
    const anyDb = this.exact.get(`\0${table}`) ?? this.folded.get(`\0${table}`.toLowerCase());
    return anyDb === undefined ? undefined : { ...anyDb, db };
  }

  get size(): number {
    return this.exact.size;
  }

  tables(): IterableIterator<TableSchema> {
    return this.exact.values();
  }
}

const NL = 0x0a;
/** Bytes of a line start we look at to classify it. */
const PREFIX_BYTES = 48;

/** Lines that can never start a statement we need; they may be huge, so they are skipped undecoded. */
function isDataLine(buf: Uint8Array, pos: number, end: number): boolean {
  // 'INSERT ' / 'REPLACE ' / '(' continuation rows of multi-line inserts
  const c = buf[pos];
  if (c === 0x49 /* I */) return end - pos >= 6 && buf[pos + 1] === 0x4e && buf[pos + 2] === 0x53 && buf[pos + 3] === 0x45 && buf[pos + 4] === 0x52 && buf[pos + 5] === 0x54;
  if (c === 0x52 /* R */) return end - pos >= 7 && buf[pos + 1] === 0x45 && buf[pos + 2] === 0x50 && buf[pos + 3] === 0x4c && buf[pos + 4] === 0x41;
  return c === 0x28 /* ( */;
}

/** First identifier of `text` (backquoted with `` escapes, or bare). */
function leadingIdentifier(text: string): string | undefined {
  const tokens = tokenizeSql(text.length > 1000 ? text.slice(0, 1000) : text);
  const t = tokens[0];
  return t === undefined ? undefined : t.text;
}

/** True when `text` ends with a `;` that is outside quotes and comments. */
function statementComplete(text: string): boolean {
  const trimmed = text.trimEnd();
  if (!trimmed.endsWith(';')) return false;
  let quote = '';
  let i = 0;
  const n = trimmed.length;
  while (i < n) {
    const ch = trimmed[i]!;
    if (quote !== '') {
      if (ch === '\\' && quote !== '`') i += 2;
      else if (ch === quote) {
        if (trimmed[i + 1] === quote) i += 2;
        else {
          quote = '';
          i++;
        }
      } else i++;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === ';' && i === n - 1) return true;
    i++;
  }
  return false;
}

interface ScanState {
  db: string | undefined;
  flavor: Flavor;
  statement: string | undefined;
  provider: TableSchemaMap;
  path: string;
}

const CREATE_SEQUENCE_RE = /^CREATE\s+(?:OR\s+REPLACE\s+)?SEQUENCE\b/i;
const CREATE_TABLE_RE = /^(?:\/\*!\d+\s*)?CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?TABLE\b/i;

function handleLine(state: ScanState, line: string): void {
  if (state.statement !== undefined) {
    state.statement += `\n${line}`;
    if (statementComplete(state.statement)) finishStatement(state);
    return;
  }
  if (line.startsWith('-- ')) {
    // mysqldump/mariadb-dump headers: the flavor of the server, and the database of a one-db dump
    const server = /^-- Server version\s+(.*)$/.exec(line);
    if (server !== null) state.flavor = /mariadb/i.test(server[1]!) ? 'mariadb' : 'mysql';
    const host = /^-- Host: .*?\bDatabase: (.+)$/.exec(line);
    const hostDb = host?.[1]?.trim();
    if (hostDb !== undefined && hostDb !== '' && state.db === undefined) state.db = hostDb;
    const current = /^-- Current Database: (`.*`)\s*$/.exec(line);
    if (current !== null) state.db = leadingIdentifier(current[1]!);
    return;
  }
  if (/^USE\s/i.test(line)) {
    const db = leadingIdentifier(line.slice(4));
    if (db !== undefined) state.db = db;
    return;
  }
  if (/^CREATE\s+DATABASE\b/i.test(line)) {
    // mariadb-dump follows it with USE; a hand-written script may not
    const rest = line.replace(/^CREATE\s+DATABASE\s+(?:\/\*!\d+\s*IF\s+NOT\s+EXISTS\s*\*\/\s*|IF\s+NOT\s+EXISTS\s+)?/i, '');
    const db = leadingIdentifier(rest);
    if (db !== undefined) state.db = db;
    return;
  }
  if (CREATE_SEQUENCE_RE.test(line)) {
    // mariadb-dump prints a sequence on one line; its table has fixed columns
    state.provider.add(parseCreateSequence(line, state.db));
    return;
  }
  if (CREATE_TABLE_RE.test(line)) {
    state.statement = line;
    if (statementComplete(line)) finishStatement(state);
  }
}

function finishStatement(state: ScanState): void {
  const sql = state.statement!;
  state.statement = undefined;
  try {
    const schema = parseCreateTable(sql, state.db, { flavor: state.flavor });
    state.provider.add(schema);
  } catch (e) {
    if (e instanceof PitrError) {
      throw new PitrError(ERROR_CODES.SCHEMA, `${state.path}: ${e.message}`, { hints: e.hints, cause: e });
    }
    throw e;
  }
}

const decoder = new TextDecoder('utf-8');

/**
 * Reads the CREATE TABLE statements of a dump (.sql or .sql.gz, detected by content) into a
 * SchemaProvider. The database of each table comes from `USE`, `CREATE DATABASE`,
 * `-- Current Database:` or the header of a single-database dump.
 */
export async function schemaFromDump(path: string): Promise<TableSchemaMap> {
  const state: ScanState = { db: undefined, flavor: 'mariadb', statement: undefined, provider: new TableSchemaMap(), path };
  let carry: Uint8Array | undefined;
  let skipping = false;
  try {
    // dumpChunks: plain or gzip (by content), read errors as PitrError naming the file
    for await (const bytes of dumpChunks(path)) {
      const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const buf: Buffer = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
      carry = undefined;
      let pos = 0;
      const len = buf.length;
      while (pos < len) {
        if (skipping) {
          const nl = buf.indexOf(NL, pos);
          if (nl < 0) {
            pos = len;
            break;
          }
          skipping = false;
          pos = nl + 1;
          continue;
        }
        const nl = buf.indexOf(NL, pos);
        const lineEnd = nl < 0 ? len : nl;
        if (state.statement === undefined && (nl >= 0 || len - pos >= PREFIX_BYTES) && isDataLine(buf, pos, lineEnd)) {
          if (nl < 0) {
            skipping = true;
            pos = len;
            break;
          }
          pos = nl + 1;
          continue;
        }
        if (nl < 0) {
          carry = buf.subarray(pos);
          break;
        }
        let end = nl;
        if (end > pos && buf[end - 1] === 0x0d) end--;
        handleLine(state, decoder.decode(buf.subarray(pos, end)));
        pos = nl + 1;
      }
    }
    if (carry !== undefined && carry.length > 0 && !skipping) handleLine(state, decoder.decode(carry));
  } catch (e) {
    if (e instanceof PitrError) throw e;
    throw new PitrError(ERROR_CODES.IO, `cannot read schema dump ${path}: ${(e as Error).message}`, {
      hints: ['Check that the file is a complete .sql or .sql.gz dump (a truncated .gz fails here).'],
      cause: e,
    });
  }
  if (state.statement !== undefined) {
    throw new PitrError(ERROR_CODES.SCHEMA, `${path}: the dump ends inside a CREATE TABLE statement`, {
      hints: ['The dump looks truncated; give a complete dump to --schema-from.'],
    });
  }
  if (state.provider.size === 0) {
    throw new PitrError(ERROR_CODES.SCHEMA, `${path}: no CREATE TABLE statements found`, {
      hints: ['Give --schema-from a dump made by mariadb-dump/mysqldump with table structure (not --no-create-info).'],
    });
  }
  return state.provider;
}
