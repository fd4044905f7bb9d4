// Public entry point of @pitr/binlog-archiver. Every export is named explicitly; anything not listed
// here is internal.

// archiving (pitr archive)
export { archiveBinlogs, defaultReplicaServerId } from './archive-binlogs.js';
export type { ArchiveBinlogsOptions, ArchiveProgress, ArchiveResult, BinlogPosition, ManifestGap } from './archive-binlogs.js';

// monitoring: <repo>/binlogs/status.json
export { ARCHIVE_STATUS_FILE, ARCHIVE_STATUS_FORMAT, ARCHIVE_STATUS_VERSION } from './archive-status.js';
export type { ArchiveStatusDocument, ArchiveState } from './archive-status.js';

// the manifest of a timeline (binlogs/<timeline>/manifest.json)
export {
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  MANIFEST_FILE,
  COMPRESSION_SUFFIX,
  manifestPath,
  readManifest,
  validateManifest,
  compareBinlogNames,
} from '@pitr/core';
export type { ArchiveCompression, BinlogManifest, ManifestFileEntry, TimelineSource } from '@pitr/core';
export { listTimelines } from './timeline.js';

// the replication client (usable on its own: raw events of COM_BINLOG_DUMP)
export { ReplicationSource, ServerIdClashError } from './replication-source.js';
export type { SourceServerInfo, BinaryLogFile, ConnectSourceOptions, OpenDumpOptions } from './replication-source.js';
export { BinlogDumpStream, DumpServerError, DumpSocket, startBinlogDump, binlogDumpPayload, parseErrPacket } from './binlog-dump-stream.js';
export type { BinlogDumpRequest, BinlogDumpStreamOptions } from './binlog-dump-stream.js';
export {
  COM_BINLOG_DUMP,
  BINLOG_DUMP_NON_BLOCK,
  BINLOG_SEND_ANNOTATE_ROWS_EVENT,
  MARIA_SLAVE_CAPABILITY_GTID,
  BINLOG_FILE_MAGIC,
} from './replication-protocol.js';

// file statistics as the manifest records them
export { BinlogFileScanner } from './binlog-file-scanner.js';
export type { BinlogFileStats } from './binlog-file-scanner.js';
