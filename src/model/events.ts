/**
 * How each event of the call model (wire protocol 1.1, "The call model" and the events tables)
 * moves the state model. Only registered DNs are tracked: a call event at any other ThisDN is
 * ignored. Events are read as delivered (`{ Event, ThisDN, ConnID, … }`); a missing or ill-typed
 * attribute makes the event a no-op for the model, never an exception.
 */
import type { AgentStatusName, AgentView, ModelEvent, PartyState } from './types.js';
import { LOGGED_OUT, type CallRecord, type ModelStore } from './store.js';

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/** Events that put a registered ThisDN in a party state on ConnID. */
const PARTY_STATE_OF: Readonly<Record<string, PartyState>> = {
  EventDialing: 'dialing',
  EventRinging: 'ringing',
  EventEstablished: 'established',
  EventRetrieved: 'established',
  EventHeld: 'held',
  EventQueued: 'queued',
  EventRouteRequest: 'routing',
};

/** Events after which ThisDN is no longer on ConnID (the call goes on elsewhere or ends). */
const LEAVES = new Set(['EventReleased', 'EventAbandoned', 'EventDiverted', 'EventRouteUsed']);

/** Events that tell about a call ThisDN is on without moving the party: attributes only. */
const DESCRIBES = new Set([
  'EventAttachedDataChanged',
  'EventCallInfoChanged',
  'EventNetworkReached',
  'EventDestinationBusy',
  'EventPartyAdded',
  'EventPartyDeleted',
  'EventDTMFSent',
  'EventMuteOn',
  'EventMuteOff',
  'EventTreatmentApplied',
  'EventTreatmentEnd',
]);

/** AgentStatus (1 logged out, 2 logged in, 3 ready, 4 not ready) with AgentWorkMode 3 = after-call work. */
export function agentStatusOf(status: unknown, workMode: unknown): AgentStatusName | undefined {
  switch (status) {
    case 1:
      return 'loggedOut';
    case 2:
      return 'loggedIn';
    case 3:
      return 'ready';
    case 4:
      return workMode === 3 ? 'afterCallWork' : 'notReady';
    default:
      return undefined; // 0 unknown, or absent: no news
  }
}

/** The agent as `e` leaves it, from `before`: status given, other fields kept unless `e` carries them. */
export function agentWith(before: AgentView, status: AgentStatusName, e: ModelEvent): AgentView {
  if (status === 'loggedOut') return LOGGED_OUT;
  return Object.freeze({
    id: str(e.AgentID) ?? before.id,
    status,
    // Leaving after-call work without a new mode forgets mode 3.
    workMode: int(e.AgentWorkMode) ?? (status === 'afterCallWork' ? 3 : before.workMode === 3 ? undefined : before.workMode),
    place: str(e.Place) ?? before.place,
  });
}

/** Applies one delivered event to the store (the caller commits). */
export function applyEvent(s: ModelStore, e: ModelEvent): void {
  const name = e.Event;
  if (typeof name !== 'string') return;
  const dn = str(e.ThisDN);
  const connId = str(e.ConnID);
  const state = PARTY_STATE_OF[name];
  if (state !== undefined) {
    if (!s.isRegistered(dn) || connId === undefined) return;
    const rec = s.ensureCall(connId, e);
    s.absorb(rec, e);
    s.setParty(rec, dn, state);
    return;
  }
  if (LEAVES.has(name)) {
    const rec = s.call(connId);
    if (!rec || !s.isRegistered(dn)) return;
    s.absorb(rec, e);
    s.removeParty(rec, dn);
    return;
  }
  if (DESCRIBES.has(name)) {
    const rec = s.call(connId);
    if (!rec || !s.isRegistered(dn) || !rec.parties.has(dn)) return;
    s.absorb(rec, e);
    if (name === 'EventPartyDeleted') dropOther(rec, e.OtherDN);
    return;
  }
  switch (name) {
    case 'EventPartyChanged':
      if (s.isRegistered(dn) && connId !== undefined) partyChanged(s, e, dn, connId, str(e.PreviousConnID));
      return;
    case 'EventPartyInfo':
      if (connId !== undefined) partyInfo(s, e, connId);
      return;
    case 'EventRegistered':
    case 'EventAddressInfo':
      addressInfo(s, e, dn);
      return;
  }
  agentEvent(s, e, name, dn);
}

function dropOther(rec: CallRecord, dn: unknown): void {
  const at = typeof dn === 'string' ? rec.others.indexOf(dn) : -1;
  if (at >= 0) rec.others.splice(at, 1);
}

/**
 * ThisDN now knows the call as ConnID, not PreviousConnID: a rename, or a merge into a call the
 * model already holds (CompleteTransfer/CompleteConference keep the held call's ConnID). The party
 * keeps its state; the old call ends when no registered party remains on it.
 */
