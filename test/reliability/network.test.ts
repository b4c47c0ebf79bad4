/**
 * The network misbehaves (through a FaultProxy): half-open connections, a slow server, frames
 * split at every byte, latency, cuts and resets, a server that accepts and closes in a loop. The
 * SDK must detect what is dead, keep what is merely slow, recover, and never storm.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TEvent } from '../../src/index.js';
import { nextEvent, outcome, pairRig, singleRig, sleep, until, within, type PairRig, type SingleRig } from './helpers.js';

let rig: SingleRig | PairRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

describe('half-open connections', () => {
  it('a half-open primary (writes succeed, nothing comes back) is declared dead by ADDP; the session recovers when the path heals', async () => {
    // requestTimeoutMs also bounds RequestRegisterClient: a reconnect attempt through the still
    // half-open path gives up after it.
    const r = (rig = await singleRig({ addp: { timeoutMs: 400, remoteTimeoutMs: 400 }, requestTimeoutMs: 1_000 }));
    const { conn, proxy, sim } = r;
    await conn.registerAddress('1001');
    const disconnected = nextEvent(conn, 'EventServerDisconnected', 3_000);
    const since = performance.now();
    proxy.blackhole('down');
    // In flight while the path is half-open: an idempotent query (re-sent after the reconnect) and
    // a non-idempotent request (interrupted: its outcome is unknown).
    const query = outcome(conn.queryServer({ timeoutMs: 8_000 }));
    const userEvent = outcome(conn.sendUserEvent('1001'));
    await disconnected;
    const detectedMs = performance.now() - since;
    expect(detectedMs).toBeGreaterThanOrEqual(300); // never before the silence could tell (how soon: test/transport/keepalive.test.ts)
    expect(conn.state.status).toBe('reconnecting');
    // Attempts through the still half-open path time out; heal and it reconnects.
    await sleep(200); // socket-level: a reconnect attempt must meet the half-open path before it heals
    proxy.heal();
    await until(() => conn.state.status === 'open', 'reopened', 6_000);
    expect(await userEvent).toMatchObject({ error: 'RequestInterruptedError', code: 'ERR_REQUEST_INTERRUPTED', typed: true });
    expect(await query).toEqual({ ok: 'EventServerInfo' });
    // The registration was replayed on the new session: a call to the DN rings here.
    const ringing = nextEvent(conn, 'EventRinging');
    sim.placeCall('1001');
    expect((await ringing).Event).toBe('EventRinging');
    expect(r.rec.errors).toEqual([]);
  });

  it('with a hot standby, a half-open primary fails over to the standby at ADDP speed, and returns to the real primary once the path heals', async () => {
    const r = (rig = await pairRig({}, { addp: { timeoutMs: 400, remoteTimeoutMs: 400 } }));
    const { conn, proxies } = r;
    await conn.registerAddress('1001');
    proxies[0].blackhole('down');
    await until(() => conn.state.active === proxies[1].url, 'switched to the standby', 3_000);
    const lost = r.rec.events.filter((e) => e.Event === 'EventServerDisconnected');
    expect(lost.map((e) => e.Server)).toEqual([proxies[0].url]);
    // The backup refuses what only a primary does; that is a typed answer, not a hang.
    const refused = await outcome(conn.queryServer());
    expect(refused).toEqual({ ok: 'EventServerInfo' }); // QueryServer is answered by a backup too
    const notPrimary = await outcome(conn.agentLogin('1001', 'agent-1'));
    expect(notPrimary).toMatchObject({ error: 'TServerError', typed: true });
    proxies[0].heal();
    // The standby loop re-opens a session to a; a says it is primary (RestoreConnection role 0).
    await until(() => conn.state.active === proxies[0].url, 'back on the real primary', 8_000);
    const answer = await conn.queryAddress('1001');
    expect(answer.Server).toBe(proxies[0].url);
    expect(r.rec.errors).toEqual([]);
  });
});

describe('a slow server', () => {
  it('1 byte/ms: every frame is still decoded, no healthy request times out, ADDP does not misfire', { timeout: 30_000 }, async () => {
    // ADDP counts whole frames (wire spec: "no frame at all within its timeout after a ping"), so
    // its budget must exceed the time the largest frame takes at this rate (~450 bytes here).
    const r = (rig = await singleRig({ addp: { timeoutMs: 1_500, remoteTimeoutMs: 1_500 }, requestTimeoutMs: 5_000 }));
    const { conn, proxy, sim } = r;
    await conn.registerAddress('1001');
    proxy.throttle('down', { bytes: 1, everyMs: 1 });
    const bytesBefore = proxy.bytes.down;
    const started = performance.now();
    for (let i = 0; i < 4; i++) {
      expect((await conn.queryServer()).Event).toBe('EventServerInfo');
      expect((await conn.queryAddress('1001')).ThisDN).toBe('1001');
    }
    const ringing = nextEvent(conn, 'EventRinging', 10_000);
    const userData: [string, string][] = Array.from({ length: 8 }, (_, i) => [`key${i}`, 'x'.repeat(40)]);
    sim.placeCall('1001', { userData });
    const e = (await ringing) as TEvent & { UserData: [string, string][] };
    expect(e.UserData).toEqual(userData);
    const elapsed = performance.now() - started;
    const bytes = proxy.bytes.down - bytesBefore;
    expect(bytes).toBeGreaterThan(600);
    expect(elapsed).toBeGreaterThanOrEqual(bytes * 0.9); // it really was ≤ ~1 byte/ms
    expect(r.rec.names()).not.toContain('EventServerDisconnected');
    expect(conn.state.status).toBe('open');
    expect(r.rec.errors).toEqual([]);
  });

  it('frames split at every byte decode exactly, and pipelined answers all match their requests', async () => {
    const r = (rig = await singleRig());
    const { conn, proxy, sim } = r;
    proxy.splitEveryByte('down');
    const dns = ['1001', '1002', '1003', '1004', '1005'];
    const regs = await Promise.all(dns.map((dn) => conn.registerAddress(dn)));
    expect(regs.map((e) => e.ThisDN)).toEqual(dns);
    const answers = await Promise.all(dns.map((dn) => conn.queryAddress(dn)));
    expect(answers.map((e) => e.ThisDN)).toEqual(dns);
    const ringing = nextEvent(conn, 'EventRinging');
    sim.placeCall('1003', { userData: [['nested', [['deep', [['deeper', 'é日本😀']]]]]] });
    const e = (await ringing) as TEvent & { ThisDN: string; UserData: unknown };
    expect(e.ThisDN).toBe('1003');
    expect(e.UserData).toEqual([['nested', [['deep', [['deeper', 'é日本😀']]]]]]);
    expect(r.rec.warnings).toEqual([]);
    expect(r.rec.names()).not.toContain('EventServerDisconnected');
  });

  it('latency below the ADDP budget (80 ms each way) is tolerated: no disconnect while idle or busy', async () => {
    const r = (rig = await singleRig({ addp: { timeoutMs: 400, remoteTimeoutMs: 400 } }));
    const { conn, proxy } = r;
    proxy.delay('both', 80);
    await sleep(1_200); // socket-level: several ADDP rounds through the proxy's real latency while idle
    const started = performance.now();
    await conn.queryServer();
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    await Promise.all([conn.queryServer(), conn.queryAddress('1001'), conn.queryServer()]);
    expect(r.rec.names()).not.toContain('EventServerDisconnected');
    expect(conn.state.status).toBe('open');
  });
});

describe('cuts', () => {
  for (const reset of [false, true]) {
    it(`a ${reset ? 'reset (RST)' : 'closed (FIN)'} connection is reconnected; registrations are replayed; in-flight idempotent requests are answered`, async () => {
      const r = (rig = await singleRig());
      const { conn, proxy, sim } = r;
      await conn.registerAddress('1001');
      proxy.delay('down', 50); // keep the next answers in flight
      const queries = [outcome(conn.queryServer()), outcome(conn.queryAddress('1001'))];
      await until(() => conn.state.inFlight >= 2, 'requests in flight');
      const reconnected = nextEvent(conn, 'EventServerConnected');
      proxy.cut({ reset });
      proxy.heal();
      expect(await within(Promise.all(queries), 5_000, 'in-flight queries')).toEqual([
        { ok: 'EventServerInfo' },
        { ok: 'EventAddressInfo' },
      ]);
      await reconnected;
      const ringing = nextEvent(conn, 'EventRinging');
      sim.placeCall('1001');
      await ringing;
      const names = r.rec.names();
      expect(names.indexOf('EventServerDisconnected')).toBeLessThan(names.lastIndexOf('EventServerConnected'));
      expect(proxy.accepted).toBe(2);
    });
  }

  it('50 cuts in a row: every request settles, no socket or listener is left behind', { timeout: 30_000 }, async () => {
    const r = (rig = await singleRig({ addp: false }));
    const { conn, proxy } = r;
    await conn.registerAddress('1001');
    const listeners = () => conn.eventNames().reduce((n, e) => n + conn.listenerCount(e as never), 0);
    const before = listeners();
    const settled: Array<Promise<unknown>> = [];
    for (let i = 0; i < 50; i++) {
      settled.push(outcome(conn.queryServer()), outcome(conn.sendUserEvent('1001')));
      const reconnected = nextEvent(conn, 'EventServerConnected');
      proxy.cut({ reset: i % 2 === 0 });
      await reconnected;
    }
    expect(r.rec.names().filter((n) => n === 'EventServerDisconnected')).toHaveLength(50);
    const results = await within(Promise.all(settled), 5_000, 'all requests');
    for (const o of results as Array<{ ok?: string; typed?: boolean }>) expect(o.ok !== undefined || o.typed === true).toBe(true);
    expect(listeners()).toBe(before);
    expect(conn.state.inFlight).toBe(0);
    expect(conn.state.queued).toBe(0);
    await until(() => proxy.openConnections === 1, 'one live proxied connection');
  });
});

describe('a server that accepts and closes at once, in a loop', () => {
  it('before registering: reconnects back off exponentially with jitter; attempts are counted and bounded', async () => {
    const r = (rig = await singleRig({ reconnect: { minTimeoutMs: 50, maxTimeoutMs: 400, factor: 2, randomize: true }, addp: false }));
    const { conn, proxy } = r;
    proxy.mode = 'acceptAndClose';
    const first = proxy.accepted;
    proxy.cut();
    await sleep(1_600); // socket-level: the reconnect loop's attempts against a real accept-and-close peer, counted below
    const times = proxy.acceptTimes.slice(first);
    const attempts = times.length;
    // Deterministic schedule: ~0, 50–100, 150–300, 350–700, 750–1100, 1150–1500 ms (+ connect time).
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(9);
    expect(r.rec.reconnectFailures).toBeGreaterThanOrEqual(attempts - 1);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // No storm: no two attempts closer than the minimum delay.
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(45);
    // Exponential with jitter: each gap within [base, 2·base] (+ slack), not all exactly base.
    const ratios = gaps.slice(0, 3).map((g, i) => g / Math.min(50 * 2 ** i, 400));
    for (const q of ratios) {
      expect(q).toBeGreaterThanOrEqual(0.9);
      expect(q).toBeLessThan(2.6);
    }
    expect(ratios.some((q) => q > 1.05)).toBe(true);
    // The server comes back: the loop finds it.
    proxy.mode = 'forward';
    await until(() => conn.state.status === 'open', 'reopened', 3_000);
  });

  it('after registering: a server that drops every client right after RequestRegisterClient is not re-dialled in a storm', async () => {
    const r = (rig = await singleRig({ reconnect: { minTimeoutMs: 50, maxTimeoutMs: 400, factor: 2, randomize: true }, addp: false }));
    const { conn, proxy, sim } = r;
    let drop = true;
    sim.on('request', (info) => {
      if (drop && info.name === 'RequestRegisterClient') setImmediate(() => sim.dropClients());
    });
    const first = proxy.accepted;
    sim.dropClients();
    await sleep(1_600); // socket-level: sessions that die young, dialled again and again over real sockets, counted below
    drop = false;
    const attempts = proxy.accepted - first;
    // The same schedule as above allows ~6 attempts in 1.6 s; a storm makes hundreds.
    expect(attempts).toBeLessThanOrEqual(12);
    await until(() => conn.state.status === 'open', 'reopened', 3_000);
  });
});
