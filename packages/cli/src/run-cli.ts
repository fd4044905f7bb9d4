/**
 * What the `pitr` executable runs, for both ways of loading it: the module graph (bin.ts) and the
 * one-file bundle the launcher prefers (bin/pitr.mjs, scripts/bundle-cli.mjs).
 */
import { main, loadAllCommands } from './main.js';
import type { ExitCode } from './exit-codes.js';

export { loadAllCommands };

/** Runs the CLI on `argv` (without node and script) with the process's streams; returns the exit code. */
export function runCli(argv: readonly string[]): Promise<ExitCode> {
  // `pitr … | head`: once the reader of our output is gone, the rest of the output has nowhere to go;
  // that is not an error of ours (commands stop writing; see OutputSink).
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  return main(argv);
}
