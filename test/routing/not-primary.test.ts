/**
 * A routing point against a server that is not primary yet. In a hot-standby pair the connection
 * moves requests to the backup as soon as the primary is lost, and the backup refuses them
 * (EventError 52) until it says it is primary (EventPrimaryChanged). The connection's request
 * router waits for that claim and sends them again (test/connection/router.test.ts has its bounds):
 * here, over real loopback sockets against the simulator pair, a route refused in the gap is
 * routed once after it, and one past its timeout fails with the true cause; on a scripted host,
 * a refusal that reaches the routing point is the connection's last word and is reported as such.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RequestInterruptedError, TServerError } from '../../src/errors.js';
import { type RouteError, RoutePoint } from '../../src/routing/index.js';
import { type Rig, startRig, stopRig, until } from '../ha/helpers.js';
import { expectBalanced, FakeHost, flush } from './fake-host.js';

const RP = '5000';

describe('a route sent in the promotion gap (real sockets, the simulator pair)', () => {
  let rig: Rig | undefined;
  const starts: Array<{ request: string; server: string }> = [];
  const onStart = (m: unknown) => {
    const { request, server } = m as { request: string; server: string };
    if (request === 'RequestRouteCall') starts.push({ request, server });
  };
  beforeEach(() => {
    starts.length = 0;
    subscribe('tlib:request:start', onStart);
  });
  afterEach(async () => {
    unsubscribe('tlib:request:start', onStart);
    await stopRig(rig);
    rig = undefined;
  });

  /** A routing point whose handler answers when the test says; the call waits at it when the primary is killed. */
  async function routeAcrossTheKill(promoteAfterMs: number, requestTimeoutMs: number) {
    rig = await startRig({ routingPoints: [{ dn: RP, timeoutMs: 60_000 }] }, { requestTimeoutMs });
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    let answer: ((to: string) => void) | undefined;
    const rp = await conn.route(RP, () => new Promise<string>((resolve) => (answer = resolve)), { timeoutMs: 30_000 });
    const errors: RouteError[] = [];
    rp.on('error', (e) => errors.push(e));
    const connId = pair.placeCall(RP);
    await until(() => answer, 'the route request at the handler');
    const backup = conn.state.standby;
    await pair.killPrimary({ promoteAfterMs });
    await until(() => conn.state.active === backup, 'the standby made active');
    expect(pair.promotionPending).toBe(true);
    answer!('7001');
    return { rp, errors, connId, backup };
  }

  it('refused with 52 by the backup, it waits for EventPrimaryChanged and is carried out once', async () => {
    const { rp, errors, connId, backup } = await routeAcrossTheKill(300, 10_000);
    await until(() => rp.stats().routed + rp.stats().failed > 0, 'the route settled', 10_000);
    expect(errors).toEqual([]);
    expect(rp.stats()).toMatchObject({ received: 1, routed: 1, failed: 0, sending: 0 });
    // Sent twice to the backup (refused in the gap, then carried out), received once by a primary.
    expect(starts).toEqual([
      { request: 'RequestRouteCall', server: backup },
      { request: 'RequestRouteCall', server: backup },
    ]);
    expect(rig!.pair.routeCallCount(connId)).toBe(1);
    expectBalanced(rp);
    await rp.close();
  }, 30_000);

  it('no claim within the request timeout: counted failed, the cause the refusal, saying it waited', async () => {
    const { rp, errors, connId } = await routeAcrossTheKill(60_000, 500);
    await until(() => rp.stats().failed > 0, 'the route failed', 10_000);
    expect(errors.map((e) => [e.code, e.connId])).toEqual([['ERR_ROUTE_FAILED', connId]]);
    const cause = errors[0].cause as TServerError;
    expect(cause).toBeInstanceOf(TServerError);
    expect(cause.errorCode).toBe(52);
    expect(cause.message).toMatch(/refused once by a server not primary yet: no server claimed the primary role within its 500 ms timeout/);
    expect(errors[0].message).toMatch(/the route was not carried out: .*ErrorCode 52/);
    expect(starts).toHaveLength(1);
    expect(rig!.pair.routeCallCount(connId)).toBe(0);
    expectBalanced(rp);
    await rp.close();
  }, 30_000);
});

