/**
 * Call requests on one call (wire spec 1.0 and 1.1 tables): make, answer, release, hold, retrieve,
 * alternate, reconnect, redirect, clear, user data, DTMF, mute, listen, call info. Transfers and
 * conferences are in ./transfer-handlers.ts. Where a request has several events, the others come
 * first and the answer last (1.1 rule); MakeCall, AnswerCall, ReleaseCall and AttachUserData keep
 * 1.0's order (answer first).
 */
import { CallState, CallType, DNRole } from '../protocol/enums.js';
import type { EventName } from '../protocol/messages.js';
import { answerParty } from './answering.js';
import { arrive, released } from './arrival.js';
import { addParty, callAttrs, createCall, dropParty, endCollection, mergeUserData, partyOf, send, setPartyState } from './calls.js';
import { activeParty, callWithParty, existingCall, heldParty, knownDN, ownDN, partyIn, reachable, validDestination } from './checks.js';
import type { Handler, SimCore } from './core.js';
import { endCall, leave } from './departure.js';
import { SimErrorCode, refuse } from './error-codes.js';
import { partyChangedToOthers } from './party-events.js';
import type { EventAttributes, PartyState, Requester, SimCall } from './records.js';

/** An event about `call` to each party; the one on `answerDN` answers `req` (first or last). */
export function toParties(
  core: SimCore,
  call: SimCall,
  event: EventName,
  attrsFor: (dn: string) => EventAttributes,
  req: Requester | undefined,
  answerDN: string | undefined,
  answerFirst: boolean,
): void {
  const answer = (): void => {
    if (answerDN !== undefined) send(core, answerDN, event, attrsFor(answerDN), req, true);
  };
  if (answerFirst) answer();
  for (const p of call.parties) if (p.dn !== answerDN) send(core, p.dn, event, attrsFor(p.dn), req);
  if (!answerFirst) answer();
}

/** EventAttachedDataChanged with the call's whole user data (Mandatory, even when empty) to every party. */
function userDataChanged(core: SimCore, call: SimCall, req: Requester, thisDN: string, answerFirst: boolean): void {
  toParties(core, call, 'EventAttachedDataChanged', (dn) => callAttrs(call, dn, { UserData: call.userData }), req, thisDN, answerFirst);
}