function partyChanged(s: ModelStore, e: ModelEvent, dn: string, connId: string, previous: string | undefined): void {
  const from = previous === undefined || previous === connId ? undefined : s.call(previous);
  const existed = s.call(connId) !== undefined;
  const to = s.ensureCall(connId, e);
  if (from && !existed) {
    to.startedAt = from.startedAt;
    to.callType = from.callType;
    to.ani = from.ani;
    to.dnis = from.dnis;
    to.userData = from.userData;
    for (const other of from.others) s.addOther(to, other);
    for (const p of from.previous) s.addPrevious(to, p);
  }
  if (previous !== undefined) s.addPrevious(to, previous);
  s.absorb(to, e);
  s.setParty(to, dn, from?.parties.get(dn) ?? to.parties.get(dn) ?? 'established');
  if (from) s.removeParty(from, dn);
}

/**
 * A QueryCall answer outside a resync: the call exists with the parties it names. Registered DNs
 * named get onto the call (state from the answer if it says, else kept or 'established'); nothing
 * is taken off — one answer names two parties, a call may have more.
 */
function partyInfo(s: ModelStore, e: ModelEvent, connId: string): void {
  const named = namedParties(s, e);
  const rec = s.call(connId) ?? (named.length > 0 ? s.ensureCall(connId, e) : undefined);
  if (!rec) return;
  s.absorb(rec, e);
  s.addOther(rec, e.ThisDN);
  for (const dn of named) {
    const state = partyStateIn(e, dn) ?? rec.parties.get(dn) ?? 'established';
    if (rec.parties.get(dn) !== state) s.setParty(rec, dn, state);
  }
  s.confirm(rec);
}

/** Registered DNs an EventPartyInfo names (ThisDN, OtherDN, ThirdPartyDN). */
export function namedParties(s: ModelStore, e: ModelEvent): string[] {
  const out: string[] = [];
  for (const v of [e.ThisDN, e.OtherDN, e.ThirdPartyDN]) {
    const dn = str(v);
    if (s.isRegistered(dn) && !out.includes(dn)) out.push(dn);
  }
  return out;
}

const PARTY_STATES = new Set<string>(['dialing', 'ringing', 'established', 'held', 'queued', 'routing']);

/**
 * The party state an answer gives for `dn`, when it gives one: a `PartyState` (ThisDN's) or
 * `OtherPartyState` (OtherDN's) string in Extensions. The 1.1 EventPartyInfo has no per-party
 * state, so without them the model keeps what it knows.
 */
export function partyStateIn(e: ModelEvent, dn: string): PartyState | undefined {
  const ext = e.Extensions;
  if (!Array.isArray(ext)) return undefined;
  const key = dn === e.ThisDN ? 'PartyState' : dn === e.OtherDN ? 'OtherPartyState' : undefined;
  if (key === undefined) return undefined;
  for (const pair of ext as unknown[]) {
    if (Array.isArray(pair) && pair[0] === key && typeof pair[1] === 'string' && PARTY_STATES.has(pair[1])) return pair[1] as PartyState;
  }
  return undefined;
}

/** EventRegistered / EventAddressInfo: the agent's status; a call the DN is on that the model lacks is added. */
function addressInfo(s: ModelStore, e: ModelEvent, dn: string | undefined): void {
  const rec = s.dn(dn);
  if (!rec) return;
  const status = agentStatusOf(e.AgentStatus, e.AgentWorkMode);
  if (status !== undefined) {
    rec.agent = agentWith(rec.agent, status, e);
    s.touchDN(rec);
  }
  const connId = e.Event === 'EventAddressInfo' ? str(e.ConnID) : undefined;
  if (connId !== undefined && !s.call(connId)?.parties.has(rec.dn)) {
    const call = s.ensureCall(connId, e);
    s.setParty(call, rec.dn, 'established');
  }
}

function agentEvent(s: ModelStore, e: ModelEvent, name: string, dn: string | undefined): void {
  const rec = s.dn(dn);
  if (!rec) return;
  switch (name) {
    case 'EventAgentLogin':
      rec.agent = agentWith(LOGGED_OUT, 'loggedIn', e);
      break;
    case 'EventAgentLogout':
      rec.agent = LOGGED_OUT;
      break;
    case 'EventAgentReady':
      rec.agent = agentWith(rec.agent, 'ready', e);
      break;
    case 'EventAgentNotReady':
      rec.agent = agentWith(rec.agent, e.AgentWorkMode === 3 ? 'afterCallWork' : 'notReady', e);
      break;
    case 'EventAgentAfterCallWork':
      rec.agent = agentWith(rec.agent, 'afterCallWork', e);
      break;
    case 'EventDNDOn':
    case 'EventDNDOff':
      rec.dnd = name === 'EventDNDOn';
      break;
    case 'EventForwardSet':
      rec.forward = Object.freeze({ to: str(e.OtherDN), mode: int(e.ForwardMode) });
      break;
    case 'EventForwardCancel':
      rec.forward = undefined;
      break;
    default:
      return;
  }
  s.touchDN(rec);
}
