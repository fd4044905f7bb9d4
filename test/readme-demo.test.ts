/**
 * The README's quick start must actually run: `npm run demo` is install-deps + build + this demo
 * script, and `npm test` (which runs this file) has already done the first two, so the test runs the
 * demo proper and checks it showed decoded rows from a real throwaway server.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

describe('README quick start', () => {
  it('names the two commands, and package.json defines them', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain('npm run demo');
    expect(readme).toContain('npm test');
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toBe('bash scripts/demo.sh');
    expect(pkg.scripts.test).toBe('bash scripts/test.sh');
    expect(readFileSync(join(repoRoot, '.ci/run'), 'utf8')).toContain('npm test');
  });

  it('the demo runs the main job: backup, workload, disaster, plan, restore, proof', () => {
    const run = spawnSync(join(repoRoot, 'node_modules/.bin/tsx'), ['tools/src/demo.ts'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(run.stderr).not.toContain('demo failed');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\$ pitr backup --source mysql:\/\/pitr@127\.0\.0\.1:\d+\/ --repo /);
    expect(run.stdout).toMatch(/\$ pitr archive --source mysql:\/\/pitr@127\.0\.0\.1:\d+\/ --repo /);
    expect(run.stdout).toMatch(/\$ pitr plan "[^"]+" --tz UTC --repo \S+\n/);
    // pitr list: the backup's window runs through the archived binlogs
    expect(run.stdout).toMatch(/from backup \S+ at mariadb-bin\.000001:\d+ \(gtid [\d-]+\) \(started [^)]+\): to mariadb-bin\.000001:\d+/);
    expect(run.stdout).toMatch(/timeline 0001-mariadb-\d+: 1 file\(s\)/);
    expect(run.stdout).toMatch(/first transactions lost:\n.*\n\s+DELETE FROM shop\.orders/);
    expect(run.stdout).toMatch(/restored: \d+ dump statements/);
    expect(run.stdout).toContain('every table matches production before the disaster');
    expect(run.stdout).toContain('stopped the throwaway servers');
  }, 150_000);
});
