/**
 * Learning a dial's outcome by asking the switch, never by dialling again (RequestMakePredictiveCall
 * is never re-sent: a second attempt could ring a person twice).
 *
 * - `checkCall`: the dial has a ConnID but its outcome event has not come (lost with a server that
 *   died, or late): RequestQueryCall tells whether the number still rings, or was answered by a
 *   person or a machine; EventError 57 means the call ended and its outcome event was lost.
 * - `findCalls`: the request itself was lost with its server (no EventDialing, so no ConnID): the
 *   calls listed at the target (RequestQueryAddress, Extensions 'Calls') that no dial owns are read
 *   one by one (RequestQueryCall) until each lost dial's number is found as the call's OtherDN.
 *   A lost dial whose number is not found was never placed or ended meanwhile: outcome unknown.
 */
import { TServerError } from '../errors.js';
import type { KVList } from '../protocol/attributes.js';
import { kvGet } from '../protocol/values.js';
import { failureOf } from '../routing/checks.js';
import type { RequestWindow } from '../routing/window.js';
import { outcomeOfInfo } from './outcome.js';
import type { DialerHost, DialOutcome } from './types.js';

/** EventError 57: no such call. */
const NO_SUCH_CALL = 57;
/** Calls read per target when looking for lost dials: past it the rest count as not found. */
export const MAX_CANDIDATES = 1_000;

export type Checked =
  | { kind: 'outcome'; outcome: DialOutcome; event: Record<string, unknown> }
  | { kind: 'ringing' }
  | { kind: 'gone'; why: string; cause: unknown }
  | { kind: 'unreadable'; why: string; cause: unknown };

export async function checkCall(host: DialerHost, window: RequestWindow, connId: string, target: string): Promise<Checked> {
  try {
    const info = await window.run(() => host.request('RequestQueryCall', { ConnID: connId }));
    const outcome = outcomeOfInfo(info, target);
    return outcome === undefined ? { kind: 'ringing' } : { kind: 'outcome', outcome, event: info };
  } catch (err) {
    if (err instanceof TServerError && err.errorCode === NO_SUCH_CALL)
      return { kind: 'gone', why: 'the call ended and the event telling its outcome never arrived', cause: err };
    return { kind: 'unreadable', why: `the call could not be checked: ${failureOf(err)}`, cause: err };
  }
}

export interface LostDial {
  number: string;
}

/**
 * Finds the ConnIDs of `lost` dials placed for `target` among the calls there that `owned` does not
 * claim. Resolves with each found dial's ConnID; a dial missing from the map was not found.
 */
export async function findCalls<D extends LostDial>(
  host: DialerHost,
  window: RequestWindow,
  target: string,
  lost: readonly D[],
  owned: (connId: string) => boolean,
): Promise<Map<D, string>> {
  const found = new Map<D, string>();
  const info = await window.run(() => host.request('RequestQueryAddress', { ThisDN: target }));
  const calls = kvGet(info.Extensions as KVList | undefined, 'Calls');
  if (!Array.isArray(calls)) return found;
  const candidates = (calls as KVList).map(([connId]) => connId).filter((connId) => !owned(connId));
  const waiting = new Map<string, D[]>();
  for (const d of lost) waiting.set(d.number, [...(waiting.get(d.number) ?? []), d]);
  let left = lost.length;
  // Newest first: a lost dial's call is among the latest placed.
  const reads = candidates.slice(-MAX_CANDIDATES).reverse();
  await Promise.all(
    reads.map((connId) =>
      window.run(async () => {
        if (left === 0) return;
        const call = await host.request('RequestQueryCall', { ConnID: connId }).catch(() => undefined);
        const dial = typeof call?.OtherDN === 'string' ? waiting.get(call.OtherDN)?.shift() : undefined;
        if (dial === undefined) return;
        found.set(dial, connId);
        left--;
      }, false),
    ),
  );
  return found;
}
