/**
 * One socket to one server: connect (TCP or TLS), frame bytes through the codec, keep the line
 * alive with ADDP (a KeepAlive on the process's one keep-alive timer), bound what waits to be
 * written. Reports upward only: each message to `receiver` (one direct call), and 'close'. Knows
 * nothing of requests or roles.
 */
import net from 'node:net';
import tls from 'node:tls';
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import type { Codec, DecodedMessage, StreamDecoder } from '../codec/index.js';
import { ConnectError, ConnectionLostError, ProtocolError, WriteBufferFullError, type TlibError } from '../errors.js';
import { ADDP_PING, ADDP_PONG } from '../protocol/catalogue.js';
import { KeepAlive, type KeepAliveScheduler } from './keepalive.js';

const debugAddp = createDebug('tlib:addp');
const debugTransport = createDebug('tlib:transport');

/** A server address: host, port, and the name events carry in `Server`. */
export interface Endpoint {
  host: string;
  port: number;
  /** Shown to users as the `Server` of every event; defaults to 'host:port'. */
  name: string;
  /**
   * True for the endpoints the user configured (primary, backup): the `tls` option's `servername`
   * applies to them. An address a server named (learned) never takes it: it must present a
   * certificate valid for its own host, so a certificate that is good for the primary is not good
   * at any address the primary names.
   */
  configured?: boolean;
  /** The name this endpoint's TLS certificate must be valid for (and the SNI sent), given with it by the user. */
  servername?: string;
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
  /** Bytes allowed to wait in the socket's write buffer; past it the session is lost (ERR_WRITE_BUFFER_FULL). */
  maxWriteBufferBytes: number;
  /** The timer that drives ADDP. Default: the one shared by every transport of the process. */
  keepAliveScheduler?: KeepAliveScheduler;
}

export interface TransportEvents {
  /** Fired once when the socket is gone for any reason but close(). */
  close: (reason: TlibError) => void;
}

/**
 * The frames written in one tick go to the socket in one write at the end of the tick, or as soon
 * as they reach this many bytes, so the server starts on a burst while the rest is encoded
 * (`e2e.pipelined`, 1,000 requests in one tick: the median of 19 runs 0.95× the bare client,
 * 0.91× of 15 runs with one write at the end; 4 or 8 KiB measured the same).
 */
export const WRITE_BATCH_BYTES = 16 * 1024;

