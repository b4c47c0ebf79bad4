/**
 * `for await (const e of conn.events({ signal }))`: every user-visible event in order, buffered
 * while the loop body runs; ends on abort, on break and on close(), leaving no listener behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TEvent } from '../../src/protocol/types.js';
import { Harness, abortListeners, delay, fastOptions, outcomeOf, waitUntil } from '../support/connection-helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

/** Runs the loop in the background; resolves with what it saw when it ends. */
function consume(iterable: AsyncIterable<TEvent>, body: (e: TEvent) => Promise<void> | void = () => {}) {
  const seen: TEvent[] = [];
  const done = (async () => {
    for await (const e of iterable) {
      seen.push(e);
      await body(e);
    }
    return seen;
  })();
  return { seen, done };
}

describe('events()', () => {
  it('yields every event from open() on, in order, including the local EventServerConnected', async () => {
    const sim = await h.sim();
    const conn = h.conn(fastOptions(sim.url));
    const ac = new AbortController();
    const loop = consume(conn.events({ signal: ac.signal }));
    await conn.open();
    await conn.registerAddress('1001');
    const connId = sim.placeCall('1001');
    await waitUntil(() => loop.seen.some((e) => e.Event === 'EventRinging'), 'EventRinging in the loop');
    ac.abort();
    const seen = await outcomeOf(loop.done);
    expect(seen.ok).toBe(true);
    if (!seen.ok) return;
    expect(seen.value.map((e) => e.Event)).toEqual(['EventServerConnected', 'EventLinkConnected', 'EventRegistered', 'EventRinging']);
    const ringing = seen.value[3];
    if (ringing.Event === 'EventRinging') expect(ringing.ConnID).toBe(connId); // narrowed by Event
    expect(conn.listenerCount('event')).toBe(0);
    expect(abortListeners(ac.signal)).toBe(0);
  });

  it('buffers events while the loop body is busy, losing none', async () => {
    const sim = await h.sim();
    const { conn } = await h.open(sim);
    await conn.registerAddress('1001');
    const ac = new AbortController();
    // A loop body that takes real time while answers keep arriving on the socket (what the buffer is for).
    const loop = consume(conn.events({ signal: ac.signal }), () => delay(15));
    const answers = await Promise.all(Array.from({ length: 10 }, () => conn.queryAddress('1001', { AddressInfoType: 0 })));
    await waitUntil(() => loop.seen.length === 10, 'ten events through the slow loop');
    expect(loop.seen.map((e) => (e as { ReferenceID?: number }).ReferenceID)).toEqual(answers.map((a) => a.ReferenceID));
    ac.abort();
    await outcomeOf(loop.done);
  });

  it('ends when the connection is closed', async () => {
    const sim = await h.sim();
    const { conn } = await h.open(sim);
    const before = conn.listenerCount('event'); // the recorder's
    const loop = consume(conn.events());
    await conn.queryServer();
    await waitUntil(() => loop.seen.length === 1, 'the answer in the loop');
    await conn.close();
    const out = await outcomeOf(loop.done, 1000);
    expect(out.ok).toBe(true);
    expect(conn.listenerCount('event')).toBe(before);
  });

  it('break removes the listener', async () => {
    const sim = await h.sim();
    const { conn } = await h.open(sim);
    const before = conn.listenerCount('event');
    const done = (async () => {
      for await (const e of conn.events()) {
        if (e.Event === 'EventServerInfo') break;
      }
    })();
    await waitUntil(() => conn.listenerCount('event') === before + 1, 'the iterator to listen');
    await conn.queryServer();
    await outcomeOf(done, 1000);
    expect(conn.listenerCount('event')).toBe(before);
  });

  it('an already aborted signal gives an empty iteration', async () => {
    const sim = await h.sim();
    const { conn } = await h.open(sim);
    const before = conn.listenerCount('event');
    const ac = new AbortController();
    ac.abort();
    const out = await outcomeOf(consume(conn.events({ signal: ac.signal })).done, 500);
    expect(out).toMatchObject({ ok: true, value: [] });
    expect(conn.listenerCount('event')).toBe(before);
  });

  it('sees EventServerDisconnected and EventServerConnected across a reconnect', async () => {
    const sim = await h.sim();
    const { conn } = await h.open(sim);
    const ac = new AbortController();
    const loop = consume(conn.events({ signal: ac.signal }));
    sim.dropClients();
    await waitUntil(() => loop.seen.some((e) => e.Event === 'EventServerConnected'), 'the reconnect in the loop');
    expect(loop.seen.map((e) => e.Event).slice(0, 3)).toEqual(['EventServerDisconnected', 'EventServerConnected', 'EventLinkConnected']);
    ac.abort();
    await outcomeOf(loop.done);
  });
});
