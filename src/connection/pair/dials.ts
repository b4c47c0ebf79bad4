/**
 * The pair's dials as I/O: one attempt each, after its delay, on the connection's clock. A dial's
 * outcome comes back to the driver as a session (dialOpened) or an error (dialFailed); whether to
 * dial, where and after how long is the pair machine's decision. Every dial and wait ends when the
 * connection shuts down (`stopAll`), so close() leaves no socket or timer behind.
 */
import createDebug from 'debug';
import { ConnectError } from '../../errors.js';
import type { Endpoint } from '../../transport/index.js';
import { type Clock, sleepOn } from '../../util/clock.js';
import type { PairDriverSession } from './seams.js';

const debug = createDebug('tlib:connection');

export interface DialOutcome {
  opened(dialId: number, session: PairDriverSession): void;
  failed(dialId: number, error: Error, aborted: boolean): void;
}

export class Dials {
  private readonly cancels = new Map<number, AbortController>();
  /** Aborts every dial and wait when the connection shuts down. */
  private lifetime = new AbortController();
  /** Every dial still running, so shutdown can wait for all of them. */
  private readonly tasks = new Set<Promise<unknown>>();

  constructor(
    private readonly clock: Clock,
    /** Opens a session to `endpoint` (connect and register); rejects if it cannot. */
    private readonly connect: (endpoint: Endpoint, signal: AbortSignal) => Promise<PairDriverSession>,
    private readonly outcome: DialOutcome,
  ) {}

  /** A new lifetime (open()). */
  begin(): void {
    this.lifetime = new AbortController();
  }

  /** One attempt at `endpoint` after `delayMs`; `userSignal` (open()'s) aborts it too. */
  start(dialId: number, endpoint: Endpoint, delayMs: number, userSignal: AbortSignal | undefined): void {
    const cancel = new AbortController();
    this.cancels.set(dialId, cancel);
    const signal = AbortSignal.any([this.lifetime.signal, cancel.signal, ...(userSignal ? [userSignal] : [])]);
    this.track(
      (async () => {
        try {
          if (delayMs > 0) {
            debug('dial %s waits %d ms', endpoint.name, delayMs);
            await sleepOn(this.clock, delayMs, signal);
          }
          const session = await this.connect(endpoint, signal);
          this.cancels.delete(dialId);
          this.outcome.opened(dialId, session);
        } catch (err) {
          this.cancels.delete(dialId);
          if (cancel.signal.aborted || this.lifetime.signal.aborted) return;
          debug('dial %s failed: %s', endpoint.name, (err as Error).message);
          this.outcome.failed(dialId, err as Error, userSignal?.aborted === true);
        }
      })(),
    );
  }

  cancel(dialId: number): void {
    this.cancels.get(dialId)?.abort(new ConnectError('cancelled', 'dial cancelled'));
    this.cancels.delete(dialId);
  }

  /** Aborts every dial and wait; resolves when all have ended. */
  stopAll(reason: Error): Promise<unknown> {
    this.lifetime.abort(reason);
    this.cancels.clear();
    return Promise.allSettled([...this.tasks]);
  }

  /** Something else to wait for at shutdown (a replay's end). */
  track(task: Promise<unknown>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }
}
