#!/usr/bin/env node
/**
 * The `tlib-sim` bin: the same as `tlib sim` (see runSim for the options and commands), except that
 * without --port it listens on any free port, as it always has.
 */
import { runSim } from './sim.js';

runSim(process.argv.slice(2), { command: 'tlib-sim', defaultPort: 0 }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('tlib-sim:', err);
    process.exitCode = 1;
  },
);
