/** A scripted RoutingHost (no sockets): records requests, answers some at once, leaves the rest to the test. */
import { EventEmitter } from 'eventemitter3';
import { expect } from 'vitest';
import type { RoutePoint, RoutingHost } from '../../src/routing/index.js';

export interface Sent {
  name: string;
  args: Record<string, unknown>;
  options: { lane?: string } | undefined;
  resolve: (e: Record<string, unknown>) => void;
  reject: (err: unknown) => void;
}

/** An answer for a request: an event resolves it, an Error rejects it, 'pending' leaves it to the test. */
export type Script = (args: Record<string, unknown>) => Record<string, unknown> | Error | 'pending';

export class FakeHost extends EventEmitter implements RoutingHost {
  sent: Sent[] = [];
  /** Answer registrations at once; route calls stay pending unless autoAnswer. */
  autoAnswer = true;
  /** Answers by request name (checked before the defaults: registrations answered, RequestQueryAddress lists no calls). */
  script: Record<string, Script> = {};
  request(name: string, args: Record<string, unknown>, options?: { lane?: string }): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.sent.push({ name, args, options, resolve, reject });
      const scripted = this.script[name]?.(args);
      if (scripted === 'pending') return;
      if (scripted instanceof Error) reject(scripted);
      else if (scripted !== undefined) resolve(scripted);
      else if (
        name === 'RequestRegisterAddress' ||
        name === 'RequestUnregisterAddress' ||
        (this.autoAnswer && name === 'RequestRouteCall')
      ) {
        resolve({ Event: 'ok' });
      } else if (name === 'RequestQueryAddress') resolve({ Event: 'EventAddressInfo' }); // lists no calls
    });
  }
  named(name: string): Sent[] {
    return this.sent.filter((s) => s.name === name);
  }
  routes(): Sent[] {
    return this.named('RequestRouteCall');
  }
  routeRequest(connId: string, extra: Record<string, unknown> = {}): void {
    this.emit('EventRouteRequest', { Event: 'EventRouteRequest', ThisDN: '5000', ConnID: connId, ANI: '555', ...extra });
  }
}

/** Lets every promise chain settle (the window adds a few hops between a route and its answer). */
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** Every call received has ended in exactly one way, or is still in progress. */
export function expectBalanced(rp: RoutePoint): void {
  const s = rp.stats();
  expect(s.routed + s.defaulted + s.abandoned + s.failed + s.running + s.waiting + s.sending).toBe(s.received);
}
