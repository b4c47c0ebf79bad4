/**
 * Reading attributes of delivered events defensively (a missing or ill-typed attribute is "no
 * news"), and the agent status they give.
 */
import type { AgentStatusName, ModelEvent } from './types.js';

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

/** The first value of `key` in the event's Extensions. */
export function extension(e: ModelEvent, key: string): unknown {
  if (!Array.isArray(e.Extensions)) return undefined;
  for (const pair of e.Extensions as unknown[]) if (Array.isArray(pair) && pair[0] === key) return pair[1];
  return undefined;
}
