/**
 * Start a throwaway mariadbd by hand:
 *
 *   npm run server -- start --row-metadata FULL
 *   npx tsx tools/src/server-cli.ts start --no-binlog --time-zone +00:00
 *
 * Prints how to reach it and keeps it running until Ctrl-C, then stops it and removes its temp dir
 * (set PITR_KEEP_SERVERS=1 to keep the files).
 */
import { parseArgs } from 'node:util';
import { startServer, sweepStaleServers, type ServerOptions } from './server.js';

const USAGE = `usage: server-cli.ts start [options]
       server-cli.ts sweep            kill/remove servers left behind by dead processes

options for start:
  --no-binlog                 run without --log-bin
  --format ROW|MIXED|STATEMENT
  --row-metadata NO_LOG|MINIMAL|FULL
  --row-image FULL|MINIMAL|NOBLOB
  --max-binlog-size BYTES
  --compress                  log_bin_compress=ON
  --compress-min-len N
  --checksum CRC32|NONE
  --no-annotate               binlog_annotate_row_events=OFF
  --server-id N
  --gtid-domain-id N
  --time-zone TZ              e.g. +00:00 or Europe/Berlin
  --sql-mode MODE
  --arg ARG                   extra mariadbd argument (repeatable), e.g. --arg=--binlog-row-event-max-size=8192
`;

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined) return undefined;
  const v = value.toUpperCase() as T;
  if (!allowed.includes(v)) throw new Error(`--${name} must be one of ${allowed.join(', ')}`);
  return v;
}

function int(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'no-binlog': { type: 'boolean' },
      format: { type: 'string' },
      'row-metadata': { type: 'string' },
      'row-image': { type: 'string' },
      'max-binlog-size': { type: 'string' },
      compress: { type: 'boolean' },
      'compress-min-len': { type: 'string' },
      checksum: { type: 'string' },
      'no-annotate': { type: 'boolean' },
      'server-id': { type: 'string' },
      'gtid-domain-id': { type: 'string' },
      'time-zone': { type: 'string' },
      'sql-mode': { type: 'string' },
      arg: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'start';
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === 'sweep') {
    const removed = sweepStaleServers();
    process.stdout.write(removed.length ? `removed:\n${removed.join('\n')}\n` : 'nothing to sweep\n');
    return 0;
  }
  if (command !== 'start' || positionals.length > 1) {
    process.stderr.write(USAGE);
    return 2;
  }

  const options: ServerOptions = {
    binlog: !values['no-binlog'],
    binlogFormat: oneOf(values.format, ['ROW', 'MIXED', 'STATEMENT'] as const, 'format'),
    binlogRowMetadata: oneOf(values['row-metadata'], ['NO_LOG', 'MINIMAL', 'FULL'] as const, 'row-metadata'),
    binlogRowImage: oneOf(values['row-image'], ['FULL', 'MINIMAL', 'NOBLOB'] as const, 'row-image'),
    maxBinlogSize: int(values['max-binlog-size'], 'max-binlog-size'),
    logBinCompress: values.compress ? true : undefined,
    logBinCompressMinLen: int(values['compress-min-len'], 'compress-min-len'),
    checksum: oneOf(values.checksum, ['CRC32', 'NONE'] as const, 'checksum'),
    binlogAnnotateRowEvents: values['no-annotate'] ? false : undefined,
    serverId: int(values['server-id'], 'server-id'),
    gtidDomainId: int(values['gtid-domain-id'], 'gtid-domain-id'),
    timeZone: values['time-zone'],
    sqlMode: values['sql-mode'],
    extra: values.arg ?? [],
  };
  // Drop undefined keys so the printed options show only what was asked for.
  for (const k of Object.keys(options) as (keyof ServerOptions)[]) if (options[k] === undefined) delete options[k];

  const started = Date.now();
  const server = await startServer(options);
  const out = [
    `throwaway mariadbd ready in ${Date.now() - started} ms (pid ${server.pid}, server_id ${server.serverId})`,
    `  url:      ${server.url}`,
    `  client:   mariadb -h 127.0.0.1 -P ${server.port} -u pitr -ppitr`,
    `  socket:   ${server.socket}   (mariadb -S ${server.socket} -u root)`,
    `  datadir:  ${server.datadir}`,
    `  binlogs:  ${server.options.binlog === false ? '(off)' : `${server.binlogBasename}.*`}`,
    `  errorlog: ${server.errorLog}`,
    `  options:  ${JSON.stringify(server.options)}`,
    'Ctrl-C stops it and removes its files' + (process.env.PITR_KEEP_SERVERS === '1' ? ' (kept: PITR_KEEP_SERVERS=1)' : '') + '.',
  ];
  process.stdout.write(`${out.join('\n')}\n`);

  // The server child is unref'd and a pending promise keeps nothing alive: hold the loop open.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearInterval(keepAlive);
      process.removeListener('SIGINT', done);
      process.removeListener('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
  process.stdout.write('\nstopping…\n');
  await server.stop();
  process.stdout.write('stopped and removed.\n');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
