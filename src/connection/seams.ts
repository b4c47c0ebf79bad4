/**
 * Testing seams of TServerConnection (its second constructor argument, internal: may change):
 * sessions come from `sessionFactory`, time from `clock`, so reconnect backoff and the dial loop
 * have unit tests with fake timers and fake sessions (test/connection/seams.test.ts).
 */
import type { DecodedMessage } from '../codec/index.js';
import type { TlibError } from '../errors.js';
import type { Endpoint } from '../transport/index.js';
import type { GateSession } from './gate.js';
import type { ResolvedOptions } from './options.js';

/** What the driver needs of a session; ServerSession fits, and so does a test's fake. */
export interface PairDriverSession extends GateSession {
  readonly id: number;
  readonly endpoint: Endpoint;
  on(event: 'message', fn: (m: DecodedMessage, s: PairDriverSession) => void): unknown;
  on(event: 'lost', fn: (reason: TlibError, s: PairDriverSession) => void): unknown;
  removeAllListeners(): unknown;
  open(referenceId: number, signal?: AbortSignal): Promise<unknown>;
  close(): void;
}

export type SessionFactory = (endpoint: Endpoint, options: ResolvedOptions) => PairDriverSession;

/** Time as the driver reads it: `now()` in ms (monotonic) and a cancellable timer. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  // Looked up at each call, so test fake timers installed later apply.
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Testing seams of TServerConnection (its second constructor argument). Internal: may change. */
export interface ConnectionInternals {
  sessionFactory?: SessionFactory;
  clock?: Clock;
}
