/**
 * ADDP over real loopback sockets:
 * - many connections run on one timer: 100 open connections with ADDP on add at most 2 active
 *   timers (the shared keep-alive timer, plus slack for one stray), not one per socket; closing them
 *   all leaves no timer behind. The server is a bare stub that arms no timer of its own, so every
 *   timer counted is the client's;
 * - the client's own lag is not blamed on the server: with the event loop blocked for 3× the ADDP
 *   timeout while the server (in a worker thread) keeps pinging, the session survives (0 losses).
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { wireCodecV1 } from '../../src/codec/index.js';
import { TServerConnection } from '../../src/index.js';
import { ADDP_PING, ADDP_PONG, messageByName } from '../../src/protocol/catalogue.js';
import { sharedKeepAliveScheduler } from '../../src/transport/keepalive.js';
import { Transport } from '../../src/transport/index.js';
import type { TlibError } from '../../src/errors.js';
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
        if (m.name === 'RequestRegisterClient')
          socket.write(codec.encode(messageByName('EventLinkConnected')!.type, { ReferenceID: m.attributes.ReferenceID }));
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

/** A server in a worker thread (its own event loop): pings every client every 20 ms. */
async function pingingServerInWorker(ping: Uint8Array): Promise<{ port: number; stop: () => Promise<number> }> {
  const code = `
    const net = require('node:net');
    const { parentPort, workerData } = require('node:worker_threads');
    const ping = Buffer.from(workerData.ping);
    const sockets = new Set();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
      s.on('data', () => {});
      const t = setInterval(() => s.write(ping), 20);
      s.on('close', () => { clearInterval(t); sockets.delete(s); });
    });
    server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
    parentPort.on('message', () => { for (const s of sockets) s.destroy(); server.close(() => process.exit(0)); });
  `;
  const worker = new Worker(code, { eval: true, workerData: { ping } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    port,
    stop: () =>
      new Promise<number>((resolve) => {
        worker.once('exit', resolve);
        worker.postMessage('stop');
      }),
  };
}

describe('keep-alive verdicts', () => {
  it('an event loop blocked for 3× the ADDP timeout, while the server keeps pinging, does not drop the session', async () => {
    const server = await pingingServerInWorker(wireCodecV1.encode(ADDP_PING, undefined));
    cleanups.push(() => void server.stop());
    const timeoutMs = 200;
    const transport = new Transport({
      endpoint: { host: '127.0.0.1', port: server.port, name: `127.0.0.1:${server.port}` },
      codec: wireCodecV1,
      maxFrameBytes: 1 << 20,
      connectTimeoutMs: 2_000,
      addp: { timeoutMs, remoteTimeoutMs: timeoutMs },
      maxWriteBufferBytes: 1 << 20,
    });
    cleanups.push(() => transport.close());
    const losses: TlibError[] = [];
    transport.on('close', (r) => losses.push(r));
    await transport.connect();
    transport.startAddp();
    const keepAlive = (transport as unknown as { keepAlive: { dueAt: number } }).keepAlive;
    // A long synchronous task, measured in real time on purpose: the keep-alive's check comes due
    // while nothing is read, and the server's pings pile up in the kernel meanwhile.
    const blockedUntil = performance.now() + 3 * timeoutMs;
    while (performance.now() < blockedUntil) {
      /* busy */
    }
    // The first check after the block reschedules the keep-alive past it (or drops the session).
    await until(() => losses.length > 0 || keepAlive.dueAt > blockedUntil, 'a keep-alive check after the block');
    expect(losses).toEqual([]);
    expect(transport.isOpen).toBe(true);
  });
});
