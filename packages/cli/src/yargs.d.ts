// yargs 18 ships no type declarations (its package excludes *.d.ts) and @types/yargs is not a
// dependency here; this declares the small part of the API the CLI uses (see parse-args.ts).
declare module 'yargs' {
  export interface YargsOptionDef {
    type?: 'string' | 'boolean' | 'number';
    alias?: string | readonly string[];
    default?: unknown;
    requiresArg?: boolean;
  }
  export interface YargsArguments {
    _: (string | number)[];
    [key: string]: unknown;
  }
  export interface Argv {
    options(defs: Record<string, YargsOptionDef>): Argv;
    strictOptions(enabled?: boolean): Argv;
    help(enabled: boolean): Argv;
    version(enabled: boolean): Argv;
    exitProcess(enabled: boolean): Argv;
    fail(fn: (msg: string | undefined, err: Error | undefined) => void): Argv;
    parserConfiguration(config: Record<string, boolean>): Argv;
    scriptName(name: string): Argv;
    locale(locale: string): Argv;
    parseSync(): YargsArguments;
  }
  const yargs: (args?: readonly string[]) => Argv;
  export default yargs;
}
