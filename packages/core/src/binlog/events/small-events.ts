/**
 * Small fixed-layout events shared by MySQL and MariaDB: ROTATE, STOP, XID, INTVAR, RAND,
 * USER_VAR, INCIDENT, HEARTBEAT (v1/v2), IGNORABLE, BEGIN_LOAD_QUERY, EXECUTE_LOAD_QUERY.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
 * https://mariadb.com/kb/en/replication-protocol/
 * Every decoder takes the body (event without the 19-byte header and the checksum) and the
 * absolute file offset of its first byte, for positioned errors.
 */
import { Cursor } from '../cursor.js';
import type { DecodeContext } from '../decode-context.js';
import {
  BEGIN_LOAD_QUERY_EVENT,
  EXECUTE_LOAD_QUERY_EVENT,
  HEARTBEAT_LOG_EVENT,
  HEARTBEAT_LOG_EVENT_V2,
  INCIDENT_EVENT,
  INTVAR_EVENT,
  RAND_EVENT,
  ROTATE_EVENT,
  USER_VAR_EVENT,
  XID_EVENT,
} from '../constants.js';
import { decimalBinarySize, decodeDecimal } from '../columns/decimal.js';
import { TextKind, charsetForCollation, textDecoderFor } from '../columns/charsets.js';
import type { EventBody } from '../types.js';

type Body<K extends EventBody['kind']> = Extract<EventBody, { kind: K }>;

/** A cursor over body[start, end); `bodyOffset` is the file offset of body[0] (see mariadb-events.ts). */
function cursor(body: Uint8Array, ctx: DecodeContext, bodyOffset: number, typeCode: number, start = 0, end = body.length): Cursor {
  return new Cursor(body, { file: ctx.file, baseOffset: bodyOffset, eventType: typeCode }, start, end);
}

/** ROTATE_EVENT (4): position(8) + next file name (rest, no NUL). */
export function decodeRotateEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'rotate'> {
  const c = cursor(body, ctx, bodyOffset, ROTATE_EVENT);
  const position = c.u64Number();
  return { kind: 'rotate', position, nextFile: c.restUtf8() };
}

/** XID_EVENT (16): the storage engine's transaction id, 8 bytes. */
export function decodeXidEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number, start = 0, end = body.length): Body<'xid'> {
  const c = cursor(body, ctx, bodyOffset, XID_EVENT, start, end);
  return { kind: 'xid', xid: c.u64() };
}

const INTVAR_TYPES = ['INVALID', 'LAST_INSERT_ID', 'INSERT_ID'] as const;

/** INTVAR_EVENT (5): type(1) value(8). Types: 1 LAST_INSERT_ID, 2 INSERT_ID. */
export function decodeIntvarEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'intvar'> {
  const c = cursor(body, ctx, bodyOffset, INTVAR_EVENT);
  const t = c.u8();
  return { kind: 'intvar', intvarType: INTVAR_TYPES[t] ?? 'INVALID', value: c.u64() };
}

/** RAND_EVENT (13): the two RAND() seeds, 8 bytes each. */
export function decodeRandEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'rand'> {
  const c = cursor(body, ctx, bodyOffset, RAND_EVENT);
  const seed1 = c.u64();
  return { kind: 'rand', seed1, seed2: c.u64() };
}

/** Item_result (mysql_com.h / udf_registration_types.h). */
export const STRING_RESULT = 0;
export const REAL_RESULT = 1;
export const INT_RESULT = 2;
export const ROW_RESULT = 3;
export const DECIMAL_RESULT = 4;
/** USER_VAR flags byte (User_var_event::UNSIGNED_F). */
export const USER_VAR_UNSIGNED_F = 1;

/**
 * USER_VAR_EVENT (14): name_len(4) name is_null(1) [type(1) charset(4) value_len(4) value [flags(1)]].
 * https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1User__var__event.html
 * Values: STRING as text in its charset (bytes for binary/unknown charsets), REAL double, INT
 * 64-bit (signed unless UNSIGNED_F), DECIMAL precision(1) scale(1) + binary decimal → exact text.
 */
