/**
 * One connection's whole life on fake timers, with fake sessions (the sessionFactory seam) and the
 * connection's clock (the clock seam) — no socket, no real wait: open, a standby, a routing point,
 * a failover, a resync, and a route timeout, every timer on the one clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TServerConnection } from '../../src/index.js';
import type { RouteError } from '../../src/routing/index.js';
import { fakeClock } from '../support/fake-clock.js';
import { fakeFactory } from '../support/fake-pair-session.js';

const P = { host: '127.0.0.1', port: 7001, name: '127.0.0.1:7001' };
const B = { host: '127.0.0.1', port: 7002, name: '127.0.0.1:7002' };

let conn: TServerConnection | undefined;
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(async () => {
  const closing = conn?.close();
  await vi.runAllTimersAsync();
  await closing;
  conn = undefined;
  vi.useRealTimers();
});

const registered = (r: Record<string, unknown>) => ({ ThisDN: r.ThisDN });

describe('a failover, a resync and a route timeout on fake timers', () => {
  it('every step lands at its virtual time, with no real waiting', async () => {
    const fake = fakeFactory(
      () => true,
      () => Date.now(),
    );
    conn = new TServerConnection(
      { primary: P.name, backup: B.name, addp: false, validation: 'off', requestTimeoutMs: 10_000 },
      { sessionFactory: fake.factory, clock: fakeClock },
    );
    const c = conn;
    const opened = c.open();
    await vi.advanceTimersByTimeAsync(0);
    await opened;
    const p = fake.last(P.name);
    const registering = c.registerAddress('1001');
    p.answer('RequestRegisterAddress', 'EventRegistered', registered);
    await registering;

    // The primary names its backup: a standby session, the ledger replayed there.
    p.restoreConnection(0, 1, B);
    await vi.advanceTimersByTimeAsync(0);
    const b = fake.last(B.name);
    expect(b.answer('RequestRegisterAddress', 'EventRegistered', registered)).toBe(1);
    expect(c.state).toMatchObject({ status: 'open', active: P.name, standby: B.name });

    // A routing point whose handler never decides.
    const serving = c.route('7000', () => new Promise<string>(() => undefined), { timeoutMs: 3_000 });
    await vi.advanceTimersByTimeAsync(0);
    p.answer('RequestRegisterAddress', 'EventRegistered', registered);
    const rp = await serving;
    const routeErrors: RouteError[] = [];
    rp.on('error', (e) => routeErrors.push(e));

    // The primary dies: the standby is promoted at once, then says it is the primary.
    const failedOverAt = Date.now();
    p.lose();
    await vi.advanceTimersByTimeAsync(0);
    expect(c.state).toMatchObject({ status: 'open', active: B.name });
    b.deliver('EventPrimaryChanged', { EventSequenceNumber: 10 });
    await vi.advanceTimersByTimeAsync(0);
    expect(c.state.resyncing).toBe(true);
    expect(b.requests('RequestQueryLocation')).toHaveLength(1);
    const resynced = new Promise<{ dns: number; durationMs: number }>((resolve) => c.once('resynced', resolve));
    await vi.advanceTimersByTimeAsync(250); // the server takes 250 ms to answer
    b.answer('RequestQueryLocation', 'EventLocationInfo');
    b.answer('RequestQueryAddress', 'EventAddressInfo', registered);
    b.answer('RequestRegisterAddress', 'EventRegistered', registered); // the routing point's mirror
    const summary = await resynced;
    expect(summary).toMatchObject({ dns: 2, durationMs: 250 });
    expect(c.state.resyncing).toBe(false);

    // A call waits at the routing point: the handler never answers, the default route goes at 3 s.
    b.deliver('EventRouteRequest', { ThisDN: '7000', ConnID: '00000000000000a1' });
    await vi.advanceTimersByTimeAsync(2_999);
    expect(b.requests('RequestRouteCall')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(b.requests('RequestRouteCall')).toMatchObject([{ ThisDN: '7000', ConnID: '00000000000000a1' }]);
    expect(routeErrors.map((e) => e.code)).toEqual(['ERR_ROUTE_TIMEOUT']);
    expect(Date.now() - failedOverAt).toBe(3_250);
  });
});
