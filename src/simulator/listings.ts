/** Read-only listings of the switch (for tests, demos and `tlib sim`'s `status`). */
import { AgentStatus, type KVList } from '../protocol/attributes.js';
import { AgentWorkMode } from '../protocol/enums.js';
import { onCall } from './calls.js';
import type { AgentState, PartyState } from './records.js';
import type { SharedState } from './state.js';

/** Agent states a switch-side control can set; 'afterCallWork' is NotReady with AgentWorkMode 3. */
export type AgentStateName = 'loggedOut' | 'loggedIn' | 'ready' | 'notReady' | 'afterCallWork';

/** One call, as listCalls() reports it. */
export interface CallSummary {
  connId: string;
  state: PartyState;
  callType: number;
  /** CallState the call's events carry (9 after a machine answered a predictive call). */
  callState: number;
  ani: string | undefined;
  dnis: string | undefined;
  from: string | undefined;
  to: string;
  /** The outside party ('' = anonymous), if any. */
  external: string | undefined;
  parties: { dn: string; state: PartyState; role: number }[];
  userData: KVList;
  previousConnIds: string[];
  consultFor: string | undefined;
  ageMs: number;
}

/** One logged-in agent, as listAgents() reports it. */
export interface AgentSummary {
  dn: string;
  agentId: string;
  status: AgentStateName;
  workMode: number | undefined;
  queues: string[];
  place: string | undefined;
  dnd: boolean;
  /** On a call (dialing, ringing, established or held). */
  busy: boolean;
  /** Seconds of after-call work left, while the switch's wrap-up runs. */
  wrapUpRemainingSec: number | undefined;
}

export function agentStateName(agent: AgentState): AgentStateName {
  if (agent.status === AgentStatus.Ready) return 'ready';
  if (agent.status === AgentStatus.NotReady) return agent.workMode === AgentWorkMode.AfterCallWork ? 'afterCallWork' : 'notReady';
  return 'loggedIn';
}

/** Every call in progress, oldest first. */
export function listCalls(shared: SharedState): CallSummary[] {
  const now = shared.now();
  return [...shared.calls.values()].map((c) => ({
    connId: c.connId,
    state: c.state,
    callType: c.callType,
    callState: c.callState,
    ani: c.ani,
    dnis: c.dnis,
    from: c.from,
    to: c.to,
    external: c.external,
    parties: c.parties.map((p) => ({ dn: p.dn, state: p.state, role: p.role })),
    userData: c.userData.map(([k, v]) => [k, v]),
    previousConnIds: [...c.previousConnIds],
    consultFor: c.consultFor?.connId,
    ageMs: now - c.startedAt,
  }));
}

/** Every logged-in agent, by DN. */
export function listAgents(shared: SharedState): AgentSummary[] {
  const now = shared.now();
  return [...shared.agents.values()].map((a) => ({
    dn: a.dn,
    agentId: a.agentId,
    status: agentStateName(a),
    workMode: a.workMode,
    queues: [...a.queues],
    place: a.place,
    dnd: shared.dnd.has(a.dn),
    busy: onCall(shared, a.dn),
    wrapUpRemainingSec: a.wrapUp ? Math.max(0, Math.ceil((a.wrapUp.endsAt - now) / 1000)) : undefined,
  }));
}
