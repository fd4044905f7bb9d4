/**
 * What the archiver needs to know about a binlog file, event by event, without depending on the
 * decoding of every event type: byte-exact archiving must keep working for an event type (or a row
 * layout) the decoder does not know. So each event's CRC32 is checked here, and only the events
 * that delimit transactions or describe the file are decoded (with core's BinlogParser):
 * FORMAT_DESCRIPTION, GTID events, QUERY (BEGIN/COMMIT/DDL), XID, XA_PREPARE, ROTATE, STOP,
 * GTID_LIST / PREVIOUS_GTIDS, and MySQL TRANSACTION_PAYLOAD (its inner XID ends the transaction).
 *
 * It tracks the file's statistics for the manifest and its last transaction boundary: the offset
 * after an event at which no event group is open. Groups follow the servers' rules
 * (BINLOG-NOTES.md): a group starts at its GTID event; MariaDB groups end at XID, COMMIT or
 * ROLLBACK, standalone ones (FL_STANDALONE: DDL) after their statement; MySQL DDL (no BEGIN) ends
 * with the statement; a prepared XA transaction ends at XA_PREPARE.
 */
import { BinlogFormatError, BinlogParser, ERROR_CODES, crc32, firstKeyword, readHeader, typeName } from '@pitr/core';
import type { BinlogEvent, EventHeader, Flavor } from '@pitr/core';

const QUERY_EVENT = 2;
const STOP_EVENT = 3;
const ROTATE_EVENT = 4;
const FORMAT_DESCRIPTION_EVENT = 15;
const XID_EVENT = 16;
const GTID_LOG_EVENT = 33;
const ANONYMOUS_GTID_LOG_EVENT = 34;
const PREVIOUS_GTIDS_LOG_EVENT = 35;
const XA_PREPARE_LOG_EVENT = 38;
const TRANSACTION_PAYLOAD_EVENT = 40;
const GTID_TAGGED_LOG_EVENT = 42;
const MARIADB_GTID_EVENT = 162;
const MARIADB_GTID_LIST_EVENT = 163;
const MARIADB_START_ENCRYPTION_EVENT = 164;
const MARIADB_QUERY_COMPRESSED_EVENT = 165;

/** Event types decoded by the scanner; all others are only framed and checksummed. */
const DECODED_TYPES = new Set([
  QUERY_EVENT,
  STOP_EVENT,
  ROTATE_EVENT,
  FORMAT_DESCRIPTION_EVENT,
  XID_EVENT,
  GTID_LOG_EVENT,
  ANONYMOUS_GTID_LOG_EVENT,
  PREVIOUS_GTIDS_LOG_EVENT,
  XA_PREPARE_LOG_EVENT,
  TRANSACTION_PAYLOAD_EVENT,
  GTID_TAGGED_LOG_EVENT,
  MARIADB_GTID_EVENT,
  MARIADB_GTID_LIST_EVENT,
  MARIADB_QUERY_COMPRESSED_EVENT,
]);

const EVENT_HEADER_LENGTH = 19;
const CHECKSUM_LENGTH = 4;
const BINLOG_CHECKSUM_ALG_CRC32 = 1;

/** Statistics of a binlog file (or of its part scanned so far), as the manifest records them. */
export interface BinlogFileStats {
  /** Offset of the first event (4: right after the magic). */
  readonly startPos: number;
  /** Offset after the last complete event scanned. */
  readonly endPos: number;
  /** Offset after the last event that ended an event group (or was outside any group). */
  readonly boundaryPos: number;
  /** Top-level events (the events of a TRANSACTION_PAYLOAD count as one). */
  readonly events: number;
  /** Complete event groups (transactions, DDL). */
  readonly transactions: number;
  /** Header time of the first / last event, epoch seconds. */
  readonly firstEventTime: number | undefined;
  readonly lastEventTime: number | undefined;
  /** GTID of the first / last complete transaction (MySQL anonymous ones have none). */
  readonly firstGtid: string | undefined;
  readonly lastGtid: string | undefined;
  /** Commit time of the first / last complete transaction, epoch µs (MariaDB: whole seconds). */
  readonly firstCommitTimeUs: bigint | undefined;
  readonly lastCommitTimeUs: bigint | undefined;
  /** The file's GTID_LIST (MariaDB) or PREVIOUS_GTIDS (MySQL): the GTID state before the file. */
  readonly gtidStateAtStart: string | undefined;
  /** From the FORMAT_DESCRIPTION_EVENT. */
  readonly flavor: Flavor | undefined;
  readonly serverVersion: string | undefined;
  readonly serverId: number | undefined;
  readonly checksum: 'CRC32' | 'NONE' | undefined;
  /** FDE header time: when the server created the file. */
  readonly createdTime: number | undefined;
  /** How the file ends, when it ends: the server's ROTATE to the next file, or its STOP (shutdown). */
  readonly closedBy: 'rotate' | 'stop' | undefined;
  /** ROTATE's next file. */
  readonly nextFile: string | undefined;
  /**
   * The file has a MariaDB START_ENCRYPTION_EVENT: the server encrypts it at rest, and what it
   * sends (and the archive holds) after that event is decrypted.
   */
  readonly encryptedAtSource: boolean;
}

