/**
 * `conn.events()` and `MonitorBridge.messages()` against a real simulator on 127.0.0.1:
 * - a backlog of 200,000 events drains in < 5 s of CPU time (O(1) pull; Array.shift took 37 s for this);
 * - after close() or abort() the iterator ends at once: 0 backlog values are yielded after it;
 * - two pending next() calls both settle;
 * - past `maxBuffered`, overflow 'error' ends the loop with IteratorOverflowError and removes its
 *   listener; 'dropOldest' keeps the newest `maxBuffered`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeFrame } from '../../src/codec/encoder.js';
import { IteratorOverflowError } from '../../src/errors.js';
import { MonitorBridge } from '../../src/ivr/index.js';
import { messageByName } from '../../src/protocol/catalogue.js';
import type { TEvent } from '../../src/protocol/types.js';
import { Harness, outcomeOf, waitUntil } from '../support/connection-helpers.js';
import { cpuMark, cpuMsSince } from '../util/cpu-time.js';

const h = new Harness();
afterEach(() => h.cleanup());

const T_USER_EVENT = messageByName('EventUserEvent')!.type;

/** Above the simulator's own numbers, so the duplicate filter lets them through; rises per call. */
let nextSeq = 1_000_000;

/** `n` EventUserEvent frames for DN 1001 in one buffer, numbered 1..n (see seqOf). */
function userEvents(n: number): Buffer {
  const frames: Uint8Array[] = [];
  const base = nextSeq;
  nextSeq += n + 1_000_000;
  for (let i = 1; i <= n; i++)
    frames.push(encodeFrame(T_USER_EVENT, { ThisDN: '1001', time: { seconds: 1, microseconds: 0 }, EventSequenceNumber: base + i }));
  seqBase = base;
  return Buffer.concat(frames);
}
let seqBase = 0;

async function openWithDN() {
  const sim = await h.sim();
  const { conn, rec } = await h.open(sim, { addp: { timeoutMs: 10_000, remoteTimeoutMs: 10_000 } });
  await conn.registerAddress('1001');
  let delivered = 0;
  conn.on('EventUserEvent', () => delivered++);
  return { sim, conn, rec, delivered: () => delivered };
}

/** The event's number within the last userEvents() batch (1-based). */
const seqOf = (e: TEvent | undefined) => ((e as { EventSequenceNumber?: number } | undefined)?.EventSequenceNumber ?? 0) - seqBase;

