/**
 * The cached source of the replay benchmark (bench-replay.ts): a full dump plus the binlogs of a
 * sysbench-style write workload that followed it, and a checksum of every table at the end.
 *
 * Workload (sysbench `oltp_write_only` shape, https://github.com/akopytov/sysbench `oltp_common.lua`):
 * tables `sbtest1..4` (`id INT PK AUTO_INCREMENT, k INT, c CHAR(120), pad CHAR(60), KEY(k)`), a
 * modest prepare load, then the dump (`mariadb-dump --single-transaction --master-data=2 --gtid
 * --routines --triggers --events --hex-blob --databases sbtest`), then N transactions, each
 * `BEGIN; UPDATE k = k + 1 by id; UPDATE c by id; DELETE by id; INSERT the same id; COMMIT` on a
 * random table and id, from 4 concurrent client connections. The source is a throwaway mariadbd
 * (tools/src/server.ts) with binlog_format=ROW, the server's default binlog_row_metadata and
 * max_binlog_size=64 MiB, so the replay spans several files.
 *
 * Generation is fast (~1 min for 300,000 transactions on 2 cores): the prepare rows are made
 * server-side (`INSERT … SELECT … FROM seq_1_to_N`, MariaDB's Sequence engine), the transactions
 * go 50 to a multi-statement round trip, and the source relaxes durability
 * (`innodb_flush_log_at_trx_commit=0`, `sync_binlog=0`): none of that changes what is logged.
 *
 * Cache: `<cacheRoot>/<WORKLOAD_VERSION>-<server version>-<N>/` holds dump.sql, binlogs/ and
 * meta.json, which is written last and so marks a complete entry.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { mariadbBinaries, startServer, type TestServer } from '../src/index.js';
import { clientConfigText, completeWorkload, defaultCacheRoot, slug, type CachedWorkload } from './workload-cache.js';
export { clientConfigText, defaultCacheRoot } from './workload-cache.js';

/** Bump when the workload, its generator or the meta layout changes: old entries are not reused. */
export const WORKLOAD_VERSION = 'replay-sysbench-v2';
export const TABLES = 4;
export const ROWS_PER_TABLE = 10_000;
export const CLIENTS = 4;
/** Transactions per multi-statement round trip while generating. */
const TRX_PER_BATCH = 50;
export const SOURCE_MAX_BINLOG_SIZE = 64 << 20;
/** mysqld error codes a concurrent writer may hit and retry: ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT. */
const RETRYABLE = new Set([1213, 1205]);

export interface TableChecksum {
  rows: number;
  checksum: string;
}

export interface ReplayWorkloadMeta {
  workloadVersion: string;
  serverVersion: string;
  /** Transactions asked for. */
  transactionsRequested: number;
  /** Transactions the source committed after the dump (its GTID sequence advanced by this much). */
  transactions: number;
  /** Batches sent again after a deadlock / lock wait timeout (their transactions count again). */
  retries: number;
  tables: number;
  rowsPerTable: number;
  clients: number;
  dump: string;
  dumpBytes: number;
  /** The dump's coordinates, as SHOW MASTER STATUS reported them when the dump was taken. */
  dumpBinlogFile: string;
  dumpBinlogPos: number;
  dumpGtid: string;
  /** Binlog files in order, relative to the entry's binlogs/ dir. */
  binlogs: { name: string; bytes: number }[];
  binlogBytes: number;
  /** CHECKSUM TABLE and COUNT(*) of every table on the source after the workload. */
  checksums: Record<string, TableChecksum>;
  sourceOptions: string;
  generationMs: number;
  createdAt: string;
}

export type ReplayWorkload = CachedWorkload<ReplayWorkloadMeta>;

/** A small seeded PRNG (mulberry32): each client's statements are reproducible, their interleaving is not. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** sysbench's `c`/`pad` values: groups of 11 digits joined by '-'. */
function sysbenchText(rand: () => number, len: number): string {
  let s = '';
  while (s.length < len) s += `${String(Math.floor(rand() * 1e11)).padStart(11, '0')}-`;
  return s.slice(0, len);
}

