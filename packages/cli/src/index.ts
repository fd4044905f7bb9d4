// Public entry point of @pitr/cli: the program is `bin.ts`; `main` and the command table are
// exported for tests and for tools that render the command reference.
export { main, reportError, EXIT, EXIT_CODE_BY_ERROR } from './main.js';
export type { CliIo, CliStream, ExitCode } from './main.js';
export { COMMANDS, OPTIONS, GLOBAL_OPTIONS } from './options.js';
export type { CommandName, CommandSpec, OptionName, OptionSpec } from './options.js';
export { renderCommandHelp, renderMainHelp, renderReference } from './help.js';
