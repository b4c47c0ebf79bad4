/**
 * Resync after EventPrimaryChanged or a reconnect: query the location, every call of the state
 * model (at most maxCalls), every registered DN and the calls DN answers found, through a window of
 * at most `window` queries in flight at once (a server that flooded ConnIDs gets a bounded stream
 * of queries, not 100,000 at once). Answers are delivered as ordinary events and correct the state
 * model as they arrive; a 'resynced' summary with the corrections follows. A newer resync
 * supersedes a running one: the old one sends nothing more and its summary is never emitted.
 */
import createDebug from 'debug';
import { TServerError, type TlibError } from '../errors.js';
import type { RequestName } from '../protocol/messages.js';
import type { Clock } from '../util/clock.js';
import { publishDiagnostics } from './diagnostics.js';
import type { Ledger } from './ledger.js';
import type { RequestRouter } from './router.js';
import type { ResyncSummary } from './types.js';

const debug = createDebug('tlib:connection');

export interface ResyncHost {
  readonly owner: object;
  readonly router: RequestRouter;
  readonly ledger: Ledger;
  /** Queries in flight at once. */
  readonly window: number;
  readonly clock: Clock;
  done(summary: ResyncSummary): void;
}

type Query = [name: RequestName, attributes: Record<string, unknown>, target: string];

export class Resync {
  private generation = 0;
  /** True while a resync runs. */
  running = false;
  /** A resync is due once the link is up. */
  pending = false;

  constructor(private readonly host: ResyncHost) {}

  /** Stops a running resync (its summary will not come) and forgets a pending one. */
  cancel(): void {
    this.generation++;
    this.running = false;
    this.pending = false;
    this.host.ledger.model.abortResync();
  }

  start(server: string): void {
    const generation = ++this.generation;
    const { router, ledger } = this.host;
    const model = ledger.model;
    this.running = true;
    this.pending = false;
    const clock = this.host.clock;
    const started = clock.now();
    const plan = model.beginResync();
    const errors: ResyncSummary['errors'] = [];
    // Calls before DNs: a call answer listing every party moves a call between DNs as one
    // correction. The calls DN answers found are queued behind (at most maxCalls in all).
    const queue: Query[] = [['RequestQueryLocation', {}, 'location']];
    const queueCall = (connId: string) => queue.push(['RequestQueryCall', { ConnID: connId }, connId]);
    for (const connId of plan.calls) queueCall(connId);
    for (const dn of plan.dns) queue.push(['RequestQueryAddress', { ThisDN: dn }, dn]);
    let next = 0;
    let inFlight = 0;
    debug('%s: resync of %d DNs and %d calls (window %d)', server, plan.dns.length, plan.calls.length, this.host.window);
    // Answers delivered as events already reached the model (the gate); these calls are then no-ops.
    const answered = (name: RequestName, target: string, e: Record<string, unknown>): void => {
      if (name === 'RequestQueryCall') ledger.changed(model.resyncCall(target, e));
      if (name !== 'RequestQueryAddress') return;
      ledger.changed(model.resyncDN(target, e));
      for (const connId of model.callsToQuery()) queueCall(connId);
    };
    const launch = (): void => {
      const [name, attributes, target] = queue[next++]!;
      inFlight++;
      const p = router.create(name, attributes, {}, { internal: true, deliverAnswer: true, target: undefined });
      router.submit(p);
      p.promise.then(
        (e) => {
          if (generation === this.generation) answered(name, target, e as Record<string, unknown>);
          landed();
        },
        (error: TlibError) => {
          if (generation === this.generation) {
            errors.push({ request: name, target, error });
            // The call ended while we were away.
            if (name === 'RequestQueryCall' && error instanceof TServerError && error.errorCode === 57)
              ledger.changed(model.resyncCall(target, 'gone'));
          }
          landed();
        },
      );
    };
    const landed = (): void => {
      inFlight--;
      if (generation !== this.generation) return; // superseded: send nothing more
      while (next < queue.length && inFlight < this.host.window) launch();
      if (inFlight === 0) complete();
    };
    const complete = (): void => {
      this.running = false;
      const { corrections, changes } = model.endResync();
      ledger.changed(changes);
      const calls = queue.length - 1 - plan.dns.length;
      const summary: ResyncSummary = {
        server,
        dns: plan.dns.length,
        calls,
        durationMs: Math.round((clock.now() - started) * 100) / 100,
        errors,
        corrections: [...corrections],
      };
      debug('%s: resynced in %d ms (%d errors, %d corrections)', server, summary.durationMs, errors.length, corrections.length);
      publishDiagnostics('tlib:resync', { connection: this.host.owner, summary });
      this.host.done(summary);
    };
    while (next < queue.length && inFlight < this.host.window) launch();
  }
}
