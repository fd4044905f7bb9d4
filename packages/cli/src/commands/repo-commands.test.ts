import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BackupRecord, ExpireOptions, RepoListing, RepoVerification } from '@pitr/pitr-planner';
import type { CommandContext } from '../command-context.js';
import { parseArgs } from '../parse-args.js';
import { runExpire } from './expire.js';
import { runList } from './list.js';
import { runVerify } from './verify.js';

function ctx(argv: string[]): { ctx: CommandContext; out: () => { stdout: string; stderr: string } } {
  const parsed = parseArgs(argv);
  if (parsed.kind !== 'run') throw new Error('not a run');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  return { ctx: { positionals: parsed.positionals, values: parsed.values, io: { stdout, stderr, env: {} }, env: {} }, out: () => ({ stdout: o, stderr: e }) };
}

function record(id: string, status: BackupRecord['status'], extra: Partial<BackupRecord> = {}): BackupRecord {
  return {
    recordVersion: 1,
    id,
    status,
    trigger: 'manual',
    startedAt: `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 15)}.000Z`,
    databases: [],
    who: { user: 'u', host: 'h' },
    ...extra,
  };
}

const done = record('20260525T100000Z-aaaa', 'completed', {
  durationMs: 61_000,
  sizeBytes: 2048,
  coordinates: { file: 'bin.000002', pos: 400, gtid: '0-1-9' },
  server: { flavor: 'mariadb', version: '10.11.19-MariaDB-log', serverId: 3 },
});

describe('pitr list', () => {
  it('prints backups newest last, interrupted ones with the reason, and the windows', async () => {
    const listing: RepoListing = {
      dir: '/r',
      marker: { format: 'pitr-repo', formatVersion: 1, createdAt: '', createdBy: { host: 'h', pitrFormatVersion: 1 } },
      backups: [
        { record: done, state: 'completed' },
        { record: record('20260525T110000Z-bbbb', 'running'), state: 'interrupted', interruptedReason: 'its process (pid 9) has exited' },
        { record: record('20260525T120000Z-cccc', 'failed', { error: 'mariadb-dump exited with code 2' }), state: 'failed' },
      ],
      windows: [{ backupId: done.id, start: done.coordinates!, startedAt: done.startedAt, end: { kind: 'snapshot-only', reason: '' } }],
      archive: { implemented: false, note: 'the binlog archive is not implemented yet', timelines: [] },
      lock: undefined,
      problems: ['backup 20260101T000000Z-dead: damaged'],
    };
    const c = ctx(['list', '--repo', '/r']);
    expect(await runList(c.ctx, { listRepo: async () => listing })).toBe(0);
    await new Promise((r) => setImmediate(r));
    const { stdout, stderr } = c.out();
    const lines = stdout.split('\n');
    expect(lines.findIndex((l) => l.includes('aaaa'))).toBeLessThan(lines.findIndex((l) => l.includes('cccc')));
    expect(stdout).toMatch(/20260525T100000Z-aaaa\s+completed\s+2026-05-25 10:00:00\s+1 min 1 s\s+2\.0 KiB\s+bin\.000002:400\s+0-1-9\s+mariadb 10\.11\.19 id 3/);
    expect(stdout).toContain('20260525T110000Z-bbbb: interrupted — its process (pid 9) has exited');
    expect(stdout).toContain('20260525T120000Z-cccc: failed — mariadb-dump exited with code 2');
    expect(stdout).toContain('from backup 20260525T100000Z-aaaa at bin.000002:400 (gtid 0-1-9) (started 2026-05-25 10:00:00 UTC): its snapshot only');
    expect(stdout).toContain('Note: the binlog archive is not implemented yet');
    expect(stderr).toContain('pitr: warning: backup 20260101T000000Z-dead: damaged');

    const j = ctx(['list', '--repo', '/r', '--json']);
    await runList(j.ctx, { listRepo: async () => listing });
    await new Promise((r) => setImmediate(r));
    const doc = JSON.parse(j.out().stdout);
    expect(doc.backups[1]).toMatchObject({ id: '20260525T110000Z-bbbb', status: 'running', state: 'interrupted' });
  });
});

describe('pitr verify', () => {
  const base: RepoVerification = { dir: '/r', ok: true, backups: [{ id: done.id, state: 'completed', checked: true, problems: [], dumpBytes: 4096 }], problems: [], warnings: [], leftovers: [], archive: [] };

  it('exit 0 when everything checks out, 3 with every problem listed', async () => {
    const ok = ctx(['verify', '--repo', '/r']);
    expect(await runVerify(ok.ctx, { verifyRepo: async () => base })).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(ok.out().stdout).toContain('All 1 completed backup verified.');

    const broken: RepoVerification = {
      ...base,
      ok: false,
      backups: [{ id: done.id, state: 'completed', checked: true, problems: ['SHA-256 is 00, the record says ab', 'gzip: invalid block type'] }],
      warnings: ['leftover temporary file backups/x/.pitr-tmp-dump.sql.gz'],
    };
    const bad = ctx(['verify', '--repo', '/r']);
    expect(await runVerify(bad.ctx, { verifyRepo: async () => broken })).toBe(3);
    await new Promise((r) => setImmediate(r));
    const text = bad.out().stdout;
    expect(text).toContain(`${done.id}  FAILED`);
    expect(text).toContain('- SHA-256 is 00, the record says ab');
    expect(text).toContain('- gzip: invalid block type');
    expect(text).toContain('warning: leftover temporary file');
    expect(text).toContain('Verification FAILED: 1 backup with problems.');
  });
});

describe('pitr expire', () => {
  it('needs exactly one policy, passes it on, prints what it removed', async () => {
    const calls: ExpireOptions[] = [];
    const deps = {
      expireBackups: async (_dir: string, options: ExpireOptions) => {
        calls.push(options);
        return { dryRun: options.dryRun === true, removed: [done], kept: [record('20260526T100000Z-dddd', 'completed')], archivePrune: { implemented: false as const, note: 'no archive yet' } };
      },
    };
    await expect(runExpire(ctx(['expire', '--repo', '/r']).ctx, deps)).rejects.toThrow(/exactly one of --keep N and --keep-days D/);
    await expect(runExpire(ctx(['expire', '--repo', '/r', '--keep', '2', '--keep-days', '1']).ctx, deps)).rejects.toThrow(/exactly one/);
    const c = ctx(['expire', '--repo', '/r', '--keep-days', '14', '--dry-run']);
    expect(await runExpire(c.ctx, deps)).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(calls[0]).toMatchObject({ keepDays: 14, dryRun: true });
    expect(c.out().stdout).toContain(`would remove backup ${done.id} (started 2026-05-25 10:00:00 UTC, 2.0 KiB, at bin.000002:400 (gtid 0-1-9))`);
    expect(c.out().stdout).toContain('(dry run: nothing was removed)');
    expect(() => parseArgs(['expire', '--repo', '/r', '--keep', '0'])).toThrow(/at least 1/);
  });
});
