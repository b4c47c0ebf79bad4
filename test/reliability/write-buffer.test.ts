/**
 * A server that stops reading. Over real loopback sockets:
 * - it floods ADDP pings: the client queues at most one pong (backpressure), its heap stays bounded
 *   (growth < 64 MiB while the flood delivers > 100,000 pings), and the
 *   session is dropped as ERR_WRITE_BUFFER_FULL once its write buffer made no progress for the
 *   ADDP timeout (after the kernel buffers filled), then the connection fails over to the
 *   configured backup;
 * - the client sends more than `maxWriteBufferBytes`: the transport drops the session with
 *   WriteBufferFullError instead of buffering without bound.
 */
import { resolveOptions } from '../../src/connection/options.js';
import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { wireCodecV1, type DecodedMessage } from '../../src/codec/index.js';
import { TServerConnection, WriteBufferFullError, type TlibError } from '../../src/index.js';
import { ADDP_PING, messageByName } from '../../src/protocol/catalogue.js';
import { TServerSimulator } from '../../src/simulator/index.js';
import { Transport } from '../../src/transport/index.js';
import { nextEvent, record, until, within } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A T-Server that registers the client, then stops reading its socket; with `flood`, it then
 * writes ADDP pings as fast as the client reads them (respecting its own backpressure).
 */
