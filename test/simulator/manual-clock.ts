/**
 * A clock a test moves by hand, for the simulator's switch timers (route timeouts, wrap-up,
 * no-answer forwarding, dial outcomes, digit collection): `advance(ms)` fires what is due, in
 * order, synchronously. Sockets and the SDK keep real time, so a test waits only for events.
 */
import type { Clock } from '../../src/util/clock.js';

/** Timers one advance() may fire at most (a bounded loop, even if a timer re-arms itself). */
const MAX_FIRED_PER_ADVANCE = 100_000;

export class ManualClock implements Clock {
  private time = 0;
  private nextId = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.nextId;
    this.due.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  defer(fn: () => void): void {
    setImmediate(fn);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.due.size;
  }

  /** Moves time forward by `ms`, firing each timer that falls due, earliest first. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let fired = 0; fired < MAX_FIRED_PER_ADVANCE; fired++) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.due) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.due.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }
}
