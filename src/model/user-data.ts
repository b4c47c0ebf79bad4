/**
 * User data as the state model keeps it: measured in bytes (for the model's byte bounds), trimmed
 * to a budget, and frozen when a view is built. Entries that are not `[string, value]` are left
 * out, never thrown on.
 */
import type { KVList, KVPair } from '../protocol/attributes.js';

/**
 * A flat copy of a string the model keeps. A string of 13 characters or more read from a frame
 * may be a slice of the frame's text: kept, it would keep all of the text alive, and every
 * comparison with it (each Map lookup of a call) would take V8's slow path. A JSON round trip is
 * the one builtin way to a new flat string of any content (slice() would make another slice).
 */
export function own(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/** What one kvlist entry costs beyond its characters (the pair array and two string headers). */
const ENTRY_BYTES = 64;
/** Nesting kept in a frozen copy; deeper lists become empty. */
const MAX_DEPTH = 16;

function valueBytes(v: unknown, limit: number, depth: number): number {
  if (typeof v === 'string') return v.length;
  if (Array.isArray(v)) return depth < MAX_DEPTH ? kvBytes(v, limit, depth + 1) : 0;
  if (v instanceof Uint8Array) return v.byteLength;
  return 8;
}

/**
 * Approximate heap bytes of a kvlist: its characters, binary bytes and 64 per entry (one byte per
 * character: text outside Latin-1 may take twice that). Stops counting once past `limit`, so a
 * huge list costs no more to measure than the bound it is measured against.
 */
export function kvBytes(list: readonly unknown[], limit = Infinity, depth = 0): number {
  let n = 0;
  for (let i = 0; i < list.length && n <= limit; i++) {
    const pair = list[i];
    if (!Array.isArray(pair)) continue;
    const key = pair[0];
    if (typeof key !== 'string') continue;
    const v = pair[1];
    n += ENTRY_BYTES + key.length + (typeof v === 'string' ? v.length : typeof v === 'number' ? 8 : valueBytes(v, limit - n, depth));
  }
  return n;
}

/** A frozen copy of a kvlist. */
export function freezeKV(list: readonly unknown[], depth = 0): Readonly<KVList> {
  const copy: KVPair[] = [];
  for (const pair of list) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string') continue;
    const v = pair[1] as KVPair[1];
    copy.push(Object.freeze([pair[0], Array.isArray(v) ? (depth < MAX_DEPTH ? freezeKV(v, depth + 1) : []) : v]) as KVPair);
  }
  return Object.freeze(copy) as Readonly<KVList>;
}

/** The leading entries of `list` that fit in `budget` bytes, as a frozen copy, and their size. */
export function kvPrefix(list: readonly unknown[], budget: number): { list: Readonly<KVList>; bytes: number } {
  const kept: unknown[] = [];
  let bytes = 0;
  for (const pair of list) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string') continue;
    const size = ENTRY_BYTES + pair[0].length + valueBytes(pair[1], budget - bytes, 0);
    if (bytes + size > budget) break;
    kept.push(pair);
    bytes += size;
  }
  return { list: freezeKV(kept), bytes };
}
