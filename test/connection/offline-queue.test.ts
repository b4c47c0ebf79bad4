/**
 * The offline queue: requests made while no server is available wait (bounded by `limit`, each by
 * its own timeout) and go out in order once a server is back; past the limit they are refused at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionClosedError, NotConnectedError, OfflineQueueFullError, RequestTimeoutError } from '../../src/errors.js';
import type { TServerSimulator } from '../../src/simulator/index.js';
import type { TServerConnection } from '../../src/connection/index.js';
import { type ConnRecorder, Harness, SimRecorder, fastOptions, settledAtOnce, track, waitUntil } from '../support/connection-helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

/** Opens a connection, registers 1001, stops the server and waits until the client knows. */
async function offline(
  limit: number | false = 100,
): Promise<{ sim: TServerSimulator; srec: SimRecorder; conn: TServerConnection; rec: ConnRecorder }> {
  const sim = await h.sim();
  const srec = new SimRecorder(sim);
  const { conn, rec } = await h.open(sim, {
    offlineQueue: limit === false ? false : { limit },
    reconnect: { minTimeoutMs: 20, maxTimeoutMs: 40, randomize: false },
    requestTimeoutMs: 1000,
  });
  await conn.registerAddress('1001');
  await sim.stop();
  await rec.waitFor('EventServerDisconnected');
  expect(conn.state.status).toBe('reconnecting');
  return { sim, srec, conn, rec };
}

