/**
 * The agent a DN view shows, as each agent event or query answer leaves it: status, ID, place, work
 * mode, the reasons of its status, and when the switch's after-call work ends (wire 1.2 "Agents:
 * reasons and after-call work").
 */
import type { KVList } from '../protocol/attributes.js';
import { agentStatusOf, extension, int, str } from './read.js';
import { LOGGED_OUT, timeOf } from './records.js';
import type { AgentStatusName, AgentView, ModelEvent } from './types.js';
import { freezeKV } from './user-data.js';

/** Two after-call work ends closer than this are the same (an answer counts whole seconds left). */
const SAME_END_MS = 2_000;

/** The Reasons an event carries, frozen, with their ReasonCode; undefined when it carries none. */
function reasonsOf(e: ModelEvent): Pick<AgentView, 'reasons' | 'reasonCode'> | undefined {
  if (!Array.isArray(e.Reasons)) return undefined;
  const reasons = freezeKV(e.Reasons);
  const code = reasons.find(([key]) => key === 'ReasonCode')?.[1];
  return { reasons, reasonCode: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined };
}

/**
 * When the switch's after-call work ends: an event starting it carries `Extensions` WrapUpTime (s),
 * an answer during it WrapUpRemaining (s); counted from the event's `time`, else the clock.
 */
function afterCallWorkEnd(e: ModelEvent, now: () => number): number | undefined {
  const remaining = int(extension(e, 'WrapUpRemaining'));
  const seconds = remaining ?? int(extension(e, 'WrapUpTime'));
  if (seconds === undefined || seconds < 0 || (remaining === undefined && seconds === 0)) return undefined;
  return (timeOf(e) ?? now()) + seconds * 1000;
}

/** The agent as agent event `e` leaves it, from `before`: status given, other fields kept unless `e` carries them. */
export function agentWith(before: AgentView, status: AgentStatusName, e: ModelEvent, now: () => number): AgentView {
  if (status === 'loggedOut') return LOGGED_OUT;
  const reasons = reasonsOf(e);
  return Object.freeze({
    id: str(e.AgentID) ?? before.id,
    status,
    // Leaving after-call work without a new mode forgets mode 3.
    workMode: int(e.AgentWorkMode) ?? (status === 'afterCallWork' ? 3 : before.workMode === 3 ? undefined : before.workMode),
    place: str(e.Place) ?? before.place,
    // A status comes with its own reasons; an event of the same status without any keeps them.
    reasons: reasons?.reasons ?? (status === before.status ? before.reasons : undefined),
    reasonCode: reasons ? reasons.reasonCode : status === before.status ? before.reasonCode : undefined,
    afterCallWorkUntil:
      status !== 'afterCallWork'
        ? undefined
        : (afterCallWorkEnd(e, now) ?? (before.status === 'afterCallWork' ? before.afterCallWorkUntil : undefined)),
  });
}

/**
 * The agent as a query answer (EventAddressInfo, EventRegistered) leaves it: what the answer
 * carries replaces, what it leaves out is kept (a status answered as it was keeps its work mode,
 * ID, place, reasons and after-call work end). Returns `before` itself when nothing differs, so an
 * answer that changes nothing changes no view.
 */
export function agentAnswered(before: AgentView, e: ModelEvent, now: () => number): AgentView {
  const status = agentStatusOf(e.AgentStatus, e.AgentWorkMode);
  if (status === undefined) return before;
  if (status === 'loggedOut') return LOGGED_OUT;
  const after = agentWith(before, status, e, now);
  const kept =
    status === before.status
      ? {
          ...after,
          workMode: int(e.AgentWorkMode) ?? before.workMode,
          afterCallWorkUntil: nearEnd(after.afterCallWorkUntil, before.afterCallWorkUntil)
            ? before.afterCallWorkUntil
            : after.afterCallWorkUntil,
        }
      : after;
  return sameAgent(before, kept) ? before : Object.freeze(kept);
}

function nearEnd(a: number | undefined, b: number | undefined): boolean {
  return a === undefined || b === undefined ? a === b : Math.abs(a - b) < SAME_END_MS;
}

function sameAgent(a: AgentView, b: AgentView): boolean {
  return (
    a.status === b.status &&
    a.id === b.id &&
    a.workMode === b.workMode &&
    a.place === b.place &&
    a.reasonCode === b.reasonCode &&
    sameKV(a.reasons, b.reasons) &&
    a.afterCallWorkUntil === b.afterCallWorkUntil
  );
}

function sameKV(a: Readonly<KVList> | undefined, b: Readonly<KVList> | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  return a.every(([key, value], i) => {
    const [k, v] = b[i]!;
    return key === k && (Array.isArray(value) && Array.isArray(v) ? sameKV(value, v) : value === v);
  });
}
