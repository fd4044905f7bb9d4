/**
 * One pass over the dump that gives restore-table everything it needs from it, so the dump is
 * decompressed once: the table definitions (the schema the binlogs are decoded with — what
 * core's schemaFromDump reads, here from the same statements), the CREATE TABLE of the wanted
 * table, and that table's INSERTs, copied undecoded to a spool file (with the FLOAT fixups that
 * follow them) to be parsed once the binlogs have said which rows changed.
 *
 * Every other table's INSERTs are passed over by the table name the splitter read from the
 * statement's first bytes; nothing of them is decoded. The spool holds only the wanted table's
 * statements; past SPOOL_MAX_BYTES it is dropped and the caller reads the dump again for the
 * rows (a table that is most of the dump is read twice rather than copied to disk).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PitrError, TableSchemaMap, dumpStatements, parseCreateSequence, parseCreateTable, type Flavor, type RowImage } from '@pitr/core';
import type { ColumnCodec } from './column-codec.js';
import { parseInsertRows } from './dump-values.js';
import { FloatFixups, isFloatFixup } from './float-fixups.js';
import { type QualifiedName, showName } from './table-lineage.js';

/** The wanted table's INSERTs are spooled up to this size; beyond it, they are read from the dump again. */
const SPOOL_MAX_BYTES = 512 << 20;
const CREATE_SEQUENCE_RE = /^CREATE\s+(?:OR\s+REPLACE\s+)?SEQUENCE\b/i;
const CREATE_TABLE_RE = /^(?:\/\*!\d+\s*)?CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?TABLE\b/i;

export class DumpPassResult {
  constructor(
    readonly schema: TableSchemaMap,
    /** The wanted table's CREATE TABLE, when the dump has it. */
    readonly createSql: string | undefined,
    private readonly spool: Spool | undefined,
    /** The wanted table's rows are all in the spool (false: too large, read the dump again). */
    readonly complete: boolean,
    /** The FLOAT fixup statements that follow the table's data. */
    private readonly fixupTexts: readonly string[],
    /** The table's INSERTs were written in a session time zone other than UTC (--skip-tz-utc). */
    readonly nonUtcInserts: boolean,
  ) {}

  /** The spooled rows, parsed with the table's codecs, FLOAT fixups applied. */
  async rows(codecs: readonly ColumnCodec[], name: QualifiedName, onRow: (row: RowImage) => Promise<void>): Promise<void> {
    if (!this.complete) throw new Error('internal: the spool is incomplete');
    if (this.nonUtcInserts && codecs.some((c) => c.kind === 'timestamp')) throw nonUtcError(name);
    const fixups = new FloatFixups(codecs);
    for (const t of this.fixupTexts) fixups.add(t);
    if (this.spool === undefined) return;
    await readSpool(this.spool, codecs, name, fixups, onRow);
  }

  async dispose(): Promise<void> {
    await this.spool?.dispose();
  }
}

/** INSERT statements copied to a temporary file: [u32 length, u32 line, bytes]… */
export class Spool {
  bytes = 0;
  private constructor(
    private readonly dir: string,
    readonly fh: FileHandle,
  ) {}

  static async create(): Promise<Spool> {
    const dir = await mkdtemp(join(tmpdir(), 'pitr-restore-table-'));
    return new Spool(dir, await open(join(dir, 'rows'), 'w+'));
  }

  async add(bytes: Buffer, line: number): Promise<void> {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(bytes.length, 0);
    head.writeUInt32LE(line, 4);
    await this.fh.write(head, 0, 8, this.bytes);
    await this.fh.write(bytes, 0, bytes.length, this.bytes + 8);
    this.bytes += 8 + bytes.length;
  }

