/**
 * A cached, sysbench-style binlog for the decode benchmark.
 *
 * The workload imitates sysbench `oltp_write_only` (https://github.com/akopytov/sysbench, the
 * `oltp_common.lua` schema): tables `sbtest1..N` with `id INT PK, k INT, c CHAR(120), pad CHAR(60)`,
 * a bulk "prepare" load, then transactions of UPDATE k (index update), UPDATE c (non-index update),
 * DELETE + INSERT of the same id. It runs on a throwaway mariadbd (tools/src/server.ts) with
 * `binlog_row_metadata=FULL` and `binlog_row_image=FULL`, so the binlog is what a production MariaDB
 * configured for PITR writes.
 *
 * Generation is made fast (well under 3 min for 500 MB on 2 cores) by generating the prepare rows
 * server-side (`INSERT … SELECT … FROM seq_1_to_N`, MariaDB's Sequence engine), sending the
 * transactions in multi-statement batches over one connection per table, and relaxing durability
 * (`sync_binlog=0`, `innodb_flush_log_at_trx_commit=0`): none of that changes what is logged.
 *
 * The files are copied into a cache dir keyed by a version string, so repeated benchmark runs reuse
 * them. A `meta.json` written last marks a complete entry.
 */
import { copyFile, mkdir, readFile, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { mariadbBinaries, startServer, type TestServer } from '../src/index.js';
import { defaultCacheRoot, slug } from './workload-cache.js';
export { defaultCacheRoot } from './workload-cache.js';

/** Bump when the workload or server settings change, so stale cache entries are not reused. */
export const WORKLOAD_VERSION = 'sysbench-write-only-v1';

const TABLES = 4;
/** Bytes one prepare row takes in a WRITE_ROWS event (measured: ~190 B incl. event overhead). */
const BYTES_PER_PREPARE_ROW = 190;
/** Share of the target size written by the bulk prepare phase; the rest is OLTP transactions. */
const PREPARE_SHARE = 0.35;
/** Transactions per multi-statement round trip. */
const TRX_PER_BATCH = 50;
/** The OLTP phase stops after this long; the remainder is filled with range updates. */
const OLTP_MAX_MS = 110_000;
/** Server temp dir holds the binlog plus InnoDB data and redo (~0.6 × binlog + 300 MB). */
const SERVER_OVERHEAD_BYTES = 400 * 1024 * 1024;
const MIN_TARGET_BYTES = 32 * 1024 * 1024;

export interface BenchBinlog {
  dir: string;
  files: string[];
  totalBytes: number;
  meta: BenchBinlogMeta;
  reused: boolean;
}

export interface BenchBinlogMeta {
  workloadVersion: string;
  serverVersion: string;
  targetBytes: number;
  totalBytes: number;
  files: string[];
  prepareRows: number;
  oltpTransactions: number;
  rangeUpdates: number;
  generationMs: number;
  createdAt: string;
}

export interface EnsureOptions {
  targetBytes: number;
  cacheRoot?: string;
  log?: (line: string) => void;
}

async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/**
 * Returns the cached binlog for this workload version, server build and size, generating it when
 * absent. Scales the size down (with a message) when the disk cannot hold it.
 */
export async function ensureBenchBinlog(options: EnsureOptions): Promise<BenchBinlog> {
  const log = options.log ?? ((l: string) => console.error(l));
  const cacheRoot = options.cacheRoot ?? defaultCacheRoot();
  await mkdir(cacheRoot, { recursive: true });
  const serverVersion = mariadbBinaries().version.replace(/^.*Ver\s+/, '').split(/\s/)[0] ?? 'unknown';
  let targetBytes = options.targetBytes;

  // Reuse any complete entry of this workload/server at least as large as asked for.
  const prefix = `${WORKLOAD_VERSION}-${slug(serverVersion)}-`;
  for (const name of (await readdir(cacheRoot)).sort()) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(cacheRoot, name);
    const metaPath = join(dir, 'meta.json');
    if (!existsSync(metaPath)) continue;
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as BenchBinlogMeta;
    if (meta.targetBytes < targetBytes) continue;
    const files = meta.files.map((f) => join(dir, f));
    let ok = true;
    let total = 0;
    for (const f of files) {
      try {
        total += (await stat(f)).size;
      } catch {
        ok = false;
      }
    }
    if (ok && total === meta.totalBytes) {
      log(`bench: reusing ${fmtMB(total)} of binlogs from ${dir}`);
      return { dir, files, totalBytes: total, meta, reused: true };
    }
  }

  // Space: the cache copy plus the server's temp dir (binlog, InnoDB data, redo) while generating.
  const tmpFree = await freeBytes(tmpdir());
  const cacheFree = await freeBytes(cacheRoot);
  const sameFs = (await stat(tmpdir())).dev === (await stat(cacheRoot)).dev;
  const need = (t: number): { tmp: number; cache: number } =>
    sameFs
      ? { tmp: Math.ceil(t * 2.7) + SERVER_OVERHEAD_BYTES, cache: Math.ceil(t * 2.7) + SERVER_OVERHEAD_BYTES }
      : { tmp: Math.ceil(t * 1.7) + SERVER_OVERHEAD_BYTES, cache: t };
  const fits = (t: number): boolean => need(t).tmp <= tmpFree && need(t).cache <= cacheFree;
  if (!fits(targetBytes)) {
    let t = targetBytes;
    while (t > MIN_TARGET_BYTES && !fits(t)) t = Math.floor(t * 0.8);
    if (!fits(t)) {
      throw new Error(
        `bench: not enough free disk to generate even ${fmtMB(MIN_TARGET_BYTES)} of binlog ` +
          `(free: ${fmtMB(tmpFree)} in ${tmpdir()}, ${fmtMB(cacheFree)} in ${cacheRoot}). ` +
          'Free some space or set PITR_BENCH_DIR/TMPDIR to a larger disk.',
      );
    }
    log(
      `bench: WARNING: only ${fmtMB(tmpFree)} free in ${tmpdir()} and ${fmtMB(cacheFree)} in ${cacheRoot}; ` +
        `scaling the binlog down from ${fmtMB(targetBytes)} to ${fmtMB(t)}. Figures are less representative.`,
    );
    targetBytes = t;
  }

  const dir = join(cacheRoot, `${prefix}${Math.round(targetBytes / 1024 / 1024)}mb`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const started = Date.now();
  log(`bench: generating ~${fmtMB(targetBytes)} of sysbench-style binlog into ${dir} (one-time; cached)`);

  const server = await startServer({
    binlogRowMetadata: 'FULL',
    binlogRowImage: 'FULL',
    maxBinlogSize: 256 * 1024 * 1024,
    extra: [
      '--innodb-buffer-pool-size=512M',
      '--innodb-log-file-size=256M',
      '--innodb-flush-log-at-trx-commit=0',
      '--sync-binlog=0',
      '--innodb-doublewrite=0',
      '--max-allowed-packet=64M',
    ],
  });
  try {
    const stats = await runWorkload(server, targetBytes, log);
    // Close the current file so every copied file is complete (ends with a ROTATE event); the new
    // current file holds only the file header and is left out.
    await server.flushLogs();
    const all = await server.binlogFiles();
    const closed = all.slice(0, -1);
    const names: string[] = [];
    let total = 0;
    for (const f of closed) {
      const name = basename(f);
      await copyFile(f, join(dir, name));
      total += (await stat(f)).size;
      names.push(name);
    }
    const meta: BenchBinlogMeta = {
      workloadVersion: WORKLOAD_VERSION,
      serverVersion,
      targetBytes,
      totalBytes: total,
      files: names,
      ...stats,
      generationMs: Date.now() - started,
      createdAt: new Date().toISOString(),
    };
    await writeFile(join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    log(
      `bench: generated ${fmtMB(total)} in ${names.length} file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(${stats.prepareRows} prepare rows, ${stats.oltpTransactions} OLTP transactions, ${stats.rangeUpdates} range updates)`,
    );
    return { dir, files: names.map((n) => join(dir, n)), totalBytes: total, meta, reused: false };
  } catch (err) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  } finally {
    await server.stop();
  }
}

interface WorkloadStats {
  prepareRows: number;
  oltpTransactions: number;
  rangeUpdates: number;
}

async function binlogBytes(server: TestServer): Promise<number> {
  let total = 0;
  for (const f of await server.binlogFiles()) {
    try {
      total += (await stat(f)).size;
    } catch {
      // rotated away between listing and stat: cannot happen (no purge), but harmless
    }
  }
  return total;
}

/** A sysbench-like `c`/`pad` value: groups of 11 digits joined by '-' (119 / 59 chars). */
function sbString(groups: number): string {
  let s = '';
  for (let g = 0; g < groups; g++) {
    if (g > 0) s += '-';
    for (let i = 0; i < 11; i++) s += String.fromCharCode(48 + ((Math.random() * 10) | 0));
  }
  return s;
}

function randInt(n: number): number {
  return 1 + Math.floor(Math.random() * n);
}

/** The SQL fragment for a sysbench `c`/`pad` value generated server-side. */
function sqlSbString(groups: number): string {
  const parts: string[] = [];
  for (let g = 0; g < groups; g++) parts.push("LPAD(FLOOR(RAND()*100000000000),11,'0')");
  return `CONCAT_WS('-',${parts.join(',')})`;
}

async function runWorkload(server: TestServer, targetBytes: number, log: (l: string) => void): Promise<WorkloadStats> {
  await server.query('CREATE DATABASE sbtest');
  for (let t = 1; t <= TABLES; t++) {
    // oltp_common.lua's create_table(), InnoDB, secondary index on k.
    await server.query(
      `CREATE TABLE sbtest.sbtest${t} (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL DEFAULT 0, ` +
        `c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', PRIMARY KEY (id), KEY k_${t} (k)) ENGINE=InnoDB`,
    );
  }

  // Prepare: bulk multi-row inserts, one connection per table, 10 000 rows per statement.
  const rowsPerTable = Math.max(1000, Math.floor((targetBytes * PREPARE_SHARE) / BYTES_PER_PREPARE_ROW / TABLES));
  const chunk = 10_000;
  let t0 = Date.now();
  await Promise.all(
    Array.from({ length: TABLES }, async (_, i) => {
      const conn = await server.connect({ database: 'sbtest' });
      try {
        for (let done = 0; done < rowsPerTable; done += chunk) {
          const n = Math.min(chunk, rowsPerTable - done);
          await conn.query(
            `INSERT INTO sbtest${i + 1} (k, c, pad) SELECT FLOOR(1 + RAND()*${rowsPerTable}), ${sqlSbString(10)}, ${sqlSbString(5)} ` +
              `FROM seq_1_to_${n}`,
          );
        }
      } finally {
        await conn.end();
      }
    }),
  );
  log(`bench:   prepare: ${TABLES} × ${rowsPerTable} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s, binlog ${fmtMB(await binlogBytes(server))}`);

  // OLTP write-only transactions until the target size (or the time cap) is reached.
  t0 = Date.now();
  let transactions = 0;
  let stop = false;
  const checker = (async () => {
    while (!stop) {
      await new Promise((r) => setTimeout(r, 500));
      if ((await binlogBytes(server)) >= targetBytes || Date.now() - t0 > OLTP_MAX_MS) stop = true;
    }
  })();
  await Promise.all(
    Array.from({ length: TABLES }, async (_, i) => {
      const table = `sbtest${i + 1}`;
      const conn: Connection = await server.connect({ database: 'sbtest' });
      try {
        while (!stop) {
          let sql = '';
          for (let b = 0; b < TRX_PER_BATCH; b++) {
            const id = randInt(rowsPerTable);
            sql +=
              'BEGIN;' +
              `UPDATE ${table} SET k=k+1 WHERE id=${randInt(rowsPerTable)};` +
              `UPDATE ${table} SET c='${sbString(10)}' WHERE id=${randInt(rowsPerTable)};` +
              `DELETE FROM ${table} WHERE id=${id};` +
              `INSERT INTO ${table} (id, k, c, pad) VALUES (${id}, ${randInt(rowsPerTable)}, '${sbString(10)}', '${sbString(5)}');` +
              'COMMIT;';
          }
          await conn.query(sql);
          transactions += TRX_PER_BATCH;
        }
      } finally {
        await conn.end();
      }
    }),
  );
  stop = true;
  await checker;
  const oltpMs = Date.now() - t0;
  log(
    `bench:   oltp_write_only: ${transactions} transactions in ${(oltpMs / 1000).toFixed(1)} s ` +
      `(${Math.round(transactions / (oltpMs / 1000))}/s), binlog ${fmtMB(await binlogBytes(server))}`,
  );

  // If the time cap hit first, fill up with range updates (big multi-row UPDATE_ROWS events).
  let rangeUpdates = 0;
  while ((await binlogBytes(server)) < targetBytes) {
    const table = `sbtest${1 + (rangeUpdates % TABLES)}`;
    const from = randInt(Math.max(1, rowsPerTable - 5000));
    await server.query(`UPDATE sbtest.${table} SET k=k+1 WHERE id BETWEEN ${from} AND ${from + 4999}`);
    rangeUpdates++;
  }
  if (rangeUpdates > 0) log(`bench:   filled with ${rangeUpdates} range updates of 5000 rows`);
  return { prepareRows: rowsPerTable * TABLES, oltpTransactions: transactions, rangeUpdates };
}

export function fmtMB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
