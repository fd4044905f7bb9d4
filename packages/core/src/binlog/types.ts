/**
 * The decoded-event contract shared by the reader, the parser, the CLI and later packages.
 * Field names follow the upstream protocol where one exists; see
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html and
 * https://mariadb.com/kb/en/replication-protocol/ .
 */
import type { RowImage } from './columns/values.js';

export type Flavor = 'mariadb' | 'mysql';

/** The 19-byte v4 common header. */
export interface EventHeader {
  /** Header timestamp, epoch seconds (statement start for most events, commit time for GTID). */
  readonly timestamp: number;
  readonly typeCode: number;
  readonly serverId: number;
  /** Whole event size including header and checksum. */
  readonly eventSize: number;
  /** End position as written by the server (0 for events inside a TRANSACTION_PAYLOAD). */
  readonly logPos: number;
  readonly flags: number;
}

/** Column description used to decode a row value; built from TABLE_MAP (+ schema source). */
export interface ColumnDef {
  readonly index: number;
  /** Binlog type code (MYSQL_TYPE_*), as in TABLE_MAP. */
  readonly type: number;
  /** Type metadata from TABLE_MAP (meaning depends on type). */
  readonly meta: number;
  readonly nullable: boolean;
  readonly name: string | undefined;
  /** undefined when the binlog does not say (metadata NO_LOG/MINIMAL without schema). */
  readonly unsigned: boolean | undefined;
  /** Collation id for character columns; undefined when unknown. 63 = binary. */
  readonly collationId: number | undefined;
  readonly enumValues: readonly string[] | undefined;
  readonly setValues: readonly string[] | undefined;
  readonly geometryType: number | undefined;
  /** Declared SQL type when a schema source gives it (e.g. 'uuid', 'inet6', 'json', 'varchar(10)'). */
  readonly sqlType: string | undefined;
  /** Generated column (STORED or VIRTUAL) per schema source; undefined when unknown. */
  readonly generated: boolean | undefined;
  /** Part of the primary key (metadata SIMPLE/PREFIX_PRIMARY_KEY or schema). */
  readonly primaryKey: boolean;
  /** Key prefix length in characters from PRIMARY_KEY_WITH_PREFIX (0 = whole column). */
  readonly primaryKeyPrefix?: number | undefined;
  /** false for INVISIBLE columns (metadata COLUMN_VISIBILITY); undefined when not logged. */
  readonly visible?: boolean | undefined;
  /** VECTOR column dimensions (MySQL 9 VECTOR_DIMENSIONALITY). */
  readonly vectorDimensions?: number | undefined;
}

export interface TableMapBody {
  readonly kind: 'table_map';
  readonly tableId: number;
  readonly flags: number;
  readonly db: string;
  readonly table: string;
  readonly columns: readonly ColumnDef[];
  /** Which optional-metadata fields the binlog carried (upstream names, e.g. 'COLUMN_NAME'). */
  readonly metadataFields: readonly string[];
  /** True when names/signedness/charsets came from a schema source rather than the binlog. */
  readonly schemaApplied: boolean;
}

export type RowsKind = 'write' | 'update' | 'delete';

export interface RowChange {
  /** Before image (update, delete). */
  readonly before?: RowImage;
  /** After image (write, update). */
  readonly after?: RowImage;
  /**
   * PARTIAL_UPDATE_ROWS_EVENT (binlog_row_value_options=PARTIAL_JSON) where the before image does
   * not carry the JSON column (binlog_row_image=MINIMAL): the new value is only known as changes to
   * the unlogged old value, as mysqlbinlog prints `JSON_REPLACE(@3, '$.a', 1)`. Keyed by column
   * index; `after[i]` is undefined (not a full value) for these columns. When the before value is
   * logged, the diff is applied and `after[i]` holds the full document instead.
   */
  readonly jsonPartialUpdates?: Readonly<Record<number, readonly JsonPartialOperation[]>>;
}

