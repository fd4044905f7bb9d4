/**
 * Replication-protocol constants the archiver's client uses, with upstream names.
 *
 * COM_BINLOG_DUMP: https://mariadb.com/kb/en/com_binlog_dump/ and
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_binlog_dump.html
 * Event stream packets: https://mariadb.com/kb/en/2-binlog-event-header/ ,
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
 */

/** Command byte of COM_BINLOG_DUMP. */
export const COM_BINLOG_DUMP = 0x12;

/** Dump flag: send an EOF packet at the end of the last binlog instead of waiting for more. */
export const BINLOG_DUMP_NON_BLOCK = 0x01;
/**
 * MariaDB dump flag: also send ANNOTATE_ROWS events (otherwise the server leaves them out of the
 * stream, and the archived file would lack bytes the server's file has).
 */
export const BINLOG_SEND_ANNOTATE_ROWS_EVENT = 0x02;

/**
 * `@mariadb_slave_capability` value MARIA_SLAVE_CAPABILITY_GTID (sql/log_event.h). Below it the
 * server rewrites events an old replica would not understand (GTID events become BEGIN queries,
 * GTID_LIST/BINLOG_CHECKPOINT become dummies): the stream would no longer be the file's bytes.
 */
export const MARIA_SLAVE_CAPABILITY_GTID = 4;

/** First byte of a packet of the event stream. */
export const STREAM_OK = 0x00;
export const STREAM_EOF = 0xfe;
export const STREAM_ERR = 0xff;
/** An EOF packet is shorter than this (payload); longer 0xfe packets do not occur in the stream. */
export const EOF_PACKET_MAX_PAYLOAD = 9;

/** Offsets in the 19-byte v4 event header. */
export const TIMESTAMP_OFFSET = 0;
export const TYPE_CODE_OFFSET = 4;
export const SERVER_ID_OFFSET = 5;
export const EVENT_LEN_OFFSET = 9;
export const LOG_POS_OFFSET = 13;
export const FLAGS_OFFSET = 17;

/** Byte offset of the FORMAT_DESCRIPTION_EVENT's flags in a binlog file (after the 4-byte magic). */
export const FDE_FLAGS_FILE_OFFSET = 4 + FLAGS_OFFSET;

/** The 4-byte magic every binlog file starts with (0xfe 'b' 'i' 'n'); the stream does not carry it. */
export const BINLOG_FILE_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0xfe, 0x62, 0x69, 0x6e);

/** Server error numbers the archiver turns into specific messages. */
export const ER_ACCESS_DENIED_ERROR = 1045;
export const ER_DBACCESS_DENIED_ERROR = 1044;
export const ER_SPECIFIC_ACCESS_DENIED_ERROR = 1227;
export const ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236;
/**
 * MariaDB ER_SLAVE_SAME_ID: a newer dump with our server id replaced ours ("A slave with the same
 * server_uuid/server_id is already connected"). MySQL reports it as 1236 with a similar text.
 */
export const ER_SLAVE_SAME_ID = 4052;