interface Group {
  gtid: string | undefined;
  commitTimeUs: bigint;
  flavor: Flavor;
  standalone: boolean;
  begun: boolean;
}

/** Feeds one file's events in order; see the file comment. */
export class BinlogFileScanner {
  readonly fileName: string;
  readonly #parser: BinlogParser;
  readonly #onWarning: ((message: string) => void) | undefined;
  #checksumLength = 0;
  #fdeSeen = false;
  /**
   * The caller checks each event's CRC32 itself (the archiver's digest worker): add() leaves them
   * (but the FORMAT_DESCRIPTION_EVENT's, which the parser checks) unchecked.
   */
  skipChecksums = false;
  #group: Group | undefined;
  #stats: {
    -readonly [K in keyof BinlogFileStats]: BinlogFileStats[K];
  };

  constructor(fileName: string, options: { startPos?: number; onWarning?: (message: string) => void } = {}) {
    this.fileName = fileName;
    this.#onWarning = options.onWarning;
    this.#parser = new BinlogParser({ fileName, decodeRows: false, verifyChecksums: true });
    const start = options.startPos ?? 4;
    this.#stats = {
      startPos: 4,
      endPos: start,
      boundaryPos: start,
      events: 0,
      transactions: 0,
      firstEventTime: undefined,
      lastEventTime: undefined,
      firstGtid: undefined,
      lastGtid: undefined,
      firstCommitTimeUs: undefined,
      lastCommitTimeUs: undefined,
      gtidStateAtStart: undefined,
      flavor: undefined,
      serverVersion: undefined,
      serverId: undefined,
      checksum: undefined,
      createdTime: undefined,
      closedBy: undefined,
      nextFile: undefined,
      encryptedAtSource: false,
    };
  }

  /** True once a FORMAT_DESCRIPTION_EVENT was scanned (or given with `useFormatDescription`). */
  get hasFormatDescription(): boolean {
    return this.#fdeSeen;
  }

  /** True while an event group is open (its end not yet seen). */
  get inGroup(): boolean {
    return this.#group !== undefined;
  }

  /** A copy of the statistics so far (for a cheap look at one of them: closedBy, events). */
  get stats(): BinlogFileStats {
    return { ...this.#stats };
  }

  /** How the file ended, once it did (stats.closedBy without the copy). */
  get closedBy(): BinlogFileStats['closedBy'] {
    return this.#stats.closedBy;
  }

  /** Events scanned (stats.events without the copy). */
  get events(): number {
    return this.#stats.events;
  }

  /** Complete event groups (stats.transactions without the copy). */
  get transactions(): number {
    return this.#stats.transactions;
  }

  /**
   * The FDE of a dump that starts inside the file (sent with log_pos 0, not part of the file):
   * sets up checksums and post-header lengths without counting it as an event of the file.
   */
  useFormatDescription(event: Uint8Array): EventHeader {
    const header = this.#frame(event, 0);
    this.#parser.parse(event, 0);
    this.#useFde();
    return header;
  }

  /**
   * Scans the whole event that starts at `pos` (its bytes from header to checksum). Throws a
   * BinlogFormatError for a malformed event or a CRC32 mismatch; anything else that only stops
   * decoding (an event type we do not know) is kept opaque with a warning.
   */
  add(event: Uint8Array, pos: number, knownHeader?: EventHeader): EventHeader {
    const header = this.#frame(event, pos, knownHeader);
    const s = this.#stats;
    const type = header.typeCode;
    if (type !== FORMAT_DESCRIPTION_EVENT && this.#checksumLength !== 0 && !this.skipChecksums) {
      const bodyEnd = event.length - CHECKSUM_LENGTH;
      const stored = (event[bodyEnd]! | (event[bodyEnd + 1]! << 8) | (event[bodyEnd + 2]! << 16) | (event[bodyEnd + 3]! << 24)) >>> 0;
      const actual = crc32(event, 0, bodyEnd);
      if (stored !== actual) {
        const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
        throw new BinlogFormatError(
          `${typeName(type)} CRC32 mismatch: stored ${hex(stored)}, computed ${hex(actual)}`,
          { file: this.fileName, offset: pos, eventType: type },
          { code: ERROR_CODES.BINLOG_CHECKSUM, hints: ['the event was damaged on its way or on disk; run pitr archive again to fetch it anew'] },
        );
      }
    }
    let decoded: BinlogEvent[] | undefined;
    if (type === FORMAT_DESCRIPTION_EVENT || DECODED_TYPES.has(type)) {
      if (type !== FORMAT_DESCRIPTION_EVENT && !this.#fdeSeen) {
        throw new BinlogFormatError(`${typeName(type)} before any FORMAT_DESCRIPTION_EVENT`, { file: this.fileName, offset: pos, eventType: type });
      }
      try {
        const out = this.#parser.parse(event, pos, true);
        decoded = Array.isArray(out) ? out : [out];
      } catch (e) {
        if (type === FORMAT_DESCRIPTION_EVENT) throw e;
        // Only the statistics and the transaction boundary depend on this event, not the bytes.
        this.#onWarning?.(`${this.fileName}:${pos}: ${typeName(type)} could not be decoded (${e instanceof Error ? e.message : String(e)}); archived as is`);
      }
    }
    if (type === FORMAT_DESCRIPTION_EVENT) this.#useFde();
    else if (type === MARIADB_START_ENCRYPTION_EVENT) s.encryptedAtSource = true;
    s.events++;
    if (s.firstEventTime === undefined) s.firstEventTime = header.timestamp;
    s.lastEventTime = header.timestamp;
    s.endPos = pos + event.length;
    if (decoded !== undefined) for (const e of decoded) this.#track(e);
    if (this.#group === undefined) s.boundaryPos = s.endPos;
    return header;
  }

  /** The event's header (`known`: already read by the caller), checked against the event's length. */
  #frame(event: Uint8Array, pos: number, known?: EventHeader): EventHeader {
    if (event.length < EVENT_HEADER_LENGTH) {
      throw new BinlogFormatError(`event of ${event.length} bytes is shorter than the 19-byte header`, { file: this.fileName, offset: pos });
    }
    const header = known ?? readHeader(event);
    if (header.eventSize !== event.length) {
      throw new BinlogFormatError(`event size field says ${header.eventSize} bytes but ${event.length} were given`, {
        file: this.fileName,
        offset: pos,
        eventType: header.typeCode,
      });
    }
    return header;
  }

  #useFde(): void {
    const fde = this.#parser.formatDescription;
    if (fde === undefined) return;
    this.#fdeSeen = true;
    this.#checksumLength = fde.checksumAlg === BINLOG_CHECKSUM_ALG_CRC32 ? CHECKSUM_LENGTH : 0;
  }

  #track(e: BinlogEvent): void {
    const s = this.#stats;
    const body = e.body;
    switch (body.kind) {
      case 'format_description':
        s.flavor = body.flavor;
        s.serverVersion = body.serverVersion;
        s.serverId = e.header.serverId;
        s.checksum = body.checksumAlg === BINLOG_CHECKSUM_ALG_CRC32 ? 'CRC32' : 'NONE';
        s.createdTime = e.header.timestamp;
        return;
      case 'gtid': {
        const commitTimeUs =
          body.flavor === 'mysql' && body.immediateCommitTimestampUs !== undefined ? body.immediateCommitTimestampUs : BigInt(e.header.timestamp) * 1_000_000n;
        const gtid = body.flavor === 'mysql' && body.anonymous ? undefined : body.gtid;
        this.#group = { gtid, commitTimeUs, flavor: body.flavor, standalone: body.flavor === 'mariadb' ? body.standalone : false, begun: false };
        return;
      }
      case 'gtid_list':
        s.gtidStateAtStart ??= body.gtids.map((g) => `${g.domainId}-${g.serverId}-${g.seqNo}`).join(',');
        return;
      case 'previous_gtids':
        s.gtidStateAtStart ??= body.gtidSet;
        return;
      case 'rotate':
        s.closedBy = 'rotate';
        s.nextFile = body.nextFile;
        return;
      case 'stop':
        s.closedBy = 'stop';
        return;
      case 'xid':
      case 'xa_prepare':
        if (this.#group !== undefined) this.#endGroup();
        return;
      case 'query': {
        const kw = firstKeyword(body.query);
        const g = this.#group;
        if (g === undefined) {
          // A transaction without a GTID event (servers without GTIDs): BEGIN … COMMIT/XID.
          if (kw === 'begin') this.#group = { gtid: undefined, commitTimeUs: BigInt(e.header.timestamp) * 1_000_000n, flavor: 'mysql', standalone: false, begun: true };
          return;
        }
        if (kw === 'begin') {
          g.begun = true;
          return;
        }
        if (kw === 'commit') return this.#endGroup();
        if (kw === 'rollback' && !/^\s*rollback\s+(work\s+)?to\b/i.test(body.query)) return this.#endGroup();
        if (kw === 'savepoint' || kw === 'rollback' || kw === 'release') return;
        // DDL: MySQL DDL (no BEGIN) and MariaDB standalone groups end with the statement
        // (MariaDB CREATE TABLE … SELECT is not standalone: it goes on to its XID).
        if (!g.begun && (g.standalone || g.flavor === 'mysql')) this.#endGroup();
        return;
      }
      default:
        return;
    }
  }

  #endGroup(): void {
    const g = this.#group!;
    const s = this.#stats;
    this.#group = undefined;
    s.transactions++;
    if (g.gtid !== undefined) {
      s.firstGtid ??= g.gtid;
      s.lastGtid = g.gtid;
    }
    s.firstCommitTimeUs ??= g.commitTimeUs;
    s.lastCommitTimeUs = g.commitTimeUs;
  }
}
