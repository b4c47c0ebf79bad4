/**
 * Connection loss and recovery against real simulators: EventServerDisconnected, in-flight requests
 * re-sent (idempotent) or interrupted (others), reconnect with backoff alternating primary and
 * backup, and the replay of DNs, input mask and subscriptions before EventServerConnected, checked
 * on the simulator's side.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type TServerConnection, defaultRetryStrategy } from '../../src/connection/index.js';
import { ConnectionClosedError, NotConnectedError, RequestInterruptedError } from '../../src/errors.js';
import type { TimeValue } from '../../src/protocol/attributes.js';
import { HotStandbyPair, SharedState, inputMaskOf } from '../../src/simulator/index.js';
import { ConnRecorder, Harness, SimRecorder, fastOptions, outcomeOf, track, waitUntil } from '../support/connection-helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

/** Captures, at the moment EventServerConnected is emitted, what `capture` returns. */
function atServerConnected<T>(conn: TServerConnection, capture: () => T): T[] {
  const seen: T[] = [];
  conn.on('EventServerConnected', () => seen.push(capture()));
  return seen;
}

describe('loss and replay', () => {
  it('dropped socket: EventServerDisconnected, reconnect, replay (DNs not unregistered, mask, subscriptions), then EventServerConnected', async () => {
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    const { conn, rec } = await h.open(sim);
    await conn.registerAddress('1001');
    await conn.registerAddress('1002');
    await conn.registerAddress('1003');
    await conn.unregisterAddress('1003');
    const mask = inputMaskOf(['EventRegistered', 'EventReleased', 'EventTransactionStatus']);
    await conn.setInputMask(mask);
    const kept = await conn.transactionMonitoring({ SubscriptionOperation: 1, TransactionType: 5 });
    const stopped = await conn.transactionMonitoring({ SubscriptionOperation: 1, TransactionType: 6 });
    await conn.transactionMonitoring({ SubscriptionOperation: 2, SubscriptionID: stopped.SubscriptionID });
    const firstClient = srec.lastClient;
    // What the simulator has from the new socket when users hear EventServerConnected.
    const snapshots = atServerConnected(conn, () => ({
      client: srec.lastClient,
      requests: srec.of(srec.lastClient).map((r) => r.name),
      dns: srec.dnsOf(srec.lastClient),
    }));
    const since = rec.mark();

    sim.dropClients();

    await rec.waitFor('EventServerConnected', { since });
    expect(rec.names(since).slice(0, 3)).toEqual(['EventServerDisconnected', 'EventServerConnected', 'EventLinkConnected']);
    expect(rec.of('EventServerDisconnected', since)[0]).toEqual({ Event: 'EventServerDisconnected', Server: sim.url });
    expect(rec.errors).toEqual([]);

    const newClient = srec.lastClient;
    expect(newClient).not.toBe(firstClient);
    const sent = srec.of(newClient);
    expect(sent[0].name).toBe('RequestRegisterClient');
    expect(sent[0].attributes.ApplicationName).toBe('conn-test');
    expect(sent.filter((r) => r.name === 'RequestRegisterAddress').map((r) => r.attributes.ThisDN)).toEqual(['1001', '1002']);
    expect(sent.filter((r) => r.name === 'RequestSetInputMask').map((r) => Buffer.from(r.attributes.InputMask as Uint8Array))).toEqual([
      Buffer.from(mask),
    ]);
    const subs = sent.filter((r) => r.name === 'RequestTransactionMonitoring');
    expect(subs.map((r) => [r.attributes.SubscriptionOperation, r.attributes.TransactionType])).toEqual([[1, 5]]);

    // All of it reached the simulator before users were told the server is back.
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0].client).toBe(newClient);
    expect(snapshots[0].dns).toEqual(['1001', '1002']);
    expect(snapshots[0].requests).toEqual(
      expect.arrayContaining(['RequestRegisterClient', 'RequestRegisterAddress', 'RequestSetInputMask', 'RequestTransactionMonitoring']),
    );

    // The simulator acts on it: calls ring on 1001 and 1002 only, the mask filters, the subscription is live.
    const before = rec.mark();
    const c1 = sim.placeCall('1001');
    const c3 = sim.placeCall('1003');
    sim.releaseCall(c1);
    sim.releaseCall(c3);
    await rec.waitFor('EventReleased', { since: before, predicate: (e) => e.ConnID === c1 });
    await conn.queryServer(); // its answer comes after anything the server sent before it (one socket keeps its order)
    expect(rec.names(before).filter((n) => n !== 'EventServerInfo')).toEqual(['EventReleased']); // EventRinging masked; nothing on 1003
    let live: number | undefined;
    for (let id = 1; id <= 10; id++) if (id !== kept.SubscriptionID && sim.emitTransactionStatus(id)) live = id;
    expect(live).toBeDefined();
    // Users see the SubscriptionID they were given, not the one the replay got from the server.
    await rec.waitFor('EventTransactionStatus', { since: before, predicate: (e) => e.SubscriptionID === kept.SubscriptionID });
    expect(conn.registeredDNs).toEqual(['1001', '1002']);
  });

  it('server killed mid-request: idempotent requests are re-sent and answered, the others rejected with RequestInterruptedError', async () => {
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    const { conn, rec } = await h.open(sim);
    await conn.registerAddress('1001');
    await conn.agentLogin('1001', 'ag1');
    sim.freeze(true); // the server reads and discards: requests stay in flight
    const query = track(conn.queryAddress('1001'));
    const register = track(conn.registerAddress('1002'));
    const serverInfo = track(conn.queryServer());
    const ready = track(conn.agentReady('1001'));
    const call = track(conn.makeCall('1001', '1002'));
    const userEvent = track(conn.sendUserEvent('1001'));
    await waitUntil(() => conn.state.inFlight === 6, 'six requests in flight');
    const since = rec.mark();
    sim.freeze(false);
    sim.dropClients();

    const outs = await Promise.all([query, register, serverInfo, ready, call, userEvent].map((t) => t.result));
    const [q, reg, info, rdy, mk, ue] = outs;
    expect(q).toMatchObject({ ok: true, value: { Event: 'EventAddressInfo', ThisDN: '1001', AgentStatus: 2 } });
    expect(reg).toMatchObject({ ok: true, value: { Event: 'EventRegistered', ThisDN: '1002' } });
    expect(info).toMatchObject({ ok: true, value: { Event: 'EventServerInfo' } });
    for (const [out, name] of [
      [rdy, 'RequestAgentReady'],
      [mk, 'RequestMakeCall'],
      [ue, 'RequestDistributeUserEvent'],
    ] as const) {
      expect(out.ok).toBe(false);
      if (out.ok) continue;
      expect(out.error).toBeInstanceOf(RequestInterruptedError);
      expect(out.error.code).toBe('ERR_REQUEST_INTERRUPTED');
      expect(out.error.request.name).toBe(name);
    }
    // Re-sent on the new socket: the idempotent ones only. The others were never re-sent.
    const resent = srec.of(srec.lastClient).map((r) => r.name);
    expect(resent).toEqual(expect.arrayContaining(['RequestQueryAddress', 'RequestQueryServer']));
    expect(resent.filter((n) => n === 'RequestRegisterAddress')).toHaveLength(2); // 1001 replayed, 1002 re-sent
    expect(sim.requestCounts().RequestAgentReady ?? 0).toBe(0);
    expect(sim.requestCounts().RequestMakeCall ?? 0).toBe(0);
    expect(sim.requestCounts().RequestDistributeUserEvent ?? 0).toBe(0);
    expect(srec.dnsOf(srec.lastClient)).toEqual(['1001', '1002']);
    expect(conn.registeredDNs).toEqual(['1001', '1002']);
    expect(rec.names(since)).toContain('EventServerConnected');
    expect(conn.state.inFlight).toBe(0);
  });

  it('server stopped then restarted: reconnectFailed while down, then back with the DNs re-registered on the server', async () => {
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    const { conn, rec } = await h.open(sim, { reconnect: { minTimeoutMs: 20, maxTimeoutMs: 40, factor: 2, randomize: false } });
    await conn.registerAddress('1001');
    await conn.registerAddress('1002');
    const since = rec.mark();
    await sim.stop();
    await rec.waitFor('EventServerDisconnected', { since });
    expect(conn.state.status).toBe('reconnecting');
    await waitUntil(() => rec.reconnectFailures.length >= 3, 'three failed reconnect attempts');
    for (const f of rec.reconnectFailures) {
      expect(f.value.server).toBe(sim.url);
      expect(f.value.error).toMatchObject({ code: 'ERR_CONNECT' });
    }
    expect(rec.reconnectFailures.map((f) => f.value.attempt).slice(0, 3)).toEqual([1, 2, 3]);
    const query = track(conn.queryAddress('1001')); // waits offline
    await sim.start();
    await rec.waitFor('EventServerConnected', { since });
    expect(conn.state.status).toBe('open');
    expect((await query.result).ok).toBe(true);
    // The restarted server knows the DNs: agent requests on them are accepted (41 otherwise).
    expect(srec.dnsOf(srec.lastClient)).toEqual(['1001', '1002']);
    await expect(conn.agentLogin('1002', 'ag2')).resolves.toMatchObject({ Event: 'EventAgentLogin' });
    // One loss, one recovery, whatever the number of failed attempts in between.
    expect(rec.of('EventServerDisconnected', since)).toHaveLength(1);
    expect(rec.of('EventServerConnected', since)).toHaveLength(1);
    expect(rec.errors).toEqual([]);
  });

  it('events the server sends during the replay are held until after EventServerConnected', async () => {
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    const { conn, rec } = await h.open(sim);
    await conn.registerAddress('1001');
    const first = srec.lastClient;
    let injected = false;
    sim.on('request', (r) => {
      // As the replayed registration arrives on the new socket, an unsolicited event goes out first.
      if (r.name === 'RequestRegisterAddress' && r.clientId !== first && !injected) {
        injected = true;
        sim.sendEvent('EventUserEvent', { ThisDN: '1001', CustomerID: 'during-replay' });
      }
    });
    const since = rec.mark();
    sim.dropClients();
    await rec.waitFor('EventUserEvent', { since });
    expect(injected).toBe(true);
    expect(rec.names(since)).toEqual(['EventServerDisconnected', 'EventServerConnected', 'EventLinkConnected', 'EventUserEvent']);
  });

  it("a connection without an 'error' listener survives routine reconnects", async () => {
    const sim = await h.sim();
    const conn = h.conn(fastOptions(sim.url));
    await conn.open();
    expect(conn.listenerCount('error')).toBe(0);
    for (let i = 0; i < 3; i++) {
      const back = new Promise<void>((resolve) => conn.once('EventServerConnected', () => resolve()));
      sim.dropClients();
      await outcomeOf(back, 2_000); // an event wait, bounded (it throws past 2 s)
    }
    await expect(conn.queryServer()).resolves.toBeDefined();
  });
});

