import { defineConfig } from 'tsup';

const library = {
  index: 'src/index.ts',
  'simulator/index': 'src/simulator/index.ts',
  'ivr/index': 'src/ivr/index.ts',
  'gateway/index': 'src/gateway/index.ts',
};

const common = {
  target: 'node20',
  // Shared chunks, so every entry uses the same error classes (instanceof works across entries).
  splitting: true,
  // No source maps in the package: dist is unminified and readable, and maps pointing at src/ (not
  // shipped) or embedding it would more than double the tarball. Debug from src/ with tsx instead.
  sourcemap: false,
  // Class names are part of the API (err.name, the instanceof brand): never let the bundler rename one.
  keepNames: true,
} as const;

// The declarations name Node's types (node:tls, Buffer, AbortSignal): every .d.ts says so, so a
// consumer's TypeScript loads @types/node without a `types` setting (TypeScript 6+ loads none by default).
const dts = { entry: library, banner: '/// <reference types="node" />' };

/**
 * The browser build of `tlib-client/browser`: ESM (and CommonJS for older bundlers),
 * `platform: 'browser'`, its dependencies (eventemitter3, p-retry) bundled in, so the ESM file
 * loads in a page as it is (`<script type="module">`) or through a bundler. Nothing from Node may
 * be in it: test/browser checks the file. examples/web-desktop builds the page's script with it.
 */
export const browserBuild = {
  entry: { 'browser/index': 'src/browser/index.ts' },
  format: ['esm', 'cjs'],
  platform: 'browser',
  target: 'es2022',
  noExternal: [/.*/],
  splitting: false,
  sourcemap: false,
  keepNames: true,
} as const;

export default defineConfig([
  {
    ...common,
    // ESM: the library entries and the command-line entries in one build, so the CLI imports the
    // library's own chunks instead of carrying a second copy of it. Shebangs are kept from the source.
    entry: { ...library, 'cli/tlib': 'src/cli/tlib.ts', 'cli/tlib-sim': 'src/cli/tlib-sim.ts' },
    format: ['esm'],
    dts,
    clean: true,
  },
  {
    ...common,
    entry: library,
    format: ['cjs'],
    // p-retry is ESM only, and require() of ESM needs Node 20.19+: the CommonJS build carries its own copy.
    noExternal: ['p-retry', 'is-network-error'],
    dts,
    clean: false,
  },
  {
    ...browserBuild,
    entry: { ...browserBuild.entry },
    format: [...browserBuild.format],
    noExternal: [...browserBuild.noExternal],
    dts: true,
    clean: false,
  },
]);
