#!/usr/bin/env node
/** The `tlib-sim` bin: the same as `tlib sim` (see runSim for the options and commands). */
import { runSim } from './sim.js';

runSim(process.argv.slice(2), { command: 'tlib-sim' }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('tlib-sim:', err);
    process.exitCode = 1;
  },
);
