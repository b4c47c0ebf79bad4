/**
 * The soak: a TServerConnection on a HotStandbyPair (a FaultProxy in front of each server) goes
 * through N randomized cycles. Each cycle fires a few random requests without waiting for them,
 * maybe changes the user's registrations, then disrupts something:
 *
 *   kill        the primary dies (pair.killPrimary), and is restarted as backup afterwards
 *   switchover  graceful switchover (pair.switchover)
 *   linkFlap    the primary's CTI link goes down and up again
 *   cutPrimary  the network path to the primary is cut (the servers do not switch)
 *   cutStandby  the network path to the backup is cut
 *   halfOpen    the path to the primary goes half-open (ADDP must notice), then heals
 *   quiet       nothing: traffic only
 *
 * and waits until the connection is settled again: open, active on the primary's proxy, standby
 * on the backup's, link up, no resync running. Then every request of the cycle must have settled
 * (an answer, or a typed TlibError rejection).
 *
 * At the end: the SDK's registered DNs equal the user's, and the servers agree (a call to each
 * DN of the universe rings exactly the registered ones, on both servers after a final
 * switchover); listeners, timers and sockets are back to their starting counts; the heap (after
 * GC) grew less than the stated bound.
 */
import { TlibError, type TServerConnection } from '../../src/index.js';
import type { HotStandbyPair, TServerSimulator } from '../../src/simulator/index.js';
import { gcNow } from '../fuzz/harness.js';
import { pairRig, roundTrip, until, within, type PairRig } from '../reliability/helpers.js';

export type Action = 'kill' | 'switchover' | 'linkFlap' | 'cutPrimary' | 'cutStandby' | 'cutBoth' | 'halfOpen' | 'quiet';

/**
 * Default weights (SOAK_WEIGHTS=cutBoth=10,kill=5 for npm run soak changes them). 'cutBoth' (both
 * paths cut at once) was off until the switchover/dual-loss race it found was fixed.
 */
export const DEFAULT_WEIGHTS: Record<Action, number> = {
  kill: 20,
  switchover: 20,
  linkFlap: 15,
  cutPrimary: 15,
  cutStandby: 10,
  cutBoth: 10,
  halfOpen: 3,
  quiet: 17,
};

export interface SoakOptions {
  cycles: number;
  seed?: number;
  /** Progress line every n cycles (0: none). */
  progressEvery?: number;
  log?: (line: string) => void;
  /** Overrides of DEFAULT_WEIGHTS. */
  weights?: Partial<Record<Action, number>>;
  /** Log every cycle's action and the connection state before it. */
  trace?: boolean;
  /** Heap growth allowed (after GC), bytes. */
  heapBoundBytes?: number;
}

export interface ResourceCounts {
  listeners: number;
  timers: number;
  sockets: number;
  servers: number;
}

export interface SoakReport {
  seed: number;
  cycles: number;
  durationMs: number;
  actions: Record<string, number>;
  requests: { total: number; answered: number; rejected: number; byError: Record<string, number> };
  registrations: { user: string[]; sdk: string[]; ringing: string[]; ringingAfterSwitchover: string[] };
  resources: { before: ResourceCounts; after: ResourceCounts };
  heap: { before: number; after: number; peak: number; gc: boolean; boundBytes: number };
  warnings: Record<string, number>;
  failures: string[];
}

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UNIVERSE = ['3000', '3001', '3002', '3003', '3004', '3005', '3006', '3007'];

function counts(conn: TServerConnection): ResourceCounts {
  const info = process.getActiveResourcesInfo();
  return {
    listeners: conn.eventNames().reduce((n, e) => n + conn.listenerCount(e as never), 0),
    timers: info.filter((r) => r === 'Timeout').length,
    sockets: info.filter((r) => r === 'TCPSocketWrap').length,
    servers: info.filter((r) => r === 'TCPServerWrap').length,
  };
}

function settled(rig: PairRig): boolean {
  const { conn, pair } = rig;
  const s = conn.state;
  return (
    pair.a.isRunning &&
    pair.b.isRunning &&
    s.status === 'open' &&
    s.active === rig.proxyOf(pair.primary).url &&
    s.standby === rig.proxyOf(pair.backup).url &&
    s.linkUp === true &&
    !s.resyncing
  );
}

/** Which DNs of the universe ring on the current primary (each call is released afterwards). */
async function ringingDNs(rig: PairRig): Promise<string[]> {
  const { conn, pair } = rig;
  const rang = new Set<string>();
  const on = (e: { ThisDN?: string }) => {
    if (e.ThisDN) rang.add(e.ThisDN);
  };
  conn.on('EventRinging', on as never);
  const calls = UNIVERSE.map((dn) => pair.primary.placeCall(dn));
  await roundTrip(pair.primary); // every EventRinging the primary sent has been read
  conn.off('EventRinging', on as never);
  for (const c of calls) pair.primary.releaseCall(c);
  await roundTrip(pair.primary); // and every release
  return [...rang].sort();
}