async function stubbornServer(flood: boolean): Promise<{ url: string; port: number; pingsSent: () => number; deaf: () => boolean }> {
  const codec = wireCodecV1;
  const ping = Buffer.from(codec.encode(ADDP_PING, undefined));
  const batch = Buffer.concat(Array.from({ length: 4096 }, () => ping)); // 48 KiB of pings
  let pings = 0;
  let deaf = false;
  const sockets = new Set<net.Socket>();
  let stopped = false;
  const server = net.createServer((socket) => {
    server.close(); // one client only: a reconnect is refused, so the client fails over
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    const decoder = codec.createDecoder({
      onMessage: (m: DecodedMessage) => {
        if (m.name !== 'RequestRegisterClient') return;
        socket.write(codec.encode(messageByName('EventLinkConnected')!.type, { ReferenceID: m.attributes.ReferenceID }));
        socket.pause(); // reads nothing more, ever
        socket.removeAllListeners('data');
        deaf = true;
        if (!flood) return;
        const pump = () => {
          // Bounded per turn; drains before writing more, so this server's own memory stays flat.
          while (!stopped && !socket.destroyed) {
            pings += 4096;
            if (!socket.write(batch)) {
              socket.once('drain', pump);
              return;
            }
          }
        };
        setImmediate(pump);
      },
      onError: () => socket.destroy(),
    });
    socket.on('data', (chunk) => decoder.push(chunk));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  cleanups.push(async () => {
    stopped = true;
    for (const s of sockets) s.destroy();
    if (server.listening) await new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `127.0.0.1:${port}`, port, pingsSent: () => pings, deaf: () => deaf };
}

/** The socket of the next net.connect() (the transport's dial), to wait for its 'close'. */
function transportSocket(): Promise<net.Socket> {
  const realConnect = net.connect as (...a: unknown[]) => net.Socket;
  return new Promise((resolve) => {
    const spy = vi.spyOn(net, 'connect').mockImplementation(((...args: unknown[]) => {
      const s = realConnect.apply(net, args);
      spy.mockRestore();
      resolve(s);
      return s;
    }) as typeof net.connect);
    onTestFinished(() => spy.mockRestore());
  });
}

describe('write buffer: a server that stops reading', () => {
  it('flooding ADDP pings: heap growth < 64 MiB, the session is dropped (ERR_WRITE_BUFFER_FULL) and fails over to the backup', async () => {
    const hostile = await stubbornServer(true);
    const sim = new TServerSimulator({ name: 'backup' });
    await sim.start();
    cleanups.push(() => sim.stop());
    const timeoutMs = 600;
    const conn = new TServerConnection({
      primary: hostile.url,
      backup: sim.url,
      addp: { timeoutMs, remoteTimeoutMs: 5_000 },
      reconnect: { minTimeoutMs: 20, maxTimeoutMs: 100, randomize: false },
      requestTimeoutMs: 2_000,
    });
    cleanups.push(() => conn.close());
    const rec = record(conn);
    // Why the session went: the diagnostics channel gives the error itself.
    const losses: Error[] = [];
    const onLost = (m: unknown) => {
      const msg = m as { connection: object; reason: Error };
      if (msg.connection === conn) losses.push(msg.reason);
    };
    diagnosticsChannel.subscribe('tlib:session:lost', onLost);
    cleanups.push(() => void diagnosticsChannel.unsubscribe('tlib:session:lost', onLost));
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 20);
    cleanups.push(() => clearInterval(sampler));
    const lost = nextEvent(conn, 'EventServerDisconnected', 15_000);
    await conn.open();
    expect(conn.state.active).toBe(hostile.url);
    await lost;
    await until(() => conn.state.active === sim.url, 'failover to the backup', 10_000);
    clearInterval(sampler);
    expect(hostile.pingsSent()).toBeGreaterThan(100_000); // the flood did happen
    expect(losses).toHaveLength(1);
    expect(losses[0]).toBeInstanceOf(WriteBufferFullError);
    expect(losses[0]).toMatchObject({ code: 'ERR_WRITE_BUFFER_FULL', server: hostile.url });
    // …and users are told, not left with a bare EventServerDisconnected.
    expect(rec.warnings.filter((w) => w.code === 'ERR_WRITE_BUFFER_FULL').map((w) => w.server)).toEqual([hostile.url]);
    // Dropped for want of write progress (not for a full buffer: one pong waits at a time), and not before the timeout.
    const stalledMs = Number(/read nothing for (\d+) ms/.exec(losses[0].message)?.[1]);
    expect(stalledMs).toBeGreaterThanOrEqual(timeoutMs);
    expect(heapPeak - heapBefore).toBeLessThan(64 * 1024 * 1024);
    expect(rec.names()).toContain('EventServerConnected');
    expect((await conn.queryServer()).Event).toBe('EventServerInfo');
  }, 40_000);

  it('past maxWriteBufferBytes the transport drops the session with WriteBufferFullError (nothing buffered past the limit + one frame)', async () => {
    const hostile = await stubbornServer(false);
    const limit = 64 * 1024;
    const transport = new Transport({
      endpoint: { host: '127.0.0.1', port: hostile.port, name: hostile.url },
      codec: wireCodecV1,
      maxFrameBytes: 1 << 20,
      connectTimeoutMs: 1_000,
      addp: false,
      maxWriteBufferBytes: limit,
    });
    cleanups.push(() => transport.close());
    const closed: TlibError[] = [];
    transport.on('close', (r) => closed.push(r));
    await transport.connect();
    const type = messageByName('RequestRegisterClient')!.type;
    transport.send(type, { ReferenceID: 1, ApplicationName: 'x' });
    await until(() => hostile.deaf(), 'the stub to register us and stop reading');
    const big = { ReferenceID: 2, ApplicationName: 'y'.repeat(1000) };
    let sent = 0;
    // Loopback kernel buffers take a few MB first; 16 MB is far past them.
    for (; sent < 16_000 && transport.isOpen; sent++) transport.send(type, big);
    expect(transport.isOpen).toBe(false);
    expect(sent).toBeLessThan(16_000);
    await until(() => closed.length > 0, 'the close report');
    expect(closed).toHaveLength(1);
    expect(closed[0]).toBeInstanceOf(WriteBufferFullError);
    expect(closed[0]).toMatchObject({ code: 'ERR_WRITE_BUFFER_FULL', limitBytes: limit });
    expect((closed[0] as WriteBufferFullError).bufferedBytes).toBeLessThanOrEqual(limit);
  });

  it('close() by the owner right after an overflow: no close report (the owner asked)', async () => {
    const hostile = await stubbornServer(false);
    const transport = new Transport({
      endpoint: { host: '127.0.0.1', port: hostile.port, name: hostile.url },
      codec: wireCodecV1,
      maxFrameBytes: 1 << 20,
      connectTimeoutMs: 1_000,
      addp: false,
      maxWriteBufferBytes: 64 * 1024,
    });
    const closed: TlibError[] = [];
    transport.on('close', (r) => closed.push(r));
    const socket = transportSocket();
    await transport.connect();
    const type = messageByName('RequestRegisterClient')!.type;
    transport.send(type, { ReferenceID: 1, ApplicationName: 'x' });
    await until(() => hostile.deaf(), 'the stub to register us and stop reading');
    const big = { ReferenceID: 2, ApplicationName: 'y'.repeat(1000) };
    for (let sent = 0; sent < 16_000 && transport.isOpen; sent++) transport.send(type, big);
    expect(transport.isOpen).toBe(false);
    transport.close();
    // Every listener the socket still has ran: a late report would be in by now.
    const s = await socket;
    if (!s.closed) await within(once(s, 'close'), 3_000, "the socket's close");
    expect(closed).toEqual([]);
  });

  it('maxWriteBufferBytes is validated and defaults to 8 MiB', () => {
    expect(resolveOptions({ primary: '127.0.0.1:1' }).maxWriteBufferBytes).toBe(8 * 1024 * 1024);
    expect(() => new TServerConnection({ primary: '127.0.0.1:1', maxWriteBufferBytes: 0 })).toThrow(/maxWriteBufferBytes/);
    expect(() => new TServerConnection({ primary: '127.0.0.1:1', maxWriteBufferBytes: Number.NaN })).toThrow(/maxWriteBufferBytes/);
  });
});
