/**
 * The user's code misbehaves: listeners that throw (Errors or anything else), on every kind of
 * event the SDK emits, during normal traffic and during a failover. The SDK keeps running, reports
 * each throw (HandlerError on 'error', or a process warning when nobody listens to 'error'), and
 * nothing else is lost.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HandlerError, type TEvent } from '../../src/index.js';
import { nextEvent, nextResync, pairRig, singleRig, until, type PairRig, type SingleRig } from './helpers.js';

let rig: SingleRig | PairRig | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await rig?.stop();
  rig = undefined;
});

describe('a listener that throws', () => {
  it("on 'event': reported as HandlerError on 'error'; requests and later events go on", async () => {
    const r = (rig = await singleRig());
    const { conn, sim } = r;
    let calls = 0;
    conn.on('event', () => {
      calls++;
      throw new Error('user bug');
    });
    const reg = await conn.registerAddress('1001');
    expect(reg.Event).toBe('EventRegistered');
    // (The recorder listened before the faulty listener: see the skipped test at the end.)
    sim.placeCall('1001');
    await until(() => r.rec.names().includes('EventRinging'), 'EventRinging');
    expect(calls).toBeGreaterThanOrEqual(2);
    const handlerErrors = r.rec.errors.filter((e) => e instanceof HandlerError) as HandlerError[];
    expect(handlerErrors.length).toBe(calls);
    expect(handlerErrors[0]).toMatchObject({ code: 'ERR_HANDLER', eventName: 'event' });
    expect((handlerErrors[0].cause as Error).message).toBe('user bug');
    expect(handlerErrors[0].message).toMatch(/user bug/);
    expect(conn.state.status).toBe('open');
  });

  it('on the answer event of a request: the request still resolves', async () => {
    const r = (rig = await singleRig());
    r.conn.on('EventServerInfo', () => {
      throw new TypeError('cannot read properties of undefined');
    });
    const answer = await r.conn.queryServer();
    expect(answer.Event).toBe('EventServerInfo');
    expect(r.rec.errors).toHaveLength(1);
    expect(r.rec.errors[0]).toMatchObject({ code: 'ERR_HANDLER', eventName: 'EventServerInfo' });
  });

  it('anything thrown (a string, undefined, a frozen object) is wrapped the same way', async () => {
    const r = (rig = await singleRig());
    const thrown: unknown[] = ['a string', undefined, Object.freeze({ odd: true }), 42];
    let i = 0;
    r.conn.on('EventAddressInfo', () => {
      throw thrown[i++];
    });
    for (let k = 0; k < thrown.length; k++) await r.conn.queryAddress('1001');
    expect(r.rec.errors.map((e) => (e as HandlerError).cause)).toEqual(thrown);
    expect(r.rec.errors.every((e) => e.code === 'ERR_HANDLER')).toBe(true);
  });

  it("with no 'error' listener: a process warning (code ERR_HANDLER), and the SDK carries on", async () => {
    const r = (rig = await singleRig());
    r.conn.removeAllListeners('error');
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    r.conn.on('EventServerInfo', () => {
      throw new Error('nobody listens');
    });
    await r.conn.queryServer();
    await r.conn.queryServer();
    const calls = warn.mock.calls.filter((c) => (c[1] as { code?: string })?.code === 'ERR_HANDLER');
    expect(calls).toHaveLength(2);
    expect(String(calls[0][0])).toMatch(/nobody listens/);
  });

  it("the 'error' listener itself throws: a process warning, no crash", async () => {
    const r = (rig = await singleRig());
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    r.conn.on('error', () => {
      throw new Error('error handler bug');
    });
    r.conn.on('EventServerInfo', () => {
      throw new Error('first bug');
    });
    expect((await r.conn.queryServer()).Event).toBe('EventServerInfo');
    expect(warn.mock.calls.some((c) => (c[1] as { code?: string })?.code === 'ERR_HANDLER')).toBe(true);
  });

  it("on 'stateChange', 'protocolWarning', 'unknownMessage', 'reconnectFailed', 'close': each reported, nothing derailed", async () => {
    const r = (rig = await singleRig({ reconnect: { minTimeoutMs: 20, maxTimeoutMs: 50, randomize: false } }));
    const { conn, sim, proxy } = r;
    for (const name of ['stateChange', 'protocolWarning', 'unknownMessage', 'reconnectFailed', 'close'] as const) {
      conn.on(name, () => {
        throw new Error(`bug in ${name}`);
      });
    }
    sim.sendEvent(999, {}); // protocolWarning + unknownMessage
    await until(() => r.rec.errors.length >= 2, 'two handler errors');
    proxy.mode = 'acceptAndClose';
    proxy.cut(); // stateChange (reconnecting) + reconnectFailed
    await until(() => r.rec.reconnectFailures >= 2, 'reconnect failures');
    proxy.mode = 'forward';
    await until(() => conn.state.status === 'open', 'reopened', 3_000);
    expect((await conn.queryServer()).Event).toBe('EventServerInfo');
    await conn.close(); // 'close' listener throws: close() still resolves
    const names = new Set(r.rec.errors.map((e) => (e as HandlerError).eventName));
    for (const n of ['stateChange', 'protocolWarning', 'unknownMessage', 'reconnectFailed']) expect(names).toContain(n);
    expect(conn.state.status).toBe('closed');
  });

  it('during a failover (throwing on EventServerDisconnected, EventPrimaryChanged, stateChange, resynced): the failover completes', async () => {
    const r = (rig = await pairRig());
    const { conn, pair } = r;
    await conn.registerAddress('1001');
    await until(() => (pair.b.requestCounts().RequestRegisterAddress ?? 0) >= 1, 'registration on b');
    const resynced = nextResync(conn); // listens before the faulty listeners (see the skipped test)
    const ringing = nextEvent(conn, 'EventRinging');
    for (const name of ['EventServerDisconnected', 'EventPrimaryChanged', 'stateChange', 'resynced'] as const) {
      conn.on(name, () => {
        throw new Error(`bug in ${name}`);
      });
    }
    await pair.killPrimary();
    const summary = await resynced;
    expect(summary.errors).toEqual([]);
    expect(conn.state.active).toBe(r.proxies[1].url);
    pair.b.placeCall('1001');
    await ringing;
    const names = new Set(r.rec.errors.map((e) => (e as HandlerError).eventName));
    expect(names).toEqual(new Set(['EventServerDisconnected', 'EventPrimaryChanged', 'stateChange', 'resynced']));
  });

  // Each listener runs in its own try/catch: one that throws must not keep the listeners after it
  // (the SDK's own events() iterators among them) from seeing the event.
  it('does not hide the event from the other listeners, nor from events() iterators', async () => {
    const r = (rig = await singleRig());
    const { conn, sim } = r;
    conn.on('event', () => {
      throw new Error('first listener bug');
    });
    const second: string[] = [];
    conn.on('event', (e) => second.push(e.Event));
    const ac = new AbortController();
    const iterated: string[] = [];
    const loop = (async () => {
      for await (const e of conn.events({ signal: ac.signal })) iterated.push((e as TEvent).Event);
    })();
    await conn.registerAddress('1001');
    sim.placeCall('1001');
    // Answered after the EventRinging the simulator sent before it; the answer is an event too.
    await conn.queryServer();
    await until(() => iterated.length >= 3, 'the events() iterator to pull all three');
    ac.abort();
    await loop;
    expect(second).toEqual(['EventRegistered', 'EventRinging', 'EventServerInfo']);
    expect(iterated).toEqual(['EventRegistered', 'EventRinging', 'EventServerInfo']);
  });
});
