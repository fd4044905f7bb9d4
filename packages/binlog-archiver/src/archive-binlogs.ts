/**
 * `archiveBinlogs()`: copies a server's binary logs into a pitr repository over the replication
 * protocol, byte for byte, and keeps the timeline's manifest.
 *
 * One run: connect and check the source (binlog on, credentials, REPLICATION SLAVE through a probe
 * dump, no registered replica with our server id) before anything is written → lock the
 * repository → pick the timeline (timeline.ts) → recover what a previous run left → compare the
 * server's history with the archive (server-history.ts: continue, record a gap, or start a new
 * timeline and seal the old one) → dump from where the archive ends → write each event at its
 * offset in a plain file named as the server names it → when the server ends a file
 * (ROTATE/STOP), compress it with its SHA-256 and manifest entry (close-archived-file.ts) → at the
 * server's current end (or, with `follow`, when stopped) record the file still being written as
 * the manifest's open entry.
 *
 * --follow. A lost connection (server restart, KILL of the dump thread, network, idle timeout) is
 * retried with exponential backoff (reconnectDelayMs doubling up to reconnectMaxDelayMs, ±20 %
 * jitter; reset once a dump streams again), each attempt logged as a warning. Before reconnecting
 * the open file is synced and recorded; after it, the directory is recovered as after a restart
 * (the incomplete transaction at its end is cut and fetched again), and the server's history is
 * compared again (it may have been reset, failed over, or purged meanwhile). Not retried: a server
 * id clash (the source ended our dump for another replica with our id: retrying would end theirs),
 * history/format/disk errors. The open file's manifest entry is rewritten soon after a file starts
 * and every manifestIntervalMs, and always describes complete transactions that are on disk. The
 * lag (seconds behind the source: 0 when a heartbeat shows we have everything, else now minus the
 * newest event's time) goes to onInfo every lagLogIntervalMs and to `binlogs/status.json`
 * (archive-status.ts) at most once a second, with the state and the last error.
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
 * Durability (fsync policy). Events are written per received batch (in pieces of ~8 MiB while
 * catching up, whole pages with O_DIRECT: open-binlog-file.ts), and an fdatasync runs in the background whenever written bytes are not
 * yet synced and none runs: the disk flushes while the next events arrive, as fast as it can,
 * without stalling the receiving (waiting for each sync made catching up disk-bound twice over).
 * A position is reported as archived (status file, manifest) only once it is synced; the open
 * file's manifest entry records its last complete transaction after a blocking sync; a file is
 * synced before it is closed, and everything at the end of a run. A sync may end inside a
 * transaction: harmless, a crash (of the archiver or of the machine) loses at most the unsynced
 * tail, which the next run cuts back to the last complete transaction and fetches again. A closed file is written to a temp file,
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
import { BLOCK_BYTES, DEFAULT_MAX_BUFFERED, type BinlogDumpStream } from './binlog-dump-stream.js';
import { closeArchivedFile, entryFromStats } from './close-archived-file.js';
import { compareBinlogNames, readManifest, updateManifest, withEntry } from '@pitr/core';
import type { ArchiveCompression, BinlogManifest, ManifestFileEntry, TimelineSource } from '@pitr/core';
import { ArchiveStatusFile, type ArchiveStatusDocument } from './archive-status.js';
import { DigestWorker } from './digest-worker.js';
import { OpenBinlogFile, type OpenBinlogFileOptions } from './open-binlog-file.js';
import { SharedArena, StagingRing } from './staging-ring.js';
import { scanPlainBinlogFile } from './plain-file-scan.js';
import { ReplicationSource, SERVER_ID_CLASH_HINTS, ServerIdClashError, type BinaryLogFile } from './replication-source.js';
import { decideServerHistory, type ArchiveEnd, type HistoryDecision } from './server-history.js';
import { chooseTimeline, listTimelines, sameSource } from './timeline.js';

/** A recorded gap (core's ManifestGap; named through BinlogManifest until core's index exports it). */
export type ManifestGap = NonNullable<BinlogManifest['gaps']>[number];

