import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `tlib-client` and its subpaths resolve to the source in tests, as tsconfig.json's `paths` make them
 * for tsx and the type checker (one list: read from there), so `npm ci && npm test` needs no build.
 */
const paths: Record<string, string[]> = JSON.parse(readFileSync(new URL('./tsconfig.json', import.meta.url), 'utf8')).compilerOptions.paths;
const alias = Object.entries(paths).map(([name, [target]]) => ({
  find: new RegExp(`^${name.replace(/[/.]/g, '\\$&')}$`),
  replacement: fileURLToPath(new URL(target, import.meta.url)),
}));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // A test during which the SDK reported a bug of its own (ERR_TLIB_INTERNAL) fails.
    setupFiles: ['test/support/internal-errors.ts'],
  },
});
