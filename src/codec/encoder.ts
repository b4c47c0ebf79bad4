/**
 * Encoder: one message (type + attributes by name) → one frame. Writes into a reused scratch
 * buffer and copies the finished frame out once, so strings are measured only while written.
 */
import createDebug from 'debug';
import { ProtocolError } from '../errors.js';
import { ATTRIBUTE_BY_ID, ATTRIBUTE_BY_NAME, VALUE_TYPES, type KVList, type KVValue, type ValueTypeName } from '../protocol/attributes.js';
import type { UnknownAttribute } from '../protocol/types.js';
import { MAX_KVLIST_DEPTH, isKVConnID, timeFromDate, toKVList } from '../protocol/values.js';
import { DEFAULT_MAX_FRAME_BYTES, HEADER_BYTES, LENGTH_BYTES, MAGIC, VERSION } from './format.js';

let scratch = Buffer.allocUnsafe(64 * 1024);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < pos + n) size *= 2;
  const next = Buffer.allocUnsafe(size);
  scratch.copy(next, 0, 0, pos);
  scratch = next;
}

const debug = createDebug('tlib:codec');

function fail(message: string): never {
  debug('encode refused: %s', message);
  throw new ProtocolError('ERR_ENCODE', message, pos, false);
}

/** `what`, or `what.key` inside a kvlist: built only when an error names it. */
function pathOf(what: string, key: string | undefined): string {
  return key === undefined ? what : `${what}.${key}`;
}

// Plain byte stores: Buffer's writeUInt*BE methods check their arguments on every call.
function u32(v: number, at: number): void {
  scratch[at] = v >>> 24;
  scratch[at + 1] = v >>> 16;
  scratch[at + 2] = v >>> 8;
  scratch[at + 3] = v;
}

function u16(v: number, at: number): void {
  scratch[at] = v >>> 8;
  scratch[at + 1] = v;
}

/** Writes the UTF-8 bytes of `s` at pos + lengthBytes, then its byte length (uint32 or uint16) at pos. */
function writeStringBody(s: string, lengthBytes: 2 | 4): number {
  const len = s.length;
  ensure(lengthBytes + len * 3);
  const start = pos + lengthBytes;
  let p = start;
  // Short ASCII strings (DNs, names, keys) are the common case: copy them without a trip into C++.
  if (len < 64) {
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      scratch[p++] = c;
    }
    if (i < len) p = start + scratch.write(s, start, 'utf8');
  } else {
    p = start + scratch.write(s, start, 'utf8');
  }
  const bytes = p - start;
  if (lengthBytes === 4) u32(bytes, pos);
  else u16(bytes, pos);
  pos = p;
  return bytes;
}

function writeString(s: string): void {
  writeStringBody(s, 4);
}

function writeBinary(b: Uint8Array): void {
  ensure(4 + b.length);
  u32(b.length, pos);
  scratch.set(b, pos + 4);
  pos += 4 + b.length;
}

function writeInt(v: unknown, what: string, key?: string): void {
  // Same test as isInt32, inlined: an int32 (or -0) survives `| 0` unchanged; NaN, fractions and
  // out-of-range numbers do not.
  if (typeof v !== 'number' || (v | 0) !== v) fail(`${pathOf(what, key)}: not a 32-bit integer`);
  ensure(4);
  u32(v as number, pos);
  pos += 4;
}

