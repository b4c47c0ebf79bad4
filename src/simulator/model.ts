/**
 * The call model's building blocks (wire spec "Version 1.1 … The call model"): calls and their
 * parties, the attributes call events carry, a call arriving at a DN / routing point / ACD queue,
 * a party leaving, a call ending. Request handlers (./call-handlers.ts, ./routing.ts) and the
 * switch-side controls (./controls.ts) compose these; every event goes through a SwitchContext,
 * which is the primary server (or nothing while no primary runs: state still changes).
 */
import type { KVList } from '../protocol/attributes.js';
import type { EventName } from '../protocol/messages.js';
import type { SimClient } from './client.js';
import { SimErrorCode, refuse } from './error-codes.js';
import { CallType, DNRole, ForwardMode } from '../protocol/enums.js';
import { type CallState, type Party, type PartyState, type SharedState } from './state.js';

/** The client that sent a request and the ReferenceID its answer carries. */
export interface Requester {
  client: SimClient;
  refId: number;
  /**
   * The request's other events carry its ReferenceID to the requester too (a 1.1 request, with
   * the server's referenceIdOnRelatedEvents on). 1.0 requests keep 1.0's single tagged answer.
   */
  tagRelated?: boolean;
}

export type EventAttributes = Record<string, unknown>;

/** Where the model's events go: the primary server (TServerSimulator), or nowhere. */
export interface SwitchContext {
  readonly shared: SharedState;
  /**
   * One event about `dn`, with one EventSequenceNumber, to every client registered on `dn` (input
   * masks apply). With `req`: when `related` is false the requester gets it as the answer (with its
   * ReferenceID, whatever its registrations and mask); when true it is another event of that
   * request, which the requester gets only if registered on `dn` (with the ReferenceID when
   * `req.tagRelated`).
   */
  toDN(dn: string, event: EventName, attrs: EventAttributes, req?: Requester, related?: boolean): void;
}

/** Party states that take part in the conversation (not a routing point or queue holding the call). */
const LIVE: ReadonlySet<PartyState> = new Set<PartyState>(['dialing', 'ringing', 'established', 'held']);

/** Hops an unconditional forwarding chain may take before the last DN rings anyway (loop guard). */
export const MAX_FORWARD_HOPS = 8;

export function partyOf(call: CallState, dn: string): Party | undefined {
  return call.parties.find((p) => p.dn === dn);
}

/** Everyone in the conversation but `exceptDN`: live DN parties (observers aside) and the outside party. */
function others(call: CallState, exceptDN: string): string[] {
  const out = call.parties.filter((p) => p.dn !== exceptDN && LIVE.has(p.state) && p.role !== DNRole.Observer).map((p) => p.dn);
  if (call.external !== undefined && call.external !== exceptDN) out.push(call.external);
  return out;
}

/** How many take part in the conversation (a call with fewer than two is over). */
export function liveCount(call: CallState): number {
  return others(call, '\u0000').length;
}

/** The other end seen from `dn` when there is exactly one; for a routing point/queue, the caller. */
export function otherEnd(call: CallState, dn: string): string | undefined {
  const rest = others(call, dn);
  // '' is an anonymous outside caller: there is a party, but no number to show.
  if (rest.length === 1) return rest[0] || undefined;
  const p = partyOf(call, dn);
  if (p && !LIVE.has(p.state)) return call.from;
  return undefined;
}

/** The attributes every event about `call` at `dn` carries (wire spec: "where known"). */
export function callAttrs(call: CallState, dn: string, extra: EventAttributes = {}): EventAttributes {
  const other = otherEnd(call, dn);
  // The most read first (a monitor prints them in this order), then the rest of what is known.
  return {
    ThisDN: dn,
    ConnID: call.connId,
    OtherDN: other,
    UserData: call.userData.length > 0 ? call.userData : undefined,
    CallID: call.callId,
    CallType: call.callType,
    ANI: call.ani,
    DNIS: call.dnis,
    ThisDNRole: partyOf(call, dn)?.role,
    OtherDNRole: other !== undefined ? partyOf(call, other)?.role : undefined,
    ThisQueue: call.queue,
    CallUUID: call.callUuid,
    ...extra,
  };
}

/** Sends an event of a request: the answer (`answer` true) or one of its other events. */
export function send(ctx: SwitchContext, dn: string, event: EventName, attrs: EventAttributes, req?: Requester, answer = false): void {
  if (req && answer) ctx.toDN(dn, event, attrs, req);
  else ctx.toDN(dn, event, attrs, req, true);
}

export interface NewCall {
  from: string | undefined;
  external?: string;
  to: string;
  callType: number;
  ani?: string;
  dnis?: string;
  userData?: KVList;
  consultFor?: CallState['consultFor'];
}

