/**
 * The state model follows every party change of wire spec 1.2 ("Every party hears about every
 * change"), row by row, over real loopback sockets with three registered DNs — agent 1001 makes
 * the change, colleague 1002 joins or is dropped, third 1003 is the other party — on three
 * connections (one per DN) and on one connection holding all three. After each row every
 * connection's `conn.calls` shows, for each call on its DNs, the switch's parties (`parties` for
 * its own DNs, `otherParties` for the rest) and the row's CallState; and with the primary killed
 * before, during or after the completing request, every connection's views after the resync equal
 * what a fresh client's resync of the same DNs says. (The events each party receives are tested in
 * test/call-control/party-events.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { TServerConnection, type CallView } from '../../src/index.js';
import { StateModel } from '../../src/model/index.js';
import type { HotStandbyPair } from '../../src/simulator/index.js';
import {
  AGENT,
  COLLEAGUE,
  THIRD,
  type CallRig,
  type Desk,
  CONNECTIONS,
  conference,
  consultColleague,
  thirdCallsAgent,
  useRig,
} from '../call-control/rig.js';
import { nextResync, until } from '../ha/helpers.js';

/** A call's view as a screen shows who is on it: own DNs and their states, the others, the user data. */
interface Picture {
  parties: Record<string, string>;
  others: string[];
  userData: unknown;
}

function picture(view: CallView): Picture {
  return { parties: { ...view.parties }, others: [...view.otherParties].sort(), userData: view.userData };
}

/** The calls a connection's model holds, as pictures. */
function picturesOf(calls: ReadonlyMap<string, CallView>): Record<string, Picture> {
  return Object.fromEntries([...calls.values()].map((v) => [v.connId, picture(v)]));
}

/** What the switch has on `dns`: for each call, their states, the other parties (and the outside caller). */
function truthOn(pair: HotStandbyPair, dns: readonly string[]): Record<string, Omit<Picture, 'userData'>> {
  const out: Record<string, Omit<Picture, 'userData'>> = {};
  for (const call of pair.shared.calls.values()) {
    const mine = call.parties.filter((p) => dns.includes(p.dn));
    if (mine.length === 0) continue;
    const others = call.parties.filter((p) => !dns.includes(p.dn)).map((p) => p.dn);
    if (call.external) others.push(call.external);
    out[call.connId] = { parties: Object.fromEntries(mine.map((p) => [p.dn, p.state])), others: others.sort() };
  }
  return out;
}

/**
 * A fresh client's resync of `dns`: a new connection to the primary asks the switch about each DN
 * and each call they are on, and a new state model takes the answers as a resync does.
 */
async function freshResync(pair: HotStandbyPair, dns: readonly string[]): Promise<Record<string, Picture>> {
  const conn = new TServerConnection({ primary: pair.primary.url, applicationName: 'fresh', addp: false, reconnect: false });
  try {
    await conn.open();
    const model = new StateModel();
    for (const dn of dns) model.register(dn, 'resync');
    const plan = model.beginResync();
    for (const dn of plan.dns) model.resyncDN(dn, await conn.request('RequestQueryAddress', { ThisDN: dn }));
    for (const connId of model.callsToQuery()) {
      const answer = await conn.request('RequestQueryCall', { ConnID: connId }).catch(() => 'gone' as const);
      model.resyncCall(connId, answer);
    }
    model.endResync();
    return picturesOf(model.calls);
  } finally {
    await conn.close();
  }
}

/** The connections of the rig, each with the DNs it holds. */
function connections(rig: CallRig): { conn: TServerConnection; dns: string[] }[] {
  const byConn = new Map<TServerConnection, string[]>();
  for (const d of rig.desks) byConn.set(d.conn, [...(byConn.get(d.conn) ?? []), d.dn]);
  return [...byConn].map(([conn, dns]) => ({ conn, dns }));
}

function withoutUserData(p: Record<string, Picture>): Record<string, Omit<Picture, 'userData'>> {
  return Object.fromEntries(Object.entries(p).map(([id, { parties, others }]) => [id, { parties, others }]));
}

/** Every connection's views name the switch's parties for its DNs (waits for the last events to land). */
async function expectViewsAreTheSwitch(rig: CallRig): Promise<void> {
  for (const { conn, dns } of connections(rig)) {
    const want = truthOn(rig.pair, dns);
    await until(() => JSON.stringify(withoutUserData(picturesOf(conn.calls))) === JSON.stringify(want), `${dns} seeing the switch`).catch(
      () => undefined,
    );
    expect(withoutUserData(picturesOf(conn.calls)), `the views of ${dns.join(', ')}`).toEqual(want);
  }
}

