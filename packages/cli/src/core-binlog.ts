/**
 * The parts of @pitr/core's binlog reader and schema sources that `pitr binlog decode` calls, in
 * one place so the command can take them as injectable dependencies (its tests use a stub reader).
 */
import { readBinlogFile as coreReadBinlogFile, schemaFromDump, schemaFromServer } from '@pitr/core';
import type { BinlogEvent, ReadBinlogOptions, SchemaProvider } from '@pitr/core';

export type { ReadBinlogOptions, SchemaProvider };

export type ReadBinlogFile = (path: string, options: ReadBinlogOptions) => AsyncIterable<BinlogEvent>;

export const readBinlogFile: ReadBinlogFile = coreReadBinlogFile;

/** `--schema-from`: a mysql:// URL reads information_schema, anything else is a dump file. */
export function loadSchema(from: string): Promise<SchemaProvider> {
  return /^mysql:\/\//i.test(from) ? schemaFromServer(from) : schemaFromDump(from);
}
