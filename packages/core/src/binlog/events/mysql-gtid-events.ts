/**
 * MySQL 5.6+/8.x GTID and transaction-metadata events: GTID_LOG_EVENT (33), ANONYMOUS_GTID_LOG_EVENT
 * (34), GTID_TAGGED_LOG_EVENT (42), PREVIOUS_GTIDS_LOG_EVENT (35), ROWS_QUERY_LOG_EVENT (29),
 * TRANSACTION_CONTEXT_EVENT (36), VIEW_CHANGE_EVENT (37), XA_PREPARE_LOG_EVENT (38).
 * https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Gtid__event.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Previous__gtids__event.html
 */
import { Cursor } from '../cursor.js';
import type { DecodeContext } from '../decode-context.js';
import {
  ANONYMOUS_GTID_LOG_EVENT,
  GTID_TAGGED_LOG_EVENT,
  PREVIOUS_GTIDS_LOG_EVENT,
  ROWS_QUERY_LOG_EVENT,
  TRANSACTION_CONTEXT_EVENT,
  VIEW_CHANGE_EVENT,
  XA_PREPARE_LOG_EVENT,
} from '../constants.js';
import type { EventBody, MysqlGtidBody } from '../types.js';

type Body<K extends EventBody['kind']> = Extract<EventBody, { kind: K }>;

/** Gtid_event: logical clock timestamps follow (LOGICAL_TIMESTAMP_TYPECODE). */
const LOGICAL_TIMESTAMP_TYPECODE = 2;
/** High bit of the 7-byte immediate commit timestamp: an original commit timestamp follows. */
const COMMIT_TS_FLAG = 1n << 55n;
/** High bit of the 4-byte immediate server version: an original server version follows. */
const SERVER_VERSION_FLAG = 0x8000_0000;

function cursor(body: Uint8Array, ctx: DecodeContext, bodyOffset: number, typeCode: number): Cursor {
  return new Cursor(body, { file: ctx.file, baseOffset: bodyOffset, eventType: typeCode });
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 16 bytes → "8-4-4-4-12" lower-case UUID text. */
export function uuidText(b: Uint8Array, at = 0): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[at + i]!]!;
  }
  return s;
}