/** A new call (refused with 42 when the switch already holds `settings.maxCalls` calls). */
export function createCall(shared: SharedState, spec: NewCall): CallState {
  if (shared.calls.size >= shared.settings.maxCalls) {
    refuse(SimErrorCode.InvalidAttribute, `the switch holds ${shared.settings.maxCalls} calls (maxCalls): no new call`);
  }
  const call: CallState = {
    connId: shared.nextConnId(),
    callId: shared.nextCallId(),
    callUuid: shared.newCallUuid(),
    callType: spec.callType,
    ani: spec.ani,
    dnis: spec.dnis,
    from: spec.from,
    to: spec.to,
    external: spec.external,
    parties: [],
    state: 'dialing',
    userData: spec.userData ? spec.userData.map(([k, v]) => [k, v]) : [],
    customerId: undefined,
    previousConnIds: [],
    consultFor: spec.consultFor,
    queue: undefined,
    treatment: undefined,
    startedAt: Date.now(),
  };
  shared.calls.set(call.connId, call);
  return call;
}

export function addParty(call: CallState, dn: string, state: PartyState, role: number): Party {
  const party: Party = { dn, state, role, muted: false, notHeardBy: new Set() };
  call.parties.push(party);
  refreshState(call);
  return party;
}

export function setPartyState(call: CallState, party: Party, state: PartyState): void {
  party.state = state;
  refreshState(call);
}

/** Keeps CallState.state, the one-word summary, in step with the parties. */
export function refreshState(call: CallState): void {
  const states = new Set(call.parties.map((p) => p.state));
  const order: PartyState[] = ['established', 'held', 'ringing', 'dialing', 'routing', 'queued'];
  call.state = order.find((s) => states.has(s)) ?? 'dialing';
}

/** Where an unconditional forwarding chain from `dn` ends, and the DN that forwarded last. */
export function forwardTarget(shared: SharedState, dn: string): { dn: string; forwardedBy: string | undefined } {
  let at = dn;
  let by: string | undefined;
  const seen = new Set([dn]);
  for (let hop = 0; hop < MAX_FORWARD_HOPS; hop++) {
    const f = shared.forwarding.get(at);
    // Only unconditional and send-all-calls apply: the simulator has no busy/no-answer timing.
    if (!f || (f.mode !== ForwardMode.Unconditional && f.mode !== ForwardMode.SendAllCalls) || seen.has(f.to)) break;
    by = at;
    at = f.to;
    seen.add(at);
  }
  return { dn: at, forwardedBy: by };
}

/**
 * Where `call` would ring if sent to `dest` (a routing point or queue takes it as it is; a DN
 * after its forwarding chain), or undefined when it cannot: that DN is on DND or already in the call.
 */
export function ringTarget(shared: SharedState, call: CallState, dest: string): string | undefined {
  if (shared.routingPoints.has(dest) || shared.queues.has(dest)) return dest;
  const end = forwardTarget(shared, dest).dn;
  return shared.dnd.has(end) || partyOf(call, end) ? undefined : end;
}

export type Arrival = { kind: 'ringing' | 'queued' | 'routing'; dn: string } | { kind: 'busy'; dn: string };

/**
 * The call arrives at `dest`: a routing point (it waits there, EventRouteRequest), an ACD queue
 * (EventQueued, then distribution), or a DN (forwarding applies; a DND phone refuses it → 'busy',
 * nothing sent; else EventRinging, ThirdPartyDN = `thirdParty` or the forwarding DN).
 * `req` marks the events as another event of that request.
 */
export function arrive(ctx: SwitchContext, call: CallState, dest: string, thirdParty?: string, req?: Requester): Arrival {
  const { shared } = ctx;
  const rp = shared.routingPoints.get(dest);
  if (rp) {
    addParty(call, dest, 'routing', DNRole.Destination);
    send(ctx, dest, 'EventRouteRequest', callAttrs(call, dest, { ThisQueue: dest, OtherDN: caller(call), ThirdPartyDN: thirdParty }), req);
    shared.setTimer(routeTimerKey(call.connId), rp.timeoutMs, (later) => routeTimeoutHook(later, call.connId, dest));
    return { kind: 'routing', dn: dest };
  }
  if (shared.queues.has(dest)) {
    addParty(call, dest, 'queued', DNRole.Destination);
    call.queue = dest;
    send(ctx, dest, 'EventQueued', callAttrs(call, dest, { ThisQueue: dest, OtherDN: caller(call), ThirdPartyDN: thirdParty }), req);
    distributeHook(ctx, dest);
    return { kind: 'queued', dn: dest };
  }
  const target = forwardTarget(shared, dest);
  if (shared.dnd.has(target.dn) || partyOf(call, target.dn)) return { kind: 'busy', dn: target.dn };
  addParty(call, target.dn, 'ringing', DNRole.Destination);
  send(ctx, target.dn, 'EventRinging', callAttrs(call, target.dn, { ThirdPartyDN: thirdParty ?? target.forwardedBy }), req);
  return { kind: 'ringing', dn: target.dn };
}

/** Who placed the call, as OtherDN of the events where it waits (none for an anonymous caller). */
function caller(call: CallState): string | undefined {
  return call.from || call.external || undefined;
}

export const routeTimerKey = (connId: string): string => `route:${connId}`;
export const treatmentTimerKey = (connId: string): string => `treatment:${connId}`;

/*
 * ./routing.ts fills these in (default route on timeout, queue distribution): the model must call
 * into routing while routing builds on the model, and hooks keep the import graph one-way.
 */
