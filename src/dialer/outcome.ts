/**
 * A predictive call's outcome from what the switch says about it (wire spec 1.2, "Outcomes of a
 * predictive call"), as pure functions: which event at the target decides, and what a query says.
 */
import type { KVList } from '../protocol/attributes.js';
import { CallState, SIT_CALL_STATES } from '../protocol/enums.js';
import { kvGet } from '../protocol/values.js';
import type { DialOutcome } from './types.js';

/** The outcome a released (or refused) attempt's CallState names. */
export function endedAs(callState: unknown): DialOutcome {
  if (callState === CallState.Busy) return 'busy';
  if (callState === CallState.NoAnswer) return 'noAnswer';
  if (callState === CallState.FaxDetected) return 'fax';
  if (typeof callState === 'number' && SIT_CALL_STATES.has(callState)) return 'sit';
  return 'failed';
}

/**
 * The outcome an event about the predictive call decides, or undefined when it decides nothing
 * (EventDialing, EventNetworkReached, events after the outcome…): EventEstablished (a person, or
 * CallState 9 a machine), EventDestinationBusy, or EventReleased before either.
 */
export function outcomeOf(e: Readonly<Record<string, unknown>>): DialOutcome | undefined {
  switch (e.Event) {
    case 'EventEstablished':
      return e.CallState === CallState.AnsweringMachine ? 'machine' : 'answered';
    case 'EventDestinationBusy':
      return 'busy';
    case 'EventReleased':
      return endedAs(e.CallState);
    default:
      return undefined;
  }
}

/**
 * What EventPartyInfo says of a predictive call placed for `target`: undefined while the number
 * still rings there (the target's party is 'dialing'), else answered by a person or a machine.
 * The switch lists each party's state in Extensions 'Parties'; without it, a call whose CallState
 * is 0 and whose ThisDN is still the target is taken as still ringing.
 */
export function outcomeOfInfo(info: Readonly<Record<string, unknown>>, target: string): DialOutcome | undefined {
  const parties = kvGet(info.Extensions as KVList | undefined, 'Parties');
  const ringing = Array.isArray(parties) ? kvGet(parties as KVList, target) === 'dialing' : info.ThisDN === target && !info.CallState;
  if (ringing) return undefined;
  return info.CallState === CallState.AnsweringMachine ? 'machine' : 'answered';
}