function u56(c: Cursor): bigint {
  c.need(7);
  const lo = c.view.getUint32(c.pos, true);
  const hi = c.view.getUint16(c.pos + 4, true) + c.bytes[c.pos + 6]! * 0x10000;
  c.pos += 7;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** net_field_length_ll: the lenenc integer used by transaction_length, as a bigint. */
function packedU64(c: Cursor): bigint {
  const at = c.pos;
  const first = c.u8();
  if (first < 0xfb) return BigInt(first);
  if (first === 0xfc) return BigInt(c.u16());
  if (first === 0xfd) return BigInt(c.u24());
  if (first === 0xfe) return c.u64();
  return c.fail(`invalid packed integer prefix 0x${first.toString(16)}`, at);
}

/**
 * GTID_LOG_EVENT / ANONYMOUS_GTID_LOG_EVENT: flags(1) sid(16) gno(8) [lt_type(1) last_committed(8)
 * sequence_number(8)] [immediate_commit_ts(7) [original_commit_ts(7)]] [transaction_length(packed)]
 * [immediate_server_version(4) [original_server_version(4)]]. Optional parts depend on the writer's
 * version and are detected by the remaining length. Absent "original" values equal the immediate
 * ones (the transaction was committed here).
 */
export function decodeMysqlGtidEvent(body: Uint8Array, typeCode: number, ctx: DecodeContext, bodyOffset: number): MysqlGtidBody {
  const c = cursor(body, ctx, bodyOffset, typeCode);
  const flags = c.u8();
  const uuidBytes = c.bytesView(16);
  const gno = c.i64();
  let lastCommitted: bigint | undefined;
  let sequenceNumber: bigint | undefined;
  if (c.remaining > 0 && c.bytes[c.pos] === LOGICAL_TIMESTAMP_TYPECODE) {
    c.skip(1);
    lastCommitted = c.i64();
    sequenceNumber = c.i64();
  }
  let immediate: bigint | undefined;
  let original: bigint | undefined;
  if (c.remaining >= 7) {
    immediate = u56(c);
    if (immediate & COMMIT_TS_FLAG) {
      immediate &= COMMIT_TS_FLAG - 1n;
      original = u56(c);
    } else {
      original = immediate;
    }
  }
  let transactionLength: bigint | undefined;
  if (c.remaining > 0) transactionLength = packedU64(c);
  let immediateServerVersion: number | undefined;
  let originalServerVersion: number | undefined;
  if (c.remaining >= 4) {
    immediateServerVersion = c.u32();
    if (immediateServerVersion & SERVER_VERSION_FLAG) {
      immediateServerVersion = (immediateServerVersion & ~SERVER_VERSION_FLAG) >>> 0;
      originalServerVersion = c.u32();
    } else {
      originalServerVersion = immediateServerVersion;
    }
  }
  const anonymous = typeCode === ANONYMOUS_GTID_LOG_EVENT;
  const uuid = uuidText(uuidBytes);
  return {
    kind: 'gtid',
    flavor: 'mysql',
    gtid: anonymous ? 'ANONYMOUS' : `${uuid}:${gno}`,
    anonymous,
    uuid,
    tag: undefined,
    gno,
    commitFlag: (flags & 1) !== 0,
    lastCommitted,
    sequenceNumber,
    immediateCommitTimestampUs: immediate,
    originalCommitTimestampUs: original,
    transactionLength,
    immediateServerVersion,
    originalServerVersion,
  };
}

/**
 * mysql::serialization variable-length integer (libs/mysql/serialization/variable_length_integers.h):
 * the number of trailing 1-bits of the first byte is the number of bytes that follow (8 when the
 * first byte is 0xff); the value is the little-endian whole shifted right by the byte count.
 */
export function readVarUint(c: Cursor): bigint {
  const first = c.u8();
  if (first === 0xff) return c.u64();
  let extra = 0;
  while (first & (1 << extra)) extra++;
  c.need(extra);
  let v = BigInt(first);
  for (let i = 0; i < extra; i++) v |= BigInt(c.bytes[c.pos + i]!) << BigInt(8 * (i + 1));
  c.pos += extra;
  return v >> BigInt(extra + 1);
}

/** Signed variant: zig-zag (sign in the lowest bit of the unsigned value). */
export function readVarInt(c: Cursor): bigint {
  const u = readVarUint(c);
  return u & 1n ? -(u >> 1n) - 1n : u >> 1n;
}

function readVarNumber(c: Cursor, what: string): number {
  const at = c.pos;
  const v = readVarUint(c);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) c.fail(`${what} ${v} is too large`, at);
  return Number(v);
}

/** Gtid_event field ids in the serialized (tagged) format, in definition order. */
const TAGGED_FIELD = {
  gtid_flags: 0,
  uuid: 1,
  gno: 2,
  tag: 3,
  last_committed: 4,
  sequence_number: 5,
  immediate_commit_timestamp: 6,
  original_commit_timestamp: 7,
  transaction_length: 8,
  immediate_server_version: 9,
  original_server_version: 10,
  commit_group_ticket: 11,
} as const;

/**
 * GTID_TAGGED_LOG_EVENT (42, MySQL 8.3+): a mysql::serialization message — format version,
 * message size, last non-ignorable field id (varlen each), then (field id, value) pairs. Integers
 * are varlen (signed zig-zag for gno/last_committed/sequence_number), the UUID 16 varlen bytes,
 * the tag a varlen length + ASCII. Absent optional fields take their defaults ("original" = immediate).
 */
