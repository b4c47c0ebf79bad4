/**
 * A FIFO bounded in bytes: push and shift are O(1) amortized (an array with a moving head,
 * compacted when the head passes half of it — never `shift()` or `unshift(...rest)` on a large
 * array, which are O(n) and, spread, overflow the stack past ~120,000 items). Each item is charged
 * the bytes its owner says; a push past `maxBytes` is refused and the caller decides what that means.
 */
export class ByteBoundedFifo<T> {
  private items: (T | undefined)[] = [];
  private costs: number[] = [];
  private head = 0;
  private total = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.items.length - this.head;
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
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.total -= this.costs[this.head];
    this.head++;
    if (this.head === this.items.length) this.clear();
    else if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.costs = this.costs.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.costs = [];
    this.head = 0;
    this.total = 0;
  }
}
