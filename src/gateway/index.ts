/**
 * `tlib-client/gateway`: agent desktops in the browser. One TServerConnection serves every browser
 * session over WebSocket; `authenticate` and `authorize` decide who may watch and act on what.
 * The browser side is `tlib-client/browser` (GatewayConnection). See docs/gateway.md.
 */
export { createGateway, Gateway } from './gateway.js';
export type { GatewayEvents, GatewayRefusal, GatewaySessionInfo, GatewayStats } from './types.js';
export { GATEWAY_DEFAULTS, type GatewayGrant, type GatewayIdentity, type GatewayOptions, type ResolvedGatewayOptions } from './options.js';
export { GatewayError, type GatewayErrorCode } from './errors.js';
export { GATEWAY_ONLY_REQUESTS } from './policy.js';
export { tokenFromRequest } from './upgrade.js';
export {
  GATEWAY_PROTOCOL_VERSION,
  GATEWAY_SUBPROTOCOL,
  GatewayCloseCode,
  TOKEN_SUBPROTOCOL_PREFIX,
  type ClientMessage,
  type GatewayGrantView,
  type GatewayResyncSummary,
  type GatewayServerState,
  type ServerMessage,
  type WireError,
} from './protocol.js';
