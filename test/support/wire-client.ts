/**
 * A minimal test client on the codec over a real socket: send requests with a ReferenceID, await
 * the answer by ReferenceID, keep every message received, and wait for messages with timeouts.
 * It answers AddpPing with AddpPong unless told not to (to play a silent client).
 */
import net from 'node:net';
import tls from 'node:tls';
import { FrameDecoder, type DecodedMessage } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import type { ProtocolError } from '../../src/errors.js';
import { ADDP_PING, ADDP_PONG, isAnsweringEvent, messageByName } from '../../src/protocol/catalogue.js';

export const DEFAULT_WAIT_MS = 2000;

export interface Received {
  /** Catalogue name (`AddpPing`, `EventRinging`, …) or `Unknown(<type>)`. */
  name: string;
  type: number;
  attributes: Record<string, any>;
  /** Position in `received` (0-based). */
  index: number;
}

export interface WireClientOptions {
  tls?: tls.ConnectionOptions;
  /** Answer the server's AddpPing with AddpPong. Default true. */
  autoPong?: boolean;
  connectTimeoutMs?: number;
}

export type Match = string | ((m: Received) => boolean);

function matcher(match: Match): (m: Received) => boolean {
  return typeof match === 'string' ? (m) => m.name === match : match;
}

function withTimeout<T>(ms: number, what: string, run: (resolve: (v: T) => void, reject: (e: Error) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let cleanup: () => void = () => {};
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    cleanup = run(
      (v) => {
        clearTimeout(timer);
        cleanup();
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        cleanup();
        reject(e);
      },
    );
  });
}

export class WireClient {
  /** Every message received, in order (answers, unsolicited events, ADDP). */
  readonly received: Received[] = [];
  readonly protocolErrors: ProtocolError[] = [];
  autoPong: boolean;
  private nextRef = 1;
  private closed = false;
  private closeWaiters: Array<() => void> = [];
  private messageWaiters = new Set<(m: Received) => void>();
  private readonly decoder: FrameDecoder;

