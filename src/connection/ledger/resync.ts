/**
 * Resync after EventPrimaryChanged or a reconnect: query the location, every call of the state
 * model (at most maxCalls), every registered DN and the calls DN answers found, through a window of
 * at most `window` queries in flight at once (a server that flooded ConnIDs gets a bounded stream
 * of queries, not 100,000 at once). Answers are delivered as ordinary events and correct the state
 * model as they arrive; a 'resynced' summary with the corrections follows. A newer resync
 * supersedes a running one: the old one sends nothing more, its queries still waiting in the
 * router are dropped, its late answers are ignored and its summary is never emitted.
 */
import createDebug from 'debug';
import { TServerError, type TlibError } from '../../errors.js';
import type { RequestName } from '../../protocol/messages.js';
import type { Clock } from '../../util/clock.js';
import { publishDiagnostics } from '../diagnostics.js';
import type { Ledger } from './ledger.js';
import type { RequestRouter } from '../requests/router.js';
import type { ResyncSummary } from '../types.js';

const debug = createDebug('tlib:connection');

export interface ResyncHost {
  readonly owner: object;
  readonly router: RequestRouter;
  readonly ledger: Ledger;
  /** Queries in flight at once when a run starts. */
  readonly window: number;
  /** Most queries in flight at once, once answers come back (default `window`: a fixed window). */
  readonly maxWindow?: number;
  readonly clock: Clock;
  done(summary: ResyncSummary): void;
}

/**
 * A resync's window, as TCP's slow start: `initial` queries at once; after a window's worth of
 * answers in a row it doubles, up to `max`. An EventError answer (a server that answers but
 * refuses, a call that is gone) starts the count again: the window stays. A query that got no
 * answer (timed out, interrupted) puts it back to `initial`, as a TCP retransmission timeout does.
 * So a server that never answers keeps it at `initial`, and one that answers fast gets the
 * queries with less waiting per round trip.
 */
export class ResyncWindow {
  /** Queries allowed in flight now. */
  size: number;
  private readonly max: number;
  /** Answers in a row since the window last changed or an answer was a refusal. */
  private streak = 0;

  constructor(
    private readonly initial: number,
    max: number,
  ) {
    this.size = initial;
    this.max = Math.max(initial, max);
  }

  answered(): void {
    if (++this.streak < this.size) return;
    this.streak = 0;
    this.size = Math.min(this.max, this.size * 2);
  }

  refused(): void {
    this.streak = 0;
  }

  unanswered(): void {
    this.streak = 0;
    this.size = this.initial;
  }
}

type Query = [name: RequestName, attributes: Record<string, unknown>, target: string];

/**
 * One resync: its plan and progress. Queries go on the router's resync lane, at most its window in
 * flight or queued there at once — the superseded resyncs' queries still on the wire included —
 * so however often resyncs supersede each other the lane never holds more than one window. Each
 * run starts at the initial window.
 */
class ResyncRun {
  private readonly queue: Query[] = [['RequestQueryLocation', {}, 'location']];
  private next = 0;
  private inFlight = 0;
  private readonly errors: ResyncSummary['errors'] = [];
  private readonly started: number;
  private readonly dns: number;
  private readonly window: ResyncWindow;

  constructor(
    private readonly host: ResyncHost,
    private readonly owner: Resync,
    private readonly server: string,
  ) {
    const model = host.ledger.model;
    this.started = host.clock.now();
    this.window = new ResyncWindow(host.window, host.maxWindow ?? host.window);
    const plan = model.beginResync();
    // Calls before DNs: a call answer listing every party moves a call between DNs as one
    // correction. The calls DN answers found are queued behind (at most maxCalls in all).
    for (const connId of plan.calls) this.queueCall(connId);
    for (const dn of plan.dns) this.queue.push(['RequestQueryAddress', { ThisDN: dn }, dn]);
    this.dns = plan.dns.length;
    debug('%s: resync of %d DNs and %d calls (window %d)', server, plan.dns.length, plan.calls.length, host.window);
  }

  private get current(): boolean {
    return this.owner.current === this;
  }

