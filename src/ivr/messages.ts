/**
 * Builders and the parser of the IVR "General Messages". Both go through {@link validateIvrMessage},
 * which reads the rows of ./spec.ts: the tables are the only place parameters are listed.
 */
import { IvrMessageError } from './errors.js';
import {
  IVR_ENVELOPE,
  IVR_MESSAGE_SPECS,
  IVR_OPTION_ELEMENT,
  MONITOR_INFO_SUBTYPE_SPECS,
  type IvrElementSpec,
  type IvrMessage,
  type IvrParamSpec,
  type IvrParams,
  type LoginResp,
  type MonitorInfo,
  type MonitorInfoSubtype,
} from './spec.js';
import { findNonXmlChar, readXml, writeElement, type XmlElement, type XmlReadOptions } from './xml.js';

/** Options of `parseIvrMessage()`: the parser's size bounds. */
export interface IvrParseOptions extends XmlReadOptions {}

const MESSAGE_NAMES = Object.keys(IVR_MESSAGE_SPECS) as (keyof typeof IVR_MESSAGE_SPECS)[];
const SUBTYPE_NAMES = IVR_MESSAGE_SPECS.MonitorInfo.subtypes;

const hasOwn = (o: object, k: string): boolean => Object.hasOwn(o, k);
const paramNames = (spec: IvrElementSpec): string[] => Object.keys(spec.params);
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));

