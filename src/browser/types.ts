/** GatewayConnection's options, state and events. */
import type { TlibError } from '../errors.js';
import type { GatewayGrantView, GatewayResyncSummary, GatewayServerState } from '../gateway/protocol.js';
import type { CallView, ChangeCause, DNView } from '../model/types.js';
import type { EventMap, PublicEventName, TEvent } from '../protocol/types.js';

/** Where a browser's connection to the gateway stands. */
export type GatewayConnectionStatus = 'closed' | 'connecting' | 'open' | 'reconnecting' | 'closing';

/** Options of `new GatewayConnection(options)`. */
export interface GatewayConnectionOptions {
  /** Sent at the upgrade as the `tlib-token.<base64url>` subprotocol (a browser cannot set headers); the gateway's `authenticate` reads it. */
  token?: string;
  /** Time a request may take, queued time included. Default 10,000 ms (the gateway's verdict gets 2 s more). */
  requestTimeoutMs?: number;
  /** Requests that may wait while no session is open; past it OfflineQueueFullError. Default 100. */
  queueLimit?: number;
  /**
   * Time a socket has to bring its session (the snapshot, or the resume) from the moment it is
   * created; then the attempt fails (open() rejects, a reconnect tries again). Default 15,000 ms.
   */
  openTimeoutMs?: number;
  /** Backoff between reconnect attempts (p-retry). Default 250 ms → 10 s, ×2, randomized, unlimited; false: no reconnect. */
  reconnect?: Partial<{ retries: number; minTimeoutMs: number; maxTimeoutMs: number; factor: number; randomize: boolean }> | false;
  /** A WebSocket class (default the global one; in Node give `ws`'s). */
  WebSocket?: typeof WebSocket;
}

/** A snapshot of a GatewayConnection (`conn.state`). */
export interface GatewayConnectionState {
  status: GatewayConnectionStatus;
  /** The gateway session (kept across reconnects while the gateway keeps it). */
  session: string | undefined;
  /** The last sequence number received. */
  seq: number;
  /** What this session may watch and act on. */
  grant: GatewayGrantView;
  /** The T-Server connection behind the gateway, as last reported. */
  server: GatewayServerState | undefined;
  inFlight: number;
  queued: number;
}

type NamedEventListeners = { [N in PublicEventName]: (event: EventMap[N]) => void };

/** The listeners a GatewayConnection takes: every event by name, `'event'` for all, the state model's changes and the connection's own. */
export interface GatewayConnectionEvents extends NamedEventListeners {
  /** Every event about this session's DNs (and the connection's own), in order. */
  event: (event: TEvent) => void;
  /** A call of the state model changed. */
  callChanged: (call: CallView, cause: ChangeCause) => void;
  /** A call left the state model. */
  callEnded: (call: CallView, cause: ChangeCause) => void;
  /** A registered DN changed (agent, DND, forwarding, calls). */
  dnChanged: (dn: DNView, cause: ChangeCause) => void;
  /** A snapshot replaced the state (first open, a reconnect too far behind, another gateway): its changes follow as 'resync'. */
  snapshot: (info: { session: string; fresh: boolean }) => void;
  /** The T-Server connection behind the gateway changed status, link or resync. */
  serverState: (state: GatewayServerState) => void;
  /** The gateway's connection resynced after a failover. */
  resynced: (summary: GatewayResyncSummary) => void;
  /** `conn.state` changed. */
  stateChange: (state: GatewayConnectionState) => void;
  /** An attempt to reach the gateway again failed. */
  reconnectFailed: (info: { attempt: number; error: Error }) => void;
  /** Errors that concern no request: a DN the gateway could not register, a listener that threw, giving up. */
  error: (error: TlibError) => void;
  /** The connection is closed. */
  close: () => void;
}
