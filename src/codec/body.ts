/**
 * The body of one frame → a DecodedMessage: values, strings, kvlists, the object built through
 * its layout (./shapes.ts). Module-level state, so the hot path allocates only what it returns.
 */
import { isUtf8 } from 'node:buffer';
import { ProtocolError, type ProtocolErrorCode } from '../errors.js';
import { ATTRIBUTE_BY_ID, VALUE_TYPE_NAMES, type KVList, type KVValue } from '../protocol/attributes.js';
import { messageByType } from '../protocol/catalogue.js';
import type { UnknownAttribute } from '../protocol/types.js';
import { MAX_KVLIST_DEPTH } from '../protocol/values.js';
import { HEADER_BYTES, LENGTH_BYTES, MAGIC, MAX_WARNINGS_PER_FRAME, VERSION } from './format.js';
import type { DecodeWarning, DecodedMessage } from './message.js';
import { cachedConnId, keepConnId } from './intern.js';
import { buildGeneric, layoutFor, type Layout } from './shapes.js';

// Decoding state for one frame; module-level so the hot path allocates only what it returns.
let buf: Buffer = Buffer.alloc(0);
let p = 0;
let end = 0;
let base = 0; // stream offset of buf[0], for error offsets

class FrameFault {
  constructor(
    readonly code: ProtocolErrorCode,
    readonly message: string,
    readonly at: number,
  ) {}
}

function fault(code: ProtocolErrorCode, message: string, at = p): never {
  throw new FrameFault(code, message, at);
}

/** `what`, or `what.key` for a kvlist entry: error messages name the path, built only on error. */
function pathOf(what: string, key: string | undefined): string {
  return key === undefined ? what : `${what}.${key}`;
}

function truncated(n: number, what: string, key?: string): never {
  fault('ERR_TRUNCATED', `${pathOf(what, key)} runs past the end of the frame (needs ${n} bytes, ${end - p} left)`);
}

function int32(): number {
  const v = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
  p += 4;
  return v;
}

function uint32(): number {
  return int32() >>> 0;
}

// Buffer's own slice methods, without toString()'s argument checks (present in every Node release).
type Slicer = { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

function utf8(start: number, stop: number): string {
  return (buf as unknown as Slicer).utf8Slice(start, stop);
}

/**
 * The frame's warnings: at most MAX_WARNINGS_PER_FRAME listed, the rest only counted (a hostile
 * frame can hold thousands of defects; each listed one becomes an event for the user).
 */
let warnings: DecodeWarning[] | undefined;
let unlistedUtf8 = 0;
let unlistedCollisions = 0;
let firstUnlisted = '';
/** Strings of this frame found not valid UTF-8 (listed or not): kvlist() compares it around a key. */
let invalidStrings = 0;

/** True if one more warning may be listed; else counts it as unlisted. */
function listable(code: 'ERR_INVALID_UTF8' | 'ERR_KEY_COLLISION', where: string): boolean {
  if (warnings === undefined || warnings.length < MAX_WARNINGS_PER_FRAME) return true;
  if (unlistedUtf8 + unlistedCollisions === 0) firstUnlisted = where;
  if (code === 'ERR_INVALID_UTF8') unlistedUtf8++;
  else unlistedCollisions++;
  return false;
}

/** The slow path of strings (a byte >= 0x80): UTF-8, validated; invalid bytes become U+FFFD, reported. */
function utf8Checked(start: number, stop: number, what: string, key: string | undefined): string {
  const s = utf8(start, stop);
  if (!isUtf8(buf.subarray(start, stop))) {
    invalidStrings++;
    const where = pathOf(what, key);
    if (listable('ERR_INVALID_UTF8', where)) {
      (warnings ??= []).push({
        code: 'ERR_INVALID_UTF8',
        attribute: where,
        // The value itself is not quoted: details reach logs, and values may be customer data.
        detail: `${where}: the ${stop - start} bytes at byte ${base + start} are not valid UTF-8 (invalid sequences read as U+FFFD)`,
      });
    }
  }
  return s;
}

/**
 * Strings: every string of a frame is a substring of ONE latin1 copy of the frame body (`text`,
 * made on first use): one call into C++ per frame instead of one per string, and substring() is a
 * builtin that copies (short) or shares (long) without leaving JavaScript. That holds only for
 * ASCII, checked per string while scanning its bytes; a string with any byte >= 0x80 is decoded
 * as UTF-8 on its own (the slow path), and its validity checked there.
 * Frames over TEXT_FRAME_MAX do not get a frame copy: a 13+ character substring would keep the
 * whole copy alive for as long as the user holds the string.
 */
const TEXT_FRAME_MAX = 4096;
let text = '';
let textStart = -1; // buf offset of text[0]; -1 when this frame has no copy yet

function stringAt(start: number, stop: number, what: string, key: string | undefined): string {
  let bits = 0;
  for (let i = start; i < stop; i++) bits |= buf[i];
  if (bits >= 0x80) return utf8Checked(start, stop, what, key);
  if (textStart < 0) {
    if (end - start > TEXT_FRAME_MAX) return (buf as unknown as Slicer).latin1Slice(start, stop);
    textStart = start;
    text = (buf as unknown as Slicer).latin1Slice(start, end);
  }
  return text.substring(start - textStart, stop - textStart);
}

function string(what: string, key?: string): string {
  if (p + 4 > end) truncated(4, what, key);
  const len = uint32();
  if (len > end - p) truncated(len, what, key);
  const start = p;
  p += len;
  return stringAt(start, p, what, key);
}

function binary(what: string, key?: string): Buffer {
  if (p + 4 > end) truncated(4, what, key);
  const len = uint32();
  if (len > end - p) truncated(len, what, key);
  const out = Buffer.allocUnsafe(len);
  buf.copy(out, 0, p, p + len);
  p += len;
  return out;
}

/** Char codes of the two lowercase hex digits of every byte value. */
const HEX_CODES = new Uint16Array(512);
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HEX_CODES[2 * i] = h.charCodeAt(0);
  HEX_CODES[2 * i + 1] = h.charCodeAt(1);
}
const fromCharCode = String.fromCharCode;

