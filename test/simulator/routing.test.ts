/**
 * Routing points, ACD queues, treatments and abandons on a lone simulator over real sockets
 * (wire spec 1.1 "The call model").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TServerSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { arrivedBy, desk, eventOn, expectError, pool, seen, story } from './desks.js';
import { ManualClock } from './manual-clock.js';

const RP = '5000';
const QUEUE = '6000';
let sim: TServerSimulator | undefined;
/** The switch's clock: the route timeouts, treatments and queue idle times move only when a test advances it. */
let clock: ManualClock;

async function started(options: SimulatorOptions = {}): Promise<TServerSimulator> {
  clock = new ManualClock();
  sim = new TServerSimulator({ name: 'routing', clock, ...options });
  await sim.start();
  return sim;
}

afterEach(async () => {
  await pool.closeAll();
  await sim?.stop();
  sim = undefined;
});

describe('routing points', () => {
  it('a call waits at the routing point: EventRouteRequest with the call’s data; the first RouteCall routes it, a later one gets 57', async () => {
    const s = await started();
    const router = await desk(s.url, RP, 4);
    const agent = await desk(s.url, '1001');
    const connId = s.placeCall(RP, { from: '5551111', dnis: '8005550100', userData: [['Skill', 'billing']] });
    const request = await eventOn(router, 'EventRouteRequest', connId);
    expect(request.attributes).toMatchObject({
      ThisDN: RP,
      ConnID: connId,
      CallType: 2,
      ThisQueue: RP,
      OtherDN: '5551111',
      ANI: '5551111',
      DNIS: '8005550100',
      UserData: [['Skill', 'billing']],
    });
    expect(typeof request.attributes.CallID).toBe('number');
    expect(s.call(connId)?.state).toBe('routing');

    const since = router.mark();
    const used = await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId, OtherDN: '1001' });
    expect(used.name).toBe('EventRouteUsed');
    // 1.2: the destination in ThirdPartyDN (role 2 Destination), the caller in OtherDN, ThisQueue = the routing point.
    expect(used.attributes).toMatchObject({
      ThisDN: RP,
      ConnID: connId,
      OtherDN: '5551111',
      ThirdPartyDN: '1001',
      ThirdPartyDNRole: 2,
      ThisQueue: RP,
      CallState: 0,
    });
    expect(story(router, since, { [connId]: 'C' })).toEqual(['EventDiverted@C', 'EventRouteUsed@C']);
    const ringing = await eventOn(agent, 'EventRinging', connId);
    expect(ringing.attributes).toMatchObject({ ThisDN: '1001', ThirdPartyDN: RP, OtherDN: '5551111', DNIS: '8005550100' });

    expectError(await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId, OtherDN: '1002' }), 57);
    expect(s.routeCallCount(connId)).toBe(2);
    expect(s.routeCallCounts().get(connId)).toBe(2);
  });

  it('no RouteCall within the route timeout: the default destination, EventRouteUsed without a ReferenceID', async () => {
    const s = await started({ routingPoints: [{ dn: RP, timeoutMs: 100, defaultDestination: '1002' }] });
    const router = await desk(s.url, RP);
    const fallback = await desk(s.url, '1002');
    const connId = s.placeCall(RP, { from: '5551112' });
    await eventOn(router, 'EventRouteRequest', connId);
    clock.advance(99);
    expect(s.call(connId)?.state).toBe('routing');
    clock.advance(1);
    const used = await eventOn(router, 'EventRouteUsed', connId);
    expect(used.attributes.ReferenceID).toBeUndefined();
    expect(used.attributes).toMatchObject({ OtherDN: '5551112', ThirdPartyDN: '1002', ThirdPartyDNRole: 2, ThisQueue: RP });
    expect((await eventOn(fallback, 'EventRinging', connId)).attributes.ThirdPartyDN).toBe(RP);
    expectError(await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId, OtherDN: '1001' }), 57);
    expect(s.shared.pendingTimers).toBe(0);
  });

  it('a routing point without a default destination releases the call at the timeout', async () => {
    const s = await started({ routeTimeoutMs: 80 });
    const router = await desk(s.url, RP, 4);
    const connId = s.placeCall(RP);
    clock.advance(80);
    await eventOn(router, 'EventReleased', connId);
    expect(story(router, 0, { [connId]: 'C' })).toEqual(['EventRouteRequest@C', 'EventRouteUsed@C', 'EventReleased@C']);
    expect(s.call(connId)).toBeUndefined();
  });

  it('wrong uses: 60 not a routing point, 62 invalid or busy destination, 41 routing point not registered', async () => {
    const s = await started({ routingPoints: [RP] });
    const router = await desk(s.url, [RP, '1001']);
    const other = await desk(s.url, '1003');
    const connId = s.placeCall(RP);
    await eventOn(router, 'EventRouteRequest', connId);
    expectError(await router.answerTo('RequestRouteCall', { ThisDN: '1001', ConnID: connId, OtherDN: '1002' }), 60);
    expectError(await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId, OtherDN: 'nowhere' }), 62);
    expectError(await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId }), 62, /default destination/);
    s.setDND('1002', true);
    expectError(await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId, OtherDN: '1002' }), 62, /busy/);
    expectError(await other.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId, OtherDN: '1003' }), 41);
    // Refused routes count too, and the call still waits.
    expect(s.routeCallCount(connId)).toBe(5);
    expect(s.call(connId)?.state).toBe('routing');
  });

  it('an internal caller routed: dialing until the destination answers, then established', async () => {
    const s = await started({ routingPoints: [RP] });
    const router = await desk(s.url, RP);
    const a = await desk(s.url, '1001');
    const b = await desk(s.url, '1002');
    const dialing = await a.answerTo('RequestMakeCall', { ThisDN: '1001', OtherDN: RP });
    const connId = dialing.attributes.ConnID as string;
    expect((await eventOn(router, 'EventRouteRequest', connId)).attributes).toMatchObject({ OtherDN: '1001', CallType: 1 });
    await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId, OtherDN: '1002' });
    await eventOn(b, 'EventRinging', connId);
    await b.answerTo('RequestAnswerCall', { ThisDN: '1002', ConnID: connId });
    expect((await eventOn(a, 'EventEstablished', connId)).attributes.OtherDN).toBe('1002');
  });
});

