/**
 * Turns a finished plain binlog file of the archive into its final, compressed form, in one pass:
 * read the plain file → clear the FDE in-use flag (as the server does when it closes the file) →
 * (when the caller has no statistics for it: scan and checksum every event) → SHA-256 of the
 * bytes → compress → SHA-256 of the stored bytes → a temp file that is fsynced and renamed into
 * place, then the directory fsynced. With compression 'none' the plain file itself becomes the
 * stored file: its in-use flag is cleared in place and fsynced. The caller records the returned entry in the manifest and only
 * then removes the plain file, so a crash at any step leaves either the plain file (the close is
 * redone) or the final file with its manifest entry.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { open, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import { ATOMIC_TEMP_PREFIX, ERROR_CODES, PitrError, REPO_WRITE_HINT, SyncedFileSink, fileIoError, isPitrError, syncDirectory, zstdNapi } from '@pitr/core';
import type { Flavor } from '@pitr/core';
import { BinlogFileScanner, type BinlogFileStats } from './binlog-file-scanner.js';
import { COMPRESSION_SUFFIX, type ArchiveCompression, type ManifestFileEntry } from '@pitr/core';
import { scanPlainBinlogFile } from './plain-file-scan.js';
import { FDE_FLAGS_FILE_OFFSET } from './replication-protocol.js';

const LOG_EVENT_BINLOG_IN_USE_F = 0x1;
const OUTPUT_CHUNK_BYTES = 256 * 1024;
const READ_CHUNK_BYTES = 1 << 20;
/**
 * zstd compresses on a thread of its own (nbWorkers 1): zstd-napi's stream otherwise compresses on
 * the main thread and stalls the receiving (a 1.1 GB zstd catch-up: 6.3–6.9 s → 5.3–5.6 s). The
 * compressed bytes differ from a single-threaded zstd's; decompressed they are the same.
 */
const ZSTD_WORKERS = 1;

export interface CloseArchivedFileOptions {
  /** Timeline directory. */
  readonly dir: string;
  /** The server's file name (= the plain file's name in `dir`). */
  readonly name: string;
  readonly compression: ArchiveCompression;
  /** gzip level 1–9 (default 6) / zstd level 1–19 (default 3). */
  readonly level?: number;
  /**
   * How the server ended the file. 'rotate'/'stop': it cleared the in-use flag, so do we.
   * 'next-file': it never closed the file (crash), the flag stays set as on its disk.
   */
  readonly closedBy: 'rotate' | 'stop' | 'next-file';
  readonly onWarning?: (message: string) => void;
  /**
   * The file's statistics when the caller scanned all of it (the receiving loop does); without
   * them (or when they do not cover the file) it is scanned here.
   */
  readonly stats?: BinlogFileStats;
  /**
   * SHA-256 (hex) of the file's bytes as closed (in-use flag cleared), computed while they were
   * received (OpenBinlogFile.closedSha256). With `stats` and compression 'none' the file is not
   * read again; with compression it is read once to compress, without hashing it again.
   */
  readonly sha256?: string;
}