/** 16 hex digits as one flat string (a chain of 2-digit concatenations would be flattened later, in Map lookups). */
function connid(what: string, key?: string): string {
  if (p + 8 > end) truncated(8, what, key);
  const hi = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
  const lo = (buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7];
  const seen = cachedConnId(hi, lo);
  if (seen !== undefined) {
    p += 8;
    return seen;
  }
  const h = HEX_CODES;
  const a = buf[p] << 1,
    b = buf[p + 1] << 1,
    c = buf[p + 2] << 1,
    d = buf[p + 3] << 1;
  const e = buf[p + 4] << 1,
    f = buf[p + 5] << 1,
    g = buf[p + 6] << 1,
    i = buf[p + 7] << 1;
  p += 8;
  return keepConnId(
    hi,
    lo,
    fromCharCode(
      h[a],
      h[a + 1],
      h[b],
      h[b + 1],
      h[c],
      h[c + 1],
      h[d],
      h[d + 1],
      h[e],
      h[e + 1],
      h[f],
      h[f + 1],
      h[g],
      h[g + 1],
      h[i],
      h[i + 1],
    ),
  );
}

function time(what: string): { seconds: number; microseconds: number } {
  if (p + 8 > end) truncated(8, what);
  const seconds = uint32();
  const at = p;
  const microseconds = uint32();
  if (microseconds >= 1_000_000) fault('ERR_BAD_VALUE', `${what}: microseconds ${microseconds} is not below 1000000`, at);
  return { seconds, microseconds };
}

function kvlist(depth: number, what: string): KVList {
  if (depth > MAX_KVLIST_DEPTH) fault('ERR_KVLIST_TOO_DEEP', `${what}: kvlists nested deeper than ${MAX_KVLIST_DEPTH}`);
  if (p + 4 > end) truncated(4, what);
  const count = uint32();
  // Each entry takes at least 3 bytes: refuse an impossible count before looping on it.
  if (count * 3 > end - p) fault('ERR_TRUNCATED', `${what}: ${count} entries cannot fit in ${end - p} bytes`);
  const list: KVList = [];
  let badKeys: number[] | undefined; // [entry, start, stop] of each key that is not valid UTF-8
  for (let i = 0; i < count; i++) {
    if (p + 2 > end) truncated(2, what);
    const keyLen = (buf[p] << 8) | buf[p + 1];
    p += 2;
    if (p + keyLen + 1 > end) truncated(keyLen + 1, what);
    const keyEnd = p + keyLen;
    const invalidBefore = invalidStrings;
    const key = stringAt(p, keyEnd, what, undefined);
    if (invalidStrings > invalidBefore) (badKeys ??= []).push(i, p, keyEnd);
    p = keyEnd;
    const vtype = buf[p++];
    let value: KVValue;
    switch (vtype) {
      case 1:
        if (p + 4 > end) truncated(4, what, key);
        value = int32();
        break;
      case 2:
        value = string(what, key);
        break;
      case 3:
        value = binary(what, key);
        break;
      case 4:
        value = kvlist(depth + 1, `${what}.${key}`);
        break;
      case 5:
        value = { connid: connid(what, key) };
        break;
      default:
        fault('ERR_BAD_VALUE_TYPE', `${what}.${key}: value type ${vtype} is not allowed in a kvlist (1–5)`, p - 1);
    }
    list.push([key, value]);
  }
  if (badKeys !== undefined) findCollisions(list, badKeys, what);
  return list;
}

