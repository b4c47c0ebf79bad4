/**
 * Consultation calls, transfers and conferences (wire spec 1.1 table and "The call model", 1.2
 * "Every party hears about every change"): a merged call keeps the held call's ConnID; the parties
 * that knew it under the consultation's ConnID get EventPartyChanged with PreviousConnID = the
 * consultation's, and every other party hears who joined. A request's other events come first,
 * its answer last.
 */
import { CallState, CallType, DNRole, MergeType } from '../protocol/enums.js';
import { agentsFree, arrive, distribute, rearmRouting, released } from './arrival.js';
import {
  addParty,
  callAttrs,
  createCall,
  dropParty,
  endCollection,
  forget,
  liveCount,
  mergeUserData,
  partyOf,
  refreshState,
  send,
  setPartyState,
} from './calls.js';
import { handOff } from './call-handlers.js';
import { callWithParty, heldParty, ownDN, partyIn, reachable, validDestination } from './checks.js';
import type { Handler, SimCore } from './core.js';
import { endCall } from './departure.js';
import { SimErrorCode, refuse } from './error-codes.js';
import { addedAttrs, announceConference, announceTransfer, partyAddedToOthers } from './party-events.js';
import type { Party, Requester, SimCall } from './records.js';

interface ConsultArgs {
  ThisDN: string;
  ConnID: string;
  OtherDN: string;
  UserData?: SimCall['userData'];
}

/**
 * A consultation call from ThisDN to OtherDN about ConnID: EventHeld for ConnID (unless already
 * held), EventRinging at OtherDN for a new call (CallType 4), EventDialing for it — the answer of
 * InitiateTransfer / InitiateConference, another event of MuteTransfer. A DND target makes the
 * consultation busy: EventDestinationBusy (CallState 6) after EventDialing.
 */
function consult(core: SimCore, req: Requester, a: ConsultArgs, kind: 'transfer' | 'conference', dialingAnswers: boolean): SimCall {
  ownDN(core, req, a.ThisDN);
  const { call, party } = callWithParty(core, a.ConnID, a.ThisDN);
  partyIn(party, a.ConnID, ['established', 'held'], `initiate a ${kind}`);
  validDestination(core, a.OtherDN, a.ThisDN, call);
  if (!dialingAnswers) reachable(core, call, a.OtherDN);
  if (party.state === 'established') {
    setPartyState(call, party, 'held');
    send(core, a.ThisDN, 'EventHeld', callAttrs(call, a.ThisDN), req);
  }
  const consultation = createCall(core.shared, {
    from: a.ThisDN,
    to: a.OtherDN,
    callType: CallType.Consult,
    ani: a.ThisDN,
    dnis: a.OtherDN,
    // The consultation carries the call's data unless the request gives its own.
    userData: a.UserData ?? call.userData,
    consultFor: { connId: call.connId, kind },
    mediaType: call.mediaType,
  });
  addParty(consultation, a.ThisDN, 'dialing', DNRole.Origination);
  const arrival = arrive(core, consultation, a.OtherDN, { req });
  send(core, a.ThisDN, 'EventDialing', callAttrs(consultation, a.ThisDN, { OtherDN: a.OtherDN }), req, dialingAnswers);
  if (arrival.kind === 'busy') {
    const busy = { OtherDN: arrival.dn, CallState: CallState.Busy };
    send(core, a.ThisDN, 'EventDestinationBusy', callAttrs(consultation, a.ThisDN, busy), req);
  }
  return consultation;
}

/** The held call and the consultation call of a complete request, checked (57, 61, 58, 42, 62). */
function heldAndConsultation(core: SimCore, a: { ThisDN: string; ConnID: string }, consultConnId: string, what: string) {
  if (consultConnId === a.ConnID) refuse(SimErrorCode.InvalidAttribute, `${what} must differ from ConnID (the held call)`);
  const held = heldParty(core, a.ConnID, a.ThisDN);
  const consultation = callWithParty(core, consultConnId, a.ThisDN, what);
  partyIn(consultation.party, consultConnId, ['dialing', 'established'], `complete with ${what}`);
  const targets = consultation.call.parties.filter((p) => p.dn !== a.ThisDN);
  if (targets.length === 0) refuse(SimErrorCode.InvalidAttribute, `consultation call ${consultConnId} (${what}) has no other party`);
  const already = targets.find((t) => partyOf(held.call, t.dn));
  if (already) refuse(SimErrorCode.InvalidDestination, `invalid destination ${already.dn}: already a party of call ${a.ConnID}`);
  return { held, consultation, targets };
}

/** Moves the consultation's other parties into the held call (which keeps its ConnID). */
function merge(core: SimCore, held: SimCall, consultation: SimCall, targets: Party[]): void {
  forget(core, consultation);
  for (const t of targets) {
    dropParty(consultation, t.dn);
    held.parties.push(t);
  }
  held.previousConnIds.push(consultation.connId, ...consultation.previousConnIds);
  refreshState(held);
}

