#!/usr/bin/env node
// Committed launcher: npm links a workspace bin only if its target exists at install time, and
// dist/ is built after install. This file always exists and loads the built CLI.
try {
  await import('../dist/bin.js');
} catch (e) {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/bin.js')) {
    console.error('pitr: error: the CLI is not built yet\nHINT: run `npx turbo run build` (or `npm test` / `npm run demo`) in the repository first');
    process.exit(1);
  }
  throw e;
}
