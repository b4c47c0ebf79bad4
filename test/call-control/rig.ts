/**
 * The call-control rig: a HotStandbyPair and one TServerConnection per agent desk (agent 1001,
 * colleague 1002, third 1003), each recording the events it delivers — or, with
 * `{ oneConnection: true }`, one connection holding all three DNs, each desk recording the events
 * about its own DN. Helpers tell a flow's story per party (`EventHeld@C1`, or with attributes:
 * expectStory), wait for an event at a desk, and compare a desk's known calls with the calls the
 * switch really has on that desk's DNs.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { TServerConnection, TServerError, type TEvent } from '../../src/index.js';
import { HotStandbyPair, type HotStandbyPairOptions } from '../../src/simulator/index.js';
import { nextResync, until } from '../ha/helpers.js';

export const CALLER = '5550001';
export const AGENT = '1001';
export const COLLEAGUE = '1002';
export const THIRD = '1003';
/** A well-formed ConnID no call has. */
export const NO_SUCH_CALL = '00000000deadbeef';

/** Events that are not about calls, agents or DNs: the connection's own, resync answers, and EventError (checked as TServerError). */
const NOT_STORY = new Set([
  'EventRegistered',
  'EventUnregistered',
  'EventLinkConnected',
  'EventLinkDisconnected',
  'EventServerConnected',
  'EventServerDisconnected',
  'EventPrimaryChanged',
  'EventAddressInfo',
  'EventPartyInfo',
  'EventLocationInfo',
  'EventServerInfo',
  'EventError',
]);

type Event = TEvent & Record<string, unknown>;

export class Desk {
  readonly events: Event[] = [];
  /** @param onlyOwnDN record only events whose ThisDN is `dn` (desks sharing one connection). */
  constructor(
    readonly name: string,
    readonly dn: string,
    readonly conn: TServerConnection,
    onlyOwnDN = false,
  ) {
    conn.on('event', (e) => {
      if (!onlyOwnDN || (e as Event).ThisDN === undefined || (e as Event).ThisDN === dn) this.events.push(e as Event);
    });
  }

  mark(): number {
    return this.events.length;
  }

  /** Call, agent and DN events delivered since `since`. */
  seen(since = 0): Event[] {
    return this.events.slice(since).filter((e) => !NOT_STORY.has(e.Event));
  }

  /** `Event@label` (label of its ConnID, or the ConnID) for each event since `since`. */
  story(since: number, labels: Record<string, string>): string[] {
    return this.seen(since).map((e) => {
      const id = e.ConnID as string | undefined;
      return id === undefined ? e.Event : `${e.Event}@${labels[id] ?? id}`;
    });
  }

  /** The first event `name` (about `connId` if given) since `since`, waited for. */
  waitFor(name: string, connId?: string, since = 0, timeoutMs = 3_000): Promise<Event> {
    return until(
      () => this.events.slice(since).find((e) => e.Event === name && (connId === undefined || e.ConnID === connId)),
      `${name}${connId ? ` for ${connId}` : ''} at ${this.name}`,
      timeoutMs,
    );
  }
}

export interface CallRig {
  pair: HotStandbyPair;
  agent: Desk;
  colleague: Desk;
  third: Desk;
  desks: Desk[];
}

export interface CallRigOptions {
  /** One connection holds the three DNs (each desk records its own DN's events). Default false: one connection per desk. */
  oneConnection?: boolean;
}

const DESKS = [
  ['agent', AGENT],
  ['colleague', COLLEAGUE],
  ['third', THIRD],
] as const;

function deskConnection(pair: HotStandbyPair, name: string): TServerConnection {
  return new TServerConnection({
    primary: pair.addresses.primary,
    applicationName: `call-control-${name}`,
    requestTimeoutMs: 3_000,
    addp: false,
    reconnect: { minTimeoutMs: 10, maxTimeoutMs: 50, randomize: false },
  });
}

