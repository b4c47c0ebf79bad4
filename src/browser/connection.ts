/**
 * GatewayConnection: TServerConnection's API in a browser, through a gateway (`tlib-client/gateway`).
 * The same typed helpers (installHelpers(), from the one helper table of src/protocol), the same event names, the same
 * `calls` / `dns` state with `callChanged` / `callEnded` / `dnChanged`. The gateway holds the
 * T-Server pair; this end holds one WebSocket, and when it drops, reconnects with backoff
 * (p-retry) and resumes from the last sequence number it saw — or takes a fresh snapshot (from
 * this gateway or another), reporting what changed as 'resync' changes.
 *
 * Imports nothing from Node: the browser build (tsup `platform: 'browser'`) bundles it.
 */
import { EventEmitter } from 'eventemitter3';
import pRetry, { AbortError } from 'p-retry';
import { ConnectionClosedError, HandlerError, InvalidStateError, type TlibError } from '../errors.js';
import { GatewayError, errorFromWire } from '../gateway/errors.js';
import {
  GATEWAY_PROTOCOL_VERSION,
  GATEWAY_SUBPROTOCOL,
  GatewayCloseCode,
  TOKEN_SUBPROTOCOL_PREFIX,
  fromJson,
  toJson,
  type GatewayGrantView,
  type GatewayServerState,
  type ServerMessage,
  type SnapshotMessage,
} from '../gateway/protocol.js';
import type { CallView, DNView } from '../model/types.js';
import type { RequestName } from '../protocol/messages.js';
import type { AnswerOf, RequestArgs } from '../protocol/types.js';
import { installHelpers } from '../protocol/helper-install.js';
import type { HelperMethods } from '../protocol/helper-methods.js';
import { type BrowserRequestOptions, RequestTable } from './requests.js';
import { BrowserState, type StateChange } from './state.js';
import type { GatewayConnectionEvents, GatewayConnectionOptions, GatewayConnectionState, GatewayConnectionStatus } from './types.js';

export const GATEWAY_CONNECTION_DEFAULTS = {
  requestTimeoutMs: 10_000,
  queueLimit: 100,
  openTimeoutMs: 15_000,
  reconnect: { retries: Number.POSITIVE_INFINITY, minTimeoutMs: 250, maxTimeoutMs: 10_000, factor: 2, randomize: true },
} as const;

/** Codes this end closes a socket with (4000–4099: the client's own). */
const ClientCloseCode = {
  /** A sequence number skipped: resume, which fills the gap or snapshots. */
  SequenceGap: 4000,
  /** Nothing from the gateway for two heartbeats: it is gone (half-open, or its host died). */
  Silent: 4001,
  /** No snapshot (or resume) within `openTimeoutMs`. */
  OpenTimeout: 4002,
} as const;

/** Close codes after which reconnecting cannot help (the client or its grant is at fault). */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  GatewayCloseCode.Malformed,
  GatewayCloseCode.UnsupportedData,
  GatewayCloseCode.MessageTooBig,
]);

type Socket = WebSocket;

// The helpers' types, generated from the same table as the methods installHelpers() puts on the prototype.
export interface GatewayConnection extends HelperMethods {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: installHelpers() below puts every method of the merged interface on the prototype
export class GatewayConnection extends EventEmitter<GatewayConnectionEvents> {
  readonly url: string;
  private readonly options: GatewayConnectionOptions;
  private readonly model = new BrowserState();
  private readonly requests: RequestTable;
  private socket: Socket | undefined;
  /** Set once the socket has its snapshot (or resumed): requests may go. */
  private ready = false;
  private session: string | undefined;
  private seq = 0;
  private grantView: GatewayGrantView = { dns: [], agentIds: [] };
  private serverState: GatewayServerState | undefined;
  private maxInFlight = 16;
  private statusValue: GatewayConnectionStatus = 'closed';
  private retryAbort: AbortController | undefined;
  /** Fails the socket attempt under way (close() during open or a reconnect). */
  private abortAttempt: ((err: Error) => void) | undefined;
  /** When the open socket last brought a message, and the check that it keeps doing so (limits.heartbeatMs). */
  private lastHeard = 0;
  private heartbeatMs = 0;
  private silenceTimer: ReturnType<typeof setInterval> | undefined;