/** After a resync, every connection's views equal a fresh client's resync of its DNs. */
async function expectViewsAreAFreshResync(rig: CallRig): Promise<void> {
  for (const { conn, dns } of connections(rig)) {
    const fresh = await freshResync(rig.pair, dns);
    expect(picturesOf(conn.calls), `the views of ${dns.join(', ')} after the resync`).toEqual(fresh);
    // CallState a fresh client can know (non-zero answers) is the same too.
    for (const [connId] of Object.entries(fresh)) {
      const answered = rig.pair.call(connId)?.callState;
      if (answered) expect(conn.calls.get(connId)?.callState, `CallState of ${connId}`).toBe(answered);
    }
  }
}

// ---------------------------------------------------------------------------- the rows

/** Waits for `name` about `connId` at `desk` since `since`, if it comes (after a kill it may not). */
const settle = (desk: Desk, name: string, connId: string, since: number) => desk.waitFor(name, connId, since).catch(() => undefined);

interface Row {
  name: string;
  /** The request the row completes with. */
  request: string;
  /** Sets the call up; returns what complete() needs. */
  setup(rig: CallRig): Promise<{ c1: string; c2?: string }>;
  /** The completing request (resolves with its answer, or rejects). */
  complete(rig: CallRig, c: { c1: string; c2?: string }): Promise<unknown>;
  /** What follows it once the switch has made the change (the joined party answers…); waits for the last events. */
  after?(rig: CallRig, c: { c1: string; c2?: string }, since: number[]): Promise<void>;
  /** CallState of the call in each DN's view on its own connection, once the row is done. */
  callState: Partial<Record<string, number>>;
}

const marks = (rig: CallRig) => rig.desks.map((d) => d.mark());

/**
 * A row that completes a consultation: the third party's call to the agent, the colleague
 * consulted and answering, then `complete` (a transfer: the two who stay each learn of the other;
 * a conference: every member learns every other).
 */
function consultRow(name: string, request: string, kind: 'transfer' | 'conference', complete: Row['complete']): Row {
  const told = kind === 'transfer' ? 'EventPartyChanged' : 'EventPartyAdded';
  return {
    name,
    request,
    setup: async (rig) => {
      const c1 = await thirdCallsAgent(rig);
      return { c1, c2: await consultColleague(rig, c1, kind) };
    },
    complete,
    after: async (rig, { c1 }, [, sc, st]) => {
      await settle(rig.colleague, told, c1, sc!);
      await settle(rig.third, told, c1, st!);
    },
    callState: kind === 'transfer' ? { [COLLEAGUE]: 1, [THIRD]: 1 } : { [AGENT]: 2, [COLLEAGUE]: 2, [THIRD]: 2 },
  };
}

const merge =
  (type: number): Row['complete'] =>
  (rig, { c1, c2 }) =>
    rig.agent.conn.request('RequestMergeCalls', { ThisDN: AGENT, ConnID: c1, TransferConnID: c2!, MergeType: type });

const ROWS: Row[] = [
  consultRow('CompleteTransfer', 'RequestCompleteTransfer', 'transfer', (rig, { c1, c2 }) =>
    rig.agent.conn.completeTransfer(AGENT, c1, c2!),
  ),
  consultRow('MergeCalls (MergeType 0)', 'RequestMergeCalls', 'transfer', merge(0)),
  consultRow('CompleteConference', 'RequestCompleteConference', 'conference', (rig, { c1, c2 }) =>
    rig.agent.conn.completeConference(AGENT, c1, c2!),
  ),
  consultRow('MergeCalls (MergeType 1)', 'RequestMergeCalls', 'conference', merge(1)),
  {
    name: 'SingleStepTransfer',
    request: 'RequestSingleStepTransfer',
    setup: async (rig) => ({ c1: await thirdCallsAgent(rig) }),
    complete: (rig, { c1 }) => rig.agent.conn.singleStepTransfer(AGENT, c1, COLLEAGUE),
    after: async (rig, { c1 }, [, sc, st]) => {
      await settle(rig.third, 'EventPartyChanged', c1, st!);
      await settle(rig.colleague, 'EventRinging', c1, sc!);
    },
    callState: { [COLLEAGUE]: 1, [THIRD]: 1 },
  },
  {
    name: 'MuteTransfer',
    request: 'RequestMuteTransfer',
    setup: async (rig) => ({ c1: await thirdCallsAgent(rig) }),
    complete: (rig, { c1 }) => rig.agent.conn.request('RequestMuteTransfer', { ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE }),
    after: async (rig, { c1 }, [, sc, st]) => {
      await settle(rig.colleague, 'EventPartyChanged', c1, sc!);
      await settle(rig.third, 'EventPartyChanged', c1, st!);
    },
    callState: { [COLLEAGUE]: 1, [THIRD]: 1 },
  },
  {
    name: 'SingleStepConference (the colleague answers)',
    request: 'RequestSingleStepConference',
    setup: async (rig) => ({ c1: await thirdCallsAgent(rig) }),
    complete: (rig, { c1 }) => rig.agent.conn.request('RequestSingleStepConference', { ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE }),
    after: async (rig, { c1 }) => {
      const ringing = await rig.colleague.waitFor('EventRinging', c1).catch(() => undefined);
      if (!ringing || rig.pair.call(c1)?.parties.find((p) => p.dn === COLLEAGUE)?.state !== 'ringing') return;
      const since = rig.colleague.mark();
      await rig.colleague.conn.answerCall(COLLEAGUE, c1);
      await settle(rig.colleague, 'EventPartyAdded', c1, since);
      await until(() => rig.colleague.seen(since).filter((e) => e.Event === 'EventPartyAdded').length >= 2, 'both members named').catch(
        () => undefined,
      );
    },
    callState: { [AGENT]: 2, [COLLEAGUE]: 2, [THIRD]: 2 },
  },
  {
    name: 'DeleteFromConference',
    request: 'RequestDeleteFromConference',
    setup: async (rig) => ({ c1: await conference(rig) }),
    complete: (rig, { c1 }) => rig.agent.conn.deleteFromConference(AGENT, c1, COLLEAGUE),
    after: async (rig, { c1 }, [, , st]) => {
      await settle(rig.third, 'EventPartyDeleted', c1, st!);
    },
    callState: { [AGENT]: 0, [THIRD]: 0 },
  },
  {
    name: 'a member of a conference of three releases',
    request: 'RequestReleaseCall',
    setup: async (rig) => ({ c1: await conference(rig) }),
    complete: (rig, { c1 }) => rig.colleague.conn.releaseCall(COLLEAGUE, c1),
    after: async (rig, { c1 }, [sa, , st]) => {
      await settle(rig.agent, 'EventPartyDeleted', c1, sa!);
      await settle(rig.third, 'EventPartyDeleted', c1, st!);
    },
    callState: { [AGENT]: 0, [THIRD]: 0 },
  },
];

