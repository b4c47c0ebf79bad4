/**
 * Wire spec 1.2 "Outcomes of a predictive call" over real sockets: RequestMakePredictiveCall from a
 * routing point or a queue, the far end's outcome per number (setDialOutcome; default a person
 * answers at once) with the CallState of each, the answered call arriving as a call placed there,
 * and an outcome that falls due while the primary is dead. The switch's clock is moved by hand.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HotStandbyPair, type DialOutcomeSpec, TServerSimulator } from '../../src/simulator/index.js';
import type { WireClient } from '../support/wire-client.js';
import { arrivedBy, desk, eventOn, expectError, pool, story } from './desks.js';
import { ManualClock } from './manual-clock.js';

const RP = '5000';
const QUEUE = '6000';
const NUMBER = '5550100';
let sim: TServerSimulator | undefined;
let pair: HotStandbyPair | undefined;
let clock: ManualClock;

async function started(): Promise<TServerSimulator> {
  clock = new ManualClock();
  sim = new TServerSimulator({ name: 'predictive', clock, routingPoints: [RP], queues: [QUEUE] });
  await sim.start();
  return sim;
}

afterEach(async () => {
  await pool.closeAll();
  await sim?.stop();
  await pair?.stop();
  sim = undefined;
  pair = undefined;
});

/** The dialer's predictive call from `from` to `number`: its EventDialing (the answer). */
async function dial(c: WireClient, from: string, number: string, timeout?: number) {
  const dialing = await c.answerTo('RequestMakePredictiveCall', {
    ThisDN: from,
    OtherDN: number,
    Timeout: timeout,
    UserData: [['Campaign', 'c1']],
  });
  expect(dialing.name, JSON.stringify(dialing.attributes)).toBe('EventDialing');
  return dialing;
}

describe('a person answers (the default)', () => {
  it('EventDialing (CallType 3) answers, EventEstablished (CallState 0), then EventRouteRequest as for a call placed at the routing point', async () => {
    const s = await started();
    const router = await desk(s.url, RP);
    const dialing = await dial(router, RP, NUMBER);
    const connId = dialing.attributes.ConnID as string;
    expect(dialing.attributes).toMatchObject({ ThisDN: RP, OtherDN: NUMBER, CallType: 3, CallState: 0 });
    const request = await eventOn(router, 'EventRouteRequest', connId);
    expect(request.attributes).toMatchObject({
      ThisDN: RP,
      OtherDN: NUMBER,
      CallType: 3,
      CallState: 0,
      DNIS: NUMBER,
      UserData: [['Campaign', 'c1']],
    });
    expect(story(router, dialing.index, { [connId]: 'C' })).toEqual(['EventDialing@C', 'EventEstablished@C', 'EventRouteRequest@C']);
    const established = router.received.find((m) => m.name === 'EventEstablished')!;
    expect(established.attributes).toMatchObject({ OtherDN: NUMBER, CallState: 0 });
    expect(s.call(connId)?.parties.map((p) => [p.dn, p.state])).toEqual([[RP, 'routing']]);
  });

  it('from a queue: EventQueued, then a Ready agent rings; a machine’s CallState 9 stays on every event', async () => {
    const s = await started();
    const queue = await desk(s.url, QUEUE);
    const agent = await desk(s.url, '1001');
    s.setDialOutcome(NUMBER, 'machine');
    const connId = (await dial(queue, QUEUE, NUMBER)).attributes.ConnID as string;
    expect((await eventOn(queue, 'EventQueued', connId)).attributes).toMatchObject({ OtherDN: NUMBER, CallState: 9 });
    s.loginAgent('1001', 'ag1', { queue: QUEUE, ready: true });
    expect((await eventOn(agent, 'EventRinging', connId)).attributes).toMatchObject({ OtherDN: NUMBER, ThirdPartyDN: QUEUE, CallState: 9 });
    expect(s.listCalls()[0]).toMatchObject({ connId, callState: 9 });
  });
});

