/**
 * First-in first-out lists on an array with a moving head: push and shift are O(1) amortised
 * (Array#shift on a long array is O(n), which makes draining a burst quadratic, and
 * `unshift(...rest)` of a large remainder overflows the stack past ~120,000 items). The array is
 * compacted once the consumed part is both large and most of it.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined; // no reference kept to what left
    if (this.head === this.items.length) this.clear();
    else if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The items from the `index`-th oldest on (0: all of them), oldest first, as a new array. */
  slice(index: number): T[] {
    return this.items.slice(this.head + index) as T[];
  }

  /**
   * Keeps only the items `keep` accepts, in order: for owners that leave items they gave up on in
   * the list (skipped when shifted) and call this once those are most of it, so the list stays
   * within twice what is live (amortised O(1) per item).
   */
  retain(keep: (item: T) => boolean): void {
    const rest = this.drain().filter(keep);
    this.items = rest;
  }

  /** Empties the list and returns what it held, oldest first. */
  drain(): T[] {
    const rest = this.items.slice(this.head) as T[];
    this.clear();
    return rest;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/**
 * A Fifo bounded in bytes: each item is charged the bytes its owner says; a push past `maxBytes`
 * is refused and the caller decides what that means.
 */
export class ByteBoundedFifo<T> {
  private readonly items = new Fifo<T>();
  private readonly costs = new Fifo<number>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.items.size;
  }

  /** Bytes charged for the items held. */
  get bytes(): number {
    return this.total;
  }

  /** Adds `item` charged `bytes`; false (nothing added) when that would pass `maxBytes`. */
  push(item: T, bytes: number): boolean {
    if (this.total + bytes > this.maxBytes) return false;
    this.items.push(item);
    this.costs.push(bytes);
    this.total += bytes;
    return true;
  }

  shift(): T | undefined {
    if (this.items.size === 0) return undefined;
    this.total -= this.costs.shift()!;
    return this.items.shift();
  }

  clear(): void {
    this.items.clear();
    this.costs.clear();
    this.total = 0;
  }
}
