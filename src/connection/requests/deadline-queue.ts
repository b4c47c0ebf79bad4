/**
 * Deadlines for many requests behind ONE timer, in an indexed min-heap (util/heap.ts: add and
 * remove O(log n); most requests share one timeout, so deadlines arrive in order and add is O(1) on
 * average). The timer is armed for the earliest deadline only; removing the head does not re-arm it
 * (it fires a little early, finds nothing due and re-arms), so a settle costs no timer call.
 * At most EXPIRE_BATCH items expire per timer callback: when 100,000 requests time out together,
 * the event loop gets a turn between batches instead of one long stall.
 */
import type { Clock } from '../../util/clock.js';
import { type HeapItem, IndexedHeap } from '../../util/heap.js';

const EXPIRE_BATCH = 1_000;

/** An item with a deadline (its `heapIndex` belongs to the queue). */
export interface Deadlined extends HeapItem {
  readonly deadline: number;
}

export class DeadlineQueue<T extends Deadlined> {
  private readonly heap = new IndexedHeap<T>((item) => item.deadline);
  private timer: unknown;
  /** When the armed timer fires (Infinity when none is armed). */
  private timerAt = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (item: T) => void,
  ) {}

  get size(): number {
    return this.heap.size;
  }

  /** True while the one timer is armed (for tests: at most one, none when empty). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  add(item: T): void {
    if (this.heap.has(item)) return;
    this.heap.push(item);
    if (item.deadline < this.timerAt) this.arm();
  }

  remove(item: T): void {
    if (this.heap.remove(item) && this.heap.size === 0) this.disarm();
  }

  /** Forgets every item and stops the timer. */
  clear(): void {
    this.heap.clear();
    this.disarm();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    // onExpire may add or remove items: read the head afresh each time.
    for (let n = 0, head = this.heap.peek(); n < EXPIRE_BATCH && head && head.deadline <= now; n++, head = this.heap.peek()) {
      this.heap.remove(head);
      this.onExpire(head);
    }
    const head = this.heap.peek();
    if (!head || head.deadline >= this.timerAt) return;
    if (head.deadline <= now) {
      // More are due: the next batch after other callbacks have run.
      if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
      this.timerAt = head.deadline;
      this.timer = this.clock.setTimeout(this.fire, 0);
    } else this.arm();
  };

  private arm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerAt = this.heap.peek()!.deadline;
    // Timers may fire a fraction of a ms early: at least 1 ms, rounded up.
    this.timer = this.clock.setTimeout(this.fire, Math.max(1, Math.ceil(this.timerAt - this.clock.now())));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
