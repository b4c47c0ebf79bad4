/**
 * Agent requests (wire spec 1.2 "Agents: reasons and after-call work"): login (with ACD queues and
 * `Extensions` WrapUpTime), logout, ready (ends after-call work at once), not ready. Every answer
 * echoes the request's Reasons, which the agent then carries (a query of the DN returns them).
 */
import { AgentStatus, type KVList } from '../protocol/attributes.js';
import { kvGet } from '../protocol/values.js';
import { AgentWorkMode } from '../protocol/enums.js';
import { cancelWrapUp, distribute } from './arrival.js';
import { loggedInAgent, ownDN } from './checks.js';
import type { Handler } from './core.js';
import { SimErrorCode, refuse } from './error-codes.js';
import type { AgentState } from './records.js';

/** After-call work: EventAgentNotReady carries it, and EventAgentAfterCallWork comes with it. */
export const AFTER_CALL_WORK = AgentWorkMode.AfterCallWork;

/** The longest wrap-up time (s) a login or the switch setting may give: a day. */
export const MAX_WRAP_UP_SEC = 86_400;

/** `Extensions` WrapUpTime of a login (whole seconds, 0–86,400), or undefined; 42 for anything else. */
export function wrapUpOf(extensions: KVList | undefined): number | undefined {
  const value = kvGet(extensions, 'WrapUpTime');
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^[0-9]{1,6}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_WRAP_UP_SEC) {
    refuse(
      SimErrorCode.InvalidAttribute,
      `invalid attribute Extensions WrapUpTime: whole seconds 0–${MAX_WRAP_UP_SEC}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function addQueue(agent: AgentState, queue: string | undefined, declare: (q: string) => void): void {
  if (queue === undefined || queue === '') return;
  declare(queue);
  if (!agent.queues.includes(queue)) agent.queues.push(queue);
}

/** Reasons of any request (1.2: every request takes them). */
function reasonsOf(a: object): KVList | undefined {
  return (a as { Reasons?: KVList }).Reasons;
}

export const AGENT_HANDLERS = {
  RequestAgentLogin(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const { shared } = core;
    const onDN = shared.agents.get(a.ThisDN);
    if (onDN) refuse(SimErrorCode.AgentAlreadyLoggedIn, `agent ${onDN.agentId} is already logged in on DN ${a.ThisDN}`);
    const elsewhere = shared.agentById(a.AgentID);
    if (elsewhere) refuse(SimErrorCode.AgentAlreadyLoggedIn, `agent ${a.AgentID} is already logged in on DN ${elsewhere.dn}`);
    const agent: AgentState = {
      dn: a.ThisDN,
      agentId: a.AgentID,
      place: a.Place,
      workMode: a.AgentWorkMode,
      status: AgentStatus.LoggedIn,
      reasons: reasonsOf(a),
      queues: [],
      idleSince: core.shared.now(),
      wrapUpSec: wrapUpOf(a.Extensions),
      wrapUp: undefined,
    };
    addQueue(agent, a.ThisQueue, (q) => shared.queues.add(q));
    shared.agents.set(a.ThisDN, agent);
    // Password is checked by nobody here and never echoed.
    core.toDN(
      a.ThisDN,
      'EventAgentLogin',
      {
        ThisDN: a.ThisDN,
        AgentID: a.AgentID,
        Place: a.Place,
        ThisQueue: a.ThisQueue,
        AgentWorkMode: a.AgentWorkMode,
        Reasons: agent.reasons,
      },
      req,
    );
  },

  RequestAgentLogout(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const agent = loggedInAgent(core, a.ThisDN);
    cancelWrapUp(core.shared, agent);
    core.shared.agents.delete(a.ThisDN);
    core.toDN(a.ThisDN, 'EventAgentLogout', { ThisDN: a.ThisDN, AgentID: agent.agentId, Reasons: reasonsOf(a) }, req);
  },

  RequestAgentReady(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const agent = loggedInAgent(core, a.ThisDN);
    // Ready during after-call work ends it at once (no EventAgentReady of its own: this answer is it).
    const before = agent.wrapUp?.workModeBefore;
    const inWrapUp = agent.wrapUp !== undefined;
    cancelWrapUp(core.shared, agent);
    addQueue(agent, a.ThisQueue, (q) => core.shared.queues.add(q));
    agent.status = AgentStatus.Ready;
    agent.reasons = reasonsOf(a);
    agent.workMode = a.AgentWorkMode ?? (inWrapUp ? before : undefined);
    agent.idleSince = core.shared.now();
    core.toDN(
      a.ThisDN,
      'EventAgentReady',
      { ThisDN: a.ThisDN, AgentID: agent.agentId, AgentWorkMode: agent.workMode, ThisQueue: a.ThisQueue, Reasons: agent.reasons },
      req,
    );
    for (const q of agent.queues) distribute(core, q);
  },

  RequestAgentNotReady(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const agent = loggedInAgent(core, a.ThisDN);
    cancelWrapUp(core.shared, agent);
    agent.status = AgentStatus.NotReady;
    agent.reasons = a.Reasons;
    agent.workMode = a.AgentWorkMode;
    if (a.AgentWorkMode === AFTER_CALL_WORK)
      core.toDN(a.ThisDN, 'EventAgentAfterCallWork', { ThisDN: a.ThisDN, AgentID: agent.agentId }, req, true);
    core.toDN(
      a.ThisDN,
      'EventAgentNotReady',
      { ThisDN: a.ThisDN, AgentID: agent.agentId, Reasons: a.Reasons, AgentWorkMode: a.AgentWorkMode, ThisQueue: a.ThisQueue },
      req,
    );
  },
} satisfies { [N in AgentRequest]: Handler<N> };

export type AgentRequest = 'RequestAgentLogin' | 'RequestAgentLogout' | 'RequestAgentReady' | 'RequestAgentNotReady';