export function decodeGtidTaggedEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): MysqlGtidBody {
  const c = cursor(body, ctx, bodyOffset, GTID_TAGGED_LOG_EVENT);
  readVarUint(c); // serialization format version
  const messageStart = 0;
  const messageSize = readVarNumber(c, 'message size');
  const lastNonIgnorable = readVarNumber(c, 'last non-ignorable field id');
  const end = Math.min(body.length, messageStart + messageSize);
  let flags = 0;
  const uuidBytes = new Uint8Array(16);
  let gno = 0n;
  let tag: string | undefined;
  let lastCommitted: bigint | undefined;
  let sequenceNumber: bigint | undefined;
  let immediate: bigint | undefined;
  let original: bigint | undefined;
  let transactionLength: bigint | undefined;
  let immediateServerVersion: number | undefined;
  let originalServerVersion: number | undefined;
  while (c.pos < end) {
    const at = c.pos;
    const id = readVarNumber(c, 'field id');
    switch (id) {
      case TAGGED_FIELD.gtid_flags:
        flags = Number(readVarUint(c));
        break;
      case TAGGED_FIELD.uuid:
        for (let i = 0; i < 16; i++) uuidBytes[i] = Number(readVarUint(c));
        break;
      case TAGGED_FIELD.gno:
        gno = readVarInt(c);
        break;
      case TAGGED_FIELD.tag: {
        const n = readVarNumber(c, 'tag length');
        tag = n === 0 ? undefined : c.latin1(n);
        break;
      }
      case TAGGED_FIELD.last_committed:
        lastCommitted = readVarInt(c);
        break;
      case TAGGED_FIELD.sequence_number:
        sequenceNumber = readVarInt(c);
        break;
      case TAGGED_FIELD.immediate_commit_timestamp:
        immediate = readVarUint(c);
        break;
      case TAGGED_FIELD.original_commit_timestamp:
        original = readVarUint(c);
        break;
      case TAGGED_FIELD.transaction_length:
        transactionLength = readVarUint(c);
        break;
      case TAGGED_FIELD.immediate_server_version:
        immediateServerVersion = readVarNumber(c, 'server version');
        break;
      case TAGGED_FIELD.original_server_version:
        originalServerVersion = readVarNumber(c, 'server version');
        break;
      case TAGGED_FIELD.commit_group_ticket:
        readVarUint(c);
        break;
      default:
        // A newer writer's field: its encoding is unknown to us, so nothing after it can be read.
        if (id <= lastNonIgnorable) c.fail(`GTID_TAGGED_LOG_EVENT has non-ignorable field ${id} we do not know`, at);
        ctx.warn(`GTID_TAGGED_LOG_EVENT field ${id} is unknown; later fields ignored`);
        c.pos = end;
        break;
    }
  }
  original ??= immediate;
  originalServerVersion ??= immediateServerVersion;
  const uuid = uuidText(uuidBytes);
  return {
    kind: 'gtid',
    flavor: 'mysql',
    gtid: tag === undefined ? `${uuid}:${gno}` : `${uuid}:${tag}:${gno}`,
    anonymous: false,
    uuid,
    tag,
    gno,
    commitFlag: (flags & 1) !== 0,
    lastCommitted,
    sequenceNumber,
    immediateCommitTimestampUs: immediate,
    originalCommitTimestampUs: original,
    transactionLength,
    immediateServerVersion,
    originalServerVersion,
  };
}

/** GTID set text of one interval list: "1-5:7". Intervals are [start, end) as stored. */
function intervalsText(intervals: readonly [bigint, bigint][]): string {
  let s = '';
  for (const [start, end] of intervals) {
    s += end - start === 1n ? `:${start}` : `:${start}-${end - 1n}`;
  }
  return s;
}

/**
 * PREVIOUS_GTIDS_LOG_EVENT: n_sids(8) × (sid(16) n_intervals(8) × (start(8) end(8, exclusive))).
 * MySQL 8.3+ tagged format: format byte 1, n_sids(6), format byte 1; after each sid a tag (varlen length + ASCII, empty for untagged). Text: "uuid:1-5:7,uuid2:1-3",
 * tagged intervals after the untagged ones of the same uuid: "uuid:1-4:tag:1".
 */
