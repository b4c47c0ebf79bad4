/**
 * TServerConnection lifecycle against a real simulator over 127.0.0.1: open (RequestRegisterClient,
 * the link event as its answer, the locally made EventServerConnected), close (pending rejected,
 * no socket, timer or listener left behind).
 */
import { format } from 'node:util';
import createDebug from 'debug';
import { afterEach, describe, expect, it } from 'vitest';
import { TServerConnection } from '../../src/connection/index.js';
import { ConnectError, ConnectionClosedError, InvalidArgumentError, InvalidStateError, RequestTimeoutError } from '../../src/errors.js';
import type { EventRegistered } from '../../src/protocol/types.js';
import {
  ConnRecorder,
  Harness,
  SimRecorder,
  abortListeners,
  fastOptions,
  outcomeOf,
  quietBaseline,
  resourceCounts,
  track,
  waitUntil,
} from '../support/connection-helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

/** Waits until TCP handles and timers are back to `before` (sockets close asynchronously). */
async function expectBackTo(before: { tcp: number; timeout: number }): Promise<void> {
  try {
    await waitUntil(
      () => {
        const now = resourceCounts();
        return now.tcp <= before.tcp && now.timeout <= before.timeout;
      },
      'handles and timers to be released',
      1000,
    );
  } catch {
    // fall through to a readable assertion
  }
  const now = resourceCounts();
  // ≤: a timer of the test runner that was live at `before` may have ended since.
  expect(now.tcp, `TCP handles now ${now.tcp}, before ${before.tcp}`).toBeLessThanOrEqual(before.tcp);
  expect(now.timeout, `timers now ${now.timeout}, before ${before.timeout}`).toBeLessThanOrEqual(before.timeout);
}