export function decodeUserVarEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'user_var'> {
  const c = cursor(body, ctx, bodyOffset, USER_VAR_EVENT);
  const name = c.utf8(c.u32());
  const isNull = c.u8() !== 0;
  if (isNull) {
    return { kind: 'user_var', name, isNull, valueType: STRING_RESULT, collationId: 63, value: null, flags: 0 };
  }
  const valueType = c.u8();
  const collationId = c.u32();
  const valueLength = c.u32();
  const valueStart = c.pos;
  c.need(valueLength);
  c.pos += valueLength;
  const flags = c.remaining > 0 ? c.u8() : 0;
  const v = new Cursor(body, c.origin, valueStart, valueStart + valueLength);
  let value: string | bigint | number | Uint8Array | null;
  switch (valueType) {
    case STRING_RESULT: {
      const info = charsetForCollation(collationId);
      if (info?.kind === TextKind.Utf8) value = v.utf8(valueLength);
      else if (info?.kind === TextKind.Decoder && info.encoding !== undefined) value = textDecoderFor(info.encoding).decode(v.bytesView(valueLength));
      else value = v.bytesCopy(valueLength); // binary, UTF-32 or unknown charset: exact bytes
      break;
    }
    case REAL_RESULT:
      v.need(8);
      value = v.view.getFloat64(v.pos, true);
      break;
    case INT_RESULT:
      value = flags & USER_VAR_UNSIGNED_F ? v.u64() : v.i64();
      break;
    case DECIMAL_RESULT: {
      const precision = v.u8();
      const scale = v.u8();
      v.need(decimalBinarySize(precision, scale));
      value = decodeDecimal(body, v.pos, precision, scale);
      break;
    }
    default:
      value = v.bytesCopy(valueLength);
      ctx.warn(`USER_VAR_EVENT @${name} has value type ${valueType} we do not decode; kept as bytes`);
      break;
  }
  return { kind: 'user_var', name, isNull, valueType, collationId, value, flags };
}

/** INCIDENT_EVENT (26): incident type(2), message length(1), message. */
export function decodeIncidentEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'incident'> {
  const c = cursor(body, ctx, bodyOffset, INCIDENT_EVENT);
  const incidentType = c.u16();
  const message = c.remaining > 0 ? c.utf8(c.u8()) : '';
  return { kind: 'incident', incidentType, message };
}

/** HEARTBEAT_LOG_EVENT (27): the current binlog file name; the position is the header's log_pos. */
export function decodeHeartbeatEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'heartbeat'> {
  const c = cursor(body, ctx, bodyOffset, HEARTBEAT_LOG_EVENT);
  return { kind: 'heartbeat', logFile: c.restUtf8() };
}

/** HEARTBEAT_LOG_EVENT_V2 field types (control_events.h Heartbeat_event_v2). */
const OTW_HB_HEADER_END_MARK = 0;
const OTW_HB_LOG_FILENAME_FIELD = 1;
const OTW_HB_LOG_POSITION_FIELD = 2;

/**
 * HEARTBEAT_LOG_EVENT_V2 (41, MySQL 8.0.26+): TLV fields, each type(1) length(lenenc) value; the
 * position value is itself a lenenc integer. Ends with type 0.
 */
export function decodeHeartbeatV2Event(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'heartbeat'> {
  const c = cursor(body, ctx, bodyOffset, HEARTBEAT_LOG_EVENT_V2);
  let logFile = '';
  let logPos: number | undefined;
  while (c.remaining > 0) {
    const at = c.pos;
    const type = c.u8();
    if (type === OTW_HB_HEADER_END_MARK) break;
    const length = c.lenencNotNull();
    const end = c.pos + length;
    c.need(length);
    if (type === OTW_HB_LOG_FILENAME_FIELD) {
      logFile = c.utf8(length);
    } else if (type === OTW_HB_LOG_POSITION_FIELD) {
      logPos = c.lenencNotNull();
      if (c.pos !== end) c.fail(`heartbeat position field is ${length} bytes but its value has ${c.pos - end + length}`, at);
    } else {
      c.fail(`heartbeat field type ${type} is unknown`, at);
    }
  }
  return logPos === undefined ? { kind: 'heartbeat', logFile } : { kind: 'heartbeat', logFile, logPos };
}

/** BEGIN_LOAD_QUERY_EVENT (17): file_id(4) + the first block of the LOAD DATA file. */
export function decodeBeginLoadQueryEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'begin_load_query'> {
  const c = cursor(body, ctx, bodyOffset, BEGIN_LOAD_QUERY_EVENT);
  const fileId = c.u32();
  return { kind: 'begin_load_query', fileId, blockLength: c.remaining };
}

/**
 * EXECUTE_LOAD_QUERY_EVENT (18): a QUERY_EVENT post-header (13) + file_id(4) start_pos(4)
 * end_pos(4) dup_handling(1), then status vars, db + NUL, the LOAD DATA statement.
 */
export function decodeExecuteLoadQueryEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'execute_load_query'> {
  const c = cursor(body, ctx, bodyOffset, EXECUTE_LOAD_QUERY_EVENT);
  c.skip(8); // thread id, exec time
  const dbLength = c.u8();
  c.skip(2); // error code
  const statusVarsLength = c.u16();
  const fileId = c.u32();
  c.pos = 0;
  c.skip(ctx.postHeaderLength(EXECUTE_LOAD_QUERY_EVENT));
  c.skip(statusVarsLength);
  const db = c.utf8(dbLength);
  c.skip(1);
  return { kind: 'execute_load_query', fileId, db, query: c.restUtf8() };
}