function show(value: unknown): string {
  const s = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function xmlCharProblem(s: string): string | undefined {
  const i = findNonXmlChar(s);
  if (i < 0) return undefined;
  return `U+${s.codePointAt(i)!.toString(16).toUpperCase().padStart(4, '0')} at index ${i} is not an XML character`;
}

/** Checks one parameter value against its row; returns the value to keep (options copied). */
function checkParam(where: string, name: string, spec: IvrParamSpec, value: unknown): unknown {
  if (value === undefined) {
    if (spec.required) {
      throw new IvrMessageError(
        'missing',
        where,
        `required parameter ${name} is missing`,
        name,
        'values' in spec ? spec.values : undefined,
      );
    }
    return undefined;
  }
  if (spec.in === 'element') {
    if (!isPlainObject(value)) {
      throw new IvrMessageError('invalid', where, `${name} must be an object of string options, got ${show(value)}`, name);
    }
    const entries: [string, string][] = [];
    for (const [k, v] of Object.entries(value)) {
      if (k.length === 0) throw new IvrMessageError('invalid', where, `${name} has an option with an empty name`, name);
      if (typeof v !== 'string') {
        throw new IvrMessageError('invalid', where, `${name} option ${show(k)} must be a string, got ${show(v)}`, name);
      }
      const bad = xmlCharProblem(k) ?? xmlCharProblem(v);
      if (bad) throw new IvrMessageError('invalid', where, `${name} option ${show(k)}: ${bad}`, name);
      entries.push([k, v]);
    }
    // fromEntries defines own data properties: a key such as "__proto__" stays a plain key.
    return Object.fromEntries(entries);
  }
  const allowed = spec.values;
  if (typeof value !== 'string') {
    throw new IvrMessageError('invalid', where, `${name} must be a string, got ${show(value)}`, name, allowed);
  }
  if (spec.required && !allowed && value.length === 0) {
    throw new IvrMessageError('missing', where, `required parameter ${name} is empty`, name, allowed);
  }
  if (allowed && !allowed.includes(value)) {
    throw new IvrMessageError('not-allowed', where, `${name} ${show(value)} is not an allowed value`, name, allowed);
  }
  const bad = xmlCharProblem(value);
  if (bad) throw new IvrMessageError('invalid', where, `${name}: ${bad}`, name);
  return value;
}

function checkParams(where: string, spec: IvrElementSpec, source: Record<string, unknown>, out: Record<string, unknown>): void {
  for (const [name, p] of Object.entries(spec.params)) {
    const v = checkParam(where, name, p, hasOwn(source, name) ? source[name] : undefined);
    if (v !== undefined) out[name] = v;
  }
}

/**
 * Checks a message object against the seed's tables and returns a clean copy (known keys only, in
 * table order). Builders call it before writing and the parser after reading.
 * @throws IvrMessageError naming the message, the parameter and the allowed values
 */
export function validateIvrMessage(message: unknown): IvrMessage {
  if (!isPlainObject(message)) {
    throw new IvrMessageError('invalid', IVR_ENVELOPE, `a message must be an object, got ${show(message)}`);
  }
  const name = message.Message;
  if (typeof name !== 'string' || !hasOwn(IVR_MESSAGE_SPECS, name)) {
    throw new IvrMessageError(
      name === undefined ? 'missing' : 'unknown-message',
      IVR_ENVELOPE,
      name === undefined ? 'Message is missing' : `Message ${show(name)} is unknown`,
      'Message',
      MESSAGE_NAMES,
    );
  }
  const spec: IvrElementSpec = IVR_MESSAGE_SPECS[name as keyof typeof IVR_MESSAGE_SPECS];
  const out: Record<string, unknown> = { Message: name };
  const known = new Set(['Message', ...paramNames(spec)]);
  let where = name;
  let subSpec: IvrElementSpec | undefined;
  if (spec.subtypes) {
    const sub = message.Subtype;
    if (typeof sub !== 'string' || !spec.subtypes.includes(sub)) {
      throw new IvrMessageError(
        sub === undefined ? 'missing' : 'unknown-message',
        name,
        sub === undefined ? 'Subtype is missing' : `Subtype ${show(sub)} is unknown`,
        'Subtype',
        spec.subtypes,
      );
    }
    out.Subtype = sub;
    known.add('Subtype');
    subSpec = MONITOR_INFO_SUBTYPE_SPECS[sub as MonitorInfoSubtype];
    for (const p of paramNames(subSpec)) known.add(p);
  }
  for (const k of Object.keys(message)) {
    if (!known.has(k)) {
      throw new IvrMessageError(
        'unknown-parameter',
        subSpec ? `${name}/${String(message.Subtype)}` : name,
        `unknown parameter ${show(k)}`,
        k,
        [...known].filter((n) => n !== 'Message' && n !== 'Subtype'),
      );
    }
  }
  checkParams(where, spec, message, out);
  if (subSpec) {
    where = `${name}/${String(out.Subtype)}`;
    checkParams(where, subSpec, message, out);
  }
  return out as unknown as IvrMessage;
}

// ---------------------------------------------------------------------------------------------
// Building

function attributesOf(spec: IvrElementSpec, m: Record<string, unknown>): [string, string][] {
  const attrs: [string, string][] = [];
  for (const [name, p] of Object.entries(spec.params)) {
    if (p.in === 'attribute' && typeof m[name] === 'string') attrs.push([name, m[name] as string]);
  }
  return attrs;
}

function childrenOf(spec: IvrElementSpec, m: Record<string, unknown>): string[] {
  const children: string[] = [];
  for (const [name, p] of Object.entries(spec.params)) {
    if (p.in !== 'element' || m[name] === undefined) continue;
    const options = Object.entries(m[name] as Record<string, string>).map(([k, v]) =>
      writeElement(
        IVR_OPTION_ELEMENT,
        [
          ['Name', k],
          ['Value', v],
        ],
        [],
      ),
    );
    children.push(writeElement(name, [], options));
  }
  return children;
}

/**
 * Builds the XML of any message: `<GctiMsg>…</GctiMsg>`, single-quoted attributes, no declaration.
 * @throws IvrMessageError when the message breaks the seed's tables (nothing is written)
 */
export function buildIvrMessage(message: IvrMessage): string {
  const m = validateIvrMessage(message) as unknown as Record<string, unknown>;
  const spec: IvrElementSpec = IVR_MESSAGE_SPECS[m.Message as keyof typeof IVR_MESSAGE_SPECS];
  const children = childrenOf(spec, m);
  if (spec.subtypes) {
    const sub = m.Subtype as MonitorInfoSubtype;
    const subSpec: IvrElementSpec = MONITOR_INFO_SUBTYPE_SPECS[sub];
    children.push(writeElement(sub, attributesOf(subSpec, m), childrenOf(subSpec, m)));
  }
  return writeElement(IVR_ENVELOPE, [], [writeElement(m.Message as string, attributesOf(spec, m), children)]);
}

/** Builds a LoginResp. `buildLoginResp({ IServerVersion: '8.5', Result: 'Success', Status: 'OK' })` */
export function buildLoginResp(params: IvrParams<'LoginResp'>): string {
  return buildIvrMessage({ ...params, Message: 'LoginResp' } as LoginResp);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What {@link buildMonitorInfo} takes: a MonitorInfo without its `Message` field. */
export type MonitorInfoParams = DistributiveOmit<MonitorInfo, 'Message'>;

/** Builds a MonitorInfo. `buildMonitorInfo({ Subtype: 'Agent', PortNum: '01', Status: 'Ready', ReqId: '7' })` */
export function buildMonitorInfo(params: MonitorInfoParams): string {
  return buildIvrMessage({ ...params, Message: 'MonitorInfo' } as MonitorInfo);
}

// ---------------------------------------------------------------------------------------------
// Parsing

function readParams(where: string, el: XmlElement, spec: IvrElementSpec, out: Record<string, unknown>): void {
  const attrNames = Object.entries(spec.params)
    .filter(([, p]) => p.in === 'attribute')
    .map(([n]) => n);
  for (const [attr, value] of el.attributes) {
    if (!attrNames.includes(attr)) {
      throw new IvrMessageError('unknown-parameter', where, `unknown attribute ${attr}`, attr, attrNames);
    }
    out[attr] = value;
  }
}

function readOptions(where: string, name: string, el: XmlElement): Record<string, string> {
  for (const attr of el.attributes.keys()) {
    throw new IvrMessageError('unknown-parameter', where, `<${name}> takes no attributes, found ${attr}`, name);
  }
  const entries = new Map<string, string>();
  for (const opt of el.children) {
    if (opt.name !== IVR_OPTION_ELEMENT) {
      throw new IvrMessageError(
        'unknown-parameter',
        where,
        `<${name}> holds only <${IVR_OPTION_ELEMENT}> elements, found <${opt.name}>`,
        name,
      );
    }
    for (const attr of opt.attributes.keys()) {
      if (attr !== 'Name' && attr !== 'Value') {
        throw new IvrMessageError(
          'unknown-parameter',
          where,
          `<${IVR_OPTION_ELEMENT}> in ${name} takes Name and Value, found ${attr}`,
          name,
          ['Name', 'Value'],
        );
      }
    }
    if (opt.children.length > 0) {
      throw new IvrMessageError('unknown-parameter', where, `<${IVR_OPTION_ELEMENT}> in ${name} has child elements`, name);
    }
    const key = opt.attributes.get('Name');
    const value = opt.attributes.get('Value');
    if (!key) throw new IvrMessageError('missing', where, `an <${IVR_OPTION_ELEMENT}> in ${name} has no Name`, name);
    if (value === undefined) throw new IvrMessageError('missing', where, `${name} option ${show(key)} has no Value`, name);
    if (entries.has(key)) throw new IvrMessageError('duplicate', where, `${name} option ${show(key)} appears twice`, name);
    entries.set(key, value);
  }
  return Object.fromEntries(entries);
}

/** Reads child elements that are parameters of `spec` (options sections); others are refused unless `rest` takes them. */
function readChildren(
  where: string,
  el: XmlElement,
  spec: IvrElementSpec,
  out: Record<string, unknown>,
  rest?: (child: XmlElement) => void,
): void {
  for (const child of el.children) {
    const p = hasOwn(spec.params, child.name) ? spec.params[child.name] : undefined;
    if (p?.in === 'element') {
      if (hasOwn(out, child.name)) throw new IvrMessageError('duplicate', where, `<${child.name}> appears twice`, child.name);
      out[child.name] = readOptions(where, child.name, child);
    } else if (rest) {
      rest(child);
    } else {
      const allowed = Object.entries(spec.params)
        .filter(([, q]) => q.in === 'element')
        .map(([n]) => n);
      throw new IvrMessageError('unknown-parameter', where, `unexpected element <${child.name}>`, child.name, allowed);
    }
  }
}

/**
 * Parses `<GctiMsg>…</GctiMsg>` into a message object, checked against the seed's tables.
 * @throws IvrXmlError for input that is too large, has a DOCTYPE/entity, or is not well formed
 * @throws IvrMessageError for well-formed XML that breaks the tables
 */
export function parseIvrMessage(input: string | Uint8Array, options: IvrParseOptions = {}): IvrMessage {
  const root = readXml(input, options);
  if (root.name !== IVR_ENVELOPE) {
    throw new IvrMessageError('unknown-message', IVR_ENVELOPE, `the root element must be <${IVR_ENVELOPE}>, found <${root.name}>`);
  }
  for (const attr of root.attributes.keys()) {
    throw new IvrMessageError('unknown-parameter', IVR_ENVELOPE, `<${IVR_ENVELOPE}> takes no attributes, found ${attr}`, attr);
  }
  if (root.children.length === 0) {
    throw new IvrMessageError('missing', IVR_ENVELOPE, 'Message is missing: nothing inside the envelope', 'Message', MESSAGE_NAMES);
  }
  if (root.children.length > 1) {
    throw new IvrMessageError('duplicate', IVR_ENVELOPE, `Message: one per envelope, found a second <${root.children[1].name}>`, 'Message');
  }
  const el = root.children[0];
  if (!hasOwn(IVR_MESSAGE_SPECS, el.name)) {
    throw new IvrMessageError('unknown-message', IVR_ENVELOPE, `Message <${el.name}> is unknown`, 'Message', MESSAGE_NAMES);
  }
  const name = el.name as keyof typeof IVR_MESSAGE_SPECS;
  const spec: IvrElementSpec = IVR_MESSAGE_SPECS[name];
  const out: Record<string, unknown> = { Message: name };
  readParams(name, el, spec, out);
  let subEl: XmlElement | undefined;
  readChildren(
    name,
    el,
    spec,
    out,
    spec.subtypes
      ? (child) => {
          if (!spec.subtypes!.includes(child.name)) {
            throw new IvrMessageError('unknown-message', name, `Subtype <${child.name}> is unknown`, 'Subtype', spec.subtypes);
          }
          if (subEl) {
            throw new IvrMessageError(
              'duplicate',
              name,
              `Subtype: one per ${name}, found a second <${child.name}>`,
              'Subtype',
              spec.subtypes,
            );
          }
          subEl = child;
        }
      : undefined,
  );
  if (spec.subtypes) {
    if (!subEl) throw new IvrMessageError('missing', name, 'Subtype is missing: no subtype element', 'Subtype', SUBTYPE_NAMES);
    const sub = subEl.name as MonitorInfoSubtype;
    const subSpec: IvrElementSpec = MONITOR_INFO_SUBTYPE_SPECS[sub];
    const where = `${name}/${sub}`;
    out.Subtype = sub;
    // Subtype and message parameters share one flat object: a subtype attribute must not
    // overwrite the message's own.
    const subOut: Record<string, unknown> = {};
    readParams(where, subEl, subSpec, subOut);
    readChildren(where, subEl, subSpec, subOut);
    for (const k of Object.keys(subOut)) {
      if (hasOwn(out, k)) throw new IvrMessageError('duplicate', where, `${k} is given on both ${name} and ${sub}`, k);
      out[k] = subOut[k];
    }
  }
  return validateIvrMessage(out);
}
