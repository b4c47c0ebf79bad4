/**
 * conn.dialer() over real loopback sockets against the simulator pair (wire spec 1.2, "Outcomes of
 * a predictive call"): 200 numbers with mixed outcomes and a kill of the primary in the middle —
 * each dial settles once, no number is dialled twice (counted at the simulator), CallState matches
 * the outcome on every event, and a person-answered call reaches conn.route(); a queue as target;
 * outcomes due after a kill.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DialError, type DialOutcome, type DialResult, type TEvent } from '../../src/index.js';
import type { DialOutcomeSpec, HotStandbyPair } from '../../src/simulator/index.js';
import { startRig, stopRig, until, type Rig } from '../ha/helpers.js';
import { pairRig, type PairRig } from '../reliability/helpers.js';

let rig: Rig | undefined;
let proxied: PairRig | undefined;
afterEach(async () => {
  await stopRig(rig);
  await proxied?.stop();
  rig = undefined;
  proxied = undefined;
});

const RP = '5000';
/** Bursts load a busy 2-core machine: keep-alive must not mistake a slow simulator for a dead one. */
const PATIENT = { requestTimeoutMs: 30_000, addp: { timeoutMs: 10_000, remoteTimeoutMs: 10_000 } };

/** The simulator's outcome name → the dialer's, and the CallState both report. */
const EXPECTED: Record<string, { outcome: DialOutcome; callState: number }> = {
  answer: { outcome: 'answered', callState: 0 },
  machine: { outcome: 'machine', callState: 9 },
  busy: { outcome: 'busy', callState: 6 },
  noAnswer: { outcome: 'noAnswer', callState: 7 },
  sit: { outcome: 'sit', callState: 8 },
  vacant: { outcome: 'sit', callState: 12 },
  fax: { outcome: 'fax', callState: 17 },
};

/** Sets a mixed outcome on each number; some come at once, some later (so a kill finds them pending). */
function mixedOutcomes(pair: HotStandbyPair, numbers: string[]): Map<string, string> {
  const kinds = Object.keys(EXPECTED);
  const chosen = new Map<string, string>();
  numbers.forEach((n, i) => {
    const kind = kinds[i % kinds.length];
    const afterMs = i % 3 === 0 ? 0 : 20 + (i % 50);
    const spec: DialOutcomeSpec =
      kind === 'vacant'
        ? { outcome: 'sit', callState: 12, afterMs }
        : kind === 'noAnswer'
          ? 'noAnswer'
          : { outcome: kind as never, afterMs };
    pair.setDialOutcome(n, spec);
    chosen.set(n, kind);
  });
  return chosen;
}

/** RequestMakePredictiveCall received per number, by either server of the pair. */
function countDials(pair: HotStandbyPair): Map<string, number> {
  const counts = new Map<string, number>();
  for (const server of [pair.a, pair.b]) {
    server.on('request', (r: { name: string; attributes: Record<string, unknown> }) => {
      if (r.name !== 'RequestMakePredictiveCall') return;
      const n = r.attributes.OtherDN as string;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    });
  }
  return counts;
}

/** The events that tell a predictive call's outcome at its target. */
const DECIDING = new Set(['EventEstablished', 'EventDestinationBusy', 'EventReleased']);

/** The call events about `connId` at the routing point (EventAddressInfo, about the DN, may name a ConnID too). */
const about = (events: TEvent[], connId: string) =>
  events.filter(
    (e) => (e as { ConnID?: string }).ConnID === connId && (e as { ThisDN?: string }).ThisDN === RP && e.Event !== 'EventAddressInfo',
  ) as Array<Record<string, unknown>>;

