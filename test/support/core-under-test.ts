/**
 * The one place the decoder comparison tests import the decoder from. Switch this line to
 * `export { readBinlogFile } from '@pitr/core';` once core's index.ts exports the reader and the
 * package is built (Kysely-style: integration tests against the built package).
 */
export { readBinlogFile } from '@pitr/core';
