/**
 * COM_BINLOG_DUMP on a mysql2 connection, handing out each event's raw bytes.
 *
 * mysql2 has a BinlogDump command, but it decodes a few event types itself (wrongly for 64-bit
 * positions) and drops the bytes; we need the bytes exactly as the server sends them. mysql2 does
 * the handshake, authentication and the session setup (`SET @master_binlog_checksum …`) on a
 * socket we create for it (its `stream` option: a DumpSocket); then we write the COM_BINLOG_DUMP
 * packet ourselves and read the socket's bytes directly: `0x00` + one event, `0xfe` EOF (only with
 * BINLOG_DUMP_NON_BLOCK), `0xff` ERR. Events larger than a protocol packet (16 MiB) arrive as
 * several packets and are joined here.
 * https://mariadb.com/kb/en/com_binlog_dump/
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_packets.html
 *
 * Why not mysql2's packet parser (measured with tools/bench/bench-archive.ts, 1 GB of binlogs): it
 * costs a Buffer per socket read plus objects per packet, and freeing 1 GB of short-lived buffers
 * was a fifth of the archiver's CPU (garbage collections "for external memory pressure") and most
 * of its page faults. Here the socket reads straight into a block of a small pool (net `onread`
 * with a buffer per read: the free end of the block being filled), events are handed out as views
 * of it where they landed, and the archive writer gives blocks back once it has copied them out
 * (`release`), so receiving 1 GB allocates a few MiB and copies nothing in JavaScript. (It used to
 * read into one fixed buffer and copy each event into a block: the archiver's largest memmove, ~0.1 s
 * of CPU per GB.) The blocks can be carved from memory the caller gives (`blockMemory`: the archiver
 * gives shared memory the staging ring is part of, so events reach the ring with WebAssembly's
 * memory.copy, staging-ring.ts).
 *
 * Flow control: above `maxBufferedBytes` of events not yet released (or, without recycling, not
 * yet taken), or above MAX_QUEUED_EVENTS events not yet taken, the socket is paused, so a slow
 * disk slows the server's dump thread instead of filling memory.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { ERROR_CODES, PitrError } from '@pitr/core';
import { COM_BINLOG_DUMP, EOF_PACKET_MAX_PAYLOAD, STREAM_EOF, STREAM_ERR, STREAM_OK } from './replication-protocol.js';

/** The read buffer of the handshake (before the dump takes the socket over). */
const READ_BUFFER_BYTES = 256 * 1024;
/** Pool block size: the socket reads into blocks of this size; a bigger packet gets its own buffer. */
export const BLOCK_BYTES = 1 << 20;
/** A block with less room than this left is not read into: the next block takes over. */
const MIN_READ_BYTES = 64 * 1024;
export const DEFAULT_MAX_BUFFERED = 32 << 20;
/**
 * Events handed out at most per batch before the socket pauses: a view object per event, and
 * 32 MiB of 100-byte events (OLTP) is 300k of them, which outlived young-generation collections and
 * grew the heap (peak RSS 250–320 MB catching up on 1.1 GB with 250k small transactions).
 */
const MAX_QUEUED_EVENTS = 8192;
/** A packet of this payload length is continued by the next packet. */
const MAX_PACKET_PAYLOAD = 0xffffff;
const PACKET_HEADER_BYTES = 4;

/**
 * The socket of a dump connection. mysql2 gets it through its `stream` option and sees its bytes
 * as 'data' events (copied out of a fixed read buffer) until `startBinlogDump` takes it over; from
 * then on each read lands where the dump stream wants it (its `readTarget`).
 */
export class DumpSocket {
  readonly #readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  #socket: Socket | undefined;
  #sink: ((bytes: Uint8Array, length: number) => void) | undefined;
  #target: (() => Uint8Array) | undefined;

