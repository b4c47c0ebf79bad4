/**
 * A routing point served by a handler: `conn.route(routingPoint, handler, options)`.
 *
 * For every EventRouteRequest on the routing point the handler decides a destination, and the
 * answer goes back as RequestRouteCall before the switch's route timeout. What makes it hard to
 * misuse: every call accepted ends exactly once — routed, defaulted, abandoned, or failed with a
 * RouteError naming the true cause — the handler runs at most once per ConnID, handlers, waiting
 * calls (count and bytes), calls in progress and requests on the wire are each bounded, a slow or
 * throwing handler is reported and falls back, and a route interrupted by a failover is sent again
 * to the new primary only if the call still waits there (a query tells), so no call is routed twice.
 * Work refused by a server not primary yet waits for one in the connection (its request router).
 *
 * The routing point's requests go through its own window (./window.ts): a burst of routes takes at
 * most `maxInFlight` of the connection's slots, never waits in the user's request queue, and the
 * user's requests keep flowing beside it.
 */
import { EventEmitter } from 'eventemitter3';
import { InvalidArgumentError } from '../errors.js';
import type { KVList } from '../protocol/attributes.js';
import { carryOut, type Ending, routeArgs } from './carry-out.js';
import { approxBytes, checkArguments, decisionProblem, failureOf, routeUsedDestination } from './checks.js';
import { showValue } from '../util/show-value.js';
import { type Clock, clockOf } from '../util/clock.js';
import { Fifo } from '../util/fifo.js';
import { holdRegistration, releaseRegistration } from './registration.js';
import { Sweep } from './sweep.js';
import {
  ROUTE_DEFAULTS,
  ROUTING_LANE,
  ROUTING_POINT,
  RouteError,
  type RouteDecision,
  type RouteErrorCode,
  type RouteHandler,
  type RouteOptions,
  type RoutePointEvents,
  type RouteRequest,
  type RouteStats,
  type RoutingHost,
} from './types.js';
import { RequestWindow } from './window.js';

interface Entry {
  connId: string;
  /** What the handler gets; dropped once decided (the event may be large). */
  request: RouteRequest | undefined;
  /** Made when the handler first reads `signal` (most never do; an abort costs a DOMException). */
  abort: AbortController | undefined;
  timer: unknown;
  /** 'new' until placed: running a handler, waiting for one, or (decided) sending its route. */
  stage: 'new' | 'waiting' | 'running' | 'sending';
  /** approxBytes of the request while it waits for a handler. */
  bytes: number;
  /** The switch ended the call (EventAbandoned, a default EventRouteUsed) while its route was being sent. */
  gone: 'abandoned' | 'defaulted' | undefined;
}

const HANDLER_SAMPLES = 1_024;

/** Routing points in use per host: two handles on one routing point would route calls twice. */
const inUse = new WeakMap<object, Set<string>>();

/** A routing point being served. Get one from `conn.route()`; `close()` unregisters it. */
export class RoutePoint extends EventEmitter<RoutePointEvents> {
  readonly routingPoint: string;
  /** The routing point's own requests on the wire (routes, checks, sweep queries). */
  readonly window: RequestWindow;
  private readonly host: RoutingHost;
  private readonly handler: RouteHandler;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly maxWaiting: number;
  private readonly maxWaitingBytes: number;
  private readonly maxPending: number;
  private readonly fallback: RouteDecision | undefined;
  private readonly signal: AbortSignal | undefined;
  /** Calls in progress, by ConnID (waiting, running or sending). */
  private readonly entries = new Map<string, Entry>();
  /** Entries waiting for a handler slot, in arrival order (decided ones are skipped). */
  private readonly waitingList = new Fifo<Entry>();
  private waiting = 0;
  private waitingBytes = 0;
  private running = 0;
  private sending = 0;
  /** ConnIDs handled lately (in progress ones are in `entries`), so a repeated request is a duplicate. */
  private readonly seen = new Set<string>();
  /** The same ConnIDs in arrival order, a ring: the oldest is forgotten in O(1) (a Set's own head is not). */
  private readonly seenOrder: string[] = [];
  private seenNext = 0;
  private readonly samples = new Float64Array(HANDLER_SAMPLES);
  private sampleCount = 0;
  private readonly counts = { received: 0, routed: 0, defaulted: 0, failed: 0, fellBack: 0, abandoned: 0, duplicates: 0, recovered: 0 };
  private readonly sweep: Sweep;
  /** Set by close(): nothing new is accepted, no handler starts; routes in progress finish. */
  private closed = false;
  private closing: Promise<void> | undefined;
  /** The one promise every onIdle() caller shares while calls are in progress, and how to resolve it. */
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;
  private readonly onRouteRequest = (e: Record<string, unknown>) => this.arrive(e, false);
  private readonly onCallGone = (e: Record<string, unknown>) => this.gone(e);
  private readonly onAbortSignal = () => void this.close();
  private readonly onNewServer = () => this.sweep.start();
  /** The host's clock (the connection's): the handler timeout and its timing. */
  private readonly clock: Clock;

