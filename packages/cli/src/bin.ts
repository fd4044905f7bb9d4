#!/usr/bin/env node
// The `pitr` executable. The only place that touches the process's exit status.
import { main } from './main.js';

// `pitr … | head`: once the reader of our output is gone, the rest of the output has nowhere to go;
// that is not an error of ours (commands stop writing; see OutputSink).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

process.exitCode = await main(process.argv.slice(2));
