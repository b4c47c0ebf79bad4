/**
 * The typed request helpers of TServerConnection: one method per row of the helper table
 * (src/protocol/helper-table.ts), installed on this class's prototype by installHelpers() and
 * typed by the generated HelperMethods interface, as ioredis builds its commands. Kept apart from
 * the connection so the connection stays about connections. They sit on the listener API
 * (IsolatingEmitter); TServerConnection extends this class.
 *
 * Positional arguments come first (the DN, then the ConnID, then what the request is about); then
 * an options object: the request's other attributes in camelCase (or under their catalogue
 * names), `signal` and `timeoutMs`; last, optionally, `{ signal, timeoutMs }` alone.
 * docs/call-control.md lists every helper.
 */
import { installHelpers } from '../protocol/helper-install.js';
import type { HelperMethods } from '../protocol/helper-methods.js';
import type { HelperOptions } from '../protocol/helper-table.js';
import type { RequestName } from '../protocol/messages.js';
import type { AnswerOf, RequestArgs } from '../protocol/types.js';
import { RoutePoint, type RouteHandler, type RouteOptions, type RoutingHost } from '../routing/index.js';
import { IsolatingEmitter } from './events/emitter.js';
import type { RequestOptions } from './requests/pending.js';

export { inputMaskOf } from '../protocol/helper-install.js';

// The option types of earlier releases, by the helper that takes them.
/** What every request also takes: `reasons`, `extensions`, `signal`, `timeoutMs`. */
export type CallRequestOptions = HelperOptions<'holdCall'>;
/** Consultation, transfer and conference: `location`, `userData`. */
export type ConsultOptions = HelperOptions<'initiateTransfer'>;
/** Agent state: `workMode` (e.g. AgentWorkMode.AfterCallWork) and `queue`. */
export type AgentStateOptions = HelperOptions<'agentReady'>;
/** `place`, `password` (sent on the wire only, never logged), `workMode`, `queue`. */
export type AgentLoginOptions = HelperOptions<'agentLogin'>;
/** Options of `makeCall()`. */
export type MakeCallOptions = HelperOptions<'makeCall'>;
/** Options of `setCallForward()`. */
export type ForwardOptions = HelperOptions<'setCallForward'>;
/** Options of `routeCall()`. */
export type RouteCallOptions = HelperOptions<'routeCall'>;
/** `parms`: TreatmentParms, the treatment's parameters (e.g. `{ MUSIC_DN: '7001', DURATION: 30 }`). */
export type TreatmentOptions = HelperOptions<'applyTreatment'>;
/** `addressType`: AddressType.Queue (3) for an ACD queue, AddressType.RoutingPoint (4) for a routing point. */
export type RegisterAddressOptions = HelperOptions<'registerAddress'>;
/** Options of `monitorNextCall()`. */
export type MonitorOptions = HelperOptions<'monitorNextCall'>;
/** Options of `querySwitch()`. */
export type QuerySwitchOptions = HelperOptions<'querySwitch'>;

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: installHelpers() below puts every method of the merged interface on the prototype.
export abstract class RequestHelpers extends IsolatingEmitter {
  abstract request<N extends RequestName>(name: N, args?: RequestArgs<N>, options?: RequestOptions): Promise<AnswerOf<N>>;

  /**
   * Serves a routing point: registers it (kept across reconnects and failovers), calls `handler`
   * for each EventRouteRequest there and answers with RequestRouteCall. Resolves once registered;
   * the handle's `close()` unregisters. See docs/routing.md.
   */
  route(routingPoint: string, handler: RouteHandler, options?: RouteOptions): Promise<RoutePoint> {
    return RoutePoint.start(this as unknown as RoutingHost, routingPoint, handler, options);
  }
}
// The helpers' types: HelperMethods, generated from the same table as the methods.
export interface RequestHelpers extends HelperMethods {}
installHelpers(RequestHelpers);
