import { defineConfig } from 'vitest/config';

// One config for the whole monorepo: unit tests live next to the code (packages/*/src, tools/src),
// end-to-end tests in test/. Servers are started per test file by tools/src/server.ts.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tools/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
