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
 * of its page faults. Here the socket reads into one fixed buffer (net `onread`), each event is
 * copied once into a block of a small pool, and the archive writer gives blocks back once it has
 * written (and hashed) them (`release`), so receiving 1 GB allocates a few MiB. (Not shared
 * memory: V8 copies into a SharedArrayBuffer byte by byte unless source and target are equally
 * aligned, ~3 GB/s instead of ~25 GB/s for an unaligned 8 KiB event.)
 *
 * Flow control: above `maxBufferedBytes` of events not yet released (or, without recycling, not
 * yet taken), or above MAX_QUEUED_EVENTS events not yet taken, the socket is paused, so a slow
 * disk slows the server's dump thread instead of filling memory.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { ERROR_CODES, PitrError } from '@pitr/core';
import { COM_BINLOG_DUMP, EOF_PACKET_MAX_PAYLOAD, STREAM_EOF, STREAM_ERR, STREAM_OK } from './replication-protocol.js';

/** Bytes read from the socket per read (the fixed read buffer). */
const READ_BUFFER_BYTES = 256 * 1024;
/** Pool block size: events are copied into blocks of this size; a bigger event gets its own buffer. */
const BLOCK_BYTES = 1 << 20;
const DEFAULT_MAX_BUFFERED = 32 << 20;
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
 * as 'data' events (copied out of the fixed read buffer) until `startBinlogDump` takes it over.
 */
export class DumpSocket {
  readonly #readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  /** The same memory as a plain Uint8Array (its subarray() has no Buffer species lookup). */
  readonly #readView = new Uint8Array(this.#readBuffer.buffer, this.#readBuffer.byteOffset, READ_BUFFER_BYTES);
  #socket: Socket | undefined;
  #sink: ((bytes: Uint8Array, length: number) => void) | undefined;

