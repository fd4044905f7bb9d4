/**
 * MariaDB-only events: ANNOTATE_ROWS (160), BINLOG_CHECKPOINT (161), GTID (162), GTID_LIST (163),
 * START_ENCRYPTION (164). QUERY_COMPRESSED lives in query-event.ts, compressed rows in rows-event.ts.
 * https://mariadb.com/kb/en/annotate_rows_event/ , https://mariadb.com/kb/en/binlog_checkpoint_event/ ,
 * https://mariadb.com/kb/en/gtid_event/ , https://mariadb.com/kb/en/gtid_list_event/ ,
 * https://mariadb.com/kb/en/start_encryption_event/ ; layouts as read by sql/log_event.cc.
 */
import { Cursor } from '../cursor.js';
import type { DecodeContext } from '../decode-context.js';
import {
  MARIADB_ANNOTATE_ROWS_EVENT,
  MARIADB_BINLOG_CHECKPOINT_EVENT,
  MARIADB_GTID_EVENT,
  MARIADB_GTID_LIST_EVENT,
  MARIADB_START_ENCRYPTION_EVENT,
} from '../constants.js';
import { BinlogFormatError, ERROR_CODES } from '../../errors/pitr-error.js';
import type { EventBody, MariadbGtidBody } from '../types.js';

type Body<K extends EventBody['kind']> = Extract<EventBody, { kind: K }>;

/** Gtid_log_event flags2. */
export const FL_STANDALONE = 1;
export const FL_GROUP_COMMIT_ID = 2;
export const FL_TRANSACTIONAL = 4;
export const FL_ALLOW_PARALLEL = 8;
export const FL_WAITED = 16;
export const FL_DDL = 32;
export const FL_PREPARED_XA = 64;
export const FL_COMPLETED_XA = 128;
/** Gtid_log_event flags_extra (10.8+). */
export const FL_EXTRA_MULTI_ENGINE_E1 = 1;
export const FL_START_ALTER_E1 = 2;
export const FL_COMMIT_ALTER_E1 = 4;
export const FL_ROLLBACK_ALTER_E1 = 8;

/** MariaDB GTID with the fields beyond the shared contract (XA id, 10.x extra flags). */
export interface MariadbGtidEventBody extends MariadbGtidBody {
  /** XA transaction id when FL_PREPARED_XA / FL_COMPLETED_XA. */
  readonly xa?: { formatId: number; gtrid: Uint8Array; bqual: Uint8Array } | undefined;
  /** flags_extra byte (FL_EXTRA_MULTI_ENGINE_E1, FL_START_ALTER_E1, ...); 0 when absent. */
  readonly flagsExtra: number;
  /** Number of extra engines in a multi-engine transaction (FL_EXTRA_MULTI_ENGINE_E1). */
  readonly extraEngines?: number | undefined;
  /** Sequence number of the START ALTER a COMMIT/ROLLBACK ALTER refers to. */
  readonly startAlterSeqNo?: bigint | undefined;
}

/**
 * A cursor over body[start, end); `bodyOffset` is the file offset of body[0]. The parser passes the
 * whole event with start/end around its body, which saves a subarray per event on the hot path.
 */
function cursor(body: Uint8Array, ctx: DecodeContext, bodyOffset: number, typeCode: number, start = 0, end = body.length): Cursor {
  return new Cursor(body, { file: ctx.file, baseOffset: bodyOffset, eventType: typeCode }, start, end);
}

/** ANNOTATE_ROWS_EVENT (160): the statement that produced the following row events. */
export function decodeAnnotateRowsEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number, start = 0, end = body.length): Body<'annotate_rows'> {
  return { kind: 'annotate_rows', query: cursor(body, ctx, bodyOffset, MARIADB_ANNOTATE_ROWS_EVENT, start, end).restUtf8() };
}

/** BINLOG_CHECKPOINT_EVENT (161): name length(4) + the oldest binlog file still needed for crash recovery. */
export function decodeBinlogCheckpointEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'binlog_checkpoint'> {
  const c = cursor(body, ctx, bodyOffset, MARIADB_BINLOG_CHECKPOINT_EVENT);
  return { kind: 'binlog_checkpoint', file: c.utf8(c.u32()) };
}

