/**
 * SHA-256 of the files being archived and the CRC32 of their events, on two more threads.
 *
 * Receiving 1 GB of binlogs cost the archiver's main thread ~0.6 s of SHA-256 and ~0.35 s of CRC32
 * (tools/bench/bench-archive.ts), a third of its CPU; here they run beside the socket reads and
 * file writes. The bytes reach the worker through a ring of shared memory: each run is copied to
 * an offset with the same alignment (mod 8) as its source, because V8 copies into shared memory
 * byte by byte otherwise (~3 GB/s instead of ~25 GB/s, measured); ring space is reused once the
 * worker has answered the job. A run too big for the ring goes as a copy in the message.
 *
 * A job is a list of runs of whole events (consecutive in the file); each event's CRC32 is checked
 * (except the FORMAT_DESCRIPTION_EVENT's: its in-use flag byte is not what the server checksummed;
 * the scanner checks it on the main thread) and the runs are added to the file's hash. The first
 * bad event ends the job with its offset, and the archive writer reports it like the scanner
 * would: nothing after it is recorded as archived.
 *
 * The worker's code is a string (a worker cannot load TypeScript sources under the test runner);
 * it needs only node:crypto and node:zlib.
 */
import { Worker } from 'node:worker_threads';

/** Ring of shared memory the runs are copied into (16 MiB: 4 flushes of the archive writer). */
const RING_BYTES = 16 << 20;

const WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const zlib = require('node:zlib');
// CRC-32 (reflected 0xEDB88320) byte by byte for short events: zlib.crc32's call overhead is
// larger than the work below ~512 bytes.
const T = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[n] = c;
}
function crcJs(b, i, end) {
  let c = -1;
  while (i < end) c = T[(c ^ b[i++]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
function u32(b, i) { return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0; }
// The first event of r that is cut short or fails its CRC32, or null.
function check(r) {
  let i = 0;
  while (i < r.length) {
    if (r.length - i < 19) return { offset: i, reason: 'an event header is cut short' };
    const size = u32(r, i + 9);
    if (size < 23 || i + size > r.length) return { offset: i, reason: 'event size ' + size + ' does not fit' };
    const type = r[i + 4];
    if (type !== 15) {
      const end = i + size - 4;
      const stored = u32(r, end);
      const actual = size > 512 ? zlib.crc32(r.subarray(i, end)) : crcJs(r, i, end);
      if (stored !== actual) return { offset: i, type, stored, actual };
    }
    i += size;
  }
  return null;
}
const ring = new Uint8Array(require('node:worker_threads').workerData.ring);
const hashes = new Map();
parentPort.on('message', (m) => {
  try {
    if (m.op === 'digest') {
      let h;
      if (m.hash) {
        h = hashes.get(m.file);
        if (h === undefined) { h = createHash('sha256'); hashes.set(m.file, h); }
      }
      // runs: ring offset and length pairs, or a Uint8Array (a run too big for the ring)
      let at = 0;
      const runs = m.runs;
      for (let i = 0; i < runs.length; i++) {
        const x = runs[i];
        const r = typeof x === 'number' ? ring.subarray(x, x + runs[++i]) : x;
        if (m.crc) {
          const bad = check(r);
          if (bad !== null) { bad.offset += at; parentPort.postMessage({ id: m.id, bad }); return; }
        }
        if (h !== undefined) h.update(r);
        at += r.length;
      }
      parentPort.postMessage({ id: m.id });
    } else if (m.op === 'sha256') {
      const h = hashes.get(m.file);
      hashes.delete(m.file);
      parentPort.postMessage({ id: m.id, sha256: h === undefined ? null : h.digest('hex') });
    } else if (m.op === 'drop') {
      hashes.delete(m.file);
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
`;

/** The first event of a job that failed (offset from the job's first byte). */
export interface DigestMismatch {
  readonly offset: number;
  readonly type?: number;
  readonly stored?: number;
  readonly actual?: number;
  readonly reason?: string;
}

/** A job's event failed: `mismatch` says where. */
export class DigestMismatchError extends Error {
  readonly mismatch: DigestMismatch;
  constructor(mismatch: DigestMismatch) {
    super(mismatch.reason ?? 'CRC32 mismatch');
    this.name = 'DigestMismatchError';
    this.mismatch = mismatch;
  }
}

interface Reply {
  readonly id: number;
  readonly bad?: DigestMismatch;
  readonly sha256?: string | null;
  readonly error?: string;
}

type Pending = { resolve: (r: Reply) => void; reject: (e: unknown) => void };

/** One worker thread; its jobs are answered in order. */
class Lane {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  dead: Error | undefined;

  constructor(ring: SharedArrayBuffer, onDeath: () => void) {
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ring },
      // It allocates next to nothing (the events are shared, not copied).
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 16 },
      stdout: false,
      stderr: false,
    });
    this.#worker.on('message', (r: Reply) => {
      const p = this.#pending.get(r.id);
      if (p === undefined) return;
      this.#pending.delete(r.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (r.error !== undefined) p.reject(new Error(`the digest worker failed: ${r.error}`));
      else p.resolve(r);
    });
    const die = (e: Error): void => {
      this.dead ??= e;
      for (const p of this.#pending.values()) p.reject(this.dead);
      this.#pending.clear();
      onDeath();
    };
    this.#worker.on('error', die);
    this.#worker.on('exit', (code) => die(new Error(`the digest worker stopped (exit code ${code})`)));
    // Only waiting jobs keep the process alive.
    this.#worker.unref();
  }

  call(message: Record<string, unknown>): Promise<Reply> {
    if (this.dead !== undefined) return Promise.reject(this.dead);
    const id = this.#nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) this.#worker.ref();
      this.#worker.postMessage({ ...message, id });
    });
  }

  post(message: Record<string, unknown>): void {
    if (this.dead === undefined) this.#worker.postMessage(message);
  }

  async stop(): Promise<void> {
    this.dead ??= new Error('the digest worker was stopped');
    await this.#worker.terminate();
  }
}

/**
 * Hashes and checksums on two worker threads reading the same ring: one hashes, one checks CRC32s.
 * Measured on the 2-vCPU VM: no faster than one thread doing both (~2.3 s per GB either way: the
 * CPUs are saturated, and the two threads slow each other), but the hash alone kept one thread
 * busy for most of a catch-up, so with more cores the two lanes overlap. Ring room comes back once
 * every thread a job went to has answered it.
 */
export class DigestWorker {
  /** Touched once at start (fill): its pages count in RSS from the start, not growing as it first wraps. */
  readonly #ring = new Uint8Array(new SharedArrayBuffer(RING_BYTES)).fill(0);
  readonly #hasher: Lane;
  readonly #checker: Lane;
  /** Ring bytes in use (monotonic counters): next free byte, first byte a posted job still reads. */
  #ringHead = 0;
  #ringTail = 0;
  /** Posted jobs in ring order: where each ends, and how many threads have not answered it. */
  readonly #jobs: { end: number; unanswered: number }[] = [];
  /** Woken at each answer: a job waiting for ring room. */
  #roomWaiters: (() => void)[] = [];
  /** Jobs are placed in the ring one after the other (one may wait for room). */
  #placing: Promise<unknown> = Promise.resolve();
  #nextFile = 1;

  constructor() {
    const wake = (): void => this.#wakeRoomWaiters();
    this.#hasher = new Lane(this.#ring.buffer as SharedArrayBuffer, wake);
    this.#checker = new Lane(this.#ring.buffer as SharedArrayBuffer, wake);
  }

  /** A key for a new file's hash. */
  newFile(): number {
    return this.#nextFile++;
  }

  /**
   * Checks the CRC32 of every event in `runs` (when `crc`) and adds the runs to the hash of
   * `file` (when `hash`). Rejects with DigestMismatchError at the first bad event. The runs must
   * stay unchanged until it resolves.
   */
  async digest(file: number, runs: readonly Uint8Array[], options: { readonly crc: boolean; readonly hash: boolean }): Promise<void> {
    if (runs.length === 0 || (!options.crc && !options.hash)) return;
    // placed and posted in call order (a job may wait for room); the answers come in that order
    const posted = this.#placing.then(() => this.#placeAndPost(file, runs, options));
    this.#placing = posted.catch(() => undefined);
    for (const { base, replies } of await posted) {
      for (const r of await Promise.all(replies)) {
        if (r.bad !== undefined) throw new DigestMismatchError({ ...r.bad, offset: base + r.bad.offset });
      }
    }
  }

  /** A thread answered (or died): the jobs all threads have answered give their room back. */
  #answered(job: { end: number; unanswered: number }): void {
    job.unanswered--;
    while (this.#jobs.length > 0 && this.#jobs[0]!.unanswered === 0) this.#ringTail = this.#jobs.shift()!.end;
    this.#wakeRoomWaiters();
  }

  /**
   * Copies `runs` into the ring and posts them; a job bigger than the room left goes as several
   * messages (each at `base` bytes into the job). A run too big for the ring goes as a copy.
   */
  async #placeAndPost(file: number, runs: readonly Uint8Array[], options: { readonly crc: boolean; readonly hash: boolean }): Promise<{ base: number; replies: Promise<Reply>[] }[]> {
    const posted: { base: number; replies: Promise<Reply>[] }[] = [];
    let parts: (number | Uint8Array)[] = [];
    let base = 0;
    let bytes = 0;
    const post = (): void => {
      if (parts.length === 0) return;
      const replies: Promise<Reply>[] = [];
      if (options.hash) replies.push(this.#hasher.call({ op: 'digest', file, runs: parts, crc: false, hash: true }));
      if (options.crc) replies.push(this.#checker.call({ op: 'digest', file, runs: parts, crc: true, hash: false }));
      const job = { end: this.#ringHead, unanswered: replies.length };
      this.#jobs.push(job);
      for (const r of replies) r.then(() => this.#answered(job), () => this.#answered(job));
      posted.push({ base, replies });
      base += bytes;
      bytes = 0;
      parts = [];
    };
    for (const run of runs) {
      if (run.length + 16 > RING_BYTES / 2) {
        parts.push(Uint8Array.prototype.slice.call(run));
        bytes += run.length;
        continue;
      }
      let at = this.#ringHead;
      for (;;) {
        // same alignment as the source (mod 8), and not across the ring's end
        at += (run.byteOffset - at) & 7;
        if ((at % RING_BYTES) + run.length > RING_BYTES) at += RING_BYTES - (at % RING_BYTES);
        if (at + run.length - this.#ringTail <= RING_BYTES) break;
        // full: send what is placed, wait for an answer (it frees room), try again
        post();
        const dead = this.#hasher.dead ?? this.#checker.dead;
        if (dead !== undefined) throw dead;
        if (this.#jobs.length === 0) throw new Error('digest ring: no room although no job is in it');
        await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
        at = this.#ringHead;
      }
      const offset = at % RING_BYTES;
      this.#ring.set(run, offset);
      parts.push(offset, run.length);
      bytes += run.length;
      this.#ringHead = at + run.length;
    }
    post();
    return posted;
  }

  /** The SHA-256 (hex) of everything hashed for `file`, which is then forgotten; undefined if nothing was. */
  async sha256(file: number): Promise<string | undefined> {
    await this.#placing;
    const r = await this.#hasher.call({ op: 'sha256', file });
    return r.sha256 ?? undefined;
  }

  /** Forgets the hash of `file`. */
  drop(file: number): void {
    this.#hasher.post({ op: 'drop', file });
  }

  async stop(): Promise<void> {
    await Promise.all([this.#hasher.stop(), this.#checker.stop()]);
  }

  #wakeRoomWaiters(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const w of waiters) w();
  }
}
