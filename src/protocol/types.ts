/**
 * TypeScript types derived from the catalogue tables (./messages.ts, ./attributes.ts).
 * Nothing here lists attributes again: each event and request type is computed from its row.
 */
import type { AttributeInputValue, AttributeName, AttributeValue, ValueTypeName } from './attributes.js';
import type {
  CALL_EVENT_CONTENT,
  EVENT_SPECS,
  EVENT_USUAL_CONTENT,
  EVENT_WIRE_COMMON,
  EventName,
  REQUEST_COMMON,
  REQUEST_SPECS,
  RequestName,
} from './messages.js';

type Merge<A, B> = A & Omit<B, keyof A>;
type Flatten<T> = { [K in keyof T]: T[K] } & {};

type EventRow<N extends EventName> = (typeof EVENT_SPECS)[N];
type WithCallContent<N extends EventName> =
  EventRow<N> extends { call: true } ? Merge<EventRow<N>['attributes'], typeof CALL_EVENT_CONTENT> : EventRow<N>['attributes'];
type WithUsualContent<N extends EventName> =
  EventRow<N> extends { fromSeed: false } ? Merge<WithCallContent<N>, typeof EVENT_USUAL_CONTENT> : WithCallContent<N>;
/** The full attribute table of an event, with the shared parts merged in as the catalogue does. */
export type EventAttributeTable<N extends EventName> =
  EventRow<N> extends { synthesized: true } ? WithUsualContent<N> : Merge<WithUsualContent<N>, typeof EVENT_WIRE_COMMON>;

type MandatoryOf<A, V extends 'out' | 'in'> = {
  -readonly [K in keyof A as A[K] extends 'M' ? K : never]: V extends 'out'
    ? AttributeValue<K & AttributeName>
    : AttributeInputValue<K & AttributeName>;
};
type OptionalOf<A, V extends 'out' | 'in'> = {
  -readonly [K in keyof A as A[K] extends 'M' ? never : K]?: V extends 'out'
    ? AttributeValue<K & AttributeName>
    : AttributeInputValue<K & AttributeName>;
};

/** A well-formed attribute whose id is not in the catalogue: kept, not dropped. */
export interface UnknownAttribute {
  id: number;
  valueType: ValueTypeName;
  value: unknown;
}

/** An event as users receive it: plain object keyed by the T-Library reference's names. */
export type TEventOf<N extends EventName> = Flatten<
  { Event: N; Server: string } & MandatoryOf<EventAttributeTable<N>, 'out'> &
    OptionalOf<EventAttributeTable<N>, 'out'> & {
      /** Attributes the catalogue does not know (well formed, reported in a protocolWarning). */
      unknownAttributes?: UnknownAttribute[];
    }
>;

/** Every event type, by name. */
export type EventMap = { [N in EventName]: TEventOf<N> };
/** Events that may reach users (EventRestoreConnection is consumed internally). */
export type PublicEventName = Exclude<EventName, 'EventRestoreConnection'>;
/** The union of every event users may receive, discriminated by `Event`. */
export type TEvent = EventMap[PublicEventName];

type RequestTable<N extends RequestName> = Merge<(typeof REQUEST_SPECS)[N]['attributes'], typeof REQUEST_COMMON>;
/** What a caller passes for a request: its attributes, without ReferenceID (the SDK assigns it). */
export type RequestArgs<N extends RequestName> = Flatten<MandatoryOf<RequestTable<N>, 'in'> & OptionalOf<RequestTable<N>, 'in'>>;
/** A request as decoded by a server (the simulator): attributes plus the ReferenceID it carried. */
export type TRequestOf<N extends RequestName> = Flatten<
  { Request: N; ReferenceID: number } & MandatoryOf<RequestTable<N>, 'out'> & OptionalOf<RequestTable<N>, 'out'>
>;
/** Every request as a server decodes it, by name. */
export type RequestMap = { [N in RequestName]: TRequestOf<N> };
/** Any request as a server decodes it, discriminated by `Request`. */
export type TRequest = RequestMap[RequestName];

/** True when a request has no Mandatory attribute, so its argument object may be omitted. */
export type RequestArgsOptional<N extends RequestName> = {} extends RequestArgs<N> ? true : false;

/** The events that answer a request (EventError aside). */
export type AnswerOf<N extends RequestName> = EventMap[(typeof REQUEST_SPECS)[N]['answeredBy'][number] & EventName];

