/**
 * Corrections after a resync: the model is told each answer of the new primary and fixes what the
 * lost events left wrong, with change events of cause 'resync' and a list of corrections.
 */
import { describe, expect, it } from 'vitest';
import { StateModel, type ModelEvent } from '../../src/model/index.js';

const X = 'ext-caller';
const H = '00000001000000a1';
const C = '00000001000000c2';
const ev = (Event: string, attrs: Record<string, unknown> = {}): ModelEvent => ({ Event, Server: 'sim', ...attrs });
const addressInfo = (dn: string, attrs: Record<string, unknown> = {}) => ev('EventAddressInfo', { ThisDN: dn, AgentStatus: 1, ...attrs });
const partyInfo = (connId: string, thisDN: string, otherDN?: string, attrs: Record<string, unknown> = {}) =>
  ev('EventPartyInfo', { ConnID: connId, ThisDN: thisDN, OtherDN: otherDN, CallState: 0, ...attrs });

function model(...dns: string[]): StateModel {
  const m = new StateModel();
  for (const dn of dns) m.register(dn, ev('EventRegistered', { ThisDN: dn }));
  return m;
}

describe('StateModel resync', () => {
  it('plans the registered DNs and every known call', () => {
    const m = model('A', 'B');
    m.apply(ev('EventRinging', { ThisDN: 'A', ConnID: H, OtherDN: X }));
    m.apply(ev('EventDialing', { ThisDN: 'B', ConnID: C, OtherDN: X }));
    expect(m.beginResync()).toEqual({ dns: ['A', 'B'], calls: [H, C] });
    expect(m.resyncing).toBe(true);
  });

  it('a call the server no longer knows (EventError 57) ends with cause resync and is named', () => {
    const m = model('A');
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: H, OtherDN: X }));
    const before = m.calls.get(H)!;
    m.beginResync();
    const changes = m.resyncCall(H, 'gone');
    expect(changes.map((c) => [c.kind, c.cause])).toEqual([
      ['callEnded', 'resync'],
      ['dnChanged', 'resync'],
    ]);
    m.resyncDN('A', addressInfo('A'));
    const { corrections } = m.endResync();
    expect(corrections).toEqual([{ kind: 'callGone', connId: H, before, after: undefined }]);
    expect(m.calls.size).toBe(0);
    expect(m.dns.get('A')!.calls).toEqual([]);
    expect(m.resyncing).toBe(false);
  });

  it('an agent made NotReady during the gap: dnChanged with cause resync, agentStatusChanged', () => {
    const m = model('A');
    m.apply(ev('EventAgentLogin', { ThisDN: 'A', AgentID: 'ag1' }));
    m.apply(ev('EventAgentReady', { ThisDN: 'A', AgentID: 'ag1' }));
    m.beginResync();
    const changes = m.resyncDN('A', addressInfo('A', { AgentID: 'ag1', AgentStatus: 4 }));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'dnChanged', cause: 'resync', view: { dn: 'A', agent: { status: 'notReady', id: 'ag1' } } });
    expect(m.endResync().corrections).toEqual([{ kind: 'agentStatusChanged', dn: 'A', before: 'ready', after: 'notReady' }]);
  });

  it('after-call work from AgentStatus 4 with AgentWorkMode 3; an unchanged status is no correction', () => {
    const m = model('A', 'B');
    m.apply(ev('EventAgentLogin', { ThisDN: 'B', AgentID: 'b' }));
    m.beginResync();
    m.resyncDN('A', addressInfo('A', { AgentID: 'a', AgentStatus: 4, AgentWorkMode: 3 }));
    m.resyncDN('B', addressInfo('B', { AgentID: 'b', AgentStatus: 2 }));
    expect(m.endResync().corrections).toEqual([{ kind: 'agentStatusChanged', dn: 'A', before: 'loggedOut', after: 'afterCallWork' }]);
    expect(m.dns.get('A')!.agent).toMatchObject({ id: 'a', status: 'afterCallWork', workMode: 3 });
  });

  it('an answer keeps what it does not carry (work mode, place) and announces only real changes', () => {
    const m = model('A', 'B');
    m.apply(ev('EventAgentLogin', { ThisDN: 'A', AgentID: 'ag1', Place: 'P1', AgentWorkMode: 1 }));
    m.apply(ev('EventAgentReady', { ThisDN: 'A', AgentID: 'ag1', AgentWorkMode: 2 }));
    m.apply(ev('EventAgentLogin', { ThisDN: 'B', AgentID: 'b1' }));
    const a = m.dns.get('A')!;
    m.beginResync();
    // A's answer says what the model knows, without the work mode or place: nothing changes.
    expect(m.resyncDN('A', addressInfo('A', { AgentID: 'ag1', AgentStatus: 3 }))).toEqual([]);
    // B's answer names another agent ID, same status: a change, and a correction saying so.
    const changes = m.resyncDN('B', addressInfo('B', { AgentID: 'b2', AgentStatus: 2 }));
    expect(changes.map((c) => [c.kind, c.cause])).toEqual([['dnChanged', 'resync']]);
    expect(m.endResync().corrections).toEqual([
      {
        kind: 'agentChanged',
        dn: 'B',
        before: { id: 'b1', status: 'loggedIn', workMode: undefined, place: undefined },
        after: { id: 'b2', status: 'loggedIn', workMode: undefined, place: undefined },
      },
    ]);
    expect(m.dns.get('A')).toBe(a);
    expect(a.agent).toEqual({ id: 'ag1', status: 'ready', workMode: 2, place: 'P1' });
  });

  it('a call that appeared during the gap is found from the DN answer, then queried', () => {
    const m = model('A');
    expect(m.beginResync()).toEqual({ dns: ['A'], calls: [] });
    const changes = m.resyncDN('A', addressInfo('A', { ConnID: H }));
    expect(changes.map((c) => [c.kind, c.cause])).toEqual([
      ['callChanged', 'resync'],
      ['dnChanged', 'resync'],
    ]);
    expect(m.callsToQuery()).toEqual([H]);
    expect(m.callsToQuery()).toEqual([]); // each found call is handed out once
    m.resyncCall(H, partyInfo(H, X, 'A', { UserData: [['k', 'v']] }));
    const { corrections } = m.endResync();
    expect(corrections).toEqual([{ kind: 'callFound', connId: H, before: undefined, after: expect.objectContaining({ connId: H }) }]);
    expect(m.calls.get(H)).toMatchObject({ parties: { A: 'established' }, userData: [['k', 'v']], otherParties: [X] });
  });

  it('a DN the server no longer has on a call leaves it (the transfer completed during the gap)', () => {
    const m = model('A');
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: H, OtherDN: X }));
    m.apply(ev('EventHeld', { ThisDN: 'A', ConnID: H }));
    m.apply(ev('EventDialing', { ThisDN: 'A', ConnID: C, OtherDN: 'B' }));
    expect(m.beginResync().calls).toEqual([H, C]);
    m.resyncCall(C, 'gone');
    m.resyncCall(H, partyInfo(H, X, 'B')); // H now joins the caller and B
    const heldView = m.calls.get(H)!;
    expect([...heldView.otherParties].sort()).toEqual(['B', X].sort());
    m.resyncDN('A', addressInfo('A'));
    const { corrections, changes } = m.endResync();
    expect(corrections.map((c) => c.kind)).toEqual(['callGone', 'partyStateChanged', 'callGone']);
    expect(corrections[1]).toEqual({ kind: 'partyStateChanged', connId: H, dn: 'A', before: 'held', after: undefined });
    expect(corrections[2]).toEqual({ kind: 'callGone', connId: H, before: heldView, after: undefined });
    expect(changes.map((c) => [c.kind, c.cause])).toEqual([
      ['callEnded', 'resync'],
      ['dnChanged', 'resync'],
    ]);
    expect(m.calls.size).toBe(0);
  });

  it('a party is kept when its DN answer names the call, or an event set it during the resync', () => {
    const m = model('A', 'B');
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: H, OtherDN: X }));
    m.apply(ev('EventRinging', { ThisDN: 'B', ConnID: H, OtherDN: X }));
    m.beginResync();
    m.resyncCall(H, partyInfo(H, X, 'C-unregistered'));
    m.resyncDN('A', addressInfo('A', { ConnID: H }));
    m.apply(ev('EventEstablished', { ThisDN: 'B', ConnID: H, OtherDN: X }));
    m.resyncDN('B', addressInfo('B'));
    expect(m.endResync().corrections).toEqual([]);
    expect(m.calls.get(H)!.parties).toEqual({ A: 'established', B: 'established' });
  });

  it('a party whose DN was not answered is left alone', () => {
    const m = model('A');
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: H, OtherDN: X }));
    m.beginResync();
    m.resyncCall(H, partyInfo(H, X, 'B'));
    expect(m.endResync().corrections).toEqual([]);
    expect(m.calls.has(H)).toBe(true);
  });

  it('a registered DN an answer names is put on the call (partyStateChanged from undefined)', () => {
    const m = model('A', 'B');
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: H, OtherDN: X }));
    m.beginResync();
    m.resyncCall(H, partyInfo(H, 'A', 'B'));
    expect(m.endResync().corrections).toEqual([{ kind: 'partyStateChanged', connId: H, dn: 'B', before: undefined, after: 'established' }]);
    expect(m.dns.get('B')!.calls).toEqual([H]);
  });

  it('an awaited answer delivered through apply() is the resync answer, applied once', () => {
    const m = model('A');
    m.apply(ev('EventAgentLogin', { ThisDN: 'A', AgentID: 'ag1' }));
    m.beginResync();
    // An unsolicited EventAddressInfo (no ReferenceID) is not the answer the resync awaits.
    expect(m.apply(addressInfo('A', { AgentStatus: 2 }))).toEqual([]);
    const answer = addressInfo('A', { AgentStatus: 3, ReferenceID: 7 });
    expect(m.apply(answer)[0]).toMatchObject({ kind: 'dnChanged', cause: 'resync' });
    expect(m.resyncDN('A', answer)).toEqual([]);
    expect(m.endResync().corrections).toEqual([{ kind: 'agentStatusChanged', dn: 'A', before: 'loggedIn', after: 'ready' }]);
    // Outside a resync the same event is an ordinary event.
    expect(m.apply(addressInfo('A', { AgentStatus: 4 }))[0]!.cause).toMatchObject({ Event: 'EventAddressInfo' });
    expect(m.resyncCall(H, 'gone')).toEqual([]);
  });

  it('a resync begun over another keeps the first one’s corrections; abortResync drops them', () => {
    const m = model('A');
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: H }));
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: C }));
    m.beginResync();
    m.resyncCall(H, 'gone');
    expect(m.beginResync().calls).toEqual([C]);
    m.resyncCall(C, 'gone');
    expect(m.endResync().corrections.map((c) => ('connId' in c ? c.connId : c.dn))).toEqual([H, C]);
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: H }));
    m.beginResync();
    m.resyncCall(H, 'gone');
    m.abortResync();
    expect(m.resyncing).toBe(false);
    m.beginResync();
    expect(m.endResync().corrections).toEqual([]);
  });

  it('a rename during the resync: the old ConnID answered gone changes nothing', () => {
    const m = model('B');
    m.apply(ev('EventEstablished', { ThisDN: 'B', ConnID: C, OtherDN: 'A' }));
    m.beginResync();
    m.apply(ev('EventPartyChanged', { ThisDN: 'B', ConnID: H, PreviousConnID: C, OtherDN: X }));
    expect(m.resyncCall(C, 'gone')).toEqual([]);
    m.resyncDN('B', addressInfo('B', { ConnID: H }));
    expect(m.endResync().corrections).toEqual([]);
    expect([...m.calls.keys()]).toEqual([H]);
  });

  describe('answers that list every party / every call (the simulator sends them in Extensions)', () => {
    const fullCall = (connId: string, parties: [string, string][], attrs: Record<string, unknown> = {}) =>
      partyInfo(connId, parties[0]![0], parties[1]?.[0], {
        Extensions: [
          ['Parties', parties],
          ['External', X],
        ],
        ...attrs,
      });
    const fullDN = (dn: string, calls: [string, string][], more: [string, unknown][] = [], attrs: Record<string, unknown> = {}) =>
      addressInfo(dn, { ConnID: calls.at(-1)?.[0], Extensions: [['Calls', calls], ...more, ['DND', 0]], ...attrs });

    it('party states come from the lists; a DN the call list leaves out is taken off at once', () => {
      const m = model('A', 'B');
      m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: H, OtherDN: X }));
      m.apply(ev('EventRinging', { ThisDN: 'B', ConnID: H, OtherDN: X }));
      m.beginResync();
      const changes = m.resyncCall(
        H,
        fullCall(H, [
          ['A', 'held'],
          ['Q', 'queued'],
        ]),
      );
      expect(changes.map((c) => [c.kind, c.cause])).toEqual([
        ['callChanged', 'resync'],
        ['dnChanged', 'resync'],
      ]);
      expect(m.calls.get(H)).toMatchObject({ parties: { A: 'held' } });
      expect(m.calls.get(H)!.otherParties).toEqual(expect.arrayContaining(['Q', X]));
      expect(m.endResync().corrections).toEqual([
        { kind: 'partyStateChanged', connId: H, dn: 'A', before: 'established', after: 'held' },
        { kind: 'partyStateChanged', connId: H, dn: 'B', before: 'ringing', after: undefined },
        { kind: 'otherPartiesChanged', connId: H, before: [X], after: [X, 'Q'] },
      ]);
    });

    it('a full call answer replaces the other parties (a party who left during the gap is named no more) and a non-zero CallState', () => {
      const m = model('A');
      m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: H, OtherDN: 'B', CallState: 0 }));
      m.apply(ev('EventPartyAdded', { ThisDN: 'A', ConnID: H, OtherDN: 'C', CallState: 2 }));
      expect(m.calls.get(H)).toMatchObject({ otherParties: ['B', 'C'], callState: 2 });
      m.beginResync();
      // During the gap B left and the call was answered by a machine elsewhere: C alone remains.
      m.resyncCall(
        H,
        fullCall(
          H,
          [
            ['A', 'established'],
            ['C', 'established'],
          ],
          { CallState: 9 },
        ),
      );
      m.resyncDN('A', fullDN('A', [[H, 'established']]));
      expect(m.endResync().corrections).toEqual([
        { kind: 'callStateChanged', connId: H, before: 2, after: 9 },
        { kind: 'otherPartiesChanged', connId: H, before: ['B', 'C'], after: ['C', X] },
      ]);
      expect(m.calls.get(H)).toMatchObject({ otherParties: ['C', X], callState: 9 });
      // CallState 0 in an answer is no news; the same parties again correct nothing.
      m.beginResync();
      m.resyncCall(
        H,
        fullCall(
          H,
          [
            ['A', 'established'],
            ['C', 'established'],
          ],
          { CallState: 0 },
        ),
      );
      expect(m.endResync().corrections).toEqual([]);
      expect(m.calls.get(H)!.callState).toBe(9);
    });

    it('a DN answer lists every call: calls found with their state, calls left out lose the DN', () => {
      const m = model('A');
      m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: H, OtherDN: X }));
      const before = m.calls.get(H)!;
      m.beginResync();
      m.resyncDN('A', fullDN('A', [[C, 'ringing']]));
      expect(m.callsToQuery()).toEqual([C]);
      const { corrections } = m.endResync();
      expect(corrections).toEqual(
        [
          { kind: 'callFound', connId: C, before: undefined, after: expect.objectContaining({ parties: { A: 'ringing' } }) },
          { kind: 'partyStateChanged', connId: H, dn: 'A', before: 'established', after: undefined },
          { kind: 'callGone', connId: H, before, after: undefined },
        ].sort((a, b) => (a.kind === 'callFound' ? 1 : 0) - (b.kind === 'callFound' ? 1 : 0)),
      );
      expect([...m.calls.keys()]).toEqual([C]);
    });

    it('DND and forwarding corrections', () => {
      const m = model('A');
      m.apply(ev('EventForwardSet', { ThisDN: 'A', OtherDN: 'B', ForwardMode: 1 }));
      m.beginResync();
      const changes = m.resyncDN('A', fullDN('A', [], [['DND', 1]]));
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ kind: 'dnChanged', cause: 'resync', view: { dnd: true, forward: undefined } });
      expect(m.endResync().corrections).toEqual([
        { kind: 'dndChanged', dn: 'A', before: false, after: true },
        { kind: 'forwardChanged', dn: 'A', before: { to: 'B', mode: 1 }, after: undefined },
      ]);
      m.beginResync();
      m.resyncDN(
        'A',
        addressInfo('A', {
          Extensions: [
            ['Calls', []],
            ['DND', 1],
            ['ForwardTo', 'C'],
            ['ForwardMode', 1],
          ],
        }),
      );
      expect(m.endResync().corrections).toEqual([{ kind: 'forwardChanged', dn: 'A', before: undefined, after: { to: 'C', mode: 1 } }]);
    });

    it('previous ConnIDs of a merged call are kept', () => {
      const m = model('A');
      m.beginResync();
      m.resyncDN('A', fullDN('A', [[H, 'established']]));
      m.resyncCall(
        H,
        fullCall(H, [['A', 'established']], {
          Extensions: [
            ['Parties', [['A', 'established']]],
            ['PreviousConnIDs', [[C, 'merged']]],
          ],
        }),
      );
      m.endResync();
      expect(m.calls.get(H)!.previousConnIds).toEqual([C]);
    });
  });
});

