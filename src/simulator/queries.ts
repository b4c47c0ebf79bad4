/**
 * Queries: RequestQueryAddress by AddressInfoType (wire spec 1.2 "Queries by information type"),
 * RequestQueryCall (EventPartyInfo), RequestQuerySwitch. A resync relies on these answering what
 * the switch knows now.
 */
import { AgentStatus, type KVList } from '../protocol/attributes.js';
import { AddressInfoType, AddressStatus, AddressType } from '../protocol/enums.js';
import { callAttrs, otherEnd } from './calls.js';
import { knownDN } from './checks.js';
import type { Handler } from './core.js';
import { SimErrorCode, refuse } from './error-codes.js';
import type { EventAttributes, SimCall } from './records.js';
import type { SharedState } from './state.js';

/** AddressType of a DN as the switch knows it: 3 queue, 4 routing point, else 1 (a DN). */
export function addressTypeOf(shared: SharedState, dn: string): number {
  if (shared.routingPoints.has(dn)) return AddressType.RoutingPoint;
  return shared.queues.has(dn) ? AddressType.Queue : AddressType.DN;
}

/** What `dn` is doing now (AddressInfoType 0): talking before dialing before ringing before held, then a treatment. */
function addressStatus(shared: SharedState, dn: string): number {
  const states = new Set<string>();
  let treatment = false;
  for (const call of shared.callsOnDN(dn)) {
    for (const p of call.parties) if (p.dn === dn) states.add(p.state);
    if (call.treatment?.dn === dn) treatment = true;
  }
  if (states.has('established')) return AddressStatus.Talking;
  if (states.has('dialing')) return AddressStatus.Dialing;
  if (states.has('ringing')) return AddressStatus.Ringing;
  if (states.has('held')) return AddressStatus.Held;
  return treatment ? AddressStatus.Treatment : AddressStatus.Idle;
}

/** Extensions.Calls: [ConnID, state] per call of the DN. */
function callsOf(shared: SharedState, dn: string): KVList {
  return shared.callsOnDN(dn).map((c) => [c.connId, c.parties.find((p) => p.dn === dn)!.state]);
}

/** The agent's after-call work as Extensions: its WrapUpTime (s) and the seconds left. */
function wrapUpExtensions(shared: SharedState, dn: string): KVList {
  const wrapUp = shared.agents.get(dn)?.wrapUp;
  if (!wrapUp) return [];
  return [
    ['WrapUpTime', wrapUp.seconds],
    ['WrapUpRemaining', Math.max(0, Math.ceil((wrapUp.endsAt - shared.now()) / 1000))],
  ];
}

/** EventAddressInfo of `dn` as the switch knows it now: 1.1's full answer (AddressInfoType 17). */
function fullAddressInfo(shared: SharedState, dn: string): EventAttributes {
  const agent = shared.agents.get(dn);
  const calls = shared.callsOnDN(dn);
  const forward = shared.forwarding.get(dn);
  const extensions: KVList = [
    ['Calls', callsOf(shared, dn)],
    ['DND', shared.dnd.has(dn) ? 1 : 0],
  ];
  if (forward) extensions.push(['ForwardTo', forward.to], ['ForwardMode', forward.mode]);
  if (agent && agent.queues.length > 0) extensions.push(['Queues', agent.queues.map((q): [string, string] => [q, 'loggedIn'])]);
  extensions.push(...wrapUpExtensions(shared, dn));
  return {
    ThisDN: dn,
    AgentID: agent?.agentId,
    AgentStatus: agent?.status ?? AgentStatus.LoggedOut,
    AgentWorkMode: agent?.workMode,
    Reasons: agent?.reasons,
    Place: agent?.place,
    ThisQueue: agent?.queues[0],
    AddressType: shared.routingPoints.has(dn) ? AddressType.RoutingPoint : shared.queues.has(dn) ? AddressType.Queue : undefined,
    ConnID: calls.at(-1)?.connId,
    Extensions: extensions,
  };
}

