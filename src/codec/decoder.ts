/**
 * Streaming decoder: socket chunks of any size in, decoded messages out. A frame held whole in one
 * chunk is decoded in place; a frame split across chunks is joined once, when its last byte comes
 * (never re-joined per chunk, so a server dribbling one byte at a time costs O(n), not O(n²)).
 */
import createDebug from 'debug';
import { ProtocolError } from '../errors.js';
import { ADDP_PING, ADDP_PONG } from '../protocol/catalogue.js';
import { decodeAt, layoutOfLast } from './body.js';
import { notATServer } from './foreign-peer.js';
import { DEFAULT_MAX_FRAME_BYTES, HEADER_BYTES, LENGTH_BYTES, MAGIC, VERSION } from './format.js';
import type { DecodedMessage } from './message.js';

// Only error paths log: the hot path stays free of it.
const debug = createDebug('tlib:codec');

export type { DecodedMessage, DecodeWarning } from './message.js';

/**
 * The object users get for a decoded event: `{ Event: name, Server: server, ...m.attributes }`,
 * the same properties in the same order. For the message decoded last (the usual case: a receiver
 * builds it in the same call), it is built by the compiled layout of its attributes, several times
 * cheaper than the spread; for any other message, by the spread.
 */
export function eventOf(m: DecodedMessage, name: string, server: string): Record<string, unknown> {
  const l = layoutOfLast(m.attributes);
  return l !== undefined ? l.event(m.attributes, name, server) : { Event: name, Server: server, ...m.attributes };
}

/** Options of a decoder (FrameDecoder, `Codec.createDecoder`). */
export interface DecoderOptions {
  /** Largest frame accepted (the length field's value); default 1 MiB. */
  maxFrameBytes?: number;
}

/** Where a decoder delivers: each whole message, each malformed frame. */
export interface DecoderHandlers {
  /** A frame decoded. */
  onMessage(message: DecodedMessage): void;
  /**
   * ADDP pings and pongs (no attributes) by type alone, without decoding: no allocation per frame.
   * Without this handler they come to onMessage like any frame.
   */
  onKeepAlive?(type: number): void;
  /** A malformed frame. When `error.fatal`, the stream is lost and the decoder stops. */
  onError(error: ProtocolError): void;
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

/** ADDP_PING or ADDP_PONG if the 8-byte body at b[at] is a well-formed one (magic, version, no attributes), else 0. */
function keepAliveType(b: Buffer, at: number): number {
  if (((b[at] << 8) | b[at + 1]) !== MAGIC || b[at + 2] !== VERSION || b[at + 6] !== 0 || b[at + 7] !== 0) return 0;
  const type = (b[at + 4] << 8) | b[at + 5];
  return type === ADDP_PING || type === ADDP_PONG ? type : 0;
}

function checkLength(length: number, max: number, offset: number): void {
  if (length > max) throw new ProtocolError('ERR_FRAME_TOO_LARGE', `frame of ${length} bytes is over the ${max}-byte limit`, offset, true);
  if (length < HEADER_BYTES)
    throw new ProtocolError('ERR_FRAME_TOO_SMALL', `frame of ${length} bytes is under the 8-byte header`, offset, true);
}

/** Splits a byte stream into frames and decodes each: push() chunks of any size; each whole frame reaches `onMessage`, malformed input `onError` (a ProtocolError with its offset). Bounded: a frame over `maxFrameBytes` is refused before it is buffered. */
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

  /** Drops a partly received frame (the stream starts again at a frame boundary). */
  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.offset = 0;
    this.failed = false;
  }

  /** Takes the next bytes of the stream; every frame they complete is delivered before push() returns. */
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
        const at = this.offset + off;
        // The stream's first bytes: maybe another kind of server answering.
        const foreign = at === 0 ? notATServer(b.subarray(off)) : undefined;
        this.fail(() => {
          if (foreign) throw foreign;
          checkLength(length, this.maxFrameBytes, at);
        });
        return;
      }
      const frameEnd = off + LENGTH_BYTES + length;
      if (frameEnd > n) break;
      const keepAlive = length === HEADER_BYTES ? keepAliveType(b, off + LENGTH_BYTES) : 0;
      if (keepAlive !== 0 && this.handlers.onKeepAlive) {
        off = frameEnd;
        this.handlers.onKeepAlive(keepAlive);
        if (this.failed) return;
        continue;
      }
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
