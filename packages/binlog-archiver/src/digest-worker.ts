/**
 * SHA-256 of the files being archived and the CRC32 of their events, on two more threads.
 *
 * Receiving 1 GB of binlogs cost the archiver's main thread ~0.6 s of SHA-256 and ~0.35 s of CRC32
 * (tools/bench/bench-archive.ts), a third of its CPU; here they run beside the socket reads and
 * file writes. The bytes are not copied to the threads: they read them where the writer put them
 * for writing, the staging ring (staging-ring.ts: shared memory), and a job's bytes stay there
 * until both threads have answered it. Bytes not in the ring (the 4-byte magic, the closed form of
 * a FORMAT_DESCRIPTION_EVENT, an event bigger than the ring can take) go in the message, copied.
 *
 * A job is a list of parts of whole events (consecutive in the file); each event's CRC32 is
 * checked (except the FORMAT_DESCRIPTION_EVENT's: its in-use flag byte is not what the server
 * checksummed; the scanner checks it on the main thread) and the parts are added to the file's
 * hash. The first bad event ends the job with its offset, and the archive writer reports it like
 * the scanner would: nothing after it is recorded as archived.
 *
 * The worker's code is a string (a worker cannot load TypeScript sources under the test runner);
 * it needs only node:crypto and node:zlib.
 */
import { Worker } from 'node:worker_threads';
import { StagingRing } from './staging-ring.js';

/** The staging ring of a DigestWorker given none. */
const DEFAULT_STAGING_BYTES = 8 << 20;

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
const { staging, touch } = require('node:worker_threads').workerData;
const ring = new Uint8Array(staging);
// Brings the shared memory's pages in here (the ring, and the dump's blocks when they share it),
// beside the main thread's start, so the archiver's RSS is what it will stay from the start
// (filling it on the main thread cost ~40 ms of every run). A compare-exchange of 0 with 0
// changes nothing, also where bytes were staged or received already.
if (touch) for (let i = 0; i < ring.length; i += 4096) Atomics.compareExchange(ring, i, 0, 0);
const hashes = new Map();
parentPort.on('message', (m) => {
  try {
    if (m.op === 'digest') {
      let h;
      if (m.hash) {
        h = hashes.get(m.file);
        if (h === undefined) { h = createHash('sha256'); hashes.set(m.file, h); }
      }
      // runs: staging ring offset and length pairs, or a Uint8Array (bytes not in the ring)
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

  constructor(staging: SharedArrayBuffer, touch: boolean) {
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { staging, touch },
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

/** Bytes of a job: a range of the staging ring (`at`, `length`), or bytes of their own. */
export type DigestPart = Uint8Array | { readonly at: number; readonly length: number };

/**
 * Hashes and checksums on two worker threads reading the same memory: one hashes, one checks CRC32s.
 * Measured on the 2-vCPU VM: no faster than one thread doing both (the CPUs are saturated, and the
 * two threads slow each other), but the hash alone kept one thread busy for most of a catch-up, so
 * with more cores the two lanes overlap.
 */
export class DigestWorker {
  /** Where ranges of jobs are read from (shared memory). */
  readonly staging: StagingRing;
  readonly #hasher: Lane;
  readonly #checker: Lane;
  #nextFile = 1;

  /** `staging`: the ring the writer stages files in (default: a new one). */
  constructor(staging: StagingRing = new StagingRing(DEFAULT_STAGING_BYTES, { shared: true })) {
    if (!(staging.bytes.buffer instanceof SharedArrayBuffer)) throw new Error('the digest threads need a shared staging ring');
    this.staging = staging;
    const memory = staging.bytes.buffer;
    this.#hasher = new Lane(memory, true);
    this.#checker = new Lane(memory, false);
  }

  /** A key for a new file's hash. */
  newFile(): number {
    return this.#nextFile++;
  }

  /**
   * Checks the CRC32 of every event in `parts` (when `crc`) and adds the parts to the hash of
   * `file` (when `hash`), in call order. Rejects with DigestMismatchError at the first bad event
   * (its offset counted from the job's first byte). Ranges of the staging ring must stay unchanged
   * until it settles; bytes of their own are copied at once.
   */
  async digest(file: number, parts: readonly DigestPart[], options: { readonly crc: boolean; readonly hash: boolean }): Promise<void> {
    if (parts.length === 0 || (!options.crc && !options.hash)) return;
    const runs: (number | Uint8Array)[] = [];
    for (const p of parts) {
      if (p instanceof Uint8Array) {
        // a view is sent with its whole buffer: only what it shows is copied
        runs.push(p.byteOffset === 0 && p.length === p.buffer.byteLength ? p : Uint8Array.prototype.slice.call(p));
      } else {
        const size = this.staging.size;
        // the threads see one run per range: it must not wrap around the ring's end
        if (p.at % size + p.length > size) throw new Error(`digest: ring range ${p.at}+${p.length} does not fit a ${size}-byte staging ring unwrapped`);
        runs.push(p.at % size, p.length);
      }
    }
    const replies: Promise<Reply>[] = [];
    if (options.hash) replies.push(this.#hasher.call({ op: 'digest', file, runs, crc: false, hash: true }));
    if (options.crc) replies.push(this.#checker.call({ op: 'digest', file, runs, crc: true, hash: false }));
    for (const r of await Promise.all(replies)) {
      if (r.bad !== undefined) throw new DigestMismatchError(r.bad);
    }
  }

  /** The SHA-256 (hex) of everything hashed for `file`, which is then forgotten; undefined if nothing was. */
  async sha256(file: number): Promise<string | undefined> {
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
}
