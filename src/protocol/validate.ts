/**
 * Validation against the catalogue: Mandatory attributes, the seeds' special rules, and (for
 * requests a caller builds) value types and unknown attribute names.
 */
import { ATTRIBUTE_BY_NAME, SubscriptionOperation, type AttributeName } from './attributes.js';
import { messageByName, type MessageDescriptor } from './catalogue.js';
import { describeBadSecret, describeBadValue } from './values.js';

/** What a validation issue found wrong. */
export type ValidationCode =
  | 'ERR_MISSING_MANDATORY'
  | 'ERR_RULE_VIOLATED'
  | 'ERR_INVALID_VALUE'
  | 'ERR_UNKNOWN_ATTRIBUTE'
  | 'ERR_UNKNOWN_MESSAGE'
  /** A T-Library request the protocol does not define (known by name only): it can never be sent. */
  | 'ERR_NOT_IN_PROTOCOL';

/** One thing wrong with a message against the catalogue: where (`messageName`, `attribute`, `path`) and what (`code`, `message`). */
export interface ValidationIssue {
  code: ValidationCode;
  /** The problem, e.g. `ThisDN must be a non-empty DN, got ""` (never a Password value). */
  message: string;
  /** The message (event or request) concerned. */
  messageName: string;
  /** The attribute concerned, when there is one. */
  attribute?: string;
  /** A sentence naming the message and the problem. */
  detail: string;
}

function issue(code: ValidationCode, messageName: string, message: string, detail: string, attribute?: string): ValidationIssue {
  return attribute === undefined ? { code, message, messageName, detail } : { code, message, messageName, attribute, detail };
}

/** What an event answers, for rules that depend on it (EventACK's SubscriptionID). */
export interface ValidationContext {
  answering?: { name: string; attributes: Record<string, unknown> };
}

function missing(d: MessageDescriptor, attrs: Record<string, unknown>, out: ValidationIssue[]): void {
  for (const name of d.mandatory) {
    if (attrs[name] === undefined) {
      out.push(
        issue(
          'ERR_MISSING_MANDATORY',
          d.name,
          `Mandatory attribute ${name} is missing`,
          `${d.name} is missing Mandatory attribute ${name}`,
          name,
        ),
      );
    }
  }
}

function rules(d: MessageDescriptor, attrs: Record<string, unknown>, ctx: ValidationContext | undefined, out: ValidationIssue[]): void {
  if (d.rule === 'atLeastOneOfAgentIDPlaceThisDN') {
    if (attrs.AgentID === undefined && attrs.Place === undefined && attrs.ThisDN === undefined) {
      const problem = 'at least one of AgentID, Place or ThisDN is needed';
      out.push(
        issue('ERR_RULE_VIOLATED', d.name, problem, `${d.name} needs at least one of AgentID, Place or ThisDN`, 'AgentID/Place/ThisDN'),
      );
    }
  } else if (d.rule === 'subscriptionIdOnStart') {
    const req = ctx?.answering;
    if (
      req?.name === 'RequestTransactionMonitoring' &&
      req.attributes.SubscriptionOperation === SubscriptionOperation.Start &&
      attrs.SubscriptionID === undefined
    ) {
      out.push(
        issue(
          'ERR_MISSING_MANDATORY',
          d.name,
          'SubscriptionID is Mandatory in the answer to a SubscriptionStart and is missing',
          `${d.name} answering a SubscriptionStart is missing Mandatory attribute SubscriptionID`,
          'SubscriptionID',
        ),
      );
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
    return [issue('ERR_UNKNOWN_MESSAGE', name, 'not an event of the catalogue', `${name} is not an event of the catalogue`)];
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
    const shown = String(name);
    return [issue('ERR_UNKNOWN_MESSAGE', shown, 'not a request of the catalogue', `${shown} is not a request of the catalogue`)];
  }
  if (d.catalogueOnly) {
    const problem = `a T-Library request (type ${d.type}) that the wire protocol does not define, known by name only: it cannot be sent`;
    return [issue('ERR_NOT_IN_PROTOCOL', d.name, problem, `${d.name} is ${problem}`)];
  }
  const attrs = args ?? {};
  const out: ValidationIssue[] = [];
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) {
    return [issue('ERR_INVALID_VALUE', d.name, 'the arguments must be an object', `${d.name} arguments must be an object`)];
  }
  // for…in with an own-key check reads what Object.entries would, without an array per call.
  for (const key in attrs) {
    if (!Object.hasOwn(attrs, key)) continue;
    const value = (attrs as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const attr = ATTRIBUTE_BY_NAME.get(key);
    if (!attr || !d.attributes.has(key as AttributeName)) {
      const problem = `attribute ${key} is not taken by this request` + (key === 'ReferenceID' ? ' (the SDK assigns it)' : '');
      const detail = `${d.name} does not take attribute ${key}` + (key === 'ReferenceID' ? ' (the SDK assigns it)' : '');
      out.push(issue('ERR_UNKNOWN_ATTRIBUTE', d.name, problem, detail, key));
      continue;
    }
    // A secret's value is never quoted back (it would end up in logs and error reports).
    const problem = attr.secret ? describeBadSecret(attr.type, value, key) : describeBadValue(attr.type, value, key);
    if (problem) out.push(issue('ERR_INVALID_VALUE', d.name, problem, `${d.name}: ${problem}`, key));
    else if (attr.dn && d.attributes.get(key as AttributeName) === 'M' && (value as string).trim() === '') {
      const empty = `${key} must be a non-empty DN, got ${JSON.stringify(value)}`;
      out.push(issue('ERR_INVALID_VALUE', d.name, empty, `${d.name}: ${empty}`, key));
    }
  }
  missing(d, attrs, out);
  rules(d, attrs, undefined, out);
  return out;
}
