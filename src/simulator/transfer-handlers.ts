/**
 * Consultation calls, transfers and conferences (wire spec 1.1 table and "The call model"): a
 * merged call keeps the held call's ConnID; the parties that knew it under the consultation's
 * ConnID get EventPartyChanged with PreviousConnID = the consultation's. The others events of a
 * request come first, its answer last.
 */
import { callWithParty, heldParty, ownDN, partyIn, validDestination } from './checks.js';
import { SimErrorCode, refuse } from './error-codes.js';
import type { Handler, SimCore } from './handlers.js';
import {
  addParty,
  arrive,
  callAttrs,
  createCall,
  dropParty,
  endCall,
  forget,
  liveCount,
  partyOf,
  refreshState,
  send,
  setPartyState,
  type Requester,
} from './model.js';
import { agentsFree, distribute, rearmRouting } from './routing.js';
import { handOff } from './call-handlers.js';
import { CallType, DNRole } from '../protocol/enums.js';
import { type CallState, type Party } from './state.js';

interface ConsultArgs {
  ThisDN: string;
  ConnID: string;
  OtherDN: string;
  UserData?: CallState['userData'];
}

/**
 * InitiateTransfer / InitiateConference: EventHeld for ConnID (unless already held), EventRinging
 * at OtherDN for a new consultation call (CallType 4), EventDialing for it answering. A DND target
 * makes the consultation busy: EventDestinationBusy after the answer.
 */
function consult(core: SimCore, req: Requester, a: ConsultArgs, kind: 'transfer' | 'conference'): void {
  ownDN(core, req, a.ThisDN);
  const { call, party } = callWithParty(core, a.ConnID, a.ThisDN);
  partyIn(party, a.ConnID, ['established', 'held'], `initiate a ${kind}`);
  validDestination(core, a.OtherDN, a.ThisDN, call);
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
  });
  addParty(consultation, a.ThisDN, 'dialing', DNRole.Origination);
  const arrival = arrive(core, consultation, a.OtherDN, undefined, req);
  send(core, a.ThisDN, 'EventDialing', callAttrs(consultation, a.ThisDN, { OtherDN: a.OtherDN }), req, true);
  if (arrival.kind === 'busy')
    send(core, a.ThisDN, 'EventDestinationBusy', callAttrs(consultation, a.ThisDN, { OtherDN: arrival.dn }), req);
}

/** The held call and the consultation call of a complete request, checked (57, 61, 58, 42). */
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
function merge(core: SimCore, held: CallState, consultation: CallState, targets: Party[], role?: number): void {
  forget(core.shared, consultation);
  for (const t of targets) {
    dropParty(consultation, t.dn);
    held.parties.push({ ...t, role: role ?? t.role });
  }
  held.previousConnIds.push(consultation.connId, ...consultation.previousConnIds);
  refreshState(held);
}

