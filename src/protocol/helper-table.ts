/**
 * The request helpers as data: one row per method (its request, its positional parameters and the
 * catalogue attribute each one fills), the way ioredis builds its commands from a command table.
 * Everything else is derived from the catalogue, never written again:
 *
 * - the options a helper takes are its request's other attributes (Reasons and Extensions for
 *   every one), under the camelCase names of OPTION_NAMES, plus `signal` and `timeoutMs`;
 * - the event that answers, idempotence and Mandatory/Optional come from the request's row;
 * - installHelpers() (./helper-install.ts) builds the methods from these rows, the typed
 *   signatures (HelperMethods, ./helper-methods.ts) and the table of docs/call-control.md are
 *   generated from them, and a test fails when either is stale or a request has no helper.
 *
 * Pure data and types: no Node import, so a browser client gets the same helpers.
 */
import type { AttributeName, AttributeInputValue } from './attributes.js';
import type { EventName, RequestName } from './messages.js';
import type { RequestArgs } from './types.js';

/** Sections of the helper list, in the order the docs show them. */
export const HELPER_GROUPS = {
  server: 'DNs and the server',
  agent: 'Agent state',
  call: 'One call',
  transfer: 'Transfer and conference',
  data: 'User data and call information',
  supervision: 'Supervision',
  routing: 'Routing, treatments and outbound',
  other: 'Private services and monitoring',
} as const;
/** The groups the helpers are listed in (docs/call-control.md). */
export type HelperGroup = keyof typeof HELPER_GROUPS;

/** One helper of the table: its request, positional attributes and options. */
export interface HelperRow {
  readonly group: HelperGroup;
  readonly request: RequestName;
  /** Positional parameters, in order: `parameter:Attribute`, the catalogue attribute it fills. */
  readonly args: readonly `${string}:${AttributeName}`[];
  /** What the catalogue row does not say, for the method's comment (markdown). */
  readonly note?: string;
}

