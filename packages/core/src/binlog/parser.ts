/**
 * Event framing, checksums and dispatch: one event's bytes in, one decoded BinlogEvent out. Holds
 * the per-file state a decoder needs (the FORMAT_DESCRIPTION_EVENT's checksum algorithm, post-header
 * lengths and flavor) and the DecodeContext shared with the body decoders (table maps by id).
 * Every event type starts in the one `switch` of `decodeBody`.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
 * https://mariadb.com/kb/en/2-binlog-event-header/
 */
import { BinlogFormatError, ERROR_CODES } from '../errors/pitr-error.js';
import type { SchemaProvider } from '../schema/schema-provider.js';
import type { DecodeContext } from './decode-context.js';
import type { BinlogEvent, EventBody, EventHeader, Flavor, TableMapBody } from './types.js';
import { crc32 } from './crc32.js';
import * as K from './constants.js';
import { decodeFormatDescriptionEvent, type FormatDescriptionBody } from './events/format-description-event.js';
import { decodeQueryEvent } from './events/query-event.js';
import {
  decodeBeginLoadQueryEvent,
  decodeExecuteLoadQueryEvent,
  decodeHeartbeatEvent,
  decodeHeartbeatV2Event,
  decodeIncidentEvent,
  decodeIntvarEvent,
  decodeRandEvent,
  decodeRotateEvent,
  decodeUserVarEvent,
  decodeXidEvent,
} from './events/small-events.js';
import {
  decodeAnnotateRowsEvent,
  decodeBinlogCheckpointEvent,
  decodeGtidListEvent,
  decodeMariadbGtidEvent,
  rejectStartEncryptionEvent,
} from './events/mariadb-events.js';
import {
  decodeGtidTaggedEvent,
  decodeMysqlGtidEvent,
  decodePreviousGtidsEvent,
  decodeRowsQueryEvent,
  decodeTransactionContextEvent,
  decodeViewChangeEvent,
  decodeXaPrepareEvent,
} from './events/mysql-gtid-events.js';
import { decodeTransactionPayloadEvent } from './events/transaction-payload-event.js';
import { decodeTableMapEvent } from './events/table-map-event.js';
import { decodeRowsEvent } from './events/rows-event.js';

export interface BinlogParserOptions {
  /** Name used in events and errors (basename of the file). Default 'binlog'. */
  fileName?: string;
  /** Verify CRC32 checksums when the FDE says binlog_checksum=CRC32. Default true. */
  verifyChecksums?: boolean;
  /** Table definitions for binlogs without full row metadata. */
  schema?: SchemaProvider;
  /** Non-fatal findings, each distinct message once per parser. */
  onWarning?: (message: string, where: { file: string; pos: number }) => void;
  /**
   * Decode row images (default true). When false, rows events keep a generic body
   * ({ kind: 'unknown' }) with their raw bytes — for scans that only need GTIDs/positions.
   * TABLE_MAP events are always decoded.
   */
  decodeRows?: boolean;
  /**
   * What a MariaDB START_ENCRYPTION_EVENT means. 'reject' (default): the events after it are
   * encrypted with a key we do not have, so it is an error (BINLOG_ENCRYPTED). 'ignore': the caller
   * has made sure the events after it are plain (a file archived over replication, which the
   * server sends decrypted), and it is kept as an ignorable event.
   */
  startEncryption?: 'reject' | 'ignore';
}

/** Cap on distinct warnings remembered for de-duplication. */
const MAX_DISTINCT_WARNINGS = 1000;

/** DecodeContext of one parser; `pos`/`file` follow the event being decoded. */
class ParserContext implements DecodeContext {
  file: string;
  pos = 0;
  flavor: Flavor = 'mysql';
  postHeaderLengths: Uint8Array = new Uint8Array(0);
  readonly tableMaps = new Map<number, TableMapBody>();
  readonly schema: SchemaProvider | undefined;
  private readonly seen = new Set<string>();
  private readonly onWarning: BinlogParserOptions['onWarning'];

