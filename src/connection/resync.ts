/**
 * Resync after EventPrimaryChanged or a reconnect: query the location, every registered DN and
 * every known call, through a window of at most `window` queries in flight at once (a server that
 * flooded ConnIDs gets a bounded stream of queries, not 100,000 at once). Answers are delivered as
 * ordinary events; a 'resynced' summary follows. A newer resync supersedes a running one: the old
 * one sends nothing more and its summary is never emitted.
 */
import createDebug from 'debug';
import { TServerError, type TlibError } from '../errors.js';
import type { RequestName } from '../protocol/messages.js';
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
  }

  start(server: string): void {
    const generation = ++this.generation;
    const { router, ledger } = this.host;
    this.running = true;
    this.pending = false;
    const started = performance.now();
    const dns = [...ledger.dns.keys()];
    const calls = [...ledger.calls.keys()];
    const errors: ResyncSummary['errors'] = [];
    const total = 1 + dns.length + calls.length;
    // The i-th query, built only when its turn comes.
    const query = (i: number): Query =>
      i === 0
        ? ['RequestQueryLocation', {}, 'location']
        : i <= dns.length
          ? ['RequestQueryAddress', { ThisDN: dns[i - 1] }, dns[i - 1]]
          : ['RequestQueryCall', { ConnID: calls[i - 1 - dns.length] }, calls[i - 1 - dns.length]];
    let next = 0;
    let finished = 0;
    debug('%s: resync of %d DNs and %d calls (window %d)', server, dns.length, calls.length, this.host.window);
    const launch = (): void => {
      if (generation !== this.generation) return; // superseded: send nothing more
      const [name, attributes, target] = query(next++);
      const p = router.create(name, attributes, {}, { internal: true, deliverAnswer: true, target: undefined });
      router.submit(p);
      p.promise.then(landed, (error: TlibError) => {
        if (generation === this.generation) {
          errors.push({ request: name, target, error });
          // The call ended while we were away.
          if (name === 'RequestQueryCall' && error instanceof TServerError && error.errorCode === 57) ledger.removeCall(target);
        }
        landed();
      });
    };
    const landed = (): void => {
      finished++;
      if (next < total) launch();
      else if (finished === total) complete();
    };
    const complete = (): void => {
      if (generation !== this.generation) return; // restarted by a newer EventPrimaryChanged
      this.running = false;
      const summary: ResyncSummary = { server, dns: dns.length, calls: calls.length, durationMs: Math.round((performance.now() - started) * 100) / 100, errors };
      debug('%s: resynced in %d ms (%d errors)', server, summary.durationMs, errors.length);
      publishDiagnostics('tlib:resync', { connection: this.host.owner, summary });
      this.host.done(summary);
    };
    while (next < total && next < this.host.window) launch();
  }
}
