/**
 * A call's registered parties and a DN's calls (src/model/small-map.ts: the first entry in two
 * fields, a Map from the second on) behave as a Map, and the per-call hint to a DN's record
 * (store.ts dnOn) never outlives the record: after unregister, re-register or a forgotten pristine
 * record, events land on the DN's current record.
 */
import { describe, expect, it } from 'vitest';
import { StateModel, type ModelEvent } from '../../src/model/index.js';
import { SmallMap } from '../../src/model/small-map.js';

const ev = (Event: string, attrs: Record<string, unknown> = {}): ModelEvent => ({ Event, Server: 'sim', ...attrs });
const C1 = '0066019400000001';

describe("SmallMap (a call's parties, a DN's calls)", () => {
  it('keeps Map semantics through one party, two, and back', () => {
    const p = new SmallMap<string>();
    expect(p.size).toBe(0);
    expect([...p.entries()]).toEqual([]);
    expect(p.delete('A')).toBe(false);
    p.set('A', 'ringing');
    p.set('A', 'established'); // same key: replaced in place
    expect(p.size).toBe(1);
    expect(p.get('A')).toBe('established');
    expect(p.has('B')).toBe(false);
    p.set('B', 'dialing');
    p.set('A', 'held'); // order of first insertion is kept, as a Map does
    expect([...p.entries()]).toEqual([
      ['A', 'held'],
      ['B', 'dialing'],
    ]);
    expect(p.delete('A')).toBe(true);
    expect(p.delete('A')).toBe(false);
    expect([...p.keys()]).toEqual(['B']);
    expect(p.size).toBe(1);
    expect(p.delete('B')).toBe(true);
    expect(p.size).toBe(0);
    expect(p.get('B')).toBeUndefined();
  });

  it('a single party deleted leaves an empty set that takes a new first party', () => {
    const p = new SmallMap<string>();
    p.set('A', 'ringing');
    expect(p.delete('A')).toBe(true);
    expect(p.has('A')).toBe(false);
    p.set('C', 'queued');
    expect([...p.entries()]).toEqual([['C', 'queued']]);
  });

  it('a call on two registered DNs shows both, in the order they joined', () => {
    const m = new StateModel();
    m.register('A', 'resync');
    m.register('B', 'resync');
    m.apply(ev('EventDialing', { ThisDN: 'A', ConnID: C1, OtherDN: 'B' }));
    m.apply(ev('EventRinging', { ThisDN: 'B', ConnID: C1, OtherDN: 'A' }));
    expect(m.calls.get(C1)!.parties).toEqual({ A: 'dialing', B: 'ringing' });
    m.apply(ev('EventReleased', { ThisDN: 'A', ConnID: C1 }));
    expect(m.calls.get(C1)!.parties).toEqual({ B: 'ringing' });
    m.apply(ev('EventReleased', { ThisDN: 'B', ConnID: C1 }));
    expect(m.calls.has(C1)).toBe(false);
  });
});

describe('the DN hint of a call', () => {
  it('after unregister and re-register, the next event on the call updates the new DN record', () => {
    const m = new StateModel();
    m.register('A', 'resync');
    m.register('B', 'resync');
    m.apply(ev('EventRinging', { ThisDN: 'A', ConnID: C1 }));
    m.apply(ev('EventRinging', { ThisDN: 'B', ConnID: C1 }));
    m.unregister('A', 'resync'); // the call goes on at B; its hint may still name A's old record
    expect(m.calls.get(C1)!.parties).toEqual({ B: 'ringing' });
    m.register('A', 'resync');
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: C1 }));
    expect(m.calls.get(C1)!.parties).toEqual({ B: 'ringing', A: 'established' });
    expect(m.dns.get('A')!.calls).toEqual([C1]);
  });

  it('a DN record forgotten as pristine is not reached through a hint to it', () => {
    // Nobody listens: a registered DN gets its record only when something happens to it.
    const m = new StateModel({ listening: () => false });
    m.register('A', 'resync');
    m.register('B', 'resync');
    m.apply(ev('EventRinging', { ThisDN: 'A', ConnID: C1 }));
    // A describing event at B makes B's record (B is not on the call) and points the call's hint to it.
    m.apply(ev('EventPartyAdded', { ThisDN: 'B', ConnID: C1, OtherDN: 'X' }));
    // An answer that changes nothing at B: its untouched record is dropped.
    m.apply(ev('EventAddressInfo', { ThisDN: 'B' }));
    m.apply(ev('EventRinging', { ThisDN: 'B', ConnID: C1 }));
    expect(m.calls.get(C1)!.parties).toEqual({ A: 'ringing', B: 'ringing' });
    expect(m.dns.get('B')!.calls).toEqual([C1]);
  });

  it('an event at a DN no longer registered changes nothing, hint or not', () => {
    const m = new StateModel();
    m.register('A', 'resync');
    m.register('B', 'resync');
    m.apply(ev('EventRinging', { ThisDN: 'A', ConnID: C1 }));
    m.apply(ev('EventRinging', { ThisDN: 'B', ConnID: C1 }));
    m.unregister('B', 'resync');
    expect(m.apply(ev('EventEstablished', { ThisDN: 'B', ConnID: C1 }))).toEqual([]);
    expect(m.calls.get(C1)!.parties).toEqual({ A: 'ringing' });
    expect(m.dns.has('B')).toBe(false);
  });
});