  /** The mysql2 `stream` option. */
  connector(target: { readonly host?: string; readonly port?: number; readonly socketPath?: string }): () => Socket {
    return () => {
      const onread = {
        // called for every read: where the next one lands
        buffer: (): Uint8Array => this.#target?.() ?? this.#readBuffer,
        callback: (length: number, bytes: Uint8Array): boolean => {
          const sink = this.#sink;
          const socket = this.#socket!;
          if (sink === undefined) socket.emit('data', Buffer.from(bytes.subarray(0, length)));
          else sink(bytes, length);
          return true;
        },
      };
      const socket =
        target.socketPath !== undefined ? netConnect({ path: target.socketPath, onread }) : netConnect({ host: target.host ?? 'localhost', port: target.port ?? 3306, onread });
      socket.setNoDelay(true);
      this.#socket = socket;
      return socket;
    };
  }

  /** @internal the socket, once mysql2 asked for it */
  get socket(): Socket {
    if (this.#socket === undefined) throw new Error('the dump socket was never connected');
    return this.#socket;
  }

  /**
   * @internal from now on the bytes go to `sink` (`bytes` is valid only during the call) instead
   * of mysql2, and each next read lands in what `target` returns (a read under way already lands
   * in the fixed buffer)
   */
  takeOver(sink: (bytes: Uint8Array, length: number) => void, target?: () => Uint8Array): void {
    this.#sink = sink;
    this.#target = target;
  }
}

export interface BinlogDumpRequest {
  /** Binlog file to start in (the server's name, e.g. mariadb-bin.000042). */
  readonly file: string;
  /** Event boundary to start at (4 = the first event); the protocol field has 32 bits. */
  readonly position: number;
  /** Our replica server id (the server kills another dump thread that uses the same id). */
  readonly serverId: number;
  /** BINLOG_DUMP_NON_BLOCK | BINLOG_SEND_ANNOTATE_ROWS_EVENT … */
  readonly flags: number;
}

export interface BinlogDumpStreamOptions {
  /**
   * Events received and not yet released (with `recycle`) or not yet taken (without) above which
   * the socket is paused (default 32 MiB).
   */
  readonly maxBufferedBytes?: number;
  /**
   * The consumer calls `release()` for what it no longer needs, and the blocks are reused. Without
   * it every block is left to the garbage collector (for short dumps that read a few events).
   */
  readonly recycle?: boolean;
  /**
   * Memory to carve the pool's blocks from (whole blocks of BLOCK_BYTES; more blocks, when needed,
   * are allocated). Default: allocated.
   */
  readonly blockMemory?: Uint8Array;
  /** Fail when no packet arrived for this long (default: never). Heartbeats count as packets. */
  readonly idleTimeoutMs?: number;
  /** Turns a connection or server error into the error the consumer sees. */
  readonly mapError?: (e: unknown) => unknown;
}

/** The COM_BINLOG_DUMP packet payload (command byte, position, flags, server id, file name). */
export function binlogDumpPayload(request: BinlogDumpRequest): Buffer {
  const { file, position, flags, serverId } = request;
  if (!Number.isInteger(position) || position < 4 || position > 0xffffffff) {
    throw new PitrError(ERROR_CODES.USAGE, `binlog position ${position} cannot be requested: COM_BINLOG_DUMP takes 4 to 4294967295`);
  }
  if (!Number.isInteger(serverId) || serverId < 1 || serverId > 0xffffffff) {
    throw new PitrError(ERROR_CODES.USAGE, `replica server id ${serverId} is out of range`, { hints: ['a server id is 1 to 4294967295'] });
  }
  const name = Buffer.from(file, 'utf8');
  const payload = Buffer.alloc(1 + 4 + 2 + 4 + name.length);
  payload[0] = COM_BINLOG_DUMP;
  payload.writeUInt32LE(position, 1);
  payload.writeUInt16LE(flags, 5);
  payload.writeUInt32LE(serverId, 7);
  name.copy(payload, 11);
  return payload;
}

/** A server error from the stream, shaped like mysql2's (errno, sqlState, sqlMessage). */
export class DumpServerError extends Error {
  readonly errno: number;
  readonly sqlState: string | undefined;
  readonly sqlMessage: string;
  constructor(errno: number, sqlState: string | undefined, sqlMessage: string) {
    super(sqlMessage);
    this.name = 'DumpServerError';
    this.errno = errno;
    this.sqlState = sqlState;
    this.sqlMessage = sqlMessage;
  }
}

/** An ERR packet's payload (after the 0xff byte): error number, '#' + SQL state, message. */
export function parseErrPacket(body: Uint8Array): DumpServerError {
  const b = Buffer.from(body.buffer, body.byteOffset, body.length);
  if (b.length < 2) return new DumpServerError(0, undefined, 'malformed error packet');
  const errno = b.readUInt16LE(0);
  let at = 2;
  let sqlState: string | undefined;
  if (b[at] === 0x23 /* # */ && b.length >= at + 6) {
    sqlState = b.toString('latin1', at + 1, at + 6);
    at += 6;
  }
  return new DumpServerError(errno, sqlState, b.toString('utf8', at));
}

/**
 * A block the socket reads into: packets are framed where they landed and each event is handed out
 * as a view of it. [0, `filled`) holds complete packets; `released` bytes are no longer needed.
 */
interface Block {
  readonly bytes: Uint8Array;
  /** bytes.buffer and bytes.byteOffset, read once (each read of `.buffer` is a call into the runtime). */
  readonly memory: ArrayBufferLike;
  readonly base: number;
  filled: number;
  released: number;
  /** A pool block (reused once released) or a buffer for one big packet or joined message. */
  readonly pooled: boolean;
}

/**
 * The events of one COM_BINLOG_DUMP, in batches (whatever arrived since the last call), until the
 * server's EOF (non-blocking dump) or `close()`. Events are views into the stream's blocks: with
 * `recycle`, valid until released; without, for as long as the consumer keeps them.
 *
 * The socket reads straight into the block being filled (`readTarget`, the DumpSocket's read
 * buffer once it is taken over), so an event is not copied here at all: only the packet framing is
 * read, and an unfinished packet at a block's end moves to the next block's start. A packet bigger
 * than a block is read into a buffer of its own; a message of several packets (≥ 16 MiB) is joined.
 * Bytes read elsewhere (a read already under way when the dump started, or `feed` from a test) are
 * copied in first.
 */
export class BinlogDumpStream implements AsyncIterableIterator<readonly Uint8Array[]> {
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #paused = false;
  #ended = false;
  #closed = false;
  #error: unknown = undefined;
  #wake: (() => void) | undefined;
  #lastPacketMs = Date.now();
  #timer: NodeJS.Timeout | undefined;
  readonly #socket: Socket;
  readonly #maxBuffered: number;
  readonly #recycle: boolean;
  readonly #mapError: (e: unknown) => unknown;
  /** Bytes of event data received (without packet framing). */
  bytesReceived = 0;

