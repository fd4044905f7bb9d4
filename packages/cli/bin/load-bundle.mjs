// The launcher's fast path (bin/pitr.mjs): the one-file bundle of the CLI with V8's compiled code
// for it, both made by scripts/bundle-cli.mjs after the build. Plain JavaScript: it runs before
// anything is built.
import { readFileSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';

/**
 * The exports of the bundle at `bundle`, or undefined when there is none or it is older than one of
 * `builtAfter` (files a build rewrites: `tsc -b` writes each package's .tsbuildinfo), so a bundle
 * left from an earlier build is never run. Its code cache (`bundle`.cache) is used when it is
 * stamped with the bundle's build id (V8 itself checks a cache only against the source's length).
 */
export function loadBundle(bundle, builtAfter) {
  let source;
  try {
    const built = statSync(bundle).mtimeMs;
    for (const file of builtAfter) {
      const s = statSync(file, { throwIfNoEntry: false });
      if (s !== undefined && s.mtimeMs > built) return undefined;
    }
    source = readFileSync(bundle, 'utf8');
  } catch {
    return undefined;
  }
  let cachedData;
  try {
    const cache = readFileSync(`${bundle}.cache`);
    const nl = cache.indexOf(10);
    if (nl > 0 && source.startsWith(`// pitr-bundle ${cache.toString('latin1', 0, nl)}\n`)) cachedData = cache.subarray(nl + 1);
  } catch {
    // no cache: compiled as it runs
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return { exports: module.exports, cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}
