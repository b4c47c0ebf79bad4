/**
 * Calls and their parties as data: creating a call, adding, changing and dropping parties, who is
 * at the other end, the attributes every event about a call carries, and sending one event. The
 * call model's flows (./arrival.ts, ./departure.ts, ./party-events.ts) are built from these.
 */
import type { KVList } from '../protocol/attributes.js';
import { CallState, CallType, DNRole } from '../protocol/enums.js';
import type { EventName } from '../protocol/messages.js';
import { SimErrorCode, refuse } from './error-codes.js';
import type { EventAttributes, Party, PartyState, Requester, SimCall } from './records.js';
import type { SharedState, SwitchContext } from './state.js';

/** Party states that take part in the conversation (not a routing point or queue holding the call). */
const LIVE: ReadonlySet<PartyState> = new Set<PartyState>(['dialing', 'ringing', 'established', 'held']);

/** Party states in which a DN cannot take another call (onCall). */
const ON_CALL: ReadonlySet<PartyState> = LIVE;

/** Party states in which a DN is busy for forwarding on busy: a call established, dialing or held. */
const BUSY: ReadonlySet<PartyState> = new Set<PartyState>(['dialing', 'established', 'held']);

export function partyOf(call: SimCall, dn: string): Party | undefined {
  return call.parties.find((p) => p.dn === dn);
}

export function isLive(party: Party): boolean {
  return LIVE.has(party.state);
}

/** Everyone in the conversation but `exceptDN`: live DN parties (observers aside) and the outside party. */
export function others(call: SimCall, exceptDN: string): string[] {
  const out = call.parties.filter((p) => p.dn !== exceptDN && LIVE.has(p.state) && p.role !== DNRole.Observer).map((p) => p.dn);
  if (call.external !== undefined && call.external !== exceptDN) out.push(call.external);
  return out;
}

/** How many take part in the conversation (a call with fewer than two is over). */
export function liveCount(call: SimCall): number {
  return others(call, '\u0000').length;
}

/** The other end seen from `dn` when there is exactly one; for a routing point/queue, the caller. */
export function otherEnd(call: SimCall, dn: string): string | undefined {
  const rest = others(call, dn);
  // '' is an anonymous outside caller: there is a party, but no number to show.
  if (rest.length === 1) return rest[0] || undefined;
  const p = partyOf(call, dn);
  if (p && !LIVE.has(p.state)) return caller(call);
  return undefined;
}

/** Who placed the call, as OtherDN of the events where it waits (none for an anonymous caller). */
export function caller(call: SimCall): string | undefined {
  return call.from || call.external || undefined;
}