describe('ACD queues', () => {
  it('EventQueued at the queue; a Ready agent logged in on it gets the call (EventDiverted at the queue, EventRinging ThirdPartyDN = queue)', async () => {
    const s = await started();
    const queue = await desk(s.url, QUEUE, 3);
    const a = await desk(s.url, '1001');
    await a.answerTo('RequestAgentLogin', { ThisDN: '1001', AgentID: 'ag1', ThisQueue: QUEUE });
    const connId = s.placeCall(QUEUE, { from: '5552222' });
    const queued = await eventOn(queue, 'EventQueued', connId);
    expect(queued.attributes).toMatchObject({ ThisDN: QUEUE, OtherDN: '5552222', ThisQueue: QUEUE });
    // Logged in but not Ready: the call waits.
    expect(await arrivedBy(a, 'EventRinging', 0)).toEqual([]);
    const ready = await a.answerTo('RequestAgentReady', { ThisDN: '1001' });
    expect(ready.name).toBe('EventAgentReady');
    const ringing = await eventOn(a, 'EventRinging', connId);
    expect(ringing.attributes).toMatchObject({ ThirdPartyDN: QUEUE, ThisQueue: QUEUE, OtherDN: '5552222' });
    const diverted = await eventOn(queue, 'EventDiverted', connId);
    expect(diverted.attributes.OtherDN).toBe('1001');
    expect(diverted.index).toBeGreaterThan(queued.index);
  });

  it('calls go to free agents, longest idle first; a busy agent gets the next one when its call ends', async () => {
    const s = await started({ queues: [QUEUE] });
    const a = await desk(s.url, '1001');
    const b = await desk(s.url, '1002');
    s.loginAgent('1001', 'ag1', { queue: QUEUE, ready: true });
    clock.advance(5);
    s.loginAgent('1002', 'ag2', { queue: QUEUE, ready: true });
    const c1 = s.placeCall(QUEUE);
    const c2 = s.placeCall(QUEUE);
    const c3 = s.placeCall(QUEUE);
    await eventOn(a, 'EventRinging', c1);
    await eventOn(b, 'EventRinging', c2);
    expect(s.call(c3)?.state).toBe('queued');
    await b.answerTo('RequestAnswerCall', { ThisDN: '1002', ConnID: c2 });
    await b.answerTo('RequestReleaseCall', { ThisDN: '1002', ConnID: c2 });
    await eventOn(b, 'EventRinging', c3);
    expect(s.listAgents().map((x) => [x.dn, x.busy])).toEqual([
      ['1001', true],
      ['1002', true],
    ]);
  });

  it('a routing point may route to a queue', async () => {
    const s = await started({ routingPoints: [RP], queues: [QUEUE] });
    const router = await desk(s.url, RP);
    const queue = await desk(s.url, QUEUE);
    const connId = s.placeCall(RP);
    await eventOn(router, 'EventRouteRequest', connId);
    await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId, OtherDN: QUEUE });
    expect((await eventOn(queue, 'EventQueued', connId)).attributes.ThirdPartyDN).toBe(RP);
    expect(s.call(connId)?.parties.map((p) => [p.dn, p.state])).toEqual([[QUEUE, 'queued']]);
  });
});

