import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PitrError } from '../errors/pitr-error.js';
import { acquireRepoLock, readRepoLock, RepoLock } from './repo-lock.js';
import { initRepo } from './repo-layout.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../../../..');
const LOCK_MODULE = pathToFileURL(join(HERE, 'repo-lock.ts')).href;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pitr-lock-'));
  await initRepo(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a TypeScript snippet in a separate node process (tsx), with the lock module imported as L. */
function child(body: string): { proc: ChildProcess; lines: string[]; nextLine: (match: string) => Promise<string>; exited: Promise<number | null> } {
  const script = `import * as L from ${JSON.stringify(LOCK_MODULE)};\n(async () => {\n${body}\n})().catch((e) => { console.log('ERROR ' + e.message); process.exit(1); });\n`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: Array<{ match: string; resolve: (line: string) => void }> = [];
  let buf = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        const w = waiters[i];
        if (w !== undefined && line.startsWith(w.match)) {
          waiters.splice(i, 1);
          w.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  const nextLine = (match: string): Promise<string> => {
    const seen = lines.find((l) => l.startsWith(match));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((res, rej) => {
      waiters.push({ match, resolve: res });
      void exited.then((code) => rej(new Error(`child exited (${code}) before printing ${match}; output: ${lines.join(' | ')}`)));
    });
  };
  return { proc, lines, nextLine, exited };
}

async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((res) => p.on('exit', res));
  return p.pid as number;
}

describe('acquireRepoLock', () => {
  it('writes who holds it and removes it on release', async () => {
    const lock = await acquireRepoLock(dir, { command: 'backup' });
    const owner = await readRepoLock(dir);
    expect(owner).toMatchObject({ pid: process.pid, hostname: hostname(), command: 'backup' });
    expect(Date.parse(owner?.startedAt ?? '')).not.toBeNaN();
    expect(lock.held).toBe(true);
    await lock.release();
    expect(lock.held).toBe(false);
    expect(await readRepoLock(dir)).toBeUndefined();
    await lock.release(); // idempotent
  });

  it('the archive has its own lock: a backup and archive --follow run together, two archivers do not', async () => {
    const backup = await acquireRepoLock(dir, { command: 'backup' });
    const archive = await acquireRepoLock(dir, { command: 'archive --follow', scope: 'archive' });
    expect(existsSync(join(dir, 'archive.lock'))).toBe(true);
    await expect(acquireRepoLock(dir, { command: 'archive', scope: 'archive' })).rejects.toMatchObject({ code: 'REPO_LOCKED' });
    await expect(acquireRepoLock(dir, { command: 'expire' })).rejects.toMatchObject({ code: 'REPO_LOCKED' });
    await archive.release();
    await backup.release();
  });

  it('is released by `await using`', async () => {
    {
      await using lock = await acquireRepoLock(dir, { command: 'archive' });
      expect(lock).toBeInstanceOf(RepoLock);
      expect(existsSync(join(dir, 'lock'))).toBe(true);
    }
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('makes a second process wait, then hands over once the first releases', async () => {
    const holder = child(`
      const lock = await L.acquireRepoLock(${JSON.stringify(dir)}, { command: 'archive --follow' });
      console.log('HELD');
      await new Promise((r) => setTimeout(r, 700));
      await lock.release();
      console.log('RELEASED ' + Date.now());
    `);
    await holder.nextLine('HELD');

    // While it holds: a short wait fails and names the holder.
    const err = await acquireRepoLock(dir, { command: 'backup', waitMs: 150, pollMs: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PitrError);
    const message = (err as PitrError).message;
    expect((err as PitrError).code).toBe('REPO_LOCKED');
    expect(message).toContain('`archive --follow`');
    expect(message).toContain(`pid ${holder.proc.pid}`);
    expect(message).toMatch(/since \d{4}-\d\d-\d\dT/);
    expect((err as PitrError).hints.join(' ')).toContain('wait for that command to finish');

    // A long enough wait gets it once the holder releases.
    const lock = await acquireRepoLock(dir, { command: 'backup', waitMs: 5000, pollMs: 20 });
    const acquiredAt = Date.now();
    const released = Number((await holder.nextLine('RELEASED')).split(' ')[1]);
    expect(acquiredAt).toBeGreaterThanOrEqual(released);
    expect((await readRepoLock(dir))?.pid).toBe(process.pid);
    await lock.release();
    expect(await holder.exited).toBe(0);
  });

  it('takes over a stale lock from a dead pid on this host, with a warning', async () => {
    const pid = await deadPid();
    await writeFile(
      join(dir, 'lock'),
      JSON.stringify({ pid, hostname: hostname(), command: 'backup', startedAt: '2026-05-25T14:30:07.000Z', token: 'dead' }),
    );
    const warnings: string[] = [];
    const lock = await acquireRepoLock(dir, { command: 'restore', onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('stale');
    expect(warnings[0]).toContain(`pid ${pid}`);
    expect((await readRepoLock(dir))?.command).toBe('restore');
    await lock.release();
  });

  it('never takes over a lock held from another host', async () => {
    await writeFile(
      join(dir, 'lock'),
      JSON.stringify({ pid: 1, hostname: 'elsewhere.example', command: 'archive', startedAt: '2026-05-25T14:30:07.000Z', token: 'x' }),
    );
    const err = (await acquireRepoLock(dir, { command: 'backup' }).catch((e: unknown) => e)) as PitrError;
    expect(err).toBeInstanceOf(PitrError);
    expect(err.message).toContain('on elsewhere.example');
    expect(err.hints.join(' ')).toContain(`remove ${join(dir, 'lock')}`);
  });

  it('is removed when the holding process exits without releasing', async () => {
    const c = child(`
      await L.acquireRepoLock(${JSON.stringify(dir)}, { command: 'backup' });
      console.log('HELD');
      process.exit(0);
    `);
    await c.nextLine('HELD');
    expect(await c.exited).toBe(0);
    expect(await readRepoLock(dir)).toBeUndefined();
  });

  it('does not remove a lock that was taken over from it', async () => {
    const lock = await acquireRepoLock(dir, { command: 'backup' });
    const other = { pid: process.pid, hostname: hostname(), command: 'archive', startedAt: new Date().toISOString(), token: 'other' };
    await writeFile(join(dir, 'lock'), JSON.stringify(other));
    const warnings: string[] = [];
    const lock2 = new RepoLock(dir, join(dir, 'lock'), lock.owner, (m) => warnings.push(m));
    await lock2.release();
    expect(warnings[0]).toContain('no longer ours');
    expect(JSON.parse(await readFile(join(dir, 'lock'), 'utf8'))).toMatchObject({ token: 'other' });
    await lock.release();
  });

  it('fails clearly when the repository directory does not exist', async () => {
    const err = (await acquireRepoLock(join(dir, 'nope'), { command: 'backup' }).catch((e: unknown) => e)) as PitrError;
    expect(err).toBeInstanceOf(PitrError);
    expect(err.code).toBe('USAGE');
  });
});
