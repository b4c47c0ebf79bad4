/**
 * The sweep of a routing point, at start and after every failover or reconnect: route requests the
 * old primary sent as it died never arrived, and calls that came while no server was primary were
 * never announced. It asks the server which calls wait there (EventAddressInfo lists them in
 * Extensions 'Calls' as ConnID → party state) and hands each one not known yet to the routing
 * point with the call data of a RequestQueryCall.
 *
 * Its queries go through the routing point's window behind the routes (a route finishes a call, a
 * query starts one), and only as fast as found calls can wait for a handler, so a list of 20,000
 * calls never overflows the routing point. A new sweep supersedes the running one: its list is
 * dropped and its late answers ignored (the new list names the same calls). A query that reached a
 * server not primary yet (EventError 52) waits in the connection for one (connection/requests/
 * router.ts), and a query is re-sent by the connection when its server is lost: what comes here
 * is the final answer. Nothing is swallowed: a list that cannot be read is reported
 * (ERR_ROUTE_SWEEP), a call that cannot be read is counted as failed with its cause.
 */
import { TServerError } from '../errors.js';
import type { KVList } from '../protocol/attributes.js';
import { kvGet } from '../protocol/values.js';
import { failureOf, waitsAt } from './checks.js';
import { Fifo } from '../util/fifo.js';
import { NO_SUCH_CALL, RouteError } from './types.js';
import type { RequestWindow } from './window.js';

export interface SweepHost {
  readonly routingPoint: string;
  readonly window: RequestWindow;
  request(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The routing point knows this call already (seen, or in progress). */
  knows(connId: string): boolean;
  /** How many found calls the routing point can take now without overflowing. */
  room(): number;
  /** A call found waiting: served as if its EventRouteRequest had come. */
  found(connId: string, info: Record<string, unknown>): void;
  /** A listed call whose data could not be read: counted as failed with this cause. */
  unreadable(connId: string, err: unknown): void;
  report(err: RouteError): void;
}

export class Sweep {
  private generation = 0;
  private list = new Fifo<string>();
  /** Queries of the current sweep on the wire or waiting for the window. */
  private checking = 0;
  private stopped = false;

  constructor(private readonly host: SweepHost) {}

  /** ConnIDs listed and not yet checked, plus those being checked. */
  get pending(): number {
    return this.list.size + this.checking;
  }

  /** Drops the running sweep's list; answers to its queries are ignored from now on. */
  private supersede(): number {
    this.list = new Fifo();
    this.checking = 0;
    return ++this.generation;
  }

  /** A new sweep: at start, and at every new server. */
  start(): void {
    if (this.stopped) return;
    const generation = this.supersede();
    const { host } = this;
    host.window
      .run(() => host.request('RequestQueryAddress', { ThisDN: host.routingPoint }), false)
      .then(
        (info) => {
          if (generation !== this.generation || this.stopped) return;
          const calls = kvGet(info.Extensions as KVList | undefined, 'Calls');
          if (!Array.isArray(calls)) return; // a server that does not list calls: its default route takes them
          for (const [connId, state] of calls as KVList) if (state === 'routing') this.list.push(connId);
          this.pump();
        },
        (err: unknown) => {
          if (generation !== this.generation || this.stopped) return;
          const rest = "a call whose route request was lost meanwhile gets the switch's default route";
          const why = `the calls waiting could not be listed, ${failureOf(err)}: ${rest}`;
          this.host.report(new RouteError('ERR_ROUTE_SWEEP', host.routingPoint, undefined, false, why, err));
        },
      );
  }

  /** Checks listed calls while the routing point has room for what the checks find. */
  pump(): void {
    const { host } = this;
    while (!this.stopped && this.list.size > 0 && this.checking < host.room()) {
      const connId = this.list.shift() as string;
      if (host.knows(connId)) continue;
      this.checking++;
      const generation = this.generation;
      const settled = (): boolean => {
        if (generation !== this.generation || this.stopped) return false;
        this.checking--;
        return true;
      };
      host.window
        .run(() => host.request('RequestQueryCall', { ConnID: connId }), false)
        .then(
          (info) => {
            if (!settled()) return;
            if (!host.knows(connId) && waitsAt(info, host.routingPoint)) host.found(connId, info);
            this.pump();
          },
          (err: unknown) => {
            if (!settled()) return;
            // 57: routed by default or abandoned since the list was made; nothing to serve.
            if (!(err instanceof TServerError && err.errorCode === NO_SUCH_CALL) && !host.knows(connId)) host.unreadable(connId, err);
            this.pump();
          },
        );
    }
  }

  stop(): void {
    this.stopped = true;
    this.supersede();
  }
}
