/**
 * The typed request helpers (answerCall, holdCall, initiateTransfer, …) on GatewayConnection are
 * TServerConnection's own: installed from the one place they are defined, never listed again.
 * Each builds its request's attributes and calls `this.request(name, args, options)`, which here
 * goes through the gateway.
 */
import type { EventEmitter } from 'eventemitter3';
import { RequestHelpers } from '../connection/helpers.js';

/** Not installed: `route()` serves a routing point, which needs its own registration (a gateway keeps those). */
const NOT_INSTALLED: ReadonlySet<string> = new Set(['constructor', 'route', 'request']);

/** The helper methods, as TServerConnection has them. */
export type RequestHelperMethods = Omit<RequestHelpers, keyof EventEmitter | 'request' | 'route'>;

export function installRequestHelpers(target: { prototype: object }): void {
  const source = RequestHelpers.prototype;
  for (const name of Object.getOwnPropertyNames(source)) {
    if (NOT_INSTALLED.has(name) || Object.hasOwn(target.prototype, name)) continue;
    Object.defineProperty(target.prototype, name, Object.getOwnPropertyDescriptor(source, name)!);
  }
}
