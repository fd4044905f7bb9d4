/**
 * Dev-only helpers: throwaway MariaDB servers and workloads for tests, the demo and benchmarks.
 * Consumed as TypeScript source (vitest, tsx); never published.
 */
export {
  startServer,
  sweepStaleServers,
  templateDatadir,
  mariadbBinaries,
  ServerStartError,
  type ServerOptions,
  type TestServer,
  type BinlogRowMetadata,
  type BinlogRowImage,
  type BinlogFormat,
  type BinlogChecksum,
} from './server.js';
export {
  typeTorture,
  type TypeTortureOptions,
  type TypeTortureReport,
  type TypeTortureTable,
} from './workloads/type-torture.js';
export { fingerprintServer, diffFingerprints, type Fingerprint, type FingerprintOptions, type DiffOptions } from './fingerprint.js';
export { referenceRestore, referenceDump, readDumpCoordinates, referenceBinlogArgs, formatLocalSecond, type ReferenceStop, type ReferenceRestoreOptions } from './reference-restore.js';
export {
  recordOracle,
  runOracleWorkload,
  startOracleSource,
  startOracleTarget,
  reconcileDumpFloatLoss,
  ORACLE_DATABASES,
  ORACLE_SOURCE_OPTIONS,
  ORACLE_TARGET_OPTIONS,
  ORACLE_TARGET_TZ,
  type OracleRun,
  type RecordedPhase,
  type RecordedDisaster,
} from './workloads/oracle-workload.js';
