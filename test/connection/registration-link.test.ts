/**
 * Registration waits for the CTI link: RequestRegisterAddress while the link is down is held and
 * sent right after EventLinkConnected (still bound by its timeout); the simulator refuses it with
 * EventError 53 meanwhile, which the SDK must never provoke except in a race it recovers from.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RequestTimeoutError, TServerError } from '../../src/errors.js';
import { Harness, SimRecorder, track, waitUntil } from '../support/connection-helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

describe('registration and the CTI link', () => {
  it('registerAddress while the link is down is held, then sent right after EventLinkConnected', async () => {
    const sim = await h.sim({ linkUp: false });
    const srec = new SimRecorder(sim);
    const { conn, rec } = await h.open(sim);
    expect(conn.state.linkUp).toBe(false);
    const reg = track(conn.registerAddress('1001'));
    await conn.queryServer(); // not held: it goes, and the server has seen whatever went before it
    expect(reg.settled).toBe(false);
    expect(sim.requestCounts().RequestRegisterAddress ?? 0).toBe(0);
    expect(conn.state.queued).toBe(1);
    // Other requests are not held: queries go at once; link-bound ones get the server's 53.
    await expect(conn.queryServer()).resolves.toMatchObject({ Event: 'EventServerInfo' });
    const since = rec.mark();
    sim.setLink(true);
    const out = await reg.result;
    expect(out).toMatchObject({ ok: true, value: { Event: 'EventRegistered', ThisDN: '1001' } });
    expect(rec.names(since)).toEqual(['EventLinkConnected', 'EventRegistered']);
    expect(srec.of(srec.lastClient, 'RequestRegisterAddress')).toHaveLength(1);
    // Sent after the link event reached the client, not before.
    const sentAt = srec.requests.find((r) => r.value.name === 'RequestRegisterAddress')!.at;
    expect(sentAt).toBeGreaterThanOrEqual(rec.events[since].at);
    expect(sim.requestCounts().RequestRegisterAddress).toBe(1);
    expect(conn.registeredDNs).toEqual(['1001']);
  });

  it('a held registration is still bound by its timeout, and is not sent later', async () => {
    const sim = await h.sim({ linkUp: false });
    const { conn, rec } = await h.open(sim);
    const out = await track(conn.registerAddress('1001', {}, { timeoutMs: 150 })).result;
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toBeInstanceOf(RequestTimeoutError);
      expect(out.error.timeoutMs).toBe(150);
    }
    expect(conn.state.queued).toBe(0);
    sim.setLink(true);
    await rec.waitFor('EventLinkConnected');
    await conn.queryServer(); // the server has seen whatever the link's coming up made us send
    expect(sim.requestCounts().RequestRegisterAddress ?? 0).toBe(0);
    expect(conn.registeredDNs).toEqual([]);
  });

  it('a registration that races a link drop (EventError 53) goes back to wait for the link', async () => {
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    const { conn } = await h.open(sim);
    // The client has not read EventLinkDisconnected yet when it sends: the simulator refuses with 53.
    sim.setLink(false);
    const reg = track(conn.registerAddress('1002'));
    await waitUntil(() => srec.count('RequestRegisterAddress') === 1, 'the first attempt');
    await waitUntil(() => conn.state.linkUp === false, 'the link seen down');
    expect(reg.settled).toBe(false);
    expect(conn.state.linkUp).toBe(false);
    sim.setLink(true);
    const out = await reg.result;
    expect(out).toMatchObject({ ok: true, value: { Event: 'EventRegistered', ThisDN: '1002' } });
    expect(srec.count('RequestRegisterAddress')).toBe(2);
    expect(srec.dnsOf(srec.lastClient)).toEqual(['1002']);
  });

  it('requests that need the link are not held: EventError 53 → TServerError', async () => {
    const sim = await h.sim();
    const { conn } = await h.open(sim);
    await conn.registerAddress('1001');
    sim.setLink(false);
    await waitUntil(() => conn.state.linkUp === false, 'the client to see the link down');
    const out = await track(conn.agentLogin('1001', 'a1')).result;
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toBeInstanceOf(TServerError);
      expect(out.error.errorCode).toBe(53);
    }
  });

  it('link events are delivered as they change; state.linkUp follows', async () => {
    const sim = await h.sim();
    const { conn, rec } = await h.open(sim);
    const since = rec.mark();
    sim.setLink(false);
    await rec.waitFor('EventLinkDisconnected', { since });
    expect(conn.state.linkUp).toBe(false);
    sim.setLink(true);
    await rec.waitFor('EventLinkConnected', { since });
    expect(conn.state.linkUp).toBe(true);
    expect(rec.names(since)).toEqual(['EventLinkDisconnected', 'EventLinkConnected']);
  });

  it('after a reconnect to a server whose link is down: EventServerConnected at once, DNs re-registered once the link is up', async () => {
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    const { conn, rec } = await h.open(sim, { requestTimeoutMs: 1000 });
    await conn.registerAddress('1001');
    await conn.registerAddress('1002');
    sim.setLink(false);
    await waitUntil(() => conn.state.linkUp === false, 'the client to see the link down');
    const since = rec.mark();
    sim.dropClients();
    const back = await rec.waitFor('EventServerConnected', { since });
    // Not held by registrations waiting for the link: none has been sent yet (below).
    expect(back.value).toMatchObject({ Event: 'EventServerConnected' });
    expect(rec.names(since)).toEqual(['EventServerDisconnected', 'EventServerConnected', 'EventLinkDisconnected']);
    await conn.queryServer(); // the server has seen whatever went before it
    expect(srec.of(srec.lastClient, 'RequestRegisterAddress')).toHaveLength(0); // nothing provoked a 53
    const link = rec.mark();
    sim.setLink(true);
    await waitUntil(() => srec.dnsOf(srec.lastClient).length === 2, 'the DNs registered on the new socket');
    expect(srec.dnsOf(srec.lastClient)).toEqual(['1001', '1002']);
    expect(rec.names(link)[0]).toBe('EventLinkConnected');
    expect(rec.of('EventError')).toEqual([]);
    // The simulator's view: a call to 1002 rings on this connection.
    const ring = rec.mark();
    sim.placeCall('1002');
    await rec.waitFor('EventRinging', { since: ring });
  });
});
