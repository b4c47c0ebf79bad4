/**
 * The InputMask of RequestSetInputMask: 512 bits, bit n = message type n.
 *
 * Bit order (chosen here, the wire spec does not fix it): bit n lives in byte `n >> 3`, at value
 * `1 << (n & 7)`, i.e. least significant bit first within each byte. So message type 0 is
 * `mask[0] & 0x01`, type 7 is `mask[0] & 0x80`, type 60 (EventRinging) is `mask[7] & 0x10`.
 */
import { messageByName } from '../protocol/catalogue.js';

/** Bits of an InputMask: one per message type 0–511. */
export const INPUT_MASK_BITS = 512;
/** Bytes of an InputMask (64). */
export const INPUT_MASK_BYTES = INPUT_MASK_BITS / 8;

/**
 * Events the mask never filters: the ones a client library needs to follow link status and the
 * pair's roles. Filtering them would silently break failover for a client that set a narrow mask.
 */
export const UNMASKABLE_EVENT_TYPES: ReadonlySet<number> = new Set([
  94, // EventLinkDisconnected
  95, // EventLinkConnected
  132, // EventRestoreConnection
  133, // EventPrimaryChanged
]);

function typeOf(t: number | string): number {
  if (typeof t === 'number') return t;
  const d = messageByName(t);
  if (!d) throw new RangeError(`unknown message name ${t}`);
  return d.type;
}

/** A mask with exactly the given message types (numbers or catalogue names) set. */
export function inputMaskOf(types: Iterable<number | string>): Uint8Array {
  const mask = new Uint8Array(INPUT_MASK_BYTES);
  for (const t of types) {
    const n = typeOf(t);
    if (!Number.isInteger(n) || n < 0 || n >= INPUT_MASK_BITS) throw new RangeError(`message type ${n} is outside the 512-bit mask`);
    mask[n >> 3] |= 1 << (n & 7);
  }
  return mask;
}

/** A mask with every bit set (what a client gets before it sets one). */
export function fullInputMask(): Uint8Array {
  return new Uint8Array(INPUT_MASK_BYTES).fill(0xff);
}

/** True when `mask` lets message type `type` through. Types beyond the mask pass. */
export function maskAllows(mask: Uint8Array | undefined, type: number): boolean {
  if (!mask || type >= INPUT_MASK_BITS) return true;
  return (mask[type >> 3] & (1 << (type & 7))) !== 0;
}
