/**
 * The checks request handlers share, each refusing with the EventError code ./error-codes.ts
 * assigns to it.
 */
import type { SimClient } from './client.js';
import { SimErrorCode, refuse } from './error-codes.js';
import { partyOf } from './calls.js';
import { forwardTarget, ringTarget } from './forwarding.js';
import type { AgentState, Party, PartyState, Requester, SimCall } from './records.js';
import type { SharedState } from './state.js';

/** What checks need of the server. */
export interface CheckCore {
  readonly shared: SharedState;
  isKnownDN(dn: string): boolean;
}

export function knownDN(core: CheckCore, dn: string, what = 'ThisDN'): void {
  if (!core.isKnownDN(dn)) refuse(SimErrorCode.UnknownDN, `unknown DN ${dn} (${what})`);
}

/** ThisDN must exist and be registered by this connection (agent and call requests). */
export function ownDN(core: CheckCore, req: Requester | { client: SimClient }, dn: string): void {
  knownDN(core, dn);
  if (!req.client.dns.has(dn)) refuse(SimErrorCode.DNNotRegistered, `DN ${dn} is not registered by this client`);
}

export function loggedInAgent(core: CheckCore, dn: string): AgentState {
  const agent = core.shared.agents.get(dn);
  if (!agent) refuse(SimErrorCode.InvalidAttribute, `no agent is logged in on DN ${dn}`);
  return agent;
}

export function existingCall(core: CheckCore, connId: string, what = 'ConnID'): SimCall {
  const call = core.shared.calls.get(connId);
  if (!call) refuse(SimErrorCode.NoSuchCall, `no call ${connId} (${what})`);
  return call;
}

/** The call (57 if none) and `dn`'s party in it (61 if not a party). */
export function callWithParty(core: CheckCore, connId: string, dn: string, what = 'ConnID'): { call: SimCall; party: Party } {
  const call = existingCall(core, connId, what);
  const party = partyOf(call, dn);
  if (!party) refuse(SimErrorCode.NotAParty, `DN ${dn} is not a party of call ${connId} (${what})`);
  return { call, party };
}

/** 42 unless the party is in one of `states` (the request does not fit the call's state). */
export function partyIn(party: Party, connId: string, states: PartyState[], doing: string): void {
  if (!states.includes(party.state)) {
    refuse(
      SimErrorCode.InvalidAttribute,
      `cannot ${doing}: DN ${party.dn} is ${party.state} on call ${connId} (needs ${states.join(' or ')})`,
    );
  }
}

/** The party holds the call (58 otherwise). */
export function heldParty(core: CheckCore, connId: string, dn: string, what = 'ConnID'): { call: SimCall; party: Party } {
  const found = callWithParty(core, connId, dn, what);
  if (found.party.state !== 'held')
    refuse(SimErrorCode.CallNotHeld, `call ${connId} (${what}) is not held on DN ${dn} (it is ${found.party.state})`);
  return found;
}

/** The party talks on the call: established (59 when it is held, 42 in any other state). */
export function activeParty(core: CheckCore, connId: string, dn: string, what = 'ConnID'): { call: SimCall; party: Party } {
  const found = callWithParty(core, connId, dn, what);
  if (found.party.state === 'held') refuse(SimErrorCode.CallAlreadyHeld, `call ${connId} (${what}) is already held on DN ${dn}`);
  partyIn(found.party, connId, ['established'], 'do this');
  return found;
}

/**
 * A destination a DN's call may go to (OtherDN of consultations, transfers, redirects, forwarding):
 * known, not `thisDN`, not already in `call` (62 otherwise).
 */
export function validDestination(core: CheckCore, dest: string, thisDN: string, call?: SimCall): void {
  if (!core.isKnownDN(dest)) refuse(SimErrorCode.InvalidDestination, `invalid destination ${dest}: not a DN of the switch`);
  if (dest === thisDN) refuse(SimErrorCode.InvalidDestination, `invalid destination ${dest}: it is ThisDN`);
  if (call && partyOf(call, dest))
    refuse(SimErrorCode.InvalidDestination, `invalid destination ${dest}: already a party of call ${call.connId}`);
}

/** Refuses a destination the call cannot ring at now (DND at the end of its forwarding chain, or already in the call): 62. */
export function reachable(core: CheckCore, call: SimCall, dest: string): void {
  if (ringTarget(core.shared, call, dest) === undefined) {
    refuse(
      SimErrorCode.InvalidDestination,
      `invalid destination ${dest}: ${forwardTarget(core.shared, dest).dn} is busy (do-not-disturb, or already in the call)`,
    );
  }
}
