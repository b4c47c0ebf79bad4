/**
 * The shape of a catalogue row, for events and requests: messages.ts and the row files it joins
 * (messages-v11.ts, messages-v12.ts, message-names.ts) all read it from here, so none of them
 * imports another back.
 */
import type { AttributeName } from './attributes.js';

/** Whether a message carries an attribute always (`M`, Mandatory) or may (`O`, Optional). */
export type Presence = 'M' | 'O';
/** A message's attributes with their presence. */
export type AttributeSpecs = { readonly [K in AttributeName]?: Presence };

/** The catalogue row of an event. */
export interface EventSpecBase {
  readonly type: number;
  readonly kind: 'event';
  /** Attribute table straight from the seed (true) or the wire spec plus the usual content (false). */
  readonly fromSeed: boolean;
  readonly attributes: AttributeSpecs;
  /** Made by the client, never sent on the wire (EventServerConnected/Disconnected). */
  readonly synthesized?: true;
  /** Consumed by the library itself and never delivered to users (EventRestoreConnection). */
  readonly internal?: true;
  /** Decoded and reported as obsolete, never acted upon. */
  readonly obsolete?: true;
  /** Special rule name, see ./validate.ts. */
  readonly rule?: 'atLeastOneOfAgentIDPlaceThisDN' | 'subscriptionIdOnStart';
  /** An event about a call: CALL_EVENT_CONTENT is merged in. */
  readonly call?: true;
  /** Added by wire protocol 1.1. */
  readonly v11?: true;
  /** Added by wire protocol 1.2. */
  readonly v12?: true;
  /** Named by the T-Library enumeration but not modelled: decoded with the usual content, never acted upon. */
  readonly catalogueOnly?: true;
}

/** The catalogue row of a request. */
export interface RequestSpecBase {
  readonly type: number;
  readonly kind: 'request';
  readonly attributes: AttributeSpecs;
  /** Events that answer this request (EventError may always answer). */
  readonly answeredBy: readonly string[];
  /** Safe to send again when the outcome of an interrupted attempt is unknown. */
  readonly idempotent: boolean;
  readonly rule?: 'atLeastOneOfAgentIDPlaceThisDN';
  /** A row of the 1.1 request table. */
  readonly v11?: true;
  /** A row of the 1.2 request table. */
  readonly v12?: true;
  /**
   * Attributes an answering event must share with the request to settle it, where an event of the
   * same name also comes earlier for the same request (see isAnsweringEvent in ./catalogue.ts).
   */
  readonly answerMatch?: readonly AttributeName[];
}
