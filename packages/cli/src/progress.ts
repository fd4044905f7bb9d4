/**
 * A one-line progress display on stderr, shown only when stderr is a terminal and stdout is not
 * (output redirected to a file or pipe); quiet otherwise, so logs and pipes stay clean. Commands
 * that print their result only at the end (`stdoutQuiet`) show it whenever stderr is a terminal.
 */
import type { CliStream } from './io.js';

const INTERVAL_MS = 200;

export class Progress {
  private readonly stream: CliStream;
  readonly enabled: boolean;
  private lastMs = 0;
  private shown = false;

  constructor(stdout: CliStream, stderr: CliStream, options: { readonly stdoutQuiet?: boolean } = {}) {
    this.stream = stderr;
    this.enabled = stderr.isTTY === true && (options.stdoutQuiet === true || stdout.isTTY !== true);
  }

  /** `position` of `size` bytes (size undefined when unknown, e.g. compressed input). */
  update(label: string, position: number, size: number | undefined, events: number): void {
    if (!this.enabled) return;
    const where = size === undefined || size === 0 ? `${mib(position)} decoded` : `${mib(position)} of ${mib(size)} (${Math.min(100, Math.floor((position / size) * 100))}%)`;
    this.show(`${label}: ${where}, ${events} events`);
  }

  /** Replaces the progress line with `line`, at most every 200 ms unless `now`. */
  show(line: string, now = false): void {
    if (!this.enabled) return;
    const ms = Date.now();
    if (!now && ms - this.lastMs < INTERVAL_MS) return;
    this.lastMs = ms;
    this.stream.write(`\r\x1b[K${line}`);
    this.shown = true;
  }

  /** A whole line on stderr (a warning, a notice), never mixed into the progress line. */
  say(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
