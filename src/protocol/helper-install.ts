/**
 * Builds the request helpers from HELPERS (./helper-table.ts) and installs them on any class with a
 * `request(name, attributes, options)` method: TServerConnection, or a browser client that sends its
 * requests elsewhere. As ioredis puts one generated function per command on its prototype, and
 * types them with a generated interface: declare `interface MyClient extends HelperMethods {}`
 * beside `class MyClient` and call `installHelpers(MyClient)` once.
 *
 * Each helper lays its positional arguments and its options over the request's attributes and
 * calls `request()`, which validates them against the catalogue. What the helper itself refuses
 * (an option it does not take, an attribute given twice, too many arguments) is refused the same
 * way: a rejected promise with an InvalidArgumentError naming the problem, nothing sent.
 */
import { InvalidArgumentError } from '../errors.js';
import type { AttributeName } from './attributes.js';
import { type MessageDescriptor, messageByName } from './catalogue.js';
import { HELPERS, type HelperName, OPTION_NAMES, SEND_OPTION_KEYS, type SendOptions } from './helper-table.js';
import type { EventName, RequestName } from './messages.js';
import type { AnswerOf, RequestArgs } from './types.js';
import type { ValidationIssue } from './validate.js';
import { isPlainObject } from './values.js';

/** What installHelpers() needs of a class: the one method every helper calls. */
export interface RequestSender {
  /** Sends request `name` and resolves with its answering event. */
  request<N extends RequestName>(name: N, args?: RequestArgs<N>, options?: SendOptions): Promise<AnswerOf<N>>;
}

/** Builds a RequestSetInputMask mask from event names (bit n = message type n). */
export function inputMaskOf(events: readonly EventName[]): Uint8Array {
  const mask = new Uint8Array(64);
  for (const name of events) {
    const d = messageByName(name);
    if (!d || d.kind !== 'event') throw new InvalidArgumentError(`inputMaskOf: ${String(name)} is not an event name`);
    mask[d.type >> 3] |= 1 << (d.type & 7);
  }
  return mask;
}

/** A helper as the code runs it, derived once from its row and the catalogue. */
export interface HelperPlan {
  readonly name: HelperName;
  readonly request: MessageDescriptor;
  /** Positional parameter names and the attributes they fill, in order. */
  readonly params: readonly string[];
  readonly positional: readonly AttributeName[];
  /** The request's other attributes taken as options, under their camelCase names, in catalogue order. */
  readonly optionNames: readonly string[];
  /** Mandatory attributes that are not positional: passed in the options under their catalogue names. */
  readonly requiredOptions: readonly AttributeName[];
  /** Every option key (camelCase or catalogue name) → its attribute. */
  readonly options: ReadonlyMap<string, AttributeName>;
}

function planOf(name: HelperName): HelperPlan {
  const row = HELPERS[name];
  const request = messageByName(row.request);
  if (!request || request.kind !== 'request' || request.catalogueOnly) throw new Error(`HELPERS.${name}: ${row.request} is not a request`);
  const params: string[] = [];
  const positional: AttributeName[] = [];
  for (const arg of row.args as readonly string[]) {
    const [param, attribute] = arg.split(':') as [string, AttributeName];
    if (!request.attributes.has(attribute)) throw new Error(`HELPERS.${name}: ${row.request} does not take ${attribute}`);
    params.push(param);
    positional.push(attribute);
  }
  const optionNames: string[] = [];
  const requiredOptions: AttributeName[] = [];
  const options = new Map<string, AttributeName>();
  for (const [attribute, presence] of request.attributes) {
    if (positional.includes(attribute)) continue;
    options.set(attribute, attribute);
    const camel = (OPTION_NAMES as Partial<Record<AttributeName, string>>)[attribute];
    if (presence === 'M') requiredOptions.push(attribute);
    else if (camel !== undefined) {
      optionNames.push(camel);
      options.set(camel, attribute);
    }
  }
  return Object.freeze({ name, request, params, positional, optionNames, requiredOptions, options });
}

/** Every helper's plan, in table order. */
export const HELPER_PLANS: ReadonlyMap<HelperName, HelperPlan> = new Map(
  (Object.keys(HELPERS) as HelperName[]).map((name) => [name, planOf(name)]),
);

const ATTRIBUTE_OF_OPTION = new Map(
  Object.entries(OPTION_NAMES).map(([attribute, option]) => [option as string, attribute as AttributeName]),
);

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object of a class' : typeof value;
}

