/**
 * Verifies event CRC32 checksums on a second thread while the main thread decodes, so a full
 * decode does not pay for checksums on its own core (they were ~15% of it: most events are under
 * 512 bytes, where even the JS CRC beats zlib.crc32's call overhead).
 *
 * Protocol: from the first event after the FORMAT_DESCRIPTION_EVENT on, the input goes through a
 * ring buffer in shared memory: for a plain file the worker reads the file into it itself; for
 * other input (compressed files, streams) the reader copies each chunk into it. The worker frames events the way the reader does
 * (event_size at header offset 9), computes each event's CRC32 as the bytes stream by (so an event
 * of any size needs no more memory than the ring), compares it with the event's last 4 bytes, and
 * publishes the offset up to which every event matched. At the first event that does not match (or
 * cannot be framed) it stops: the reader then verifies that event and all later ones itself, with
 * the usual error at the usual offset. So the worker can only ever say "these bytes are fine";
 * every error still comes from the main thread, in file order, and a worker that crashes, lags or
 * cannot start only makes the reader do the work itself.
 *
 * Shared memory instead of postMessage: a message per chunk cost a copy plus ~15 MB of peak RSS in
 * garbage ArrayBuffers (measured with tools/bench/bench-decode.ts); the ring is allocated once.
 * Reading the file in the worker saves the reader the copy (~5% of a full decode).
 */
import { Worker } from 'node:worker_threads';

/**
 * Ring size: room for 8 input chunks (READ_CHUNK_BYTES), ~8 ms of decoding, so a worker that loses
 * its core for a scheduler time slice does not stall the reader.
 */
const RING_BYTES = 2 << 20;
/**
 * How long the reader waits for room in the ring before giving the worker up and verifying on its
 * own (ms): a worker that slow is starved of CPU, and waiting longer would cost more than it saves.
 */
const MAX_WAIT_MS = 100;
/** How long a stopped worker gets to end by itself before it is terminated (ms). */
const STOP_GRACE_MS = 2000;
/**
 * While input keeps coming, the worker polls for it this often (ms) instead of the reader waking it
 * per chunk: on the 2-vCPU VM it was measured on, Atomics.notify to a sleeping thread cost ~18 µs,
 * a tenth of the reader's time per 256 KiB chunk. The reader reads a chunk ahead, so this adds no
 * delay. After IDLE_POLLS polls without input (a slow consumer, a quiet stream) it sleeps until
 * woken, and the reader wakes it (C_SLEEPING).
 */
const POLL_MS = 0.2;
const IDLE_POLLS = 50;
/** Shared control words (BigInt64): bytes written, bytes consumed, verified offset, state, sleeping. */
const C_WRITTEN = 0;
const C_CONSUMED = 1;
const C_VERIFIED = 2;
const C_STATE = 3;
const C_SLEEPING = 4;
/** File mode: 1 + the offset to read from, 0 until begin(). */
const C_FILE_START = 5;
const CONTROL_WORDS = 6;
/** Int32 index (byte 56, after the control words) of the flag the worker sets once it runs. */
const I_READY = 14;
const CONTROL_BYTES = 64;
/** C_STATE values. */
const STATE_RUNNING = 0n;
const STATE_STOP = 1n;
const STATE_FAILED = 2n;

/**
 * The worker's code, self-contained (a worker cannot import TypeScript sources under the test
 * runner, so it is evaluated from this string). It runs one blocking loop; no messages.
 */
