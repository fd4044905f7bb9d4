/**
 * The cached source of the granular benchmark (bench-granular.ts): a gzipped full dump of MANY
 * tables and the binlogs of large-row UPDATEs spread over all of them after it, with one record of
 * one table changed now and then, its state recorded at a late target.
 *
 * Shape:
 * - database `gbench`, TABLES tables `g01…gNN` (`id INT PK, k INT, c VARCHAR(255), pad TEXT,
 *   note VARCHAR(64) NULL`), rows made server-side (`INSERT … SELECT … FROM seq_1_to_N`, MariaDB's
 *   Sequence engine) with `sql_log_bin=0` (the load is in the dump, not in the binlogs), ~0.9 kB a
 *   row of hex text (gzip gets ~2:1 on it, as on real data, not 100:1 as on repeated text);
 * - the dump: `mariadb-dump --single-transaction --master-data=2 --gtid --hex-blob --databases
 *   gbench | gzip`;
 * - then UPDATEs of RANGE_ROWS consecutive rows of a random table (new `c`/`pad`: FULL row images
 *   of ~0.9 kB before and after) until the binlogs hold the asked size; every RECORD_EVERY
 *   statements the record `RECORD_TABLE`.id = RECORD_ID changes too (its history), and once the
 *   binlogs are TARGET_FRACTION full, right after such a change, the GTID of that transaction is
 *   the target and the record's row (and an MD5 over it, computed by the server) is recorded;
 *   the record keeps changing after it, so a wrong target gives a different row.
 * The source is a throwaway mariadbd (tools/src/server.ts) with max_binlog_size=256 MiB and relaxed
 * durability (nothing of that changes what is logged). Only the binlog files from the dump's
 * coordinates on are kept.
 *
 * Cache: `<cacheRoot>/<WORKLOAD_VERSION>-<server version>-<dump MB>-<binlog MB>/` holds dump.sql.gz,
 * binlogs/ and meta.json, which is written last and so marks a complete entry.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { dumpCoordinates } from '@pitr/core';
import { mariadbBinaries, startServer } from '../src/index.js';
import { clientConfigText, completeWorkload, defaultCacheRoot, slug, type CachedWorkload } from './workload-cache.js';
import { shellQuote } from './bench-util.js';
export { clientConfigText, defaultCacheRoot } from './workload-cache.js';

/** Bump when the workload, its generator or the meta layout changes: old entries are not reused. */
export const WORKLOAD_VERSION = 'granular-v2';
export const DB = 'gbench';
export const TABLES = 32;
/** The restored table: the last one the dump writes (every other table's data comes before it). */
export const RECORD_TABLE = `g${String(TABLES).padStart(2, '0')}`;
export const RECORD_ID = 4242;
/** Rows one UPDATE of the binlog workload changes. */
const RANGE_ROWS = 200;
/** The record changes every this many UPDATEs. */
const RECORD_EVERY = 10;
/** Where in the binlogs the target is (fraction of the asked binlog size). */
const TARGET_FRACTION = 0.93;
/** Bytes a row takes in the dump (measured: id, k, 192 + 640 hex characters, note, punctuation). */
const DUMP_BYTES_PER_ROW = 860;
export const SOURCE_MAX_BINLOG_SIZE = 256 << 20;

/** The record's columns, hashed by the server the same way on the source and on any restore. */
export const ROW_HASH_SQL = "MD5(CONCAT_WS('|', id, k, c, pad, IFNULL(note, '\\\\N')))";

