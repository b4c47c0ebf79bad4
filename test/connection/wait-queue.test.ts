/** WaitQueue: an intrusive FIFO with O(1) removal anywhere. */
import { describe, expect, it } from 'vitest';
import { WaitQueue, type Waiting } from '../../src/connection/requests/wait-queue.js';

interface Item extends Waiting<Item> {
  id: number;
}
const item = (id: number): Item => ({ id, waitPrev: undefined, waitNext: undefined, waitQueue: undefined });
const ids = (q: WaitQueue<Item>) => q.toArray().map((i) => i.id);

describe('WaitQueue', () => {
  it('keeps order; removes from the head, the middle and the tail; an item is in one queue at most', () => {
    const q = new WaitQueue<Item>();
    const other = new WaitQueue<Item>();
    const items = [1, 2, 3, 4, 5].map(item);
    for (const i of items) q.push(i);
    other.push(items[0]); // already queued elsewhere: ignored
    expect([other.size, q.size]).toEqual([0, 5]);
    expect(q.remove(items[2])).toBe(true);
    expect(q.remove(items[2])).toBe(false);
    expect(other.remove(items[0])).toBe(false);
    expect(q.remove(items[0])).toBe(true);
    expect(q.remove(items[4])).toBe(true);
    expect(ids(q)).toEqual([2, 4]);
    expect(q.first()?.id).toBe(2);
    q.push(items[0]);
    expect(ids(q)).toEqual([2, 4, 1]);
    expect(q.drain().map((i) => i.id)).toEqual([2, 4, 1]);
    expect([q.size, q.first()]).toEqual([0, undefined]);
    other.push(items[1]); // free again after drain
    expect(other.has(items[1])).toBe(true);
  });

  it('draining 100,000 from the front one by one is linear (a Set is quadratic here)', () => {
    const q = new WaitQueue<Item>();
    for (let i = 0; i < 100_000; i++) q.push(item(i));
    let n = 0;
    for (let head = q.first(); head; head = q.first()) {
      q.remove(head);
      n++;
    }
    expect(n).toBe(100_000);
  });
});