  private constructor(
    readonly socket: net.Socket,
    options: WireClientOptions,
  ) {
    this.autoPong = options.autoPong ?? true;
    this.decoder = new FrameDecoder({
      onMessage: (m) => this.onMessage(m),
      onError: (e) => this.protocolErrors.push(e),
    });
    socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.closeWaiters) w();
      this.closeWaiters = [];
    });
  }

  /** Connects to 'host:port' or { host, port } (127.0.0.1 only in these tests). */
  static connect(address: string | { host: string; port: number }, options: WireClientOptions = {}): Promise<WireClient> {
    const { host, port } = typeof address === 'string' ? parseAddress(address) : address;
    const ms = options.connectTimeoutMs ?? DEFAULT_WAIT_MS;
    return new Promise<WireClient>((resolve, reject) => {
      const socket = options.tls ? tls.connect({ host, port, ...options.tls }) : net.connect({ host, port });
      const ready = options.tls ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`timed out after ${ms} ms connecting to ${host}:${port}`));
      }, ms);
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new WireClient(socket, options));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Index the next received message will have: pass it as `since` to wait for later messages only. */
  mark(): number {
    return this.received.length;
  }

  /** Sends a request by name with a fresh ReferenceID (or the one given in attributes); returns it. */
  send(name: string, attributes: Record<string, unknown> = {}): number {
    const d = messageByName(name);
    if (!d) throw new Error(`unknown message ${name}`);
    const refId = typeof attributes.ReferenceID === 'number' ? attributes.ReferenceID : this.nextRef++;
    this.sendFrame(d.type, { ...attributes, ReferenceID: refId });
    return refId;
  }

  /** Sends one frame of any type with exactly these attributes. */
  sendFrame(type: number, attributes?: Record<string, unknown>): void {
    this.sendRaw(encodeFrame(type, attributes));
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Sends a request and resolves with the message carrying its ReferenceID (answer or EventError). */
  async request(name: string, attributes: Record<string, unknown> = {}, timeoutMs = DEFAULT_WAIT_MS): Promise<Received> {
    const since = this.mark();
    const refId = this.send(name, attributes);
    return this.waitFor((m) => m.attributes.ReferenceID === refId, { since, timeoutMs, what: `the answer to ${name} #${refId}` });
  }

  /**
   * Sends a request and resolves with the event that settles it as the catalogue says
   * (isAnsweringEvent: EventError, or the answering event matching the request's answerMatch),
   * skipping the request's earlier events that carry the same ReferenceID.
   */
  async answerTo(name: string, attributes: Record<string, unknown> = {}, timeoutMs = DEFAULT_WAIT_MS): Promise<Received> {
    const d = messageByName(name);
    if (!d) throw new Error(`unknown message ${name}`);
    const since = this.mark();
    const refId = this.send(name, attributes);
    return this.waitFor((m) => m.attributes.ReferenceID === refId && isAnsweringEvent(d, m.name, m.attributes, attributes), {
      since,
      timeoutMs,
      what: `the answer to ${name} #${refId}`,
    });
  }

  /** Every message (index ≥ since) carrying ReferenceID `refId`, in order. */
  withReference(refId: number, since = 0): Received[] {
    return this.received.slice(since).filter((m) => m.attributes.ReferenceID === refId);
  }

  /** RequestRegisterClient; resolves with the link event that answers it. */
  register(options: { applicationName?: string; addpTimeout?: number } = {}): Promise<Received> {
    return this.request('RequestRegisterClient', {
      ApplicationName: options.applicationName ?? 'wire-client',
      AddpTimeout: options.addpTimeout,
    });
  }

  /** RequestRegisterAddress for each DN; throws if one is refused. */
  async registerDN(...dns: string[]): Promise<void> {
    for (const dn of dns) {
      const answer = await this.request('RequestRegisterAddress', { ThisDN: dn });
      if (answer.name !== 'EventRegistered') throw new Error(`RegisterAddress ${dn} refused: ${JSON.stringify(answer.attributes)}`);
    }
  }

  /** The first message at index ≥ since (default 0) that matches, now or when it comes. */
  waitFor(match: Match, options: { since?: number; timeoutMs?: number; what?: string } = {}): Promise<Received> {
    const test = matcher(match);
    const since = options.since ?? 0;
    const found = this.received.slice(since).find(test);
    if (found) return Promise.resolve(found);
    const what = options.what ?? (typeof match === 'string' ? match : 'a matching message');
    return withTimeout(options.timeoutMs ?? DEFAULT_WAIT_MS, what, (resolve) => {
      const w = (m: Received): void => {
        if (m.index >= since && test(m)) resolve(m);
      };
      this.messageWaiters.add(w);
      return () => this.messageWaiters.delete(w);
    });
  }

  /** Waits until `count` matching messages (index ≥ since) arrived; resolves with them. */
  async waitForCount(match: Match, count: number, options: { since?: number; timeoutMs?: number } = {}): Promise<Received[]> {
    const test = matcher(match);
    const since = options.since ?? 0;
    const matching = (): Received[] => this.received.slice(since).filter(test);
    if (matching().length >= count) return matching();
    await withTimeout<void>(options.timeoutMs ?? DEFAULT_WAIT_MS, `${count} matching messages`, (resolve) => {
      const w = (): void => {
        if (matching().length >= count) resolve();
      };
      this.messageWaiters.add(w);
      return () => this.messageWaiters.delete(w);
    });
    return matching();
  }

  /** Messages (index ≥ since) that are not answers to this client's requests and not ADDP. */
  unsolicited(since = 0): Received[] {
    return this.received.slice(since).filter((m) => m.attributes.ReferenceID === undefined && m.type < ADDP_PING);
  }

  /** Resolves when the server closes the socket. */
  waitForClose(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (this.closed) return Promise.resolve();
    return withTimeout<void>(timeoutMs, 'the socket to close', (resolve) => {
      this.closeWaiters.push(resolve);
      return () => {
        this.closeWaiters = this.closeWaiters.filter((w) => w !== resolve);
      };
    });
  }

  /** Closes the socket (if open) and waits until it is closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.socket.destroy();
    await this.waitForClose();
  }

  private onMessage(m: DecodedMessage): void {
    const r: Received = {
      name: m.name ?? `Unknown(${m.type})`,
      type: m.type,
      attributes: m.attributes,
      index: this.received.length,
    };
    this.received.push(r);
    if (m.type === ADDP_PING && this.autoPong && !this.closed) this.sendFrame(ADDP_PONG);
    for (const w of [...this.messageWaiters]) w(r);
  }
}

export function parseAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

/** Tracks clients so afterEach can close them all. */
export class ClientPool {
  private readonly clients: WireClient[] = [];

  async connect(address: string | { host: string; port: number }, options?: WireClientOptions): Promise<WireClient> {
    const c = await WireClient.connect(address, options);
    this.clients.push(c);
    return c;
  }

  /** Connects and sends RequestRegisterClient. */
  async registered(
    address: string | { host: string; port: number },
    options: WireClientOptions & { addpTimeout?: number } = {},
  ): Promise<WireClient> {
    const c = await this.connect(address, options);
    await c.register({ addpTimeout: options.addpTimeout });
    return c;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
  }
}
