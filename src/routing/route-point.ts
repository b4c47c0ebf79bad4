/**
 * A routing point served by a handler: `conn.route(routingPoint, handler, options)`.
 *
 * For every EventRouteRequest on the routing point the handler decides a destination, and the
 * answer goes back as RequestRouteCall before the switch's route timeout. What makes it hard to
 * misuse: every request is answered exactly once (handler result, fallback, or the switch's own
 * default), the handler runs at most once per ConnID, concurrency and waiting are bounded, a slow or
 * throwing handler is reported and falls back, and a route interrupted by a failover is sent again
 * to the new primary only if the call still waits there (a query tells), so no call is routed twice.
 */
import { EventEmitter } from 'eventemitter3';
import { InvalidArgumentError, RequestInterruptedError, TServerError } from '../errors.js';
import type { KVList } from '../protocol/attributes.js';
import { kvGet } from '../protocol/values.js';
import { type Clock, clockOf } from '../util/clock.js';
import { checkArguments, describe, isDecision, waitsAt } from './checks.js';
import {
  NO_SUCH_CALL,
  ROUTE_DEFAULTS,
  ROUTE_TYPE_DEFAULT,
  ROUTING_POINT,
  RouteError,
  type RouteDecision,
  type RouteErrorCode,
  type RouteHandler,
  type RouteOptions,
  type RoutePointEvents,
  type RouteRequest,
  type RouteStats,
  type RouteTarget,
  type RoutingHost,
} from './types.js';

interface Entry {
  connId: string;
  request: RouteRequest;
  abort: AbortController;
  timer: unknown;
  /** Set once the answer is decided (handler, fallback, abandon): later results are ignored. */
  decided: boolean;
  running: boolean;
}

const HANDLER_SAMPLES = 1_024;

/** Routing points in use per host: two handles on one routing point would route calls twice. */
const inUse = new WeakMap<object, Set<string>>();

