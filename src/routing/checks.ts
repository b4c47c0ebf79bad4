/** Argument checks and answer readings of conn.route(), kept apart from the RoutePoint class. */
import {
  ConnectionClosedError,
  InvalidArgumentError,
  NotConnectedError,
  OfflineQueueFullError,
  RequestInterruptedError,
  RequestTimeoutError,
  TServerError,
} from '../errors.js';
import type { KVList } from '../protocol/attributes.js';
import { kvGet } from '../protocol/values.js';
import { RouteType } from '../protocol/enums.js';
import { type RouteDecision, type RouteOptions, type RouteTarget } from './types.js';
import { showValue } from '../util/show-value.js';

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

/**
 * Where EventRouteUsed says the call went: ThirdPartyDN (protocol 1.2, where OtherDN is the
 * caller); from a peer that sends no ThirdPartyDN, 1.1's OtherDN — unless the event carries
 * CallState, which only a 1.2 peer sends: then the call went nowhere (rejected, disconnected).
 */
export function routeUsedDestination(e: Record<string, unknown>): string | undefined {
  if (typeof e.ThirdPartyDN === 'string') return e.ThirdPartyDN;
  if (e.CallState !== undefined) return undefined;
  return typeof e.OtherDN === 'string' ? e.OtherDN : undefined;
}

/** What is wrong with a handler's result, or undefined for a decision. */
export function decisionProblem(d: unknown): string | undefined {
  const expected = 'expected a destination string, { destination, routeType, userData }, or null';
  if (d === null) return undefined;
  if (typeof d === 'string') return d.length > 0 ? undefined : `an empty destination: ${expected}`;
  if (typeof d !== 'object' || Array.isArray(d)) return expected;
  const t = d as RouteTarget;
  if (t.destination !== undefined && (typeof t.destination !== 'string' || t.destination.length === 0))
    return `destination ${showValue(t.destination)} is not a non-empty string`;
  if (t.routeType !== undefined && (!Number.isInteger(t.routeType) || t.routeType < 0 || t.routeType > 0x7fffffff))
    return `routeType ${showValue(t.routeType)} is not a RouteType number`;
  if (t.destination === undefined && t.routeType === undefined) return `neither destination nor routeType: ${expected}`;
  if (t.routeType === RouteType.AgentID && t.destination === undefined) return 'RouteType 13 (AgentID) needs the AgentID as destination';
  return undefined;
}

export function isDecision(d: unknown): d is RouteDecision {
  return decisionProblem(d) === undefined;
}

/** True when a request's outcome is unknown: it may or may not have reached the switch. */
export function outcomeUnknown(err: unknown): boolean {
  return err instanceof RequestInterruptedError || err instanceof RequestTimeoutError;
}

/** Why a request of the routing point or the dialer did not work, naming the true cause. */
export function failureOf(err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof TServerError) return `the server refused it (${message})`;
  if (err instanceof OfflineQueueFullError || err instanceof NotConnectedError || err instanceof ConnectionClosedError)
    return `it was never sent: the connection refused it client-side (${message})`;
  if (err instanceof RequestTimeoutError) return `no answer came (${message})`;
  if (err instanceof RequestInterruptedError) return `its server was lost before it answered (${message})`;
  return `it failed (${message})`;
}

/** Rough bytes a decoded value holds (strings, binaries, nested lists), to bound what waits. */
export function approxBytes(value: unknown, depth = 0): number {
  if (typeof value === 'string') return 16 + value.length;
  if (value instanceof Uint8Array) return 16 + value.byteLength;
  if (value === null || typeof value !== 'object' || depth > 32) return 8;
  let n = 16;
  if (Array.isArray(value)) for (const item of value) n += approxBytes(item, depth + 1);
  else for (const [k, v] of Object.entries(value)) n += k.length + approxBytes(v, depth + 1);
  return n;
}

export function checkArguments(routingPoint: unknown, handler: unknown, options: RouteOptions): void {
  if (typeof routingPoint !== 'string' || routingPoint.length === 0) {
    throw new InvalidArgumentError(`route(): routingPoint must be a non-empty DN string, got ${showValue(routingPoint)}`);
  }
  if (typeof handler !== 'function') throw new InvalidArgumentError(`route(): handler must be a function, got ${showValue(handler)}`);
  checkWholeNumbers('route()', options as Record<string, unknown>, {
    timeoutMs: 2_147_483_647,
    concurrency: 100_000,
    maxWaiting: 1_000_000,
    maxWaitingBytes: 2 ** 40,
    maxInFlight: 100_000,
    maxPending: 10_000_000,
  });
  const problem = options.fallback === undefined ? undefined : decisionProblem(options.fallback);
  if (problem !== undefined) {
    throw new InvalidArgumentError(
      `route(): options.fallback must be a destination string, { destination, routeType }, or null: ${problem}, got ${showValue(options.fallback)}`,
    );
  }
}

/** Each named option, when given, must be a whole number from 1 to its maximum. */
export function checkWholeNumbers(what: string, options: Record<string, unknown>, maxima: Record<string, number>): void {
  for (const [name, max] of Object.entries(maxima)) {
    const v = options[name];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)) {
      throw new InvalidArgumentError(`${what}: options.${name} must be a whole number from 1 to ${max}, got ${showValue(v)}`);
    }
  }
}
