#!/usr/bin/env node
/** The `tlib-sim` bin: see runSimCli for the options. */
import { runSimCli } from '../simulator/cli.js';

runSimCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('tlib-sim:', err);
    process.exitCode = 1;
  },
);
