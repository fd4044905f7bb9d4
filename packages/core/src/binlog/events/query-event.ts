/**
 * QUERY_EVENT (type 2) and MariaDB QUERY_COMPRESSED_EVENT (type 165).
 * https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Query__event.html
 * https://mariadb.com/kb/en/query_event/ , https://mariadb.com/kb/en/query_compressed_event/
 *
 * Post-header (length from the FDE, 13 in v4): thread_id(4) exec_time(4) db_len(1) error_code(2)
 * status_vars_len(2). Then status vars, db + NUL, and the statement up to the end of the body.
 * Compressed: the statement part is one header byte (low 3 bits: number of big-endian bytes of
 * the uncompressed length that follow) and a zlib stream.
 */
import { inflateSync } from 'node:zlib';
import { Cursor } from '../cursor.js';
import type { DecodeContext } from '../decode-context.js';
import { MARIADB_QUERY_COMPRESSED_EVENT } from '../constants.js';
import { FL_COMMIT_ALTER_E1, FL_ROLLBACK_ALTER_E1 } from './mariadb-events.js';
import type { EventBody, QueryStatusVars } from '../types.js';

export type QueryBody = Extract<EventBody, { kind: 'query' }>;

/** Status variable codes (statement_events.h enum Query_event_status_vars; MariaDB log_event.h). */
export const Q_FLAGS2_CODE = 0;
export const Q_SQL_MODE_CODE = 1;
export const Q_CATALOG_CODE = 2;
export const Q_AUTO_INCREMENT = 3;
export const Q_CHARSET_CODE = 4;
export const Q_TIME_ZONE_CODE = 5;
export const Q_CATALOG_NZ_CODE = 6;
export const Q_LC_TIME_NAMES_CODE = 7;
export const Q_CHARSET_DATABASE_CODE = 8;
export const Q_TABLE_MAP_FOR_UPDATE_CODE = 9;
export const Q_MASTER_DATA_WRITTEN_CODE = 10;
export const Q_INVOKER = 11;
export const Q_UPDATED_DB_NAMES = 12;
export const Q_MICROSECONDS = 13;
export const Q_COMMIT_TS = 14;
export const Q_COMMIT_TS2 = 15;
export const Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP = 16;
export const Q_DDL_LOGGED_WITH_XID = 17;
export const Q_DEFAULT_COLLATION_FOR_UTF8MB4 = 18;
export const Q_SQL_REQUIRE_PRIMARY_KEY = 19;
export const Q_DEFAULT_TABLE_ENCRYPTION = 20;
export const Q_HRNOW = 128;
export const Q_XID = 129;
export const Q_GTID_FLAGS3 = 130;
export const Q_CHARACTER_SET_COLLATIONS = 131;

/** Q_UPDATED_DB_NAMES count meaning "too many to list" (OVER_MAX_DBS_IN_EVENT_MTS). */
const OVER_MAX_DBS_IN_EVENT_MTS = 254;
/** Cap on a decompressed statement (max_allowed_packet is at most 1 GiB). */
const MAX_UNCOMPRESSED_BYTES = 1 << 30;

const utf8 = new TextDecoder('utf-8');

/** Decodes QUERY_EVENT / QUERY_COMPRESSED_EVENT bodies (event without header and checksum). */
export function decodeQueryEvent(body: Uint8Array, typeCode: number, ctx: DecodeContext, bodyOffset: number): QueryBody {
  const c = new Cursor(body, { file: ctx.file, baseOffset: bodyOffset, eventType: typeCode });
  const postHeaderLength = ctx.postHeaderLength(typeCode);
  const threadId = c.u32();
  const execTimeSec = c.u32();
  const dbLength = c.u8();
  const errorCode = c.u16();
  const statusVarsLength = postHeaderLength >= 13 ? c.u16() : 0;
  c.pos = 0;
  c.skip(postHeaderLength);
  const statusEnd = c.pos + statusVarsLength;
  c.need(statusVarsLength);
  const statusVars = readStatusVars(new Cursor(body, c.origin, c.pos, statusEnd), ctx);
  c.pos = statusEnd;
  const db = c.utf8(dbLength);
  c.skip(1); // NUL after db
  let query: string;
  const compressed = typeCode === MARIADB_QUERY_COMPRESSED_EVENT;
  if (compressed) {
    query = utf8.decode(inflateCompressed(c));
  } else {
    query = c.restUtf8();
  }
  return { kind: 'query', threadId, execTimeSec, errorCode, db, query, statusVars, compressed };
}

/**
 * MariaDB's compressed-field layout (sql/log_event.cc binlog_buf_uncompress): header byte whose
 * low 3 bits give how many big-endian length bytes follow, then zlib data.
 */
