/**
 * The gateway's security and bounds, over real loopback sockets: who may connect, what a session
 * may ask, and what a hostile or broken browser gets (a close code, never a crash or unbounded
 * memory). Each limit is set small here so a test reaches it quickly.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GatewayCloseCode, type ErrorMessage, type ServerMessage } from '../../src/gateway/protocol.js';
import { gcNow } from '../fuzz/harness.js';
import { until } from '../ha/helpers.js';
import { type GatewayRig, TestClient, helloClient, protocolsFor, startGatewayRig, stopGatewayRig } from './rig.js';

let rig: GatewayRig | undefined;
afterEach(async () => {
  await stopGatewayRig(rig);
  rig = undefined;
});

const errorOf = (m: ServerMessage) => (m as ErrorMessage).error;

describe('gateway: who may connect', () => {
  it('no token, or a token nobody issued: refused at the upgrade with 401, no socket, no call data', async () => {
    rig = await startGatewayRig();
    const watcher = await helloClient(rig, 'token-alice');
    rig.pair.placeCall('1001', { from: '5550001' });
    for (const token of [undefined, 'token-mallory', '']) {
      const c = TestClient.connect(rig, token);
      await expect(c.opened()).rejects.toThrow();
      expect(c.refusedStatus).toBe(401);
      expect(c.messages).toEqual([]);
    }
    expect(rig.refusals.filter((r) => r.stage === 'upgrade' && r.status === 401)).toHaveLength(3);
    expect(watcher.closed).toBeUndefined();
  });

  it('a client that does not offer the protocol: 400; a refused origin: 403', async () => {
    rig = await startGatewayRig({ origins: ['https://desk.example'] });
    const plain = new TestClient(new WebSocket(rig.url));
    await expect(plain.opened()).rejects.toThrow();
    expect(plain.refusedStatus).toBe(400);
    const evil = TestClient.connect(rig, 'token-alice', { origin: 'https://evil.example' });
    await expect(evil.opened()).rejects.toThrow();
    expect(evil.refusedStatus).toBe(403);
    const ok = TestClient.connect(rig, 'token-alice', { origin: 'https://desk.example' });
    await ok.opened();
  });

  it('a grant over maxDnsPerSession, or no grant: 403 at the upgrade', async () => {
    rig = await startGatewayRig({
      maxDnsPerSession: 1,
      authorize: (who) => (who.id === 'alice' ? { dns: ['1001', '1002'] } : undefined),
    });
    for (const token of ['token-alice', 'token-bob']) {
      const c = TestClient.connect(rig, token);
      await expect(c.opened()).rejects.toThrow();
      expect(c.refusedStatus).toBe(403);
    }
    expect(rig.refusals.map((r) => r.reason)).toEqual([expect.stringMatching(/maxDnsPerSession/), 'authorize returned no grant']);
  });

  it('sessions per identity and in all are bounded: 429 and 503 at the upgrade', async () => {
    rig = await startGatewayRig({ maxSessionsPerIdentity: 2, maxSessions: 3 });
    await helloClient(rig, 'token-alice');
    await helloClient(rig, 'token-alice');
    const third = TestClient.connect(rig, 'token-alice');
    await expect(third.opened()).rejects.toThrow();
    expect(third.refusedStatus).toBe(429);
    await helloClient(rig, 'token-bob');
    const fourth = TestClient.connect(rig, 'token-bob');
    await expect(fourth.opened()).rejects.toThrow();
    expect(fourth.refusedStatus).toBe(503);
  });
});

describe('gateway: what a session may ask', () => {
  it("a valid token acting on another agent's DN: ERR_GATEWAY_FORBIDDEN, logged, nothing sent to the T-Server", async () => {
    rig = await startGatewayRig();
    const alice = await helloClient(rig, 'token-alice');
    const bob = await helloClient(rig, 'token-bob');
    await until(() => rig!.conn.registeredDNs.length === 2, 'DNs registered');
    const bobsCall = rig.pair.placeCall('1002', { from: '5550002' });
    await bob.waitFor((m) => m.type === 'event' && m.event.ConnID === bobsCall, 'the call at bob');
    const counts = () => JSON.stringify([rig!.pair.primary.requestCounts(), rig!.pair.backup.requestCounts()]);
    const before = counts();
    const attempts: [string, Record<string, unknown>][] = [
      ['RequestAnswerCall', { ThisDN: '1002', ConnID: bobsCall }],
      ['RequestAgentLogin', { ThisDN: '1001', AgentID: 'A1002' }],
      ['RequestRegisterAddress', { ThisDN: '1001' }],
      ['RequestSetInputMask', { InputMask: new Uint8Array(64) }],
      ['RequestQueryCall', { ConnID: bobsCall }],
      ['RequestMonitorNextCall', { ThisDN: '1001', OtherDN: '1002' }],
      ['RequestPrivateService', { PrivateMsgID: 1 }],
    ];
    for (const [name, args] of attempts) {
      const id = alice.request(name, args);
      const reply = await alice.reply(id);
      expect(reply.type, name).toBe('error');
      expect(errorOf(reply)).toMatchObject({ name: 'GatewayError', code: 'ERR_GATEWAY_FORBIDDEN', request: name });
    }
    expect(counts()).toBe(before);
    const logged = rig.refusals.filter((r) => r.stage === 'request');
    expect(logged.map((r) => r.request)).toEqual(attempts.map(([n]) => n));
    expect(logged[0]).toMatchObject({ identity: 'alice', dn: '1002' });
    expect(alice.closed).toBeUndefined(); // a refusal is an answer, not a disconnect
    // What the browser sent is quoted at most 64 characters long (refusals are logged).
    const huge = alice.request('RequestAnswerCall', { ThisDN: '9'.repeat(20_000), ConnID: bobsCall });
    expect(errorOf(await alice.reply(huge)).message.length).toBeLessThan(200);
    expect(rig.refusals.at(-1)!.reason.length).toBeLessThan(200);
  });

  it('requests in flight per session are bounded: past the limit ERR_GATEWAY_BUSY, nothing sent', async () => {
    rig = await startGatewayRig({ maxInFlightPerSession: 2 });
    const alice = await helloClient(rig, 'token-alice');
    await until(() => rig!.conn.registeredDNs.includes('1001'), 'DN registered');
    rig.pair.freeze(rig.pair.primary); // requests wait for answers that do not come
    const ids = [0, 1, 2].map(() => alice.request('RequestQueryAddress', { ThisDN: '1001' }));
    expect(errorOf(await alice.reply(ids[2]))).toMatchObject({ code: 'ERR_GATEWAY_BUSY', request: 'RequestQueryAddress' });
    rig.pair.freeze(rig.pair.primary, false);
  });
});

describe('gateway: hostile and broken browsers', () => {
  async function expectClosed(send: (c: TestClient) => void, code: number, options: Parameters<typeof startGatewayRig>[0] = {}) {
    rig ??= await startGatewayRig({ maxMessageBytes: 1024, ...options });
    const c = await helloClient(rig, 'token-alice');
    send(c);
    const closed = await c.waitClosed();
    expect(closed.code).toBe(code);
    return closed;
  }

  it('malformed messages are closed with 4400 and a reason naming the problem', async () => {
    const cases: [unknown, RegExp][] = [
      ['not json', /not JSON/],
      ['[1,2]', /JSON object/],
      [{ type: 'shout' }, /unknown message type "shout"/],
      [{ type: 'request', id: -1, name: 'RequestAnswerCall' }, /id must be/],
      [{ type: 'request', id: 1, name: 'EventRinging' }, /name must be a request name/],
      [{ type: 'request', id: 1, name: 'RequestQueryServer', args: [1] }, /args must be an object/],
      [{ type: 'hello', v: 1 }, /hello was already sent/],
      [`${'['.repeat(500)}${']'.repeat(500)}`, /JSON object/],
    ];
    for (const [message, reason] of cases) {
      const closed = await expectClosed((c) => c.send(message), GatewayCloseCode.Malformed);
      expect(closed.reason).toMatch(reason);
    }
  });

  it('a request before hello, and a request id already in flight, are protocol violations', async () => {
    rig = await startGatewayRig();
    const early = TestClient.connect(rig, 'token-alice');
    await early.opened();
    early.request('RequestQueryServer', {});
    expect((await early.waitClosed()).code).toBe(GatewayCloseCode.Malformed);
    await expectClosed((c) => {
      rig!.pair.freeze(rig!.pair.primary);
      c.send({ type: 'request', id: 7, name: 'RequestQueryServer', args: {} });
      c.send({ type: 'request', id: 7, name: 'RequestQueryServer', args: {} });
    }, GatewayCloseCode.Malformed);
    rig.pair.freeze(rig.pair.primary, false);
  });

  it('oversized (1009), binary (1003) and invalid UTF-8 (1007) messages close the socket; the gateway goes on', async () => {
    await expectClosed((c) => c.send({ type: 'request', id: 1, name: 'RequestQueryServer', args: { x: 'y'.repeat(2_000) } }), 1009);
    await expectClosed((c) => c.ws.send(Buffer.from([1, 2, 3]), { binary: true }), GatewayCloseCode.UnsupportedData);
    await expectClosed((c) => c.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }), 1007);
    const still = await helloClient(rig!, 'token-bob');
    expect(still.messages[0].type).toBe('snapshot');
  });

  it('no hello within helloTimeoutMs: closed with 4408', async () => {
    rig = await startGatewayRig({ helloTimeoutMs: 100 });
    const c = TestClient.connect(rig, 'token-alice');
    await c.opened();
    expect((await c.waitClosed()).code).toBe(GatewayCloseCode.HelloTimeout);
    expect(rig.gateway.stats.awaitingHello).toBe(0);
  });

  it('a browser that stops answering pings is dropped', async () => {
    rig = await startGatewayRig({ heartbeatMs: 50 });
    const c = TestClient.connect(rig, 'token-alice', { autoPong: false });
    await c.opened();
    c.hello();
    const dropped = new Promise((resolve) => rig!.gateway.on('disconnected', resolve));
    expect(await dropped).toMatchObject({ identity: 'alice', code: GatewayCloseCode.HeartbeatTimeout });
  });

  it('a browser that stops reading is dropped (4413) before its backlog passes maxSendBufferBytes and one message; others go on', async () => {
    const limit = 64 * 1024;
    rig = await startGatewayRig({ maxSendBufferBytes: limit });
    const slow = await helloClient(rig, 'token-alice');
    const bob = await helloClient(rig, 'token-bob');
    await until(() => rig!.conn.registeredDNs.length === 2, 'DNs registered');
    (slow.ws as unknown as { _socket: net.Socket })._socket.pause(); // stops reading: TCP fills, then the gateway's buffer
    const big = 'x'.repeat(8 * 1024);
    let sent = 0;
    // Enough to fill both kernels' socket buffers (several MB on loopback) and then the limit; bounded.
    while (!rig.refusals.some((r) => r.status === GatewayCloseCode.SendBufferFull) && sent < 4_000) {
      for (let i = 0; i < 100; i++, sent++) rig.pair.primary.sendEvent('EventUserEvent', { ThisDN: '1001', UserData: [['blob', big]] });
      await new Promise((r) => setTimeout(r, 10)); // real sockets: let the frames travel
    }
    const refusal = rig.refusals.find((r) => r.status === GatewayCloseCode.SendBufferFull);
    expect(refusal, `no drop after ${sent} events`).toMatchObject({ identity: 'alice', stage: 'message' });
    expect(refusal!.bufferedBytes!).toBeGreaterThan(limit);
    expect(refusal!.bufferedBytes!).toBeLessThanOrEqual(limit + big.length + 1_024);
    await until(() => rig!.gateway.stats.attached === 1, 'the slow browser detached');
    rig.pair.placeCall('1002', { from: '5550002' });
    await bob.waitFor((m) => m.type === 'event' && m.event.Event === 'EventRinging', 'bob still served');
  });
});

describe('gateway: connection floods', () => {
  it('10,000 connection attempts in a burst: each answered, nothing kept, heap back within 8 MiB', async () => {
    rig = await startGatewayRig();
    await gcNow();
    const before = process.memoryUsage().heapUsed;
    const port = rig.gateway.address!.port;
    const statuses = new Map<number, number>();
    // 500 at a time (one process holds both ends of every socket), 20 waves. One in four has a
    // valid token: upgraded (101) and dropped before hello, or refused past the identity's limit (429).
    for (let wave = 0; wave < 20; wave++) {
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          rawUpgrade(port, protocolsFor(i % 4 === 0 ? 'token-alice' : i % 4 === 1 ? undefined : 'token-mallory')).then((status) =>
            statuses.set(status, (statuses.get(status) ?? 0) + 1),
          ),
        ),
      );
    }
    expect(statuses.get(401)).toBe(7_500);
    expect((statuses.get(101) ?? 0) + (statuses.get(429) ?? 0)).toBe(2_500);
    await until(() => rig!.gateway.stats.awaitingHello === 0, 'the upgraded sockets gone');
    expect(rig.gateway.stats).toMatchObject({ sessions: 0, awaitingHello: 0, pendingUpgrades: 0 });
    await gcNow();
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(8 * 1024 * 1024);
  }, 120_000);

  it('authenticate or authorize slower than authTimeoutMs: 503 (the gateway is at fault, not the token), logged', async () => {
    const never = new Promise<never>(() => {});
    rig = await startGatewayRig({ authTimeoutMs: 50, authenticate: () => never });
    const port = rig.gateway.address!.port;
    expect(await rawUpgrade(port, protocolsFor('token-alice'))).toBe(503);
    await stopGatewayRig(rig);
    rig = await startGatewayRig({ authTimeoutMs: 50, authorize: () => never });
    expect(await rawUpgrade(rig.gateway.address!.port, protocolsFor('token-alice'))).toBe(503);
    expect(rig.refusals.at(-1)).toMatchObject({
      stage: 'upgrade',
      status: 503,
      reason: expect.stringMatching(/authorize took more than 50 ms/),
    });
    // A verdict in time stands: authenticate that throws is 401, authorize that throws is 403.
    await stopGatewayRig(rig);
    rig = await startGatewayRig({
      authTimeoutMs: 5_000,
      authenticate: (req) => {
        if (req.headers['sec-websocket-protocol']?.includes('tlib-token.')) return { id: 'alice' };
        throw new Error('no token');
      },
      authorize: () => {
        throw new Error('directory down');
      },
    });
    expect(await rawUpgrade(rig.gateway.address!.port, protocolsFor(undefined))).toBe(401);
    expect(await rawUpgrade(rig.gateway.address!.port, protocolsFor('token-alice'))).toBe(403);
  });

  it('upgrades being authenticated are bounded by maxPendingUpgrades: the rest get 503 at once', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    rig = await startGatewayRig({ maxPendingUpgrades: 16, authenticate: () => gate.then(() => undefined) });
    const port = rig.gateway.address!.port;
    const statuses = Array.from({ length: 200 }, () => rawUpgrade(port, protocolsFor('token-alice')));
    await until(() => rig!.gateway.stats.pendingUpgrades === 16, '16 upgrades pending');
    await until(() => rig!.refusals.filter((r) => r.status === 503).length === 184, '184 refused at once');
    release();
    const all = await Promise.all(statuses);
    expect(all.filter((s) => s === 503)).toHaveLength(184);
    expect(all.filter((s) => s === 401)).toHaveLength(16);
  });
});

/** One upgrade request on a raw socket; the HTTP status of the answer (0 if none). */
function rawUpgrade(port: number, protocols: string[]): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let head = '';
    const done = (status: number) => {
      socket.destroy();
      resolve(status);
    };
    socket.setTimeout(20_000, () => done(0));
    socket.on('error', () => done(0));
    socket.on('data', (d) => {
      head += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m) done(Number(m[1]));
    });
    socket.on('end', () => done(0));
    socket.write(
      `GET /tlib HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Protocol: ${protocols.join(', ')}\r\n\r\n`,
    );
  });
}
