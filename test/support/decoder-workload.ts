/**
 * Starts a throwaway server, runs the decoder comparison workloads on it (tools' type-torture plus
 * our own mini type workload), flushes the binlog and hands back what the comparisons need.
 */
import { basename } from 'node:path';
import { startServer, typeTorture, type ServerOptions, type TestServer } from '../../tools/src/index.js';
import { miniTypeWorkload } from './mini-type-workload.js';

export interface PreparedServer {
  readonly server: TestServer;
  /** Closed binlog files holding the workload, absolute paths, in order. */
  readonly files: string[];
  /** The file opened by the final FLUSH BINARY LOGS (nothing of the workload is in it). */
  readonly activeFile: string;
  /** Collation id → charset name, from the server's information_schema. */
  readonly charsetOfCollation: Map<number, string>;
  /** What ran, for the test log. */
  readonly summary: string;
}

/** Runs both workloads on a fresh server started with `options`. Caller stops the server. */
export async function prepareServer(options: ServerOptions): Promise<PreparedServer> {
  const server = await startServer(options);
  try {
    const conn = await server.connect();
    let summary: string;
    try {
      const report = await typeTorture(conn, { largeTransactionRows: 1500 });
      for (const sql of miniTypeWorkload()) await conn.query(sql);
      summary = `type-torture: ${report.tables.length} tables, ${report.rowsInserted} rows inserted, ${report.statements} statements; mini workload`;
    } finally {
      await conn.end();
    }
    await server.flushLogs();
    const all = await server.binlogFiles();
    const rows = await server.query<{ ID: number | string; CHARACTER_SET_NAME: string }[]>(
      'SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE ID IS NOT NULL',
    );
    const charsetOfCollation = new Map(rows.map((r) => [Number(r.ID), r.CHARACTER_SET_NAME]));
    return { server, files: all.slice(0, -1), activeFile: basename(all[all.length - 1]!), charsetOfCollation, summary };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
