/**
 * A DN's call list: snapshots (what a DN view shows) stay as they were whatever happens after, with
 * or without the versioned log, across compactions and the log being dropped and made again.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallList } from '../../src/model/call-list.js';

type Op = { add: boolean; id: number } | { snap: true };

describe('CallList', () => {
  it('every snapshot reads the list as it was when taken (random adds, deletes and snapshots)', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(fc.record({ add: fc.boolean(), id: fc.nat(30) }), fc.constant({ snap: true as const }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const list = new CallList();
        const truth: string[] = [];
        const taken: { read: () => readonly string[]; expected: string[] }[] = [];
        for (const o of ops) {
          if ('snap' in o) {
            taken.push({ read: list.snapshot(), expected: [...truth] });
            continue;
          }
          const id = `c${o.id}`;
          const at = truth.indexOf(id);
          if (o.add) {
            expect(list.add(id)).toBe(at < 0);
            if (at < 0) truth.push(id);
          } else {
            expect(list.delete(id)).toBe(at >= 0);
            if (at >= 0) truth.splice(at, 1);
          }
          expect(list.size).toBe(truth.length);
        }
        // Read late, in reverse: each still shows its own moment.
        for (const t of taken.reverse()) expect(t.read()).toEqual(t.expected);
        expect([...list.keys()]).toEqual(truth);
      }),
      { numRuns: 300 },
    );
  });

  it('changedSinceMark: a call added and dropped again since the snapshot is no change', () => {
    const list = new CallList();
    list.add('a');
    list.snapshot();
    expect(list.changedSinceMark()).toBe(false);
    list.add('b');
    expect(list.changedSinceMark()).toBe(true);
    list.delete('b');
    expect(list.changedSinceMark()).toBe(false);
    list.delete('a');
    expect(list.changedSinceMark()).toBe(true);
  });

  it('with no snapshot taken, churn keeps no log (a Set only)', () => {
    const list = new CallList();
    list.snapshot();
    for (let i = 0; i < 1000; i++) {
      list.add(`c${i}`);
      list.delete(`c${i}`);
    }
    expect((list as unknown as { log: unknown[] | undefined }).log).toBeUndefined();
    list.add('x');
    expect(list.snapshot()()).toEqual(['x']);
  });
});
