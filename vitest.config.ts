import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One PostgreSQL per run for the store contract suite (or SITROOM_TEST_PG_URL's): test/pg-global-setup.ts.
    globalSetup: ['./test/pg-global-setup.ts'],
    // End-to-end tests start real processes and servers on 127.0.0.1; they wait on events, never on sleeps.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
