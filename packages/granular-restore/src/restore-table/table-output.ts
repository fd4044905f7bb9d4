/**
 * Where a restored table goes: a reviewable SQL file (`--sql-out`), or a new table on a server
 * (`--to URL [--into DB.NEWTABLE]`). Both get the same statements: the session that makes
 * core's literals exact (LITERAL_SESSION_STATEMENTS), the copy's CREATE TABLE and ALTERs, and
 * multi-row INSERTs rendered with renderLiteral (generated columns left out: the server computes
 * them).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { type ApplyConnection, LITERAL_SESSION_STATEMENTS, PitrError, type RowImage, openApplyConnection, quoteIdentifier, redactUrl, renderLiteral, renderText, serverErrorOf } from '@pitr/core';
import type { ColumnCodec } from './column-codec.js';

const BATCH_ROWS = 1000;
const BATCH_BYTES = 1 << 20;

/** Multi-row INSERT statements for `qualifiedName`. */
export class InsertBatcher {
  private readonly head: string;
  private readonly columns: number[];
  private parts: string[] = [];
  private bytes = 0;

  constructor(
    qualifiedName: string,
    private readonly codecs: readonly ColumnCodec[],
  ) {
    this.columns = codecs.flatMap((c, i) => (c.schema.generated ? [] : [i]));
    this.head = `INSERT INTO ${qualifiedName} (${this.columns.map((i) => quoteIdentifier(codecs[i]!.schema.name)).join(', ')}) VALUES\n`;
  }

  /** A row's `(…)` tuple. */
  tuple(row: RowImage): string {
    let s = '(';
    for (let k = 0; k < this.columns.length; k++) {
      const i = this.columns[k]!;
      const v = row[i];
      if (v === undefined) throw new PitrError('INTERNAL', `no value for column ${this.codecs[i]!.schema.name} of a restored row`);
      s += (k === 0 ? '' : ',') + renderLiteral(v, this.codecs[i]!.def);
    }
    return `${s})`;
  }

  /** Adds a row; returns a statement when a batch is full. */
  add(row: RowImage): string | undefined {
    const t = this.tuple(row);
    this.parts.push(t);
    this.bytes += t.length;
    return this.parts.length >= BATCH_ROWS || this.bytes >= BATCH_BYTES ? this.flush() : undefined;
  }

  flush(): string | undefined {
    if (this.parts.length === 0) return undefined;
    const sql = this.head + this.parts.join(',\n');
    this.parts = [];
    this.bytes = 0;
    return sql;
  }
}

export interface TableOutput {
  /** Creates the table (definition statements); called once before rows. */
  begin(definition: readonly string[], codecs: readonly ColumnCodec[]): Promise<void>;
  row(row: RowImage): Promise<void>;
  end(): Promise<void>;
  /** After a failure: undo what can be undone (drop the half-made copy). */
  abort(): Promise<void>;
}

/** `--sql-out FILE`. */
export class SqlFileOutput implements TableOutput {
  private out: WriteStream | undefined;
  private batcher: InsertBatcher | undefined;

  constructor(
    private readonly path: string,
    private readonly header: readonly string[],
    private readonly copyName: string,
  ) {}

  private async write(text: string): Promise<void> {
    const out = this.out!;
    if (!out.write(text)) await new Promise<void>((resolve, reject) => {
      out.once('drain', resolve);
      out.once('error', reject);
    });
  }

  async begin(definition: readonly string[], codecs: readonly ColumnCodec[]): Promise<void> {
    this.out = createWriteStream(this.path, { flags: 'wx' });
    await new Promise<void>((resolve, reject) => {
      this.out!.once('open', () => resolve());
      this.out!.once('error', (e) => reject(new PitrError('IO', `cannot create ${this.path}: ${(e as Error).message}`, { hints: ['--sql-out never overwrites a file: give a new name'], cause: e })));
    });
    this.batcher = new InsertBatcher(this.copyName, codecs);
    let text = this.header.map((l) => `-- ${l}\n`).join('') + '\n';
    for (const s of LITERAL_SESSION_STATEMENTS) text += `${s};\n`;
    text += 'SET foreign_key_checks = 0;\n\n';
    for (const d of definition) text += `${d};\n\n`;
    await this.write(text);
  }