/** Value of a lowercase hex digit's char code, or -1. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

function writeConnID(v: unknown, what: string, key?: string): void {
  // Validates and writes in one pass (same rule as isConnID: exactly 16 lowercase hex digits).
  if (typeof v !== 'string' || v.length !== 16) fail(`${pathOf(what, key)}: not a ConnID of 16 lowercase hex digits`);
  ensure(8);
  for (let i = 0; i < 8; i++) {
    const hi = v.charCodeAt(2 * i);
    const lo = v.charCodeAt(2 * i + 1);
    const h = hi < 128 ? HEX_VALUE[hi] : -1;
    const l = lo < 128 ? HEX_VALUE[lo] : -1;
    if ((h | l) < 0) fail(`${pathOf(what, key)}: not a ConnID of 16 lowercase hex digits`);
    scratch[pos + i] = (h << 4) | l;
  }
  pos += 8;
}

function writeTime(v: unknown, what: string): void {
  let seconds: number;
  let micros: number;
  if (v instanceof Date) {
    ({ seconds, microseconds: micros } = timeFromDate(v));
  } else if (typeof v === 'object' && v !== null) {
    seconds = (v as { seconds: number }).seconds;
    micros = (v as { microseconds: number }).microseconds;
  } else {
    fail(`${what}: not a time`);
  }
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 0xffffffff) fail(`${what}: seconds out of range`);
  if (!Number.isInteger(micros) || micros < 0 || micros >= 1_000_000) fail(`${what}: microseconds out of range`);
  ensure(8);
  u32(seconds, pos);
  u32(micros, pos + 4);
  pos += 8;
}

function isPlainObject(v: unknown): v is Record<string, KVValue> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function writeKVList(input: unknown, depth: number, what: string): void {
  if (depth > MAX_KVLIST_DEPTH) fail(`${what}: kvlist nested deeper than ${MAX_KVLIST_DEPTH}`);
  // A list of pairs, or (for an attribute's own list) a plain object. Anything else, e.g. a
  // Uint8Array, Date or Map, would otherwise be written as its Object.entries().
  if (!Array.isArray(input) && !(depth === 1 && isPlainObject(input))) fail(`${what}: not a kvlist`);
  const list: KVList = toKVList(input as KVList);
  ensure(4);
  u32(list.length, pos);
  pos += 4;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') {
      fail(`${what}[${i}]: not a [key, value] pair`);
    }
    const key = entry[0];
    if (writeStringBody(key, 2) > 0xffff) fail(`${what}[${i}]: key longer than 65535 bytes`);
    writeKVValue(entry[1], depth, what, key);
  }
}

function writeKVValue(v: KVValue, depth: number, what: string, key: string): void {
  ensure(1);
  if (typeof v === 'string') {
    scratch[pos++] = VALUE_TYPES.string;
    writeString(v);
  } else if (typeof v === 'number') {
    scratch[pos++] = VALUE_TYPES.int;
    writeInt(v, what, key);
  } else if (v instanceof Uint8Array) {
    scratch[pos++] = VALUE_TYPES.binary;
    writeBinary(v);
  } else if (Array.isArray(v)) {
    scratch[pos++] = VALUE_TYPES.kvlist;
    writeKVList(v, depth + 1, `${what}.${key}`);
  } else if (isKVConnID(v)) {
    scratch[pos++] = VALUE_TYPES.connid;
    writeConnID(v.connid, what, key);
  } else {
    fail(`${what}.${key}: not a kvlist value`);
  }
}

function writeValue(type: ValueTypeName, v: unknown, what: string): void {
  switch (type) {
    case 'int':
      return writeInt(v, what);
    case 'string':
      if (typeof v !== 'string') fail(`${what}: not a string`);
      return writeString(v);
    case 'binary':
      if (!(v instanceof Uint8Array)) fail(`${what}: not a Uint8Array`);
      return writeBinary(v);
    case 'kvlist':
      return writeKVList(v, 1, what);
    case 'connid':
      return writeConnID(v, what);
    case 'time':
      return writeTime(v, what);
  }
}

/**
 * Encodes one frame. `attributes` are written in their own order; undefined values are skipped.
 * Names the catalogue does not know are refused; `unknown` attributes (as decoded) are written
 * after them, so a relay can pass them on unchanged.
 */
export function encodeFrame(type: number, attributes: Record<string, unknown> | undefined, unknown?: readonly UnknownAttribute[]): Buffer {
  if (!Number.isInteger(type) || type < 0 || type > 0xffff) {
    throw new ProtocolError('ERR_ENCODE', `message type ${type} is not a uint16`, 0, false);
  }
  pos = 0;
  ensure(LENGTH_BYTES + HEADER_BYTES);
  u16(MAGIC, 4);
  scratch[6] = VERSION;
  scratch[7] = 0;
  u16(type, 8);
  pos = LENGTH_BYTES + HEADER_BYTES;
  let count = 0;
  if (attributes) {
    for (const name in attributes) {
      const value = attributes[name];
      if (value === undefined) continue;
      const attr = ATTRIBUTE_BY_NAME.get(name);
      if (!attr) {
        if (name === 'Event' || name === 'Request' || name === 'Server' || name === 'unknownAttributes') continue;
        fail(`unknown attribute name ${name}`);
      }
      ensure(3);
      u16(attr.id, pos);
      scratch[pos + 2] = attr.typeCode;
      pos += 3;
      writeValue(attr.type, value, name);
      count++;
    }
  }
  if (unknown) {
    for (const u of unknown) {
      const id: unknown = u?.id;
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) > 0xffff) {
        fail(`unknown attribute id ${String(id)} is not a uint16`);
      }
      const known = ATTRIBUTE_BY_ID[id as number];
      if (known) fail(`attribute id ${id} is ${known.name}: pass it by name, not as an unknown attribute`);
      if (!Object.hasOwn(VALUE_TYPES, u.valueType)) fail(`attribute ${id}: unknown value type ${String(u.valueType)}`);
      ensure(3);
      u16(u.id, pos);
      scratch[pos + 2] = VALUE_TYPES[u.valueType];
      pos += 3;
      writeValue(u.valueType, u.value, `attribute ${u.id}`);
      count++;
    }
  }
  if (count > 0xffff) fail('more than 65535 attributes');
  // A receiver refuses a frame over its limit (1 MiB by default) and drops the connection: refuse
  // it here instead, where the caller can be told.
  if (pos - LENGTH_BYTES > DEFAULT_MAX_FRAME_BYTES) {
    fail(`frame of ${pos - LENGTH_BYTES} bytes is over the ${DEFAULT_MAX_FRAME_BYTES}-byte limit receivers apply`);
  }
  u32(pos - LENGTH_BYTES, 0);
  u16(count, 10);
  const out = Buffer.allocUnsafe(pos);
  scratch.copy(out, 0, 0, pos);
  return out;
}
