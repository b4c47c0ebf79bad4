/**
 * `npm run test:fast`: unit and integration tests while developing — no fuzz or randomized property
 * runs, no soak, no tests that spawn the CLI or the examples as processes. `npm test`
 * (vitest.config.ts) still runs all of them.
 */
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/** Test files left out, and why. */
export const SLOW_TESTS = [
  'test/fuzz/**', // the decoder fuzz run (200 k cases)
  'test/soak/**', // randomized failover soak
  // randomized property runs (fast-check, seeded sequences): fuzzing in all but name
  'test/codec/properties.test.ts',
  'test/model/properties.test.ts',
  'test/model/simulator-property.test.ts',
  'test/simulator/model-random.test.ts',
  'test/examples/examples.test.ts', // each example as a process
  'test/examples/guides.test.ts', // each guide's program as a process
  'test/package/quickstart.test.ts', // the README snippet and tlib sim as processes
  'test/cli/tlib.test.ts', // the tlib bin as a process
  'test/cli/tlib-demo.test.ts', // tlib demo as a process
  'test/simulator/cli.test.ts', // the tlib-sim bin as a process
  'test/browser/chromium.test.ts', // headless Chromium as a process
  'test/browser/web-demo.test.ts', // npm run web-demo as a process
];

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, ...SLOW_TESTS],
      // vitest's default on 2 cores is 1 worker; these tests mostly wait on sockets and timers, so
      // two files at once halve the time (more starts to disturb the timing tests on 2 cores).
      maxWorkers: 2,
    },
  }),
);