/** The helper table: every typed helper (`answerCall`, `holdCall`, …) with the request it sends, its positional attributes and its options. The helpers, their types and the docs table are made from it. */
export const HELPERS = {
  // ------------------------------------------------------------------ DNs and the server
  registerAddress: {
    group: 'server',
    request: 'RequestRegisterAddress',
    args: ['dn:ThisDN'],
    note: '`{ addressType: AddressType.RoutingPoint }` for a routing point, `AddressType.Queue` for an ACD queue.',
  },
  unregisterAddress: { group: 'server', request: 'RequestUnregisterAddress', args: ['dn:ThisDN'] },
  queryAddress: {
    group: 'server',
    request: 'RequestQueryAddress',
    args: ['dn:ThisDN'],
    note: '`{ addressInfoType: AddressInfoType.AgentStatus }` asks one thing; the answer is in `AddressInfoStatus`.',
  },
  queryCall: { group: 'server', request: 'RequestQueryCall', args: ['connId:ConnID'] },
  queryLocation: { group: 'server', request: 'RequestQueryLocation', args: [] },
  queryServer: { group: 'server', request: 'RequestQueryServer', args: [] },
  querySwitch: { group: 'server', request: 'RequestQuerySwitch', args: [] },
  setInputMask: {
    group: 'server',
    request: 'RequestSetInputMask',
    args: ['mask:InputMask'],
    note: '`mask`: the 64-byte mask, or the names of the events to receive.',
  },
  setDNDOn: {
    group: 'server',
    request: 'RequestSetDNDOn',
    args: ['dn:ThisDN'],
    note: 'A call to a DN in DND does not ring: the caller gets EventDestinationBusy.',
  },
  setDNDOff: { group: 'server', request: 'RequestSetDNDOff', args: ['dn:ThisDN'] },
  setCallForward: {
    group: 'server',
    request: 'RequestCallForwardSet',
    args: ['dn:ThisDN', 'destination:OtherDN'],
    note: '`forwardMode` defaults to unconditional; `{ extensions: { NoAnswerTimeout: s } }` sets the no-answer time.',
  },
  cancelCallForward: { group: 'server', request: 'RequestCallForwardCancel', args: ['dn:ThisDN'] },

  // ------------------------------------------------------------------ agent state
  agentLogin: {
    group: 'agent',
    request: 'RequestAgentLogin',
    args: ['dn:ThisDN', 'agentId:AgentID'],
    note: 'The password is never logged. `{ extensions: { WrapUpTime: s } }` sets the after-call work time.',
  },
  agentLogout: { group: 'agent', request: 'RequestAgentLogout', args: ['dn:ThisDN'] },
  agentReady: {
    group: 'agent',
    request: 'RequestAgentReady',
    args: ['dn:ThisDN'],
    note: 'Ends after-call work at once.',
  },
  agentNotReady: {
    group: 'agent',
    request: 'RequestAgentNotReady',
    args: ['dn:ThisDN'],
    note: 'After-call work: `{ workMode: AgentWorkMode.AfterCallWork }`; a reason code: `{ reasons: { ReasonCode: "lunch" } }`.',
  },
  reserveAgent: {
    group: 'agent',
    request: 'RequestReserveAgent',
    args: [],
    note: 'At least one of `dn`, `agentId`, `place`.',
  },

  // ------------------------------------------------------------------ one call
  makeCall: {
    group: 'call',
    request: 'RequestMakeCall',
    args: ['dn:ThisDN', 'otherDN:OtherDN'],
  },
  answerCall: {
    group: 'call',
    request: 'RequestAnswerCall',
    args: ['dn:ThisDN', 'connId:ConnID'],
  },
  releaseCall: {
    group: 'call',
    request: 'RequestReleaseCall',
    args: ['dn:ThisDN', 'connId:ConnID'],
  },
  holdCall: {
    group: 'call',
    request: 'RequestHoldCall',
    args: ['dn:ThisDN', 'connId:ConnID'],
  },
  retrieveCall: {
    group: 'call',
    request: 'RequestRetrieveCall',
    args: ['dn:ThisDN', 'connId:ConnID'],
  },
  redirectCall: {
    group: 'call',
    request: 'RequestRedirectCall',
    args: ['dn:ThisDN', 'connId:ConnID', 'otherDN:OtherDN'],
    note: 'The call rings at `otherDN`, same ConnID.',
  },
  clearCall: {
    group: 'call',
    request: 'RequestClearCall',
    args: ['dn:ThisDN', 'connId:ConnID'],
    note: 'Every other party is released too.',
  },
  sendDTMF: {
    group: 'call',
    request: 'RequestSendDTMF',
    args: ['dn:ThisDN', 'connId:ConnID', 'digits:DTMFDigits'],
  },
  setMuteOn: {
    group: 'call',
    request: 'RequestSetMuteOn',
    args: ['dn:ThisDN', 'connId:ConnID'],
  },
  setMuteOff: {
    group: 'call',
    request: 'RequestSetMuteOff',
    args: ['dn:ThisDN', 'connId:ConnID'],
  },
  collectDigits: {
    group: 'call',
    request: 'RequestCollectDigits',
    args: ['dn:ThisDN', 'connId:ConnID'],
    note: 'Answered when `numberOfDigits` are in, a `terminateDigits` digit comes or `timeout` ms pass: give a `timeoutMs` above `timeout`.',
  },

  // ------------------------------------------------------------------ transfer and conference
  initiateTransfer: {
    group: 'transfer',
    request: 'RequestInitiateTransfer',
    args: ['dn:ThisDN', 'connId:ConnID', 'otherDN:OtherDN'],
    note: 'Resolves with the consultation call (a new ConnID); EventHeld for `connId` comes first.',
  },
  completeTransfer: {
    group: 'transfer',
    request: 'RequestCompleteTransfer',
    args: ['dn:ThisDN', 'connId:ConnID', 'consultConnId:TransferConnID'],
    note: 'The call keeps `connId`; EventReleased for the consultation call comes first.',
  },
  singleStepTransfer: {
    group: 'transfer',
    request: 'RequestSingleStepTransfer',
    args: ['dn:ThisDN', 'connId:ConnID', 'otherDN:OtherDN'],
  },
  muteTransfer: {
    group: 'transfer',
    request: 'RequestMuteTransfer',
    args: ['dn:ThisDN', 'connId:ConnID', 'otherDN:OtherDN'],
    note: 'A two-step transfer in one request: the consultation call is completed as soon as it is dialled.',
  },
  initiateConference: {
    group: 'transfer',
    request: 'RequestInitiateConference',
    args: ['dn:ThisDN', 'connId:ConnID', 'otherDN:OtherDN'],
    note: 'Resolves with the consultation call (a new ConnID).',
  },
  completeConference: {
    group: 'transfer',
    request: 'RequestCompleteConference',
    args: ['dn:ThisDN', 'connId:ConnID', 'consultConnId:ConferenceConnID'],
    note: 'The conference keeps `connId`.',
  },
  singleStepConference: {
    group: 'transfer',
    request: 'RequestSingleStepConference',
    args: ['dn:ThisDN', 'connId:ConnID', 'otherDN:OtherDN'],
    note: '`otherDN` rings on the same ConnID and joins when it answers.',
  },
  deleteFromConference: {
    group: 'transfer',
    request: 'RequestDeleteFromConference',
    args: ['dn:ThisDN', 'connId:ConnID', 'otherDN:OtherDN'],
    note: '`otherDN` is released.',
  },
  mergeCalls: {
    group: 'transfer',
    request: 'RequestMergeCalls',
    args: ['dn:ThisDN', 'heldConnId:ConnID', 'otherConnId:TransferConnID', 'mergeType:MergeType'],
    note: '`MergeType.Transfer` completes as completeTransfer (EventReleased), `MergeType.Conference` as completeConference (EventPartyAdded).',
  },
  alternateCall: {
    group: 'transfer',
    request: 'RequestAlternateCall',
    args: ['dn:ThisDN', 'heldConnId:ConnID', 'activeConnId:PreviousConnID'],
    note: 'EventHeld for `activeConnId` comes first.',
  },
  reconnectCall: {
    group: 'transfer',
    request: 'RequestReconnectCall',
    args: ['dn:ThisDN', 'heldConnId:ConnID', 'activeConnId:PreviousConnID'],
    note: '`activeConnId` is released first.',
  },

  // ------------------------------------------------------------------ user data
  attachUserData: {
    group: 'data',
    request: 'RequestAttachUserData',
    args: ['dn:ThisDN', 'connId:ConnID', 'userData:UserData'],
  },
  updateUserData: {
    group: 'data',
    request: 'RequestUpdateUserData',
    args: ['dn:ThisDN', 'connId:ConnID', 'userData:UserData'],
    note: 'Every party gets EventAttachedDataChanged; the one at `dn` answers.',
  },
  deleteUserData: {
    group: 'data',
    request: 'RequestDeleteUserData',
    args: ['dn:ThisDN', 'connId:ConnID'],
  },
  deleteUserDataPair: {
    group: 'data',
    request: 'RequestDeletePair',
    args: ['dn:ThisDN', 'connId:ConnID', 'key:DataKey'],
  },
  setCallInfo: { group: 'data', request: 'RequestSetCallInfo', args: ['connId:ConnID'] },
  sendUserEvent: {
    group: 'data',
    request: 'RequestDistributeUserEvent',
    args: ['dn:ThisDN'],
    note: 'TSendUserEvent; EventACK carries UserEvent 48.',
  },

  // ------------------------------------------------------------------ supervision
  monitorNextCall: {
    group: 'supervision',
    request: 'RequestMonitorNextCall',
    args: ['supervisorDN:ThisDN', 'agentDN:OtherDN'],
  },
  cancelMonitoring: {
    group: 'supervision',
    request: 'RequestCancelMonitoring',
    args: ['supervisorDN:ThisDN', 'agentDN:OtherDN'],
  },
  listenDisconnect: {
    group: 'supervision',
    request: 'RequestListenDisconnect',
    args: ['dn:ThisDN', 'connId:ConnID', 'listenerDN:OtherDN'],
  },
  listenReconnect: {
    group: 'supervision',
    request: 'RequestListenReconnect',
    args: ['dn:ThisDN', 'connId:ConnID', 'listenerDN:OtherDN'],
  },

  // ------------------------------------------------------------------ routing, treatments, outbound
  routeCall: {
    group: 'routing',
    request: 'RequestRouteCall',
    args: ['routingPoint:ThisDN', 'connId:ConnID', 'destination:OtherDN'],
    note: '`destination` undefined: the switch routes by default. A second route of one call gets EventError 57.',
  },
  applyTreatment: {
    group: 'routing',
    request: 'RequestApplyTreatment',
    args: ['dn:ThisDN', 'connId:ConnID', 'treatmentType:TreatmentType'],
    note: 'Resolves with EventTreatmentNotApplied too (check `Event`); EventTreatmentEnd follows when it ends.',
  },
  makePredictiveCall: {
    group: 'routing',
    request: 'RequestMakePredictiveCall',
    args: ['routingPointOrQueue:ThisDN', 'number:OtherDN'],
    note: '`timeout`: ring time in ms. The outcome follows as events with a CallState (answered, machine, busy, no answer, SIT, fax).',
  },

  // ------------------------------------------------------------------ the rest
  privateService: { group: 'other', request: 'RequestPrivateService', args: ['privateMsgId:PrivateMsgID'] },
  transactionMonitoring: {
    group: 'other',
    request: 'RequestTransactionMonitoring',
    args: [],
    note: '`{ SubscriptionOperation: SubscriptionOperation.Start, TransactionType }`; EventACK carries the SubscriptionID.',
  },
} as const satisfies Record<string, HelperRow>;

