/**
 * Two things going wrong at once on a hot-standby pair (found by the soak when two disruptions
 * overlapped): the connection must end with its active session on the real primary and its
 * standby on the backup, whatever the order in which the losses and recoveries land.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { nextEvent, pairRig, until, type PairRig } from './helpers.js';

let rig: PairRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

/** Connections each proxy has accepted so far: a later settle must come after new dials. */
function dials(r: PairRig): [number, number] {
  return [r.proxies[0].accepted, r.proxies[1].accepted];
}

/** Waits until the client has seen the loss of the server behind `proxyUrl` (EventServerDisconnected). */
async function lossSeen(r: PairRig, proxyUrl: string): Promise<void> {
  await until(() => r.rec.events.some((e) => e.Event === 'EventServerDisconnected' && e.Server === proxyUrl), `the loss of ${proxyUrl}`);
}

/** Active on the primary's proxy, standby on the backup's, link up. */
function settled(r: PairRig): boolean {
  const s = r.conn.state;
  return (
    s.status === 'open' && s.active === r.proxyOf(r.pair.primary).url && s.standby === r.proxyOf(r.pair.backup).url && s.linkUp === true
  );
}

/** The pair is usable end to end: a primary-only request and a call to a registered DN. */
async function usable(r: PairRig): Promise<void> {
  const login = await r.conn.agentLogin('1001', `agent-${Date.now()}`).catch((e: Error) => e);
  // 56 = agent already logged in (a previous check): still an answer from a primary.
  if (login instanceof Error) expect((login as { errorCode?: number }).errorCode).toBe(56);
  const ringing = nextEvent(r.conn, 'EventRinging');
  const connId = r.pair.primary.placeCall('1001');
  await ringing;
  r.pair.primary.releaseCall(connId);
}

describe('overlapping disruptions', () => {
  it('the primary dies while the path to the backup is cut', async () => {
    const r = (rig = await pairRig());
    await r.conn.registerAddress('1001');
    const before = dials(r);
    r.proxies[1].cut();
    await r.pair.killPrimary();
    await lossSeen(r, r.proxies[0].url); // a comes back only after the client lost it
    await r.pair.restart(r.pair.a);
    await until(() => dials(r)[0] > before[0] && dials(r)[1] > before[1] && settled(r), 'settled: active on b, standby on a', 6_000);
    await usable(r);
  });

  it('a switchover while the path to the primary is cut', async () => {
    const r = (rig = await pairRig());
    await r.conn.registerAddress('1001');
    const before = dials(r);
    r.proxies[0].cut();
    await r.pair.switchover();
    await until(() => dials(r)[0] > before[0] && settled(r), 'settled: active on b, standby on a', 6_000);
    await usable(r);
  });

  it('a switchover, then the new primary dies at once, then comes back', async () => {
    const r = (rig = await pairRig());
    await r.conn.registerAddress('1001');
    const before = dials(r);
    await r.pair.switchover();
    await r.pair.killPrimary();
    await lossSeen(r, r.proxies[1].url); // b comes back only after the client lost it
    await r.pair.restart(r.pair.b);
    await until(() => dials(r)[1] > before[1] && settled(r), 'settled: active on a, standby on b', 6_000);
    await usable(r);
  });

  // Guards against two dials reaching the same server: the reconnect loop for the lost active and
  // the re-dial of the lost standby both run at once; a second session to the active's own server
  // must never be adopted as the standby, or the other server is never dialled again (redundancy
  // gone, and every request refused with EventError 52 once that server is the backup).
  it('both paths cut at once (a network blip): active on the primary, standby on the backup', async () => {
    const r = (rig = await pairRig());
    await r.conn.registerAddress('1001');
    const before = dials(r);
    r.proxies[0].cut();
    r.proxies[1].cut();
    await until(() => dials(r)[0] > before[0] && dials(r)[1] > before[1] && settled(r), 'settled: active on a, standby on b', 6_000);
    await usable(r);
  });

  // The same race from the other side: without the guard the client ends with both sessions on b,
  // the backup, and nothing ever dials a.
  it('both servers die and are restarted (a first, so a is primary): the client finds the primary again', async () => {
    const r = (rig = await pairRig());
    await r.conn.registerAddress('1001');
    await r.pair.kill(r.pair.b);
    await r.pair.kill(r.pair.a);
    // They come back only after the client lost both.
    await lossSeen(r, r.proxies[0].url);
    await until(() => r.conn.state.status === 'reconnecting' && r.conn.state.standby === undefined, 'both sessions lost');
    await r.pair.restart(r.pair.a);
    await r.pair.restart(r.pair.b);
    await until(() => settled(r), 'settled: active on a, standby on b', 6_000);
    await usable(r);
  });

  // Found by the soak: after a switchover (b is primary) both sessions are lost and the reconnect
  // loop reaches a, now the backup, first; a says ServerRole 1 naming b. The client must learn b
  // as the other server of the pair and dial it, not take a's own address for the backup and stay
  // on the backup for good. A race: 25 rounds catch it nearly always.
  it('after a switchover, both paths cut at once (repeatedly): the client ends on the new primary, standby on the old one', {
    timeout: 90_000,
  }, async () => {
    const r = (rig = await pairRig(
      {},
      { addp: { timeoutMs: 300, remoteTimeoutMs: 300 }, reconnect: { minTimeoutMs: 10, maxTimeoutMs: 100, randomize: true } },
    ));
    await r.conn.registerAddress('1001');
    await r.pair.switchover();
    await until(() => settled(r), 'settled after the switchover', 6_000);
    for (let round = 0; round < 25; round++) {
      const before = dials(r);
      const query = r.conn.queryServer().catch(() => undefined);
      r.proxies[0].cut({ reset: round % 2 === 0 });
      r.proxies[1].cut({ reset: round % 3 === 0 });
      await until(
        () => dials(r)[0] > before[0] && dials(r)[1] > before[1] && settled(r),
        `settled after cutting both (round ${round})`,
        6_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; state ${JSON.stringify(r.conn.state)}; a ${r.proxies[0].url}, b ${r.proxies[1].url} (primary)`);
      });
      await query;
      await usable(r);
    }
  });
});
