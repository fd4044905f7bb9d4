/**
 * `archiveBinlogs()`: copies a server's binary logs into a pitr repository over the replication
 * protocol, byte for byte, and keeps the timeline's manifest.
 *
 * One run: connect and check the source (binlog on, credentials, REPLICATION SLAVE through a probe
 * dump) before anything is written → lock the repository → pick the timeline (timeline.ts) →
 * recover what a previous run left (recoverTimeline) → dump from where the archive ends → write
 * each event at its offset in a plain file named as the server names it → when the server ends a
 * file (ROTATE/STOP), compress it with its SHA-256 and manifest entry (close-archived-file.ts) →
 * at the server's current end (or, with `follow`, when stopped) record the file still being
 * written as the manifest's open entry.
 *
 * Byte-exactness. The stream carries each event exactly as in the file, except:
 * - a first, artificial ROTATE (flag LOG_EVENT_ARTIFICIAL_F, log_pos 0) naming the file and
 *   position, also sent when the dump moves on to the next file: never written;
 * - heartbeats (HEARTBEAT_LOG_EVENT, when the server has nothing to send): never written;
 * - when a dump starts inside a file, that file's FORMAT_DESCRIPTION_EVENT with log_pos 0 (the
 *   archive already has it: used to decode, not written);
 * - the FORMAT_DESCRIPTION_EVENT's LOG_EVENT_BINLOG_IN_USE_F: the server clears it in what it
 *   sends, while its file on disk has it set until the file is closed. The archive mirrors the
 *   server's disk: the plain file of a binlog still being received has the flag set (so it `cmp`s
 *   equal to the server's open file up to its length, and readers see a file not closed properly,
 *   which is true of an incomplete copy); when the server closes the file (ROTATE/STOP) the closed
 *   copy has it cleared, like the server's file. The FDE's CRC32 is computed by the server with the
 *   flag clear, so both forms are valid.
 * The 4-byte magic is not in the stream either: it is written when a file is created. Every written
 * event is checked against the file offset its header claims (log_pos), so a skipped or altered
 * event stops the archive instead of producing a wrong file. MariaDB is asked for everything
 * (@mariadb_slave_capability=4, BINLOG_SEND_ANNOTATE_ROWS_EVENT) so it rewrites and skips nothing.
 * A server that encrypts binlogs at rest (MariaDB encrypt_binlog) sends them decrypted: it sends the
 * file's START_ENCRYPTION_EVENT as is, then every later event in plain text at its position. The
 * archive holds exactly that (same positions and sizes as the server's file, other bytes after the
 * START_ENCRYPTION_EVENT), warns, and marks the manifest entry `decryptedFromSource`.
 *
 * Durability (fsync policy). Events are written per received batch and fsynced (fdatasync) only at
 * transaction boundaries: whenever the archiver has caught up with everything the server sent, and
 * while catching up at least every `syncIntervalMs` (1 s) or `syncBytes` (64 MiB), at the first
 * boundary after that; always before a file is closed and at the end of a run. A crash (of the
 * archiver or of the machine) therefore loses at most the unsynced tail, which the next run cuts back
 * to the last complete transaction and fetches again. A closed file is written to a temp file,
 * fsynced, renamed and its directory fsynced before its manifest entry is written, and the plain
 * file is removed only after that.
 *
 * Restart. The plain files left in the timeline directory are the truth: files the manifest already
 * lists as closed are removed (their compressed copy exists), finished files (ROTATE/STOP at their
 * end, or a later file exists) are closed, and the last one is scanned: its trailing partial
 * transaction or torn event is cut, and the dump resumes at that offset. Closed files are never
 * touched again. On resume the server's copy of the open file must still be at least as long and
 * its FORMAT_DESCRIPTION_EVENT must be the same (creation time, server id, size), else the run
 * stops: the server's history is not the archived one.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import {
  BinlogFormatError,
  ERROR_CODES,
  PitrError,
  acquireRepoLock,
  errnoCode,
  initRepo,
  isAtomicTempName,
  readHeader,
  redactUrl,
  repoLayout,
  syncDirectory,
} from '@pitr/core';
import type { PitrRepo, RepoLock } from '@pitr/core';
import { BinlogFileScanner, type BinlogFileStats } from './binlog-file-scanner.js';
import type { BinlogDumpStream } from './binlog-dump-stream.js';
import { closeArchivedFile, entryFromStats } from './close-archived-file.js';
import { compareBinlogNames, withEntry, writeManifest } from '@pitr/core';
import type { ArchiveCompression, BinlogManifest, ManifestFileEntry, TimelineSource } from '@pitr/core';
import { OpenBinlogFile } from './open-binlog-file.js';
import { scanPlainBinlogFile } from './plain-file-scan.js';
import { ReplicationSource, type BinaryLogFile } from './replication-source.js';
import { chooseTimeline } from './timeline.js';

const STOP_EVENT = 3;
const ROTATE_EVENT = 4;
const FORMAT_DESCRIPTION_EVENT = 15;
const HEARTBEAT_LOG_EVENT = 27;
const HEARTBEAT_LOG_EVENT_V2 = 41;
const MARIADB_START_ENCRYPTION_EVENT = 164;
const LOG_EVENT_BINLOG_IN_USE_F = 0x1;
const LOG_EVENT_ARTIFICIAL_F = 0x20;
const EVENT_HEADER_LENGTH = 19;

export interface ArchiveBinlogsOptions {
  /** mysql://user[:password]@host[:port]/ or mysql://user@localhost/?socket=PATH */
  readonly source: string;
  /** Repository directory (created when it does not exist or is empty). */
  readonly repo: string;
  /** Where PITR_PASSWORD comes from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Our server id as a replica. The source ends any other dump using the same id, so it must be
   * unique among its replicas. Default: derived from this host and the repository path, in
   * 2^31..2^32-2 (away from the small ids servers usually get).
   */
  readonly serverId?: number;
  /** Compression of closed files (default gzip). */
  readonly compression?: ArchiveCompression;
  /** gzip 1–9 (default 6), zstd 1–19 (default 3). */
  readonly compressionLevel?: number;
  /** Keep receiving new events until `signal` aborts (default: stop at the server's current end). */
  readonly follow?: boolean;
  /** Stops the run cleanly (what was received is synced and recorded). */
  readonly signal?: AbortSignal;
  /** fsync at least this often while catching up, at a transaction boundary (default 1000 ms). */
  readonly syncIntervalMs?: number;
  /** … or after this many bytes (default 64 MiB). */
  readonly syncBytes?: number;
  /** Heartbeat period asked of the server (default 1000 ms). */
  readonly heartbeatMs?: number;
  /** Wait this long for another writer's repository lock (default 0: fail at once). */
  readonly lockWaitMs?: number;
  /** With `follow`: how often the open file's manifest entry is rewritten (default 10 s). */
  readonly manifestIntervalMs?: number;
  readonly onWarning?: (message: string) => void;
  readonly onProgress?: (progress: ArchiveProgress) => void;
  readonly onRepoCreated?: (dir: string) => void;
  readonly onFileClosed?: (entry: ManifestFileEntry) => void;
}

