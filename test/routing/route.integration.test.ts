/**
 * conn.route() over real loopback sockets against the simulator pair: route to a DN, to a queue
 * then an agent, the switch's default route at its timeout, fallback after a throwing or slow
 * handler, the concurrency bound, a burst of 1,000 calls routed once each, and a kill of the
 * primary in a burst of 200 calls with every call routed exactly once (counted on the simulator).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { kvGet, RouteError, type RouteRequest, type TEvent } from '../../src/index.js';
import { startRig, stopRig, until, type Rig } from '../ha/helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await stopRig(rig);
  rig = undefined;
});

const RP = '5000';
/** Bursts load a busy 2-core machine: keep-alive must not mistake a slow simulator for a dead one. */
const PATIENT = { requestTimeoutMs: 20_000, addp: { timeoutMs: 10_000, remoteTimeoutMs: 10_000 } };

function ringingAt(events: TEvent[], dn: string): TEvent[] {
  return events.filter((e) => e.Event === 'EventRinging' && (e as { ThisDN?: string }).ThisDN === dn);
}

describe('conn.route() against the simulator', () => {
  it('routes a call to the DN the handler returns, with the call data the switch gave', async () => {
    rig = await startRig({ routingPoints: [RP] });
    const { conn, pair, events } = rig;
    await conn.registerAddress('1001');
    const seen: RouteRequest[] = [];
    const rp = await conn.route(RP, (call) => {
      seen.push(call);
      return '1001';
    });
    const connId = pair.placeCall(RP, { from: '+15550100', dnis: '8005551234', userData: [['Skill', 'billing']] });
    await until(() => ringingAt(events, '1001').length === 1, 'EventRinging at 1001');
    const ringing = ringingAt(events, '1001')[0] as Record<string, unknown>;
    expect(ringing.ConnID).toBe(connId);
    expect(ringing.ThirdPartyDN).toBe(RP);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ routingPoint: RP, connId, ani: '+15550100', dnis: '8005551234', callType: 2 });
    expect(kvGet(seen[0].userData, 'Skill')).toBe('billing');
    await until(() => rp.stats().routed === 1, 'routed counted');
    expect(pair.routeCallCount(connId)).toBe(1);
    await rp.close();
    expect(conn.registeredDNs).not.toContain(RP);
  });

  it('routes to an ACD queue, and the queue distributes to a Ready agent logged in on it', async () => {
    rig = await startRig({ routingPoints: [RP], queues: ['6000'] });
    const { conn, pair, events } = rig;
    await conn.registerAddress('1002');
    await conn.registerAddress('6000');
    await conn.agentLogin('1002', 'agent-2', { ThisQueue: '6000' });
    await conn.agentReady('1002');
    const rp = await conn.route(RP, () => '6000');
    const connId = pair.placeCall(RP, { from: '+15550101' });
    await until(() => ringingAt(events, '1002').length === 1, 'EventRinging at the agent');
    const names = events
      .filter((e) => (e as { ConnID?: string }).ConnID === connId)
      .map((e) => `${e.Event}@${(e as { ThisDN?: string }).ThisDN}`);
    expect(names).toEqual(expect.arrayContaining(['EventQueued@6000', 'EventDiverted@6000', 'EventRinging@1002']));
    expect((ringingAt(events, '1002')[0] as Record<string, unknown>).ThirdPartyDN).toBe('6000');
    expect(rp.stats()).toMatchObject({ routed: 1, failed: 0 });
    await rp.close();
  });

  it('a handler that never answers before the switch times out: the default route, counted as defaulted', async () => {
    rig = await startRig({ routingPoints: [{ dn: RP, timeoutMs: 200, defaultDestination: '1009' }] });
    const { conn, pair, events } = rig;
    await conn.registerAddress('1009');
    const rp = await conn.route(RP, () => new Promise<string>(() => {}), { timeoutMs: 10_000 });
    const connId = pair.placeCall(RP);
    await until(() => ringingAt(events, '1009').length === 1, 'default route to 1009');
    await until(() => rp.stats().defaulted === 1, 'defaulted counted');
    expect(rp.stats()).toMatchObject({ routed: 0, failed: 0, running: 0 });
    expect(pair.routeCallCount(connId)).toBe(0);
    await rp.close();
  });

  it('a throwing handler and a too-slow handler both route to the fallback and report typed errors', async () => {
    rig = await startRig({ routingPoints: [RP] });
    const { conn, pair, events } = rig;
    await conn.registerAddress('1008');
    let n = 0;
    const rp = await conn.route(
      RP,
      () => {
        if (n++ === 0) throw new Error('no skill table');
        return new Promise<string>(() => {});
      },
      { timeoutMs: 300, fallback: '1008' },
    );
    const errors: RouteError[] = [];
    rp.on('error', (e) => errors.push(e));
    const first = pair.placeCall(RP);
    await until(() => ringingAt(events, '1008').length === 1, 'fallback for the throwing handler');
    pair.hangUp(first);
    pair.placeCall(RP);
    await until(() => ringingAt(events, '1008').length === 2, 'fallback for the slow handler', 5_000);
    expect(errors.map((e) => e.code)).toEqual(['ERR_ROUTE_HANDLER', 'ERR_ROUTE_TIMEOUT']);
    expect(errors.every((e) => e.fellBack && e instanceof RouteError)).toBe(true);
    await until(() => rp.stats().routed === 2, 'both routed');
    expect(rp.stats().fellBack).toBe(2);
    await rp.close();
  });

  it('never runs more handlers at once than `concurrency`', async () => {
    rig = await startRig({ routingPoints: [{ dn: RP, defaultDestination: '1001' }] });
    const { conn, pair } = rig;
    let running = 0;
    let peak = 0;
    // Handlers hold until the test lets them go: no timed sleep decides the overlap.
    const held: Array<() => void> = [];
    const rp = await conn.route(
      RP,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((release) => held.push(release));
        running--;
        return null;
      },
      { concurrency: 3 },
    );
    // null: the switch's default route (1001) for every call.
    const ids = Array.from({ length: 12 }, () => pair.placeCall(RP));
    for (let released = 0; released < ids.length; released++) {
      const expected = Math.min(3, ids.length - released);
      await until(() => running === expected && held.length === expected, `${expected} handlers running (${released} released)`);
      expect(rp.stats()).toMatchObject({ running: expected, waiting: ids.length - released - expected });
      held.shift()!();
    }
    await until(() => rp.stats().defaulted + rp.stats().failed === ids.length, 'every call answered', 10_000);
    expect(peak).toBe(3);
    expect(rp.stats()).toMatchObject({ defaulted: 12, failed: 0 });
    await rp.close();
  });

  it('a burst of 1,000 calls: each routed exactly once', async () => {
    rig = await startRig({ routingPoints: [RP] }, PATIENT);
    const { conn, pair } = rig;
    let k = 0;
    const rp = await conn.route(RP, () => `2${String(k++ % 1_000).padStart(3, '0')}`, { concurrency: 64 });
    const ids = Array.from({ length: 1_000 }, (_, i) => pair.placeCall(RP, { from: `+1555${String(i).padStart(4, '0')}` }));
    await until(() => rp.stats().routed + rp.stats().failed >= ids.length, '1,000 routed', 30_000).catch((err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(rp.stats())}, ${JSON.stringify(conn.state)}`);
    });
    expect(rp.stats()).toMatchObject({ received: 1_000, routed: 1_000, failed: 0, duplicates: 0 });
    const counts = pair.routeCallCounts();
    expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
    await rp.close();
  }, 60_000);

  it('a kill of the primary in a burst of 200 calls: every call routed exactly once, none lost', async () => {
    rig = await startRig({ routingPoints: [{ dn: RP, timeoutMs: 20_000 }] }, PATIENT);
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    let k = 0;
    const rp = await conn.route(
      RP,
      async () => {
        // Yield to I/O once, so the kill finds handlers running as well as routes on the wire.
        await new Promise((r) => setImmediate(r));
        return `3${String(k++ % 1_000).padStart(3, '0')}`;
      },
      { concurrency: 16 },
    );
    const errors: RouteError[] = [];
    rp.on('error', (e) => errors.push(e));
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      ids.push(pair.placeCall(RP));
      if (i === 100) await pair.killPrimary();
      // Let the client read what the switch sent so far: the kill comes in the middle of the flow.
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => ids.every((id) => pair.routeCallCount(id) >= 1), 'every call routed', 40_000).catch((err) => {
      const missing = ids.filter((id) => pair.routeCallCount(id) === 0);
      throw new Error(
        `${(err as Error).message}: ${missing.length} not routed (${missing.slice(0, 5).join(', ')}), ${JSON.stringify(rp.stats())}, ${JSON.stringify(conn.state)}`,
      );
    });
    await until(() => rp.stats().routed === 200, 'every route settled', 20_000);
    const counts = pair.routeCallCounts();
    const notOnce = ids.filter((id) => counts.get(id) !== 1);
    expect(notOnce).toEqual([]);
    expect(errors).toEqual([]);
    // Route requests lost with the old primary are found by the sweep after the failover.
    expect(rp.stats()).toMatchObject({ received: 200, routed: 200, duplicates: expect.any(Number) });
    await rp.close();
  }, 90_000);
});