describe('offline queue', () => {
  it('requests wait while no server is available and go out, in order, once one is back', async () => {
    const { sim, srec, conn, rec } = await offline();
    const first = srec.lastClient;
    const a = track(conn.queryAddress('1001'));
    const b = track(conn.queryServer());
    const c = track(conn.agentLogin('1001', 'ag1')); // not idempotent, but never sent: it waits too
    expect(conn.state.queued).toBe(3);
    expect(await settledAtOnce(a)).toBe(false); // queued, not refused
    expect([a, b, c].some((t) => t.settled)).toBe(false);
    await sim.start();
    const outs = await Promise.all([a, b, c].map((t) => t.result));
    expect(outs.map((o) => (o.ok ? o.value.Event : o.error))).toEqual(['EventAddressInfo', 'EventServerInfo', 'EventAgentLogin']);
    const sent = srec.of(srec.lastClient).map((r) => r.name);
    expect(srec.lastClient).not.toBe(first);
    // Replay first (the DN the agent needs), then the queued requests in the order they were made.
    expect(sent).toEqual([
      'RequestRegisterClient',
      'RequestRegisterAddress',
      'RequestQueryAddress',
      'RequestQueryServer',
      'RequestAgentLogin',
    ]);
    // Users saw the server come back before the answers.
    const names = rec.names();
    expect(names.indexOf('EventServerConnected', names.indexOf('EventServerDisconnected'))).toBeLessThan(
      names.lastIndexOf('EventAddressInfo'),
    );
    expect(conn.state.queued).toBe(0);
  });

  it('past the limit, a request is refused at once with OfflineQueueFullError', async () => {
    const { sim, srec, conn } = await offline(3);
    const waiting = [track(conn.queryServer()), track(conn.queryServer()), track(conn.queryAddress('1001'))];
    const over = track(conn.queryServer());
    expect(await settledAtOnce(over)).toBe(true); // refused without waiting for anything
    const out = await over.result;
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toBeInstanceOf(OfflineQueueFullError);
      expect(out.error.code).toBe('ERR_OFFLINE_QUEUE_FULL');
      expect(out.error.limit).toBe(3);
      expect(out.error.message).toMatch(/RequestQueryServer/);
    }
    expect(conn.state.queued).toBe(3);
    // The three that fit are answered once the server is back; the refused one never goes.
    await sim.start();
    const outs = await Promise.all(waiting.map((t) => t.result));
    expect(outs.every((o) => o.ok)).toBe(true);
    expect(srec.of(srec.lastClient, 'RequestQueryServer')).toHaveLength(2);
    // Once online, the limit no longer applies.
    const many = await Promise.all(Array.from({ length: 6 }, () => conn.queryServer()));
    expect(many).toHaveLength(6);
  });

  it('a slot frees up when a queued request times out', async () => {
    const { conn } = await offline(1);
    const short = track(conn.queryServer({ timeoutMs: 100 }));
    await expect(conn.queryServer()).rejects.toBeInstanceOf(OfflineQueueFullError);
    const out = await short.result;
    expect(out.ok).toBe(false);
    const again = track(conn.queryServer({ timeoutMs: 100 }));
    expect(await settledAtOnce(again)).toBe(false); // accepted into the queue
    expect(conn.state.queued).toBe(1);
    await again.result;
  });

  it('each queued request is bound by its own timeout, and is never sent afterwards', async () => {
    const { sim, srec, conn } = await offline();
    const t0 = performance.now();
    const short = track(conn.queryAddress('1001', {}, { timeoutMs: 120 }));
    const long = track(conn.queryServer({ timeoutMs: 3000 }));
    const out = await short.result;
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toBeInstanceOf(RequestTimeoutError);
      expect(out.error.timeoutMs).toBe(120);
      expect(out.error.request.name).toBe('RequestQueryAddress');
    }
    expect(out.at - t0).toBeGreaterThanOrEqual(110);
    expect(conn.state.queued).toBe(1);
    await sim.start();
    expect((await long.result).ok).toBe(true);
    expect(srec.of(srec.lastClient, 'RequestQueryAddress')).toHaveLength(0);
  });

  it('the default requestTimeoutMs bounds queued requests too', async () => {
    const sim = await h.sim();
    const { conn, rec } = await h.open(sim, { requestTimeoutMs: 150, reconnect: { minTimeoutMs: 20, maxTimeoutMs: 40 } });
    await sim.stop();
    await rec.waitFor('EventServerDisconnected');
    const out = await track(conn.queryServer()).result;
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toMatchObject({ code: 'ERR_REQUEST_TIMEOUT', timeoutMs: 150 });
  });

  it('abort while queued rejects with the reason and removes it; it is never sent', async () => {
    const { sim, srec, conn } = await offline();
    const ac = new AbortController();
    const p = track(conn.queryAddress('1001', {}, { signal: ac.signal }));
    expect(conn.state.queued).toBe(1);
    const reason = new Error('not needed any more');
    ac.abort(reason);
    const out = await p.result;
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toBe(reason);
    expect(conn.state.queued).toBe(0);
    await sim.start();
    await waitUntil(() => conn.state.status === 'open', 'the connection to be back');
    await conn.queryServer();
    expect(srec.of(srec.lastClient, 'RequestQueryAddress')).toHaveLength(0);
  });

  it('offlineQueue: false refuses requests at once with NotConnectedError while no server is available', async () => {
    const { conn } = await offline(false);
    const refused = track(conn.queryServer());
    expect(await settledAtOnce(refused)).toBe(true); // refused without waiting for anything
    const out = await refused.result;
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toBeInstanceOf(NotConnectedError);
      expect(out.error.code).toBe('ERR_NOT_CONNECTED');
    }
  });

  it('requests made while open() is still connecting wait for it', async () => {
    const sim = await h.sim();
    const conn = h.conn(fastOptions(sim.url));
    const opening = conn.open();
    const q = track(conn.queryServer());
    await opening;
    const out = await q.result;
    expect(out).toMatchObject({ ok: true, value: { Event: 'EventServerInfo' } });
  });

  it('close() rejects queued requests with ConnectionClosedError', async () => {
    const { conn } = await offline();
    const qs = [track(conn.queryServer()), track(conn.agentReady('1001'))];
    await conn.close();
    for (const out of await Promise.all(qs.map((t) => t.result))) {
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.error).toBeInstanceOf(ConnectionClosedError);
    }
  });
});
