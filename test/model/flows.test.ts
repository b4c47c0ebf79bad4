/**
 * The state model follows each call flow of wire protocol 1.1 ("The call model"): one test per
 * flow, fed the events each registered party gets, in the order the switch sends them.
 */
import { describe, expect, it } from 'vitest';
import { StateModel, type Change, type ModelEvent } from '../../src/model/index.js';

const X = 'ext-caller';
const H = '00000001000000a1'; // the original (later held) call
const C = '00000001000000c2'; // the consultation call

function ev(Event: string, attrs: Record<string, unknown> = {}): ModelEvent {
  return { Event, Server: 'sim', ...attrs };
}

function model(...dns: string[]): StateModel {
  const m = new StateModel({ now: () => 1_000 });
  for (const dn of dns) m.register(dn, ev('EventRegistered', { ThisDN: dn }));
  return m;
}

function feed(m: StateModel, events: ModelEvent[]): Change[] {
  return events.flatMap((e) => m.apply(e));
}

function partiesOf(m: StateModel): Record<string, Record<string, string>> {
  return Object.fromEntries([...m.calls].map(([id, v]) => [id, { ...v.parties }]));
}

/** A, registered, has an established inbound call H with the external caller. */
const inbound = (dn: string) => [
  ev('EventRinging', { ThisDN: dn, ConnID: H, OtherDN: X, CallType: 2, ANI: '5551234', DNIS: '800', UserData: [['case', 7]] }),
  ev('EventEstablished', { ThisDN: dn, ConnID: H, OtherDN: X }),
];

