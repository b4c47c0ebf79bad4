/**
 * The one clock: every module that waits (request deadlines, dial backoff, the registration
 * timeout, the resync, the keep-alive, a routing point's handler timeout) reads time and sets its
 * timers through a `Clock`, so a test drives all of them at once with fake timers and no real
 * waiting. The connection takes one (an internal seam) and hands it to each module it builds.
 */

export interface Clock {
  /** Monotonic time in ms. */
  now(): number;
  /** Runs `fn` once after `ms`; returns a handle for clearTimeout. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer set by this clock's setTimeout. */
  clearTimeout(handle: unknown): void;
  /** Runs `fn` after the current I/O phase (setImmediate): data read in the same phase comes first. */
  defer(fn: () => void): void;
}

/** Node's timers and performance.now(), looked up at each call so fake timers installed later apply. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  defer: (fn) => void setImmediate(fn),
};

const bound = new WeakMap<object, Clock>();

/** Lets what `owner` hands out (a routing point gets the connection as its host) find its clock. */
export function bindClock(owner: object, clock: Clock): void {
  bound.set(owner, clock);
}

/** The clock bound to `owner`, or the system clock. */
export function clockOf(owner: object): Clock {
  return bound.get(owner) ?? systemClock;
}

/** Resolves after `ms` on `clock`; rejects with the signal's reason as soon as it aborts (the timer is cleared). */
export function sleepOn(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
