/**
 * Objects keyed by DNs (a call view's `parties`, and the gateway's per-session copy of it).
 * DNs are often numbers, which V8 keeps as array elements: `{ '1001': … }` would get a backing
 * store of over 1,000 slots (12 KB per object). Setting and deleting the highest index first makes
 * the object keep its elements in a dictionary: a few hundred bytes whatever the DNs. Key order is
 * unchanged (integer keys enumerate in ascending order either way).
 */

/** The highest array index: an object given it keeps its elements in a dictionary. */
const MAX_INDEX = 4_294_967_294;

export function dnKeyed<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const o: Record<string | number, V> = {};
  o[MAX_INDEX] = undefined as V;
  delete o[MAX_INDEX];
  for (const [dn, v] of entries) o[dn] = v;
  return o;
}