export async function soak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const log = options.log ?? (() => undefined);
  const failures: string[] = [];
  const fail = (what: string) => {
    failures.push(what);
    log(`  FAILURE: ${what}`);
  };
  const rig = await pairRig(
    {},
    {
      applicationName: 'soak',
      requestTimeoutMs: 1_500,
      connectTimeoutMs: 1_000,
      // The servers send no ADDP pings of their own (the client's keep the sessions alive and
      // detect a dead path): roundTrip() counts the pongs to its pings.
      addp: { timeoutMs: 300, remoteTimeoutMs: 60_000 },
      reconnect: { minTimeoutMs: 10, maxTimeoutMs: 100, randomize: true },
    },
  );
  const { conn, pair } = rig;
  const warnings: Record<string, number> = {};
  conn.on('protocolWarning', (w) => (warnings[w.code] = (warnings[w.code] ?? 0) + 1));
  const report: SoakReport = {
    seed,
    cycles: 0,
    durationMs: 0,
    actions: {},
    requests: { total: 0, answered: 0, rejected: 0, byError: {} },
    registrations: { user: [], sdk: [], ringing: [], ringingAfterSwitchover: [] },
    resources: { before: counts(conn), after: counts(conn) },
    heap: { before: 0, after: 0, peak: 0, gc: false, boundBytes: options.heapBoundBytes ?? 24 * 2 ** 20 },
    warnings,
    failures,
  };
  const intent = new Set<string>();
  const started = performance.now();
  try {
    await until(() => settled(rig), 'the rig settled', 5_000);
    report.heap.gc = await gcNow();
    report.heap.before = process.memoryUsage().heapUsed;
    report.heap.peak = report.heap.before;
    report.resources.before = counts(conn);

    const weights = Object.entries({ ...DEFAULT_WEIGHTS, ...options.weights }) as Array<[Action, number]>;
    const total = weights.reduce((n, [, w]) => n + w, 0);
    const chooseAction = (): Action => {
      let x = random() * total;
      for (const [a, w] of weights) if ((x -= w) < 0) return a;
      return 'quiet';
    };

    for (let cycle = 0; cycle < options.cycles; cycle++) {
      const action = chooseAction();
      report.actions[action] = (report.actions[action] ?? 0) + 1;
      // 1. Requests in flight.
      const inflight: Array<{ name: string; p: Promise<unknown> }> = [];
      const n = 1 + Math.floor(random() * 6);
      for (let i = 0; i < n; i++) {
        const dn = pick(UNIVERSE);
        const r = random();
        const [name, p] =
          r < 0.25
            ? ['queryServer', conn.queryServer()]
            : r < 0.5
              ? ['queryAddress', conn.queryAddress(dn)]
              : r < 0.6
                ? ['queryLocation', conn.queryLocation()]
                : r < 0.75
                  ? ['sendUserEvent', conn.sendUserEvent(dn)]
                  : r < 0.85
                    ? ['agentLogin', conn.agentLogin(dn, `agent-${dn}`)]
                    : r < 0.95
                      ? ['agentReady', conn.agentReady(dn)]
                      : ['queryCall', conn.queryCall('00000000000000ff')];
        (p as Promise<unknown>).catch(() => undefined); // examined after the disruption
        inflight.push({ name, p: p as Promise<unknown> });
      }
      // 2. Maybe change a registration (the user's intent changes when the server says yes).
      const toggles: Array<{ dn: string; register: boolean; p: Promise<unknown> }> = [];
      if (random() < 0.5) {
        const dn = pick(UNIVERSE);
        const register = !intent.has(dn);
        const p: Promise<unknown> = register ? conn.registerAddress(dn) : conn.unregisterAddress(dn);
        p.catch(() => undefined); // examined after the disruption
        toggles.push({ dn, register, p });
      }
      // 3. Disrupt.
      if (options.trace) log(`  cycle ${cycle}: ${action} (primary ${pair.primary.name}); before: ${JSON.stringify(conn.state)}`);
      let observed: () => boolean = () => true;
      try {
        observed = await disrupt(rig, action, random);
      } catch (err) {
        fail(`cycle ${cycle} (${action}): the disruption failed: ${(err as Error).message}`);
      }
      // 4. Settle: the client has seen the disruption and is back in shape, and stays so once it
      // has read everything both servers sent meanwhile.
      try {
        await until(() => observed() && settled(rig), `settled after ${action}`, 8_000);
        await roundTrip(pair.a);
        await roundTrip(pair.b);
        await until(() => settled(rig), `settled (still) after ${action}`, 8_000);
      } catch (err) {
        fail(`cycle ${cycle} (${action}): ${(err as Error).message}; state ${JSON.stringify(conn.state)}`);
        await recover(rig);
      }
      // 5. Every request settles, with an answer or a typed rejection.
      for (const { name, p } of [...inflight, ...toggles.map((t) => ({ name: t.register ? 'register' : 'unregister', p: t.p }))]) {
        report.requests.total++;
        try {
          await settleWithin(p, 6_000);
          report.requests.answered++;
        } catch (err) {
          report.requests.rejected++;
          if (err instanceof NeverSettled) {
            fail(`cycle ${cycle} (${action}): ${name} never settled`);
          } else if (!(err instanceof TlibError)) {
            fail(`cycle ${cycle} (${action}): ${name} rejected with an untyped ${String(err)}`);
          } else {
            report.requests.byError[err.code] = (report.requests.byError[err.code] ?? 0) + 1;
          }
        }
      }
      // 6. The user insists on their registrations: retry what failed until the server says yes.
      for (const t of toggles) {
        let ok = await t.p.then(
          () => true,
          () => false,
        );
        for (let tries = 0; !ok && tries < 5; tries++) {
          ok = await (t.register ? conn.registerAddress(t.dn) : conn.unregisterAddress(t.dn)).then(
            () => true,
            () => false,
          );
        }
        if (!ok) fail(`cycle ${cycle}: ${t.register ? 'register' : 'unregister'} ${t.dn} kept failing`);
        else if (t.register) intent.add(t.dn);
        else intent.delete(t.dn);
      }
      report.cycles++;
      const heap = process.memoryUsage().heapUsed;
      if (heap > report.heap.peak) report.heap.peak = heap;
      if (options.progressEvery && (cycle + 1) % options.progressEvery === 0) {
        const c = counts(conn);
        log(
          `  cycle ${String(cycle + 1).padStart(5)}  ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s  ` +
            `requests ${report.requests.total} (${report.requests.rejected} typed rejections)  registered ${intent.size}  ` +
            `listeners ${c.listeners} timers ${c.timers} sockets ${c.sockets}  heap ${(heap / 2 ** 20).toFixed(1)} MB  failures ${failures.length}`,
        );
      }
      if (failures.length >= 10) {
        log('  too many failures: stopping');
        break;
      }
    }

    // Final checks: registrations as the user wants them, on the SDK and on both servers.
    await until(() => settled(rig), 'settled at the end', 8_000).catch((e: Error) => fail(e.message));
    report.registrations.user = [...intent].sort();
    report.registrations.sdk = [...conn.registeredDNs].sort();
    report.registrations.ringing = await ringingDNs(rig);
    await pair.switchover();
    await until(() => settled(rig), 'settled after the final switchover', 8_000).catch((e: Error) => fail(e.message));
    report.registrations.ringingAfterSwitchover = await ringingDNs(rig);
    const want = JSON.stringify(report.registrations.user);
    if (JSON.stringify(report.registrations.sdk) !== want)
      fail(`SDK registrations ${JSON.stringify(report.registrations.sdk)} ≠ user's ${want}`);
    if (JSON.stringify(report.registrations.ringing) !== want)
      fail(`the primary rings ${JSON.stringify(report.registrations.ringing)} ≠ user's ${want}`);
    if (JSON.stringify(report.registrations.ringingAfterSwitchover) !== want) {
      fail(`after a switchover the new primary rings ${JSON.stringify(report.registrations.ringingAfterSwitchover)} ≠ user's ${want}`);
    }
    if (conn.state.inFlight !== 0 || conn.state.queued !== 0) fail(`left in flight ${conn.state.inFlight}, queued ${conn.state.queued}`);

    // Resources back to where they started (sockets being closed may take a moment).
    const before = report.resources.before;
    const back = (c: ResourceCounts) =>
      c.listeners === before.listeners && c.sockets <= before.sockets && c.servers <= before.servers && c.timers <= before.timers + 4;
    await until(() => back(counts(conn)), 'resources back to their starting counts', 5_000).catch(() => undefined);
    report.resources.after = counts(conn);
    if (process.env.SOAK_DUMP_SOCKETS) {
      const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
      for (const h of handles) {
        const sck = h as {
          localPort?: number;
          remotePort?: number;
          destroyed?: boolean;
          readyState?: string;
          constructor: { name: string };
        };
        if (sck.localPort !== undefined)
          log(
            `  socket ${sck.constructor.name} local ${sck.localPort} remote ${sck.remotePort} ${sck.readyState} destroyed=${sck.destroyed}`,
          );
      }
      log(
        `  proxies ${rig.proxies.map((p) => `${p.url} open=${p.openConnections}`).join(' ')}; a ${pair.a.url} clients ${pair.a.clientCount}; b ${pair.b.url} clients ${pair.b.clientCount}; state ${JSON.stringify(conn.state)}`,
      );
    }
    if (!back(report.resources.after)) {
      fail(`resources grew: before ${JSON.stringify(before)}, after ${JSON.stringify(report.resources.after)} (timers may exceed by 4)`);
    }
    await gcNow();
    report.heap.after = process.memoryUsage().heapUsed;
    if (report.heap.gc && report.heap.after - report.heap.before > report.heap.boundBytes) {
      fail(
        `heap grew by ${((report.heap.after - report.heap.before) / 2 ** 20).toFixed(1)} MB (bound ${(report.heap.boundBytes / 2 ** 20).toFixed(0)} MB)`,
      );
    }
  } finally {
    report.durationMs = performance.now() - started;
    await rig.stop();
  }
  return report;
}

