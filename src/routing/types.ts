/**
 * conn.route()'s public types, its error and its defaults (the RoutePoint class is in ./route-point.ts).
 */
import { type RouteErrorCode, TlibError } from '../errors.js';
import type { KVList, KVListInput } from '../protocol/attributes.js';

/** Defaults of `RouteOptions`, in one place. */
export const ROUTE_DEFAULTS = Object.freeze({
  /** Below the switch's usual route timeout (10 s in the simulator): leaves time to fall back. */
  timeoutMs: 5_000,
  /** Handlers running at once per routing point. */
  concurrency: 32,
  /** Route requests waiting for a handler slot; past it a request falls back at once. */
  maxWaiting: 1_000,
  /** Bytes of those waiting requests (their UserData, mostly); past it a request falls back at once. */
  maxWaitingBytes: 16 * 1024 * 1024,
  /**
   * The routing point's own requests on the wire at once (routes, their checks after a failover,
   * the sweep's queries); the rest wait in its own queue, routes first. They go on the
   * connection's routing lane (a window of its own), so the user's requests keep flowing beside
   * a burst and wait at the server behind at most this many routes.
   */
  maxInFlight: 250,
  /** Calls in progress (accepted, not yet routed, defaulted or failed); past it a new one is refused at once. */
  maxPending: 10_000,
  /** ConnIDs remembered so the handler never runs twice for one call (oldest forgotten first). */
  rememberConnIds: 10_000,
});

/** AddressType of a routing point (wire spec 1.1). */
export const ROUTING_POINT = 4;
/** EventError 57: no such call — the switch already routed it (by default) or the caller left. */
export const NO_SUCH_CALL = 57;

/** Where to send a call: a destination DN, a full target, or `null` for the switch's default route. */
export type RouteDecision = string | RouteTarget | null;

/** Where to route a call, with the RequestRouteCall attributes that go with it. */
export interface RouteTarget {
  /** OtherDN: the destination (omit with routeType 1 for the switch's default). */
  destination?: string;
  /**
   * RouteType (see `RouteType`): 1 default, 2 label, 6 direct, 7 reject, 10 direct agent,
   * 13 AgentID (`destination` is an AgentID: the call goes where that agent is logged in),
   * 14 CallDisconnect (no destination: the switch releases the call).
   */
  routeType?: number;
  userData?: KVListInput;
  location?: string;
  dnis?: string;
  extensions?: KVListInput;
}

/** What the handler gets for one EventRouteRequest. */
export interface RouteRequest {
  routingPoint: string;
  connId: string;
  callId: number | undefined;
  callType: number | undefined;
  ani: string | undefined;
  dnis: string | undefined;
  /** OtherDN: the caller. */
  caller: string | undefined;
  queue: string | undefined;
  /** PreviousConnID: for a consultation call (callType 4), the held call it was made from. */
  previousConnId: string | undefined;
  /** MediaType (voice when undefined). */
  mediaType: number | undefined;
  userData: KVList | undefined;
  /** The whole event, as delivered. */
  event: Readonly<Record<string, unknown>>;
  /** Aborted when the answer is no longer wanted (timeout, caller abandoned, handle closed). */
  signal: AbortSignal;
}

/** Decides where a call waiting at the routing point goes: a DN, a RouteTarget, or null for the switch's default route. */
export type RouteHandler = (request: RouteRequest) => RouteDecision | Promise<RouteDecision>;

/** Options of `conn.route(dn, handler, options)`; defaults in `ROUTE_DEFAULTS`. */
export interface RouteOptions {
  /** A handler slower than this falls back (default `ROUTE_DEFAULTS.timeoutMs`). */
  timeoutMs?: number;
  /** Used when the handler throws, is too slow, or too many requests wait. Without it the call gets the switch's default route (RouteType 1) at once. */
  fallback?: RouteDecision;
  /** Handlers running at once (default 32). Excess requests wait, in arrival order. */
  concurrency?: number;
  /** Requests that may wait for a slot (default 1,000); past it they fall back at once. */
  maxWaiting?: number;
  /** Bytes of the requests waiting for a slot (default 16 MiB); past it they fall back at once. */
  maxWaitingBytes?: number;
  /** This routing point's requests on the wire at once (default 250); more wait in its own queue. */
  maxInFlight?: number;
  /** Calls in progress at once (default 10,000); past it a new call is refused (ERR_ROUTE_OVERFLOW) and left to the switch. */
  maxPending?: number;
  /** Closes the handle when aborted. */
  signal?: AbortSignal;
}