export function decodePreviousGtidsEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'previous_gtids'> {
  const c = cursor(body, ctx, bodyOffset, PREVIOUS_GTIDS_LOG_EVENT);
  c.need(8);
  // Tagged format (Gtid_set encode_nsids_format): the format (1) is written in the first AND the
  // last byte of the 8-byte count word, the SID count in the 6 bytes between. Untagged counts never
  // have a non-zero top byte, so old readers reject the tagged form instead of misreading it.
  const tagged = c.bytes[c.pos] === 1 && c.bytes[c.pos + 7] === 1;
  let count: number;
  if (tagged) {
    c.skip(1);
    count = c.u48();
    c.skip(1);
  } else {
    count = c.u64Number();
  }
  // Minimal per-sid size guards against absurd counts before allocating.
  if (count * 24 > c.remaining) c.fail(`PREVIOUS_GTIDS declares ${count} SIDs, more than the event can hold`);
  const byUuid = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const uuid = uuidText(c.bytesView(16));
    let tag = '';
    if (tagged) tag = c.latin1(readVarNumber(c, 'tag length'));
    const n = c.u64Number();
    if (n * 16 > c.remaining) c.fail(`PREVIOUS_GTIDS declares ${n} intervals, more than the event can hold`);
    const intervals: [bigint, bigint][] = new Array(n);
    for (let k = 0; k < n; k++) {
      const start = c.i64();
      intervals[k] = [start, c.i64()];
    }
    const part = (tag === '' ? '' : `:${tag}`) + intervalsText(intervals);
    byUuid.set(uuid, (byUuid.get(uuid) ?? '') + part);
  }
  const gtidSet = [...byUuid].map(([uuid, rest]) => uuid + rest).join(',');
  return { kind: 'previous_gtids', gtidSet };
}

/** ROWS_QUERY_LOG_EVENT: a length byte (truncated at 255, ignored by the server) + the statement text. */
export function decodeRowsQueryEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'rows_query'> {
  const c = cursor(body, ctx, bodyOffset, ROWS_QUERY_LOG_EVENT);
  c.skip(1);
  return { kind: 'rows_query', query: c.restUtf8() };
}

/**
 * TRANSACTION_CONTEXT_EVENT (group replication): server_uuid_len(1) thread_id(4) gtid_specified(1)
 * write_set_len(4) read_set_len(4) ... (post-header), then server_uuid and the sets (not decoded).
 */
export function decodeTransactionContextEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'transaction_context'> {
  const c = cursor(body, ctx, bodyOffset, TRANSACTION_CONTEXT_EVENT);
  const uuidLength = c.u8();
  const threadId = c.u32();
  const gtidSpecified = c.u8() !== 0;
  c.pos = 0;
  c.skip(ctx.postHeaderLength(TRANSACTION_CONTEXT_EVENT));
  return { kind: 'transaction_context', serverUuid: c.latin1(uuidLength), threadId, gtidSpecified };
}

/** VIEW_CHANGE_EVENT (group replication): view_id(40, NUL-padded) seq_number(8) cert_info_len(4) ... */
export function decodeViewChangeEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'view_change'> {
  const c = cursor(body, ctx, bodyOffset, VIEW_CHANGE_EVENT);
  const raw = c.bytesView(40);
  const nul = raw.indexOf(0);
  const viewId = Buffer.from(raw.buffer, raw.byteOffset, nul < 0 ? 40 : nul).toString('latin1');
  return { kind: 'view_change', viewId, seqNumber: c.u64() };
}

/** XA_PREPARE_LOG_EVENT: one_phase(1) format_id(4) gtrid_length(4) bqual_length(4) data. */
export function decodeXaPrepareEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'xa_prepare'> {
  const c = cursor(body, ctx, bodyOffset, XA_PREPARE_LOG_EVENT);
  const onePhase = c.u8() !== 0;
  const formatId = c.u32() | 0;
  const gtridLength = c.u32();
  const bqualLength = c.u32();
  if (gtridLength > 64 || bqualLength > 64) c.fail(`XA id lengths ${gtridLength}/${bqualLength} exceed 64`);
  return { kind: 'xa_prepare', onePhase, formatId, gtrid: c.bytesCopy(gtridLength), bqual: c.bytesCopy(bqualLength) };
}
