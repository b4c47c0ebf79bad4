/**
 * A routing point against a server that is not primary yet, on a scripted host (no sockets): in a
 * hot-standby pair the connection moves requests to the backup as soon as the primary is lost,
 * and the backup refuses them (EventError 52) until it says it is primary (EventPrimaryChanged).
 * The sweep and the routes try again then — or after a backoff, bounded in tries and time (fake
 * timers) — and give up only with the true cause.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RequestInterruptedError, TServerError } from '../../src/errors.js';
import { type RouteError, RoutePoint } from '../../src/routing/index.js';
import { PRIMARY_WAIT, PrimaryWait, Tries } from '../../src/routing/primary-wait.js';
import { systemClock } from '../../src/util/clock.js';
import { expectBalanced, FakeHost, flush } from './fake-host.js';

const notPrimary = (name = 'RequestQueryAddress') =>
  new TServerError({ ErrorCode: 52, ErrorMessage: 'not primary: tserver-b is the backup' }, { name, referenceId: 7 } as never);
const interrupted = (name: string) => new RequestInterruptedError({ name, referenceId: 8 } as never, 'the connection was lost');
const listing =
  (...connIds: string[]) =>
  () => ({ Event: 'EventAddressInfo', Extensions: [['Calls', connIds.map((c) => [c, 'routing'])]] });
const waiting = (a: Record<string, unknown>) => ({ Event: 'EventPartyInfo', ConnID: a.ConnID, ThisDN: '5000' });

let host: FakeHost;
beforeEach(() => {
  host = new FakeHost();
});
afterEach(() => {
  vi.useRealTimers();
});

async function serve() {
  const rp = await RoutePoint.start(host, '5000', (r) => `d-${r.connId}`);
  const errors: RouteError[] = [];
  rp.on('error', (e) => errors.push(e));
  return { rp, errors };
}

/** The pair's promotion: the backup says it is primary, and answers from now on. */
function promote(): void {
  host.emit('EventPrimaryChanged', { Event: 'EventPrimaryChanged' });
}

