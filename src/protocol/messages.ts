import { CATALOGUE_ONLY_EVENT_SPECS } from './message-names.js';
import { CALL_EVENT_SPECS, CALL_REQUEST_SPECS } from './messages-v11.js';
import { V12_EVENT_SPECS, V12_REQUEST_SPECS } from './messages-v12.js';
import type { AttributeSpecs, EventSpecBase, RequestSpecBase } from './spec-base.js';

export type { AttributeSpecs, EventSpecBase, Presence, RequestSpecBase } from './spec-base.js';

/** Added to every event received from the wire (not to the two client-made ones). */
export const EVENT_WIRE_COMMON = {
  ReferenceID: 'O',
  EventSequenceNumber: 'O',
  ServerStartTime: 'O',
} as const satisfies AttributeSpecs;

/** The "usual T-Library content" of events the seeds do not list. */
export const EVENT_USUAL_CONTENT = {
  ThisDN: 'O',
  ConnID: 'O',
  time: 'M',
  Extensions: 'O',
} as const satisfies AttributeSpecs;

/** Added to every request: "All take Reasons and Extensions, like every request of 1.1" (spec 1.2). */
export const REQUEST_COMMON = {
  Reasons: 'O',
  Extensions: 'O',
} as const satisfies AttributeSpecs;

/**
 * Added to every call event (`call: true`): "Call events about a call also carry, where known:
 * CallType, ANI, DNIS, ThisDNRole, OtherDNRole, ThirdPartyDN, UserData, CallUUID" (spec 1.1); 1.2
 * adds CallState (on every call event), MediaType, and the ThirdPartyDNRole its party events carry.
 * CallState is Optional here so that a 1.1 switch's events, which lack it, stay valid (absent: 0).
 */
export const CALL_EVENT_CONTENT = {
  CallType: 'O',
  ANI: 'O',
  DNIS: 'O',
  ThisDNRole: 'O',
  OtherDNRole: 'O',
  ThirdPartyDN: 'O',
  ThirdPartyDNRole: 'O',
  UserData: 'O',
  CallUUID: 'O',
  CallState: 'O',
  MediaType: 'O',
} as const satisfies AttributeSpecs;

