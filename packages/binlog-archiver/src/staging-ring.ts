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
};

export class StagingRing {
  readonly bytes: Uint8Array;

  /**
   * `shared`: a SharedArrayBuffer, which the digest threads read (digest-worker.ts). Copies into
   * shared memory are fast only between addresses equally aligned mod 8 (V8 copies byte by byte
   * otherwise, ~3.5 instead of 16–27 GB/s, measured): the dump stream places each event in its
   * blocks at its file offset's alignment. `memory`: instead of page-aligned memory of `size`
   * bytes (tests: misaligned memory).
   */
  constructor(size: number = 8 << 20, options: { readonly shared?: boolean; readonly memory?: Uint8Array } = {}) {
    if (size % WASM_PAGE !== 0 || size <= 0) throw new RangeError(`staging ring size ${size} is not a positive multiple of ${WASM_PAGE}`);
    const pages = size / WASM_PAGE;
    this.bytes =
      options.memory?.subarray(0, size) ?? new Uint8Array(new WebAssembly.Memory({ initial: pages, maximum: pages, shared: options.shared === true }).buffer);
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
