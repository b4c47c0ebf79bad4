/** Fixed numbers of wire protocol v1 (`shared/wire-protocol.md`, "Frame"). */
export const MAGIC = 0x544c; // "TL"
export const VERSION = 1;
/** Bytes of the fixed header after the length field: magic, version, flags, type, count. */
export const HEADER_BYTES = 8;
export const LENGTH_BYTES = 4;
/** Largest frame (header included) accepted by default, in bytes: 1 MiB. Both the decoder and the encoder hold to it. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** Decode warnings listed one by one per frame; past it, one ERR_TOO_MANY_WARNINGS counts the rest. */
export const MAX_WARNINGS_PER_FRAME = 8;
