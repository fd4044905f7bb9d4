import { describe, expect, it } from 'vitest';
import { parseArgs } from './parse-args.js';

describe('parseArgs (yargs definitions from the option table)', () => {
  it('parses a decode command line into typed values', () => {
    const p = parseArgs(['--debug', 'binlog', 'decode', 'a.000001', 'b.000002.gz', '--json', '--start-position=120', '--stop-position', '900', '--tz', 'UTC', '--no-verify-checksum']);
    expect(p).toEqual({
      kind: 'run',
      command: 'binlog decode',
      positionals: ['a.000001', 'b.000002.gz'],
      values: { json: true, 'start-position': 120, 'stop-position': 900, tz: 'UTC', 'verify-checksum': false, debug: true },
      debug: true,
    });
  });

  it('applies boolean defaults from the table and keeps numeric-looking file names as strings', () => {
    const p = parseArgs(['binlog', 'decode', '000123']);
    expect(p).toMatchObject({ kind: 'run', positionals: ['000123'], values: { 'verify-checksum': true } });
  });

  it('accepts files after --', () => {
    const p = parseArgs(['binlog', 'decode', '--json', '--', '-odd-name']);
    expect(p).toMatchObject({ kind: 'run', positionals: ['-odd-name'] });
  });

  it('knows help topics', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help', topic: 'main' });
    expect(parseArgs(['help'])).toEqual({ kind: 'help', topic: 'main' });
    expect(parseArgs(['binlog', '-h'])).toEqual({ kind: 'help', topic: { group: 'binlog' } });
    expect(parseArgs(['binlog', 'decode', 'x', '--bogus', '--help'])).toEqual({ kind: 'help', topic: { command: 'binlog decode' } });
    expect(parseArgs(['--version'])).toEqual({ kind: 'version' });
  });
});
