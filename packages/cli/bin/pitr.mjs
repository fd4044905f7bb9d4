#!/usr/bin/env node
// Committed launcher: npm links a workspace bin only if its target exists at install time, and
// dist/ is built after install. This file always exists and loads the built CLI: the one-file
// bundle with its compiled code (dist/pitr.cjs, made by scripts/bundle-cli.mjs after the build;
// ~0.1–0.2 s less startup than loading ~300 modules) when it is at least as new as every package's
// last build, else the modules of dist/. PITR_NO_BUNDLE=1 always loads the modules.
import { fileURLToPath } from 'node:url';
import { loadBundle } from './load-bundle.mjs';

const PACKAGES = ['core', 'pitr-planner', 'granular-restore', 'binlog-archiver', 'cli'];
const bundled =
  process.env.PITR_NO_BUNDLE === '1'
    ? undefined
    : loadBundle(
        fileURLToPath(new URL('../dist/pitr.cjs', import.meta.url)),
        PACKAGES.map((p) => fileURLToPath(new URL(`../../${p}/dist/.tsbuildinfo`, import.meta.url))),
      );
if (bundled !== undefined) {
  process.exitCode = await bundled.exports.runCli(process.argv.slice(2));
} else {
  try {
    await import('../dist/bin.js');
  } catch (e) {
    if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/bin.js')) {
      console.error('pitr: error: the CLI is not built yet\nHINT: run `npx turbo run build` (or `npm test` / `npm run demo`) in the repository first');
      process.exit(1);
    }
    throw e;
  }
}
