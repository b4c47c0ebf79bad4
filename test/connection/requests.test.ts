/**
 * Requests over a real connection to the simulator: one per helper, the answer also emitted as an
 * event, ReferenceIDs, { signal, timeoutMs } on every call, timeouts, aborts and late answers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TServerConnection } from '../../src/connection/index.js';
import { RequestTimeoutError } from '../../src/errors.js';
import type { TEvent } from '../../src/protocol/types.js';
import { kvGet } from '../../src/protocol/values.js';
import type { TServerSimulator } from '../../src/simulator/index.js';
import {
  type ConnRecorder,
  Harness,
  SimRecorder,
  abortListeners,
  outcomeOf,
  settledAtOnce,
  track,
  waitUntil,
} from '../support/connection-helpers.js';

const h = new Harness();
let sim: TServerSimulator;
let srec: SimRecorder;
let conn: TServerConnection;
let rec: ConnRecorder;

beforeEach(async () => {
  sim = await h.sim({ name: 'req-sim' });
  srec = new SimRecorder(sim);
  ({ conn, rec } = await h.open(sim, { addp: false }));
});
afterEach(() => h.cleanup());

/** Options passed to every helper: a live signal and a timeout, as the issue requires. */
function opts() {
  const ac = new AbortController();
  return { ac, o: { signal: ac.signal, timeoutMs: 1000 } };
}

/** Asserts `answer` was also emitted as an event, with the same ReferenceID, and returns it. */
function expectEmitted(answer: TEvent & { ReferenceID?: number }): void {
  expect(answer.ReferenceID).toBeGreaterThan(0);
  const emitted = rec.events
    .map((e) => e.value)
    .filter((e) => e.Event === answer.Event && (e as { ReferenceID?: number }).ReferenceID === answer.ReferenceID);
  expect(emitted).toHaveLength(1);
  expect(emitted[0]).toEqual(answer);
}