  private queueCall(connId: string): void {
    this.queue.push(['RequestQueryCall', { ConnID: connId }, connId]);
  }

  /** Sends what the lane has room for; completes when everything has landed. */
  pump(): void {
    if (!this.current) return;
    const { router } = this.host;
    const window = this.window.size;
    while (this.next < this.queue.length && router.occupancy('resync') < window) this.launch(this.queue[this.next++]);
    if (this.inFlight === 0 && this.next >= this.queue.length) this.complete();
  }

  private launch([name, attributes, target]: Query): void {
    const { router } = this.host;
    this.inFlight++;
    const p = router.create(name, attributes, {}, { lane: 'resync', deliverAnswer: true, target: undefined });
    router.submit(p);
    p.promise.then(
      (e) => {
        if (this.landed()) this.answered(name, target, e as Record<string, unknown>);
        this.pump();
      },
      (error: TlibError) => {
        if (this.landed()) this.failed(name, target, error);
        this.pump();
      },
    );
  }

  /** A query settled: true when this run is still the current one (then it records the outcome and pumps). */
  private landed(): boolean {
    this.inFlight--;
    // A superseded run records nothing; the slot it freed may be what the current one waits for.
    if (this.current) return true;
    this.owner.current?.pump();
    return false;
  }

  // Answers delivered as events already reached the model (the gate); these calls are then no-ops.
  private answered(name: RequestName, target: string, e: Record<string, unknown>): void {
    this.window.answered();
    const { ledger } = this.host;
    const model = ledger.model;
    if (name === 'RequestQueryCall') ledger.changed(model.resyncCall(target, e));
    if (name !== 'RequestQueryAddress') return;
    ledger.changed(model.resyncDN(target, e));
    for (const connId of model.callsToQuery()) this.queueCall(connId);
  }

  private failed(name: RequestName, target: string, error: TlibError): void {
    const { ledger } = this.host;
    if (error instanceof TServerError) this.window.refused();
    else this.window.unanswered();
    this.errors.push({ request: name, target, error });
    // The call ended while we were away.
    if (name === 'RequestQueryCall' && error instanceof TServerError && error.errorCode === 57)
      ledger.changed(ledger.model.resyncCall(target, 'gone'));
  }

  private complete(): void {
    this.owner.finished(this);
    const { ledger, clock } = this.host;
    const { corrections, changes } = ledger.model.endResync();
    ledger.changed(changes);
    const summary: ResyncSummary = {
      server: this.server,
      dns: this.dns,
      calls: this.queue.length - 1 - this.dns,
      durationMs: Math.round((clock.now() - this.started) * 100) / 100,
      errors: this.errors,
      corrections: [...corrections],
    };
    debug('%s: resynced in %d ms (%d errors, %d corrections)', this.server, summary.durationMs, this.errors.length, corrections.length);
    publishDiagnostics('tlib:resync', { connection: this.host.owner, summary });
    this.host.done(summary);
  }
}

/**
 * Runs the resync the pair machine asks for (its `resync` effect): whether one is due, running or
 * over is the machine's state; this is the work, and `done` reports the end.
 */
export class Resync {
  /** The resync running, if any. */
  current: ResyncRun | undefined;

  constructor(private readonly host: ResyncHost) {}

  /** True while a resync runs. */
  get running(): boolean {
    return this.current !== undefined;
  }

  /** Stops a running resync (its summary will not come). */
  cancel(): void {
    this.supersede('the resync was cancelled');
    this.host.ledger.model.abortResync();
  }

  start(server: string): void {
    this.supersede('a newer resync superseded it');
    const run = new ResyncRun(this.host, this, server);
    this.current = run;
    run.pump();
  }

  /** @internal the run finished. */
  finished(run: ResyncRun): void {
    if (this.current === run) this.current = undefined;
  }

  /** The running resync sends nothing more: its waiting queries are dropped, its late answers ignored. */
  private supersede(why: string): void {
    if (!this.current) return;
    this.current = undefined;
    this.host.router.abandonLane('resync', why);
  }
}
