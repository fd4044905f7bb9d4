/**
 * The `pitr` program: parse argv against the option table, run one command, map any failure to an
 * exit code. Returns the code; only bin.ts touches the process.
 */
import { readFileSync } from 'node:fs';
import { isPitrError, type PitrError } from '@pitr/core';
import { archive } from './commands/archive.js';
import { backup } from './commands/backup.js';
import { binlogDecode } from './commands/binlog-decode.js';
import { expire } from './commands/expire.js';
import { find } from './commands/find.js';
import { history } from './commands/history.js';
import { list } from './commands/list.js';
import { plan } from './commands/plan.js';
import { restore } from './commands/restore.js';
import { restoreTable } from './commands/restore-table.js';
import { undo } from './commands/undo.js';
import { verify } from './commands/verify.js';
import { EXIT, EXIT_CODE_BY_ERROR, type ExitCode } from './exit-codes.js';
import { renderCommandHelp, renderGroupHelp, renderMainHelp } from './help.js';
import type { CliIo } from './io.js';
import type { CommandName } from './options.js';
import { parseArgs } from './parse-args.js';
import type { CommandHandler } from './command-context.js';

export type { CliIo, CliStream } from './io.js';
export { EXIT, EXIT_CODE_BY_ERROR, type ExitCode } from './exit-codes.js';

/** One handler per command in the table; a command without a handler fails to compile. */
const HANDLERS: Record<CommandName, CommandHandler> = {
  'binlog decode': binlogDecode,
  plan,
  restore,
  backup,
  list,
  verify,
  expire,
  archive,
  find,
  history,
  undo,
  'restore-table': restoreTable,
};

/** Runs the CLI with the given argv (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<ExitCode> {
  let debug = argv.includes('--debug');
  try {
    const parsed = parseArgs(argv);
    switch (parsed.kind) {
      case 'help': {
        const t = parsed.topic;
        const text = t === 'main' ? renderMainHelp(version()) : 'group' in t ? renderGroupHelp(t.group) : renderCommandHelp(t.command);
        await writeAll(io, text);
        return EXIT.OK;
      }
      case 'version':
        await writeAll(io, `pitr ${version()}\n`);
        return EXIT.OK;
      case 'run':
        debug = parsed.debug;
        return await HANDLERS[parsed.command]({ positionals: parsed.positionals, values: parsed.values, io, env: io.env ?? process.env });
    }
  } catch (e) {
    return reportError(e, io, debug);
  }
}

/**
 * `pitr: error: …` and `HINT: …` lines on stderr. A stack trace only for internal faults (a bug:
 * the user should report it) or with --debug.
 */
export function reportError(e: unknown, io: CliIo, debug: boolean): ExitCode {
  const err = io.stderr;
  if (isUserFacing(e)) {
    err.write(`pitr: error: ${e.message}\n`);
    for (const h of e.hints) err.write(`HINT: ${h}\n`);
    if (e.code === 'INTERNAL' || debug) writeStack(e, io);
    return EXIT_CODE_BY_ERROR[e.code];
  }
  const message = e instanceof Error ? e.message : String(e);
  err.write(`pitr: error: internal error: ${message}\n`);
  err.write('HINT: this is a bug in pitr; please report it with the command line and the output below\n');
  writeStack(e, io);
  return EXIT_CODE_BY_ERROR.INTERNAL;
}

/**
 * A PitrError, also when it comes from another copy of @pitr/core (instanceof would miss it): an
 * Error carrying a known code and a hints array.
 */
function isUserFacing(e: unknown): e is PitrError {
  if (isPitrError(e)) return true;
  if (!(e instanceof Error)) return false;
  const { code, hints } = e as Partial<PitrError>;
  return typeof code === 'string' && Object.hasOwn(EXIT_CODE_BY_ERROR, code) && Array.isArray(hints);
}

function writeStack(e: unknown, io: CliIo): void {
  let cur: unknown = e;
  let depth = 0;
  while (cur !== undefined && depth < 5) {
    const text = cur instanceof Error ? (cur.stack ?? `${cur.name}: ${cur.message}`) : String(cur);
    io.stderr.write(`${depth === 0 ? '' : 'Caused by: '}${text}\n`);
    cur = cur instanceof Error ? (cur as PitrError).cause : undefined;
    depth++;
  }
}

async function writeAll(io: CliIo, text: string): Promise<void> {
  await new Promise<void>((resolve) => {
    if (io.stdout.write(text)) resolve();
    else io.stdout.once('drain', () => resolve());
  });
}

let cachedVersion: string | undefined;

function version(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
      cachedVersion = pkg.version ?? 'unknown';
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}