/** A pair and three desks, each with its DN registered and its standby session open on the backup. */
export async function startCallRig(pairOptions: HotStandbyPairOptions = {}, options: CallRigOptions = {}): Promise<CallRig> {
  const pair = await HotStandbyPair.start(pairOptions);
  const desks: Desk[] = [];
  const shared = options.oneConnection ? deskConnection(pair, 'three-lines') : undefined;
  try {
    if (shared) await shared.open();
    for (const [name, dn] of DESKS) {
      const conn = shared ?? deskConnection(pair, name);
      const desk = new Desk(name, dn, conn, shared !== undefined);
      desks.push(desk);
      if (!shared) await conn.open();
      await conn.registerAddress(dn);
    }
    // The standby sessions (learned from EventRestoreConnection) registered the DNs on the backup.
    await until(() => desks.every((d) => d.conn.state.standby !== undefined), 'standby sessions');
    await until(() => (pair.backup.requestCounts().RequestRegisterAddress ?? 0) >= desks.length, 'DNs registered on the backup');
  } catch (err) {
    await closeDesks(desks);
    await shared?.close();
    await pair.stop();
    throw err;
  }
  const [agent, colleague, third] = desks as [Desk, Desk, Desk];
  return { pair, agent, colleague, third, desks };
}

function closeDesks(desks: readonly Desk[]): Promise<unknown> {
  return Promise.all([...new Set(desks.map((d) => d.conn))].map((c) => c.close()));
}

export async function stopCallRig(rig: CallRig | undefined): Promise<void> {
  if (!rig) return;
  await closeDesks(rig.desks);
  await rig.pair.stop();
}

/** Kills the primary and waits until every desk's connection has resynced on the new one. */
export async function killPrimaryAndResync(rig: CallRig): Promise<void> {
  const conns = [...new Set(rig.desks.map((d) => d.conn))];
  const resynced = conns.map((c) => nextResync(c, 4_000));
  await rig.pair.killPrimary();
  const summaries = await Promise.all(resynced);
  for (const s of summaries) expect(s.server).toBe(rig.pair.primary.url);
}

/** One expected event of a desk's story: its name, the label of its ConnID, and attributes it must carry (undefined: absent). */
export type StoryStep = [event: string, connLabel: string, attributes?: Record<string, unknown>];

/**
 * The desk's call events since `since` are exactly `expected`, in order (names and ConnIDs), each
 * carrying the attributes given (`undefined` = the attribute is absent). Waits for them to arrive
 * first (other connections may still be reading).
 */
export async function expectStory(
  desk: Desk,
  since: number,
  labels: Record<string, string>,
  expected: readonly StoryStep[],
): Promise<void> {
  await until(() => desk.seen(since).length >= expected.length, `${expected.length} events at ${desk.name}`).catch(() => undefined);
  expect(desk.story(since, labels), `${desk.name}'s events`).toEqual(expected.map(([name, label]) => `${name}@${label}`));
  desk.seen(since).forEach((event, i) => {
    const want = expected[i]![2] ?? {};
    const got = Object.fromEntries(Object.keys(want).map((k) => [k, event[k]]));
    expect(got, `${desk.name}'s ${event.Event} #${i + 1}`).toEqual(want);
  });
}

/** ConnIDs of the calls the switch has with a party on one of `dns`, sorted. */
export function switchCallsOn(pair: HotStandbyPair, dns: readonly string[]): string[] {
  return [...pair.shared.calls.values()]
    .filter((c) => c.parties.some((p) => dns.includes(p.dn)))
    .map((c) => c.connId)
    .sort();
}

/**
 * The switch has exactly `expected` on the desk's DNs, and the desk's connection knows exactly
 * those (conn.calls.keys(), conn.state.knownCalls, conn.calls): no stale ConnID, none missing; and
 * its state model has each of its DNs in the state the switch has it on each call.
 */
export function expectKnownCalls(rig: { pair: HotStandbyPair }, desk: Desk, expected: readonly string[]): void {
  const want = [...expected].sort();
  const dns = desk.conn.registeredDNs;
  expect(switchCallsOn(rig.pair, dns), `the switch's calls on ${desk.name}'s DNs`).toEqual(want);
  expect([...desk.conn.calls.keys()].sort(), `${desk.name}'s conn.calls`).toEqual(want);
  expect(desk.conn.state.knownCalls, `${desk.name}'s conn.state.knownCalls`).toBe(want.length);
  expect([...desk.conn.calls.keys()].sort(), `${desk.name}'s conn.calls`).toEqual(want);
  for (const connId of want) {
    const parties = rig.pair.call(connId)!.parties.filter((p) => dns.includes(p.dn));
    expect(desk.conn.calls.get(connId)?.parties, `${desk.name}'s view of ${connId}`).toEqual(
      Object.fromEntries(parties.map((p) => [p.dn, p.state])),
    );
  }
}