describe('conn.dialer() against the simulator', () => {
  it('200 numbers, mixed outcomes, a kill in the middle: each settles once, none dialled twice, CallState matches on every event', async () => {
    rig = await startRig({ routingPoints: [{ dn: RP, timeoutMs: 60_000 }] }, PATIENT);
    const { conn, pair, events } = rig;
    await until(() => conn.state.standby, 'a standby session', 10_000);
    const numbers = Array.from({ length: 200 }, (_, i) => `+1555${String(i).padStart(4, '0')}`);
    const chosen = mixedOutcomes(pair, numbers);
    const dialled = countDials(pair);
    // Answered calls arrive at the routing point as any call: conn.route() sends them to an agent DN.
    const routed = new Set<string>();
    const rp = await conn.route(RP, (call) => {
      routed.add(call.connId);
      return '2000';
    });
    const dialer = conn.dialer({ maxInFlight: 20, outcomeGraceMs: 2_000 });
    const reported: DialResult[] = [];
    dialer.on('outcome', (r) => reported.push(r));
    // Settled handlers attached at once: a dial may reject while the test waits below.
    const settled = Promise.allSettled(numbers.map((n) => dialer.dial(RP, n, { timeoutMs: 300, userData: { Campaign: 'test' } })));
    await until(() => dialer.stats().sent >= 100, 'half the campaign sent', 20_000);
    await pair.killPrimary();
    const results = await settled;

    // None dialled twice; every dial the switch saw settled; the SDK sent each at most once.
    expect(numbers.filter((n) => (dialled.get(n) ?? 0) > 1)).toEqual([]);
    const s = dialer.stats();
    expect(s.sent).toBe(200);
    expect(s.inFlight + s.queued).toBe(0);
    // Each dial settled once: an outcome or a typed error, and the 'outcome' events name each number at most once.
    expect(new Set(reported.map((r) => r.number)).size).toBe(reported.length);
    const fulfilled = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as DialError] : []));
    expect(fulfilled.length + failed.length).toBe(200);
    expect(reported.map((r) => r.number).sort()).toEqual(fulfilled.map((r) => r.number).sort());
    for (const e of failed) {
      expect(e).toBeInstanceOf(DialError);
      expect(e.code).toBe('ERR_DIAL_OUTCOME_UNKNOWN');
    }
    // At most the dials caught on the wire at the kill lose their outcome.
    expect(failed.length).toBeLessThanOrEqual(20);
    expect(s.unknown).toBe(failed.length);
    for (const r of fulfilled) {
      const want = EXPECTED[chosen.get(r.number) as string];
      expect([r.number, r.outcome, r.callState]).toEqual([r.number, want.outcome, want.callState]);
      // Every event about the call at the target, from the one that told its outcome on, carries the
      // outcome's CallState (before it, EventDialing and any query's answer say 0: still ringing).
      const at = about(events, r.connId);
      const from = at.findIndex((e) => DECIDING.has(e.Event as string));
      if (!r.checked) expect(from).toBeGreaterThanOrEqual(0);
      const wrong = from < 0 ? [] : at.slice(from).filter((e) => e.CallState !== want.callState);
      expect(wrong.map((e) => `${r.number} ${e.Event} CallState ${e.CallState}`)).toEqual([]);
    }
    // A person (or a machine) that answered reached conn.route().
    const answered = fulfilled.filter((r) => r.outcome === 'answered' || r.outcome === 'machine');
    expect(answered.length).toBeGreaterThan(40);
    await until(() => answered.every((r) => routed.has(r.connId)), 'every answered call routed', 20_000);
    await dialer.close();
    await rp.close();
  }, 120_000);

  it('a queue as target: the answered call is queued and distributed to a Ready agent', async () => {
    rig = await startRig({ queues: ['6000'] });
    const { conn, pair, events } = rig;
    await conn.registerAddress('1002');
    await conn.agentLogin('1002', 'agent-2', { ThisQueue: '6000' });
    await conn.agentReady('1002');
    pair.setDialOutcome('+15550199', 'answer');
    const dialer = conn.dialer();
    const r = await dialer.dial('6000', '+15550199');
    expect(r).toMatchObject({ outcome: 'answered', callState: 0, target: '6000' });
    await until(() => events.some((e) => e.Event === 'EventRinging' && (e as { ConnID?: string }).ConnID === r.connId), 'the agent rings');
    expect(conn.registeredDNs).toContain('6000');
    await dialer.close();
  });

  it('outcomes due after a kill are learned from the new primary, none dialled twice', async () => {
    rig = await startRig({ routingPoints: [{ dn: RP, timeoutMs: 60_000 }] }, PATIENT);
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session', 10_000);
    const numbers = Array.from({ length: 30 }, (_, i) => `+1666${String(i).padStart(4, '0')}`);
    numbers.forEach((n, i) => pair.setDialOutcome(n, { outcome: i % 2 ? 'busy' : 'fax', afterMs: 300 }));
    const dialled = countDials(pair);
    const dialer = conn.dialer({ outcomeGraceMs: 1_000 });
    const settled = numbers.map((n) => dialer.dial(RP, n, { timeoutMs: 5_000 }));
    // Every EventDialing in: the kill comes while all 30 ring, their outcomes due 300 ms later.
    await until(() => rig!.events.filter((e) => e.Event === 'EventDialing').length === 30, 'every call dialling');
    await pair.killPrimary();
    const results = await Promise.all(settled);
    expect(results.map((r) => r.outcome)).toEqual(numbers.map((_, i) => (i % 2 ? 'busy' : 'fax')));
    expect(numbers.filter((n) => dialled.get(n) !== 1)).toEqual([]);
    await dialer.close();
  }, 60_000);

  it('a dial sent while the backup is not primary yet (EventError 52) waits in the connection and is placed once after EventPrimaryChanged', async () => {
    rig = await startRig({ routingPoints: [{ dn: RP, timeoutMs: 60_000 }] }, { requestTimeoutMs: 10_000 });
    const { pair, conn } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress(RP);
    pair.setDialOutcome('+1777100', 'busy');
    const received = countDials(pair);
    const dialer = conn.dialer({ outcomeGraceMs: 500 });
    const backup = conn.state.standby;
    await pair.killPrimary({ promoteAfterMs: 300 });
    await until(() => conn.state.active === backup, 'the standby made active');
    expect(pair.promotionPending).toBe(true);
    const result = await dialer.dial(RP, '+1777100', { timeoutMs: 5_000 });
    expect(result).toMatchObject({ outcome: 'busy', callState: 6, checked: false });
    expect(received.get('+1777100')).toBe(2); // refused once in the gap, placed once after it
    const dialing = rig.events.filter((e) => e.Event === 'EventDialing' && (e as { OtherDN?: string }).OtherDN === '+1777100');
    expect(dialing).toHaveLength(1);
    expect(dialer.stats()).toMatchObject({ sent: 1, refused: 0, unknown: 0 });
    await dialer.close();
  }, 30_000);

  // promoteAfterMs 500: the backup refuses the search (EventError 52) until it is primary; the dialer waits for it.
  it.each([0, 500])(
    'requests lost with the primary are never re-sent: their calls are found at the target by number, or reported unknown (promotion after %i ms)',
    async (promoteAfterMs) => {
      // ADDP slow enough that the black hole below is not taken for a dead server before the kill.
      proxied = await pairRig(
        { routingPoints: [{ dn: RP, timeoutMs: 60_000 }] },
        { requestTimeoutMs: 10_000, addp: { timeoutMs: 5_000, remoteTimeoutMs: 5_000 } },
      );
      const { pair, conn, proxies } = proxied;
      await conn.registerAddress(RP); // registered before the black hole: the dialer sends at once
      pair.setDialOutcome('+1777001', 'answer'); // answered at once: waits at the routing point
      pair.setDialOutcome('+1777002', { outcome: 'busy', afterMs: 1_500 }); // still ringing when the dialer looks
      pair.setDialOutcome('+1777003', 'fax'); // over before anyone can look: unknown
      const dialled = countDials(pair);
      const dialer = conn.dialer({ outcomeGraceMs: 500 });
      // The primary gets the requests, but nothing it answers reaches the client: no EventDialing.
      proxies[0].blackhole('down');
      const dials = Promise.allSettled(['+1777001', '+1777002', '+1777003'].map((n) => dialer.dial(RP, n, { timeoutMs: 5_000 })));
      await until(() => dialled.size === 3, 'the three requests at the switch');
      await pair.killPrimary({ promoteAfterMs });
      proxies[0].cut(); // the client sees its session end now (a black hole swallows the FIN)
      const [answered, busy, fax] = await dials;
      expect(answered).toMatchObject({ status: 'fulfilled', value: { outcome: 'answered', callState: 0, checked: true } });
      expect(busy).toMatchObject({ status: 'fulfilled', value: { outcome: 'busy', callState: 6 } });
      expect(fax.status).toBe('rejected');
      const err = (fax as PromiseRejectedResult).reason as DialError;
      expect(err).toMatchObject({ code: 'ERR_DIAL_OUTCOME_UNKNOWN', number: '+1777003', connId: undefined });
      expect(err.message).toMatch(/knows no call to this number/);
      expect([...dialled.values()]).toEqual([1, 1, 1]);
      expect(dialer.stats()).toMatchObject({ sent: 3, unknown: 1, checked: 1 });
      await dialer.close();
    },
    60_000,
  );
});