describe('a server that comes back with a fresh sequence', () => {
  it('its events and answers are not dropped as duplicates', async () => {
    const sim1 = await h.sim();
    const { conn, rec } = await h.open(sim1, { requestTimeoutMs: 800 });
    await conn.registerAddress('1001');
    for (let i = 0; i < 5; i++) await conn.queryServer();
    const port = sim1.address().port;
    const since = rec.mark();
    await sim1.stop();
    await rec.waitFor('EventServerDisconnected', { since });
    const lostAt = performance.now();
    // The restarted process: a fresh state, started within the same second as the first one.
    const fresh = new SharedState();
    const t = sim1.shared.serverStartTime;
    (fresh as unknown as { serverStartTime: TimeValue }).serverStartTime = {
      seconds: t.seconds,
      microseconds: (t.microseconds + 1000) % 1_000_000,
    };
    const sim2 = await h.sim({ port, shared: fresh });
    const srec2 = new SimRecorder(sim2);
    const back = await rec.waitFor('EventServerConnected', { since });
    expect(back.at - lostAt).toBeLessThan(500); // not held by a replay whose answer was dropped
    expect(srec2.dnsOf(srec2.lastClient)).toEqual(['1001']);
    await expect(conn.queryServer({ timeoutMs: 500 })).resolves.toMatchObject({ Event: 'EventServerInfo' });
    const ring = rec.mark();
    sim2.placeCall('1001');
    await rec.waitFor('EventRinging', { since: ring, timeoutMs: 500 });
  });
});