describe('one request per helper, answered by the simulator', () => {
  it('registerAddress / unregisterAddress / queryAddress / queryServer / queryLocation', async () => {
    const { ac, o } = opts();
    const reg = await conn.registerAddress('1001', {}, o);
    expect(reg).toMatchObject({ Event: 'EventRegistered', ThisDN: '1001', Server: sim.url });
    expectEmitted(reg);
    expect(conn.registeredDNs).toEqual(['1001']);

    const addr = await conn.queryAddress('1001', {}, o);
    expect(addr).toMatchObject({ Event: 'EventAddressInfo', ThisDN: '1001', AgentStatus: 1 });
    expectEmitted(addr);

    const generic = await conn.request('RequestQueryAddress', { ThisDN: '1001' }, o);
    expect(generic.Event).toBe('EventAddressInfo');

    const server = await conn.queryServer(o);
    expect(server).toMatchObject({ Event: 'EventServerInfo', ServerVersion: sim.serverVersion, ServerRole: 0 });
    expectEmitted(server);

    const loc = await conn.queryLocation({}, o);
    expect(loc).toMatchObject({ Event: 'EventLocationInfo', Location: 'req-sim' });
    expectEmitted(loc);

    const unreg = await conn.unregisterAddress('1001', o);
    expect(unreg).toMatchObject({ Event: 'EventUnregistered', ThisDN: '1001' });
    expectEmitted(unreg);
    expect(conn.registeredDNs).toEqual([]);

    // What the simulator decoded, with the attributes the helpers put in.
    expect(srec.of(srec.lastClient).map((r) => [r.name, r.attributes.ThisDN])).toEqual([
      ['RequestRegisterClient', undefined],
      ['RequestRegisterAddress', '1001'],
      ['RequestQueryAddress', '1001'],
      ['RequestQueryAddress', '1001'],
      ['RequestQueryServer', undefined],
      ['RequestQueryLocation', undefined],
      ['RequestUnregisterAddress', '1001'],
    ]);
    expect(abortListeners(ac.signal)).toBe(0);
  });

  it('agentLogin / agentReady / agentNotReady / agentLogout / reserveAgent', async () => {
    const { ac, o } = opts();
    await conn.registerAddress('1001');
    const login = await conn.agentLogin('1001', 'agent7', { Place: 'P1' }, o);
    expect(login).toMatchObject({ Event: 'EventAgentLogin', ThisDN: '1001', AgentID: 'agent7', Place: 'P1' });
    expectEmitted(login);
    expect(sim.agent('1001')?.agentId).toBe('agent7');

    const ready = await conn.agentReady('1001', o);
    expect(ready).toMatchObject({ Event: 'EventAgentReady', ThisDN: '1001', AgentID: 'agent7' });
    expectEmitted(ready);
    expect(sim.agent('1001')?.status).toBe(3);

    const notReady = await conn.agentNotReady('1001', { Reasons: { Reason: 'lunch' } }, o);
    expect(notReady).toMatchObject({ Event: 'EventAgentNotReady', ThisDN: '1001' });
    expect(kvGet(notReady.Reasons, 'Reason')).toBe('lunch');
    expectEmitted(notReady);
    expect(sim.agent('1001')?.status).toBe(4);

    const reserved = await conn.reserveAgent({ AgentID: 'agent7', Timeout: 500 }, o);
    expect(reserved).toMatchObject({ Event: 'EventAgentReserved', AgentID: 'agent7' });
    expectEmitted(reserved);

    const logout = await conn.agentLogout('1001', o);
    expect(logout).toMatchObject({ Event: 'EventAgentLogout', ThisDN: '1001', AgentID: 'agent7' });
    expectEmitted(logout);
    expect(sim.agent('1001')).toBeUndefined();
    expect(abortListeners(ac.signal)).toBe(0);
  });

  it('makeCall / answerCall / attachUserData / queryCall / releaseCall', async () => {
    const { o } = opts();
    await conn.registerAddress('1001');
    await conn.registerAddress('1002');
    const since = rec.mark();
    const dialing = await conn.makeCall('1001', '1002', { UserData: { case: 42 } }, o);
    expect(dialing).toMatchObject({ Event: 'EventDialing', ThisDN: '1001', OtherDN: '1002' });
    expect(dialing.ConnID).toMatch(/^[0-9a-f]{16}$/);
    expectEmitted(dialing);
    const connId = dialing.ConnID;
    // The other party rings (unsolicited, no ReferenceID).
    const ringing = await rec.waitFor('EventRinging', { since });
    expect(ringing.value).toMatchObject({ ThisDN: '1002', ConnID: connId, OtherDN: '1001' });
    expect([...conn.calls.keys()]).toContain(connId);

    const established = await conn.answerCall('1002', connId, o);
    expect(established).toMatchObject({ Event: 'EventEstablished', ThisDN: '1002', ConnID: connId });
    expectEmitted(established);
    expect(sim.call(connId)?.state).toBe('established');

    const attached = await conn.attachUserData('1001', connId, { note: 'vip' }, o);
    expect(attached).toMatchObject({ Event: 'EventAttachedDataChanged', ThisDN: '1001', ConnID: connId });
    expect(kvGet(attached.UserData, 'note')).toBe('vip');
    expect(kvGet(attached.UserData, 'case')).toBe(42);
    expectEmitted(attached);

    const party = await conn.queryCall(connId, {}, o);
    expect(party).toMatchObject({ Event: 'EventPartyInfo', ConnID: connId, ThisDN: '1001', OtherDN: '1002' });
    expectEmitted(party);

    const released = await conn.releaseCall('1001', connId, o);
    expect(released).toMatchObject({ Event: 'EventReleased', ThisDN: '1001', ConnID: connId });
    expectEmitted(released);
    expect(sim.call(connId)).toBeUndefined();
    await waitUntil(() => ![...conn.calls.keys()].includes(connId), 'the call to leave the ledger');
  });

  it('sendUserEvent / privateService / transactionMonitoring / setInputMask', async () => {
    const { o } = opts();
    await conn.registerAddress('1001');
    const since = rec.mark();
    const ack = await conn.sendUserEvent('1001', { UserData: { k: 'v' }, CustomerID: 'c1' }, o);
    expect(ack).toMatchObject({ Event: 'EventACK', UserEvent: 48 });
    expectEmitted(ack);
    const userEvent = await rec.waitFor('EventUserEvent', { since });
    expect(userEvent.value).toMatchObject({ ThisDN: '1001', CustomerID: 'c1' });

    const priv = await conn.privateService(7, { ThisDN: '1001' }, o);
    expect(priv).toMatchObject({ Event: 'EventPrivateInfo', ThisDN: '1001' });
    expectEmitted(priv);

    const sub = await conn.transactionMonitoring({ SubscriptionOperation: 1, TransactionType: 2 }, o);
    expect(sub.Event).toBe('EventACK');
    expect(sub.SubscriptionID).toBeGreaterThan(0);
    expectEmitted(sub);
    expect(sim.emitTransactionStatus(sub.SubscriptionID!)).toBe(true);
    const status = await rec.waitFor('EventTransactionStatus', { since });
    expect(status.value.SubscriptionID).toBe(sub.SubscriptionID);
    const stop = await conn.transactionMonitoring({ SubscriptionOperation: 2, SubscriptionID: sub.SubscriptionID }, o);
    expect(stop.Event).toBe('EventACK');
    expect(sim.emitTransactionStatus(sub.SubscriptionID!)).toBe(false);

    // A mask without EventRinging: the simulator stops sending it; answers still pass.
    const maskAck = await conn.setInputMask(['EventRegistered', 'EventReleased'], o);
    expect(maskAck.Event).toBe('EventACK');
    expectEmitted(maskAck);
    const maskSent = srec.of(srec.lastClient, 'RequestSetInputMask')[0].attributes.InputMask as Uint8Array;
    expect(maskSent.length).toBe(64);
    expect(maskSent[53 >> 3] & (1 << (53 & 7))).not.toBe(0); // EventRegistered
    expect(maskSent[60 >> 3] & (1 << (60 & 7))).toBe(0); // EventRinging
    const before = rec.mark();
    const connId = sim.placeCall('1001');
    sim.releaseCall(connId);
    await rec.waitFor('EventReleased', { since: before });
    expect(rec.names(before)).toEqual(['EventReleased']);
  });
});

