/**
 * An indexed binary min-heap: add, remove and re-key are O(log n), the minimum is O(1). Each item
 * records its own position (`heapIndex`, −1 when out), so removing one needs no search: the request
 * deadlines and the keep-alive checks both live in one of these behind a single timer each.
 * An item is in at most one heap at a time (it has one `heapIndex`).
 */

/** What a heap holds: its position there, owned by the heap (−1 while in none). */
export interface HeapItem {
  heapIndex: number;
}

export class IndexedHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  /** `key(item)` orders the heap; it must not change while the item is in, except through `update`. */
  constructor(private readonly key: (item: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  /** The item with the smallest key. */
  peek(): T | undefined {
    return this.items[0];
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  /** Adds `item`; one already in is moved to where its (changed) key puts it. */
  push(item: T): void {
    if (this.has(item)) return this.update(item);
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  /** Restores the order after `item`'s key changed. */
  update(item: T): void {
    if (!this.has(item)) return;
    this.up(item.heapIndex);
    this.down(item.heapIndex);
  }

  /** Takes `item` out; says whether it was in. */
  remove(item: T): boolean {
    if (!this.has(item)) return false;
    const i = item.heapIndex;
    item.heapIndex = -1;
    const last = this.items.pop()!;
    if (i < this.items.length) {
      this.items[i] = last;
      last.heapIndex = i;
      this.up(i);
      this.down(last.heapIndex);
    }
    return true;
  }

  /** Takes out and returns the item with the smallest key. */
  pop(): T | undefined {
    const top = this.items[0];
    if (top) this.remove(top);
    return top;
  }

  /** Forgets every item. */
  clear(): void {
    for (const item of this.items) item.heapIndex = -1;
    this.items.length = 0;
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i];
    const k = this.key(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.key(items[parent]) <= k) break;
      items[i] = items[parent];
      items[i].heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i];
    const k = this.key(item);
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.key(items[child + 1]) < this.key(items[child])) child++;
      if (this.key(items[child]) >= k) break;
      items[i] = items[child];
      items[i].heapIndex = i;
      i = child;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