export const TRANSFER_HANDLERS = {
  RequestInitiateTransfer(core, req, a) {
    consult(core, req, a, 'transfer');
  },

  RequestInitiateConference(core, req, a) {
    consult(core, req, a, 'conference');
  },

  RequestCompleteTransfer(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { held, consultation, targets } = heldAndConsultation(core, a, a.TransferConnID, 'TransferConnID');
    const consultCall = consultation.call;
    // The transferring DN leaves the consultation first…
    dropParty(consultCall, a.ThisDN);
    send(core, a.ThisDN, 'EventReleased', callAttrs(consultCall, a.ThisDN, { OtherDN: targets[0]!.dn }), req);
    // …then the held call, whose other side now talks to the consultation's parties.
    dropParty(held.call, a.ThisDN);
    merge(core, held.call, consultCall, targets);
    for (const t of targets) {
      send(
        core,
        t.dn,
        'EventPartyChanged',
        callAttrs(held.call, t.dn, { PreviousConnID: consultCall.connId, ThirdPartyDN: a.ThisDN, ThirdPartyDNRole: DNRole.TransferredBy }),
        req,
      );
      if (t.state === 'routing') rearmRouting(core, held.call, t.dn);
    }
    // A consultation waiting in a queue now waits there as the held call: distribute it.
    for (const t of targets) if (t.state === 'queued') distribute(core, t.dn);
    send(core, a.ThisDN, 'EventReleased', callAttrs(held.call, a.ThisDN, { ThirdPartyDN: targets[0]!.dn }), req, true);
    if (liveCount(held.call) < 1) endCall(core, held.call);
    agentsFree(core, [a.ThisDN]);
  },

  RequestCompleteConference(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { held, consultation, targets } = heldAndConsultation(core, a, a.ConferenceConnID, 'ConferenceConnID');
    for (const t of targets) partyIn(t, a.ConferenceConnID, ['ringing', 'established'], 'conference in a party that');
    const consultCall = consultation.call;
    dropParty(consultCall, a.ThisDN);
    send(core, a.ThisDN, 'EventReleased', callAttrs(consultCall, a.ThisDN, { OtherDN: targets[0]!.dn }), req);
    setPartyState(held.call, held.party, 'established');
    send(core, a.ThisDN, 'EventRetrieved', callAttrs(held.call, a.ThisDN), req);
    const existing = held.call.parties.filter((p) => p.dn !== a.ThisDN).map((p) => p.dn);
    merge(core, held.call, consultCall, targets);
    for (const p of held.call.parties) if (p.role !== DNRole.Observer) p.role = DNRole.ConferenceMember;
    for (const t of targets) {
      send(
        core,
        t.dn,
        'EventPartyChanged',
        callAttrs(held.call, t.dn, { PreviousConnID: consultCall.connId, ThirdPartyDN: a.ThisDN, ThirdPartyDNRole: DNRole.ConferencedBy }),
        req,
      );
    }
    const added = { OtherDN: targets[0]!.dn, ThirdPartyDN: a.ThisDN, ThirdPartyDNRole: DNRole.AddedBy };
    for (const dn of existing) send(core, dn, 'EventPartyAdded', callAttrs(held.call, dn, added), req);
    send(core, a.ThisDN, 'EventPartyAdded', callAttrs(held.call, a.ThisDN, added), req, true);
  },

  RequestDeleteFromConference(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call } = callWithParty(core, a.ConnID, a.ThisDN);
    if (a.OtherDN === a.ThisDN)
      refuse(SimErrorCode.InvalidAttribute, 'OtherDN (the party to drop) must differ from ThisDN; use RequestReleaseCall to leave');
    const dropped = partyOf(call, a.OtherDN);
    if (!dropped && call.external !== a.OtherDN)
      refuse(SimErrorCode.NotAParty, `DN ${a.OtherDN} (OtherDN) is not a party of call ${a.ConnID}`);
    if (dropped) {
      dropParty(call, a.OtherDN);
      send(
        core,
        a.OtherDN,
        'EventReleased',
        callAttrs(call, a.OtherDN, { ThirdPartyDN: a.ThisDN, ThirdPartyDNRole: DNRole.DeletedBy }),
        req,
      );
    } else {
      call.external = undefined;
    }
    const deleted = { OtherDN: a.OtherDN, OtherDNRole: DNRole.DeletedParty, ThirdPartyDN: a.ThisDN };
    for (const p of call.parties) if (p.dn !== a.ThisDN) send(core, p.dn, 'EventPartyDeleted', callAttrs(call, p.dn, deleted), req);
    send(core, a.ThisDN, 'EventPartyDeleted', callAttrs(call, a.ThisDN, deleted), req, true);
    // Nobody left to talk to: the call is over for the rest.
    if (liveCount(call) < 2) endCall(core, call);
    if (dropped) agentsFree(core, [a.OtherDN]);
  },

  RequestSingleStepTransfer(core, req, a) {
    handOff(core, req, a, ['established', 'held'], 'transfer');
    agentsFree(core, [a.ThisDN]);
  },
} satisfies { [N in TransferRequest]: Handler<N> };

export type TransferRequest =
  | 'RequestInitiateTransfer'
  | 'RequestInitiateConference'
  | 'RequestCompleteTransfer'
  | 'RequestCompleteConference'
  | 'RequestDeleteFromConference'
  | 'RequestSingleStepTransfer';