export interface GranularWorkloadMeta {
  workloadVersion: string;
  serverVersion: string;
  tables: number;
  rowsPerTable: number;
  dump: string;
  /** Bytes of dump.sql.gz, and of the SQL it holds. */
  dumpBytes: number;
  dumpUncompressedBytes: number;
  dumpBinlogFile: string;
  dumpBinlogPos: number;
  dumpGtid: string;
  binlogs: { name: string; bytes: number }[];
  binlogBytes: number;
  /** UPDATE statements (transactions) after the dump, and row changes they made. */
  statements: number;
  rowChanges: number;
  record: {
    db: string;
    table: string;
    id: number;
    /** The target: the transaction that last changed the record before it (inclusive). */
    targetGtid: string;
    /** Binlog bytes written before the target (of binlogBytes). */
    targetBinlogOffset: number;
    /** The row at the target, as the server returns it, and the server's MD5 over it (ROW_HASH_SQL). */
    row: Record<string, string | number | null>;
    hash: string;
    /** Versions of the record in the binlogs before the target, and after it. */
    changesBefore: number;
    changesAfter: number;
    /** The row at the end of the binlogs (differs from `row`). */
    finalHash: string;
  };
  sourceOptions: string;
  generationMs: number;
  createdAt: string;
}

export type GranularWorkload = CachedWorkload<GranularWorkloadMeta>;

