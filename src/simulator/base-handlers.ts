/**
 * The 1.0 requests that are not about calls or agents: registering the client and its DNs, the
 * input mask, user events, agent reservation, location, private services and transaction
 * monitoring.
 */
import { SubscriptionOperation } from '../protocol/attributes.js';
import { AddressType } from '../protocol/enums.js';
import { knownDN } from './checks.js';
import type { Handler } from './core.js';
import { SimErrorCode, refuse } from './error-codes.js';
import { INPUT_MASK_BYTES } from './mask.js';

export const BASE_HANDLERS = {
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
  | 'RequestRegisterAddress'
  | 'RequestUnregisterAddress'
  | 'RequestSetInputMask'
  | 'RequestDistributeUserEvent'
  | 'RequestReserveAgent'
  | 'RequestQueryLocation'
  | 'RequestPrivateService'
  | 'RequestTransactionMonitoring';