/**
 * Counts since the handle started. Every call received ends in exactly one of `routed`,
 * `defaulted`, `abandoned`, `failed`, or is still `running`, `waiting` or `sending`:
 * `received = routed + defaulted + abandoned + failed + running + waiting + sending`.
 */
export interface RouteStats {
  received: number;
  /** Routed where the handler (or the fallback) said. */
  routed: number;
  /** Left to the switch: the handler said null, or the switch had already routed by default (EventError 57 / EventRouteUsed). */
  defaulted: number;
  /**
   * Not routed, each with a RouteError giving the true cause: the server refused the route, it was
   * never sent (the connection refused it client-side or closed), it could not be checked after a
   * failover, the call was refused past `maxPending`, or a call found by the sweep could not be read.
   */
  failed: number;
  /** Of the routed/defaulted, those that went to the fallback. */
  fellBack: number;
  abandoned: number;
  /** EventRouteRequest for a ConnID already handled (a server repeating it after failover): ignored. */
  duplicates: number;
  /** Of the received, calls found waiting at the routing point after a failover whose EventRouteRequest never arrived. */
  recovered: number;
  running: number;
  waiting: number;
  /** Decided, the route queued for the window or on the wire. */
  sending: number;
  /** Handler time over the last 1,024 calls. */
  handlerMs: { p50: number; p99: number; count: number };
}

export type { RouteErrorCode };

/**
 * A route that did not go as the handler meant: it threw, was too slow, overflowed, the route was
 * refused or never sent (`cause` is the error that says why), or the sweep after a failover could
 * not list the calls waiting (`ERR_ROUTE_SWEEP`, the only one without a `connId`).
 */
export class RouteError extends TlibError {
  declare readonly code: RouteErrorCode;
  readonly routingPoint: string;
  readonly connId: string | undefined;
  /** True when the call went to `fallback` instead. */
  readonly fellBack: boolean;
  constructor(code: RouteErrorCode, routingPoint: string, connId: string | undefined, fellBack: boolean, message: string, cause?: unknown) {
    const subject = connId === undefined ? routingPoint : `${routingPoint}: call ${connId}`;
    super(code, `${subject}: ${message}${fellBack ? ' (routed to the fallback)' : ''}`, { cause });
    this.routingPoint = routingPoint;
    this.connId = connId;
    this.fellBack = fellBack;
  }
}

/** How a call left the routing point (`'routed'`). */
export interface RouteOutcome {
  connId: string;
  outcome: 'routed' | 'defaulted';
  /**
   * Where the call went, as EventRouteUsed says: its ThirdPartyDN (protocol 1.2), or its OtherDN
   * from a 1.1 peer that sends no ThirdPartyDN; else the destination asked for. Undefined when the
   * call went nowhere (RouteType 7 reject, 14 CallDisconnect, a default route with no destination).
   */
  destination: string | undefined;
  /** The RouteType sent (undefined: none was sent, the switch routed by default on its own). */
  routeType: number | undefined;
  fellBack: boolean;
}

/** The listeners a RoutePoint takes. */
export interface RoutePointEvents {
  /** A call was routed or defaulted. */
  routed: (outcome: RouteOutcome) => void;
  /** Typed problems (RouteError). Without a listener they become process warnings, never lost. */
  error: (error: RouteError) => void;
}

/**
 * Request options of the routing point's own traffic (routes, their checks, the sweep's queries):
 * the connection's routing lane, with an in-flight window of its own, never refused by the user's
 * offline queue and never taking the user's slots.
 */
export const ROUTING_LANE = Object.freeze({ lane: 'routing' as const });

/** The part of TServerConnection a routing point uses. */
export interface RoutingHost {
  /** Sends a request; resolves with its answering event. */
  request(
    name: string,
    args: Record<string, unknown>,
    options?: { timeoutMs?: number; signal?: AbortSignal; lane?: 'routing' },
  ): Promise<Record<string, unknown>>;
  /** Listens to an event by name. */
  on(event: string, listener: (event: Record<string, unknown>) => void): unknown;
  /** Stops listening. */
  off(event: string, listener: (event: Record<string, unknown>) => void): unknown;
}
