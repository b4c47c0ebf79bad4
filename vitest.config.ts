import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // A test during which the SDK reported a bug of its own (ERR_TLIB_INTERNAL) fails.
    setupFiles: ['test/support/internal-errors.ts'],
  },
});