describe('outcomes per number', () => {
  const cases: Array<[string, DialOutcomeSpec, string[], number]> = [
    ['a machine', { outcome: 'machine', afterMs: 2_000 }, ['EventDialing', 'EventEstablished', 'EventRouteRequest'], 9],
    ['busy', { outcome: 'busy', afterMs: 500 }, ['EventDialing', 'EventDestinationBusy', 'EventReleased'], 6],
    ['no answer', 'noAnswer', ['EventDialing', 'EventReleased'], 7],
    ['a SIT tone', { outcome: 'sit', afterMs: 100 }, ['EventDialing', 'EventReleased'], 8],
    ['a SIT tone naming vacant (12)', { outcome: 'sit', afterMs: 100, callState: 12 }, ['EventDialing', 'EventReleased'], 12],
    ['a fax', { outcome: 'fax', afterMs: 1_000 }, ['EventDialing', 'EventReleased'], 17],
    ['an answer later than Timeout', { outcome: 'answer', afterMs: 20_000 }, ['EventDialing', 'EventReleased'], 7],
  ];
  it.each(cases)('%s: the events at the routing point and their CallState', async (_, outcome, events, callState) => {
    const s = await started();
    const router = await desk(s.url, RP);
    s.setDialOutcome(NUMBER, outcome);
    const dialing = await dial(router, RP, NUMBER, 15_000);
    const connId = dialing.attributes.ConnID as string;
    const due = typeof outcome === 'string' || outcome.afterMs! >= 15_000 ? 15_000 : outcome.afterMs!;
    clock.advance(due - 1);
    expect(await arrivedBy(router, (m) => m.attributes.ConnID === connId, dialing.index + 1)).toEqual([]);
    clock.advance(1);
    await router.waitForCount((m) => m.attributes.ConnID === connId, events.length, { since: dialing.index });
    const got = router.received.slice(dialing.index).filter((m) => m.attributes.ConnID === connId);
    expect(got.map((m) => m.name)).toEqual(events);
    for (const m of got.slice(1)) expect(m.attributes.CallState, m.name).toBe(callState);
    if (events.at(-1) === 'EventReleased') expect(s.call(connId)).toBeUndefined();
    expect(s.shared.pendingTimers).toBe(events.at(-1) === 'EventReleased' ? 0 : 1);
  });

  it('a call the application releases while it dials gets no outcome', async () => {
    const s = await started();
    const router = await desk(s.url, RP);
    s.setDialOutcome(NUMBER, { outcome: 'answer', afterMs: 1_000 });
    const connId = (await dial(router, RP, NUMBER)).attributes.ConnID as string;
    const released = await router.answerTo('RequestReleaseCall', { ThisDN: RP, ConnID: connId });
    expect(released.name).toBe('EventReleased');
    clock.advance(5_000);
    expect(await arrivedBy(router, 'EventEstablished', 0)).toEqual([]);
    expect(s.shared.pendingTimers).toBe(0);
  });

  it('refuses a ThisDN that is neither a routing point nor a queue, and a Timeout out of range (42); a bad outcome throws', async () => {
    const s = await started();
    const c = await desk(s.url, ['1001', RP]);
    expectError(await c.answerTo('RequestMakePredictiveCall', { ThisDN: '1001', OtherDN: NUMBER }), 42, /routing point or an ACD queue/);
    expectError(await c.answerTo('RequestMakePredictiveCall', { ThisDN: RP, OtherDN: NUMBER, Timeout: 0 }), 42, /Timeout/);
    expect(() => s.setDialOutcome(NUMBER, 'hangs up' as never)).toThrow(/unknown dial outcome/);
    expect(() => s.setDialOutcome(NUMBER, { outcome: 'busy', callState: 12 })).toThrow(/SIT outcome only/);
    expect(() => s.setDialOutcome(NUMBER, { outcome: 'fax', afterMs: -1 })).toThrow(/afterMs/);
    expect(s.shared.dialOutcomes.size).toBe(0);
  });
});

describe('on a pair', () => {
  it('an outcome that falls due after the primary died comes from the new primary', async () => {
    clock = new ManualClock();
    pair = await HotStandbyPair.start({ clock, routingPoints: [RP] });
    const onA = await desk(pair.a.url, RP);
    const onB = await desk(pair.b.url, RP);
    pair.setDialOutcome(NUMBER, { outcome: 'machine', afterMs: 3_000 });
    const connId = (await dial(onA, RP, NUMBER)).attributes.ConnID as string;
    await pair.killPrimary();
    await onB.waitFor('EventPrimaryChanged');
    clock.advance(3_000);
    expect((await eventOn(onB, 'EventEstablished', connId)).attributes).toMatchObject({ CallState: 9, OtherDN: NUMBER });
    await eventOn(onB, 'EventRouteRequest', connId);
  });
});
