/**
 * A push source (an emitter's listener) as an async iterator: values are buffered while the
 * consumer's loop body runs; the iterator ends when `end()` is called (break, return), when
 * `signal` aborts, or when the owner calls every function in `enders` (its close()).
 */
export interface PushIteratorOptions {
  signal?: AbortSignal;
  /** The owner is already closed: the iterator is born ended. */
  closed?: boolean;
  /** The owner's set of end functions; the iterator adds its own while it runs. */
  enders?: Set<() => void>;
}

export function pushIterator<T>(
  subscribe: (push: (value: T) => void) => () => void,
  options: PushIteratorOptions = {},
): AsyncIterableIterator<T> {
  const buffer: T[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let unsubscribe: (() => void) | undefined;
  const end = () => {
    if (ended) return;
    ended = true;
    unsubscribe?.();
    options.enders?.delete(end);
    options.signal?.removeEventListener('abort', end);
    wake?.();
  };
  if (options.closed || options.signal?.aborted) ended = true;
  else {
    unsubscribe = subscribe((value) => {
      buffer.push(value);
      wake?.();
    });
    options.enders?.add(end);
    options.signal?.addEventListener('abort', end, { once: true });
  }
  const iterator: AsyncIterableIterator<T> = {
    next: async () => {
      while (buffer.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      if (buffer.length > 0) return { value: buffer.shift()!, done: false };
      return { value: undefined, done: true };
    },
    return: async () => {
      end();
      buffer.length = 0;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
