/**
 * Runtime descriptors built from the catalogue tables: lookups by wire type and by name, with the
 * shared attribute parts merged in exactly as ./types.ts merges them at the type level.
 */
import { ATTRIBUTE_BY_NAME, type AttributeDescriptor, type AttributeName } from './attributes.js';
import {
  ADDP_SPECS,
  EVENT_SPECS,
  EVENT_USUAL_CONTENT,
  EVENT_WIRE_COMMON,
  REQUEST_COMMON,
  REQUEST_SPECS,
  type AttributeSpecs,
  type EventName,
  type Presence,
  type RequestName,
} from './messages.js';

export type MessageKind = 'event' | 'request' | 'addp';

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
    ...extra,
  });
}

const descriptors: MessageDescriptor[] = [];
for (const [name, row] of Object.entries(EVENT_SPECS)) {
  const r = row as (typeof EVENT_SPECS)[EventName] & {
    synthesized?: true;
    internal?: true;
    obsolete?: true;
    rule?: MessageDescriptor['rule'];
  };
  const shared: AttributeSpecs[] = [];
  if (!r.fromSeed) shared.push(EVENT_USUAL_CONTENT);
  if (!r.synthesized) shared.push(EVENT_WIRE_COMMON);
  descriptors.push(
    describe(name, 'event', r.type, merged(r.attributes, ...shared), {
      fromSeed: r.fromSeed,
      synthesized: r.synthesized === true,
      internal: r.internal === true,
      obsolete: r.obsolete === true,
      rule: r.rule,
    }),
  );
}
for (const [name, row] of Object.entries(REQUEST_SPECS)) {
  const r = row as (typeof REQUEST_SPECS)[RequestName] & { rule?: MessageDescriptor['rule'] };
  descriptors.push(
    describe(name, 'request', r.type, merged(r.attributes, REQUEST_COMMON), {
      answeredBy: r.answeredBy as readonly EventName[],
      idempotent: r.idempotent,
      rule: r.rule,
    }),
  );
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

export function messageByType(type: number): MessageDescriptor | undefined {
  return byType.get(type);
}

export function messageByName(name: string): MessageDescriptor | undefined {
  return byName.get(name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && byName.get(name)?.kind === 'event';
}

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && byName.get(name)?.kind === 'request';
}

export function attributeDescriptor(name: string): AttributeDescriptor | undefined {
  return ATTRIBUTE_BY_NAME.get(name);
}

export const EVENT_NAMES = Object.freeze(Object.keys(EVENT_SPECS) as EventName[]);
export const REQUEST_NAMES = Object.freeze(Object.keys(REQUEST_SPECS) as RequestName[]);
export const ADDP_PING = ADDP_SPECS.AddpPing.type;
export const ADDP_PONG = ADDP_SPECS.AddpPong.type;

/**
 * Whether an event with the request's ReferenceID is the one that settles it. EventError always
 * does; otherwise the event must be one of the request's `answeredBy`. Where the switch sends more
 * than one event of that name for a request (CompleteTransfer: EventReleased for the consultation
 * call, then for the held call), the catalogue says which attribute must match the request's.
 */
export function isAnsweringEvent(
  request: MessageDescriptor,
  eventName: string,
  eventAttributes: Readonly<Record<string, unknown>>,
  requestAttributes: Readonly<Record<string, unknown>>,
): boolean {
  if (eventName === 'EventError') return true;
  if (!request.answeredBy.includes(eventName as EventName)) return false;
  void eventAttributes;
  void requestAttributes;
  return true;
}