/** Compresses and describes a finished plain file; see the file comment. */
export async function closeArchivedFile(options: CloseArchivedFileOptions): Promise<ManifestFileEntry> {
  const { dir, name, compression } = options;
  const plainPath = join(dir, name);
  const clearInUse = options.closedBy !== 'next-file';
  // Statistics from the receiving loop, when they cover the whole file: no second scan.
  let known = options.stats;
  if (known !== undefined && (known.endPos !== (await fileSize(plainPath)) || known.startPos !== 4)) known = undefined;
  const scanner = known === undefined ? new BinlogFileScanner(name, options.onWarning === undefined ? {} : { onWarning: options.onWarning }) : undefined;
  const patch = (chunk: Uint8Array, offset: number): void => {
    if (clearInUse && offset <= FDE_FLAGS_FILE_OFFSET && FDE_FLAGS_FILE_OFFSET < offset + chunk.length) {
      chunk[FDE_FLAGS_FILE_OFFSET - offset]! &= ~LOG_EVENT_BINLOG_IN_USE_F;
    }
  };
  const rawHash = createHash('sha256');

  // A hash from receiving describes the file only as closed by the server (flag cleared), and
  // only when the file has the size that was received.
  const knownSha256 = clearInUse && known !== undefined ? options.sha256 : undefined;

  if (compression === 'none') {
    // Stored as is: clear the flag in place (one byte, as the server does), then hash.
    if (clearInUse) await clearInUseFlagInPlace(plainPath);
    let sizeBytes: number;
    let sha256: string;
    if (known !== undefined && knownSha256 !== undefined) {
      sizeBytes = known.endPos;
      sha256 = knownSha256;
    } else {
      sizeBytes = await passOver(plainPath, scanner, patch, (chunk) => {
        rawHash.update(chunk);
      });
      sha256 = rawHash.digest('hex');
    }
    const stats = known ?? scanner!.stats;
    checkScanned(plainPath, stats, sizeBytes);
    return {
      ...entryFromStats(name, stats, { state: 'closed', storedAs: name, compression, storedBytes: sizeBytes }),
      sha256,
      storedSha256: sha256,
      closedBy: closedByOf(options.closedBy, stats),
    };
  }

  const storedAs = `${name}${COMPRESSION_SUFFIX[compression]}`;
  const storedPath = join(dir, storedAs);
  const temp = join(dir, `${ATOMIC_TEMP_PREFIX}${storedAs}-${process.pid}-${randomBytes(4).toString('hex')}`);
  let handle: FileHandle;
  try {
    handle = await open(temp, 'wx', 0o600);
  } catch (e) {
    throw ioError(`could not create ${temp}`, e);
  }
  const storedHash = createHash('sha256');
  let storedBytes = 0;
  const compressor = compressorFor(compression, options.level);
  const hashStored = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      storedHash.update(chunk);
      storedBytes += chunk.length;
      callback(null, chunk);
    },
  });
  const written = pipeline(compressor, hashStored, new SyncedFileSink(handle, OUTPUT_CHUNK_BYTES * 4));
  // Keep a failure of the pipeline from becoming an unhandled rejection while we still read.
  written.catch(() => undefined);
  let sizeBytes: number;
  try {
    sizeBytes = await passOver(plainPath, scanner, patch, async (chunk) => {
      if (knownSha256 === undefined) rawHash.update(chunk);
      if (!compressor.write(chunk)) await Promise.race([once(compressor, 'drain'), written]);
    });
    compressor.end();
    await written;
    await handle.close();
    await rename(temp, storedPath);
    await syncDirectory(dir);
  } catch (e) {
    compressor.destroy();
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    if (isPitrError(e)) throw e;
    throw ioError(`could not write ${storedPath}`, e);
  }
  const stats = known ?? scanner!.stats;
  checkScanned(plainPath, stats, sizeBytes);
  return {
    ...entryFromStats(name, stats, { state: 'closed', storedAs, compression, storedBytes }),
    sha256: knownSha256 ?? rawHash.digest('hex'),
    storedSha256: storedHash.digest('hex'),
    closedBy: closedByOf(options.closedBy, stats),
  };
}

function closedByOf(given: 'rotate' | 'stop' | 'next-file', stats: BinlogFileStats): 'rotate' | 'stop' | 'next-file' {
  return given === 'next-file' ? 'next-file' : (stats.closedBy ?? given);
}

function checkScanned(path: string, stats: BinlogFileStats, sizeBytes: number): void {
  if (stats.endPos !== sizeBytes) {
    throw new PitrError(ERROR_CODES.INTERNAL, `${path}: scanned up to ${stats.endPos} of ${sizeBytes} bytes`);
  }
}

/**
 * One pass over the plain file: scanned (every event framed, checksummed and counted) when
 * `scanner` is given, else only read. Returns its size.
 */