  async dispose(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Parses the spooled INSERTs in order. */
export async function readSpool(spool: Spool, codecs: readonly ColumnCodec[], name: QualifiedName, fixups: FloatFixups, onRow: (row: RowImage) => Promise<void>): Promise<void> {
  const place = { line: 0, table: showName(name) };
  const pending: RowImage[] = [];
  const head = Buffer.alloc(8);
  let off = 0;
  while (off < spool.bytes) {
    await spool.fh.read(head, 0, 8, off);
    const len = head.readUInt32LE(0);
    place.line = head.readUInt32LE(4);
    const bytes = Buffer.allocUnsafe(len);
    await spool.fh.read(bytes, 0, len, off + 8);
    off += 8 + len;
    parseInsertRows(bytes, codecs, place, (row) => pending.push(row));
    for (const row of pending) {
      if (fixups.size > 0) fixups.apply(row);
      await onRow(row);
    }
    pending.length = 0;
  }
}

export function nonUtcError(name: QualifiedName): PitrError {
  return new PitrError('PLAN', `the dump writes TIMESTAMP values in a session time zone other than UTC (--skip-tz-utc): restore-table cannot read ${showName(name)} exactly`, {
    hints: ['take dumps with the default --tz-utc (pitr backup does)'],
  });
}

/**
 * Decompressed bytes gunzip may run ahead of the splitter. The dump pass shares the main thread
 * with the binlog prefilter: with zlib's default buffering, gunzip (on libuv's thread pool) stalls
 * whenever the main thread is busy with a batch of binlog events; with room for 32 MiB it keeps
 * decompressing meanwhile (measured on a 1.1 GB dump: first pass 6.1 s → see the file comment).
 */
const GUNZIP_AHEAD_BYTES = 32 << 20;

/** The dump's bytes: a gzip dump is decompressed here, with room to run ahead (GUNZIP_AHEAD_BYTES). */
async function* dumpBytes(path: string): AsyncGenerator<Uint8Array> {
  const head = Buffer.alloc(2);
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw new PitrError('IO', `cannot read dump ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  });
  let gz: boolean;
  try {
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    gz = bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  if (!gz) {
    try {
      for await (const c of file as AsyncIterable<Buffer>) yield c;
    } finally {
      file.destroy();
    }
    return;
  }
  const gunzip = createGunzip({ chunkSize: 1 << 20, readableHighWaterMark: GUNZIP_AHEAD_BYTES } as import('node:zlib').ZlibOptions);
  file.on('error', (e) => gunzip.destroy(e));
  file.pipe(gunzip);
  try {
    for await (const c of gunzip as AsyncIterable<Buffer>) yield c;
  } catch (e) {
    if (e instanceof PitrError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new PitrError('DUMP_CORRUPT', `the dump ${path} is damaged: ${msg} (its gzip data fails its check or ends early)`, {
      hints: ['a repository backup: pitr verify --repo … checks every backup; restore from another one', 'a copied file: copy it again and compare its checksum'],
      cause: e,
    });
  } finally {
    file.destroy();
    gunzip.destroy();
  }
}

/** Reads the dump once (see the file comment). */
export async function dumpPass(dump: string, name: QualifiedName, defaultFlavor: Flavor, onProgress?: (done: number, total: number) => void, totalBytes = 0): Promise<DumpPassResult> {
  const schema = new TableSchemaMap();
  let flavor: Flavor = defaultFlavor;
  let headerDb: string | undefined;
  let createSql: string | undefined;
  let spool: Spool | undefined;
  let overflow = false;
  let inTable = false;
  let sectionOver = false;
  let timeZoneUtc = true;
  let nonUtcInserts = false;
  const fixupTexts: string[] = [];
  const onComment = (text: string): void => {
    // the same headers schemaFromDump reads: the server's flavor, the database of a one-database dump
    const server = /^-- Server version\s+(.*)$/.exec(text);
    if (server !== null) flavor = /mariadb/i.test(server[1]!) ? 'mariadb' : 'mysql';
    const host = /^-- Host: .*?\bDatabase: (.+)$/.exec(text);
    const hostDb = host?.[1]?.trim();
    if (hostDb !== undefined && hostDb !== '' && headerDb === undefined) headerDb = hostDb;
  };
  try {
    let n = 0;
    for await (const s of dumpStatements(dumpBytes(dump), { onComment })) {
      if ((++n & 1023) === 0) onProgress?.(totalBytes === 0 ? s.offset : Math.min(s.offset, totalBytes), totalBytes);
      const kind = s.kind;
      if (kind === 'insert') {
        if (s.table !== name.table || (s.db !== undefined && s.db !== name.db) || sectionOver) {
          if (inTable) sectionOver = true;
          continue;
        }
        inTable = true;
        if (!timeZoneUtc) nonUtcInserts = true;
        if (overflow) continue;
        spool ??= await Spool.create();
        if (spool.bytes + s.bytes.length > SPOOL_MAX_BYTES) {
          overflow = true;
          await spool.dispose();
          spool = undefined;
          continue;
        }
        await spool.add(s.bytes, s.line);
        continue;
      }
      if (kind === 'set') {
        if (s.bytes.length < 400 && /TIME_ZONE\s*=/i.test(s.bytes.toString('latin1', 0, Math.min(200, s.bytes.length)))) timeZoneUtc = /TIME_ZONE\s*=\s*'\+00:00'/i.test(s.text());
        continue;
      }
      if (kind === 'create-table') {
        const sql = s.text();
        const db = s.db ?? headerDb;
        try {
          if (CREATE_SEQUENCE_RE.test(sql)) schema.add(parseCreateSequence(sql, db));
          else if (CREATE_TABLE_RE.test(sql)) schema.add(parseCreateTable(sql, db, { flavor }));
        } catch (e) {
          if (e instanceof PitrError) throw new PitrError('SCHEMA', `${dump}: ${e.message}`, { hints: e.hints, cause: e });
          throw e;
        }
        if (s.table === name.table && (s.db === undefined || s.db === name.db) && createSql === undefined) createSql = sql;
      }
      if (!inTable || sectionOver) continue;
      // after the table's INSERTs: its FLOAT fixups, then whatever comes next ends its section
      if (kind === 'other' && isFloatFixup(s.bytes)) {
        fixupTexts.push(s.text());
        continue;
      }
      if (kind === 'lock' || (kind === 'other' && /^\s*(\/\*!\d+\s*)?ALTER TABLE/i.test(s.bytes.toString('latin1', 0, 60)))) continue;
      sectionOver = true;
    }
    if (totalBytes > 0) onProgress?.(totalBytes, totalBytes);
  } catch (e) {
    await spool?.dispose();
    throw e;
  }
  return new DumpPassResult(schema, createSql, spool, !overflow, fixupTexts, nonUtcInserts);
}