describe('open', () => {
  it('sends RequestRegisterClient, then emits a local EventServerConnected followed by the link event', async () => {
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    const conn = h.conn(fastOptions(sim.url, { applicationName: 'open-test', addp: { timeoutMs: 1500, remoteTimeoutMs: 1200 } }));
    const rec = new ConnRecorder(conn);
    expect(conn.state.status).toBe('closed');

    await conn.open();

    expect(conn.state.status).toBe('open');
    expect(conn.state.active).toBe(sim.url);
    // The first request on the wire is RequestRegisterClient with what the options say.
    const first = srec.requests[0].value;
    expect(first.name).toBe('RequestRegisterClient');
    expect(first.attributes.ApplicationName).toBe('open-test');
    expect(first.attributes.AddpTimeout).toBe(1200);
    expect(typeof first.attributes.ClientVersion).toBe('string');
    expect(first.attributes.ReferenceID).toBeGreaterThan(0);
    // Already delivered when open() resolves, in this order.
    expect(rec.names()).toEqual(['EventServerConnected', 'EventLinkConnected']);
    const [connected, link] = rec.events.map((e) => e.value);
    expect(connected).toEqual({ Event: 'EventServerConnected', Server: sim.url });
    expect(link.Event).toBe('EventLinkConnected');
    expect(link.Server).toBe(sim.url);
    expect(conn.state.linkUp).toBe(true);
  });

  it('takes EventLinkDisconnected as the answer when the CTI link is down', async () => {
    const sim = await h.sim({ linkUp: false });
    const { conn, rec } = await h.open(sim);
    expect(rec.names()).toEqual(['EventServerConnected', 'EventLinkDisconnected']);
    expect(conn.state.status).toBe('open');
    expect(conn.state.linkUp).toBe(false);
  });

  it('delivers typed events to named listeners and to "event"', async () => {
    const sim = await h.sim();
    const { conn } = await h.open(sim);
    const seen: string[] = [];
    const all: string[] = [];
    conn.on('EventRegistered', (e: EventRegistered) => {
      // ThisDN is a Mandatory string in the type: no cast needed.
      const dn: string = e.ThisDN;
      seen.push(`${e.Event}:${dn}:${e.Server}`);
    });
    conn.on('event', (e) => all.push(e.Event));
    const answer = await conn.registerAddress('1001');
    expect(answer.ThisDN).toBe('1001');
    expect(seen).toEqual([`EventRegistered:1001:${sim.url}`]);
    expect(all).toEqual(['EventRegistered']);
  });

  it('rejects with ConnectError (code ERR_CONNECT) when nothing listens, and leaves nothing behind', async () => {
    const dead = await h.deadSim();
    const before = await quietBaseline();
    const conn = h.conn(fastOptions(dead.url));
    const rec = new ConnRecorder(conn);
    const out = await outcomeOf(conn.open());
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toBeInstanceOf(ConnectError);
    expect(out.error.code).toBe('ERR_CONNECT');
    expect(out.error.server).toBe(dead.url);
    expect(conn.state.status).toBe('closed');
    expect(rec.events).toHaveLength(0);
    await expectBackTo(before);
  });

  it('tries the backup when the primary refuses at open()', async () => {
    const dead = await h.deadSim();
    const backup = await h.sim();
    const conn = h.conn(fastOptions(dead.url, { backup: backup.url }));
    const rec = new ConnRecorder(conn);
    await conn.open();
    expect(conn.state.active).toBe(backup.url);
    expect(rec.of('EventServerConnected')).toEqual([{ Event: 'EventServerConnected', Server: backup.url }]);
  });

  it('refuses a second open() while open, and requests before open()', async () => {
    const sim = await h.sim();
    const conn = h.conn(fastOptions(sim.url));
    const early = await outcomeOf(conn.queryServer());
    expect(early.ok).toBe(false);
    if (!early.ok) {
      expect(early.error).toBeInstanceOf(ConnectionClosedError);
      expect(early.error.code).toBe('ERR_CONNECTION_CLOSED');
    }
    await conn.open();
    await expect(conn.open()).rejects.toBeInstanceOf(InvalidStateError); // a state error since issue 18 (was InvalidArgumentError);
    expect(conn.state.status).toBe('open');
  });

  it('a server that accepts and never answers RequestRegisterClient: open() fails with ConnectError (cause: the timeout), the wait logged', async () => {
    const sim = await h.sim();
    sim.freeze(true);
    const before = await quietBaseline();
    const lines: string[] = [];
    const log = createDebug.log;
    const enabled = createDebug.disable();
    createDebug.enable('tlib:connection');
    createDebug.log = (...args: unknown[]) => lines.push(format(...args));
    try {
      const conn = h.conn(fastOptions(sim.url, { requestTimeoutMs: 200 }));
      const err = await conn.open().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).message).toMatch(/did not answer RequestRegisterClient within 200 ms/);
      expect((err as ConnectError).cause).toBeInstanceOf(RequestTimeoutError);
      expect(conn.state.status).toBe('closed');
    } finally {
      createDebug.log = log;
      createDebug.disable();
      if (enabled) createDebug.enable(enabled);
    }
    expect(lines.some((l) => l.includes('waiting up to 200 ms for the RequestRegisterClient answer'))).toBe(true);
    expect(lines.some((l) => l.includes('no RequestRegisterClient answer within 200 ms'))).toBe(true);
    await waitUntil(() => sim.clientCount === 0, 'the simulator to see the socket closed');
    await expectBackTo(before);
  });

  it('open({ signal }) aborted while registering rejects with the reason', async () => {
    const sim = await h.sim();
    sim.freeze(true);
    const conn = h.conn(fastOptions(sim.url));
    const ac = new AbortController();
    const opening = track(conn.open({ signal: ac.signal }));
    await waitUntil(() => sim.clientCount === 1, 'the socket to open');
    const reason = new Error('user gave up');
    ac.abort(reason);
    const out = await opening.result;
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toBe(reason);
    expect(conn.state.status).toBe('closed');
    await waitUntil(() => sim.clientCount === 0, 'the socket to close');
    expect(abortListeners(ac.signal)).toBe(0);
  });
});

