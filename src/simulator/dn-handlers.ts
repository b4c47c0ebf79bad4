/**
 * Requests about a DN rather than a call: agent state (with ACD queues and after-call work), DND,
 * call forwarding, supervisor monitoring, and QuerySwitch.
 */
import { AgentStatus } from '../protocol/attributes.js';
import { AgentWorkMode, ForwardMode, MonitorNextCallType } from '../protocol/enums.js';
import { knownDN, loggedInAgent, ownDN, validDestination } from './checks.js';
import { SimErrorCode, refuse } from './error-codes.js';
import type { Handler } from './handlers.js';
import { send } from './model.js';
import { distribute } from './routing.js';
import type { AgentState } from './state.js';

/** After-call work: EventAgentNotReady carries it, and EventAgentAfterCallWork comes with it. */
export const AFTER_CALL_WORK = AgentWorkMode.AfterCallWork;

/** ForwardMode values RequestCallForwardSet takes (None is not a forwarding); Unconditional is the default. */
const FORWARD_MODES: ReadonlySet<number> = new Set(Object.values(ForwardMode).filter((m) => m !== ForwardMode.None));

function addQueue(agent: AgentState, queue: string | undefined, declare: (q: string) => void): void {
  if (queue === undefined || queue === '') return;
  declare(queue);
  if (!agent.queues.includes(queue)) agent.queues.push(queue);
}

