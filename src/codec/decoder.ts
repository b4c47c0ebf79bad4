/**
 * Streaming decoder: socket chunks of any size in, decoded messages out. A frame held whole in one
 * chunk is decoded in place; a frame split across chunks is joined once, when its last byte comes
 * (never re-joined per chunk, so a server dribbling one byte at a time costs O(n), not O(n²)).
 */
import createDebug from 'debug';
import { ProtocolError, type ProtocolErrorCode } from '../errors.js';
import { ATTRIBUTE_BY_ID, VALUE_TYPE_NAMES, type KVList, type KVValue } from '../protocol/attributes.js';
import { messageByType } from '../protocol/catalogue.js';
import type { UnknownAttribute } from '../protocol/types.js';
import { MAX_KVLIST_DEPTH } from '../protocol/values.js';
import { DEFAULT_MAX_FRAME_BYTES, HEADER_BYTES, LENGTH_BYTES, MAGIC, VERSION } from './format.js';

// Only error paths log: the hot path stays free of it.
const debug = createDebug('tlib:codec');

/** One decoded frame. `name` is the catalogue's name, or undefined for an unknown message type. */
export interface DecodedMessage {
  type: number;
  name: string | undefined;
  attributes: Record<string, unknown>;
  /** Well-formed attributes whose ids the catalogue does not know, in wire order. */
  unknownAttributes: UnknownAttribute[] | undefined;
  /** Size of the frame on the wire, length field included. */
  byteLength: number;
}

export interface DecoderOptions {
  /** Largest frame accepted (the length field's value); default 1 MiB. */
  maxFrameBytes?: number;
}

export interface DecoderHandlers {
  onMessage(message: DecodedMessage): void;
  /** A malformed frame. When `error.fatal`, the stream is lost and the decoder stops. */
  onError(error: ProtocolError): void;
}

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
 * Short strings (keys, DNs, agent ids, enum-like user-data values) repeat from event to event: an
 * ASCII string up to SHORT bytes is looked up in a small direct-mapped cache (verified byte by byte)
 * and the cached string is returned, saving the allocation and the call into C++.
 */
const SHORT = 32;
const CACHE_BITS = 12;
const CACHE_MASK = (1 << CACHE_BITS) - 1;
const cache: (string | undefined)[] = new Array<string | undefined>(1 << CACHE_BITS).fill(undefined);

function shortString(start: number, stop: number): string {
  const len = stop - start;
  let h = len;
  for (let i = start; i < stop; i++) {
    const c = buf[i];
    if (c >= 0x80) return utf8(start, stop);
    h = (Math.imul(h, 31) + c) | 0;
  }
  const slot = (h ^ (h >>> CACHE_BITS)) & CACHE_MASK;
  const hit = cache[slot];
  if (hit !== undefined && hit.length === len) {
    let j = 0;
    while (j < len && hit.charCodeAt(j) === buf[start + j]) j++;
    if (j === len) return hit;
  }
  const s = (buf as unknown as Slicer).latin1Slice(start, stop);
  cache[slot] = s;
  return s;
}

function string(what: string, key?: string): string {
  if (p + 4 > end) truncated(4, what, key);
  const len = uint32();
  if (len > end - p) truncated(len, what, key);
  const start = p;
  p += len;
  return len <= SHORT ? shortString(start, p) : utf8(start, p);
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
  const h = HEX_CODES;
  const a = buf[p] << 1, b = buf[p + 1] << 1, c = buf[p + 2] << 1, d = buf[p + 3] << 1;
  const e = buf[p + 4] << 1, f = buf[p + 5] << 1, g = buf[p + 6] << 1, i = buf[p + 7] << 1;
  p += 8;
  return fromCharCode(
    h[a], h[a + 1], h[b], h[b + 1], h[c], h[c + 1], h[d], h[d + 1],
    h[e], h[e + 1], h[f], h[f + 1], h[g], h[g + 1], h[i], h[i + 1],
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
  const list: KVList = new Array(count);
  for (let i = 0; i < count; i++) {
    if (p + 2 > end) truncated(2, what);
    const keyLen = (buf[p] << 8) | buf[p + 1];
    p += 2;
    if (p + keyLen + 1 > end) truncated(keyLen + 1, what);
    const keyEnd = p + keyLen;
    const key = keyLen <= SHORT ? shortString(p, keyEnd) : utf8(p, keyEnd);
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
    list[i] = [key, value];
  }
  return list;
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
let frameSerial = 0;

/** Decodes the frame body at buf[start, stop) (after the length field). Throws FrameFault. */
function decodeBody(start: number, stop: number): DecodedMessage {
  p = start;
  end = stop;
  if (((buf[p] << 8) | buf[p + 1]) !== MAGIC) {
    fault('ERR_BAD_MAGIC', `bad magic 0x${((buf[p] << 8) | buf[p + 1]).toString(16).padStart(4, '0')} (expected 0x544c)`);
  }
  if (buf[p + 2] !== VERSION) fault('ERR_BAD_VERSION', `unsupported protocol version ${buf[p + 2]}`, p + 2);
  // buf[p + 3] holds flags: unknown bits are ignored.
  const type = (buf[p + 4] << 8) | buf[p + 5];
  const count = (buf[p + 6] << 8) | buf[p + 7];
  p += HEADER_BYTES;
  const name = type < NAME_BY_TYPE.length ? NAME_BY_TYPE[type] : messageByType(type)?.name;
  const attributes: Record<string, unknown> = {};
  let unknown: UnknownAttribute[] | undefined;
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
      attributes[attr.name] = value(vtype, attr.name);
    } else {
      const v = value(vtype, `attribute ${id}`);
      (unknown ??= []).push({ id, valueType: VALUE_TYPE_NAMES[vtype], value: v });
    }
  }
  if (p !== end) {
    fault('ERR_TRAILING_BYTES', `${end - p} bytes after the last of ${count} attributes`);
  }
  return { type, name, attributes, unknownAttributes: unknown, byteLength: stop - start + LENGTH_BYTES };
}