describe('conn.events() over real sockets', () => {
  it('a backlog of 200,000 events drains in order in < 5 s of CPU time', async () => {
    const { sim, conn, delivered } = await openWithDN();
    const it = conn.events({ maxBuffered: 250_000 });
    sim.sendRaw(userEvents(200_000));
    await waitUntil(() => delivered() === 200_000, '200,000 events delivered', 25_000, 20);
    // CPU time, not wall time: the drain is our own work blocking the loop; a busy machine must not count.
    const mark = cpuMark();
    let n = 0;
    let inOrder = true;
    let pulls = 0;
    // Bounded: 200,000 events, or 10 s of CPU time (looked at every 4,096 pulls) if pulls were quadratic.
    while (n < 200_000 && (++pulls % 4_096 !== 0 || cpuMsSince(mark) < 10_000)) {
      const r = await it.next();
      if (r.done) break;
      if (r.value.Event !== 'EventUserEvent') continue;
      n++;
      if (seqOf(r.value) !== n) inOrder = false;
    }
    const cpuMs = cpuMsSince(mark);
    expect(n).toBe(200_000);
    expect(inOrder).toBe(true);
    expect(cpuMs).toBeLessThan(5_000);
    await it.return!();
  }, 45_000);

  it('close() ends it at once: no backlog value is yielded after it', async () => {
    const { sim, conn, delivered } = await openWithDN();
    const it = conn.events();
    sim.sendRaw(userEvents(1_000));
    await waitUntil(() => delivered() === 1_000, '1,000 events delivered');
    expect((await it.next()).done).toBe(false);
    await conn.close();
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('abort() ends it at once: no backlog value is yielded after it; the listener is gone', async () => {
    const { sim, conn, delivered } = await openWithDN();
    const before = conn.listenerCount('event');
    const ac = new AbortController();
    const it = conn.events({ signal: ac.signal });
    sim.sendRaw(userEvents(1_000));
    await waitUntil(() => delivered() === 1_000, '1,000 events delivered');
    ac.abort();
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(conn.listenerCount('event')).toBe(before);
  });

  it('two pending next() calls both settle, with the next two events', async () => {
    const { sim, conn } = await openWithDN();
    const it = conn.events();
    const a = outcomeOf(it.next());
    const b = outcomeOf(it.next());
    sim.sendRaw(userEvents(2));
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.ok && seqOf(ra.value.value as TEvent)).toBe(1);
    expect(rb.ok && seqOf(rb.value.value as TEvent)).toBe(2);
    await it.return!();
  });

  it("past maxBuffered, overflow 'error' (the default policy) ends the loop with IteratorOverflowError", async () => {
    const { sim, conn, delivered } = await openWithDN();
    const before = conn.listenerCount('event');
    const it = conn.events({ maxBuffered: 100 });
    sim.sendRaw(userEvents(500));
    await waitUntil(() => delivered() === 500, '500 events delivered');
    expect(conn.listenerCount('event')).toBe(before);
    const out = await outcomeOf(it.next());
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toBeInstanceOf(IteratorOverflowError);
      expect(out.error).toMatchObject({ code: 'ERR_ITERATOR_OVERFLOW', maxBuffered: 100 });
    }
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it("overflow 'dropOldest' keeps the newest maxBuffered and warns once", async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const { sim, conn, delivered } = await openWithDN();
      const it = conn.events({ maxBuffered: 100, overflow: 'dropOldest' });
      sim.sendRaw(userEvents(500));
      await waitUntil(() => delivered() === 500, '500 events delivered');
      const first = await it.next();
      expect(seqOf(first.value as TEvent)).toBe(401);
      expect(warn.mock.calls.filter((c) => (c[1] as { code?: string })?.code === 'TLIB_ITERATOR_DROPPED')).toHaveLength(1);
      await it.return!();
    } finally {
      warn.mockRestore();
    }
  });

  it('bad buffer options are refused at once (InvalidArgumentError)', async () => {
    const sim = await h.sim();
    const conn = h.conn({ primary: sim.url });
    expect(() => conn.events({ maxBuffered: -1 })).toThrow(/maxBuffered/);
    expect(() => conn.events({ overflow: 'block' as never })).toThrow(/overflow/);
  });
});

describe('MonitorBridge.messages() over real sockets', () => {
  async function bridgeRig() {
    const { sim, conn } = await openWithDN();
    const bridge = new MonitorBridge(conn, { serverName: 'TS', ports: { '01': '1001' }, registerPorts: false });
    let emitted = 0;
    bridge.on('message', () => emitted++);
    /** Alternating Ready / NotReady on 1001: each is a status change, so each gives a message. */
    const flip = (n: number) => {
      const frames: Uint8Array[] = [];
      for (let i = 0; i < n; i++) {
        const name = i % 2 === 0 ? 'EventAgentReady' : 'EventAgentNotReady';
        frames.push(encodeFrame(messageByName(name)!.type, { ThisDN: '1001', AgentID: 'a1', time: { seconds: 1, microseconds: 0 } }));
      }
      sim.sendRaw(Buffer.concat(frames));
    };
    return { sim, conn, bridge, flip, emitted: () => emitted };
  }

  it('close() ends it at once with a backlog; two pending next() calls both settle', async () => {
    const { bridge, flip, emitted } = await bridgeRig();
    const it = bridge.messages();
    const a = outcomeOf(it.next());
    const b = outcomeOf(it.next());
    const base = emitted();
    flip(50);
    await waitUntil(() => emitted() >= base + 50, '50 bridge messages');
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.ok && ra.value.done).toBe(false);
    expect(rb.ok && rb.value.done).toBe(false);
    bridge.close();
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it("maxBuffered with overflow 'error' ends messages() with IteratorOverflowError", async () => {
    const { bridge, flip, emitted } = await bridgeRig();
    const it = bridge.messages({ maxBuffered: 10 });
    const base = emitted();
    flip(50);
    await waitUntil(() => emitted() >= base + 50, '50 bridge messages');
    const out = await outcomeOf(it.next());
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toMatchObject({ code: 'ERR_ITERATOR_OVERFLOW' });
    bridge.close();
  });
});
