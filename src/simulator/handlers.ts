/**
 * One handler per request of the wire spec's "Requests" table. Handlers see the server only
 * through SimCore, and refuse by throwing SimRefusal (see ./error-codes.ts for which code when);
 * the server has already checked the message type, Mandatory attributes and the pair role.
 */
import { AgentStatus, SubscriptionOperation, type KVList } from '../protocol/attributes.js';
import { AddressType } from '../protocol/enums.js';
import type { EventName, RequestName } from '../protocol/messages.js';
import type { RequestMap } from '../protocol/types.js';
import { CALL_HANDLERS } from './call-handlers.js';
import { knownDN, type CheckCore } from './checks.js';
import type { SimClient } from './client.js';
import { DN_HANDLERS } from './dn-handlers.js';
import { SimErrorCode, refuse } from './error-codes.js';
import { INPUT_MASK_BYTES } from './mask.js';
import { callAttrs, otherEnd, type EventAttributes, type Requester, type SwitchContext } from './model.js';
import type { ServerRoleName } from './options.js';
import { ROUTING_HANDLERS } from './routing.js';
import type { CallState } from './state.js';
import { TRANSFER_HANDLERS } from './transfer-handlers.js';

export type { EventAttributes, Requester } from './model.js';

/** What handlers may do with the server. */
export interface SimCore extends SwitchContext, CheckCore {
  readonly name: string;
  readonly role: ServerRoleName;
  readonly linkUp: boolean;
  readonly serverVersion: string;
  /** Sends `event` to the requester only, with its ReferenceID (answers pass any input mask). */
  answer(req: Requester, event: EventName, attrs: EventAttributes): void;
  /** After RequestRegisterClient was answered: ADDP and the pair's EventRestoreConnection. */
  clientRegistered(client: SimClient, addpTimeoutMs: number): void;
}

/** Requests a backup answers; every other one gets EventError 52 there. */
export const BACKUP_ANSWERS: ReadonlySet<RequestName> = new Set<RequestName>([
  'RequestRegisterClient',
  'RequestQueryServer',
  'RequestRegisterAddress',
  'RequestUnregisterAddress',
  'RequestSetInputMask',
]);

/**
 * Requests that do not need the CTI link (the server answers them itself); every other request
 * talks to the switch and gets EventError 53 while the link is down.
 */
const LOCAL_REQUESTS: ReadonlySet<RequestName> = new Set<RequestName>([
  'RequestRegisterClient',
  'RequestQueryServer',
  'RequestQueryAddress',
  'RequestQueryCall',
  'RequestQuerySwitch',
  'RequestUnregisterAddress',
  'RequestSetInputMask',
  'RequestQueryLocation',
  'RequestPrivateService',
  'RequestTransactionMonitoring',
  'RequestDistributeUserEvent',
  'RequestReserveAgent',
]);

export function needsLink(name: RequestName): boolean {
  return !LOCAL_REQUESTS.has(name);
}

export type Handler<N extends RequestName> = (core: SimCore, req: Requester, a: RequestMap[N]) => void;

/** EventAddressInfo of `dn` as the switch knows it now (resync corrections rely on it). */
function addressInfo(core: SimCore, dn: string): EventAttributes {
  const { shared } = core;
  const agent = shared.agents.get(dn);
  const calls = shared.callsOnDN(dn);
  const forward = shared.forwarding.get(dn);
  const calStates: KVList = calls.map((c) => [c.connId, c.parties.find((p) => p.dn === dn)!.state]);
  const extensions: KVList = [
    ['Calls', calStates],
    ['DND', shared.dnd.has(dn) ? 1 : 0],
  ];
  if (forward) extensions.push(['ForwardTo', forward.to], ['ForwardMode', forward.mode]);
  if (agent && agent.queues.length > 0) extensions.push(['Queues', agent.queues.map((q): [string, string] => [q, 'loggedIn'])]);
  return {
    ThisDN: dn,
    AgentID: agent?.agentId,
    AgentStatus: agent?.status ?? AgentStatus.LoggedOut,
    AgentWorkMode: agent?.workMode,
    Place: agent?.place,
    ThisQueue: agent?.queues[0],
    AddressType: shared.routingPoints.has(dn) ? AddressType.RoutingPoint : shared.queues.has(dn) ? AddressType.Queue : undefined,
    ConnID: calls.at(-1)?.connId,
    Extensions: extensions,
  };
}

