import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PitrError, ERROR_CODES, type ErrorCode } from '@pitr/core';
import { EXIT_CODE_BY_ERROR, main, reportError, type CliIo } from './main.js';
import { COMMANDS, OPTIONS } from './options.js';
import { renderCommandHelp, renderMainHelp, renderReference } from './help.js';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(): { io: CliIo; out: () => { stdout: string; stderr: string } } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  return { io: { stdout, stderr, env: {} }, out: () => ({ stdout: o, stderr: e }) };
}

async function run(...argv: string[]): Promise<Captured> {
  const c = capture();
  const code = await main(argv, c.io);
  await new Promise((r) => setImmediate(r));
  return { code, ...c.out() };
}

describe('help built from the option table', () => {
  it('pitr --help lists every command of DESIGN.md, nothing announced as coming', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pitr binlog decode');
    expect(r.stdout).toMatch(/^\s+pitr restore-table\b/m);
    expect(r.stdout).not.toMatch(/Not implemented yet/);
    expect(r.stderr).toBe('');
  });

  it('every command help shows usage, every option of the table, and examples', () => {
    for (const name of Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]) {
      const text = renderCommandHelp(name);
      expect(text).toContain(`Usage: pitr ${name}`);
      for (const o of COMMANDS[name].options) {
        const spec = OPTIONS[o];
        expect(text).toContain('negatable' in spec && spec.negatable ? `--no-${o}` : `--${o}`);
      }
      expect(text).toContain('Examples:');
      for (const e of COMMANDS[name].examples) expect(text).toContain(e.command);
    }
  });

  it('--help, -h and `pitr help` reach the same command help', async () => {
    const a = await run('binlog', 'decode', '--help');
    const b = await run('binlog', 'decode', '-h');
    const c = await run('help', 'binlog', 'decode');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(renderCommandHelp('binlog decode'));
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).toBe(a.stdout);
    expect(a.stdout).toContain('--start-datetime=T');
    expect(a.stdout).toContain('per event');
  });

  it('group help and the Markdown reference come from the same table', async () => {
    const g = await run('binlog', '--help');
    expect(g.code).toBe(0);
    expect(g.stdout).toContain('pitr binlog decode');
    const ref = renderReference();
    expect(ref).toContain('## pitr binlog decode');
    expect(ref).toContain('`--no-verify-checksum`');
    expect(renderMainHelp('1.2.3')).toContain('pitr 1.2.3');
  });

  it('finds the command after options that take values', async () => {
    const r = await run('--tz', 'UTC', 'binlog', 'decode', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(renderCommandHelp('binlog decode'));
  });

  it('describes what the archive commands do today (reconnects, binlog pruning, binlog verification)', () => {
    const archive = renderCommandHelp('archive');
    expect(archive).toMatch(/reconnects\s+with\s+backoff/);
    expect(archive).toMatch(/status\.json/);
    expect(archive).not.toMatch(/Not implemented yet/);
    expect(renderCommandHelp('expire')).toMatch(/archived\s+binlogs\s+\(pitr\s+archive\)\s+no\s+retained\s+backup\s+needs\s+are\s+removed/);
    expect(renderCommandHelp('verify')).toMatch(/every\s+event's\s+CRC32/);
  });

  it('--version prints the package version', async () => {
    const r = await run('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pitr \d+\.\d+\.\d+\n$/);
  });
});

describe('usage errors exit 2 with a message and a hint', () => {
  const cases: [string[], RegExp][] = [
    [[], /no command given/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['restore-table', 'db.t'], /--at is missing/],
    [['restore', 'latest'], /--dump is missing/],
    [['restore', 'latest', '--dump', 'x.sql', '--binlog-dir', '.'], /--to is missing/],
    [['plan', 'latest', '--dump', 'x.sql'], /--binlog-dir is missing/],
    [['plan', 'yesterday', '--dump', 'x.sql', '--binlog-dir', '.'], /target/],
    [['2026-05-25 14:30', '--dump', 'x.sql', '--binlog-dir', '.'], /--to is missing/],
    [['plan'], /missing TARGET argument/],
    [['binlog'], /'pitr binlog' needs a command: decode/],
    [['binlog', 'encode'], /unknown command 'pitr binlog encode'/],
    [['binlog', 'decode'], /missing FILE argument/],
    [['binlog', 'decode', 'x', '--jsn'], /unknown option '--jsn'/],
    [['binlog', 'decode', 'x', '--start-position'], /start-position/],
    [['binlog', 'decode', 'x', '--start-position', 'abc'], /--start-position must be a whole number of at least 4, not 'abc'/],
    [['binlog', 'decode', 'x', '--start-position=2'], /at least 4/],
    [['binlog', 'decode', 'x', '--stop-position=1e3'], /not '1e3'/],
    [['binlog', 'decode', 'x', '--start-position=100', '--stop-position=50'], /--stop-position 50 is not after --start-position 100/],
    [['binlog', 'decode', 'x', '--start-datetime', 'yesterday'], /--start-datetime: cannot read "yesterday" as a time/],
    [['binlog', 'decode', 'x', '--start-datetime', '2026-03-29 02:30', '--tz', 'Europe/Berlin'], /does not exist in Europe\/Berlin/],
    [['binlog', 'decode', 'x', '--tz', 'Nowhere/Special'], /unknown time zone "Nowhere\/Special"/],
    [['binlog', 'decode', 'x', '--start-datetime', '2026-01-02', '--stop-datetime', '2026-01-01', '--tz', 'UTC'], /--stop-datetime is not after --start-datetime/],
    [['binlog', 'decode', 'x', '--schema-from'], /schema-from/],
  ];
  for (const [argv, message] of cases) {
    it(`pitr ${argv.join(' ')}`, async () => {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^pitr: error: /);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/\nHINT: /);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace for usage errors
    });
  }

  it('suggests the closest option', async () => {
    const r = await run('binlog', 'decode', 'x', '--start-postion=5');
    expect(r.stderr).toContain('HINT: did you mean --start-position?');
  });
});

