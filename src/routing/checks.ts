/** Argument checks and answer readings of conn.route(), kept apart from the RoutePoint class. */
import { InvalidArgumentError } from '../errors.js';
import type { KVList } from '../protocol/attributes.js';
import { kvGet } from '../protocol/values.js';
import type { RouteDecision, RouteOptions, RouteTarget } from './types.js';

/**
 * EventPartyInfo for a call still waiting at the routing point: the switch reports the call's
 * current place (ThisDN) or state there; a call already routed is elsewhere.
 */
export function waitsAt(info: Record<string, unknown>, routingPoint: string): boolean {
  // The simulator (and servers that list parties) give each party's state in Extensions 'Parties'.
  const parties = kvGet(info.Extensions as KVList | undefined, 'Parties');
  if (Array.isArray(parties)) return kvGet(parties as KVList, routingPoint) === 'routing';
  return info.ThisDN === routingPoint;
}

export function isDecision(d: unknown): d is RouteDecision {
  if (d === null || typeof d === 'string') return d === null || d.length > 0;
  if (typeof d !== 'object' || Array.isArray(d)) return false;
  const t = d as RouteTarget;
  return (
    (t.destination === undefined || (typeof t.destination === 'string' && t.destination.length > 0)) &&
    (t.destination !== undefined || t.routeType !== undefined)
  );
}

export function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function checkArguments(routingPoint: unknown, handler: unknown, options: RouteOptions): void {
  if (typeof routingPoint !== 'string' || routingPoint.length === 0) {
    throw new InvalidArgumentError(`route(): routingPoint must be a non-empty DN string, got ${describe(routingPoint)}`);
  }
  if (typeof handler !== 'function') throw new InvalidArgumentError(`route(): handler must be a function, got ${describe(handler)}`);
  const positive = (name: keyof RouteOptions, max: number) => {
    const v = options[name];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)) {
      throw new InvalidArgumentError(`route(): options.${name} must be a whole number from 1 to ${max}, got ${describe(v)}`);
    }
  };
  positive('timeoutMs', 2_147_483_647);
  positive('concurrency', 100_000);
  positive('maxWaiting', 1_000_000);
  if (options.fallback !== undefined && !isDecision(options.fallback)) {
    throw new InvalidArgumentError(
      `route(): options.fallback must be a destination string, { destination, routeType }, or null, got ${describe(options.fallback)}`,
    );
  }
}