  constructor(options: BinlogParserOptions) {
    this.file = options.fileName ?? 'binlog';
    this.schema = options.schema;
    this.onWarning = options.onWarning;
  }

  postHeaderLength(typeCode: number): number {
    // The FDE's array is authoritative; types beyond its end (newer than the writer's array,
    // e.g. MySQL 42 in an 8.0 FDE) fall back to the known defaults.
    const fromFde = this.postHeaderLengths[typeCode - 1];
    return fromFde ?? K.DEFAULT_POST_HEADER_LENGTHS[typeCode] ?? 0;
  }

  warn(message: string): void {
    if (this.onWarning === undefined || this.seen.has(message)) return;
    if (this.seen.size < MAX_DISTINCT_WARNINGS) this.seen.add(message);
    this.onWarning(message, { file: this.file, pos: this.pos });
  }
}

const LOAD_DATA_BLOCK_TYPES = new Set([K.APPEND_BLOCK_EVENT, K.DELETE_FILE_EVENT]);

export class BinlogParser {
  readonly ctx: DecodeContext;
  private readonly c: ParserContext;
  private readonly verifyChecksums: boolean;
  private readonly startEncryption: 'reject' | 'ignore';
  private readonly decodeRows: boolean;
  private fde: FormatDescriptionBody | undefined;
  private checksumLength = 0;

  constructor(options: BinlogParserOptions = {}) {
    this.c = new ParserContext(options);
    this.ctx = this.c;
    this.verifyChecksums = options.verifyChecksums ?? true;
    this.startEncryption = options.startEncryption ?? 'reject';
    this.decodeRows = options.decodeRows ?? true;
  }

  /** The current file's FORMAT_DESCRIPTION_EVENT body, once seen. */
  get formatDescription(): FormatDescriptionBody | undefined {
    return this.fde;
  }

  get flavor(): Flavor {
    return this.c.flavor;
  }

  /** BINLOG_CHECKSUM_ALG_* of the current file (OFF until an FDE is seen). */
  get checksumAlg(): number {
    return this.fde?.checksumAlg ?? K.BINLOG_CHECKSUM_ALG_OFF;
  }

  get fileName(): string {
    return this.c.file;
  }

  /**
   * Starts a new file: its FDE must come first. Table maps are kept (a stream may rotate
   * mid-session, and ids are re-announced by TABLE_MAP before use anyway).
   */
  startFile(fileName: string): void {
    this.c.file = fileName;
    this.fde = undefined;
  }

