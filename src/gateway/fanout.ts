/**
 * Who gets what. The connection's events and state changes, each serialized once, go to the
 * sessions that watch the DN they concern, as each session would see them through a connection of
 * its own: a call view lists only the session's DNs among its parties (the gateway's other
 * registered DNs move to `otherParties`), and a call that leaves the session's DNs ends for it even
 * while another session still sees it. Connection events (server and link up or down, primary
 * changed) and server-state changes go to every session. Events without a `ThisDN` (answers to
 * queries) go only to the requester, as the answer to its request.
 */
import type { TServerConnection } from '../connection/connection.js';
import type { ConnectionState, ResyncSummary } from '../connection/types.js';
import { dnKeyed } from '../model/dn-keyed.js';
import type { CallView, ChangeCause, Correction, DNView, PartyState } from '../model/types.js';
import { type ChangeKind, type GatewayServerState, toJson } from './protocol.js';
import type { GatewaySession } from './session.js';

/** Events about the connection itself: every session gets them. */
const CONNECTION_EVENTS: ReadonlySet<string> = new Set([
  'EventServerConnected',
  'EventServerDisconnected',
  'EventLinkConnected',
  'EventLinkDisconnected',
  'EventPrimaryChanged',
]);

type Event = Readonly<Record<string, unknown>> & { readonly Event: string };

export class Fanout {
  readonly sessions = new Set<GatewaySession>();
  private readonly byDn = new Map<string, Set<GatewaySession>>();
  private readonly byCall = new Map<string, Set<GatewaySession>>();
  /** JSON of views and events already serialized (views are frozen and replaced on change). */
  private readonly json = new WeakMap<object, string>();
  private serverJson = '';

  constructor(
    private readonly conn: TServerConnection,
    /** The `Server` field events carry to browsers. */
    private readonly serverName: string,
  ) {}

  add(s: GatewaySession): void {
    this.sessions.add(s);
    for (const dn of s.grant.dns) {
      let set = this.byDn.get(dn);
      if (!set) this.byDn.set(dn, (set = new Set()));
      set.add(s);
    }
  }

  remove(s: GatewaySession): void {
    this.sessions.delete(s);
    for (const dn of s.grant.dns) {
      const set = this.byDn.get(dn);
      set?.delete(s);
      if (set?.size === 0) this.byDn.delete(dn);
    }
    this.forgetCalls(s);
  }

  /** Sessions on a DN (for notices about it). */
  watching(dn: string): ReadonlySet<GatewaySession> {
    return this.byDn.get(dn) ?? new Set();
  }

  serverState(): GatewayServerState {
    const st = this.conn.state;
    return { status: st.status, linkUp: st.linkUp, resyncing: st.resyncing };
  }

  /** The session's DNs and calls now, as snapshot fields; its replay buffer starts afresh. */
  snapshot(s: GatewaySession): { dns: DNView[]; calls: CallView[] } {
    s.replay.clear();
    this.forgetCalls(s);
    const dns: DNView[] = [];
    const calls: CallView[] = [];
    for (const dn of s.grant.dns) {
      const view = this.conn.dns.get(dn);
      if (!view) continue;
      dns.push(view);
      for (const connId of view.calls) {
        if (s.calls.has(connId)) continue;
        const call = this.conn.calls.get(connId);
        const mine = call && this.viewFor(call, s, false);
        if (!mine) continue;
        calls.push(mine);
        this.see(s, connId);
      }
    }
    return { dns, calls };
  }

  onEvent(e: Event): void {
    const dn = e.ThisDN;
    const targets = CONNECTION_EVENTS.has(e.Event) ? this.sessions : typeof dn === 'string' ? this.byDn.get(dn) : undefined;
    if (!targets || targets.size === 0) return;
    const tail = '"type":"event","event":' + this.eventJsonOf(e) + '}';
    for (const s of targets) s.sequenced(tail);
  }

  onCallChanged(view: CallView, cause: ChangeCause): void {
    const before = this.byCall.get(view.connId);
    const now = new Set<GatewaySession>();
    for (const dn in view.parties) for (const s of this.byDn.get(dn) ?? []) now.add(s);
    const causeJson = this.causeJson(cause);
    for (const s of now) {
      this.change(s, 'callChanged', this.viewFor(view, s, false)!, causeJson);
      s.calls.add(view.connId);
    }
    if (before) {
      for (const s of before) {
        if (now.has(s)) continue;
        this.change(s, 'callEnded', this.viewFor(view, s, true)!, causeJson);
        s.calls.delete(view.connId);
      }
    }
    if (now.size > 0) this.byCall.set(view.connId, now);
    else this.byCall.delete(view.connId);
  }

