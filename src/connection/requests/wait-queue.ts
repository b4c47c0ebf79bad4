/**
 * A FIFO of waiting requests as an intrusive doubly linked list: push, remove and head are O(1)
 * with no allocation (a JS Set's head is O(deleted entries) until it rehashes: taking from the
 * front of a large one is quadratic). The link fields belong to the queue that holds the item.
 */
export interface Waiting<T> {
  waitPrev: T | undefined;
  waitNext: T | undefined;
  waitQueue: object | undefined;
}

export class WaitQueue<T extends Waiting<T>> {
  private head: T | undefined;
  private tail: T | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  first(): T | undefined {
    return this.head;
  }

  has(item: T): boolean {
    return item.waitQueue === this;
  }

  push(item: T): void {
    if (item.waitQueue !== undefined) return;
    item.waitQueue = this;
    item.waitPrev = this.tail;
    item.waitNext = undefined;
    if (this.tail) this.tail.waitNext = item;
    else this.head = item;
    this.tail = item;
    this.count++;
  }

  /** Removes `item` if this queue holds it; says whether it did. */
  remove(item: T): boolean {
    if (item.waitQueue !== this) return false;
    const { waitPrev: prev, waitNext: next } = item;
    if (prev) prev.waitNext = next;
    else this.head = next;
    if (next) next.waitPrev = prev;
    else this.tail = prev;
    item.waitPrev = item.waitNext = undefined;
    item.waitQueue = undefined;
    this.count--;
    return true;
  }

  /** Empties the queue, returning its items in order. */
  drain(): T[] {
    const items: T[] = [];
    for (let item = this.head; item; ) {
      const next: T | undefined = item.waitNext;
      item.waitPrev = item.waitNext = undefined;
      item.waitQueue = undefined;
      items.push(item);
      item = next;
    }
    this.head = this.tail = undefined;
    this.count = 0;
    return items;
  }

  /** The items in order (a snapshot: the caller may remove any while walking it). */
  toArray(): T[] {
    const items: T[] = [];
    for (let item = this.head; item; item = item.waitNext) items.push(item);
    return items;
  }
}
