import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql 16 ships CommonJS (main) and ESM (module) builds without an exports map: Node loads the CommonJS one for
  // our dependencies, so our own code must get the same copy, or graphql's instanceof checks fail.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/.scratch/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    // Each file gets its own database and app; two workers match these 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: '.data/test-results.xml' },
  },
});
