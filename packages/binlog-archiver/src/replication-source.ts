/**
 * The server whose binlogs are archived: connecting (with clear errors for the usual mistakes),
 * what we need to know about it, its list of binary logs, and dump connections set up so the
 * stream carries the file's bytes unchanged.
 *
 * mysql2 is loaded on first use (importing it costs ~70 ms).
 */
import { ERROR_CODES, PitrError, flavorOfServerVersion, parseConnectionUrl, redactUrl } from '@pitr/core';
import type { ConnectionOptions, Flavor } from '@pitr/core';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { BinlogDumpStream, DumpSocket, startBinlogDump } from './binlog-dump-stream.js';
import { BinlogFileScanner, type BinlogFileStats } from './binlog-file-scanner.js';
import {
  BINLOG_DUMP_NON_BLOCK,
  BINLOG_SEND_ANNOTATE_ROWS_EVENT,
  ER_ACCESS_DENIED_ERROR,
  ER_DBACCESS_DENIED_ERROR,
  ER_SLAVE_SAME_ID,
  ER_SPECIFIC_ACCESS_DENIED_ERROR,
  MARIA_SLAVE_CAPABILITY_GTID,
} from './replication-protocol.js';

export interface SourceServerInfo {
  readonly flavor: Flavor;
  /** VERSION() */
  readonly version: string;
  /** @@server_id of the source. */
  readonly serverId: number;
  /** MySQL @@server_uuid. */
  readonly serverUuid?: string;
  /** @@binlog_format (ROW, MIXED, STATEMENT). */
  readonly binlogFormat: string;
  /** @@binlog_checksum: what every event of the stream ends with. */
  readonly binlogChecksum: 'CRC32' | 'NONE';
}

export interface BinaryLogFile {
  /** Server's file name, e.g. mariadb-bin.000042. */
  readonly name: string;
  /** Its size now (SHOW BINARY LOGS File_size). */
  readonly sizeBytes: number;
}

export interface ConnectSourceOptions {
  /** Where PITR_PASSWORD comes from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly connectTimeoutMs?: number;
}

export interface OpenDumpOptions {
  readonly file: string;
  readonly position: number;
  /** Our replica server id. */
  readonly serverId: number;
  /** Stop at the server's current end (BINLOG_DUMP_NON_BLOCK) instead of waiting for new events. */
  readonly nonBlocking: boolean;
  /** Heartbeat period asked of the server (it sends one when it has nothing else to send). Default 1000 ms. */
  readonly heartbeatMs?: number;
  /** Fail when nothing arrives for this long (default: 3 heartbeats + 10 s). */
  readonly idleTimeoutMs?: number;
  /** Errors say that nothing was written yet (a check before archiving starts). */
  readonly beforeWriting?: boolean;
  /** See BinlogDumpStreamOptions. */
  readonly maxBufferedBytes?: number;
  readonly recycle?: boolean;
  readonly blockMemory?: Uint8Array;
}

const GRANT_HINT = (user: string): string =>
  `grant the archiving user what a replica needs: GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${user}'@'…' (MariaDB 10.5+ also knows REPLICATION CLIENT as BINLOG MONITOR)`;

/** A connection to the source for queries, plus dedicated connections for dumps. */
export class ReplicationSource {
  readonly url: string;
  readonly info: SourceServerInfo;
  readonly #options: ConnectionOptions;
  readonly #connectTimeoutMs: number;
  #conn: Connection | undefined;

  private constructor(url: string, options: ConnectionOptions, connectTimeoutMs: number, conn: Connection, info: SourceServerInfo) {
    this.url = url;
    this.#options = options;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#conn = conn;
    this.info = info;
  }

  /**
   * Connects and reads what the archiver needs to know. Fails with a CONNECTION PitrError for a
   * wrong URL/credentials/unreachable server, and with USAGE when the server writes no binlog.
   */
  static async connect(url: string, options: ConnectSourceOptions = {}): Promise<ReplicationSource> {
    const parsed = parseConnectionUrl(url, options.env === undefined ? {} : { env: options.env });
    const timeout = options.connectTimeoutMs ?? 10_000;
    const conn = await openConnection(url, parsed, timeout);
    try {
      const info = await readServerInfo(conn, url, parsed);
      return new ReplicationSource(url, parsed, timeout, conn, info);
    } catch (e) {
      conn.destroy();
      throw e;
    }
  }