const WORKER_SOURCE = `
'use strict';
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const R = workerData.ringBytes;
const ctl = new BigInt64Array(workerData.shared, 0, ${CONTROL_WORDS});
const ring = new Uint8Array(workerData.shared, ${CONTROL_BYTES}, R);
const T = new Int32Array(2048);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n];
  for (let s = 1; s < 8; s++) { c = T[c & 0xff] ^ (c >>> 8); T[s * 256 + n] = c; }
}
// Slicing-by-8 over ring[i, end), continuing the (inverted) register crc.
function update(crc, b, i, end) {
  const end8 = end - ((end - i) & 7);
  while (i < end8) {
    const a = crc ^ (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
    const x = b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16) | (b[i + 7] << 24);
    crc = T[1792 + (a & 0xff)] ^ T[1536 + ((a >>> 8) & 0xff)] ^ T[1280 + ((a >>> 16) & 0xff)] ^ T[1024 + (a >>> 24)] ^
      T[768 + (x & 0xff)] ^ T[512 + ((x >>> 8) & 0xff)] ^ T[256 + ((x >>> 16) & 0xff)] ^ T[x >>> 24];
    i += 8;
  }
  while (i < end) crc = T[(crc ^ b[i++]) & 0xff] ^ (crc >>> 8);
  return crc;
}
// Counts are bytes since the reader's first write (at an event boundary); ring index = count % R.
function byteAt(n) { return ring[n % R]; }
function u32At(n) { return (byteAt(n) | (byteAt(n + 1) << 8) | (byteAt(n + 2) << 16) | (byteAt(n + 3) << 24)) >>> 0; }
let pos = 0;      // bytes consumed (CRC'd or verified)
let evStart = 0;  // current event's start
let evSize = 0;   // 0 until its header is in
let crc = -1;
let published = 0;
function publish() {
  Atomics.store(ctl, ${C_VERIFIED}, BigInt(evStart));
  Atomics.store(ctl, ${C_CONSUMED}, BigInt(pos));
  Atomics.notify(ctl, ${C_CONSUMED});
  published = pos;
}
// Consumes bytes up to written; false when an event fails (bad size or CRC mismatch).
function run(written) {
  for (;;) {
    if (evSize === 0) {
      if (written - evStart < 13) return true;
      evSize = u32At(evStart + 9);
      if (evSize < 23) return false;
      crc = -1;
    }
    const crcEnd = evStart + evSize - 4;
    while (pos < crcEnd) {
      if (pos === written) return true;
      const to = Math.min(written, crcEnd, pos - (pos % R) + R);
      crc = update(crc, ring, pos % R, pos % R + (to - pos));
      pos = to;
      if (pos - published >= 65536) publish();
    }
    if (written < evStart + evSize) return true;
    if ((~crc >>> 0) !== u32At(crcEnd)) return false;
    pos = evStart + evSize;
    evStart = pos;
    evSize = 0;
  }
}
// File mode: the worker fills the ring from its own descriptor of the same file (checked to be
// the same inode), from the reader's start offset up to the size the reader read to.
const file = workerData.file;
let fd = -1;
let filePos = 0;
// Returns 0 when the file cannot be read (or is not the reader's), 1 when nothing was read
// (not begun, or at the end), 2 after reading.
function fillFromFile() {
  if (fd < 0) {
    const s = Atomics.load(ctl, ${C_FILE_START});
    if (s === 0n) return 1;
    fd = fs.openSync(file.path, 'r');
    const st = fs.fstatSync(fd, { bigint: true });
    if (String(st.dev) !== file.dev || String(st.ino) !== file.ino || Number(st.size) < file.size) return 0;
    filePos = Number(s) - 1;
  }
  const written = Number(Atomics.load(ctl, ${C_WRITTEN}));
  const free = R - (written - pos);
  if (free === 0 || filePos >= file.size) return 1;
  const at = written % R;
  const n = fs.readSync(fd, ring, at, Math.min(free, R - at, file.size - filePos), filePos);
  if (n === 0) return 0;
  filePos += n;
  Atomics.store(ctl, ${C_WRITTEN}, BigInt(written + n));
  return 2;
}
let idle = 0;
let last = -1;
Atomics.store(new Int32Array(workerData.shared), ${I_READY}, 1);
try {
for (;;) {
  if (Atomics.load(ctl, ${C_STATE}) !== ${STATE_RUNNING}n) break;
  let got = 1;
  if (file !== undefined) {
    try { got = fillFromFile(); } catch { got = 0; }
    if (got === 0) {
      Atomics.store(ctl, ${C_STATE}, ${STATE_FAILED}n);
      break;
    }
  }
  const w = Atomics.load(ctl, ${C_WRITTEN});
  const written = Number(w);
  idle = written === last ? idle + 1 : 0;
  last = written;
  const ok = run(written);
  publish();
  if (!ok) {
    Atomics.store(ctl, ${C_STATE}, ${STATE_FAILED}n);
    Atomics.notify(ctl, ${C_CONSUMED});
    break;
  }
  if (got === 2) continue; // read more of the file: go on without waiting
  if (file !== undefined && fd >= 0 && filePos >= file.size && pos === written) break; // whole file verified
  if (idle < ${IDLE_POLLS}) {
    // Polls rather than being woken: a wake-up (Atomics.notify) cost the reader ~18 µs per chunk.
    Atomics.wait(ctl, ${C_WRITTEN}, w, ${POLL_MS});
  } else {
    // Idle: sleep until the reader writes (it wakes a sleeping worker; the value check in wait
    // covers a write that lands between the flag and the wait).
    Atomics.store(ctl, ${C_SLEEPING}, 1n);
    Atomics.wait(ctl, ${C_WRITTEN}, w, 1000);
    Atomics.store(ctl, ${C_SLEEPING}, 0n);
  }
}
} finally {
  // The descriptor is the process's, not the thread's: close it before the thread ends.
  if (fd >= 0) fs.closeSync(fd);
}
`;

/** A plain file for the worker to read itself; dev/ino (decimal strings) from the reader's stat. */
export interface ChecksumFile {
  readonly path: string;
  readonly size: number;
  readonly dev: string;
  readonly ino: string;
}

/** Main-thread handle of one checksum worker (one per reader). */
export class ChecksumWorker {
  private readonly worker: Worker;
  private readonly ctl: BigInt64Array;
  private readonly ring: Uint8Array;
  private readonly flags: Int32Array;
  private written = 0;
  private dead = false;
  /** File offset of the first byte written (an event boundary); -1 until begin(). */
  private start = -1;
  /** Cached copy of the worker's verified offset (re-read only when an event lies beyond it). */
  private known = -1;

