/**
 * One socket to one server: connect (TCP or TLS), frame bytes through the codec, keep the line
 * alive with ADDP. Reports upward only: 'message', 'close'. Knows nothing of requests or roles.
 */
import net from 'node:net';
import tls from 'node:tls';
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import type { Codec, DecodedMessage, StreamDecoder } from '../codec/index.js';
import { ConnectError, ConnectionLostError, ProtocolError, type TlibError } from '../errors.js';
import { ADDP_PING, ADDP_PONG } from '../protocol/catalogue.js';

const debugAddp = createDebug('tlib:addp');
const debugTransport = createDebug('tlib:transport');

export interface Endpoint {
  host: string;
  port: number;
  /** Shown to users as the `Server` of every event; defaults to 'host:port'. */
  name: string;
}

export interface AddpOptions {
  /** Silence after which the server is declared dead (ms). */
  timeoutMs: number;
  /** Period at which the server is asked to ping us (sent as AddpTimeout). */
  remoteTimeoutMs: number;
}

export interface TransportOptions {
  endpoint: Endpoint;
  codec: Codec;
  maxFrameBytes: number;
  connectTimeoutMs: number;
  tls?: tls.ConnectionOptions | true;
  addp: AddpOptions | false;
}

export interface TransportEvents {
  message: (message: DecodedMessage) => void;
  /** Fired once when the socket is gone for any reason but close(). */
  close: (reason: TlibError) => void;
}

export class Transport extends EventEmitter<TransportEvents> {
  readonly endpoint: Endpoint;
  private readonly options: TransportOptions;
  private socket: net.Socket | undefined;
  private decoder: StreamDecoder | undefined;
  private closed = false;
  private addpTimer: NodeJS.Timeout | undefined;
  private lastReceived = 0;
  private pingOutstanding = false;
  private pingFrame: Uint8Array;
  private pongFrame: Uint8Array;

  constructor(options: TransportOptions) {
    super();
    this.options = options;
    this.endpoint = options.endpoint;
    this.pingFrame = options.codec.encode(ADDP_PING, undefined);
    this.pongFrame = options.codec.encode(ADDP_PONG, undefined);
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.closed;
  }