/**
 * Decodes one complete frame (length field included) held in `frame`. Throws ProtocolError.
 * For streams, use FrameDecoder.
 */
export function decodeFrame(frame: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): DecodedMessage {
  const b = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (b.length < LENGTH_BYTES) throw new ProtocolError('ERR_TRUNCATED', 'frame shorter than its length field', 0, true);
  const length = b.readUInt32BE(0);
  checkLength(length, maxFrameBytes, 0);
  if (b.length !== LENGTH_BYTES + length) {
    throw new ProtocolError(
      b.length < LENGTH_BYTES + length ? 'ERR_TRUNCATED' : 'ERR_TRAILING_BYTES',
      `frame length field says ${length} bytes, ${b.length - LENGTH_BYTES} given`,
      0,
      true,
    );
  }
  return decodeAt(b, LENGTH_BYTES, b.length, 0);
}

function checkLength(length: number, max: number, offset: number): void {
  if (length > max) throw new ProtocolError('ERR_FRAME_TOO_LARGE', `frame of ${length} bytes is over the ${max}-byte limit`, offset, true);
  if (length < HEADER_BYTES) throw new ProtocolError('ERR_FRAME_TOO_SMALL', `frame of ${length} bytes is under the 8-byte header`, offset, true);
}

function decodeAt(b: Buffer, start: number, stop: number, streamBase: number): DecodedMessage {
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
  }
}

const EMPTY = Buffer.alloc(0);

export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly handlers: DecoderHandlers;
  /** Chunks of an incomplete frame, and their total size. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Stream offset of the first pending byte (or of the next chunk when none is pending). */
  private offset = 0;
  private failed = false;

  constructor(handlers: DecoderHandlers, options: DecoderOptions = {}) {
    this.handlers = handlers;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** True after a fatal error: the decoder ignores further input until reset(). */
  get isFailed(): boolean {
    return this.failed;
  }

  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.offset = 0;
    this.failed = false;
  }

  push(chunk: Uint8Array): void {
    if (this.failed || chunk.length === 0) return;
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.pendingBytes === 0) {
      this.consume(b, true);
      return;
    }
    const held = this.pendingBytes;
    this.pending.push(b);
    this.pendingBytes += b.length;
    const need = this.pendingFrameSize();
    if (need === undefined || this.pendingBytes < need) return;
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (need === 0) {
      // A length over the limit (or under the header): consume() reports it at the right offset.
      this.consume(Buffer.concat(parts), true);
      return;
    }
    // Join only the split frame (its held bytes and the start of this chunk), then read the rest
    // of the chunk in place: the chunk itself is never copied.
    const used = need - held;
    parts[parts.length - 1] = b.subarray(0, used);
    this.consume(Buffer.concat(parts, need), true);
    if (!this.failed && used < b.length) this.consume(b.subarray(used), false);
  }

  /** Total bytes of the frame being gathered, once its length field is complete; throws over limit. */
  private pendingFrameSize(): number | undefined {
    if (this.pendingBytes < LENGTH_BYTES) return undefined;
    let length = 0;
    let got = 0;
    for (const c of this.pending) {
      for (let i = 0; i < c.length && got < LENGTH_BYTES; i++, got++) length = length * 256 + c[i];
      if (got === LENGTH_BYTES) break;
    }
    // Refuse an oversized frame as soon as its length is known, before waiting for its bytes.
    if (length > this.maxFrameBytes || length < HEADER_BYTES) return 0;
    return LENGTH_BYTES + length;
  }

  /** Decodes the frames in `b`; keeps an incomplete tail (as is when `owned` and nothing was read, else a copy). */
  private consume(b: Buffer, owned: boolean): void {
    let off = 0;
    const n = b.length;
    while (n - off >= LENGTH_BYTES) {
      const length = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
      if (length > this.maxFrameBytes || length < HEADER_BYTES) {
        this.fail(() => checkLength(length, this.maxFrameBytes, this.offset + off));
        return;
      }
      const frameEnd = off + LENGTH_BYTES + length;
      if (frameEnd > n) break;
      let message: DecodedMessage | undefined;
      try {
        message = decodeAt(b, off + LENGTH_BYTES, frameEnd, this.offset);
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        debug('%s frame: %s %s', e.fatal ? 'fatal' : 'skipped', e.code, e.message);
        if (e.fatal) {
          this.failed = true;
          this.pending = [];
          this.pendingBytes = 0;
          this.handlers.onError(e);
          return;
        }
        this.handlers.onError(e);
        if (this.failed) return; // the handler stopped us
      }
      off = frameEnd;
      if (message) {
        this.handlers.onMessage(message);
        if (this.failed) return; // a handler may reset or stop us
      }
    }
    this.offset += off;
    if (off < n) {
      // Keep a copy of the tail, not a view: a view would pin the whole socket chunk.
      const tail = off === 0 && owned ? b : Buffer.from(b.subarray(off));
      this.pending.push(tail);
      this.pendingBytes = tail.length;
    }
  }

  private fail(thrower: () => void): void {
    this.failed = true;
    this.pending = [];
    this.pendingBytes = 0;
    try {
      thrower();
    } catch (e) {
      debug('fatal frame: %s %s', (e as ProtocolError).code, (e as ProtocolError).message);
      this.handlers.onError(e as ProtocolError);
    }
  }

  /** Stops decoding (used by owners closing the stream). */
  stop(): void {
    this.failed = true;
    this.pending = [];
    this.pendingBytes = 0;
  }
}