class NeverSettled extends Error {}

/** `p`'s outcome, or a NeverSettled rejection if it has none after `ms`. */
function settleWithin(p: Promise<unknown>, ms: number): Promise<unknown> {
  let settled = false;
  const note = () => {
    settled = true;
  };
  p.then(note, note); // before within()'s own reaction: a rejection of p is seen as settled
  return within(p, ms, 'a request').catch((err: unknown) => {
    throw settled ? err : new NeverSettled();
  });
}

/**
 * Yields `n` turns of the event loop (each with its I/O poll): where a disruption lands among the
 * requests in flight is then chosen by the seed, in steps of the loop, not of the machine's speed.
 */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function serverOf(pair: HotStandbyPair, which: 'primary' | 'backup'): TServerSimulator {
  return which === 'primary' ? pair.primary : pair.backup;
}

/**
 * Applies `action`; returns a predicate that is true once the client has observed it (so the
 * next disruption does not land before this one was even noticed).
 */
async function disrupt(rig: PairRig, action: Action, random: () => number): Promise<() => boolean> {
  const { pair, conn } = rig;
  await turns(Math.floor(random() * 5)); // let some requests reach the wire, some not
  switch (action) {
    case 'kill': {
      const dead = serverOf(pair, 'primary');
      await pair.kill(dead);
      await until(() => conn.state.active === rig.proxyOf(pair.primary).url, 'switched to the new primary', 5_000);
      await pair.restart(dead);
      // The loss was seen (the client switched); settled() then wants a standby on the restarted
      // server, which only a new session can give.
      return () => true;
    }
    case 'switchover':
      await pair.switchover();
      return () => true; // settled() checks the roles
    case 'linkFlap': {
      const p = serverOf(pair, 'primary');
      let ups = 0;
      const on = () => ups++;
      conn.on('EventLinkConnected', on);
      pair.setLink(p, false);
      await turns(1 + Math.floor(random() * 8)); // requests in flight meet the link down, or not
      pair.setLink(p, true);
      return () => (ups > 0 ? (conn.off('EventLinkConnected', on), true) : false);
    }
    case 'cutPrimary':
    case 'cutStandby': {
      const proxy = rig.proxyOf(action === 'cutPrimary' ? pair.primary : pair.backup);
      const accepted = proxy.accepted;
      proxy.cut({ reset: random() < 0.5 });
      return () => proxy.accepted > accepted; // the client dialled it again
    }
    case 'cutBoth': {
      const accepted = rig.proxies.map((p) => p.accepted);
      for (const p of rig.proxies) p.cut({ reset: random() < 0.5 });
      return () => rig.proxies.every((p, i) => p.accepted > accepted[i]);
    }
    case 'halfOpen': {
      const proxy = rig.proxyOf(pair.primary);
      proxy.blackhole('down');
      await until(() => conn.state.active !== proxy.url, 'ADDP noticed the half-open primary', 3_000);
      proxy.heal();
      return () => true;
    }
    case 'quiet':
      return () => true;
  }
}

/** After a failed settle: heal everything and give it another chance. */
async function recover(rig: PairRig): Promise<void> {
  for (const p of rig.proxies) p.heal();
  for (const s of [rig.pair.a, rig.pair.b]) {
    if (!s.isRunning) await rig.pair.restart(s).catch(() => undefined);
    rig.pair.setLink(s, true);
  }
  await until(() => settled(rig), 'settled after recovery', 10_000).catch(() => undefined);
}
