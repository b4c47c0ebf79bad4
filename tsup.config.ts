import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'simulator/index': 'src/simulator/index.ts',
      'ivr/index': 'src/ivr/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    // Shared chunks, so every entry uses the same error classes (instanceof works across entries).
    splitting: true,
  },
  {
    // Command-line entry points: ESM only, with a shebang kept from the source.
    entry: { 'cli/tlib': 'src/cli/tlib.ts', 'cli/tlib-sim': 'src/cli/tlib-sim.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'node20',
  },
]);
