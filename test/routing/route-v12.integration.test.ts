/**
 * Protocol 1.2 routing over real loopback sockets against the simulator pair: where the call went
 * is read from EventRouteUsed's ThirdPartyDN (its OtherDN is the caller), a consultation call's
 * route request carries previousConnId, a handler routes by AgentID or disconnects the call, and
 * the switch's own default route is reported with its destination. The routing lane: a burst is
 * never refused by a small user queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RouteType, type RouteError, type RouteOutcome, type RouteRequest, type TEvent } from '../../src/index.js';
import { startRig, stopRig, until, type Rig } from '../ha/helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await stopRig(rig);
  rig = undefined;
});

const RP = '5000';

const at = (events: TEvent[], name: string, dn: string) =>
  events.filter((e) => e.Event === name && (e as { ThisDN?: string }).ThisDN === dn) as Array<Record<string, unknown>>;

async function served(rig: Rig, handler: (r: RouteRequest) => ReturnType<Parameters<Rig['conn']['route']>[1]>) {
  const rp = await rig.conn.route(RP, handler);
  const outcomes: RouteOutcome[] = [];
  const errors: RouteError[] = [];
  rp.on('routed', (o) => outcomes.push(o));
  rp.on('error', (e) => errors.push(e));
  return { rp, outcomes, errors };
}

describe('routing, protocol 1.2', () => {
  it('the destination comes from ThirdPartyDN of EventRouteUsed, not its OtherDN (the caller)', async () => {
    rig = await startRig({ routingPoints: [RP] });
    await rig.conn.registerAddress('1001');
    const { rp, outcomes } = await served(rig, () => '1001');
    const connId = rig.pair.placeCall(RP, { from: '+15550100' });
    await until(() => outcomes.length === 1, 'routed');
    const used = at(rig.events, 'EventRouteUsed', RP)[0];
    expect(used).toMatchObject({ OtherDN: '+15550100', ThirdPartyDN: '1001', ThirdPartyDNRole: 2 });
    expect(outcomes).toEqual([{ connId, outcome: 'routed', destination: '1001', routeType: undefined, fellBack: false }]);
    await rp.close();
  });

  it('RouteType.AgentID: the call goes to the DN the agent is logged in on, reported as the destination', async () => {
    rig = await startRig({ routingPoints: [RP] });
    await rig.conn.registerAddress('1007');
    await rig.conn.agentLogin('1007', 'agent-7');
    const { rp, outcomes } = await served(rig, () => ({ routeType: RouteType.AgentID, destination: 'agent-7' }));
    const connId = rig.pair.placeCall(RP);
    await until(() => at(rig!.events, 'EventRinging', '1007').length === 1, 'EventRinging at the agent’s DN');
    await until(() => outcomes.length === 1, 'routed');
    expect(outcomes[0]).toMatchObject({ connId, outcome: 'routed', destination: '1007', routeType: 13 });
    expect(rig.pair.routeCallCount(connId)).toBe(1);
    await rp.close();
  });

  it('RouteType.CallDisconnect: the switch releases the call; routed with no destination', async () => {
    rig = await startRig({ routingPoints: [RP] });
    const { rp, outcomes } = await served(rig, () => ({ routeType: RouteType.CallDisconnect }));
    const connId = rig.pair.placeCall(RP);
    await until(() => outcomes.length === 1, 'routed');
    expect(outcomes[0]).toMatchObject({ connId, outcome: 'routed', destination: undefined, routeType: 14 });
    expect(at(rig.events, 'EventRouteUsed', RP)[0]).toMatchObject({ ConnID: connId, CallState: 19 });
    await until(() => rig!.pair.call(connId) === undefined, 'the call released');
    await rp.close();
  });

  it('a consultation call at the routing point: the handler gets previousConnId = the held call', async () => {
    rig = await startRig({ routingPoints: [RP] });
    const { conn, pair, events } = rig;
    await conn.registerAddress('1001');
    await conn.registerAddress('1002');
    const seen: RouteRequest[] = [];
    const { rp, outcomes } = await served(rig, (r) => {
      seen.push(r);
      return '1002';
    });
    const held = pair.placeCall('1001');
    await until(() => at(events, 'EventRinging', '1001').length === 1, 'ringing at 1001');
    await conn.answerCall('1001', held);
    const consult = await conn.initiateTransfer('1001', held, RP);
    await until(() => outcomes.length === 1, 'the consultation routed');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ connId: consult.ConnID, callType: 4, previousConnId: held });
    expect(at(events, 'EventRinging', '1002')[0]).toMatchObject({ ConnID: consult.ConnID });
    await rp.close();
  });

  it('the switch’s default route at its timeout is reported as defaulted, with where it went', async () => {
    rig = await startRig({ routingPoints: [{ dn: RP, timeoutMs: 200, defaultDestination: '1009' }] });
    await rig.conn.registerAddress('1009');
    const { rp, outcomes } = await served(rig, () => new Promise<string>(() => {}));
    const connId = rig.pair.placeCall(RP);
    await until(() => outcomes.length === 1, 'defaulted');
    expect(outcomes[0]).toEqual({ connId, outcome: 'defaulted', destination: '1009', routeType: undefined, fellBack: false });
    expect(rig.pair.routeCallCount(connId)).toBe(0);
    await rp.close();
  });

  it('the routing lane: 2,000 routes at once with maxInFlight 20 and a user queue of 10 — none refused', async () => {
    rig = await startRig(
      { routingPoints: [{ dn: RP, timeoutMs: 120_000 }] },
      { maxInFlight: 20, offlineQueue: { limit: 10 }, requestTimeoutMs: 60_000, addp: { timeoutMs: 20_000, remoteTimeoutMs: 20_000 } },
    );
    const { rp, outcomes, errors } = await served(rig, () => '2000');
    const ids = Array.from({ length: 2_000 }, () => rig!.pair.placeCall(RP));
    await until(() => outcomes.length + errors.length >= ids.length, '2,000 settled', 60_000);
    expect(errors).toEqual([]);
    const counts = rig.pair.routeCallCounts();
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    // The user's own requests still go: the routing lane never took the user's slots.
    await expect(rig.conn.queryServer()).resolves.toMatchObject({ Event: 'EventServerInfo' });
    await rp.close();
  }, 90_000);
});
