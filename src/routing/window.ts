/**
 * A request window: at most `limit` requests of one owner on the wire at once; the rest wait here,
 * in two lanes — `urgent` first (work that finishes a call: a route, its check after a failover),
 * then `later` (work that starts more: a sweep's queries). A routing point and a dialer each keep
 * one, so a burst of theirs takes at most `limit` of the connection's in-flight slots and the
 * user's own requests keep flowing beside it.
 */
import { Fifo } from '../util/fifo.js';

interface Job {
  start: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class RequestWindow {
  private active = 0;
  private readonly urgent = new Fifo<Job>();
  private readonly later = new Fifo<Job>();

  constructor(readonly limit: number) {}

  /** Requests on the wire now. */
  get inFlight(): number {
    return this.active;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.urgent.size + this.later.size;
  }

  /** Whether a job submitted now would wait. */
  get full(): boolean {
    return this.active >= this.limit;
  }

  /** Runs `start` when a slot is free; the slot is held until the promise it returns settles. */
  run<T>(start: () => Promise<T>, urgent = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (urgent ? this.urgent : this.later).push({ start, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Rejects every waiting job with `reason` (the owner is closing); jobs on the wire finish. */
  clear(reason: unknown): void {
    for (const job of [...this.urgent.drain(), ...this.later.drain()]) job.reject(reason);
  }

  private pump(): void {
    while (this.active < this.limit) {
      const job = this.urgent.shift() ?? this.later.shift();
      if (job === undefined) return;
      this.active++;
      let pending: Promise<unknown>;
      try {
        pending = job.start();
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(
        (value) => this.done(job.resolve, value),
        (err: unknown) => this.done(job.reject, err),
      );
    }
  }

  private done(settle: (v: unknown) => void, value: unknown): void {
    this.active--;
    settle(value);
    this.pump();
  }
}
