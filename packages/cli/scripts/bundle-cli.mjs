#!/usr/bin/env node
// Builds dist/pitr.cjs, the whole CLI as one file, and dist/pitr.cjs.cache, V8's compiled code for
// it, which the launcher (bin/pitr.mjs) prefers to the module graph of dist/: loading ~300 ES modules
// (resolving, reading, compiling, linking) took ~0.15–0.2 s of every run, a tenth of catching up
// on 1 GB of binlogs. Run after `tsc -b` (npm test, npm run demo and the build do); the launcher
// ignores a bundle older than any package's last build, so a stale one is never run.
//
// The code cache holds every function of the bundle, compiled eagerly once every command's modules
// are loaded. It is stamped with the bundle's build id: V8
// checks a cache only against the source's length, so a cache of another bundle must not be used.
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { build } from 'esbuild';

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(cliDir, 'dist', 'pitr.cjs');
const cacheOut = `${out}.cache`;
const started = Date.now();
const buildId = randomUUID();

await build({
  entryPoints: [join(cliDir, 'dist', 'run-cli.js')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: `${out}.tmp`,
  // a native addon: loaded from node_modules at run time
  external: ['zstd-napi'],
  // the modules that read files next to themselves get the bundle's own location (in dist/, as they were)
  define: { 'import.meta.url': '__pitrBundleUrl' },
  banner: { js: `// pitr-bundle ${buildId}\nconst __pitrBundleUrl = require('node:url').pathToFileURL(__filename).href;` },
  logLevel: 'warning',
});

// Compile and load it as the launcher does, then keep the compiled code.
const source = readFileSync(`${out}.tmp`, 'utf8');
// Every function compiled now (not when first called), so that the cache holds them all: with only
// the top-level code cached, an idle `pitr archive` took 0.42–0.49 s, with all of it 0.36–0.41 s
// (modules: 0.55–0.70 s). V8 checks the flags a cache was made with: `--lazy` is back before it is.
v8.setFlagsFromString('--no-lazy');
const script = new vm.Script(Module.wrap(source), { filename: out });
v8.setFlagsFromString('--lazy');
const exports = {};
const module = { exports };
script.runInThisContext()(exports, createRequire(out), module, out, dirname(out));
await module.exports.loadAllCommands();
const stamp = Buffer.from(`${buildId}\n`, 'latin1');
writeFileSync(`${cacheOut}.tmp`, Buffer.concat([stamp, script.createCachedData()]));
renameSync(`${cacheOut}.tmp`, cacheOut);
renameSync(`${out}.tmp`, out);
console.log(`pitr: bundled the CLI into ${join('packages', 'cli', 'dist', 'pitr.cjs')} (${Date.now() - started} ms)`);
