/**
 * Testing seams of TServerConnection (its second constructor argument, internal: may change):
 * sessions come from `sessionFactory`, time from `clock` (util/clock.ts: every module of the
 * connection that waits reads it), so reconnect backoff, the dial loop, request deadlines, the
 * resync and a routing point's timeout have unit tests with fake timers and fake sessions
 * (test/connection/seams.test.ts).
 */
import type { DecodedMessage } from '../../codec/index.js';
import type { TlibError } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import type { Endpoint } from '../../transport/index.js';
import type { GateSession } from '../events/gate.js';
import type { ResolvedOptions } from '../options.js';

/** What the driver needs of a session; ServerSession fits, and so does a test's fake. */
export interface PairDriverSession extends GateSession {
  readonly id: number;
  readonly endpoint: Endpoint;
  /** Set by the driver: the session hands each message here (a direct call per message). */
  receiver: ((m: DecodedMessage, s: PairDriverSession) => void) | undefined;
  on(event: 'lost', fn: (reason: TlibError, s: PairDriverSession) => void): unknown;
  removeAllListeners(): unknown;
  open(referenceId: number, signal?: AbortSignal): Promise<unknown>;
  close(): void;
}

/** Makes the session for one dial; `clock` is the connection's (its registration timeout and keep-alive run on it). */
export type SessionFactory = (endpoint: Endpoint, options: ResolvedOptions, clock: Clock) => PairDriverSession;

/** Testing seams of TServerConnection (its second constructor argument). Internal: may change. */
export interface ConnectionInternals {
  sessionFactory?: SessionFactory;
  clock?: Clock;
}
