/**
 * ADDP keep-alive over real sockets: the client pings when idle, answers the server's pings, never
 * shows either to users, and declares a frozen server dead within timeoutMs (+250 ms), then
 * reconnects once it answers again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, SimRecorder, delay, waitUntil } from '../support/connection-helpers.js';

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
    await delay(700);
    expect(sim.addpStats().pingsReceived).toBeGreaterThanOrEqual(3); // one per ~150 ms of silence
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
    await delay(500);
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
    await h.open(sim, { addp: false });
    await delay(300);
    expect(sim.addpStats()).toEqual({ pingsReceived: 0, pongsReceived: 0, pingsSent: 0 });
  });

  it('a frozen server is declared dead within timeoutMs + 250 ms, then the client reconnects when it answers again', async () => {
    const timeoutMs = 400;
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    const { conn, rec } = await h.open(sim, { addp: { timeoutMs, remoteTimeoutMs: 5000 }, requestTimeoutMs: 300 });
    await conn.registerAddress('1001');
    await delay(250); // mid-cycle: a ping has gone out and been answered
    const since = rec.mark();
    const frozenAt = performance.now();
    sim.freeze(true);
    const lost = await rec.waitFor('EventServerDisconnected', { since, timeoutMs: timeoutMs + 1000 });
    const detectedIn = lost.at - frozenAt;
    expect(detectedIn).toBeLessThanOrEqual(timeoutMs + 250);
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

  // Regression, fixed: was a bug (src/connection/connection.ts, ensureActive's onFailedAttempt): reconnectFailed reports
  // `server: '?'` when the attempt failed by a RequestRegisterClient timeout (RequestTimeoutError has
  // no `server`), although the loop knows which endpoint it dialled. Should: the endpoint's name.
  it('reconnectFailed names the server even when the attempt timed out registering', async () => {
    const sim = await h.sim();
    const { rec } = await h.open(sim, { addp: { timeoutMs: 300, remoteTimeoutMs: 5000 }, requestTimeoutMs: 150 });
    sim.freeze(true);
    await waitUntil(() => rec.reconnectFailures.length >= 1, 'a failed reconnect attempt', 2000);
    expect(rec.reconnectFailures[0].value.server).toBe(sim.url);
  });
});