/**
 * CompleteTransfer (and MuteTransfer's end, MergeCalls 0): ThisDN leaves the consultation
 * (EventReleased), the consultation's parties join the held call (EventPartyChanged to them, then
 * to every other party), ThisDN leaves the held call (EventReleased, the answer). `callState` is
 * that of ThisDN's two EventReleased: the call's after CompleteTransfer, 1 after MuteTransfer.
 */
function completeTransfer(
  core: SimCore,
  req: Requester,
  a: { ThisDN: string; ConnID: string },
  consultConnId: string,
  what: string,
  callState?: number,
): void {
  ownDN(core, req, a.ThisDN);
  const { held, consultation, targets } = heldAndConsultation(core, a, consultConnId, what);
  const consultCall = consultation.call;
  const cs = callState !== undefined ? { CallState: callState } : {};
  // The transferring DN leaves the consultation first…
  dropParty(consultCall, a.ThisDN);
  released(core, consultation.party, callAttrs(consultCall, a.ThisDN, { OtherDN: targets[0]!.dn, ...cs }), req);
  // …then the held call, whose other side now talks to the consultation's parties.
  endCollection(core, held.call, undefined, a.ThisDN);
  dropParty(held.call, a.ThisDN);
  merge(core, held.call, consultCall, targets);
  announceTransfer(core, held.call, a.ThisDN, targets, consultCall.connId, req);
  for (const t of targets) if (t.state === 'routing') rearmRouting(core, held.call, t.dn);
  // A consultation waiting in a queue now waits there as the held call: distribute it.
  for (const t of targets) if (t.state === 'queued') distribute(core, t.dn);
  released(core, held.party, callAttrs(held.call, a.ThisDN, { ThirdPartyDN: targets[0]!.dn, ...cs }), req, true);
  if (liveCount(held.call) < 1) endCall(core, held.call);
  agentsFree(core, [a.ThisDN]);
}

/**
 * CompleteConference (and MergeCalls 1): ThisDN leaves the consultation (EventReleased) and
 * retrieves the held call (EventRetrieved); the consultation's parties join it (EventPartyChanged
 * and one EventPartyAdded per other member to them, EventPartyAdded to every other party);
 * EventPartyAdded at ThisDN answers. CallState 2 throughout.
 */
function completeConference(
  core: SimCore,
  req: Requester,
  a: { ThisDN: string; ConnID: string },
  consultConnId: string,
  what: string,
): void {
  ownDN(core, req, a.ThisDN);
  const { held, consultation, targets } = heldAndConsultation(core, a, consultConnId, what);
  for (const t of targets) partyIn(t, consultConnId, ['ringing', 'established'], 'conference in a party that');
  const consultCall = consultation.call;
  const conferenced = { CallState: CallState.Conferenced };
  dropParty(consultCall, a.ThisDN);
  released(core, consultation.party, callAttrs(consultCall, a.ThisDN, { OtherDN: targets[0]!.dn, ...conferenced }), req);
  setPartyState(held.call, held.party, 'established');
  send(core, a.ThisDN, 'EventRetrieved', callAttrs(held.call, a.ThisDN, conferenced), req);
  merge(core, held.call, consultCall, targets);
  for (const p of held.call.parties) if (p.role !== DNRole.Observer) p.role = DNRole.ConferenceMember;
  announceConference(core, held.call, a.ThisDN, targets, consultCall.connId, req);
  send(core, a.ThisDN, 'EventPartyAdded', callAttrs(held.call, a.ThisDN, addedAttrs(targets[0]!.dn, a.ThisDN)), req, true);
}

/**
 * SingleStepConference: OtherDN rings on the call itself (ThirdPartyDN = ThisDN, role 5,
 * CallState 2), every other party gets EventPartyAdded naming it, EventPartyAdded at ThisDN
 * answers. When OtherDN answers it learns who else is on the call (./answering.ts).
 */
function singleStepConference(core: SimCore, req: Requester, a: ConsultArgs): void {
  ownDN(core, req, a.ThisDN);
  const { call, party } = callWithParty(core, a.ConnID, a.ThisDN);
  partyIn(party, a.ConnID, ['established'], 'conference');
  validDestination(core, a.OtherDN, a.ThisDN, call);
  if (core.shared.routingPoints.has(a.OtherDN) || core.shared.queues.has(a.OtherDN)) {
    refuse(SimErrorCode.InvalidDestination, `invalid destination ${a.OtherDN}: a conference adds a DN, not a routing point or queue`);
  }
  reachable(core, call, a.OtherDN);
  if (a.UserData !== undefined) call.userData = mergeUserData(call.userData, a.UserData);
  for (const p of call.parties) if (p.role !== DNRole.Observer) p.role = DNRole.ConferenceMember;
  const how = { thirdParty: a.ThisDN, thirdPartyRole: DNRole.AddedBy, callState: CallState.Conferenced, req };
  const arrival = arrive(core, call, a.OtherDN, how);
  const joined = partyOf(call, arrival.dn)!;
  joined.role = DNRole.ConferenceMember;
  joined.conferencedBy = a.ThisDN;
  partyAddedToOthers(core, call, arrival.dn, a.ThisDN, req);
  send(core, a.ThisDN, 'EventPartyAdded', callAttrs(call, a.ThisDN, addedAttrs(arrival.dn, a.ThisDN)), req, true);
}

