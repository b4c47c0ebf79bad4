/**
 * Wire spec 1.2 "Agents: reasons and after-call work" on a lone simulator over real sockets: the
 * Reasons of every agent request echoed and returned by a query; after-call work with WrapUpTime
 * (from the login, else the switch), EventAgentNotReady just before the call's EventReleased,
 * EventAgentReady when it ends (the switch's clock moved by hand), RequestAgentReady ending it at
 * once, and no ACD call meanwhile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HotStandbyPair, TServerSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import type { WireClient } from '../support/wire-client.js';
import { desk, eventOn, expectError, pool, story } from './desks.js';
import { ManualClock } from './manual-clock.js';

const AGENT = '1001';
const QUEUE = '6000';
let sim: TServerSimulator | undefined;
let clock: ManualClock;

async function started(options: SimulatorOptions = {}): Promise<TServerSimulator> {
  clock = new ManualClock();
  sim = new TServerSimulator({ name: 'agents', clock, queues: [QUEUE], ...options });
  await sim.start();
  return sim;
}

afterEach(async () => {
  await pool.closeAll();
  await sim?.stop();
  sim = undefined;
});

/** A query of the agent's DN shows after-call work with `seconds` in all and `left` to go. */
async function expectWrapUp(a: WireClient, seconds: number, left: number): Promise<void> {
  const info = await a.answerTo('RequestQueryAddress', { ThisDN: AGENT });
  expect(info.attributes).toMatchObject({ AgentStatus: 4, AgentWorkMode: 3 });
  expect(info.attributes.Extensions).toEqual(
    expect.arrayContaining([
      ['WrapUpTime', seconds],
      ['WrapUpRemaining', left],
    ]),
  );
}

/** The agent logs in on the queue (with `extensions`) and is Ready. */
async function readyAgent(a: WireClient, extensions?: [string, unknown][]): Promise<void> {
  const login = await a.answerTo('RequestAgentLogin', { ThisDN: AGENT, AgentID: 'ag1', ThisQueue: QUEUE, Extensions: extensions });
  expect(login.name).toBe('EventAgentLogin');
  expect((await a.answerTo('RequestAgentReady', { ThisDN: AGENT })).name).toBe('EventAgentReady');
}

/** A caller reaches the agent through the queue; the agent answers. The ConnID. */
async function answeredQueueCall(s: TServerSimulator, a: WireClient, from: string): Promise<string> {
  const since = a.mark();
  const connId = s.placeCall(QUEUE, { from });
  await eventOn(a, 'EventRinging', connId, since);
  await a.answerTo('RequestAnswerCall', { ThisDN: AGENT, ConnID: connId });
  return connId;
}

describe('reasons', () => {
  it('every agent request’s Reasons come back on its answer; a query of the DN returns the current ones', async () => {
    const s = await started();
    const a = await desk(s.url, AGENT);
    const r = (code: string): [string, string][] => [['ReasonCode', code]];
    const login = await a.answerTo('RequestAgentLogin', { ThisDN: AGENT, AgentID: 'ag1', Reasons: r('start') });
    expect(login.attributes.Reasons).toEqual(r('start'));
    const notReady = await a.answerTo('RequestAgentNotReady', { ThisDN: AGENT, Reasons: r('Break') });
    expect(notReady).toMatchObject({ name: 'EventAgentNotReady', attributes: { Reasons: r('Break') } });
    const query = await a.answerTo('RequestQueryAddress', { ThisDN: AGENT });
    expect(query.attributes).toMatchObject({ AgentStatus: 4, AgentID: 'ag1', Reasons: r('Break') });
    const ready = await a.answerTo('RequestAgentReady', { ThisDN: AGENT, Reasons: r('back') });
    expect(ready.attributes.Reasons).toEqual(r('back'));
    expect((await a.answerTo('RequestQueryAddress', { ThisDN: AGENT })).attributes).toMatchObject({ AgentStatus: 3, Reasons: r('back') });
    const logout = await a.answerTo('RequestAgentLogout', { ThisDN: AGENT, Reasons: r('home') });
    expect(logout).toMatchObject({ name: 'EventAgentLogout', attributes: { Reasons: r('home') } });
  });
});

