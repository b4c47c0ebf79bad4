/**
 * Wire spec 1.2 "Every party hears about every change": the events that tell the parties of a call
 * who joined it after a transfer or a conference, with ThirdPartyDN = the party that made the
 * change and its role, and the CallState the table gives (1 transferred, 2 conferenced). The
 * request handlers send their own answer; these send what the other parties get, in table order.
 */
import { CallState, DNRole } from '../protocol/enums.js';
import { callAttrs, others, send } from './calls.js';
import type { Party, Requester, SimCall } from './records.js';
import type { SwitchContext } from './state.js';

/** Parties that get the events of a change: DNs in the call, not a routing point or queue holding it. */
function listeners(call: SimCall, except: ReadonlySet<string>): Party[] {
  return call.parties.filter((p) => !except.has(p.dn) && p.state !== 'routing' && p.state !== 'queued');
}

/**
 * A transfer completed (CompleteTransfer, MuteTransfer, MergeCalls 0): each party that joined gets
 * EventPartyChanged (ConnID = the call's, PreviousConnID = the consultation's, OtherDN = the party
 * now at the other end), then every other party gets EventPartyChanged naming the party that
 * joined; ThirdPartyDN = the transferrer (role 7), CallState 1.
 */
export function announceTransfer(
  ctx: SwitchContext,
  call: SimCall,
  by: string,
  joined: readonly Party[],
  previousConnId: string,
  req?: Requester,
): void {
  const change = {
    PreviousConnID: previousConnId,
    ThirdPartyDN: by,
    ThirdPartyDNRole: DNRole.TransferredBy,
    CallState: CallState.Transferred,
  };
  for (const j of joined) send(ctx, j.dn, 'EventPartyChanged', callAttrs(call, j.dn, change), req);
  partyChangedToOthers(ctx, call, by, joined, previousConnId, req);
}

/**
 * Every party but those that joined hears who joined (SingleStepTransfer, the transfers):
 * EventPartyChanged, OtherDN = the party that joined, ThirdPartyDN = the transferrer (role 7),
 * CallState 1; PreviousConnID = the consultation's, or the call's own after a single-step transfer.
 */
export function partyChangedToOthers(
  ctx: SwitchContext,
  call: SimCall,
  by: string,
  joined: readonly Party[],
  previousConnId: string,
  req?: Requester,
): void {
  const change = {
    PreviousConnID: previousConnId,
    OtherDN: joined.length === 1 ? joined[0]!.dn : undefined,
    ThirdPartyDN: by,
    ThirdPartyDNRole: DNRole.TransferredBy,
    CallState: CallState.Transferred,
  };
  for (const p of listeners(call, new Set([by, ...joined.map((j) => j.dn)]))) {
    send(ctx, p.dn, 'EventPartyChanged', callAttrs(call, p.dn, change), req);
  }
}

/**
 * A conference completed (CompleteConference, MergeCalls 1): the party that joined gets
 * EventPartyChanged (PreviousConnID = the consultation's, OtherDN = the conferencer, role 9,
 * CallState 2), then one EventPartyAdded per other member; every other party gets EventPartyAdded
 * naming the party that joined (ThirdPartyDN = the conferencer, role 5, CallState 2).
 */
export function announceConference(
  ctx: SwitchContext,
  call: SimCall,
  by: string,
  joined: readonly Party[],
  previousConnId: string,
  req?: Requester,
): void {
  for (const j of joined) {
    const change = {
      PreviousConnID: previousConnId,
      OtherDN: by,
      ThirdPartyDN: by,
      ThirdPartyDNRole: DNRole.ConferencedBy,
      CallState: CallState.Conferenced,
    };
    send(ctx, j.dn, 'EventPartyChanged', callAttrs(call, j.dn, change), req);
    membersAddedTo(ctx, call, j.dn, by, req);
  }
  for (const j of joined) partyAddedToOthers(ctx, call, j.dn, by, req);
}

/** EventPartyAdded about `joined` to every party but it and the conferencer (ThirdPartyDN = `by`, role 5, CallState 2). */
export function partyAddedToOthers(ctx: SwitchContext, call: SimCall, joined: string, by: string, req?: Requester): void {
  const attrs = addedAttrs(joined, by);
  for (const p of listeners(call, new Set([by, joined]))) send(ctx, p.dn, 'EventPartyAdded', callAttrs(call, p.dn, attrs), req);
}

/** The attributes of EventPartyAdded about `joined`, added by `by`. */
export function addedAttrs(joined: string, by: string): Record<string, unknown> {
  return {
    OtherDN: joined,
    OtherDNRole: DNRole.ConferenceMember,
    ThirdPartyDN: by,
    ThirdPartyDNRole: DNRole.AddedBy,
    CallState: CallState.Conferenced,
  };
}

/**
 * A party that joined a conference learns who else is on it: one EventPartyAdded per member other
 * than itself (OtherDN = that member, OtherDNRole 3, ThirdPartyDN = the conferencer `by`, CallState
 * 2). The conferencer is left out when the party's EventPartyChanged named it already
 * (CompleteConference); the outside party counts as a member when its number is known.
 */
export function membersAddedTo(ctx: SwitchContext, call: SimCall, dn: string, by: string, req?: Requester, withConferencer = false): void {
  for (const member of others(call, dn)) {
    if ((member === by && !withConferencer) || member === '') continue;
    send(ctx, dn, 'EventPartyAdded', callAttrs(call, dn, addedAttrs(member, by)), req);
  }
}