export interface ArchiveProgress {
  /** The file being received and the offset reached in it. */
  readonly file: string;
  readonly position: number;
  /** Event bytes received in this run. */
  readonly bytesReceived: number;
  readonly eventsReceived: number;
}

export interface BinlogPosition {
  readonly file: string;
  readonly pos: number;
}

export interface ArchiveResult {
  readonly repoDir: string;
  readonly repoCreated: boolean;
  readonly timeline: string;
  readonly timelineCreated: boolean;
  readonly timelineDir: string;
  readonly source: TimelineSource;
  /** Our replica server id. */
  readonly serverId: number;
  /** Where this run started receiving, and where the archive ends now. */
  readonly from: BinlogPosition | undefined;
  readonly to: BinlogPosition | undefined;
  /** Files closed (compressed, recorded) by this run, in order. */
  readonly closedFiles: readonly ManifestFileEntry[];
  /** The file the server is still writing, as archived so far. */
  readonly openFile: ManifestFileEntry | undefined;
  readonly bytesReceived: number;
  readonly eventsReceived: number;
  readonly transactionsReceived: number;
  /** What the start of this run cut from the end of the previous run's open file. */
  readonly recovered: { readonly file: string; readonly cutBytes: number; readonly reason: string } | undefined;
  readonly durationMs: number;
  readonly warnings: readonly string[];
  readonly manifest: BinlogManifest;
}

