#!/usr/bin/env node
// The `pitr` executable when loaded as modules (bin/pitr.mjs prefers the bundle of the same code).
// The only place, with the launcher, that touches the process's exit status.
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2));
