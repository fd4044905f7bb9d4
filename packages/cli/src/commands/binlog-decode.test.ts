import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BinlogEvent, EventBody } from '@pitr/core';
import type { CliIo } from '../io.js';
import type { ReadBinlogOptions } from '../core-binlog.js';
import { parseArgs } from '../parse-args.js';
import { runBinlogDecode, type BinlogDecodeDeps } from './binlog-decode.js';

const FDE: EventBody = {
  kind: 'format_description',
  binlogVersion: 4,
  serverVersion: '10.11.6-MariaDB-log',
  createTimestamp: 0,
  headerLength: 19,
  postHeaderLengths: new Uint8Array(),
  checksumAlg: 1,
  flavor: 'mariadb',
};

function ev(file: string, pos: number, time: number, body: EventBody): BinlogEvent {
  return {
    file,
    pos,
    end: pos + 10,
    header: { timestamp: time, typeCode: 0, serverId: 1, eventSize: 10, logPos: pos + 10, flags: 0 },
    typeName: 'X',
    raw: new Uint8Array(10),
    body,
  };
}

const T0 = Date.UTC(2026, 4, 25, 12, 0, 0) / 1000;

/** Two files: FDE, then xids at times T0+0, +10, +5 (not monotonic), +20. */
function files(): Record<string, BinlogEvent[]> {
  const make = (file: string, base: number): BinlogEvent[] => [
    ev(file, 4, base - 100, FDE),
    ev(file, 100, base, { kind: 'xid', xid: 1n }),
    ev(file, 200, base + 10, { kind: 'xid', xid: 2n }),
    ev(file, 300, base + 5, { kind: 'xid', xid: 3n }),
    ev(file, 400, base + 20, { kind: 'xid', xid: 4n }),
  ];
  return { a: make('a', T0), b: make('b', T0 + 100) };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  calls: { path: string; options: ReadBinlogOptions | undefined }[];
}

async function decode(argv: string[], opts: { warn?: string[]; stdout?: Writable & { isTTY?: boolean } } = {}): Promise<Run> {
  const parsed = parseArgs(['binlog', 'decode', ...argv]);
  if (parsed.kind !== 'run') throw new Error('not a run');
  const data = files();
  const calls: Run['calls'] = [];
  const deps: BinlogDecodeDeps = {
    readBinlogFile: (path, options) => {
      calls.push({ path, options });
      return (async function* () {
        for (const w of opts.warn ?? []) options?.onWarning?.(w, { file: path, pos: 4 });
        for (const e of data[path] ?? []) {
          if (options?.startPosition !== undefined && e.pos < options.startPosition && e.body.kind !== 'format_description') continue;
          yield e;
        }
      })();
    },
    loadSchema: () => Promise.resolve({ getTable: () => undefined }),
  };
  const stdout = opts.stdout ?? new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  if (opts.stdout === undefined) stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  const io: CliIo = { stdout, stderr, env: {} };
  const code = await runBinlogDecode({ positionals: parsed.positionals, values: parsed.values, io, env: {} }, deps);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: o, stderr: e, calls };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('pitr binlog decode (with a stub reader)', () => {
  it('prints NDJSON for every event of every file, in order', async () => {
    const r = await decode(['a', 'b', '--json']);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => `${l.file}:${l.pos}:${l.type}`)).toEqual([
      'a:4:format_description',
      'a:100:xid',
      'a:200:xid',
      'a:300:xid',
      'a:400:xid',
      'b:4:format_description',
      'b:100:xid',
      'b:200:xid',
      'b:300:xid',
      'b:400:xid',
    ]);
    expect(r.stderr).toBe('');
  });

  it('applies --start-position to the first file and --stop-position to the last', async () => {
    const r = await decode(['a', 'b', '--json', '--start-position', '200', '--stop-position', '300']);
    expect(r.calls.map((c) => [c.path, c.options?.startPosition, c.options?.stopPosition])).toEqual([
      ['a', 200, undefined],
      ['b', undefined, 300],
    ]);
    expect(jsonLines(r.stdout).map((l) => `${l.file}:${l.pos}`)).toEqual(['a:4', 'a:200', 'a:300', 'a:400', 'b:4', 'b:100', 'b:200']);
    expect(r.calls[0]!.options?.verifyChecksum).toBe(true);
  });

  it('passes --no-verify-checksum and --schema-from to the reader', async () => {
    const r = await decode(['a', '--no-verify-checksum', '--schema-from', 'dump.sql']);
    expect(r.calls[0]!.options?.verifyChecksum).toBe(false);
    expect(r.calls[0]!.options?.schema).toBeDefined();
  });

  it('--start-datetime starts at the first event at/after it and prints everything after (like mariadb-binlog)', async () => {
    const r = await decode(['a', '--json', '--tz', 'UTC', '--start-datetime', '2026-05-25 12:00:10']);
    // the FDE is always printed; xid 3 (T0+5) follows the first event at/after the start, so it is printed too
    expect(jsonLines(r.stdout).map((l) => l.pos)).toEqual([4, 200, 300, 400]);
  });

  it('--stop-datetime stops at the first event at/after it (exclusive), across files', async () => {
    const r = await decode(['a', 'b', '--json', '--stop-datetime', '2026-05-25T12:00:10Z']);
    expect(jsonLines(r.stdout).map((l) => `${l.file}:${l.pos}`)).toEqual(['a:4', 'a:100']);
    const r2 = await decode(['a', 'b', '--json', '--start-datetime', '2026-05-25 14:01:45+02:00', '--stop-datetime', '2026-05-25 12:02:00', '--tz', 'UTC']);
    expect(jsonLines(r2.stdout).map((l) => `${l.file}:${l.pos}`)).toEqual(['a:4', 'b:4', 'b:200', 'b:300']);
  });

  it('prints text by default, in the --tz zone', async () => {
    const r = await decode(['a', '--tz', 'Europe/Berlin']);
    expect(r.stdout).toMatch(/^# pitr binlog decode: a human-readable listing/);
    expect(r.stdout).toContain('# at 100\n#260525 14:00:00 server id 1  end_log_pos 110 CRC32 0x00000000 \tXid = 1\nCOMMIT/*!*/;\n');
  });

  it('prints each warning once on stderr', async () => {
    const r = await decode(['a', 'b', '--json'], { warn: ['no column names for `t`.`x`', 'no column names for `t`.`x`'] });
    expect(r.stderr).toBe('pitr: warning: no column names for `t`.`x` (first at a:4)\n');
  });

  it('stops quietly when the reader of the output goes away (EPIPE)', async () => {
    const stdout = new Writable({
      write(_chunk, _enc, cb) {
        const e = new Error('write EPIPE') as NodeJS.ErrnoException;
        e.code = 'EPIPE';
        cb(e);
      },
    });
    const r = await decode(['a', 'b', '--json'], { stdout });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('output backpressure', () => {
  it('does not run ahead of a slow stdout', async () => {
    const { OutputSink } = await import('../output-sink.js');
    let maxBuffered = 0;
    let written = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        setTimeout(cb, 1);
      },
    });
    const sink = new OutputSink(slow);
    const line = `${'x'.repeat(199)}\n`;
    for (let i = 0; i < 5000; i++) {
      await sink.write(line);
      maxBuffered = Math.max(maxBuffered, slow.writableLength);
    }
    await sink.close();
    await new Promise<void>((r) => slow.end(r));
    expect(written).toBe(5000 * 200);
    expect(maxBuffered).toBeLessThan(200 * 1024); // one 64 KiB chunk in flight, never the whole 1 MB
  });
});
