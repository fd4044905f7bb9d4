/**
 * argv → what to do. Finds the command path in the table, then lets yargs parse that command's
 * options with definitions built from the same table. Every usage problem becomes a
 * PitrError('USAGE') with a hint, so main() maps it to exit code 2.
 */
import yargs, { type YargsOptionDef } from 'yargs';
import { PitrError } from '@pitr/core';
import { COMING_COMMANDS, COMMANDS, GLOBAL_OPTIONS, OPTIONS, type CommandName, type CommandSpec, type OptionName, type OptionSpec } from './options.js';

export type HelpTopic = 'main' | { readonly group: string } | { readonly command: CommandName };

export type ParsedArgs =
  | { readonly kind: 'help'; readonly topic: HelpTopic }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'run';
      readonly command: CommandName;
      readonly positionals: readonly string[];
      readonly values: OptionValues;
      readonly debug: boolean;
    };

/** Parsed option values by option name; absent when not given and without a default. */
export type OptionValues = Partial<Record<OptionName, string | number | boolean>>;

/** First words of multi-word commands (`binlog` of `binlog decode`). */
const GROUPS = new Set((Object.values(COMMANDS) as CommandSpec[]).filter((c) => c.path.length > 1).map((c) => c.path[0]));

/** `pitr TARGET …` is `pitr restore TARGET …`: a word that can only be a target. */
const TARGET_WORD_RE = /^(?:latest$|gtid:|pos:|\d{4}-\d{2}-\d{2}[ T]\d)/;

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const wantsHelp = argv.some((a) => a === '--help' || a === '-h');
  const words = leadingWords(argv);
  const debug = argv.includes('--debug');

  // `pitr help [command...]`
  if (words[0]?.value === 'help') return { kind: 'help', topic: helpTopic(words.slice(1).map((w) => w.value)) };

  if (words.length === 0) {
    if (wantsHelp) return { kind: 'help', topic: 'main' };
    if (argv.includes('--version')) return { kind: 'version' };
    throw usage('no command given', ["run 'pitr --help' for the list of commands"]);
  }

  const first = words[0]!.value;
  const second = words[1]?.value;
  const name = second === undefined ? undefined : (`${first} ${second}` as string);
  if (name !== undefined && name in COMMANDS) {
    const command = name as CommandName;
    if (wantsHelp) return { kind: 'help', topic: { command } };
    const rest = argv.filter((_, i) => i !== words[0]!.index && i !== words[1]!.index);
    return { kind: 'run', command, ...parseCommandOptions(command, rest), debug };
  }
  const single = first in COMMANDS && (COMMANDS[first as CommandName] as CommandSpec).path.length === 1 ? (first as CommandName) : undefined;
  if (single !== undefined) {
    if (wantsHelp) return { kind: 'help', topic: { command: single } };
    const rest = argv.filter((_, i) => i !== words[0]!.index);
    return { kind: 'run', command: single, ...parseCommandOptions(single, rest), debug };
  }
  if (TARGET_WORD_RE.test(first)) {
    if (wantsHelp) return { kind: 'help', topic: { command: 'restore' } };
    return { kind: 'run', command: 'restore', ...parseCommandOptions('restore', argv), debug };
  }
  if (GROUPS.has(first)) {
    if (wantsHelp && (second === undefined || !isKnownSub(first, second))) return { kind: 'help', topic: { group: first } };
    const subs = subcommands(first);
    throw usage(second === undefined ? `'pitr ${first}' needs a command: ${subs.join(', ')}` : `unknown command 'pitr ${first} ${second}'`, [
      `commands: ${subs.map((s) => `pitr ${first} ${s}`).join(', ')}; run 'pitr ${first} --help'`,
    ]);
  }
  if (COMING_COMMANDS.includes(first)) {
    throw usage(`'pitr ${first}' is not implemented yet`, [`available now: ${Object.keys(COMMANDS).map((c) => `pitr ${c}`).join(', ')}`]);
  }
  throw usage(`unknown command '${first}'`, ["run 'pitr --help' for the list of commands"]);
}

function helpTopic(words: readonly string[]): HelpTopic {
  const name = words.slice(0, 2).join(' ');
  if (name in COMMANDS) return { command: name as CommandName };
  if (words[0] !== undefined && words[0] in COMMANDS) return { command: words[0] as CommandName };
  const first = words[0];
  if (first !== undefined && GROUPS.has(first)) return { group: first };
  if (first !== undefined) throw usage(`no help for unknown command '${words.join(' ')}'`, ["run 'pitr --help' for the list of commands"]);
  return 'main';
}

function isKnownSub(group: string, sub: string): boolean {
  return `${group} ${sub}` in COMMANDS;
}

function subcommands(group: string): string[] {
  return Object.values(COMMANDS)
    .filter((c: CommandSpec) => c.path[0] === group)
    .map((c: CommandSpec) => c.path.slice(1).join(' '));
}

/**
 * The first three non-option words (`help` + a command path), skipping options and their values, using the
 * table to know which options take a value.
 */
