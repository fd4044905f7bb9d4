/**
 * The `pitr` executable as users run it (packages/cli/bin/pitr.mjs): after the build it loads the
 * one-file bundle with its code cache (scripts/bundle-cli.mjs). The bundle must do what the modules
 * do: a catch-up archive with zstd (a native addon loaded beside the bundle, digest threads from
 * eval'd source), verify, list, and the same help and errors as the modules.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';

const repoRoot = resolve(import.meta.dirname, '..');
const LAUNCHER = join(repoRoot, 'packages/cli/bin/pitr.mjs');
const BUNDLE = join(repoRoot, 'packages/cli/dist/pitr.cjs');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}
const pitr = (args: readonly string[], env: Record<string, string> = {}): Promise<Run> => run([LAUNCHER, ...args], env);

describe.skipIf(!existsSync(BUNDLE))('the pitr executable through its bundle', () => {
  const servers: TestServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pitr-cli-bundle-'));
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is fresh after the build and its code cache is accepted', async () => {
    const check = `import('${join(repoRoot, 'packages/cli/bin/load-bundle.mjs')}').then(({ loadBundle }) => {
      const r = loadBundle(${JSON.stringify(BUNDLE)}, ['core', 'pitr-planner', 'granular-restore', 'binlog-archiver', 'cli'].map((p) => ${JSON.stringify(repoRoot)} + '/packages/' + p + '/dist/.tsbuildinfo'));
      console.log(JSON.stringify({ loaded: r !== undefined, cacheUsed: r?.cacheUsed, runCli: typeof r?.exports.runCli }));
    })`;
    const r = await run(['-e', check]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ loaded: true, cacheUsed: true, runCli: 'function' });
  });

  it('prints the same help, version and usage errors as the modules', async () => {
    for (const args of [['--version'], ['--help'], ['archive', '--help'], ['archive'], ['frobnicate']]) {
      const [bundled, modules] = await Promise.all([pitr(args), pitr(args, { PITR_NO_BUNDLE: '1' })]);
      expect(bundled).toEqual(modules);
    }
  });

  it('archives with zstd, verifies and lists like the modules', async () => {
    const source = await startServer({ maxBinlogSize: 8192 });
    servers.push(source);
    await source.query('CREATE DATABASE b; CREATE TABLE b.t (id INT PRIMARY KEY, v TEXT)');
    for (let i = 0; i < 40; i++) await source.query(`INSERT INTO b.t VALUES (${i}, REPEAT('v', 500))`);
    await source.flushLogs();
    await source.query('INSERT INTO b.t VALUES (1000, "open file")');
    const repo = join(dir, 'repo');
    const archived = await pitr(['archive', '--source', source.url, '--repo', repo, '--compress', 'zstd']);
    expect(archived.stderr).not.toMatch(/error/);
    expect(archived.code).toBe(0);
    const timeline = readdirSync(join(repo, 'binlogs')).find((f) => /^0001-/.test(f))!;
    const files = readdirSync(join(repo, 'binlogs', timeline));
    expect(files.filter((f) => f.endsWith('.zst')).length).toBeGreaterThan(1);

    const verify = await pitr(['verify', '--repo', repo]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/mariadb-bin\.000001 {2}OK \(SHA-256 of the stored file and of the binlog/);
    const [list, listModules] = await Promise.all([pitr(['list', '--repo', repo]), pitr(['list', '--repo', repo], { PITR_NO_BUNDLE: '1' })]);
    expect(list.code).toBe(0);
    expect(list).toEqual(listModules);
  });
});
