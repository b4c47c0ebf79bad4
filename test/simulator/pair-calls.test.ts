/**
 * The call model shared by the two servers of a HotStandbyPair: flows that survive a failover
 * midway, switch timers that run while no server is primary, and queries that answer the truth of
 * the shared state after changes whose events were lost (what a resync must correct).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HotStandbyPair, type HotStandbyPairOptions } from '../../src/simulator/index.js';
import type { WireClient } from '../support/wire-client.js';
import { arrivedBy, desk, eventOn, expectError, pool, story } from './desks.js';
import { ManualClock } from './manual-clock.js';

let pair: HotStandbyPair | undefined;

async function startPair(options: HotStandbyPairOptions = {}): Promise<HotStandbyPair> {
  pair = await HotStandbyPair.start(options);
  return pair;
}

afterEach(async () => {
  await pool.closeAll();
  await pair?.stop();
  pair = undefined;
});

/** `Parties` of EventPartyInfo's Extensions as [dn, state] pairs. */
function parties(info: { attributes: Record<string, any> }): [string, string][] {
  const ext = info.attributes.Extensions as [string, unknown][];
  return (ext.find(([k]) => k === 'Parties')?.[1] ?? []) as [string, string][];
}

/** `Calls` of EventAddressInfo's Extensions as [ConnID, state] pairs. */
function callsOf(info: { attributes: Record<string, any> }): [string, string][] {
  const ext = info.attributes.Extensions as [string, unknown][];
  return (ext.find(([k]) => k === 'Calls')?.[1] ?? []) as [string, string][];
}

describe('a flow that survives a failover midway', () => {
  it('kill the primary between InitiateTransfer and CompleteTransfer: the new primary completes it', async () => {
    const p = await startPair();
    // Each desk registers its DN on both servers, as a client of a pair does.
    const aOnA = await desk(p.a.url, '1001');
    const bOnA = await desk(p.a.url, '1002');
    const aOnB = await desk(p.b.url, '1001');
    const bOnB = await desk(p.b.url, '1002');
    const c1 = p.placeCall('1001', { from: '5553333' });
    await eventOn(aOnA, 'EventRinging', c1);
    await aOnA.answerTo('RequestAnswerCall', { ThisDN: '1001', ConnID: c1 });
    const dialing = await aOnA.answerTo('RequestInitiateTransfer', { ThisDN: '1001', ConnID: c1, OtherDN: '1002' });
    const c2 = dialing.attributes.ConnID as string;
    await eventOn(bOnA, 'EventRinging', c2);
    await bOnA.answerTo('RequestAnswerCall', { ThisDN: '1002', ConnID: c2 });

    const sinceA = aOnB.mark();
    const sinceB = bOnB.mark();
    await p.killPrimary();
    await aOnB.waitFor('EventPrimaryChanged', { since: sinceA });
    // The new primary knows both calls as they were: the resync's queries get the truth.
    expect(parties(await aOnB.answerTo('RequestQueryCall', { ConnID: c1 }))).toEqual([['1001', 'held']]);
    expect(parties(await aOnB.answerTo('RequestQueryCall', { ConnID: c2 }))).toEqual([
      ['1001', 'established'],
      ['1002', 'established'],
    ]);
    const sinceComplete = aOnB.mark();
    const answer = await aOnB.answerTo('RequestCompleteTransfer', { ThisDN: '1001', ConnID: c1, TransferConnID: c2 });
    expect(answer.name).toBe('EventReleased');
    expect(answer.attributes.ConnID).toBe(c1);
    expect(story(aOnB, sinceComplete, { [c1]: 'C1', [c2]: 'C2' })).toEqual(['EventReleased@C2', 'EventReleased@C1']);
    const changed = await eventOn(bOnB, 'EventPartyChanged', c1, sinceB);
    expect(changed.attributes).toMatchObject({ PreviousConnID: c2, ThirdPartyDN: '1001', OtherDN: '5553333' });
    expectError(await bOnB.answerTo('RequestQueryCall', { ConnID: c2 }), 57);
    expect(parties(await bOnB.answerTo('RequestQueryCall', { ConnID: c1 }))).toEqual([['1002', 'established']]);
  });

  it('a routed call is routed once across a failover: the second RouteCall (on the new primary) gets 57, both are counted', async () => {
    const p = await startPair({ routingPoints: ['5000'] });
    const onA = await desk(p.a.url, '5000');
    const onB = await desk(p.b.url, '5000');
    const connId = p.placeCall('5000');
    await eventOn(onA, 'EventRouteRequest', connId);
    await onA.answerTo('RequestRouteCall', { ThisDN: '5000', ConnID: connId, OtherDN: '1001' });
    await p.killPrimary();
    expectError(await onB.answerTo('RequestRouteCall', { ThisDN: '5000', ConnID: connId, OtherDN: '1001' }), 57);
    expect(p.routeCallCount(connId)).toBe(2);
    expect(p.call(connId)?.parties.map((x) => [x.dn, x.state])).toEqual([['1001', 'ringing']]);
  });
});

