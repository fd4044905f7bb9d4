import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { connectionFlags, dumpContentFlags, optionFileValue, parseDumpToolVersion, writeDefaultsExtraFile } from './dump-tool.js';

describe('dump tool detection and flags', () => {
  const maria = parseDumpToolVersion('/usr/bin/mariadb-dump', 'mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n');
  const mysql8 = parseDumpToolVersion('/usr/bin/mysqldump', 'mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)');
  const mysql8old = parseDumpToolVersion('/usr/bin/mysqldump', 'mysqldump  Ver 8.0.25 for Linux on x86_64 (MySQL Community Server - GPL)');
  const mysql57 = parseDumpToolVersion('/usr/bin/mysqldump', 'mysqldump  Ver 10.13 Distrib 5.7.44, for Linux (x86_64)');

  it('reads flavor and release from --version', () => {
    expect(maria).toMatchObject({ name: 'mariadb-dump', flavor: 'mariadb', version: '10.19', release: [10, 11, 19] });
    expect(mysql8).toMatchObject({ name: 'mysqldump', flavor: 'mysql', version: '8.0.36', release: [8, 0, 36] });
    expect(mysql57).toMatchObject({ flavor: 'mysql', release: [5, 7, 44] });
  });

  it('asks for the coordinates each tool knows', () => {
    const all = { databases: 'all' as const, excludeTables: ['shop.sessions'] };
    expect(dumpContentFlags(maria, all, [])).toEqual([
      '--single-transaction',
      '--master-data=2',
      '--gtid',
      '--routines',
      '--triggers',
      '--events',
      '--hex-blob',
      '--quick',
      '--default-character-set=utf8mb4',
      '--verbose',
      '--ignore-table=shop.sessions',
      '--all-databases',
    ]);
    expect(dumpContentFlags(mysql8, all, [])).toContain('--source-data=2');
    expect(dumpContentFlags(mysql8, all, [])).not.toContain('--gtid');
    expect(dumpContentFlags(mysql8old, all, [])).toContain('--master-data=2');
    expect(dumpContentFlags(mysql57, all, [])).toContain('--master-data=2');
    expect(dumpContentFlags(maria, { databases: ['a', 'b'], excludeTables: [] }, ['a', 'b']).slice(-3)).toEqual(['--databases', 'a', 'b']);
  });

  it('never puts a password on the command line', () => {
    const flags = connectionFlags({ user: 'u', host: 'db1', port: 3307, password: 'sekret' });
    expect(flags).toEqual(['--host=db1', '--port=3307', '--protocol=TCP', '--user=u']);
    expect(connectionFlags({ user: 'root', socketPath: '/run/m.sock' })).toEqual(['--socket=/run/m.sock', '--protocol=SOCKET', '--user=root']);
  });
});

describe('defaults-extra-file', () => {
  it('quotes and escapes option file values', () => {
    expect(optionFileValue('plain')).toBe('"plain"');
    expect(optionFileValue('a"b\\c#d;e f')).toBe('"a\\"b\\\\c#d;e f"');
    expect(optionFileValue('x\ny\tz')).toBe('"x\\ny\\tz"');
  });

  it('writes a 0600 file named by the first flag and removes it', async () => {
    const file = await writeDefaultsExtraFile('p@ss"w\\rd');
    expect(file.flag).toMatch(/^--defaults-extra-file=\//);
    const path = file.flag!.slice('--defaults-extra-file='.length);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toContain('password="p@ss\\"w\\\\rd"');
    await file.remove();
    await expect(stat(path)).rejects.toThrow();
    await file.remove();
    expect((await writeDefaultsExtraFile(undefined)).flag).toBeUndefined();
  });
});