/** COUNT(*) and CHECKSUM TABLE of sbtest1..N. */
export async function tableChecksums(server: TestServer): Promise<Record<string, TableChecksum>> {
  const out: Record<string, TableChecksum> = {};
  for (let t = 1; t <= TABLES; t++) {
    const [r] = await server.query<{ Checksum: string | number | null }[]>(`CHECKSUM TABLE sbtest.sbtest${t}`);
    const [n] = await server.query<{ n: string | number }[]>(`SELECT COUNT(*) AS n FROM sbtest.sbtest${t}`);
    out[`sbtest${t}`] = { rows: Number(n?.n ?? -1), checksum: String(r?.Checksum ?? 'NULL') };
  }
  return out;
}

function gtidSeq(pos: string): number {
  // one domain, one server: "0-<server id>-<seq>"
  const m = /(\d+)-(\d+)-(\d+)\s*$/.exec(pos);
  return m ? Number(m[3]) : 0;
}

function run(cmd: string, args: string[], stdoutFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = openSync(stdoutFile, 'w');
    const child = spawn(cmd, args, { stdio: ['ignore', fd, 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 16_384) stderr += d.toString();
    });
    child.on('error', (e) => {
      closeSync(fd);
      reject(e);
    });
    child.on('close', (code) => {
      closeSync(fd);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} exited with ${code}:\n${stderr}`));
    });
  });
}

/** Returns the cached workload of `transactions` transactions, generating it when absent. */
export async function ensureReplayWorkload(options: { transactions: number; cacheRoot?: string; log?: (line: string) => void }): Promise<ReplayWorkload> {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const { transactions } = options;
  const cacheRoot = options.cacheRoot ?? defaultCacheRoot();
  const serverVersion = mariadbBinaries().version.replace(/^.*Ver\s+/, '').split(/\s/)[0] ?? 'unknown';
  const dir = join(cacheRoot, `${WORKLOAD_VERSION}-${slug(serverVersion)}-${transactions}`);
  const cached = await completeWorkload<ReplayWorkloadMeta>(dir, WORKLOAD_VERSION);
  if (cached) {
    log(`source: reusing ${dir}`);
    return cached;
  }

  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'binlogs'), { recursive: true });
  const t0 = Date.now();
  const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  log(`source: generating ${TABLES} tables × ${ROWS_PER_TABLE} rows, a full dump, then ${transactions} transactions from ${CLIENTS} clients into ${dir}`);
  const sourceOptions = { maxBinlogSize: SOURCE_MAX_BINLOG_SIZE, extra: ['--innodb-flush-log-at-trx-commit=0', '--sync-binlog=0'] };
  const source = await startServer(sourceOptions);
  try {
    await source.query('CREATE DATABASE sbtest');
    for (let t = 1; t <= TABLES; t++) {
      await source.query(
        `CREATE TABLE sbtest.sbtest${t} (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', ` +
          `pad CHAR(60) NOT NULL DEFAULT '', PRIMARY KEY (id), KEY k_${t} (k)) ENGINE=InnoDB`,
      );
      await source.query(
        `INSERT INTO sbtest.sbtest${t} (k, c, pad) SELECT FLOOR(1 + RAND() * ${ROWS_PER_TABLE}), ` +
          `SUBSTRING(REPEAT(CONCAT(LPAD(FLOOR(RAND() * 1e11), 11, '0'), '-'), 10), 1, 119), ` +
          `SUBSTRING(REPEAT(CONCAT(LPAD(FLOOR(RAND() * 1e11), 11, '0'), '-'), 5), 1, 59) FROM sbtest.seq_1_to_${ROWS_PER_TABLE}`,
      );
    }
    log(`source: prepared (${elapsed()})`);

    const cnf = join(dir, 'source.cnf');
    await writeFile(cnf, clientConfigText(source), { mode: 0o600 });
    const dumpFile = join(dir, 'dump.sql');
    try {
      // --defaults-extra-file must be the first option
      await run(
        'mariadb-dump',
        [`--defaults-extra-file=${cnf}`, '--single-transaction', '--master-data=2', '--gtid', '--routines', '--triggers', '--events', '--hex-blob', '--databases', 'sbtest'],
        dumpFile,
      );
    } finally {
      await rm(cnf, { force: true });
    }
    const [m] = await source.query<{ File: string; Position: string | number }[]>('SHOW MASTER STATUS');
    const [g0] = await source.query<{ g: string }[]>('SELECT @@global.gtid_binlog_pos AS g');
    log(`source: dumped (${elapsed()}), at ${m!.File}:${String(m!.Position)}, GTID ${g0!.g}`);

    let sent = 0;
    let retries = 0;
    let lastReport = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, w) => {
        const rand = prng(0x5eed + w);
        const int = (n: number): number => 1 + Math.floor(rand() * n);
        const conn = await source.connect();
        try {
          const mine = Math.floor(transactions / CLIENTS) + (w < transactions % CLIENTS ? 1 : 0);
          for (let i = 0; i < mine; i += TRX_PER_BATCH) {
            const n = Math.min(TRX_PER_BATCH, mine - i);
            let sql = '';
            for (let j = 0; j < n; j++) {
              const t = int(TABLES);
              const id = int(ROWS_PER_TABLE);
              sql +=
                `BEGIN; UPDATE sbtest.sbtest${t} SET k = k + 1 WHERE id = ${id}; ` +
                `UPDATE sbtest.sbtest${t} SET c = '${sysbenchText(rand, 119)}' WHERE id = ${id}; ` +
                `DELETE FROM sbtest.sbtest${t} WHERE id = ${id}; ` +
                `INSERT INTO sbtest.sbtest${t} (id, k, c, pad) VALUES (${id}, ${int(ROWS_PER_TABLE)}, '${sysbenchText(rand, 119)}', '${sysbenchText(rand, 59)}'); COMMIT;`;
            }
            for (;;) {
              try {
                await conn.query(sql);
                break;
              } catch (e) {
                const errno = (e as { errno?: number }).errno;
                if (errno === undefined || !RETRYABLE.has(errno)) throw e;
                // The failed transaction was rolled back and the rest of the batch not run; the
                // batch goes again whole (its committed transactions happen twice: still a valid
                // workload, and the count below comes from the GTID sequence, not from us).
                retries++;
                await conn.query('ROLLBACK');
              }
            }
            sent += n;
            if (Date.now() - lastReport > 5000) {
              lastReport = Date.now();
              log(`source: ${sent} / ${transactions} transactions (${elapsed()})`);
            }
          }
        } finally {
          await conn.end();
        }
      }),
    );
    const [g1] = await source.query<{ g: string }[]>('SELECT @@global.gtid_binlog_pos AS g');
    await source.flushLogs();
    const [v] = await source.query<{ v: string }[]>('SELECT VERSION() AS v');
    const checksums = await tableChecksums(source);
    log(`source: ${transactions} transactions done (${elapsed()}), ${retries} batch retries; checksums taken`);

    const binlogs: { name: string; bytes: number }[] = [];
    for (const f of await source.binlogFiles()) {
      const name = basename(f);
      await copyFile(f, join(dir, 'binlogs', name));
      binlogs.push({ name, bytes: (await stat(join(dir, 'binlogs', name))).size });
    }
    const meta: ReplayWorkloadMeta = {
      workloadVersion: WORKLOAD_VERSION,
      serverVersion: v!.v,
      transactionsRequested: transactions,
      transactions: gtidSeq(g1!.g) - gtidSeq(g0!.g),
      retries,
      tables: TABLES,
      rowsPerTable: ROWS_PER_TABLE,
      clients: CLIENTS,
      dump: 'dump.sql',
      dumpBytes: (await stat(dumpFile)).size,
      dumpBinlogFile: m!.File,
      dumpBinlogPos: Number(m!.Position),
      dumpGtid: g0!.g,
      binlogs,
      binlogBytes: binlogs.reduce((n, b) => n + b.bytes, 0),
      checksums,
      sourceOptions: JSON.stringify(sourceOptions),
      generationMs: Date.now() - t0,
      createdAt: new Date().toISOString(),
    };
    await writeFile(join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
    log(`source: generated in ${elapsed()}: dump ${(meta.dumpBytes / 1048576).toFixed(1)} MiB, ${binlogs.length} binlog files, ${(meta.binlogBytes / 1048576).toFixed(1)} MiB`);
    return { dir, dumpFile, binlogDir: join(dir, 'binlogs'), binlogFiles: binlogs.map((b) => join(dir, 'binlogs', b.name)), meta, reused: false };
  } finally {
    await source.stop();
  }
}
