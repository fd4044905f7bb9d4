/**
 * The declarative command and option table. The yargs parser definitions (parse-args.ts), the
 * `--help` text and the Markdown reference (help.ts) are all built from this one table, so an
 * option cannot be documented differently from how it is parsed (the pgBackRest way).
 *
 * Only commands that exist are listed here; the rest of DESIGN.md's commands are added with their
 * implementation, never as stubs.
 */

export type OptionType = 'boolean' | 'string' | 'integer';

export interface OptionSpec {
  readonly type: OptionType;
  /** Placeholder in help (`--start-position=N`). */
  readonly valueName?: string;
  /** One line; further lines go to `details`. */
  readonly summary: string;
  readonly details?: readonly string[];
  /** Default as parsed (booleans) — shown in help. */
  readonly default?: boolean;
  /** How the default is described in help when it is not a literal (e.g. "the machine's time zone"). */
  readonly defaultText?: string;
  /** A boolean defaulting to true that is turned off with `--no-NAME`; help shows the `--no-` form. */
  readonly negatable?: boolean;
  readonly alias?: string;
  /** Minimum for integer options. */
  readonly min?: number;
}

/** Every option any command accepts. Names are the long forms without dashes. */
export const OPTIONS = {
  help: { type: 'boolean', alias: 'h', summary: 'show help for the command and exit' },
  version: { type: 'boolean', summary: 'print the pitr version and exit' },
  debug: { type: 'boolean', summary: 'on errors, print the stack trace and the error chain (for bug reports)' },
  json: {
    type: 'boolean',
    summary: 'print one JSON object per event (NDJSON) instead of text',
    details: [
      'Every event: {"file","pos","end","time","type","serverId"} plus its decoded fields. Row events: {"type":"write"|"update"|"delete","db","table","rows":[{"before":{…},"after":{…}}]}, keyed by column name (@1, @2… when neither the binlog nor --schema-from names them).',
      'Values: NULL → null; integers → number, or a string of digits beyond ±(2^53−1); DECIMAL → exact string; FLOAT/DOUBLE → number; text → string; BINARY/BLOB/BIT/GEOMETRY and text of unknown charset → {"hex":"…"}; DATE/TIME/DATETIME as stored; TIMESTAMP in UTC; YEAR → number; JSON → its text; ENUM/SET → member text, or the ENUM index / SET bitmap as a number when member names are unknown. A column absent from the row image is omitted.',
    ],
  },
  'start-position': {
    type: 'integer',
    valueName: 'N',
    min: 4,
    summary: 'start at the event at byte offset N of the first FILE',
    details: ['As mysqlbinlog: applies to the first file only.'],
  },
  'stop-position': {
    type: 'integer',
    valueName: 'N',
    min: 4,
    summary: 'stop before the first event at or after byte offset N of the last FILE',
    details: ['As mysqlbinlog: applies to the last file only; an event that starts at or after N is not printed.'],
  },
  'start-datetime': {
    type: 'string',
    valueName: 'T',
    summary: 'start at the first event whose header time is at or after T (inclusive)',
    details: [
      'T is "YYYY-MM-DD HH:MM[:SS[.ffffff]]" in --tz, or ISO 8601 with Z or an offset (2026-05-25T14:30:07Z). A wall time that does not exist or is ambiguous at a daylight-saving change is refused.',
      'Like mariadb-binlog, this works per event on header times: from the first event at or after T everything is printed. Event times are statement start times inside a transaction and commit times on GTID/XID events, so this can cut a transaction; restore targets use commit times instead.',
    ],
  },
  'stop-datetime': {
    type: 'string',
    valueName: 'T',
    summary: 'stop before the first event whose header time is at or after T (exclusive)',
    details: ['Per event on header times, like mariadb-binlog --stop-datetime (see --start-datetime).'],
  },
  tz: {
    type: 'string',
    valueName: 'ZONE',
    defaultText: "the machine's time zone",
    summary: 'time zone for --start-datetime/--stop-datetime and for printed times: an IANA name (Europe/Berlin) or an offset (+02:00)',
  },
  'schema-from': {
    type: 'string',
    valueName: 'DUMP|URL',
    summary: 'take column names, signedness and charsets from a dump file or a server (mysql://user@host:port/)',
    details: [
      'Needed for binlogs written with binlog_row_metadata=NO_LOG (MariaDB default) or MINIMAL (MySQL default), whose table maps carry only column types. Without it, decoding prints only what the binlog alone determines and says so. The schema must match the binlog\'s table layout; a table whose columns differ is decoded without it (with a warning).',
      'A server password may be given in the URL or, better, in the PITR_PASSWORD environment variable; it is never printed.',
    ],
  },
  'verify-checksum': {
    type: 'boolean',
    default: true,
    negatable: true,
    summary: 'do not verify event CRC32 checksums',
    details: ['By default a checksum mismatch stops decoding with exit code 3.'],
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** Options every command takes. */
export const GLOBAL_OPTIONS: readonly OptionName[] = ['help', 'debug'];

export interface PositionalSpec {
  readonly name: string;
  /** Help placeholder, e.g. FILE. */
  readonly valueName: string;
  readonly summary: string;
  readonly variadic: boolean;
  readonly required: boolean;
}

export interface ExampleSpec {
  readonly command: string;
  readonly summary: string;
}

export interface CommandSpec {
  /** Words after `pitr`, e.g. ['binlog', 'decode']. */
  readonly path: readonly string[];
  readonly summary: string;
  readonly description: readonly string[];
  readonly positionals: readonly PositionalSpec[];
  readonly options: readonly OptionName[];
  readonly examples: readonly ExampleSpec[];
}

export const COMMANDS = {
  'binlog decode': {
    path: ['binlog', 'decode'],
    summary: 'print the events of MySQL/MariaDB binary log files, as text or NDJSON',
    description: [
      'Reads binlog files (plain or gzip-compressed) in the order given and prints every event: ' +
        'the header (position, time, server id), statements, GTIDs, and row changes decoded to exact values.',
      'Decoding prints only what the binlog determines: with binlog_row_metadata=NO_LOG/MINIMAL a table map carries no column names, ' +
        'signedness or charsets, so columns are @1, @2…, integers are shown as stored and text of unknown charset as bytes, ' +
        'unless --schema-from supplies the table definitions.',
      'Output goes to stdout; warnings (once each) and, on a terminal, progress go to stderr.',
    ],
    positionals: [{ name: 'file', valueName: 'FILE', summary: 'binlog files (plain or .gz), in binlog order', variadic: true, required: true }],
    options: ['json', 'start-position', 'stop-position', 'start-datetime', 'stop-datetime', 'tz', 'schema-from', 'verify-checksum'],
    examples: [
      { command: 'pitr binlog decode /var/lib/mysql/mariadb-bin.000042', summary: 'list the events of one binlog, like mariadb-binlog -vv' },
      {
        command: 'pitr binlog decode --json binlog.000012 binlog.000013 | jq -c \'select(.type=="delete")\'',
        summary: 'find row deletions across two files with jq',
      },
      {
        command: 'pitr binlog decode --start-position 4567 --stop-position 9000 mariadb-bin.000007',
        summary: 'print the events between two positions',
      },
      {
        command: 'pitr binlog decode --start-datetime "2026-05-25 14:30" --stop-datetime "2026-05-25 14:35" --tz Europe/Berlin mariadb-bin.000007',
        summary: 'print the events of a five-minute window (per event header time)',
      },
      {
        command: 'pitr binlog decode --schema-from backup.sql.gz mariadb-bin.000007.gz',
        summary: 'decode with column names and types from a dump (for binlog_row_metadata=NO_LOG)',
      },
    ],
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** Commands in DESIGN.md that are not implemented yet; help says so instead of pretending. */
export const COMING_COMMANDS: readonly string[] = [
  'backup',
  'archive',
  'list',
  'verify',
  'expire',
  'plan',
  'restore',
  'restore-table',
  'history',
  'find',
  'undo',
];
