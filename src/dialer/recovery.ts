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
 *
 * A query that reached a server not primary yet (EventError 52) waits in the connection for one and
 * goes again (connection/requests/router.ts), and a query lost with its server is re-sent there
 * too: what comes here is the final answer.
 */
import { TServerError } from '../errors.js';
import type { KVList } from '../protocol/attributes.js';
import { kvGet } from '../protocol/values.js';
import type { Clock } from '../util/clock.js';
import { failureOf } from '../routing/checks.js';
import { ROUTING_LANE } from '../routing/types.js';
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
    const info = await window.run(() => host.request('RequestQueryCall', { ConnID: connId }, ROUTING_LANE));
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
 * claim. Resolves with each found dial's ConnID; a dial missing from the map was not found. Rejects
 * when the list, or a call's read, failed other than with EventError 57 (the call ended meanwhile:
 * not one of these): "not found" would then not be known.
 */
export async function findCalls<D extends LostDial>(
  host: DialerHost,
  window: RequestWindow,
  target: string,
  lost: readonly D[],
  owned: (connId: string) => boolean,
): Promise<Map<D, string>> {
  const found = new Map<D, string>();
  const info = await window.run(() => host.request('RequestQueryAddress', { ThisDN: target }, ROUTING_LANE));
  const calls = kvGet(info.Extensions as KVList | undefined, 'Calls');
  if (!Array.isArray(calls)) return found;
  const candidates = (calls as KVList).map(([connId]) => connId).filter((connId) => !owned(connId));
  const waiting = new Map<string, D[]>();
  for (const d of lost) {
    const same = waiting.get(d.number);
    if (same) same.push(d);
    else waiting.set(d.number, [d]);
  }
  let left = lost.length;
  let unread: unknown;
  // Newest first: a lost dial's call is among the latest placed.
  const reads = candidates.slice(-MAX_CANDIDATES).reverse();
  await Promise.all(
    reads.map((connId) =>
      window.run(async () => {
        if (left === 0 || unread !== undefined) return;
        const call = await host.request('RequestQueryCall', { ConnID: connId }, ROUTING_LANE).catch((err: unknown) => {
          if (!(err instanceof TServerError && err.errorCode === NO_SUCH_CALL)) unread ??= err;
          return undefined;
        });
        const dial = typeof call?.OtherDN === 'string' ? waiting.get(call.OtherDN)?.shift() : undefined;
        if (dial === undefined) return;
        found.set(dial, connId);
        left--;
      }, false),
    ),
  );
  if (unread !== undefined) throw unread;
  return found;
}

/** What the search for lost dials needs of its dialer. */
export interface LostDialsHost<D> {
  readonly host: DialerHost;
  readonly window: RequestWindow;
  /** Where a batch waits for the next tick. */
  readonly clock: Clock;
  /** A dial owns this call already. */
  owned(connId: string): boolean;
  /** Still lost: not settled, aborted or found meanwhile. */
  isLost(dial: D): boolean;
  found(dial: D, connId: string): void;
  unknown(dial: D, why: string, cause?: unknown): void;
}

/** Dials whose request was lost with its server, looked for at their target (findCalls) in one batch per tick. */
export class LostDials<D extends LostDial & { target: string }> {
  private readonly lost: D[] = [];

  constructor(private readonly d: LostDialsHost<D>) {}

  add(dial: D): void {
    this.lost.push(dial);
    if (this.lost.length === 1) this.d.clock.defer(() => void this.search());
  }

  private async search(): Promise<void> {
    const byTarget = new Map<string, D[]>();
    for (const dial of this.lost.splice(0)) {
      const same = byTarget.get(dial.target);
      if (same) same.push(dial);
      else byTarget.set(dial.target, [dial]);
    }
    for (const [target, dials] of byTarget) {
      let found: Map<D, string>;
      try {
        found = await findCalls(this.d.host, this.d.window, target, dials, this.d.owned);
      } catch (err) {
        const why = `its request was lost with its server and the calls at ${target} could not be read: ${failureOf(err)}`;
        for (const dial of dials) if (this.d.isLost(dial)) this.d.unknown(dial, why, err);
        continue;
      }
      for (const dial of dials) {
        const connId = found.get(dial);
        if (!this.d.isLost(dial)) continue;
        if (connId !== undefined) this.d.found(dial, connId);
        else
          this.d.unknown(
            dial,
            'its request was lost with its server and the new server knows no call to this number: never placed, or ended meanwhile',
          );
      }
    }
  }
}