describe('transaction-monitoring subscriptions across a reconnect', () => {
  it('can still be stopped with the SubscriptionID users were given, and is then not replayed', async () => {
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    const { conn, rec } = await h.open(sim);
    const sub = await conn.transactionMonitoring({ SubscriptionOperation: 1, TransactionType: 3 });
    let since = rec.mark();
    sim.dropClients();
    await rec.waitFor('EventServerConnected', { since });
    await expect(conn.transactionMonitoring({ SubscriptionOperation: 2, SubscriptionID: sub.SubscriptionID })).resolves.toMatchObject({
      Event: 'EventACK',
    });
    since = rec.mark();
    sim.dropClients();
    await rec.waitFor('EventServerConnected', { since });
    expect(srec.of(srec.lastClient, 'RequestTransactionMonitoring')).toHaveLength(0);
  });
});

describe('hot-standby pair', () => {
  it('the backup learned from EventRestoreConnection takes over when the primary dies; DNs are registered there', async () => {
    const pair = await HotStandbyPair.start();
    try {
      const bRec = new SimRecorder(pair.b);
      // Only the primary is configured: the backup's address comes from EventRestoreConnection.
      const conn = h.conn(fastOptions(pair.a.url));
      const rec = new ConnRecorder(conn);
      await conn.open();
      await conn.registerAddress('1001');
      await waitUntil(() => conn.state.backupEndpoint === pair.b.url, 'the backup to be learned');
      const since = rec.mark();
      await pair.killPrimary();
      await rec.waitFor('EventServerDisconnected', { since });
      expect(rec.of('EventServerDisconnected', since)[0].Server).toBe(pair.a.url);
      await waitUntil(() => conn.state.active === pair.b.url && conn.state.status === 'open', 'b to be active');
      await waitUntil(() => bRec.dnsOf(bRec.lastClient).includes('1001'), '1001 registered on b');
      await expect(conn.queryServer()).resolves.toMatchObject({ Event: 'EventServerInfo', Server: pair.b.url, ServerRole: 0 });
      const ring = rec.mark();
      pair.b.placeCall('1001');
      await rec.waitFor('EventRinging', { since: ring, predicate: (e) => e.Server === pair.b.url });
      expect(rec.errors).toEqual([]);
    } finally {
      await pair.stop();
    }
  });
});