  /** Opens the socket. Rejects with ConnectError (cause: the system or TLS error). */
  connect(signal?: AbortSignal): Promise<void> {
    const { endpoint, connectTimeoutMs } = this.options;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const useTls = this.options.tls !== undefined;
      const tlsOptions: tls.ConnectionOptions = this.options.tls === true ? {} : (this.options.tls ?? {});
      const socket: net.Socket = useTls
        ? tls.connect({ servername: net.isIP(endpoint.host) ? undefined : endpoint.host, ...tlsOptions, host: endpoint.host, port: endpoint.port })
        : net.connect({ host: endpoint.host, port: endpoint.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => fail(new Error(`no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      const onAbort = () => fail(signal?.reason ?? new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.off('error', fail);
        socket.off(useTls ? 'secureConnect' : 'connect', ok);
      };
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        cleanup();
        socket.destroy();
        this.closed = true;
        reject(err instanceof ConnectError ? err : new ConnectError(endpoint.name, describeConnectFailure(err), err));
      };
      const ok = () => {
        if (settled) return;
        settled = true;
        cleanup();
        if (this.closed) {
          socket.destroy();
          reject(new ConnectError(endpoint.name, 'closed while connecting'));
          return;
        }
        this.attach(socket);
        resolve();
      };
      socket.once('error', fail);
      socket.once(useTls ? 'secureConnect' : 'connect', ok);
      if (signal?.aborted) onAbort();
    });
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    this.decoder = this.options.codec.createDecoder(
      {
        onMessage: (m) => this.onMessage(m),
        onError: (e) => this.lose(e),
      },
      { maxFrameBytes: this.options.maxFrameBytes },
    );
    // ADDP counts whole frames, not bytes: a peer that dribbles bytes of a frame that never
    // completes (garbage read as a length) is as dead as a silent one.
    socket.on('data', (chunk: Buffer) => this.decoder?.push(chunk));
    socket.on('error', (err) => this.lose(new ConnectionLostError('ERR_CONNECTION_LOST', this.endpoint.name, err.message, err)));
    socket.on('close', () => this.lose(new ConnectionLostError('ERR_CONNECTION_LOST', this.endpoint.name, 'socket closed')));
    // A T-Server never half-closes: its FIN means the session is over (seen now, not at 'close').
    socket.on('end', () => this.lose(new ConnectionLostError('ERR_CONNECTION_LOST', this.endpoint.name, 'closed by the server')));
    this.lastReceived = performance.now();
    debugTransport('%s: connected', this.endpoint.name);
  }

  private onMessage(m: DecodedMessage): void {
    this.lastReceived = performance.now();
    this.pingOutstanding = false;
    if (m.type === ADDP_PING) {
      debugAddp('%s: ping received, pong sent', this.endpoint.name);
      this.write(this.pongFrame);
      return;
    }
    if (m.type === ADDP_PONG) {
      debugAddp('%s: pong received', this.endpoint.name);
      return;
    }
    this.emit('message', m);
  }

  /** Starts ADDP: ping after half the timeout of silence, declare the peer dead after the whole. */
  startAddp(): void {
    const addp = this.options.addp;
    if (!addp || this.addpTimer || !this.isOpen) return;
    const half = Math.max(1, Math.floor(addp.timeoutMs / 2));
    const tick = () => {
      this.addpTimer = undefined;
      if (!this.isOpen) return;
      const idle = performance.now() - this.lastReceived;
      if (idle >= addp.timeoutMs) {
        debugAddp('%s: silent for %d ms, declared dead', this.endpoint.name, Math.round(idle));
        this.lose(new ConnectionLostError('ERR_ADDP_TIMEOUT', this.endpoint.name, `no frame for ${Math.round(idle)} ms (ADDP timeout ${addp.timeoutMs} ms)`));
        return;
      }
      let next: number;
      if (idle >= half && !this.pingOutstanding) {
        this.pingOutstanding = true;
        debugAddp('%s: idle %d ms, ping sent', this.endpoint.name, Math.round(idle));
        this.write(this.pingFrame);
        next = addp.timeoutMs - idle;
      } else {
        next = (this.pingOutstanding ? addp.timeoutMs : half) - idle;
      }
      this.addpTimer = setTimeout(tick, Math.max(1, Math.ceil(next)));
    };
    this.addpTimer = setTimeout(tick, half);
  }

  send(type: number, attributes: Record<string, unknown> | undefined): void {
    this.write(this.options.codec.encode(type, attributes));
  }

  private write(frame: Uint8Array): void {
    if (!this.isOpen) return;
    this.socket!.write(frame);
  }

  /** Bytes waiting in the socket's write buffer (backpressure). */
  get writableLength(): number {
    return this.socket?.writableLength ?? 0;
  }

  private lose(reason: TlibError): void {
    if (this.closed) return;
    if (reason instanceof ProtocolError) debugTransport('%s: malformed input: %s', this.endpoint.name, reason.message);
    else debugTransport('%s: lost: %s', this.endpoint.name, reason.message);
    this.teardown();
    this.emit('close', reason);
  }

  /** Closes the socket without a 'close' event (the owner asked for it). */
  close(): void {
    if (this.closed) return;
    this.teardown();
  }

  private teardown(): void {
    this.closed = true;
    if (this.addpTimer) clearTimeout(this.addpTimer);
    this.addpTimer = undefined;
    this.decoder?.stop();
    this.decoder = undefined;
    const s = this.socket;
    this.socket = undefined;
    if (s) {
      s.removeAllListeners('data');
      s.destroy();
      // Late socket errors after destroy must not become uncaught exceptions.
      s.on('error', () => {});
    }
  }
}

function describeConnectFailure(err: Error & { code?: string }): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host name not found (${err.code})`;
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate refused (${err.code}): ${err.message}`;
    default:
      return err.code ? `${err.message} (${err.code})` : err.message;
  }
}