export class Transport extends EventEmitter<TransportEvents> {
  readonly endpoint: Endpoint;
  private readonly options: TransportOptions;
  private socket: net.Socket | undefined;
  private decoder: StreamDecoder | undefined;
  private closed = false;
  private keepAlive: KeepAlive | undefined;
  /**
   * Where each decoded message goes (set by the owner): a direct call, not an event, because it
   * runs once per frame and the transport has exactly one reader.
   */
  receiver: ((message: DecodedMessage) => void) | undefined;
  /** A whole frame arrived in the chunk being decoded (one clock read per chunk, not per frame). */
  private heardInChunk = false;
  /** Bytes ever handed to the socket: minus its writableLength, the bytes it has sent. */
  private bytesQueued = 0;
  /**
   * Frames written in this tick, handed to the socket as ONE write on process.nextTick (after the
   * tick's microtasks too): a thousand pipelined requests cost one socket.write, not a thousand.
   */
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private readonly flushBatch = () => this.flush();
  /** Write-stall watch: when the write buffer was last seen making progress, and how far it was. */
  private stallSince: number | undefined;
  private sentAtCheck = 0;
  /** A loss found inside write(), reported on the next microtask unless close() comes first. */
  private pendingLoss: TlibError | undefined;
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
      const socket: net.Socket = useTls
        ? tls.connect(tlsConnectOptions(endpoint, this.options.tls!))
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
        onKeepAlive: (type) => this.onKeepAlive(type),
        onError: (e) => this.lose(e),
      },
      { maxFrameBytes: this.options.maxFrameBytes },
    );
    // ADDP counts whole frames, not bytes: a peer that dribbles bytes of a frame that never
    // completes (garbage read as a length) is as dead as a silent one.
    socket.on('data', (chunk: Buffer) => {
      this.decoder?.push(chunk);
      if (this.heardInChunk) {
        this.heardInChunk = false;
        this.keepAlive?.heard();
      }
    });
    socket.on('error', (err) => this.lose(new ConnectionLostError('ERR_CONNECTION_LOST', this.endpoint.name, err.message, err)));
    socket.on('close', () => this.lose(new ConnectionLostError('ERR_CONNECTION_LOST', this.endpoint.name, 'socket closed')));
    // A T-Server never half-closes: its FIN means the session is over (seen now, not at 'close').
    socket.on('end', () => this.lose(new ConnectionLostError('ERR_CONNECTION_LOST', this.endpoint.name, 'closed by the server')));
    debugTransport('%s: connected', this.endpoint.name);
  }

  private onMessage(m: DecodedMessage): void {
    if (m.type === ADDP_PING || m.type === ADDP_PONG) {
      this.onKeepAlive(m.type); // from a codec that does not sort them out itself
      return;
    }
    this.heardInChunk = true;
    this.receiver?.(m);
  }

  /** An ADDP ping (answered with a pong) or pong: a sign of life, nothing for the owner. */
  private onKeepAlive(type: number): void {
    this.heardInChunk = true;
    if (debugAddp.enabled) debugAddp('%s: %s received', this.endpoint.name, type === ADDP_PING ? 'ping' : 'pong');
    if (type === ADDP_PING) this.writeControl(this.pongFrame);
  }

  /** Starts ADDP: ping after half the timeout of silence, declare the peer dead after the whole. */
  startAddp(): void {
    const addp = this.options.addp;
    if (!addp || this.keepAlive || !this.isOpen) return;
    const { timeoutMs } = addp;
    this.keepAlive = new KeepAlive(
      timeoutMs,
      {
        ping: () => {
          if (debugAddp.enabled) debugAddp('%s: idle, ping sent', this.endpoint.name);
          this.writeControl(this.pingFrame);
        },
        dead: (idle) => {
          debugAddp('%s: silent for %d ms, declared dead', this.endpoint.name, Math.round(idle));
          this.lose(
            new ConnectionLostError(
              'ERR_ADDP_TIMEOUT',
              this.endpoint.name,
              `no frame for ${Math.round(idle)} ms (ADDP timeout ${timeoutMs} ms)`,
            ),
          );
        },
        check: (now) => this.checkWriteProgress(now, timeoutMs),
      },
      this.options.keepAliveScheduler,
    );
    this.keepAlive.start();
  }

  /**
   * A server that reads nothing while bytes wait for it is as dead as a silent one: lost once the
   * write buffer made no progress for the ADDP timeout. False when the session was dropped.
   */
  private checkWriteProgress(now: number, timeoutMs: number): boolean {
    const socket = this.socket;
    if (!socket || this.closed) return false;
    const waiting = socket.writableLength; // the batch is handed over within this tick
    const sent = this.bytesQueued - waiting;
    if (waiting === 0 || this.stallSince === undefined || sent > this.sentAtCheck) {
      this.stallSince = waiting === 0 ? undefined : now;
      this.sentAtCheck = sent;
      return true;
    }
    if (now - this.stallSince < timeoutMs) return true;
    const limit = this.options.maxWriteBufferBytes;
    this.lose(
      new WriteBufferFullError(
        this.endpoint.name,
        `the server read nothing for ${Math.round(now - this.stallSince)} ms while ${waiting} bytes waited (ADDP timeout ${timeoutMs} ms)`,
        waiting,
        limit,
      ),
    );
    return false;
  }

  send(type: number, attributes: Record<string, unknown> | undefined): void {
    this.write(this.options.codec.encode(type, attributes));
  }

  /**
   * Writes a frame; past `maxWriteBufferBytes` waiting, drops the session instead (reported on the
   * next microtask, so the caller's own bookkeeping finishes first).
   */
  private write(frame: Uint8Array): void {
    if (!this.isOpen) return;
    const socket = this.socket!;
    const waiting = socket.writableLength + this.batchBytes;
    const limit = this.options.maxWriteBufferBytes;
    if (waiting + frame.byteLength > limit) {
      const reason = new WriteBufferFullError(
        this.endpoint.name,
        `${waiting} bytes wait to be sent and ${frame.byteLength} more would pass maxWriteBufferBytes (${limit})`,
        waiting,
        limit,
      );
      debugTransport('%s: lost: %s', this.endpoint.name, reason.message);
      this.teardown();
      this.pendingLoss = reason;
      queueMicrotask(() => {
        const loss = this.pendingLoss;
        this.pendingLoss = undefined;
        if (loss) this.report(loss);
      });
      return;
    }
    this.enqueue(frame);
  }

  private enqueue(frame: Uint8Array): void {
    if (this.batch.length === 0) process.nextTick(this.flushBatch);
    this.batch.push(frame);
    this.batchBytes += frame.byteLength;
    // A long burst goes out in WRITE_BATCH_BYTES pieces while it is being written: the server
    // starts on the first requests while the rest are still being encoded.
    if (this.batchBytes >= WRITE_BATCH_BYTES) this.flush();
  }

  /**
   * Hands the frames batched so far (the tick's, or the next WRITE_BATCH_BYTES of a long tick) to
   * the socket in one write (one copy; a lone frame as is).
   */
  private flush(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    const bytes = this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    if (!this.isOpen) return;
    this.bytesQueued += bytes;
    this.socket!.write(batch.length === 1 ? batch[0] : Buffer.concat(batch, bytes));
  }

  /**
   * Pings and pongs respect backpressure: while bytes already wait (in the socket or this tick's
   * batch), they are skipped (those bytes are the sign of life), so a server that floods pings and
   * reads nothing queues at most one pong. Otherwise written at once, past the batch: a pong per
   * ping while the peer reads, so one that stops reading fills the socket and is found out.
   */
  private writeControl(frame: Uint8Array): void {
    if (!this.isOpen || this.batchBytes > 0 || this.socket!.writableLength > 0) return;
    this.bytesQueued += frame.byteLength;
    this.socket!.write(frame);
  }

  private lose(reason: TlibError): void {
    if (this.closed) return;
    if (reason instanceof ProtocolError) debugTransport('%s: malformed input: %s', this.endpoint.name, reason.message);
    else debugTransport('%s: lost: %s', this.endpoint.name, reason.message);
    this.teardown();
    this.report(reason);
  }

  private report(reason: TlibError): void {
    this.emit('close', reason);
  }

  /** Closes the socket without a 'close' event (the owner asked for it); what this tick wrote goes out first. */
  close(): void {
    this.pendingLoss = undefined;
    if (this.closed) return;
    this.flush();
    this.teardown();
  }

  private teardown(): void {
    this.closed = true;
    this.batch = [];
    this.batchBytes = 0;
    this.keepAlive?.stop();
    this.keepAlive = undefined;
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

/**
 * The tls.connect options for `endpoint`. The name its certificate is checked against (Node checks
 * `servername`, else `host`) is the endpoint's own `servername`; else, for a configured endpoint,
 * the `tls` option's; else its host (no SNI for an IP literal: the certificate must carry the IP).
 */
export function tlsConnectOptions(endpoint: Endpoint, option: tls.ConnectionOptions | true): tls.ConnectionOptions {
  const given = option === true ? {} : option;
  const servername =
    endpoint.servername ?? (endpoint.configured ? given.servername : undefined) ?? (net.isIP(endpoint.host) ? undefined : endpoint.host);
  return { ...given, servername, host: endpoint.host, port: endpoint.port };
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
