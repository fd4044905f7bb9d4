/**
 * A Writable over an open FileHandle that fsyncs in its final step: a pipeline into it resolves
 * only once the bytes are on disk (a compressed archive file, a backup's dump), so a record written
 * after it never points at bytes still in the page cache. The caller opens and closes the handle.
 */
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

export class SyncedFileSink extends Writable {
  readonly #handle: FileHandle;

  /** `highWaterMarkBytes`: buffered before the writer waits (a few of the producer's chunks). */
  constructor(handle: FileHandle, highWaterMarkBytes: number) {
    super({ highWaterMark: highWaterMarkBytes });
    this.#handle = handle;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#handle.write(chunk).then(
      () => callback(),
      (e: Error) => callback(e),
    );
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.#handle.writev(chunks.map((c) => c.chunk)).then(
      () => callback(),
      (e: Error) => callback(e),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#handle.sync().then(
      () => callback(),
      (e: Error) => callback(e),
    );
  }
}
