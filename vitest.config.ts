import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Bounds the whole run and names what hangs (see the file); the default reporter prints as before.
    reporters: ['default', './test/support/watchdog-reporter.ts'],
    setupFiles: ['./test/support/current-test.ts'],
    globalSetup: ['./test/support/suite-tmpdir.ts'],
  },
});
