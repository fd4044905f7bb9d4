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
  repo: {
    type: 'string',
    valueName: 'DIR',
    summary: 'the pitr repository (backups, archived binlogs, catalog)',
    details: ['For plan and restore: the newest completed backup whose snapshot lies at or before the target is used, and the binlogs archived by pitr archive (the newest timeline), unless --binlog-dir names a directory of binlog files.'],
  },
  dump: {
    type: 'string',
    valueName: 'FILE',
    summary: 'restore from this dump (.sql or .sql.gz) instead of a repository backup; needs --binlog-dir',
    details: ['The dump must carry its binlog coordinates: mariadb-dump --single-transaction --master-data=2 --gtid (mysqldump: --source-data=2). Dumps without them are refused.'],
  },
  'binlog-dir': {
    type: 'string',
    valueName: 'DIR',
    summary: "directory holding the source server's binlog files (plain, .gz or .zst), from the dump's binlog file on",
  },
  to: {
    type: 'string',
    valueName: 'URL',
    summary: 'the server to restore onto: mysql://user[:password]@host[:port]/ or mysql://user@localhost/?socket=PATH',
    details: ['Better than a password in the URL: PITR_PASSWORD. The databases the dump restores must be absent or empty there, and event_scheduler must be OFF during the restore.'],
  },
  exclusive: {
    type: 'boolean',
    summary: 'stop strictly before the target (time: commits before it; GTID: the transaction before it)',
  },
  'skip-gtid': {
    type: 'string',
    valueName: 'G,...',
    summary: 'leave these transactions (GTIDs) out of the replay although they are before the target: undo one bad transaction, keep what came after',
    details: ['The result is a state the source never had: a later transaction that depends on a skipped one (e.g. updates a row it deleted) stops the restore with a divergence error. The plan lists the skipped transactions.'],
  },
  'rewrite-db': {
    type: 'string',
    valueName: 'FROM:TO[,…]',
    summary: 'restore only database FROM, under the name TO (beside the original, e.g. on the same server)',
    details: [
      'Only the renamed databases are restored: the dump\'s other databases and binlog changes to them are left out, also inside transactions that span databases. ' +
        'Row changes go to TO; statements run with TO as their default database, and database names written in them (FROM.t, CREATE/DROP DATABASE FROM, view definitions) become TO. ' +
        'A statement that also names another database of the backup stops the restore (it would write outside TO). The target\'s GTID position is not set.',
    ],
  },
  'dry-run': {
    type: 'boolean',
    summary: 'print the plan (like pitr plan) and write nothing',
  },
  'state-dir': {
    type: 'string',
    valueName: 'DIR',
    defaultText: './.pitr',
    summary: 'where a restore from files (--dump/--binlog-dir) records itself (DIR/restores/<id>.json)',
  },
  force: {
    type: 'boolean',
    summary: 'restore although the databases the dump restores already hold tables on the target: they are backed up first (a pre_restore backup), then replaced',
    details: ['The pre-restore backup goes to --repo, or without one to --state-dir/repo; the restore record names it, so a mistaken restore can itself be undone.'],
  },
  'pre-restore-backup': {
    type: 'boolean',
    default: true,
    negatable: true,
    summary: 'with --force: do NOT back up the databases about to be replaced (they are lost if the restore was a mistake)',
  },
  resume: {
    type: 'boolean',
    summary: 'continue an interrupted restore onto the same target from its last committed transaction',
    details: ['The restore records its progress on the target (database pitr_restore, in the same transaction as the changes it covers) and drops it when it completes. The dump load itself is not resumable: a restore interrupted during the load must be run again with --force.'],
  },
  'skip-full': {
    type: 'boolean',
    summary: "the target already holds the backup's dump: skip loading it and only replay the binlogs from the backup's position",
    details: ['Triggers on the target are taken down for the replay and recreated after it, so they do not fire on replayed rows.'],
  },
  source: {
    type: 'string',
    valueName: 'URL',
    summary: 'the server to back up: mysql://user[:password]@host[:port]/ or mysql://user@localhost/?socket=PATH',
    details: [
      'Better than a password in the URL: PITR_PASSWORD. The password is never printed, and the dump tool gets it only through a private 0600 option file (--defaults-extra-file), never on its command line.',
    ],
  },
  databases: {
    type: 'string',
    valueName: 'a,b',
    defaultText: 'every database, mysql (users, grants) included, but information_schema, performance_schema and sys (--all-databases)',
    summary: 'back up only these databases (comma-separated)',
  },
  'exclude-tables': {
    type: 'string',
    valueName: 'db.t,...',
    summary: 'leave these tables out of the backup (comma-separated db.table; mariadb-dump --ignore-table)',
  },
  keep: {
    type: 'integer',
    valueName: 'N',
    min: 1,
    summary: 'keep the newest N completed backups, remove older ones',
  },
  'keep-days': {
    type: 'integer',
    valueName: 'D',
    summary: 'keep the completed backups that ended within the last D days, remove older ones',
  },
  'verify-checksum': {
    type: 'boolean',
    default: true,
    negatable: true,
    summary: 'do not verify event CRC32 checksums',
    details: ['By default a checksum mismatch stops decoding with exit code 3.'],
  },
  follow: {
    type: 'boolean',
    summary: "keep receiving the server's new events until SIGINT/SIGTERM, instead of stopping at its current end",
    details: [
      'On SIGINT/SIGTERM what was received is synced and recorded, and pitr exits 0. After a server restart or a dropped connection it reconnects with backoff (0.5 s doubling to 30 s) and continues from the last complete transaction on disk (another server behind the URL, after a failover, goes to a new timeline). Other errors (a server id clash, a disk error) stop it.',
      'It logs its lag (seconds behind the source) every minute and rewrites the manifest entry of the file being received every 5 s; <repo>/binlogs/status.json (rewritten at most once a second) holds the last archived file, position, GTID and event time, the lag, counters and the last error, for monitoring.',
    ],
  },
  'server-id': {
    type: 'integer',
    valueName: 'N',
    min: 1,
    defaultText: 'derived from this host and the repository path, in 2147483648..4294967294',
    summary: 'server id of the archiver as a replica of the source',
    details: ['The source ends any other binlog dump that uses the same id, so it must differ from every server and replica of the source.'],
  },
  compress: {
    type: 'string',
    valueName: 'gzip|zstd|none',
    defaultText: 'gzip',
    summary: 'how binlog files the server has closed are stored (the file still being written stays plain until it is closed)',
  },
  table: {
    type: 'string',
    valueName: 'DB.TABLE',
    summary: 'only transactions that changed rows of this table or ran DDL on it',
  },
  op: {
    type: 'string',
    valueName: 'insert|update|delete|ddl',
    summary: 'only transactions with this kind of change (on --table when given)',
  },
  grep: {
    type: 'string',
    valueName: 'TEXT',
    summary: 'only transactions whose statements contain TEXT (case-insensitive)',
    details: ["The statements are those the binlog carries: the SQL behind row changes (MariaDB's binlog_annotate_row_events, on by default; MySQL's binlog_rows_query_log_events) and DDL."],
  },
  from: {
    type: 'string',
    valueName: 'TARGET',
    defaultText: "the backup's position",
    summary: 'start of the range: the first transaction a restore to TARGET --exclusive would not replay (a time: committed at or after it; gtid:X: X itself)',
  },
  until: {
    type: 'string',
    valueName: 'TARGET',
    defaultText: 'the end of the binlogs',
    summary: 'end of the range: the last transaction a restore to TARGET would replay (a time: committed at or before it; gtid:X: X itself)',
  },
  where: {
    type: 'string',
    valueName: 'EXPR',
    summary: "a filter on the table's rows, as in SQL: id = 7, email LIKE '%@example.com', status IN ('a','b') AND amount > 10.5",
    details: [
      'Evaluated by pitr (never sent to a server) with MySQL semantics: NULL is unknown (a row matches only when the filter is TRUE), numbers compare exactly (DECIMAL and 64-bit integers too), a number compared with a string compares as DOUBLE, text compares under the column\'s collation (case-insensitive for _ci: \'abc\' = \'ABC \'), dates and times as dates and times.',
      'Supported: column names (case-insensitive), literals (numbers, \'strings\', X\'hex\', b\'bits\', NULL, TRUE, DATE \'…\'), = <> != < > <= >=, AND OR NOT, XOR with parenthesized operands, IS [NOT] NULL/TRUE/FALSE/UNKNOWN, [NOT] BETWEEN, [NOT] IN (…), [NOT] LIKE … [ESCAPE …], + - * / DIV MOD %, CASE, COLLATE, and LOWER UPPER LENGTH CHAR_LENGTH TRIM LTRIM RTRIM CONCAT COALESCE IFNULL NULLIF IF ABS HEX. Anything else (subqueries, variables, other functions, the NULL-safe <=>) is refused with an error naming it.',
      'Collations: binary/*_bin, *_general_ci, *_unicode_ci, *_unicode_520_ci, *_uca1400_ai_ci and *_0900_ai_ci are modelled; other case-insensitive collations (latin1_swedish_ci…) for ASCII text; otherwise pitr refuses rather than guess: add COLLATE utf8mb4_bin. TIMESTAMP columns compare in --tz (default UTC).',
    ],
  },
  gtid: {
    type: 'string',
    valueName: 'G,...',
    summary: 'the transactions to revert, by GTID (as pitr find prints them: 0-1-42 or gtid:0-1-42)',
  },
  'sql-out': {
    type: 'string',
    valueName: 'FILE',
    summary: 'write the SQL to FILE for review; nothing is sent to any server',
  },
  at: {
    type: 'string',
    valueName: 'TARGET',
    summary: 'the moment: "YYYY-MM-DD HH:MM[:SS]" (in --tz), an ISO time with Z or an offset, gtid:G, pos:FILE:N, or latest',
    details: ['As a restore target (DESIGN.md): inclusive and transaction-atomic — every transaction committed at or before a time, up to and including gtid:G, ending at or before pos:FILE:N.'],
  },
  into: {
    type: 'string',
    valueName: 'DB.NEWTABLE',
    defaultText: 'DB.TABLE__pitr_<yyyymmddhhmmss of the target, UTC>',
    summary: 'the name of the new table (it must not exist; its database must)',
  },
  replace: {
    type: 'boolean',
    summary: 'write into the live table itself: rows matching --where now or at the target are set to their state at the target, in one transaction',
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
  /** Per-command wording of shared options (e.g. what --json prints for this command). */
  readonly optionText?: Partial<Record<OptionName, { readonly summary: string; readonly details?: readonly string[] }>>;
}

