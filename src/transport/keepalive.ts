/**
 * ADDP keep-alive, out of the transport. One `KeepAlive` per socket decides when to ping and when
 * the peer is dead; ONE `KeepAliveScheduler` timer drives every keep-alive of the process (a binary
 * heap of due times, due times rounded up to a coarse grid so sockets due together wake together).
 * Hundreds of idle connections therefore cost one timer, not one per socket, and a frame received
 * costs one assignment: nothing is rescheduled until the check comes due.
 */

export interface KeepAliveHooks {
  /** The peer was silent for half the timeout: send it a ping. */
  ping(): void;
  /** The peer was silent for the whole timeout; the keep-alive has stopped itself. */
  dead(idleMs: number): void;
  /** Runs at every check before the silence rules (the transport looks for a stalled write buffer); false stops the keep-alive. */
  check?(now: number): boolean;
}

export interface KeepAliveSchedulerOptions {
  /** Monotonic clock in ms. Default performance.now (tests pass Date.now under fake timers). */
  now?: () => number;
  /**
   * Due times are rounded to this grid (ms) so keep-alives due together wake together: a death
   * verdict is never early and at most this late; a ping at most this early. Default 10.
   */
  granularityMs?: number;
}

/** One timer for many keep-alives: wakes for the earliest due time and runs every check then due. */
export class KeepAliveScheduler {
  readonly now: () => number;
  readonly granularityMs: number;
  private readonly heap: KeepAlive[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = Infinity;
  private firing = false;

  constructor(options: KeepAliveSchedulerOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.granularityMs = options.granularityMs ?? 10;
  }

  /** Keep-alives waiting for a check. */
  get size(): number {
    return this.heap.length;
  }

  /** True while the scheduler's one timer is armed. */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** Puts `k` in the heap (or moves it) with its check due at `at`, rounded up (or down) to the grid. */
  schedule(k: KeepAlive, at: number, roundDown = false): void {
    const g = this.granularityMs;
    k.dueAt = g > 0 ? (roundDown ? Math.floor(at / g) : Math.ceil(at / g)) * g : at;
    if (k.heapIndex < 0) {
      k.heapIndex = this.heap.length;
      this.heap.push(k);
      this.up(k.heapIndex);
    } else {
      this.up(k.heapIndex);
      this.down(k.heapIndex);
    }
    this.arm();
  }

  remove(k: KeepAlive): void {
    const i = k.heapIndex;
    if (i < 0) return;
    k.heapIndex = -1;
    const last = this.heap.pop()!;
    if (i < this.heap.length) {
      this.heap[i] = last;
      last.heapIndex = i;
      this.up(i);
      this.down(i);
    }
    if (this.heap.length === 0) this.disarm();
  }

  private arm(): void {
    if (this.firing) return;
    const top = this.heap[0];
    if (!top) return this.disarm();
    if (this.timer && this.timerDueAt <= top.dueAt) return;
    this.disarm();
    this.timerDueAt = top.dueAt;
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.ceil(top.dueAt - this.now())));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = Infinity;
  }

  private fire(): void {
    this.timer = undefined;
    this.timerDueAt = Infinity;
    const now = this.now();
    this.firing = true;
    try {
      // Each check reschedules its keep-alive after `now` or removes it; the budget bounds the loop
      // even if a due time rounded down lands on `now` (that one waits for the next wake).
      let budget = this.heap.length;
      for (let top = this.heap[0]; top && top.dueAt <= now && budget-- > 0; top = this.heap[0]) {
        this.remove(top);
        try {
          top.runCheck(now);
        } catch (err) {
          // A hook's listener threw: it stays uncaught (as from its own timer), the others still run.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    } finally {
      this.firing = false;
      this.arm();
    }
  }

  private up(i: number): void {
    const h = this.heap;
    const k = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].dueAt <= k.dueAt) break;
      h[i] = h[p];
      h[i].heapIndex = i;
      i = p;
    }
    h[i] = k;
    k.heapIndex = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const k = h[i];
    const n = h.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && h[c + 1].dueAt < h[c].dueAt) c++;
      if (h[c].dueAt >= k.dueAt) break;
      h[i] = h[c];
      h[i].heapIndex = i;
      i = c;
    }
    h[i] = k;
    k.heapIndex = i;
  }
}

/** The scheduler every transport shares unless given another. */
export const sharedKeepAliveScheduler = new KeepAliveScheduler();

/**
 * ADDP for one socket: ping after half the timeout of silence, declare the peer dead after the
 * whole. Any whole frame is a sign of life (`heard()`); ADDP counts frames, not bytes.
 */
export class KeepAlive {
  /** @internal heap position in the scheduler, -1 when not scheduled. */
  heapIndex = -1;
  /** @internal when the next check is due. */
  dueAt = 0;
  private lastHeard = 0;
  private pingOutstanding = false;
  private running = false;

  constructor(
    readonly timeoutMs: number,
    private readonly hooks: KeepAliveHooks,
    private readonly scheduler: KeepAliveScheduler = sharedKeepAliveScheduler,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts counting silence from now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastHeard = this.scheduler.now();
    this.pingOutstanding = false;
    this.scheduler.schedule(this, this.lastHeard + this.half, true);
  }

  /** A whole frame arrived. Cheap: nothing is rescheduled until the pending check runs. */
  heard(): void {
    this.lastHeard = this.scheduler.now();
    this.pingOutstanding = false;
  }

  stop(): void {
    this.running = false;
    this.scheduler.remove(this);
  }

  private get half(): number {
    return Math.max(1, Math.floor(this.timeoutMs / 2));
  }

  /** @internal called by the scheduler when the check is due. */
  runCheck(now: number): void {
    if (!this.running) return;
    if (this.hooks.check && !this.hooks.check(now)) {
      this.stop();
      return;
    }
    if (!this.running) return;
    const idle = now - this.lastHeard;
    if (idle >= this.timeoutMs) {
      this.stop();
      this.hooks.dead(idle);
      return;
    }
    // A ping may go out up to one grid step early (its check was rounded down): harmless, and it
    // keeps the grid from eating into the time the pong has to come back.
    if (idle >= this.half - this.scheduler.granularityMs && !this.pingOutstanding) {
      this.pingOutstanding = true;
      this.hooks.ping();
      if (!this.running) return;
    }
    if (this.pingOutstanding) this.scheduler.schedule(this, Math.max(this.lastHeard + this.timeoutMs, now + 1));
    else this.scheduler.schedule(this, Math.max(this.lastHeard + this.half, now + 1), true);
  }
}
