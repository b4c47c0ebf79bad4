/**
 * ADDP keep-alive, out of the transport. One `KeepAlive` per socket decides when to ping and when
 * the peer is dead; ONE `KeepAliveScheduler` timer drives every keep-alive of the process (a binary
 * heap of due times, due times rounded up to a coarse grid so sockets due together wake together).
 * Hundreds of idle connections therefore cost one timer, not one per socket, and a frame received
 * costs one assignment: nothing is rescheduled until the check comes due (but for the pong to our
 * ping, once per ping). Checks run after the event loop's poll phase, so data that arrived while
 * the loop was busy counts before a verdict.
 *
 * Pings are coalesced: a ping check is rounded DOWN to a grid of a quarter of the half timeout,
 * the same absolute grid for every keep-alive of that timeout, and the next ping is counted from
 * the pong. So idle connections ping in at most four bursts per half timeout (one timer wake, the
 * pongs read in one poll each) instead of one wake per connection: a ping goes out up to a quarter
 * of the half timeout early, the death verdict is never early.
 */
import { type Clock, systemClock } from '../util/clock.js';
import { type HeapItem, IndexedHeap } from '../util/heap.js';

export interface KeepAliveHooks {
  /** The peer was silent for half the timeout: send it a ping. */
  ping(): void;
  /** The peer was silent for the whole timeout; the keep-alive has stopped itself. */
  dead(idleMs: number): void;
  /** Runs at every check before the silence rules (the transport looks for a stalled write buffer); false stops the keep-alive. */
  check?(now: number): boolean;
}

export interface KeepAliveSchedulerOptions {
  /** Time and the one timer. Default the system clock (tests pass a fake one). */
  clock?: Clock;
  /**
   * Due times are rounded to this grid (ms) so keep-alives due together wake together: a death
   * verdict is never early and at most this late; a ping at most this early. Default 10.
   */
  granularityMs?: number;
  /** Runs the due checks after the poll phase. Default the clock's `defer` (unit tests pass a synchronous one). */
  defer?: (run: () => void) => void;
}

/** One timer for many keep-alives: wakes for the earliest due time and runs every check then due. */
export class KeepAliveScheduler {
  readonly clock: Clock;
  readonly granularityMs: number;
  private readonly heap = new IndexedHeap<KeepAlive>((k) => k.dueAt);
  private timer: unknown;
  private timerDueAt = Infinity;
  private firing = false;
  private readonly defer: (run: () => void) => void;

  constructor(options: KeepAliveSchedulerOptions = {}) {
    const clock = options.clock ?? systemClock;
    this.clock = clock;
    this.granularityMs = options.granularityMs ?? 10;
    this.defer = options.defer ?? ((run) => clock.defer(run));
  }

  now(): number {
    return this.clock.now();
  }

  /** Keep-alives waiting for a check. */
  get size(): number {
    return this.heap.size;
  }

  /** True while the scheduler's one timer is armed. */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /**
   * Puts `k` in the heap (or moves it) with its check due at `at`: rounded down to `downTo` when
   * given (a ping check, on the ping grid), else up to the scheduler's grid (a verdict).
   */
  schedule(k: KeepAlive, at: number, downTo?: number): void {
    const g = this.granularityMs;
    k.dueAt = downTo !== undefined && downTo > 0 ? Math.floor(at / downTo) * downTo : g > 0 ? Math.ceil(at / g) * g : at;
    this.heap.push(k);
    this.arm();
  }

  remove(k: KeepAlive): void {
    if (this.heap.remove(k) && this.heap.size === 0) this.disarm();
  }

  private arm(): void {
    if (this.firing) return;
    const top = this.heap.peek();
    if (!top) return this.disarm();
    if (this.timer !== undefined && this.timerDueAt <= top.dueAt) return;
    this.disarm();
    this.timerDueAt = top.dueAt;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(1, Math.ceil(top.dueAt - this.clock.now())));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = Infinity;
  }

  private fire(): void {
    this.timer = undefined;
    this.timerDueAt = Infinity;
    this.firing = true;
    // The checks run after this turn's poll phase, not in the timers phase: frames and write
    // completions that arrived while the event loop was busy are read first, so the client's own
    // lag (a long task, a loaded machine) is never taken for a silent or stalled server.
    this.defer(() => this.runDue());
  }

  private runDue(): void {
    const now = this.clock.now();
    try {
      // Each check reschedules its keep-alive after `now` or removes it; the budget bounds the loop
      // even if a due time rounded down lands on `now` (that one waits for the next wake).
      let budget = this.heap.size;
      for (let top = this.heap.peek(); top && top.dueAt <= now && budget-- > 0; top = this.heap.peek()) {
        this.heap.remove(top);
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
}

const schedulers = new WeakMap<Clock, KeepAliveScheduler>();

/** The scheduler of `clock`'s keep-alives: one per clock, so every connection on the system clock shares one timer. */
export function keepAliveSchedulerFor(clock: Clock): KeepAliveScheduler {
  if (clock === systemClock) return sharedKeepAliveScheduler;
  let scheduler = schedulers.get(clock);
  if (!scheduler) schedulers.set(clock, (scheduler = new KeepAliveScheduler({ clock })));
  return scheduler;
}

/** The scheduler every transport shares unless given another. */
export const sharedKeepAliveScheduler = new KeepAliveScheduler();

/**
 * ADDP for one socket: ping after half the timeout of silence, declare the peer dead after the
 * whole. Any whole frame is a sign of life (`heard()`); ADDP counts frames, not bytes.
 */
export class KeepAlive implements HeapItem {
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
    this.scheduler.schedule(this, this.lastHeard + this.half, this.pingGrid);
  }

  /**
   * A whole frame arrived. Cheap: nothing is rescheduled until the pending check runs, except after
   * our ping: the pending check is then the death verdict, and the next ping is due on the ping
   * grid half a timeout from now (so pings stay in step with the others on the grid).
   */
  heard(): void {
    this.lastHeard = this.scheduler.now();
    if (!this.pingOutstanding) return;
    this.pingOutstanding = false;
    if (this.running) this.scheduler.schedule(this, this.lastHeard + this.half, this.pingGrid);
  }

  stop(): void {
    this.running = false;
    this.scheduler.remove(this);
  }

  private get half(): number {
    return Math.max(1, Math.floor(this.timeoutMs / 2));
  }

  /** The grid ping checks are rounded down to: a quarter of the half timeout, at least the scheduler's grid. */
  private get pingGrid(): number {
    return Math.max(this.scheduler.granularityMs, this.half / 4);
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
    // A ping may go out up to one ping-grid step early (its check was rounded down): harmless, it
    // leaves the pong more time, and it lets the pings of many connections share one wake.
    if (idle >= this.half - this.pingGrid && !this.pingOutstanding) {
      this.pingOutstanding = true;
      this.hooks.ping();
      if (!this.running) return;
    }
    if (this.pingOutstanding) this.scheduler.schedule(this, Math.max(this.lastHeard + this.timeoutMs, now + 1));
    else this.scheduler.schedule(this, Math.max(this.lastHeard + this.half, now + 1), this.pingGrid);
  }
}