describe('close', () => {
  it('rejects requests in flight with ConnectionClosedError and leaves no socket, timer or listener', async () => {
    const sim = await h.sim();
    const before = await quietBaseline();
    const conn = h.conn(fastOptions(sim.url, { addp: { timeoutMs: 400, remoteTimeoutMs: 300 } }));
    const rec = new ConnRecorder(conn);
    const listenersBefore = conn.eventNames().map((n) => [n, conn.listenerCount(n)]);
    await conn.open();
    await conn.registerAddress('1001');
    const iterator = conn.events();
    const pendingNext = track(iterator.next());

    sim.freeze(true);
    const ac = new AbortController();
    const inFlight = track(conn.queryAddress('1001', {}, { signal: ac.signal, timeoutMs: 5000 }));
    await waitUntil(() => conn.state.inFlight === 1, 'the query to be in flight');

    await conn.close();

    const out = await inFlight.result;
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toBeInstanceOf(ConnectionClosedError);
      expect(out.error.code).toBe('ERR_CONNECTION_CLOSED');
    }
    expect(abortListeners(ac.signal)).toBe(0);
    expect(conn.state).toMatchObject({ status: 'closed', active: undefined, standby: undefined, inFlight: 0, queued: 0 });
    expect(rec.closes).toBe(1);
    // The iterator ended.
    expect(await outcomeOf(pendingNext.result.then((o) => (o.ok ? o.value : Promise.reject(o.error))))).toMatchObject({
      ok: true,
      value: { done: true },
    });
    // Only the recorder's own listeners remain.
    expect(conn.eventNames().map((n) => [n, conn.listenerCount(n)])).toEqual(listenersBefore);
    sim.freeze(false);
    await waitUntil(() => sim.clientCount === 0, 'the simulator to see the socket closed');
    await expectBackTo(before);
  });

  it('open → requests → close leaves the process as it found it (TCP handles and timers)', async () => {
    const sim = await h.sim();
    const before = await quietBaseline();
    const conn = h.conn(fastOptions(sim.url, { addp: { timeoutMs: 300, remoteTimeoutMs: 200 } }));
    await conn.open();
    await conn.registerAddress('1001');
    await conn.queryServer({ timeoutMs: 500 });
    // Socket-level: ADDP pings take real time on the wire; the keep-alive's timers must be released too.
    await waitUntil(() => sim.addpStats().pingsSent + sim.addpStats().pingsReceived > 0, 'ADDP pings both ways');
    expect(resourceCounts().tcp).toBeGreaterThan(before.tcp);
    await conn.close();
    await waitUntil(() => sim.clientCount === 0, 'the simulator to see the socket closed');
    await expectBackTo(before);
  });

  it('close() during a reconnect loop stops it: no timer left, no connection after the server returns', async () => {
    const sim = await h.sim();
    const before = await quietBaseline(); // the simulator listening, nothing of ours
    const conn = h.conn(fastOptions(sim.url, { reconnect: { minTimeoutMs: 40, maxTimeoutMs: 80, randomize: false } }));
    const rec = new ConnRecorder(conn);
    await conn.open();
    await sim.stop();
    await rec.waitFor('EventServerDisconnected');
    await waitUntil(() => rec.reconnectFailures.length >= 2, 'two failed reconnect attempts');
    const queued = track(conn.queryServer());
    await conn.close();
    const out = await queued.result;
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toBeInstanceOf(ConnectionClosedError);
    const failures = rec.reconnectFailures.length;
    await sim.start();
    // No timer and no socket of ours is left (expectBackTo), so nothing can dial again.
    expect(sim.clientCount).toBe(0);
    expect(rec.reconnectFailures.length).toBe(failures);
    expect(conn.state.status).toBe('closed');
    await expectBackTo(before);
  });

  it('close() while open() waits for the register answer rejects open() with ConnectionClosedError', async () => {
    const sim = await h.sim();
    sim.freeze(true);
    const conn = h.conn(fastOptions(sim.url, { requestTimeoutMs: 5000 }));
    const opening = track(conn.open());
    await waitUntil(() => sim.clientCount === 1, 'the socket to open');
    await conn.close();
    const out = await opening.result;
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toBeInstanceOf(ConnectionClosedError);
    expect(conn.state.status).toBe('closed');
    await waitUntil(() => sim.clientCount === 0, 'the socket to close');
  });

  it('close() during the ledger replay of open() rejects open() with ConnectionClosedError', async () => {
    const sim = await h.sim();
    const { conn } = await h.open(sim);
    await conn.registerAddress('1001');
    await conn.close();
    // Hold the replayed registration: the server hangs as it receives it.
    sim.on('request', (r) => {
      if (r.name === 'RequestRegisterAddress') sim.freeze(true);
    });
    const opening = track(conn.open());
    await waitUntil(() => sim.isFrozen, 'the replay to reach the server');
    await conn.close();
    const out = await opening.result;
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toBeInstanceOf(ConnectionClosedError);
    expect(conn.state.status).toBe('closed');
  });

  it('reconnect cycles, failed attempts and close() leave no socket or timer behind', async () => {
    const sim = await h.sim();
    const before = await quietBaseline();
    const conn = h.conn(fastOptions(sim.url, { addp: { timeoutMs: 400, remoteTimeoutMs: 300 }, requestTimeoutMs: 200 }));
    const rec = new ConnRecorder(conn);
    await conn.open();
    await conn.registerAddress('1001');
    for (let i = 0; i < 3; i++) {
      const since = rec.mark();
      sim.dropClients();
      await rec.waitFor('EventServerConnected', { since });
    }
    // A failed attempt by timeout (frozen while registering), then one by refusal.
    const since = rec.mark();
    sim.freeze(true);
    await rec.waitFor('EventServerDisconnected', { since, timeoutMs: 1500 });
    await waitUntil(() => rec.reconnectFailures.length >= 1, 'an attempt that timed out', 1500);
    sim.freeze(false);
    await rec.waitFor('EventServerConnected', { since, timeoutMs: 1500 });
    const failures = rec.reconnectFailures.length;
    const down = rec.mark();
    await sim.stop();
    await waitUntil(() => rec.reconnectFailures.length >= failures + 2, 'refused attempts');
    await sim.start();
    await rec.waitFor('EventServerConnected', { since: down, timeoutMs: 1500 });
    await conn.close();
    await waitUntil(() => sim.clientCount === 0, 'the simulator to see the socket closed');
    await expectBackTo(before);
    expect(rec.errors).toEqual([]);
  });

  it('close() twice is harmless; requests after close() are refused with ConnectionClosedError', async () => {
    const sim = await h.sim();
    const { conn, rec } = await h.open(sim);
    await conn.close();
    await conn.close();
    expect(rec.closes).toBe(1);
    await expect(conn.queryServer()).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('can open again after close(), and re-registers the DNs it had (ledger kept)', async () => {
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    const { conn, rec } = await h.open(sim);
    await conn.registerAddress('1001');
    await conn.close();
    await waitUntil(() => sim.clientCount === 0, 'the first socket to close');
    const since = rec.mark();
    await conn.open();
    expect(rec.names(since)).toEqual(['EventServerConnected', 'EventLinkConnected']);
    expect(srec.dnsOf(srec.lastClient)).toEqual(['1001']);
    expect(conn.registeredDNs).toEqual(['1001']);
  });
});

describe('construction', () => {
  it('refuses invalid reconnect options at construction', () => {
    expect(() => new TServerConnection({ primary: '127.0.0.1:1', reconnect: { minTimeoutMs: -5 } })).toThrow(InvalidArgumentError);
    expect(() => new TServerConnection({ primary: '127.0.0.1:1', reconnect: { factor: Number.NaN } })).toThrow(/factor/);
    expect(() => new TServerConnection({ primary: '127.0.0.1:1', reconnect: { retries: -1 } })).toThrow(/retries/);
  });

  it('refuses bad options with InvalidArgumentError naming the option', () => {
    expect(() => new TServerConnection({ primary: 'nohost' })).toThrow(/primary/);
    expect(() => new TServerConnection({ primary: '127.0.0.1:70000' })).toThrow(/port/);
    expect(() => new TServerConnection({ primary: '127.0.0.1:1', requestTimeoutMs: 0 })).toThrow(/requestTimeoutMs/);
    expect(() => new TServerConnection({ primary: '127.0.0.1:1', addp: { timeoutMs: -1 } })).toThrow(/addp.timeoutMs/);
    expect(() => new TServerConnection({ primary: '127.0.0.1:1', validation: 'loud' as never })).toThrow(/validation/);
    try {
      new TServerConnection({ primary: '127.0.0.1:1', applicationName: '' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).code).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});