/**
 * GTID_EVENT (162): seq_no(8) domain_id(4) flags2(1), then commit_id(8) if FL_GROUP_COMMIT_ID,
 * then the XA id if FL_PREPARED_XA/FL_COMPLETED_XA (format_id(4) gtrid_len(1) bqual_len(1) data),
 * then (10.8+) flags_extra(1) [extra_engines(1)] [start-alter seq_no(8)]. Without a commit id
 * the post-header is zero-padded to 19 bytes, which reads as flags_extra = 0.
 * The server id of the GTID is the header's server id.
 */
export function decodeMariadbGtidEvent(
  body: Uint8Array,
  ctx: DecodeContext,
  bodyOffset: number,
  serverId: number,
  start = 0,
  end = body.length,
): MariadbGtidEventBody {
  const c = cursor(body, ctx, bodyOffset, MARIADB_GTID_EVENT, start, end);
  const seqNo = c.u64();
  const domainId = c.u32();
  const flags = c.u8();
  let commitId: bigint | undefined;
  if (flags & FL_GROUP_COMMIT_ID) commitId = c.u64();
  let xa: MariadbGtidEventBody['xa'];
  // The server always writes the XA id with these flags; tolerate bodies that lack it.
  if (flags & (FL_PREPARED_XA | FL_COMPLETED_XA) && c.remaining >= 6) {
    const formatId = c.u32();
    const gtridLength = c.u8();
    const bqualLength = c.u8();
    xa = { formatId, gtrid: c.bytesCopy(gtridLength), bqual: c.bytesCopy(bqualLength) };
  }
  let flagsExtra = 0;
  let extraEngines: number | undefined;
  let startAlterSeqNo: bigint | undefined;
  if (c.remaining > 0) {
    flagsExtra = c.u8();
    if (flagsExtra & FL_EXTRA_MULTI_ENGINE_E1) extraEngines = c.u8();
    if (flagsExtra & (FL_COMMIT_ALTER_E1 | FL_ROLLBACK_ALTER_E1)) startAlterSeqNo = c.u64();
  }
  return {
    kind: 'gtid',
    flavor: 'mariadb',
    gtid: `${domainId}-${serverId}-${seqNo}`,
    domainId,
    serverId,
    seqNo,
    flags,
    standalone: (flags & FL_STANDALONE) !== 0,
    transactional: (flags & FL_TRANSACTIONAL) !== 0,
    ddl: (flags & FL_DDL) !== 0,
    commitId,
    xa,
    flagsExtra,
    extraEngines,
    startAlterSeqNo,
  };
}

/** GTID_LIST_EVENT (163): count(4; low 28 bits count, high 4 bits flags) × (domain(4) server(4) seq(8)). */
export function decodeGtidListEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): Body<'gtid_list'> {
  const c = cursor(body, ctx, bodyOffset, MARIADB_GTID_LIST_EVENT);
  const word = c.u32();
  const count = word & 0x0fffffff;
  const flags = word >>> 28;
  c.need(count * 16);
  const gtids: { domainId: number; serverId: number; seqNo: bigint }[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const domainId = c.u32();
    const serverId = c.u32();
    gtids[i] = { domainId, serverId, seqNo: c.u64() };
  }
  return { kind: 'gtid_list', flags, gtids };
}

/**
 * START_ENCRYPTION_EVENT (164): every later event of the file is encrypted with a key we do not
 * have (encrypt_binlog=ON). Reading on would only produce garbage, so stop with a clear error.
 */
export function rejectStartEncryptionEvent(file: string, eventPos: number): never {
  throw new BinlogFormatError(
    'the binlog is encrypted (START_ENCRYPTION_EVENT); its events cannot be decoded from the file',
    { file, offset: eventPos, eventType: MARIADB_START_ENCRYPTION_EVENT },
    {
      code: ERROR_CODES.BINLOG_ENCRYPTED,
      hints: [
        'encrypted binlogs must be read through the server: `pitr archive --source URL` receives them decrypted over replication',
      ],
    },
  );
}
