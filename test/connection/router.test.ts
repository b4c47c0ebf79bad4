/**
 * RequestRouter on its own: fake sessions, fake timers (no sockets, no sleeps). Checks the one
 * deadline timer, maxInFlight, the waiting queues, answer matching, the re-queue after a failover
 * and that every path settles once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RequestInterruptedError, RequestTimeoutError, TServerError } from '../../src/errors.js';
import { fakeClock } from '../support/fake-clock.js';
import type { PendingRequest, RequestSink } from '../../src/connection/requests/pending.js';
import { laneWindows, MAX_NOT_PRIMARY_REFUSALS, RequestRouter, type RequestFlags } from '../../src/connection/requests/router.js';

class FakeSink implements RequestSink {
  isOpen = true;
  linkUp = true;
  readonly sent: Array<{ type: number; attributes: Record<string, unknown> }> = [];
  constructor(readonly name: string) {}
  send(type: number, attributes: Record<string, unknown>): void {
    this.sent.push({ type, attributes });
  }
  refs(): number[] {
    return this.sent.map((s) => s.attributes.ReferenceID as number);
  }
}

const USER: RequestFlags = { lane: 'user', deliverAnswer: true, target: undefined };

let active: FakeSink | undefined;
let holding = false;
let router: RequestRouter;
let answered: string[];

function makeRouter(maxInFlight = 1_000, requestTimeoutMs = 1_000): RequestRouter {
  answered = [];
  return new RequestRouter({
    owner: {},
    requestTimeoutMs,
    windows: laneWindows(maxInFlight, maxInFlight),
    clock: fakeClock,
    route: (internal) => (internal || !holding ? active : undefined),
    answered: (p) => answered.push(p.name),
  });
}

/** Creates and submits; records how it settles. */
function send(
  name: string,
  attributes: Record<string, unknown> = {},
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
  flags = USER,
) {
  const p = router.create(name, attributes, options, flags);
  const out: { value?: Record<string, unknown>; error?: unknown; at?: number } = {};
  p.promise.then(
    (v) => Object.assign(out, { value: v, at: Date.now() }),
    (e) => Object.assign(out, { error: e, at: Date.now() }),
  );
  router.submit(p);
  return { p, out };
}

const answer = (sink: FakeSink, p: PendingRequest, event: Record<string, unknown>) => {
  const found = router.answerFor(sink, event.Event as string, { ReferenceID: p.referenceId, ...event });
  if (found) router.settle(found, { ReferenceID: p.referenceId, ...event });
  return found;
};

beforeEach(() => {
  vi.useFakeTimers();
  active = new FakeSink('a');
  holding = false;
  router = makeRouter();
});
afterEach(() => {
  router.rejectAll(new Error('test over'));
  vi.useRealTimers();
});

