/**
 * The routing point's own budget against a scripted host: its request window, the bounds on calls
 * in progress and on the bytes of waiting requests, the true cause of every failure, the sweep
 * (paced, superseded, never swallowing an error), and protocol 1.2's routing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConnectionClosedError,
  NotConnectedError,
  OfflineQueueFullError,
  RequestInterruptedError,
  RequestTimeoutError,
  TServerError,
} from '../../src/errors.js';
import { type RouteError, type RouteOutcome, RoutePoint } from '../../src/routing/index.js';
import { expectBalanced, FakeHost, flush } from './fake-host.js';

const info = { name: 'RequestRouteCall', referenceId: 1 } as never;
const noSuchCall = () => new TServerError({ ErrorCode: 57 }, info);

let host: FakeHost;
beforeEach(() => {
  host = new FakeHost();
});
afterEach(() => {
  vi.useRealTimers();
});

async function serve(handler: Parameters<typeof RoutePoint.start>[2], options: Parameters<typeof RoutePoint.start>[3] = {}) {
  const rp = await RoutePoint.start(host, '5000', handler, options);
  const errors: RouteError[] = [];
  const outcomes: RouteOutcome[] = [];
  rp.on('error', (e) => errors.push(e));
  rp.on('routed', (o) => outcomes.push(o));
  return { rp, errors, outcomes };
}

describe('the routing window', () => {
  it('keeps at most maxInFlight routes on the wire; the rest wait in order and go as answers land', async () => {
    host.autoAnswer = false;
    const { rp } = await serve((r) => `d-${r.connId}`, { maxInFlight: 3 });
    for (let i = 0; i < 10; i++) host.routeRequest(`c${i}`);
    await flush();
    expect(host.routes().map((s) => s.args.ConnID)).toEqual(['c0', 'c1', 'c2']);
    expect(rp.stats()).toMatchObject({ received: 10, sending: 10, running: 0 });
    expect(rp.window).toMatchObject({ inFlight: 3, queued: 7 });
    for (let answered = 0; answered < 10; answered++) {
      host.routes()[answered].resolve({ Event: 'EventRouteUsed' });
      await flush();
      expect(rp.window.inFlight).toBeLessThanOrEqual(3);
    }
    expect(host.routes().map((s) => s.args.ConnID)).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`));
    expect(rp.stats()).toMatchObject({ routed: 10, sending: 0 });
    expectBalanced(rp);
    await rp.close();
  });

  it('routes go before the sweep queries waiting for the same window', async () => {
    host.autoAnswer = false;
    host.script.RequestQueryAddress = () => 'pending';
    const { rp } = await serve(() => '1001', { maxInFlight: 1 });
    host.routeRequest('a'); // the start sweep's RequestQueryAddress holds the one slot
    host.routeRequest('b');
    await flush();
    expect(host.sent.map((s) => s.name)).toEqual(['RequestRegisterAddress', 'RequestQueryAddress']);
    host.named('RequestQueryAddress')[0].resolve({ Extensions: [['Calls', [['s1', 'routing']]]] });
    await flush();
    // The list came back; the routes waiting take the slot before the sweep's RequestQueryCall.
    expect(host.sent.at(-1)).toMatchObject({ name: 'RequestRouteCall', args: { ConnID: 'a' } });
    host.routes()[0].resolve({ Event: 'EventRouteUsed' });
    await flush();
    expect(host.sent.at(-1)).toMatchObject({ name: 'RequestRouteCall', args: { ConnID: 'b' } });
    host.routes()[1].resolve({ Event: 'EventRouteUsed' });
    await flush();
    expect(host.sent.at(-1)).toMatchObject({ name: 'RequestQueryCall', args: { ConnID: 's1' } });
    host.sent.at(-1)!.reject(noSuchCall());
    await rp.close();
  });
});

describe('the routing lane', () => {
  it('routes, their checks and the sweep go on the connection’s routing lane; the registration does not', async () => {
    host.autoAnswer = false;
    host.script.RequestQueryAddress = () => ({ Extensions: [['Calls', [['s1', 'routing']]]] });
    host.script.RequestQueryCall = (a) => ({ Event: 'EventPartyInfo', ConnID: a.ConnID, ThisDN: '5000' });
    const { rp } = await serve(() => '1001');
    host.routeRequest('a');
    await flush();
    host.routes()[0].reject(new RequestInterruptedError(info, 'the connection was lost'));
    await flush();
    const lanes = host.sent.map((s) => `${s.name} ${s.options?.lane ?? 'user'}`);
    expect(lanes[0]).toBe('RequestRegisterAddress user');
    expect(lanes.slice(1).sort()).toEqual(
      [
        'RequestQueryAddress routing',
        'RequestQueryCall routing', // the sweep's
        'RequestRouteCall routing', // s1's
        'RequestRouteCall routing', // a's, interrupted
        'RequestQueryCall routing', // its check
        'RequestRouteCall routing', // sent again: the call still waits
      ].sort(),
    );
    for (const s of host.routes()) s.resolve({ Event: 'EventRouteUsed' });
    await rp.close();
  });
});

describe('every call ends once, with its true cause', () => {
  it('a route refused client-side is reported as never sent, not as refused by the server', async () => {
    host.autoAnswer = false;
    const { rp, errors } = await serve(() => '1001');
    for (const id of ['full', 'offline', 'closed', 'server']) host.routeRequest(id);
    await flush();
    const [full, offline, closed, server] = host.routes();
    full.reject(new OfflineQueueFullError(1_000, 'RequestRouteCall'));
    offline.reject(new NotConnectedError('RequestRouteCall refused: no server is available and offlineQueue is off'));
    closed.reject(new ConnectionClosedError('RequestRouteCall refused: the connection is closing'));
    server.reject(new TServerError({ ErrorCode: 62, ErrorMessage: 'invalid destination' }, info));
    await flush();
    expect(errors.map((e) => [e.connId, e.code])).toEqual([
      ['full', 'ERR_ROUTE_FAILED'],
      ['offline', 'ERR_ROUTE_FAILED'],
      ['closed', 'ERR_ROUTE_FAILED'],
      ['server', 'ERR_ROUTE_FAILED'],
    ]);
    for (const e of errors.slice(0, 3)) {
      expect(e.message).toMatch(/never sent: the connection refused it client-side/);
      expect(e.message).not.toMatch(/server refused/);
    }
    expect(errors[0].cause).toBeInstanceOf(OfflineQueueFullError);
    expect(errors[3].message).toMatch(/the server refused it .*ErrorCode 62/);
    expect(errors[3].cause).toBeInstanceOf(TServerError);
    expect(rp.stats()).toMatchObject({ received: 4, failed: 4 });
    expectBalanced(rp);
    await rp.close();
  });

  it('a route with no answer is checked like an interrupted one, and rechecks are bounded', async () => {
    host.autoAnswer = false;
    host.script.RequestQueryCall = () => ({ Event: 'EventPartyInfo', ThisDN: '5000' }); // still waits there
    const { rp, errors } = await serve(() => '1001');
    host.routeRequest('a');
    await flush();
    host.routes()[0].reject(new RequestTimeoutError(info, 10_000));
    await flush();
    for (let i = 1; i <= 3; i++) {
      expect(host.routes()).toHaveLength(i + 1);
      host.routes()[i].reject(new RequestInterruptedError(info, 'the connection was lost'));
      await flush();
    }
    expect(host.routes()).toHaveLength(4);
    expect(host.named('RequestQueryCall')).toHaveLength(3);
    expect(errors.map((e) => e.code)).toEqual(['ERR_ROUTE_FAILED']);
    expect(errors[0].message).toMatch(/its server was lost before it answered/);
    expect(rp.stats()).toMatchObject({ failed: 1, sending: 0 });
    await rp.close();
  });

  it('a call abandoned while its route is on the wire is counted abandoned when the route gets 57', async () => {
    host.autoAnswer = false;
    const { rp, outcomes } = await serve(() => '1001');
    host.routeRequest('a');
    await flush();
    host.emit('EventAbandoned', { Event: 'EventAbandoned', ThisDN: '5000', ConnID: 'a' });
    host.routes()[0].reject(noSuchCall());
    await flush();
    expect(rp.stats()).toMatchObject({ abandoned: 1, defaulted: 0, routed: 0 });
    expect(outcomes).toEqual([]);
    expectBalanced(rp);
    await rp.close();
  });

  it('past maxPending calls in progress a new call is refused at once, nothing sent, counted failed', async () => {
    host.autoAnswer = false;
    const { rp, errors } = await serve(() => '1001', { maxPending: 2 });
    for (const id of ['a', 'b', 'c']) host.routeRequest(id);
    await flush();
    expect(host.routes().map((s) => s.args.ConnID)).toEqual(['a', 'b']);
    expect(errors.map((e) => [e.connId, e.code, e.fellBack])).toEqual([['c', 'ERR_ROUTE_OVERFLOW', false]]);
    expect(errors[0].message).toMatch(/2 calls are already in progress \(maxPending\)/);
    expect(rp.stats()).toMatchObject({ received: 3, failed: 1, sending: 2 });
    expectBalanced(rp);
    host.routes()[0].resolve({ Event: 'EventRouteUsed' });
    await flush();
    host.routeRequest('d'); // room again
    await flush();
    expect(host.routes().map((s) => s.args.ConnID)).toEqual(['a', 'b', 'd']);
    for (const s of host.routes().slice(1)) s.resolve({ Event: 'EventRouteUsed' });
    await rp.close();
    expect(rp.stats()).toMatchObject({ received: 4, routed: 3, failed: 1 });
  });

  it('waiting requests are bounded in bytes: a request past maxWaitingBytes falls back at once', async () => {
    const { rp, errors } = await serve(() => new Promise<string>(() => {}), {
      concurrency: 1,
      maxWaitingBytes: 64 * 1024,
      fallback: 'overflow',
      timeoutMs: 60_000,
    });
    const big = [['Notes', 'x'.repeat(40 * 1024)]];
    host.routeRequest('running', { UserData: big });
    host.routeRequest('w1', { UserData: big }); // 40 KB waiting
    host.routeRequest('w2', { UserData: big }); // would be 80 KB
    host.routeRequest('w3', { UserData: [['Skill', 'billing']] }); // small: fits
    await flush();
    expect(errors.map((e) => [e.connId, e.code])).toEqual([['w2', 'ERR_ROUTE_OVERFLOW']]);
    expect(errors[0].message).toMatch(/maxWaitingBytes 65536/);
    expect(host.routes().map((s) => [s.args.ConnID, s.args.OtherDN])).toEqual([['w2', 'overflow']]);
    expect(rp.stats()).toMatchObject({ waiting: 2, running: 1 });
    await rp.close();
  });
});

describe('once per ConnID', () => {
  it('remembers the calls in progress and the last 10,000 ended; the oldest ended one is forgotten first', async () => {
    const handler = vi.fn(() => '1001');
    const { rp } = await serve(handler);
    for (let i = 0; i <= 10_000; i++) {
      host.routeRequest(`c${i}`);
      if (i % 20 === 0) await flush(); // the burst drains as it comes: within concurrency, nothing waits
    }
    await flush();
    expect(handler).toHaveBeenCalledTimes(10_001);
    expect(rp.stats()).toMatchObject({ routed: 10_001, failed: 0 });
    host.routeRequest('c1'); // still remembered: a duplicate
    host.routeRequest('c0'); // forgotten: served again
    await flush();
    expect(rp.stats()).toMatchObject({ received: 10_002, duplicates: 1 });
    expect(handler).toHaveBeenCalledTimes(10_002);
    await rp.close();
  });
});

describe('the sweep', () => {
  const listing =
    (...calls: Array<[string, string]>) =>
    () => ({ Event: 'EventAddressInfo', Extensions: [['Calls', calls]] });

  it('at start and after a failover serves the calls waiting that it never saw, each once', async () => {
    host.script.RequestQueryAddress = listing(['seen', 'routing'], ['new1', 'routing'], ['talking', 'established']);
    host.script.RequestQueryCall = (a) => ({ Event: 'EventPartyInfo', ConnID: a.ConnID, ThisDN: '5000', ANI: `ani-${a.ConnID}` });
    const anis: unknown[] = [];
    const rp = await RoutePoint.start(host, '5000', (r) => {
      anis.push(r.ani);
      return '1001';
    });
    host.routeRequest('seen');
    await flush();
    expect(host.named('RequestQueryCall').map((s) => s.args.ConnID)).toEqual(['new1']);
    host.script.RequestQueryAddress = listing(['seen', 'routing'], ['new1', 'routing'], ['new2', 'routing']);
    host.emit('EventPrimaryChanged', { Event: 'EventPrimaryChanged' });
    await flush();
    expect(host.named('RequestQueryCall').map((s) => s.args.ConnID)).toEqual(['new1', 'new2']);
    expect(host.routes().map((s) => s.args.ConnID)).toEqual(['seen', 'new1', 'new2']);
    expect(anis).toEqual(['555', 'ani-new1', 'ani-new2']);
    expect(rp.stats()).toMatchObject({ received: 3, recovered: 2, routed: 3 });
    expectBalanced(rp);
    await rp.close();
  });

  it('checks listed calls only as fast as handlers can take them (a list of 5,000 never overflows)', async () => {
    const calls = Array.from({ length: 5_000 }, (_, i) => [`c${i}`, 'routing'] as [string, string]);
    host.script.RequestQueryAddress = listing(...calls);
    const release: Array<() => void> = [];
    const { rp, errors } = await serve(() => new Promise<string>((resolve) => release.push(() => resolve('1001'))), {
      concurrency: 2,
      maxWaiting: 3,
    });
    await flush();
    const queries = host.named('RequestQueryCall');
    expect(queries).toHaveLength(5); // room: 2 handlers + 3 waiting
    for (const q of queries) q.resolve({ Event: 'EventPartyInfo', ThisDN: '5000' });
    await flush();
    expect(rp.stats()).toMatchObject({ running: 2, waiting: 3 });
    expect(host.named('RequestQueryCall')).toHaveLength(5);
    let answered = queries.length;
    for (let round = 0; round < 5_000 && release.length > 0; round++) {
      release.shift()!();
      await flush();
      const asked = host.named('RequestQueryCall');
      for (; answered < asked.length; answered++) asked[answered].resolve({ Event: 'EventPartyInfo', ThisDN: '5000' });
      await flush();
      expect(rp.stats().waiting).toBeLessThanOrEqual(3);
    }
    expect(errors).toEqual([]);
    expect(rp.stats()).toMatchObject({ received: 5_000, recovered: 5_000, routed: 5_000, failed: 0 });
    expectBalanced(rp);
    await rp.close();
  });

  it('never swallows an error: a list that cannot be read is ERR_ROUTE_SWEEP, a call that cannot be read is counted failed', async () => {
    host.script.RequestQueryAddress = () => new RequestTimeoutError({ name: 'RequestQueryAddress', referenceId: 3 } as never, 10_000);
    const { rp, errors } = await serve(() => '1001');
    await flush();
    expect(errors.map((e) => [e.code, e.connId])).toEqual([['ERR_ROUTE_SWEEP', undefined]]);
    expect(errors[0].message).toMatch(/^5000: the calls waiting could not be listed, no answer came/);
    host.script.RequestQueryAddress = listing(['gone', 'routing'], ['stuck', 'routing']);
    host.script.RequestQueryCall = (a) => (a.ConnID === 'gone' ? noSuchCall() : new OfflineQueueFullError(1_000, 'RequestQueryCall'));
    host.emit('EventServerConnected', { Event: 'EventServerConnected' });
    await flush();
    expect(errors.map((e) => [e.code, e.connId])).toEqual([
      ['ERR_ROUTE_SWEEP', undefined],
      ['ERR_ROUTE_FAILED', 'stuck'],
    ]);
    expect(errors[1].message).toMatch(/found waiting after a new server took over, but it was never sent/);
    expect(rp.stats()).toMatchObject({ received: 1, recovered: 1, failed: 1 });
    expectBalanced(rp);
    await rp.close();
  });

  it('a new sweep supersedes the running one: its late answers are ignored', async () => {
    const lists: Array<(e: Record<string, unknown>) => void> = [];
    host.script.RequestQueryAddress = () => 'pending';
    const { rp } = await serve(() => '1001');
    host.emit('EventPrimaryChanged', { Event: 'EventPrimaryChanged' });
    await flush();
    for (const s of host.named('RequestQueryAddress')) lists.push(s.resolve);
    expect(lists).toHaveLength(2);
    lists[0]({ Extensions: [['Calls', [['old', 'routing']]]] }); // the superseded sweep's answer
    await flush();
    expect(host.named('RequestQueryCall')).toHaveLength(0);
    lists[1]({ Extensions: [['Calls', [['new', 'routing']]]] });
    await flush();
    expect(host.named('RequestQueryCall').map((s) => s.args.ConnID)).toEqual(['new']);
    await rp.close();
  });
});

describe('protocol 1.2 routing', () => {
  it('the handler gets previousConnId for a consultation call, and mediaType', async () => {
    const seen: unknown[] = [];
    const { rp } = await serve((r) => {
      seen.push([r.callType, r.previousConnId, r.mediaType]);
      return '1001';
    });
    host.routeRequest('consult', { CallType: 4, PreviousConnID: '00000000000000aa', MediaType: 5 });
    host.routeRequest('plain', { CallType: 2 });
    await flush();
    expect(seen).toEqual([
      [4, '00000000000000aa', 5],
      [2, undefined, undefined],
    ]);
    await rp.close();
  });

  it('reads where the call went from ThirdPartyDN (1.2), else a 1.1 peer’s OtherDN', async () => {
    host.autoAnswer = false;
    const { rp, outcomes } = await serve((r) => (r.connId === 'agent' ? { routeType: 13, destination: 'agent-7' } : '1001'));
    for (const id of ['v12', 'v11', 'agent']) host.routeRequest(id);
    await flush();
    const [v12, v11, agent] = host.routes();
    v12.resolve({ Event: 'EventRouteUsed', OtherDN: '+15550100', ThirdPartyDN: '1001', ThirdPartyDNRole: 2, CallState: 0 });
    v11.resolve({ Event: 'EventRouteUsed', OtherDN: '1001' });
    agent.resolve({ Event: 'EventRouteUsed', OtherDN: '+15550100', ThirdPartyDN: '1007', CallState: 0 });
    // A default route by the switch (no ReferenceID) for a call still deciding: 1.2 names the destination too.
    await flush();
    expect(agent.args).toMatchObject({ RouteType: 13, OtherDN: 'agent-7' });
    expect(outcomes.map((o) => [o.connId, o.outcome, o.destination, o.routeType])).toEqual([
      ['v12', 'routed', '1001', undefined],
      ['v11', 'routed', '1001', undefined],
      ['agent', 'routed', '1007', 13],
    ]);
    await rp.close();
  });

  it('a default route by the switch is reported with its destination; CallDisconnect goes nowhere', async () => {
    host.autoAnswer = false;
    const { rp, outcomes } = await serve((r) => (r.connId === 'drop' ? { routeType: 14 } : new Promise<string>(() => {})));
    host.routeRequest('slow');
    host.routeRequest('drop');
    await flush();
    host.emit('EventRouteUsed', {
      Event: 'EventRouteUsed',
      ThisDN: '5000',
      ConnID: 'slow',
      OtherDN: '+1555',
      ThirdPartyDN: '1009',
      CallState: 0,
    });
    host.routes()[0].resolve({ Event: 'EventRouteUsed', ThisDN: '5000', OtherDN: '+1555', CallState: 19 });
    await flush();
    expect(host.routes()[0].args).toEqual({ ThisDN: '5000', ConnID: 'drop', RouteType: 14 });
    expect(outcomes.map((o) => [o.connId, o.outcome, o.destination, o.routeType])).toEqual([
      ['slow', 'defaulted', '1009', undefined],
      ['drop', 'routed', undefined, 14],
    ]);
    expectBalanced(rp);
    await rp.close();
  });

  it('RouteType 13 without an AgentID is a handler error, not a route', async () => {
    const { rp, errors } = await serve(() => ({ routeType: 13 }));
    host.routeRequest('a');
    await flush();
    expect(errors.map((e) => e.code)).toEqual(['ERR_ROUTE_HANDLER']);
    expect(errors[0].message).toMatch(/RouteType 13 \(AgentID\) needs the AgentID as destination/);
    expect(host.routes().map((s) => s.args.RouteType)).toEqual([1]);
    await rp.close();
  });
});