/** EventPartyInfo of a call as the switch knows it now: every party's state in Extensions.Parties. */
function partyInfo(call: CallState): EventAttributes {
  const first = call.parties[0]?.dn ?? call.to;
  const extensions: KVList = [['Parties', call.parties.map((p): [string, string] => [p.dn, p.state])]];
  if (call.external !== undefined) extensions.push(['External', call.external]);
  if (call.previousConnIds.length > 0)
    extensions.push(['PreviousConnIDs', call.previousConnIds.map((id): [string, string] => [id, 'merged'])]);
  if (call.consultFor) extensions.push(['ConsultFor', call.consultFor.connId]);
  return {
    ...callAttrs(call, first),
    OtherDN: otherEnd(call, first),
    // T-Library CallState: 0 Ok, 2 conferenced (more than two in the conversation).
    CallState: call.parties.length + (call.external !== undefined ? 1 : 0) > 2 ? 2 : 0,
    UserData: call.userData,
    Extensions: extensions,
  };
}

const BASE_HANDLERS = {
  RequestRegisterClient(core, req, a) {
    const addp = a.AddpTimeout ?? 0;
    if (addp < 0) refuse(SimErrorCode.InvalidAttribute, `AddpTimeout must be ≥ 0 ms, got ${addp}`);
    req.client.applicationName = a.ApplicationName;
    core.answer(req, core.linkUp ? 'EventLinkConnected' : 'EventLinkDisconnected', {});
    core.clientRegistered(req.client, addp);
  },

  RequestQueryServer(core, req) {
    core.answer(req, 'EventServerInfo', {
      ServerVersion: core.serverVersion,
      ServerRole: core.role === 'primary' ? 0 : 1,
    });
  },

  RequestQueryAddress(core, req, a) {
    knownDN(core, a.ThisDN);
    core.answer(req, 'EventAddressInfo', addressInfo(core, a.ThisDN));
  },

  RequestRegisterAddress(core, req, a) {
    knownDN(core, a.ThisDN);
    const { shared } = core;
    // Registering with AddressType 4 (routing point) or 3 (ACD queue) declares the DN as one.
    if (a.AddressType === AddressType.RoutingPoint && !shared.routingPoints.has(a.ThisDN)) {
      if (shared.queues.has(a.ThisDN))
        refuse(SimErrorCode.InvalidAttribute, `DN ${a.ThisDN} is an ACD queue, not a routing point (AddressType 4)`);
      shared.routingPoints.set(a.ThisDN, { timeoutMs: shared.settings.routeTimeoutMs, defaultDestination: undefined });
    } else if (a.AddressType === AddressType.Queue && !shared.queues.has(a.ThisDN)) {
      if (shared.routingPoints.has(a.ThisDN))
        refuse(SimErrorCode.InvalidAttribute, `DN ${a.ThisDN} is a routing point, not an ACD queue (AddressType 3)`);
      shared.queues.add(a.ThisDN);
    }
    req.client.dns.add(a.ThisDN);
    const agent = shared.agents.get(a.ThisDN);
    core.answer(req, 'EventRegistered', {
      ThisDN: a.ThisDN,
      AgentID: agent?.agentId,
      AgentStatus: agent?.status,
      AgentWorkMode: agent?.workMode,
    });
  },

  RequestUnregisterAddress(core, req, a) {
    knownDN(core, a.ThisDN);
    if (!req.client.dns.delete(a.ThisDN)) refuse(SimErrorCode.DNNotRegistered, `DN ${a.ThisDN} is not registered by this client`);
    core.answer(req, 'EventUnregistered', { ThisDN: a.ThisDN });
  },

  RequestSetInputMask(core, req, a) {
    if (a.InputMask.length !== INPUT_MASK_BYTES) {
      refuse(SimErrorCode.InvalidAttribute, `InputMask must be ${INPUT_MASK_BYTES} bytes (512 bits), got ${a.InputMask.length}`);
    }
    req.client.mask = Uint8Array.from(a.InputMask);
    core.answer(req, 'EventACK', {});
  },

  RequestDistributeUserEvent(core, req, a) {
    knownDN(core, a.ThisDN);
    core.answer(req, 'EventACK', { UserEvent: 48 });
    core.toDN(a.ThisDN, 'EventUserEvent', { ThisDN: a.ThisDN, UserData: a.UserData, CustomerID: a.CustomerID });
  },

  RequestQueryCall(core, req, a) {
    const call = core.shared.calls.get(a.ConnID);
    if (!call) refuse(SimErrorCode.NoSuchCall, `no call ${a.ConnID}`);
    core.answer(req, 'EventPartyInfo', partyInfo(call));
  },

  RequestReserveAgent(core, req, a) {
    if (a.ThisDN !== undefined) knownDN(core, a.ThisDN);
    const attrs = { AgentID: a.AgentID, Place: a.Place, ThisDN: a.ThisDN, Timeout: a.Timeout };
    // Seed: "sent to the application that sent the request and to all clients registered on the agent's DN".
    const dn = a.ThisDN ?? (a.AgentID !== undefined ? core.shared.agentById(a.AgentID)?.dn : undefined);
    if (dn !== undefined) core.toDN(dn, 'EventAgentReserved', attrs, req);
    else core.answer(req, 'EventAgentReserved', attrs);
  },

  RequestQueryLocation(core, req, a) {
    core.answer(req, 'EventLocationInfo', { Location: a.Location ?? core.name });
  },

  RequestPrivateService(core, req, a) {
    core.answer(req, 'EventPrivateInfo', {
      PrivateEvent: a.PrivateMsgID,
      ThisDN: a.ThisDN,
      ConnID: a.ConnID,
      UserData: a.UserData,
    });
  },

  RequestTransactionMonitoring(core, req, a) {
    const op = a.SubscriptionOperation;
    if (op === SubscriptionOperation.Start) {
      const id = core.shared.nextSubscriptionId();
      req.client.subscriptions.add(id);
      core.answer(req, 'EventACK', { SubscriptionID: id });
      return;
    }
    if (op !== SubscriptionOperation.Stop && op !== SubscriptionOperation.Modify) {
      refuse(SimErrorCode.InvalidAttribute, `SubscriptionOperation must be 1 (start), 2 (stop) or 3 (modify), got ${op}`);
    }
    const id = a.SubscriptionID;
    if (id === undefined) refuse(SimErrorCode.MissingAttribute, 'missing Mandatory attribute SubscriptionID (stop/modify)');
    if (!req.client.subscriptions.has(id)) refuse(SimErrorCode.InvalidAttribute, `unknown SubscriptionID ${id}`);
    if (op === SubscriptionOperation.Stop) req.client.subscriptions.delete(id);
    // The seed: SubscriptionID is present for start only, not for stop or modify.
    core.answer(req, 'EventACK', {});
  },
} satisfies { [N in BaseRequest]: Handler<N> };

type BaseRequest =
  | 'RequestRegisterClient'
  | 'RequestQueryServer'
  | 'RequestQueryAddress'
  | 'RequestRegisterAddress'
  | 'RequestUnregisterAddress'
  | 'RequestSetInputMask'
  | 'RequestDistributeUserEvent'
  | 'RequestQueryCall'
  | 'RequestReserveAgent'
  | 'RequestQueryLocation'
  | 'RequestPrivateService'
  | 'RequestTransactionMonitoring';

/** Every request the simulator models; others are refused with 50 ("not supported"). */
export const HANDLERS: { readonly [N in RequestName]?: Handler<N> } = {
  ...BASE_HANDLERS,
  ...DN_HANDLERS,
  ...CALL_HANDLERS,
  ...TRANSFER_HANDLERS,
  ...ROUTING_HANDLERS,
};
