/**
 * RoutePoint against a scripted host (no sockets): ordering, bounds, timeouts with fake timers,
 * failover recovery decisions. The real-socket flows are in route.integration.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, RequestInterruptedError, TServerError } from '../../src/errors.js';
import { RouteError, RoutePoint, type RouteHandler } from '../../src/routing/index.js';
import { expectBalanced, FakeHost, flush } from './fake-host.js';

describe('RoutePoint', () => {
  let host: FakeHost;
  beforeEach(() => {
    host = new FakeHost();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('registers the routing point as AddressType 4 and unregisters on close, leaving no listener', async () => {
    const rp = await RoutePoint.start(host, '5000', () => '1001');
    expect(host.sent[0]).toMatchObject({ name: 'RequestRegisterAddress', args: { ThisDN: '5000', AddressType: 4 } });
    expect(host.listenerCount('EventRouteRequest')).toBe(1);
    await rp.close();
    expect(host.sent.at(-1)).toMatchObject({ name: 'RequestUnregisterAddress', args: { ThisDN: '5000' } });
    expect(host.eventNames()).toEqual([]);
  });

  it('routes to what the handler returns: a string, a target, or null (default route)', async () => {
    const decisions: Record<string, ReturnType<RouteHandler>> = {
      a: '1001',
      b: { destination: '1002', routeType: 6, userData: { skill: 'x' } },
      c: null,
    };
    const rp = await RoutePoint.start(host, '5000', (r) => decisions[r.connId]);
    for (const id of ['a', 'b', 'c']) host.routeRequest(id);
    await flush();
    const routes = host.routes().map((s) => s.args);
    expect(routes).toEqual([
      { ThisDN: '5000', ConnID: 'a', OtherDN: '1001' },
      { ThisDN: '5000', ConnID: 'b', OtherDN: '1002', RouteType: 6, UserData: { skill: 'x' } },
      { ThisDN: '5000', ConnID: 'c', RouteType: 1 },
    ]);
    expect(rp.stats()).toMatchObject({ received: 3, routed: 2, defaulted: 1, failed: 0 });
    await rp.close();
  });

  it('gives the handler the call: ANI, DNIS, CallType, UserData, caller', async () => {
    const seen: unknown[] = [];
    const rp = await RoutePoint.start(host, '5000', (r) => {
      seen.push({ ani: r.ani, dnis: r.dnis, callType: r.callType, caller: r.caller, userData: r.userData });
      return '1001';
    });
    host.routeRequest('a', { DNIS: '800', CallType: 2, OtherDN: '+1555', UserData: [{ key: 'k', value: 'v' }] });
    await flush();
    expect(seen).toEqual([{ ani: '555', dnis: '800', callType: 2, caller: '+1555', userData: [{ key: 'k', value: 'v' }] }]);
    await rp.close();
  });

  it('ignores route requests for other routing points and never runs the handler twice for one ConnID', async () => {
    const handler = vi.fn(() => '1001');
    const rp = await RoutePoint.start(host, '5000', handler);
    host.routeRequest('a');
    host.routeRequest('a');
    host.emit('EventRouteRequest', { ThisDN: '6000', ConnID: 'b' });
    await flush();
    expect(handler).toHaveBeenCalledTimes(1);
    expect(rp.stats()).toMatchObject({ received: 1, duplicates: 1 });
    await rp.close();
  });

  it('a throwing handler routes to the fallback and reports ERR_ROUTE_HANDLER', async () => {
    const rp = await RoutePoint.start(
      host,
      '5000',
      () => {
        throw new Error('no agents table');
      },
      { fallback: '9999' },
    );
    const errors: RouteError[] = [];
    rp.on('error', (e) => errors.push(e));
    host.routeRequest('a');
    await flush();
    expect(host.routes().map((s) => s.args.OtherDN)).toEqual(['9999']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RouteError);
    expect(errors[0]).toMatchObject({ code: 'ERR_ROUTE_HANDLER', connId: 'a', fellBack: true });
    expect(errors[0].message).toContain('no agents table');
    expect(rp.stats()).toMatchObject({ routed: 1, fellBack: 1 });
    await rp.close();
  });

  it('without a fallback a failed handler asks the default route at once; no listener → process warning', async () => {
    // Captured, so the expected warning is not printed as noise.
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const rp = await RoutePoint.start(host, '5000', () => Promise.reject(new Error('boom')));
    host.routeRequest('a');
    await flush();
    const warnings = emitWarning.mock.calls.map((c) => String(c[0]));
    emitWarning.mockRestore();
    expect(host.routes().map((s) => s.args)).toEqual([{ ThisDN: '5000', ConnID: 'a', RouteType: 1 }]);
    expect(warnings.some((w) => w.includes('boom'))).toBe(true);
    expect(rp.stats()).toMatchObject({ defaulted: 1, fellBack: 0 });
    await rp.close();
  });

  it('a handler slower than timeoutMs falls back, its signal aborts, and its late answer is ignored', async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    let finish: (d: string) => void = () => {};
    const rp = await RoutePoint.start(
      host,
      '5000',
      (r) => {
        signal = r.signal;
        return new Promise<string>((resolve) => (finish = resolve));
      },
      { timeoutMs: 1_000, fallback: '9999' },
    );
    rp.on('error', () => {});
    host.routeRequest('a');
    await vi.advanceTimersByTimeAsync(999);
    expect(host.routes()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(signal?.aborted).toBe(true);
    expect(host.routes().map((s) => s.args.OtherDN)).toEqual(['9999']);
    finish('1001');
    await flush();
    expect(host.routes()).toHaveLength(1);
    await rp.close();
  });

  it('bounds concurrency: excess requests wait in order, and overflow past maxWaiting falls back', async () => {
    const release: Array<() => void> = [];
    const started: string[] = [];
    const rp = await RoutePoint.start(
      host,
      '5000',
      (r) => {
        started.push(r.connId);
        return new Promise<string>((resolve) => release.push(() => resolve(`d-${r.connId}`)));
      },
      { concurrency: 2, maxWaiting: 2, fallback: 'overflow' },
    );
    const errors: RouteError[] = [];
    rp.on('error', (e) => errors.push(e));
    for (const id of ['a', 'b', 'c', 'd', 'e']) host.routeRequest(id);
    await flush();
    expect(started).toEqual(['a', 'b']);
    expect(rp.stats()).toMatchObject({ running: 2, waiting: 2 });
    expect(errors.map((e) => [e.code, e.connId])).toEqual([['ERR_ROUTE_OVERFLOW', 'e']]);
    release.shift()!();
    await flush();
    expect(started).toEqual(['a', 'b', 'c']);
    while (release.length) {
      release.shift()!();
      await flush();
    }
    expect(host.routes().map((s) => s.args.OtherDN)).toEqual(['overflow', 'd-a', 'd-b', 'd-c', 'd-d']);
    expect(rp.stats()).toMatchObject({ running: 0, waiting: 0, routed: 5, fellBack: 1 });
    await rp.close();
  });

  it('EventError 57 on the route counts as defaulted, another EventError as failed', async () => {
    host.autoAnswer = false;
    const rp = await RoutePoint.start(host, '5000', () => '1001');
    const errors: RouteError[] = [];
    rp.on('error', (e) => errors.push(e));
    host.routeRequest('a');
    host.routeRequest('b');
    await flush();
    const [a, b] = host.routes();
    a.reject(new TServerError({ ErrorCode: 57 }, { name: 'RequestRouteCall', referenceId: 1 } as never));
    b.reject(new TServerError({ ErrorCode: 62 }, { name: 'RequestRouteCall', referenceId: 2 } as never));
    await flush();
    expect(rp.stats()).toMatchObject({ routed: 0, defaulted: 1, failed: 1 });
    expect(errors.map((e) => [e.code, e.connId])).toEqual([['ERR_ROUTE_FAILED', 'b']]);
    await rp.close();
  });

  it('a route interrupted by failover is re-sent only if the new primary says the call still waits there', async () => {
    host.autoAnswer = false;
    const handler = vi.fn((r: { connId: string }) => `d-${r.connId}`);
    const rp = await RoutePoint.start(host, '5000', handler);
    host.routeRequest('waits');
    host.routeRequest('went');
    await flush();
    for (const s of host.routes())
      s.reject(new RequestInterruptedError({ name: 'RequestRouteCall', referenceId: 1 } as never, 'the connection was lost'));
    await flush();
    const queries = host.sent.filter((s) => s.name === 'RequestQueryCall');
    expect(queries.map((q) => q.args.ConnID)).toEqual(['waits', 'went']);
    queries[0].resolve({ Event: 'EventPartyInfo', ConnID: 'waits', ThisDN: '5000' });
    queries[1].resolve({ Event: 'EventPartyInfo', ConnID: 'went', ThisDN: 'd-went' });
    await flush();
    const routes = host.routes();
    expect(routes.map((s) => s.args.ConnID)).toEqual(['waits', 'went', 'waits']);
    routes[2].resolve({ Event: 'EventRouteUsed' });
    await flush();
    expect(handler).toHaveBeenCalledTimes(2);
    expect(rp.stats()).toMatchObject({ routed: 2, failed: 0 });
    await rp.close();
  });

  it('a call abandoned or routed by the switch while the handler runs ends its wait', async () => {
    const signals: AbortSignal[] = [];
    const rp = await RoutePoint.start(host, '5000', (r) => {
      signals.push(r.signal);
      return new Promise<string>(() => {});
    });
    host.routeRequest('a');
    host.routeRequest('b');
    await flush();
    host.emit('EventAbandoned', { Event: 'EventAbandoned', ThisDN: '5000', ConnID: 'a' });
    host.emit('EventRouteUsed', { Event: 'EventRouteUsed', ThisDN: '5000', ConnID: 'b', OtherDN: '1000' });
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
    expect(rp.stats()).toMatchObject({ abandoned: 1, defaulted: 1, running: 0 });
    expect(host.routes()).toHaveLength(0);
    await rp.close();
  });

  it('refuses wrong arguments with InvalidArgumentError naming the problem, and a second handle on one routing point', async () => {
    await expect(RoutePoint.start(host, '', () => null)).rejects.toThrow(/routingPoint must be a non-empty DN string/);
    await expect(RoutePoint.start(host, '5000', 'x' as never)).rejects.toThrow(InvalidArgumentError);
    await expect(RoutePoint.start(host, '5000', () => null, { timeoutMs: 0 })).rejects.toThrow(/options.timeoutMs must be a whole number/);
    await expect(RoutePoint.start(host, '5000', () => null, { concurrency: 1.5 })).rejects.toThrow(/options.concurrency/);
    await expect(RoutePoint.start(host, '5000', () => null, { fallback: {} as never })).rejects.toThrow(/options.fallback/);
    const rp = await RoutePoint.start(host, '5000', () => null);
    await expect(RoutePoint.start(host, '5000', () => null)).rejects.toThrow(/already served/);
    await rp.close();
    const again = await RoutePoint.start(host, '5000', () => null);
    await again.close();
  });

  it('a handler returning something that is not a decision is reported and defaulted', async () => {
    const rp = await RoutePoint.start(host, '5000', () => 42 as never);
    const errors: RouteError[] = [];
    rp.on('error', (e) => errors.push(e));
    host.routeRequest('a');
    await flush();
    expect(errors[0].message).toMatch(/returned 42/);
    expect(host.routes().map((s) => s.args.RouteType)).toEqual([1]);
    await rp.close();
  });

  it('a handler returning a megabyte that is not a decision is reported in a short message', async () => {
    const huge = { destination: 'x'.repeat(1_000_000), routeType: 'direct', extra: Array(100_000).fill('y') };
    const rp = await RoutePoint.start(host, '5000', () => huge as never);
    const errors: RouteError[] = [];
    rp.on('error', (e) => errors.push(e));
    host.routeRequest('a');
    await flush();
    expect(errors[0].message.length).toBeLessThan(400);
    expect(errors[0].message).toMatch(
      /returned \{ destination: "x{64}…" \(1000000 characters\), routeType: "direct", extra: an array of 100000 \}/,
    );
    await rp.close();
  });

  it('100,000 calls abandoned while they wait for the one busy handler: what the routing point holds stays bounded by what still waits', async () => {
    const rp = await RoutePoint.start(host, '5000', () => new Promise<string>(() => undefined), { concurrency: 1, timeoutMs: 600_000 });
    host.routeRequest('busy');
    for (let i = 0; i < 100_000; i++) {
      host.routeRequest(`c${i}`, { UserData: [['Note', 'x'.repeat(100)]] });
      host.emit('EventAbandoned', { Event: 'EventAbandoned', ThisDN: '5000', ConnID: `c${i}` });
    }
    expect(rp.stats()).toMatchObject({ received: 100_001, abandoned: 100_000, running: 1, waiting: 0 });
    // The list of calls waiting for a handler (private): the abandoned ones leave it as they come to be most of it.
    expect((rp as unknown as { waitingList: { size: number } }).waitingList.size).toBeLessThanOrEqual(64);
    await rp.close();
  });

  it('close() aborts running handlers, asks the default route for every undecided call, waits for routes in flight, then unregisters', async () => {
    host.autoAnswer = false;
    const signals: AbortSignal[] = [];
    let finish: (d: string) => void = () => {};
    const rp = await RoutePoint.start(
      host,
      '5000',
      (r) => {
        signals.push(r.signal);
        if (r.connId === 'a') return '1001';
        return new Promise<string>((resolve) => (finish = resolve));
      },
      { concurrency: 1 },
    );
    host.routeRequest('a'); // decided at once: its route is on the wire at close()
    host.routeRequest('b'); // running at close()
    host.routeRequest('c'); // waiting at close()
    await flush();
    let closed = false;
    const closing = rp.close().then(() => (closed = true));
    finish('1002');
    host.routeRequest('d');
    await flush();
    expect(signals).toHaveLength(2);
    expect(signals[1].aborted).toBe(true);
    expect(host.routes().map((s) => [s.args.ConnID, s.args.OtherDN ?? `RouteType ${s.args.RouteType}`])).toEqual([
      ['a', '1001'],
      ['b', 'RouteType 1'],
      ['c', 'RouteType 1'],
    ]);
    expect(closed).toBe(false);
    expect(host.sent.some((s) => s.name === 'RequestUnregisterAddress')).toBe(false);
    for (const s of host.routes()) s.resolve({ Event: 'EventRouteUsed' });
    await closing;
    expect(host.sent.at(-1)?.name).toBe('RequestUnregisterAddress');
    expect(rp.stats()).toMatchObject({ received: 3, routed: 1, defaulted: 2, running: 0, waiting: 0, sending: 0 });
    expectBalanced(rp);
  });

  it('an abort signal closes the handle', async () => {
    const ac = new AbortController();
    await RoutePoint.start(host, '5000', () => null, { signal: ac.signal });
    ac.abort();
    await flush();
    expect(host.listenerCount('EventRouteRequest')).toBe(0);
    expect(host.sent.at(-1)?.name).toBe('RequestUnregisterAddress');
  });

  it('reports handler time p50/p99 over recent calls', async () => {
    vi.useFakeTimers();
    let n = 0;
    const rp = await RoutePoint.start(
      host,
      '5000',
      async () => {
        const ms = ++n * 10;
        await new Promise((r) => setTimeout(r, ms));
        return '1001';
      },
      { concurrency: 100 },
    );
    for (let i = 0; i < 10; i++) host.routeRequest(`c${i}`);
    await vi.advanceTimersByTimeAsync(200);
    const { handlerMs, routed } = rp.stats();
    expect(routed).toBe(10);
    expect(handlerMs.count).toBe(10);
    expect(handlerMs.p50).toBeGreaterThanOrEqual(50);
    expect(handlerMs.p50).toBeLessThanOrEqual(70);
    expect(handlerMs.p99).toBeGreaterThanOrEqual(100);
    await rp.close();
  });

  it('onIdle() resolves once no call is waiting, running or sending (every route answered), at once when none is', async () => {
    host.autoAnswer = false;
    const rp = await RoutePoint.start(host, '5000', () => '1001');
    await rp.onIdle(); // nothing in progress
    for (const c of ['a', 'b']) host.routeRequest(c);
    let idle = 0;
    const a = rp.onIdle().then(() => idle++);
    const b = rp.onIdle().then(() => idle++);
    await flush();
    expect(rp.stats()).toMatchObject({ sending: 2, waiting: 0, running: 0, routed: 0 });
    host.routes()[0].resolve({ Event: 'EventRouteUsed' }); // a answered; b's route is still on the wire
    await flush();
    expect(idle).toBe(0);
    expect(rp.stats()).toMatchObject({ sending: 1, routed: 1 });
    host.routes()[1].resolve({ Event: 'EventRouteUsed' });
    await Promise.all([a, b]);
    expect(idle).toBe(2);
    expect(rp.stats()).toMatchObject({ received: 2, routed: 2, sending: 0 });
    await rp.close();
    await rp.onIdle(); // closed: nothing can be in progress
  });
});