describe('transfers to a routing point or a queue', () => {
  it('a consultation to a routing point completed before it is routed: the router learns the held ConnID (EventPartyChanged) and routes that', async () => {
    const s = await started({ routingPoints: [RP] });
    const router = await desk(s.url, RP);
    const a = await desk(s.url, '1001');
    const b = await desk(s.url, '1002');
    const c1 = s.placeCall('1001', { from: '5557777' });
    await eventOn(a, 'EventRinging', c1);
    await a.answerTo('RequestAnswerCall', { ThisDN: '1001', ConnID: c1 });
    const c2 = (await a.answerTo('RequestInitiateTransfer', { ThisDN: '1001', ConnID: c1, OtherDN: RP })).attributes.ConnID as string;
    await eventOn(router, 'EventRouteRequest', c2);
    await a.answerTo('RequestCompleteTransfer', { ThisDN: '1001', ConnID: c1, TransferConnID: c2 });
    const changed = await eventOn(router, 'EventPartyChanged', c1);
    expect(changed.attributes).toMatchObject({ ThisDN: RP, PreviousConnID: c2, ThirdPartyDN: '1001' });
    expectError(await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: c2, OtherDN: '1002' }), 57);
    await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: c1, OtherDN: '1002' });
    expect((await eventOn(b, 'EventRinging', c1)).attributes).toMatchObject({ OtherDN: '5557777', ThirdPartyDN: RP });
  });

  it('a consultation to a queue completed while queued: the held call waits in the queue and goes to the next Ready agent', async () => {
    const s = await started({ queues: [QUEUE] });
    const a = await desk(s.url, '1001');
    const b = await desk(s.url, '1002');
    s.loginAgent('1002', 'ag2', { queue: QUEUE });
    const c1 = s.placeCall('1001', { from: '5558888' });
    await eventOn(a, 'EventRinging', c1);
    await a.answerTo('RequestAnswerCall', { ThisDN: '1001', ConnID: c1 });
    const c2 = (await a.answerTo('RequestInitiateTransfer', { ThisDN: '1001', ConnID: c1, OtherDN: QUEUE })).attributes.ConnID as string;
    await a.answerTo('RequestCompleteTransfer', { ThisDN: '1001', ConnID: c1, TransferConnID: c2 });
    expect(s.call(c1)?.parties.map((p) => [p.dn, p.state])).toEqual([[QUEUE, 'queued']]);
    s.setAgentState('1002', 'ready');
    expect((await eventOn(b, 'EventRinging', c1)).attributes).toMatchObject({ ThirdPartyDN: QUEUE, OtherDN: '5558888' });
  });
});

