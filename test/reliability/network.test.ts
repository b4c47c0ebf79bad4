/**
 * The network misbehaves (through a FaultProxy): half-open connections, a slow server, frames
 * split at every byte, latency, cuts and resets, a server that accepts and closes in a loop. The
 * SDK must detect what is dead, keep what is merely slow, recover, and never storm.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TEvent } from '../../src/index.js';
import { lossesOf, nextEvent, outcome, pairRig, singleRig, until, within, type PairRig, type SingleRig } from './helpers.js';
import { SteppedClock, type SteppedTimer } from './stepped-clock.js';

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
    const losses = lossesOf(conn);
    const disconnected = nextEvent(conn, 'EventServerDisconnected', 5_000);
    const since = performance.now();
    proxy.blackhole('down');
    // In flight while the path is half-open: an idempotent query (re-sent after the reconnect) and
    // a non-idempotent request (interrupted: its outcome is unknown).
    const query = outcome(conn.queryServer({ timeoutMs: 8_000 }));
    const userEvent = outcome(conn.sendUserEvent('1001'));
    await disconnected;
    expect(performance.now() - since).toBeGreaterThanOrEqual(300);
    // Declared dead by ADDP, not by a request timeout or a socket error (the verdict's timing is
    // tested on a fake clock in test/transport/keepalive.test.ts).
    expect(losses.map((l) => [l.server, l.reason.code])).toEqual([[proxy.url, 'ERR_ADDP_TIMEOUT']]);
    expect(conn.state.status).toBe('reconnecting');
    // An attempt through the still half-open path times out (no answer to RequestRegisterClient);
    // heal and it reconnects.
    await until(() => r.rec.reconnectFailures >= 1, 'a reconnect attempt through the half-open path to fail', 5_000);
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
    const losses = lossesOf(conn);
    proxies[0].blackhole('down');
    await until(() => conn.state.active === proxies[1].url, 'switched to the standby', 5_000);
    // ADDP declared the primary dead; the standby session took over without a dial.
    expect(losses.map((l) => [l.server, l.reason.code])).toEqual([[proxies[0].url, 'ERR_ADDP_TIMEOUT']]);
    expect(r.rec.reconnectFailures).toBe(0);
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
    const { conn, proxy, sim } = r;
    proxy.delay('both', 80);
    // Several ADDP rounds while idle (whichever side pings: a frame heard resets the other's idle
    // time), each round trip 160 ms of a 400 ms budget.
    const rounds = () => sim.addpStats().pingsReceived + sim.addpStats().pongsReceived;
    const roundsBefore = rounds();
    await until(() => rounds() >= roundsBefore + 4, 'four ADDP rounds', 5_000);
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

/**
 * The reconnect loop on a clock the test moves (over real sockets): waits, bounded in real time,
 * until the loop waits on its next backoff, then fires it. The deadlines (registration, requests)
 * are far longer than any backoff, so the newest timer of at most `maxTimeoutMs` is the backoff,
 * and one set after the last fired means the attempt before it is over.
 */
class BackoffDriver {
  /** Clock time of every attempt the proxy accepted, in order. */
  readonly attempts: number[] = [];
  private last = 0;

  constructor(
    private readonly clock: SteppedClock,
    private readonly maxTimeoutMs: number,
    private readonly accepted: () => number,
  ) {}

  /** The next backoff, once the loop waits on it; the attempts made since the last one are noted. */
  async next(): Promise<SteppedTimer> {
    const backoff = await until(
      () => this.clock.waiting().find((t) => t.ms <= this.maxTimeoutMs && t.id > this.last),
      'the next reconnect backoff',
    );
    while (this.attempts.length < this.accepted()) this.attempts.push(this.clock.now());
    return backoff;
  }

  fire(backoff: SteppedTimer): void {
    this.last = backoff.id;
    this.clock.fire(backoff);
  }