const COMPRESSIONS: readonly ArchiveCompression[] = ['gzip', 'zstd', 'none'];

/** The default replica server id for a repository on this host (see ArchiveBinlogsOptions.serverId). */
export function defaultReplicaServerId(repoDir: string): number {
  const h = createHash('sha256').update(`${hostname()}\0${resolve(repoDir)}`).digest();
  return 0x80000000 + (h.readUInt32LE(0) % 0x7fffffff);
}

interface CurrentFile {
  readonly name: string;
  readonly file: OpenBinlogFile;
  readonly scanner: BinlogFileScanner;
  readonly baseEvents: number;
  readonly baseTransactions: number;
}

/** Archives the source's binlogs into the repository; see the file comment. */
export async function archiveBinlogs(options: ArchiveBinlogsOptions): Promise<ArchiveResult> {
  const started = Date.now();
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    options.onWarning?.(m);
  };
  const compression = options.compression ?? 'gzip';
  if (!COMPRESSIONS.includes(compression)) {
    throw new PitrError(ERROR_CODES.USAGE, `unknown compression '${String(compression)}'`, { hints: ['use gzip, zstd or none'] });
  }
  const serverId = options.serverId ?? defaultReplicaServerId(options.repo);
  if (!Number.isInteger(serverId) || serverId < 1 || serverId > 0xffffffff) {
    throw new PitrError(ERROR_CODES.USAGE, `--server-id ${serverId} is out of range`, { hints: ['a server id is 1 to 4294967295'] });
  }

  // 1. The source, checked before anything is written.
  const source = await ReplicationSource.connect(options.source, options.env === undefined ? {} : { env: options.env });
  let lock: RepoLock | undefined;
  try {
    if (serverId === source.info.serverId) {
      throw new PitrError(ERROR_CODES.USAGE, `--server-id ${serverId} is the source's own server id`, {
        hints: ['give the archiver an id no server or replica of this source uses'],
      });
    }
    if (source.info.binlogFormat.toUpperCase() !== 'ROW') {
      warn(`the source logs with binlog_format=${source.info.binlogFormat}: the archive is complete, but point-in-time restores need ROW events`);
    }
    const serverFiles = await source.binaryLogs();
    const last = serverFiles[serverFiles.length - 1];
    if (last === undefined) {
      throw new PitrError(ERROR_CODES.USAGE, `${redactUrl(options.source)} lists no binary logs (SHOW BINARY LOGS is empty)`, {
        hints: ['check that the server writes a binary log (log_bin)'],
      });
    }
    await source.probeDump(last.name, serverId);
    const timelineSource: TimelineSource = {
      flavor: source.info.flavor,
      serverVersion: source.info.version,
      serverId: source.info.serverId,
      ...(source.info.serverUuid === undefined ? {} : { serverUuid: source.info.serverUuid }),
      binlogBasename: last.name.replace(/\.\d+$/, ''),
      url: redactUrl(options.source).replace(/:\*\*\*@/, '@'),
    };

    // 2. The repository, its lock and the timeline.
    const repoCreated = !existsSync(repoLayout(options.repo).markerFile);
    const repo = await initRepo(options.repo);
    if (repoCreated) options.onRepoCreated?.(repo.dir);
    lock = await acquireRepoLock(repo.dir, {
      command: options.follow === true ? 'archive --follow' : 'archive',
      // the archive's own lock: backups (the repository lock) go on while --follow runs
      scope: 'archive',
      waitMs: options.lockWaitMs ?? 0,
      onWarning: warn,
    });
    const timeline = await chooseTimeline(repo, timelineSource, warn);
    const run = new ArchiveRun(repo, timeline.dir, timeline.manifest, compression, options, warn);
    let recovered: Awaited<ReturnType<ArchiveRun['recover']>>;
    let start: BinlogPosition | undefined;
    try {
      recovered = await run.recover();
      start = run.startPosition(serverFiles);
      if (start !== undefined) await run.receive(source, start, serverId);
    } catch (e) {
      await run.abort();
      throw e;
    }
    const summary = await run.finish();
    return {
      repoDir: repo.dir,
      repoCreated,
      timeline: timeline.name,
      timelineCreated: timeline.created,
      timelineDir: timeline.dir,
      source: timelineSource,
      serverId,
      from: start,
      ...summary,
      recovered,
      durationMs: Date.now() - started,
      warnings,
    };
  } finally {
    await lock?.release().catch(() => undefined);
    await source.close();
  }
}

