/**
 * The model holds at most maxCalls calls: a server flooding ConnIDs cannot grow it, the calls a
 * user placed, answered or held outlast a flood of offered ones, and warnings stay few.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CALLS, StateModel, type ModelEvent, type ModelWarning } from '../../src/model/index.js';
import { MAX_OTHER_PARTIES, MAX_PREVIOUS_CONNIDS } from '../../src/model/records.js';

const ev = (Event: string, attrs: Record<string, unknown> = {}): ModelEvent => ({ Event, Server: 'sim', ...attrs });
const connId = (n: number) => n.toString(16).padStart(16, '0');

function model(options: ConstructorParameters<typeof StateModel>[0] = {}): { m: StateModel; warnings: ModelWarning[] } {
  const warnings: ModelWarning[] = [];
  const m = new StateModel({ ...options, onWarning: (w) => warnings.push(w) });
  m.register('A', ev('EventRegistered', { ThisDN: 'A' }));
  return { m, warnings };
}

describe('StateModel bound (maxCalls)', () => {
  it('a flood of 100,000 ConnIDs keeps the model at maxCalls (default 10,000), with few warnings', () => {
    const { m, warnings } = model();
    expect(m.maxCalls).toBe(DEFAULT_MAX_CALLS);
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: connId(0xffff_ffff) }));
    let peak = 0;
    let evictedChanges = 0;
    for (let n = 1; n <= 100_000; n++) {
      for (const c of m.apply(ev('EventRinging', { ThisDN: 'A', ConnID: connId(n), OtherDN: 'X' }))) {
        if (c.kind === 'callEnded' && c.cause === 'evicted') evictedChanges++;
      }
      if (n % 1000 === 0) peak = Math.max(peak, m.calls.size);
    }
    expect(peak).toBe(DEFAULT_MAX_CALLS);
    expect(m.calls.size).toBe(DEFAULT_MAX_CALLS);
    expect(m.dns.get('A')!.calls).toHaveLength(DEFAULT_MAX_CALLS);
    // The established call outlived the flood; the oldest offered calls went first.
    expect(m.calls.has(connId(0xffff_ffff))).toBe(true);
    expect(m.calls.has(connId(1))).toBe(false);
    expect(m.calls.has(connId(100_000))).toBe(true);
    const evicted = 100_001 - DEFAULT_MAX_CALLS;
    expect(evictedChanges).toBe(evicted);
    // One warning at the first drop, then one per maxCalls drops.
    expect(warnings.length).toBe(1 + Math.floor(evicted / DEFAULT_MAX_CALLS));
    expect(warnings[0]).toMatchObject({ code: 'ERR_MODEL_CALLS_LIMIT', evicted: 1 });
    expect(warnings[0]!.detail).toMatch(/maxCalls = 10000/);
    // Nothing inside grows past the bound either (records, eviction tiers, the DN's call log).
    const store = (m as unknown as { store: Record<string, unknown> }).store;
    const tiers = store.tiers as { size: number }[];
    expect((store.records as Map<unknown, unknown>).size).toBe(DEFAULT_MAX_CALLS);
    expect(tiers.reduce((n, t) => n + t.size, 0)).toBe(DEFAULT_MAX_CALLS);
    expect((store.journal as unknown[]).length + (store.evictions as unknown[]).length).toBe(0);
    const dnCalls = (store.dnRecords as Map<string, { calls: { log: unknown[] | undefined } }>).get('A')!.calls;
    expect(dnCalls.log?.length ?? 0).toBeLessThanOrEqual(2 * DEFAULT_MAX_CALLS + 8);
    // The resync plans at most maxCalls queries.
    expect(m.beginResync().calls.length).toBe(DEFAULT_MAX_CALLS);
  }, 60_000); // ~1.5 s alone; far more on a loaded 2-core machine

  it('when every call is confirmed, the least recently touched goes first', () => {
    const { m, warnings } = model({ maxCalls: 3 });
    for (let n = 1; n <= 3; n++) m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: connId(n) }));
    m.apply(ev('EventHeld', { ThisDN: 'A', ConnID: connId(1) })); // touched: 2 is now the oldest
    const changes = m.apply(ev('EventDialing', { ThisDN: 'A', ConnID: connId(4) }));
    expect([...m.calls.keys()].sort()).toEqual([connId(1), connId(3), connId(4)]);
    expect(changes.find((c) => c.kind === 'callEnded')).toMatchObject({ cause: 'evicted', view: { connId: connId(2) } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.detail).toContain(connId(2));
  });

  it('a new offered call is dropped rather than a confirmed one, with no change for a view never shown', () => {
    const { m } = model({ maxCalls: 1 });
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: connId(1) }));
    const changes = m.apply(ev('EventRinging', { ThisDN: 'A', ConnID: connId(2) }));
    expect([...m.calls.keys()]).toEqual([connId(1)]);
    expect(changes).toEqual([]);
  });

  it('one call cannot grow without bound: other parties and previous ConnIDs are capped', () => {
    const { m } = model();
    const id = connId(1);
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: id }));
    for (let n = 0; n < 1000; n++) m.apply(ev('EventPartyAdded', { ThisDN: 'A', ConnID: id, OtherDN: `P${n}` }));
    expect(m.calls.get(id)!.otherParties).toHaveLength(MAX_OTHER_PARTIES);
    expect(m.calls.get(id)!.otherParties.at(-1)).toBe('P999');
    let current = id;
    for (let n = 2; n < 1000; n++) {
      const next = connId(n);
      m.apply(ev('EventPartyChanged', { ThisDN: 'A', ConnID: next, PreviousConnID: current }));
      current = next;
    }
    expect(m.calls.size).toBe(1);
    expect(m.calls.get(current)!.previousConnIds).toHaveLength(MAX_PREVIOUS_CONNIDS);
  });
});

describe('maxCalls option of the connection', () => {
  it('defaults to DEFAULT_MAX_CALLS and refuses anything but a whole number ≥ 1', async () => {
    const { resolveOptions, DEFAULTS } = await import('../../src/connection/options.js');
    expect(DEFAULTS.maxCalls).toBe(DEFAULT_MAX_CALLS);
    expect(resolveOptions({ primary: '127.0.0.1:7000' }).maxCalls).toBe(DEFAULT_MAX_CALLS);
    expect(resolveOptions({ primary: '127.0.0.1:7000', maxCalls: 5 }).maxCalls).toBe(5);
    for (const bad of [0, -3, 2.5, Number.NaN, '10' as unknown as number]) {
      expect(() => resolveOptions({ primary: '127.0.0.1:7000', maxCalls: bad })).toThrow(/maxCalls/);
    }
  });
});

describe('StateModel with ill-formed events', () => {
  const names = [
    'EventRinging',
    'EventEstablished',
    'EventReleased',
    'EventPartyChanged',
    'EventPartyInfo',
    'EventAddressInfo',
    'EventRegistered',
    'EventAgentNotReady',
    'EventForwardSet',
    'EventAttachedDataChanged',
    'EventHeld',
  ];
  it('never throws, and a view only ever holds well-typed values', async () => {
    const fc = (await import('fast-check')).default;
    const junk = fc.oneof(fc.anything(), fc.constantFrom('A', '0000000000000001', ''), fc.array(fc.tuple(fc.string(), fc.anything())));
    const event = fc.record(
      {
        Event: fc.oneof(fc.constantFrom(...names), fc.anything()),
        ThisDN: junk,
        ConnID: junk,
        PreviousConnID: junk,
        OtherDN: junk,
        UserData: junk,
        Extensions: fc.oneof(
          junk,
          fc.constant([
            [
              'Parties',
              [
                ['A', 'held'],
                ['A', 7],
                [3, 'x'],
              ],
            ],
            ['Calls', 'x'],
            ['DND', 'on'],
          ]),
        ),
        AgentStatus: junk,
        time: junk,
      },
      { requiredKeys: ['Event'] },
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        const { m } = model({ maxCalls: 5 });
        m.beginResync();
        for (const e of events) {
          m.apply(e as ModelEvent);
          m.resyncDN('A', e as ModelEvent);
          m.resyncCall('0000000000000001', e as ModelEvent);
        }
        m.endResync();
        expect(m.calls.size).toBeLessThanOrEqual(5);
        for (const [id, v] of m.calls) {
          expect(typeof id).toBe('string');
          expect(Object.keys(v.parties).every((dn) => dn === 'A')).toBe(true);
          expect(Number.isFinite(v.startedAt)).toBe(true);
          if (v.userData !== undefined) expect(Array.isArray(v.userData)).toBe(true);
        }
        const a = m.dns.get('A')!;
        expect(['loggedOut', 'loggedIn', 'ready', 'notReady', 'afterCallWork']).toContain(a.agent.status);
        expect(typeof a.dnd).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('idle registered DNs keep no record: their answers saying nothing new make none, a read makes one', () => {
    const m = new StateModel({ listening: () => false });
    const dns = Array.from({ length: 1000 }, (_, i) => `D${i}`);
    for (const dn of dns) m.register(dn, ev('EventRegistered', { ThisDN: dn }));
    for (const dn of dns) m.apply(ev('EventRegistered', { ThisDN: dn, AgentStatus: 1, ReferenceID: 1 }));
    m.beginResync();
    for (const dn of dns)
      m.resyncDN(
        dn,
        ev('EventAddressInfo', {
          ThisDN: dn,
          AgentStatus: 1,
          Extensions: [
            ['Calls', []],
            ['DND', 0],
          ],
        }),
      );
    m.endResync();
    const records = (m as unknown as { store: { dnRecords: Map<string, unknown> } }).store.dnRecords;
    expect(records.size).toBe(1000);
    expect([...records.values()].filter((r) => r !== null)).toHaveLength(0);
    // A DN that changes, or is read, gets one; its view is the same object until it changes.
    m.apply(ev('EventAgentLogin', { ThisDN: 'D7', AgentID: 'a7' }));
    const view = m.dns.get('D9')!;
    expect(view).toMatchObject({ dn: 'D9', agent: { status: 'loggedOut' }, dnd: false, calls: [] });
    expect(m.dns.get('D9')).toBe(view);
    expect([...records.values()].filter((r) => r !== null)).toHaveLength(2);
    expect(m.dns.get('D7')!.agent).toMatchObject({ id: 'a7', status: 'loggedIn' });
    expect([...m.dns.keys()]).toEqual(dns);
  });

  describe('user data byte bounds', () => {
    const ud = (n: number, chars = 36) => Array.from({ length: n }, (_, i) => [`k${i}`, 'x'.repeat(chars)]); // 64 + 2 + 36 = 102 B each
    const kept = (m: StateModel) => [...m.calls.values()].reduce((n, v) => n + (v.userData?.length ?? 0), 0);

    it('past maxUserDataBytesPerCall a call keeps the leading entries that fit, with one warning', () => {
      const { m, warnings } = model({ maxUserDataBytesPerCall: 350 });
      m.apply(ev('EventRinging', { ThisDN: 'A', ConnID: connId(1), UserData: ud(10) }));
      expect(m.calls.get(connId(1))!.userData).toEqual(ud(3));
      expect(Object.isFrozen(m.calls.get(connId(1))!.userData)).toBe(true);
      expect(warnings).toEqual([expect.objectContaining({ code: 'ERR_MODEL_USER_DATA_LIMIT', trimmed: 1 })]);
      expect(warnings[0]!.detail).toMatch(/maxUserDataBytesPerCall = 350 .* keeps 3 of 10 entries/);
      // Data that fits is kept whole.
      m.apply(ev('EventAttachedDataChanged', { ThisDN: 'A', ConnID: connId(1), UserData: ud(2) }));
      expect(m.calls.get(connId(1))!.userData).toEqual(ud(2));
    });

    it('past maxUserDataBytes later calls keep what room is left; an ended call gives its room back', () => {
      const { m, warnings } = model({ maxUserDataBytes: 1000, maxCalls: 100 });
      for (let n = 1; n <= 20; n++) m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: connId(n), UserData: ud(4) }));
      // 4 × 102 = 408 B per call: two calls whole, the third gets 1 entry, the rest none.
      expect(m.calls.get(connId(1))!.userData).toHaveLength(4);
      expect(m.calls.get(connId(2))!.userData).toHaveLength(4);
      expect(m.calls.get(connId(3))!.userData).toHaveLength(1);
      expect(m.calls.get(connId(20))!.userData).toEqual([]);
      expect(kept(m)).toBe(9);
      expect(warnings).toHaveLength(1); // the first trim; then one per maxCalls (100) trims
      m.apply(ev('EventReleased', { ThisDN: 'A', ConnID: connId(1) }));
      m.apply(ev('EventAttachedDataChanged', { ThisDN: 'A', ConnID: connId(20), UserData: ud(4) }));
      expect(m.calls.get(connId(20))!.userData).toHaveLength(4);
      // A call renamed by EventPartyChanged carries its data over within the same bound.
      m.apply(ev('EventPartyChanged', { ThisDN: 'A', ConnID: connId(99), PreviousConnID: connId(20) }));
      expect(m.calls.get(connId(99))!.userData).toHaveLength(4);
      expect(kept(m)).toBe(9);
    });

    it('refuses bounds that are not whole numbers ≥ 0', () => {
      expect(() => new StateModel({ maxUserDataBytes: -1 })).toThrow(/maxUserDataBytes must be an integer ≥ 0, got -1/);
      expect(() => new StateModel({ maxUserDataBytesPerCall: 1.5 })).toThrow(/maxUserDataBytesPerCall/);
      expect(new StateModel().userDataLimits).toEqual({ perCall: 64 * 1024, total: 16 * 1024 * 1024 });
    });
  });
});
