/**
 * Parties leaving a call and calls ending (wire spec 1.1 "The call model", 1.2 "Every party hears
 * about every change"): a party hanging up, a member of a conference leaving (the others get
 * EventPartyDeleted), a caller abandoning a call that waits, the switch clearing a call.
 */
import { CallState, DNRole } from '../protocol/enums.js';
import { agentsFree, released } from './arrival.js';
import { callAttrs, dropParty, endCollection, forget, liveCount, others, partyOf, send } from './calls.js';
import type { Requester, SimCall } from './records.js';
import type { SwitchContext } from './state.js';

export interface EndCallOptions {
  /** The request the ending answers (and the DN whose EventReleased is its answer). */
  req?: Requester;
  answerDN?: string;
  /** The answer comes before the others' EventReleased (1.0's ReleaseCall), not after (1.1). */
  answerFirst?: boolean;
  /** CallState of the EventReleased (19 when a route disconnects the call). Default: the call's. */
  callState?: number;
}

/** Ends the call: EventReleased to every party (after-call work first where it applies). */
export function endCall(ctx: SwitchContext, call: SimCall, opts: EndCallOptions = {}): void {
  const { req, answerDN, answerFirst = false } = opts;
  forget(ctx, call);
  const attrs = (dn: string) => callAttrs(call, dn, opts.callState !== undefined ? { CallState: opts.callState } : {});
  const answerParty = answerDN !== undefined ? partyOf(call, answerDN) : undefined;
  const answer = (): void => {
    if (answerParty) released(ctx, answerParty, attrs(answerParty.dn), req, true);
  };
  if (answerFirst) answer();
  for (const p of call.parties) if (p !== answerParty) released(ctx, p, attrs(p.dn), req);
  if (!answerFirst) answer();
  agentsFree(
    ctx,
    call.parties.map((p) => p.dn),
  );
}

/** How a leaving party's EventReleased relates to the request: its answer (before or after the others' events) or another event of it. */
export type LeaveAnswer = 'first' | 'last' | 'related';

/**
 * Party `dn` leaves the call (ReleaseCall, the caller hanging up…). With fewer than two left in
 * the conversation, the call ends for everyone (EventReleased); in a conference the others get
 * EventPartyDeleted (OtherDN and ThirdPartyDN = the party that left, role 8) and the call goes on.
 * `dn` gets EventReleased unless it is the outside party. A routing point or queue still holding
 * the call when nobody is left sees EventAbandoned (CallState 21).
 */
export function leave(ctx: SwitchContext, call: SimCall, dn: string, req?: Requester, answer: LeaveAnswer = 'first'): void {
  const leaving = partyOf(call, dn);
  endCollection(ctx, call, undefined, dn);
  if (leaving) dropParty(call, dn);
  else if (call.external === dn) call.external = undefined;
  const waiting = call.parties.filter((p) => p.state === 'routing' || p.state === 'queued');
  const remaining = liveCount(call);
  const releaseLeaving = (): void => {
    if (leaving) released(ctx, leaving, callAttrs(call, dn, { OtherDN: otherOf(call, dn) }), req, answer !== 'related');
  };
  const freed = leaving ? [dn] : [];
  if (answer === 'first') releaseLeaving();
  if (waiting.length > 0 && remaining === 0) {
    // Nobody is left to talk to: the caller abandoned while routed or queued.
    forget(ctx, call);
    for (const w of waiting) send(ctx, w.dn, 'EventAbandoned', callAttrs(call, w.dn, { CallState: CallState.Abandoned }), req);
  } else if (remaining >= 2 || (waiting.length > 0 && remaining >= 1)) {
    const deleted = { OtherDN: dn, OtherDNRole: DNRole.DeletedParty, ThirdPartyDN: dn, ThirdPartyDNRole: DNRole.DeletedParty };
    for (const p of call.parties) {
      if (p.state === 'routing' || p.state === 'queued') continue;
      send(ctx, p.dn, 'EventPartyDeleted', callAttrs(call, p.dn, deleted), req);
    }
  } else {
    forget(ctx, call);
    for (const p of call.parties) released(ctx, p, callAttrs(call, p.dn), req);
    freed.push(...call.parties.map((p) => p.dn));
  }
  if (answer !== 'first') releaseLeaving();
  agentsFree(ctx, freed);
}

/** OtherDN for the leaving party's EventReleased: who it was talking to. */
function otherOf(call: SimCall, dn: string): string | undefined {
  const rest = others(call, dn);
  return rest.length === 1 ? rest[0] || undefined : undefined;
}
