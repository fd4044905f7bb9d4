/**
 * The parts of @pitr/core's binlog reader and schema sources the CLI calls, looked up on the
 * package's public surface. They are written in parallel with the CLI; until @pitr/core exports
 * them, commands fail with a clear error instead of the CLI failing to build.
 * TODO(lead): once core's index.ts exports readBinlogFile/schemaFromDump/schemaFromServer, replace
 * the lookups below with plain named imports.
 */
import * as core from '@pitr/core';
import { PitrError, type BinlogEvent } from '@pitr/core';

/** Structural view of core's SchemaProvider (schema/schema-provider.ts). */
export interface SchemaSource {
  getTable(db: string, table: string): unknown;
}

/** Options of core's readBinlogFile (binlog/reader.ts). */
export interface ReadBinlogOptions {
  startPosition?: number;
  stopPosition?: number;
  schema?: SchemaSource;
  onWarning?: (message: string, where?: { file: string; pos: number }) => void;
  verifyChecksum?: boolean;
}

export type ReadBinlogFile = (path: string, options: ReadBinlogOptions) => AsyncIterable<BinlogEvent>;

const surface = core as unknown as Record<string, unknown>;

function lookup<T>(name: string, what: string): T {
  const fn = surface[name];
  if (typeof fn !== 'function') {
    throw new PitrError('INTERNAL', `this build of pitr has no ${what} (@pitr/core does not export ${name})`, {
      hints: ['rebuild with `npx tsc -b packages/cli`; if it persists, the core package is incomplete'],
    });
  }
  return fn as T;
}

export function readBinlogFile(path: string, options: ReadBinlogOptions): AsyncIterable<BinlogEvent> {
  return lookup<ReadBinlogFile>('readBinlogFile', 'binlog reader')(path, options);
}

/** `--schema-from`: a mysql:// URL reads information_schema, anything else is a dump file. */
export async function loadSchema(from: string): Promise<SchemaSource> {
  if (/^mysql:\/\//i.test(from)) {
    return lookup<(url: string) => Promise<SchemaSource>>('schemaFromServer', 'server schema source')(from);
  }
  return lookup<(path: string) => Promise<SchemaSource>>('schemaFromDump', 'dump schema source')(from);
}
