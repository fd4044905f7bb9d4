/**
 * The manifest of one timeline: `<repo>/binlogs/<timeline>/manifest.json`, one entry per archived
 * binlog file. It is the archive's index for `list`, `plan`, `verify` and `expire`; the binlog files
 * beside it are the data. Written atomically (core writeJsonAtomic: temp file, fsync, rename, fsync
 * directory) after the file it describes is durable, so an entry never points at missing bytes.
 *
 * Format (MANIFEST_VERSION 1; readers refuse a newer version, fields are only ever added):
 *
 *   {
 *     "format": "pitr-binlog-manifest", "manifestVersion": 1,
 *     "timeline": "0001-mariadb-1234",
 *     "source": { flavor, serverVersion, serverId, serverUuid?, binlogBasename, url (no password) },
 *     "createdAt": ISO, "updatedAt": ISO,
 *     "files": [ ManifestFileEntry, … ]            // binlog order (the server's numbering)
 *   }
 *
 * ManifestFileEntry: see the interface. `state` is "closed" for a file the server has finished
 * (it ended with ROTATE or STOP, or the server went on to the next file) and that is stored
 * compressed and final, or "open" for the file the server is still writing: that entry is a
 * snapshot of the plain file at the end of the last run (no SHA-256: the bytes still grow). Only
 * closed entries are authoritative; the open file itself is re-read on every start.
 */
import { join } from 'node:path';
import type { Flavor } from '../binlog/types.js';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import type { PitrRepo } from './repo-layout.js';

export const MANIFEST_FORMAT = 'pitr-binlog-manifest';
export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

export type ArchiveCompression = 'gzip' | 'zstd' | 'none';

/** Suffix of a stored file per compression. */
export const COMPRESSION_SUFFIX: Readonly<Record<ArchiveCompression, string>> = { gzip: '.gz', zstd: '.zst', none: '' };

export interface TimelineSource {
  readonly flavor: Flavor;
  /** VERSION() when the timeline was started. */
  readonly serverVersion: string;
  readonly serverId: number;
  /** MySQL @@server_uuid. */
  readonly serverUuid?: string;
  /** The server's binlog file prefix (mariadb-bin of mariadb-bin.000001). */
  readonly binlogBasename: string;
  /** The --source URL, password removed. */
  readonly url: string;
}

export interface ManifestFileEntry {
  /** The server's file name. */
  readonly name: string;
  readonly state: 'closed' | 'open';
  /** File name in the timeline directory (name + .gz/.zst; the plain name while open). */
  readonly storedAs: string;
  readonly compression: ArchiveCompression;
  /** Offset of the first event: 4, after the magic. */
  readonly startPos: number;
  /** Offset after the last event = the binlog's size in bytes (uncompressed). */
  readonly endPos: number;
  /** Size of the stored file (compressed when closed). */
  readonly storedBytes: number;
  /** SHA-256 (hex) of the binlog's bytes, uncompressed: equals `sha256sum` of the server's file. Closed files only. */
  readonly sha256?: string;
  /** SHA-256 (hex) of the stored file as it is on disk (the compressed bytes). Closed files only. */
  readonly storedSha256?: string;
  /** Top-level events (a TRANSACTION_PAYLOAD counts as one). */
  readonly events: number;
  /** Complete event groups (transactions and DDL). */
  readonly transactions: number;
  /** Header times of the first and last event, ISO 8601 UTC. */
  readonly firstEventTime?: string;
  readonly lastEventTime?: string;
  /** Commit times of the first and last transaction, ISO 8601 UTC (MariaDB: whole seconds; MySQL 8: µs). */
  readonly firstCommitTime?: string;
  readonly lastCommitTime?: string;
  /** GTIDs of the first and last transaction. */
  readonly firstGtid?: string;
  readonly lastGtid?: string;
  /** The GTID state before the file (MariaDB GTID_LIST / MySQL PREVIOUS_GTIDS). */
  readonly gtidStateAtStart?: string;
  /** binlog_checksum of the file (from its FORMAT_DESCRIPTION_EVENT). */
  readonly checksum: 'CRC32' | 'NONE';
  /** Server id in the FORMAT_DESCRIPTION_EVENT: the server that wrote the file. */
  readonly serverId: number;
  readonly serverVersion: string;
  readonly flavor: Flavor;
  /** FDE time: when the server created the file, ISO 8601 UTC. */
  readonly createdTime?: string;
  /**
   * How the file ended: the server rotated (ROTATE event), shut down (STOP event), or went on to
   * the next file without either (it crashed; its in-use flag stays set, as on the server's disk).
   */
  readonly closedBy?: 'rotate' | 'stop' | 'next-file';
  /**
   * The server encrypts this binlog at rest (MariaDB encrypt_binlog): it sent the events after the
   * file's START_ENCRYPTION_EVENT decrypted, and so the archive holds them. The file keeps the
   * server's positions and sizes, but its bytes after that event differ from the server's file,
   * and readers must take them as plain events.
   */
  readonly decryptedFromSource?: boolean;
  /** When this entry was written, ISO 8601 UTC. */
  readonly archivedAt: string;
}