const STOP_EVENT = 3;
const ROTATE_EVENT = 4;
const FORMAT_DESCRIPTION_EVENT = 15;
const HEARTBEAT_LOG_EVENT = 27;
const HEARTBEAT_LOG_EVENT_V2 = 41;
const MARIADB_START_ENCRYPTION_EVENT = 164;
const LOG_EVENT_BINLOG_IN_USE_F = 0x1;
const LOG_EVENT_ARTIFICIAL_F = 0x20;
const EVENT_HEADER_LENGTH = 19;
/** While catching up, received events are written once this much is pending (or when the queue is empty). */
const FLUSH_BYTES = 1 << 20;
/** Smallest maxBufferedBytes: the dump stream's blocks are 1 MiB. */
const MIN_BUFFERED_BYTES = 2 << 20;
/** The staging ring: room for the pieces in flight (up to 3 of 8 MiB) and the one being copied. */
const STAGING_RING_BYTES = 32 << 20;
/** Blocks the dump stream may fill beyond maxBufferedBytes before its pause takes effect. */
const BLOCK_SPARE_BYTES = 4 * BLOCK_BYTES;
/** At most this much of the arena for the dump stream's blocks (a bigger maxBufferedBytes gets more blocks allocated). */
const MAX_ARENA_BLOCK_BYTES = 256 << 20;

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
  /** Heartbeat period asked of the server (default 1000 ms). */
  readonly heartbeatMs?: number;
  /** Wait this long for another writer's repository lock (default 0: fail at once). */
  readonly lockWaitMs?: number;
  /** With `follow`: how often the open file's manifest entry is rewritten (default 5 s; also soon after a file starts). */
  readonly manifestIntervalMs?: number;
  /** With `follow`: first wait before reconnecting after a lost connection (default 500 ms)… */
  readonly reconnectDelayMs?: number;
  /** …doubled per failed attempt up to this (default 30 s); reset once a dump streams again. */
  readonly reconnectMaxDelayMs?: number;
  /** With `follow`: how often the lag is reported through onInfo (default 60 s). */
  readonly lagLogIntervalMs?: number;
  /** Write `<repo>/binlogs/status.json` for monitoring (default true). */
  readonly statusFile?: boolean;
  /** Problems that do not stop the run (gaps, new timelines, lost connections), as found. */
  readonly onWarning?: (message: string) => void;
  /** What a follower logs: caught up, lag now and then, reconnected. */
  readonly onInfo?: (message: string) => void;
  /** The status document after each received batch (what status.json gets, at most once a second). */
  readonly onStatus?: (status: ArchiveStatusDocument) => void;
  readonly onProgress?: (progress: ArchiveProgress) => void;
  readonly onRepoCreated?: (dir: string) => void;
  readonly onFileClosed?: (entry: ManifestFileEntry) => void;
  /**
   * Write received binlogs with O_DIRECT where the filesystem allows it (default true): less CPU,
   * and the archive does not fill the page cache of the host (see staging-ring.ts). Files are
   * fsynced the same way either way.
   */
  readonly directIo?: boolean;
  /**
   * Received events not yet written (copied to the staging ring) above which the dump pauses
   * reading the socket (default 32 MiB; give several MiB: events are held in 1 MiB blocks): the
   * memory a slow disk can make the archiver hold.
   */
  readonly maxBufferedBytes?: number;
}

/** What the runs of one archiveBinlogs call share: the digest threads, the staging memory of direct writes. */
interface RunIo {
  readonly digestWorker?: DigestWorker;
  readonly staging?: StagingRing;
  readonly directIo?: boolean;
  /** Where the dump stream reads the socket into (the arena after the staging ring). */
  readonly blockMemory?: Uint8Array;
}

export interface ArchiveProgress {
  /** The file being received and the offset reached in it. */
  readonly file: string;
  readonly position: number;
  /** Event bytes received in this run. */
  readonly bytesReceived: number;
  readonly eventsReceived: number;
  /** Seconds behind the source (0: caught up; null: not known yet). */
  readonly lagSeconds: number | null;
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
  /** Gaps found and recorded by this run (the server purged binlogs before they were archived). */
  readonly gaps: readonly ManifestGap[];
  /** Timelines this run started because the server's history changed (RESET MASTER, failover). */
  readonly newTimelines: readonly { readonly name: string; readonly reason: string; readonly previous: string }[];
  /** The timeline the run started in (`timeline` is where it ended). */
  readonly firstTimeline: string;
  /** Connections lost and re-established (--follow). */
  readonly reconnects: number;
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

/** Accumulated over the timelines and connections of one run. */
interface RunTotals {
  bytes: number;
  events: number;
  transactions: number;
  readonly closed: ManifestFileEntry[];
}

/** Archives the source's binlogs into the repository; see the file comment. */
export async function archiveBinlogs(options: ArchiveBinlogsOptions): Promise<ArchiveResult> {
  const started = Date.now();
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    options.onWarning?.(m);
  };
  const info = (m: string): void => options.onInfo?.(m);
  const compression = options.compression ?? 'gzip';
  if (!COMPRESSIONS.includes(compression)) {
    throw new PitrError(ERROR_CODES.USAGE, `unknown compression '${String(compression)}'`, { hints: ['use gzip, zstd or none'] });
  }
  const serverId = options.serverId ?? defaultReplicaServerId(options.repo);
  if (!Number.isInteger(serverId) || serverId < 1 || serverId > 0xffffffff) {
    throw new PitrError(ERROR_CODES.USAGE, `--server-id ${serverId} is out of range`, { hints: ['a server id is 1 to 4294967295'] });
  }
  // the dump holds events in 1 MiB blocks and the one being filled is never free: with 1 MiB or
  // less it would pause and never resume
  const buffered = options.maxBufferedBytes;
  if (buffered !== undefined && (!Number.isSafeInteger(buffered) || buffered < MIN_BUFFERED_BYTES)) {
    throw new PitrError(ERROR_CODES.USAGE, `maxBufferedBytes ${buffered} is too small`, { hints: [`give at least ${MIN_BUFFERED_BYTES >> 20} MiB (default 32 MiB)`] });
  }
  const follow = options.follow === true;
  const signal = options.signal;
  const connectOptions = options.env === undefined ? {} : { env: options.env };