describe('StateModel follows the call model', () => {
  it('ringing → established → released on a registered DN, with change events', () => {
    const m = model('A');
    const ring = ev('EventRinging', {
      ThisDN: 'A',
      ConnID: H,
      OtherDN: X,
      CallType: 2,
      ANI: '555',
      DNIS: '800',
      time: { seconds: 50, microseconds: 7000 },
    });
    const changes = m.apply(ring);
    expect(changes.map((c) => c.kind)).toEqual(['callChanged', 'dnChanged']);
    expect(changes.every((c) => c.cause === ring)).toBe(true);
    const v1 = m.calls.get(H)!;
    expect(v1).toMatchObject({
      connId: H,
      parties: { A: 'ringing' },
      otherParties: [X],
      callType: 2,
      ani: '555',
      dnis: '800',
      startedAt: 50_007,
    });
    expect(m.dns.get('A')!.calls).toEqual([H]);

    m.apply(ev('EventEstablished', { ThisDN: 'A', ConnID: H, OtherDN: X }));
    expect(m.calls.get(H)!.parties).toEqual({ A: 'established' });
    expect(v1.parties).toEqual({ A: 'ringing' }); // the old snapshot is untouched
    expect(Object.isFrozen(v1) && Object.isFrozen(v1.parties)).toBe(true);

    const rel = ev('EventReleased', { ThisDN: 'A', ConnID: H });
    const end = m.apply(rel);
    expect(end.map((c) => c.kind)).toEqual(['callEnded', 'dnChanged']);
    expect(end[0]).toMatchObject({ view: { connId: H, parties: { A: 'established' } }, cause: rel });
    expect(m.calls.size).toBe(0);
    expect(m.dns.get('A')!.calls).toEqual([]);
  });

  it('ignores call events on DNs that are not registered, and events without ConnID', () => {
    const m = model('A');
    expect(m.apply(ev('EventRinging', { ThisDN: 'B', ConnID: H, OtherDN: 'A' }))).toEqual([]);
    expect(m.apply(ev('EventRinging', { ThisDN: 'A' }))).toEqual([]);
    expect(m.apply(ev('EventReleased', { ThisDN: 'A', ConnID: H }))).toEqual([]);
    expect(m.apply({ ThisDN: 'A' })).toEqual([]);
    expect(m.calls.size).toBe(0);
  });

  it('hold, retrieve and user data; UserData is a frozen copy, the event untouched', () => {
    const m = model('A');
    feed(m, inbound('A'));
    expect(m.calls.get(H)!.userData).toEqual([['case', 7]]);
    const data = [
      ['case', 8],
      ['note', [['k', 'v']]],
    ];
    m.apply(ev('EventAttachedDataChanged', { ThisDN: 'A', ConnID: H, UserData: data }));
    const ud = m.calls.get(H)!.userData!;
    expect(ud).toEqual(data);
    expect(Object.isFrozen(ud) && Object.isFrozen(ud[1]) && Object.isFrozen(ud[1]![1])).toBe(true);
    expect(Object.isFrozen(data)).toBe(false);
    m.apply(ev('EventHeld', { ThisDN: 'A', ConnID: H }));
    expect(m.calls.get(H)!.parties).toEqual({ A: 'held' });
    m.apply(ev('EventRetrieved', { ThisDN: 'A', ConnID: H }));
    expect(m.calls.get(H)!.parties).toEqual({ A: 'established' });
  });

  it('two-step transfer with both agents registered: the merged call keeps the held ConnID', () => {
    const m = model('A', 'B');
    feed(m, inbound('A'));
    feed(m, [
      ev('EventHeld', { ThisDN: 'A', ConnID: H }),
      ev('EventDialing', { ThisDN: 'A', ConnID: C, OtherDN: 'B', CallType: 4 }),
      ev('EventRinging', { ThisDN: 'B', ConnID: C, OtherDN: 'A', CallType: 4 }),
      ev('EventEstablished', { ThisDN: 'B', ConnID: C, OtherDN: 'A' }),
      ev('EventEstablished', { ThisDN: 'A', ConnID: C, OtherDN: 'B' }),
    ]);
    expect(partiesOf(m)).toEqual({ [H]: { A: 'held' }, [C]: { A: 'established', B: 'established' } });
    expect(m.dns.get('A')!.calls).toEqual([H, C]);
    const changed = ev('EventPartyChanged', { ThisDN: 'B', ConnID: H, PreviousConnID: C, OtherDN: X, ThirdPartyDN: 'A' });
    const changes = feed(m, [ev('EventReleased', { ThisDN: 'A', ConnID: C }), ev('EventReleased', { ThisDN: 'A', ConnID: H }), changed]);
    expect(partiesOf(m)).toEqual({ [H]: { B: 'established' } });
    const merged = m.calls.get(H)!;
    expect(merged.previousConnIds).toEqual([C]);
    expect(merged.otherParties).toContain(X);
    expect(m.dns.get('A')!.calls).toEqual([]);
    expect(m.dns.get('B')!.calls).toEqual([H]);
    // H ended for A's screen when A left it (no registered party), then came back through B.
    expect(changes.filter((c) => c.kind === 'callEnded').map((c) => [c.view.connId, (c.cause as ModelEvent).Event])).toEqual([
      [H, 'EventReleased'],
      [C, 'EventPartyChanged'],
    ]);
  });

  it('two-step transfer seen only by the target: a rename keeps start time, data and history', () => {
    const m = model('B');
    feed(m, [
      ev('EventRinging', {
        ThisDN: 'B',
        ConnID: C,
        OtherDN: 'A',
        CallType: 4,
        UserData: [['x', 1]],
        time: { seconds: 9, microseconds: 0 },
      }),
      ev('EventEstablished', { ThisDN: 'B', ConnID: C, OtherDN: 'A' }),
    ]);
    m.apply(ev('EventPartyChanged', { ThisDN: 'B', ConnID: H, PreviousConnID: C, OtherDN: X, ThirdPartyDN: 'A' }));
    expect([...m.calls.keys()]).toEqual([H]);
    expect(m.calls.get(H)).toMatchObject({
      parties: { B: 'established' },
      previousConnIds: [C],
      userData: [['x', 1]],
      startedAt: 9000,
      callType: 4,
    });
    // A transferred the call and left it: only the caller is on the other end.
    expect(m.calls.get(H)!.otherParties).toEqual([X]);
  });

  it('a conference merge keeps the party who conferenced (ThirdPartyDNRole 9) among the others', () => {
    const m = model('B');
    feed(m, [
      ev('EventRinging', { ThisDN: 'B', ConnID: C, OtherDN: 'A' }),
      ev('EventEstablished', { ThisDN: 'B', ConnID: C, OtherDN: 'A' }),
    ]);
    m.apply(ev('EventPartyChanged', { ThisDN: 'B', ConnID: H, PreviousConnID: C, OtherDN: X, ThirdPartyDN: 'A', ThirdPartyDNRole: 9 }));
    expect(m.calls.get(H)!.otherParties).toEqual(['A', X]);
  });

  it('conference: the new party merges into the held call the model already has', () => {
    const m = model('A', 'B');
    feed(m, inbound('A'));
    feed(m, [
      ev('EventHeld', { ThisDN: 'A', ConnID: H }),
      ev('EventDialing', { ThisDN: 'A', ConnID: C, OtherDN: 'B', CallType: 4 }),
      ev('EventRinging', { ThisDN: 'B', ConnID: C, OtherDN: 'A' }),
      ev('EventEstablished', { ThisDN: 'B', ConnID: C, OtherDN: 'A' }),
      ev('EventEstablished', { ThisDN: 'A', ConnID: C, OtherDN: 'B' }),
      ev('EventReleased', { ThisDN: 'A', ConnID: C }),
      ev('EventRetrieved', { ThisDN: 'A', ConnID: H }),
      ev('EventPartyAdded', { ThisDN: 'A', ConnID: H, OtherDN: 'B' }),
      ev('EventPartyChanged', { ThisDN: 'B', ConnID: H, PreviousConnID: C, OtherDN: 'A' }),
    ]);
    expect(partiesOf(m)).toEqual({ [H]: { A: 'established', B: 'established' } });
    expect(m.calls.get(H)!.previousConnIds).toEqual([C]);
    expect(m.calls.get(H)!.userData).toEqual([['case', 7]]);
    // DeleteFromConference of B: A gets PartyDeleted, B gets Released.
    feed(m, [ev('EventPartyDeleted', { ThisDN: 'A', ConnID: H, OtherDN: 'B' }), ev('EventReleased', { ThisDN: 'B', ConnID: H })]);
    expect(partiesOf(m)).toEqual({ [H]: { A: 'established' } });
    expect(m.dns.get('B')!.calls).toEqual([]);
  });

  it('single-step transfer and redirect: the same ConnID moves from one DN to another', () => {
    const m = model('A', 'B');
    feed(m, inbound('A'));
    feed(m, [
      ev('EventReleased', { ThisDN: 'A', ConnID: H }),
      ev('EventRinging', { ThisDN: 'B', ConnID: H, OtherDN: X, ThirdPartyDN: 'A' }),
    ]);
    expect(partiesOf(m)).toEqual({ [H]: { B: 'ringing' } });
    const m2 = model('B');
    feed(m2, [ev('EventRinging', { ThisDN: 'B', ConnID: H, OtherDN: X }), ev('EventReleased', { ThisDN: 'B', ConnID: H })]);
    expect(m2.calls.size).toBe(0);
  });

  it('alternate and reconnect', () => {
    const m = model('A');
    feed(m, inbound('A'));
    feed(m, [
      ev('EventHeld', { ThisDN: 'A', ConnID: H }),
      ev('EventDialing', { ThisDN: 'A', ConnID: C, OtherDN: 'B' }),
      ev('EventEstablished', { ThisDN: 'A', ConnID: C, OtherDN: 'B' }),
      ev('EventHeld', { ThisDN: 'A', ConnID: C }),
      ev('EventRetrieved', { ThisDN: 'A', ConnID: H }),
    ]);
    expect(partiesOf(m)).toEqual({ [H]: { A: 'established' }, [C]: { A: 'held' } });
    feed(m, [
      ev('EventHeld', { ThisDN: 'A', ConnID: H }),
      ev('EventReleased', { ThisDN: 'A', ConnID: C }),
      ev('EventRetrieved', { ThisDN: 'A', ConnID: H }),
    ]);
    expect(partiesOf(m)).toEqual({ [H]: { A: 'established' } });
  });

  it('routing point: route request, then route used takes the call away', () => {
    const m = model('RP', 'B');
    feed(m, [
      ev('EventRouteRequest', { ThisDN: 'RP', ConnID: H, OtherDN: X, ANI: '555', DNIS: '800', CallType: 2, UserData: [['lang', 'fr']] }),
    ]);
    expect(m.calls.get(H)).toMatchObject({ parties: { RP: 'routing' }, ani: '555', dnis: '800', userData: [['lang', 'fr']] });
    feed(m, [
      ev('EventRouteUsed', { ThisDN: 'RP', ConnID: H, OtherDN: 'B' }),
      ev('EventRinging', { ThisDN: 'B', ConnID: H, OtherDN: X, ThirdPartyDN: 'RP', ANI: '555' }),
    ]);
    expect(partiesOf(m)).toEqual({ [H]: { B: 'ringing' } });
    expect(m.calls.get(H)!.ani).toBe('555'); // the switch repeats what it knows of the call
  });

  it('ACD queue: queued, then diverted to an agent; a caller who hangs up abandons', () => {
    const m = model('Q', 'B');
    m.apply(ev('EventQueued', { ThisDN: 'Q', ConnID: H, OtherDN: X, ThisQueue: 'Q' }));
    expect(partiesOf(m)).toEqual({ [H]: { Q: 'queued' } });
    feed(m, [
      ev('EventDiverted', { ThisDN: 'Q', ConnID: H, OtherDN: 'B' }),
      ev('EventRinging', { ThisDN: 'B', ConnID: H, OtherDN: X, ThirdPartyDN: 'Q' }),
    ]);
    expect(partiesOf(m)).toEqual({ [H]: { B: 'ringing' } });
    m.apply(ev('EventQueued', { ThisDN: 'Q', ConnID: C, OtherDN: X }));
    const ab = ev('EventAbandoned', { ThisDN: 'Q', ConnID: C });
    const changes = m.apply(ab);
    expect(changes[0]).toMatchObject({ kind: 'callEnded', cause: ab });
    expect([...m.calls.keys()]).toEqual([H]);
  });

  it('agent states, after-call work, DND and forwarding', () => {
    const m = model('A');
    const at = () => m.dns.get('A')!;
    expect(at().agent.status).toBe('loggedOut');
    m.apply(ev('EventAgentLogin', { ThisDN: 'A', AgentID: 'ag1', Place: 'P1', AgentWorkMode: 1 }));
    expect(at().agent).toEqual({
      id: 'ag1',
      status: 'loggedIn',
      workMode: 1,
      place: 'P1',
      reasons: undefined,
      reasonCode: undefined,
      afterCallWorkUntil: undefined,
    });
    m.apply(ev('EventAgentReady', { ThisDN: 'A', AgentID: 'ag1' }));
    expect(at().agent.status).toBe('ready');
    m.apply(ev('EventAgentNotReady', { ThisDN: 'A', AgentID: 'ag1', AgentWorkMode: 3 }));
    expect(at().agent).toMatchObject({ status: 'afterCallWork', workMode: 3 });
    m.apply(ev('EventAgentNotReady', { ThisDN: 'A' }));
    expect(at().agent).toMatchObject({ status: 'notReady', workMode: undefined, id: 'ag1' });
    m.apply(ev('EventAgentAfterCallWork', { ThisDN: 'A' }));
    expect(at().agent.status).toBe('afterCallWork');
    m.apply(ev('EventAgentLogout', { ThisDN: 'A', AgentID: 'ag1' }));
    expect(at().agent).toMatchObject({ id: undefined, status: 'loggedOut', workMode: undefined, place: undefined, reasons: undefined });
    m.apply(ev('EventRegistered', { ThisDN: 'A', AgentID: 'ag2', AgentStatus: 3 }));
    expect(at().agent).toMatchObject({ id: 'ag2', status: 'ready' });
    m.apply(ev('EventDNDOn', { ThisDN: 'A' }));
    expect(at().dnd).toBe(true);
    m.apply(ev('EventDNDOff', { ThisDN: 'A' }));
    expect(at().dnd).toBe(false);
    m.apply(ev('EventForwardSet', { ThisDN: 'A', OtherDN: 'B', ForwardMode: 1 }));
    expect(at().forward).toEqual({ to: 'B', mode: 1, noAnswerTimeout: undefined });
    m.apply(ev('EventForwardSet', { ThisDN: 'A', OtherDN: 'B', ForwardMode: 3, Extensions: [['NoAnswerTimeout', 20]] }));
    expect(at().forward).toEqual({ to: 'B', mode: 3, noAnswerTimeout: 20 });
    m.apply(ev('EventForwardCancel', { ThisDN: 'A' }));
    expect(at().forward).toBeUndefined();
    expect(m.apply(ev('EventAgentReady', { ThisDN: 'B' }))).toEqual([]);
  });

  it('1.2 agents: the reasons of each status, and the end of the switch’s after-call work', () => {
    const m = new StateModel({ now: () => 1_000_000 });
    m.register('A', ev('EventRegistered', { ThisDN: 'A' }));
    const at = () => m.dns.get('A')!.agent;
    m.apply(ev('EventAgentLogin', { ThisDN: 'A', AgentID: 'ag1' }));
    m.apply(
      ev('EventAgentNotReady', {
        ThisDN: 'A',
        Reasons: [
          ['ReasonCode', 'Break'],
          ['Note', 'lunch'],
        ],
      }),
    );
    expect(at()).toMatchObject({
      status: 'notReady',
      reasonCode: 'Break',
      reasons: [
        ['ReasonCode', 'Break'],
        ['Note', 'lunch'],
      ],
    });
    expect(Object.isFrozen(at().reasons)).toBe(true);
    // Another NotReady without Reasons keeps them; a new status comes with its own (none here).
    m.apply(ev('EventAgentNotReady', { ThisDN: 'A' }));
    expect(at().reasonCode).toBe('Break');
    m.apply(ev('EventAgentReady', { ThisDN: 'A' }));
    expect(at()).toMatchObject({ status: 'ready', reasons: undefined, reasonCode: undefined });
    // The switch starts wrap-up as a call ends: NotReady in mode 3 with WrapUpTime, then AfterCallWork.
    m.apply(
      ev('EventAgentNotReady', {
        ThisDN: 'A',
        AgentWorkMode: 3,
        Extensions: [['WrapUpTime', 30]],
        time: { seconds: 2_000, microseconds: 0 },
      }),
    );
    expect(at()).toMatchObject({ status: 'afterCallWork', workMode: 3, afterCallWorkUntil: 2_030_000 });
    m.apply(ev('EventAgentAfterCallWork', { ThisDN: 'A' }));
    expect(at().afterCallWorkUntil).toBe(2_030_000);
    m.apply(ev('EventAgentReady', { ThisDN: 'A' }));
    expect(at()).toMatchObject({ status: 'ready', afterCallWorkUntil: undefined });
    // After-call work asked for (mode 3, no wrap-up time) has no end; without `time`, the clock counts.
    m.apply(ev('EventAgentNotReady', { ThisDN: 'A', AgentWorkMode: 3, Reasons: [['ReasonCode', 7]] }));
    expect(at()).toMatchObject({ status: 'afterCallWork', afterCallWorkUntil: undefined, reasonCode: '7' });
    m.apply(ev('EventAgentAfterCallWork', { ThisDN: 'A', Extensions: [['WrapUpTime', 5]] }));
    expect(at().afterCallWorkUntil).toBe(1_005_000);
  });

  it('1.2 CallState: the view shows the CallState of the last event that carried it', () => {
    const m = model('A');
    m.apply(ev('EventRinging', { ThisDN: 'A', ConnID: H, OtherDN: X }));
    expect(m.calls.get(H)!.callState).toBeUndefined();
    m.apply(
      ev('EventPartyChanged', {
        ThisDN: 'A',
        ConnID: H,
        PreviousConnID: H,
        OtherDN: 'B',
        ThirdPartyDN: X,
        ThirdPartyDNRole: 7,
        CallState: 1,
      }),
    );
    expect(m.calls.get(H)).toMatchObject({ callState: 1, otherParties: ['B'] });
    m.apply(ev('EventAttachedDataChanged', { ThisDN: 'A', ConnID: H, CallState: 0 }));
    expect(m.calls.get(H)!.callState).toBe(0);
  });

  it('unregister drops the DN and ends calls no other registered DN is on', () => {
    const m = model('A', 'B');
    feed(m, [
      ev('EventRinging', { ThisDN: 'A', ConnID: H }),
      ev('EventDialing', { ThisDN: 'B', ConnID: C }),
      ev('EventRinging', { ThisDN: 'A', ConnID: C }),
    ]);
    const cause = ev('EventUnregistered', { ThisDN: 'A' });
    const changes = m.unregister('A', cause);
    expect(changes.map((c) => [c.kind, c.kind === 'dnChanged' ? c.view.dn : c.view.connId])).toEqual([
      ['callEnded', H],
      ['callChanged', C],
    ]);
    expect([...m.dns.keys()]).toEqual(['B']);
    expect(partiesOf(m)).toEqual({ [C]: { B: 'dialing' } });
  });

  it('a QueryCall answer outside a resync adds the registered parties it names, takes none off', () => {
    const m = model('A', 'B');
    m.apply(ev('EventRinging', { ThisDN: 'A', ConnID: H, OtherDN: X }));
    m.apply(ev('EventPartyInfo', { ConnID: H, ThisDN: X, OtherDN: 'B', CallState: 0, UserData: [['k', 1]] }));
    expect(partiesOf(m)).toEqual({ [H]: { A: 'ringing', B: 'established' } });
    expect(m.calls.get(H)!.userData).toEqual([['k', 1]]);
  });

  it('refuses a bad maxCalls with InvalidArgumentError', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new StateModel({ maxCalls: bad })).toThrow(/maxCalls/);
    expect(new StateModel().maxCalls).toBe(10_000);
  });
});