describe('a refusal that reaches the routing point (scripted host): the connection gave up, and so does it', () => {
  const notPrimary = (name: string) =>
    new TServerError({ ErrorCode: 52, ErrorMessage: 'not primary: tserver-b is the backup' }, { name, referenceId: 7 } as never);
  const interrupted = (name: string) => new RequestInterruptedError({ name, referenceId: 8 } as never, 'the connection was lost');
  const waiting = (a: Record<string, unknown>) => ({ Event: 'EventPartyInfo', ConnID: a.ConnID, ThisDN: RP });
  let host: FakeHost;
  beforeEach(() => {
    host = new FakeHost();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  async function serve() {
    const rp = await RoutePoint.start(host, RP, (r) => `d-${r.connId}`);
    const errors: RouteError[] = [];
    rp.on('error', (e) => errors.push(e));
    return { rp, errors };
  }

  it('a route refused with 52 is counted failed with that cause, never sent again, and nothing is checked', async () => {
    vi.useFakeTimers();
    host.script.RequestRouteCall = () => notPrimary('RequestRouteCall');
    const { rp, errors } = await serve();
    host.routeRequest('a');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(host.routes()).toHaveLength(1);
    expect(host.named('RequestQueryCall')).toHaveLength(0); // 52 says it was not carried out: nothing to check
    expect(errors.map((e) => [e.code, e.connId])).toEqual([['ERR_ROUTE_FAILED', 'a']]);
    expect(errors[0].message).toMatch(/the route was not carried out: the server refused it .*ErrorCode 52/);
    expect(errors[0].cause).toBeInstanceOf(TServerError);
    expect(rp.stats()).toMatchObject({ failed: 1, sending: 0 });
    expectBalanced(rp);
    await rp.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("the sweep's list refused is reported once (ERR_ROUTE_SWEEP, the refusal as cause), with no timer left to try again", async () => {
    vi.useFakeTimers();
    host.script.RequestQueryAddress = () => notPrimary('RequestQueryAddress');
    const { rp, errors } = await serve();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(host.named('RequestQueryAddress')).toHaveLength(1);
    expect(errors.map((e) => [e.code, e.connId])).toEqual([['ERR_ROUTE_SWEEP', undefined]]);
    expect(errors[0].message).toMatch(/^5000: the calls waiting could not be listed, the server refused it .*ErrorCode 52/);
    expect(errors[0].cause).toBeInstanceOf(TServerError);
    expect(vi.getTimerCount()).toBe(0);
    await rp.close();
  });

  it('a route interrupted by the failover is checked at the new primary, then sent again: routed once', async () => {
    host.autoAnswer = false;
    host.script.RequestQueryCall = waiting;
    const { rp, errors } = await serve();
    host.routeRequest('a');
    await flush();
    host.routes()[0].reject(interrupted('RequestRouteCall'));
    await flush();
    expect(host.named('RequestQueryCall')).toHaveLength(1);
    expect(host.routes()).toHaveLength(2);
    host.routes()[1].resolve({ Event: 'EventRouteUsed' });
    await flush();
    expect(errors).toEqual([]);
    expect(rp.stats()).toMatchObject({ routed: 1, failed: 0 });
    await rp.close();
  });

  it("a check of an interrupted route that fails is counted failed, naming the check's cause; the route is not sent again", async () => {
    host.autoAnswer = false;
    host.script.RequestQueryCall = () => notPrimary('RequestQueryCall');
    const { rp, errors } = await serve();
    host.routeRequest('a');
    await flush();
    host.routes()[0].reject(interrupted('RequestRouteCall'));
    await flush();
    expect(host.routes()).toHaveLength(1);
    expect(errors.map((e) => [e.code, e.connId])).toEqual([['ERR_ROUTE_FAILED', 'a']]);
    expect(errors[0].message).toMatch(/the route's outcome could not be checked after a failover: the server refused it .*ErrorCode 52/);
    expect(rp.stats()).toMatchObject({ failed: 1, sending: 0 });
    expectBalanced(rp);
    await rp.close();
  });
});
