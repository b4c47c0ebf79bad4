/**
 * The clock a test hands the SDK under vitest's fake timers: Date.now() (which the fake timers move
 * exactly) and the global timers, looked up at each call so the fakes installed by the test apply.
 */
import type { Clock } from '../../src/util/clock.js';

export const fakeClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  defer: (fn) => void setImmediate(fn),
};