/** A routing point being served. Get one from `conn.route()`; `close()` unregisters it. */
export class RoutePoint extends EventEmitter<RoutePointEvents> {
  readonly routingPoint: string;
  private readonly host: RoutingHost;
  private readonly handler: RouteHandler;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly maxWaiting: number;
  private readonly fallback: RouteDecision | undefined;
  private readonly entries = new Map<string, Entry>();
  /** FIFO of entries waiting for a slot (head index: O(1) dequeue). */
  private waitingList: Entry[] = [];
  private waitingHead = 0;
  private readonly seen = new Set<string>();
  private readonly samples = new Float64Array(HANDLER_SAMPLES);
  private sampleCount = 0;
  private running = 0;
  private closed = false;
  private readonly counts = { received: 0, routed: 0, defaulted: 0, failed: 0, fellBack: 0, abandoned: 0, duplicates: 0, recovered: 0 };
  private readonly onRouteRequest = (e: Record<string, unknown>) => this.arrive(e);
  private readonly onCallGone = (e: Record<string, unknown>) => this.gone(e);
  private readonly onAbortSignal = () => void this.close();
  private readonly onNewServer = () => this.sweep();
  private readonly signal: AbortSignal | undefined;
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
    this.fallback = options.fallback;
    this.signal = options.signal;
    this.clock = clockOf(host);
  }

  /** Registers the routing point (kept registered across reconnects and failovers) and starts serving it. */
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
      await host.request('RequestRegisterAddress', { ThisDN: routingPoint, AddressType: ROUTING_POINT });
    } catch (err) {
      rp.detach();
      throw err;
    }
    options.signal?.addEventListener('abort', rp.onAbortSignal, { once: true });
    return rp;
  }

  stats(): RouteStats {
    const n = Math.min(this.sampleCount, HANDLER_SAMPLES);
    const sorted = Array.from(this.samples.subarray(0, n)).sort((a, b) => a - b);
    const pick = (q: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.floor(q * n))]);
    return {
      ...this.counts,
      running: this.running,
      waiting: this.waitingList.length - this.waitingHead,
      handlerMs: { p50: pick(0.5), p99: pick(0.99), count: this.sampleCount },
    };
  }

  /**
   * Stops serving: running handlers are aborted (their results ignored), waiting requests are left
   * to the switch's default route, and the routing point is unregistered.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.detach();
    // Waiting ones first, so settling a running one starts nothing new.
    this.waitingList = [];
    this.waitingHead = 0;
    for (const entry of [...this.entries.values()]) this.settleEntry(entry);
    try {
      await this.host.request('RequestUnregisterAddress', { ThisDN: this.routingPoint });
    } catch {
      // Closed connection or server gone: nothing stays registered anyway.
    }
  }

  private detach(): void {
    this.closed = true;
    this.host.off('EventRouteRequest', this.onRouteRequest);
    this.host.off('EventRouteUsed', this.onCallGone);
    this.host.off('EventAbandoned', this.onCallGone);
    this.host.off('EventPrimaryChanged', this.onNewServer);
    this.host.off('EventServerConnected', this.onNewServer);
    this.signal?.removeEventListener('abort', this.onAbortSignal);
    inUse.get(this.host)?.delete(this.routingPoint);
  }

  private arrive(e: Record<string, unknown>): void {
    if (e.ThisDN !== this.routingPoint || typeof e.ConnID !== 'string' || this.closed) return;
    const connId = e.ConnID;
    if (this.seen.has(connId)) {
      this.counts.duplicates++;
      return;
    }
    this.remember(connId);
    this.counts.received++;
    const abort = new AbortController();
    const entry: Entry = {
      connId,
      abort,
      timer: undefined,
      decided: false,
      running: false,
      request: {
        routingPoint: this.routingPoint,
        connId,
        callId: e.CallID as number | undefined,
        callType: e.CallType as number | undefined,
        ani: e.ANI as string | undefined,
        dnis: e.DNIS as string | undefined,
        caller: e.OtherDN as string | undefined,
        queue: e.ThisQueue as string | undefined,
        userData: e.UserData as KVList | undefined,
        event: e,
        signal: abort.signal,
      },
    };
    this.entries.set(connId, entry);
    // The deadline counts from arrival: waiting for a slot uses the same budget.
    entry.timer = this.clock.setTimeout(
      () => this.giveUp(entry, 'ERR_ROUTE_TIMEOUT', `the handler took longer than ${this.timeoutMs} ms`),
      this.timeoutMs,
    );
    if (this.running < this.concurrency) this.run(entry);
    else if (this.waitingList.length - this.waitingHead < this.maxWaiting) this.waitingList.push(entry);
    else
      this.giveUp(entry, 'ERR_ROUTE_OVERFLOW', `${this.maxWaiting} requests already wait for a handler (concurrency ${this.concurrency})`);
  }

  /**
   * After a failover or reconnect: route requests the old primary sent as it died never arrived.
   * Ask the new server which calls wait at the routing point (EventAddressInfo lists them in
   * Extensions 'Calls' as ConnID → party state) and serve those not seen yet, with the call data a
   * RequestQueryCall gives. A server that does not list calls leaves them to its default route.
   */
  private sweep(): void {
    if (this.closed) return;
    this.host.request('RequestQueryAddress', { ThisDN: this.routingPoint }).then(
      (info) => {
        const calls = kvGet(info.Extensions as KVList | undefined, 'Calls');
        if (!Array.isArray(calls)) return;
        for (const [connId, state] of calls as KVList) {
          if (state !== 'routing' || this.seen.has(connId) || this.closed) continue;
          this.host.request('RequestQueryCall', { ConnID: connId }).then(
            (call) => {
              if (this.closed || this.seen.has(connId) || !waitsAt(call, this.routingPoint)) return;
              this.counts.recovered++;
              this.arrive({ ...call, Event: 'EventRouteRequest', ThisDN: this.routingPoint, ConnID: connId });
            },
            () => undefined, // gone meanwhile (57) or no server: nothing to route
          );
        }
      },
      () => undefined, // the routing point is re-registered and the next failover sweeps again
    );
  }

  private remember(connId: string): void {
    this.seen.add(connId);
    if (this.seen.size > ROUTE_DEFAULTS.rememberConnIds) this.seen.delete(this.seen.values().next().value as string);
  }

  private run(entry: Entry): void {
    entry.running = true;
    this.running++;
    const started = this.clock.now();
    let result: Promise<RouteDecision>;
    try {
      result = Promise.resolve(this.handler(entry.request));
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (decision) => {
        this.sample(this.clock.now() - started);
        if (entry.decided) return;
        if (!isDecision(decision)) {
          this.giveUp(
            entry,
            'ERR_ROUTE_HANDLER',
            `the handler returned ${describe(decision)}: expected a destination string, { destination, routeType, userData }, or null`,
          );
          return;
        }
        this.settleEntry(entry);
        this.send(entry.connId, decision, false);
      },
      (err: unknown) => {
        this.sample(this.clock.now() - started);
        if (!entry.decided) this.giveUp(entry, 'ERR_ROUTE_HANDLER', `the handler threw: ${(err as Error)?.message ?? String(err)}`, err);
      },
    );
  }

  private sample(ms: number): void {
    this.samples[this.sampleCount % HANDLER_SAMPLES] = ms;
    this.sampleCount++;
  }

  /** Ends an entry's wait: timer cleared, handler aborted, slot freed (the next waiting one runs). */
  private settleEntry(entry: Entry): void {
    if (entry.decided) return;
    entry.decided = true;
    this.clock.clearTimeout(entry.timer);
    entry.abort.abort();
    this.entries.delete(entry.connId);
    if (entry.running) {
      entry.running = false;
      this.running--;
      this.pump();
    }
  }

  private pump(): void {
    while (!this.closed && this.running < this.concurrency && this.waitingHead < this.waitingList.length) {
      const next = this.waitingList[this.waitingHead++];
      if (!next.decided) this.run(next);
    }
    if (this.waitingHead > 1_024 && this.waitingHead * 2 > this.waitingList.length) {
      this.waitingList = this.waitingList.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }

  private giveUp(entry: Entry, code: RouteErrorCode, message: string, cause?: unknown): void {
    if (entry.decided) return;
    this.settleEntry(entry);
    const fellBack = this.fallback !== undefined;
    this.report(new RouteError(code, this.routingPoint, entry.connId, fellBack, message, cause));
    // Without a fallback, ask the switch's default route now rather than at its own timeout.
    this.send(entry.connId, fellBack ? (this.fallback as RouteDecision) : null, fellBack);
  }

  /** EventRouteUsed (the switch routed, e.g. by default) or EventAbandoned for a call still waiting. */
  private gone(e: Record<string, unknown>): void {
    if (e.ThisDN !== this.routingPoint || typeof e.ConnID !== 'string') return;
    const entry = this.entries.get(e.ConnID);
    if (!entry || e.ReferenceID !== undefined) return;
    this.settleEntry(entry);
    if (e.Event === 'EventAbandoned') this.counts.abandoned++;
    else this.counts.defaulted++;
  }

  private send(connId: string, decision: RouteDecision, fellBack: boolean): void {
    if (this.closed) return;
    const target: RouteTarget =
      decision === null ? { routeType: ROUTE_TYPE_DEFAULT } : typeof decision === 'string' ? { destination: decision } : decision;
    const byDefault = target.destination === undefined && target.routeType === ROUTE_TYPE_DEFAULT;
    const args: Record<string, unknown> = { ThisDN: this.routingPoint, ConnID: connId };
    if (target.destination !== undefined) args.OtherDN = target.destination;
    if (target.routeType !== undefined) args.RouteType = target.routeType;
    if (target.location !== undefined) args.Location = target.location;
    if (target.dnis !== undefined) args.DNIS = target.dnis;
    if (target.userData !== undefined) args.UserData = target.userData;
    if (target.extensions !== undefined) args.Extensions = target.extensions;
    const outcome = (kind: 'routed' | 'defaulted') => {
      this.counts[kind]++;
      if (fellBack) this.counts.fellBack++;
      this.safeEmit('routed', { connId, outcome: kind, destination: target.destination, fellBack });
    };
    this.host.request('RequestRouteCall', args).then(
      () => outcome(byDefault ? 'defaulted' : 'routed'),
      (err: unknown) => {
        if (err instanceof TServerError && err.errorCode === NO_SUCH_CALL) outcome('defaulted');
        else if (err instanceof RequestInterruptedError)
          this.resendAfterFailover(connId, args, () => outcome(byDefault ? 'defaulted' : 'routed'), fellBack);
        else this.fail(connId, fellBack, `the server refused the route: ${(err as Error).message}`, err);
      },
    );
  }

  /**
   * The route went to a primary that was lost before answering: whether it took effect is unknown.
   * Ask the new primary (the query waits for it): re-send only if the call still waits at the
   * routing point, so no call is routed twice.
   */
  private resendAfterFailover(connId: string, args: Record<string, unknown>, done: () => void, fellBack: boolean): void {
    this.host.request('RequestQueryCall', { ConnID: connId }).then(
      (info) => {
        if (!waitsAt(info, this.routingPoint)) {
          done(); // routed by the old primary before it went
          return;
        }
        this.host.request('RequestRouteCall', args).then(done, (err: unknown) => {
          if (err instanceof TServerError && err.errorCode === NO_SUCH_CALL) done();
          else this.fail(connId, fellBack, `the route could not be sent after a failover: ${(err as Error).message}`, err);
        });
      },
      (err: unknown) => {
        // EventError 57: the call is gone (routed by default, or the caller hung up).
        if (err instanceof TServerError && err.errorCode === NO_SUCH_CALL) {
          this.counts.defaulted++;
          return;
        }
        this.fail(connId, fellBack, `the call could not be checked after a failover: ${(err as Error).message}`, err);
      },
    );
  }

  private fail(connId: string, fellBack: boolean, message: string, cause: unknown): void {
    this.counts.failed++;
    this.report(new RouteError('ERR_ROUTE_FAILED', this.routingPoint, connId, fellBack, message, cause));
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
