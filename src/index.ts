/**
 * tlib-client: a dependable connection to a Genesys T-Server (T-Library) and its hot-standby pair.
 */
export * from './connection/index.js';
export * from './errors.js';
export * from './protocol/index.js';
export {
  DEFAULT_MAX_FRAME_BYTES,
  wireCodecV1,
  encodeFrame,
  decodeFrame,
  FrameDecoder,
  type Codec,
  type DecodedMessage,
  type DecodeWarning,
  type DecoderHandlers,
  type DecoderOptions,
  type StreamDecoder,
} from './codec/index.js';
export type { Endpoint } from './transport/index.js';
export * from './model/index.js';
export * from './routing/index.js';
export * from './dialer/index.js';
export type { IteratorBufferOptions } from './util/push-iterator.js';
export { eventToJsonLine, formatEventLine, timeToIso } from './format/event-line.js';
