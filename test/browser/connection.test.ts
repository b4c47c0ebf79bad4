/**
 * GatewayConnection (the browser client) in Node, with `ws` as its WebSocket, against a real
 * gateway, TServerConnection and simulator pair over loopback: the same helpers, events, state
 * and error classes as TServerConnection; resume after a dropped socket; a fresh snapshot from a
 * second gateway when the first one dies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GatewayConnection } from '../../src/browser/index.js';
import { GatewayError } from '../../src/gateway/index.js';
import { InvalidArgumentError, RequestInterruptedError, TServerError, TlibError, TServerConnection } from '../../src/index.js';
import type { CallView } from '../../src/model/types.js';
import { until } from '../ha/helpers.js';
import { type GatewayRig, startGatewayRig, stopGatewayRig } from '../gateway/rig.js';
import { createGateway } from '../../src/gateway/index.js';

let rig: GatewayRig | undefined;
const conns: GatewayConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) await c.close();
  await stopGatewayRig(rig);
  rig = undefined;
});

function connect(token: string, options: ConstructorParameters<typeof GatewayConnection>[1] = {}): GatewayConnection {
  const conn = new GatewayConnection(rig!.url, {
    token,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    reconnect: { minTimeoutMs: 20, maxTimeoutMs: 100, randomize: false },
    ...options,
  });
  conn.on('error', () => {});
  conns.push(conn);
  return conn;
}

describe('GatewayConnection', () => {
  it('has TServerConnection’s helpers, events and state: a call rings, answerCall answers it through the gateway', async () => {
    rig = await startGatewayRig();
    const conn = connect('token-alice');
    const seen: string[] = [];
    conn.on('event', (e) => seen.push(e.Event));
    await conn.open();
    expect(conn.state).toMatchObject({ status: 'open', grant: { dns: ['1001'] }, server: { status: 'open', linkUp: true } });
    await until(() => conn.dns.get('1001'), 'the DN view');

    const ringing = new Promise<Record<string, unknown>>((resolve) => conn.once('EventRinging', (e) => resolve(e as never)));
    const changed = new Promise<CallView>((resolve) => conn.on('callChanged', (call) => resolve(call)));
    const connId = rig.pair.placeCall('1001', { from: '5550001' });
    expect(await ringing).toMatchObject({ Event: 'EventRinging', ConnID: connId, ThisDN: '1001', Server: 'gateway' });
    expect(await changed).toMatchObject({ connId, parties: { '1001': 'ringing' } });
    expect(Object.isFrozen(conn.calls.get(connId))).toBe(true);

    const before = rig.pair.primary.requestCounts().RequestAnswerCall ?? 0;
    const established = await conn.answerCall('1001', connId);
    expect(established).toMatchObject({ Event: 'EventEstablished', ConnID: connId });
    expect(rig.pair.primary.requestCounts().RequestAnswerCall).toBe(before + 1);
    await until(() => conn.calls.get(connId)?.parties['1001'] === 'established', 'established in conn.calls');

    await conn.holdCall('1001', connId);
    await conn.retrieveCall('1001', connId);
    const ended = new Promise<CallView>((resolve) => conn.on('callEnded', (call) => resolve(call)));
    await conn.releaseCall('1001', connId);
    expect((await ended).connId).toBe(connId);
    expect(conn.calls.has(connId)).toBe(false);
    expect(seen).toEqual(expect.arrayContaining(['EventRinging', 'EventEstablished', 'EventHeld', 'EventRetrieved', 'EventReleased']));
  });

  it('errors keep their class and code: TServerError, GatewayError (forbidden), InvalidArgumentError (nothing sent)', async () => {
    rig = await startGatewayRig();
    const conn = connect('token-alice');
    await conn.open();
    await until(() => rig!.conn.registeredDNs.includes('1001'), 'DN registered');
    const refused = await conn.answerCall('1001', '00000000deadbeef').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TServerError);
    expect(refused).toBeInstanceOf(TlibError);
    expect(refused).toMatchObject({ code: 'ERR_TSERVER', errorCode: 57 });
    const forbidden = await conn.answerCall('1002', '00000000deadbeef').catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(GatewayError);
    expect(forbidden).toMatchObject({ code: 'ERR_GATEWAY_FORBIDDEN', dn: '1002', request: 'RequestAnswerCall' });
    const invalid = await conn.agentNotReady('1001', { reasons: [['Code', {} as never]] }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidArgumentError);
    expect(conn.state.inFlight).toBe(0);
  });

  it('a dropped socket: requests on the wire are interrupted, the session resumes from its last seq with what it missed', async () => {
    rig = await startGatewayRig();
    const conn = connect('token-alice');
    await conn.open();
    await until(() => conn.dns.get('1001'), 'the DN view');
    const session = conn.state.session;
    const snapshots: boolean[] = [];
    conn.on('snapshot', (s) => snapshots.push(s.fresh));
    rig.pair.freeze(rig.pair.primary);
    const pending = conn.queryAddress('1001').catch((e: unknown) => e);
    await until(() => conn.state.inFlight === 1, 'a request on the wire');
    (conn as unknown as { socket: WebSocket }).socket.terminate();
    expect(await pending).toBeInstanceOf(RequestInterruptedError);
    rig.pair.freeze(rig.pair.primary, false);
    const connId = rig.pair.placeCall('1001', { from: '5550001' });
    await until(() => conn.calls.has(connId), 'the call that rang while away');
    expect(conn.state).toMatchObject({ status: 'open', session });
    expect(snapshots).toEqual([]);
  });

  it('its gateway dies, another one starts: the client reconnects by itself and shows the truth from a fresh snapshot', async () => {
    rig = await startGatewayRig();
    const conn = connect('token-alice');
    await conn.open();
    const kept = rig.pair.placeCall('1001', { from: '5550001' });
    const gone = rig.pair.placeCall('1001', { from: '5550002' });
    await until(() => conn.calls.has(kept) && conn.calls.has(gone), 'two calls shown');
    const ended: string[] = [];
    conn.on('callEnded', (c, cause) => ended.push(`${c.connId}:${String(cause)}`));
    const port = rig.gateway.address!.port;
    const first = conn.state.session;
    await rig.gateway.close();
    rig.pair.hangUp(gone); // while no gateway serves the browser
    // The second gateway: its own connection, no state shared with the first.
    const conn2 = new TServerConnection({ primary: rig.pair.addresses.primary, applicationName: 'gateway-2', addp: false });
    await conn2.open();
    const old = rig.gateway;
    rig.gateway = await createGateway({ ...old.options, connection: conn2, port });
    try {
      await until(() => conn.state.status === 'open' && conn.state.session !== first, 'reconnected to the second gateway', 10_000);
      await until(() => conn.calls.has(kept) && !conn.calls.has(gone), 'the truth after the snapshot', 10_000);
      expect(ended).toEqual([`${gone}:resync`]);
    } finally {
      await rig.gateway.close();
      await conn2.close();
      rig.gateway = old;
    }
  });

  it('close() stops reconnecting and rejects what waits', async () => {
    rig = await startGatewayRig();
    const conn = connect('token-alice');
    await conn.open();
    await rig.gateway.close();
    await until(() => conn.state.status === 'reconnecting', 'reconnecting');
    const waiting = conn.queryAddress('1001').catch((e: unknown) => e);
    await conn.close();
    expect(await waiting).toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    expect(conn.state.status).toBe('closed');
  });

  it('open() against a gateway that refuses: rejects with GatewayError ERR_GATEWAY_REFUSED', async () => {
    rig = await startGatewayRig();
    const conn = connect('token-mallory');
    await expect(conn.open()).rejects.toMatchObject({ code: 'ERR_GATEWAY_REFUSED' });
    expect(conn.state.status).toBe('closed');
  });
});

describe('GatewayConnection without reconnect', () => {
  it('reconnect: false — a dropped socket closes the connection and says so on error', async () => {
    rig = await startGatewayRig();
    const conn = connect('token-alice', { reconnect: false });
    const errors: string[] = [];
    conn.on('error', (e) => errors.push(e.code));
    await conn.open();
    await rig.gateway.close();
    await until(() => conn.state.status === 'closed', 'closed');
    expect(errors).toEqual(['ERR_GATEWAY_REFUSED']);
  });
});

describe('GatewayConnection and a close code that means the client is at fault', () => {
  it('4400 (malformed): no reconnect, the connection closes and the error names the code', async () => {
    rig = await startGatewayRig();
    const conn = connect('token-alice');
    const errors: GatewayError[] = [];
    conn.on('error', (e) => errors.push(e as GatewayError));
    await conn.open();
    (conn as unknown as { socket: WebSocket }).socket.send('not json');
    await until(() => conn.state.status === 'closed', 'closed');
    expect(errors.map((e) => [e.code, e.status])).toEqual([['ERR_GATEWAY_REFUSED', 4400]]);
    expect(rig.refusals.some((r) => r.status === 4400)).toBe(true);
  });
});