describe('StateModel resync against a hostile answer', () => {
  it('a DN answer listing 50,000 calls leaves the model at maxCalls and asks about no more', () => {
    const m = new StateModel({ maxCalls: 100 });
    m.register('A', ev('EventRegistered', { ThisDN: 'A' }));
    m.beginResync();
    const calls = Array.from({ length: 50_000 }, (_, n): [string, string] => [n.toString(16).padStart(16, '0'), 'ringing']);
    m.resyncDN('A', addressInfo('A', { Extensions: [['Calls', calls]] }));
    expect(m.calls.size).toBe(100);
    const toQuery = m.callsToQuery();
    expect(toQuery.length).toBe(100);
    expect(toQuery.every((id) => m.calls.has(id))).toBe(true);
    const { corrections } = m.endResync();
    expect(corrections.filter((c) => c.kind === 'callFound').length).toBeLessThanOrEqual(100);
  });

  it('answers that put a DN on no call share nothing with the answers after them', () => {
    const m = model('A', 'B');
    const noCalls = {
      Extensions: [
        ['Calls', []],
        ['DND', 0],
      ],
    };
    // First: A lists no call, B names none.
    m.beginResync();
    m.resyncDN('A', addressInfo('A', noCalls));
    m.resyncDN('B', addressInfo('B'));
    expect(m.callsToQuery()).toEqual([]);
    expect(m.endResync().corrections).toEqual([]);
    // A is put on H; then A lists only C (found, A taken off H), B lists no call.
    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: H, OtherDN: X }));
    m.beginResync();
    m.resyncCall(H, 'gone');
    m.resyncDN('A', addressInfo('A', { Extensions: [['Calls', [[C, 'ringing']]]] }));
    m.resyncDN('B', addressInfo('B', noCalls));
    expect(m.callsToQuery()).toEqual([C]);
    m.resyncCall(C, partyInfo(C, 'A', X));
    expect(m.endResync().corrections.map((c) => c.kind)).toEqual(['callGone', 'callFound']);
    expect(m.dns.get('A')!.calls).toEqual([C]);
    expect(m.dns.get('B')!.calls).toEqual([]);
    // Then A lists no call again: taken off C, which ends; nothing is left to query.
    m.beginResync();
    m.resyncDN('A', addressInfo('A', noCalls));
    m.resyncDN('B', addressInfo('B', noCalls));
    expect(m.callsToQuery()).toEqual([]);
    expect(m.endResync().corrections.map((c) => c.kind)).toEqual(['partyStateChanged', 'callGone']);
    expect(m.calls.size).toBe(0);
    expect(m.dns.get('A')!.calls).toEqual([]);
  });
});