  // --- blocks: in fill order (with recycle), free pool blocks, pool memory not yet carved
  readonly #blocks: Block[] = [];
  readonly #free: Block[] = [];
  readonly #poolMemory: Uint8Array | undefined;
  #poolCarved = 0;
  /** Bytes of the blocks not free (with recycle). */
  #heldBytes = 0;

  // --- reading: the block read into, where its unframed bytes start and where the next read lands
  #cur: Block;
  #parseAt = 0;
  #readAt = 0;
  /** The last read target handed out: a read into it needs no copy. */
  #target: Uint8Array | undefined;
  /** A packet bigger than a block, read whole (header included) into its own buffer. */
  #big: Uint8Array | undefined;
  #bigHave = 0;

  // --- packet framing state
  #nextSeq = 1;
  /** The last packet had 0xffffff bytes: its message goes on in the next packet (payload parts so far). */
  #continued = false;
  #parts: Buffer[] = [];

  /** @internal use startBinlogDump */
  constructor(socket: Socket, options: BinlogDumpStreamOptions) {
    this.#socket = socket;
    this.#maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    this.#recycle = options.recycle === true;
    this.#mapError = options.mapError ?? ((e) => e);
    this.#poolMemory = options.blockMemory;
    this.#cur = this.#takeBlock();
    const idle = options.idleTimeoutMs;
    if (idle !== undefined && idle > 0) {
      this.#timer = setInterval(() => {
        // A paused socket receives nothing by our own choice: not idle.
        if (!this.#paused && Date.now() - this.#lastPacketMs > idle) {
          this.fail(new Error(`no data from the server for ${Math.round(idle / 1000)} s`));
          this.#socket.destroy();
        }
      }, Math.min(idle, 1000));
      this.#timer.unref();
    }
  }

  /** Events received and not yet handed out. */
  get queuedEvents(): number {
    return this.#queue.length;
  }

  /** Bytes held in blocks not yet released (with `recycle`). */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /**
   * With `recycle`: the consumer no longer needs `event` nor any event the stream handed out
   * before it. Views must be released in stream order; anything else (a copy) is ignored.
   */
  release(event: Uint8Array): void {
    if (!this.#recycle) return;
    const memory = event.buffer;
    const offset = event.byteOffset;
    const blocks = this.#blocks;
    let k = 0;
    while (k < blocks.length) {
      const b = blocks[k]!;
      if (b.memory === memory && offset >= b.base && offset < b.base + b.bytes.length) break;
      k++;
    }
    if (k === blocks.length) return;
    for (; k > 0; k--) this.#freeBlock(blocks.shift()!);
    const block = blocks[0]!;
    const end = offset - block.base + event.length;
    if (end > block.released) block.released = end;
    if (block !== this.#cur && block.released >= block.filled) this.#freeBlock(blocks.shift()!);
    if (this.#paused && this.#heldBytes < this.#maxBuffered && this.#queue.length <= MAX_QUEUED_EVENTS) this.#resume();
  }

  /**
   * @internal Where the socket's next read should land: the free end of the block being filled
   * (or the rest of a big packet). A read into it is then passed to `feed` without a copy.
   */
  readTarget(): Uint8Array {
    let t: Uint8Array;
    if (this.#big !== undefined) t = this.#big.subarray(this.#bigHave);
    else {
      const size = this.#cur.bytes.length;
      // little room left, or the unfinished packet would not fit: on in the next block
      if (size - this.#readAt < MIN_READ_BYTES || this.#parseAt + this.#unfinishedLength() > size) this.#nextBlock();
      t = this.#cur.bytes.subarray(this.#readAt);
    }
    this.#target = t;
    return t;
  }

  /** @internal `length` bytes the socket read into `bytes` (the last readTarget, or memory of its own: copied) */
  feed(bytes: Uint8Array, length: number): void {
    if (this.#closed || this.#ended || this.#error !== undefined) return;
    this.#lastPacketMs = Date.now();
    try {
      if (bytes === this.#target && bytes.length > 0) {
        this.#target = undefined;
        this.#received(length);
      } else {
        this.#target = undefined;
        for (let at = 0; at < length && !this.#ended && this.#error === undefined; ) {
          const into = this.readTarget();
          const n = Math.min(into.length, length - at);
          into.set(bytes.subarray(at, at + n));
          this.#target = undefined;
          this.#received(n);
          at += n;
        }
      }
    } catch (e) {
      this.fail(e);
      this.#socket.destroy();
      return;
    }
    const buffered = this.#recycle ? this.#heldBytes : this.#queuedBytes;
    if (!this.#paused && (buffered > this.#maxBuffered || this.#queue.length > MAX_QUEUED_EVENTS)) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  /** `n` more bytes landed where readTarget pointed. */
  #received(n: number): void {
    const big = this.#big;
    if (big !== undefined) {
      this.#bigHave += n;
      if (this.#bigHave < big.length) return;
      this.#big = undefined;
      this.#packet(big, 0, big.length - PACKET_HEADER_BYTES, undefined);
      return;
    }
    this.#readAt += n;
    this.#frame();
  }

  /** Frames the complete packets of the current block; an unfinished one waits for more bytes. */
  #frame(): void {
    const block = this.#cur;
    const b = block.bytes;
    for (;;) {
      const at = this.#parseAt;
      const have = this.#readAt - at;
      if (have < PACKET_HEADER_BYTES) return;
      const length = b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
      const seq = b[at + 3]!;
      if (seq !== this.#nextSeq) throw new Error(`binlog stream out of sequence: packet ${seq}, expected ${this.#nextSeq}`);
      const total = PACKET_HEADER_BYTES + length;
      if (total > b.length) {
        // bigger than any block: the rest of it is read into a buffer of its own
        const big = new Uint8Array(total);
        big.set(b.subarray(at, this.#readAt));
        this.#big = big;
        this.#bigHave = have;
        this.#readAt = at;
        return;
      }
      if (have < total) return;
      this.#parseAt = at + total;
      block.filled = this.#parseAt;
      this.#packet(b, at, length, block);
      if (this.#ended || this.#error !== undefined) return;
    }
  }

  /** Total bytes of the unfinished packet at the parse position (0 while its header is incomplete). */
  #unfinishedLength(): number {
    const b = this.#cur.bytes;
    const at = this.#parseAt;
    if (this.#readAt - at < PACKET_HEADER_BYTES) return 0;
    return PACKET_HEADER_BYTES + (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16));
  }

  /**
   * The packet at `at` of `bytes` (its header checked), of `length` payload bytes: in `block`, or
   * (undefined) in memory of its own that is never reused.
   */
  #packet(bytes: Uint8Array, at: number, length: number, block: Block | undefined): void {
    this.#nextSeq = (this.#nextSeq + 1) & 0xff;
    const body = at + PACKET_HEADER_BYTES;
    if (this.#continued || length === MAX_PACKET_PAYLOAD) {
      // a message of several packets (an event ≥ 16 MiB): joined once complete
      const part = bytes.subarray(body, body + length);
      this.#parts.push(block === undefined ? Buffer.from(part.buffer, part.byteOffset, part.length) : Buffer.from(part));
      this.#continued = length === MAX_PACKET_PAYLOAD;
      if (!this.#continued) this.#joined();
      return;
    }
    if (length === 0) throw new Error('empty packet in the binlog stream');
    const marker = bytes[body]!;
    if (marker === STREAM_OK) {
      const b = block ?? this.#ownBlock(bytes);
      this.#push(new Uint8Array(b.memory, b.base + body + 1, length - 1));
      return;
    }
    this.#message(marker, bytes.subarray(body + 1, body + length), length);
  }

  /** A message of several packets is complete. */
  #joined(): void {
    const message = Buffer.concat(this.#parts);
    this.#parts = [];
    const marker = message[0]!;
    if (marker === STREAM_OK) {
      const block = this.#ownBlock(message);
      this.#push(new Uint8Array(block.memory, block.base + 1, message.length - 1));
      return;
    }
    this.#message(marker, message.subarray(1), message.length);
  }

  /** A message other than an event: EOF, ERR, or one we do not expect. */
  #message(marker: number, body: Uint8Array, length: number): void {
    if (marker === STREAM_EOF && length < EOF_PACKET_MAX_PAYLOAD) this.end();
    else if (marker === STREAM_ERR) this.fail(parseErrPacket(body));
    else this.fail(new Error(`unexpected packet in the binlog stream (first byte 0x${marker.toString(16)}, ${length} bytes)`));
  }

  /**
   * The block being filled has too little room left: the next block takes over, with the
   * unfinished packet at its end moved to its start.
   */
  #nextBlock(): void {
    const old = this.#cur;
    const next = this.#takeBlock();
    const pending = old.bytes.subarray(this.#parseAt, this.#readAt);
    next.bytes.set(pending);
    old.filled = this.#parseAt;
    this.#cur = next;
    this.#parseAt = 0;
    this.#readAt = pending.length;
    if (this.#recycle && this.#blocks[0] === old && old.released >= old.filled) this.#freeBlock(this.#blocks.shift()!);
  }

  /** A free pool block, tracked (with recycle) from now on. */
  #takeBlock(): Block {
    let block = this.#free.pop();
    if (block === undefined) {
      const pool = this.#poolMemory;
      let bytes: Uint8Array;
      if (pool !== undefined && pool.length - this.#poolCarved >= BLOCK_BYTES) {
        bytes = pool.subarray(this.#poolCarved, this.#poolCarved + BLOCK_BYTES);
        this.#poolCarved += BLOCK_BYTES;
      } else {
        const own = Buffer.allocUnsafeSlow(BLOCK_BYTES);
        bytes = new Uint8Array(own.buffer, own.byteOffset, BLOCK_BYTES);
      }
      block = { bytes, memory: bytes.buffer, base: bytes.byteOffset, filled: 0, released: 0, pooled: true };
    }
    block.filled = 0;
    block.released = 0;
    this.#track(block);
    return block;
  }

  /** A block for memory of its own (a big packet, a joined message). */
  #ownBlock(bytes: Uint8Array): Block {
    const block: Block = { bytes, memory: bytes.buffer, base: bytes.byteOffset, filled: bytes.length, released: 0, pooled: false };
    // in stream order: before the block being filled, whose events come later
    if (this.#recycle) {
      this.#blocks.splice(this.#blocks.length - 1, 0, block);
      this.#heldBytes += bytes.length;
    }
    return block;
  }

  #track(block: Block): void {
    if (!this.#recycle) return;
    this.#blocks.push(block);
    this.#heldBytes += block.bytes.length;
  }

  #freeBlock(block: Block): void {
    this.#heldBytes -= block.bytes.length;
    if (block.pooled && !this.#closed) this.#free.push(block);
  }

  #push(event: Uint8Array): void {
    this.#queue.push(event);
    this.#queuedBytes += event.length;
    this.bytesReceived += event.length;
    this.#signal();
  }

  /** @internal the server's EOF */
  end(): void {
    this.#ended = true;
    this.#stopTimer();
    this.#signal();
  }

  /** @internal a server or connection error */
  fail(e: unknown): void {
    if (this.#ended || this.#closed || this.#error !== undefined) return;
    this.#error = this.#mapError(e);
    this.#stopTimer();
    this.#signal();
  }

  async next(): Promise<IteratorResult<readonly Uint8Array[]>> {
    for (;;) {
      if (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        this.#queuedBytes = 0;
        // Without recycling, what is taken no longer counts (with it, released blocks count).
        if (this.#paused && (!this.#recycle || this.#heldBytes < this.#maxBuffered)) this.#resume();
        return { value: batch, done: false };
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended || this.#closed) return { value: undefined, done: true };
      // The consumer waits for events: never leave it waiting on our own pause (it may hold
      // blocks it releases only after more events).
      if (this.#paused) this.#resume();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #resume(): void {
    this.#paused = false;
    if (!this.#closed && !this.#ended) this.#socket.resume();
  }

  /** Stops reading: the socket is destroyed (the server ends its dump thread). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimer();
    this.#queue = [];
    this.#free.length = 0;
    this.#socket.destroy();
    this.#signal();
  }

  async return(): Promise<IteratorResult<readonly Uint8Array[]>> {
    this.close();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #signal(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * Sends COM_BINLOG_DUMP on the connection of `dumpSocket` (whose session variables the caller has
 * set: checksum, capability, heartbeat; mysql2 must be idle) and returns the stream of its events.
 * After the dump the server closes the connection, so it cannot be used for anything else.
 */
export function startBinlogDump(dumpSocket: DumpSocket, request: BinlogDumpRequest, options: BinlogDumpStreamOptions = {}): BinlogDumpStream {
  const payload = binlogDumpPayload(request);
  const socket = dumpSocket.socket;
  const stream = new BinlogDumpStream(socket, options);
  dumpSocket.takeOver(
    (bytes, length) => stream.feed(bytes, length),
    () => stream.readTarget(),
  );
  const lost = (): void => {
    const e = new Error('Connection lost: The server closed the connection.') as Error & { code: string };
    e.code = 'PROTOCOL_CONNECTION_LOST';
    stream.fail(e);
  };
  socket.on('error', (e) => stream.fail(e));
  socket.on('end', lost);
  socket.on('close', lost);
  const packet = Buffer.alloc(PACKET_HEADER_BYTES + payload.length);
  packet.writeUIntLE(payload.length, 0, 3);
  packet[3] = 0;
  payload.copy(packet, PACKET_HEADER_BYTES);
  socket.write(packet);
  return stream;
}
