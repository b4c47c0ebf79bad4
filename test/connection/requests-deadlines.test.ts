/**
 * The router's DeadlineQueue on its own, on a manual clock: deadlines that arrive in order go in a
 * list, the others in a heap, and expiry takes the earlier of the two heads, so items expire in
 * deadline order whichever holds them; removal from anywhere keeps the order; one timer at most.
 */
import { describe, expect, it } from 'vitest';
import { type Deadlined, DeadlineQueue } from '../../src/connection/requests/deadline-queue.js';
import { ManualClock } from '../simulator/manual-clock.js';

class Item implements Deadlined {
  heapIndex = -1;
  deadlineListed = false;
  deadlinePrev: Deadlined | undefined;
  deadlineNext: Deadlined | undefined;
  constructor(
    readonly name: string,
    readonly deadline: number,
  ) {}
}

function rig() {
  const clock = new ManualClock();
  const expired: string[] = [];
  const q = new DeadlineQueue<Item>(clock, (item) => expired.push(item.name));
  return { clock, expired, q };
}

describe('DeadlineQueue', () => {
  it('in-order and out-of-order deadlines expire in deadline order, each at its time', () => {
    const { clock, expired, q } = rig();
    const deadlines = [300, 100, 250, 50, 1_000, 100, 1_000, 1_200, 400];
    for (const [i, d] of deadlines.entries()) q.add(new Item(`${i}@${d}`, d));
    expect(q.size).toBe(deadlines.length);
    const at: Record<string, number> = {};
    for (let t = 0; t < 1_300; t += 10) {
      clock.advance(10);
      for (const name of expired) at[name] ??= clock.now();
    }
    // In deadline order (equal deadlines in any order, as before the list).
    const deadlineOf = (name: string) => Number(name.split('@')[1]);
    expect(expired.map(deadlineOf)).toEqual([...deadlines].sort((a, b) => a - b));
    expect(new Set(expired).size).toBe(deadlines.length);
    for (const name of expired) expect(at[name] - deadlineOf(name)).toBeLessThan(10);
    expect(q.size).toBe(0);
    expect(q.armed).toBe(false);
  });

  it('removing from the middle, the head and the tail of the list and from the heap keeps the rest in order; the timer stops when none is left', () => {
    const { clock, expired, q } = rig();
    const items = [100, 200, 300, 400, 500, 150, 120].map((d) => new Item(String(d), d));
    for (const item of items) q.add(item);
    q.add(items[2]); // already in: no second entry
    expect(q.size).toBe(7);
    q.remove(items[2]); // middle of the list
    q.remove(items[0]); // the list's head
    q.remove(items[4]); // the list's tail
    q.remove(items[6]); // from the heap
    q.remove(items[6]); // twice: nothing happens
    expect(q.size).toBe(3);
    expect(items[2].deadlineListed).toBe(false);
    const late = new Item('600', 600); // after the removed tail: still appended in order
    q.add(late);
    clock.advance(1_000);
    expect(expired).toEqual(['150', '200', '400', '600']);
    expect(q.armed).toBe(false);
    const last = new Item('x', 2_000);
    q.add(last);
    expect(q.armed).toBe(true);
    q.remove(last);
    expect(q.armed).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('clear() forgets every item (they can be added again) and stops the timer', () => {
    const { clock, expired, q } = rig();
    const items = [10, 20, 5].map((d) => new Item(String(d), d));
    for (const item of items) q.add(item);
    q.clear();
    expect(q.size).toBe(0);
    expect(q.armed).toBe(false);
    expect(items.every((i) => !i.deadlineListed && i.heapIndex === -1 && i.deadlineNext === undefined)).toBe(true);
    q.add(items[0]);
    clock.advance(100);
    expect(expired).toEqual(['10']);
  });

  it('10,000 due at once expire in batches of 1,000 per timer callback, in order', () => {
    const { clock, expired, q } = rig();
    for (let i = 0; i < 10_000; i++) q.add(new Item(String(i), 100 + (i % 2 === 0 ? i : 0)));
    clock.advance(20_000);
    expect(expired).toHaveLength(10_000);
    const deadlineOf = (name: string) => 100 + (Number(name) % 2 === 0 ? Number(name) : 0);
    for (let i = 1; i < expired.length; i++) expect(deadlineOf(expired[i])).toBeGreaterThanOrEqual(deadlineOf(expired[i - 1]));
    expect(q.armed).toBe(false);
  });

  it('removed lazily (an answer), the last item leaves the timer armed until the turn is over: a next item added meanwhile reuses it', async () => {
    const { clock, expired, q } = rig();
    const first = new Item('first', 1_000);
    q.add(first);
    expect(clock.pending).toBe(1);
    q.remove(first, true);
    expect(q.armed).toBe(true); // not stopped yet
    const second = new Item('second', 1_010);
    q.add(second); // later than the armed timer: no timer call
    expect(clock.pending).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(q.armed).toBe(true); // one item is left: it stays
    clock.advance(1_000); // the old timer fires early, finds nothing due, re-arms for the second
    expect(expired).toEqual([]);
    clock.advance(10);
    expect(expired).toEqual(['second']);
    expect(q.armed).toBe(false);
    // Nothing added after a lazy removal: stopped once the turn is over.
    const third = new Item('third', 5_000);
    q.add(third);
    q.remove(third, true);
    expect(q.armed).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(q.armed).toBe(false);
    expect(clock.pending).toBe(0);
  });
});