const DTMF = /^[0-9*#A-Da-d]{1,64}$/;

export const CALL_HANDLERS = {
  RequestMakeCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    knownDN(core, a.OtherDN, 'OtherDN');
    if (a.OtherDN === a.ThisDN) refuse(SimErrorCode.InvalidAttribute, `OtherDN must differ from ThisDN (${a.ThisDN})`);
    const call = createCall(core.shared, {
      from: a.ThisDN,
      to: a.OtherDN,
      callType: CallType.Internal,
      ani: a.ThisDN,
      dnis: a.OtherDN,
      userData: a.UserData,
    });
    addParty(call, a.ThisDN, 'dialing', DNRole.Origination);
    send(core, a.ThisDN, 'EventDialing', callAttrs(call, a.ThisDN, { OtherDN: a.OtherDN }), req, true);
    const arrival = arrive(core, call, a.OtherDN, { req });
    // A call to a DND phone does not ring: the caller hears busy (CallState 6) and releases.
    if (arrival.kind === 'busy')
      send(core, a.ThisDN, 'EventDestinationBusy', callAttrs(call, a.ThisDN, { OtherDN: arrival.dn, CallState: CallState.Busy }), req);
  },

  RequestAnswerCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call, party } = callWithParty(core, a.ConnID, a.ThisDN);
    if (party.state !== 'ringing')
      refuse(SimErrorCode.InvalidAttribute, `call ${a.ConnID} is not ringing on DN ${a.ThisDN} (it is ${party.state})`);
    answerParty(core, call, a.ThisDN, req);
  },

  RequestReleaseCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call } = callWithParty(core, a.ConnID, a.ThisDN);
    leave(core, call, a.ThisDN, req, 'first');
  },

  RequestHoldCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call, party } = activeParty(core, a.ConnID, a.ThisDN);
    setPartyState(call, party, 'held');
    send(core, a.ThisDN, 'EventHeld', callAttrs(call, a.ThisDN), req, true);
  },

  RequestRetrieveCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call, party } = heldParty(core, a.ConnID, a.ThisDN);
    setPartyState(call, party, 'established');
    send(core, a.ThisDN, 'EventRetrieved', callAttrs(call, a.ThisDN), req, true);
  },

  RequestAlternateCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    if (a.ConnID === a.PreviousConnID) refuse(SimErrorCode.InvalidAttribute, 'ConnID and PreviousConnID must be two different calls');
    const held = heldParty(core, a.ConnID, a.ThisDN);
    const active = activeParty(core, a.PreviousConnID, a.ThisDN, 'PreviousConnID');
    setPartyState(active.call, active.party, 'held');
    send(core, a.ThisDN, 'EventHeld', callAttrs(active.call, a.ThisDN), req);
    setPartyState(held.call, held.party, 'established');
    send(core, a.ThisDN, 'EventRetrieved', callAttrs(held.call, a.ThisDN), req, true);
  },

  RequestReconnectCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    if (a.ConnID === a.PreviousConnID) refuse(SimErrorCode.InvalidAttribute, 'ConnID and PreviousConnID must be two different calls');
    const held = heldParty(core, a.ConnID, a.ThisDN);
    const active = callWithParty(core, a.PreviousConnID, a.ThisDN, 'PreviousConnID');
    leave(core, active.call, a.ThisDN, req, 'related');
    setPartyState(held.call, held.party, 'established');
    send(core, a.ThisDN, 'EventRetrieved', callAttrs(held.call, a.ThisDN), req, true);
  },

  RequestRedirectCall(core, req, a) {
    handOff(core, req, a, ['ringing', 'established'], 'redirect', false);
  },

  RequestClearCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call } = callWithParty(core, a.ConnID, a.ThisDN);
    endCall(core, call, { req, answerDN: a.ThisDN });
  },

  RequestAttachUserData(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call } = callWithParty(core, a.ConnID, a.ThisDN);
    call.userData = mergeUserData(call.userData, a.UserData);
    userDataChanged(core, call, req, a.ThisDN, true);
  },

  RequestUpdateUserData(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call } = callWithParty(core, a.ConnID, a.ThisDN);
    call.userData = mergeUserData(call.userData, a.UserData);
    userDataChanged(core, call, req, a.ThisDN, false);
  },

  RequestDeleteUserData(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call } = callWithParty(core, a.ConnID, a.ThisDN);
    call.userData = [];
    userDataChanged(core, call, req, a.ThisDN, false);
  },

  RequestDeletePair(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call } = callWithParty(core, a.ConnID, a.ThisDN);
    // Deleting a key that is not there succeeds: the request is idempotent (re-sent after a failover).
    call.userData = call.userData.filter(([k]) => k !== a.DataKey);
    userDataChanged(core, call, req, a.ThisDN, false);
  },

  RequestSendDTMF(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call, party } = callWithParty(core, a.ConnID, a.ThisDN);
    partyIn(party, a.ConnID, ['established'], 'send DTMF');
    if (!DTMF.test(a.DTMFDigits))
      refuse(SimErrorCode.InvalidAttribute, `invalid attribute DTMFDigits: 1–64 of 0-9 * # A-D, got ${JSON.stringify(a.DTMFDigits)}`);
    send(core, a.ThisDN, 'EventDTMFSent', callAttrs(call, a.ThisDN, { DTMFDigits: a.DTMFDigits }), req, true);
  },

  RequestSetMuteOn(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call, party } = callWithParty(core, a.ConnID, a.ThisDN);
    partyIn(party, a.ConnID, ['established', 'held'], 'mute');
    party.muted = true;
    send(core, a.ThisDN, 'EventMuteOn', callAttrs(call, a.ThisDN), req, true);
  },

  RequestSetMuteOff(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { call, party } = callWithParty(core, a.ConnID, a.ThisDN);
    partyIn(party, a.ConnID, ['established', 'held'], 'unmute');
    party.muted = false;
    send(core, a.ThisDN, 'EventMuteOff', callAttrs(call, a.ThisDN), req, true);
  },

  RequestListenDisconnect(core, req, a) {
    listen(core, req, a, false);
  },

  RequestListenReconnect(core, req, a) {
    listen(core, req, a, true);
  },

  RequestSetCallInfo(core, req, a) {
    const call = existingCall(core, a.ConnID);
    if (a.ThisDN !== undefined) ownDN(core, req, a.ThisDN);
    if (a.CustomerID !== undefined) call.customerId = a.CustomerID;
    const attrsAt = (dn: string) => callAttrs(call, dn, { CustomerID: call.customerId });
    const answerDN = a.ThisDN !== undefined && call.parties.some((p) => p.dn === a.ThisDN) ? a.ThisDN : undefined;
    toParties(core, call, 'EventCallInfoChanged', attrsAt, req, answerDN, false);
    if (answerDN === undefined) core.answer(req, 'EventCallInfoChanged', attrsAt(a.ThisDN ?? call.parties[0]?.dn ?? call.to));
  },
} satisfies { [N in CallRequest]: Handler<N> };

