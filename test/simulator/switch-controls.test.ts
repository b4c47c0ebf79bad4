/**
 * The switch-side controls (placeCall, answerCall, hangUp, releaseCall, loginAgent, setAgentState,
 * setDND, addRoutingPoint, addQueue, listCalls, listAgents): what they send, what they refuse,
 * and that no switch timer outlives stop().
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HotStandbyPair, ROUTE_COUNT_LIMIT, SharedState, TServerSimulator } from '../../src/simulator/index.js';
import { desk, eventOn, pool } from './desks.js';

const sims: TServerSimulator[] = [];
let pair: HotStandbyPair | undefined;

async function started(options: ConstructorParameters<typeof TServerSimulator>[0] = {}): Promise<TServerSimulator> {
  const sim = new TServerSimulator(options);
  sims.push(sim);
  await sim.start();
  return sim;
}

afterEach(async () => {
  await pool.closeAll();
  await Promise.all(sims.splice(0).map((s) => s.stop()));
  await pair?.stop();
  pair = undefined;
});

describe('calls', () => {
  it('placeCall with ANI, DNIS, user data and CallType; answerCall; releaseCall of one party or of the whole call', async () => {
    const sim = await started();
    const a = await desk(sim.url, '1001');
    const connId = sim.placeCall('1001', { from: '5556666', dnis: '8005550199', userData: [['k', 'v']], callType: 3 });
    const ringing = await eventOn(a, 'EventRinging', connId);
    expect(ringing.attributes).toMatchObject({
      OtherDN: '5556666',
      ANI: '5556666',
      DNIS: '8005550199',
      CallType: 3,
      UserData: [['k', 'v']],
    });
    expect(typeof ringing.attributes.CallUUID).toBe('string');
    sim.answerCall(connId);
    expect((await eventOn(a, 'EventEstablished', connId)).attributes.ReferenceID).toBeUndefined();
    expect(() => sim.answerCall(connId)).toThrow(/not ringing/);
    expect(sim.listCalls()).toEqual([
      expect.objectContaining({
        connId,
        state: 'established',
        external: '5556666',
        parties: [{ dn: '1001', state: 'established', role: 2 }],
      }),
    ]);
    sim.releaseCall(connId, '1001');
    await eventOn(a, 'EventReleased', connId);
    expect(sim.listCalls()).toEqual([]);
    const second = sim.placeCall('1001');
    sim.releaseCall(second);
    await eventOn(a, 'EventReleased', second);
    expect(() => sim.releaseCall(second)).toThrow(/no call/);
  });

  it('refuses clearly: unknown DN, a DN on DND, hangUp of a call without an outside caller, a control on a backup', async () => {
    const sim = await started();
    const a = await desk(sim.url, ['1001', '1002']);
    expect(() => sim.placeCall('not-a-dn')).toThrow(/unknown DN not-a-dn/);
    sim.setDND('1002', true);
    await a.waitFor('EventDNDOn');
    expect(() => sim.placeCall('1002')).toThrow(/do-not-disturb/);
    expect(sim.listCalls()).toEqual([]);
    const internal = await a.answerTo('RequestMakeCall', { ThisDN: '1001', OtherDN: '1003' });
    expect(() => sim.hangUp(internal.attributes.ConnID)).toThrow(/no outside caller/);
    pair = await HotStandbyPair.start();
    expect(() => pair!.b.placeCall('1001')).toThrow(/needs the primary/);
    expect(() => pair!.placeCall('1001')).not.toThrow();
  });
});

describe('agents and DNs', () => {
  it('loginAgent (queue, ready) and setAgentState send the agent events; listAgents reports them', async () => {
    const sim = await started();
    const a = await desk(sim.url, '1001');
    sim.loginAgent('1001', 'ag7', { queue: '6000', ready: true, place: 'P7' });
    await a.waitForCount((m) => m.name === 'EventAgentLogin' || m.name === 'EventAgentReady', 2);
    expect(sim.listAgents()).toEqual([
      { dn: '1001', agentId: 'ag7', status: 'ready', workMode: undefined, queues: ['6000'], place: 'P7', dnd: false, busy: false },
    ]);
    expect(sim.shared.queues.has('6000')).toBe(true);
    expect(() => sim.loginAgent('1001', 'ag8')).toThrow(/already logged in/);
    sim.setAgentState('1001', 'notReady', { reasons: [['Why', 'lunch']] });
    expect((await a.waitFor('EventAgentNotReady')).attributes.Reasons).toEqual([['Why', 'lunch']]);
    sim.setAgentState('1001', 'loggedOut');
    await a.waitFor('EventAgentLogout');
    expect(sim.listAgents()).toEqual([]);
    expect(() => sim.setAgentState('1001', 'ready')).toThrow(/no agent/);
  });

  it('addRoutingPoint / addQueue declare AddressType 4 / 3; QueryAddress reports it; conflicting declarations throw', async () => {
    const sim = await started();
    sim.addRoutingPoint('5000', { timeoutMs: 50 });
    sim.addQueue('6000');
    expect(() => sim.addQueue('5000')).toThrow(/routing point/);
    expect(() => sim.addRoutingPoint('6000')).toThrow(/queue/);
    expect(() => sim.addRoutingPoint('5001', { defaultDestination: 'x' })).toThrow(/default destination/);
    const c = await desk(sim.url, ['5000', '6000']);
    expect((await c.answerTo('RequestQueryAddress', { ThisDN: '5000' })).attributes.AddressType).toBe(4);
    expect((await c.answerTo('RequestQueryAddress', { ThisDN: '6000' })).attributes.AddressType).toBe(3);
    const wrong = await c.answerTo('RequestRegisterAddress', { ThisDN: '6000', AddressType: 4 });
    expect(wrong.attributes.ErrorCode).toBe(42);
  });
});

describe('bounds', () => {
  it('RequestRouteCall counts are kept for the last ROUTE_COUNT_LIMIT ConnIDs, oldest dropped first', () => {
    const shared = new SharedState();
    for (let i = 0; i <= ROUTE_COUNT_LIMIT; i++) shared.countRouteCall(`c${i}`);
    shared.countRouteCall('c1'); // counted again: now the most recent
    shared.countRouteCall('extra');
    expect(shared.routeCallCounts().size).toBe(ROUTE_COUNT_LIMIT);
    expect(shared.routeCallCount('c0')).toBe(0);
    expect(shared.routeCallCount('c2')).toBe(0);
    expect(shared.routeCallCount('c1')).toBe(2);
    expect(shared.routeCallCount(`c${ROUTE_COUNT_LIMIT}`)).toBe(1);
  });
});

describe('maxCalls', () => {
  it('the switch holds at most maxCalls calls: placeCall throws, MakeCall gets 42; a call ending makes room', async () => {
    const sim = await started({ maxCalls: 2 });
    const a = await desk(sim.url, '1001');
    const first = sim.placeCall('1001');
    sim.placeCall('1002');
    expect(() => sim.placeCall('1003')).toThrow(/maxCalls/);
    const refused = await a.answerTo('RequestMakeCall', { ThisDN: '1001', OtherDN: '1004' });
    expect(refused.attributes).toMatchObject({ ErrorCode: 42 });
    expect(refused.attributes.ErrorMessage).toMatch(/maxCalls/);
    sim.releaseCall(first);
    expect(() => sim.placeCall('1003')).not.toThrow();
    expect(() => new TServerSimulator({ maxCalls: -1 })).toThrow(/maxCalls/);
  });
});

describe('timers', () => {
  it('a lone server’s stop() clears its route and treatment timers; a pair keeps them through a kill and clears them on stop()', async () => {
    const sim = await started({ routingPoints: ['5000'] });
    sim.placeCall('5000');
    expect(sim.shared.pendingTimers).toBe(1);
    await sim.stop();
    expect(sim.shared.pendingTimers).toBe(0);

    pair = await HotStandbyPair.start({ routingPoints: ['5000'] });
    pair.placeCall('5000');
    await pair.killPrimary();
    expect(pair.shared.pendingTimers).toBe(1);
    await pair.stop();
    expect(pair.shared.pendingTimers).toBe(0);
  });
});
