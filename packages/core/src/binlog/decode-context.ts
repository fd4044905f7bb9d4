import type { Flavor, TableMapBody } from './types.js';
import type { SchemaProvider } from '../schema/schema-provider.js';

/**
 * What a body decoder needs beyond its own bytes. One context per reader; the parser updates
 * `file`/`pos` for each event and keeps `tableMaps` (table id → latest TABLE_MAP) across events.
 */
export interface DecodeContext {
  file: string;
  /** Absolute offset of the current event's first header byte. */
  pos: number;
  flavor: Flavor;
  /** Post-header length for an event type, from the file's FORMAT_DESCRIPTION_EVENT. */
  postHeaderLength(typeCode: number): number;
  readonly tableMaps: Map<number, TableMapBody>;
  readonly schema: SchemaProvider | undefined;
  /** Non-fatal findings (e.g. "no column names: decode with --schema-from"). Deduplicated by caller. */
  warn(message: string): void;
}
