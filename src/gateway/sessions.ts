/**
 * Every session of a gateway: by id and by identity, their room under the limits, and their life —
 * opened at `hello`, detached when the socket goes (waiting `resumeWindowMs` for the browser),
 * ended (DNs released), dropped when the browser stops reading or stops answering pings.
 */
import createDebug from 'debug';
import WebSocket from 'ws';
import type { Fanout } from './fanout.js';
import type { GatewayIdentity, ResolvedGatewayOptions } from './options.js';
import { GatewayCloseCode, HEARTBEAT_JSON } from './protocol.js';
import type { DnRegistrations } from './registrations.js';
import { GatewaySession } from './session.js';
import type { GatewayEvents, GatewayRefusal } from './types.js';

const debug = createDebug('tlib:gateway');

/** How long a socket closed for a full send buffer may take to say goodbye before it is destroyed. */
const CLOSE_GRACE_MS = 1_000;

export interface SessionTableHost {
  readonly options: ResolvedGatewayOptions;
  readonly fanout: Fanout;
  readonly registrations: DnRegistrations;
  /** True once the gateway is closing: a detached session ends at once. */
  closing(): boolean;
  emit<K extends keyof GatewayEvents>(name: K, arg: Parameters<GatewayEvents[K]>[0]): void;
  refused(r: GatewayRefusal): void;
}

export class SessionTable {
  private readonly byId = new Map<string, GatewaySession>();
  private readonly byIdentity = new Map<string, Set<GatewaySession>>();

  constructor(private readonly host: SessionTableHost) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: string): GatewaySession | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<GatewaySession> {
    return this.byId.values();
  }

  attachedCount(): number {
    let n = 0;
    for (const s of this.byId.values()) if (s.attached) n++;
    return n;
  }

  /** A new session on `ws`: indexed, its DNs acquired (it joins the fan-out with its snapshot). */
  open(identity: GatewayIdentity, grant: { dns: string[]; agentIds: string[] }, ws: WebSocket): GatewaySession {
    const s = new GatewaySession(identity, grant, this.host.options, (session, socket) => this.overflow(session, socket));
    s.socket = ws;
    this.byId.set(s.id, s);
    let mine = this.byIdentity.get(identity.id);
    if (!mine) this.byIdentity.set(identity.id, (mine = new Set()));
    mine.add(s);
    for (const dn of s.grant.dns) this.host.registrations.acquire(dn);
    return s;
  }

  /**
   * What becomes of a `hello` that asks to resume: the session, when this browser may have it back
   * (same identity, same grant — a grant that changed gets a new session); `{ log }`, a new session
   * and a line saying why (another identity's session); `{ violation }`, a seq the session never
   * sent; undefined, a new session (unknown: another gateway's, or ended).
   */
  resumable(
    resume: { session: string; seq: number },
    identity: string,
    grant: { dns: string[]; agentIds: string[] },
  ): GatewaySession | { log: string } | { violation: string } | undefined {
    const s = this.byId.get(resume.session);
    if (!s) return undefined;
    if (s.identity.id !== identity) return { log: 'resume of a session of another identity: a new session instead' };
    if (resume.seq > s.seq) return { violation: `resume: seq ${resume.seq} is past the last message the session was sent (${s.seq})` };
    return sameGrant(s, grant) ? s : undefined;
  }

  /**
   * True when one more session fits under `limit` for `identity` (undefined: in all), counting
   * `waiting` sockets that have not said hello yet; a session whose browser is away is ended to make
   * room, the oldest first.
   */
  makeRoom(identity: string | undefined, limit: number, waiting: number): boolean {
    const list = [...(identity === undefined ? this.byId.values() : (this.byIdentity.get(identity) ?? []))];
    if (list.length + waiting < limit) return true;
    const away = list.filter((s) => !s.attached).sort((a, b) => a.createdAt - b.createdAt)[0];
    if (!away || list.length - 1 + waiting >= limit) return false;
    this.end(away, GatewayCloseCode.GoingAway, 'made room for a new session');
    return true;
  }

  /**
   * The socket went: the session waits for its browser (or ends at once when the gateway closes, or
   * when the browser never got the snapshot that names the session: it cannot resume it).
   */
  detach(s: GatewaySession, code: number, reason: string): void {
    s.socket = undefined;
    debug('session %s of %s disconnected (%d %s)', s.id, s.identity.id, code, reason);
    this.host.emit('disconnected', { session: s.id, identity: s.identity.id, code, reason });
    const window = this.host.options.resumeWindowMs;
    if (this.host.closing() || window === 0 || !this.host.fanout.sessions.has(s)) return this.end(s, code, reason);
    s.expiry = setTimeout(() => this.end(s, code, 'the browser did not come back'), window);
    s.expiry.unref();
  }

  end(s: GatewaySession, code: number, reason: string): void {
    if (s.ended) return;
    s.ended = true;
    clearTimeout(s.expiry);
    const ws = s.socket;
    s.socket = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) ws.close(code, reason);
    this.host.fanout.remove(s);
    this.byId.delete(s.id);
    const mine = this.byIdentity.get(s.identity.id);
    mine?.delete(s);
    if (mine?.size === 0) this.byIdentity.delete(s.identity.id);
    for (const dn of s.grant.dns) this.host.registrations.release(dn);
    this.host.emit('sessionEnded', { session: s.id, identity: s.identity.id });
  }

  endAll(code: number, reason: string): void {
    for (const s of [...this.byId.values()]) this.end(s, code, reason);
  }

  /**
   * Pings every browser (one that did not answer the previous ping is dropped) and sends it a
   * heartbeat message: a browser sees no WebSocket ping, and tells a gateway gone silent by these.
   */
  beat(): void {
    for (const s of [...this.byId.values()]) {
      const ws = s.socket;
      if (!ws || ws.readyState !== WebSocket.OPEN) continue;
      if (!s.alive) {
        ws.terminate();
        this.detach(s, GatewayCloseCode.HeartbeatTimeout, 'no pong to the last ping');
        continue;
      }
      s.alive = false;
      ws.ping();
      s.write(HEARTBEAT_JSON);
    }
  }

  /** The browser's backlog passed maxSendBufferBytes: it is dropped (its session may still resume). */
  private overflow(s: GatewaySession, ws: WebSocket): void {
    const limit = this.host.options.maxSendBufferBytes;
    const bufferedBytes = ws.bufferedAmount;
    const reason = `${bufferedBytes} bytes waited to be sent, over maxSendBufferBytes (${limit})`;
    const status = GatewayCloseCode.SendBufferFull;
    this.host.refused({ stage: 'message', status, reason, identity: s.identity.id, session: s.id, bufferedBytes });
    ws.close(GatewayCloseCode.SendBufferFull, 'send buffer full');
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
    if (s.socket === ws) this.detach(s, GatewayCloseCode.SendBufferFull, reason);
  }
}

function sameGrant(s: GatewaySession, grant: { dns: string[]; agentIds: string[] }): boolean {
  return (
    grant.dns.length === s.grant.dns.size &&
    grant.dns.every((dn) => s.grant.dns.has(dn)) &&
    grant.agentIds.length === s.grant.agentIds.size &&
    grant.agentIds.every((a) => s.grant.agentIds.has(a))
  );
}