  /** Fires every backoff due within `windowMs` of clock time; returns how many dials each one led to. */
  async run(windowMs: number): Promise<number[]> {
    const dialsPerBackoff: number[] = [];
    // Bounded: the schedule allows 8 backoffs in the window at most.
    for (let step = 0; step < 20; step++) {
      const before = this.accepted();
      const backoff = await this.next();
      if (step > 0) dialsPerBackoff.push(this.accepted() - before);
      if (backoff.at > windowMs) return dialsPerBackoff;
      this.fire(backoff);
    }
    throw new Error(`more than 20 backoffs within ${windowMs} ms of clock time`);
  }
}

describe('a server that accepts and closes at once, in a loop', () => {
  const reconnect = { minTimeoutMs: 50, maxTimeoutMs: 400, factor: 2, randomize: true };
  // The connection's timers run on a clock the test moves; its deadlines are far past the window.
  const slowDeadlines = { reconnect, addp: false as const, requestTimeoutMs: 60_000 };

  it('before registering: reconnects back off exponentially with jitter; attempts are counted and bounded', async () => {
    const clock = new SteppedClock();
    const r = (rig = await singleRig(slowDeadlines, {}, { clock }));
    const { conn, proxy } = r;
    proxy.mode = 'acceptAndClose';
    const first = proxy.accepted;
    const loop = new BackoffDriver(clock, reconnect.maxTimeoutMs, () => proxy.accepted - first);
    proxy.cut();
    const dialsPerBackoff = await loop.run(1_600);
    const times = loop.attempts;
    // No storm: exactly one dial after each backoff, and every attempt failed and was reported.
    expect(dialsPerBackoff.every((n) => n === 1)).toBe(true);
    expect(r.rec.reconnectFailures).toBe(times.length);
    // Exponential with jitter: gap i within [base, 2·base] of base = min(50·2^i, 400), not all at base.
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const bases = gaps.map((_, i) => Math.min(reconnect.minTimeoutMs * 2 ** i, reconnect.maxTimeoutMs));
    gaps.forEach((g, i) => {
      expect(g, `gap ${i} of ${JSON.stringify(gaps)}`).toBeGreaterThanOrEqual(bases[i]);
      expect(g, `gap ${i} of ${JSON.stringify(gaps)}`).toBeLessThanOrEqual(Math.min(2 * bases[i], reconnect.maxTimeoutMs));
    });
    expect(gaps.slice(0, 3).some((g, i) => g > bases[i])).toBe(true);
    // Gaps of 50–100, 100–200, 200–400, then 400 ms: 6 or 7 attempts fit in 1.6 s (+ the first wait).
    expect(times.length).toBeGreaterThanOrEqual(6);
    expect(times.length).toBeLessThanOrEqual(7);
    // The server comes back: the loop finds it.
    proxy.mode = 'forward';
    loop.fire(await loop.next());
    await until(() => conn.state.status === 'open', 'reopened', 5_000);
  });

  // The sessions here open and then die young, each one a fresh loss of the active session: the
  // backoff must carry over from one to the next, or the server is re-dialled in a tight loop
  // (thousands of connections a second).
  it('after registering: a server that drops every client right after RequestRegisterClient is not re-dialled in a storm', async () => {
    const clock = new SteppedClock();
    const r = (rig = await singleRig(slowDeadlines, {}, { clock }));
    const { conn, proxy, sim } = r;
    let drop = true;
    sim.on('request', (info) => {
      if (drop && info.name === 'RequestRegisterClient') setImmediate(() => sim.dropClients());
    });
    const first = proxy.accepted;
    const loop = new BackoffDriver(clock, reconnect.maxTimeoutMs, () => proxy.accepted - first);
    sim.dropClients();
    const dialsPerBackoff = await loop.run(1_600);
    drop = false;
    const times = loop.attempts;
    expect(dialsPerBackoff.every((n) => n === 1)).toBe(true);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // The same schedule as above: the backoff grows from session to session.
    gaps.forEach((g, i) => {
      expect(g, `gap ${i} of ${JSON.stringify(gaps)}`).toBeGreaterThanOrEqual(
        Math.min(reconnect.minTimeoutMs * 2 ** i, reconnect.maxTimeoutMs),
      );
    });
    expect(times.length).toBeLessThanOrEqual(7);
    loop.fire(await loop.next());
    await until(() => conn.state.status === 'open', 'reopened', 5_000);
  });
});