describe('treatments and abandons', () => {
  it('ApplyTreatment → EventTreatmentApplied, then EventTreatmentEnd after the duration; refused → EventTreatmentNotApplied', async () => {
    const s = await started({ routingPoints: [RP] });
    const router = await desk(s.url, [RP, '1001']);
    const connId = s.placeCall(RP);
    await eventOn(router, 'EventRouteRequest', connId);
    const applied = await router.answerTo('RequestApplyTreatment', {
      ThisDN: RP,
      ConnID: connId,
      TreatmentType: 2,
      TreatmentParms: [['DurationMs', 120]],
    });
    expect(applied.name).toBe('EventTreatmentApplied');
    expect(applied.attributes).toMatchObject({ TreatmentType: 2, TreatmentParms: [['DurationMs', 120]] });
    clock.advance(119);
    expect(await arrivedBy(router, 'EventTreatmentEnd', 0)).toEqual([]);
    clock.advance(1);
    const end = await eventOn(router, 'EventTreatmentEnd', connId);
    expect(end.attributes).toMatchObject({ ThisDN: RP, ConnID: connId, TreatmentType: 2 });
    expect(end.attributes.ReferenceID).toBeUndefined();
    const refused = await router.answerTo('RequestApplyTreatment', { ThisDN: RP, ConnID: connId, TreatmentType: 0 });
    expect(refused.name).toBe('EventTreatmentNotApplied');
    // A call that does not wait at the DN is refused too.
    const direct = s.placeCall('1001');
    const notHere = await router.answerTo('RequestApplyTreatment', { ThisDN: '1001', ConnID: direct, TreatmentType: 2 });
    expect(notHere.name).toBe('EventTreatmentNotApplied');
  });

  it('a treatment stops when the call is routed: no EventTreatmentEnd afterwards', async () => {
    const s = await started({ routingPoints: [RP] });
    const router = await desk(s.url, RP);
    const connId = s.placeCall(RP);
    await eventOn(router, 'EventRouteRequest', connId);
    await router.answerTo('RequestApplyTreatment', { ThisDN: RP, ConnID: connId, TreatmentType: 3, TreatmentParms: [['DurationMs', 150]] });
    await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId, OtherDN: '1001' });
    expect(s.shared.pendingTimers).toBe(0);
    clock.advance(1_000);
    expect(await arrivedBy(router, 'EventTreatmentEnd', 0)).toEqual([]);
  });

  it('a caller who hangs up while routed or queued: EventAbandoned; the route timer is gone', async () => {
    const s = await started({ routingPoints: [RP], queues: [QUEUE] });
    const router = await desk(s.url, RP);
    const queue = await desk(s.url, QUEUE);
    const routed = s.placeCall(RP);
    const queued = s.placeCall(QUEUE);
    await eventOn(router, 'EventRouteRequest', routed);
    await eventOn(queue, 'EventQueued', queued);
    s.hangUp(routed);
    s.hangUp(queued);
    await eventOn(router, 'EventAbandoned', routed);
    await eventOn(queue, 'EventAbandoned', queued);
    expect(s.listCalls()).toEqual([]);
    expect(s.shared.pendingTimers).toBe(0);
    expectError(await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: routed, OtherDN: '1001' }), 57);
    expect(seen(queue).map((m) => m.name)).toEqual(['EventQueued', 'EventAbandoned']);
  });
});