  private constructor(host: RoutingHost, routingPoint: string, handler: RouteHandler, options: RouteOptions) {
    super();
    this.host = host;
    this.routingPoint = routingPoint;
    this.handler = handler;
    this.timeoutMs = options.timeoutMs ?? ROUTE_DEFAULTS.timeoutMs;
    this.concurrency = options.concurrency ?? ROUTE_DEFAULTS.concurrency;
    this.maxWaiting = options.maxWaiting ?? ROUTE_DEFAULTS.maxWaiting;
    this.maxWaitingBytes = options.maxWaitingBytes ?? ROUTE_DEFAULTS.maxWaitingBytes;
    this.maxPending = options.maxPending ?? ROUTE_DEFAULTS.maxPending;
    this.fallback = options.fallback;
    this.signal = options.signal;
    this.clock = clockOf(host);
    this.window = new RequestWindow(options.maxInFlight ?? ROUTE_DEFAULTS.maxInFlight);
    this.sweep = new Sweep({
      routingPoint,
      window: this.window,
      request: (name, args) => this.host.request(name, args, ROUTING_LANE),
      knows: (connId) => this.entries.has(connId) || this.seen.has(connId),
      room: () => Math.min(this.concurrency - this.running + this.maxWaiting - this.waiting, this.maxPending - this.entries.size),
      found: (connId, info) => this.arrive({ ...info, Event: 'EventRouteRequest', ThisDN: routingPoint, ConnID: connId }, true),
      unreadable: (connId, err) => {
        this.remember(connId);
        this.counts.received++;
        this.counts.recovered++;
        this.failed(connId, false, 'ERR_ROUTE_FAILED', `found waiting after a new server took over, but ${failureOf(err)}`, err);
      },
      report: (err) => this.report(err),
    });
  }

  /**
   * Registers the routing point (kept registered across reconnects and failovers; shared with a
   * dialer dialling for it, ./registration.ts), starts serving it, and serves the calls already
   * waiting there (the sweep).
   */
  static async start(host: RoutingHost, routingPoint: string, handler: RouteHandler, options: RouteOptions = {}): Promise<RoutePoint> {
    checkArguments(routingPoint, handler, options);
    const points = inUse.get(host) ?? new Set<string>();
    if (points.has(routingPoint))
      throw new InvalidArgumentError(`route(): routing point ${routingPoint} is already served by another handle; close() it first`);
    options.signal?.throwIfAborted();
    const rp = new RoutePoint(host, routingPoint, handler, options);
    points.add(routingPoint);
    inUse.set(host, points);
    // Listen first: a route request may come right after the registration is answered.
    host.on('EventRouteRequest', rp.onRouteRequest);
    host.on('EventRouteUsed', rp.onCallGone);
    host.on('EventAbandoned', rp.onCallGone);
    host.on('EventPrimaryChanged', rp.onNewServer);
    host.on('EventServerConnected', rp.onNewServer);
    try {
      await holdRegistration(host, routingPoint, { AddressType: ROUTING_POINT });
    } catch (err) {
      rp.detach();
      throw err;
    }
    options.signal?.addEventListener('abort', rp.onAbortSignal, { once: true });
    rp.sweep.start();
    return rp;
  }