describe('while no server is primary', () => {
  it('the switch goes on: the route timeout fires during the gap, its events are lost, the new primary knows the result', async () => {
    const clock = new ManualClock();
    const p = await startPair({ clock, routingPoints: [{ dn: '5000', timeoutMs: 60, defaultDestination: '1002' }] });
    const routerOnB = await desk(p.b.url, '5000');
    const agentOnB = await desk(p.b.url, '1002');
    const connId = p.placeCall('5000', { from: '5554444' });
    await p.killPrimary({ promoteAfterMs: 300 });
    expect(p.promotionPending).toBe(true);
    clock.advance(60);
    expect(p.call(connId)?.state).toBe('ringing');
    expect(await arrivedBy(routerOnB, (m) => m.attributes.ConnID === connId)).toEqual([]);
    clock.advance(240);
    await routerOnB.waitFor('EventPrimaryChanged');
    expect(p.promotionPending).toBe(false);
    expect(agentOnB.received.some((m) => m.name === 'EventRinging')).toBe(false);
    const info = await agentOnB.answerTo('RequestQueryAddress', { ThisDN: '1002' });
    expect(callsOf(info)).toEqual([[connId, 'ringing']]);
    expect(info.attributes.ConnID).toBe(connId);
  });

  it('pair controls during the gap change the state silently; after it they go through the new primary', async () => {
    const clock = new ManualClock();
    const p = await startPair({ clock });
    const onB = await desk(p.b.url, '1001');
    await p.killPrimary({ promoteAfterMs: 200 });
    const quiet = p.placeCall('1001');
    clock.advance(200);
    await onB.waitFor('EventPrimaryChanged');
    expect(onB.received.some((m) => m.attributes.ConnID === quiet)).toBe(false);
    const loud = p.placeCall('1001');
    await eventOn(onB, 'EventRinging', loud);
    expect(p.listCalls().map((c) => c.connId)).toEqual([quiet, loud]);
  });
});

describe('a delayed promotion', () => {
  it('restarting the killed server does not wait for it: the backup takes over first, then the victim comes back as backup', async () => {
    const p = await startPair();
    const onB = await desk(p.b.url, '1001');
    const since = onB.mark();
    await p.killPrimary({ promoteAfterMs: 60_000 });
    expect(p.promotionPending).toBe(true);
    await p.restart(p.a);
    expect(p.promotionPending).toBe(false);
    expect([p.a.role, p.b.role]).toEqual(['backup', 'primary']);
    await onB.waitFor('EventPrimaryChanged', { since });
    // A bad option is refused before anything is killed.
    await expect(p.killPrimary({ promoteAfterMs: -1 })).rejects.toThrow(/promoteAfterMs/);
    expect(p.b.isRunning).toBe(true);
  });
});

describe('queries answer the truth of the shared state (resync corrections)', () => {
  async function agentDesks(p: HotStandbyPair): Promise<{ onA: WireClient; onB: WireClient }> {
    const onA = await desk(p.a.url, '1001');
    const onB = await desk(p.b.url, '1001');
    await onA.answerTo('RequestAgentLogin', { ThisDN: '1001', AgentID: 'ag1' });
    await onA.answerTo('RequestAgentReady', { ThisDN: '1001' });
    return { onA, onB };
  }

  it('a call released and an agent made NotReady while the primary was dying, a call that appeared: the new primary says so', async () => {
    const p = await startPair();
    const { onA, onB } = await agentDesks(p);
    const gone = p.placeCall('1001', { from: '5555555' });
    await eventOn(onA, 'EventRinging', gone);
    await onA.answerTo('RequestAnswerCall', { ThisDN: '1001', ConnID: gone });
    const since = onB.mark();
    await p.killPrimary();
    // Switch-side changes whose events died with the primary.
    p.releaseCall(gone, undefined, { silent: true });
    p.setAgentState('1001', 'notReady', { silent: true });
    const found = p.placeCall('1001', { silent: true });
    await onB.waitFor('EventPrimaryChanged', { since });
    expect(onB.received.slice(since).filter((m) => m.name !== 'EventPrimaryChanged' && m.type < 0xfff0)).toEqual([]);
    expectError(await onB.answerTo('RequestQueryCall', { ConnID: gone }), 57);
    const info = await onB.answerTo('RequestQueryAddress', { ThisDN: '1001' });
    expect(info.attributes).toMatchObject({ ThisDN: '1001', AgentID: 'ag1', AgentStatus: 4, ConnID: found });
    expect(callsOf(info)).toEqual([[found, 'ringing']]);
    const party = await onB.answerTo('RequestQueryCall', { ConnID: found });
    expect(party.attributes).toMatchObject({ ConnID: found, ThisDN: '1001', CallType: 2 });
    expect(parties(party)).toEqual([['1001', 'ringing']]);
  });

  it('setAgentState from the switch side: the events every desk on the DN sees, without ReferenceID', async () => {
    const p = await startPair();
    const { onA } = await agentDesks(p);
    const since = onA.mark();
    p.setAgentState('1001', 'afterCallWork');
    p.setAgentState('1001', 'ready');
    await onA.waitForCount((m) => m.name.startsWith('EventAgent'), 3, { since });
    const events = onA.received.slice(since).filter((m) => m.name.startsWith('EventAgent'));
    expect(events.map((m) => [m.name, m.attributes.AgentWorkMode, m.attributes.ReferenceID])).toEqual([
      ['EventAgentAfterCallWork', undefined, undefined],
      ['EventAgentNotReady', 3, undefined],
      ['EventAgentReady', 3, undefined],
    ]);
    expect(() => p.setAgentState('1002', 'ready')).toThrow(/no agent/);
  });
});