/** Adds one problem with a helper's arguments to `issues`. (A module function: no closure per call.) */
function addIssue(
  issues: ValidationIssue[],
  plan: HelperPlan,
  problem: string,
  attribute?: string,
  code: ValidationIssue['code'] = 'ERR_INVALID_VALUE',
): void {
  const detail = `${plan.name}: ${problem}`;
  issues.push(
    attribute === undefined
      ? { code, message: problem, messageName: plan.request.name, detail }
      : { code, message: problem, messageName: plan.request.name, attribute, detail },
  );
}

/** The attributes and send options of one call of a helper, or the problems with its arguments. */
function build(plan: HelperPlan, args: readonly unknown[]): { attributes: Record<string, unknown>; send: SendOptions } {
  const issues: ValidationIssue[] = [];
  const n = plan.positional.length;
  if (args.length > n + 2) {
    addIssue(
      issues,
      plan,
      `takes at most ${n + 2} arguments (${[...plan.params, 'options', 'requestOptions'].join(', ')}), got ${args.length}`,
    );
  }
  const attributes: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const value = args[i];
    if (value === undefined) continue; // an Optional one (routeCall's destination) is left out; a Mandatory one is reported missing
    const attribute = plan.positional[i];
    attributes[attribute] = attribute === 'InputMask' && Array.isArray(value) ? inputMaskOf(value as EventName[]) : value;
  }
  const send: SendOptions = {};
  const [options, requestOptions] = [args[n], args[n + 1]];
  if (options !== undefined && !isPlainObject(options))
    addIssue(issues, plan, `the options must be a plain object, got ${kindOf(options)}`);
  else if (options !== undefined) {
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined) continue;
      if ((SEND_OPTION_KEYS as readonly string[]).includes(key)) {
        (send as Record<string, unknown>)[key] = value;
        continue;
      }
      const attribute = plan.options.get(key);
      if (attribute === undefined) {
        const positional = plan.positional.indexOf(ATTRIBUTE_OF_OPTION.get(key) ?? (key as AttributeName));
        if (positional >= 0)
          addIssue(
            issues,
            plan,
            `${key} is the argument ${plan.params[positional]}; it cannot be an option too`,
            key,
            'ERR_UNKNOWN_ATTRIBUTE',
          );
        else addIssue(issues, plan, unknownOption(plan, key), key, 'ERR_UNKNOWN_ATTRIBUTE');
      } else if (attribute in attributes) addIssue(issues, plan, `${attribute} is given twice in the options`, key);
      else attributes[attribute] = value;
    }
  }
  if (requestOptions !== undefined && !isPlainObject(requestOptions)) {
    addIssue(issues, plan, `the request options must be a plain object, got ${kindOf(requestOptions)}`);
  } else if (requestOptions !== undefined) {
    for (const [key, value] of Object.entries(requestOptions)) {
      if ((SEND_OPTION_KEYS as readonly string[]).includes(key)) (send as Record<string, unknown>)[key] = value;
      else addIssue(issues, plan, `the request options take ${SEND_OPTION_KEYS.join(' and ')}, not ${key}`, key, 'ERR_UNKNOWN_ATTRIBUTE');
    }
  }
  if (issues.length > 0) throw new InvalidArgumentError(issues.map((i) => i.detail).join('; '), issues);
  return { attributes, send };
}

function unknownOption(plan: HelperPlan, key: string): string {
  const known = [...plan.optionNames, ...SEND_OPTION_KEYS];
  const near = [...plan.options.keys(), ...SEND_OPTION_KEYS].find((k) => k.toLowerCase() === key.toLowerCase());
  return `option ${key} is not taken${near ? ` (did you mean ${near}?)` : ''}; options: ${known.join(', ')}, or the catalogue names`;
}

function helperFunction(plan: HelperPlan): (this: RequestSender, ...args: unknown[]) => Promise<unknown> {
  const requestName = plan.request.name as RequestName;
  const helper = function (this: RequestSender, ...args: unknown[]): Promise<unknown> {
    let built: ReturnType<typeof build>;
    try {
      built = build(plan, args);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.request(requestName, built.attributes as never, built.send);
  };
  Object.defineProperty(helper, 'name', { value: plan.name });
  return helper;
}

/**
 * Puts one method per helper on `target.prototype` (not enumerable, as class methods). Refuses a
 * class that already has a method of that name, so no helper silently replaces one.
 */
export function installHelpers(target: { readonly prototype: object }): void {
  for (const plan of HELPER_PLANS.values()) {
    if (Object.hasOwn(target.prototype, plan.name)) {
      throw new InvalidArgumentError(`installHelpers: the class already has a member ${plan.name}`);
    }
  }
  for (const plan of HELPER_PLANS.values()) {
    Object.defineProperty(target.prototype, plan.name, { value: helperFunction(plan), writable: true, configurable: true });
  }
}
