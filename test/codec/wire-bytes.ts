/**
 * Frames built byte by byte from wire-protocol.md (not through the encoder), for inputs the encoder
 * cannot write: invalid UTF-8, keys that differ only in invalid bytes, kvlists of attacker size.
 */
export const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
export const str = (bytes: Buffer) => Buffer.concat([u32(bytes.length), bytes]);
export const attr = (id: number, type: number, value: Buffer) => Buffer.concat([u16(id), Buffer.from([type]), value]);

export function frame(type: number, attrs: Buffer[]): Buffer {
  const body = Buffer.concat([u16(0x544c), Buffer.from([1, 0]), u16(type), u16(attrs.length), ...attrs]);
  return Buffer.concat([u32(body.length), body]);
}

/** A kvlist value (type 4) whose entries have raw key bytes and int values (8 bytes + key each). */
export function kvInts(keys: readonly Buffer[], value = 7): Buffer {
  return Buffer.concat([u32(keys.length), ...keys.map((k) => Buffer.concat([u16(k.length), k, Buffer.from([1]), u32(value)]))]);
}

export const THIS_DN = 20;
export const USER_DATA = 51;
export const TIME = 86;
export const EVENT_USER_EVENT = 96;

/** Single bytes that are not UTF-8 on their own (continuations, and lead bytes with nothing after). */
const LONE_BYTES = Array.from({ length: 128 }, (_, i) => 0x80 + i);

/** `n` keys with different bytes that all read as one U+FFFD. */
export function keysReadingAsReplacement(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.from([LONE_BYTES[i % LONE_BYTES.length]]));
}

/** `n` one-byte keys alternating 0xFF and 0xFE: every pair of neighbours collides. */
export function alternatingKeys(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.from([i % 2 === 0 ? 0xff : 0xfe]));
}

/** EventUserEvent with ThisDN and UserData made of `keys` (int values), about 8 bytes per key plus 40. */
export function userEventWithKeys(keys: readonly Buffer[], thisDN = '1001'): Buffer {
  return frame(EVENT_USER_EVENT, [attr(THIS_DN, 2, str(Buffer.from(thisDN))), attr(USER_DATA, 4, kvInts(keys))]);
}
