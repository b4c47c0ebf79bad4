/**
 * What the decoder produces: one decoded frame and the defects it was decoded despite. Types only,
 * so the frame parser (body.ts) and the stream decoder (decoder.ts) both use them without
 * importing each other.
 */
import type { UnknownAttribute } from '../protocol/types.js';

/** One decoded frame. `name` is the catalogue's name, or undefined for an unknown message type. */
export interface DecodedMessage {
  type: number;
  name: string | undefined;
  attributes: Record<string, unknown>;
  /** Well-formed attributes whose ids the catalogue does not know, in wire order. */
  unknownAttributes: UnknownAttribute[] | undefined;
  /** Size of the frame on the wire, length field included. */
  byteLength: number;
  /**
   * What was wrong but decoded anyway (invalid UTF-8 replaced by U+FFFD, kvlist keys that became
   * equal by it), for the receiver to report as protocol warnings; absent when nothing was. At
   * most MAX_WARNINGS_PER_FRAME, then one `ERR_TOO_MANY_WARNINGS` counting the rest.
   */
  warnings?: DecodeWarning[];
}

/** A defect of a frame that did not stop it from being decoded. */
export interface DecodeWarning {
  /**
   * `ERR_INVALID_UTF8`: a string or kvlist key is not valid UTF-8; its invalid bytes were replaced
   * by U+FFFD. `ERR_KEY_COLLISION`: kvlist keys with different bytes read as the same key after
   * that replacement. `ERR_TOO_MANY_WARNINGS`: the frame had more defects than are listed one by
   * one; the detail counts the rest by code.
   */
  code: 'ERR_INVALID_UTF8' | 'ERR_KEY_COLLISION' | 'ERR_TOO_MANY_WARNINGS';
  /** The attribute, or the kvlist path (`UserData.key`) where the defect is (the frame's message name for the summary). */
  attribute: string;
  detail: string;
}