describe('reconnect policy', () => {
  it('alternates primary and backup while both are down, then takes whichever comes back', async () => {
    // Two lone servers numbering events from one counter (as a synchronized pair does), so the
    // duplicate filter has no say here; see the BUG test below for independent numbering.
    const shared = new SharedState();
    const a = await h.deadSim({ name: 'a', shared });
    const b = await h.deadSim({ name: 'b', shared });
    await a.start();
    const conn = h.conn(fastOptions(a.url, { backup: b.url, reconnect: { minTimeoutMs: 10, maxTimeoutMs: 20, randomize: false } }));
    const rec = new ConnRecorder(conn);
    await conn.open();
    await conn.registerAddress('1001');
    await a.stop();
    await waitUntil(() => rec.reconnectFailures.length >= 6, 'six failed attempts');
    const servers = rec.reconnectFailures.slice(0, 6).map((f) => f.value.server);
    expect(servers).toEqual([a.url, b.url, a.url, b.url, a.url, b.url]);
    const bRec = new SimRecorder(b);
    await b.start();
    const back = await rec.waitFor('EventServerConnected', { predicate: (e) => e.Server === b.url });
    expect(back.value.Server).toBe(b.url);
    expect(conn.state.active).toBe(b.url);
    expect(bRec.dnsOf(bRec.lastClient)).toEqual(['1001']);
  });

  it('with both known and the primary dead, the next attempt goes to the backup', async () => {
    const shared = new SharedState();
    const a = await h.sim({ name: 'a', shared });
    const b = await h.sim({ name: 'b', shared });
    const bRec = new SimRecorder(b);
    const conn = h.conn(fastOptions(a.url, { backup: b.url }));
    const rec = new ConnRecorder(conn);
    await conn.open();
    expect(conn.state.active).toBe(a.url);
    await conn.registerAddress('1001');
    const since = rec.mark();
    await a.stop();
    await rec.waitFor('EventServerConnected', { since });
    expect(rec.of('EventServerDisconnected', since)[0].Server).toBe(a.url);
    expect(rec.of('EventServerConnected', since)[0].Server).toBe(b.url);
    expect(bRec.dnsOf(bRec.lastClient)).toEqual(['1001']);
    expect(rec.reconnectFailures.map((f) => f.value.server)).toEqual([a.url]);
  });

  it('backs off exponentially (randomize: false) and gives up after `retries`: queued requests fail with NotConnectedError', async () => {
    const sim = await h.sim();
    const conn = h.conn(
      fastOptions(sim.url, { reconnect: { retries: 3, minTimeoutMs: 30, maxTimeoutMs: 1000, factor: 2, randomize: false } }),
    );
    const rec = new ConnRecorder(conn);
    await conn.open();
    await sim.stop();
    const queued = track(conn.queryServer({ timeoutMs: 3000 }));
    await waitUntil(() => conn.state.status === 'closed', 'the reconnect loop to give up', 3000);
    expect(rec.reconnectFailures.map((f) => f.value.attempt)).toEqual([1, 2, 3, 4]);
    const at = rec.reconnectFailures.map((f) => f.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    // Delays 30, 60, 120 ms (p-retry: minTimeout · factor^n); a refused connect is quick.
    expect(gaps[0]).toBeGreaterThanOrEqual(28);
    expect(gaps[1]).toBeGreaterThanOrEqual(58);
    expect(gaps[2]).toBeGreaterThanOrEqual(118);
    const out = await queued.result;
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toBeInstanceOf(NotConnectedError);
      expect(out.error.code).toBe('ERR_NOT_CONNECTED');
    }
    expect(rec.errors).toEqual([]);
    await expect(conn.queryServer()).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('randomize: true spreads the delays within [d, 2d) (jitter), and each attempt waits its delay', async () => {
    const sim = await h.sim();
    // The default strategy with jitter, recorded: the delays it gives are checked exactly, and the
    // connection is checked to wait at least each one (a busy machine may only make a gap longer).
    const jittered = defaultRetryStrategy({ retries: Infinity, minTimeoutMs: 25, maxTimeoutMs: 1000, factor: 1, randomize: true });
    const asked: number[] = [];
    const retryStrategy = (attempt: number) => {
      const ms = jittered(attempt);
      if (ms !== null) asked.push(ms);
      return ms;
    };
    const conn = h.conn(fastOptions(sim.url, { reconnect: undefined, retryStrategy }));
    const rec = new ConnRecorder(conn);
    await conn.open();
    await sim.stop();
    await waitUntil(() => rec.reconnectFailures.length >= 8, 'eight failed attempts', 10_000);
    const at = rec.reconnectFailures.slice(0, 8).map((f) => f.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    for (const ms of asked) {
      expect(ms).toBeGreaterThanOrEqual(25);
      expect(ms).toBeLessThanOrEqual(50); // 25 × [1, 2), rounded
    }
    expect(Math.max(...asked) - Math.min(...asked)).toBeGreaterThan(2);
    // The first delay comes after the loss, before attempt 1; attempt i+2 fails after waiting the
    // delay asked when attempt i+1 failed (timer rounding: 2 ms).
    for (let i = 0; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(asked[i + 1] - 2);
  });

  it('reconnect: false — a lost connection is not re-opened; waiting requests fail with NotConnectedError', async () => {
    const sim = await h.sim();
    const { conn, rec } = await h.open(sim, { reconnect: false });
    sim.freeze(true);
    const inFlight = track(conn.queryServer());
    await waitUntil(() => conn.state.inFlight === 1, 'a request in flight');
    sim.freeze(false);
    sim.dropClients();
    await rec.waitFor('EventServerDisconnected');
    const out = await inFlight.result;
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toBeInstanceOf(NotConnectedError);
    expect(conn.state.status).toBe('closed');
    // Closed: no reconnect loop is left to dial (the server sees our last socket go).
    await waitUntil(() => sim.clientCount === 0, 'the last socket closed');
    expect(conn.state.status).toBe('closed');
  });
});