/** An option as a command describes it (its optionText override, else the table's). */
export function optionFor(spec: CommandSpec, name: OptionName): OptionSpec {
  const o: OptionSpec = OPTIONS[name];
  const t = spec.optionText?.[name];
  return t === undefined ? o : { ...o, summary: t.summary, ...(t.details !== undefined ? { details: t.details } : { details: [] }) };
}

export const COMMANDS = {
  plan: {
    path: ['plan'],
    summary: 'show what a restore to TARGET would do, and check it can be done; writes nothing',
    description: [
      'Finds the backup and the binlogs, reads every binlog from the backup\'s position on, and prints the plan a reviewer approves: ' +
        'the target as a UTC instant, the backup and its coordinates, the binlog files, the exact stop point, the transactions and rows replayed per table, ' +
        'every DDL statement in the range, the last transactions kept and the first ones lost (with their statements), warnings, and an estimate of the restore time.',
      'A target is a time "YYYY-MM-DD HH:MM[:SS]" (local in --tz; ISO 8601 with Z or an offset as written), gtid:D-S-N (MariaDB) or gtid:UUID:N (MySQL), pos:FILE:OFFSET, or latest. ' +
        'A time target keeps every transaction whose commit time is at or before it; the replay is a prefix of the binlog and never part of a transaction.',
      'A plan that cannot be carried out exactly — a missing binlog, a gap, a target before the backup or after the binlogs\' end, a GTID that is not there — fails with exit code 3.',
    ],
    positionals: [{ name: 'target', valueName: 'TARGET', summary: 'the moment to restore to (see above)', variadic: false, required: true }],
    options: ['dump', 'binlog-dir', 'repo', 'tz', 'exclusive', 'skip-gtid', 'rewrite-db', 'json'],
    optionText: {
      json: { summary: 'print the plan as JSON (the Plan object: a stable schema for runbooks and review tools)' },
      tz: { summary: 'time zone of a wall-clock TARGET ("2026-05-25 14:30"): an IANA name (Europe/Berlin) or an offset (+02:00); the plan prints the resolved UTC instant' },
    },
    examples: [
      { command: 'pitr plan "2026-05-25 14:30" --tz Europe/Berlin --dump backup.sql.gz --binlog-dir ./binlogs', summary: 'what restoring to 14:30 Berlin time would keep and lose' },
      { command: 'pitr plan gtid:0-1-1234 --exclusive --dump backup.sql.gz --binlog-dir ./binlogs --json | jq .replay.firstLost', summary: 'stop just before a bad transaction; show what is lost, as JSON' },
    ],
  },
  restore: {
    path: ['restore'],
    summary: 'restore a server to TARGET: load the backup, replay the binlogs up to it',
    description: [
      'Builds and checks the plan (see pitr plan) before anything is written, then loads the dump onto --to and replays the binlog transactions up to the target: ' +
        'transaction by transaction, with each statement\'s session (sql_mode, time zone, charsets), foreign-key checks as each row event recorded them, ' +
        'generated columns left to the server, triggers created after the replay (their logged rows are replayed, so they must not fire twice), and DDL in order.',
      'A replayed UPDATE or DELETE that does not find its row exactly as logged stops the restore with a divergence error (exit 3) naming the transaction; ' +
        'the transaction is rolled back, every earlier one stays. Afterwards the target\'s gtid_slave_pos names the last applied transaction.',
      'pitr TARGET … is short for pitr restore TARGET ….',
    ],
    positionals: [{ name: 'target', valueName: 'TARGET', summary: 'the moment to restore to (as for pitr plan)', variadic: false, required: true }],
    options: ['to', 'dump', 'binlog-dir', 'repo', 'tz', 'exclusive', 'skip-gtid', 'rewrite-db', 'dry-run', 'force', 'pre-restore-backup', 'skip-full', 'resume', 'state-dir', 'json'],
    optionText: {
      json: { summary: 'print the result (or with --dry-run the plan) as JSON' },
      tz: { summary: 'time zone of a wall-clock TARGET ("2026-05-25 14:30"): an IANA name (Europe/Berlin) or an offset (+02:00); the plan prints the resolved UTC instant' },
    },
    examples: [
      { command: 'PITR_PASSWORD=… pitr restore "2026-05-25 14:29:59" --dump backup.sql.gz --binlog-dir ./binlogs --to mysql://root@127.0.0.1:3307/', summary: 'restore onto a spare server to just before 14:30' },
      { command: 'pitr restore latest --dump backup.sql.gz --binlog-dir ./binlogs --dry-run', summary: 'review what a full roll-forward would replay' },
      { command: 'pitr restore "2026-05-25 14:29:59" --repo /backups/pitr --rewrite-db shop:shop_0529 --to mysql://root@db1:3306/', summary: 'bring back database shop as it was, as shop_0529 beside the live one' },
    ],
  },
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
  backup: {
    path: ['backup'],
    summary: 'take a full logical backup (dump + binlog coordinates) into a repository',
    description: [
      "Runs the server's own dump tool (mariadb-dump, or MySQL's mysqldump) with the flags a point-in-time base needs: one consistent snapshot (--single-transaction), its binlog position and GTID, routines, triggers, events, binary data as hex. The output is streamed through gzip into DIR/backups/<id>/dump.sql.gz with a SHA-256 computed on the fly, then read back (completion trailer, coordinates) and cataloged with the server, databases, tables with row estimates, who ran it and how long it took.",
      'DIR is created when it does not exist or is an empty directory. The repository is locked while the backup writes; a failed attempt is recorded as failed with its error, and its partial file is removed. Bad credentials, an unknown database or a server without binlog stop before anything is written.',
      "Exactness: mariadb-dump prints FLOAT with 6 significant digits; for tables with FLOAT columns the backup adds statements to the dump that restore the exact values (read in a snapshot opened while commits pause for a moment). ENUM/SET members with 4-byte characters, which no dump can represent, are reported as warnings.",
    ],
    positionals: [],
    options: ['source', 'repo', 'databases', 'exclude-tables', 'json'],
    optionText: {
      repo: { summary: 'the pitr repository; created when DIR does not exist or is empty' },
      json: { summary: 'print the backup record (and any warnings) as JSON' },
    },
    examples: [
      { command: 'PITR_PASSWORD=… pitr backup --source mysql://backup@db1:3306/ --repo /backups/db1', summary: 'back up every database of db1' },
      {
        command: 'pitr backup --source mysql://root@localhost/?socket=/run/mysqld/mysqld.sock --repo /backups/db1 --databases shop,crm --exclude-tables shop.sessions',
        summary: 'two databases over the local socket, without a scratch table',
      },
    ],
  },
  list: {
    path: ['list'],
    summary: "show a repository's backups and the restorable windows",
    description: [
      'Lists every backup, oldest first: state (completed, failed, running, or interrupted when its process is gone), start time, duration, size, binlog coordinates and GTID, server. Then the restorable windows: each completed backup is a point a restore can start from.',
      'A window runs from a backup\'s snapshot through the archived binlogs (pitr archive) of the timeline holding its binlog file, up to the archive\'s end or the first missing file (a gap: restores cannot cross it). Then the archive: timelines, files, where each ends, the file still being written, gaps. Without archived binlogs a window is the snapshot alone.',
    ],
    positionals: [],
    options: ['repo', 'json'],
    optionText: { json: { summary: 'print the backups (their records plus state), windows and archive status as JSON' } },
    examples: [
      { command: 'pitr list --repo /backups/db1', summary: 'what can be restored from this repository' },
      { command: 'pitr list --repo /backups/db1 --json | jq -r \'.backups[] | select(.state=="completed") | .id\'', summary: 'the ids of the completed backups' },
    ],
  },
  verify: {
    path: ['verify'],
    summary: 'check every backup and archived binlog of a repository: checksums, gzip, completion trailer, coordinates, continuity',
    description: [
      'Reads each completed backup in full (streamed): its size and SHA-256 against the record, the whole gzip stream, the `-- Dump completed` trailer and the binlog coordinates against the record.',
      "Then every archived binlog file (pitr archive), timeline by timeline: the SHA-256 of the stored file and of the binlog it decompresses to, every event's CRC32, its end position against the manifest, and the continuity of file names, positions and GTIDs from one file to the next; the file still being written is checked up to its current end. Every problem is listed; the exit code is 3 when there is any.",
      'Also reported, as warnings: interrupted backups and leftover temporary files (.pitr-tmp-*) of interrupted writers.',
    ],
    positionals: [],
    options: ['repo', 'json'],
    optionText: { json: { summary: 'print the result per backup (checks and problems) as JSON' } },
    examples: [
      { command: 'pitr verify --repo /backups/db1 || alert "backup repository damaged"', summary: 'a nightly integrity check (exit code 3 on any problem)' },
    ],
  },
  expire: {
    path: ['expire'],
    summary: 'remove the oldest backups beyond a retention policy, and the archived binlogs only they needed',
    description: [
      'Keeps the newest N completed backups (--keep) or those of the last D days (--keep-days), and removes older completed backups: the dump first, the catalog record last, under the repository lock. The newest completed backup is never removed; failed and interrupted records are left alone.',
      "Then archived binlogs (pitr archive) no retained backup needs are removed: in the timeline holding a retained backup's binlog coordinates, its file and every later one are kept; newer timelines are kept whole, and each timeline's last file (where the archiver continues). Safe while pitr archive --follow runs. Without any completed backup no binlog is removed.",
    ],
    positionals: [],
    options: ['repo', 'keep', 'keep-days', 'dry-run', 'json'],
    optionText: {
      'dry-run': { summary: 'show which backups and archived binlogs would be removed; remove nothing' },
      json: { summary: 'print the removed and kept backups and the binlog pruning as JSON' },
    },
    examples: [
      { command: 'pitr expire --repo /backups/db1 --keep 7', summary: 'keep the newest seven backups' },
      { command: 'pitr expire --repo /backups/db1 --keep-days 14 --dry-run', summary: 'see what a 14-day retention would remove' },
    ],
  },
  archive: {
    path: ['archive'],
    summary: "copy the server's binary logs into a repository, byte for byte, over the replication protocol",
    description: [
      "Connects as a replica (COM_BINLOG_DUMP: no access to the server's files needed) and stores every binlog the server has, from where the archive ends, in DIR/binlogs/<timeline>/ under the server's own file names. " +
        "Each file is identical to the server's: closed files are compressed (they decompress to the same bytes) and get a SHA-256 and a manifest entry (binlogs/<timeline>/manifest.json: positions, event and transaction counts, first/last event time and GTID, server); the file the server is still writing is kept plain, byte-identical to the server's so far.",
      'Writes are fsynced at transaction boundaries. An interrupted run is continued by the next one: a trailing partial transaction is cut and fetched again, nothing is fetched twice, closed files are never rewritten. A server of another identity (server id, binlog file names) is archived into a new timeline.',
      'Needs a user with REPLICATION SLAVE and REPLICATION CLIENT (BINLOG MONITOR). Checked before anything is written: binary logging on, credentials, privileges. DIR is created when it does not exist or is an empty directory.',
    ],
    positionals: [],
    options: ['source', 'repo', 'follow', 'server-id', 'compress', 'json'],
    optionText: {
      source: {
        summary: 'the server whose binlogs to archive: mysql://user[:password]@host[:port]/ or mysql://user@localhost/?socket=PATH',
        details: ['Better than a password in the URL: PITR_PASSWORD. The password is never printed.'],
      },
      repo: { summary: 'the pitr repository; created when DIR does not exist or is empty' },
      json: { summary: 'print what was archived (files closed, the open file, positions, counts) as JSON' },
    },
    examples: [
      { command: 'PITR_PASSWORD=… pitr archive --source mysql://repl@db1:3306/ --repo /backups/db1', summary: "archive db1's binlogs up to now (e.g. from cron every minute)" },
      { command: 'pitr archive --source mysql://repl@db1:3306/ --repo /backups/db1 --follow --server-id 4000000001', summary: 'keep archiving as the server writes, as a replica with id 4000000001' },
    ],
  },
  find: {
    path: ['find'],
    summary: 'list the transactions that touched a table, did a kind of change or ran a statement — with their GTIDs and positions',
    description: [
      'Reads the binlogs from the backup\'s position on (column names from the backup\'s CREATE TABLEs, following later DDL) and prints each matching transaction: commit time, GTID, binlog file:start-end, rows inserted/updated/deleted per table, and the statements the binlog carries for it.',
      'The GTID is what the other commands take: pitr plan/restore gtid:G --exclusive stops just before the transaction, --skip-gtid G leaves it out of a replay, pitr undo --gtid G writes SQL that reverts it.',
    ],
    positionals: [],
    options: ['dump', 'binlog-dir', 'repo', 'table', 'op', 'grep', 'from', 'until', 'tz', 'json'],
    optionText: {
      dump: { summary: "the backup: a dump (.sql or .sql.gz) with binlog coordinates; its CREATE TABLEs name the columns and reading starts at its position" },
      json: { summary: 'print one JSON object per transaction (NDJSON): gtid, file, startPos, endPos, commitTime (UTC), outcome, rows, tables (counts per operation), statements, queries' },
      tz: { summary: 'time zone of --from/--until wall times and of the printed commit times: an IANA name (Europe/Berlin) or an offset (+02:00)' },
      repo: { summary: 'the pitr repository: its oldest completed backup whose binlog file is in --binlog-dir gives the column names and where reading starts' },
    },
    examples: [
      { command: 'pitr find --dump backup.sql.gz --binlog-dir ./binlogs --table shop.orders --op delete --from "2026-05-25 14:00"', summary: 'which transactions deleted orders since 14:00' },
      { command: 'pitr find --dump backup.sql.gz --binlog-dir ./binlogs --grep "DROP TABLE" --json | jq -r .gtid', summary: 'the GTIDs of transactions that dropped a table' },
    ],
  },
  history: {
    path: ['history'],
    summary: 'every version of the rows a filter selects, with the transaction that made each change',
    description: [
      'Reads the binlogs from the backup\'s position on and lists, per record, each insert, update and delete in the range: commit time, operation, GTID, position, the statement when the binlog carries it, the row (inserts, deletes) or the columns that changed with their old and new values (updates).',
      'A record is a row identified by its primary key; an update that changes the key continues the same record. A record is shown when the filter is TRUE for its before or after image in any change in the range (so rows that enter or leave the filter are followed), and then with all its changes in the range. Tables without a primary key: each change whose before or after image matches.',
    ],
    positionals: [{ name: 'table', valueName: 'DB.TABLE', summary: 'the table', variadic: false, required: true }],
    options: ['where', 'dump', 'binlog-dir', 'repo', 'from', 'until', 'tz', 'json'],
    optionText: {
      dump: { summary: "the backup: a dump (.sql or .sql.gz) with binlog coordinates; its CREATE TABLEs name the columns and reading starts at its position" },
      json: { summary: 'print one JSON object per change (NDJSON): record, key, op, gtid, file, pos, commitTime (UTC), statement, before, after, changed (values as in pitr binlog decode --json)' },
      tz: { summary: 'time zone of --from/--until wall times, of printed times, and of TIMESTAMP columns in --where (default: machine zone for times, UTC for TIMESTAMP columns)' },
      repo: { summary: 'the pitr repository: its oldest completed backup whose binlog file is in --binlog-dir gives the column names and where reading starts' },
    },
    examples: [
      { command: 'pitr history shop.customers --where "id = 7" --dump backup.sql.gz --binlog-dir ./binlogs', summary: 'every change to customer 7 since the backup' },
      { command: 'pitr history shop.orders --where "status = \'refunded\'" --from "2026-05-25 09:00" --until "2026-05-25 18:00" --dump backup.sql.gz --binlog-dir ./binlogs --json', summary: 'the orders that were refunded at some point that day, as NDJSON' },
    ],
  },
  undo: {
    path: ['undo'],
    summary: 'write SQL that reverts the row changes of some transactions (by GTID, or a time range), for review',
    description: [
      'Reads the transactions from the binlogs and writes, newest change first, a DELETE for each inserted row, an INSERT for each deleted row and an UPDATE back to the before image for each updated row — each guarded so it changes a row only if the row is still exactly as the transaction left it (every stored column of its after image; for re-inserts: no row holds the key). Rows changed again since are skipped; the script ends by reporting how many, and which.',
      'Everything runs in one transaction. DDL in the range is listed and not reverted; statement-logged DML is not reverted either. Rows deleted by ON DELETE CASCADE are not in the binlog: undoing a parent\'s delete does not bring its children back. Needs binlog_row_image=FULL.',
    ],
    positionals: [],
    options: ['gtid', 'from', 'until', 'table', 'where', 'sql-out', 'dump', 'binlog-dir', 'repo', 'tz', 'json'],
    optionText: {
      dump: { summary: "the backup: a dump (.sql or .sql.gz) with binlog coordinates; its CREATE TABLEs name the columns and reading starts at its position" },
      table: { summary: 'only revert changes of this table' },
      json: { summary: 'print what was written (statements, transactions, DDL not reverted, warnings) as JSON' },
      tz: { summary: 'time zone of --from/--until wall times, and of TIMESTAMP columns in --where (default UTC for those)' },
      where: { summary: 'only revert changes of --table rows whose before or after image satisfies EXPR (see pitr history --help for the filter syntax)' },
      repo: { summary: 'the pitr repository: its oldest completed backup whose binlog file is in --binlog-dir gives the column names and where reading starts' },
    },
    examples: [
      { command: 'pitr undo --gtid 0-1-4711 --dump backup.sql.gz --binlog-dir ./binlogs --sql-out undo.sql && mariadb shop < undo.sql', summary: 'revert one bad transaction found with pitr find (review undo.sql first)' },
      { command: 'pitr undo --from "2026-05-25 14:30" --until "2026-05-25 14:35" --table shop.orders --where "customer_id = 7" --dump backup.sql.gz --binlog-dir ./binlogs --sql-out undo.sql', summary: "revert five minutes of changes to one customer's orders" },
    ],
  },
  'restore-table': {
    path: ['restore-table'],
    summary: 'one table (or the rows a filter selects) as it was at a moment: into a new table, back into the live table, or as SQL',
    description: [
      "Builds the table as it was at --at from the backup and the binlogs: its definition from the backup's CREATE TABLE (with later index/option ALTERs), its rows from the backup, and only this table's changes from the binlogs up to the target. The dump is streamed and every other table in it is skipped unread; memory grows with the rows the binlogs changed, not with the table.",
      'Name the table as it was called AT the target: a table renamed later or earlier is followed through its RENAMEs; a table dropped after the target comes back as it was before the DROP; after a TRUNCATE only the rows written since count. A table created after the backup comes from its CREATE TABLE in the binlogs.',
      'Output, one of: --sql-out FILE (reviewable SQL: session settings, CREATE TABLE of the new table, INSERTs; nothing connects anywhere); --to URL (the new table DB.TABLE__pitr_<yyyymmddhhmmss> or --into DB.NEWTABLE, refused if it exists); --to URL --replace (the live table itself: by primary key, every row that matches --where now or matched it at the target is set to its state at the target — inserted, updated or deleted — in one transaction, with foreign_key_checks=0 so no ON DELETE/UPDATE CASCADE fires on other tables; triggers of the table do fire).',
      'The copy has no FOREIGN KEY constraints (their names would clash with the original\'s); it says which were left out. --where is evaluated by pitr on each row as it is at the target (see pitr history --help for the syntax); it is never sent to a server.',
      'Column changes between the backup and the target are followed when they are exact without the server: ADD COLUMN with a constant DEFAULT (or none) and DROP COLUMN; the backup\'s rows take the new layout as the server gave it to them. Refused, with what to do instead: other column changes (MODIFY/CHANGE/RENAME COLUMN, a DEFAULT expression such as CURRENT_TIMESTAMP, generated or AUTO_INCREMENT columns added, primary-key changes: restore the whole database to a scratch server with pitr restore … --to), binlogs with binlog_row_image=MINIMAL/NOBLOB, --replace on a table without a primary key, a target outside what the backup and binlogs cover.',
    ],
    positionals: [{ name: 'table', valueName: 'DB.TABLE', summary: 'the table, as it was called at the target', variadic: false, required: true }],
    options: ['at', 'where', 'dump', 'binlog-dir', 'repo', 'to', 'into', 'replace', 'sql-out', 'tz', 'json'],
    optionText: {
      dump: { summary: 'the backup: a dump (.sql or .sql.gz) with binlog coordinates, taken before the target' },
      repo: { summary: 'the pitr repository: its oldest completed backup whose binlog file is in --binlog-dir (or its archive) is used' },
      to: { summary: 'the server to write to: mysql://user[:password]@host[:port]/ or mysql://user@localhost/?socket=PATH (password better in PITR_PASSWORD)' },
      where: { summary: 'only rows for which EXPR is TRUE at the target (see pitr history --help for the filter syntax)' },
      tz: { summary: 'time zone of a wall-time --at, and of TIMESTAMP columns in --where (default: the machine zone for --at, UTC for TIMESTAMP columns)' },
      json: { summary: 'print the result (table, rows, where they came from, last transaction applied, DDL followed) as JSON' },
    },
    examples: [
      { command: 'pitr restore-table shop.orders --at "2026-05-25 14:29" --repo /backups/db1 --to mysql://root@localhost/', summary: 'shop.orders as it was at 14:29, as the new table shop.orders__pitr_20260525122900 (with --tz Europe/Berlin)' },
      { command: 'pitr restore-table shop.customers --at gtid:0-1-4710 --where "id IN (7, 8)" --dump backup.sql.gz --binlog-dir ./binlogs --sql-out customers.sql', summary: 'two customers as they were just before transaction 0-1-4711, as SQL to review' },
      { command: 'pitr restore-table shop.orders --at "2026-05-25 14:29" --where "customer_id = 7" --repo /backups/db1 --to mysql://root@db1/ --replace', summary: "put customer 7's orders back as they were at 14:29, in the live table" },
    ],
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** Commands in DESIGN.md that are not implemented yet; help says so instead of pretending. */
export const COMING_COMMANDS: readonly string[] = [];
