import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['*.fixture.ts'],
    pool: 'forks',
    reporters: ['default', new URL('../support/watchdog-reporter.ts', import.meta.url).pathname],
    setupFiles: [new URL('../support/current-test.ts', import.meta.url).pathname],
  },
});