  // 1. The source, checked before anything is written.
  let source = await ReplicationSource.connect(options.source, connectOptions);
  let lock: RepoLock | undefined;
  let status: ArchiveStatusFile | undefined;
  let digestWorker: DigestWorker | undefined;
  try {
    const checked = await checkSource(source, serverId, options.source, warn);
    let serverFiles = checked.serverFiles;
    let timelineSource = checked.timelineSource;

    // 2. The repository, its lock and the timeline.
    const repoCreated = !existsSync(repoLayout(options.repo).markerFile);
    const repo = await initRepo(options.repo);
    if (repoCreated) options.onRepoCreated?.(repo.dir);
    lock = await acquireRepoLock(repo.dir, {
      command: follow ? 'archive --follow' : 'archive',
      // the archive's own lock: backups (the repository lock) go on while --follow runs
      scope: 'archive',
      waitMs: options.lockWaitMs ?? 0,
      onWarning: warn,
    });
    if (options.statusFile !== false) {
      let statusErrorShown = false;
      status = new ArchiveStatusFile(
        repo,
        { follow, source: timelineSource.url, replicaServerId: serverId },
        {
          onError: (e) => {
            if (!statusErrorShown) warn(`could not write the status file: ${e instanceof Error ? e.message : String(e)}`);
            statusErrorShown = true;
          },
        },
      );
    }
    const totals: RunTotals = { bytes: 0, events: 0, transactions: 0, closed: [] };
    let timeline = await chooseTimeline(repo, timelineSource, warn);
    const firstTimeline = timeline;
    status?.update({ timeline: timeline.name });
    if (timeline.created) {
      // Another server than the newest timeline's (a failover, a rebuilt server): that timeline
      // ends here, its open file closed as it is.
      const names = await listTimelines(repo);
      const previous = names[names.indexOf(timeline.name) - 1];
      const old = previous === undefined ? undefined : await readManifest(repo, previous);
      if (previous !== undefined && old !== undefined && old.sealed === undefined) {
        const oldRun = new ArchiveRun(repo, previous, repo.layout.timelineDir(previous), old, compression, options, warn, { bytes: 0, events: 0, transactions: 0, closed: [] }, undefined);
        await oldRun.recover();
        await oldRun.seal(`the source is now another server (${timelineSource.flavor} server id ${timelineSource.serverId}${timelineSource.serverUuid === undefined ? '' : ` uuid ${timelineSource.serverUuid}`}): a failover or a rebuilt server`, timeline.name);
      }
    }
    // SHA-256 and CRC32 of what is received, beside the main thread (digest-worker.ts)
    // the memory received events are copied to, written from, and hashed from (shared with the digest threads)
    // and, after it, the memory the dump stream reads the socket into (one arena: events reach the
    // ring by memory.copy; one dump at a time uses it, and a file is closed before the next dump)
    const blockBytes = Math.min(MAX_ARENA_BLOCK_BYTES, (options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED) + BLOCK_SPARE_BYTES);
    const arena = new SharedArena(STAGING_RING_BYTES + blockBytes);
    const staging = new StagingRing(STAGING_RING_BYTES, { arena });
    digestWorker = new DigestWorker(staging);
    const io: RunIo = { digestWorker, staging, directIo: options.directIo !== false, blockMemory: arena.bytes.subarray(STAGING_RING_BYTES) };
    let run = new ArchiveRun(repo, timeline.name, timeline.dir, timeline.manifest, compression, options, warn, totals, status, io);
    const gaps: ManifestGap[] = [];
    const newTimelines: { readonly name: string; readonly reason: string; readonly previous: string }[] = [];
    let recovered: Awaited<ReturnType<ArchiveRun['recover']>>;
    let from: BinlogPosition | undefined;
    let reconnects = 0;
    const backoff = new Backoff(options.reconnectDelayMs ?? 500, options.reconnectMaxDelayMs ?? 30_000);

    /** Seals the current timeline and continues in a new one. */
    const switchTimeline = async (reason: string, identityChanged: boolean): Promise<void> => {
      const next = await chooseTimeline(repo, timelineSource, identityChanged ? () => undefined : warn, { newHistory: !identityChanged });
      warn(`NEW TIMELINE ${next.name}: ${reason}. The archive of ${timeline.name} ends here and is kept as it is; the server's binlogs go to ${next.name}, and restores across the two are not possible`);
      await run.seal(reason, next.name);
      newTimelines.push({ name: next.name, reason, previous: timeline.name });
      timeline = next;
      status?.update({ timeline: timeline.name });
      run = new ArchiveRun(repo, timeline.name, timeline.dir, timeline.manifest, compression, options, warn, totals, status, io);
      await run.recover();
    };

    try {
      recovered = await run.recover();
      for (;;) {
        try {
          let decision = await decideServerHistory(run.archiveEnd(), serverFiles, (f) => source.firstEvents(f, serverId));
          if (decision.kind === 'new-timeline') {
            await switchTimeline(decision.reason, false);
            decision = serverFiles[0] === undefined ? { kind: 'idle' } : { kind: 'start', file: serverFiles[0].name, pos: 4 };
          }
          if (decision.kind === 'gap') {
            warn(decision.message);
            gaps.push(await run.recordGap(decision));
          }
          if (decision.kind === 'start' || decision.kind === 'gap') {
            const start = { file: decision.file, pos: decision.pos };
            from ??= start;
            status?.update({ state: 'catching-up' });
            await run.receive(source, start, serverId, () => backoff.reset());
          }
          if (!follow || signal?.aborted === true) break;
          throw new PitrError(ERROR_CODES.CONNECTION, decision.kind === 'idle' ? 'the server has no binlog after the archived ones yet' : 'the server ended the binlog stream');
        } catch (e) {
          if (!follow || signal?.aborted === true || !isRetryable(e)) throw e;
          // --follow: the connection was lost (server restart, KILL, network). Keep what is
          // durable, reconnect with backoff, and continue from the last complete transaction.
          status?.error(e);
          status?.update({ state: 'reconnecting' });
          await run.suspend();
          let connected = false;
          let lastError: unknown = e;
          while (!connected) {
            const delayMs = backoff.next();
            warn(`lost the connection to the source (${errorText(lastError)}): reconnecting in ${formatMs(delayMs)} (attempt ${backoff.attempt})`);
            if (!(await sleep(delayMs, signal))) break;
            try {
              await source.close();
              source = await ReplicationSource.connect(options.source, connectOptions);
              const again = await checkSource(source, serverId, options.source, () => undefined);
              serverFiles = again.serverFiles;
              if (!sameSource(again.timelineSource, timelineSource)) {
                const before = timelineSource;
                timelineSource = again.timelineSource;
                await switchTimeline(`the source is now another server (server id ${again.timelineSource.serverId}, was ${before.serverId}: a failover or a rebuilt server)`, true);
              }
              connected = true;
            } catch (e2) {
              if (!isRetryable(e2)) throw e2;
              lastError = e2;
              status?.error(e2);
            }
          }
          if (!connected) break; // stopped while waiting
          reconnects++;
          status?.update({ reconnects });
          info(`reconnected to the source ${timelineSource.url} (after ${reconnects} lost connection(s))`);
          const cut = await run.recover();
          if (cut !== undefined) info(`${cut.file}: ${cut.cutBytes} byte(s) of an incomplete transaction are fetched again`);
        }
      }
    } catch (e) {
      await run.abort();
      throw e;
    }
    const summary = await run.finish();
    status?.update({ state: 'stopped', lagSeconds: follow ? status.document.lagSeconds : 0 });
    await status?.flush();
    return {
      repoDir: repo.dir,
      repoCreated,
      timeline: timeline.name,
      timelineCreated: timeline.created,
      timelineDir: timeline.dir,
      source: timelineSource,
      serverId,
      from,
      ...summary,
      closedFiles: totals.closed,
      bytesReceived: totals.bytes,
      eventsReceived: totals.events,
      transactionsReceived: totals.transactions,
      recovered,
      gaps,
      newTimelines,
      firstTimeline: firstTimeline.name,
      reconnects,
      durationMs: Date.now() - started,
      warnings,
    };
  } catch (e) {
    if (status !== undefined) {
      status.error(e);
      status.update({ state: 'error' });
      await status.flush();
    }
    throw e;
  } finally {
    await digestWorker?.stop();
    await lock?.release().catch(() => undefined);
    await source.close();
  }
}