export interface BinlogManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly manifestVersion: number;
  readonly timeline: string;
  readonly source: TimelineSource;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly files: readonly ManifestFileEntry[];
}

/** The manifest's path in a timeline directory. */
export function manifestPath(repo: PitrRepo, timeline: string): string {
  return join(repo.layout.timelineDir(timeline), MANIFEST_FILE);
}

export async function readManifest(repo: PitrRepo, timeline: string): Promise<BinlogManifest | undefined> {
  return repo.readJsonIfExists(manifestPath(repo, timeline), validateManifest);
}

export async function writeManifest(repo: PitrRepo, manifest: BinlogManifest): Promise<void> {
  await repo.writeJson(manifestPath(repo, manifest.timeline), manifest);
}

/** Replaces (by name) or adds `entry`, keeping binlog order. */
export function withEntry(manifest: BinlogManifest, entry: ManifestFileEntry): BinlogManifest {
  const files = manifest.files.filter((f) => f.name !== entry.name);
  files.push(entry);
  files.sort((a, b) => compareBinlogNames(a.name, b.name));
  return { ...manifest, files, updatedAt: new Date().toISOString() };
}

/** Binlog order: by the numeric extension when both have one, else by name. */
export function compareBinlogNames(a: string, b: string): number {
  const ma = /^(.*)\.(\d+)$/.exec(a);
  const mb = /^(.*)\.(\d+)$/.exec(b);
  if (ma !== null && mb !== null && ma[1] === mb[1]) {
    const d = Number(ma[2]) - Number(mb[2]);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Checks the shape of a parsed manifest (a newer manifestVersion is refused). */
export function validateManifest(value: unknown, path: string): BinlogManifest {
  const v = value as Partial<BinlogManifest> | null;
  if (typeof v !== 'object' || v === null || v.format !== MANIFEST_FORMAT) {
    throw new PitrError(ERROR_CODES.IO, `${path} is not a pitr binlog manifest`, { hints: ['the file was not written by pitr archive; restore it from a copy'] });
  }
  if (typeof v.manifestVersion !== 'number' || v.manifestVersion > MANIFEST_VERSION) {
    throw new PitrError(ERROR_CODES.USAGE, `${path} has manifest version ${String(v.manifestVersion)}; this pitr reads up to ${MANIFEST_VERSION}`, {
      hints: ['upgrade pitr to a version that knows this manifest format'],
    });
  }
  if (typeof v.timeline !== 'string' || typeof v.source !== 'object' || v.source === null || !Array.isArray(v.files)) {
    throw new Error('timeline, source and files are required');
  }
  for (const f of v.files as unknown[]) {
    const e = f as Partial<ManifestFileEntry> | null;
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.name !== 'string' ||
      (e.state !== 'closed' && e.state !== 'open') ||
      typeof e.storedAs !== 'string' ||
      typeof e.endPos !== 'number'
    ) {
      throw new Error(`a file entry lacks name, state, storedAs or endPos: ${JSON.stringify(f).slice(0, 200)}`);
    }
  }
  return v as BinlogManifest;
}
