import type { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import type { OptionValues } from './parse-args.js';

/** What a command handler gets: its parsed arguments and where to write. */
export interface CommandContext {
  readonly positionals: readonly string[];
  readonly values: OptionValues;
  readonly io: CliIo;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A command: parses nothing itself (the table did), calls core, renders, returns the exit code. */
export type CommandHandler = (ctx: CommandContext) => Promise<ExitCode>;
