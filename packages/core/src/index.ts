// Public surface of @pitr/core. Every export is named explicitly; anything not listed here is internal.

// errors
export { PitrError, BinlogFormatError, ERROR_CODES, isPitrError } from './errors/pitr-error.js';
export type { ErrorCode, PitrErrorOptions } from './errors/pitr-error.js';

// binlog: decoded-event contract
export type {
  Flavor,
  EventHeader,
  ColumnDef,
  TableMapBody,
  RowsKind,
  RowChange,
  RowsBody,
  QueryStatusVars,
  EventBody,
  MariadbGtidBody,
  MysqlGtidBody,
  BinlogEvent,
} from './binlog/types.js';
export type { ColumnValue, RowImage, TimestampValue, EnumValue, SetValue } from './binlog/columns/values.js';

// binlog: reading and parsing
export { readBinlogFile, readBinlogStream, READ_CHUNK_BYTES } from './binlog/reader.js';
export type { BinlogEventReader, ReadBinlogOptions } from './binlog/reader.js';
export { BinlogParser, readHeader } from './binlog/parser.js';
export type { BinlogParserOptions } from './binlog/parser.js';
export * as BinlogConstants from './binlog/constants.js';
export {
  typeName,
  BINLOG_MAGIC,
  EVENT_HEADER_LENGTH,
  BINLOG_CHECKSUM_ALG_OFF,
  BINLOG_CHECKSUM_ALG_CRC32,
  LOG_EVENT_IGNORABLE_F,
  LOG_EVENT_BINLOG_IN_USE_F,
} from './binlog/constants.js';
export { crc32 } from './binlog/crc32.js';
export type { DecodeContext } from './binlog/decode-context.js';
export type { MariadbGtidEventBody } from './binlog/events/mariadb-events.js';
export { flavorOfServerVersion } from './binlog/events/format-description-event.js';
export type { RowsExtraRowInfo, JsonPartialOperation } from './binlog/types.js';

// binlog: column types and values
export * as ColumnTypes from './binlog/columns/column-types.js';
export { columnTypeName, realColumnType, isNumericColumn, isCharacterColumn } from './binlog/columns/column-types.js';
export { jsonBinaryToText, formatJsonDouble } from './binlog/json-binary.js';
export { charsetForCollation, decodeTextForCollation } from './binlog/columns/charsets.js';

// schema sources
export type { SchemaProvider, TableSchema, SchemaColumn, ForeignKeySchema } from './schema/schema-provider.js';
export { applySchema } from './schema/apply-schema.js';
export { parseCreateTable, parseCreateSequence, parseEnumMembers, IMPLICIT_SYSTEM_VERSIONING_COLUMNS } from './schema/create-table-parser.js';
export type { ParseCreateTableOptions } from './schema/create-table-parser.js';
export { schemaFromDump, TableSchemaMap } from './schema/dump-schema.js';
export { schemaFromServer } from './schema/server-schema.js';
export { SchemaHistory, ddlSummary, firstKeyword } from './schema/schema-history.js';
export type { SchemaChange, TableRef, UnknownTable, UnknownCause, DdlKind, SchemaHistoryOptions, ApplyQueryOptions, SchemaQueryEvent } from './schema/schema-history.js';
export {
  BINARY_COLLATION_ID,
  collationIdByName,
  collationById,
  charsetOfCollation,
  defaultCollationId,
  charsetMaxLen,
  normalizeCharsetName,
} from './schema/collations.js';
export type { CollationInfo } from './schema/collations.js';

// sql
export { renderLiteral, renderMatch, renderText, renderFloat, renderDouble, quoteIdentifier, LITERAL_SESSION, LITERAL_SESSION_STATEMENTS } from './sql/literal.js';
export type { LiteralColumn, RenderLiteralOptions, StringLiteralStyle } from './sql/literal.js';
export { parseConnectionUrl, redactUrl } from './sql/connection-url.js';
export { DbRewrite } from './sql/rewrite-db.js';
export type { RewriteResult } from './sql/rewrite-db.js';
export type { ConnectionOptions, ParseConnectionUrlOptions } from './sql/connection-url.js';