/** Kills the primary and waits for every connection's resync on the new one. */
async function killAndResync(rig: CallRig): Promise<void> {
  const resynced = connections(rig).map(({ conn }) => nextResync(conn, 8_000));
  await rig.pair.killPrimary();
  await Promise.all(resynced);
}

describe.each(CONNECTIONS)('party views, %s', (_, oneConnection) => {
  let rig: CallRig;
  useRig(oneConnection, (r) => (rig = r));

  it.each(ROWS.map((r) => [r.name, r] as const))('%s: each view names the switch’s parties, with the row’s CallState', async (_, row) => {
    const c = await row.setup(rig);
    const since = marks(rig);
    await row.complete(rig, c);
    await row.after?.(rig, c, since);
    await expectViewsAreTheSwitch(rig);
    if (!oneConnection) {
      for (const desk of rig.desks) {
        const want = row.callState[desk.dn];
        if (want !== undefined) expect(desk.conn.calls.get(c.c1)?.callState, `${desk.name}'s CallState`).toBe(want);
      }
    }
  });
});

describe.each(CONNECTIONS)('party views across a kill of the primary, %s', (_, oneConnection) => {
  let rig: CallRig;
  useRig(oneConnection, (r) => (rig = r));

  it.each(ROWS.map((r) => [r.name, r] as const))('%s, killed before the completing request', async (_, row) => {
    const c = await row.setup(rig);
    await killAndResync(rig);
    const since = marks(rig);
    await row.complete(rig, c);
    await row.after?.(rig, c, since);
    await expectViewsAreTheSwitch(rig);
  });

  it.each(ROWS.map((r) => [r.name, r] as const))('%s, killed as the switch takes the completing request', async (_, row) => {
    const c = await row.setup(rig);
    const dying = rig.pair.primary;
    let killed: Promise<void> | undefined;
    // The switch takes the request and makes the change, but the dying primary sends none of its
    // events (frozen as it reads it): every party learns of the change from the resync alone.
    dying.on('request', (r) => {
      if (r.name !== row.request || killed !== undefined) return;
      rig.pair.freeze(dying);
      killed = new Promise((resolve) => setImmediate(() => resolve(rig.pair.killPrimary())));
    });
    const resynced = connections(rig).map(({ conn }) => nextResync(conn, 8_000));
    const answer = row.complete(rig, c).catch((err: Error) => err);
    await until(() => killed, 'the kill');
    await killed;
    await Promise.all(resynced);
    expect(await answer).toBeInstanceOf(Error); // the answer died with the primary
    await expectViewsAreAFreshResync(rig);
    await expectViewsAreTheSwitch(rig);
  });

  it.each(ROWS.map((r) => [r.name, r] as const))('%s, killed right after the completing request', async (_, row) => {
    const c = await row.setup(rig);
    await row.complete(rig, c);
    await killAndResync(rig);
    await expectViewsAreAFreshResync(rig);
    await expectViewsAreTheSwitch(rig);
  });
});
