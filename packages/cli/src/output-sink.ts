/**
 * Streams text to stdout without buffering a whole binlog's output: chunks of ~64 KiB are written
 * and, when the stream's buffer is full, we wait for 'drain' (backpressure). A closed pipe
 * (`pitr binlog decode … | head`) ends the output quietly instead of failing.
 */
import { PitrError } from '@pitr/core';
import type { CliStream } from './io.js';

const CHUNK_CHARS = 64 * 1024;

/** Thrown by write() once the reader of our output went away (EPIPE); callers stop quietly. */
export class OutputClosed extends Error {
  constructor() {
    super('output closed');
    this.name = 'OutputClosed';
  }
}

export class OutputSink {
  private readonly stream: CliStream;
  private buffer = '';
  private failure: Error | undefined;
  private readonly onError = (e: Error): void => {
    this.failure = e;
  };

  constructor(stream: CliStream) {
    this.stream = stream;
    stream.on('error', this.onError);
  }

  /** Appends text; flushes when the chunk is full (and then honours backpressure). */
  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= CHUNK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    this.check();
    if (this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) await this.drained();
    this.check();
  }

  /**
   * Flushes. The stream is left open (it may be process.stdout) and our error listener stays: an
   * EPIPE can still arrive for bytes already handed over, and must not become an uncaught error.
   */
  async close(): Promise<void> {
    await this.flush();
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.once('drain', done);
      this.stream.once('error', done);
      this.stream.once('close', done);
    });
  }

  private check(): void {
    const e = this.failure;
    if (e === undefined) return;
    if ((e as NodeJS.ErrnoException).code === 'EPIPE' || (e as NodeJS.ErrnoException).code === 'ERR_STREAM_DESTROYED') throw new OutputClosed();
    throw new PitrError('IO', `cannot write the output: ${e.message}`, { cause: e, hints: ['check the disk space or the pipe the output goes to'] });
  }
}