  /**
   * Decodes one whole event (header .. checksum) that starts at absolute offset `pos`.
   * Returns the event, or for TRANSACTION_PAYLOAD_EVENT the payload event followed by its inner
   * events. The returned events' `raw` are views of `event` (or of the decompressed payload).
   * `checksumVerified` says the caller already checked that the event's last 4 bytes are the CRC32
   * of the rest (the reader's checksum worker, checksum-worker.ts); it never skips the FDE's check.
   */
  parse(event: Uint8Array, pos: number, checksumVerified = false): BinlogEvent | BinlogEvent[] {
    const ctx = this.c;
    ctx.pos = pos;
    if (event.length < K.EVENT_HEADER_LENGTH) {
      this.fail(`event of ${event.length} bytes is shorter than the 19-byte header`, pos, undefined);
    }
    const header = readHeader(event);
    const typeCode = header.typeCode;
    if (header.eventSize !== event.length) {
      this.fail(`event size field says ${header.eventSize} bytes but ${event.length} were given`, pos, typeCode);
    }
    const end = pos + event.length;

    if (typeCode === K.FORMAT_DESCRIPTION_EVENT) {
      const fde = decodeFormatDescriptionEvent(event.subarray(K.EVENT_HEADER_LENGTH), ctx.file, pos + K.EVENT_HEADER_LENGTH);
      if (fde.checksumAlg === K.BINLOG_CHECKSUM_ALG_CRC32 && this.verifyChecksums) {
        this.verifyFdeChecksum(event, header, pos);
      } else if (fde.checksumAlg !== K.BINLOG_CHECKSUM_ALG_CRC32 && fde.checksumAlg !== K.BINLOG_CHECKSUM_ALG_OFF) {
        this.fail(`checksum algorithm ${fde.checksumAlg} is unknown (expected 0 = NONE or 1 = CRC32)`, pos, typeCode);
      }
      this.fde = fde;
      ctx.flavor = fde.flavor;
      ctx.schema?.setFlavor?.(fde.flavor);
      ctx.postHeaderLengths = fde.postHeaderLengths;
      this.checksumLength = fde.checksumAlg === K.BINLOG_CHECKSUM_ALG_CRC32 ? K.CHECKSUM_LENGTH : 0;
      return makeEvent(ctx.file, pos, end, header, event, fde, undefined);
    }

    if (this.fde === undefined) {
      this.fail(
        `${K.typeName(typeCode)} before any FORMAT_DESCRIPTION_EVENT: a binlog must start with one`,
        pos,
        typeCode,
        ['give the whole binlog file (from offset 4), not a fragment'],
      );
    }
    const bodyEnd = event.length - this.checksumLength;
    if (bodyEnd < K.EVENT_HEADER_LENGTH) this.fail(`event of ${event.length} bytes has no room for its checksum`, pos, typeCode);
    if (this.checksumLength !== 0 && this.verifyChecksums && !checksumVerified) {
      const expected = readU32(event, bodyEnd);
      const actual = crc32(event, 0, bodyEnd);
      if (expected !== actual) this.checksumFail(expected, actual, pos, typeCode);
    }
    if (typeCode === K.TRANSACTION_PAYLOAD_EVENT) {
      const body = event.subarray(K.EVENT_HEADER_LENGTH, bodyEnd);
      const bodyOffset = pos + K.EVENT_HEADER_LENGTH;
      const decoded = decodeTransactionPayloadEvent(body, ctx, bodyOffset);
      const out: BinlogEvent[] = [makeEvent(ctx.file, pos, end, header, event, decoded.body, undefined)];
      this.parsePayload(decoded.payload, pos, end, out);
      ctx.pos = pos;
      return out;
    }
    return makeEvent(ctx.file, pos, end, header, event, this.decodeBody(typeCode, header, event, K.EVENT_HEADER_LENGTH, bodyEnd, pos, pos), undefined);
  }

  /** Inner events of a TRANSACTION_PAYLOAD: no checksum, log_pos 0, positions of the enclosing event. */
  private parsePayload(payload: Uint8Array, pos: number, end: number, out: BinlogEvent[]): void {
    let at = 0;
    let index = 0;
    while (at < payload.length) {
      if (payload.length - at < K.EVENT_HEADER_LENGTH) {
        this.fail(`TRANSACTION_PAYLOAD_EVENT: ${payload.length - at} trailing byte(s) after inner event ${index}`, pos, K.TRANSACTION_PAYLOAD_EVENT);
      }
      const size = readU32(payload, at + 9);
      if (size < K.EVENT_HEADER_LENGTH || at + size > payload.length) {
        this.fail(
          `TRANSACTION_PAYLOAD_EVENT: inner event ${index} at payload offset ${at} has size ${size} beyond the ${payload.length}-byte payload`,
          pos,
          K.TRANSACTION_PAYLOAD_EVENT,
        );
      }
      const inner = payload.subarray(at, at + size);
      const header = readHeader(inner);
      if (header.typeCode === K.TRANSACTION_PAYLOAD_EVENT || header.typeCode === K.FORMAT_DESCRIPTION_EVENT) {
        this.fail(`TRANSACTION_PAYLOAD_EVENT contains a ${K.typeName(header.typeCode)}`, pos, K.TRANSACTION_PAYLOAD_EVENT);
      }
      let body: EventBody;
      try {
        // Decoders see offsets within the uncompressed payload...
        body = this.decodeBody(header.typeCode, header, inner, K.EVENT_HEADER_LENGTH, inner.length, at, pos);
      } catch (e) {
        // ...which do not exist in the file: the error points at the payload event and says where inside.
        if (!(e instanceof BinlogFormatError)) throw e;
        const prefix = `${e.file}:${e.offset}${e.eventType === undefined ? '' : ` (event type ${e.eventType})`}: `;
        const detail = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
        throw new BinlogFormatError(
          `${K.typeName(header.typeCode)} inside TRANSACTION_PAYLOAD_EVENT (inner event ${index}, uncompressed offset ${e.offset}): ${detail}`,
          { file: this.c.file, offset: pos, eventType: header.typeCode },
          { code: e.code, hints: e.hints, cause: e },
        );
      }
      out.push(makeEvent(this.c.file, pos, end, header, inner, body, index));
      at += size;
      index++;
    }
  }

