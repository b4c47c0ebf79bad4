/**
 * Reading attributes of delivered events defensively (a missing or ill-typed attribute is "no
 * news"), and the agent status they give.
 */
import { LOGGED_OUT } from './store.js';
import type { AgentStatusName, AgentView, ModelEvent } from './types.js';

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/** AgentStatus (1 logged out, 2 logged in, 3 ready, 4 not ready) with AgentWorkMode 3 = after-call work. */
export function agentStatusOf(status: unknown, workMode: unknown): AgentStatusName | undefined {
  switch (status) {
    case 1:
      return 'loggedOut';
    case 2:
      return 'loggedIn';
    case 3:
      return 'ready';
    case 4:
      return workMode === 3 ? 'afterCallWork' : 'notReady';
    default:
      return undefined; // 0 unknown, or absent: no news
  }
}

/** The agent as `e` leaves it, from `before`: status given, other fields kept unless `e` carries them. */
export function agentWith(before: AgentView, status: AgentStatusName, e: ModelEvent): AgentView {
  if (status === 'loggedOut') return LOGGED_OUT;
  return Object.freeze({
    id: str(e.AgentID) ?? before.id,
    status,
    // Leaving after-call work without a new mode forgets mode 3.
    workMode: int(e.AgentWorkMode) ?? (status === 'afterCallWork' ? 3 : before.workMode === 3 ? undefined : before.workMode),
    place: str(e.Place) ?? before.place,
  });
}

/**
 * The agent as a query answer (EventAddressInfo, EventRegistered) leaves it: what the answer
 * carries replaces, what it leaves out is kept (a status answered as it was keeps its work mode,
 * ID and place). Returns `before` itself when nothing differs, so an answer that changes nothing
 * changes no view.
 */
export function agentAnswered(before: AgentView, e: ModelEvent): AgentView {
  const status = agentStatusOf(e.AgentStatus, e.AgentWorkMode);
  if (status === undefined) return before;
  if (status === 'loggedOut') return LOGGED_OUT;
  const after = status === before.status ? { ...before, ...agentFields(e, before) } : agentWith(before, status, e);
  return sameAgent(before, after) ? before : Object.freeze(after);
}

function agentFields(e: ModelEvent, before: AgentView): Pick<AgentView, 'id' | 'workMode' | 'place'> {
  return { id: str(e.AgentID) ?? before.id, workMode: int(e.AgentWorkMode) ?? before.workMode, place: str(e.Place) ?? before.place };
}

function sameAgent(a: AgentView, b: AgentView): boolean {
  return a.status === b.status && a.id === b.id && a.workMode === b.workMode && a.place === b.place;
}
