/**
 * Page-aligned memory laid out like the file being written, for O_DIRECT writes (open-binlog-file.ts).
 *
 * Why direct writes: on the 2-vCPU VM a buffered write of 1 GB cost the archiver 0.4–3.2 s of
 * kernel CPU copying into freshly allocated page-cache pages (perf: copy_folio_from_iter_atomic was
 * a quarter of the machine's CPU during a catch-up), plus the writeback; the O_DIRECT write of the
 * same bytes from reused memory cost ~0.2 s and reached the disk at ~1 GB/s. An archived binlog
 * is written once and then read only to compress it, so keeping it in the page cache of what is
 * often the database host buys nothing and evicts the server's pages.
 *
 * O_DIRECT needs the memory, the file offset and the length aligned (to the device's logical
 * block; DIRECT_ALIGN covers the usual 512 and 4096). Node's Buffers are malloc'd and not aligned;
 * a WebAssembly.Memory is mapped by V8 on a page boundary. The byte at file offset f lives at ring
 * offset f mod size (a multiple of DIRECT_ALIGN), so an aligned file range is an aligned memory
 * range (two, where it wraps).
 */

/** Alignment of the offsets, lengths and memory of direct writes. */
export const DIRECT_ALIGN = 4096;

const WASM_PAGE = 65536;

/** The part of the WebAssembly global used here (the project's TypeScript libs do not declare it). */
declare const WebAssembly: {
  readonly Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => { readonly buffer: ArrayBuffer | SharedArrayBuffer };
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
};

/**
 * A WebAssembly module of one function, `c(to, from, length)`: memory.copy (bulk memory) within the
 * shared memory it imports as m.m (limits 1 to 65536 pages, shared). Hand-assembled:
 * type (i32 i32 i32) → (); import m.m memory; func 0; export "c"; body local.get 0/1/2, memory.copy.
 */
const COPY_MODULE = Uint8Array.of(
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...[0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00],
  ...[0x02, 0x0b, 0x01, 0x01, 0x6d, 0x01, 0x6d, 0x02, 0x03, 0x01, 0x80, 0x80, 0x04],
  ...[0x03, 0x02, 0x01, 0x00],
  ...[0x07, 0x05, 0x01, 0x01, 0x63, 0x00, 0x00],
  ...[0x0a, 0x0e, 0x01, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x00, 0x0b],
);

/**
 * Page-aligned shared memory holding the staging ring (from offset 0) and, after it, the blocks the
 * dump stream reads the socket into (binlog-dump-stream.ts `blockMemory`), so that an event goes
 * from where it was received to its place in the ring by WebAssembly's memory.copy: a memmove at
 * any alignment. (A TypedArray copy into shared memory goes byte by byte unless both sides are
 * equally aligned mod 8: ~500 ms per GB for events at the offsets they arrive at, against ~90 ms
 * for memory.copy, measured with 8 KiB events.)
 */
export class SharedArena {
  readonly bytes: Uint8Array;
  /** copy(to, from, length) within `bytes` (offsets into it; the memory starts at 0). */
  readonly copy: (to: number, from: number, length: number) => void;

  /** At least `size` bytes (rounded up to whole 64 KiB WebAssembly pages). */
  constructor(size: number) {
    if (!(size > 0)) throw new RangeError(`shared arena size ${size} is not positive`);
    const pages = Math.ceil(size / WASM_PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.bytes = new Uint8Array(memory.buffer);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(COPY_MODULE), { m: { m: memory } });
    this.copy = instance.exports['c'] as (to: number, from: number, length: number) => void;
  }
}

export class StagingRing {
  readonly bytes: Uint8Array;
  /** The arena the ring starts, with its memory: events received into it are copied with memory.copy. */
  readonly #arena: SharedArena | undefined;
  readonly #arenaMemory: ArrayBufferLike | undefined;

  /**
   * `shared`: a SharedArrayBuffer, which the digest threads read (digest-worker.ts). `arena`: the
   * first `size` bytes of its memory (shared; events received into the rest of it are copied with
   * memory.copy, others as TypedArrays: into shared memory byte by byte unless equally aligned).
   * `memory`: instead of page-aligned memory of `size` bytes (tests: misaligned memory).
   */
  constructor(size: number = 8 << 20, options: { readonly shared?: boolean; readonly memory?: Uint8Array; readonly arena?: SharedArena } = {}) {
    if (size % WASM_PAGE !== 0 || size <= 0) throw new RangeError(`staging ring size ${size} is not a positive multiple of ${WASM_PAGE}`);
    const pages = size / WASM_PAGE;
    this.#arena = options.arena;
    this.#arenaMemory = options.arena?.bytes.buffer;
    this.bytes =
      options.arena?.bytes.subarray(0, size) ??
      options.memory?.subarray(0, size) ??
      new Uint8Array(new WebAssembly.Memory({ initial: pages, maximum: pages, shared: options.shared === true }).buffer);
    if (this.bytes.length !== size) throw new RangeError(`staging ring memory of ${this.bytes.length} bytes, ${size} wanted`);
    // Not touched here: filling 32 MiB of shared memory took 40 ms of every run's start (V8 fills
    // it byte by byte). The digest worker brings a shared ring's pages in on its own thread.
  }

  get size(): number {
    return this.bytes.length;
  }

  /** Copies `bytes` (at most `size` of them) to their place, the first at file offset `at`. */
  put(at: number, bytes: Uint8Array): void {
    const size = this.bytes.length;
    const o = at % size;
    const arena = this.#arena;
    if (arena !== undefined && bytes.buffer === this.#arenaMemory) {
      // received into the arena: a native copy (the ring starts at the arena's offset 0)
      const from = bytes.byteOffset;
      const n = bytes.length;
      if (o + n <= size) arena.copy(o, from, n);
      else {
        arena.copy(o, from, size - o);
        arena.copy(0, from + size - o, n - size + o);
      }
      return;
    }
    if (o + bytes.length <= size) {
      this.bytes.set(bytes, o);
      return;
    }
    // wraps around the ring's end
    this.bytes.set(bytes.subarray(0, size - o), o);
    this.bytes.set(bytes.subarray(size - o), 0);
  }

  /** The memory of file range [from, to) (at most `size` bytes): one view, or two where it wraps. */
  views(from: number, to: number): Uint8Array[] {
    const size = this.bytes.length;
    if (to - from > size) throw new RangeError(`staging ring: ${to - from} bytes asked of a ${size}-byte ring`);
    if (to <= from) return [];
    const s = from % size;
    const e = s + (to - from);
    return e <= size ? [this.bytes.subarray(s, e)] : [this.bytes.subarray(s), this.bytes.subarray(0, e - size)];
  }
}

export const alignDown = (n: number): number => n - (n % DIRECT_ALIGN);