/** The state of one run over one timeline directory. */
class ArchiveRun {
  readonly #repo: PitrRepo;
  readonly #dir: string;
  readonly #compression: ArchiveCompression;
  readonly #options: ArchiveBinlogsOptions;
  readonly #warn: (m: string) => void;
  #manifest: BinlogManifest;
  #current: CurrentFile | undefined;
  /** Closes run one after the other, in the background of the receiving loop. */
  #closing: Promise<void> = Promise.resolve();
  #closeError: unknown = undefined;
  readonly #closed: ManifestFileEntry[] = [];
  #encryptionWarned = false;
  #bytes = 0;
  #events = 0;
  #transactions = 0;

  constructor(repo: PitrRepo, dir: string, manifest: BinlogManifest, compression: ArchiveCompression, options: ArchiveBinlogsOptions, warn: (m: string) => void) {
    this.#repo = repo;
    this.#dir = dir;
    this.#manifest = manifest;
    this.#compression = compression;
    this.#options = options;
    this.#warn = warn;
  }

  /**
   * Brings the timeline directory to a clean state (see "Restart" in the file comment) and opens
   * the file to continue, if any. Returns what was cut.
   */
  async recover(): Promise<{ file: string; cutBytes: number; reason: string } | undefined> {
    const closed = new Map(this.#manifest.files.filter((f) => f.state === 'closed').map((f) => [f.name, f]));
    const finalNames = new Set([...closed.values()].map((f) => f.storedAs));
    const plain: string[] = [];
    for (const name of await io(`could not list ${this.#dir}`, () => readdir(this.#dir))) {
      if (isAtomicTempName(name)) {
        await unlink(join(this.#dir, name)).catch(() => undefined);
        continue;
      }
      if (!/\.\d+$/.test(name) || finalNames.has(name)) continue;
      if (closed.has(name)) {
        // Closed and recorded; the run stopped before removing the plain copy.
        await io(`could not remove ${join(this.#dir, name)}`, () => unlink(join(this.#dir, name)));
        continue;
      }
      plain.push(name);
    }
    await io(`could not fsync ${this.#dir}`, () => syncDirectory(this.#dir));
    plain.sort(compareBinlogNames);
    let cut: { file: string; cutBytes: number; reason: string } | undefined;
    for (let i = 0; i < plain.length; i++) {
      const name = plain[i]!;
      const isLast = i === plain.length - 1;
      const scanner = new BinlogFileScanner(name, { onWarning: this.#warn });
      const scan = await scanPlainBinlogFile(join(this.#dir, name), scanner, { tolerateDamage: true });
      const stats = scanner.stats;
      if (!isLast) {
        if (scan.damage !== undefined) {
          throw new PitrError(ERROR_CODES.BINLOG_FORMAT, `${join(this.#dir, name)} is damaged (${scan.damage}) although a later file was already started`, {
            hints: ['move the file away and run pitr archive again to fetch it anew (if the server still has it)'],
          });
        }
        await this.#closeNow(name, stats.closedBy ?? 'next-file');
        continue;
      }
      if (scan.damage === undefined && stats.closedBy !== undefined && !scanner.inGroup) {
        await this.#closeNow(name, stats.closedBy);
        continue;
      }
      // The file still being received: keep it up to its last complete transaction.
      const keep = scan.badMagic ? 4 : stats.boundaryPos;
      const cutBytes = scan.badMagic ? scan.sizeBytes : scan.sizeBytes - keep;
      if (scan.badMagic) {
        const reason = scan.damage ?? 'no binlog magic';
        if (cutBytes > 0) {
          cut = { file: name, cutBytes, reason };
          this.#warn(`${name}: started over: ${reason} (left by an interrupted run)`);
        }
      } else if (cutBytes > 0) {
        const reason = scan.damage ?? (scanner.inGroup ? 'an incomplete transaction' : 'bytes after the last event');
        cut = { file: name, cutBytes, reason };
        this.#warn(`${name}: cut ${cutBytes} byte(s) after offset ${keep} left by an interrupted run (${reason}); they are fetched again`);
      }
      const file = await OpenBinlogFile.reopen(this.#dir, name, keep, scan.badMagic);
      const fresh = new BinlogFileScanner(name, { onWarning: this.#warn });
      if (keep > 4) await scanPlainBinlogFile(file.path, fresh);
      this.#current = { name, file, scanner: fresh, baseEvents: fresh.stats.events, baseTransactions: fresh.stats.transactions };
    }
    return cut;
  }

  /** Where to ask the server to start, or undefined when there is nothing to receive. */
  startPosition(serverFiles: readonly BinaryLogFile[]): BinlogPosition | undefined {
    const cur = this.#current;
    const names = serverFiles.map((f) => f.name);
    if (cur !== undefined) {
      const onServer = serverFiles.find((f) => f.name === cur.name);
      if (onServer === undefined) {
        throw new PitrError(ERROR_CODES.PLAN, `the server no longer has ${cur.name}, which the archive holds only up to offset ${cur.file.position}`, {
          hints: [
            'the rest of that file is lost for point-in-time recovery (a gap); recording gaps is not implemented yet',
            `the server has ${names[0]} … ${names[names.length - 1]}`,
          ],
        });
      }
      if (onServer.sizeBytes < cur.file.position) {
        throw new PitrError(ERROR_CODES.PLAN, `the server's ${cur.name} has ${onServer.sizeBytes} bytes but the archive already holds ${cur.file.position}: the server's binlogs are not the archived history`, {
          hints: ['this happens after RESET MASTER or when a rebuilt server reuses file names; archiving it as a new timeline is not implemented yet'],
        });
      }
      return { file: cur.name, pos: cur.file.position };
    }
    const lastClosed = [...this.#manifest.files].filter((f) => f.state === 'closed').sort((a, b) => compareBinlogNames(a.name, b.name)).pop();
    if (lastClosed === undefined) return { file: names[0]!, pos: 4 };
    const next = names.find((n) => compareBinlogNames(n, lastClosed.name) > 0);
    if (next === undefined) return undefined;
    if (!isSuccessor(lastClosed.name, next)) {
      throw new PitrError(ERROR_CODES.PLAN, `the server's binlogs continue with ${next}, but the archive ends with ${lastClosed.name}: the files between were purged before they were archived`, {
        hints: ['recording gaps is not implemented yet; the transactions in the missing files cannot be restored'],
      });
    }
    return { file: next, pos: 4 };
  }

  /** Receives from `start` until the server's current end (or until stopped with `follow`). */
  async receive(source: ReplicationSource, start: BinlogPosition, serverId: number): Promise<void> {
    const o = this.#options;
    const follow = o.follow === true;
    const stream = await source.openDump({
      file: start.file,
      position: start.pos,
      serverId,
      nonBlocking: !follow,
      ...(o.heartbeatMs === undefined ? {} : { heartbeatMs: o.heartbeatMs }),
    });
    const onAbort = (): void => stream.close();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const checksumLength = source.info.binlogChecksum === 'CRC32' ? 4 : 0;
    const syncIntervalMs = o.syncIntervalMs ?? 1000;
    const syncBytes = o.syncBytes ?? 64 << 20;
    const manifestIntervalMs = o.manifestIntervalMs ?? 10_000;
    let lastSyncMs = Date.now();
    let lastManifestMs = Date.now();
    try {
      if (o.signal?.aborted === true) return;
      for (;;) {
        const r = await stream.next();
        if (r.done === true) break;
        for (const ev of r.value) {
          // Most events need no await: a promise per event would cost more than the event's work.
          const pending = this.#event(ev, checksumLength);
          if (pending !== undefined) await pending;
        }
        this.#throwCloseError();
        const cur = this.#current;
        if (cur !== undefined) {
          await cur.file.flush();
          const now = Date.now();
          if (
            !cur.scanner.inGroup &&
            cur.file.syncedPosition !== cur.file.position &&
            (stream.queuedEvents === 0 || now - lastSyncMs >= syncIntervalMs || cur.file.position - cur.file.syncedPosition >= syncBytes)
          ) {
            await cur.file.sync();
            lastSyncMs = now;
          }
          if (follow && now - lastManifestMs >= manifestIntervalMs && !cur.scanner.inGroup) {
            lastManifestMs = now;
            await this.#recordOpen();
          }
          o.onProgress?.({ file: cur.name, position: cur.file.position, bytesReceived: this.#bytes, eventsReceived: this.#events });
        }
      }
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
      stream.close();
    }
  }

  /** One event of the stream; a promise only when it starts or ends a file. */
  #event(ev: Uint8Array, checksumLength: number): Promise<void> | undefined {
    if (ev.length < EVENT_HEADER_LENGTH) {
      throw new BinlogFormatError(`the server sent an event of ${ev.length} bytes (shorter than its header)`, { file: this.#current?.name ?? '?', offset: this.#current?.file.position ?? 0 });
    }
    const header = readHeader(ev);
    const type = header.typeCode;
    if (type === ROTATE_EVENT && ((header.flags & LOG_EVENT_ARTIFICIAL_F) !== 0 || header.logPos === 0)) {
      return this.#artificialRotate(ev, checksumLength);
    }
    const cur = this.#current;
    if (cur === undefined) {
      throw new BinlogFormatError(`the server sent a ${type} event before naming its file`, { file: '?', offset: 0, eventType: type });
    }
    if (type === HEARTBEAT_LOG_EVENT || type === HEARTBEAT_LOG_EVENT_V2) return undefined;
    if (type === FORMAT_DESCRIPTION_EVENT && header.logPos === 0) {
      // The FDE of a dump that starts inside the file: must be the one the archived file has.
      const before = cur.scanner.stats;
      cur.scanner.useFormatDescription(ev);
      if (before.createdTime !== undefined && (before.createdTime !== header.timestamp || before.serverId !== header.serverId)) {
        throw new PitrError(ERROR_CODES.PLAN, `the server's ${cur.name} is not the archived ${cur.name}: created at ${header.timestamp} by server ${header.serverId}, the archived one at ${before.createdTime} by server ${before.serverId}`, {
          hints: ['this happens after RESET MASTER or when a rebuilt server reuses file names; archiving it as a new timeline is not implemented yet'],
        });
      }
      return undefined;
    }
    const pos = cur.file.position;
    const expectedEnd = (pos + ev.length) % 0x1_0000_0000;
    if (header.logPos !== expectedEnd) {
      throw new BinlogFormatError(
        `the stream is out of step with the file: the event written at ${pos} says it ends at ${header.logPos}, not ${expectedEnd}`,
        { file: cur.name, offset: pos, eventType: type },
        { hints: ['the server skipped or changed events for this replica; nothing after this point was archived. Report the server version.'] },
      );
    }
    if (cur.scanner.stats.closedBy !== undefined) {
      throw new BinlogFormatError(`the server sent an event after the file's ${cur.scanner.stats.closedBy === 'stop' ? 'STOP' : 'ROTATE'} event`, { file: cur.name, offset: pos, eventType: type });
    }
    cur.scanner.add(ev, pos);
    if (type === MARIADB_START_ENCRYPTION_EVENT && !this.#encryptionWarned) {
      this.#encryptionWarned = true;
      this.#warn(
        `the server encrypts its binlogs at rest (${cur.name} has a START_ENCRYPTION_EVENT): it sends them decrypted, so the archive holds them decrypted ` +
          '(same positions and sizes, other bytes than its files on disk); protect the repository accordingly',
      );
    }
    cur.file.append(type === FORMAT_DESCRIPTION_EVENT && pos === 4 ? withInUseFlag(ev) : ev);
    this.#bytes += ev.length;
    if (type === ROTATE_EVENT || type === STOP_EVENT) return this.#finishCurrent(cur.scanner.stats.closedBy ?? 'next-file');
    return undefined;
  }

  /** The server names the file the following events belong to. */
  async #artificialRotate(ev: Uint8Array, checksumLength: number): Promise<void> {
    const bodyEnd = ev.length - checksumLength;
    if (bodyEnd < EVENT_HEADER_LENGTH + 8) throw new BinlogFormatError('artificial ROTATE_EVENT too short', { file: '?', offset: 0, eventType: ROTATE_EVENT });
    const view = new DataView(ev.buffer, ev.byteOffset, ev.length);
    const position = Number(view.getBigUint64(EVENT_HEADER_LENGTH, true));
    const name = Buffer.from(ev.buffer, ev.byteOffset + EVENT_HEADER_LENGTH + 8, bodyEnd - EVENT_HEADER_LENGTH - 8).toString('utf8');
    let cur = this.#current;
    if (cur !== undefined && cur.name !== name) {
      // The server went on to the next file without ROTATE/STOP at the end of this one (it crashed).
      await this.#finishCurrent('next-file');
      cur = undefined;
    }
    if (cur === undefined) {
      if (position !== 4) {
        throw new PitrError(ERROR_CODES.INTERNAL, `the server starts ${name} at offset ${position}, but the archive has no copy of its beginning`);
      }
      const file = await OpenBinlogFile.create(this.#dir, name);
      this.#current = { name, file, scanner: new BinlogFileScanner(name, { onWarning: this.#warn }), baseEvents: 0, baseTransactions: 0 };
    } else if (position !== cur.file.position) {
      throw new PitrError(ERROR_CODES.INTERNAL, `the server continues ${name} at offset ${position}, the archive at ${cur.file.position}`);
    }
  }

  /** The current file ended: make it durable and close it in the background. */
  async #finishCurrent(closedBy: 'rotate' | 'stop' | 'next-file'): Promise<void> {
    const cur = this.#current!;
    this.#current = undefined;
    this.#count(cur);
    await cur.file.close();
    this.#closing = this.#closing.then(async () => {
      if (this.#closeError !== undefined) return;
      try {
        await this.#closeNow(cur.name, closedBy, cur.scanner.stats);
      } catch (e) {
        this.#closeError = e;
      }
    });
  }

  async #closeNow(name: string, closedBy: 'rotate' | 'stop' | 'next-file', stats?: BinlogFileStats): Promise<void> {
    const entry = await closeArchivedFile({
      dir: this.#dir,
      name,
      compression: this.#compression,
      closedBy,
      onWarning: this.#warn,
      ...(stats === undefined ? {} : { stats }),
      ...(this.#options.compressionLevel === undefined ? {} : { level: this.#options.compressionLevel }),
    });
    this.#manifest = withEntry(this.#manifest, entry);
    await writeManifest(this.#repo, this.#manifest);
    if (entry.storedAs !== name) {
      await io(`could not remove ${join(this.#dir, name)}`, async () => {
        await unlink(join(this.#dir, name));
        await syncDirectory(this.#dir);
      });
    }
    this.#closed.push(entry);
    this.#options.onFileClosed?.(entry);
  }

  #count(cur: CurrentFile): void {
    const s = cur.scanner.stats;
    this.#events += s.events - cur.baseEvents;
    this.#transactions += s.transactions - cur.baseTransactions;
  }

  #throwCloseError(): void {
    if (this.#closeError !== undefined) throw this.#closeError;
  }

  /** Writes the open file's manifest entry (after the closes queued before it). */
  async #recordOpen(): Promise<void> {
    const cur = this.#current;
    if (cur === undefined) return;
    await cur.file.sync();
    const entry = entryFromStats(
      cur.name,
      cur.scanner.stats,
      { state: 'open', storedAs: cur.name, compression: 'none', storedBytes: cur.file.syncedPosition },
      { flavor: this.#manifest.source.flavor, serverVersion: this.#manifest.source.serverVersion, serverId: this.#manifest.source.serverId },
    );
    const p = this.#closing.then(async () => {
      if (this.#closeError !== undefined) return;
      this.#manifest = withEntry(this.#manifest, entry);
      await writeManifest(this.#repo, this.#manifest);
    });
    this.#closing = p.catch((e: unknown) => {
      this.#closeError ??= e;
    });
    await this.#closing;
    this.#throwCloseError();
  }

  /** Syncs and records the open file, waits for the closes; the end of a run (also after a failure). */
  async finish(): Promise<{
    to: BinlogPosition | undefined;
    closedFiles: readonly ManifestFileEntry[];
    openFile: ManifestFileEntry | undefined;
    bytesReceived: number;
    eventsReceived: number;
    transactionsReceived: number;
    manifest: BinlogManifest;
  }> {
    const cur = this.#current;
    let openFile: ManifestFileEntry | undefined;
    if (cur !== undefined) {
      await this.#recordOpen();
      this.#count(cur);
      await cur.file.close();
      openFile = this.#manifest.files.find((f) => f.name === cur.name && f.state === 'open');
    }
    await this.#closing;
    this.#throwCloseError();
    const files = this.#manifest.files;
    const lastFile = files[files.length - 1];
    return {
      to: lastFile === undefined ? undefined : { file: lastFile.name, pos: lastFile.endPos },
      closedFiles: this.#closed,
      openFile,
      bytesReceived: this.#bytes,
      eventsReceived: this.#events,
      transactionsReceived: this.#transactions,
      manifest: this.#manifest,
    };
  }

  /** Best-effort cleanup after a failure: sync what was written, let queued closes finish. */
  async abort(): Promise<void> {
    const cur = this.#current;
    this.#current = undefined;
    if (cur !== undefined) await cur.file.close().catch(() => cur.file.abandon());
    await this.#closing.catch(() => undefined);
  }
}

/** Runs a file-system call; its failure becomes a PitrError IO naming what failed. */
async function io<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof PitrError) throw e;
    throw new PitrError(ERROR_CODES.IO, `${what}: ${errnoCode(e) ?? (e instanceof Error ? e.message : String(e))}`, {
      cause: e,
      hints: ['check free space and permissions of the repository'],
    });
  }
}

/** `mariadb-bin.000008` directly follows `mariadb-bin.000007`. */
function isSuccessor(prev: string, next: string): boolean {
  const a = /^(.*)\.(\d+)$/.exec(prev);
  const b = /^(.*)\.(\d+)$/.exec(next);
  return a !== null && b !== null && a[1] === b[1] && Number(b[2]) === Number(a[2]) + 1;
}

/** A copy of a FORMAT_DESCRIPTION_EVENT with LOG_EVENT_BINLOG_IN_USE_F set, as in the server's open file. */
function withInUseFlag(ev: Uint8Array): Uint8Array {
  const copy = ev.slice();
  copy[17] = copy[17]! | LOG_EVENT_BINLOG_IN_USE_F;
  return copy;
}
