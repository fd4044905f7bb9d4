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
