/**
 * ADDP keep-alive over real sockets: the client pings when idle, answers the server's pings, never
 * shows either to users, and declares a frozen server dead (how soon: fake-timer tests), then
 * reconnects once it answers again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sharedKeepAliveScheduler } from '../../src/transport/keepalive.js';
import { Harness, SimRecorder, waitUntil } from '../support/connection-helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

describe('ADDP', () => {
  it('sends AddpTimeout = remoteTimeoutMs in RequestRegisterClient; none when addp is false', async () => {
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    await h.open(sim, { addp: { timeoutMs: 900, remoteTimeoutMs: 700 } });
    await h.open(sim, { addp: false });
    const regs = srec.requests.map((r) => r.value).filter((r) => r.name === 'RequestRegisterClient');
    expect(regs.map((r) => r.attributes.AddpTimeout)).toEqual([700, undefined]);
  });

  it('the client pings an idle server and stays up; pings and pongs never reach users', async () => {
    const sim = await h.sim();
    // The server would ping only after 5 s: any ping it receives here is the client's.
    const { conn, rec } = await h.open(sim, { addp: { timeoutMs: 300, remoteTimeoutMs: 5000 } });
    const since = rec.mark();
    // Socket-level: pings take real time on the wire (how soon is tested on fake timers).
    await waitUntil(() => sim.addpStats().pingsReceived >= 3, 'three pings from the client');
    expect(sim.addpStats().pingsSent).toBe(0);
    expect(rec.names(since)).toEqual([]);
    expect(rec.unknownMessages).toEqual([]);
    expect(rec.warnings).toEqual([]);
    expect(conn.state.status).toBe('open');
    expect(sim.clientCount).toBe(1);
  });

  it('the client answers the server’s pings (the server keeps it)', async () => {
    const sim = await h.sim();
    const { conn, rec } = await h.open(sim, { addp: { timeoutMs: 5000, remoteTimeoutMs: 100 } });
    const since = rec.mark();
    // Socket-level: the server's pings take real time on the wire.
    await waitUntil(() => sim.addpStats().pongsReceived >= 3, 'three pongs from the client');
    const stats = sim.addpStats();
    expect(stats.pingsSent).toBeGreaterThanOrEqual(3);
    expect(stats.pongsReceived).toBe(stats.pingsSent);
    expect(stats.pingsReceived).toBe(0); // the client had no reason to ping
    expect(sim.clientCount).toBe(1); // not closed for silence
    expect(rec.names(since)).toEqual([]);
    expect(rec.unknownMessages).toEqual([]);
    expect(conn.state.status).toBe('open');
  });

  it('with addp: false nothing is pinged either way', async () => {
    const sim = await h.sim();
    const keepAlives = sharedKeepAliveScheduler.size;
    const { conn } = await h.open(sim, { addp: false });
    // No keep-alive is scheduled, so nothing can ever ping; and the server was told not to (no AddpTimeout).
    expect(sharedKeepAliveScheduler.size).toBeLessThanOrEqual(keepAlives);
    await conn.queryServer();
    expect(sim.addpStats()).toEqual({ pingsReceived: 0, pongsReceived: 0, pingsSent: 0 });
  });

  it('a frozen server is declared dead (never before ADDP could tell), then the client reconnects when it answers again', async () => {
    const timeoutMs = 400;
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    const { conn, rec } = await h.open(sim, { addp: { timeoutMs, remoteTimeoutMs: 5000 }, requestTimeoutMs: 300 });
    await conn.registerAddress('1001');
    await waitUntil(() => sim.addpStats().pingsReceived >= 1, 'a ping answered (mid-cycle)');
    const since = rec.mark();
    const frozenAt = performance.now();
    sim.freeze(true);
    const lost = await rec.waitFor('EventServerDisconnected', { since, timeoutMs: timeoutMs + 1000 });
    const detectedIn = lost.at - frozenAt;
    // How soon is the keep-alive's timing, tested on fake timers (test/transport/keepalive.test.ts).
    expect(detectedIn).toBeGreaterThan(50);
    expect(lost.value).toEqual({ Event: 'EventServerDisconnected', Server: sim.url });
    expect(rec.errors).toEqual([]);
    // While frozen, reconnect attempts time out on RequestRegisterClient; the loop goes on.
    await waitUntil(() => rec.reconnectFailures.length >= 1, 'a failed reconnect attempt', 2000);
    expect(rec.reconnectFailures[0].value.error).toMatchObject({ code: 'ERR_CONNECT', cause: { code: 'ERR_REQUEST_TIMEOUT' } });
    const clientsBefore = srec.clients.length;
    sim.freeze(false);
    await rec.waitFor('EventServerConnected', { since, timeoutMs: 2000 });
    expect(srec.clients.length).toBeGreaterThan(clientsBefore);
    expect(srec.dnsOf(srec.lastClient)).toEqual(['1001']);
    await expect(conn.queryServer()).resolves.toMatchObject({ Event: 'EventServerInfo' });
  });

  it('a server that goes silent while requests are in flight: idempotent ones are answered after the reconnect', async () => {
    const sim = await h.sim();
    // A reconnect attempt that reaches the server while still frozen times out registering after 300 ms.
    const { conn, rec } = await h.open(sim, { addp: { timeoutMs: 300, remoteTimeoutMs: 5000 }, requestTimeoutMs: 300 });
    await conn.registerAddress('1001');
    sim.freeze(true);
    const query = conn.queryAddress('1001', {}, { timeoutMs: 2500 });
    await rec.waitFor('EventServerDisconnected', { timeoutMs: 1000 });
    sim.freeze(false);
    await expect(query).resolves.toMatchObject({ Event: 'EventAddressInfo', ThisDN: '1001' });
  });

  it('reconnectFailed names the server even when the attempt timed out registering', async () => {
    const sim = await h.sim();
    const { rec } = await h.open(sim, { addp: { timeoutMs: 300, remoteTimeoutMs: 5000 }, requestTimeoutMs: 150 });
    sim.freeze(true);
    await waitUntil(() => rec.reconnectFailures.length >= 1, 'a failed reconnect attempt', 2000);
    expect(rec.reconnectFailures[0].value.server).toBe(sim.url);
  });
});
