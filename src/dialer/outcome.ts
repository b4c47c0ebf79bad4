/**
 * A predictive call's outcome from what the switch says about it (wire spec 1.2, "Outcomes of a
 * predictive call"), as pure functions: which event at the target decides, and what a query says.
 */
import type { KVList } from '../protocol/attributes.js';
import { kvGet } from '../protocol/values.js';
import type { DialOutcome } from './types.js';

/** CallState values (wire spec 1.2) that name an outcome. */
const BUSY = 6;
const NO_ANSWER = 7;
const ANSWERING_MACHINE = 9;
const FAX = 17;
/** 8 SIT detected, 11–16 SIT invalid number / vacant / intercept / unknown / no circuit / reorder. */
const SIT = new Set<number>([8, 11, 12, 13, 14, 15, 16]);

/** The outcome a released (or refused) attempt's CallState names. */
export function endedAs(callState: unknown): DialOutcome {
  if (callState === BUSY) return 'busy';
  if (callState === NO_ANSWER) return 'noAnswer';
  if (callState === FAX) return 'fax';
  if (typeof callState === 'number' && SIT.has(callState)) return 'sit';
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
      return e.CallState === ANSWERING_MACHINE ? 'machine' : 'answered';
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
  return info.CallState === ANSWERING_MACHINE ? 'machine' : 'answered';
}
