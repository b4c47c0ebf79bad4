/**
 * How each event of the call model (wire protocol 1.1, "The call model" and the events tables)
 * moves the state model. Only registered DNs are tracked: a call event at any other ThisDN is
 * ignored. Events are read as delivered (`{ Event, ThisDN, ConnID, … }`); a missing or ill-typed
 * attribute makes the event a no-op for the model, never an exception.
 */
import { applyAddressInfo, applyPartyInfo } from './answers.js';
import { agentWith } from './agent.js';
import { extension, int, str } from './read.js';
import { LOGGED_OUT } from './records.js';
import { RANK_OF, type ModelStore } from './store.js';
import type { Rank } from './tiers.js';
import type { ModelEvent, PartyState } from './types.js';

/**
 * What each call event does to a registered ThisDN on ConnID: puts it in a party state, takes it
 * off the call (the call goes on elsewhere or ends), or only tells about the call. One lookup per
 * event.
 */
interface CallRole {
  readonly kind: 'party' | 'leaves' | 'describes';
  /** For 'party': the state, and the rank it gives the call (store.ts RANK_OF). */
  readonly state: PartyState;
  readonly rank: Rank;
}
const role = (r: PartyState | 'leaves' | 'describes'): CallRole =>
  r === 'leaves' || r === 'describes' ? { kind: r, state: 'ringing', rank: 0 } : { kind: 'party', state: r, rank: RANK_OF[r] };
const CALL_ROLE = new Map<string, CallRole>(
  (
    [
      ['EventDialing', 'dialing'],
      ['EventRinging', 'ringing'],
      ['EventEstablished', 'established'],
      ['EventRetrieved', 'established'],
      ['EventHeld', 'held'],
      ['EventQueued', 'queued'],
      ['EventRouteRequest', 'routing'],
      ['EventReleased', 'leaves'],
      ['EventAbandoned', 'leaves'],
      ['EventDiverted', 'leaves'],
      ['EventRouteUsed', 'leaves'],
      ['EventAttachedDataChanged', 'describes'],
      ['EventCallInfoChanged', 'describes'],
      ['EventNetworkReached', 'describes'],
      ['EventDestinationBusy', 'describes'],
      ['EventPartyAdded', 'describes'],
      ['EventPartyDeleted', 'describes'],
      ['EventDTMFSent', 'describes'],
      ['EventMuteOn', 'describes'],
      ['EventMuteOff', 'describes'],
      ['EventTreatmentApplied', 'describes'],
      ['EventTreatmentEnd', 'describes'],
    ] as const
  ).map(([name, r]) => [name, role(r)]),
);

/** Applies one delivered event to the store (the caller commits). */
export function applyEvent(s: ModelStore, e: ModelEvent): void {
  const name = e.Event;
  if (typeof name !== 'string') return;
  const role = CALL_ROLE.get(name);
  if (role === undefined) {
    otherEvent(s, e, name);
    return;
  }
  const connId = e.ConnID;
  const thisDN = e.ThisDN;
  if (typeof connId !== 'string' || typeof thisDN !== 'string') return;
  const known = s.call(connId);
  const dnRec = s.dnOn(known, thisDN);
  if (dnRec === undefined) return;
  const kind = role.kind;
  if (kind === 'leaves') {
    if (known === undefined) return;
    s.absorb(known, e);
    s.removeParty(known, dnRec.dn);
    return;
  }
  if (kind === 'describes') {
    if (known === undefined || !known.parties.has(dnRec.dn)) return;
    s.absorb(known, e);
    if (name === 'EventPartyDeleted') s.dropOther(known, e.OtherDN);
    if (answersUser(e)) s.raise(known, 2);
    return;
  }
  const rec = known ?? s.ensureCall(connId, e);
  s.describe(rec, e);
  s.putParty(rec, dnRec, role.state, role.rank); // touches the call
  if (answersUser(e)) s.raise(rec, 2);
}

function otherEvent(s: ModelStore, e: ModelEvent, name: string): void {
  const dn = str(e.ThisDN);
  const connId = str(e.ConnID);
  switch (name) {
    case 'EventPartyChanged':
      if (s.isRegistered(dn) && connId !== undefined) partyChanged(s, e, dn, connId, str(e.PreviousConnID));
      return;
    case 'EventPartyInfo':
      if (connId !== undefined) applyPartyInfo(s, e, connId, [], answersUser(e));
      return;
    case 'EventRegistered':
    case 'EventAddressInfo':
      if (dn !== undefined) applyAddressInfo(s, e, dn, [], answersUser(e));
      return;
  }
  agentEvent(s, e, name, dn);
}

/**
 * The event answers a request of this client: a server sends a request's ReferenceID to the
 * requester only (unsolicited copies carry none). A call it names is the user's own.
 */
function answersUser(e: ModelEvent): boolean {
  return typeof e.ReferenceID === 'number';
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
  const inherited = from && !existed ? from.userData : undefined;
  if (from && !existed) s.inherit(to, from);
  if (from) s.raise(to, from.rank);
  if (previous !== undefined) s.addPrevious(to, previous);
  s.absorb(to, e);
  // The spec's transfer target hears of the transferring party as ThirdPartyDN: it has left the
  // call. A conference names who conferenced (ThirdPartyDNRole 9), who stays.
  if (e.ThirdPartyDNRole !== CONFERENCED_BY) s.dropOther(to, e.ThirdPartyDN);
  s.setParty(to, dn, from?.parties.get(dn) ?? to.parties.get(dn) ?? 'established');
  if (from) s.removeParty(from, dn);
  // The old call's user data goes on with the new one (unless the event gave its own), counted
  // once the old call has given its bytes back.
  if (inherited !== undefined && !Array.isArray(e.UserData)) s.setUserData(to, inherited);
}

/** DN role 9 (wire spec 1.1): the party that made the conference. */
const CONFERENCED_BY = 9;

function agentEvent(s: ModelStore, e: ModelEvent, name: string, dn: string | undefined): void {
  const rec = s.dn(dn);
  if (!rec) return;
  switch (name) {
    case 'EventAgentLogin':
      rec.agent = agentWith(LOGGED_OUT, 'loggedIn', e, s.now);
      break;
    case 'EventAgentLogout':
      rec.agent = LOGGED_OUT;
      break;
    case 'EventAgentReady':
      rec.agent = agentWith(rec.agent, 'ready', e, s.now);
      break;
    case 'EventAgentNotReady':
      rec.agent = agentWith(rec.agent, e.AgentWorkMode === 3 ? 'afterCallWork' : 'notReady', e, s.now);
      break;
    case 'EventAgentAfterCallWork':
      rec.agent = agentWith(rec.agent, 'afterCallWork', e, s.now);
      break;
    case 'EventDNDOn':
    case 'EventDNDOff':
      rec.dnd = name === 'EventDNDOn';
      break;
    case 'EventForwardSet':
      rec.forward = Object.freeze({ to: str(e.OtherDN), mode: int(e.ForwardMode), noAnswerTimeout: int(extension(e, 'NoAnswerTimeout')) });
      break;
    case 'EventForwardCancel':
      rec.forward = undefined;
      break;
    default:
      return;
  }
  s.touchDN(rec);
}