export interface JsonPartialOperation {
  readonly operation: 'REPLACE' | 'INSERT' | 'REMOVE';
  /** JSON path as logged, e.g. '$.age'. */
  readonly path: string;
  /** The new value as MySQL JSON text; undefined for REMOVE. */
  readonly value: string | undefined;
}

export interface RowsBody {
  readonly kind: RowsKind;
  /** Upstream event name, e.g. WRITE_ROWS_EVENT_V2, PARTIAL_UPDATE_ROWS_EVENT. */
  readonly eventName: string;
  readonly version: 0 | 1 | 2;
  readonly tableId: number;
  /** ROWS flags: STMT_END_F=1, NO_FOREIGN_KEY_CHECKS_F=2, RELAXED_UNIQUE_CHECKS_F=4, COMPLETE_ROWS_F=8. */
  readonly flags: number;
  /** The TABLE_MAP the rows were decoded with. */
  readonly table: TableMapBody;
  readonly rows: readonly RowChange[];
  /** MariaDB compressed rows event. */
  readonly compressed: boolean;
  /** v2 extra row info (MySQL 8: NDB info and partition ids); undefined when absent. */
  readonly extraRowInfo?: RowsExtraRowInfo | undefined;
}

export interface RowsExtraRowInfo {
  /** NDB_INFO payload (format byte excluded) and its format byte. */
  readonly ndbFormat?: number | undefined;
  readonly ndbData?: Uint8Array | undefined;
  /** PART_INFO: partition the row(s) went to; for updates also the source partition. */
  readonly partitionId?: number | undefined;
  readonly sourcePartitionId?: number | undefined;
  /** Extra-data bytes we do not understand, kept raw. */
  readonly raw?: Uint8Array | undefined;
}

export interface QueryStatusVars {
  flags2?: number;
  sqlMode?: bigint;
  catalog?: string;
  autoIncrementIncrement?: number;
  autoIncrementOffset?: number;
  charsetClient?: number;
  collationConnection?: number;
  collationServer?: number;
  timeZone?: string;
  lcTimeNamesNumber?: number;
  charsetDatabase?: number;
  tableMapForUpdate?: bigint;
  masterDataWritten?: number;
  invoker?: { user: string; host: string };
  updatedDbNames?: string[];
  microseconds?: number;
  commitTs?: bigint;
  explicitDefaultsForTimestamp?: number;
  ddlLoggedWithXid?: bigint;
  defaultCollationForUtf8mb4?: number;
  sqlRequirePrimaryKey?: number;
  defaultTableEncryption?: number;
  /** MariaDB Q_HRNOW (microsecond part of the statement start). */
  hrnow?: number;
  /** MariaDB Q_XID. */
  xid?: bigint;
  /** MariaDB 11 Q_CHARACTER_SET_COLLATIONS and other unknown-to-us vars are kept raw. */
  unknown?: { code: number; bytes: Uint8Array }[];
}