let routeTimeoutHook: (ctx: SwitchContext, connId: string, rp: string) => void = () => {};
let distributeHook: (ctx: SwitchContext, queue: string) => void = () => {};
let agentFreeHook: (ctx: SwitchContext, dns: string[]) => void = () => {};

export function installRoutingHooks(hooks: {
  routeTimeout: typeof routeTimeoutHook;
  distribute: typeof distributeHook;
  agentsFree: typeof agentFreeHook;
}): void {
  routeTimeoutHook = hooks.routeTimeout;
  distributeHook = hooks.distribute;
  agentFreeHook = hooks.agentsFree;
}

/** Removes `dn` from the call's parties (no event). */
export function dropParty(call: CallState, dn: string): Party | undefined {
  const at = call.parties.findIndex((p) => p.dn === dn);
  if (at < 0) return undefined;
  const [party] = call.parties.splice(at, 1);
  refreshState(call);
  return party;
}

/**
 * Ends the call: EventReleased to every party (the one on `answerDN` answers `req`, last, after
 * the others as the 1.1 rule has it; with `answerFirst` before them, as 1.0's ReleaseCall did).
 */
export function endCall(ctx: SwitchContext, call: CallState, req?: Requester, answerDN?: string, answerFirst = false): void {
  forget(ctx.shared, call);
  const parties = call.parties.map((p) => p.dn);
  const rest = parties.filter((dn) => dn !== answerDN);
  const answer = (): void => {
    if (answerDN !== undefined) send(ctx, answerDN, 'EventReleased', callAttrs(call, answerDN), req, true);
  };
  if (answerFirst) answer();
  for (const dn of rest) send(ctx, dn, 'EventReleased', callAttrs(call, dn), req);
  if (!answerFirst) answer();
  agentFreeHook(ctx, parties);
}

/** The call leaves the switch's books: its timers stop. */
export function forget(shared: SharedState, call: CallState): void {
  shared.calls.delete(call.connId);
  shared.clearTimer(routeTimerKey(call.connId));
  shared.clearTimer(treatmentTimerKey(call.connId));
}

/** How a leaving party's EventReleased relates to the request: its answer (before or after the others' events) or another event of it. */
export type LeaveAnswer = 'first' | 'last' | 'related';

/**
 * Party `dn` leaves the call (ReleaseCall, the caller hanging up…). With fewer than two left in
 * the conversation, the call ends for everyone (EventReleased); in a conference the others get
 * EventPartyDeleted and the call goes on. `dn` gets EventReleased unless it is the outside party.
 * A routing point or queue still holding the call when nobody is left sees EventAbandoned.
 */
export function leave(ctx: SwitchContext, call: CallState, dn: string, req?: Requester, answer: LeaveAnswer = 'first'): void {
  const leaving = partyOf(call, dn);
  if (leaving) dropParty(call, dn);
  else if (call.external === dn) call.external = undefined;
  const waiting = call.parties.filter((p) => p.state === 'routing' || p.state === 'queued');
  const remaining = liveCount(call);
  const released = (): void => {
    if (leaving) send(ctx, dn, 'EventReleased', callAttrs(call, dn, { OtherDN: otherOf(call, dn) }), req, answer !== 'related');
  };
  const freed = leaving ? [dn] : [];
  if (answer === 'first') released();
  if (waiting.length > 0 && remaining === 0) {
    // Nobody is left to talk to: the caller abandoned while routed or queued.
    forget(ctx.shared, call);
    for (const w of waiting) send(ctx, w.dn, 'EventAbandoned', callAttrs(call, w.dn), req);
  } else if (remaining >= 2 || (waiting.length > 0 && remaining >= 1)) {
    for (const p of call.parties) {
      if (p.state === 'routing' || p.state === 'queued') continue;
      send(ctx, p.dn, 'EventPartyDeleted', callAttrs(call, p.dn, { OtherDN: dn, ThirdPartyDN: dn }), req);
    }
  } else {
    const rest = call.parties.map((p) => p.dn);
    forget(ctx.shared, call);
    for (const other of rest) send(ctx, other, 'EventReleased', callAttrs(call, other), req);
    freed.push(...rest);
  }
  if (answer !== 'first') released();
  agentFreeHook(ctx, freed);
}

/** OtherDN for the leaving party's EventReleased: who it was talking to. */
function otherOf(call: CallState, dn: string): string | undefined {
  const rest = others(call, dn);
  return rest.length === 1 ? rest[0] || undefined : undefined;
}

/**
 * Merges user data as T-Library's update does: a key already present gets the new value (at its
 * first occurrence), a new key is appended. Order is kept.
 */
export function mergeUserData(current: KVList, update: KVList): KVList {
  const out: KVList = current.map(([k, v]) => [k, v]);
  for (const [key, value] of update) {
    const at = out.findIndex(([k]) => k === key);
    if (at >= 0) out[at] = [key, value];
    else out.push([key, value]);
  }
  return out;
}

/** CallType for a call placed from outside unless the caller says otherwise. */
export const DEFAULT_PLACED_CALL_TYPE = CallType.Inbound;