describe('after-call work', () => {
  it('WrapUpTime from the login: EventAgentNotReady (AgentWorkMode 3) just before EventReleased, no ACD call meanwhile, EventAgentReady when it is up', async () => {
    const s = await started();
    const a = await desk(s.url, AGENT);
    await readyAgent(a, [['WrapUpTime', 30]]);
    const c1 = await answeredQueueCall(s, a, '5550001');
    const since = a.mark();
    s.hangUp(c1);
    const released = await eventOn(a, 'EventReleased', c1, since);
    expect(story(a, since, { [c1]: 'C1' })).toEqual(['EventAgentNotReady', 'EventReleased@C1']);
    const wrapUp = a.received.slice(since).find((m) => m.name === 'EventAgentNotReady')!;
    expect(wrapUp.attributes).toMatchObject({ ThisDN: AGENT, AgentID: 'ag1', AgentWorkMode: 3, Extensions: [['WrapUpTime', 30]] });
    expect(released.attributes.ReferenceID).toBeUndefined();

    // In after-call work: the next caller waits in the queue; a query shows the wrap-up and its time left.
    const c2 = s.placeCall(QUEUE, { from: '5550002' });
    expect(s.call(c2)?.state).toBe('queued');
    clock.advance(10_000);
    await expectWrapUp(a, 30, 20);
    expect(s.listAgents()[0]).toMatchObject({ status: 'afterCallWork', wrapUpRemainingSec: 20 });

    const beforeEnd = a.mark();
    clock.advance(20_000);
    await eventOn(a, 'EventRinging', c2, beforeEnd);
    expect(story(a, beforeEnd, { [c2]: 'C2' })).toEqual(['EventAgentReady', 'EventRinging@C2']);
    expect(s.agent(AGENT)).toMatchObject({ status: 3, wrapUp: undefined });
  });

  it('RequestAgentReady during after-call work ends it at once: its answer is the only EventAgentReady', async () => {
    const s = await started({ wrapUpSec: 15 });
    const a = await desk(s.url, AGENT);
    await readyAgent(a);
    const c1 = await answeredQueueCall(s, a, '5550003');
    await a.answerTo('RequestReleaseCall', { ThisDN: AGENT, ConnID: c1 });
    expect(s.agent(AGENT)?.workMode).toBe(3);
    const since = a.mark();
    const ready = await a.answerTo('RequestAgentReady', { ThisDN: AGENT });
    expect(ready.name).toBe('EventAgentReady');
    expect(ready.attributes.AgentWorkMode).toBeUndefined();
    clock.advance(60_000);
    // A query answered after the advance: nothing was sent in between.
    await a.answerTo('RequestQueryAddress', { ThisDN: AGENT });
    expect(story(a, since, {})).toEqual(['EventAgentReady', 'EventAddressInfo']);
    expect(clock.pending).toBe(0);
  });

  it('no wrap-up time (the default): EventReleased alone; a call the agent did not answer brings none either', async () => {
    const s = await started();
    const a = await desk(s.url, AGENT);
    await readyAgent(a);
    const c1 = await answeredQueueCall(s, a, '5550004');
    const since = a.mark();
    s.hangUp(c1);
    await eventOn(a, 'EventReleased', c1, since);
    expect(story(a, since, { [c1]: 'C1' })).toEqual(['EventReleased@C1']);

    s.setWrapUpTime(20);
    const dialing = await a.answerTo('RequestMakeCall', { ThisDN: AGENT, OtherDN: '5551000' });
    const c2 = dialing.attributes.ConnID as string;
    const since2 = a.mark();
    await a.answerTo('RequestReleaseCall', { ThisDN: AGENT, ConnID: c2 });
    expect(story(a, since2, { [c2]: 'C2' })).toEqual(['EventReleased@C2']);
  });

  it('refuses a WrapUpTime that is not whole seconds from 0 to 86,400 (42); setWrapUpTime likewise throws', async () => {
    const s = await started();
    const a = await desk(s.url, AGENT);
    for (const bad of [-1, 86_401, 'soon', '2.5']) {
      const answer = await a.answerTo('RequestAgentLogin', { ThisDN: AGENT, AgentID: 'ag1', Extensions: [['WrapUpTime', bad]] });
      expectError(answer, 42, /WrapUpTime/);
    }
    expect(s.agent(AGENT)).toBeUndefined();
    expect(() => s.setWrapUpTime(-5)).toThrow(RangeError);
  });
});

describe('after-call work on a pair', () => {
  it('survives a failover: the new primary’s answer to a query shows it, and its end comes from the new primary', async () => {
    clock = new ManualClock();
    const pair = await HotStandbyPair.start({ clock, queues: [QUEUE], wrapUpSec: 20 });
    try {
      const onA = await desk(pair.a.url, AGENT);
      const onB = await desk(pair.b.url, AGENT);
      await readyAgent(onA);
      const c1 = pair.placeCall(QUEUE, { from: '5550005' });
      await eventOn(onA, 'EventRinging', c1);
      await onA.answerTo('RequestAnswerCall', { ThisDN: AGENT, ConnID: c1 });
      pair.hangUp(c1);
      await eventOn(onA, 'EventReleased', c1);
      clock.advance(5_000);
      await pair.killPrimary();
      await onB.waitFor('EventPrimaryChanged');
      await expectWrapUp(onB, 20, 15);
      const since = onB.mark();
      clock.advance(15_000);
      expect((await onB.waitFor('EventAgentReady', { since })).attributes).toMatchObject({ ThisDN: AGENT, AgentID: 'ag1' });
    } finally {
      await pair.stop();
    }
  });
});
