/**
 * ADDP for many connections runs on one timer, over real loopback sockets: 100 open connections
 * with ADDP on add at most 2 active timers (the shared keep-alive timer, plus slack for one stray),
 * not one per socket; closing them all leaves no timer behind. The server is a bare stub that arms
 * no timer of its own, so every timer counted is the client's.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { wireCodecV1 } from '../../src/codec/index.js';
import { TServerConnection } from '../../src/index.js';
import { ADDP_PING, ADDP_PONG, messageByName } from '../../src/protocol/catalogue.js';
import { sharedKeepAliveScheduler } from '../../src/transport/keepalive.js';
import { until } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Registers every client and answers pings; no timers. */
async function stubServer(): Promise<string> {
  const codec = wireCodecV1;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    const decoder = codec.createDecoder({
      onMessage: (m) => {
        if (m.name === 'RequestRegisterClient') socket.write(codec.encode(messageByName('EventLinkConnected')!.type, { ReferenceID: m.attributes.ReferenceID }));
        else if (m.type === ADDP_PING) socket.write(codec.encode(ADDP_PONG, undefined));
      },
      onError: () => socket.destroy(),
    });
    socket.on('data', (chunk) => decoder.push(chunk));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

const timers = () => process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;

describe('keep-alive timers', () => {
  it('100 connections with ADDP on add ≤ 2 timers (one shared keep-alive timer), and none once closed', async () => {
    const url = await stubServer();
    const before = timers();
    const conns: TServerConnection[] = [];
    cleanups.push(async () => {
      await Promise.all(conns.map((c) => c.close()));
    });
    for (let i = 0; i < 100; i++) {
      const conn = new TServerConnection({ primary: url, addp: { timeoutMs: 5_000, remoteTimeoutMs: 5_000 }, reconnect: false });
      conns.push(conn);
      await conn.open();
    }
    expect(conns.every((c) => c.state.status === 'open')).toBe(true);
    expect(timers() - before).toBeLessThanOrEqual(2);
    expect(sharedKeepAliveScheduler.size).toBe(100);
    await Promise.all(conns.map((c) => c.close()));
    expect(sharedKeepAliveScheduler.size).toBe(0);
    await until(() => timers() <= before, 'timers back to their starting level');
  });
});
