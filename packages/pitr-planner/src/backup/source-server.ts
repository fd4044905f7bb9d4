/**
 * Connections to the server being backed up, and what we read about it (flavor, version, server
 * id). mysql2 is loaded on first use: importing it costs ~70 ms that commands which never connect
 * (list, verify, expire) should not pay.
 */
import { ERROR_CODES, PitrError, flavorOfServerVersion, parseConnectionUrl, redactUrl } from '@pitr/core';
import type { ConnectionOptions } from '@pitr/core';
import type { Connection, ConnectionOptions as Mysql2Options, RowDataPacket } from 'mysql2/promise';
import type { BackupServer } from '../catalog/backup-record.js';

export type SourceConnection = Connection;

export interface ConnectSourceOptions {
  /** Where PITR_PASSWORD comes from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Extra mysql2 options (e.g. a typeCast for the snapshot session). */
  extra?: Mysql2Options;
}

/** The parsed `--source` URL: what the dump tool and every session connect with. */
export function sourceConnectionOptions(url: string, env?: Readonly<Record<string, string | undefined>>): ConnectionOptions {
  return parseConnectionUrl(url, env === undefined ? {} : { env });
}

/** Opens a session on the source. Any failure is a CONNECTION PitrError without the password. */
export async function connectSource(url: string, options: ConnectSourceOptions = {}): Promise<SourceConnection> {
  const opts = sourceConnectionOptions(url, options.env);
  const { default: mysql } = await import('mysql2/promise');
  try {
    return await mysql.createConnection({
      ...(opts.socketPath !== undefined ? { socketPath: opts.socketPath } : { host: opts.host, port: opts.port }),
      user: opts.user,
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      charset: 'UTF8MB4_GENERAL_CI',
      connectTimeout: 10_000,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      ...options.extra,
    });
  } catch (e) {
    throw connectionError(url, e, opts.password);
  }
}

export function connectionError(url: string, e: unknown, password: string | undefined): PitrError {
  const message = redactSecret(e instanceof Error ? e.message : String(e), password);
  return new PitrError(ERROR_CODES.CONNECTION, `cannot connect to ${redactUrl(url)}: ${message}`, {
    cause: e,
    hints: [
      'check host and port (or ?socket=), the user and the password (in the URL or PITR_PASSWORD)',
      'nothing was written to the repository',
    ],
  });
}

/** The server's identity for the backup record. */
export async function readServerInfo(conn: SourceConnection): Promise<BackupServer> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS version, @@server_id AS serverId');
  const version = String(rows[0]?.['version'] ?? '');
  const server: BackupServer = { flavor: flavorOfServerVersion(version), version, serverId: Number(rows[0]?.['serverId'] ?? 0) };
  if (server.flavor === 'mysql') {
    const [uuid] = await conn.query<RowDataPacket[]>('SELECT @@server_uuid AS uuid');
    const text = uuid[0]?.['uuid'];
    if (typeof text === 'string' && text !== '') server.serverUuid = text;
  }
  return server;
}

/** Checks that the server writes a binlog: without it a backup cannot start a point-in-time replay. */
export async function assertBinlogEnabled(conn: SourceConnection, url: string): Promise<void> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT @@log_bin AS logBin');
  const on = String(rows[0]?.['logBin'] ?? '0');
  if (on !== '1' && on.toUpperCase() !== 'ON') {
    throw new PitrError(ERROR_CODES.USAGE, `${redactUrl(url)} does not write a binary log (log_bin is OFF)`, {
      hints: [
        'point-in-time recovery replays the binlog from the backup onward: start the server with --log-bin (and binlog_format=ROW)',
      ],
    });
  }
}

/** Replaces every occurrence of `secret` (a password) in `text` with `***`. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (secret === undefined || secret === '') return text;
  return text.split(secret).join('***');
}