  /**
   * The one dispatch on event type: the body is bytes[start, end) (header and checksum excluded),
   * `bytesOffset` the offset of bytes[0]. The most frequent types decode straight from the event's
   * bytes; the others get a subarray of their body (a subarray per event cost ~3% of a full decode).
   */
  private decodeBody(typeCode: number, header: EventHeader, bytes: Uint8Array, start: number, end: number, bytesOffset: number, pos: number): EventBody {
    const ctx = this.c;
    switch (typeCode) {
      case K.TABLE_MAP_EVENT: {
        const tableMap = decodeTableMapEvent(bytes, ctx, bytesOffset, start, end);
        // Ids are reused (MariaDB after FLUSH TABLES, MySQL after ALTER): the latest map wins.
        ctx.tableMaps.set(tableMap.tableId, tableMap);
        return tableMap;
      }
      case K.WRITE_ROWS_EVENT_V1:
      case K.UPDATE_ROWS_EVENT_V1:
      case K.DELETE_ROWS_EVENT_V1:
      case K.WRITE_ROWS_EVENT_V2:
      case K.UPDATE_ROWS_EVENT_V2:
      case K.DELETE_ROWS_EVENT_V2:
        if (!this.decodeRows) return { kind: 'unknown', typeCode };
        return decodeRowsEvent(bytes, typeCode, ctx, bytesOffset, start, end);
      case K.XID_EVENT:
        return decodeXidEvent(bytes, ctx, bytesOffset, start, end);
      case K.MARIADB_ANNOTATE_ROWS_EVENT:
        return decodeAnnotateRowsEvent(bytes, ctx, bytesOffset, start, end);
      case K.MARIADB_GTID_EVENT:
        return decodeMariadbGtidEvent(bytes, ctx, bytesOffset, header.serverId, start, end);
      default:
        return this.decodeOtherBody(typeCode, header, bytes.subarray(start, end), bytesOffset + start, pos);
    }
  }