export type CallRequest =
  | 'RequestMakeCall'
  | 'RequestAnswerCall'
  | 'RequestReleaseCall'
  | 'RequestHoldCall'
  | 'RequestRetrieveCall'
  | 'RequestAlternateCall'
  | 'RequestReconnectCall'
  | 'RequestRedirectCall'
  | 'RequestClearCall'
  | 'RequestAttachUserData'
  | 'RequestUpdateUserData'
  | 'RequestDeleteUserData'
  | 'RequestDeletePair'
  | 'RequestSendDTMF'
  | 'RequestSetMuteOn'
  | 'RequestSetMuteOff'
  | 'RequestListenDisconnect'
  | 'RequestListenReconnect'
  | 'RequestSetCallInfo';

function listen(core: SimCore, req: Requester, a: { ThisDN: string; OtherDN: string; ConnID: string }, on: boolean): void {
  ownDN(core, req, a.ThisDN);
  const { call, party } = callWithParty(core, a.ConnID, a.ThisDN);
  if (a.OtherDN === a.ThisDN) refuse(SimErrorCode.InvalidAttribute, 'OtherDN (the listener) must differ from ThisDN');
  callWithParty(core, a.ConnID, a.OtherDN, 'OtherDN');
  if (on) party.notHeardBy.delete(a.OtherDN);
  else party.notHeardBy.add(a.OtherDN);
  const event: EventName = on ? 'EventListenReconnected' : 'EventListenDisconnected';
  send(core, a.OtherDN, event, callAttrs(call, a.OtherDN, { OtherDN: a.ThisDN }), req);
  send(core, a.ThisDN, event, callAttrs(call, a.ThisDN, { OtherDN: a.OtherDN }), req, true);
}

/**
 * ThisDN hands the call to OtherDN and leaves it (RedirectCall, SingleStepTransfer): OtherDN rings
 * with the same ConnID (ThirdPartyDN = ThisDN), ThisDN gets EventReleased, the answer. A transfer
 * (1.2) also tells every other party who joined (EventPartyChanged), with CallState 1 throughout.
 */
export function handOff(
  core: SimCore,
  req: Requester,
  a: { ThisDN: string; ConnID: string; OtherDN: string },
  states: PartyState[],
  doing: string,
  transfer: boolean,
): void {
  ownDN(core, req, a.ThisDN);
  const { call, party } = callWithParty(core, a.ConnID, a.ThisDN);
  partyIn(party, a.ConnID, states, doing);
  validDestination(core, a.OtherDN, a.ThisDN, call);
  reachable(core, call, a.OtherDN);
  endCollection(core, call, undefined, a.ThisDN);
  dropParty(call, a.ThisDN);
  const how = transfer ? { thirdPartyRole: DNRole.TransferredBy, callState: CallState.Transferred } : {};
  const arrival = arrive(core, call, a.OtherDN, { thirdParty: a.ThisDN, ...how, req });
  const joined = partyOf(call, arrival.dn);
  if (transfer && joined) partyChangedToOthers(core, call, a.ThisDN, [joined], call.connId, req);
  const gone = { OtherDN: a.OtherDN, ThirdPartyDN: a.OtherDN, CallState: transfer ? CallState.Transferred : call.callState };
  released(core, party, callAttrs(call, a.ThisDN, gone), req, true);
}
