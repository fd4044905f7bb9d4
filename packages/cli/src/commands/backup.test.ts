import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BackupRecord, TakeBackupOptions, TakeBackupResult } from '@pitr/pitr-planner';
import { main } from '../main.js';
import { parseArgs } from '../parse-args.js';
import { runBackup } from './backup.js';

const RECORD: BackupRecord = {
  recordVersion: 1,
  id: '20260525T143007Z-1a2b',
  status: 'completed',
  trigger: 'manual',
  startedAt: '2026-05-25T14:30:07.000Z',
  endedAt: '2026-05-25T14:30:09.500Z',
  durationMs: 2500,
  sizeBytes: 3 * 1024 * 1024,
  sha256: 'ab'.repeat(32),
  server: { flavor: 'mariadb', version: '10.11.19-MariaDB-log', serverId: 7 },
  databases: [{ name: 'shop', tables: [{ name: 'items', rowsEstimate: 120 }, { name: 'v', rowsEstimate: null }] }],
  coordinates: { file: 'mariadb-bin.000003', pos: 1832, gtid: '0-7-55' },
  dumpTool: { name: 'mariadb-dump', version: 'Ver 10.19 Distrib 10.11.19-MariaDB', flags: ['--single-transaction'] },
  who: { user: 'dba', host: 'ops1', pid: 1 },
  floatFixups: { tables: ['shop.items'], rows: 3 },
  warnings: ['shop.moods.m: ENUM member …'],
};

async function run(argv: string[], result: Partial<TakeBackupResult> = {}) {
  const parsed = parseArgs(['backup', ...argv]);
  if (parsed.kind !== 'run') throw new Error('not a run');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  const calls: TakeBackupOptions[] = [];
  const env = { PITR_PASSWORD: 'sekret', PITR_DUMP_TOOL: '/opt/mariadb-dump' };
  const code = await runBackup(
    { positionals: parsed.positionals, values: parsed.values, io: { stdout, stderr, env }, env },
    {
      takeBackup: async (options) => {
        calls.push(options);
        if (result.repoCreated !== false) options.onRepoCreated?.('/r');
        options.onWarning?.('shop.moods.m: ENUM member …');
        return { record: RECORD, repoDir: '/r', repoCreated: true, dumpFile: '/r/backups/x/dump.sql.gz', warnings: ['shop.moods.m: ENUM member …'], ...result };
      },
    },
  );
  await new Promise((r) => setImmediate(r));
  return { code, stdout: o, stderr: e, calls };
}

describe('pitr backup (with a stub backup)', () => {
  it('passes the scope and environment, prints the summary, warnings on stderr', async () => {
    const r = await run(['--source', 'mysql://bk@db1/', '--repo', '/r', '--databases', 'shop, crm', '--exclude-tables', 'shop.cache,shop.tmp']);
    expect(r.code).toBe(0);
    expect(r.calls[0]).toMatchObject({
      source: 'mysql://bk@db1/',
      repo: '/r',
      databases: ['shop', 'crm'],
      excludeTables: ['shop.cache', 'shop.tmp'],
      dumpTool: '/opt/mariadb-dump',
      env: { PITR_PASSWORD: 'sekret' },
    });
    expect(r.stdout).toContain('backup 20260525T143007Z-1a2b completed in 2.5 s');
    expect(r.stdout).toContain('coordinates:  mariadb-bin.000003:1832 (gtid 0-7-55)');
    expect(r.stdout).toContain('3.0 MiB');
    expect(r.stdout).toContain('shop (2 tables, about 120 rows)');
    expect(r.stdout).toContain('exact FLOAT:  3 rows in shop.items');
    expect(r.stderr).toContain('pitr: warning: shop.moods.m: ENUM member');
    expect(r.stderr).toContain('pitr: created repository /r');
  });

  it('--json prints the record', async () => {
    const r = await run(['--source', 'mysql://bk@db1/', '--repo', '/r', '--json'], { repoCreated: false });
    expect(JSON.parse(r.stdout)).toMatchObject({ backup: { id: RECORD.id, sha256: RECORD.sha256 }, repository: '/r', repoCreated: false });
    expect(r.calls[0]!.databases).toBeUndefined();
    expect(r.stderr).not.toContain('created repository');
  });

  it('usage errors: missing --source or --repo, empty --databases (exit 2)', async () => {
    const io = () => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let e = '';
      stderr.on('data', (d: Buffer) => (e += d.toString()));
      return { io: { stdout, stderr, env: {} }, err: () => e };
    };
    for (const [argv, message] of [
      [['backup', '--repo', '/r'], /needs --source URL/],
      [['backup', '--source', 'mysql://u@h/'], /needs --repo DIR/],
      [['backup', '--source', 'mysql://u@h/', '--repo', '/r', '--databases', ','], /names no database/],
    ] as const) {
      const c = io();
      expect(await main([...argv], c.io)).toBe(2);
      await new Promise((r) => setImmediate(r));
      expect(c.err()).toMatch(message);
    }
  });
});