/** The byte forms of one key as read, and how many entries carry it. */
interface KeyGroup {
  /** Each distinct byte form (latin1 of its bytes; VALID_FORM for the key's own UTF-8) → its first entry. */
  forms: Map<string, number>;
  entries: number;
}
/** Not a latin1 string (a char above 0xFF), so no byte form equals it. */
const VALID_FORM = '\u0100';

/**
 * Keys that are not valid UTF-8 read with U+FFFD in place of their bad bytes, so keys with
 * different bytes can come out equal (a repeated key, same bytes, is normal). Linear: the keys read
 * from invalid bytes are grouped by the key as read, each group's byte forms kept in a Map keyed
 * by the raw bytes; one pass over the valid keys adds theirs. One warning per key read alike.
 */
function findCollisions(list: KVList, badKeys: number[], what: string): void {
  const groups = new Map<string, KeyGroup>();
  for (let b = 0; b < badKeys.length; b += 3) {
    const entry = badKeys[b];
    const key = list[entry][0];
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { forms: new Map(), entries: 0 }));
    g.entries++;
    const form = (buf as unknown as Slicer).latin1Slice(badKeys[b + 1], badKeys[b + 2]);
    if (!g.forms.has(form)) g.forms.set(form, entry);
  }
  // A valid key's bytes are the UTF-8 of what it reads as: one form per key.
  for (let i = 0, b = 0; i < list.length; i++) {
    if (b < badKeys.length && badKeys[b] === i) {
      b += 3;
      continue;
    }
    const g = groups.get(list[i][0]);
    if (g === undefined) continue;
    g.entries++;
    if (!g.forms.has(VALID_FORM)) g.forms.set(VALID_FORM, i);
  }
  for (const [key, g] of groups) {
    if (g.forms.size < 2 || !listable('ERR_KEY_COLLISION', what)) continue;
    // The first entries of the two earliest forms.
    let a = Number.MAX_SAFE_INTEGER;
    let z = Number.MAX_SAFE_INTEGER;
    for (const first of g.forms.values()) {
      if (first < a) [a, z] = [first, a];
      else if (first < z) z = first;
    }
    const shown = key.length > 64 ? `${JSON.stringify(key.slice(0, 64))}…` : JSON.stringify(key);
    const more = g.entries > 2 ? ` (${g.entries} entries in ${g.forms.size} byte forms read so)` : '';
    (warnings ??= []).push({
      code: 'ERR_KEY_COLLISION',
      attribute: what,
      detail: `${what}: entries ${a + 1} and ${z + 1} have different key bytes that both read as ${shown}${more}`,
    });
  }
}

/** One warning in place of those not listed, naming how many of each kind. */
function unlistedSummary(message: string): DecodeWarning {
  const n = unlistedUtf8 + unlistedCollisions;
  return {
    code: 'ERR_TOO_MANY_WARNINGS',
    attribute: firstUnlisted,
    detail:
      `${message}: ${n} more defects not listed (${unlistedUtf8} ERR_INVALID_UTF8, ${unlistedCollisions} ERR_KEY_COLLISION; ` +
      `the first in ${firstUnlisted}); a frame lists at most ${MAX_WARNINGS_PER_FRAME}`,
  };
}

function value(vtype: number, what: string): unknown {
  switch (vtype) {
    case 1:
      if (p + 4 > end) truncated(4, what);
      return int32();
    case 2:
      return string(what);
    case 3:
      return binary(what);
    case 4:
      return kvlist(1, what);
    case 5:
      return connid(what);
    case 6:
      return time(what);
    default:
      return fault('ERR_BAD_VALUE_TYPE', `${what}: unknown value type ${vtype}`, p - 1);
  }
}

/** Message names by wire type, for the types below 512 (every event and request); a Map above. */
const NAME_BY_TYPE: (string | undefined)[] = new Array<string | undefined>(512).fill(undefined);
for (let t = 0; t < NAME_BY_TYPE.length; t++) NAME_BY_TYPE[t] = messageByType(t)?.name;

/**
 * Duplicate attributes are found with a stamp per attribute id (the frame's serial number) rather
 * than by reading the attributes object back.
 */