  /** The rest of decodeBody; `body` excludes header and checksum, `bodyOffset` is its offset. */
  private decodeOtherBody(typeCode: number, header: EventHeader, body: Uint8Array, bodyOffset: number, pos: number): EventBody {
    const ctx = this.c;
    switch (typeCode) {
      case K.QUERY_EVENT:
      case K.MARIADB_QUERY_COMPRESSED_EVENT: {
        const query = decodeQueryEvent(body, typeCode, ctx, bodyOffset);
        // DDL precedes the TABLE_MAP/rows that use the new layout, so a schema that follows DDL is
        // updated here, inside the parser, before any later event is decoded (the reader decodes
        // ahead of its consumer, so doing this in the consumer would be too late).
        const schema = ctx.schema;
        if (schema?.applyQueryEvent !== undefined) {
          const change = schema.applyQueryEvent(query);
          if (change.changed.length + change.dropped.length + change.unknown.length > 0) ctx.tableMaps.clear();
          for (const u of change.unknown) {
            if (u.cause === 'not-understood') ctx.warn(`${u.db}.${u.table}: column names and types unknown from here on: ${u.reason}`);
          }
        }
        return query;
      }
      case K.STOP_EVENT:
        return { kind: 'stop' };
      case K.ROTATE_EVENT:
        return decodeRotateEvent(body, ctx, bodyOffset);
      case K.INTVAR_EVENT:
        return decodeIntvarEvent(body, ctx, bodyOffset);
      case K.RAND_EVENT:
        return decodeRandEvent(body, ctx, bodyOffset);
      case K.USER_VAR_EVENT:
        return decodeUserVarEvent(body, ctx, bodyOffset);
      case K.BEGIN_LOAD_QUERY_EVENT:
        return decodeBeginLoadQueryEvent(body, ctx, bodyOffset);
      case K.EXECUTE_LOAD_QUERY_EVENT:
        return decodeExecuteLoadQueryEvent(body, ctx, bodyOffset);
      case K.PRE_GA_WRITE_ROWS_EVENT:
      case K.PRE_GA_UPDATE_ROWS_EVENT:
      case K.PRE_GA_DELETE_ROWS_EVENT:
      case K.WRITE_ROWS_EVENT_V1:
      case K.UPDATE_ROWS_EVENT_V1:
      case K.DELETE_ROWS_EVENT_V1:
      case K.WRITE_ROWS_EVENT_V2:
      case K.UPDATE_ROWS_EVENT_V2:
      case K.DELETE_ROWS_EVENT_V2:
      case K.PARTIAL_UPDATE_ROWS_EVENT:
      case K.MARIADB_WRITE_ROWS_COMPRESSED_EVENT_V1:
      case K.MARIADB_UPDATE_ROWS_COMPRESSED_EVENT_V1:
      case K.MARIADB_DELETE_ROWS_COMPRESSED_EVENT_V1:
      case K.MARIADB_WRITE_ROWS_COMPRESSED_EVENT_V2:
      case K.MARIADB_UPDATE_ROWS_COMPRESSED_EVENT_V2:
      case K.MARIADB_DELETE_ROWS_COMPRESSED_EVENT_V2:
        if (!this.decodeRows) return { kind: 'unknown', typeCode };
        return decodeRowsEvent(body, typeCode, ctx, bodyOffset);
      case K.INCIDENT_EVENT:
        return decodeIncidentEvent(body, ctx, bodyOffset);
      case K.HEARTBEAT_LOG_EVENT:
        // v1 carries the position in the header's log_pos.
        return { ...decodeHeartbeatEvent(body, ctx, bodyOffset), logPos: header.logPos };
      case K.HEARTBEAT_LOG_EVENT_V2:
        return decodeHeartbeatV2Event(body, ctx, bodyOffset);
      case K.IGNORABLE_LOG_EVENT:
        return { kind: 'ignorable', typeCode };
      case K.ROWS_QUERY_LOG_EVENT:
        return decodeRowsQueryEvent(body, ctx, bodyOffset);
      case K.GTID_LOG_EVENT:
      case K.ANONYMOUS_GTID_LOG_EVENT:
        return decodeMysqlGtidEvent(body, typeCode, ctx, bodyOffset);
      case K.GTID_TAGGED_LOG_EVENT:
        return decodeGtidTaggedEvent(body, ctx, bodyOffset);
      case K.PREVIOUS_GTIDS_LOG_EVENT:
        return decodePreviousGtidsEvent(body, ctx, bodyOffset);
      case K.TRANSACTION_CONTEXT_EVENT:
        return decodeTransactionContextEvent(body, ctx, bodyOffset);
      case K.VIEW_CHANGE_EVENT:
        return decodeViewChangeEvent(body, ctx, bodyOffset);
      case K.XA_PREPARE_LOG_EVENT:
        return decodeXaPrepareEvent(body, ctx, bodyOffset);
      case K.MARIADB_BINLOG_CHECKPOINT_EVENT:
        return decodeBinlogCheckpointEvent(body, ctx, bodyOffset);
      case K.MARIADB_GTID_LIST_EVENT:
        return decodeGtidListEvent(body, ctx, bodyOffset);
      case K.MARIADB_START_ENCRYPTION_EVENT:
        if (this.startEncryption === 'ignore') return { kind: 'ignorable', typeCode };
        return rejectStartEncryptionEvent(ctx.file, pos);
      default:
        return this.genericBody(typeCode, header, pos);
    }
  }

