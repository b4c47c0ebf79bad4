/**
 * Where forwarding sends a call at once (wire spec 1.2 "Forwarding and do-not-disturb"): modes 1
 * and 5 always, 2 and 4 while the DN is busy. Forwarding on no answer (3, 4) is a timer of the
 * call ringing there (./arrival.ts).
 */
import { ForwardMode } from '../protocol/enums.js';
import { busyForForwarding, partyOf } from './calls.js';
import type { Forwarding, SimCall } from './records.js';
import type { SharedState } from './state.js';

/** Hops a forwarding chain may take before the last DN rings anyway (loop guard). */
export const MAX_FORWARD_HOPS = 8;

/** ForwardMode values RequestCallForwardSet takes (None is not a forwarding). */
export const FORWARD_MODES: ReadonlySet<number> = new Set(Object.values(ForwardMode).filter((m) => m !== ForwardMode.None));

/** Modes 3 and 4 forward a call not answered in time. */
export function forwardsOnNoAnswer(f: Forwarding | undefined): f is Forwarding {
  return f !== undefined && (f.mode === ForwardMode.OnNoAnswer || f.mode === ForwardMode.OnBusyAndNoAnswer);
}

/** Where `dn` sends a call at once: unconditional and send-all-calls, or on busy while `dn` is busy. */
function forwardsNow(shared: SharedState, dn: string): string | undefined {
  const f = shared.forwarding.get(dn);
  if (!f) return undefined;
  if (f.mode === ForwardMode.Unconditional || f.mode === ForwardMode.SendAllCalls) return f.to;
  if ((f.mode === ForwardMode.OnBusy || f.mode === ForwardMode.OnBusyAndNoAnswer) && busyForForwarding(shared, dn)) return f.to;
  return undefined;
}

/** Where a call sent to `dn` rings after the forwarding that applies at once, and the DN that forwarded last. */
export function forwardTarget(shared: SharedState, dn: string): { dn: string; forwardedBy: string | undefined } {
  let at = dn;
  let by: string | undefined;
  const seen = new Set([dn]);
  for (let hop = 0; hop < MAX_FORWARD_HOPS; hop++) {
    if (shared.routingPoints.has(at) || shared.queues.has(at)) break;
    const next = forwardsNow(shared, at);
    if (next === undefined || seen.has(next)) break;
    by = at;
    at = next;
    seen.add(at);
  }
  return { dn: at, forwardedBy: by };
}

/**
 * Where `call` would ring if sent to `dest` (a routing point or queue takes it as it is; a DN
 * after its forwarding), or undefined when it cannot: that DN is on DND or already in the call.
 */
export function ringTarget(shared: SharedState, call: SimCall, dest: string): string | undefined {
  const end = forwardTarget(shared, dest).dn;
  if (shared.routingPoints.has(end) || shared.queues.has(end)) return end;
  return shared.dnd.has(end) || partyOf(call, end) ? undefined : end;
}