describe('the sweep against a server not primary yet', () => {
  it('a list refused with 52 during the promotion gap is asked again at EventPrimaryChanged: no ERR_ROUTE_SWEEP, every call served', async () => {
    vi.useFakeTimers();
    host.script.RequestQueryAddress = () => 'pending';
    const { rp, errors } = await serve();
    // The primary dies with the sweep's list on the wire: the connection re-sends it to the backup, which refuses it.
    host.named('RequestQueryAddress')[0].reject(notPrimary());
    await flush();
    expect(errors).toEqual([]);
    host.script.RequestQueryAddress = listing('a', 'b');
    host.script.RequestQueryCall = waiting;
    promote();
    await flush();
    expect(errors).toEqual([]);
    expect(host.named('RequestQueryAddress')).toHaveLength(2);
    expect(host.routes().map((s) => s.args.ConnID)).toEqual(['a', 'b']);
    expect(rp.stats()).toMatchObject({ received: 2, recovered: 2, routed: 2, failed: 0 });
    expectBalanced(rp);
    await rp.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('without a new server it tries again after a backoff, and finds the calls once the server answers', async () => {
    vi.useFakeTimers();
    host.script.RequestQueryAddress = () => notPrimary();
    const { rp, errors } = await serve();
    await flush();
    expect(host.named('RequestQueryAddress')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(PRIMARY_WAIT.firstDelayMs - 1);
    expect(host.named('RequestQueryAddress')).toHaveLength(1);
    host.script.RequestQueryAddress = listing('a');
    host.script.RequestQueryCall = waiting;
    await vi.advanceTimersByTimeAsync(1);
    expect(host.named('RequestQueryAddress')).toHaveLength(2);
    expect(errors).toEqual([]);
    expect(rp.stats()).toMatchObject({ recovered: 1, routed: 1 });
    await rp.close();
  });

  it('a call query refused with 52 or lost with its server is not counted failed: the sweep runs again and serves it', async () => {
    host.script.RequestQueryAddress = listing('a', 'b');
    const refusals = [notPrimary('RequestQueryCall'), interrupted('RequestQueryCall')];
    host.script.RequestQueryCall = (a) => refusals.shift() ?? waiting(a);
    const { rp, errors } = await serve();
    await flush();
    expect(host.routes()).toHaveLength(0);
    promote();
    await flush();
    expect(errors).toEqual([]);
    expect(
      host
        .routes()
        .map((s) => s.args.ConnID)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(rp.stats()).toMatchObject({ received: 2, recovered: 2, routed: 2, failed: 0 });
    await rp.close();
  });

  it('gives up past the bound with ERR_ROUTE_SWEEP naming the tries and the last refusal as cause', async () => {
    vi.useFakeTimers();
    host.script.RequestQueryAddress = () => notPrimary();
    const { rp, errors } = await serve();
    await vi.advanceTimersByTimeAsync(PRIMARY_WAIT.budgetMs * 2);
    expect(host.named('RequestQueryAddress')).toHaveLength(PRIMARY_WAIT.retries + 1);
    expect(errors.map((e) => [e.code, e.connId])).toEqual([['ERR_ROUTE_SWEEP', undefined]]);
    expect(errors[0].message).toMatch(
      /^5000: the calls waiting could not be listed: no server became primary \(9 tries over \d+ ms\); the last: the server refused it .*ErrorCode 52/,
    );
    expect(errors[0].cause).toBeInstanceOf(TServerError);
    expect(vi.getTimerCount()).toBe(0);
    await rp.close();
  });

  it('close() while the sweep waits for a primary leaves no timer', async () => {
    vi.useFakeTimers();
    host.script.RequestQueryAddress = () => notPrimary();
    const { rp, errors } = await serve();
    await flush();
    expect(vi.getTimerCount()).toBe(1);
    await rp.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(PRIMARY_WAIT.budgetMs);
    expect(host.named('RequestQueryAddress')).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});

describe('routes against a server not primary yet', () => {
  it('a route refused with 52 was not carried out: sent again once a server is primary, routed once', async () => {
    host.autoAnswer = false;
    const { rp, errors } = await serve();
    host.routeRequest('a');
    await flush();
    host.routes()[0].reject(notPrimary('RequestRouteCall'));
    await flush();
    expect(host.routes()).toHaveLength(1);
    expect(rp.stats()).toMatchObject({ sending: 1, failed: 0 });
    promote();
    await flush();
    expect(host.routes()).toHaveLength(2);
    host.routes()[1].resolve({ Event: 'EventRouteUsed', ThirdPartyDN: 'd-a' });
    await flush();
    expect(errors).toEqual([]);
    expect(rp.stats()).toMatchObject({ routed: 1, failed: 0, sending: 0 });
    expect(host.named('RequestQueryCall')).toHaveLength(0); // 52 says it was not carried out: nothing to check
    await rp.close();
  });

  it('a route interrupted by the failover is checked once a server is primary, then sent again', async () => {
    host.autoAnswer = false;
    const checks = [notPrimary('RequestQueryCall')];
    host.script.RequestQueryCall = (a) => checks.shift() ?? waiting(a);
    const { rp, errors } = await serve();
    host.routeRequest('a');
    await flush();
    host.routes()[0].reject(interrupted('RequestRouteCall'));
    await flush();
    expect(host.named('RequestQueryCall')).toHaveLength(1);
    promote();
    await flush();
    expect(host.named('RequestQueryCall')).toHaveLength(2);
    expect(host.routes()).toHaveLength(2);
    host.routes()[1].resolve({ Event: 'EventRouteUsed' });
    await flush();
    expect(errors).toEqual([]);
    expect(rp.stats()).toMatchObject({ routed: 1, failed: 0 });
    await rp.close();
  });

  it('a route refused with 52 past the bound is counted failed with the true cause', async () => {
    vi.useFakeTimers();
    host.autoAnswer = false;
    host.script.RequestRouteCall = () => notPrimary('RequestRouteCall');
    const { rp, errors } = await serve();
    host.routeRequest('a');
    await vi.advanceTimersByTimeAsync(PRIMARY_WAIT.budgetMs * 2);
    expect(host.routes()).toHaveLength(PRIMARY_WAIT.retries + 1);
    expect(errors.map((e) => [e.code, e.connId])).toEqual([['ERR_ROUTE_FAILED', 'a']]);
    expect(errors[0].message).toMatch(
      /the route was not carried out: no server became primary \(9 tries over \d+ ms\); the last: the server refused it/,
    );
    expect(errors[0].cause).toBeInstanceOf(TServerError);
    expect(rp.stats()).toMatchObject({ failed: 1, sending: 0 });
    expectBalanced(rp);
    await rp.close();
  });
});

describe('Tries and PrimaryWait', () => {
  it('backs off 250, 500, 1000 … up to 4000 ms, within the time budget', () => {
    let now = 0;
    const clock = { ...systemClock, now: () => now };
    const tries = new Tries(clock);
    const delays: Array<number | undefined> = [];
    for (let i = 0; i <= PRIMARY_WAIT.retries; i++) delays.push(tries.next(notPrimary()));
    expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000, 4_000, 4_000, 4_000, undefined]);
    const late = new Tries(clock);
    expect(late.next(notPrimary())).toBe(250);
    now = PRIMARY_WAIT.budgetMs - 100;
    expect(late.next(notPrimary())).toBe(100); // never past the budget
    now = PRIMARY_WAIT.budgetMs;
    expect(late.next(notPrimary())).toBeUndefined();
  });

  it('wake() runs every waiter at once and clears its timer; a cancelled waiter never runs', () => {
    vi.useFakeTimers();
    const wait = new PrimaryWait(systemClock);
    const ran: string[] = [];
    wait.after(1_000, () => ran.push('a'));
    const cancel = wait.after(1_000, () => ran.push('b'));
    cancel();
    expect(wait.waiting).toBe(1);
    wait.wake();
    wait.wake();
    expect(ran).toEqual(['a']);
    expect(wait.waiting).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
