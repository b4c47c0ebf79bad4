/**
 * Asking again once a server is primary. When the primary dies the connection moves its requests
 * to the backup at once, but the backup becomes primary only when it says so (EventPrimaryChanged,
 * after a promotion gap); until then it answers every request but a registration with EventError
 * 52, "not primary". A request refused with 52 was not carried out, and a query lost with its
 * server changed nothing: both may be asked again once a server is primary. The routing point's
 * sweep and routes and the dialer's recovery queries do, at the next new server
 * (EventPrimaryChanged, EventServerConnected) or after a backoff, whichever comes first, bounded in
 * tries and time (PRIMARY_WAIT); past the bound they give up with the last error as the cause.
 */
import { RequestInterruptedError, TServerError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { failureOf } from './checks.js';

/** EventError 52: the server that answered is not the primary (the backup of a pair). */
export const NOT_PRIMARY = 52;

/** How long and how often work refused by a server not primary yet is tried again. */
export const PRIMARY_WAIT = Object.freeze({
  /** Tries after the first refusal; past them the work gives up. */
  retries: 8,
  /** Backoff before the first retry, doubled each time up to `maxDelayMs` (a new server cuts it short). */
  firstDelayMs: 250,
  maxDelayMs: 4_000,
  /** Time from the first refusal; past it the work gives up. */
  budgetMs: 30_000,
});

/** EventError 52: refused by a server not primary yet, so not carried out. */
export function refusedNotPrimary(err: unknown): boolean {
  return err instanceof TServerError && err.errorCode === NOT_PRIMARY;
}

/** A query that may be asked again once a server is primary: refused with 52, or lost with its server. */
export function askAgainLater(err: unknown): boolean {
  return refusedNotPrimary(err) || err instanceof RequestInterruptedError;
}

/** The tries of one piece of work (a sweep, a route, a dial's check) against servers not primary yet. */
export class Tries {
  private count = 0;
  private since: number | undefined;
  private last: unknown;

  constructor(private readonly clock: Clock) {}

  /** Counts the refusal `err`: the backoff before trying again, or undefined past the bound (give up, why()). */
  next(err: unknown): number | undefined {
    const now = this.clock.now();
    this.since ??= now;
    this.last = err;
    this.count++;
    const left = this.since + PRIMARY_WAIT.budgetMs - now;
    if (this.count > PRIMARY_WAIT.retries || left <= 0) return undefined;
    return Math.min(PRIMARY_WAIT.firstDelayMs * 2 ** (this.count - 1), PRIMARY_WAIT.maxDelayMs, left);
  }

  /** Why the work gave up, naming the last error. */
  why(): string {
    const ms = Math.round(this.clock.now() - (this.since ?? this.clock.now()));
    return `no server became primary (${this.count} tries over ${ms} ms); the last: ${failureOf(this.last)}`;
  }
}

/** Waits that a new server ends early: the owner calls wake() at EventPrimaryChanged and EventServerConnected. */
export class PrimaryWait {
  private readonly sleepers = new Set<() => void>();

  constructor(readonly clock: Clock) {}

  /** Work waiting to be tried again. */
  get waiting(): number {
    return this.sleepers.size;
  }

  /** Runs `then` once, after `ms` or at the next wake(), whichever comes first; the returned function cancels it. */
  after(ms: number, then: () => void): () => void {
    const end = (run: boolean) => {
      if (!this.sleepers.delete(wake)) return;
      this.clock.clearTimeout(timer);
      if (run) then();
    };
    const wake = () => end(true);
    const timer = this.clock.setTimeout(wake, ms);
    this.sleepers.add(wake);
    return () => end(false);
  }

  /** Counts the refusal `err` against `tries` and waits for the next try: false (at once) past the bound. */
  retry(tries: Tries, err: unknown): Promise<boolean> {
    const delay = tries.next(err);
    if (delay === undefined) return Promise.resolve(false);
    return new Promise((resolve) => this.after(delay, () => resolve(true)));
  }

  /** A new server: every waiting piece of work tries now. */
  wake(): void {
    for (const wake of Array.from(this.sleepers)) wake();
  }
}