  private constructor(
    worker: Worker,
    shared: SharedArrayBuffer,
    /** Reads the file itself: post() is not used. */
    readonly readsFile: boolean,
  ) {
    this.worker = worker;
    this.ctl = new BigInt64Array(shared, 0, CONTROL_WORDS);
    this.ring = new Uint8Array(shared, CONTROL_BYTES, RING_BYTES);
    this.flags = new Int32Array(shared, 0, CONTROL_BYTES / 4);
  }

  /**
   * Starts a worker, or returns undefined when threads are unavailable. The reader keeps verifying
   * on its own until `ready`, then calls begin() at an event boundary: starting a thread takes
   * tens of milliseconds (more on a busy machine), and the reader should not wait for it.
   *
   * With `file` (a plain file the reader reads up to `size`), the worker reads the file itself
   * instead of being posted a copy of every chunk (the copy cost the reader ~5%); it checks that it
   * opened the same inode. Binlog bytes never change once written (the server only appends; the
   * FORMAT_DESCRIPTION_EVENT's in-use flag, the one byte it rewrites, is verified by the reader),
   * so both threads see the same bytes.
   */
  static start(file?: ChecksumFile): ChecksumWorker | undefined {
    try {
      const shared = new SharedArrayBuffer(CONTROL_BYTES + RING_BYTES);
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { shared, ringBytes: RING_BYTES, file },
        // It allocates next to nothing: keep its heap small.
        resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
        stdout: false,
        stderr: false,
      });
      const handle = new ChecksumWorker(worker, shared, file !== undefined);
      // A crash only means the reader verifies on its own; never keep the process alive for it.
      worker.on('error', () => handle.stop());
      worker.on('exit', () => {
        handle.dead = true;
      });
      worker.unref();
      return handle;
    } catch {
      return undefined;
    }
  }

  /** True once the worker runs (and while it has not been stopped). */
  get ready(): boolean {
    return !this.dead && Atomics.load(this.flags, I_READY) === 1;
  }

  /** False once stopped (or crashed). */
  get alive(): boolean {
    return !this.dead;
  }

  /** True after begin() while the worker takes input from post(). */
  get accepting(): boolean {
    return this.start >= 0 && !this.dead && !this.readsFile;
  }

  /** Verification starts at file offset `start`, an event boundary (the next post(), or the file). */
  begin(start: number): void {
    this.start = start;
    this.known = start;
    if (this.readsFile) {
      Atomics.store(this.ctl, C_FILE_START, BigInt(start) + 1n);
      Atomics.notify(this.ctl, C_WRITTEN);
    }
  }

  /** Copies the next input bytes (stream order, contiguous with what was posted before) to the worker. */
  post(bytes: Uint8Array): void {
    const ctl = this.ctl;
    const ring = this.ring;
    let from = 0;
    while (from < bytes.length) {
      if (this.dead) return;
      if (Atomics.load(ctl, C_STATE) !== STATE_RUNNING) {
        // It found a bad event and stopped: the reader verifies from there on.
        this.stop();
        return;
      }
      let free = RING_BYTES - (this.written - Number(Atomics.load(ctl, C_CONSUMED)));
      if (free === 0) {
        // Bounded memory: wait for the worker rather than buffer more; give it up if it is stuck
        // (e.g. starved of CPU) and verify on this thread from then on.
        const deadline = Date.now() + MAX_WAIT_MS;
        while (free === 0) {
          const consumed = Atomics.load(ctl, C_CONSUMED);
          const left = deadline - Date.now();
          if (left <= 0 || Atomics.load(ctl, C_STATE) !== STATE_RUNNING) {
            this.stop();
            return;
          }
          Atomics.wait(ctl, C_CONSUMED, consumed, left);
          free = RING_BYTES - (this.written - Number(Atomics.load(ctl, C_CONSUMED)));
        }
      }
      const at = this.written % RING_BYTES;
      const n = Math.min(free, bytes.length - from, RING_BYTES - at);
      ring.set(bytes.subarray(from, from + n), at);
      from += n;
      this.written += n;
      Atomics.store(ctl, C_WRITTEN, BigInt(this.written));
      if (Atomics.load(ctl, C_SLEEPING) !== 0n) Atomics.notify(ctl, C_WRITTEN);
    }
  }

  /** True when the worker has found every event ending at or before `end` to match its CRC32. */
  covers(end: number): boolean {
    if (end <= this.known) return true;
    if (this.start < 0) return false;
    this.known = this.start + Number(Atomics.load(this.ctl, C_VERIFIED));
    return end <= this.known;
  }

  /**
   * Ends the worker (idempotent); `covers` keeps answering for what was already verified. The
   * worker sees the stop flag within a poll and ends by itself (closing its file descriptor, which
   * terminate() would leak); terminate() is only the fallback for one that does not.
   */
  stop(): void {
    if (this.dead) return;
    this.dead = true;
    Atomics.compareExchange(this.ctl, C_STATE, STATE_RUNNING, STATE_STOP);
    Atomics.notify(this.ctl, C_WRITTEN);
    const worker = this.worker;
    setTimeout(() => void worker.terminate().catch(() => undefined), STOP_GRACE_MS).unref();
  }
}
