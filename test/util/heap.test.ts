/**
 * IndexedHeap against a sorted array: random pushes, removals, re-keys and pops keep the order and
 * every item's heapIndex true.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexedHeap } from '../../src/util/heap.js';

interface Item {
  id: number;
  key: number;
  heapIndex: number;
}

type Op = { op: 'push'; key: number } | { op: 'remove'; pick: number } | { op: 'rekey'; pick: number; key: number } | { op: 'pop' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('push' as const), key: fc.integer({ min: -50, max: 50 }) }),
  fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('rekey' as const), pick: fc.nat(), key: fc.integer({ min: -50, max: 50 }) }),
  fc.record({ op: fc.constant('pop' as const) }),
);

describe('IndexedHeap', () => {
  it('behaves as a sorted list under random operations', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = new IndexedHeap<Item>((i) => i.key);
        const model: Item[] = [];
        let ids = 0;
        for (const o of ops) {
          if (o.op === 'push') {
            const item = { id: ids++, key: o.key, heapIndex: -1 };
            heap.push(item);
            model.push(item);
          } else if (o.op === 'remove' && model.length > 0) {
            const item = model.splice(o.pick % model.length, 1)[0];
            expect(heap.remove(item)).toBe(true);
            expect(heap.remove(item)).toBe(false);
            expect(item.heapIndex).toBe(-1);
          } else if (o.op === 'rekey' && model.length > 0) {
            const item = model[o.pick % model.length];
            item.key = o.key;
            heap.update(item);
          } else if (o.op === 'pop') {
            const min = model.reduce<Item | undefined>((m, i) => (m === undefined || i.key < m.key ? i : m), undefined);
            const top = heap.pop();
            expect(top?.key).toBe(min?.key);
            if (top) model.splice(model.indexOf(top), 1);
          }
          expect(heap.size).toBe(model.length);
          for (const item of model) expect(heap.has(item)).toBe(true);
          if (model.length > 0) expect(heap.peek()!.key).toBe(Math.min(...model.map((i) => i.key)));
        }
        heap.clear();
        expect(heap.size).toBe(0);
        for (const item of model) expect(item.heapIndex).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });

  it('push of an item already in re-keys it instead of adding it twice', () => {
    const heap = new IndexedHeap<Item>((i) => i.key);
    const a = { id: 1, key: 5, heapIndex: -1 };
    const b = { id: 2, key: 3, heapIndex: -1 };
    heap.push(a);
    heap.push(b);
    a.key = 1;
    heap.push(a);
    expect(heap.size).toBe(2);
    expect(heap.pop()).toBe(a);
    expect(heap.pop()).toBe(b);
    expect(heap.pop()).toBeUndefined();
  });
});