/** The source's checks before dumping (also after each reconnect). */
async function checkSource(
  source: ReplicationSource,
  serverId: number,
  url: string,
  warn: (m: string) => void,
): Promise<{ serverFiles: BinaryLogFile[]; timelineSource: TimelineSource }> {
  if (serverId === source.info.serverId) {
    throw new PitrError(ERROR_CODES.USAGE, `--server-id ${serverId} is the source's own server id`, {
      hints: ['give the archiver an id no server or replica of this source uses'],
    });
  }
  const clash = await source.replicasWithServerId(serverId);
  if (clash.length > 0) {
    throw new ServerIdClashError(`a replica of ${redactUrl(url)} already uses server id ${serverId} (SHOW SLAVE HOSTS: ${clash.join(', ')}): the source keeps one dump per server id, so the archiver and that replica would end each other's connection`, {
      hints: SERVER_ID_CLASH_HINTS,
    });
  }
  if (source.info.binlogFormat.toUpperCase() !== 'ROW') {
    warn(`the source logs with binlog_format=${source.info.binlogFormat}: the archive is complete, but point-in-time restores need ROW events`);
  }
  const serverFiles = await source.binaryLogs();
  const last = serverFiles[serverFiles.length - 1];
  if (last === undefined) {
    throw new PitrError(ERROR_CODES.USAGE, `${redactUrl(url)} lists no binary logs (SHOW BINARY LOGS is empty)`, {
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
    url: redactUrl(url).replace(/:\*\*\*@/, '@'),
  };
  return { serverFiles, timelineSource };
}

/** With --follow, a lost connection is retried; anything else (history, format, disk, a server id clash) stops the run. */
function isRetryable(e: unknown): boolean {
  return e instanceof PitrError && e.code === ERROR_CODES.CONNECTION && !(e instanceof ServerIdClashError);
}

/** Exponential backoff: `initialMs`, doubled per attempt up to `maxMs`, with ±20 % jitter. */
class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  attempt = 0;

  constructor(initialMs: number, maxMs: number) {
    this.#initialMs = Math.max(1, initialMs);
    this.#maxMs = Math.max(this.#initialMs, maxMs);
  }

  next(): number {
    const base = Math.min(this.#maxMs, this.#initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(Math.min(this.#maxMs, base * (0.8 + Math.random() * 0.4)));
  }

  /** A connection worked: the next loss starts over at the initial delay. */
  reset(): void {
    this.attempt = 0;
  }
}

/** Waits `ms`; false when `signal` aborted meanwhile. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Finished files compressed at once (the manifest still records them one after the other, in order). */
const MAX_PARALLEL_CLOSES = 2;

/** The state of one run over one timeline directory. */
class ArchiveRun {
  readonly #repo: PitrRepo;
  readonly #timeline: string;
  readonly #dir: string;
  readonly #compression: ArchiveCompression;
  readonly #options: ArchiveBinlogsOptions;
  readonly #warn: (m: string) => void;
  readonly #totals: RunTotals;
  readonly #status: ArchiveStatusFile | undefined;
  #manifest: BinlogManifest;
  #current: CurrentFile | undefined;
  /** Closes run one after the other, in the background of the receiving loop. */
  #closing: Promise<void> = Promise.resolve();
  #closeError: unknown = undefined;
  /** The last finished file is closed on disk (the next one is created after it). */
  #fileClosed: Promise<unknown> = Promise.resolve();
  #encryptionWarned = false;
  /** Header time of the newest event received (epoch s), and whether the server has nothing newer. */
  #lastEventTime: number | undefined;
  #caughtUp = false;
  /** The open file was started and has no manifest entry yet. */
  #openUnrecorded = false;
  /**
   * The dump being received: files tell it at once which events they no longer need (it then
   * reuses their memory), also from a close or a deferred creation that completes while the
   * receive loop waits for events (a paused stream would otherwise wait for a release forever).
   */
  #stream: BinlogDumpStream | undefined;
  /** Compressions of finished files running, and closes waiting for a turn. */
  #compressions = 0;
  #compressionWaiters: (() => void)[] = [];
  readonly #fileOptions: OpenBinlogFileOptions;
  readonly #digestWorker: DigestWorker | undefined;
  readonly #blockMemory: Uint8Array | undefined;

  constructor(
    repo: PitrRepo,
    timeline: string,
    dir: string,
    manifest: BinlogManifest,
    compression: ArchiveCompression,
    options: ArchiveBinlogsOptions,
    warn: (m: string) => void,
    totals: RunTotals,
    status: ArchiveStatusFile | undefined,
    io: RunIo = {},
  ) {
    const { digestWorker, staging } = io;
    this.#digestWorker = digestWorker;
    this.#blockMemory = io.blockMemory;
    this.#fileOptions = {
      onReleased: (last) => {
        this.#stream?.release(last);
      },
      // a background fdatasync finished: what is durable may be reported now, not at the next event
      onSynced: (file) => {
        const cur = this.#current;
        if (cur !== undefined && cur.file === file) this.#reportStatus(cur, this.#lagSeconds(Date.now()));
      },
      ...(digestWorker === undefined ? {} : { digestWorker }),
      ...(staging === undefined ? {} : { staging, directIo: io.directIo === true }),
    };
    this.#repo = repo;
    this.#timeline = timeline;
    this.#dir = dir;
    this.#manifest = manifest;
    this.#compression = compression;
    this.#options = options;
    this.#warn = warn;
    this.#totals = totals;
    this.#status = status;
  }

  /** Where the archive of this timeline ends (for server-history.ts). */
  archiveEnd(): ArchiveEnd | undefined {
    const cur = this.#current;
    if (cur !== undefined) {
      const s = cur.scanner.stats;
      return {
        name: cur.name,
        endPos: cur.file.position,
        state: 'open',
        createdTime: s.createdTime,
        serverId: s.serverId,
        gtidStateAtStart: s.gtidStateAtStart,
        lastGtid: s.lastGtid ?? this.#lastGtidBefore(cur.name),
        lastCommitTime: s.lastCommitTimeUs === undefined ? undefined : isoOfUs(s.lastCommitTimeUs),
      };
    }
    const closed = this.#manifest.files.filter((f) => f.state === 'closed');
    const last = closed[closed.length - 1];
    if (last === undefined) return undefined;
    return {
      name: last.name,
      endPos: last.endPos,
      state: 'closed',
      createdTime: last.createdTime === undefined ? undefined : Date.parse(last.createdTime) / 1000,
      serverId: last.serverId,
      gtidStateAtStart: last.gtidStateAtStart,
      lastGtid: this.#lastGtidBefore(undefined),
      lastCommitTime: [...closed].reverse().find((f) => f.lastCommitTime !== undefined)?.lastCommitTime,
    };
  }

  /** The last GTID of the closed files (before `name`, if given). */
  #lastGtidBefore(name: string | undefined): string | undefined {
    const files = this.#manifest.files.filter((f) => f.state === 'closed' && (name === undefined || compareBinlogNames(f.name, name) < 0));
    return [...files].reverse().find((f) => f.lastGtid !== undefined)?.lastGtid;
  }

  /**
   * Records a gap (server-history.ts): the file being received, if any, is closed as it is
   * (marked incomplete), then the gap goes into the manifest.
   */
  async recordGap(decision: Extract<HistoryDecision, { kind: 'gap' }>): Promise<ManifestGap> {
    const end = this.archiveEnd();
    const cur = this.#current;
    if (cur !== undefined) this.#finishCurrent('next-file', { incomplete: true });
    await this.#closing;
    this.#throwCloseError();
    const gap: ManifestGap = {
      reason: 'purged-before-archived',
      from: {
        file: end?.name ?? decision.file,
        pos: end?.endPos ?? 4,
        ...(end?.lastGtid === undefined ? {} : { gtid: end.lastGtid }),
        ...(end?.lastCommitTime === undefined ? {} : { time: end.lastCommitTime }),
      },
      to: {
        file: decision.file,
        pos: decision.pos,
        ...(decision.gtidStateAfter === undefined ? {} : { gtid: decision.gtidStateAfter }),
        ...(decision.timeAfter === undefined ? {} : { time: decision.timeAfter }),
      },
      missingFiles: decision.missingFiles,
      ...(cur === undefined ? {} : { partialFile: cur.name }),
      detectedAt: new Date().toISOString(),
    };
    await this.#update((m) => ({ ...m, gaps: [...(m.gaps ?? []), gap], updatedAt: new Date().toISOString() }));
    return gap;
  }

  /** The server's history went on elsewhere: close what is open as it is and seal the manifest. */
  async seal(reason: string, successor: string): Promise<void> {
    if (this.#current !== undefined) this.#finishCurrent('next-file');
    await this.#closing;
    this.#throwCloseError();
    await this.#update((m) => ({ ...m, sealed: { at: new Date().toISOString(), reason, successor }, updatedAt: new Date().toISOString() }));
  }

  /** The connection was lost: record and close the open file (recover() opens it again). */
  async suspend(): Promise<void> {
    const cur = this.#current;
    if (cur !== undefined) {
      if (!cur.scanner.inGroup) await this.#recordOpen().catch(() => undefined);
      this.#count(cur);
      this.#current = undefined;
      await cur.file.close();
      cur.file.forgetSha256();
    }
    await this.#closing;
    this.#throwCloseError();
  }

  /** Applies `change` to the manifest on disk (under its lock) and keeps the result. */
  async #update(change: (m: BinlogManifest) => BinlogManifest): Promise<void> {
    const next = await updateManifest(this.#repo, this.#timeline, (disk) => change(disk ?? this.#manifest));
    if (next !== undefined) this.#manifest = next;
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
      const file = await OpenBinlogFile.reopen(this.#dir, name, keep, scan.badMagic, this.#fileOptions);
      // Nothing cut: the scan above saw exactly the file as it stays (scanned once, not twice:
      // every run, a cron job's idle ones too, reads the open file, up to max_binlog_size).
      let fresh = scanner;
      if (scan.badMagic || cutBytes > 0) {
        fresh = new BinlogFileScanner(name, { onWarning: this.#warn });
        if (keep > 4) await scanPlainBinlogFile(file.path, fresh);
      }
      this.#useDigestWorker(file, fresh);
      this.#current = { name, file, scanner: fresh, baseEvents: fresh.stats.events, baseTransactions: fresh.stats.transactions };
    }
    return cut;
  }

  /** Receives from `start` until the server's current end (or until stopped with `follow`). */
  async receive(source: ReplicationSource, start: BinlogPosition, serverId: number, onStreaming: () => void): Promise<void> {
    const o = this.#options;
    const follow = o.follow === true;
    const stream = await source.openDump({
      file: start.file,
      position: start.pos,
      serverId,
      nonBlocking: !follow,
      recycle: true,
      ...(this.#blockMemory === undefined ? {} : { blockMemory: this.#blockMemory }),
      ...(o.heartbeatMs === undefined ? {} : { heartbeatMs: o.heartbeatMs }),
      ...(o.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: o.maxBufferedBytes }),
    });
    const onAbort = (): void => stream.close();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const checksumLength = source.info.binlogChecksum === 'CRC32' ? 4 : 0;
    const manifestIntervalMs = o.manifestIntervalMs ?? 5000;
    const lagLogIntervalMs = o.lagLogIntervalMs ?? 60_000;
    let lastManifestMs = Date.now();
    let lastLagLogMs = Date.now();
    let streaming = false;
    let wasCaughtUp = false;
    this.#caughtUp = false;
    this.#stream = stream;
    try {
      if (o.signal?.aborted === true) return;
      for (;;) {
        const r = await stream.next();
        if (r.done === true) {
          // the end of a non-blocking dump: everything the server had
          this.#caughtUp = true;
          break;
        }
        if (!streaming) {
          streaming = true;
          onStreaming();
        }
        for (const ev of r.value) {
          // Most events need no await: a promise per event would cost more than the event's work.
          const pending = this.#event(ev, checksumLength);
          if (pending !== undefined) await pending;
        }
        this.#throwCloseError();
        const cur = this.#current;
        if (cur !== undefined) {
          // while catching up, small batches are gathered into larger writes (one await per MiB, not per batch)
          if (stream.queuedEvents === 0 || cur.file.pendingBytes >= FLUSH_BYTES) await cur.file.flush();
        }
        if (cur !== undefined) {
          const now = Date.now();
          // the disk flushes while the next events arrive (see "Durability" above)
          if (cur.file.syncedPosition !== cur.file.position) await cur.file.syncInBackground();
          // The open file's manifest entry: soon after the file starts, then every interval.
          if (follow && !cur.scanner.inGroup && (this.#openUnrecorded || now - lastManifestMs >= manifestIntervalMs)) {
            lastManifestMs = now;
            await this.#recordOpen();
          }
          const lag = this.#lagSeconds(now);
          this.#reportStatus(cur, lag);
          if (follow && this.#caughtUp && !wasCaughtUp) {
            wasCaughtUp = true;
            this.#status?.update({ state: 'following' });
            o.onInfo?.(`caught up with the source at ${cur.name}:${cur.file.position}; following`);
          }
          if (follow && now - lastLagLogMs >= lagLogIntervalMs) {
            lastLagLogMs = now;
            o.onInfo?.(`following: ${cur.name}:${cur.file.syncedPosition} archived, lag ${lag ?? '?'} s, ${this.#totals.bytes} bytes received`);
          }
          o.onProgress?.({ file: cur.name, position: cur.file.position, bytesReceived: this.#totals.bytes, eventsReceived: this.#totals.events, lagSeconds: lag });
        }
      }
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
      if (this.#stream === stream) this.#stream = undefined;
      stream.close();
    }
  }

  /** Seconds behind the source (see ArchiveStatusDocument.lagSeconds). */
  #lagSeconds(nowMs: number): number | null {
    if (this.#caughtUp) return 0;
    if (this.#lastEventTime === undefined) return null;
    return Math.max(0, Math.floor(nowMs / 1000) - this.#lastEventTime);
  }

  #reportStatus(cur: CurrentFile, lag: number | null): void {
    const st = this.#status;
    if (st === undefined && this.#options.onStatus === undefined) return;
    const change: Parameters<ArchiveStatusFile['update']>[0] = {
      lagSeconds: lag,
      bytesReceived: this.#totals.bytes,
      eventsReceived: this.#totals.events + cur.scanner.events - cur.baseEvents,
      transactionsReceived: this.#totals.transactions + cur.scanner.transactions - cur.baseTransactions,
    };
    if (cur.file.syncedPosition === cur.file.position) {
      // what is durable: the stats describe exactly the synced bytes
      const s = cur.scanner.stats;
      Object.assign(change, {
        archived: {
          file: cur.name,
          pos: cur.file.syncedPosition,
          gtid: s.lastGtid ?? this.#lastGtidBefore(cur.name) ?? null,
          lastEventTime: s.lastEventTime === undefined ? null : new Date(s.lastEventTime * 1000).toISOString(),
          lastCommitTime: s.lastCommitTimeUs === undefined ? null : isoOfUs(s.lastCommitTimeUs),
        },
      });
    }
    st?.update(change);
    if (st !== undefined) this.#options.onStatus?.(st.document);
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
    if (type === HEARTBEAT_LOG_EVENT || type === HEARTBEAT_LOG_EVENT_V2) {
      // The server has nothing newer than its position in the heartbeat: when that is ours, we are caught up.
      if (header.logPos === cur.file.position) this.#caughtUp = true;
      return undefined;
    }
    if (type === FORMAT_DESCRIPTION_EVENT && header.logPos === 0) {
      // The FDE of a dump that starts inside the file: must be the one the archived file has.
      const before = cur.scanner.stats;
      cur.scanner.useFormatDescription(ev);
      this.#useDigestWorker(cur.file, cur.scanner);
      if (before.createdTime !== undefined && (before.createdTime !== header.timestamp || before.serverId !== header.serverId)) {
        throw new PitrError(ERROR_CODES.PLAN, `the server's ${cur.name} is not the archived ${cur.name}: created at ${header.timestamp} by server ${header.serverId}, the archived one at ${before.createdTime} by server ${before.serverId}`, {
          hints: ['the server was reset (RESET MASTER) or rebuilt just now; run pitr archive again: it archives the new history as a new timeline'],
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
    if (cur.scanner.closedBy !== undefined) {
      throw new BinlogFormatError(`the server sent an event after the file's ${cur.scanner.closedBy === 'stop' ? 'STOP' : 'ROTATE'} event`, { file: cur.name, offset: pos, eventType: type });
    }
    cur.scanner.add(ev, pos, header);
    if (type === FORMAT_DESCRIPTION_EVENT) this.#useDigestWorker(cur.file, cur.scanner);
    this.#caughtUp = false;
    if (this.#lastEventTime === undefined || header.timestamp > this.#lastEventTime) this.#lastEventTime = header.timestamp;
    if (type === MARIADB_START_ENCRYPTION_EVENT && !this.#encryptionWarned) {
      this.#encryptionWarned = true;
      this.#warn(
        `the server encrypts its binlogs at rest (${cur.name} has a START_ENCRYPTION_EVENT): it sends them decrypted, so the archive holds them decrypted ` +
          '(same positions and sizes, other bytes than its files on disk); protect the repository accordingly',
      );
    }
    // the file's FDE says "in use" while open, as on the server's disk; closed, it will not
    if (type === FORMAT_DESCRIPTION_EVENT && pos === 4) cur.file.append(withInUseFlag(ev, true), (ev[17]! & LOG_EVENT_BINLOG_IN_USE_F) === 0 ? ev : withInUseFlag(ev, false));
    else cur.file.append(ev);
    this.#totals.bytes += ev.length;
    if (type === ROTATE_EVENT || type === STOP_EVENT) this.#finishCurrent(cur.scanner.closedBy ?? 'next-file');
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
      this.#finishCurrent('next-file');
      cur = undefined;
    }
    if (cur === undefined) {
      if (position !== 4) {
        throw new PitrError(ERROR_CODES.INTERNAL, `the server starts ${name} at offset ${position}, but the archive has no copy of its beginning`);
      }
      const file = OpenBinlogFile.createAfter(this.#dir, name, this.#fileOptions, this.#fileClosed);
      const scanner = new BinlogFileScanner(name, { onWarning: this.#warn });
      this.#useDigestWorker(file, scanner);
      this.#current = { name, file, scanner, baseEvents: 0, baseTransactions: 0 };
      this.#openUnrecorded = true;
    } else if (position !== cur.file.position) {
      throw new PitrError(ERROR_CODES.INTERNAL, `the server continues ${name} at offset ${position}, the archive at ${cur.file.position}`);
    }
  }

  /**
   * With a digest worker, the worker checks the events' CRC32 (from the file's FDE on) instead of
   * the scanner (which still checks the FDE).
   */
  #useDigestWorker(file: OpenBinlogFile, scanner: BinlogFileScanner): void {
    if (this.#digestWorker === undefined) return;
    scanner.skipChecksums = true;
    file.checkChecksums = scanner.stats.checksum === 'CRC32';
  }

  /**
   * The current file ended: its last writes, fsync and close, then its compression and manifest
   * entry, all in the background. The next file is created on disk once this one is closed
   * (#fileClosed); its events are received meanwhile. A failure is thrown after the batch
   * (#throwCloseError), or by the next file's flush.
   */
  #finishCurrent(closedBy: 'rotate' | 'stop' | 'next-file', extra?: Partial<ManifestFileEntry>): void {
    const cur = this.#current!;
    this.#current = undefined;
    this.#openUnrecorded = false;
    this.#count(cur);
    const closed = (async (): Promise<string | undefined> => {
      await cur.file.close();
      // the hash of the bytes as received is the closed file's when the server closed it (flag cleared)
      if (closedBy !== 'next-file') return cur.file.closedSha256();
      cur.file.forgetSha256();
      return undefined;
    })();
    this.#fileClosed = closed;
    // compressed once closed (beside other closes), recorded in file order
    const compressed = closed.then((sha256) => this.#compressClosed(cur.name, closedBy, cur.scanner.stats, extra, sha256));
    compressed.catch(() => undefined);
    this.#closing = this.#closing.then(async () => {
      if (this.#closeError !== undefined) return;
      try {
        await this.#recordClosed(cur.name, await compressed);
      } catch (e) {
        this.#closeError = e;
      }
    });
    // a failed close stops the run after this batch, before the compression's turn comes
    closed.catch((e: unknown) => {
      this.#closeError ??= e;
    });
  }

  async #closeNow(name: string, closedBy: 'rotate' | 'stop' | 'next-file', stats?: BinlogFileStats, extra?: Partial<ManifestFileEntry>, sha256?: string): Promise<void> {
    await this.#recordClosed(name, await this.#compressClosed(name, closedBy, stats, extra, sha256));
  }

  /**
   * The compressed, hashed form of a finished file and its manifest entry (not recorded yet). Up to
   * MAX_PARALLEL_CLOSES run at once: gzip (~80 MB/s per core) made a catch-up compression-bound,
   * one file after the other, long after the receiving had ended.
   */
  async #compressClosed(name: string, closedBy: 'rotate' | 'stop' | 'next-file', stats?: BinlogFileStats, extra?: Partial<ManifestFileEntry>, sha256?: string): Promise<ManifestFileEntry> {
    while (this.#compressions >= MAX_PARALLEL_CLOSES) await new Promise<void>((resolve) => this.#compressionWaiters.push(resolve));
    this.#compressions++;
    try {
      const closedEntry = await closeArchivedFile({
        dir: this.#dir,
        name,
        compression: this.#compression,
        closedBy,
        onWarning: this.#warn,
        ...(stats === undefined ? {} : { stats }),
        ...(sha256 === undefined ? {} : { sha256 }),
        ...(this.#options.compressionLevel === undefined ? {} : { level: this.#options.compressionLevel }),
      });
      return extra === undefined ? closedEntry : { ...closedEntry, ...extra };
    } finally {
      this.#compressions--;
      this.#compressionWaiters.shift()?.();
    }
  }

  /** Records a closed file in the manifest (files in order), then removes its plain copy. */
  async #recordClosed(name: string, entry: ManifestFileEntry): Promise<void> {
    await this.#update((m) => withEntry(m, entry));
    if (entry.storedAs !== name) {
      await io(`could not remove ${join(this.#dir, name)}`, async () => {
        await unlink(join(this.#dir, name));
        await syncDirectory(this.#dir);
      });
    }
    this.#totals.closed.push(entry);
    this.#options.onFileClosed?.(entry);
  }

  #count(cur: CurrentFile): void {
    const s = cur.scanner.stats;
    this.#totals.events += s.events - cur.baseEvents;
    this.#totals.transactions += s.transactions - cur.baseTransactions;
  }

  #throwCloseError(): void {
    if (this.#closeError !== undefined) throw this.#closeError;
  }

  /** Writes the open file's manifest entry (after the closes queued before it). */
  async #recordOpen(): Promise<void> {
    const cur = this.#current;
    if (cur === undefined) return;
    await cur.file.sync();
    const stats = cur.scanner.stats;
    const entry: ManifestFileEntry = {
      ...entryFromStats(
        cur.name,
        stats,
        { state: 'open', storedAs: cur.name, compression: 'none', storedBytes: cur.file.syncedPosition },
        { flavor: this.#manifest.source.flavor, serverVersion: this.#manifest.source.serverVersion, serverId: this.#manifest.source.serverId },
      ),
      // what a restart keeps: up to the last complete transaction
      endPos: stats.boundaryPos,
    };
    this.#openUnrecorded = false;
    const p = this.#closing.then(async () => {
      if (this.#closeError !== undefined) return;
      await this.#update((m) => withEntry(m, entry));
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
    openFile: ManifestFileEntry | undefined;
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
      openFile,
      manifest: this.#manifest,
    };
  }

  /**
   * Best-effort cleanup after a failure: sync what was written, record the open file's entry
   * (what is durable up to its last complete transaction), let queued closes finish.
   */
  async abort(): Promise<void> {
    const cur = this.#current;
    if (cur !== undefined && this.#closeError === undefined) await this.#recordOpen().catch(() => undefined);
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

/** ISO 8601 UTC of epoch microseconds (µs only when not whole seconds). */
function isoOfUs(us: bigint): string {
  const base = new Date(Number(us / 1_000_000n) * 1000).toISOString().slice(0, 19);
  const frac = us % 1_000_000n;
  return frac === 0n ? `${base}Z` : `${base}.${frac.toString().padStart(6, '0')}Z`;
}

/** A copy of a FORMAT_DESCRIPTION_EVENT with LOG_EVENT_BINLOG_IN_USE_F set (as in the server's open file) or cleared. */
function withInUseFlag(ev: Uint8Array, inUse: boolean): Uint8Array {
  const copy = Uint8Array.prototype.slice.call(ev);
  copy[17] = inUse ? copy[17]! | LOG_EVENT_BINLOG_IN_USE_F : copy[17]! & ~LOG_EVENT_BINLOG_IN_USE_F;
  return copy;
}
