/**
 * `conn.status()`: one discriminated stream of what the connection goes through, as nats.js's
 * `status()` offers, beside the `stateChange` event. Each iterator has its own bounded buffer
 * (`limit`, default DEFAULTS.statusBufferLimit): when the consumer falls behind, the oldest entries
 * are dropped and the next one yielded carries `dropped`, the count lost since the last one read.
 * O(1) per push and per next(); concurrent next() calls are served in order.
 */
import type { FirstConnectProgress } from '../first-connect.js';

/** One entry of `conn.status()`: what the connection went through, discriminated by `type`. */
export type ConnectionStatusEvent =
  /** open() started an attempt (no fields), or an attempt of open({ retry }) failed (with its progress). */
  | ({ type: 'connecting' } & Partial<FirstConnectProgress>)
  | { type: 'open' }
  /** The status became 'reconnecting' (no fields), or one reconnect attempt to `server` failed (`servers`: all tried so far). */
  | { type: 'reconnecting'; server?: string; servers?: readonly string[]; attempt?: number; error?: Error }
  /** Requests moved to another server of the pair. */
  | { type: 'failover'; from: string | undefined; to: string; cause: string }
  /** A server users saw was lost (EventServerDisconnected). */
  | { type: 'disconnect'; server: string }
  | { type: 'resync'; server: string }
  | { type: 'closed' };

/** An entry of `conn.status()`, with `dropped` when older entries were dropped since the last one read. */
export type StatusEntry = ConnectionStatusEvent & { dropped?: number };

/** Options of `conn.status()`. */
export interface StatusIteratorOptions {
  signal?: AbortSignal;
  /** Entries kept while the consumer is behind; older ones are dropped. Default DEFAULTS.statusBufferLimit. */
  limit?: number;
}

class Ring<T> {
  private items: (T | undefined)[];
  private head = 0;
  size = 0;
  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }
  /** Adds at the tail; returns true when the oldest had to go. */
  push(v: T): boolean {
    const full = this.size === this.capacity;
    if (full) {
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
    this.items[(this.head + this.size) % this.capacity] = v;
    this.size++;
    return full;
  }
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    return v;
  }
}

export class StatusStream {
  private readonly consumers = new Set<(e: ConnectionStatusEvent | undefined) => void>();

  /** Every iterator gets `e`. */
  push(e: ConnectionStatusEvent): void {
    for (const c of this.consumers) c(e);
  }

  /** Ends every iterator (after close(): its 'closed' entry is still read). */
  endAll(): void {
    for (const c of [...this.consumers]) c(undefined);
  }

  iterate(limit: number, signal?: AbortSignal): AsyncIterableIterator<StatusEntry> {
    const buffer = new Ring<ConnectionStatusEvent>(limit);
    const waiters: Array<(r: IteratorResult<StatusEntry>) => void> = [];
    let dropped = 0;
    let ended = signal?.aborted === true;
    const take = (): StatusEntry => {
      const e = buffer.shift()!;
      if (dropped === 0) return e;
      const entry = { ...e, dropped };
      dropped = 0;
      return entry;
    };
    const end = () => {
      ended = true;
      this.consumers.delete(consumer);
      signal?.removeEventListener('abort', onAbort);
      for (const w of waiters.splice(0)) w({ value: undefined, done: true });
    };
    const onAbort = () => {
      while (buffer.size > 0) buffer.shift();
      end();
    };
    const consumer = (e: ConnectionStatusEvent | undefined) => {
      if (e === undefined) return end();
      if (buffer.push(e)) dropped++;
      while (waiters.length > 0 && buffer.size > 0) waiters.shift()!({ value: take(), done: false });
    };
    if (!ended) {
      this.consumers.add(consumer);
      signal?.addEventListener('abort', onAbort, { once: true });
    }
    const iterator: AsyncIterableIterator<StatusEntry> = {
      next: () => {
        if (buffer.size > 0) return Promise.resolve({ value: take(), done: false });
        if (ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => waiters.push(resolve));
      },
      return: () => {
        while (buffer.size > 0) buffer.shift();
        end();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}
