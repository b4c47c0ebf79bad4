/**
 * Routing under a burst, over real loopback sockets against the simulator pair (issue 21 item 6):
 * a burst of 5,000 route requests is routed once each with no client-side refusal while the
 * user's own requests are answered beside it, and 20,000 calls that arrived while no server was
 * primary are each routed or counted after the failover. RequestRouteCall is counted per ConnID at
 * the simulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RouteError } from '../../src/index.js';
import { startRig, stopRig, until, type Rig } from '../ha/helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await stopRig(rig);
  rig = undefined;
});

const RP = '5000';
/** Bursts load a busy 2-core machine: keep-alive must not mistake a slow simulator for a dead one. */
const PATIENT = { requestTimeoutMs: 60_000, addp: { timeoutMs: 20_000, remoteTimeoutMs: 20_000 } };

function describeState(rig: Rig, stats: unknown): string {
  return `${JSON.stringify(stats)}, ${JSON.stringify(rig.conn.state)}`;
}

describe('conn.route() in a burst', () => {
  it('5,000 route requests at once: each routed exactly once, no client-side refusal, user requests answered meanwhile', async () => {
    rig = await startRig({ routingPoints: [{ dn: RP, timeoutMs: 120_000 }] }, PATIENT);
    const { conn, pair } = rig;
    let k = 0;
    const rp = await conn.route(RP, () => `2${String(k++ % 1_000).padStart(3, '0')}`);
    const errors: RouteError[] = [];
    rp.on('error', (e) => errors.push(e));
    // The connection's own count of requests on the wire, sampled as routes land: the routing
    // point's window (250) plus a few others, never the 1,000 of the connection's maxInFlight.
    let peakInFlight = 0;
    rp.on('routed', () => (peakInFlight = Math.max(peakInFlight, conn.state.inFlight)));
    const ids = Array.from({ length: 5_000 }, (_, i) => pair.placeCall(RP, { from: `+1555${String(i).padStart(5, '0')}` }));
    await until(() => rp.stats().received >= 1_000, 'the burst under way', 30_000);
    // The user's own requests, sent in the middle of the burst: each answered, none refused.
    const user = await Promise.all(Array.from({ length: 20 }, () => conn.request('RequestQueryAddress', { ThisDN: RP })));
    const routedWhenUserAnswered = rp.stats().routed;
    expect(user.map((e) => e.Event)).toEqual(Array(20).fill('EventAddressInfo'));
    await until(() => rp.stats().routed + rp.stats().failed >= ids.length, '5,000 routed', 120_000).catch((err) => {
      throw new Error(`${(err as Error).message}: ${describeState(rig!, rp.stats())}`);
    });
    expect(errors).toEqual([]);
    expect(rp.stats()).toMatchObject({ received: 5_000, routed: 5_000, failed: 0, defaulted: 0, duplicates: 0, sending: 0 });
    const counts = pair.routeCallCounts();
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    // The window's 250, the user's 20, and a few of the SDK's own (registrations mirrored on the standby).
    expect(peakInFlight).toBeLessThanOrEqual(250 + 20 + 10);
    // Not starved: the user's answers came before the burst was through.
    expect(routedWhenUserAnswered).toBeLessThan(5_000);
    await rp.close();
  }, 180_000);

  it('20,000 calls that arrived while no server was primary: after the failover each is routed or counted', async () => {
    rig = await startRig({ routingPoints: [{ dn: RP, timeoutMs: 600_000 }] }, PATIENT);
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session', 10_000);
    let k = 0;
    const rp = await conn.route(RP, () => `3${String(k++ % 1_000).padStart(3, '0')}`);
    const errors: RouteError[] = [];
    rp.on('error', (e) => errors.push(e));
    const promoted = new Promise<void>((resolve) => pair.b.once('role', () => resolve()));
    // The backup takes over 500 ms after the kill; meanwhile the switch goes on and its events are
    // lost: no route request for any of these calls ever reaches the client.
    await pair.killPrimary({ promoteAfterMs: 500 });
    const ids = Array.from({ length: 20_000 }, () => pair.placeCall(RP));
    expect(pair.promotionPending).toBe(true);
    await promoted;
    await until(() => rp.stats().routed + rp.stats().defaulted + rp.stats().failed >= ids.length, '20,000 settled', 240_000).catch(
      (err) => {
        const counts = pair.routeCallCounts();
        const missing = ids.filter((id) => !counts.has(id)).length;
        throw new Error(`${(err as Error).message}: ${missing} never routed, ${describeState(rig!, rp.stats())}`);
      },
    );
    const s = rp.stats();
    // Every call was found by the sweep and ended in exactly one way; failures, if any, carry a cause.
    expect(s.recovered).toBe(20_000);
    expect(s.routed + s.defaulted + s.abandoned + s.failed).toBe(s.received);
    expect(errors).toHaveLength(s.failed);
    for (const e of errors) expect(e.cause).toBeDefined();
    const counts = pair.routeCallCounts();
    expect(ids.filter((id) => (counts.get(id) ?? 0) > 1)).toEqual([]);
    expect(ids.filter((id) => counts.get(id) === 1).length).toBe(s.routed + s.defaulted);
    expect(s.routed).toBe(20_000);
    await rp.close();
  }, 300_000);
});
