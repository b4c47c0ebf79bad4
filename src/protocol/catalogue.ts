/**
 * Runtime descriptors built from the catalogue tables: lookups by wire type and by name, with the
 * shared attribute parts merged in exactly as ./types.ts merges them at the type level.
 */
import { ATTRIBUTE_BY_NAME, type AttributeDescriptor, type AttributeName } from './attributes.js';
import { CATALOGUE_ONLY_REQUESTS } from './message-names.js';
import {
  ADDP_SPECS,
  CALL_EVENT_CONTENT,
  EVENT_SPECS,
  EVENT_USUAL_CONTENT,
  EVENT_WIRE_COMMON,
  REQUEST_COMMON,
  REQUEST_SPECS,
  type AttributeSpecs,
  type EventName,
  type EventSpecBase,
  type Presence,
  type RequestName,
  type RequestSpecBase,
} from './messages.js';

/** What a request known by name only may carry, by analogy with the events' usual content. */
const REQUEST_USUAL_CONTENT: AttributeSpecs = { ThisDN: 'O', ConnID: 'O' };

/** What a message is: an event, a request, or ADDP keep-alive. */
export type MessageKind = 'event' | 'request' | 'addp';

/** One message of the catalogue at run time: its type number, attributes (Mandatory or Optional), answering events and whether it is re-sent after a failover. */
export interface MessageDescriptor {
  readonly name: string;
  readonly type: number;
  readonly kind: MessageKind;
  /** Every attribute the catalogue lists for this message, with its presence. */
  readonly attributes: ReadonlyMap<AttributeName, Presence>;
  readonly mandatory: readonly AttributeName[];
  /** Attribute table taken straight from a seed page. */
  readonly fromSeed: boolean;
  readonly synthesized: boolean;
  readonly internal: boolean;
  readonly obsolete: boolean;
  readonly rule: 'atLeastOneOfAgentIDPlaceThisDN' | 'subscriptionIdOnStart' | undefined;
  /** Requests only: the events that answer it. */
  readonly answeredBy: readonly EventName[];
  /** Requests only: safe to re-send when an attempt's outcome is unknown. */
  readonly idempotent: boolean;
  /** Requests only: attributes an answering event must share with the request (see isAnsweringEvent). */
  readonly answerMatch: readonly AttributeName[];
  /** An event about a call (carries CALL_EVENT_CONTENT). */
  readonly call: boolean;
  /** Added by wire protocol 1.1 (a row of its tables). */
  readonly v11: boolean;
  /** Added by wire protocol 1.2 (a row of its tables). */
  readonly v12: boolean;
  /** Named by the T-Library enumeration but not modelled: decoded with the usual content, never acted upon. */
  readonly catalogueOnly: boolean;
}

function merged(own: AttributeSpecs, ...shared: AttributeSpecs[]): Map<AttributeName, Presence> {
  const out = new Map<AttributeName, Presence>(Object.entries(own) as [AttributeName, Presence][]);
  for (const table of shared) {
    for (const [name, presence] of Object.entries(table) as [AttributeName, Presence][]) {
      if (!out.has(name)) out.set(name, presence);
    }
  }
  return out;
}

function describe(
  name: string,
  kind: MessageKind,
  type: number,
  attributes: Map<AttributeName, Presence>,
  extra: Partial<MessageDescriptor>,
): MessageDescriptor {
  return Object.freeze({
    name,
    type,
    kind,
    attributes,
    mandatory: [...attributes].filter(([, p]) => p === 'M').map(([n]) => n),
    fromSeed: false,
    synthesized: false,
    internal: false,
    obsolete: false,
    rule: undefined,
    answeredBy: [],
    idempotent: false,
    answerMatch: [],
    call: false,
    v11: false,
    v12: false,
    catalogueOnly: false,
    ...extra,
  });
}