  constructor(url: string, options: GatewayConnectionOptions = {}) {
    super();
    if (typeof url !== 'string' || !/^wss?:\/\//.test(url))
      throw new GatewayError('ERR_GATEWAY_REFUSED', `not a ws:// or wss:// URL: ${String(url)}`);
    this.url = url;
    this.options = options;
    this.requests = new RequestTable({
      requestTimeoutMs: options.requestTimeoutMs ?? GATEWAY_CONNECTION_DEFAULTS.requestTimeoutMs,
      queueLimit: options.queueLimit ?? GATEWAY_CONNECTION_DEFAULTS.queueLimit,
      send: (text) => {
        if (!this.ready || this.socket?.readyState !== 1) return false;
        this.socket.send(text);
        return true;
      },
      maxInFlight: () => this.maxInFlight,
    });
  }

  /** The calls on this session's DNs, by ConnID: frozen views, replaced on change. */
  get calls(): ReadonlyMap<string, CallView> {
    return this.model.calls;
  }

  /** This session's DNs: agent, DND, forwarding, their calls. */
  get dns(): ReadonlyMap<string, DNView> {
    return this.model.dns;
  }

  get state(): GatewayConnectionState {
    return {
      status: this.statusValue,
      session: this.session,
      seq: this.seq,
      grant: this.grantView,
      server: this.serverState,
      inFlight: this.requests.inFlight,
      queued: this.requests.queued,
    };
  }

  /** Connects and resolves with the first snapshot; rejects (GatewayError ERR_GATEWAY_REFUSED) if the gateway cannot be reached or refuses. */
  async open(): Promise<void> {
    if (this.statusValue !== 'closed') throw new InvalidStateError(`open() while ${this.statusValue}`, this.statusValue);
    this.setStatus('connecting');
    try {
      await this.attempt();
    } catch (err) {
      this.setStatus('closed');
      throw err;
    }
  }

  /** Closes the socket and stops reconnecting; requests waiting or in flight reject with ConnectionClosedError. */
  async close(): Promise<void> {
    if (this.statusValue === 'closed') return;
    this.setStatus('closing');
    this.retryAbort?.abort();
    this.abortAttempt?.(new ConnectionClosedError('close() was called while connecting'));
    this.ready = false;
    this.stopSilenceWatch();
    const ws = this.socket;
    this.socket = undefined;
    if (ws && ws.readyState < 2) ws.close(1000, 'closed by the application');
    this.requests.rejectAll(new ConnectionClosedError());
    this.setStatus('closed');
    this.emitSafely('close');
  }

  /** Sends any request of the catalogue through the gateway; resolves with its answering event. */
  request<N extends RequestName>(name: N, args?: RequestArgs<N>, options?: BrowserRequestOptions): Promise<AnswerOf<N>> {
    if (this.statusValue === 'closed' || this.statusValue === 'closing') {
      return Promise.reject(new ConnectionClosedError(`${name} refused: the connection is not open — call open() first`));
    }
    return this.requests.create(name, args as Record<string, unknown>, options) as Promise<AnswerOf<N>>;
  }

  // ------------------------------------------------------------------ sockets

  /** One socket until its snapshot (or resume): resolves then; rejects if it closes first. */
  private attempt(): Promise<void> {
    return new Promise((resolve, reject) => {
      const Impl = this.options.WebSocket ?? globalThis.WebSocket;
      const ws: Socket = new Impl(this.url, [GATEWAY_SUBPROTOCOL, ...this.tokenProtocol()]);
      this.socket = ws;
      let settled = false;
      const openTimeoutMs = this.options.openTimeoutMs ?? GATEWAY_CONNECTION_DEFAULTS.openTimeoutMs;
      const timer = setTimeout(() => {
        // A gateway (or a proxy) that took the socket and says nothing: give it up.
        this.abandon(ws, ClientCloseCode.OpenTimeout, 'no session in time');
        const why = `no snapshot from the gateway within ${openTimeoutMs} ms (openTimeoutMs)`;
        fail(new GatewayError('ERR_GATEWAY_REFUSED', why, { status: ClientCloseCode.OpenTimeout }));
      }, openTimeoutMs);
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (this.abortAttempt === fail) this.abortAttempt = undefined;
        if (err) reject(err);
        else resolve();
      };
      const fail = (err: Error) => settle(err);
      this.abortAttempt = fail;
      ws.onopen = () => {
        const resume = this.session ? { session: this.session, seq: this.seq } : undefined;
        ws.send(toJson({ type: 'hello', v: GATEWAY_PROTOCOL_VERSION, ...(resume ? { resume } : {}) }));
      };
      ws.onmessage = (ev: MessageEvent) => {
        if (this.socket !== ws) return;
        this.lastHeard = Date.now();
        const ok = this.receive(ws, String(ev.data));
        if (ok && this.ready) settle();
      };
      ws.onerror = () => {}; // the close event follows and says how
      ws.onclose = (ev: { code: number; reason: string }) => {
        const current = this.socket === ws;
        if (current) {
          this.socket = undefined;
          this.ready = false;
          this.stopSilenceWatch();
        }
        if (!settled) {
          const reason = `the gateway closed the socket (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})`;
          fail(new GatewayError('ERR_GATEWAY_REFUSED', reason, { status: ev.code }));
          return;
        }
        if (current) this.lost(ev.code, ev.reason);
      };
    });
  }

