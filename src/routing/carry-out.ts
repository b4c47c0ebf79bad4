/**
 * Carrying out one routing decision: RequestRouteCall through the routing point's window, and when
 * its outcome is unknown (its server was lost, or no answer came) a RequestQueryCall to the server
 * now primary before any second send — the route goes again only if the call still waits at the
 * routing point, so no call is routed twice. A route or check refused by a server not primary yet
 * (EventError 52) is sent again by the connection once one is (connection/requests/router.ts); what
 * reaches this module is the final answer.
 * Resolves with how the call ended; never rejects.
 */
import { TServerError } from '../errors.js';
import { RouteType } from '../protocol/enums.js';
import { failureOf, outcomeUnknown, routeUsedDestination, waitsAt } from './checks.js';
import { NO_SUCH_CALL, ROUTING_LANE, type RouteDecision, type RouteTarget, type RoutingHost } from './types.js';
import type { RequestWindow } from './window.js';

/** How a call the routing point accepted ended, once its route reached the switch. */
export type Ending = 'routed' | 'defaulted' | 'abandoned';

export type Carried = { ending: Ending; destination: string | undefined } | { ending: 'failed'; message: string; cause: unknown };

/** Checks of one route after failovers: past it the route is counted as failed (the pair keeps flapping). */
const MAX_RECHECKS = 3;

/** RequestRouteCall's attributes for a decision (`null`: the switch's default route, RouteType 1). */
export function routeArgs(routingPoint: string, connId: string, decision: RouteDecision): Record<string, unknown> {
  const target: RouteTarget =
    decision === null ? { routeType: RouteType.Default } : typeof decision === 'string' ? { destination: decision } : decision;
  const args: Record<string, unknown> = { ThisDN: routingPoint, ConnID: connId };
  if (target.destination !== undefined) args.OtherDN = target.destination;
  if (target.routeType !== undefined) args.RouteType = target.routeType;
  if (target.location !== undefined) args.Location = target.location;
  if (target.dnis !== undefined) args.DNIS = target.dnis;
  if (target.userData !== undefined) args.UserData = target.userData;
  if (target.extensions !== undefined) args.Extensions = target.extensions;
  return args;
}

const noSuchCall = (err: unknown): boolean => err instanceof TServerError && err.errorCode === NO_SUCH_CALL;

/**
 * Sends the route and learns how it ended. `gone()` says whether the switch ended the call
 * meanwhile (EventAbandoned, a default route), which is what EventError 57 then means.
 */
export async function carryOut(
  host: RoutingHost,
  window: RequestWindow,
  args: Record<string, unknown>,
  gone: () => Ending | undefined,
): Promise<Carried> {
  const asked = args.OtherDN as string | undefined;
  const byDefault = asked === undefined && args.RouteType === RouteType.Default;
  for (let rechecks = 0; ; ) {
    let err: unknown;
    try {
      const used = await window.run(() => host.request('RequestRouteCall', args, ROUTING_LANE));
      return { ending: byDefault ? 'defaulted' : 'routed', destination: routeUsedDestination(used) ?? asked };
    } catch (e) {
      err = e;
    }
    // EventError 57: the call no longer waits there (routed by default, or the caller hung up).
    if (noSuchCall(err)) return { ending: gone() ?? 'defaulted', destination: undefined };
    if (!outcomeUnknown(err) || rechecks >= MAX_RECHECKS)
      return { ending: 'failed', message: `the route was not carried out: ${failureOf(err)}`, cause: err };
    rechecks++;
    const checked = await check(host, window, args);
    if (checked === 'routed') return { ending: gone() ?? 'routed', destination: asked };
    if (checked === 'noSuchCall') return { ending: gone() ?? 'defaulted', destination: undefined };
    if (checked !== 'waits') return checked;
  }
}

/**
 * Where the call of a route whose outcome is unknown is: still waiting at the routing point (the
 * route goes again), gone from it (the lost server had routed it before it went), no longer a call
 * (EventError 57), or not known (the check failed).
 */
async function check(
  host: RoutingHost,
  window: RequestWindow,
  args: Record<string, unknown>,
): Promise<'waits' | 'routed' | 'noSuchCall' | Carried> {
  try {
    const info = await window.run(() => host.request('RequestQueryCall', { ConnID: args.ConnID }, ROUTING_LANE));
    return waitsAt(info, args.ThisDN as string) ? 'waits' : 'routed';
  } catch (err) {
    if (noSuchCall(err)) return 'noSuchCall';
    return { ending: 'failed', message: `the route's outcome could not be checked after a failover: ${failureOf(err)}`, cause: err };
  }
}
