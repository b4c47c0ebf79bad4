/**
 * The gateway over real loopback sockets: a simulator pair, one TServerConnection, Node WebSocket
 * clients as browsers. Snapshot, events and changes by sequence number, requests and their
 * answers, DN registrations shared between sessions, resume after a reconnect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayCloseCode } from '../../src/gateway/protocol.js';
import type {
  ChangeMessage,
  ErrorMessage,
  EventMessage,
  ResyncedMessage,
  ServerMessage,
  SnapshotMessage,
} from '../../src/gateway/protocol.js';
import { until } from '../ha/helpers.js';
import { type GatewayRig, TestClient, helloClient, startGatewayRig, stopGatewayRig } from './rig.js';

let rig: GatewayRig | undefined;
afterEach(async () => {
  await stopGatewayRig(rig);
  rig = undefined;
});

const isEvent = (name: string, connId?: string) => (m: ServerMessage) =>
  m.type === 'event' && m.event.Event === name && (connId === undefined || m.event.ConnID === connId);

describe('gateway sessions', () => {
  it('a session gets a snapshot once its DN is registered, then the events and changes of its calls in sequence', async () => {
    rig = await startGatewayRig();
    const alice = await helloClient(rig, 'token-alice');
    const snapshot = alice.messages[0] as SnapshotMessage;
    expect(snapshot).toMatchObject({ type: 'snapshot', v: 1, seq: 0, grant: { dns: ['1001'], agentIds: ['A1001'] } });
    expect(snapshot.session).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(rig.conn.registeredDNs).toEqual(['1001']);
    expect(snapshot.dns).toEqual([rig.conn.dns.get('1001')]);

    const connId = rig.pair.placeCall('1001', { from: '5550001' });
    await alice.waitFor(isEvent('EventRinging', connId), 'EventRinging');
    const change = await alice.waitFor<ChangeMessage>((m) => m.type === 'change' && m.kind === 'callChanged', 'callChanged');
    expect(change.view).toMatchObject({ connId, parties: { '1001': 'ringing' } });
    expect(change.cause).toMatchObject({ Event: 'EventRinging', ConnID: connId, Server: 'gateway' });
    // The T-Server's address never reaches a browser.
    expect(JSON.stringify(alice.messages)).not.toContain(rig.pair.addresses.primary);

    const before = rig.pair.primary.requestCounts().RequestAnswerCall ?? 0;
    const id = alice.request('RequestAnswerCall', { ThisDN: '1001', ConnID: connId });
    const reply = await alice.reply(id);
    expect(reply).toMatchObject({ type: 'answer', id, event: { Event: 'EventEstablished', ConnID: connId } });
    expect(rig.pair.primary.requestCounts().RequestAnswerCall).toBe(before + 1);

    const seqs = alice.seqs();
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('a T-Server error keeps its class and codes; a bad argument is refused by the catalogue', async () => {
    rig = await startGatewayRig();
    const alice = await helloClient(rig, 'token-alice');
    await until(() => rig!.conn.registeredDNs.includes('1001'), 'DN registered');
    const id = alice.request('RequestAnswerCall', { ThisDN: '1001', ConnID: '00000000deadbeef' });
    expect(await alice.reply(id)).toMatchObject({ type: 'error', id, error: { name: 'TServerError', code: 'ERR_TSERVER', errorCode: 57 } });
    const bad = alice.request('RequestAnswerCall', { ThisDN: '1001' });
    expect(await alice.reply(bad)).toMatchObject({ type: 'error', error: { name: 'InvalidArgumentError', code: 'ERR_INVALID_ARGUMENT' } });
  });

  it('sessions see only their own DNs: bob never hears of a call to alice', async () => {
    rig = await startGatewayRig();
    const alice = await helloClient(rig, 'token-alice');
    const bob = await helloClient(rig, 'token-bob');
    await until(() => rig!.conn.registeredDNs.length === 2, 'both DNs registered');
    const connId = rig.pair.placeCall('1001', { from: '5550001' });
    await alice.waitFor(isEvent('EventRinging', connId), 'EventRinging at alice');
    const toBob = rig.pair.placeCall('1002', { from: '5550002' });
    await bob.waitFor(isEvent('EventRinging', toBob), 'EventRinging at bob');
    expect(JSON.stringify(bob.messages)).not.toContain(connId);
    expect(JSON.stringify(alice.messages)).not.toContain(toBob);
  });

  it('an internal call between two sessions: each sees its own party, the other DN as an other party', async () => {
    rig = await startGatewayRig();
    const alice = await helloClient(rig, 'token-alice');
    const bob = await helloClient(rig, 'token-bob');
    await until(() => rig!.conn.registeredDNs.length === 2, 'both DNs registered');
    const dialing = alice.request('RequestMakeCall', { ThisDN: '1001', OtherDN: '1002' });
    const answer = (await alice.reply(dialing)) as unknown as { event: { ConnID: string } };
    const connId = answer.event.ConnID;
    const atBob = await bob.waitFor<ChangeMessage>(
      (m) => m.type === 'change' && m.kind === 'callChanged' && (m.view as { connId: string }).connId === connId,
      'the call at bob',
    );
    expect((atBob.view as { parties: object }).parties).toEqual({ '1002': 'ringing' });
    const lastAtAlice = [...alice.messages]
      .reverse()
      .find(
        (m): m is ChangeMessage => m.type === 'change' && m.kind === 'callChanged' && (m.view as { connId: string }).connId === connId,
      )!;
    expect(Object.keys((lastAtAlice.view as { parties: object }).parties)).toEqual(['1001']);
  });

  it('DN registrations are shared and counted: two sessions on one DN register it once, the last to leave unregisters it', async () => {
    rig = await startGatewayRig({ resumeWindowMs: 0 });
    const a1 = await helloClient(rig, 'token-alice');
    const a2 = await helloClient(rig, 'token-alice');
    await until(() => rig!.conn.registeredDNs.includes('1001'), 'DN registered');
    await rig.gateway.close().then(
      () => undefined,
      () => undefined,
    );
    expect(rig.pair.primary.requestCounts().RequestRegisterAddress).toBe(1);
    expect(rig.pair.primary.requestCounts().RequestUnregisterAddress).toBe(1);
    expect(rig.conn.registeredDNs).toEqual([]);
    expect([a1, a2].every((c) => c.closed === undefined || c.closed.code === 1001)).toBe(true);
  });

  it('one session leaving keeps the DN for the other; a DN the application registered itself is never unregistered', async () => {
    rig = await startGatewayRig({ resumeWindowMs: 0 });
    await rig.conn.registerAddress('1002');
    const a1 = await helloClient(rig, 'token-alice');
    const a2 = await helloClient(rig, 'token-alice');
    const b = await helloClient(rig, 'token-bob');
    await until(() => rig!.conn.registeredDNs.includes('1001'), 'DN registered');
    a1.ws.close();
    b.ws.close();
    await until(() => rig!.gateway.stats.sessions === 1, 'two sessions ended');
    expect(rig.conn.registeredDNs.sort()).toEqual(['1001', '1002']);
    a2.ws.close();
    await until(() => !rig!.conn.registeredDNs.includes('1001'), '1001 unregistered after the last session');
    expect(rig.conn.registeredDNs).toEqual(['1002']);
    expect(rig.pair.primary.requestCounts().RequestUnregisterAddress).toBe(1);
  });

  it('a browser that reconnects with its last seq gets what it missed; one too far behind gets a fresh snapshot', async () => {
    rig = await startGatewayRig({ resumeBufferMessages: 8 });
    const first = await helloClient(rig, 'token-alice');
    rig.pair.setLink(rig.pair.primary, false); // something to see before going away
    await first.waitFor((m) => m.type === 'event', 'an event');
    const snapshot = first.messages[0] as SnapshotMessage;
    const seen = Math.max(...first.seqs());
    rig.pair.setLink(rig.pair.primary, true);
    await until(() => rig!.conn.state.linkUp === true, 'link up again');
    first.ws.close();
    await until(() => rig!.gateway.stats.attached === 0, 'the socket gone');
    const connId = rig.pair.placeCall('1001', { from: '5550001' });
    await until(() => rig!.conn.calls.has(connId), 'the call known');

    const back = TestClient.connect(rig, 'token-alice');
    rig.clients.push(back);
    await back.opened();
    back.hello({ session: snapshot.session, seq: seen });
    await back.waitFor((m) => m.type === 'resumed', 'resumed');
    await back.waitFor(isEvent('EventRinging', connId), 'the missed EventRinging');
    expect(back.messages[0]).toMatchObject({ type: 'resumed', session: snapshot.session });
    expect(back.seqs()[0]).toBe(seen + 1);
    expect(back.messages.some((m) => m.type === 'snapshot')).toBe(false);

    // Away again while more than 8 messages go by: too far behind for the buffer.
    const seen2 = Math.max(...back.seqs());
    back.ws.close();
    await until(() => rig!.gateway.stats.attached === 0, 'the socket gone again');
    for (let i = 0; i < 6; i++) rig.pair.placeCall('1001', { from: `555100${i}` });
    await until(() => rig!.conn.calls.size === 7, 'six more calls');
    const third = TestClient.connect(rig, 'token-alice');
    await third.opened();
    third.hello({ session: snapshot.session, seq: seen2 });
    const fresh = await third.waitFor<SnapshotMessage>((m) => m.type === 'snapshot', 'a fresh snapshot');
    expect(fresh.session).toBe(snapshot.session);
    expect(fresh.seq).toBeGreaterThan(seen2 + 8);
    expect(fresh.calls.map((c) => c.connId).sort()).toEqual([...rig.conn.calls.keys()].sort());
  });

  it('a session whose browser does not come back within resumeWindowMs ends and releases its DN', async () => {
    rig = await startGatewayRig({ resumeWindowMs: 100 });
    const alice = await helloClient(rig, 'token-alice');
    const ended = new Promise((resolve) => rig!.gateway.on('sessionEnded', resolve));
    alice.ws.close();
    expect(await ended).toMatchObject({ identity: 'alice' });
    await until(() => rig!.conn.registeredDNs.length === 0, 'DN 1001 unregistered');
    expect(rig.gateway.stats).toMatchObject({ sessions: 0, attached: 0 });
  });

  it('a socket that closes before its snapshot ends its session at once (its browser never learnt the id to resume it)', async () => {
    rig = await startGatewayRig({ readyTimeoutMs: 60_000 });
    const events: string[] = [];
    for (const name of ['sessionOpened', 'disconnected', 'sessionEnded'] as const) rig.gateway.on(name, () => events.push(name));
    rig.pair.freeze(rig.pair.primary); // the registration waits: no snapshot yet
    const c = TestClient.connect(rig, 'token-alice');
    await c.opened();
    c.hello();
    await until(() => rig!.gateway.stats.sessions === 1, 'the session opened');
    c.ws.close();
    await until(() => events.includes('sessionEnded'), 'the session ended', 10_000);
    rig.pair.freeze(rig.pair.primary, false);
    await rig.gateway.registrations.settled();
    expect(events).toEqual(['disconnected', 'sessionEnded']);
    expect(rig.gateway.stats).toMatchObject({ sessions: 0, registeredDns: 0 });
  });

  it('a resume with another identity, or an unknown session, gets a new session and snapshot', async () => {
    rig = await startGatewayRig();
    const alice = await helloClient(rig, 'token-alice');
    const session = (alice.messages[0] as SnapshotMessage).session;
    const bob = TestClient.connect(rig, 'token-bob');
    await bob.opened();
    bob.hello({ session, seq: 0 });
    const snap = await bob.waitFor<SnapshotMessage>((m) => m.type === 'snapshot', 'snapshot');
    expect(snap.session).not.toBe(session);
    expect(snap.grant.dns).toEqual(['1002']);
    // Naming another identity's session is logged: a stolen or mixed-up session id.
    expect(rig.refusals).toEqual([
      expect.objectContaining({ stage: 'message', identity: 'bob', reason: expect.stringMatching(/another identity/) }),
    ]);
    expect(alice.closed).toBeUndefined();
  });

  it('a resume from the future (a seq the session never sent) is a protocol violation: 4400, logged, the session untouched', async () => {
    rig = await startGatewayRig();
    const alice = await helloClient(rig, 'token-alice');
    const { session, seq } = alice.messages[0] as SnapshotMessage;
    const liar = TestClient.connect(rig, 'token-alice');
    await liar.opened();
    liar.hello({ session, seq: seq + 1_000_000 });
    const closed = await liar.waitClosed();
    expect(closed).toMatchObject({ code: GatewayCloseCode.Malformed, reason: expect.stringMatching(/past the last/) });
    expect(liar.messages).toEqual([]);
    expect(rig.refusals.at(-1)).toMatchObject({ stage: 'message', status: GatewayCloseCode.Malformed, identity: 'alice' });
    expect(alice.closed).toBeUndefined(); // the real browser keeps its socket
    const connId = rig.pair.placeCall('1001', { from: '5550001' });
    await alice.waitFor(isEvent('EventRinging', connId), 'still served');
  });

  it('after a T-Server failover each session gets the resync corrections about its own DNs only', async () => {
    rig = await startGatewayRig();
    const alice = await helloClient(rig, 'token-alice');
    const bob = await helloClient(rig, 'token-bob');
    await until(() => rig!.conn.state.standby !== undefined, 'the standby session');
    const toAlice = rig.pair.placeCall('1001', { from: '5550001' });
    const toBob = rig.pair.placeCall('1002', { from: '5550002' });
    await until(() => rig!.conn.calls.has(toAlice) && rig!.conn.calls.has(toBob), 'both calls known');
    // Answered without an event: only the resync after the failover can find it out.
    rig.pair.answerCall(toAlice, '1001', { silent: true });
    rig.pair.answerCall(toBob, '1002', { silent: true });
    await rig.pair.killPrimary();
    const summary = (c: typeof alice) => c.waitFor<ResyncedMessage>((m) => m.type === 'resynced', 'resynced', 0, 10_000);
    const [a, b] = await Promise.all([summary(alice), summary(bob)]);
    expect(a.summary.corrections.map((c) => ('dn' in c ? c.dn : c.connId))).toEqual(['1001']);
    expect(b.summary.corrections.map((c) => ('dn' in c ? c.dn : c.connId))).toEqual(['1002']);
    const atAlice = await alice.waitFor<ChangeMessage>(
      (m) => m.type === 'change' && m.cause === 'resync' && (m.view as { connId?: string }).connId === toAlice,
      'the corrected call at alice',
    );
    expect((atAlice.view as { parties: object }).parties).toEqual({ '1001': 'established' });
  });

  it('a granted DN that cannot be registered: the session is told (ERR_GATEWAY_WATCH) after its snapshot, the rest works', async () => {
    // The simulator knows DNs of digits only: 'x77' is refused at registration (EventError 40).
    rig = await startGatewayRig({ authorize: () => ({ dns: ['1001', 'x77'] }) });
    const alice = await helloClient(rig, 'token-alice');
    const notice = await alice.waitFor<ErrorMessage>((m) => m.type === 'error' && m.id === undefined, 'the notice');
    expect(notice.error).toMatchObject({ name: 'GatewayError', code: 'ERR_GATEWAY_WATCH', dn: 'x77' });
    expect(alice.messages.indexOf(notice)).toBeGreaterThan(0); // after the snapshot
    expect((alice.messages[0] as SnapshotMessage).dns.map((d) => d.dn)).toEqual(['1001']);
    // A second session on the same grant tries again, and is told too.
    const again = await helloClient(rig, 'token-alice');
    await again.waitFor((m) => m.type === 'error' && m.id === undefined && m.error.code === 'ERR_GATEWAY_WATCH', 'the notice again');
    const connId = rig.pair.placeCall('1001', { from: '5550001' });
    await alice.waitFor(isEvent('EventRinging', connId), 'the good DN still served');
  });

  it('the gateway announces its heartbeat in the snapshot and sends one every heartbeatMs (unsequenced)', async () => {
    rig = await startGatewayRig({ heartbeatMs: 50 });
    const alice = await helloClient(rig, 'token-alice');
    expect((alice.messages[0] as SnapshotMessage).limits).toMatchObject({ heartbeatMs: 50 });
    await alice.waitFor((m) => m.type === 'heartbeat', 'a heartbeat');
    await until(() => alice.messages.filter((m) => m.type === 'heartbeat').length >= 3, 'three heartbeats');
    expect(alice.seqs()).toEqual([]);
    expect(alice.closed).toBeUndefined();
  });

  it('connection events reach every session; server state changes are sequenced', async () => {
    rig = await startGatewayRig();
    const alice = await helloClient(rig, 'token-alice');
    const bob = await helloClient(rig, 'token-bob');
    rig.pair.setLink(rig.pair.primary, false);
    await alice.waitFor(isEvent('EventLinkDisconnected'), 'link down at alice');
    const atBob = await bob.waitFor<EventMessage>(isEvent('EventLinkDisconnected'), 'link down at bob');
    expect(atBob.event.Server).toBe('gateway');
    rig.pair.setLink(rig.pair.primary, true);
    await bob.waitFor(isEvent('EventLinkConnected'), 'link up at bob');
  });
});
