/**
 * `tlib-client/browser`: GatewayConnection, the browser end of `tlib-client/gateway`. ESM, no
 * Node built-ins. See docs/gateway.md.
 */
export { GatewayConnection, GATEWAY_CONNECTION_DEFAULTS } from './connection.js';
export type { GatewayConnectionEvents, GatewayConnectionOptions, GatewayConnectionState, GatewayConnectionStatus } from './types.js';
export type { BrowserRequestOptions } from './requests.js';
export type { HelperMethods } from '../protocol/helper-methods.js';
export { GatewayError, type GatewayErrorCode } from '../gateway/errors.js';
export {
  GatewayCloseCode,
  GATEWAY_SUBPROTOCOL,
  type GatewayGrantView,
  type GatewayResyncSummary,
  type GatewayServerState,
} from '../gateway/protocol.js';
export * from '../errors.js';
export * from '../protocol/enums.js';
export type { TEvent, EventMap } from '../protocol/types.js';
export type { AgentStatusName, AgentView, CallView, ChangeCause, Correction, DNView, ForwardView, PartyState } from '../model/types.js';