function sh(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -o pipefail; ${script}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 16_384) err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script.slice(0, 200)} exited with ${code}:\n${err}`))));
  });
}

function cacheDir(cacheRoot: string, dumpMB: number, binlogMB: number): string {
  const serverVersion = mariadbBinaries().version.replace(/^.*Ver\s+/, '').split(/\s/)[0] ?? 'unknown';
  return join(cacheRoot, `${WORKLOAD_VERSION}-${slug(serverVersion)}-${dumpMB}-${binlogMB}`);
}

/** Whether the cache already holds this size (no disk needed to generate it). */
export async function cachedGranularWorkload(options: { dumpMB: number; binlogMB: number; cacheRoot?: string }): Promise<GranularWorkload | undefined> {
  return completeWorkload<GranularWorkloadMeta>(cacheDir(options.cacheRoot ?? defaultCacheRoot(), options.dumpMB, options.binlogMB), WORKLOAD_VERSION);
}

/** Returns the cached workload of about `dumpMB` MB of dump SQL and `binlogMB` MB of binlogs, generating it when absent. */
export async function ensureGranularWorkload(options: { dumpMB: number; binlogMB: number; cacheRoot?: string; log?: (line: string) => void }): Promise<GranularWorkload> {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const { dumpMB, binlogMB } = options;
  const dir = cacheDir(options.cacheRoot ?? defaultCacheRoot(), dumpMB, binlogMB);
  const cached = await completeWorkload<GranularWorkloadMeta>(dir, WORKLOAD_VERSION);
  if (cached) {
    log(`source: reusing ${dir}`);
    return cached;
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'binlogs'), { recursive: true });
  const t0 = Date.now();
  const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const rowsPerTable = Math.max(RECORD_ID + RANGE_ROWS, Math.round((dumpMB * 1e6) / DUMP_BYTES_PER_ROW / TABLES));
  log(`source: generating ${TABLES} tables × ${rowsPerTable} rows (~${dumpMB} MB of dump), then ~${binlogMB} MB of binlogs, into ${dir}`);
  const sourceOptions = {
    maxBinlogSize: SOURCE_MAX_BINLOG_SIZE,
    extra: ['--innodb-flush-log-at-trx-commit=0', '--sync-binlog=0', '--innodb-buffer-pool-size=1G', '--innodb-log-file-size=512M'],
  };
  const source = await startServer(sourceOptions);
  try {
    const conn = await source.connect();
    try {
      await conn.query(`CREATE DATABASE ${DB}`);
      // the initial load is what the dump holds: keep it out of the binlogs
      await conn.query('SET SESSION sql_log_bin = 0');
      for (let t = 1; t <= TABLES; t++) {
        const name = `g${String(t).padStart(2, '0')}`;
        await conn.query(
          `CREATE TABLE ${DB}.${name} (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, c VARCHAR(255) NOT NULL, pad TEXT NOT NULL, note VARCHAR(64) NULL) ENGINE=InnoDB`,
        );
        await conn.query(
          `INSERT INTO ${DB}.${name} (id, k, c, pad, note) SELECT seq, FLOOR(RAND() * 1000000), ` +
            `CONCAT(SHA2(RAND(), 256), SHA2(RAND(), 256), SHA2(RAND(), 256)), ` +
            `CONCAT(SHA2(RAND(), 512), SHA2(RAND(), 512), SHA2(RAND(), 512), SHA2(RAND(), 512), SHA2(RAND(), 512)), ` +
            `IF(seq % 7 = 0, NULL, CONCAT('n', seq)) FROM ${DB}.seq_1_to_${rowsPerTable}`,
        );
        if (t % 8 === 0) log(`source: ${t} / ${TABLES} tables loaded (${elapsed()})`);
      }
      await conn.query('SET SESSION sql_log_bin = 1');
      await source.flushLogs();

      const cnf = join(dir, 'source.cnf');
      await writeFile(cnf, clientConfigText(source), { mode: 0o600 });
      const dumpFile = join(dir, 'dump.sql.gz');
      try {
        // --defaults-extra-file must be the first option
        await sh(
          `mariadb-dump --defaults-extra-file=${shellQuote(cnf)} --single-transaction --master-data=2 --gtid --hex-blob --databases ${DB} | gzip -c > ${shellQuote(dumpFile)}`,
        );
      } finally {
        await rm(cnf, { force: true });
      }
      const coords = await dumpCoordinates(dumpFile);
      if (coords.binlog === undefined) throw new Error('the dump has no binlog coordinates');
      const [g0] = await source.query<{ g: string }[]>('SELECT @@global.gtid_binlog_pos AS g');
      const dumpUncompressedBytes = Number((await sh(`gzip -dc ${shellQuote(dumpFile)} | wc -c`)).trim());
      log(`source: dumped (${elapsed()}): ${(dumpUncompressedBytes / 1e6).toFixed(0)} MB of SQL, ${((await stat(dumpFile)).size / 1e6).toFixed(0)} MB gzipped, at ${coords.binlog.file}:${coords.binlog.pos}`);

      // the binlog workload
      const binlogBytes = async (): Promise<number> => {
        const rows = await source.query<{ File_size: string | number }[]>('SHOW BINARY LOGS');
        return rows.reduce((n, r) => n + Number(r.File_size), 0);
      };
      const base = await binlogBytes();
      const wantBytes = binlogMB * 1e6;
      let seed = 1;
      const rand = (): number => {
        // mulberry32: the same statement sequence on every generation
        seed = (seed + 0x6d2b79f5) >>> 0;
        let x = seed;
        x = Math.imul(x ^ (x >>> 15), x | 1);
        x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
        return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
      };
      const recordSql = (v: number): string =>
        `UPDATE ${DB}.${RECORD_TABLE} SET k = k + 1, note = 'version ${v}', c = CONCAT(SHA2(RAND(), 256), SHA2(RAND(), 256), SHA2(RAND(), 256)) WHERE id = ${RECORD_ID}`;
      let statements = 0;
      let rowChanges = 0;
      let versions = 0;
      let target: GranularWorkloadMeta['record'] | undefined;
      let written = 0;
      let lastReport = Date.now();
      for (let i = 0; written < wantBytes || target === undefined; i++) {
        const t = 1 + Math.floor(rand() * TABLES);
        const first = 1 + Math.floor(rand() * (rowsPerTable - RANGE_ROWS));
        const r = await conn.query(
          `UPDATE ${DB}.g${String(t).padStart(2, '0')} SET k = k + 1, c = CONCAT(SHA2(RAND(), 256), SHA2(RAND(), 256), SHA2(RAND(), 256)), ` +
            `pad = CONCAT(SHA2(RAND(), 512), SHA2(RAND(), 512), SHA2(RAND(), 512), SHA2(RAND(), 512), SHA2(RAND(), 512)) WHERE id BETWEEN ${first} AND ${first + RANGE_ROWS - 1}`,
        );
        statements++;
        rowChanges += Number((r[0] as { affectedRows?: number }).affectedRows ?? 0);
        if (i % RECORD_EVERY === RECORD_EVERY - 1) {
          await conn.query(recordSql(++versions));
          statements++;
          rowChanges++;
          written = (await binlogBytes()) - base;
          if (target === undefined && written >= wantBytes * TARGET_FRACTION) {
            const [g] = await source.query<{ g: string }[]>('SELECT @@global.gtid_binlog_pos AS g');
            const [row] = await source.query<Record<string, string | number | null>[]>(`SELECT id, k, c, pad, note, ${ROW_HASH_SQL} AS h FROM ${DB}.${RECORD_TABLE} WHERE id = ${RECORD_ID}`);
            const { h, ...values } = row!;
            target = { db: DB, table: RECORD_TABLE, id: RECORD_ID, targetGtid: g!.g, targetBinlogOffset: written, row: values, hash: String(h), changesBefore: versions, changesAfter: 0, finalHash: '' };
            log(`source: target gtid:${g!.g} after ${(written / 1e6).toFixed(0)} MB of binlogs, record version ${versions} (${elapsed()})`);
          }
          if (Date.now() - lastReport > 10_000) {
            lastReport = Date.now();
            log(`source: ${(written / 1e6).toFixed(0)} / ${binlogMB} MB of binlogs, ${statements} statements (${elapsed()})`);
          }
        }
      }
      if (target === undefined) throw new Error('no target was recorded');
      // the record changes after the target too
      await conn.query(recordSql(++versions));
      statements++;
      rowChanges++;
      target.changesAfter = versions - target.changesBefore;
      const [fin] = await source.query<{ h: string }[]>(`SELECT ${ROW_HASH_SQL} AS h FROM ${DB}.${RECORD_TABLE} WHERE id = ${RECORD_ID}`);
      target.finalHash = String(fin!.h);
      await source.flushLogs();
      const [v] = await source.query<{ v: string }[]>('SELECT VERSION() AS v');

      const binlogs: { name: string; bytes: number }[] = [];
      let from = false;
      for (const f of await source.binlogFiles()) {
        const name = basename(f);
        if (name === coords.binlog.file) from = true;
        if (!from) continue;
        await copyFile(f, join(dir, 'binlogs', name));
        binlogs.push({ name, bytes: (await stat(join(dir, 'binlogs', name))).size });
      }
      const meta: GranularWorkloadMeta = {
        workloadVersion: WORKLOAD_VERSION,
        serverVersion: v!.v,
        tables: TABLES,
        rowsPerTable,
        dump: 'dump.sql.gz',
        dumpBytes: (await stat(dumpFile)).size,
        dumpUncompressedBytes,
        dumpBinlogFile: coords.binlog.file,
        dumpBinlogPos: coords.binlog.pos,
        dumpGtid: g0!.g,
        binlogs,
        binlogBytes: binlogs.reduce((n, b) => n + b.bytes, 0),
        statements,
        rowChanges,
        record: target,
        sourceOptions: JSON.stringify(sourceOptions),
        generationMs: Date.now() - t0,
        createdAt: new Date().toISOString(),
      };
      await writeFile(join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
      log(`source: generated in ${elapsed()}: dump ${(meta.dumpUncompressedBytes / 1e6).toFixed(0)} MB (${(meta.dumpBytes / 1e6).toFixed(0)} MB gzipped), ${binlogs.length} binlog files, ${(meta.binlogBytes / 1e6).toFixed(0)} MB`);
      return { dir, dumpFile, binlogDir: join(dir, 'binlogs'), binlogFiles: binlogs.map((b) => join(dir, 'binlogs', b.name)), meta, reused: false };
    } finally {
      await conn.end();
    }
  } finally {
    await source.stop();
  }
}
