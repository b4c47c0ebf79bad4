/**
 * Typed helpers: one method per request a desktop or router sends, named as a developer expects,
 * each a thin call to request(). Kept apart from the connection so the connection stays about
 * connections; TServerConnection extends this class.
 *
 * Positional arguments come first (the DN, then the ConnID, then what the request is about); the
 * rest is an options object in camelCase, renamed to the catalogue's attribute names by
 * OPTION_ATTRIBUTES. A key not in that table passes through under its own name, so the
 * catalogue's names (`{ AddressType: 4 }`) keep working and a typo is refused by validation.
 * Each helper's answering event and idempotence are those of its catalogue row (docs/call-control.md).
 */
import { EventEmitter } from 'eventemitter3';
import type { KVListInput } from '../protocol/attributes.js';
import type {
  AddressType,
  AgentWorkMode,
  ForwardMode,
  MakeCallType,
  MonitorNextCallType,
  RouteType,
  TreatmentType,
} from '../protocol/enums.js';
import type { EventName, RequestName } from '../protocol/messages.js';
import type { AnswerOf, RequestArgs } from '../protocol/types.js';
import type { RequestOptions } from './requests.js';
import { RoutePoint, type RouteHandler, type RouteOptions, type RoutingHost } from '../routing/index.js';
import { InvalidArgumentError } from '../errors.js';
import { messageByName } from '../protocol/catalogue.js';
import type { TServerConnectionEvents } from './connection.js';

/** Builds a RequestSetInputMask mask from event names (bit n = message type n). */
export function inputMaskOf(events: readonly EventName[]): Uint8Array {
  const mask = new Uint8Array(64);
  for (const name of events) {
    const d = messageByName(name);
    if (!d || d.kind !== 'event') throw new InvalidArgumentError(`inputMaskOf: ${String(name)} is not an event name`);
    mask[d.type >> 3] |= 1 << (d.type & 7);
  }
  return mask;
}

/** camelCase option → catalogue attribute name. The only place these names are paired. */
const OPTION_ATTRIBUTES: Readonly<Record<string, string>> = {
  reasons: 'Reasons',
  extensions: 'Extensions',
  userData: 'UserData',
  location: 'Location',
  workMode: 'AgentWorkMode',
  queue: 'ThisQueue',
  place: 'Place',
  password: 'Password',
  makeCallType: 'MakeCallType',
  forwardMode: 'ForwardMode',
  routeType: 'RouteType',
  dnis: 'DNIS',
  parms: 'TreatmentParms',
  addressType: 'AddressType',
  registerMode: 'RegisterMode',
  monitorNextCallType: 'MonitorNextCallType',
  switchInfoType: 'SwitchInfoType',
};

/** What every 1.1 request also takes. */
export interface CallRequestOptions {
  reasons?: KVListInput;
  extensions?: KVListInput;
}
/** Consultation, transfer and conference: where the other party is and what the call carries. */
export interface ConsultOptions extends CallRequestOptions {
  location?: string;
  userData?: KVListInput;
}
/** Agent state: the work mode (e.g. AgentWorkMode.AfterCallWork) and the ACD queue. */
export interface AgentStateOptions extends CallRequestOptions {
  workMode?: AgentWorkMode | number;
  queue?: string;
}
export interface AgentLoginOptions extends AgentStateOptions {
  place?: string;
  /** Sent on the wire only; never logged or quoted in an error (see redactAttributes). */
  password?: string;
}
export interface MakeCallOptions extends ConsultOptions {
  makeCallType?: MakeCallType | number;
}
export interface ForwardOptions extends CallRequestOptions {
  forwardMode?: ForwardMode | number;
}
export interface RouteCallOptions extends ConsultOptions {
  routeType?: RouteType | number;
  dnis?: string;
}
export interface TreatmentOptions extends CallRequestOptions {
  /** TreatmentParms: the treatment's parameters (e.g. `{ MUSIC_DN: '7001', DURATION: 30 }`). */
  parms?: KVListInput;
}
export interface RegisterAddressOptions {
  /** AddressType: AddressType.Queue (3) for an ACD queue, AddressType.RoutingPoint (4) for a routing point. */
  addressType?: AddressType | number;
  registerMode?: number;
  extensions?: KVListInput;
}
export interface MonitorOptions extends CallRequestOptions {
  monitorNextCallType?: MonitorNextCallType | number;
}
export interface QuerySwitchOptions extends CallRequestOptions {
  switchInfoType?: number;
}

