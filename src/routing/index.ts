export { RoutePoint } from './route-point.js';
export {
  ROUTE_DEFAULTS,
  RouteError,
  type RouteDecision,
  type RouteErrorCode,
  type RouteHandler,
  type RouteOptions,
  type RouteOutcome,
  type RoutePointEvents,
  type RouteRequest,
  type RouteStats,
  type RouteTarget,
  type RoutingHost,
} from './types.js';