  onCallEnded(view: CallView, cause: ChangeCause): void {
    const before = this.byCall.get(view.connId);
    if (!before) return;
    this.byCall.delete(view.connId);
    const causeJson = this.causeJson(cause);
    for (const s of before) {
      this.change(s, 'callEnded', this.viewFor(view, s, true)!, causeJson);
      s.calls.delete(view.connId);
    }
  }

  onDnChanged(view: DNView, cause: ChangeCause): void {
    const targets = this.byDn.get(view.dn);
    if (!targets) return;
    const causeJson = this.causeJson(cause);
    for (const s of targets) this.change(s, 'dnChanged', view, causeJson);
  }

  /** Server status, link or resync changed: every session hears it once per change. */
  onState(_state: ConnectionState): void {
    const json = toJson(this.serverState());
    if (json === this.serverJson) return;
    this.serverJson = json;
    const tail = '"type":"state","server":' + json + '}';
    for (const s of this.sessions) s.sequenced(tail);
  }

  /** Each session gets the corrections about its own DNs and calls. */
  onResynced(summary: ResyncSummary): void {
    for (const s of this.sessions) {
      // A call's views as this session sees them (other sessions' DNs are not its business).
      const mine = summary.corrections
        .filter((c) => concerns(c, s))
        .map((c) =>
          c.kind === 'callGone' || c.kind === 'callFound'
            ? { ...c, before: c.before && this.viewFor(c.before, s, true), after: c.after && this.viewFor(c.after, s, true) }
            : c,
        );
      const body = { dns: s.grant.dns.size, calls: s.calls.size, durationMs: summary.durationMs, corrections: mine };
      s.sequenced('"type":"resynced","summary":' + toJson(body) + '}');
    }
  }

  private change(s: GatewaySession, kind: ChangeKind, view: CallView | DNView, causeJson: string): void {
    s.sequenced('"type":"change","kind":"' + kind + '","view":' + this.cached(view) + ',"cause":' + causeJson + '}');
  }

  /** The call as the session sees it; undefined when none of its DNs is on it (unless `ending`). */
  private viewFor(view: CallView, s: GatewaySession, ending: boolean): CallView | undefined {
    let all = true;
    let any = false;
    for (const dn in view.parties) {
      if (s.grant.dns.has(dn)) any = true;
      else all = false;
    }
    if (all && (any || ending)) return view;
    if (!any && !ending) return undefined;
    const mine: [string, PartyState][] = [];
    const others = [...view.otherParties];
    for (const [dn, state] of Object.entries(view.parties)) {
      if (s.grant.dns.has(dn)) mine.push([dn, state]);
      else if (!others.includes(dn)) others.push(dn);
    }
    // Keyed as the model keys its views: a numeric DN must not make a 1,000-slot array.
    return { ...view, parties: dnKeyed(mine), otherParties: others };
  }

  private see(s: GatewaySession, connId: string): void {
    s.calls.add(connId);
    let set = this.byCall.get(connId);
    if (!set) this.byCall.set(connId, (set = new Set()));
    set.add(s);
  }

  private forgetCalls(s: GatewaySession): void {
    for (const connId of s.calls) {
      const set = this.byCall.get(connId);
      set?.delete(s);
      if (set?.size === 0) this.byCall.delete(connId);
    }
    s.calls.clear();
  }

  /** An event's JSON as browsers get it (`Server` is the gateway's name), serialized once per event. */
  eventJsonOf(e: Event): string {
    let json = this.json.get(e);
    if (json === undefined) {
      json = toJson(e.Server === undefined ? e : { ...e, Server: this.serverName });
      this.json.set(e, json);
    }
    return json;
  }

  private causeJson(cause: ChangeCause): string {
    return typeof cause === 'string' ? JSON.stringify(cause) : this.eventJsonOf(cause as Event);
  }

  private cached(view: object): string {
    let json = this.json.get(view);
    if (json === undefined) {
      json = toJson(view);
      this.json.set(view, json);
    }
    return json;
  }
}

function concerns(c: Correction, s: GatewaySession): boolean {
  if ('dn' in c) return s.grant.dns.has(c.dn);
  if (c.kind === 'otherPartiesChanged' || c.kind === 'callStateChanged') return s.calls.has(c.connId);
  const view = c.before ?? c.after;
  return view !== undefined && Object.keys(view.parties).some((dn) => s.grant.dns.has(dn));
}