/** The name of a typed helper. */
export type HelperName = keyof typeof HELPERS;

/** Requests of the protocol without a helper, and why (a test checks this is the only gap). */
export const WITHOUT_HELPER = {
  RequestRegisterClient: 'sent by the connection itself on every session it opens',
} as const satisfies Partial<Record<RequestName, string>>;

/**
 * The camelCase option name of each attribute a helper takes as an option: the only place these
 * names are paired. A Mandatory attribute that is not positional (TransactionMonitoring's
 * SubscriptionOperation) is passed under its catalogue name; every catalogue name is accepted too.
 */
export const OPTION_NAMES = {
  Reasons: 'reasons',
  Extensions: 'extensions',
  UserData: 'userData',
  Location: 'location',
  AgentWorkMode: 'workMode',
  ThisQueue: 'queue',
  Place: 'place',
  Password: 'password',
  MakeCallType: 'makeCallType',
  ForwardMode: 'forwardMode',
  RouteType: 'routeType',
  DNIS: 'dnis',
  TreatmentParms: 'parms',
  AddressType: 'addressType',
  RegisterMode: 'registerMode',
  AddressInfoType: 'addressInfoType',
  CallInfoType: 'callInfoType',
  LocationInfoType: 'locationInfoType',
  MonitorNextCallType: 'monitorNextCallType',
  SwitchInfoType: 'switchInfoType',
  Timeout: 'timeout',
  NumberOfDigits: 'numberOfDigits',
  TerminateDigits: 'terminateDigits',
  CustomerID: 'customerId',
  ThisDN: 'dn',
  ConnID: 'connId',
  AgentID: 'agentId',
  SubscriptionID: 'subscriptionId',
  TransactionType: 'transactionType',
} as const satisfies { readonly [A in AttributeName]?: string };

