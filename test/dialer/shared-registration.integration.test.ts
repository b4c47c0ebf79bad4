/**
 * conn.dialer() and conn.route() on one routing point, over real loopback sockets against the
 * simulator pair, in either order: the two share one registration of the DN (one
 * RequestRegisterAddress reaches the primary), a person-answered dial reaches the route handler,
 * and whichever closes first leaves the DN registered for the other — its events keep coming — until
 * the last one closes and it is unregistered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HotStandbyPair } from '../../src/simulator/index.js';
import { startRig, stopRig, until, type Rig } from '../ha/helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await stopRig(rig);
  rig = undefined;
});

const RP = '5000';

/** RequestRegisterAddress / RequestUnregisterAddress of the routing point, as the primary received them. */
function registrations(pair: HotStandbyPair): string[] {
  const seen: string[] = [];
  pair.a.on('request', (r: { name: string; attributes: Record<string, unknown> }) => {
    if ((r.name === 'RequestRegisterAddress' || r.name === 'RequestUnregisterAddress') && r.attributes.ThisDN === RP) seen.push(r.name);
  });
  return seen;
}

async function setUp() {
  rig = await startRig({ routingPoints: [{ dn: RP, timeoutMs: 60_000 }] });
  const { conn, pair } = rig;
  pair.setDialOutcome('+15550001', 'answer');
  pair.setDialOutcome('+15550002', { outcome: 'busy', afterMs: 50 });
  const seen = registrations(pair);
  const routed: string[] = [];
  const serve = () =>
    conn.route(RP, (call) => {
      routed.push(call.connId);
      return '2000';
    });
  // A large grace: an outcome that did not come as an event would not be learned within the test.
  const dialer = conn.dialer({ outcomeGraceMs: 60_000 });
  return { conn, pair, seen, routed, serve, dialer };
}

describe('conn.dialer() and conn.route() on one routing point', () => {
  it('dialer first, then route(): route() shares the registration; the dialer closing first leaves the routing point served', async () => {
    const { conn, pair, seen, routed, serve, dialer } = await setUp();
    await expect(dialer.dial(RP, '+15550002', { timeoutMs: 5_000 })).resolves.toMatchObject({ outcome: 'busy', checked: false });
    const rp = await serve(); // was refused: the DN was registered on the connection by the dialer
    const answered = await dialer.dial(RP, '+15550001', { timeoutMs: 5_000 });
    expect(answered).toMatchObject({ outcome: 'answered', checked: false });
    await until(() => routed.includes(answered.connId), 'the answered call routed');
    await dialer.close();
    expect(conn.registeredDNs).toContain(RP);
    const placed = pair.placeCall(RP);
    await until(() => routed.includes(placed) && rp.stats().routed === 2, 'a call placed after the dialer closed, routed');
    expect(rp.stats()).toMatchObject({ received: 2, routed: 2, failed: 0 });
    expect(seen).toEqual(['RequestRegisterAddress']);
    await rp.close();
    expect(conn.registeredDNs).not.toContain(RP);
    expect(seen).toEqual(['RequestRegisterAddress', 'RequestUnregisterAddress']);
  }, 30_000);

  it('route() first, then the dialer: the routing point closing first leaves the dialer its outcome events', async () => {
    const { conn, seen, routed, serve, dialer } = await setUp();
    const rp = await serve();
    const answered = await dialer.dial(RP, '+15550001', { timeoutMs: 5_000 });
    await until(() => routed.includes(answered.connId), 'the answered call routed');
    await rp.close();
    expect(conn.registeredDNs).toContain(RP);
    // Learned from its event at the routing point (checked: false): the DN is still registered for the dialer.
    await expect(dialer.dial(RP, '+15550002', { timeoutMs: 5_000 })).resolves.toMatchObject({ outcome: 'busy', checked: false });
    expect(seen).toEqual(['RequestRegisterAddress']);
    await dialer.close();
    expect(conn.registeredDNs).not.toContain(RP);
    expect(seen).toEqual(['RequestRegisterAddress', 'RequestUnregisterAddress']);
  }, 30_000);
});
