/**
 * zstd-napi, loaded when first used: loading its native addon took ~5 ms of every `pitr` start,
 * and most commands never read or write zstd.
 */
import { createRequire } from 'node:module';

export type ZstdNapi = typeof import('zstd-napi');

let loaded: ZstdNapi | undefined;

export function zstdNapi(): ZstdNapi {
  loaded ??= createRequire(import.meta.url)('zstd-napi') as ZstdNapi;
  return loaded;
}