export function inflateCompressed(c: Cursor): Uint8Array {
  const start = c.pos;
  const header = c.u8();
  const lengthBytes = header & 0x07;
  if (lengthBytes === 0 || lengthBytes > 4) c.fail(`compressed header byte 0x${header.toString(16)} has an invalid length size`, start);
  let expected = 0;
  for (let i = 0; i < lengthBytes; i++) expected = expected * 256 + c.u8();
  if (expected > MAX_UNCOMPRESSED_BYTES) c.fail(`compressed data claims ${expected} bytes uncompressed`, start);
  const zdata = c.bytesView(c.remaining);
  let out: Buffer;
  try {
    out = inflateSync(zdata, { maxOutputLength: Math.max(expected, 1) });
  } catch (e) {
    return c.fail(`zlib data does not decompress: ${(e as Error).message}`, start);
  }
  if (out.length !== expected) c.fail(`decompressed to ${out.length} bytes, header says ${expected}`, start);
  return out;
}

function readStatusVars(c: Cursor, ctx: DecodeContext): QueryStatusVars {
  const v: QueryStatusVars = {};
  while (c.remaining > 0) {
    const at = c.pos;
    const code = c.u8();
    switch (code) {
      case Q_FLAGS2_CODE:
        v.flags2 = c.u32();
        break;
      case Q_SQL_MODE_CODE:
        v.sqlMode = c.u64();
        break;
      case Q_CATALOG_CODE: {
        // 5.0.0–5.0.3: length, text, NUL.
        const n = c.u8();
        v.catalog = c.utf8(n);
        c.skip(1);
        break;
      }
      case Q_AUTO_INCREMENT:
        v.autoIncrementIncrement = c.u16();
        v.autoIncrementOffset = c.u16();
        break;
      case Q_CHARSET_CODE:
        v.charsetClient = c.u16();
        v.collationConnection = c.u16();
        v.collationServer = c.u16();
        break;
      case Q_TIME_ZONE_CODE:
        v.timeZone = c.utf8(c.u8());
        break;
      case Q_CATALOG_NZ_CODE:
        v.catalog = c.utf8(c.u8());
        break;
      case Q_LC_TIME_NAMES_CODE:
        v.lcTimeNamesNumber = c.u16();
        break;
      case Q_CHARSET_DATABASE_CODE:
        v.charsetDatabase = c.u16();
        break;
      case Q_TABLE_MAP_FOR_UPDATE_CODE:
        v.tableMapForUpdate = c.u64();
        break;
      case Q_MASTER_DATA_WRITTEN_CODE:
        v.masterDataWritten = c.u32();
        break;
      case Q_INVOKER: {
        const user = c.utf8(c.u8());
        const host = c.utf8(c.u8());
        v.invoker = { user, host };
        break;
      }
      case Q_UPDATED_DB_NAMES: {
        const count = c.u8();
        const names: string[] = [];
        if (count !== OVER_MAX_DBS_IN_EVENT_MTS) {
          for (let i = 0; i < count; i++) names.push(c.cstringUtf8());
        }
        v.updatedDbNames = names;
        break;
      }
      case Q_MICROSECONDS:
        v.microseconds = c.u24();
        break;
      case Q_COMMIT_TS:
      case Q_COMMIT_TS2:
        // Placeholders since MySQL 8.0.2; earlier writers stored an 8-byte commit timestamp.
        v.commitTs = c.u64();
        break;
      case Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP:
        v.explicitDefaultsForTimestamp = c.u8();
        break;
      case Q_DDL_LOGGED_WITH_XID:
        v.ddlLoggedWithXid = c.u64();
        break;
      case Q_DEFAULT_COLLATION_FOR_UTF8MB4:
        v.defaultCollationForUtf8mb4 = c.u16();
        break;
      case Q_SQL_REQUIRE_PRIMARY_KEY:
        v.sqlRequirePrimaryKey = c.u8();
        break;
      case Q_DEFAULT_TABLE_ENCRYPTION:
        v.defaultTableEncryption = c.u8();
        break;
      case Q_HRNOW:
        v.hrnow = c.u24();
        break;
      case Q_XID:
        v.xid = c.u64();
        break;
      case Q_GTID_FLAGS3: {
        // MariaDB 10.8+: the GTID's flags_extra for a DDL, then the START ALTER's seq_no (8 bytes)
        // when it commits or rolls back an ALTER (FL_COMMIT_ALTER_E1 | FL_ROLLBACK_ALTER_E1). Kept raw.
        const flagsExtra = c.bytes[c.pos] ?? 0;
        (v.unknown ??= []).push({ code, bytes: c.bytesCopy(flagsExtra & (FL_COMMIT_ALTER_E1 | FL_ROLLBACK_ALTER_E1) ? 9 : 1) });
        break;
      }
      case Q_CHARACTER_SET_COLLATIONS: {
        // MariaDB 11.2+ (@@character_set_collations): count(1) then count × (charset id(2),
        // collation id(2)); kept raw. 11.5+ writes it before Q_CHARSET_CODE, so order is not assumed.
        const count = c.bytes[c.pos] ?? 0;
        (v.unknown ??= []).push({ code, bytes: c.bytesCopy(1 + 4 * count) });
        break;
      }
      default: {
        // Unknown code: its length is unknown, so nothing after it can be parsed.
        (v.unknown ??= []).push({ code, bytes: c.bytesCopy(c.end - c.pos) });
        ctx.warn(`QUERY_EVENT status variable code ${code} is unknown; kept raw from offset ${c.origin.baseOffset + at}`);
        break;
      }
    }
  }
  return v;
}