  /** Counts since the routing point started, and the handler's latency. */
  stats(): RouteStats {
    const n = Math.min(this.sampleCount, HANDLER_SAMPLES);
    const sorted = Array.from(this.samples.subarray(0, n)).sort((a, b) => a - b);
    const pick = (q: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.floor(q * n))]);
    return {
      ...this.counts,
      running: this.running,
      waiting: this.waiting,
      sending: this.sending,
      handlerMs: { p50: pick(0.5), p99: pick(0.99), count: this.sampleCount },
    };
  }

  /**
   * Resolves once no call is in progress — none waiting for the handler, running it, or with its
   * route on the wire — so every call received so far is counted in `stats()` as ended (routed,
   * defaulted, failed or abandoned); at once when none is. Calls a sweep has yet to find are not
   * in progress. One promise is shared by every caller until then; it never rejects.
   */
  onIdle(): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    if (this.idle === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.idle = { promise, resolve };
    }
    return this.idle.promise;
  }

  /**
   * Stops serving: nothing new is accepted, running handlers are aborted (their results ignored),
   * every call not yet decided gets the switch's default route now (RouteType 1) rather than at
   * the switch's own timeout, routes on the wire finish, and the routing point is unregistered.
   * Resolves when every call it accepted has ended.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    this.detach();
    this.sweep.stop();
    for (const entry of [...this.entries.values()]) if (entry.stage !== 'sending') this.decide(entry, null, false);
    await this.onIdle();
    await releaseRegistration(this.host, this.routingPoint); // unregistered unless a dialer still uses it
  }

  private detach(): void {
    this.host.off('EventRouteRequest', this.onRouteRequest);
    this.host.off('EventRouteUsed', this.onCallGone);
    this.host.off('EventAbandoned', this.onCallGone);
    this.host.off('EventPrimaryChanged', this.onNewServer);
    this.host.off('EventServerConnected', this.onNewServer);
    this.signal?.removeEventListener('abort', this.onAbortSignal);
    inUse.get(this.host)?.delete(this.routingPoint);
  }

  private arrive(e: Record<string, unknown>, recovered: boolean): void {
    if (e.ThisDN !== this.routingPoint || typeof e.ConnID !== 'string' || this.closed) return;
    const connId = e.ConnID;
    if (this.entries.has(connId) || this.seen.has(connId)) {
      this.counts.duplicates++;
      return;
    }
    this.remember(connId);
    this.counts.received++;
    if (recovered) this.counts.recovered++;
    if (this.entries.size >= this.maxPending) {
      this.failed(
        connId,
        false,
        'ERR_ROUTE_OVERFLOW',
        `${this.maxPending} calls are already in progress (maxPending): nothing was sent, the switch's default route takes the call`,
      );
      return;
    }
    const entry: Entry = {
      connId,
      abort: undefined,
      timer: undefined,
      stage: 'new',
      bytes: 0,
      gone: undefined,
      request: undefined,
    };
    entry.request = {
      routingPoint: this.routingPoint,
      connId,
      callId: e.CallID as number | undefined,
      callType: e.CallType as number | undefined,
      ani: e.ANI as string | undefined,
      dnis: e.DNIS as string | undefined,
      caller: e.OtherDN as string | undefined,
      queue: e.ThisQueue as string | undefined,
      previousConnId: e.PreviousConnID as string | undefined,
      mediaType: e.MediaType as number | undefined,
      userData: e.UserData as KVList | undefined,
      event: e,
      get signal(): AbortSignal {
        if (entry.abort === undefined) {
          entry.abort = new AbortController();
          if (entry.stage === 'sending') entry.abort.abort(); // read after the answer was decided
        }
        return entry.abort.signal;
      },
    };
    this.entries.set(connId, entry);
    // The deadline counts from arrival: waiting for a slot uses the same budget.
    entry.timer = this.clock.setTimeout(
      () => this.giveUp(entry, 'ERR_ROUTE_TIMEOUT', `the handler took longer than ${this.timeoutMs} ms`),
      this.timeoutMs,
    );
    if (this.running < this.concurrency && this.waiting === 0) {
      this.run(entry);
      return;
    }
    entry.bytes = approxBytes(e);
    if (this.waiting < this.maxWaiting && this.waitingBytes + entry.bytes <= this.maxWaitingBytes) {
      entry.stage = 'waiting';
      this.waiting++;
      this.waitingBytes += entry.bytes;
      this.waitingList.push(entry);
      return;
    }
    const why =
      this.waiting >= this.maxWaiting
        ? `${this.maxWaiting} requests already wait for a handler (maxWaiting; concurrency ${this.concurrency})`
        : `the requests waiting for a handler hold ${this.waitingBytes} bytes and this one ${entry.bytes} (maxWaitingBytes ${this.maxWaitingBytes})`;
    this.giveUp(entry, 'ERR_ROUTE_OVERFLOW', why);
  }

  private remember(connId: string): void {
    if (this.seenOrder.length === ROUTE_DEFAULTS.rememberConnIds) this.seen.delete(this.seenOrder[this.seenNext]);
    this.seenOrder[this.seenNext] = connId;
    this.seenNext = (this.seenNext + 1) % ROUTE_DEFAULTS.rememberConnIds;
    this.seen.add(connId);
  }

  private run(entry: Entry): void {
    entry.stage = 'running';
    this.running++;
    const started = this.clock.now();
    let result: Promise<RouteDecision>;
    try {
      result = Promise.resolve(this.handler(entry.request as RouteRequest));
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (decision) => {
        this.sample(this.clock.now() - started);
        if (entry.stage !== 'running') return;
        const problem = decisionProblem(decision);
        if (problem !== undefined) this.giveUp(entry, 'ERR_ROUTE_HANDLER', `the handler returned ${showValue(decision)}: ${problem}`);
        else this.decide(entry, decision, false);
      },
      (err: unknown) => {
        this.sample(this.clock.now() - started);
        if (entry.stage === 'running')
          this.giveUp(entry, 'ERR_ROUTE_HANDLER', `the handler threw: ${(err as Error)?.message ?? String(err)}`, err);
      },
    );
  }

  private sample(ms: number): void {
    this.samples[this.sampleCount % HANDLER_SAMPLES] = ms;
    this.sampleCount++;
  }

  /** An undecided entry is decided: timer cleared, handler aborted, its slot freed for the next one. */
  private leaveHandler(entry: Entry): void {
    this.clock.clearTimeout(entry.timer);
    entry.abort?.abort();
    entry.request = undefined;
    if (entry.stage === 'running') this.running--;
    else if (entry.stage === 'waiting') {
      this.waiting--;
      this.waitingBytes -= entry.bytes;
      // A decided entry stays in the list until pumped; once such entries are most of it, they go now.
      if (this.waitingList.size > 2 * this.waiting + 64) this.waitingList.retain((e) => e.stage === 'waiting' && e !== entry);
    }
    entry.stage = 'sending';
    this.sending++;
    this.pump();
  }

  /** Starts handlers for waiting entries while slots are free, then lets the sweep add more. */
  private pump(): void {
    if (this.closed) return;
    while (this.running < this.concurrency && this.waitingList.size > 0) {
      const next = this.waitingList.shift() as Entry;
      if (next.stage !== 'waiting' || !this.entries.has(next.connId)) continue; // decided while it waited
      this.waiting--;
      this.waitingBytes -= next.bytes;
      this.run(next);
    }
    this.sweep.pump();
  }

  private giveUp(entry: Entry, code: RouteErrorCode, message: string, cause?: unknown): void {
    if (entry.stage === 'sending') return;
    const fellBack = this.fallback !== undefined;
    this.report(new RouteError(code, this.routingPoint, entry.connId, fellBack, message, cause));
    // Without a fallback, ask the switch's default route now rather than at its own timeout.
    this.decide(entry, fellBack ? (this.fallback as RouteDecision) : null, fellBack);
  }

  /** The answer for an undecided entry is known: its route goes through the window. */
  private decide(entry: Entry, decision: RouteDecision, fellBack: boolean): void {
    this.leaveHandler(entry);
    const args = routeArgs(this.routingPoint, entry.connId, decision);
    void carryOut(this.host, this.window, args, () => entry.gone).then((carried) => {
      if (carried.ending === 'failed') this.failed(entry.connId, fellBack, 'ERR_ROUTE_FAILED', carried.message, carried.cause);
      else this.finish(entry, carried.ending, carried.destination, args.RouteType as number | undefined, fellBack);
    });
  }

  /** EventRouteUsed (the switch routed, e.g. by default) or EventAbandoned for a call in progress. */
  private gone(e: Record<string, unknown>): void {
    if (e.ThisDN !== this.routingPoint || typeof e.ConnID !== 'string' || e.ReferenceID !== undefined) return;
    const entry = this.entries.get(e.ConnID);
    if (!entry) return;
    const ending = e.Event === 'EventAbandoned' ? 'abandoned' : 'defaulted';
    if (entry.stage === 'sending') {
      entry.gone = ending; // its route will get EventError 57
      return;
    }
    this.leaveHandler(entry);
    this.finish(entry, ending, routeUsedDestination(e), undefined, false);
  }

  private finish(entry: Entry, ending: Ending, destination: string | undefined, routeType: number | undefined, fellBack: boolean): void {
    this.end(entry.connId);
    this.counts[ending]++;
    if (ending === 'abandoned') return;
    if (fellBack) this.counts.fellBack++;
    this.safeEmit('routed', { connId: entry.connId, outcome: ending, destination, routeType, fellBack });
  }

  private failed(connId: string, fellBack: boolean, code: RouteErrorCode, message: string, cause?: unknown): void {
    this.end(connId);
    this.counts.failed++;
    this.report(new RouteError(code, this.routingPoint, connId, fellBack, message, cause));
  }

  /** The call is no longer in progress. */
  private end(connId: string): void {
    if (this.entries.get(connId)?.stage === 'sending') this.sending--;
    if (!this.entries.delete(connId)) return;
    this.sweep.pump();
    if (this.entries.size === 0 && this.idle !== undefined) {
      this.idle.resolve();
      this.idle = undefined;
    }
  }

  private report(err: RouteError): void {
    if (this.listenerCount('error') > 0) this.safeEmit('error', err);
    else process.emitWarning(err.message, { code: err.code });
  }

  /** A throwing listener must not break routing: it is reported as a process warning. */
  private safeEmit<K extends keyof RoutePointEvents>(name: K, arg: Parameters<RoutePointEvents[K]>[0]): void {
    for (const listener of this.listeners(name)) {
      try {
        (listener as (a: unknown) => void)(arg);
      } catch (err) {
        process.emitWarning(`a RoutePoint '${name}' listener threw: ${(err as Error)?.message ?? String(err)}`, { code: 'ERR_HANDLER' });
      }
    }
  }
}
