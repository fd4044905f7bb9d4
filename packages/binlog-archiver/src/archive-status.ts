/**
 * `<repo>/binlogs/status.json`: what the archiver is doing, for monitoring (a Nagios/Prometheus
 * check reads one small file instead of parsing logs). Written atomically (core writeJsonAtomic:
 * a reader sees the old or the new document, never a torn one), at most once a second while
 * things change, and at once when the run ends. One file per repository: one archiver writes
 * the archive at a time (archive.lock).
 *
 * A monitor should alert when `state` is "error", when `updatedAt` is old while `state` says
 * "following"/"catching-up"/"reconnecting" (the process died: SIGKILL, OOM), or when `lagSeconds`
 * grows.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '@pitr/core';
import type { PitrRepo } from '@pitr/core';

export const ARCHIVE_STATUS_FILE = 'status.json';
export const ARCHIVE_STATUS_FORMAT = 'pitr-archive-status';
export const ARCHIVE_STATUS_VERSION = 1;

/**
 * starting: checking the source and the archive; catching-up: receiving what the server already
 * had; following: caught up, waiting for new events (--follow); reconnecting: the connection was
 * lost, retrying with backoff; stopped: the run ended normally; error: the run ended with `lastError`.
 */
export type ArchiveState = 'starting' | 'catching-up' | 'following' | 'reconnecting' | 'stopped' | 'error';

export interface ArchiveStatusDocument {
  readonly format: typeof ARCHIVE_STATUS_FORMAT;
  readonly statusVersion: number;
  readonly state: ArchiveState;
  /** --follow or a single catch-up run. */
  readonly follow: boolean;
  readonly pid: number;
  readonly host: string;
  /** The source URL, no password. */
  readonly source: string;
  readonly replicaServerId: number;
  readonly timeline: string | null;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** The end of what is archived and durable (fsynced): file, offset, last GTID, times (ISO UTC). */
  readonly archived: {
    readonly file: string;
    readonly pos: number;
    readonly gtid: string | null;
    readonly lastEventTime: string | null;
    readonly lastCommitTime: string | null;
  } | null;
  /**
   * Seconds behind the source: 0 when the archiver has everything the server wrote (a heartbeat
   * at our position, or the end of a catch-up), else now minus the header time of the newest
   * event received. null before anything was received.
   */
  readonly lagSeconds: number | null;
  readonly bytesReceived: number;
  readonly eventsReceived: number;
  readonly transactionsReceived: number;
  /** Connections lost and re-established in this run. */
  readonly reconnects: number;
  readonly lastError: { readonly at: string; readonly message: string; readonly code: string } | null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The status file of one run; see the file comment. */
export class ArchiveStatusFile {
  readonly path: string;
  readonly #doc: Mutable<ArchiveStatusDocument>;
  readonly #minIntervalMs: number;
  #lastWriteMs = 0;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #onError: (e: unknown) => void;

  constructor(
    repo: PitrRepo,
    init: { follow: boolean; source: string; replicaServerId: number },
    options: { minIntervalMs?: number; onError?: (e: unknown) => void } = {},
  ) {
    this.path = join(repo.layout.binlogsDir, ARCHIVE_STATUS_FILE);
    this.#minIntervalMs = options.minIntervalMs ?? 1000;
    this.#onError = options.onError ?? (() => undefined);
    const now = new Date().toISOString();
    this.#doc = {
      format: ARCHIVE_STATUS_FORMAT,
      statusVersion: ARCHIVE_STATUS_VERSION,
      state: 'starting',
      follow: init.follow,
      pid: process.pid,
      host: hostname(),
      source: init.source,
      replicaServerId: init.replicaServerId,
      timeline: null,
      startedAt: now,
      updatedAt: now,
      archived: null,
      lagSeconds: null,
      bytesReceived: 0,
      eventsReceived: 0,
      transactionsReceived: 0,
      reconnects: 0,
      lastError: null,
    };
  }

  get document(): ArchiveStatusDocument {
    return { ...this.#doc };
  }

  /** Changes the document; it is written within a second (never more often than that). */
  update(change: Partial<Omit<ArchiveStatusDocument, 'format' | 'statusVersion' | 'pid' | 'host' | 'startedAt' | 'updatedAt'>>): void {
    Object.assign(this.#doc, change);
    this.#dirty = true;
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, this.#lastWriteMs + this.#minIntervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#write();
    }, wait);
    this.#timer.unref();
  }

  /** Records an error (the run goes on when it is retried; `state` says whether it does). */
  error(e: unknown): void {
    const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : 'INTERNAL';
    this.update({ lastError: { at: new Date().toISOString(), message: e instanceof Error ? e.message : String(e), code } });
  }

  /** Writes now what is pending (the end of a run). */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#write();
  }

  #write(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      this.#lastWriteMs = Date.now();
      this.#doc.updatedAt = new Date().toISOString();
      try {
        await writeJsonAtomic(this.path, this.#doc);
      } catch (e) {
        // Monitoring must not stop the archive: the next update tries again.
        this.#onError(e);
      }
    });
    return this.#writing;
  }
}
