/**
 * The gateway: browsers over WebSocket, one TServerConnection behind them all.
 *
 * A browser's path: the HTTP upgrade (subprotocol, origin, `authenticate`, `authorize`, capacity;
 * any refusal is an HTTP status), then `hello` (a new session and its snapshot, or a resumed one and
 * what it missed), then requests checked against its grant (policy.ts) before they reach the
 * connection. What the connection delivers goes out through Fanout. A socket that closes leaves its
 * session waiting `resumeWindowMs` for the browser to come back; then the session ends and lets go
 * of its DNs (registrations.ts). See docs/gateway.md.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import WebSocket, { WebSocketServer } from 'ws';
import type { TServerConnection } from '../connection/connection.js';
import type { RequestName } from '../protocol/messages.js';
import { GatewayError, errorToWire } from './errors.js';
import { Fanout } from './fanout.js';
import { type GatewayIdentity, type GatewayOptions, type ResolvedGatewayOptions, resolveGatewayOptions } from './options.js';
import { checkRequest } from './policy.js';
import {
  GATEWAY_PROTOCOL_VERSION,
  GATEWAY_SUBPROTOCOL,
  GatewayCloseCode,
  GatewayProtocolViolation,
  type HelloMessage,
  type RequestMessage,
  parseClientMessage,
  toJson,
} from './protocol.js';
import { DnRegistrations } from './registrations.js';
import { GatewaySession } from './session.js';
import { SessionTable } from './sessions.js';
import type { GatewayEvents, GatewayRefusal, GatewayStats } from './types.js';
import { TookTooLong, checkGrant, checkIdentity, offersGatewayProtocol, originAllowed, refuseUpgrade, withTimeout } from './upgrade.js';

const debug = createDebug('tlib:gateway');

/** A socket between its upgrade and its `hello`, then bound to a session. */
interface Peer {
  readonly ws: WebSocket;
  readonly identity: GatewayIdentity;
  readonly grant: { dns: string[]; agentIds: string[] };
  helloTimer: NodeJS.Timeout | undefined;
  session: GatewaySession | undefined;
}

/** Creates a gateway; resolves once it listens (with `port`) or is attached (with `server`). */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const gateway = new Gateway(resolveGatewayOptions(options));
  await gateway.listening;
  return gateway;
}

export class Gateway extends EventEmitter<GatewayEvents> {
  readonly options: ResolvedGatewayOptions;
  readonly listening: Promise<void>;
  private readonly conn: TServerConnection;
  private readonly server: Server;
  private readonly ownServer: boolean;
  private readonly wss: WebSocketServer;
  readonly fanout: Fanout;
  readonly registrations: DnRegistrations;
  private readonly sessions: SessionTable;
  private readonly awaitingHello = new Set<Peer>();
  private pendingUpgrades = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed: Promise<void> | undefined;
  private readonly detachFromConnection: () => void;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(req, socket, head);