describe('routing 1.2', () => {
  it('RouteType 13 (AgentID): the call goes to the DN the agent is logged in on; 62 when the agent is not logged in', async () => {
    const s = await started({ routingPoints: [RP] });
    const router = await desk(s.url, RP);
    const a = await desk(s.url, '1001');
    await a.answerTo('RequestAgentLogin', { ThisDN: '1001', AgentID: 'ag7' });
    const connId = s.placeCall(RP, { from: '5553333' });
    await eventOn(router, 'EventRouteRequest', connId);
    expectError(await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId, OtherDN: 'ag9', RouteType: 13 }), 62, /ag9/);
    const used = await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId, OtherDN: 'ag7', RouteType: 13 });
    expect(used.attributes).toMatchObject({ ThirdPartyDN: '1001', ThirdPartyDNRole: 2, OtherDN: '5553333' });
    expect((await eventOn(a, 'EventRinging', connId)).attributes).toMatchObject({ ThisDN: '1001', ThirdPartyDN: RP });
  });

  it('RouteType 14 (CallDisconnect): every party is released with CallState 19, then EventRouteUsed answers', async () => {
    const s = await started({ routingPoints: [RP] });
    const router = await desk(s.url, RP);
    const a = await desk(s.url, '1001');
    const connId = (await a.answerTo('RequestMakeCall', { ThisDN: '1001', OtherDN: RP })).attributes.ConnID as string;
    await eventOn(router, 'EventRouteRequest', connId);
    const since = router.mark();
    const used = await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: connId, RouteType: 14 });
    expect(used).toMatchObject({ name: 'EventRouteUsed', attributes: { ThisDN: RP, CallState: 19, RouteType: 14, OtherDN: '1001' } });
    expect(used.attributes.ThirdPartyDN).toBeUndefined();
    expect((await eventOn(a, 'EventReleased', connId)).attributes).toMatchObject({ ThisDN: '1001', CallState: 19 });
    expect(story(router, since, { [connId]: 'C' })).toEqual(['EventRouteUsed@C']);
    expect(s.call(connId)).toBeUndefined();
    expect(s.shared.pendingTimers).toBe(0);
  });

  it('a consultation call at a routing point: EventRouteRequest carries PreviousConnID = the held call', async () => {
    const s = await started({ routingPoints: [RP] });
    const router = await desk(s.url, RP);
    const a = await desk(s.url, '1001');
    const c1 = s.placeCall('1001', { from: '5554444' });
    await eventOn(a, 'EventRinging', c1);
    await a.answerTo('RequestAnswerCall', { ThisDN: '1001', ConnID: c1 });
    const c2 = (await a.answerTo('RequestInitiateTransfer', { ThisDN: '1001', ConnID: c1, OtherDN: RP })).attributes.ConnID as string;
    const request = await eventOn(router, 'EventRouteRequest', c2);
    expect(request.attributes).toMatchObject({ CallType: 4, PreviousConnID: c1, OtherDN: '1001', ThisQueue: RP });
    const direct = s.placeCall(RP);
    expect((await eventOn(router, 'EventRouteRequest', direct)).attributes.PreviousConnID).toBeUndefined();
  });

  it('the switch’s default destination serves routing points declared by registration: at the timeout, and for a route without OtherDN', async () => {
    const s = await started({ defaultRouteDestination: '1002' });
    const router = await desk(s.url, RP, 4);
    const b = await desk(s.url, '1002');
    const timedOut = s.placeCall(RP);
    clock.advance(10_000);
    const byDefault = await eventOn(router, 'EventRouteUsed', timedOut);
    expect(byDefault.attributes.ThirdPartyDN).toBe('1002');
    expect(byDefault.attributes.ReferenceID).toBeUndefined();
    await eventOn(b, 'EventRinging', timedOut);
    const defaulted = s.placeCall(RP);
    await eventOn(router, 'EventRouteRequest', defaulted);
    const used = await router.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: defaulted, RouteType: 1 });
    expect(used.attributes).toMatchObject({ ThirdPartyDN: '1002', ThirdPartyDNRole: 2 });
    s.setDefaultRouteDestination(undefined);
    const released = s.placeCall(RP);
    clock.advance(10_000);
    await eventOn(router, 'EventReleased', released);
  });
});
