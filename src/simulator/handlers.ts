/**
 * One handler per request of the wire spec's "Requests" table. Handlers see the server only
 * through SimCore, and refuse by throwing SimRefusal (see ./error-codes.ts for which code when);
 * the server has already checked the message type, Mandatory attributes and the pair role.
 */
import { AgentStatus, SubscriptionOperation, type KVList } from '../protocol/attributes.js';
import type { EventName, RequestName } from '../protocol/messages.js';
import type { RequestMap } from '../protocol/types.js';
import type { SimClient } from './client.js';
import { SimErrorCode, refuse } from './error-codes.js';
import { INPUT_MASK_BYTES } from './mask.js';
import type { ServerRoleName } from './options.js';
import type { CallState, SharedState } from './state.js';

/** The client that sent a request and the ReferenceID its answer carries. */
export interface Requester {
  client: SimClient;
  refId: number;
}

export type EventAttributes = Record<string, unknown>;

/** What handlers may do with the server. */
export interface SimCore {
  readonly shared: SharedState;
  readonly name: string;
  readonly role: ServerRoleName;
  readonly linkUp: boolean;
  readonly serverVersion: string;
  isKnownDN(dn: string): boolean;
  /** Sends `event` to the requester only, with its ReferenceID (answers pass any input mask). */
  answer(req: Requester, event: EventName, attrs: EventAttributes): void;
  /**
   * One event about `dn`, with one EventSequenceNumber: the requester (if given) gets it with its
   * ReferenceID, every other client registered on `dn` gets it without (input masks apply).
   */
  toDN(dn: string, event: EventName, attrs: EventAttributes, req?: Requester): void;
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

/** Requests that need the CTI link (they talk to the switch): EventError 53 while it is down. */
export const NEEDS_LINK: ReadonlySet<RequestName> = new Set<RequestName>([
  'RequestRegisterAddress',
  'RequestAgentLogin',
  'RequestAgentLogout',
  'RequestAgentReady',
  'RequestAgentNotReady',
  'RequestMakeCall',
  'RequestAnswerCall',
  'RequestReleaseCall',
]);

type Handler<N extends RequestName> = (core: SimCore, req: Requester, a: RequestMap[N]) => void;

function knownDN(core: SimCore, dn: string, what = 'ThisDN'): void {
  if (!core.isKnownDN(dn)) refuse(SimErrorCode.UnknownDN, `unknown DN ${dn} (${what})`);
}

/** ThisDN must exist and be registered by this connection (agent and call requests). */
function ownDN(core: SimCore, req: Requester, dn: string): void {
  knownDN(core, dn);
  if (!req.client.dns.has(dn)) refuse(SimErrorCode.DNNotRegistered, `DN ${dn} is not registered by this client`);
}

function loggedInAgent(core: SimCore, dn: string) {
  const agent = core.shared.agents.get(dn);
  if (!agent) refuse(SimErrorCode.InvalidAttribute, `no agent is logged in on DN ${dn}`);
  return agent;
}

function callWithParty(core: SimCore, connId: string, dn: string): CallState {
  const call = core.shared.calls.get(connId);
  if (!call) refuse(SimErrorCode.NoSuchCall, `no call ${connId}`);
  if (!call.parties.includes(dn)) refuse(SimErrorCode.NoSuchCall, `DN ${dn} is not a party of call ${connId}`);
  return call;
}

/** The DN at the other end of `call`, seen from `dn`. */
export function otherEnd(call: CallState, dn: string): string | undefined {
  if (dn === call.to) return call.from;
  return call.to;
}

/**
 * Merges user data as T-Library's update does: a key already present gets the new value (at its
 * first occurrence), a new key is appended. Order is kept.
 */
export function mergeUserData(current: KVList, update: KVList): KVList {
  const out: KVList = current.map(([k, v]) => [k, v]);
  for (const [key, value] of update) {
    const at = out.findIndex(([k]) => k === key);
    if (at >= 0) out[at] = [key, value];
    else out.push([key, value]);
  }
  return out;
}

/** Sends an event about `call` to each party, the one on `answerDN` (if any) as the answer. */
function toParties(
  core: SimCore,
  call: CallState,
  event: EventName,
  attrsFor: (dn: string) => EventAttributes,
  req?: Requester,
  answerDN?: string,
): void {
  const order = answerDN ? [answerDN, ...call.parties.filter((p) => p !== answerDN)] : call.parties;
  for (const dn of order) core.toDN(dn, event, attrsFor(dn), dn === answerDN ? req : undefined);
}

export const HANDLERS: { [N in RequestName]: Handler<N> } = {
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
    const agent = core.shared.agents.get(a.ThisDN);
    core.answer(req, 'EventAddressInfo', {
      ThisDN: a.ThisDN,
      AgentID: agent?.agentId,
      AgentStatus: agent?.status ?? AgentStatus.LoggedOut,
      ConnID: core.shared.callOnDN(a.ThisDN)?.connId,
    });
  },

