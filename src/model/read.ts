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
