/**
 * Deadlines for many requests behind ONE timer. Most requests share one timeout, so deadlines
 * arrive in order: an item whose deadline is not before the last one's goes at the end of a linked
 * list (add and remove O(1), no comparisons: answers mostly settle the list's head). The others
 * (a shorter per-request timeout) go in an indexed min-heap (util/heap.ts: O(log n)); the earliest
 * is the earlier of the two heads. The timer is armed for the earliest deadline only; removing the
 * head does not re-arm it (it fires a little early, finds nothing due and re-arms), so a settle
 * costs no timer call.
 * At most EXPIRE_BATCH items expire per timer callback: when 100,000 requests time out together,
 * the event loop gets a turn between batches instead of one long stall.
 */
import type { Clock } from '../../util/clock.js';
import { type HeapItem, IndexedHeap } from '../../util/heap.js';

const EXPIRE_BATCH = 1_000;

/** An item with a deadline (its `heapIndex` and list links belong to the queue). */
export interface Deadlined extends HeapItem {
  readonly deadline: number;
  /** In the queue's in-order list, with its neighbours there. */
  deadlineListed: boolean;
  deadlinePrev: Deadlined | undefined;
  deadlineNext: Deadlined | undefined;
}

export class DeadlineQueue<T extends Deadlined> {
  private readonly heap = new IndexedHeap<T>((item) => item.deadline);
  /** Items added in deadline order, oldest first. */
  private head: T | undefined;
  private tail: T | undefined;
  private listed = 0;
  /** A check that stops the timer if still nothing is left is due (remove `lazily`). */
  private disarmDue = false;
  private timer: unknown;
  /** When the armed timer fires (Infinity when none is armed). */
  private timerAt = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (item: T) => void,
  ) {}

  get size(): number {
    return this.heap.size + this.listed;
  }

  /** True while the one timer is armed (for tests: at most one, none when empty). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  add(item: T): void {
    if (item.deadlineListed || this.heap.has(item)) return;
    const tail = this.tail;
    if (tail === undefined || item.deadline >= tail.deadline) {
      item.deadlineListed = true;
      item.deadlinePrev = tail;
      item.deadlineNext = undefined;
      if (tail === undefined) this.head = item;
      else tail.deadlineNext = item;
      this.tail = item;
      this.listed++;
    } else this.heap.push(item);
    if (item.deadline < this.timerAt) this.arm();
  }

  /**
   * Takes `item` out. When none is left the timer stops — at once, or with `lazily` (an answer)
   * once this turn of the event loop is over: a caller that sends its next request as each answer
   * comes (one at a time) then finds the timer still armed and costs no timer call per request.
   */
  remove(item: T, lazily = false): void {
    if (item.deadlineListed) this.unlink(item);
    else if (!this.heap.remove(item)) return;
    if (this.size > 0) return;
    if (!lazily) this.disarm();
    else if (!this.disarmDue && this.timer !== undefined) {
      this.disarmDue = true;
      this.clock.defer(this.disarmIfEmpty);
    }
  }

  private readonly disarmIfEmpty = (): void => {
    this.disarmDue = false;
    if (this.size === 0) this.disarm();
  };

  /** Forgets every item and stops the timer. */
  clear(): void {
    for (let item = this.head, n = this.listed; item !== undefined && n > 0; n--) {
      const next = item.deadlineNext as T | undefined;
      item.deadlineListed = false;
      item.deadlinePrev = item.deadlineNext = undefined;
      item = next;
    }
    this.head = this.tail = undefined;
    this.listed = 0;
    this.heap.clear();
    this.disarm();
  }

  private unlink(item: T): void {
    const prev = item.deadlinePrev as T | undefined;
    const next = item.deadlineNext as T | undefined;
    if (prev === undefined) this.head = next;
    else prev.deadlineNext = next;
    if (next === undefined) this.tail = prev;
    else next.deadlinePrev = prev;
    item.deadlineListed = false;
    item.deadlinePrev = item.deadlineNext = undefined;
    this.listed--;
  }

  /** The item with the earliest deadline (the list's head on a tie). */
  private first(): T | undefined {
    const listed = this.head;
    const heaped = this.heap.peek();
    if (heaped === undefined) return listed;
    return listed !== undefined && listed.deadline <= heaped.deadline ? listed : heaped;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    // onExpire may add or remove items: read the head afresh each time.
    for (let n = 0, head = this.first(); n < EXPIRE_BATCH && head && head.deadline <= now; n++, head = this.first()) {
      if (head.deadlineListed) this.unlink(head);
      else this.heap.remove(head);
      this.onExpire(head);
    }
    const head = this.first();
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
    this.timerAt = this.first()!.deadline;
    // Timers may fire a fraction of a ms early: at least 1 ms, rounded up.
    this.timer = this.clock.setTimeout(this.fire, Math.max(1, Math.ceil(this.timerAt - this.clock.now())));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