  async row(row: RowImage): Promise<void> {
    const sql = this.batcher!.add(row);
    if (sql !== undefined) await this.write(`${sql};\n`);
  }

  async end(): Promise<void> {
    const sql = this.batcher!.flush();
    if (sql !== undefined) await this.write(`${sql};\n`);
    const out = this.out!;
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }

  async abort(): Promise<void> {
    this.out?.destroy();
  }
}

/** `--to URL [--into DB.NEWTABLE]`: a new table on the server. */
export class CopyTableOutput implements TableOutput {
  private conn: ApplyConnection | undefined;
  private batcher: InsertBatcher | undefined;
  private created = false;
  rows = 0;

  constructor(
    private readonly url: string,
    private readonly env: Readonly<Record<string, string | undefined>> | undefined,
    readonly db: string,
    readonly table: string,
  ) {}

  private get name(): string {
    return `${quoteIdentifier(this.db)}.${quoteIdentifier(this.table)}`;
  }

  /** Connects and refuses an existing table or a missing database (before any file is read). */
  async check(): Promise<void> {
    this.conn ??= await openApplyConnection(this.url, this.env);
    const rows = await this.conn.rows(`SELECT (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${renderText(this.db, 'hex')}) AS db, (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${renderText(this.db, 'hex')} AND TABLE_NAME = ${renderText(this.table, 'hex')}) AS t`);
    const r = rows[0] ?? {};
    if (Number(String(r.db)) === 0) {
      throw new PitrError('USAGE', `the database \`${this.db}\` does not exist on ${redactUrl(this.url)}`, { hints: ['create it first, or name another with --into DB.NEWTABLE'] });
    }
    if (Number(String(r.t)) !== 0) {
      throw new PitrError('USAGE', `${this.db}.${this.table} already exists on ${redactUrl(this.url)}: restore-table never overwrites a table`, {
        hints: ['name a new table with --into DB.NEWTABLE, or drop the old copy first', 'to put rows back into the live table, use --replace'],
      });
    }
  }

  async begin(definition: readonly string[], codecs: readonly ColumnCodec[]): Promise<void> {
    await this.check();
    const conn = this.conn!;
    for (const s of LITERAL_SESSION_STATEMENTS) await conn.run(s);
    await conn.run('SET SESSION foreign_key_checks = 0');
    try {
      await conn.run(definition[0]!);
      this.created = true;
      for (const d of definition.slice(1)) await conn.run(d);
    } catch (e) {
      throw serverFailure(`creating ${this.db}.${this.table}`, e);
    }
    this.batcher = new InsertBatcher(this.name, codecs);
  }

  async row(row: RowImage): Promise<void> {
    this.rows++;
    const sql = this.batcher!.add(row);
    if (sql !== undefined) await this.send(sql);
  }

  private async send(sql: string): Promise<void> {
    try {
      await this.conn!.run(sql);
    } catch (e) {
      throw serverFailure(`inserting into ${this.db}.${this.table}`, e);
    }
  }

  async end(): Promise<void> {
    const sql = this.batcher?.flush();
    if (sql !== undefined) await this.send(sql);
    await this.conn?.close();
    this.conn = undefined;
  }

  async abort(): Promise<void> {
    try {
      if (this.created && this.conn !== undefined) await this.conn.run(`DROP TABLE IF EXISTS ${this.name}`);
    } catch {
      // the connection may be what failed; the half-made copy is named in the error then
    } finally {
      await this.conn?.close().catch(() => undefined);
      this.conn = undefined;
    }
  }
}

export function serverFailure(what: string, e: unknown): PitrError {
  if (e instanceof PitrError) return e;
  const s = serverErrorOf(e);
  return new PitrError('APPLY', `${what} failed: ${s?.message ?? (e as Error)?.message ?? String(e)}`, { cause: e });
}