describe('error reporting', () => {
  it('maps every error code to an exit code', () => {
    const expected: Record<ErrorCode, number> = {
      USAGE: 2,
      BINLOG_FORMAT: 3,
      BINLOG_CHECKSUM: 3,
      BINLOG_ENCRYPTED: 1,
      BINLOG_UNSUPPORTED: 3,
      IO: 1,
      REPO_LOCKED: 1,
      CONNECTION: 1,
      DUMP_CORRUPT: 3,
      SCHEMA: 1,
      PLAN: 3,
      TARGET: 1,
      DIVERGENCE: 3,
      APPLY: 1,
      INTERNAL: 1,
    };
    expect(EXIT_CODE_BY_ERROR).toEqual(expected);
    expect(Object.keys(EXIT_CODE_BY_ERROR).sort()).toEqual(Object.values(ERROR_CODES).sort());
  });

  it('prints a stack trace only for internal faults or with --debug', () => {
    const c1 = capture();
    expect(reportError(new PitrError('IO', 'cannot read x', { hints: ['check it'] }), c1.io, false)).toBe(1);
    const c2 = capture();
    reportError(new PitrError('BINLOG_CHECKSUM', 'f:120: bad CRC32', { hints: ['h1', 'h2'] }), c2.io, false);
    const c3 = capture();
    reportError(new TypeError('x is undefined'), c3.io, false);
    const c4 = capture();
    reportError(new PitrError('IO', 'cannot read x', { cause: new Error('ENOENT') }), c4.io, true);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(c1.out().stderr).toBe('pitr: error: cannot read x\nHINT: check it\n');
        expect(c2.out().stderr).toBe('pitr: error: f:120: bad CRC32\nHINT: h1\nHINT: h2\n');
        expect(c3.out().stderr).toMatch(/^pitr: error: internal error: x is undefined\nHINT: this is a bug/);
        expect(c3.out().stderr).toMatch(/\n\s+at /);
        expect(c4.out().stderr).toMatch(/Caused by: Error: ENOENT/);
        resolve();
      }),
    );
  });
});
