/**
 * Validation against the catalogue: Mandatory attributes, the seeds' special rules, and (for
 * requests a caller builds) value types and unknown attribute names.
 */
import { ATTRIBUTE_BY_NAME, SubscriptionOperation, type AttributeName } from './attributes.js';
import { messageByName, type MessageDescriptor } from './catalogue.js';
import { describeBadValue } from './values.js';

export type ValidationCode =
  | 'ERR_MISSING_MANDATORY'
  | 'ERR_RULE_VIOLATED'
  | 'ERR_INVALID_VALUE'
  | 'ERR_UNKNOWN_ATTRIBUTE'
  | 'ERR_UNKNOWN_MESSAGE';

export interface ValidationIssue {
  code: ValidationCode;
  /** The message (event or request) name. */
  message: string;
  /** The attribute concerned, when there is one. */
  attribute?: string;
  /** A sentence naming both. */
  detail: string;
}

/** What an event answers, for rules that depend on it (EventACK's SubscriptionID). */
export interface ValidationContext {
  answering?: { name: string; attributes: Record<string, unknown> };
}

function missing(d: MessageDescriptor, attrs: Record<string, unknown>, out: ValidationIssue[]): void {
  for (const name of d.mandatory) {
    if (attrs[name] === undefined) {
      out.push({
        code: 'ERR_MISSING_MANDATORY',
        message: d.name,
        attribute: name,
        detail: `${d.name} is missing Mandatory attribute ${name}`,
      });
    }
  }
}

function rules(d: MessageDescriptor, attrs: Record<string, unknown>, ctx: ValidationContext | undefined, out: ValidationIssue[]): void {
  if (d.rule === 'atLeastOneOfAgentIDPlaceThisDN') {
    if (attrs.AgentID === undefined && attrs.Place === undefined && attrs.ThisDN === undefined) {
      out.push({
        code: 'ERR_RULE_VIOLATED',
        message: d.name,
        attribute: 'AgentID/Place/ThisDN',
        detail: `${d.name} needs at least one of AgentID, Place or ThisDN`,
      });
    }
  } else if (d.rule === 'subscriptionIdOnStart') {
    const req = ctx?.answering;
    if (
      req?.name === 'RequestTransactionMonitoring' &&
      req.attributes.SubscriptionOperation === SubscriptionOperation.Start &&
      attrs.SubscriptionID === undefined
    ) {
      out.push({
        code: 'ERR_MISSING_MANDATORY',
        message: d.name,
        attribute: 'SubscriptionID',
        detail: `${d.name} answering a SubscriptionStart is missing Mandatory attribute SubscriptionID`,
      });
    }
  }
}

/**
 * Checks a received event's attributes against the catalogue. Value types were already enforced by
 * the codec; this reports missing Mandatory attributes and broken special rules.
 */
export function validateEvent(name: string, attrs: Record<string, unknown>, ctx?: ValidationContext): ValidationIssue[] {
  const d = messageByName(name);
  if (!d || d.kind !== 'event') {
    return [{ code: 'ERR_UNKNOWN_MESSAGE', message: name, detail: `${name} is not an event of the catalogue` }];
  }
  if (d.rule === undefined) {
    // The common case, for every received event: all Mandatory attributes present, nothing to allocate.
    let complete = true;
    for (const name of d.mandatory) if (attrs[name] === undefined) complete = false;
    if (complete) return NO_ISSUES;
  }
  const out: ValidationIssue[] = [];
  missing(d, attrs, out);
  rules(d, attrs, ctx, out);
  return out;
}

const NO_ISSUES: ValidationIssue[] = Object.freeze([]) as unknown as ValidationIssue[];

/**
 * Checks a request's arguments before anything is sent: Mandatory attributes, the special rules,
 * every value's type, and names the request does not take (a typo would otherwise be sent silently).
 * ReferenceID is the SDK's to set and is refused here.
 */
export function validateRequestArgs(name: string, args: Record<string, unknown> | undefined): ValidationIssue[] {
  const d = messageByName(name);
  if (!d || d.kind !== 'request') {
    return [{ code: 'ERR_UNKNOWN_MESSAGE', message: String(name), detail: `${String(name)} is not a request of the catalogue` }];
  }
  if (d.catalogueOnly) {
    return [{ code: 'ERR_UNKNOWN_MESSAGE', message: d.name, detail: `${d.name} is known by name only (not modelled): it cannot be sent` }];
  }
  const attrs = args ?? {};
  const out: ValidationIssue[] = [];
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) {
    return [{ code: 'ERR_INVALID_VALUE', message: d.name, detail: `${d.name} arguments must be an object` }];
  }
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    const attr = ATTRIBUTE_BY_NAME.get(key);
    if (!attr || !d.attributes.has(key as AttributeName)) {
      out.push({
        code: 'ERR_UNKNOWN_ATTRIBUTE',
        message: d.name,
        attribute: key,
        detail: `${d.name} does not take attribute ${key}` + (key === 'ReferenceID' ? ' (the SDK assigns it)' : ''),
      });
      continue;
    }
    const problem = describeBadValue(attr.type, value, key);
    if (problem) out.push({ code: 'ERR_INVALID_VALUE', message: d.name, attribute: key, detail: `${d.name}: ${problem}` });
  }
  missing(d, attrs, out);
  rules(d, attrs, undefined, out);
  return out;
}