/** MuteTransfer: a consultation to OtherDN completed at once, without waiting for an answer (CallState 1 on ThisDN's releases). */
function muteTransfer(core: SimCore, req: Requester, a: ConsultArgs): void {
  const consultation = consult(core, req, a, 'transfer', false);
  completeTransfer(core, req, a, consultation.connId, 'the consultation', CallState.Transferred);
}

/** MergeCalls: MergeType 0 completes a transfer, 1 a conference, with the held call ConnID and the other TransferConnID. */
function mergeCalls(core: SimCore, req: Requester, a: { ThisDN: string; ConnID: string; TransferConnID: string; MergeType: number }): void {
  if (a.MergeType === MergeType.Transfer) completeTransfer(core, req, a, a.TransferConnID, 'TransferConnID');
  else if (a.MergeType === MergeType.Conference) completeConference(core, req, a, a.TransferConnID, 'TransferConnID');
  else refuse(SimErrorCode.InvalidAttribute, `invalid attribute MergeType: 0 (transfer) or 1 (conference), got ${a.MergeType}`);
}

export const TRANSFER_HANDLERS = {
  RequestInitiateTransfer(core, req, a) {
    consult(core, req, a, 'transfer', true);
  },

  RequestInitiateConference(core, req, a) {
    consult(core, req, a, 'conference', true);
  },

  RequestCompleteTransfer(core, req, a) {
    completeTransfer(core, req, a, a.TransferConnID, 'TransferConnID');
  },

  RequestCompleteConference(core, req, a) {
    completeConference(core, req, a, a.ConferenceConnID, 'ConferenceConnID');
  },

  RequestDeleteFromConference(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call } = callWithParty(core, a.ConnID, a.ThisDN);
    if (a.OtherDN === a.ThisDN)
      refuse(SimErrorCode.InvalidAttribute, 'OtherDN (the party to drop) must differ from ThisDN; use RequestReleaseCall to leave');
    const dropped = partyOf(call, a.OtherDN);
    if (!dropped && call.external !== a.OtherDN)
      refuse(SimErrorCode.NotAParty, `DN ${a.OtherDN} (OtherDN) is not a party of call ${a.ConnID}`);
    const deletedBy = { ThirdPartyDN: a.ThisDN, ThirdPartyDNRole: DNRole.DeletedBy };
    if (dropped) {
      endCollection(core, call, undefined, a.OtherDN);
      dropParty(call, a.OtherDN);
      released(core, dropped, callAttrs(call, a.OtherDN, { ...deletedBy, CallState: CallState.Dropped }), req);
    } else {
      call.external = undefined;
    }
    const deleted = { OtherDN: a.OtherDN, OtherDNRole: DNRole.DeletedParty, ...deletedBy };
    for (const p of call.parties) {
      if (p.dn === a.ThisDN || p.state === 'routing' || p.state === 'queued') continue;
      send(core, p.dn, 'EventPartyDeleted', callAttrs(call, p.dn, deleted), req);
    }
    send(core, a.ThisDN, 'EventPartyDeleted', callAttrs(call, a.ThisDN, deleted), req, true);
    // Nobody left to talk to: the call is over for the rest.
    if (liveCount(call) < 2) endCall(core, call);
    if (dropped) agentsFree(core, [a.OtherDN]);
  },

  RequestSingleStepTransfer(core, req, a) {
    handOff(core, req, a, ['established', 'held'], 'transfer', true);
    agentsFree(core, [a.ThisDN]);
  },

  RequestMuteTransfer: muteTransfer,
  RequestMergeCalls: mergeCalls,
  RequestSingleStepConference: singleStepConference,
} satisfies { [N in TransferRequest]: Handler<N> };

export type TransferRequest =
  | 'RequestInitiateTransfer'
  | 'RequestInitiateConference'
  | 'RequestCompleteTransfer'
  | 'RequestCompleteConference'
  | 'RequestDeleteFromConference'
  | 'RequestSingleStepTransfer'
  | 'RequestMuteTransfer'
  | 'RequestMergeCalls'
  | 'RequestSingleStepConference';