/** The attributes every event about `call` at `dn` carries (wire spec: "where known", and 1.2's CallState). */
export function callAttrs(call: SimCall, dn: string, extra: EventAttributes = {}): EventAttributes {
  // An OtherDN given in `extra` wins, and OtherDNRole follows it.
  const other = 'OtherDN' in extra ? (extra.OtherDN as string | undefined) : otherEnd(call, dn);
  // The most read first (a monitor prints them in this order), then the rest of what is known.
  return {
    ThisDN: dn,
    ConnID: call.connId,
    OtherDN: other,
    UserData: call.userData.length > 0 ? call.userData : undefined,
    CallState: call.callState,
    CallID: call.callId,
    CallType: call.callType,
    ANI: call.ani,
    DNIS: call.dnis,
    ThisDNRole: partyOf(call, dn)?.role,
    OtherDNRole: other !== undefined ? partyOf(call, other)?.role : undefined,
    ThisQueue: call.queue,
    CallUUID: call.callUuid,
    MediaType: call.mediaType,
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
  consultFor?: SimCall['consultFor'];
  mediaType?: number;
}

/** A new call (refused with 42 when the switch already holds `settings.maxCalls` calls). */
export function createCall(shared: SharedState, spec: NewCall): SimCall {
  if (shared.calls.size >= shared.settings.maxCalls) {
    refuse(SimErrorCode.InvalidAttribute, `the switch holds ${shared.settings.maxCalls} calls (maxCalls): no new call`);
  }
  const call: SimCall = {
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
    callState: CallState.Ok,
    mediaType: spec.mediaType,
    digits: '',
    collecting: undefined,
    startedAt: shared.now(),
  };
  shared.calls.set(call.connId, call);
  return call;
}

export function addParty(call: SimCall, dn: string, state: PartyState, role: number): Party {
  const party: Party = { dn, state, role, muted: false, notHeardBy: new Set(), answered: false, conferencedBy: undefined };
  call.parties.push(party);
  refreshState(call);
  return party;
}

export function setPartyState(call: SimCall, party: Party, state: PartyState): void {
  party.state = state;
  refreshState(call);
}

/** Keeps SimCall.state, the one-word summary, in step with the parties. */
export function refreshState(call: SimCall): void {
  const states = new Set(call.parties.map((p) => p.state));
  const order: PartyState[] = ['established', 'held', 'ringing', 'dialing', 'routing', 'queued'];
  call.state = order.find((s) => states.has(s)) ?? 'dialing';
}

/** Removes `dn` from the call's parties (no event; a digit collection of `dn` must have ended first). */
export function dropParty(call: SimCall, dn: string): Party | undefined {
  const at = call.parties.findIndex((p) => p.dn === dn);
  if (at < 0) return undefined;
  const [party] = call.parties.splice(at, 1);
  refreshState(call);
  return party;
}

export const routeTimerKey = (connId: string): string => `route:${connId}`;
export const treatmentTimerKey = (connId: string): string => `treatment:${connId}`;
/** The call ringing at a DN forwarding on no answer (one such timer per call: it rings at one such DN at a time). */
export const noAnswerTimerKey = (connId: string): string => `noanswer:${connId}`;
/** A predictive call's outcome. */
export const dialTimerKey = (connId: string): string => `dial:${connId}`;
/** A RequestCollectDigits' Timeout. */
export const digitsTimerKey = (connId: string): string => `digits:${connId}`;

/**
 * The call leaves the switch's books: a digit collection running answers with what was entered,
 * and every timer about the call stops.
 */
export function forget(ctx: SwitchContext, call: SimCall): void {
  endCollection(ctx, call);
  ctx.shared.calls.delete(call.connId);
  for (const key of [routeTimerKey, treatmentTimerKey, noAnswerTimerKey, dialTimerKey, digitsTimerKey]) {
    ctx.shared.clearTimer(key(call.connId));
  }
}

/**
 * Ends the digit collection running on `call` (only if `dn` collects, when given): EventDigitsCollected
 * at the collecting DN answers its request, with what was entered (CollectedDigits) and `lastDigit`
 * (a terminate digit, which is not collected) or the last digit collected.
 */
export function endCollection(ctx: SwitchContext, call: SimCall, lastDigit?: string, dn?: string): void {
  const c = call.collecting;
  if (!c || (dn !== undefined && c.dn !== dn)) return;
  call.collecting = undefined;
  ctx.shared.clearTimer(digitsTimerKey(call.connId));
  const attrs = callAttrs(call, c.dn, { CollectedDigits: c.collected, LastDigit: lastDigit ?? (c.collected.at(-1) || undefined) });
  send(ctx, c.dn, 'EventDigitsCollected', attrs, c.req, true);
}

/** `dn` is on a call (dialing, ringing, established or held). */
export function onCall(shared: SharedState, dn: string): boolean {
  return hasPartyIn(shared, dn, ON_CALL);
}

/** `dn` is busy for forwarding on busy: a call established, dialing or held there (ringing is not busy). */
export function busyForForwarding(shared: SharedState, dn: string): boolean {
  return hasPartyIn(shared, dn, BUSY);
}

function hasPartyIn(shared: SharedState, dn: string, states: ReadonlySet<PartyState>): boolean {
  for (const call of shared.calls.values()) {
    for (const p of call.parties) if (p.dn === dn && states.has(p.state)) return true;
  }
  return false;
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