describe('ReferenceID', () => {
  it('is a unique positive int32 per request in flight, the same on the wire, in the answer and in the event', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => conn.queryAddress(String(1000 + i))));
    const refs = answers.map((a) => a.ReferenceID!);
    expect(new Set(refs).size).toBe(20);
    for (const r of refs) expect(r > 0 && r <= 0x7fffffff && Number.isInteger(r)).toBe(true);
    const wire = srec.of(srec.lastClient, 'RequestQueryAddress').map((r) => [r.attributes.ThisDN, r.attributes.ReferenceID]);
    expect(wire).toEqual(answers.map((a) => [a.ThisDN, a.ReferenceID]));
  });

  it('wraps past 2^31−1 to 1 and never reuses one still in flight', async () => {
    const refs = (conn as unknown as { refs: { seed(n: number): void } }).refs; // the test hook of ReferenceIds
    refs.seed(0x7ffffffe);
    const a = await conn.queryServer();
    const b = await conn.queryServer();
    const c = await conn.queryServer();
    expect([a.ReferenceID, b.ReferenceID, c.ReferenceID]).toEqual([0x7ffffffe, 0x7fffffff, 1]);

    // Hold three in flight (frozen server), wrap again over them: the next one skips all three.
    sim.freeze(true);
    refs.seed(0x7ffffffe);
    const held = [0, 1, 2].map(() => track(conn.queryServer({ timeoutMs: 400 })));
    await waitUntil(() => conn.state.inFlight === 3, 'three requests in flight');
    refs.seed(0x7ffffffe);
    const next = track(conn.queryServer({ timeoutMs: 150 }));
    const nextOut = await next.result;
    const heldOut = await Promise.all(held.map((t) => t.result));
    const heldRefs = heldOut.map((o) => (o.ok ? -1 : (o.error as RequestTimeoutError).request.referenceId));
    expect(heldRefs).toEqual([0x7ffffffe, 0x7fffffff, 1]);
    expect(nextOut.ok).toBe(false);
    if (!nextOut.ok) expect((nextOut.error as RequestTimeoutError).request.referenceId).toBe(2);
  });
});