export const DN_HANDLERS = {
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
      reasons: undefined,
      queues: [],
      idleSince: Date.now(),
    };
    addQueue(agent, a.ThisQueue, (q) => shared.queues.add(q));
    shared.agents.set(a.ThisDN, agent);
    // Password is checked by nobody here and never echoed.
    send(
      core,
      a.ThisDN,
      'EventAgentLogin',
      { ThisDN: a.ThisDN, AgentID: a.AgentID, Place: a.Place, ThisQueue: a.ThisQueue, AgentWorkMode: a.AgentWorkMode },
      req,
      true,
    );
  },

  RequestAgentLogout(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const agent = loggedInAgent(core, a.ThisDN);
    core.shared.agents.delete(a.ThisDN);
    send(core, a.ThisDN, 'EventAgentLogout', { ThisDN: a.ThisDN, AgentID: agent.agentId }, req, true);
  },

  RequestAgentReady(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const agent = loggedInAgent(core, a.ThisDN);
    addQueue(agent, a.ThisQueue, (q) => core.shared.queues.add(q));
    agent.status = AgentStatus.Ready;
    agent.reasons = undefined;
    agent.workMode = a.AgentWorkMode;
    agent.idleSince = Date.now();
    send(
      core,
      a.ThisDN,
      'EventAgentReady',
      { ThisDN: a.ThisDN, AgentID: agent.agentId, AgentWorkMode: a.AgentWorkMode, ThisQueue: a.ThisQueue },
      req,
      true,
    );
    for (const q of agent.queues) distribute(core, q);
  },

  RequestAgentNotReady(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const agent = loggedInAgent(core, a.ThisDN);
    agent.status = AgentStatus.NotReady;
    agent.reasons = a.Reasons;
    agent.workMode = a.AgentWorkMode;
    if (a.AgentWorkMode === AFTER_CALL_WORK)
      send(core, a.ThisDN, 'EventAgentAfterCallWork', { ThisDN: a.ThisDN, AgentID: agent.agentId }, req);
    send(
      core,
      a.ThisDN,
      'EventAgentNotReady',
      { ThisDN: a.ThisDN, AgentID: agent.agentId, Reasons: a.Reasons, AgentWorkMode: a.AgentWorkMode, ThisQueue: a.ThisQueue },
      req,
      true,
    );
  },

  RequestSetDNDOn(core, req, a) {
    ownDN(core, req, a.ThisDN);
    core.shared.dnd.add(a.ThisDN);
    send(core, a.ThisDN, 'EventDNDOn', { ThisDN: a.ThisDN }, req, true);
  },

  RequestSetDNDOff(core, req, a) {
    ownDN(core, req, a.ThisDN);
    core.shared.dnd.delete(a.ThisDN);
    send(core, a.ThisDN, 'EventDNDOff', { ThisDN: a.ThisDN }, req, true);
    const agent = core.shared.agents.get(a.ThisDN);
    for (const q of agent?.queues ?? []) distribute(core, q);
  },

  RequestCallForwardSet(core, req, a) {
    ownDN(core, req, a.ThisDN);
    validDestination(core, a.OtherDN, a.ThisDN);
    const mode = a.ForwardMode ?? ForwardMode.Unconditional;
    if (!FORWARD_MODES.has(mode)) refuse(SimErrorCode.InvalidAttribute, `invalid attribute ForwardMode: 1–5, got ${mode}`);
    core.shared.forwarding.set(a.ThisDN, { to: a.OtherDN, mode });
    send(core, a.ThisDN, 'EventForwardSet', { ThisDN: a.ThisDN, OtherDN: a.OtherDN, ForwardMode: mode }, req, true);
  },

  RequestCallForwardCancel(core, req, a) {
    ownDN(core, req, a.ThisDN);
    // Cancelling forwarding that is not set succeeds: the request is idempotent.
    const was = core.shared.forwarding.get(a.ThisDN);
    if (!was || a.ForwardMode === undefined || a.ForwardMode === was.mode) core.shared.forwarding.delete(a.ThisDN);
    send(core, a.ThisDN, 'EventForwardCancel', { ThisDN: a.ThisDN, ForwardMode: a.ForwardMode ?? was?.mode }, req, true);
  },

  RequestMonitorNextCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    knownDN(core, a.OtherDN, 'OtherDN');
    if (a.OtherDN === a.ThisDN) refuse(SimErrorCode.InvalidDestination, 'invalid destination: a supervisor cannot monitor its own DN');
    const type = a.MonitorNextCallType ?? MonitorNextCallType.OneCall;
    if (type !== MonitorNextCallType.OneCall && type !== MonitorNextCallType.AllCalls) {
      refuse(SimErrorCode.InvalidAttribute, `invalid attribute MonitorNextCallType: 0 (one call) or 1 (all calls), got ${type}`);
    }
    core.shared.monitors.set(a.OtherDN, { supervisor: a.ThisDN, allCalls: type === MonitorNextCallType.AllCalls });
    send(core, a.ThisDN, 'EventMonitoringNextCall', { ThisDN: a.ThisDN, OtherDN: a.OtherDN, MonitorNextCallType: type }, req, true);
  },

  RequestCancelMonitoring(core, req, a) {
    ownDN(core, req, a.ThisDN);
    knownDN(core, a.OtherDN, 'OtherDN');
    const monitor = core.shared.monitors.get(a.OtherDN);
    if (monitor?.supervisor !== a.ThisDN) refuse(SimErrorCode.InvalidAttribute, `DN ${a.ThisDN} does not monitor DN ${a.OtherDN}`);
    core.shared.monitors.delete(a.OtherDN);
    send(core, a.ThisDN, 'EventMonitoringCancelled', { ThisDN: a.ThisDN, OtherDN: a.OtherDN }, req, true);
  },

  RequestQuerySwitch(core, req, a) {
    core.answer(req, 'EventSwitchInfo', { SwitchInfoType: a.SwitchInfoType, Location: core.name, ServerVersion: core.serverVersion });
  },
} satisfies { [N in DNRequest]: Handler<N> };

export type DNRequest =
  | 'RequestAgentLogin'
  | 'RequestAgentLogout'
  | 'RequestAgentReady'
  | 'RequestAgentNotReady'
  | 'RequestSetDNDOn'
  | 'RequestSetDNDOff'
  | 'RequestCallForwardSet'
  | 'RequestCallForwardCancel'
  | 'RequestMonitorNextCall'
  | 'RequestCancelMonitoring'
  | 'RequestQuerySwitch';
