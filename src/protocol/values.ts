/**
 * Helpers for the value types users handle: kvlists, ConnIDs and times, and a checker that says
 * exactly what is wrong with a value given for an attribute.
 */
import type { KVConnID, KVList, KVListInput, KVValue, TimeValue, ValueTypeName } from './attributes.js';

/** How deeply kvlists may nest (decoded and encoded). */
export const MAX_KVLIST_DEPTH = 16;
const CONNID_RE = /^[0-9a-f]{16}$/;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** Whether `value` is a ConnID: 16 lowercase hex digits. */
export function isConnID(value: unknown): value is string {
  return typeof value === 'string' && CONNID_RE.test(value);
}

/** Whether `value` is a whole number that fits a signed 32-bit int. */
export function isInt32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
}

/** Whether `value` is a ConnID inside a kvlist (`{ connid }`). */
export function isKVConnID(value: unknown): value is KVConnID {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    isConnID((value as KVConnID).connid) &&
    Object.keys(value).length === 1
  );
}

/** Wraps a ConnID so it is written into a kvlist as a connid value rather than a string. */
export function kvConnID(connid: string): KVConnID {
  return { connid };
}

/** An object literal (or one made by Object.create(null)): not an array, a class instance or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A kvlist as a list of pairs: a list is returned as is, a plain object becomes its entries. */
export function toKVList(input: KVListInput): KVList {
  return Array.isArray(input) ? input : (Object.entries(input) as KVList);
}

/** Reads a kvlist as a plain object. With repeated keys the first one wins (see kvGetAll for all). */
export function kvToObject(list: KVList | undefined): Record<string, KVValue> {
  const out: Record<string, KVValue> = Object.create(null);
  if (!list) return out;
  for (const [key, value] of list) if (!(key in out)) out[key] = value;
  return out;
}

/** A kvlist from a plain object's own entries, in their order. */
export function kvFromObject(obj: Record<string, KVValue>): KVList {
  return Object.entries(obj);
}

/** The first value for `key`, or undefined. */
export function kvGet(list: KVList | undefined, key: string): KVValue | undefined {
  if (!list) return undefined;
  for (const [k, v] of list) if (k === key) return v;
  return undefined;
}

/** Every value for `key`, in order (user data often repeats keys). */
export function kvGetAll(list: KVList | undefined, key: string): KVValue[] {
  if (!list) return [];
  const out: KVValue[] = [];
  for (const [k, v] of list) if (k === key) out.push(v);
  return out;
}

/** A wire `time` from a Date. */
export function timeFromDate(date: Date): TimeValue {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, microseconds: (ms - seconds * 1000) * 1000 };
}

/** A Date from a wire `time` (microseconds rounded to milliseconds). */
export function timeToDate(time: TimeValue): Date {
  return new Date(time.seconds * 1000 + Math.floor(time.microseconds / 1000));
}

/** The current time as a wire `time`. */
export function nowTime(): TimeValue {
  return timeFromDate(new Date());
}

/**
 * What is wrong with `value` as a value of `type`, or undefined when it is fine.
 * `path` names the attribute (and kvlist keys) in the message.
 */
export function describeBadValue(type: ValueTypeName, value: unknown, path: string, depth = 1): string | undefined {
  switch (type) {
    case 'int':
      return isInt32(value) ? undefined : `${path} must be a 32-bit integer, got ${show(value)}`;
    case 'string':
      return typeof value === 'string' ? undefined : `${path} must be a string, got ${show(value)}`;
    case 'binary':
      return value instanceof Uint8Array ? undefined : `${path} must be a Uint8Array, got ${show(value)}`;
    case 'connid':
      return isConnID(value) ? undefined : `${path} must be a ConnID of 16 lowercase hex digits, got ${show(value)}`;
    case 'time':
      if (value instanceof Date) {
        const ms = value.getTime();
        if (Number.isNaN(ms)) return `${path} is an invalid Date`;
        // The wire holds uint32 seconds: 1970-01-01T00:00:00Z up to 2106-02-07T06:28:15.999Z.
        if (ms < 0 || ms >= 0x1_0000_0000 * 1000) return `${path} is a Date outside the uint32 seconds range (1970–2106)`;
        return undefined;
      }
      if (
        isPlainObject(value) &&
        Number.isInteger(value.seconds) &&
        (value.seconds as number) >= 0 &&
        (value.seconds as number) <= 0xffffffff &&
        Number.isInteger(value.microseconds) &&
        (value.microseconds as number) >= 0 &&
        (value.microseconds as number) < 1_000_000
      ) {
        return undefined;
      }
      return `${path} must be a Date or { seconds, microseconds < 1000000 }, got ${show(value)}`;
    case 'kvlist': {
      if (depth > MAX_KVLIST_DEPTH) return `${path} nests kvlists deeper than ${MAX_KVLIST_DEPTH}`;
      let entries: unknown[];
      if (Array.isArray(value)) entries = value;
      else if (isPlainObject(value) && depth === 1) entries = Object.entries(value);
      else return `${path} must be a kvlist ([key, value] pairs${depth === 1 ? ' or a plain object' : ''}), got ${show(value)}`;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i];
        if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') {
          return `${path}[${i}] must be a [key, value] pair with a string key, got ${show(entry)}`;
        }
        if (utf8ByteLength(entry[0]) > 0xffff) return `${path}[${i}] key is longer than 65535 bytes`;
        const problem = describeBadKVValue(entry[1], `${path}.${entry[0]}`, depth);
        if (problem) return problem;
      }
      return undefined;
    }
  }
}

/**
 * The UTF-8 byte length of a string, without Node's Buffer (this module also runs in browsers). A
 * lone surrogate counts 3 bytes: it is encoded as U+FFFD, as TextEncoder and Buffer do.
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Like describeBadValue for a secret (Password): says what is wrong without quoting the value. */
export function describeBadSecret(type: ValueTypeName, value: unknown, path: string): string | undefined {
  if (describeBadValue(type, value, path) === undefined) return undefined;
  return `${path} must be a ${type}, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`} (value not shown)`;
}

function describeBadKVValue(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value === 'number') return describeBadValue('int', value, path);
  if (typeof value === 'string' || value instanceof Uint8Array) return undefined;
  if (Array.isArray(value)) return describeBadValue('kvlist', value, path, depth + 1);
  if (isKVConnID(value)) return undefined;
  return `${path} must be a number, string, Uint8Array, nested kvlist or { connid }, got ${show(value)}`;
}

/** A value as error messages quote it: strings in quotes (`"5000"`, never `5000`), others by kind. */
export function showValue(value: unknown): string {
  return show(value);
}

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'a Uint8Array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