async function passOver(
  path: string,
  scanner: BinlogFileScanner | undefined,
  patch: (chunk: Uint8Array, offset: number) => void,
  onChunk: (chunk: Uint8Array) => void | Promise<void>,
): Promise<number> {
  if (scanner !== undefined) {
    const result = await scanPlainBinlogFile(path, scanner, { patch, onChunk });
    if (result.badMagic) throw new PitrError(ERROR_CODES.BINLOG_FORMAT, `${path}: ${result.damage ?? 'not a binlog file'}`);
    return result.sizeBytes;
  }
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw ioError(`could not open ${path}`, e);
  }
  try {
    let offset = 0;
    for (;;) {
      const chunk = new Uint8Array(READ_CHUNK_BYTES);
      const { bytesRead } = await handle.read(chunk, 0, READ_CHUNK_BYTES, offset);
      if (bytesRead === 0) return offset;
      const data = bytesRead === READ_CHUNK_BYTES ? chunk : chunk.subarray(0, bytesRead);
      patch(data, offset);
      await onChunk(data);
      offset += bytesRead;
    }
  } catch (e) {
    throw ioError(`could not read ${path}`, e);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Clears LOG_EVENT_BINLOG_IN_USE_F in the file's FORMAT_DESCRIPTION_EVENT, durably. */
async function clearInUseFlagInPlace(path: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r+');
  } catch (e) {
    throw ioError(`could not open ${path}`, e);
  }
  try {
    const b = new Uint8Array(1);
    const { bytesRead } = await handle.read(b, 0, 1, FDE_FLAGS_FILE_OFFSET);
    if (bytesRead === 1 && (b[0]! & LOG_EVENT_BINLOG_IN_USE_F) !== 0) {
      b[0] = b[0]! & ~LOG_EVENT_BINLOG_IN_USE_F;
      await handle.write(b, 0, 1, FDE_FLAGS_FILE_OFFSET);
      await handle.datasync();
    }
  } catch (e) {
    throw ioError(`could not update ${path}`, e);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    throw ioError(`could not read ${path}`, e);
  }
}

/** The manifest entry fields that come from a scan. */
export function entryFromStats(
  name: string,
  stats: BinlogFileStats,
  stored: { state: 'closed' | 'open'; storedAs: string; compression: ArchiveCompression; storedBytes: number },
  fallback: { flavor?: Flavor; serverVersion?: string; serverId?: number } = {},
): ManifestFileEntry {
  const iso = (s: number | undefined): string | undefined => (s === undefined ? undefined : new Date(s * 1000).toISOString().replace('.000Z', 'Z'));
  const isoUs = (us: bigint | undefined): string | undefined => {
    if (us === undefined) return undefined;
    const secs = us / 1_000_000n;
    const frac = us % 1_000_000n;
    const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
    return frac === 0n ? `${base}Z` : `${base}.${frac.toString().padStart(6, '0')}Z`;
  };
  const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
    (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
  return {
    name,
    state: stored.state,
    storedAs: stored.storedAs,
    compression: stored.compression,
    startPos: stats.startPos,
    endPos: stats.endPos,
    storedBytes: stored.storedBytes,
    events: stats.events,
    transactions: stats.transactions,
    ...optional('firstEventTime', iso(stats.firstEventTime)),
    ...optional('lastEventTime', iso(stats.lastEventTime)),
    ...optional('firstCommitTime', isoUs(stats.firstCommitTimeUs)),
    ...optional('lastCommitTime', isoUs(stats.lastCommitTimeUs)),
    ...optional('firstGtid', stats.firstGtid),
    ...optional('lastGtid', stats.lastGtid),
    ...optional('gtidStateAtStart', stats.gtidStateAtStart),
    checksum: stats.checksum ?? 'NONE',
    serverId: stats.serverId ?? fallback.serverId ?? 0,
    serverVersion: stats.serverVersion ?? fallback.serverVersion ?? '',
    flavor: stats.flavor ?? fallback.flavor ?? 'mariadb',
    ...optional('createdTime', iso(stats.createdTime)),
    ...(stats.encryptedAtSource ? { decryptedFromSource: true } : {}),
    archivedAt: new Date().toISOString(),
  };
}

function compressorFor(compression: ArchiveCompression, level: number | undefined): Transform {
  switch (compression) {
    case 'gzip':
      return createGzip({ chunkSize: OUTPUT_CHUNK_BYTES, level: level ?? zlibConstants.Z_DEFAULT_COMPRESSION });
    case 'zstd':
      try {
        return new (zstdNapi().CompressStream)({ compressionLevel: level ?? 3, nbWorkers: ZSTD_WORKERS });
      } catch {
        // a zstd built without threads refuses nbWorkers: compress here
        return new (zstdNapi().CompressStream)({ compressionLevel: level ?? 3 });
      }
    case 'none':
      return new PassThrough();
  }
}

function ioError(message: string, e: unknown): PitrError {
  return fileIoError(message, e, [REPO_WRITE_HINT]);
}
