import type { Writable } from 'node:stream';

/** A stream the CLI writes to; `isTTY` decides progress display (process.stdout/stderr have it). */
export type CliStream = Writable & { isTTY?: boolean; columns?: number };

/** Where the CLI writes; injectable so tests can run main() in-process. */
export interface CliIo {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  /** Environment (PITR_FIXTURES, PITR_PASSWORD, ...); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}
