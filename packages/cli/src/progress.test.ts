import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Progress } from './progress.js';

function stream(isTTY: boolean): PassThrough & { isTTY: boolean; text: () => string } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; text: () => string };
  let t = '';
  s.on('data', (d: Buffer) => (t += d.toString()));
  s.isTTY = isTTY;
  s.text = () => t;
  return s;
}

describe('Progress', () => {
  it('shows on a terminal stderr only when stdout is redirected', async () => {
    const err = stream(true);
    const p = new Progress(stream(false), err);
    expect(p.enabled).toBe(true);
    p.update('mariadb-bin.000001', 512 * 1024, 1024 * 1024, 10);
    p.clear();
    await new Promise((r) => setImmediate(r));
    expect(err.text()).toContain('mariadb-bin.000001: 0.5 MiB of 1.0 MiB (50%), 10 events');
    expect(err.text().endsWith('\r\x1b[K')).toBe(true);
  });

  it('stays quiet when stdout is a terminal or stderr is not', async () => {
    for (const [out, errTTY] of [
      [true, true],
      [false, false],
    ] as const) {
      const err = stream(errTTY);
      const p = new Progress(stream(out), err);
      expect(p.enabled).toBe(false);
      p.update('f', 1, 2, 1);
      p.clear();
      await new Promise((r) => setImmediate(r));
      expect(err.text()).toBe('');
    }
  });

  it('for commands that print only at the end, shows whenever stderr is a terminal, and keeps notices on their own lines', async () => {
    const err = stream(true);
    const p = new Progress(stream(true), err, { stdoutQuiet: true });
    expect(p.enabled).toBe(true);
    p.show('archive: mariadb-bin.000001:4, 0 B received');
    p.show('archive: throttled away');
    p.say('pitr: warning: something');
    p.show('backup: done', true);
    p.clear();
    await new Promise((r) => setImmediate(r));
    expect(err.text()).toBe('\r\x1b[Karchive: mariadb-bin.000001:4, 0 B received\r\x1b[Kpitr: warning: something\n\r\x1b[Kbackup: done\r\x1b[K');
    const quiet = stream(false);
    new Progress(stream(true), quiet, { stdoutQuiet: true }).say('pitr: warning: still said');
    await new Promise((r) => setImmediate(r));
    expect(quiet.text()).toBe('pitr: warning: still said\n');
  });
});