// dump reading
export { dumpStatements, dumpChunks, DumpStatementSplitter } from './dump/dump-statements.js';
export type { DumpStatement, DumpStatementKind, DumpStatementSplitterOptions, DumpStatementsOptions } from './dump/dump-statements.js';
export { classifyStatement } from './dump/classify-statement.js';
export type { StatementClassification } from './dump/classify-statement.js';
export { dumpCoordinates, DumpCoordinatesCollector, missingCoordinatesError } from './dump/dump-coordinates.js';
export type { DumpCoordinates, DumpBinlogPosition, DumpCoordinatesOptions } from './dump/dump-coordinates.js';

// repository: layout, atomic files, writer lock
export { repoLayout, initRepo, openRepo, readRepoMarker, REPO_FORMAT, REPO_FORMAT_VERSION, REPO_MARKER_FILE } from './repo/repo-layout.js';
export type { RepoLayout, RepoMarker, PitrRepo } from './repo/repo-layout.js';
export { writeFileAtomic, writeJsonAtomic, readJsonFile, readJsonFileIfExists, syncDirectory, isAtomicTempName, ATOMIC_TEMP_PREFIX, errnoCode, fileIoError, REPO_WRITE_HINT } from './repo/atomic-file.js';
export { SyncedFileSink } from './repo/synced-file-sink.js';
export type { WriteFileAtomicOptions, JsonValidator } from './repo/atomic-file.js';
export { ARCHIVE_LOCK_FILE, acquireRepoLock, readRepoLock, RepoLock } from './repo/repo-lock.js';
export type { AcquireRepoLockOptions, RepoLockOwner } from './repo/repo-lock.js';

// gtid
export { parseMariadbGtid, formatMariadbGtid, compareMariadbGtid, mariadbGtidEquals, MariadbGtidPosition } from './gtid/mariadb-gtid.js';
export type { MariadbGtid } from './gtid/mariadb-gtid.js';
export { parseMysqlGtid, formatMysqlGtid, mysqlGtidEquals, MysqlGtidSet, MYSQL_MAX_GNO } from './gtid/mysql-gtid-set.js';
export type { MysqlGtid, MysqlGtidSetEntry } from './gtid/mysql-gtid-set.js';

// targets
export { parseTarget, describeTarget } from './target/target.js';
export type { Target, TimeTarget, GtidTarget, MariadbGtidTarget, MysqlGtidTarget, PositionTarget, LatestTarget, ParseTargetOptions } from './target/target.js';
export { targetMatch, TargetMatcher, compareBinlogFileNames } from './target/target-match.js';
export type { TransactionSummary, TransactionGtid, TargetRelation, TargetDecision, TargetMatchState } from './target/target-match.js';

// binlog rendering and time parsing
export { eventJson } from './binlog/event-json.js';
export { EventText } from './binlog/event-text.js';
export type { EventTextOptions } from './binlog/event-text.js';
export { parseTargetTime, resolveTimeZone, wallClock, machineTimeZone, formatOffset } from './target/time.js';
export type { TargetTime, WallClock } from './target/time.js';

// Applier: replays decoded events onto a target server (restore executor).
export { BinlogApplier, GroupReplayFailed } from './apply/binlog-applier.js';
export type { AppliedGroup, BinlogApplierOptions } from './apply/binlog-applier.js';
export { openApplyConnection, serverErrorOf } from './apply/apply-connection.js';
export type { ApplyConnection, ServerError } from './apply/apply-connection.js';
export { DeferredTriggers } from './apply/deferred-triggers.js';
export type { DeferredTrigger } from './apply/deferred-triggers.js';
export { rowStatements, qualifiedName } from './apply/row-statements.js';
export type { RowStatement, RowStatementOptions } from './apply/row-statements.js';
export { querySessionStatements, contextEventStatement, useStatement } from './apply/query-session.js';

// transactions: event groups with their GTID, commit time, counts and statements
export { TransactionTracker } from './binlog/transaction-tracker.js';
export type { Transaction, TableCounts, RowOperation } from './binlog/transaction-tracker.js';

// the binlog archive's manifest (written by @pitr/binlog-archiver, read by list/plan/verify/expire)
export { MANIFEST_FORMAT, MANIFEST_VERSION, MANIFEST_FILE, COMPRESSION_SUFFIX, manifestPath, readManifest, writeManifest, withEntry, compareBinlogNames, validateManifest, updateManifest } from './repo/binlog-manifest.js';
export type { ArchiveCompression, TimelineSource, ManifestFileEntry, BinlogManifest, ManifestGap, ManifestGapEdge } from './repo/binlog-manifest.js';
export { zstdNapi, type ZstdNapi } from './zstd.js';