  /** Events we do not decode: kept raw when the writer says they may be ignored, otherwise an error. */
  private genericBody(typeCode: number, header: EventHeader, pos: number): EventBody {
    if (LOAD_DATA_BLOCK_TYPES.has(typeCode)) {
      this.c.warn(`${K.typeName(typeCode)} (LOAD DATA file block) is not decoded; kept raw`);
      return { kind: 'unknown', typeCode };
    }
    if (header.flags & K.LOG_EVENT_IGNORABLE_F) {
      this.c.warn(`${K.typeName(typeCode)} is flagged ignorable and not decoded; kept raw`);
      return { kind: 'unknown', typeCode };
    }
    return this.fail(`event type ${typeCode} (${K.typeName(typeCode)}) is not supported and is not flagged ignorable`, pos, typeCode, [
      'the binlog was written by a server version this pitr does not know; upgrade pitr or report the server version',
    ], ERROR_CODES.BINLOG_UNSUPPORTED);
  }

  /**
   * An FDE written while the file was open has LOG_EVENT_BINLOG_IN_USE_F set; the server computed
   * its CRC before setting the flag (and clears it on close), so verify with the flag cleared.
   */
  private verifyFdeChecksum(event: Uint8Array, header: EventHeader, pos: number): void {
    const bodyEnd = event.length - K.CHECKSUM_LENGTH;
    const expected = readU32(event, bodyEnd);
    let actual: number;
    if (header.flags & K.LOG_EVENT_BINLOG_IN_USE_F) {
      const flagsLow = Uint8Array.of(event[17]! & ~K.LOG_EVENT_BINLOG_IN_USE_F);
      actual = crc32(event, 0, 17);
      actual = crc32(flagsLow, 0, 1, actual);
      actual = crc32(event, 18, bodyEnd, actual);
    } else {
      actual = crc32(event, 0, bodyEnd);
    }
    if (expected !== actual) this.checksumFail(expected, actual, pos, K.FORMAT_DESCRIPTION_EVENT);
  }

  private checksumFail(expected: number, actual: number, pos: number, typeCode: number): never {
    const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
    return this.fail(
      `${K.typeName(typeCode)} CRC32 mismatch: stored ${hex(expected)}, computed ${hex(actual)}`,
      pos,
      typeCode,
      ['the file is corrupt here; restore it from the archive (pitr verify) or re-fetch it from the server'],
      ERROR_CODES.BINLOG_CHECKSUM,
    );
  }

  private fail(message: string, pos: number, typeCode: number | undefined, hints?: string[], code?: (typeof ERROR_CODES)[keyof typeof ERROR_CODES]): never {
    throw new BinlogFormatError(message, { file: this.c.file, offset: pos, eventType: typeCode }, { hints: hints ?? [], code });
  }
}

function readU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** The 19-byte v4 common header (caller checked the length). */
export function readHeader(b: Uint8Array): EventHeader {
  return {
    timestamp: readU32(b, 0),
    typeCode: b[4]!,
    serverId: readU32(b, 5),
    eventSize: readU32(b, 9),
    logPos: readU32(b, 13),
    flags: b[17]! | (b[18]! << 8),
  };
}

function makeEvent(
  file: string,
  pos: number,
  end: number,
  header: EventHeader,
  raw: Uint8Array,
  body: EventBody,
  payloadIndex: number | undefined,
): BinlogEvent {
  const typeName = K.typeName(header.typeCode);
  if (payloadIndex === undefined) return { file, pos, end, header, typeName, raw, body };
  return { file, pos, end, header, typeName, raw, body, payloadIndex };
}