const REQUEST_OPTION_KEYS = new Set(['signal', 'timeoutMs']);
/** The 1.0 form agentReady(dn, { signal, timeoutMs }): no attribute has those names. */
function isRequestOptions(value: unknown): value is RequestOptions {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => REQUEST_OPTION_KEYS.has(k));
}

/** Catalogue attribute names a helper also accepts, minus the ones it takes positionally. */
type Raw<N extends RequestName, Positional extends string> = Omit<RequestArgs<N>, Positional>;

export abstract class RequestHelpers extends EventEmitter<TServerConnectionEvents> {
  abstract request<N extends RequestName>(name: N, args?: RequestArgs<N>, options?: RequestOptions): Promise<AnswerOf<N>>;

  /** Renames the options, lays the positional attributes over them, and sends. */
  private send<N extends RequestName>(name: N, opts: object | undefined, positional: Record<string, unknown>, options?: RequestOptions) {
    if (opts !== undefined && (typeof opts !== 'object' || opts === null || Array.isArray(opts))) {
      return Promise.reject(
        new InvalidArgumentError(`${name}: the options must be an object, got ${Array.isArray(opts) ? 'an array' : typeof opts}`),
      );
    }
    const attributes: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(opts ?? {})) {
      if (value !== undefined) attributes[OPTION_ATTRIBUTES[key] ?? key] = value;
    }
    Object.assign(attributes, positional);
    return this.request(name, attributes as RequestArgs<N>, options);
  }

  // ------------------------------------------------------------------ DNs and the server

  /** RequestRegisterAddress → EventRegistered. Idempotent. `{ addressType: AddressType.RoutingPoint }` for a routing point. */
  registerAddress(dn: string, args: RegisterAddressOptions & Raw<'RequestRegisterAddress', 'ThisDN'> = {}, options?: RequestOptions) {
    return this.send('RequestRegisterAddress', args, { ThisDN: dn }, options);
  }
  /** RequestUnregisterAddress → EventUnregistered. Idempotent. */
  unregisterAddress(dn: string, options?: RequestOptions) {
    return this.request('RequestUnregisterAddress', { ThisDN: dn }, options);
  }
  /** RequestQueryAddress → EventAddressInfo. Idempotent. */
  queryAddress(dn: string, args: Raw<'RequestQueryAddress', 'ThisDN'> = {}, options?: RequestOptions) {
    return this.request('RequestQueryAddress', { ...args, ThisDN: dn }, options);
  }
  /** RequestQueryCall → EventPartyInfo. Idempotent. */
  queryCall(connId: string, args: Raw<'RequestQueryCall', 'ConnID'> = {}, options?: RequestOptions) {
    return this.request('RequestQueryCall', { ...args, ConnID: connId }, options);
  }
  /** RequestQueryLocation → EventLocationInfo. Idempotent. */
  queryLocation(args: RequestArgs<'RequestQueryLocation'> = {}, options?: RequestOptions) {
    return this.request('RequestQueryLocation', args, options);
  }
  /** RequestQueryServer → EventServerInfo. Idempotent. */
  queryServer(options?: RequestOptions) {
    return this.request('RequestQueryServer', {}, options);
  }
  /** RequestQuerySwitch → EventSwitchInfo. Idempotent. */
  querySwitch(args: QuerySwitchOptions & Raw<'RequestQuerySwitch', never> = {}, options?: RequestOptions) {
    return this.send('RequestQuerySwitch', args, {}, options);
  }
  /** RequestSetDNDOn → EventDNDOn. Idempotent. A call to a DN in DND is refused (EventDestinationBusy to the caller). */
  setDNDOn(dn: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestSetDNDOn', args, { ThisDN: dn }, options);
  }
  /** RequestSetDNDOff → EventDNDOff. Idempotent. */
  setDNDOff(dn: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestSetDNDOff', args, { ThisDN: dn }, options);
  }
  /** RequestCallForwardSet → EventForwardSet. Idempotent. `forwardMode` defaults to the switch's (unconditional). */
  setCallForward(dn: string, destination: string, args: ForwardOptions = {}, options?: RequestOptions) {
    return this.send('RequestCallForwardSet', args, { ThisDN: dn, OtherDN: destination }, options);
  }
  /** RequestCallForwardCancel → EventForwardCancel. Idempotent. */
  cancelCallForward(dn: string, args: ForwardOptions = {}, options?: RequestOptions) {
    return this.send('RequestCallForwardCancel', args, { ThisDN: dn }, options);
  }

  // ------------------------------------------------------------------ agent state

  /** RequestAgentLogin → EventAgentLogin. Not idempotent. The password is never logged. */
  agentLogin(
    dn: string,
    agentId: string,
    args: AgentLoginOptions & Raw<'RequestAgentLogin', 'ThisDN' | 'AgentID'> = {},
    options?: RequestOptions,
  ) {
    return this.send('RequestAgentLogin', args, { ThisDN: dn, AgentID: agentId }, options);
  }
  /** RequestAgentLogout → EventAgentLogout. Not idempotent. */
  agentLogout(dn: string, options?: RequestOptions) {
    return this.request('RequestAgentLogout', { ThisDN: dn }, options);
  }
  /**
   * RequestAgentReady → EventAgentReady (with AgentWorkMode). Not idempotent.
   * `agentReady(dn, { workMode: AgentWorkMode.AutoIn })`; `agentReady(dn, requestOptions)` still works.
   */
  agentReady(dn: string, options?: RequestOptions): Promise<AnswerOf<'RequestAgentReady'>>;
  agentReady(
    dn: string,
    args: AgentStateOptions & Raw<'RequestAgentReady', 'ThisDN'>,
    options?: RequestOptions,
  ): Promise<AnswerOf<'RequestAgentReady'>>;
  agentReady(dn: string, args?: object, options?: RequestOptions) {
    if (isRequestOptions(args)) return this.send('RequestAgentReady', {}, { ThisDN: dn }, args);
    return this.send('RequestAgentReady', args, { ThisDN: dn }, options);
  }
  /**
   * RequestAgentNotReady → EventAgentNotReady (with AgentWorkMode). Not idempotent.
   * After-call work: `agentNotReady(dn, { workMode: AgentWorkMode.AfterCallWork })`.
   */
  agentNotReady(dn: string, args: AgentStateOptions & Raw<'RequestAgentNotReady', 'ThisDN'> = {}, options?: RequestOptions) {
    return this.send('RequestAgentNotReady', args, { ThisDN: dn }, options);
  }
  /** RequestReserveAgent → EventAgentReserved. Not idempotent. */
  reserveAgent(args: RequestArgs<'RequestReserveAgent'>, options?: RequestOptions) {
    return this.request('RequestReserveAgent', args, options);
  }

  // ------------------------------------------------------------------ one call

  /** RequestMakeCall → EventDialing. Not idempotent. */
  makeCall(
    dn: string,
    otherDN: string,
    args: MakeCallOptions & Raw<'RequestMakeCall', 'ThisDN' | 'OtherDN'> = {},
    options?: RequestOptions,
  ) {
    return this.send('RequestMakeCall', args, { ThisDN: dn, OtherDN: otherDN }, options);
  }
  /** RequestAnswerCall → EventEstablished. Not idempotent. */
  answerCall(dn: string, connId: string, options?: RequestOptions) {
    return this.request('RequestAnswerCall', { ThisDN: dn, ConnID: connId }, options);
  }
  /** RequestReleaseCall → EventReleased. Not idempotent. */
  releaseCall(dn: string, connId: string, options?: RequestOptions) {
    return this.request('RequestReleaseCall', { ThisDN: dn, ConnID: connId }, options);
  }
  /** RequestHoldCall → EventHeld. Not idempotent. */
  holdCall(dn: string, connId: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestHoldCall', args, { ThisDN: dn, ConnID: connId }, options);
  }
  /** RequestRetrieveCall → EventRetrieved. Not idempotent. */
  retrieveCall(dn: string, connId: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestRetrieveCall', args, { ThisDN: dn, ConnID: connId }, options);
  }
  /** RequestRedirectCall → EventReleased at `dn` (the call rings at `otherDN`, same ConnID). Not idempotent. */
  redirectCall(dn: string, connId: string, otherDN: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestRedirectCall', args, { ThisDN: dn, ConnID: connId, OtherDN: otherDN }, options);
  }
  /** RequestClearCall → EventReleased at `dn` (every other party is released too). Not idempotent. */
  clearCall(dn: string, connId: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestClearCall', args, { ThisDN: dn, ConnID: connId }, options);
  }
  /** RequestSendDTMF → EventDTMFSent. Not idempotent (digits would be sent twice). */
  sendDTMF(dn: string, connId: string, digits: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestSendDTMF', args, { ThisDN: dn, ConnID: connId, DTMFDigits: digits }, options);
  }
  /** RequestSetMuteOn → EventMuteOn. Idempotent. */
  setMuteOn(dn: string, connId: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestSetMuteOn', args, { ThisDN: dn, ConnID: connId }, options);
  }
  /** RequestSetMuteOff → EventMuteOff. Idempotent. */
  setMuteOff(dn: string, connId: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestSetMuteOff', args, { ThisDN: dn, ConnID: connId }, options);
  }

  // ------------------------------------------------------------------ transfer and conference

  /** RequestInitiateTransfer → EventDialing for the consultation call (a new ConnID). EventHeld for `connId` comes first. Not idempotent. */
  initiateTransfer(dn: string, connId: string, otherDN: string, args: ConsultOptions = {}, options?: RequestOptions) {
    return this.send('RequestInitiateTransfer', args, { ThisDN: dn, ConnID: connId, OtherDN: otherDN }, options);
  }
  /**
   * RequestCompleteTransfer → EventReleased for the held call `connId` at `dn` (EventReleased for the
   * consultation call comes first and settles nothing). The call keeps `connId`. Not idempotent.
   */
  completeTransfer(dn: string, connId: string, consultConnId: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestCompleteTransfer', args, { ThisDN: dn, ConnID: connId, TransferConnID: consultConnId }, options);
  }
  /** RequestSingleStepTransfer → EventReleased at `dn` (the call rings at `otherDN`, same ConnID). Not idempotent. */
  singleStepTransfer(dn: string, connId: string, otherDN: string, args: ConsultOptions = {}, options?: RequestOptions) {
    return this.send('RequestSingleStepTransfer', args, { ThisDN: dn, ConnID: connId, OtherDN: otherDN }, options);
  }
  /** RequestInitiateConference → EventDialing for the consultation call (a new ConnID). Not idempotent. */
  initiateConference(dn: string, connId: string, otherDN: string, args: ConsultOptions = {}, options?: RequestOptions) {
    return this.send('RequestInitiateConference', args, { ThisDN: dn, ConnID: connId, OtherDN: otherDN }, options);
  }
  /** RequestCompleteConference → EventPartyAdded for the held call `connId` (which the conference keeps). Not idempotent. */
  completeConference(dn: string, connId: string, consultConnId: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestCompleteConference', args, { ThisDN: dn, ConnID: connId, ConferenceConnID: consultConnId }, options);
  }
  /** RequestDeleteFromConference → EventPartyDeleted (`otherDN` is released). Not idempotent. */
  deleteFromConference(dn: string, connId: string, otherDN: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestDeleteFromConference', args, { ThisDN: dn, ConnID: connId, OtherDN: otherDN }, options);
  }
  /** RequestAlternateCall → EventRetrieved for `heldConnId` (EventHeld for `activeConnId` first). Not idempotent. */
  alternateCall(dn: string, heldConnId: string, activeConnId: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestAlternateCall', args, { ThisDN: dn, ConnID: heldConnId, PreviousConnID: activeConnId }, options);
  }
  /** RequestReconnectCall → EventRetrieved for `heldConnId` (`activeConnId` is released first). Not idempotent. */
  reconnectCall(dn: string, heldConnId: string, activeConnId: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestReconnectCall', args, { ThisDN: dn, ConnID: heldConnId, PreviousConnID: activeConnId }, options);
  }

  // ------------------------------------------------------------------ user data

  /** RequestAttachUserData → EventAttachedDataChanged. Not idempotent (adds keys). */
  attachUserData(dn: string, connId: string, userData: KVListInput, options?: RequestOptions) {
    return this.request('RequestAttachUserData', { ThisDN: dn, ConnID: connId, UserData: userData }, options);
  }
  /** RequestUpdateUserData → EventAttachedDataChanged (every party gets one; the one at `dn` answers). Idempotent. */
  updateUserData(dn: string, connId: string, userData: KVListInput, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestUpdateUserData', args, { ThisDN: dn, ConnID: connId, UserData: userData }, options);
  }
  /** RequestDeleteUserData (all keys) → EventAttachedDataChanged. Idempotent. */
  deleteUserData(dn: string, connId: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestDeleteUserData', args, { ThisDN: dn, ConnID: connId }, options);
  }
  /** RequestDeletePair (one key) → EventAttachedDataChanged. Idempotent. */
  deleteUserDataPair(dn: string, connId: string, key: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestDeletePair', args, { ThisDN: dn, ConnID: connId, DataKey: key }, options);
  }

  // ------------------------------------------------------------------ supervision

  /** RequestMonitorNextCall → EventMonitoringNextCall: `supervisorDN` monitors `agentDN`'s next call(s). Not idempotent. */
  monitorNextCall(supervisorDN: string, agentDN: string, args: MonitorOptions = {}, options?: RequestOptions) {
    return this.send('RequestMonitorNextCall', args, { ThisDN: supervisorDN, OtherDN: agentDN }, options);
  }
  /** RequestCancelMonitoring → EventMonitoringCancelled. Not idempotent (the spec does not list it). */
  cancelMonitoring(supervisorDN: string, agentDN: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestCancelMonitoring', args, { ThisDN: supervisorDN, OtherDN: agentDN }, options);
  }
  /** RequestListenDisconnect → EventListenDisconnected: `listenerDN` stops hearing call `connId`. Not idempotent. */
  listenDisconnect(dn: string, connId: string, listenerDN: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestListenDisconnect', args, { ThisDN: dn, ConnID: connId, OtherDN: listenerDN }, options);
  }
  /** RequestListenReconnect → EventListenReconnected. Not idempotent. */
  listenReconnect(dn: string, connId: string, listenerDN: string, args: CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestListenReconnect', args, { ThisDN: dn, ConnID: connId, OtherDN: listenerDN }, options);
  }

  // ------------------------------------------------------------------ routing

  /**
   * RequestRouteCall → EventRouteUsed: routes call `connId` waiting at `routingPoint` to
   * `destination` (undefined: let the switch route by default). Not idempotent; a second route
   * of one call gets EventError 57.
   */
  routeCall(routingPoint: string, connId: string, destination: string | undefined, args: RouteCallOptions = {}, options?: RequestOptions) {
    const positional: Record<string, unknown> = { ThisDN: routingPoint, ConnID: connId };
    if (destination !== undefined) positional.OtherDN = destination;
    return this.send('RequestRouteCall', args, positional, options);
  }
  /**
   * RequestApplyTreatment → EventTreatmentApplied (or EventTreatmentNotApplied when refused; the
   * promise resolves with either). EventTreatmentEnd follows when it ends. Not idempotent.
   */
  applyTreatment(dn: string, connId: string, treatmentType: TreatmentType | number, args: TreatmentOptions = {}, options?: RequestOptions) {
    return this.send('RequestApplyTreatment', args, { ThisDN: dn, ConnID: connId, TreatmentType: treatmentType }, options);
  }

  // ------------------------------------------------------------------ the rest

  /** RequestSetCallInfo → EventCallInfoChanged. Not idempotent. */
  setCallInfo(connId: string, args: Raw<'RequestSetCallInfo', 'ConnID'> & CallRequestOptions = {}, options?: RequestOptions) {
    return this.send('RequestSetCallInfo', args, { ConnID: connId }, options);
  }
  /** TSendUserEvent: RequestDistributeUserEvent, answered by EventACK (UserEvent 48). Not idempotent. */
  sendUserEvent(dn: string, args: Raw<'RequestDistributeUserEvent', 'ThisDN'> = {}, options?: RequestOptions) {
    return this.request('RequestDistributeUserEvent', { ...args, ThisDN: dn }, options);
  }
  /** RequestPrivateService → EventACK or EventPrivateInfo. Not idempotent. */
  privateService(privateMsgId: number, args: Raw<'RequestPrivateService', 'PrivateMsgID'> = {}, options?: RequestOptions) {
    return this.request('RequestPrivateService', { ...args, PrivateMsgID: privateMsgId }, options);
  }
  /** RequestTransactionMonitoring → EventACK (SubscriptionID on start). */
  transactionMonitoring(args: RequestArgs<'RequestTransactionMonitoring'>, options?: RequestOptions) {
    return this.request('RequestTransactionMonitoring', args, options);
  }
  /** Sets the input mask: a 64-byte mask, or the event names to receive. RequestSetInputMask → EventACK. Idempotent. */
  setInputMask(mask: Uint8Array | readonly EventName[], options?: RequestOptions) {
    let bytes: Uint8Array;
    try {
      bytes = mask instanceof Uint8Array ? mask : inputMaskOf(mask);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.request('RequestSetInputMask', { InputMask: bytes }, options);
  }

  /**
   * Serves a routing point: registers it (kept across reconnects and failovers), calls `handler`
   * for each EventRouteRequest there and answers with RequestRouteCall. Resolves once registered;
   * the handle's `close()` unregisters. See docs/routing.md.
   */
  route(routingPoint: string, handler: RouteHandler, options?: RouteOptions): Promise<RoutePoint> {
    return RoutePoint.start(this as unknown as RoutingHost, routingPoint, handler, options);
  }
}