/** The part of EventAddressInfo an AddressInfoType asks for (42 for a type not answered, or a queue type on a non-queue). */
function addressInfoOf(shared: SharedState, dn: string, type: number): EventAttributes {
  const agent = shared.agents.get(dn);
  const queueOnly = (): void => {
    if (!shared.queues.has(dn)) refuse(SimErrorCode.InvalidAttribute, `AddressInfoType ${type} needs an ACD queue; DN ${dn} is not one`);
  };
  const onQueue = () => [...shared.agents.values()].filter((a) => a.queues.includes(dn));
  switch (type) {
    case AddressInfoType.AddressStatus:
      return { AddressInfoStatus: addressStatus(shared, dn) };
    case AddressInfoType.ForwardingStatus: {
      const forward = shared.forwarding.get(dn);
      return { AddressInfoStatus: forward?.mode ?? 0, OtherDN: forward?.to };
    }
    case AddressInfoType.AgentStatus:
      return {
        AddressInfoStatus: agent?.status ?? AgentStatus.LoggedOut,
        AgentWorkMode: agent?.workMode,
        Reasons: agent?.reasons,
        AgentID: agent?.agentId,
        Extensions: wrapUpExtensions(shared, dn),
      };
    case AddressInfoType.AgentsInQueue:
      queueOnly();
      return { AddressInfoStatus: onQueue().length };
    case AddressInfoType.ReadyAgentsInQueue:
      queueOnly();
      return { AddressInfoStatus: onQueue().filter((a) => a.status === AgentStatus.Ready).length };
    case AddressInfoType.CallsInQueue:
      queueOnly();
      return {
        AddressInfoStatus: shared.callsOnDN(dn).filter((c) => c.parties.some((p) => p.dn === dn && p.state === 'queued')).length,
      };
    case AddressInfoType.AddressType:
      return { AddressInfoStatus: addressTypeOf(shared, dn) };
    case AddressInfoType.Calls:
      return { Extensions: [['Calls', callsOf(shared, dn)]] };
    case AddressInfoType.DNStatus:
      return fullAddressInfo(shared, dn);
    default:
      return refuse(
        SimErrorCode.InvalidAttribute,
        `invalid attribute AddressInfoType: ${type} is not answered (${Object.values(AddressInfoType).join(', ')})`,
      );
  }
}

/** EventAddressInfo of `dn` for AddressInfoType `type` (echoed); without a type, the full answer. */
export function addressInfo(shared: SharedState, dn: string, type: number | undefined): EventAttributes {
  if (type === undefined) return fullAddressInfo(shared, dn);
  return { ThisDN: dn, AddressInfoType: type, ...addressInfoOf(shared, dn, type) };
}

/** EventPartyInfo of a call as the switch knows it now: every party's state in Extensions.Parties. */
export function partyInfo(call: SimCall): EventAttributes {
  const first = call.parties[0]?.dn ?? call.to;
  const extensions: KVList = [['Parties', call.parties.map((p): [string, string] => [p.dn, p.state])]];
  if (call.external !== undefined) extensions.push(['External', call.external]);
  if (call.previousConnIds.length > 0)
    extensions.push(['PreviousConnIDs', call.previousConnIds.map((id): [string, string] => [id, 'merged'])]);
  if (call.consultFor) extensions.push(['ConsultFor', call.consultFor.connId]);
  const conferenced = call.parties.length + (call.external !== undefined ? 1 : 0) > 2;
  return {
    ...callAttrs(call, first),
    OtherDN: otherEnd(call, first),
    // The call's own CallState (9 for a machine), or 2 conferenced (more than two in the conversation).
    CallState: call.callState !== 0 ? call.callState : conferenced ? 2 : 0,
    UserData: call.userData,
    Extensions: extensions,
  };
}

export const QUERY_HANDLERS = {
  RequestQueryAddress(core, req, a) {
    knownDN(core, a.ThisDN);
    core.answer(req, 'EventAddressInfo', addressInfo(core.shared, a.ThisDN, a.AddressInfoType));
  },

  RequestQueryCall(core, req, a) {
    const call = core.shared.calls.get(a.ConnID);
    if (!call) refuse(SimErrorCode.NoSuchCall, `no call ${a.ConnID}`);
    core.answer(req, 'EventPartyInfo', partyInfo(call));
  },

  RequestQuerySwitch(core, req, a) {
    core.answer(req, 'EventSwitchInfo', { SwitchInfoType: a.SwitchInfoType, Location: core.name, ServerVersion: core.serverVersion });
  },
} satisfies { [N in QueryRequest]: Handler<N> };

export type QueryRequest = 'RequestQueryAddress' | 'RequestQueryCall' | 'RequestQuerySwitch';
