/**
 * The same string object for a ConnID the decoder has seen lately. Consumers key Maps by ConnID
 * (the state model looks up every call event's call): a string met before carries the hash V8
 * computed for it then and compares equal to the key it was stored under by identity, where a new
 * string of the same digits is hashed and compared digit by digit on every lookup. A hit also
 * saves making the string (8 bytes read as two int32s, compared).
 *
 * A direct-mapped table, one ConnID per slot (a miss overwrites its slot): bounded whatever a
 * server sends (CONNID_SLOTS strings of 16 characters, about 50 KiB), and shared by every decoder
 * of the process (strings are values). The strings are made from the bytes: they hold no frame.
 *
 * DNs were measured too (a hash of the bytes and a check on a hit): the model's lookup saved less
 * than the decoder paid for every DN, so DNs are not cached.
 */

/** ConnIDs kept (the 8 bytes as two int32s and the 16-digit string); a power of two. */
const CONNID_SLOTS = 1024;
const connHi = new Int32Array(CONNID_SLOTS);
const connLo = new Int32Array(CONNID_SLOTS);
const connText: (string | undefined)[] = new Array<string | undefined>(CONNID_SLOTS).fill(undefined);

function connSlot(hi: number, lo: number): number {
  return Math.imul(hi ^ Math.imul(lo, 0x9e3779b1), 0x85ebca6b) >>> 22; // 32 − log2(CONNID_SLOTS)
}

/** The cached string of the ConnID whose bytes read as `hi`, `lo` (int32 each), or undefined. */
export function cachedConnId(hi: number, lo: number): string | undefined {
  const slot = connSlot(hi, lo);
  return connHi[slot] === hi && connLo[slot] === lo ? connText[slot] : undefined;
}

/** Keeps `text`, the 16 hex digits of the ConnID `hi`, `lo`; returns it. */
export function keepConnId(hi: number, lo: number, text: string): string {
  const slot = connSlot(hi, lo);
  connHi[slot] = hi;
  connLo[slot] = lo;
  connText[slot] = text;
  return text;
}