/** Options of the request itself, not attributes: every helper takes them. */
export interface SendOptions {
  /** Rejects the request with the signal's reason when aborted. */
  signal?: AbortSignal;
  /** Overrides the connection's requestTimeoutMs for this request. */
  timeoutMs?: number;
}
/** The keys of SendOptions, for the helpers to tell them from attributes. */
export const SEND_OPTION_KEYS: readonly (keyof SendOptions)[] = ['signal', 'timeoutMs'];

// ------------------------------------------------------------------ types derived from the rows

type Row<M extends HelperName> = (typeof HELPERS)[M];
/** The request a helper sends. */
export type HelperRequest<M extends HelperName> = Row<M>['request'];
/** The attribute of a `parameter:Attribute` entry. */
export type ArgAttribute<S> = S extends `${string}:${infer A extends AttributeName}` ? A : never;
type Positional<M extends HelperName> = ArgAttribute<Row<M>['args'][number]>;
/** The request's attributes a helper does not take positionally, under their catalogue names. */
type Rest<M extends HelperName> = Omit<RequestArgs<HelperRequest<M>>, Positional<M>>;
type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];
type Camel<M extends HelperName> = {
  [A in OptionalKeys<Rest<M>> as A extends keyof typeof OPTION_NAMES ? (typeof OPTION_NAMES)[A] : never]?: Rest<M>[A];
};

/**
 * The options object of helper `M`: its request's other attributes in camelCase (and under their
 * catalogue names), plus `signal` and `timeoutMs`.
 */
export type HelperOptions<M extends HelperName> = Camel<M> & Rest<M> & SendOptions;

/** What a positional parameter of attribute `A` accepts (the input mask also as event names). */
export type PositionalValue<A extends AttributeName> = A extends 'InputMask' ? Uint8Array | readonly EventName[] : AttributeInputValue<A>;