  private tokenProtocol(): string[] {
    const token = this.options.token;
    if (token === undefined || token === '') return [];
    const bytes = new TextEncoder().encode(token);
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return [TOKEN_SUBPROTOCOL_PREFIX + btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')];
  }

  /** Lets go of `ws` at once (its close event, which a dead peer may hold back for long, is ignored). */
  private abandon(ws: Socket, code: number, reason: string): void {
    if (this.socket === ws) {
      this.socket = undefined;
      this.ready = false;
      this.stopSilenceWatch();
    }
    if (ws.readyState < 2) ws.close(code, reason);
  }

  /** While a session is open: a gateway that sends nothing for two heartbeats is gone; reconnect. */
  private watchSilence(): void {
    this.stopSilenceWatch();
    const ms = this.heartbeatMs;
    if (!(ms > 0)) return;
    this.lastHeard = Date.now();
    this.silenceTimer = setInterval(() => {
      const silent = Date.now() - this.lastHeard;
      const ws = this.socket;
      if (silent <= 2 * ms || !ws) return;
      this.abandon(ws, ClientCloseCode.Silent, 'the gateway went silent');
      this.lost(ClientCloseCode.Silent, `nothing from the gateway for ${silent} ms (heartbeat every ${ms} ms)`);
    }, ms);
  }

  private stopSilenceWatch(): void {
    clearInterval(this.silenceTimer);
    this.silenceTimer = undefined;
  }

  /** The socket of an open session dropped: requests on the wire are interrupted; reconnect and resume. */
  private lost(code: number, reason: string): void {
    if (this.statusValue === 'closing' || this.statusValue === 'closed') return;
    this.requests.interrupt(`the gateway connection dropped (${code}${reason ? ` ${reason}` : ''})`);
    if (FINAL_CLOSE_CODES.has(code) || this.options.reconnect === false) {
      const why = this.options.reconnect === false ? 'reconnect is off' : 'not reconnecting';
      this.report(new GatewayError('ERR_GATEWAY_REFUSED', `the gateway closed the session (${code} ${reason}); ${why}`, { status: code }));
      void this.close();
      return;
    }
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    this.setStatus('reconnecting');
    const r = { ...GATEWAY_CONNECTION_DEFAULTS.reconnect, ...(this.options.reconnect || {}) };
    const ac = new AbortController();
    this.retryAbort = ac;
    try {
      const attempt = () =>
        this.attempt().catch((err: unknown) => {
          // A code that says the client is at fault ends the loop; so does close().
          const final = err instanceof ConnectionClosedError || (err instanceof GatewayError && FINAL_CLOSE_CODES.has(err.status ?? 0));
          throw final ? new AbortError(err as Error) : err;
        });
      await pRetry(attempt, {
        retries: r.retries,
        minTimeout: r.minTimeoutMs,
        maxTimeout: r.maxTimeoutMs,
        factor: r.factor,
        randomize: r.randomize,
        signal: ac.signal,
        onFailedAttempt: ({ error, attemptNumber }) => this.emitSafely('reconnectFailed', { attempt: attemptNumber, error }),
      });
    } catch (err) {
      if (ac.signal.aborted) return;
      this.report(
        err instanceof GatewayError ? err : new GatewayError('ERR_GATEWAY_REFUSED', `reconnect gave up: ${(err as Error)?.message}`),
      );
      await this.close();
    }
  }

  // ------------------------------------------------------------------ messages

  /** Handles one message; false when it broke the protocol (the socket is then dropped). */
  private receive(ws: Socket, text: string): boolean {
    let msg: ServerMessage;
    try {
      msg = fromJson(text) as ServerMessage;
      if (typeof msg !== 'object' || msg === null || typeof msg.type !== 'string') throw new Error('not a message');
    } catch {
      this.report(new GatewayError('ERR_GATEWAY_PROTOCOL', 'the gateway sent a message that is not a JSON object'));
      ws.close(4400, 'malformed message');
      return false;
    }
    switch (msg.type) {
      case 'snapshot':
        this.snapshot(msg);
        return true;
      case 'resumed':
        this.session = msg.session;
        this.ready = true;
        this.watchSilence();
        this.setStatus('open');
        this.requests.flush();
        return true;
      case 'heartbeat':
        return true;
      case 'answer':
        this.requests.answered(msg.id, { ...msg.event });
        return true;
      case 'error':
        if (msg.id === undefined) this.report(errorFromWire(msg.error));
        else this.requests.failed(msg.id, msg.error);
        return true;
      case 'event':
      case 'change':
      case 'state':
      case 'resynced':
        if (msg.seq <= this.seq) return true; // seen before this socket
        if (msg.seq !== this.seq + 1) {
          // A gap cannot happen on one socket; drop it and resume, which fills the gap or snapshots.
          ws.close(ClientCloseCode.SequenceGap, 'sequence gap');
          return false;
        }
        this.seq = msg.seq;
        this.sequenced(msg);
        return true;
      default:
        return true; // a newer gateway's message type: ignored
    }
  }

  private snapshot(msg: SnapshotMessage): void {
    const fresh = msg.session !== this.session;
    this.session = msg.session;
    this.seq = msg.seq;
    this.grantView = msg.grant;
    this.maxInFlight = Math.max(1, msg.limits?.maxInFlight ?? 16);
    this.heartbeatMs = msg.limits?.heartbeatMs ?? 0;
    this.serverState = msg.server;
    const changes = this.model.replace(msg);
    this.ready = true;
    this.watchSilence();
    this.setStatus('open');
    this.emitSafely('snapshot', { session: msg.session, fresh });
    for (const c of changes) this.emitChange(c);
    this.requests.flush();
  }

  private sequenced(msg: Extract<ServerMessage, { seq: number; type: 'event' | 'change' | 'state' | 'resynced' }>): void {
    switch (msg.type) {
      case 'event': {
        const e = msg.event as never;
        this.emitSafely('event', e);
        this.emitSafely(msg.event.Event as 'event', e);
        return;
      }
      case 'change':
        this.emitChange(this.model.apply(msg.kind, msg.view, msg.cause as never));
        return;
      case 'state':
        this.serverState = msg.server;
        this.emitSafely('serverState', msg.server);
        return;
      case 'resynced':
        this.emitSafely('resynced', msg.summary);
        return;
    }
  }

  private emitChange(c: StateChange): void {
    if (c.kind === 'dnChanged') this.emitSafely('dnChanged', c.view, c.cause);
    else this.emitSafely(c.kind, c.view, c.cause);
  }

  private setStatus(status: GatewayConnectionStatus): void {
    if (this.statusValue === status) return;
    this.statusValue = status;
    this.emitSafely('stateChange', this.state);
  }

  private report(err: TlibError): void {
    if (this.listenerCount('error') > 0) this.emitSafely('error', err);
    else queueMicrotask(() => console.warn(`tlib-client: ${err.message}`));
  }

  /** A listener that throws becomes a HandlerError on 'error': the connection goes on with the next message. */
  private emitSafely(name: string, ...args: unknown[]): void {
    try {
      (this.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args);
    } catch (cause) {
      if (name === 'error') queueMicrotask(() => console.error(cause));
      else this.report(new HandlerError(name, cause));
    }
  }
}

installHelpers(GatewayConnection);
