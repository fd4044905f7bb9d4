/**
 * A one-line progress display on stderr, shown only when stderr is a terminal and stdout is not
 * (output redirected to a file or pipe); quiet otherwise, so logs and pipes stay clean.
 */
import type { CliStream } from './io.js';

const INTERVAL_MS = 200;

export class Progress {
  private readonly stream: CliStream;
  readonly enabled: boolean;
  private lastMs = 0;
  private shown = false;

  constructor(stdout: CliStream, stderr: CliStream) {
    this.stream = stderr;
    this.enabled = stderr.isTTY === true && stdout.isTTY !== true;
  }

  /** `position` of `size` bytes (size undefined when unknown, e.g. compressed input). */
  update(label: string, position: number, size: number | undefined, events: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastMs < INTERVAL_MS) return;
    this.lastMs = now;
    const where = size === undefined || size === 0 ? `${mib(position)} decoded` : `${mib(position)} of ${mib(size)} (${Math.min(100, Math.floor((position / size) * 100))}%)`;
    this.stream.write(`\r\x1b[K${label}: ${where}, ${events} events`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