// Named types for every event and request, as the reference names them.
export type EventServerConnected = EventMap['EventServerConnected'];
export type EventServerDisconnected = EventMap['EventServerDisconnected'];
export type EventLinkConnected = EventMap['EventLinkConnected'];
export type EventLinkDisconnected = EventMap['EventLinkDisconnected'];
export type EventACK = EventMap['EventACK'];
export type EventAgentReserved = EventMap['EventAgentReserved'];
export type EventCallInfoChanged = EventMap['EventCallInfoChanged'];
export type EventPrivateInfo = EventMap['EventPrivateInfo'];
export type EventUserEvent = EventMap['EventUserEvent'];
export type EventPrimaryChanged = EventMap['EventPrimaryChanged'];
export type EventRestoreConnection = EventMap['EventRestoreConnection'];
export type EventHardwareError = EventMap['EventHardwareError'];
export type EventResourceAllocated = EventMap['EventResourceAllocated'];
export type EventResourceFreed = EventMap['EventResourceFreed'];
export type EventError = EventMap['EventError'];
export type EventRegistered = EventMap['EventRegistered'];
export type EventUnregistered = EventMap['EventUnregistered'];
export type EventRinging = EventMap['EventRinging'];
export type EventDialing = EventMap['EventDialing'];
export type EventEstablished = EventMap['EventEstablished'];
export type EventReleased = EventMap['EventReleased'];
export type EventAgentLogin = EventMap['EventAgentLogin'];
export type EventAgentLogout = EventMap['EventAgentLogout'];
export type EventAgentReady = EventMap['EventAgentReady'];
export type EventAgentNotReady = EventMap['EventAgentNotReady'];
export type EventAttachedDataChanged = EventMap['EventAttachedDataChanged'];
export type EventAddressInfo = EventMap['EventAddressInfo'];
export type EventServerInfo = EventMap['EventServerInfo'];
export type EventPartyInfo = EventMap['EventPartyInfo'];
export type EventLocationInfo = EventMap['EventLocationInfo'];
export type EventTransactionStatus = EventMap['EventTransactionStatus'];

export type RequestRegisterClient = RequestMap['RequestRegisterClient'];
export type RequestQueryServer = RequestMap['RequestQueryServer'];
export type RequestQueryAddress = RequestMap['RequestQueryAddress'];
export type RequestRegisterAddress = RequestMap['RequestRegisterAddress'];
export type RequestUnregisterAddress = RequestMap['RequestUnregisterAddress'];
export type RequestSetInputMask = RequestMap['RequestSetInputMask'];
export type RequestAgentLogin = RequestMap['RequestAgentLogin'];
export type RequestAgentLogout = RequestMap['RequestAgentLogout'];
export type RequestAgentReady = RequestMap['RequestAgentReady'];
export type RequestAgentNotReady = RequestMap['RequestAgentNotReady'];
export type RequestMakeCall = RequestMap['RequestMakeCall'];
export type RequestAnswerCall = RequestMap['RequestAnswerCall'];
export type RequestReleaseCall = RequestMap['RequestReleaseCall'];
export type RequestAttachUserData = RequestMap['RequestAttachUserData'];
export type RequestDistributeUserEvent = RequestMap['RequestDistributeUserEvent'];
export type RequestQueryCall = RequestMap['RequestQueryCall'];
export type RequestReserveAgent = RequestMap['RequestReserveAgent'];
export type RequestQueryLocation = RequestMap['RequestQueryLocation'];
export type RequestPrivateService = RequestMap['RequestPrivateService'];
export type RequestTransactionMonitoring = RequestMap['RequestTransactionMonitoring'];

