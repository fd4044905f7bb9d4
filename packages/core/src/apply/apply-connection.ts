/**
 * The applier's connection to a restore target (mysql2). Statements go to the server as exact
 * bytes: a dump statement or a QUERY event's text is in whatever character set its session used
 * (a latin1 dump without --hex-blob holds raw bytes that are not UTF-8), so the connection is
 * opened with the `binary` character set — mysql2 then writes each JS character as one byte — and
 * text we build is turned into its UTF-8 bytes first. The server-side character set is whatever
 * the replayed session sets (SET NAMES in a dump, the QUERY event's charset variables, or
 * LITERAL_SESSION for row statements); mysql2 must not follow it (see the connection flags).
 */
import { Buffer } from 'node:buffer';
import type mysql from 'mysql2/promise';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import { parseConnectionUrl, redactUrl } from '../sql/connection-url.js';

export interface ApplyConnection {
  /**
   * Runs one statement: text is sent as UTF-8, bytes as they are. Resolves to the rows it affected
   * (matched, for UPDATE: the connection reports found rows) or, for a SELECT, the rows returned.
   */
  run(statement: string | Uint8Array): Promise<number>;
  /**
   * Runs `count` statements sent as one multi-statement query; resolves to each one's count (as
   * run()). Rejects on the first failing statement (those after it did not run).
   */
  runMany(sql: string, count: number): Promise<number[]>;
  /** Runs a query and returns its rows (values as text or bytes; numbers as strings). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface ServerError {
  readonly errno: number | undefined;
  readonly sqlState: string | undefined;
  readonly message: string;
}

/** The server's error number/state/message of a failed statement, or undefined for other failures. */
export function serverErrorOf(e: unknown): ServerError | undefined {
  const err = e as { errno?: number; sqlState?: string; sqlMessage?: string; message?: string; fatal?: boolean };
  if (err === null || typeof err !== 'object' || err.sqlMessage === undefined) return undefined;
  return { errno: err.errno, sqlState: err.sqlState, message: err.sqlMessage };
}

const NON_ASCII = /[^\x00-\x7f]/;

function wire(statement: string | Uint8Array): string {
  if (typeof statement === 'string') return NON_ASCII.test(statement) ? Buffer.from(statement, 'utf8').toString('latin1') : statement;
  return Buffer.from(statement.buffer, statement.byteOffset, statement.byteLength).toString('latin1');
}

/** Opens an applier connection to `url` (see the module comment for why it is binary). */
export async function openApplyConnection(url: string, env?: Readonly<Record<string, string | undefined>>): Promise<ApplyConnection> {
  const opts = parseConnectionUrl(url, env === undefined ? {} : { env });
  let conn: mysql.Connection;
  try {
    const { default: mysqlClient } = await import('mysql2/promise');
    conn = await mysqlClient.createConnection({
      ...(opts.socketPath !== undefined ? { socketPath: opts.socketPath } : { host: opts.host, port: opts.port }),
      user: opts.user,
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      charset: 'BINARY',
      // SESSION_TRACK off: mysql2 follows character_set_client changes reported by the server (SET
      // NAMES, a replayed session) and would re-encode our byte-exact strings; IGNORE_SPACE off: it
      // would add IGNORE_SPACE to the session's sql_mode (and so to triggers/routines created here).
      flags: ['-SESSION_TRACK', '-IGNORE_SPACE'],
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      connectTimeout: 10_000,
      // runMany(): the applier's batches; dump statements and QUERY events are still sent one per query
      multipleStatements: true,
      // statements are complete SQL (no placeholders): skip mysql2's scan for '?' (~6% of our CPU in a replay)
      queryFormat: (sql: string) => sql,
    });
  } catch (e) {
    throw new PitrError(ERROR_CODES.CONNECTION, `cannot connect to the restore target ${redactUrl(url)}: ${(e as Error).message ?? String(e)}`, {
      hints: ['Check host, port or ?socket=, user and password (PITR_PASSWORD) of --to.'],
      cause: e,
    });
  }
  return {
    async run(statement) {
      const [r] = await conn.query(wire(statement));
      if (Array.isArray(r)) return r.length;
      return (r as mysql.ResultSetHeader).affectedRows;
    },
    async runMany(sql, count) {
      const [r] = await conn.query(wire(sql));
      const results = (count === 1 ? [r] : r) as unknown[];
      return results.map((x) => (Array.isArray(x) ? x.length : (x as mysql.ResultSetHeader).affectedRows));
    },
    async rows(sql) {
      const [r] = await conn.query(wire(sql));
      if (!Array.isArray(r)) return [];
      return (r as mysql.RowDataPacket[]).map((row) => ({ ...row }));
    },
    async close() {
      await conn.end().catch(() => conn.destroy());
    },
  };
}
