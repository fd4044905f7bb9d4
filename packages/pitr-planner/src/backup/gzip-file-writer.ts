/**
 * Writes a stream through gzip into a new file, hashing the compressed bytes (SHA-256) and counting
 * both sides as they pass: nothing is buffered whole, memory stays at a few chunks whatever the
 * dump's size. The file is fsynced before the promise resolves, so a completed catalog record never
 * points at bytes still in the page cache.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import { type PitrError, REPO_WRITE_HINT, SyncedFileSink, fileIoError, isPitrError } from '@pitr/core';

/** gzip output chunk: 64 KiB (zlib's default 16 KiB means four times the writes and hash calls). */
export const GZIP_CHUNK_BYTES = 64 * 1024;

export interface GzipFileResult {
  /** Bytes of the file (compressed). */
  sizeBytes: number;
  /** Hex SHA-256 of the file. */
  sha256: string;
  /** Bytes before compression. */
  inputBytes: number;
}

export interface GzipFileOptions {
  /** File mode (default 0o600: a dump holds all the data). */
  mode?: number;
  /** gzip level (default 6, zlib's default: the usual ratio at ~50 MB/s per core). */
  level?: number;
  /** Called as bytes pass (input = uncompressed, output = written). */
  onBytes?: (inputBytes: number, outputBytes: number) => void;
}

/**
 * Streams `source` → gzip → `path` (created; fails if it exists). On any failure the partial
 * file stays for the caller to remove (it knows whether the name is a temporary one).
 */
export async function writeGzipFile(
  source: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array> | NodeJS.ReadableStream,
  path: string,
  options: GzipFileOptions = {},
): Promise<GzipFileResult> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx', options.mode ?? 0o600);
  } catch (e) {
    throw ioError(`could not create ${path}`, e);
  }
  const hash = createHash('sha256');
  let inputBytes = 0;
  let sizeBytes = 0;
  const onBytes = options.onBytes;
  const countInput = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      inputBytes += chunk.length;
      callback(null, chunk);
    },
  });
  const hashOutput = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      onBytes?.(inputBytes, sizeBytes);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(
      source,
      countInput,
      createGzip({ chunkSize: GZIP_CHUNK_BYTES, level: options.level ?? zlibConstants.Z_DEFAULT_COMPRESSION }),
      hashOutput,
      new SyncedFileSink(handle, 4 * GZIP_CHUNK_BYTES),
    );
  } catch (e) {
    throw isPitrError(e) ? e : ioError(`could not write ${path}`, e);
  } finally {
    await handle.close().catch(() => undefined);
  }
  return { sizeBytes, sha256: hash.digest('hex'), inputBytes };
}

function ioError(message: string, e: unknown): PitrError {
  return fileIoError(message, e, [REPO_WRITE_HINT]);
}