function leadingWords(argv: readonly string[]): { value: string; index: number }[] {
  const out: { value: string; index: number }[] = [];
  for (let i = 0; i < argv.length && out.length < 3; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('-') && a !== '-') {
      const spec = optionSpec(a);
      if (spec !== undefined && spec.type !== 'boolean' && !a.includes('=')) i++;
      continue;
    }
    out.push({ value: a, index: i });
  }
  return out;
}

function optionSpec(token: string): OptionSpec | undefined {
  const name = token.replace(/^--?/, '').split('=')[0]!;
  if (name in OPTIONS) return OPTIONS[name as OptionName];
  for (const spec of Object.values(OPTIONS) as OptionSpec[]) if (spec.alias === name) return spec;
  return undefined;
}

function parseCommandOptions(command: CommandName, args: readonly string[]): { positionals: string[]; values: OptionValues } {
  const spec: CommandSpec = COMMANDS[command];
  const allowed: OptionName[] = [...spec.options, ...GLOBAL_OPTIONS];
  checkUnknownOptions(command, args, allowed);

  const defs: Record<string, YargsOptionDef> = {};
  for (const name of allowed) {
    const opt: OptionSpec = OPTIONS[name];
    // integers are parsed as strings and checked below: yargs would accept 1e3, 0x10 or 12abc→NaN.
    defs[name] = {
      type: opt.type === 'boolean' ? 'boolean' : 'string',
      ...(opt.type === 'boolean' ? {} : { requiresArg: true }),
      ...(opt.alias === undefined ? {} : { alias: opt.alias }),
      ...(opt.default === undefined ? {} : { default: opt.default }),
    };
  }
  let parsed;
  try {
    parsed = yargs(args)
      .options(defs)
      .strictOptions()
      .help(false)
      .version(false)
      .exitProcess(false)
      .locale('en')
      .parserConfiguration({
        'camel-case-expansion': false,
        'duplicate-arguments-array': false,
        'parse-numbers': false,
        'parse-positional-numbers': false,
        'dot-notation': false,
      })
      .fail((msg, err) => {
        throw usage(`pitr ${command}: ${msg ?? err?.message ?? 'invalid arguments'}`, [`run 'pitr ${command} --help'`]);
      })
      .parseSync();
  } catch (e) {
    if (e instanceof PitrError) throw e;
    throw usage(`pitr ${command}: ${(e as Error).message}`, [`run 'pitr ${command} --help'`]);
  }

  const values: OptionValues = {};
  for (const name of allowed) {
    const v = parsed[name];
    if (v === undefined) continue;
    const opt: OptionSpec = OPTIONS[name];
    if (opt.type === 'integer') values[name] = integerValue(command, name, opt, v);
    else if (opt.type === 'string') {
      if (typeof v !== 'string' || v === '') throw usage(`pitr ${command}: --${name} needs a value`, [`run 'pitr ${command} --help'`]);
      values[name] = v;
    } else values[name] = v === true;
  }

  const positionals = parsed._.map(String);
  const required = spec.positionals.filter((p) => p.required);
  if (positionals.length < required.length) {
    const missing = required[positionals.length]!;
    throw usage(`pitr ${command}: missing ${missing.valueName} argument`, [`usage: pitr ${command} ${missing.valueName}${missing.variadic ? '...' : ''} [options]`, `run 'pitr ${command} --help' for examples`]);
  }
  if (!spec.positionals.some((p) => p.variadic) && positionals.length > spec.positionals.length) {
    throw usage(`pitr ${command}: unexpected argument '${positionals[spec.positionals.length]}'`, [`run 'pitr ${command} --help'`]);
  }
  return { positionals, values };
}

function checkUnknownOptions(command: CommandName, args: readonly string[], allowed: readonly OptionName[]): void {
  const names = new Set<string>();
  for (const n of allowed) {
    names.add(n);
    const opt: OptionSpec = OPTIONS[n];
    if (opt.alias !== undefined) names.add(opt.alias);
    if (opt.type === 'boolean') names.add(`no-${n}`);
  }
  for (const a of args) {
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-' || /^-\d/.test(a)) continue;
    const name = a.replace(/^--?/, '').split('=')[0]!;
    if (names.has(name)) continue;
    const guess = closest(name, [...names]);
    throw usage(`pitr ${command}: unknown option '${a.split('=')[0]}'`, [
      ...(guess === undefined ? [] : [`did you mean --${guess}?`]),
      `run 'pitr ${command} --help' for the options`,
    ]);
  }
}

function integerValue(command: CommandName, name: OptionName, opt: OptionSpec, v: unknown): number {
  const text = String(v);
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  const min = opt.min ?? 0;
  if (!Number.isSafeInteger(n) || n < min) {
    throw usage(`pitr ${command}: --${name} must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not '${text}'`, [
      name.endsWith('position') ? 'binlog positions are byte offsets; the first event of a file is at 4' : `run 'pitr ${command} --help'`,
    ]);
  }
  return n;
}

/** Edit distance ≤ 2 suggestion for a mistyped option. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function usage(message: string, hints: readonly string[]): PitrError {
  return new PitrError('USAGE', message, { hints });
}