// Version 1.1 call control, routing and supervision.
export type EventQueued = EventMap['EventQueued'];
export type EventDiverted = EventMap['EventDiverted'];
export type EventAbandoned = EventMap['EventAbandoned'];
export type EventNetworkReached = EventMap['EventNetworkReached'];
export type EventDestinationBusy = EventMap['EventDestinationBusy'];
export type EventHeld = EventMap['EventHeld'];
export type EventRetrieved = EventMap['EventRetrieved'];
export type EventPartyChanged = EventMap['EventPartyChanged'];
export type EventPartyAdded = EventMap['EventPartyAdded'];
export type EventPartyDeleted = EventMap['EventPartyDeleted'];
export type EventRouteRequest = EventMap['EventRouteRequest'];
export type EventRouteUsed = EventMap['EventRouteUsed'];
export type EventDNDOn = EventMap['EventDNDOn'];
export type EventDNDOff = EventMap['EventDNDOff'];
export type EventOffHook = EventMap['EventOffHook'];
export type EventOnHook = EventMap['EventOnHook'];
export type EventForwardSet = EventMap['EventForwardSet'];
export type EventForwardCancel = EventMap['EventForwardCancel'];
export type EventDTMFSent = EventMap['EventDTMFSent'];
export type EventListenDisconnected = EventMap['EventListenDisconnected'];
export type EventListenReconnected = EventMap['EventListenReconnected'];
export type EventTreatmentApplied = EventMap['EventTreatmentApplied'];
export type EventTreatmentNotApplied = EventMap['EventTreatmentNotApplied'];
export type EventTreatmentEnd = EventMap['EventTreatmentEnd'];
export type EventAgentAfterCallWork = EventMap['EventAgentAfterCallWork'];
export type EventSwitchInfo = EventMap['EventSwitchInfo'];
export type EventMonitoringNextCall = EventMap['EventMonitoringNextCall'];
export type EventMonitoringCancelled = EventMap['EventMonitoringCancelled'];
export type EventMuteOn = EventMap['EventMuteOn'];
export type EventMuteOff = EventMap['EventMuteOff'];
export type EventDNOutOfService = EventMap['EventDNOutOfService'];
export type EventDNBackInService = EventMap['EventDNBackInService'];
export type RequestSetDNDOn = RequestMap['RequestSetDNDOn'];
export type RequestSetDNDOff = RequestMap['RequestSetDNDOff'];
export type RequestHoldCall = RequestMap['RequestHoldCall'];
export type RequestRetrieveCall = RequestMap['RequestRetrieveCall'];
export type RequestInitiateConference = RequestMap['RequestInitiateConference'];
export type RequestCompleteConference = RequestMap['RequestCompleteConference'];
export type RequestDeleteFromConference = RequestMap['RequestDeleteFromConference'];
export type RequestInitiateTransfer = RequestMap['RequestInitiateTransfer'];
export type RequestSingleStepTransfer = RequestMap['RequestSingleStepTransfer'];
export type RequestCompleteTransfer = RequestMap['RequestCompleteTransfer'];
export type RequestAlternateCall = RequestMap['RequestAlternateCall'];
export type RequestReconnectCall = RequestMap['RequestReconnectCall'];
export type RequestUpdateUserData = RequestMap['RequestUpdateUserData'];
export type RequestDeleteUserData = RequestMap['RequestDeleteUserData'];
export type RequestDeletePair = RequestMap['RequestDeletePair'];
export type RequestCallForwardSet = RequestMap['RequestCallForwardSet'];
export type RequestCallForwardCancel = RequestMap['RequestCallForwardCancel'];
export type RequestRouteCall = RequestMap['RequestRouteCall'];
export type RequestSendDTMF = RequestMap['RequestSendDTMF'];
export type RequestRedirectCall = RequestMap['RequestRedirectCall'];
export type RequestListenDisconnect = RequestMap['RequestListenDisconnect'];
export type RequestListenReconnect = RequestMap['RequestListenReconnect'];
export type RequestClearCall = RequestMap['RequestClearCall'];
export type RequestSetCallInfo = RequestMap['RequestSetCallInfo'];
export type RequestApplyTreatment = RequestMap['RequestApplyTreatment'];
export type RequestQuerySwitch = RequestMap['RequestQuerySwitch'];
export type RequestMonitorNextCall = RequestMap['RequestMonitorNextCall'];
export type RequestCancelMonitoring = RequestMap['RequestCancelMonitoring'];
export type RequestSetMuteOn = RequestMap['RequestSetMuteOn'];
export type RequestSetMuteOff = RequestMap['RequestSetMuteOff'];

// Version 1.2: the whole call model.
export type EventDigitsCollected = EventMap['EventDigitsCollected'];
export type RequestMakePredictiveCall = RequestMap['RequestMakePredictiveCall'];
export type RequestMuteTransfer = RequestMap['RequestMuteTransfer'];
export type RequestMergeCalls = RequestMap['RequestMergeCalls'];
export type RequestCollectDigits = RequestMap['RequestCollectDigits'];
export type RequestSingleStepConference = RequestMap['RequestSingleStepConference'];
