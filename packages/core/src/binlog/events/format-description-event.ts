/**
 * FORMAT_DESCRIPTION_EVENT (type 15): binlog version, server version, common-header length, the
 * post-header length of every event type, and (5.6.1+/MariaDB 5.3+) the checksum algorithm.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Format__description__event.html
 * https://mariadb.com/kb/en/format_description_event/
 *
 * Body: binlog_version(2) server_version(50, NUL-padded) create_timestamp(4) header_length(1)
 * post_header_lengths(n) [checksum_alg(1) crc32(4)]. The trailer is present whenever the server
 * is checksum-aware, even with binlog_checksum=NONE (then the alg byte is 0).
 */
import { Cursor } from '../cursor.js';
import { BINLOG_CHECKSUM_ALG_OFF, BINLOG_CHECKSUM_ALG_UNDEF, CHECKSUM_LENGTH, FORMAT_DESCRIPTION_EVENT } from '../constants.js';
import type { EventBody, Flavor } from '../types.js';

export type FormatDescriptionBody = Extract<EventBody, { kind: 'format_description' }>;

const SERVER_VERSION_LENGTH = 50;
/** Bytes before the post-header array. */
const FIXED_LENGTH = 2 + SERVER_VERSION_LENGTH + 4 + 1;

/** Detects the flavor from the FDE's server version ('10.11.6-MariaDB-log'). */
export function flavorOfServerVersion(serverVersion: string): Flavor {
  return /mariadb/i.test(serverVersion) ? 'mariadb' : 'mysql';
}

/** [major, minor, patch] of a server version string; zeros when unparsable. */
export function serverVersionTriple(serverVersion: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(serverVersion);
  return m === null ? [0, 0, 0] : [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Checksums came with MySQL 5.6.1 and MariaDB 5.3 (binlog_checksum). */
export function serverWritesChecksumAlg(serverVersion: string): boolean {
  const [a, b, c] = serverVersionTriple(serverVersion);
  const v = a * 10000 + b * 100 + c;
  return flavorOfServerVersion(serverVersion) === 'mariadb' ? v >= 50300 : v >= 50601;
}

/**
 * Decodes an FDE. `body` is the event after the common header INCLUDING the checksum trailer
 * (the FDE itself says whether there is one).
 */
export function decodeFormatDescriptionEvent(body: Uint8Array, file: string, bodyOffset: number): FormatDescriptionBody {
  const c = new Cursor(body, { file, baseOffset: bodyOffset, eventType: FORMAT_DESCRIPTION_EVENT });
  const binlogVersion = c.u16();
  if (binlogVersion !== 4) {
    c.fail(`binlog format version ${binlogVersion} is not supported (only v4, MySQL 5.0+ / MariaDB)`, 0);
  }
  const versionBytes = c.bytesView(SERVER_VERSION_LENGTH);
  const nul = versionBytes.indexOf(0);
  const serverVersion = Buffer.from(versionBytes.buffer, versionBytes.byteOffset, nul < 0 ? SERVER_VERSION_LENGTH : nul).toString('latin1');
  const createTimestamp = c.u32();
  const headerLength = c.u8();
  if (headerLength !== 19) c.fail(`common header length ${headerLength} is not 19`, c.pos - 1);
  let checksumAlg: number = BINLOG_CHECKSUM_ALG_UNDEF;
  let arrayEnd = body.length;
  if (serverWritesChecksumAlg(serverVersion)) {
    arrayEnd = body.length - 1 - CHECKSUM_LENGTH;
    if (arrayEnd < FIXED_LENGTH) c.fail('FORMAT_DESCRIPTION_EVENT too short for its checksum trailer', 0);
    checksumAlg = body[arrayEnd]!;
  }
  // a copy (Buffer's slice() is a view): the event's memory may be reused after this call
  const postHeaderLengths = Uint8Array.prototype.slice.call(body, FIXED_LENGTH, arrayEnd);
  return {
    kind: 'format_description',
    binlogVersion,
    serverVersion,
    createTimestamp,
    headerLength,
    postHeaderLengths,
    // UNDEF (pre-5.6.1) means no trailer at all, i.e. checksums off.
    checksumAlg: checksumAlg === BINLOG_CHECKSUM_ALG_UNDEF ? BINLOG_CHECKSUM_ALG_OFF : checksumAlg,
    flavor: flavorOfServerVersion(serverVersion),
  };
}