const V10_EVENT_SPECS = {
  // --- General Events (seed 000/002) ---
  EventServerConnected: { type: 50, kind: 'event', fromSeed: true, synthesized: true, attributes: { Extensions: 'O' } },
  EventServerDisconnected: { type: 51, kind: 'event', fromSeed: true, synthesized: true, attributes: { Extensions: 'O' } },
  EventLinkConnected: {
    type: 95,
    kind: 'event',
    fromSeed: true,
    attributes: { ApplicationName: 'O', SessionID: 'O', CustomerID: 'O', time: 'M', Extensions: 'O' },
  },
  EventLinkDisconnected: {
    type: 94,
    kind: 'event',
    fromSeed: true,
    attributes: {
      ApplicationName: 'O',
      SessionID: 'O',
      CustomerID: 'O',
      ErrorCode: 'O',
      ErrorMessage: 'O',
      time: 'M',
      Extensions: 'O',
    },
  },
  // --- Special Events (seed 001) ---
  EventACK: {
    type: 138,
    kind: 'event',
    fromSeed: true,
    rule: 'subscriptionIdOnStart',
    attributes: { ReferenceID: 'M', time: 'M', UserEvent: 'O', Extensions: 'O', SubscriptionID: 'O' },
  },
  EventAgentReserved: {
    type: 128,
    kind: 'event',
    fromSeed: true,
    rule: 'atLeastOneOfAgentIDPlaceThisDN',
    attributes: {
      AgentID: 'O',
      Place: 'O',
      Reasons: 'O',
      ReferenceID: 'O',
      ThisDN: 'O',
      Timeout: 'O',
      time: 'M',
      Extensions: 'O',
    },
  },
  EventCallInfoChanged: {
    type: 112,
    kind: 'event',
    fromSeed: true,
    attributes: { ConnID: 'M', CustomerID: 'O', Extensions: 'O', ReferenceID: 'O', time: 'M' },
  },
  EventPrivateInfo: {
    type: 150,
    kind: 'event',
    fromSeed: true,
    attributes: {
      PrivateEvent: 'M',
      Reasons: 'O',
      UserData: 'O',
      Extensions: 'O',
      ReferenceID: 'O',
      ConnID: 'O',
      ThisDN: 'O',
      time: 'M',
    },
  },
  EventUserEvent: {
    type: 96,
    kind: 'event',
    fromSeed: true,
    // "Other attributes are specified by the initiator": RequestDistributeUserEvent's UserData.
    attributes: { CustomerID: 'O', ThisDN: 'M', time: 'M', Extensions: 'O', UserData: 'O' },
  },
  EventPrimaryChanged: { type: 133, kind: 'event', fromSeed: true, attributes: { ApplicationName: 'O', time: 'M' } },
  EventRestoreConnection: {
    type: 132,
    kind: 'event',
    fromSeed: true,
    internal: true,
    // Not the conventional event contents: just the role and the other server's address.
    attributes: { ServerRole: 'M', UserData: 'O' },
  },
  EventHardwareError: {
    type: 117,
    kind: 'event',
    fromSeed: true,
    attributes: {
      CustomerID: 'O',
      ThisDN: 'O',
      ConnID: 'O',
      PreviousConnID: 'O',
      ErrorCode: 'O',
      time: 'M',
      Extensions: 'O',
    },
  },
  EventResourceAllocated: { type: 99, kind: 'event', fromSeed: true, obsolete: true, attributes: {} },
  EventResourceFreed: { type: 100, kind: 'event', fromSeed: true, obsolete: true, attributes: {} },
  // --- Events the seeds do not list: wire spec + usual content ---
  EventError: { type: 52, kind: 'event', fromSeed: false, attributes: { ErrorCode: 'M', ErrorMessage: 'O' } },
  EventRegistered: { type: 53, kind: 'event', fromSeed: false, attributes: { ThisDN: 'M', AgentID: 'O', AgentStatus: 'O' } },
  EventUnregistered: { type: 54, kind: 'event', fromSeed: false, attributes: { ThisDN: 'M' } },
  EventRinging: {
    type: 60,
    kind: 'event',
    fromSeed: false,
    call: true,
    attributes: { ThisDN: 'M', ConnID: 'M', OtherDN: 'O', UserData: 'O' },
  },
  EventDialing: {
    type: 61,
    kind: 'event',
    fromSeed: false,
    call: true,
    attributes: { ThisDN: 'M', ConnID: 'M', OtherDN: 'O', UserData: 'O' },
  },
  EventEstablished: { type: 64, kind: 'event', fromSeed: false, call: true, attributes: { ThisDN: 'M', ConnID: 'M', OtherDN: 'O' } },
  EventReleased: { type: 65, kind: 'event', fromSeed: false, call: true, attributes: { ThisDN: 'M', ConnID: 'M' } },
  EventAgentLogin: {
    type: 73,
    kind: 'event',
    fromSeed: false,
    // Reasons: "every agent request's Reasons come back on its answering event" (1.2).
    attributes: { ThisDN: 'M', AgentID: 'M', Place: 'O', AgentWorkMode: 'O', ThisQueue: 'O', Reasons: 'O' },
  },
  EventAgentLogout: { type: 74, kind: 'event', fromSeed: false, attributes: { ThisDN: 'M', AgentID: 'O', Reasons: 'O' } },
  EventAgentReady: {
    type: 75,
    kind: 'event',
    fromSeed: false,
    attributes: { ThisDN: 'M', AgentID: 'O', AgentWorkMode: 'O', Reasons: 'O' },
  },
  EventAgentNotReady: {
    type: 76,
    kind: 'event',
    fromSeed: false,
    attributes: { ThisDN: 'M', AgentID: 'O', Reasons: 'O', AgentWorkMode: 'O' },
  },
  EventAttachedDataChanged: {
    type: 85,
    kind: 'event',
    fromSeed: false,
    call: true,
    attributes: { ThisDN: 'M', ConnID: 'M', UserData: 'M' },
  },
  // 1.2 "Queries by information type": the type echoed, the answer in AddressInfoStatus; a forwarding
  // query names the target in OtherDN, an agent query adds AgentWorkMode and the agent's Reasons.
  EventAddressInfo: {
    type: 92,
    kind: 'event',
    fromSeed: false,
    attributes: {
      ThisDN: 'M',
      AgentID: 'O',
      AgentStatus: 'O',
      ConnID: 'O',
      AddressInfoType: 'O',
      AddressInfoStatus: 'O',
      OtherDN: 'O',
      AgentWorkMode: 'O',
      Reasons: 'O',
    },
  },
  EventServerInfo: { type: 93, kind: 'event', fromSeed: false, attributes: { ServerVersion: 'O', ServerRole: 'O' } },
  EventPartyInfo: {
    type: 109,
    kind: 'event',
    fromSeed: false,
    attributes: { ConnID: 'M', ThisDN: 'O', OtherDN: 'O', CallState: 'O', UserData: 'O' },
  },
  EventLocationInfo: { type: 137, kind: 'event', fromSeed: false, attributes: { Location: 'O' } },
  EventTransactionStatus: {
    type: 181,
    kind: 'event',
    fromSeed: false,
    attributes: { SubscriptionID: 'M', Extensions: 'O' },
  },
} as const satisfies Record<string, EventSpecBase>;

