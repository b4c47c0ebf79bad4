/**
 * A push source (an emitter's listener) as an async iterator: values wait in a bounded ring buffer
 * (O(1) push and pull) while the consumer's loop body runs. It ends at once — the backlog is
 * dropped — when `end()` is called (break, return), when `signal` aborts, or when the owner calls
 * every function in `enders` (its close()). Any number of next() calls may be pending: each settles,
 * in order.
 */
import { InvalidArgumentError, IteratorOverflowError } from '../errors.js';

/** What an iterator does when more than `maxBuffered` values wait for the consumer. */
export interface IteratorBufferOptions {
  /** Values that may wait for the consumer. Default 100 000. */
  maxBuffered?: number;
  /**
   * Past `maxBuffered`: 'error' (default) ends the iterator — its next next() rejects with
   * IteratorOverflowError (`ERR_ITERATOR_OVERFLOW`); 'dropOldest' drops the oldest value and emits
   * one process warning (`TLIB_ITERATOR_DROPPED`) per overflow episode.
   */
  overflow?: 'dropOldest' | 'error';
}

export const DEFAULT_ITERATOR_BUFFER = { maxBuffered: 100_000, overflow: 'error' } as const;

export interface PushIteratorOptions extends IteratorBufferOptions {
  signal?: AbortSignal;
  /** The owner is already closed: the iterator is born ended. */
  closed?: boolean;
  /** The owner's set of end functions; the iterator adds its own while it runs. */
  enders?: Set<() => void>;
  /** Names the iterator in errors and warnings, e.g. 'events()'. */
  what?: string;
  /** Called with the number dropped so far in this episode, instead of the process warning. */
  onDrop?: (dropped: number) => void;
}

/** Validates the user's buffer options (InvalidArgumentError naming the bad one). */
export function resolveIteratorBuffer(o: IteratorBufferOptions | undefined, what: string): Required<IteratorBufferOptions> {
  const maxBuffered = o?.maxBuffered ?? DEFAULT_ITERATOR_BUFFER.maxBuffered;
  const overflow = o?.overflow ?? DEFAULT_ITERATOR_BUFFER.overflow;
  if (typeof maxBuffered !== 'number' || !Number.isInteger(maxBuffered) || maxBuffered < 1) {
    throw new InvalidArgumentError(`${what}: maxBuffered must be a whole number ≥ 1, got ${String(maxBuffered)}`);
  }
  if (overflow !== 'dropOldest' && overflow !== 'error') {
    throw new InvalidArgumentError(`${what}: overflow must be 'dropOldest' or 'error', got ${String(overflow)}`);
  }
  return { maxBuffered, overflow };
}

/** A FIFO on a circular array that doubles when full: O(1) amortized push and shift. */
class Ring<T> {
  private items: (T | undefined)[] = new Array(16);
  private head = 0;
  length = 0;

  push(value: T): void {
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) & (this.items.length - 1)] = value;
    this.length++;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const value = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.length--;
    if (this.length === 0 && this.items.length > 1024) this.clear(); // give a burst's memory back
    return value;
  }

  clear(): void {
    this.items = new Array(16);
    this.head = 0;
    this.length = 0;
  }

  private grow(): void {
    const old = this.items;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }
}

type Waiter<T> = (r: IteratorResult<T>) => void;

export function pushIterator<T>(
  subscribe: (push: (value: T) => void) => () => void,
  options: PushIteratorOptions = {},
): AsyncIterableIterator<T> {
  const what = options.what ?? 'iterator';
  const { maxBuffered, overflow } = resolveIteratorBuffer(options, what);
  const buffer = new Ring<T>();
  const waiters = new Ring<Waiter<T>>();
  let ended = false;
  let failure: IteratorOverflowError | undefined;
  let dropped = 0;
  let unsubscribe: (() => void) | undefined;
  const DONE: IteratorResult<T> = { value: undefined, done: true };

  const end = () => {
    if (ended) return;
    ended = true;
    unsubscribe?.();
    unsubscribe = undefined;
    options.enders?.delete(end);
    options.signal?.removeEventListener('abort', end);
    buffer.clear();
    for (let w = waiters.shift(); w; w = waiters.shift()) w(DONE);
  };

  const push = (value: T) => {
    if (ended) return;
    const waiter = waiters.shift();
    if (waiter) {
      waiter({ value, done: false });
      return;
    }
    if (buffer.length >= maxBuffered) {
      if (overflow === 'error') {
        failure = new IteratorOverflowError(maxBuffered, what);
        end();
        return;
      }
      buffer.shift();
      dropped++;
      if (dropped === 1) {
        if (options.onDrop) options.onDrop(dropped);
        else
          process.emitWarning(`${what}: the consumer is slow; more than ${maxBuffered} values waited, the oldest are being dropped`, {
            code: 'TLIB_ITERATOR_DROPPED',
          });
      }
    }
    buffer.push(value);
  };

  if (options.closed || options.signal?.aborted) ended = true;
  else {
    unsubscribe = subscribe(push);
    options.enders?.add(end);
    options.signal?.addEventListener('abort', end, { once: true });
  }

  const iterator: AsyncIterableIterator<T> = {
    next: () => {
      if (buffer.length > 0) {
        const value = buffer.shift() as T;
        if (buffer.length === 0) dropped = 0; // the episode is over: warn again next time
        return Promise.resolve({ value, done: false });
      }
      if (failure) {
        const err = failure;
        failure = undefined;
        return Promise.reject(err);
      }
      if (ended) return Promise.resolve(DONE);
      return new Promise<IteratorResult<T>>((resolve) => waiters.push(resolve));
    },
    return: () => {
      failure = undefined;
      end();
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
