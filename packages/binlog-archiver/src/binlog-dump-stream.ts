/**
 * COM_BINLOG_DUMP on a mysql2 connection, handing out each event's raw bytes.
 *
 * mysql2 has a BinlogDump command, but it decodes a few event types itself (wrongly for 64-bit
 * positions) and drops the bytes; we need the bytes exactly as the server sends them. So this is a
 * custom mysql2 Command: it writes the COM_BINLOG_DUMP packet and then reads the stream's packets
 * raw — `0x00` + one event, `0xfe` EOF (only with BINLOG_DUMP_NON_BLOCK), `0xff` ERR (turned into
 * an error by mysql2's Command base). Events larger than a protocol packet (16 MiB) arrive as
 * several packets that mysql2's packet parser already joins.
 * https://mariadb.com/kb/en/com_binlog_dump/
 *
 * Flow control: events queue here until the consumer takes them; above a high-water mark the
 * socket is paused (mysql2 `connection.pause()`), so a slow disk slows the server's dump thread
 * instead of filling memory.
 *
 * mysql2's Command and Packet classes are internal (not in its package exports); they are loaded
 * by file path from the installed mysql2 (pinned in package.json), checked when first used.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ERROR_CODES, PitrError } from '@pitr/core';
import { COM_BINLOG_DUMP, EOF_PACKET_MAX_PAYLOAD, STREAM_EOF, STREAM_OK } from './replication-protocol.js';

/** The parts of a mysql2 packet we read. */
interface Mysql2Packet {
  readonly buffer: Buffer;
  readonly start: number;
  readonly end: number;
}

/** The parts of a mysql2 (callback) connection we use. */
export interface Mysql2RawConnection {
  writePacket(packet: unknown): void;
  addCommand(command: unknown): unknown;
  pause(): void;
  resume(): void;
  destroy(): void;
  on(event: 'error', listener: (e: Error) => void): unknown;
  /** The socket: mysql2's destroy() only half-closes it (end()). */
  readonly stream?: { destroy(): void };
}

type StateFn = (packet: Mysql2Packet, connection: Mysql2RawConnection) => StateFn | null;

interface Mysql2CommandBase {
  execute(packet: Mysql2Packet | undefined, connection: Mysql2RawConnection): boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

interface Mysql2Internals {
  Command: new () => Mysql2CommandBase;
  Packet: new (id: number, buffer: Buffer, start: number, end: number) => unknown;
}

let internals: Mysql2Internals | undefined;

function mysql2Internals(): Mysql2Internals {
  if (internals !== undefined) return internals;
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('mysql2'));
  const Command = require(join(root, 'lib/commands/command.js')) as Mysql2Internals['Command'];
  const Packet = require(join(root, 'lib/packets/packet.js')) as Mysql2Internals['Packet'];
  if (typeof Command !== 'function' || typeof Packet !== 'function' || typeof Command.prototype.execute !== 'function') {
    throw new Error(`mysql2 at ${root} does not have the internal Command/Packet classes this archiver was written for`);
  }
  internals = { Command, Packet };
  return internals;
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
  /** Queued bytes above which the socket is paused (default 16 MiB). */
  readonly highWaterMarkBytes?: number;
  /** Fail when no packet arrived for this long (default: never). Heartbeats count as packets. */
  readonly idleTimeoutMs?: number;
  /** Turns a connection or server error into the error the consumer sees. */
  readonly mapError?: (e: unknown) => unknown;
}

const DEFAULT_HIGH_WATER_MARK = 16 << 20;

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

