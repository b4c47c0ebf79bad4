/**
 * Deadlines for many requests behind ONE timer: an indexed binary min-heap (add, remove and expiry
 * O(log n); most requests share one timeout, so deadlines arrive in order and add is O(1) on
 * average). The timer is armed for the earliest deadline only; removing the head does not re-arm it
 * (it fires a little early, finds nothing due and re-arms), so a settle costs no timer call.
 * At most EXPIRE_BATCH items expire per timer callback: when 100,000 requests time out together,
 * the event loop gets a turn between batches instead of one long stall.
 */

const EXPIRE_BATCH = 1_000;

/** Time and the one timer, read through a seam so unit tests drive them with fake timers. */
export interface TimerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: TimerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** An item with a deadline. `deadlineSlot` belongs to the queue (its heap index, −1 when out). */
export interface Deadlined {
  readonly deadline: number;
  deadlineSlot: number;
}

export class DeadlineQueue<T extends Deadlined> {
  private readonly heap: T[] = [];
  private timer: unknown;
  /** When the armed timer fires (Infinity when none is armed). */
  private timerAt = Infinity;

  constructor(
    private readonly clock: TimerClock,
    private readonly onExpire: (item: T) => void,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** True while the one timer is armed (for tests: at most one, none when empty). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  add(item: T): void {
    if (item.deadlineSlot >= 0) return;
    item.deadlineSlot = this.heap.length;
    this.heap.push(item);
    this.up(item.deadlineSlot);
    if (item.deadline < this.timerAt) this.arm();
  }

  remove(item: T): void {
    const i = item.deadlineSlot;
    if (i < 0) return;
    item.deadlineSlot = -1;
    const last = this.heap.pop()!;
    if (i < this.heap.length) {
      this.heap[i] = last;
      last.deadlineSlot = i;
      this.down(i);
      this.up(last.deadlineSlot);
    }
    if (this.heap.length === 0) this.disarm();
  }

  /** Forgets every item and stops the timer. */
  clear(): void {
    for (const item of this.heap) item.deadlineSlot = -1;
    this.heap.length = 0;
    this.disarm();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    // onExpire may add or remove items: read the head afresh each time.
    for (let n = 0; n < EXPIRE_BATCH && this.heap.length > 0 && this.heap[0].deadline <= now; n++) {
      const item = this.heap[0];
      this.remove(item);
      this.onExpire(item);
    }
    if (this.heap.length === 0 || this.heap[0].deadline >= this.timerAt) return;
    if (this.heap[0].deadline <= now) {
      // More are due: the next batch after other callbacks have run.
      if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
      this.timerAt = this.heap[0].deadline;
      this.timer = this.clock.setTimeout(this.fire, 0);
    } else this.arm();
  };

  private arm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerAt = this.heap[0].deadline;
    // Timers may fire a fraction of a ms early: at least 1 ms, rounded up.
    this.timer = this.clock.setTimeout(this.fire, Math.max(1, Math.ceil(this.timerAt - this.clock.now())));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private up(i: number): void {
    const heap = this.heap;
    const item = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].deadline <= item.deadline) break;
      heap[i] = heap[parent];
      heap[i].deadlineSlot = i;
      i = parent;
    }
    heap[i] = item;
    item.deadlineSlot = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1].deadline < heap[child].deadline) child++;
      if (heap[child].deadline >= item.deadline) break;
      heap[i] = heap[child];
      heap[i].deadlineSlot = i;
      i = child;
    }
    heap[i] = item;
    item.deadlineSlot = i;
  }
}