const V10_REQUEST_SPECS = {
  RequestRegisterClient: {
    type: 0,
    kind: 'request',
    answeredBy: ['EventLinkConnected', 'EventLinkDisconnected'],
    idempotent: true,
    attributes: { ApplicationName: 'M', ClientVersion: 'O', AddpTimeout: 'O' },
  },
  RequestQueryServer: { type: 1, kind: 'request', answeredBy: ['EventServerInfo'], idempotent: true, attributes: {} },
  RequestQueryAddress: {
    type: 2,
    kind: 'request',
    answeredBy: ['EventAddressInfo'],
    idempotent: true,
    attributes: { ThisDN: 'M', AddressInfoType: 'O' },
  },
  RequestRegisterAddress: {
    type: 3,
    kind: 'request',
    answeredBy: ['EventRegistered'],
    idempotent: true,
    attributes: { ThisDN: 'M', RegisterMode: 'O', AddressType: 'O' },
  },
  RequestUnregisterAddress: {
    type: 4,
    kind: 'request',
    answeredBy: ['EventUnregistered'],
    idempotent: true,
    attributes: { ThisDN: 'M' },
  },
  RequestSetInputMask: {
    type: 7,
    kind: 'request',
    answeredBy: ['EventACK'],
    idempotent: true,
    attributes: { InputMask: 'M' },
  },
  RequestAgentLogin: {
    type: 8,
    kind: 'request',
    answeredBy: ['EventAgentLogin'],
    idempotent: false,
    v11: true,
    attributes: { ThisDN: 'M', AgentID: 'M', Place: 'O', AgentWorkMode: 'O', ThisQueue: 'O', Password: 'O' },
  },
  // ThisQueue on Logout, Answer and Release: spec 1.2, "Requests added".
  RequestAgentLogout: {
    type: 9,
    kind: 'request',
    answeredBy: ['EventAgentLogout'],
    idempotent: false,
    attributes: { ThisDN: 'M', ThisQueue: 'O' },
  },
  RequestAgentReady: {
    type: 10,
    kind: 'request',
    answeredBy: ['EventAgentReady'],
    idempotent: false,
    v11: true,
    attributes: { ThisDN: 'M', ThisQueue: 'O', AgentWorkMode: 'O' },
  },
  RequestAgentNotReady: {
    type: 11,
    kind: 'request',
    answeredBy: ['EventAgentNotReady'],
    idempotent: false,
    v11: true,
    attributes: { ThisDN: 'M', Reasons: 'O', ThisQueue: 'O', AgentWorkMode: 'O' },
  },
  RequestMakeCall: {
    type: 14,
    kind: 'request',
    answeredBy: ['EventDialing'],
    idempotent: false,
    v11: true,
    attributes: { ThisDN: 'M', OtherDN: 'M', UserData: 'O', Location: 'O', MakeCallType: 'O' },
  },
  RequestAnswerCall: {
    type: 16,
    kind: 'request',
    answeredBy: ['EventEstablished'],
    idempotent: false,
    attributes: { ThisDN: 'M', ConnID: 'M', ThisQueue: 'O' },
  },
  RequestReleaseCall: {
    type: 17,
    kind: 'request',
    answeredBy: ['EventReleased'],
    idempotent: false,
    attributes: { ThisDN: 'M', ConnID: 'M', ThisQueue: 'O' },
  },
  RequestAttachUserData: {
    type: 30,
    kind: 'request',
    answeredBy: ['EventAttachedDataChanged'],
    idempotent: false,
    attributes: { ThisDN: 'M', ConnID: 'M', UserData: 'M' },
  },
  RequestDistributeUserEvent: {
    type: 48,
    kind: 'request',
    answeredBy: ['EventACK'],
    idempotent: false,
    attributes: { ThisDN: 'M', UserData: 'O', CustomerID: 'O' },
  },
  RequestQueryCall: {
    type: 108,
    kind: 'request',
    answeredBy: ['EventPartyInfo'],
    idempotent: true,
    attributes: { ConnID: 'M', CallInfoType: 'O' },
  },
  RequestReserveAgent: {
    type: 127,
    kind: 'request',
    answeredBy: ['EventAgentReserved'],
    idempotent: false,
    rule: 'atLeastOneOfAgentIDPlaceThisDN',
    attributes: { ThisDN: 'O', AgentID: 'O', Place: 'O', Timeout: 'O' },
  },
  RequestQueryLocation: {
    type: 136,
    kind: 'request',
    answeredBy: ['EventLocationInfo'],
    idempotent: true,
    attributes: { Location: 'O', LocationInfoType: 'O' },
  },
  RequestPrivateService: {
    type: 149,
    kind: 'request',
    answeredBy: ['EventACK', 'EventPrivateInfo'],
    idempotent: false,
    attributes: { PrivateMsgID: 'M', ThisDN: 'O', ConnID: 'O', UserData: 'O' },
  },
  RequestTransactionMonitoring: {
    type: 180,
    kind: 'request',
    answeredBy: ['EventACK'],
    idempotent: false,
    attributes: { SubscriptionOperation: 'M', SubscriptionID: 'O', TransactionType: 'O', Extensions: 'O' },
  },
} as const satisfies Record<string, RequestSpecBase>;

/** Every event of the catalogue: version 1, the 1.1 and 1.2 events, and the names known but not modelled. */
export const EVENT_SPECS = { ...V10_EVENT_SPECS, ...CALL_EVENT_SPECS, ...V12_EVENT_SPECS, ...CATALOGUE_ONLY_EVENT_SPECS } as const;
/** Every request a client may send: version 1, the 1.1 call-control requests and the 1.2 ones. */
export const REQUEST_SPECS = { ...V10_REQUEST_SPECS, ...CALL_REQUEST_SPECS, ...V12_REQUEST_SPECS } as const;

/** Keep-alive frames: never shown to users. */
export const ADDP_SPECS = {
  AddpPing: { type: 0xfff0 },
  AddpPong: { type: 0xfff1 },
} as const;

/** The name of an event of the catalogue. */
export type EventName = keyof typeof EVENT_SPECS;
/** The name of a request of the catalogue. */
export type RequestName = keyof typeof REQUEST_SPECS;
/** The name of any message of the catalogue: event, request or ADDP. */
export type MessageName = EventName | RequestName | keyof typeof ADDP_SPECS;