const seenStamp = new Uint32Array(ATTRIBUTE_BY_ID.length);
/** The frame's known attributes in wire order, ids and values (each id at most once: fewer than ids.length). */
const ids = new Uint16Array(ATTRIBUTE_BY_ID.length);
const values: unknown[] = [];
let frameSerial = 0;

/** Decodes the frame body at buf[start, stop) (after the length field). Throws FrameFault. */
function decodeBody(start: number, stop: number): DecodedMessage {
  p = start;
  end = stop;
  textStart = -1;
  if (((buf[p] << 8) | buf[p + 1]) !== MAGIC) {
    fault('ERR_BAD_MAGIC', `bad magic 0x${((buf[p] << 8) | buf[p + 1]).toString(16).padStart(4, '0')} (expected 0x544c)`);
  }
  if (buf[p + 2] !== VERSION) fault('ERR_BAD_VERSION', `unsupported protocol version ${buf[p + 2]}`, p + 2);
  // buf[p + 3] holds flags: unknown bits are ignored.
  const type = (buf[p + 4] << 8) | buf[p + 5];
  const count = (buf[p + 6] << 8) | buf[p + 7];
  p += HEADER_BYTES;
  const name = type < NAME_BY_TYPE.length ? NAME_BY_TYPE[type] : messageByType(type)?.name;
  let unknown: UnknownAttribute[] | undefined;
  let n = 0;
  resetWarnings();
  const serial = (frameSerial = (frameSerial + 1) >>> 0 || 1);
  if (serial === 1) seenStamp.fill(0); // wrapped: old stamps could collide
  for (let i = 0; i < count; i++) {
    if (p + 3 > end) truncated(3, `attribute ${i + 1} of ${count}`);
    const id = (buf[p] << 8) | buf[p + 1];
    const vtype = buf[p + 2];
    p += 3;
    const attr = ATTRIBUTE_BY_ID[id];
    if (attr !== undefined) {
      if (attr.typeCode !== vtype) {
        fault('ERR_BAD_VALUE_TYPE', `${attr.name} (id ${id}) has value type ${vtype}, expected ${attr.typeCode} (${attr.type})`, p - 1);
      }
      if (seenStamp[id] === serial) fault('ERR_DUPLICATE_ATTRIBUTE', `${attr.name} (id ${id}) appears twice`, p - 3);
      seenStamp[id] = serial;
      ids[n] = id;
      values[n++] = value(vtype, attr.name);
    } else {
      const v = value(vtype, `attribute ${id}`);
      (unknown ??= []).push({ id, valueType: VALUE_TYPE_NAMES[vtype], value: v });
    }
  }
  if (p !== end) {
    fault('ERR_TRAILING_BYTES', `${end - p} bytes after the last of ${count} attributes`);
  }
  const layout = n === 0 ? undefined : layoutFor(type, ids, n);
  const attributes = layout !== undefined ? layout.attributes(values) : buildGeneric(ids, values, n);
  // values[] keeps the last frames' values until overwritten: at most one per catalogue attribute.
  lastAttributes = attributes;
  lastLayout = layout;
  const m: DecodedMessage = { type, name, attributes, unknownAttributes: unknown, byteLength: stop - start + LENGTH_BYTES };
  if (warnings !== undefined) {
    if (unlistedUtf8 + unlistedCollisions > 0) warnings.push(unlistedSummary(name ?? `message type ${type}`));
    m.warnings = warnings;
  }
  return m;
}

function resetWarnings(): void {
  warnings = undefined;
  unlistedUtf8 = unlistedCollisions = invalidStrings = 0;
  firstUnlisted = '';
}

/** The attributes object decoded last and its layout (see eventOf). */
let lastAttributes: object | undefined;
let lastLayout: Layout | undefined;

/** The layout of `attributes` if they are the ones decoded last, else undefined. */
export function layoutOfLast(attributes: object): Layout | undefined {
  return attributes === lastAttributes ? lastLayout : undefined;
}

/** Decodes the frame body at b[start, stop); stream offset `streamBase` for error offsets. Throws ProtocolError. */
export function decodeAt(b: Buffer, start: number, stop: number, streamBase: number): DecodedMessage {
  buf = b;
  base = streamBase;
  try {
    return decodeBody(start, stop);
  } catch (e) {
    if (e instanceof FrameFault) {
      // Bad magic or version: the stream cannot be trusted to be framed at all.
      const fatal = e.code === 'ERR_BAD_MAGIC' || e.code === 'ERR_BAD_VERSION';
      throw new ProtocolError(e.code, e.message, base + e.at, fatal);
    }
    throw e;
  } finally {
    buf = EMPTY; // do not keep the caller's chunk alive
    text = '';
    resetWarnings();
  }
}

const EMPTY = Buffer.alloc(0);
