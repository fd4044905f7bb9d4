// The launcher's choice between the bundle and the modules (bin/load-bundle.mjs).
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBundle } from '../bin/load-bundle.mjs';

describe('loadBundle', () => {
  let dir: string;
  let bundle: string;
  const source = '// pitr-bundle build-1\nmodule.exports = { answer: 42, where: __filename };\n';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pitr-bundle-'));
    bundle = join(dir, 'pitr.cjs');
    writeFileSync(bundle, source);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const age = (file: string, seconds: number): void => {
    const t = Date.now() / 1000 - seconds;
    utimesSync(file, t, t);
  };

  it('loads a bundle newer than every build, as a CommonJS module at its own path', () => {
    const info = join(dir, '.tsbuildinfo');
    writeFileSync(info, '');
    age(info, 60);
    const r = loadBundle(bundle, [info, join(dir, 'missing.tsbuildinfo')]);
    expect(r?.exports).toEqual({ answer: 42, where: bundle });
    expect(r?.cacheUsed).toBe(false);
  });

  it('refuses a bundle older than a build (stale: made before the last tsc -b), and a missing one', () => {
    const info = join(dir, '.tsbuildinfo');
    writeFileSync(info, '');
    age(bundle, 60);
    expect(loadBundle(bundle, [info])).toBeUndefined();
    expect(loadBundle(join(dir, 'none.cjs'), [])).toBeUndefined();
  });

  it('uses a code cache only when it is stamped with the bundle build id', () => {
    const script = new vm.Script(Module.wrap(source), { filename: bundle });
    const data = script.createCachedData();
    writeFileSync(`${bundle}.cache`, Buffer.concat([Buffer.from('build-1\n'), data]));
    expect(loadBundle(bundle, [])?.cacheUsed).toBe(true);
    // a cache of another build: V8 would take it (same source length), the stamp refuses it
    writeFileSync(`${bundle}.cache`, Buffer.concat([Buffer.from('build-2\n'), data]));
    const r = loadBundle(bundle, []);
    expect(r?.cacheUsed).toBe(false);
    expect(r?.exports['answer']).toBe(42);
  });
});
