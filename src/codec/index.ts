/**
 * The codec: bytes ⇄ messages, no sockets, no timers. The connection talks to it only through
 * the `Codec` interface, so another encoding of the same model can be plugged in
 * (`new TServerConnection({ codec })`).
 */
import type { ProtocolError } from '../errors.js';
import type { UnknownAttribute } from '../protocol/types.js';
import { FrameDecoder, type DecoderHandlers, type DecoderOptions } from './decoder.js';
import { encodeFrame } from './encoder.js';

export {
  FrameDecoder,
  decodeFrame,
  eventOf,
  type DecodedMessage,
  type DecodeWarning,
  type DecoderHandlers,
  type DecoderOptions,
} from './decoder.js';
export { encodeFrame } from './encoder.js';
export * from './format.js';

/** A streaming decoder as the transport uses it. */
export interface StreamDecoder {
  /** Takes the next bytes of the stream (any size). */
  push(chunk: Uint8Array): void;
  /** Drops a partly received frame. */
  reset(): void;
  /** Stops decoding: nothing more is delivered, even from bytes already pushed. */
  stop(): void;
  readonly bufferedBytes: number;
}

/** An encoding of the message model on the wire: what `TServerConnection` reaches bytes through (option `codec`). `wireCodecV1` is the default. */
export interface Codec {
  readonly name: string;
  /** One message → one frame. Throws ProtocolError (code ERR_ENCODE) on a value it cannot write. */
  encode(type: number, attributes: Record<string, unknown> | undefined, unknown?: readonly UnknownAttribute[]): Uint8Array;
  /** A decoder for one connection's incoming byte stream. */
  createDecoder(handlers: DecoderHandlers, options?: DecoderOptions): StreamDecoder;
}

/** The codec of `shared/wire-protocol.md`, version 1. */
export const wireCodecV1: Codec = {
  name: 'tlib-wire-v1',
  encode: encodeFrame,
  createDecoder: (handlers, options) => new FrameDecoder(handlers, options),
};

export type { ProtocolError };
