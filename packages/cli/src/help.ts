/**
 * `--help` texts and the Markdown command reference, rendered from the option table (options.ts).
 */
import { COMING_COMMANDS, COMMANDS, GLOBAL_OPTIONS, OPTIONS, optionFor, type CommandName, type CommandSpec, type OptionName, type OptionSpec } from './options.js';

const WIDTH = 100;
const OPTION_COLUMN = 30;

function commandSpecs(): [CommandName, CommandSpec][] {
  return Object.entries(COMMANDS) as [CommandName, CommandSpec][];
}

/** `pitr --help`: every command that exists, and an honest line about what is coming. */
export function renderMainHelp(version: string): string {
  const lines = [`pitr ${version} — point-in-time recovery for MySQL and MariaDB`, '', 'Usage: pitr <command> [options]', '', 'Commands:'];
  for (const [name, spec] of commandSpecs()) lines.push(...twoColumn(`  pitr ${name}`, spec.summary));
  lines.push(
    '',
    'General options:',
    ...GLOBAL_OPTIONS.map((o) => optionLines(o)).flat(),
    ...optionLines('version'),
    '',
    ...(COMING_COMMANDS.length === 0 ? [] : [...wrap(`Not implemented yet (planned, see DESIGN.md): ${COMING_COMMANDS.join(', ')}.`, 0), '']),
    "Run 'pitr <command> --help' for a command's options and examples.",
    ...exitCodeLines(),
  );
  return `${lines.join('\n')}\n`;
}

/** Help for a command group such as `pitr binlog`. */
export function renderGroupHelp(group: string): string {
  const lines = [`Usage: pitr ${group} <command> [options]`, '', 'Commands:'];
  for (const [name, spec] of commandSpecs()) {
    if (spec.path[0] === group) lines.push(...twoColumn(`  pitr ${name}`, spec.summary));
  }
  lines.push('', `Run 'pitr ${group} <command> --help' for details.`);
  return `${lines.join('\n')}\n`;
}

/** `pitr <command> --help`: usage, description, options (with defaults), examples, exit codes. */
export function renderCommandHelp(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  const lines = [`pitr ${name} — ${spec.summary}`, '', `Usage: ${usage(spec)}`, ''];
  for (const p of spec.description) lines.push(...wrap(p, 0), '');
  if (spec.positionals.length > 0) {
    lines.push('Arguments:');
    for (const p of spec.positionals) lines.push(...twoColumn(`  ${p.valueName}${p.variadic ? '...' : ''}`, p.summary));
    lines.push('');
  }
  lines.push('Options:');
  for (const o of spec.options) lines.push(...optionLines(o, true, spec));
  lines.push('', 'General options:');
  for (const o of GLOBAL_OPTIONS) lines.push(...optionLines(o));
  lines.push('', 'Examples:');
  for (const e of spec.examples) lines.push(`  ${e.command}`, ...wrap(e.summary, 6), '');
  lines.push(...exitCodeLines().slice(1));
  return `${lines.join('\n')}\n`;
}

/** The command reference as Markdown (for docs), from the same table. */
export function renderReference(): string {
  const out: string[] = ['# pitr command reference', ''];
  for (const [name, spec] of commandSpecs()) {
    out.push(`## pitr ${name}`, '', spec.summary, '', '```', usage(spec), '```', '');
    for (const p of spec.description) out.push(p, '');
    out.push('| Option | Description |', '|---|---|');
    for (const o of [...spec.options, ...GLOBAL_OPTIONS]) {
      const opt: OptionSpec = optionFor(spec, o);
      const text = [opt.summary, ...(opt.details ?? []), defaultNote(opt)].filter((s) => s !== '').join(' ');
      out.push(`| \`${flag(o, opt)}\` | ${text.replace(/\|/g, '\\|')} |`);
    }
    out.push('', 'Examples:', '', '```');
    for (const e of spec.examples) out.push(`# ${e.summary}`, e.command);
    out.push('```', '');
  }
  return out.join('\n');
}

export function usage(spec: CommandSpec): string {
  const pos = spec.positionals.map((p) => {
    const s = `${p.valueName}${p.variadic ? '...' : ''}`;
    return p.required ? s : `[${s}]`;
  });
  return `pitr ${spec.path.join(' ')} ${pos.join(' ')} [options]`.replace(/\s+/g, ' ');
}

function flag(name: OptionName, opt: OptionSpec): string {
  const long = opt.negatable === true ? `--no-${name}` : `--${name}`;
  const value = opt.type === 'boolean' ? '' : `=${opt.valueName ?? 'VALUE'}`;
  return `${opt.alias === undefined ? '' : `-${opt.alias}, `}${long}${value}`;
}

function defaultNote(opt: OptionSpec): string {
  if (opt.defaultText !== undefined) return `[default: ${opt.defaultText}]`;
  return '';
}

function optionLines(name: OptionName, withDetails = false, spec?: CommandSpec): string[] {
  const opt: OptionSpec = spec === undefined ? OPTIONS[name] : optionFor(spec, name);
  const lines = twoColumn(`  ${flag(name, opt)}`, [opt.summary, defaultNote(opt)].filter((s) => s !== '').join(' '));
  if (withDetails) for (const d of opt.details ?? []) lines.push(...wrap(d, OPTION_COLUMN));
  return lines;
}

function exitCodeLines(): string[] {
  return ['', 'Exit codes: 0 success, 1 operational failure, 2 usage error, 3 verification/integrity failure (malformed binlog, checksum mismatch).'].flatMap((l) =>
    l === '' ? [''] : wrap(l, 0),
  );
}

function twoColumn(left: string, right: string): string[] {
  const body = wrap(right, OPTION_COLUMN);
  const first = body[0] ?? '';
  if (left.length < OPTION_COLUMN - 1) {
    return [`${left.padEnd(OPTION_COLUMN)}${first.trimStart()}`, ...body.slice(1)];
  }
  return [left, ...body];
}

/** Word-wraps `text` to WIDTH with `indent` spaces on every line. */
function wrap(text: string, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    if (line !== '' && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(pad + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(pad + line);
  return lines;
}