/**
 * The events of one COM_BINLOG_DUMP, in batches (whatever arrived since the last call), until the
 * server's EOF (non-blocking dump) or `close()`. Events are views of the received packets: valid
 * as long as the consumer keeps them (the packet buffers are not reused).
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
  readonly #connection: Mysql2RawConnection;
  readonly #highWater: number;
  readonly #mapError: (e: unknown) => unknown;
  /** Bytes of event data received (without packet framing). */
  bytesReceived = 0;

  /** @internal use startBinlogDump */
  constructor(connection: Mysql2RawConnection, options: BinlogDumpStreamOptions) {
    this.#connection = connection;
    this.#highWater = options.highWaterMarkBytes ?? DEFAULT_HIGH_WATER_MARK;
    this.#mapError = options.mapError ?? ((e) => e);
    const idle = options.idleTimeoutMs;
    if (idle !== undefined && idle > 0) {
      this.#timer = setInterval(() => {
        // A paused socket receives nothing by our own choice: not idle.
        if (!this.#paused && Date.now() - this.#lastPacketMs > idle) {
          this.fail(new Error(`no data from the server for ${Math.round(idle / 1000)} s`));
          this.#connection.destroy();
        }
      }, Math.min(idle, 1000));
      this.#timer.unref();
    }
  }

  /** Events received and not yet handed out. */
  get queuedEvents(): number {
    return this.#queue.length;
  }

  /** @internal called by the command for each event */
  push(event: Uint8Array): void {
    if (this.#closed) return;
    this.#lastPacketMs = Date.now();
    this.#queue.push(event);
    this.#queuedBytes += event.length;
    this.bytesReceived += event.length;
    if (!this.#paused && this.#queuedBytes > this.#highWater) {
      this.#paused = true;
      this.#connection.pause();
    }
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

  /** @internal any packet (keeps the idle timer quiet) */
  touch(): void {
    this.#lastPacketMs = Date.now();
  }

  async next(): Promise<IteratorResult<readonly Uint8Array[]>> {
    for (;;) {
      if (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        this.#queuedBytes = 0;
        if (this.#paused) {
          this.#paused = false;
          // May synchronously deliver packets that mysql2 held back (into the fresh queue).
          this.#connection.resume();
        }
        return { value: batch, done: false };
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended || this.#closed) return { value: undefined, done: true };
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Stops reading: the connection is destroyed (the server ends its dump thread). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimer();
    this.#queue = [];
    this.#connection.destroy();
    // mysql2's destroy() only ends our side: a dump thread waiting for updates would keep the
    // socket (and this process) alive until the server writes again. Close it for good.
    this.#connection.stream?.destroy();
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
 * Sends COM_BINLOG_DUMP on `connection` (whose session variables the caller has set: checksum,
 * capability, heartbeat) and returns the stream of its events. After the dump the server closes
 * the connection, so it cannot be used for anything else.
 */
export function startBinlogDump(connection: Mysql2RawConnection, request: BinlogDumpRequest, options: BinlogDumpStreamOptions = {}): BinlogDumpStream {
  const { Command, Packet } = mysql2Internals();
  const payload = binlogDumpPayload(request);
  const stream = new BinlogDumpStream(connection, options);

  class BinlogDumpCommand extends Command {
    /** mysql2 calls this with the first packet (none: we speak first), then the state it returns. */
    start(_packet: Mysql2Packet, conn: Mysql2RawConnection): StateFn {
      const buffer = Buffer.alloc(4 + payload.length);
      payload.copy(buffer, 4);
      conn.writePacket(new Packet(0, buffer, 0, buffer.length));
      return this.eventPacket;
    }

    eventPacket(packet: Mysql2Packet): StateFn | null {
      const at = packet.start + 4;
      const marker = packet.buffer[at];
      const payloadLength = packet.end - at;
      if (marker === STREAM_OK) {
        stream.push(packet.buffer.subarray(at + 1, packet.end));
        return this.eventPacket;
      }
      if (marker === STREAM_EOF && payloadLength < EOF_PACKET_MAX_PAYLOAD) {
        stream.end();
        return null;
      }
      stream.touch();
      stream.fail(new Error(`unexpected packet in the binlog stream (first byte 0x${(marker ?? 0).toString(16)}, ${payloadLength} bytes)`));
      return null;
    }

    /** mysql2 reports ERR packets and connection errors here. */
    onResult(err: unknown): void {
      if (err !== null && err !== undefined) stream.fail(err);
    }
  }

  connection.on('error', (e) => stream.fail(e));
  connection.addCommand(new BinlogDumpCommand());
  return stream;
}