/** The request's promise rejects with TServerError carrying `code` as errorCode. */
export async function expectErrorCode(promise: Promise<unknown>, code: number): Promise<TServerError> {
  const err = await promise.then(
    (answer) => {
      throw new Error(`expected EventError ${code}, got ${JSON.stringify(answer)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TServerError);
  const tserr = err as TServerError;
  expect(tserr.errorCode, tserr.message).toBe(code);
  expect(tserr.code).toBe('ERR_TSERVER');
  return tserr;
}

/** An outside call to the agent, answered by the agent's desk; its ConnID. */
export async function answeredInbound(rig: CallRig, userData?: [string, string | number][]): Promise<string> {
  const since = rig.agent.mark();
  const connId = rig.pair.placeCall(AGENT, { from: CALLER, userData });
  await rig.agent.waitFor('EventRinging', connId, since);
  const est = await rig.agent.conn.answerCall(AGENT, connId);
  expect(est).toMatchObject({ Event: 'EventEstablished', ThisDN: AGENT, ConnID: connId, OtherDN: CALLER });
  return connId;
}

/** The agent consults `to` about `held` (transfer or conference) and `to` answers; the consultation's ConnID. */
export async function consulted(rig: CallRig, held: string, kind: 'transfer' | 'conference', to: Desk = rig.colleague): Promise<string> {
  const { agent } = rig;
  const sinceTo = to.mark();
  const dialing =
    kind === 'transfer' ? await agent.conn.initiateTransfer(AGENT, held, to.dn) : await agent.conn.initiateConference(AGENT, held, to.dn);
  expect(dialing).toMatchObject({ Event: 'EventDialing', ThisDN: AGENT, OtherDN: to.dn, CallType: 4 });
  const consultation = dialing.ConnID;
  expect(consultation).not.toBe(held);
  await to.waitFor('EventRinging', consultation, sinceTo);
  const sinceAgent = agent.mark();
  await to.conn.answerCall(to.dn, consultation);
  await agent.waitFor('EventEstablished', consultation, sinceAgent);
  return consultation;
}

// ---------------------------------------------------------------------------- 1.2 flows of the three desks

/** An internal call from the third party to the agent, answered; its ConnID. */
export async function thirdCallsAgent(rig: CallRig): Promise<string> {
  const { agent, third } = rig;
  const since = agent.mark();
  const dialing = await third.conn.makeCall(THIRD, AGENT);
  const c1 = dialing.ConnID;
  await agent.waitFor('EventRinging', c1, since);
  await agent.conn.answerCall(AGENT, c1);
  await third.waitFor('EventEstablished', c1);
  return c1;
}

/** The agent consults the colleague about `c1` (transfer or conference), and the colleague answers; the consultation's ConnID. */
export async function consultColleague(rig: CallRig, c1: string, kind: 'transfer' | 'conference'): Promise<string> {
  const { agent, colleague } = rig;
  const since = colleague.mark();
  const dialing =
    kind === 'transfer'
      ? await agent.conn.initiateTransfer(AGENT, c1, COLLEAGUE)
      : await agent.conn.initiateConference(AGENT, c1, COLLEAGUE);
  const c2 = dialing.ConnID;
  await colleague.waitFor('EventRinging', c2, since);
  const sinceAgent = agent.mark();
  await colleague.conn.answerCall(COLLEAGUE, c2);
  await agent.waitFor('EventEstablished', c2, sinceAgent);
  return c2;
}

/** A conference of the three: the call's ConnID. */
export async function conference(rig: CallRig): Promise<string> {
  const c1 = await thirdCallsAgent(rig);
  const c2 = await consultColleague(rig, c1, 'conference');
  await rig.agent.conn.completeConference(AGENT, c1, c2);
  await rig.third.waitFor('EventPartyAdded', c1);
  await rig.colleague.waitFor('EventPartyAdded', c1);
  return c1;
}

/** Each flow runs on three connections, one per DN, and on one connection holding the three DNs. */
export const CONNECTIONS = [
  ['three connections', false],
  ['one connection holding the three DNs', true],
] as const;

/** A rig for each test of the describe block: three desks on three connections, or on one. */
export function useRig(oneConnection: boolean, set: (rig: CallRig) => void): void {
  let rig: CallRig | undefined;
  beforeEach(async () => {
    rig = await startCallRig({}, { oneConnection });
    set(rig);
  });
  afterEach(async () => {
    await stopCallRig(rig);
    rig = undefined;
  });
}
