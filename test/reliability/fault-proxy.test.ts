/**
 * The FaultProxy itself, against a plain loopback TCP server: it forwards, black-holes one way,
 * delays, throttles (a byte per write), cuts, accepts-and-closes, and leaves nothing behind.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../support/fault-proxy.js';
import { until } from './helpers.js';

interface Peer {
  socket: net.Socket;
  chunks: Buffer[];
  closed: boolean;
  text(): string;
}

function peer(socket: net.Socket): Peer {
  const p: Peer = {
    socket,
    chunks: [],
    closed: false,
    text: () => Buffer.concat(p.chunks).toString(),
  };
  socket.on('data', (d: Buffer) => p.chunks.push(d));
  socket.on('close', () => (p.closed = true));
  socket.on('error', () => undefined);
  return p;
}

let server: net.Server | undefined;
let proxy: FaultProxy | undefined;
const serverSide: Peer[] = [];
const clients: net.Socket[] = [];

async function setup(): Promise<{ proxy: FaultProxy; connect(): Promise<{ client: Peer; server: Peer }> }> {
  server = net.createServer((s) => serverSide.push(peer(s)));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  proxy = await FaultProxy.start({ host: '127.0.0.1', port });
  const p = proxy;
  return {
    proxy: p,
    async connect() {
      const before = serverSide.length;
      const socket = net.connect({ host: '127.0.0.1', port: p.address.port });
      clients.push(socket);
      const client = peer(socket);
      await new Promise<void>((r) => socket.once('connect', () => r()));
      await until(() => serverSide.length > before, 'the proxied connection');
      return { client, server: serverSide[serverSide.length - 1] };
    },
  };
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of serverSide.splice(0)) s.socket.destroy();
  await proxy?.close();
  proxy = undefined;
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe('FaultProxy', () => {
  it('forwards both ways and counts bytes', async () => {
    const { proxy, connect } = await setup();
    const { client, server } = await connect();
    client.socket.write('hello');
    await until(() => server.text() === 'hello', 'bytes upstream');
    server.socket.write('world!');
    await until(() => client.text() === 'world!', 'bytes downstream');
    expect(proxy.bytes).toEqual({ up: 5, down: 6 });
    expect(proxy.accepted).toBe(1);
    expect(proxy.openConnections).toBe(1);
  });

  it("blackhole('down') makes a half-open connection: writes arrive, nothing comes back, not even the FIN", async () => {
    const { proxy, connect } = await setup();
    const { client, server } = await connect();
    proxy.blackhole('down');
    client.socket.write('ping');
    await until(() => server.text() === 'ping', 'bytes upstream');
    server.socket.write('pong');
    server.socket.end();
    await new Promise((r) => server.socket.once('finish', r)); // bytes and FIN handed to the kernel
    await new Promise((r) => setTimeout(r, 100)); // real sockets: bytes and a FIN that must NOT come need time to cross loopback
    expect(client.text()).toBe('');
    expect(client.closed).toBe(false);
    proxy.cut();
    await until(() => client.closed, 'client closed by cut()');
  });

  it('delay holds every chunk, in order', async () => {
    const { proxy, connect } = await setup();
    const { client, server } = await connect();
    proxy.delay('down', 150);
    const t0 = performance.now();
    await new Promise((r) => server.socket.write('a', r)); // 'a' is on its way before 'b' is written
    server.socket.write('b');
    await until(() => client.text() === 'ab', 'delayed bytes');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('splitEveryByte delivers a byte per write; throttle paces them', async () => {
    const { proxy, connect } = await setup();
    const { client, server } = await connect();
    proxy.splitEveryByte('down');
    server.socket.write('0123456789');
    await until(() => client.text() === '0123456789', 'all bytes');
    expect(proxy.bytes.down).toBe(10);
    expect(client.chunks.every((c) => c.length === 1)).toBe(true);
    proxy.throttle('down', { bytes: 1, everyMs: 5 });
    const t0 = performance.now();
    server.socket.write('abcdefghij');
    await until(() => client.text().endsWith('abcdefghij'), 'throttled bytes');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(40);
  });

  it('cut() closes both sides; the proxy keeps listening', async () => {
    const { proxy, connect } = await setup();
    const first = await connect();
    proxy.cut();
    await until(() => first.client.closed && first.server.closed, 'both sides closed');
    const second = await connect();
    second.client.socket.write('again');
    await until(() => second.server.text() === 'again', 'a new connection works');
    proxy.cut({ reset: true });
    await until(() => second.client.closed && second.server.closed, 'both sides reset');
    expect(proxy.accepted).toBe(2);
  });

  it("mode 'acceptAndClose' accepts and closes at once, counting each attempt", async () => {
    const { proxy } = await setup();
    proxy.mode = 'acceptAndClose';
    for (let i = 0; i < 3; i++) {
      const socket = net.connect({ host: '127.0.0.1', port: proxy.address.port });
      clients.push(socket);
      const p = peer(socket);
      await until(() => p.closed, `attempt ${i} closed`);
    }
    expect(proxy.accepted).toBe(3);
    expect(proxy.acceptTimes).toHaveLength(3);
    expect(serverSide).toHaveLength(0);
  });

  it('close() leaves no sockets or timers of its own', async () => {
    const count = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout').length;
    const baseline = count();
    const { proxy, connect } = await setup();
    const { server: far } = await connect();
    proxy.throttle('down', { bytes: 1, everyMs: 50 }).delay('up', 500);
    far.socket.write('a long trickle');
    await proxy.close();
    for (const c of clients.splice(0)) c.destroy();
    for (const s of serverSide.splice(0)) s.socket.destroy();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
    await expect.poll(count, { timeout: 2_000 }).toBeLessThanOrEqual(baseline);
  });
});
