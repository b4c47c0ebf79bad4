/**
 * A Map keyed by strings (insertion order, get, set, delete, has, size, keys, entries) that holds
 * its first entry in two fields and makes a Map only at a second. Nearly every call has one
 * registered DN on it (an agent's desk, a routing point) and nearly every DN one call at a time:
 * the call's parties and the DN's calls are such maps, so per call and per DN no Map is made, no
 * hash table is rehashed as calls come and go, and a lookup of the one entry is one comparison.
 */
export class SmallMap<V> {
  private key: string | undefined;
  private value: V | undefined;
  /** All entries, in order, once there were two at a time (kept as a Map from then on). */
  private map: Map<string, V> | undefined;

  get size(): number {
    return this.map !== undefined ? this.map.size : this.key === undefined ? 0 : 1;
  }

  get(key: string): V | undefined {
    if (this.map !== undefined) return this.map.get(key);
    return this.key === key ? this.value : undefined;
  }

  has(key: string): boolean {
    if (this.map !== undefined) return this.map.has(key);
    return this.key === key;
  }

  set(key: string, value: V): void {
    if (this.map !== undefined) this.map.set(key, value);
    else if (this.key === undefined || this.key === key) {
      this.key = key;
      this.value = value;
    } else {
      this.map = new Map([[this.key, this.value as V]]);
      this.map.set(key, value);
      this.key = this.value = undefined;
    }
  }

  delete(key: string): boolean {
    if (this.map !== undefined) return this.map.delete(key);
    if (this.key !== key || key === undefined) return false;
    this.key = this.value = undefined;
    return true;
  }

  keys(): Iterable<string> {
    if (this.map !== undefined) return this.map.keys();
    return this.key === undefined ? [] : [this.key];
  }

  entries(): Iterable<[string, V]> {
    if (this.map !== undefined) return this.map.entries();
    return this.key === undefined ? [] : [[this.key, this.value as V]];
  }
}