  RequestRegisterAddress(core, req, a) {
    knownDN(core, a.ThisDN);
    req.client.dns.add(a.ThisDN);
    const agent = core.shared.agents.get(a.ThisDN);
    core.answer(req, 'EventRegistered', { ThisDN: a.ThisDN, AgentID: agent?.agentId, AgentStatus: agent?.status });
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

  RequestAgentLogin(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const onDN = core.shared.agents.get(a.ThisDN);
    if (onDN) refuse(SimErrorCode.AgentAlreadyLoggedIn, `agent ${onDN.agentId} is already logged in on DN ${a.ThisDN}`);
    const elsewhere = core.shared.agentById(a.AgentID);
    if (elsewhere) refuse(SimErrorCode.AgentAlreadyLoggedIn, `agent ${a.AgentID} is already logged in on DN ${elsewhere.dn}`);
    core.shared.agents.set(a.ThisDN, {
      dn: a.ThisDN,
      agentId: a.AgentID,
      place: a.Place,
      workMode: a.AgentWorkMode,
      status: AgentStatus.LoggedIn,
      reasons: undefined,
    });
    core.toDN(a.ThisDN, 'EventAgentLogin', { ThisDN: a.ThisDN, AgentID: a.AgentID, Place: a.Place }, req);
  },

  RequestAgentLogout(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const agent = loggedInAgent(core, a.ThisDN);
    core.shared.agents.delete(a.ThisDN);
    core.toDN(a.ThisDN, 'EventAgentLogout', { ThisDN: a.ThisDN, AgentID: agent.agentId }, req);
  },

  RequestAgentReady(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const agent = loggedInAgent(core, a.ThisDN);
    agent.status = AgentStatus.Ready;
    agent.reasons = undefined;
    core.toDN(a.ThisDN, 'EventAgentReady', { ThisDN: a.ThisDN, AgentID: agent.agentId }, req);
  },

  RequestAgentNotReady(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const agent = loggedInAgent(core, a.ThisDN);
    agent.status = AgentStatus.NotReady;
    agent.reasons = a.Reasons;
    core.toDN(a.ThisDN, 'EventAgentNotReady', { ThisDN: a.ThisDN, AgentID: agent.agentId, Reasons: a.Reasons }, req);
  },

  RequestMakeCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    knownDN(core, a.OtherDN, 'OtherDN');
    if (a.OtherDN === a.ThisDN) refuse(SimErrorCode.InvalidAttribute, `OtherDN must differ from ThisDN (${a.ThisDN})`);
    const call: CallState = {
      connId: core.shared.nextConnId(),
      from: a.ThisDN,
      to: a.OtherDN,
      parties: [a.ThisDN, a.OtherDN],
      state: 'ringing',
      userData: a.UserData ?? [],
    };
    core.shared.calls.set(call.connId, call);
    const userData = a.UserData;
    core.toDN(a.ThisDN, 'EventDialing', { ThisDN: a.ThisDN, ConnID: call.connId, OtherDN: a.OtherDN, UserData: userData }, req);
    core.toDN(a.OtherDN, 'EventRinging', { ThisDN: a.OtherDN, ConnID: call.connId, OtherDN: a.ThisDN, UserData: userData });
  },

  RequestAnswerCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const call = callWithParty(core, a.ConnID, a.ThisDN);
    if (call.state !== 'ringing' || call.to !== a.ThisDN) {
      refuse(SimErrorCode.InvalidAttribute, `call ${a.ConnID} is not ringing on DN ${a.ThisDN}`);
    }
    answerCallState(core, call, req);
  },

  RequestReleaseCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const call = callWithParty(core, a.ConnID, a.ThisDN);
    releaseCallState(core, call, req, a.ThisDN);
  },

  RequestAttachUserData(core, req, a) {
    ownDN(core, req, a.ThisDN);
    const call = callWithParty(core, a.ConnID, a.ThisDN);
    call.userData = mergeUserData(call.userData, a.UserData);
    toParties(core, call, 'EventAttachedDataChanged', (dn) => ({ ThisDN: dn, ConnID: call.connId, UserData: call.userData }), req, a.ThisDN);
  },

  RequestDistributeUserEvent(core, req, a) {
    knownDN(core, a.ThisDN);
    core.answer(req, 'EventACK', { UserEvent: 48 });
    core.toDN(a.ThisDN, 'EventUserEvent', { ThisDN: a.ThisDN, UserData: a.UserData, CustomerID: a.CustomerID });
  },

  RequestQueryCall(core, req, a) {
    const call = core.shared.calls.get(a.ConnID);
    if (!call) refuse(SimErrorCode.NoSuchCall, `no call ${a.ConnID}`);
    core.answer(req, 'EventPartyInfo', {
      ConnID: call.connId,
      ThisDN: call.from ?? call.to,
      OtherDN: call.from !== undefined ? call.to : undefined,
      // T-Library CallState 0 = "Ok" (a normal call, neither transferred nor conferenced).
      CallState: 0,
      UserData: call.userData,
    });
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
};

/** Ringing → established: EventEstablished to every party (the answering DN's copy answers `req`). */
export function answerCallState(core: SimCore, call: CallState, req?: Requester): void {
  call.state = 'established';
  toParties(core, call, 'EventEstablished', (dn) => ({ ThisDN: dn, ConnID: call.connId, OtherDN: otherEnd(call, dn) }), req, call.to);
}

/** Ends a call: EventReleased to every party, call removed. */
export function releaseCallState(core: SimCore, call: CallState, req?: Requester, releasingDN?: string): void {
  core.shared.calls.delete(call.connId);
  toParties(core, call, 'EventReleased', (dn) => ({ ThisDN: dn, ConnID: call.connId }), req, releasingDN);
}