describe('deadlines: one timer for many requests', () => {
  it('10,000 requests that are never answered: one timer armed, all time out at their deadline, then none', async () => {
    const t0 = Date.now();
    const all = Array.from({ length: 10_000 }, () => send('RequestQueryServer'));
    expect(vi.getTimerCount()).toBe(1);
    expect(router.timers).toEqual({ deadlines: 10_000, armed: true });
    await vi.advanceTimersByTimeAsync(999);
    expect(all.some((r) => r.out.error)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    // Expired in batches of at most 1,000 per timer callback (the event loop breathes between).
    expect(all.filter((r) => r.out.error).length).toBe(1_000);
    await vi.advanceTimersByTimeAsync(20);
    expect(all.every((r) => r.out.error instanceof RequestTimeoutError)).toBe(true);
    const perMs = new Map<number, number>();
    for (const r of all) perMs.set(r.out.at! - t0, (perMs.get(r.out.at! - t0) ?? 0) + 1);
    expect(Math.min(...perMs.keys())).toBe(1_000);
    expect(Math.max(...perMs.keys())).toBeLessThanOrEqual(1_010);
    expect(Math.max(...perMs.values())).toBeLessThanOrEqual(1_000);
    expect(router.inFlightCount).toBe(0);
    expect(router.timers).toEqual({ deadlines: 0, armed: false });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('mixed timeouts expire in deadline order, each at its own time', async () => {
    const t0 = Date.now();
    const timeouts = [300, 100, 250, 50, 1_000, 100];
    const rs = timeouts.map((timeoutMs) => send('RequestQueryServer', {}, { timeoutMs }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(rs.map((r) => r.out.at! - t0)).toEqual(timeouts);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('settling requests clears their deadlines; the timer stops when none is left', async () => {
    const rs = [0, 1, 2].map(() => send('RequestQueryServer'));
    for (const r of rs) answer(active!, r.p, { Event: 'EventServerInfo' });
    await vi.advanceTimersByTimeAsync(0);
    expect(rs.every((r) => r.out.value?.Event === 'EventServerInfo')).toBe(true);
    expect(router.timers).toEqual({ deadlines: 0, armed: false });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a request settled out of the middle of the heap leaves the others on time', async () => {
    const t0 = Date.now();
    const rs = [500, 200, 400, 300, 100].map((timeoutMs) => send('RequestQueryServer', {}, { timeoutMs }));
    answer(active!, rs[2].p, { Event: 'EventServerInfo' });
    answer(active!, rs[4].p, { Event: 'EventServerInfo' });
    await vi.advanceTimersByTimeAsync(600);
    expect([rs[0], rs[1], rs[3]].map((r) => r.out.at! - t0)).toEqual([500, 200, 300]);
    expect(rs[2].out.value).toBeDefined();
  });

  it('the timeout covers queued time: a request waiting for a server times out and leaves the queue', async () => {
    active = undefined;
    const r = send('RequestQueryServer', {}, { timeoutMs: 300 });
    expect(router.queuedCount).toBe(1);
    expect(router.userQueued).toBe(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(r.out.error).toBeInstanceOf(RequestTimeoutError);
    expect(router.queuedCount).toBe(0);
    expect(router.userQueued).toBe(0);
  });

  it('an aborted request leaves its queue and the heap at once', async () => {
    active = undefined;
    const ac = new AbortController();
    const r = send('RequestQueryServer', {}, { signal: ac.signal });
    ac.abort(new Error('user gave up'));
    await vi.advanceTimersByTimeAsync(0);
    expect((r.out.error as Error).message).toBe('user gave up');
    expect(router.queuedCount).toBe(0);
    expect(router.timers).toEqual({ deadlines: 0, armed: false });
  });
});

describe('EventError 52 from a standby promoted before it claimed the primary role', () => {
  const ROUTING: RequestFlags = { ...USER, lane: 'routing' };
  let awaiting: boolean;
  const refuse = (p: PendingRequest) => answer(active!, p, { Event: 'EventError', ErrorCode: 52, ErrorMessage: 'not primary' });
  beforeEach(() => {
    awaiting = true;
    router = new RequestRouter({
      owner: {},
      requestTimeoutMs: 1_000,
      windows: laneWindows(10, 10),
      clock: fakeClock,
      route: () => active,
      awaitingPrimary: () => awaiting,
    });
  });

  it('an idempotent request waits for the claim and goes again; a non-idempotent one, or once the active is primary, gets the error', async () => {
    const login = send('RequestAgentLogin', { ThisDN: '1001', AgentID: 'a1' });
    answer(active!, login.p, { Event: 'EventError', ErrorCode: 52 });
    await Promise.resolve();
    expect(login.out.error).toBeInstanceOf(TServerError); // not idempotent: the application decides
    const q = send('RequestQueryAddress', { ThisDN: 'rp' });
    answer(active!, q.p, { Event: 'EventError', ErrorCode: 52 });
    await Promise.resolve();
    expect(q.out).toEqual({}); // not refused: it waits
    expect(router.queuedCount).toBe(1);
    router.flush(); // a flush is not the claim
    expect(active!.sent).toHaveLength(2);
    awaiting = false;
    router.primaryConfirmed();
    expect(active!.sent).toHaveLength(3);
    answer(active!, q.p, { Event: 'EventError', ErrorCode: 52 });
    await Promise.resolve();
    expect(q.out.error).toBeInstanceOf(TServerError);
  });
  it("a routing point's RequestRouteCall (not idempotent) refused with 52 waits for the claim and goes once more; the user's own gets the error", async () => {
    const route = send('RequestRouteCall', { ThisDN: 'rp', ConnID: 'c1' }, {}, ROUTING);
    const users = send('RequestRouteCall', { ThisDN: 'rp', ConnID: 'c2' });
    refuse(route.p);
    refuse(users.p);
    await Promise.resolve();
    expect(users.out.error).toBeInstanceOf(TServerError);
    expect(route.out).toEqual({});
    expect(router.load('routing')).toEqual({ inFlight: 0, queued: 1 });
    awaiting = false;
    router.primaryConfirmed();
    expect(active!.sent.filter((m) => m.attributes.ConnID === 'c1')).toHaveLength(2);
    answer(active!, route.p, { Event: 'EventRouteUsed', ThisDN: 'rp', ConnID: 'c1' });
    await Promise.resolve();
    expect(route.out.value).toMatchObject({ Event: 'EventRouteUsed' });
  });

  it(`past ${MAX_NOT_PRIMARY_REFUSALS} refusals it fails with the last one, saying how many it waited out`, async () => {
    const q = send('RequestQueryCall', { ConnID: 'c1' }, {}, ROUTING);
    for (let i = 0; i < MAX_NOT_PRIMARY_REFUSALS; i++) {
      refuse(q.p);
      router.primaryConfirmed(); // a claim that did not hold: refused again
    }
    expect(q.out).toEqual({});
    refuse(q.p);
    await Promise.resolve();
    const err = q.out.error as TServerError;
    expect(err).toBeInstanceOf(TServerError);
    expect(err.errorCode).toBe(52);
    expect(err.message).toBe(
      `RequestQueryCall refused by T-Server: ErrorCode 52 (not primary); refused ${MAX_NOT_PRIMARY_REFUSALS + 1} times by a server not primary yet: at most ${MAX_NOT_PRIMARY_REFUSALS} are waited out`,
    );
    expect(active!.sent).toHaveLength(MAX_NOT_PRIMARY_REFUSALS + 1);
    expect(router.queuedCount).toBe(0);
    expect(router.timers).toEqual({ deadlines: 0, armed: false });
  });

  it('at its deadline while it waits for the claim it fails with the refusal, naming the timeout (not RequestTimeoutError)', async () => {
    const q = send('RequestQueryAddress', { ThisDN: 'rp' }, { timeoutMs: 500 });
    refuse(q.p);
    await vi.advanceTimersByTimeAsync(500);
    const err = q.out.error as TServerError;
    expect(err).toBeInstanceOf(TServerError);
    expect(err.message).toMatch(/refused once by a server not primary yet: no server claimed the primary role within its 500 ms timeout$/);
    expect(router.queuedCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a new active that is primary (adopted, no claim to come): the flush sends what waited for the claim', async () => {
    const q = send('RequestQueryAddress', { ThisDN: 'rp' });
    refuse(q.p);
    active = new FakeSink('b');
    router.flush(); // b is active now, still not primary: the request waits on
    expect(active.sent).toHaveLength(0);
    awaiting = false;
    router.flush();
    expect(active.sent).toHaveLength(1);
    answer(active, q.p, { Event: 'EventAddressInfo', ThisDN: 'rp' });
    await Promise.resolve();
    expect(q.out.value).toMatchObject({ Event: 'EventAddressInfo' });
  });

  it('close while it waits for the claim: rejected with the close error, nothing left', async () => {
    const q = send('RequestQueryAddress', { ThisDN: 'rp' }, {}, ROUTING);
    refuse(q.p);
    router.rejectAll(new Error('closed'));
    await Promise.resolve();
    expect((q.out.error as Error).message).toBe('closed');
    expect(router.queuedCount).toBe(0);
    expect(router.timers).toEqual({ deadlines: 0, armed: false });
  });
});

describe('lanes: each budget apart', () => {
  const lane = (l: RequestFlags['lane']): RequestFlags => ({ ...USER, lane: l });

  it('a full routing lane and a full resync lane never hold a user request back, nor the other way round', () => {
    router = makeRouter(2);
    const routes = Array.from({ length: 5 }, (_, i) => send('RequestRouteCall', { ThisDN: 'rp', ConnID: String(i) }, {}, lane('routing')));
    Array.from({ length: 5 }, (_, i) => send('RequestQueryAddress', { ThisDN: `r${i}` }, {}, lane('resync')));
    const user = send('RequestQueryServer');
    // 2 routes, 2 resync queries and the user's request on the wire; 3 + 3 wait in their own lanes.
    expect(active!.sent).toHaveLength(5);
    expect(active!.sent.at(-1)!.attributes.ThisDN).toBeUndefined();
    expect(router.load('routing')).toEqual({ inFlight: 2, queued: 3 });
    expect(router.load('resync')).toEqual({ inFlight: 2, queued: 3 });
    expect(router.load('user')).toEqual({ inFlight: 1, queued: 0 });
    expect(router.userQueued).toBe(0);
    // A routing answer frees a routing slot: the next route goes, nothing else.
    expect(answer(active!, routes[0].p, { Event: 'EventRouteUsed', ThisDN: 'rp', ConnID: '0' })).toBeDefined();
    expect(active!.sent.at(-1)!.attributes.ConnID).toBe('2');
    answer(active!, user.p, { Event: 'EventServerInfo' });
    expect(router.load('user')).toEqual({ inFlight: 0, queued: 0 });
    expect(active!.sent).toHaveLength(6);
  });

  it('abandonLane: waiting requests are dropped unsent, those on the wire keep their slot, answer silently and are never re-sent', () => {
    router = makeRouter(2);
    const rs = Array.from({ length: 4 }, (_, i) => send('RequestQueryAddress', { ThisDN: `r${i}` }, {}, lane('resync')));
    router.abandonLane('resync', 'superseded');
    expect(rs[2].out).toEqual({});
    return Promise.resolve().then(() => {
      expect(rs[2].out.error).toBeInstanceOf(RequestInterruptedError);
      expect(rs[3].out.error).toBeInstanceOf(RequestInterruptedError);
      expect(router.load('resync')).toEqual({ inFlight: 2, queued: 0 });
      expect(rs[0].p.deliverAnswer).toBe(false);
      answer(active!, rs[0].p, { Event: 'EventAddressInfo' });
      expect(answered).toEqual([]); // the ledger learns nothing from an abandoned answer
      // A failover does not re-send the other one (idempotent, but nobody wants it).
      const old = active!;
      active = new FakeSink('b');
      router.requeueFrom(old, 'switched over');
      expect(active.sent).toHaveLength(0);
      expect(router.load('resync')).toEqual({ inFlight: 0, queued: 0 });
    });
  });
});

describe('maxInFlight', () => {
  it('past the limit requests wait in order and go as slots free', async () => {
    router = makeRouter(3);
    const rs = Array.from({ length: 6 }, (_, i) => send('RequestQueryAddress', { ThisDN: String(i) }, { timeoutMs: i < 3 ? 500 : 1_000 }));
    expect(active!.sent.map((s) => s.attributes.ThisDN)).toEqual(['0', '1', '2']);
    expect(router.inFlightCount).toBe(3);
    expect(router.queuedCount).toBe(3);
    expect(router.wouldWait('RequestQueryServer')).toBe(true);
    answer(active!, rs[1].p, { Event: 'EventAddressInfo' });
    expect(active!.sent.map((s) => s.attributes.ThisDN)).toEqual(['0', '1', '2', '3']);
    // A timeout frees a slot too.
    await vi.advanceTimersByTimeAsync(500);
    expect(active!.sent.map((s) => s.attributes.ThisDN)).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  it('a waiting request past its deadline is never sent late', async () => {
    router = makeRouter(1);
    send('RequestQueryServer');
    const late = send('RequestQueryAddress', { ThisDN: 'late' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(late.out.error).toBeInstanceOf(RequestTimeoutError);
    expect(active!.sent).toHaveLength(1);
  });

  it('a newcomer never overtakes a request waiting for a slot', () => {
    router = makeRouter(1);
    const first = send('RequestQueryServer');
    send('RequestQueryAddress', { ThisDN: 'waits' });
    answer(active!, first.p, { Event: 'EventServerInfo' });
    send('RequestQueryAddress', { ThisDN: 'newer' });
    expect(active!.sent.map((s) => s.attributes.ThisDN ?? '-')).toEqual(['-', 'waits']);
  });
});

describe('waiting queues', () => {
  it('offline requests wait and go in order when a session is there (flush)', () => {
    active = undefined;
    send('RequestQueryAddress', { ThisDN: '1' });
    send('RequestQueryAddress', { ThisDN: '2' });
    expect(router.wouldWait('RequestQueryServer')).toBe(true);
    active = new FakeSink('b');
    router.flush();
    expect(active.sent.map((s) => s.attributes.ThisDN)).toEqual(['1', '2']);
    expect(router.userQueued).toBe(0);
  });

  it('while a replay holds user requests, internal ones still go', () => {
    holding = true;
    send('RequestQueryServer');
    send('RequestQueryServer', {}, {}, { lane: 'control', deliverAnswer: false, target: undefined });
    expect(active!.sent).toHaveLength(1);
    expect(router.userQueued).toBe(1);
    holding = false;
    router.flush();
    expect(active!.sent).toHaveLength(2);
  });

  it('a registration waits for the CTI link; EventError 53 puts it back to wait instead of failing', async () => {
    active!.linkUp = false;
    const r = send('RequestRegisterAddress', { ThisDN: '1001' });
    expect(router.wouldWait('RequestRegisterAddress')).toBe(true);
    expect(router.wouldWait('RequestQueryServer')).toBe(false);
    expect(active!.sent).toHaveLength(0);
    active!.linkUp = true;
    router.flush();
    expect(active!.sent).toHaveLength(1);
    const firstRef = r.p.referenceId;
    active!.linkUp = false;
    answer(active!, r.p, { Event: 'EventError', ErrorCode: 53 });
    await vi.advanceTimersByTimeAsync(0);
    expect(r.out.error).toBeUndefined();
    expect(router.queuedCount).toBe(1);
    active!.linkUp = true;
    router.flush();
    expect(active!.sent).toHaveLength(2);
    expect(r.p.referenceId).not.toBe(firstRef);
    answer(active!, r.p, { Event: 'EventRegistered', ThisDN: '1001' });
    await vi.advanceTimersByTimeAsync(0);
    expect(r.out.value?.Event).toBe('EventRegistered');
    expect(answered).toEqual(['RequestRegisterAddress']);
  });

  it('another EventError rejects with TServerError', async () => {
    const r = send('RequestQueryServer');
    answer(active!, r.p, { Event: 'EventError', ErrorCode: 42 });
    await vi.advanceTimersByTimeAsync(0);
    expect(r.out.error).toBeInstanceOf(TServerError);
    expect((r.out.error as TServerError).errorCode).toBe(42);
  });
});

describe('answer matching', () => {
  it('only the answering event, on the session the request went to, settles it', () => {
    const r = send('RequestQueryServer');
    const other = new FakeSink('b');
    const attrs = { ReferenceID: r.p.referenceId };
    expect(router.answerFor(other, 'EventServerInfo', attrs)).toBeUndefined();
    expect(router.answerFor(active!, 'EventRinging', attrs)).toBeUndefined();
    expect(router.answerFor(active!, 'EventServerInfo', { ReferenceID: r.p.referenceId + 1 })).toBeUndefined();
    expect(router.answerFor(active!, 'EventServerInfo', attrs)).toBe(r.p);
    expect(router.isAwaited(active!, attrs)).toBe(true);
    expect(router.isAwaited(other, attrs)).toBe(false);
  });

  it('reserved ReferenceIDs (RequestRegisterClient) are never given to a request', () => {
    router.refs.seed(10);
    const reserved = router.reserveReferenceId();
    router.refs.seed(10);
    send('RequestQueryServer');
    expect(reserved).toBe(10);
    expect(active!.refs()).toEqual([11]);
    router.releaseReferenceId(reserved);
    router.refs.seed(10);
    send('RequestQueryServer');
    expect(active!.refs()).toEqual([11, 10]);
  });
});

describe('failover: requeueFrom', () => {
  it('idempotent requests in flight are re-sent on the new active with a fresh ReferenceID; others are interrupted', async () => {
    const old = active!;
    const query = send('RequestQueryServer');
    const call = send('RequestMakeCall', { ThisDN: '1', OtherDN: '2' });
    const bound = send('RequestRegisterAddress', { ThisDN: '1' }, {}, { lane: 'control', deliverAnswer: false, target: old });
    const oldRef = query.p.referenceId;
    active = new FakeSink('b');
    old.isOpen = false;
    router.requeueFrom(old, 'the connection was lost');
    await vi.advanceTimersByTimeAsync(0);
    expect(active.sent.map((s) => s.type)).toHaveLength(1);
    expect(query.p.session).toBe(active);
    expect(query.p.referenceId).not.toBe(0);
    expect(router.answerFor(old, 'EventServerInfo', { ReferenceID: oldRef })).toBeUndefined();
    expect(call.out.error).toBeInstanceOf(RequestInterruptedError);
    expect(bound.out.error).toBeInstanceOf(RequestInterruptedError);
    expect(router.inFlightCount).toBe(1);
  });

  it('with maxInFlight reached, the re-sent requests go before those waiting for a slot', () => {
    router = makeRouter(2);
    const old = active!;
    const call = send('RequestMakeCall', { ThisDN: 'a', OtherDN: '2' }); // not idempotent: interrupted
    send('RequestQueryAddress', { ThisDN: 'b' });
    send('RequestQueryAddress', { ThisDN: 'waiting' });
    active = new FakeSink('b');
    old.isOpen = false;
    router.requeueFrom(old, 'the connection was lost');
    expect(active.sent.map((s) => s.attributes.ThisDN)).toEqual(['b', 'waiting']);
    expect(call.p.settled).toBe(true);
  });

  it('a queued replay bound to a lost session is interrupted, not left waiting', async () => {
    const standby = new FakeSink('b');
    standby.linkUp = false;
    const replay = send('RequestRegisterAddress', { ThisDN: '1' }, {}, { lane: 'control', deliverAnswer: false, target: standby });
    expect(router.queuedCount).toBe(1);
    standby.isOpen = false;
    router.requeueFrom(standby, 'the connection was lost');
    await vi.advanceTimersByTimeAsync(0);
    expect(replay.out.error).toBeInstanceOf(RequestInterruptedError);
    expect(router.queuedCount).toBe(0);
  });
});

describe('rejectAll (close)', () => {
  it('rejects in flight and waiting requests with the reason and stops the timer', async () => {
    router = makeRouter(1);
    const rs = [send('RequestQueryServer'), send('RequestQueryServer')];
    active = undefined;
    rs.push(send('RequestQueryServer'));
    const reason = new Error('closed');
    router.rejectAll(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(rs.map((r) => r.out.error)).toEqual([reason, reason, reason]);
    expect([router.inFlightCount, router.queuedCount, router.userQueued]).toEqual([0, 0, 0]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