describe('timeout, abort, late answer', () => {
  it('a request with no answer rejects with RequestTimeoutError after its timeoutMs', async () => {
    sim.freeze(true);
    const t0 = performance.now();
    const out = await outcomeOf(conn.queryAddress('1001', {}, { timeoutMs: 150 }));
    const elapsed = performance.now() - t0;
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toBeInstanceOf(RequestTimeoutError);
    expect(out.error.code).toBe('ERR_REQUEST_TIMEOUT');
    expect(out.error.timeoutMs).toBe(150);
    expect(out.error.request).toMatchObject({ name: 'RequestQueryAddress', attributes: { ThisDN: '1001' } });
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(conn.state.inFlight).toBe(0);
  });

  it('requestTimeoutMs is the default timeout', async () => {
    const sim2 = await h.sim();
    const { conn: c2 } = await h.open(sim2, { requestTimeoutMs: 120, addp: false });
    sim2.freeze(true);
    const out = await outcomeOf(c2.queryServer());
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toMatchObject({ code: 'ERR_REQUEST_TIMEOUT', timeoutMs: 120 });
  });

  it('a late answer after the timeout is emitted as an event but settles nothing', async () => {
    sim.freeze(true);
    const out = await outcomeOf(conn.queryServer({ timeoutMs: 100 }));
    expect(out.ok).toBe(false);
    const ref = (out as { error: RequestTimeoutError }).error.request.referenceId;
    expect(ref).toBeGreaterThan(0);
    sim.freeze(false);
    // A new request in flight that the late answer must not settle.
    const since = rec.mark();
    const other = track(conn.queryServer({ timeoutMs: 1000 }));
    sim.sendEvent('EventServerInfo', { ReferenceID: ref, ServerVersion: 'late' });
    const late = await rec.waitFor('EventServerInfo', { since, predicate: (e) => e.ServerVersion === 'late' });
    expect(late.value.ReferenceID).toBe(ref);
    const otherOut = await other.result;
    expect(otherOut.ok).toBe(true);
    if (otherOut.ok) {
      expect(otherOut.value.ServerVersion).toBe(sim.serverVersion);
      expect(otherOut.value.ReferenceID).not.toBe(ref);
    }
    expect(rec.errors).toEqual([]);
  });

  it('abort while in flight rejects with the signal reason; the late answer then settles nothing', async () => {
    sim.freeze(true);
    const ac = new AbortController();
    const p = track(conn.queryServer({ signal: ac.signal }));
    await waitUntil(() => conn.state.inFlight === 1, 'the request to be in flight');
    const reason = new Error('operator cancelled');
    ac.abort(reason);
    const out = await p.result;
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toBe(reason);
    expect(conn.state.inFlight).toBe(0);
    expect(abortListeners(ac.signal)).toBe(0);
  });

  it('a timeoutMs beyond the timer range (2^31 ms or more) is refused at once: it would fire after 1 ms', async () => {
    const p = track(conn.queryServer({ timeoutMs: 2 ** 31 }));
    expect(await settledAtOnce(p)).toBe(true);
    expect(p.outcome).toMatchObject({ ok: false, error: { code: 'ERR_INVALID_ARGUMENT' } });
  });

  it('an already aborted signal rejects at once and nothing is sent', async () => {
    const ac = new AbortController();
    ac.abort(new Error('too late'));
    const before = sim.requestCounts().RequestQueryServer ?? 0;
    await expect(conn.queryServer({ signal: ac.signal })).rejects.toThrow('too late');
    await conn.queryServer(); // the server has seen whatever went before this one
    expect(sim.requestCounts().RequestQueryServer ?? 0).toBe(before + 1);
  });

  it('abort with no reason given rejects with the signal’s default AbortError', async () => {
    sim.freeze(true);
    const ac = new AbortController();
    const p = track(conn.queryServer({ signal: ac.signal }));
    await waitUntil(() => conn.state.inFlight === 1, 'the request to be in flight');
    ac.abort();
    const out = await p.result;
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toBe(ac.signal.reason);
      expect(out.error.name).toBe('AbortError');
    }
  });
});
