/**
 * Usage errors of find / history / undo: each names what is wrong before anything is read.
 * (Their behaviour on real binlogs: test/granular-find-history-undo.test.ts.)
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { tableArg } from './find.js';

async function run(...argv: string[]): Promise<{ code: number; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let e = '';
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  stdout.resume();
  const code = await main(argv, { stdout, stderr, env: {} });
  return { code, stderr: e };
}

describe('find / history / undo arguments', () => {
  it('needs a SOURCE with binlogs', async () => {
    expect(await run('find', '--dump', 'x.sql')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--binlog-dir is missing/) });
    expect(await run('find', '--binlog-dir', '.')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--dump or --repo is missing/) });
    expect(await run('find', '--repo', 'r', '--dump', 'x.sql', '--binlog-dir', '.')).toMatchObject({ code: 2, stderr: expect.stringMatching(/two different sources/) });
  });

  it('checks --op, --table, --from/--until', async () => {
    expect(await run('find', '--op', 'truncate', '--dump', 'x', '--binlog-dir', '.')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--op must be one of insert, update, delete, ddl/) });
    expect(await run('find', '--table', 'orders', '--dump', 'x', '--binlog-dir', '.')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--table must be DB\.TABLE/) });
    expect(await run('find', '--from', '14:30', '--dump', 'x', '--binlog-dir', '.')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--from: cannot read "14:30"/) });
    expect(tableArg('`my.db`.`t``x`', '--table')).toEqual({ db: 'my.db', table: 't`x' });
  });

  it('history needs a table and a filter; a bad filter fails before any file is read', async () => {
    expect(await run('history', '--where', 'id = 1', '--dump', 'x', '--binlog-dir', '.')).toMatchObject({ code: 2, stderr: expect.stringMatching(/missing DB\.TABLE/) });
    expect(await run('history', 'shop.t', '--where', 'id = 1; DROP TABLE t', '--dump', 'no-such.sql', '--binlog-dir', '.')).toMatchObject({ code: 2, stderr: expect.stringMatching(/more than one statement/) });
    expect(await run('undo', '--gtid', '1-2-3', '--table', 'shop.t', '--where', 'SLEEP(1)', '--sql-out', 'u.sql', '--dump', 'no-such.sql', '--binlog-dir', '.')).toMatchObject({ code: 2, stderr: expect.stringMatching(/the function SLEEP\(\)/) });
    expect(await run('history', 'shop.t', '--dump', 'x', '--binlog-dir', '.')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--where is missing/) });
  });

  it('undo needs --sql-out and one way to name the transactions', async () => {
    expect(await run('undo', '--gtid', '0-1-2', '--dump', 'x', '--binlog-dir', '.')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--sql-out FILE is missing/) });
    expect(await run('undo', '--sql-out', 'u.sql', '--dump', 'x', '--binlog-dir', '.')).toMatchObject({ code: 2, stderr: expect.stringMatching(/say which transactions/) });
    expect(await run('undo', '--gtid', '0-1-2', '--from', '2026-01-01 00:00', '--sql-out', 'u.sql', '--dump', 'x', '--binlog-dir', '.')).toMatchObject({ code: 2, stderr: expect.stringMatching(/two ways/) });
  });
});
