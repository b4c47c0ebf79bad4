/**
 * The transport hands the frames written in one tick to the socket as one write (issue 24 item 5),
 * over a real loopback socket: 300 requests written at once are one socket.write, arrive whole and
 * in order; a longer tick goes out in WRITE_BATCH_BYTES pieces as it is written; close() in the
 * same tick sends them first; the write-buffer bound counts the tick's frames too; ADDP pongs still
 * go out at once while nothing waits.
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameDecoder, type DecodedMessage } from '../../src/codec/decoder.js';
import { wireCodecV1 } from '../../src/codec/index.js';
import type { TlibError } from '../../src/errors.js';
import { messageByName } from '../../src/protocol/catalogue.js';
import { Transport } from '../../src/transport/index.js';
import { WRITE_BATCH_BYTES } from '../../src/transport/transport.js';
import { until } from '../ha/helpers.js';

const QUERY = messageByName('RequestQueryAddress')!.type;

/** A server that decodes what it receives; `received` in order. */
async function sink(): Promise<{ port: number; received: DecodedMessage[]; close(): Promise<void> }> {
  const received: DecodedMessage[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    const d = new FrameDecoder({ onMessage: (m) => received.push(m), onError: () => socket.destroy() });
    socket.on('data', (c: Buffer) => d.push(c));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connected(port: number, maxWriteBufferBytes = 1 << 20): Promise<{ transport: Transport; write: ReturnType<typeof vi.fn> }> {
  const transport = new Transport({
    endpoint: { host: '127.0.0.1', port, name: `127.0.0.1:${port}` },
    codec: wireCodecV1,
    maxFrameBytes: 1 << 20,
    maxWriteBufferBytes,
    connectTimeoutMs: 2_000,
    addp: false,
  });
  cleanups.push(() => transport.close());
  await transport.connect();
  // The socket's write, counted (the transport's own field: this test is about how it uses it).
  const socket = (transport as unknown as { socket: net.Socket }).socket;
  const write = vi.fn(socket.write.bind(socket));
  socket.write = write as unknown as typeof socket.write;
  return { transport, write };
}

describe('writes of one tick in one socket.write', () => {
  it('300 frames written at once: one socket.write on the next tick, all received in order', async () => {
    const server = await sink();
    cleanups.push(() => server.close());
    const { transport, write } = await connected(server.port);
    for (let i = 1; i <= 300; i++) transport.send(QUERY, { ReferenceID: i, ThisDN: String(7000 + i) });
    expect(write).not.toHaveBeenCalled(); // batched until the tick ends
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(write).toHaveBeenCalledTimes(1);
    expect((write.mock.calls[0]![0] as Uint8Array).byteLength).toBeLessThan(WRITE_BATCH_BYTES);
    await until(() => server.received.length === 300, '300 frames at the server');
    expect(server.received.map((m) => m.attributes.ReferenceID)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('a long tick goes out in WRITE_BATCH_BYTES pieces while it is written, then the rest at its end, in order', async () => {
    const server = await sink();
    cleanups.push(() => server.close());
    const { transport, write } = await connected(server.port);
    const sizes = () => write.mock.calls.map((c) => (c[0] as Uint8Array).byteLength);
    let firstWriteAfter = 0;
    for (let i = 1; i <= 3_000; i++) {
      transport.send(QUERY, { ReferenceID: i, ThisDN: String(7000 + i) });
      if (firstWriteAfter === 0 && write.mock.calls.length > 0) firstWriteAfter = i;
    }
    const during = sizes();
    expect(during.length).toBeGreaterThanOrEqual(2); // ~100 KiB of frames: several pieces before the tick ends
    expect(firstWriteAfter).toBeGreaterThan(1);
    expect(firstWriteAfter).toBeLessThan(3_000);
    for (const n of during) expect(n).toBeGreaterThanOrEqual(WRITE_BATCH_BYTES);
    for (const n of during) expect(n).toBeLessThan(WRITE_BATCH_BYTES + 100); // a piece ends at the frame that reached the size
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(sizes().length).toBe(during.length + 1); // the rest, at the end of the tick
    await until(() => server.received.length === 3_000, '3,000 frames at the server');
    expect(server.received.map((m) => m.attributes.ReferenceID)).toEqual(Array.from({ length: 3_000 }, (_, i) => i + 1));
  });

  it('frames written from promise callbacks of the same tick join the same write', async () => {
    const server = await sink();
    cleanups.push(() => server.close());
    const { transport, write } = await connected(server.port);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => Promise.resolve().then(() => transport.send(QUERY, { ReferenceID: i + 1, ThisDN: '1' }))),
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(write).toHaveBeenCalledTimes(1);
    await until(() => server.received.length === 50, '50 frames at the server');
  });

  it('close() in the same tick sends what was written first', async () => {
    const server = await sink();
    cleanups.push(() => server.close());
    const { transport } = await connected(server.port);
    for (let i = 1; i <= 3; i++) transport.send(QUERY, { ReferenceID: i, ThisDN: '1' });
    transport.close();
    await until(() => server.received.length === 3, 'the 3 frames written before close()');
  });

  it('the write-buffer bound counts the frames of the tick: past it, WriteBufferFullError, nothing written', async () => {
    const server = await sink();
    cleanups.push(() => server.close());
    const { transport, write } = await connected(server.port, 4_096);
    const closed: TlibError[] = [];
    transport.on('close', (e) => closed.push(e));
    for (let i = 1; i <= 200; i++) transport.send(QUERY, { ReferenceID: i, ThisDN: '7001' }); // ~30 bytes each
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(closed.map((e) => e.code)).toEqual(['ERR_WRITE_BUFFER_FULL']);
    expect(write).not.toHaveBeenCalled();
    expect(transport.isOpen).toBe(false);
  });
});
