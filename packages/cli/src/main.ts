/**
 * The `pitr` program: parse argv against the option table, run one command, map any failure to an
 * exit code. Returns the code; only bin.ts touches the process.
 */
import { readFileSync } from 'node:fs';
import { isPitrError, type PitrError } from '@pitr/core';
import { EXIT, EXIT_CODE_BY_ERROR, type ExitCode } from './exit-codes.js';
import { renderCommandHelp, renderGroupHelp, renderMainHelp } from './help.js';
import type { CliIo } from './io.js';
import type { CommandName } from './options.js';
import { parseArgs } from './parse-args.js';
import type { CommandHandler } from './command-context.js';

export type { CliIo, CliStream } from './io.js';
export { EXIT, EXIT_CODE_BY_ERROR, type ExitCode } from './exit-codes.js';

/**
 * One handler per command in the table; a command without a handler fails to compile. Loaded when
 * the command runs: `pitr archive` does not load the restore engine or the WHERE parser (startup
 * `pitr --version` 0.31–0.35 s → 0.22–0.27 s).
 */
const HANDLERS: Record<CommandName, () => Promise<CommandHandler>> = {
  'binlog decode': async () => (await import('./commands/binlog-decode.js')).binlogDecode,
  plan: async () => (await import('./commands/plan.js')).plan,
  restore: async () => (await import('./commands/restore.js')).restore,
  backup: async () => (await import('./commands/backup.js')).backup,
  list: async () => (await import('./commands/list.js')).list,
  verify: async () => (await import('./commands/verify.js')).verify,
  expire: async () => (await import('./commands/expire.js')).expire,
  archive: async () => (await import('./commands/archive.js')).archive,
  find: async () => (await import('./commands/find.js')).find,
  history: async () => (await import('./commands/history.js')).history,
  undo: async () => (await import('./commands/undo.js')).undo,
  'restore-table': async () => (await import('./commands/restore-table.js')).restoreTable,
};

/**
 * Loads every command's modules without running anything: the bundle's code cache is made after
 * this (scripts/bundle-cli.mjs), so it holds the top-level code of every command.
 */
export async function loadAllCommands(): Promise<void> {
  await Promise.all(Object.values(HANDLERS).map((load) => load()));
}

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
        return await (await HANDLERS[parsed.command]())({ positionals: parsed.positionals, values: parsed.values, io, env: io.env ?? process.env });
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
