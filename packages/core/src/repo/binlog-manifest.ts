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
 *
 * Optional, added later (older manifests lack them and stay valid; older readers ignore them):
 *   "gaps":    ManifestGap[]   history the archive can never have (the server purged it first)
 *   "sealed":  { at, reason, successor }   the server's history went on elsewhere (RESET MASTER,
 *                                          failover): nothing is ever added to this timeline again
 *   "expired": { before, at, files }       `pitr expire` removed the files before `before`
 * and per file "incomplete": true (only the beginning of the file is archived; see gaps).
 *
 * Writers that are not the archiver (expire) change a manifest with `updateManifest`, under the
 * timeline's `manifest.lock`, and the archiver applies its own changes to the manifest on disk
 * the same way, so neither undoes the other's.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { Flavor } from '../binlog/types.js';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import { ATOMIC_TEMP_PREFIX, errnoCode } from './atomic-file.js';
import type { PitrRepo } from './repo-layout.js';
import { pidAlive } from './repo-lock.js';

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
  /**
   * The archive holds only the beginning of this file (up to endPos): the server purged it before
   * the rest was archived. A gap (BinlogManifest.gaps) starts at its end.
   */
  readonly incomplete?: boolean;
  /** When this entry was written, ISO 8601 UTC. */
  readonly archivedAt: string;
}

/** A binlog position with what is known of the transaction state there. */
export interface ManifestGapEdge {
  readonly file: string;
  readonly pos: number;
  /** The last GTID archived before the gap / the GTID state (GTID_LIST, PREVIOUS_GTIDS) after it. */
  readonly gtid?: string;
  /** Commit time of the last transaction before the gap / of the first file's creation after it, ISO UTC. */
  readonly time?: string;
}

/**
 * History the archive does not have and never will: the server purged binlogs (PURGE BINARY
 * LOGS, expire_logs_days) before the archiver copied them. Transactions between `from` and `to`
 * cannot be restored, and no replay may cross it.
 */
export interface ManifestGap {
  readonly reason: 'purged-before-archived';
  /** Where the archive stops: the end of the last file (or of the part of it) that was archived. */
  readonly from: ManifestGapEdge;
  /** Where the archive goes on: the oldest file the server still had, at its first event. */
  readonly to: ManifestGapEdge;
  /** Files of which the archive has nothing (the server's names between from.file and to.file). */
  readonly missingFiles: readonly string[];
  /** The file whose rest is missing (archived only up to from.pos), if any. */
  readonly partialFile?: string;
  /** When the archiver found it, ISO UTC. */
  readonly detectedAt: string;
}

export interface BinlogManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly manifestVersion: number;
  readonly timeline: string;
  readonly source: TimelineSource;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly files: readonly ManifestFileEntry[];
  /** Gaps in this timeline, in binlog order (absent: none). */
  readonly gaps?: readonly ManifestGap[];
  /**
   * The source's history does not continue this timeline (RESET MASTER, a failover, a rebuilt
   * server reusing file names): the archiver went on in `successor`, and never writes here again.
   */
  readonly sealed?: { readonly at: string; readonly reason: string; readonly successor?: string };
  /** `pitr expire` removed this timeline's files before `before` (no retained backup needs them). */
  readonly expired?: { readonly before: string; readonly at: string; readonly files: number };
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

const MANIFEST_LOCK_FILE = 'manifest.lock';
/** A manifest lock older than this was left by a writer that died (a change takes milliseconds). */
const MANIFEST_LOCK_STALE_MS = 30_000;

/**
 * Read-modify-write of a timeline's manifest, under its `manifest.lock` (O_EXCL file), so that
 * the archiver and `pitr expire` never undo each other's changes. `change` gets the manifest on
 * disk (undefined if there is none) and returns the new one (or undefined: nothing to write).
 */
export async function updateManifest(
  repo: PitrRepo,
  timeline: string,
  change: (current: BinlogManifest | undefined) => BinlogManifest | undefined | Promise<BinlogManifest | undefined>,
  options: { waitMs?: number } = {},
): Promise<BinlogManifest | undefined> {
  const lockPath = join(repo.layout.timelineDir(timeline), MANIFEST_LOCK_FILE);
  const deadline = Date.now() + (options.waitMs ?? 20_000);
  for (;;) {
    try {
      await createLockFile(lockPath);
      break;
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') {
        throw new PitrError(ERROR_CODES.IO, `could not create ${lockPath}: ${errnoCode(e) ?? String(e)}`, { cause: e });
      }
      const age = await stat(lockPath).then(
        (st) => Date.now() - st.mtimeMs,
        () => 0,
      );
      // left by a writer that died (a SIGKILLed archiver): its pid is gone on this host
      if (age > MANIFEST_LOCK_STALE_MS || (await lockHolderDead(lockPath))) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new PitrError(ERROR_CODES.REPO_LOCKED, `the manifest of binlog timeline ${timeline} is being changed by another process (${lockPath})`, {
          hints: ['try again; if no pitr process runs, remove the file'],
        });
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  try {
    const next = await change(await readManifest(repo, timeline));
    if (next !== undefined) await writeManifest(repo, next);
    return next;
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

/**
 * Creates `lockPath` holding `pid host` (EEXIST if it exists), appearing with its content at once:
 * written to a temp file and hard-linked into place. (Created empty and then written, a writer
 * killed in between left a lock naming no holder: the next writer waited out its 20 s and failed,
 * since such a lock counts as stale only after 30 s; the kill test hit it.) A filesystem without
 * hard links gets the plain O_EXCL file.
 */
async function createLockFile(lockPath: string): Promise<void> {
  const holder = `${process.pid} ${hostname()}\n`;
  const tmp = join(dirname(lockPath), `${ATOMIC_TEMP_PREFIX}manifest-lock-${process.pid}-${randomBytes(4).toString('hex')}`);
  let linked = false;
  try {
    await writeFile(tmp, holder, { mode: 0o600, flag: 'wx' });
    await link(tmp, lockPath);
    linked = true;
  } catch (e) {
    const code = errnoCode(e);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  if (linked) return;
  const h = await open(lockPath, 'wx', 0o600);
  try {
    await h.writeFile(holder);
  } finally {
    await h.close();
  }
}

/** The manifest lock's holder (`pid host`) is a process of this host that no longer runs. */
async function lockHolderDead(lockPath: string): Promise<boolean> {
  const text = await readFile(lockPath, 'utf8').catch(() => '');
  const [pid, host] = text.trim().split(/\s+/);
  if (pid === undefined || host !== hostname()) return false; // unknown, or another host's: wait for the age
  return !pidAlive(Number(pid));
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
  if (v.gaps !== undefined) {
    if (!Array.isArray(v.gaps)) throw new Error('gaps must be a list');
    for (const g of v.gaps as unknown[]) {
      const e = g as Partial<ManifestGap> | null;
      if (typeof e !== 'object' || e === null || typeof e.from?.file !== 'string' || typeof e.to?.file !== 'string' || !Array.isArray(e.missingFiles)) {
        throw new Error(`a gap lacks from, to or missingFiles: ${JSON.stringify(g).slice(0, 200)}`);
      }
    }
  }
  return v as BinlogManifest;
}