  constructor(options: ResolvedGatewayOptions) {
    super();
    this.options = options;
    this.conn = options.connection;
    this.fanout = new Fanout(this.conn, options.name);
    this.registrations = new DnRegistrations(this.conn, (dn, err) => this.watchFailed(dn, err));
    this.sessions = new SessionTable({
      options,
      fanout: this.fanout,
      registrations: this.registrations,
      closing: () => this.closed !== undefined,
      emit: (name, arg) => this.emitSafely(name, arg),
      refused: (r) => this.refused(r),
    });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      // The token subprotocol is never echoed: the answer names the protocol only.
      handleProtocols: (offered) => (offered.has(GATEWAY_SUBPROTOCOL) ? GATEWAY_SUBPROTOCOL : false),
      perMessageDeflate: false,
    });
    const f = this.fanout;
    type Listener = (...args: never[]) => void;
    const handlers: Record<string, Listener> = {
      event: (e: never) => f.onEvent(e),
      callChanged: (v: never, c: never) => f.onCallChanged(v, c),
      callEnded: (v: never, c: never) => f.onCallEnded(v, c),
      dnChanged: (v: never, c: never) => f.onDnChanged(v, c),
      stateChange: (s: never) => f.onState(s),
      resynced: (s: never) => f.onResynced(s),
    };
    const emitter = this.conn as unknown as { on(n: string, fn: Listener): void; off(n: string, fn: Listener): void };
    for (const [name, fn] of Object.entries(handlers)) emitter.on(name, fn);
    this.detachFromConnection = () => {
      for (const [name, fn] of Object.entries(handlers)) emitter.off(name, fn);
    };
    this.ownServer = options.server === undefined;
    this.server = options.server ?? this.createOwnServer();
    this.server.on('upgrade', this.onUpgrade);
    if (options.heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.sessions.beat(), options.heartbeatMs);
      this.heartbeat.unref();
    }
    this.listening = this.ownServer
      ? new Promise((resolve, reject) => {
          this.server.once('error', reject);
          this.server.listen(options.port, options.host, () => {
            this.server.off('error', reject);
            resolve();
          });
        })
      : Promise.resolve();
  }

  /** Where the gateway's own server listens (with `port`), else the given server's address. */
  get address(): { host: string; port: number } | undefined {
    const a = this.server.address() as AddressInfo | string | null;
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
  }

  /** `ws://host:port/path` of the gateway's own server. */
  get url(): string | undefined {
    const a = this.address;
    if (!a) return undefined;
    const host = a.host.includes(':') ? `[${a.host}]` : a.host;
    return `ws://${host}:${a.port}${this.options.path}`;
  }

  get stats(): GatewayStats {
    return {
      sessions: this.sessions.size,
      attached: this.sessions.attachedCount(),
      awaitingHello: this.awaitingHello.size,
      pendingUpgrades: this.pendingUpgrades,
      registeredDns: this.registrations.size,
    };
  }

  /**
   * Closes every browser socket (1001: go elsewhere), ends every session, releases the DNs the
   * gateway registered (waiting for the unregistrations), and stops its own server. The connection
   * stays open: it is the application's.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      clearInterval(this.heartbeat);
      this.server.off('upgrade', this.onUpgrade);
      this.detachFromConnection();
      for (const peer of [...this.awaitingHello]) this.dropPeer(peer, GatewayCloseCode.GoingAway, 'gateway closing');
      this.sessions.endAll(GatewayCloseCode.GoingAway, 'gateway closing');
      await this.registrations.settled();
      this.wss.close();
      if (this.ownServer) {
        await new Promise<void>((resolve) => {
          this.server.close(() => resolve());
          this.server.closeAllConnections();
        });
      }
    })();
    return this.closed;
  }

  private createOwnServer(): Server {
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
      res.end(`a WebSocket endpoint (subprotocol ${GATEWAY_SUBPROTOCOL})\n`);
    });
    // Slow or silent HTTP clients do not hold sockets for long, and sockets are bounded in all.
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    server.maxConnections = this.options.maxSessions + this.options.maxPendingUpgrades + 64;
    return server;
  }

  // ------------------------------------------------------------------ upgrade

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const o = this.options;
    const path = (req.url ?? '/').split('?')[0];
    if (path !== o.path) {
      // Another handler may serve that path; answer only when nobody else listens.
      if (this.server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'no WebSocket endpoint here');
      return;
    }
    socket.on('error', () => {}); // a reset while authenticating is not the gateway's error
    const remoteAddress = req.socket.remoteAddress;
    const refuse = (status: number, reason: string, identity?: string) => {
      this.refused({ stage: 'upgrade', status, reason, identity, remoteAddress });
      refuseUpgrade(socket, status, reason);
    };
    if (this.closed) return refuse(503, 'the gateway is closing');
    if (this.pendingUpgrades >= o.maxPendingUpgrades)
      return refuse(503, `more than ${o.maxPendingUpgrades} upgrades are being authenticated`);
    if (!offersGatewayProtocol(req)) return refuse(400, `offer the WebSocket subprotocol ${GATEWAY_SUBPROTOCOL}`);
    if (!originAllowed(req, o.origins)) return refuse(403, `origin ${String(req.headers.origin)} is not allowed`);
    this.pendingUpgrades++;
    let identity: GatewayIdentity | undefined;
    let grant: { dns: string[]; agentIds: string[] } | string;
    try {
      try {
        identity = checkIdentity(await withTimeout(o.authenticate(req), o.authTimeoutMs, 'authenticate'));
      } catch (err) {
        // Too slow is the gateway's trouble (503: try again), not a verdict on the token.
        if (err instanceof TookTooLong) return refuse(503, err.message);
        debug('authenticate threw: %s', (err as Error)?.message);
      }
      if (!identity) return refuse(401, 'not authenticated');
      try {
        grant = checkGrant(await withTimeout(o.authorize(identity), o.authTimeoutMs, 'authorize'), o.maxDnsPerSession);
      } catch (err) {
        if (err instanceof TookTooLong) return refuse(503, err.message, identity.id);
        grant = `authorize failed: ${(err as Error)?.message}`;
      }
      if (typeof grant === 'string') return refuse(403, grant, identity.id);
    } finally {
      this.pendingUpgrades--;
    }
    if (socket.destroyed || this.closed) return;
    if (!this.sessions.makeRoom(identity.id, o.maxSessionsPerIdentity, this.awaiting(identity.id))) {
      return refuse(429, `identity has ${o.maxSessionsPerIdentity} sessions (maxSessionsPerIdentity)`, identity.id);
    }
    if (!this.sessions.makeRoom(undefined, o.maxSessions, this.awaitingHello.size)) {
      return refuse(503, `the gateway has ${o.maxSessions} sessions (maxSessions)`, identity.id);
    }
    const who = identity;
    const granted = grant;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, who, granted));
  }

  /** Sockets of `identity` that have not said hello yet. */
  private awaiting(identity: string): number {
    let n = 0;
    for (const p of this.awaitingHello) if (p.identity.id === identity) n++;
    return n;
  }

  private accept(ws: WebSocket, identity: GatewayIdentity, grant: { dns: string[]; agentIds: string[] }): void {
    const peer: Peer = { ws, identity, grant, helloTimer: undefined, session: undefined };
    this.awaitingHello.add(peer);
    peer.helloTimer = setTimeout(() => this.dropPeer(peer, GatewayCloseCode.HelloTimeout, 'no hello'), this.options.helloTimeoutMs);
    ws.on('error', (err) => debug('socket of %s: %s', identity.id, err.message));
    ws.on('pong', () => {
      if (peer.session) peer.session.alive = true;
    });
    ws.on('message', (data, isBinary) => this.message(peer, data as Buffer, isBinary));
    ws.on('close', (code, reason) => {
      clearTimeout(peer.helloTimer);
      this.awaitingHello.delete(peer);
      const s = peer.session;
      if (s && s.socket === ws) this.sessions.detach(s, code, reason.toString());
    });
  }

  // ------------------------------------------------------------------ messages

  private message(peer: Peer, data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.violation(peer, GatewayCloseCode.UnsupportedData, 'binary frames are not part of the protocol');
    const msg = parseClientMessage(data.toString('utf8'));
    if (msg instanceof GatewayProtocolViolation) return this.violation(peer, GatewayCloseCode.Malformed, msg.reason);
    const s = peer.session;
    if (!s) {
      if (msg.type !== 'hello') return this.violation(peer, GatewayCloseCode.Malformed, 'the first message must be hello');
      return this.hello(peer, msg);
    }
    if (s.socket !== peer.ws) return; // superseded by another socket: ignore what is still in flight
    if (msg.type === 'hello') return this.violation(peer, GatewayCloseCode.Malformed, 'hello was already sent');
    if (msg.type === 'cancel') return s.inFlight.get(msg.id)?.abort();
    this.request(peer, s, msg);
  }

  private violation(peer: Peer, code: number, reason: string): void {
    this.refused({ stage: 'message', status: code, reason, identity: peer.identity.id, session: peer.session?.id });
    this.dropPeer(peer, code, reason);
  }

  private hello(peer: Peer, msg: HelloMessage): void {
    clearTimeout(peer.helloTimer);
    this.awaitingHello.delete(peer);
    const found = msg.resume && this.sessions.resumable(msg.resume, peer.identity.id, peer.grant);
    if (found && 'violation' in found) return this.violation(peer, GatewayCloseCode.Malformed, found.violation);
    if (found && 'log' in found) this.refused({ stage: 'message', reason: found.log, identity: peer.identity.id });
    const old = found instanceof GatewaySession ? found : undefined;
    if (old) {
      clearTimeout(old.expiry);
      const previous = old.socket;
      old.socket = peer.ws;
      old.alive = true;
      peer.session = old;
      if (previous) previous.close(GatewayCloseCode.Superseded, 'resumed on another socket');
      const missed = old.replay.after(msg.resume!.seq);
      if (missed) {
        old.write(toJson({ type: 'resumed', session: old.id, seq: old.seq }));
        for (const text of missed) old.write(text);
      } else this.sendSnapshot(old);
      return this.opened(old, missed !== undefined);
    }
    const s = this.sessions.open(peer.identity, peer.grant, peer.ws);
    peer.session = s;
    // The snapshot waits (bounded) for the DNs to be registered and their calls learnt: the truth, not an empty page.
    const wait = withTimeout(this.registrations.ready(s.grant.dns), this.options.readyTimeoutMs, 'registration').catch(() => undefined);
    void wait.then(() => {
      if (s.ended) return;
      this.fanout.add(s);
      this.sendSnapshot(s);
      // A DN that failed before the session joined the fan-out: told now, after the snapshot.
      for (const dn of s.grant.dns) {
        const failed = this.registrations.failure(dn);
        if (failed) s.write(watchFailedJson(dn, failed.error));
      }
      this.opened(s, false);
    });
  }

  private opened(s: GatewaySession, resumed: boolean): void {
    debug('%s session %s for %s (%d DNs)', resumed ? 'resumed' : 'opened', s.id, s.identity.id, s.grant.dns.size);
    this.emitSafely('sessionOpened', { session: s.id, identity: s.identity.id, resumed });
  }

  private sendSnapshot(s: GatewaySession): void {
    const { dns, calls } = this.fanout.snapshot(s);
    s.write(
      toJson({
        type: 'snapshot',
        v: GATEWAY_PROTOCOL_VERSION,
        session: s.id,
        seq: s.seq,
        grant: s.grantView,
        dns,
        calls,
        server: this.fanout.serverState(),
        limits: {
          maxMessageBytes: this.options.maxMessageBytes,
          maxInFlight: this.options.maxInFlightPerSession,
          heartbeatMs: this.options.heartbeatMs,
        },
      }),
    );
  }

  private request(peer: Peer, s: GatewaySession, msg: RequestMessage): void {
    const reply = (text: string) => s.write(text);
    const fail = (err: unknown) => reply(toJson({ type: 'error', id: msg.id, error: errorToWire(err) }));
    if (s.inFlight.has(msg.id)) return this.violation(peer, GatewayCloseCode.Malformed, `request id ${msg.id} is already in flight`);
    if (s.inFlight.size >= this.options.maxInFlightPerSession) {
      return fail(
        new GatewayError('ERR_GATEWAY_BUSY', `${msg.name} refused: ${s.inFlight.size} requests in flight (maxInFlightPerSession)`, {
          request: msg.name,
        }),
      );
    }
    const refusal = checkRequest(msg.name, msg.args, s.grant, (connId) => s.calls.has(connId));
    if (refusal) {
      this.refused({ stage: 'request', reason: refusal.reason, identity: s.identity.id, session: s.id, request: msg.name, dn: refusal.dn });
      return fail(new GatewayError('ERR_GATEWAY_FORBIDDEN', `${refusal.reason}; nothing was sent`, { request: msg.name, dn: refusal.dn }));
    }
    const ac = new AbortController();
    s.inFlight.set(msg.id, ac);
    const timeoutMs = typeof msg.timeoutMs === 'number' ? Math.min(msg.timeoutMs, this.options.maxRequestTimeoutMs) : undefined;
    this.conn.request(msg.name as RequestName, msg.args as never, { signal: ac.signal, timeoutMs }).then(
      (answer) => {
        s.inFlight.delete(msg.id);
        reply('{"type":"answer","id":' + msg.id + ',"event":' + this.fanout.eventJsonOf(answer as never) + '}');
      },
      (err: unknown) => {
        s.inFlight.delete(msg.id);
        if (!ac.signal.aborted) fail(err); // a cancelled request: the browser has settled it already
      },
    );
  }

  private dropPeer(peer: Peer, code: number, reason: string): void {
    clearTimeout(peer.helloTimer);
    this.awaitingHello.delete(peer);
    if (peer.ws.readyState === WebSocket.OPEN || peer.ws.readyState === WebSocket.CONNECTING) peer.ws.close(code, closeReason(reason));
    const s = peer.session;
    if (s && s.socket === peer.ws) this.sessions.detach(s, code, reason);
  }

  private watchFailed(dn: string, err: unknown): void {
    debug('registration of %s failed: %s', dn, (err as Error)?.message);
    const text = watchFailedJson(dn, err);
    for (const s of this.fanout.watching(dn)) s.write(text);
  }

  private refused(r: GatewayRefusal): void {
    debug(
      'refused (%s%s): %s [identity %s, session %s, %s]',
      r.stage,
      r.status ? ` ${r.status}` : '',
      r.reason,
      r.identity,
      r.session,
      r.remoteAddress ?? '',
    );
    this.emitSafely('refused', r);
  }

  /** A listener that throws is reported as a process warning, never thrown into the gateway. */
  private emitSafely<K extends keyof GatewayEvents>(name: K, arg: Parameters<GatewayEvents[K]>[0]): void {
    for (const fn of this.listeners(name)) {
      try {
        (fn as (a: unknown) => void)(arg);
      } catch (err) {
        process.emitWarning(`a gateway '${name}' listener threw: ${(err as Error)?.message}`, { code: 'ERR_HANDLER' });
      }
    }
  }
}

/** The notice that a granted DN could not be registered (an `error` message without an id). */
function watchFailedJson(dn: string, err: unknown): string {
  const message = `DN ${dn} could not be registered: ${(err as Error)?.message ?? String(err)}`;
  return toJson({ type: 'error', error: errorToWire(new GatewayError('ERR_GATEWAY_WATCH', message, { dn })) });
}

/** A close reason fits in 123 bytes of UTF-8 (RFC 6455); longer ones are cut. */
function closeReason(reason: string): string {
  let out = reason;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}
