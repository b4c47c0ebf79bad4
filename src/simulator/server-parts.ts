/** Small parts of TServerSimulator: what it repeats on promotion, its pair partner, event types, stamps. */
import { messageByName } from '../protocol/catalogue.js';
import type { EventName } from '../protocol/messages.js';

/** Events about a DN a primary sends (answers aside) that repeatOnPromotion repeats: all but these. */
export const NOT_REPEATED: ReadonlySet<EventName> = new Set<EventName>(['EventUserEvent', 'EventAgentReserved']);

/** The pair partner as a server sees it (set by HotStandbyPair). */
export interface Partner {
  readonly isRunning: boolean;
  address(): { host: string; port: number };
}

/** The message type of a catalogue event. */
export function eventType(event: EventName): number {
  const d = messageByName(event);
  if (!d) throw new Error(`catalogue has no ${event}`);
  return d.type;
}

/** The stamp (time, EventSequenceNumber, ServerStartTime) of stamped attributes. */
export function stampOf(attrs: Record<string, unknown>): Record<string, unknown> {
  return { time: attrs.time, EventSequenceNumber: attrs.EventSequenceNumber, ServerStartTime: attrs.ServerStartTime };
}