  /** The mysql2 `stream` option. */
  connector(target: { readonly host?: string; readonly port?: number; readonly socketPath?: string }): () => Socket {
    return () => {
      const onread = {
        buffer: this.#readBuffer,
        callback: (length: number, bytes: Uint8Array): boolean => {
          const sink = this.#sink;
          const socket = this.#socket!;
          if (sink === undefined) socket.emit('data', Buffer.from(bytes.subarray(0, length)));
          else sink(this.#readView, length);
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

  /** @internal from now on the bytes go to `sink` (valid only during the call) instead of mysql2 */
  takeOver(sink: (bytes: Uint8Array, length: number) => void): void {
    this.#sink = sink;
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

/** A block of the pool: events are copied in at `filled`; `released` bytes are no longer needed. */
interface Block {
  readonly bytes: Buffer;
  /** bytes.buffer and bytes.byteOffset, read once (each read of `.buffer` is a call into the runtime). */
  readonly memory: ArrayBufferLike;
  readonly base: number;
  filled: number;
  released: number;
  /** A pool block (reused once released) or a buffer for one big event. */
  readonly pooled: boolean;
}

const enum Read {
  Header,
  Marker,
  Body,
}

const enum Message {
  /** One event in one packet: copied straight into a block. */
  Event,
  /** An event of several packets (≥ 16 MiB): pieces joined at the end. */
  LargeEvent,
  Eof,
  Err,
  /** A packet we do not expect: kept to report it. */
  Other,
}

/**
 * The events of one COM_BINLOG_DUMP, in batches (whatever arrived since the last call), until the
 * server's EOF (non-blocking dump) or `close()`. Events are views into the stream's blocks: with
 * `recycle`, valid until released; without, for as long as the consumer keeps them.
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

  // --- blocks: in fill order (with recycle), the one being filled, free pool blocks
  readonly #blocks: Block[] = [];
  readonly #byBuffer = new Map<ArrayBufferLike, Block>();
  readonly #free: Buffer[] = [];
  #current: Block | undefined;
  /** Bytes of the blocks not free (with recycle). */
  #heldBytes = 0;

  // --- packet framing state
  #read: Read = Read.Header;
  readonly #header = Buffer.alloc(PACKET_HEADER_BYTES);
  #headerHave = 0;
  #packetLength = 0;
  #packetLeft = 0;
  #nextSeq = 1;
  /** The packet being read has 0xffffff bytes: its message goes on in the next packet. */
  #continued = false;
  #message: Message = Message.Event;
  /** Message.Event: where the event goes. */
  #eventBlock: Block | undefined;
  #eventStart = 0;
  #eventEnd = 0;
  /** Other messages: their bytes so far. */
  #parts: Buffer[] = [];
  #partsBytes = 0;

  /** @internal use startBinlogDump */
  constructor(socket: Socket, options: BinlogDumpStreamOptions) {
    this.#socket = socket;
    this.#maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    this.#recycle = options.recycle === true;
    this.#mapError = options.mapError ?? ((e) => e);
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
    const block = this.#byBuffer.get(event.buffer);
    if (block === undefined || !this.#blocks.includes(block)) return;
    while (this.#blocks[0] !== block) this.#freeBlock(this.#blocks.shift()!);
    const end = event.byteOffset - block.base + event.length;
    if (end > block.released) block.released = end;
    if (block !== this.#current && block.released >= block.filled) this.#freeBlock(this.#blocks.shift()!);
    if (this.#paused && this.#heldBytes < this.#maxBuffered && this.#queue.length <= MAX_QUEUED_EVENTS) this.#resume();
  }

  /** @internal the socket's bytes (a view of the read buffer, valid during the call) */
  feed(bytes: Uint8Array, length: number): void {
    if (this.#closed || this.#ended || this.#error !== undefined) return;
    this.#lastPacketMs = Date.now();
    try {
      this.#frame(bytes, length);
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

  #frame(bytes: Uint8Array, length: number): void {
    let i = 0;
    while (i < length) {
      if (this.#read === Read.Header) {
        while (this.#headerHave < PACKET_HEADER_BYTES && i < length) this.#header[this.#headerHave++] = bytes[i++]!;
        if (this.#headerHave < PACKET_HEADER_BYTES) return;
        this.#headerHave = 0;
        const h = this.#header;
        const packetLength = h[0]! | (h[1]! << 8) | (h[2]! << 16);
        const seq = h[3]!;
        if (seq !== this.#nextSeq) throw new Error(`binlog stream out of sequence: packet ${seq}, expected ${this.#nextSeq}`);
        this.#nextSeq = (seq + 1) & 0xff;
        this.#packetLength = packetLength;
        this.#packetLeft = packetLength;
        const wasContinued = this.#continued;
        this.#continued = packetLength === MAX_PACKET_PAYLOAD;
        if (wasContinued) {
          this.#read = Read.Body;
          if (packetLength === 0) this.#messageDone();
          continue;
        }
        if (packetLength === 0) throw new Error('empty packet in the binlog stream');
        this.#read = Read.Marker;
        continue;
      }
      if (this.#read === Read.Marker) {
        const marker = bytes[i++]!;
        this.#packetLeft--;
        this.#startMessage(marker, bytes, i, length);
        this.#read = Read.Body;
        if (this.#packetLeft === 0) this.#packetDone();
        if (this.#ended || this.#error !== undefined) return;
        continue;
      }
      // Read.Body
      const take = Math.min(this.#packetLeft, length - i);
      if (this.#message === Message.Event) {
        const to = this.#eventBlock!.bytes;
        let at = this.#eventEnd;
        // a short event byte by byte: cheaper than the view a bulk copy needs
        if (take <= 64) for (let k = i, end = i + take; k < end; k++) to[at++] = bytes[k]!;
        else to.set(bytes.subarray(i, i + take), at);
        this.#eventEnd += take;
      } else {
        this.#parts.push(Buffer.from(bytes.subarray(i, i + take)));
        this.#partsBytes += take;
      }
      i += take;
      this.#packetLeft -= take;
      if (this.#packetLeft === 0) {
        this.#packetDone();
        if (this.#ended || this.#error !== undefined) return;
      }
    }
  }

  /** A message starts with `marker`; its next bytes are bytes[at, length) (as many as arrived). */
  #startMessage(marker: number, bytes: Uint8Array, at: number, length: number): void {
    this.#parts = [];
    this.#partsBytes = 0;
    if (marker === STREAM_OK) {
      if (this.#continued) {
        this.#message = Message.LargeEvent;
        return;
      }
      this.#message = Message.Event;
      const size = this.#packetLeft;
      // Placed at its file offset's alignment (mod 8; the header's log_pos is where it ends), the
      // writer's copy into shared memory goes word by word (staging-ring.ts). When the header has
      // not arrived yet, or it is an artificial event (log_pos 0), anywhere.
      const logPos = size >= 17 && length - at >= 17 ? (bytes[at + 13]! | (bytes[at + 14]! << 8) | (bytes[at + 15]! << 16) | (bytes[at + 16]! << 24)) >>> 0 : 0;
      const block = this.#blockFor(size + 7);
      if (logPos !== 0) block.filled += (logPos - size - block.base - block.filled) & 7;
      this.#eventBlock = block;
      this.#eventStart = block.filled;
      this.#eventEnd = block.filled;
      block.filled += size;
      return;
    }
    if (marker === STREAM_EOF && this.#packetLength < EOF_PACKET_MAX_PAYLOAD) this.#message = Message.Eof;
    else if (marker === STREAM_ERR) this.#message = Message.Err;
    else {
      this.#message = Message.Other;
      this.#parts.push(Buffer.of(marker));
    }
  }

  #packetDone(): void {
    this.#read = Read.Header;
    if (!this.#continued) this.#messageDone();
  }

  #messageDone(): void {
    this.#read = Read.Header;
    switch (this.#message) {
      case Message.Event: {
        const block = this.#eventBlock!;
        // a plain view: Buffer#subarray costs a species lookup per event
        this.#push(new Uint8Array(block.memory, block.base + this.#eventStart, this.#eventEnd - this.#eventStart));
        return;
      }
      case Message.LargeEvent: {
        const block = this.#blockFor(this.#partsBytes);
        const start = block.filled;
        for (const p of this.#parts) {
          p.copy(block.bytes, block.filled);
          block.filled += p.length;
        }
        this.#parts = [];
        this.#push(new Uint8Array(block.memory, block.base + start, block.filled - start));
        return;
      }
      case Message.Eof:
        this.end();
        return;
      case Message.Err:
        this.fail(parseErrPacket(Buffer.concat(this.#parts)));
        return;
      case Message.Other: {
        const first = this.#parts[0]?.[0] ?? 0;
        this.fail(new Error(`unexpected packet in the binlog stream (first byte 0x${first.toString(16)}, ${this.#packetLength} bytes)`));
        return;
      }
    }
  }

  /** A block with room for `size` bytes at its `filled` offset. */
  #blockFor(size: number): Block {
    const cur = this.#current;
    if (cur !== undefined && cur.bytes.length - cur.filled >= size) return cur;
    if (cur !== undefined) this.#retireCurrent();
    const pooled = size <= BLOCK_BYTES;
    const bytes = pooled ? (this.#free.pop() ?? Buffer.allocUnsafeSlow(BLOCK_BYTES)) : Buffer.allocUnsafeSlow(size);
    const block: Block = { bytes, memory: bytes.buffer, base: bytes.byteOffset, filled: 0, released: 0, pooled };
    if (this.#recycle) {
      this.#blocks.push(block);
      this.#byBuffer.set(block.memory, block);
      this.#heldBytes += block.bytes.length;
    }
    // A big event's buffer is not filled further: the next event starts a pool block.
    this.#current = block;
    return block;
  }

  /** The block being filled is full: free now if everything in it was released already. */
  #retireCurrent(): void {
    const cur = this.#current!;
    this.#current = undefined;
    if (this.#recycle && this.#blocks[0] === cur && cur.released >= cur.filled) this.#freeBlock(this.#blocks.shift()!);
  }

  #freeBlock(block: Block): void {
    this.#byBuffer.delete(block.memory);
    this.#heldBytes -= block.bytes.length;
    if (block.pooled && !this.#closed) this.#free.push(block.bytes);
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
  dumpSocket.takeOver((bytes, length) => stream.feed(bytes, length));
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