export type EventBody =
  | { readonly kind: 'format_description'; binlogVersion: number; serverVersion: string; createTimestamp: number; headerLength: number; postHeaderLengths: Uint8Array; checksumAlg: number; flavor: Flavor }
  | { readonly kind: 'rotate'; position: number; nextFile: string }
  | { readonly kind: 'stop' }
  | { readonly kind: 'query'; threadId: number; execTimeSec: number; errorCode: number; db: string; query: string; statusVars: QueryStatusVars; compressed: boolean }
  | { readonly kind: 'xid'; xid: bigint }
  | { readonly kind: 'intvar'; intvarType: 'LAST_INSERT_ID' | 'INSERT_ID' | 'INVALID'; value: bigint }
  | { readonly kind: 'rand'; seed1: bigint; seed2: bigint }
  | { readonly kind: 'user_var'; name: string; isNull: boolean; valueType: number; collationId: number; value: string | bigint | number | Uint8Array | null; flags: number }
  | TableMapBody
  | RowsBody
  | { readonly kind: 'incident'; incidentType: number; message: string }
  | { readonly kind: 'heartbeat'; logFile: string; logPos?: number }
  | { readonly kind: 'ignorable'; typeCode: number }
  | { readonly kind: 'begin_load_query'; fileId: number; blockLength: number }
  | { readonly kind: 'execute_load_query'; fileId: number; db: string; query: string }
  | { readonly kind: 'annotate_rows'; query: string }
  | { readonly kind: 'binlog_checkpoint'; file: string }
  | MariadbGtidBody
  | { readonly kind: 'gtid_list'; flags: number; gtids: { domainId: number; serverId: number; seqNo: bigint }[] }
  | MysqlGtidBody
  | { readonly kind: 'previous_gtids'; gtidSet: string }
  | { readonly kind: 'rows_query'; query: string }
  | { readonly kind: 'transaction_context'; serverUuid: string; threadId: number; gtidSpecified: boolean }
  | { readonly kind: 'view_change'; viewId: string; seqNumber: bigint }
  | { readonly kind: 'xa_prepare'; onePhase: boolean; formatId: number; gtrid: Uint8Array; bqual: Uint8Array }
  | { readonly kind: 'transaction_payload'; compressionType: number; payloadSize: number; uncompressedSize: number }
  | { readonly kind: 'unknown'; typeCode: number };

export interface MariadbGtidBody {
  readonly kind: 'gtid';
  readonly flavor: 'mariadb';
  /** "domain-server-seq" */
  readonly gtid: string;
  readonly domainId: number;
  readonly serverId: number;
  readonly seqNo: bigint;
  /** FL_STANDALONE=1, FL_GROUP_COMMIT_ID=2, FL_TRANSACTIONAL=4, FL_ALLOW_PARALLEL=8, FL_WAITED=16, FL_DDL=32, FL_PREPARED_XA=64, FL_COMPLETED_XA=128 */
  readonly flags: number;
  readonly standalone: boolean;
  readonly transactional: boolean;
  readonly ddl: boolean;
  readonly commitId: bigint | undefined;
}

export interface MysqlGtidBody {
  readonly kind: 'gtid';
  readonly flavor: 'mysql';
  /** "uuid:gno", "uuid:tag:gno", or "ANONYMOUS" */
  readonly gtid: string;
  readonly anonymous: boolean;
  readonly uuid: string;
  readonly tag: string | undefined;
  readonly gno: bigint;
  readonly commitFlag: boolean;
  readonly lastCommitted: bigint | undefined;
  readonly sequenceNumber: bigint | undefined;
  /** Microseconds since epoch; undefined for servers before 8.0.1. */
  readonly immediateCommitTimestampUs: bigint | undefined;
  readonly originalCommitTimestampUs: bigint | undefined;
  readonly transactionLength: bigint | undefined;
  readonly immediateServerVersion: number | undefined;
  readonly originalServerVersion: number | undefined;
}

export interface BinlogEvent<B extends EventBody = EventBody> {
  /** File name as given (basename for files); for inner payload events, the enclosing file. */
  readonly file: string;
  /** Start offset of the event in the file (for inner payload events: the payload event's start). */
  readonly pos: number;
  /** Offset just past the event (for inner payload events: the payload event's end). */
  readonly end: number;
  readonly header: EventHeader;
  /** Upstream type name, e.g. 'QUERY_EVENT', 'WRITE_ROWS_EVENT_V2', 'MARIADB_GTID_EVENT'. */
  readonly typeName: string;
  /** Whole event bytes (header .. checksum). A view, valid until the next event is read unless copied. */
  readonly raw: Uint8Array;
  readonly body: B;
  /** Index within the enclosing TRANSACTION_PAYLOAD event, undefined for top-level events. */
  readonly payloadIndex?: number;
}
