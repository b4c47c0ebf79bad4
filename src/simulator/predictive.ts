/**
 * Predictive calls (wire spec 1.2 RequestMakePredictiveCall, "Outcomes of a predictive call"): the
 * switch dials a number for at most Timeout ms on behalf of a routing point or queue (EventDialing
 * there answers, CallType 3); what the far end does is a setting per number (setDialOutcome),
 * by default a person answers at once. A person or a machine answering: EventEstablished (CallState
 * 0 or 9), then the call arrives at the routing point or queue as a call placed there (its events
 * keep the CallState); busy: EventDestinationBusy then EventReleased (6); no answer within Timeout:
 * EventReleased (7); SIT: EventReleased (8, 11–16); fax: EventReleased (17).
 */
import { CallState, CallType, DNRole, SIT_CALL_STATES } from '../protocol/enums.js';
import { arrive } from './arrival.js';
import { addParty, callAttrs, createCall, dialTimerKey, dropParty, partyOf, send, setPartyState } from './calls.js';
import { ownDN } from './checks.js';
import type { Handler } from './core.js';
import { endCall } from './departure.js';
import { SimErrorCode, refuse } from './error-codes.js';
import type { DialOutcome, DialOutcomeName, SimCall } from './records.js';
import type { SwitchContext } from './state.js';

/** What setDialOutcome takes: an outcome's name, or the outcome with when it happens and (SIT) which CallState. */
export type DialOutcomeSpec = DialOutcomeName | { outcome: DialOutcomeName; afterMs?: number; callState?: number };

/** The CallState each outcome reports (a SIT outcome may name 11–16 instead of 8). */
export const DIAL_OUTCOME_CALL_STATES: Readonly<Record<DialOutcomeName, number>> = {
  answer: CallState.Ok,
  machine: CallState.AnsweringMachine,
  busy: CallState.Busy,
  noAnswer: CallState.NoAnswer,
  sit: CallState.SitDetected,
  fax: CallState.FaxDetected,
};

/** The longest ring time (Timeout) and outcome delay accepted (ms): an hour. */
export const MAX_DIAL_MS = 3_600_000;

/** The far end of a number with no outcome set: a person answers at once. */
export const DEFAULT_DIAL_OUTCOME: DialOutcome = { outcome: 'answer', afterMs: 0, callState: CallState.Ok };

const NO_ANSWER: DialOutcome = { outcome: 'noAnswer', afterMs: 0, callState: CallState.NoAnswer };

/** A DialOutcome from what setDialOutcome was given; RangeError naming what is wrong. */
export function dialOutcomeOf(spec: DialOutcomeSpec): DialOutcome {
  const { outcome, afterMs = 0, callState } = typeof spec === 'string' ? { outcome: spec } : spec;
  if (!Object.hasOwn(DIAL_OUTCOME_CALL_STATES, outcome)) {
    throw new RangeError(`unknown dial outcome ${JSON.stringify(outcome)} (${Object.keys(DIAL_OUTCOME_CALL_STATES).join(', ')})`);
  }
  if (!Number.isInteger(afterMs) || afterMs < 0 || afterMs > MAX_DIAL_MS) {
    throw new RangeError(`afterMs must be an integer 0–${MAX_DIAL_MS}, got ${String(afterMs)}`);
  }
  if (callState !== undefined && !(outcome === 'sit' && SIT_CALL_STATES.has(callState))) {
    throw new RangeError(`callState is for a SIT outcome only: 8 or 11–16, got ${String(callState)} for ${outcome}`);
  }
  return { outcome, afterMs, callState: callState ?? DIAL_OUTCOME_CALL_STATES[outcome] };
}

/** The far end's outcome comes true, unless the call left ThisDN's dialing meanwhile (released by the application). */
function settle(ctx: SwitchContext, call: SimCall, dn: string, outcome: DialOutcome): void {
  const party = partyOf(call, dn);
  if (ctx.shared.calls.get(call.connId) !== call || party?.state !== 'dialing') return;
  call.callState = outcome.callState;
  if (outcome.outcome === 'answer' || outcome.outcome === 'machine') {
    setPartyState(call, party, 'established');
    send(ctx, dn, 'EventEstablished', callAttrs(call, dn));
    // The answered call arrives at the routing point or queue as a call placed there.
    dropParty(call, dn);
    arrive(ctx, call, dn);
    return;
  }
  if (outcome.outcome === 'busy') send(ctx, dn, 'EventDestinationBusy', callAttrs(call, dn));
  endCall(ctx, call);
}

const makePredictiveCall: Handler<'RequestMakePredictiveCall'> = (core, req, a) => {
  ownDN(core, req, a.ThisDN);
  const { shared } = core;
  if (!shared.routingPoints.has(a.ThisDN) && !shared.queues.has(a.ThisDN)) {
    refuse(SimErrorCode.InvalidAttribute, `ThisDN ${a.ThisDN} must be a routing point or an ACD queue (it gets the answered call)`);
  }
  if (a.OtherDN === '' || a.OtherDN.length > 64)
    refuse(SimErrorCode.InvalidAttribute, 'invalid attribute OtherDN: the number dialled, 1–64 characters');
  const timeout = a.Timeout ?? shared.settings.dialTimeoutMs;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_DIAL_MS) {
    refuse(SimErrorCode.InvalidAttribute, `invalid attribute Timeout: 1–${MAX_DIAL_MS} ms, got ${timeout}`);
  }
  const call = createCall(shared, {
    from: undefined,
    external: a.OtherDN,
    to: a.ThisDN,
    callType: CallType.Outbound,
    dnis: a.OtherDN,
    userData: a.UserData,
  });
  addParty(call, a.ThisDN, 'dialing', DNRole.Origination);
  send(core, a.ThisDN, 'EventDialing', callAttrs(call, a.ThisDN, { OtherDN: a.OtherDN }), req, true);
  const set = shared.dialOutcomes.get(a.OtherDN) ?? DEFAULT_DIAL_OUTCOME;
  // Nobody answering, or the far end acting too late: no answer when the Timeout is up.
  const rings = set.outcome === 'noAnswer' || set.afterMs >= timeout;
  const outcome = rings ? NO_ANSWER : set;
  const ms = rings ? timeout : set.afterMs;
  const dn = a.ThisDN;
  if (ms === 0) settle(core, call, dn, outcome);
  else shared.setTimer(dialTimerKey(call.connId), ms, (ctx) => settle(ctx, call, dn, outcome));
};

export const PREDICTIVE_HANDLERS = {
  RequestMakePredictiveCall: makePredictiveCall,
} satisfies { [N in 'RequestMakePredictiveCall']: Handler<N> };
