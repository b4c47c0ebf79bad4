/**
 * A bare T-Server on the codec for hostile-server tests: it registers clients (the link status is
 * chosen), and hands every other request to the test, which answers, floods or stays silent.
 * Loopback only; every socket is destroyed by close().
 */
import net from 'node:net';
import { FrameDecoder } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import { messageByName } from '../../src/protocol/catalogue.js';

export interface RawRequest {
  name: string;
  attributes: Record<string, unknown>;
  socket: net.Socket;
}

export const NOW = () => ({ seconds: Math.floor(Date.now() / 1000), microseconds: 0 });

export class RawTServer {
  readonly sockets = new Set<net.Socket>();
  /** Requests other than RequestRegisterClient, in order. */
  readonly requests: RawRequest[] = [];
  linkUp = true;
  /** Called for each request (after it is recorded); answer with `send`. */
  onRequest: (r: RawRequest) => void = () => undefined;
  /** Called for each RequestRegisterClient; return true when the test answered it (or chose not to). */
  onRegister: (r: RawRequest) => boolean = () => false;
  private constructor(
    private readonly server: net.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<RawTServer> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const raw = new RawTServer(server, `127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    server.on('connection', (socket) => raw.accept(socket));
    return raw;
  }

  count(name: string): number {
    let n = 0;
    for (const r of this.requests) if (r.name === name) n++;
    return n;
  }

  send(socket: net.Socket, name: string, attributes: Record<string, unknown>): void {
    socket.write(encodeFrame(messageByName(name)!.type, { time: NOW(), ...attributes }));
  }

  /** Writes many frames in one write (a flood). */
  sendMany(socket: net.Socket, frames: Array<[string, Record<string, unknown>]>): void {
    socket.write(Buffer.concat(frames.map(([name, attributes]) => encodeFrame(messageByName(name)!.type, { time: NOW(), ...attributes }))));
  }

  dropClients(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder({
      onMessage: (m) => {
        if (m.name === 'RequestRegisterClient') {
          if (this.onRegister({ name: m.name, attributes: m.attributes, socket })) return;
          this.send(socket, this.linkUp ? 'EventLinkConnected' : 'EventLinkDisconnected', { ReferenceID: m.attributes.ReferenceID });
          return;
        }
        if (m.name === undefined || !m.name.startsWith('Request')) return; // ADDP and the rest
        const r = { name: m.name, attributes: m.attributes, socket };
        this.requests.push(r);
        this.onRequest(r);
      },
      onError: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  }
}