  /** The user name the URL connects as (for hints). */
  get user(): string {
    return this.#options.user;
  }

  /** SHOW BINARY LOGS, in index order. */
  async binaryLogs(): Promise<BinaryLogFile[]> {
    const conn = this.#query();
    let rows: RowDataPacket[];
    try {
      [rows] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS');
    } catch (e) {
      throw sourceError(this.url, e, this.#options, 'SHOW BINARY LOGS failed');
    }
    return rows.map((r) => ({ name: String(r['Log_name']), sizeBytes: Number(r['File_size']) }));
  }

  /**
   * Checks that we may dump binlogs (REPLICATION SLAVE) by starting a dump of the first event of
   * `file` and stopping at once: a missing privilege is reported before anything is written.
   */
  async probeDump(file: string, serverId: number): Promise<void> {
    const stream = await this.openDump({ file, position: 4, serverId, nonBlocking: true, idleTimeoutMs: this.#connectTimeoutMs + 10_000, beforeWriting: true });
    try {
      await stream.next();
    } finally {
      stream.close();
    }
  }

  /**
   * The first events of `file` on the server (FORMAT_DESCRIPTION_EVENT, GTID_LIST /
   * PREVIOUS_GTIDS): who created it and when, and the GTID state before it. This is how a file
   * of the server is matched with the archived file of the same name (RESET MASTER, a rebuilt
   * server) and how the GTID history is chained across files.
   */
  async firstEvents(file: string, serverId: number): Promise<BinlogFileStats> {
    const stream = await this.openDump({ file, position: 4, serverId, nonBlocking: true, idleTimeoutMs: this.#connectTimeoutMs + 10_000 });
    const scanner = new BinlogFileScanner(file);
    let pos = 4;
    try {
      for (let r = await stream.next(); r.done !== true; r = await stream.next()) {
        for (const ev of r.value) {
          const type = ev[4];
          const logPos = ev.length >= 19 ? new DataView(ev.buffer, ev.byteOffset, ev.length).getUint32(13, true) : 0;
          // the artificial ROTATE (log_pos 0) and heartbeats are not in the file
          if (logPos === 0 || type === 27 || type === 41) continue;
          scanner.add(ev, pos);
          pos += ev.length;
          // FDE, then GTID_LIST (MariaDB 163) / PREVIOUS_GTIDS (MySQL 35): all we need
          if (type === 163 || type === 35 || scanner.stats.events >= 3) return scanner.stats;
        }
      }
      return scanner.stats;
    } finally {
      stream.close();
    }
  }

  /**
   * Registered replicas (SHOW SLAVE HOSTS) that use `serverId`: a real replica with our id would
   * end our dump (and we its). Empty when the list cannot be read (privilege): the dump's own
   * error still tells.
   */
  async replicasWithServerId(serverId: number): Promise<string[]> {
    try {
      const [rows] = await this.#query().query<RowDataPacket[]>('SHOW SLAVE HOSTS');
      return rows.filter((r) => Number(r['Server_id']) === serverId).map((r) => `${String(r['Host'] ?? '?')}:${String(r['Port'] ?? '?')}`);
    } catch {
      return [];
    }
  }

  /**
   * A dump on a new connection (the server ends a connection after its dump). The session is set
   * up so that the stream is the file's bytes: checksums as the server writes them, MariaDB
   * capability GTID (nothing rewritten for old replicas) and ANNOTATE_ROWS included.
   */
  async openDump(options: OpenDumpOptions): Promise<BinlogDumpStream> {
    const dumpSocket = new DumpSocket();
    const conn = await openConnection(this.url, this.#options, this.#connectTimeoutMs, options.beforeWriting === true, dumpSocket);
    const heartbeatMs = options.heartbeatMs ?? 1000;
    try {
      // Both spellings: MySQL 8.0.26+ reads @source_*, older servers and MariaDB @master_*.
      await conn.query(
        'SET @master_binlog_checksum = @@global.binlog_checksum, @source_binlog_checksum = @@global.binlog_checksum, ' +
          `@mariadb_slave_capability = ${MARIA_SLAVE_CAPABILITY_GTID}, ` +
          `@master_heartbeat_period = ${BigInt(heartbeatMs) * 1_000_000n}, @source_heartbeat_period = ${BigInt(heartbeatMs) * 1_000_000n}`,
      );
    } catch (e) {
      conn.destroy();
      throw sourceError(this.url, e, this.#options, 'setting up the replication session failed', options.beforeWriting === true);
    }
    const flags = (options.nonBlocking ? BINLOG_DUMP_NON_BLOCK : 0) | (this.info.flavor === 'mariadb' ? BINLOG_SEND_ANNOTATE_ROWS_EVENT : 0);
    return startBinlogDump(
      dumpSocket,
      { file: options.file, position: options.position, serverId: options.serverId, flags },
      {
        idleTimeoutMs: options.idleTimeoutMs ?? 3 * heartbeatMs + 10_000,
        ...(options.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: options.maxBufferedBytes }),
        ...(options.recycle === undefined ? {} : { recycle: options.recycle }),
        ...(options.blockMemory === undefined ? {} : { blockMemory: options.blockMemory }),
        mapError: (e) => sourceError(this.url, e, this.#options, `reading binlog ${options.file} from the server failed`, options.beforeWriting === true),
      },
    );
  }

  async close(): Promise<void> {
    const c = this.#conn;
    this.#conn = undefined;
    if (c !== undefined) await c.end().catch(() => c.destroy());
  }

  #query(): Connection {
    if (this.#conn === undefined) throw new PitrError(ERROR_CODES.INTERNAL, 'the source connection is closed');
    return this.#conn;
  }
}

/** A mysql2 connection; a dump connection runs on `dumpSocket` (see binlog-dump-stream.ts). */
async function openConnection(url: string, opts: ConnectionOptions, connectTimeoutMs: number, beforeWriting = true, dumpSocket?: DumpSocket): Promise<Connection> {
  const { default: mysql } = await import('mysql2/promise');
  try {
    const conn = await mysql.createConnection({
      ...(opts.socketPath !== undefined ? { socketPath: opts.socketPath } : { host: opts.host, port: opts.port }),
      ...(dumpSocket === undefined ? {} : { stream: dumpSocket.connector(opts) }),
      user: opts.user,
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      charset: 'UTF8MB4_GENERAL_CI',
      connectTimeout: connectTimeoutMs,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
    // Errors after a dump (the server closes the connection) must not become unhandled 'error' events.
    conn.on('error', () => undefined);
    return conn;
  } catch (e) {
    throw sourceError(url, e, opts, 'cannot connect', beforeWriting);
  }
}

async function readServerInfo(conn: Connection, url: string, opts: ConnectionOptions): Promise<SourceServerInfo> {
  let row: RowDataPacket | undefined;
  try {
    [[row]] = await conn.query<RowDataPacket[]>(
      'SELECT VERSION() AS version, @@server_id AS serverId, @@log_bin AS logBin, @@binlog_format AS binlogFormat, @@global.binlog_checksum AS binlogChecksum',
    );
  } catch (e) {
    throw sourceError(url, e, opts, 'reading the server settings failed');
  }
  const version = String(row?.['version'] ?? '');
  const flavor = flavorOfServerVersion(version);
  const logBin = String(row?.['logBin'] ?? '0');
  if (logBin !== '1' && logBin.toUpperCase() !== 'ON') {
    throw new PitrError(ERROR_CODES.USAGE, `${redactUrl(url)} does not write a binary log (log_bin is OFF): there is nothing to archive`, {
      hints: ['start the server with --log-bin (and binlog_format=ROW), then run pitr archive again'],
    });
  }
  const checksum = String(row?.['binlogChecksum'] ?? 'NONE').toUpperCase();
  let serverUuid: string | undefined;
  if (flavor === 'mysql') {
    const [[u]] = await conn.query<RowDataPacket[]>('SELECT @@server_uuid AS uuid');
    if (typeof u?.['uuid'] === 'string' && u['uuid'] !== '') serverUuid = u['uuid'];
  }
  return {
    flavor,
    version,
    serverId: Number(row?.['serverId'] ?? 0),
    ...(serverUuid === undefined ? {} : { serverUuid }),
    binlogFormat: String(row?.['binlogFormat'] ?? ''),
    binlogChecksum: checksum === 'CRC32' ? 'CRC32' : 'NONE',
  };
}

interface ServerErrorShape {
  code?: unknown;
  errno?: unknown;
  sqlMessage?: unknown;
  message?: unknown;
}

/** Turns a mysql2/network error into a CONNECTION PitrError that says what to do; never shows the password. */
export function sourceError(
  url: string,
  e: unknown,
  opts: Pick<ConnectionOptions, 'user' | 'password' | 'host' | 'port' | 'socketPath'>,
  what: string,
  beforeWriting = true,
): PitrError {
  if (e instanceof PitrError) return e;
  const err = (typeof e === 'object' && e !== null ? e : {}) as ServerErrorShape;
  const code = typeof err.code === 'string' ? err.code : undefined;
  const errno = typeof err.errno === 'number' ? err.errno : undefined;
  const raw = typeof err.sqlMessage === 'string' ? err.sqlMessage : typeof err.message === 'string' ? err.message : String(e);
  const message = redactSecret(raw, opts.password);
  const where = redactUrl(url);
  const target = opts.socketPath !== undefined ? `socket ${opts.socketPath}` : `${opts.host ?? '?'}:${opts.port ?? 3306}`;
  const nothing = beforeWriting ? ['nothing was written to the repository'] : ['what was archived before the failure is kept; run pitr archive again to continue'];
  if (isServerIdClash(errno, message)) {
    return new ServerIdClashError(`${what}: another replica of ${where} uses the same server id as this archiver, and the server ended our dump in its favour: ${message}`, {
      cause: e,
      hints: [...SERVER_ID_CLASH_HINTS, ...nothing],
    });
  }
  if (errno === ER_ACCESS_DENIED_ERROR || errno === ER_DBACCESS_DENIED_ERROR) {
    return new PitrError(ERROR_CODES.CONNECTION, `${what}: ${where} refused the user '${opts.user}': ${message}`, {
      cause: e,
      hints: ['check the user and the password (in the URL or, better, in PITR_PASSWORD)', ...nothing],
    });
  }
  if (errno === ER_SPECIFIC_ACCESS_DENIED_ERROR) {
    return new PitrError(ERROR_CODES.CONNECTION, `${what}: the user '${opts.user}' lacks a privilege on ${where}: ${message}`, {
      cause: e,
      hints: [GRANT_HINT(opts.user), ...nothing],
    });
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT' || code === 'ENOENT' || code === 'EAI_AGAIN') {
    return new PitrError(ERROR_CODES.CONNECTION, `${what}: cannot reach the server at ${target} (${code})`, {
      cause: e,
      hints: [`check that the server runs and listens on ${target}, and the host/port (or ?socket=) in ${where}`, ...nothing],
    });
  }
  return new PitrError(ERROR_CODES.CONNECTION, `${what}: ${where}: ${message}${code !== undefined && !message.includes(code) ? ` (${code})` : ''}`, {
    cause: e,
    hints: ['check the server and the connection URL', ...nothing],
  });
}

/** ER_SLAVE_SAME_ID, or the text MySQL sends with error 1236 when a replica with our id connects. */
function isServerIdClash(errno: number | undefined, message: string): boolean {
  return errno === ER_SLAVE_SAME_ID || /same server_uuid\/server_id|same server_id/i.test(message);
}

export const SERVER_ID_CLASH_HINTS: readonly string[] = [
  'give the archiver a server id no replica of this source uses: pitr archive --server-id N (SHOW SLAVE HOSTS on the source lists registered replicas)',
  'two archivers of the same repository on the same host get the same default id: run only one',
];

/**
 * Another replica (or archiver) uses our server id: the source keeps one dump per server id and
 * ended ours. Not retried: reconnecting would end the other replica's dump in turn.
 */
export class ServerIdClashError extends PitrError {
  constructor(message: string, options: { cause?: unknown; hints?: readonly string[] } = {}) {
    super(ERROR_CODES.CONNECTION, message, options);
    this.name = 'ServerIdClashError';
  }
}

/** Replaces every occurrence of `secret` (a password) in `text` with `***`. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (secret === undefined || secret === '') return text;
  return text.split(secret).join('***');
}
