/**
 * Typed helpers: one method per request a desktop or router sends, named as a developer expects,
 * each a thin call to request(). Kept apart from the connection so the connection stays about
 * connections; TServerConnection extends this class.
 */
import { EventEmitter } from 'eventemitter3';
import type { KVListInput } from '../protocol/attributes.js';
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

export abstract class RequestHelpers extends EventEmitter<TServerConnectionEvents> {
  abstract request<N extends RequestName>(name: N, args?: RequestArgs<N>, options?: RequestOptions): Promise<AnswerOf<N>>;


  registerAddress(dn: string, args: Omit<RequestArgs<'RequestRegisterAddress'>, 'ThisDN'> = {}, options?: RequestOptions) {
    return this.request('RequestRegisterAddress', { ...args, ThisDN: dn }, options);
  }
  unregisterAddress(dn: string, options?: RequestOptions) {
    return this.request('RequestUnregisterAddress', { ThisDN: dn }, options);
  }
  queryAddress(dn: string, args: Omit<RequestArgs<'RequestQueryAddress'>, 'ThisDN'> = {}, options?: RequestOptions) {
    return this.request('RequestQueryAddress', { ...args, ThisDN: dn }, options);
  }
  queryCall(connId: string, args: Omit<RequestArgs<'RequestQueryCall'>, 'ConnID'> = {}, options?: RequestOptions) {
    return this.request('RequestQueryCall', { ...args, ConnID: connId }, options);
  }
  queryLocation(args: RequestArgs<'RequestQueryLocation'> = {}, options?: RequestOptions) {
    return this.request('RequestQueryLocation', args, options);
  }
  queryServer(options?: RequestOptions) {
    return this.request('RequestQueryServer', {}, options);
  }
  agentLogin(dn: string, agentId: string, args: Omit<RequestArgs<'RequestAgentLogin'>, 'ThisDN' | 'AgentID'> = {}, options?: RequestOptions) {
    return this.request('RequestAgentLogin', { ...args, ThisDN: dn, AgentID: agentId }, options);
  }
  agentLogout(dn: string, options?: RequestOptions) {
    return this.request('RequestAgentLogout', { ThisDN: dn }, options);
  }
  agentReady(dn: string, options?: RequestOptions) {
    return this.request('RequestAgentReady', { ThisDN: dn }, options);
  }
  agentNotReady(dn: string, args: Omit<RequestArgs<'RequestAgentNotReady'>, 'ThisDN'> = {}, options?: RequestOptions) {
    return this.request('RequestAgentNotReady', { ...args, ThisDN: dn }, options);
  }
  reserveAgent(args: RequestArgs<'RequestReserveAgent'>, options?: RequestOptions) {
    return this.request('RequestReserveAgent', args, options);
  }
  makeCall(dn: string, otherDN: string, args: Omit<RequestArgs<'RequestMakeCall'>, 'ThisDN' | 'OtherDN'> = {}, options?: RequestOptions) {
    return this.request('RequestMakeCall', { ...args, ThisDN: dn, OtherDN: otherDN }, options);
  }
  answerCall(dn: string, connId: string, options?: RequestOptions) {
    return this.request('RequestAnswerCall', { ThisDN: dn, ConnID: connId }, options);
  }
  releaseCall(dn: string, connId: string, options?: RequestOptions) {
    return this.request('RequestReleaseCall', { ThisDN: dn, ConnID: connId }, options);
  }
  attachUserData(dn: string, connId: string, userData: KVListInput, options?: RequestOptions) {
    return this.request('RequestAttachUserData', { ThisDN: dn, ConnID: connId, UserData: userData }, options);
  }
  /** TSendUserEvent: RequestDistributeUserEvent, answered by EventACK (UserEvent 48). */
  sendUserEvent(dn: string, args: Omit<RequestArgs<'RequestDistributeUserEvent'>, 'ThisDN'> = {}, options?: RequestOptions) {
    return this.request('RequestDistributeUserEvent', { ...args, ThisDN: dn }, options);
  }
  privateService(privateMsgId: number, args: Omit<RequestArgs<'RequestPrivateService'>, 'PrivateMsgID'> = {}, options?: RequestOptions) {
    return this.request('RequestPrivateService', { ...args, PrivateMsgID: privateMsgId }, options);
  }
  transactionMonitoring(args: RequestArgs<'RequestTransactionMonitoring'>, options?: RequestOptions) {
    return this.request('RequestTransactionMonitoring', args, options);
  }
  /** Sets the input mask: a 64-byte mask, or the event names to receive. */
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
