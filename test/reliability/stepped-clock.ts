/**
 * The connection's clock (its internal `clock` seam) in a test's hands, over real sockets: the
 * reconnect backoff, registration and request deadlines and keep-alives wait on it, and its time
 * moves only when the test fires a timer. A schedule of delays is then checked exactly, whatever
 * the machine's load, while dials and frames still cross real loopback sockets. Every timer set is
 * recorded (id, delay, due time), so a test tells a backoff from a deadline by its delay.
 */
import { ManualClock } from '../simulator/manual-clock.js';

export interface SteppedTimer {
  /** Rises with every timer set: a larger id was set later. */
  id: number;
  /** The delay asked for. */
  ms: number;
  /** Due time on this clock. */
  at: number;
}

export class SteppedClock extends ManualClock {
  private readonly timers = new Map<number, SteppedTimer>();

  override setTimeout(fn: () => void, ms: number): number {
    const at = this.now() + Math.max(0, ms);
    const id = super.setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, ms);
    this.timers.set(id, { id, ms, at });
    return id;
  }

  override clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
    super.clearTimeout(handle);
  }

  /** Timers set and not yet fired or cleared, earliest due first. */
  waiting(): SteppedTimer[] {
    return [...this.timers.values()].sort((a, b) => a.at - b.at || a.id - b.id);
  }

  /** Moves time to `timer`'s due time, firing it and every timer due before it, in order. */
  fire(timer: SteppedTimer): void {
    this.advance(Math.max(0, timer.at - this.now()));
  }
}
