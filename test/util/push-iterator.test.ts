/**
 * pushIterator on its own (no sockets, no timers): O(1) buffer (200,000 values drained in < 2 s
 * of CPU time, typically ~20 ms), ends at once with its backlog dropped, concurrent next() calls all settle in
 * order, bounded buffer with both overflow policies, options validated.
 */
import { describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, IteratorOverflowError } from '../../src/errors.js';
import { pushIterator, type PushIteratorOptions } from '../../src/util/push-iterator.js';
import { cpuMark, cpuMsSince } from './cpu-time.js';

function source<T>(options: PushIteratorOptions = {}) {
  let push: ((v: T) => void) | undefined;
  let subscribed = 0;
  const it = pushIterator<T>((p) => {
    push = p;
    subscribed++;
    return () => {
      push = undefined;
      subscribed--;
    };
  }, options);
  return {
    it,
    push: (v: T) => push?.(v),
    get subscribed() {
      return subscribed;
    },
  };
}

describe('pushIterator', () => {
  it('200,000 buffered values drain in order in < 2 s of CPU time (O(1) pull; Array.shift made this quadratic)', async () => {
    const s = source<number>({ maxBuffered: 250_000 });
    for (let i = 0; i < 200_000; i++) s.push(i);
    // CPU time, not wall time: the drain is our own work blocking the loop; a busy machine must not count.
    const mark = cpuMark();
    let expected = 0;
    let inOrder = true;
    for (let i = 0; i < 200_000; i++) {
      const r = await s.it.next();
      if (r.value !== expected++) inOrder = false;
    }
    const cpuMs = cpuMsSince(mark);
    expect(inOrder).toBe(true);
    expect(cpuMs).toBeLessThan(2_000);
    await s.it.return!();
  });

  it('return() ends it at once: the backlog is dropped, the listener removed', async () => {
    const s = source<number>();
    for (let i = 0; i < 10; i++) s.push(i);
    expect(await s.it.next()).toEqual({ value: 0, done: false });
    await s.it.return!();
    expect(await s.it.next()).toEqual({ value: undefined, done: true });
    expect(s.subscribed).toBe(0);
  });

  it('an abort ends it at once, even with a backlog; pending next() calls settle done', async () => {
    const ac = new AbortController();
    const s = source<number>({ signal: ac.signal });
    s.push(1);
    s.push(2);
    ac.abort();
    expect(await s.it.next()).toEqual({ value: undefined, done: true });
    const ac2 = new AbortController();
    const t = source<number>({ signal: ac2.signal });
    const pending = [t.it.next(), t.it.next()];
    ac2.abort();
    expect(await Promise.all(pending)).toEqual([
      { value: undefined, done: true },
      { value: undefined, done: true },
    ]);
  });

  it('the owner’s enders end it (its close())', async () => {
    const enders = new Set<() => void>();
    const s = source<number>({ enders });
    s.push(1);
    expect(enders.size).toBe(1);
    for (const end of [...enders]) end();
    expect(enders.size).toBe(0);
    expect(await s.it.next()).toEqual({ value: undefined, done: true });
  });

  it('concurrent next() calls all settle, in order', async () => {
    const s = source<string>();
    const a = s.it.next();
    const b = s.it.next();
    const c = s.it.next();
    s.push('x');
    s.push('y');
    expect(await a).toEqual({ value: 'x', done: false });
    expect(await b).toEqual({ value: 'y', done: false });
    await s.it.return!();
    expect(await c).toEqual({ value: undefined, done: true });
  });

  it("overflow 'error': past maxBuffered the iterator ends with IteratorOverflowError, then done", async () => {
    const s = source<number>({ maxBuffered: 3, overflow: 'error', what: 'events()' });
    for (let i = 0; i < 4; i++) s.push(i);
    expect(s.subscribed).toBe(0);
    const err = await s.it.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IteratorOverflowError);
    expect(err).toMatchObject({ code: 'ERR_ITERATOR_OVERFLOW', maxBuffered: 3 });
    expect((err as Error).message).toMatch(/events\(\).*3/);
    expect(await s.it.next()).toEqual({ value: undefined, done: true });
  });

  it("overflow 'dropOldest': keeps the newest maxBuffered, warns once per episode", async () => {
    const drops: number[] = [];
    const s = source<number>({ maxBuffered: 3, overflow: 'dropOldest', onDrop: (n) => drops.push(n) });
    for (let i = 0; i < 10; i++) s.push(i);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push((await s.it.next()).value as number);
    expect(got).toEqual([7, 8, 9]);
    expect(drops).toEqual([1]);
    for (let i = 0; i < 5; i++) s.push(i);
    expect(drops).toEqual([1, 1]); // a new episode after the buffer emptied
    await s.it.return!();
  });

  it("'dropOldest' without onDrop emits a process warning TLIB_ITERATOR_DROPPED", async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const s = source<number>({ maxBuffered: 2, overflow: 'dropOldest', what: 'messages()' });
      for (let i = 0; i < 5; i++) s.push(i);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/messages\(\)/);
      expect(warn.mock.calls[0][1]).toMatchObject({ code: 'TLIB_ITERATOR_DROPPED' });
      await s.it.return!();
    } finally {
      warn.mockRestore();
    }
  });

  it('bad buffer options are refused with InvalidArgumentError naming the option', () => {
    expect(() => source({ maxBuffered: 0 })).toThrow(InvalidArgumentError);
    expect(() => source({ maxBuffered: 1.5 })).toThrow(/maxBuffered/);
    expect(() => source({ overflow: 'drop' as never })).toThrow(/overflow/);
  });
});