const descriptors: MessageDescriptor[] = [];
for (const [name, row] of Object.entries(EVENT_SPECS)) {
  const r = row as EventSpecBase;
  const shared: AttributeSpecs[] = [];
  if (r.call) shared.push(CALL_EVENT_CONTENT);
  if (!r.fromSeed) shared.push(EVENT_USUAL_CONTENT);
  if (!r.synthesized) shared.push(EVENT_WIRE_COMMON);
  descriptors.push(
    describe(name, 'event', r.type, merged(r.attributes, ...shared), {
      fromSeed: r.fromSeed,
      synthesized: r.synthesized === true,
      internal: r.internal === true,
      obsolete: r.obsolete === true,
      rule: r.rule,
      call: r.call === true,
      v11: r.v11 === true,
      v12: r.v12 === true,
      catalogueOnly: r.catalogueOnly === true,
    }),
  );
}
for (const [name, row] of Object.entries(REQUEST_SPECS)) {
  const r = row as RequestSpecBase;
  descriptors.push(
    describe(name, 'request', r.type, merged(r.attributes, REQUEST_COMMON), {
      answeredBy: r.answeredBy as readonly EventName[],
      idempotent: r.idempotent,
      rule: r.rule,
      answerMatch: r.answerMatch ?? [],
      v11: r.v11 === true,
      v12: r.v12 === true,
    }),
  );
}
// Known by name only: decodable (a server sees the name), refused by validateRequestArgs, never sent.
for (const [name, type] of Object.entries(CATALOGUE_ONLY_REQUESTS)) {
  descriptors.push(describe(name, 'request', type, merged(REQUEST_USUAL_CONTENT, REQUEST_COMMON), { catalogueOnly: true }));
}
for (const [name, row] of Object.entries(ADDP_SPECS)) {
  descriptors.push(describe(name, 'addp', row.type, new Map(), { internal: true }));
}

/** All message descriptors (events, requests, ADDP). */
export const MESSAGES: readonly MessageDescriptor[] = Object.freeze(descriptors);

const byType = new Map<number, MessageDescriptor>();
const byName = new Map<string, MessageDescriptor>();
for (const d of descriptors) {
  if (byType.has(d.type)) throw new Error(`catalogue: message type ${d.type} used twice`);
  byType.set(d.type, d);
  byName.set(d.name, d);
}

/** The message with T-Library type number `type`, if the catalogue knows it. */
export function messageByType(type: number): MessageDescriptor | undefined {
  return byType.get(type);
}

/** The message named `name`, if the catalogue knows it. */
export function messageByName(name: string): MessageDescriptor | undefined {
  return byName.get(name);
}

/** Whether `name` is an event of the catalogue. */
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && byName.get(name)?.kind === 'event';
}

/** A request of the protocol, which the SDK can send (not one known by name only). */
export function isRequestName(name: unknown): name is RequestName {
  const d = typeof name === 'string' ? byName.get(name) : undefined;
  return d?.kind === 'request' && !d.catalogueOnly;
}

/** The attribute named `name`, if the catalogue knows it. */
export function attributeDescriptor(name: string): AttributeDescriptor | undefined {
  return ATTRIBUTE_BY_NAME.get(name);
}

/** Every event name of the catalogue. */
export const EVENT_NAMES = Object.freeze(Object.keys(EVENT_SPECS) as EventName[]);
/** Every request name of the catalogue. */
export const REQUEST_NAMES = Object.freeze(Object.keys(REQUEST_SPECS) as RequestName[]);
/** Messages named by the T-Library enumeration but not in the protocol (decoded by name, never acted upon; such requests are never sent). */
export const CATALOGUE_ONLY_NAMES = Object.freeze(descriptors.filter((d) => d.catalogueOnly).map((d) => d.name));
/** The type number of an ADDP keep-alive ping. */
export const ADDP_PING = ADDP_SPECS.AddpPing.type;
/** The type number of an ADDP keep-alive answer. */
export const ADDP_PONG = ADDP_SPECS.AddpPong.type;

/**
 * Whether an event with the request's ReferenceID is the one that settles it. EventError always
 * does; otherwise the event must be one of the request's `answeredBy`, and share with the request
 * every attribute of its `answerMatch` that the request carries. That is how a request the switch
 * answers with several events of one name settles on the right one: CompleteTransfer gets
 * EventReleased for the consultation call first, then for ConnID (the answer); ClearCall,
 * Redirect and SingleStepTransfer settle on EventReleased at ThisDN, not at another party.
 * Earlier events are delivered as ordinary events and settle nothing.
 */
export function isAnsweringEvent(
  request: MessageDescriptor,
  eventName: string,
  eventAttributes: Readonly<Record<string, unknown>>,
  requestAttributes: Readonly<Record<string, unknown>>,
): boolean {
  if (eventName === 'EventError') return true;
  if (!request.answeredBy.includes(eventName as EventName)) return false;
  for (const name of request.answerMatch) {
    const wanted = requestAttributes[name];
    if (wanted !== undefined && eventAttributes[name] !== wanted) return false;
  }
  return true;
}
