/**
 * KeepAlive and its shared scheduler, with fake timers (no sockets, no sleeps): ping after half the
 * timeout of silence, dead after the whole, any frame resets the silence, and many keep-alives run
 * on ONE timer (bound checked: 1 armed timer for 1,000 keep-alives; 0 once all stop). Checks run
 * synchronously here; in real use they run after the poll phase (tested with real sockets in
 * test/reliability/keepalive-timers.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeepAlive, KeepAliveScheduler } from '../../src/transport/keepalive.js';
import { fakeClock } from '../support/fake-clock.js';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_000_000); // on the 10 ms grid: times below are exact
});
afterEach(() => {
  vi.useRealTimers();
});

function rig(timeoutMs = 1000, granularityMs = 10) {
  const scheduler = new KeepAliveScheduler({ defer: (run) => run(), clock: fakeClock, granularityMs });
  const log: string[] = [];
  const make = (name = 'k', check?: (now: number) => boolean) =>
    new KeepAlive(
      timeoutMs,
      {
        ping: () => log.push(`${name} ping @${Date.now() - t0}`),
        dead: (idle) => log.push(`${name} dead @${Date.now() - t0} idle ${idle}`),
        check,
      },
      scheduler,
    );
  const t0 = Date.now();
  return { scheduler, log, make, t0 };
}

describe('KeepAlive', () => {
  it('pings after half the timeout of silence and declares the peer dead after the whole', () => {
    const { make, log, scheduler } = rig(1000);
    const k = make();
    k.start();
    vi.advanceTimersByTime(499);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['k ping @500']);
    vi.advanceTimersByTime(499);
    expect(log).toEqual(['k ping @500']);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['k ping @500', 'k dead @1000 idle 1000']);
    expect(k.isRunning).toBe(false);
    expect(scheduler.size).toBe(0);
    expect(scheduler.armed).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a frame (heard) resets the silence: a steady peer is never pinged nor declared dead', () => {
    const { make, log } = rig(1000);
    const k = make();
    k.start();
    // Frames every 300 ms: under the 375 ms (half less a ping-grid step) a ping may come early at.
    for (let i = 0; i < 100; i++) {
      vi.advanceTimersByTime(300);
      k.heard();
    }
    expect(log).toEqual([]);
    expect(k.isRunning).toBe(true);
    k.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a pong after the ping keeps it alive; the next ping comes half a timeout after the pong, on the ping grid', () => {
    const { make, log } = rig(1000);
    const k = make();
    k.start();
    vi.advanceTimersByTime(600); // ping at 500
    k.heard(); // pong at 600
    vi.advanceTimersByTime(999 - 600);
    expect(log).toEqual(['k ping @500']);
    vi.advanceTimersByTime(1); // 600 + 500 = 1100, rounded down to the ping grid (125 ms: a quarter of the half)
    expect(log).toEqual(['k ping @500', 'k ping @1000']);
    vi.advanceTimersByTime(1000); // no pong: dead a whole timeout after the pong, never early
    expect(log).toEqual(['k ping @500', 'k ping @1000', 'k dead @1600 idle 1000']);
  });

  it('a death verdict is never early and at most one grid step late; a ping at most one step early', () => {
    const { make, log } = rig(1000, 50);
    vi.advanceTimersByTime(13); // start off the grid: half at +513, death at +1013 from t0
    const k = make();
    k.start();
    vi.advanceTimersByTime(450);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(50); // +513: the ping check was rounded down to +500
    expect(log).toEqual(['k ping @500']);
    vi.advanceTimersByTime(1012 - 513);
    expect(log).toHaveLength(1); // not dead before +1013
    vi.advanceTimersByTime(50);
    expect(log).toEqual(['k ping @500', 'k dead @1050 idle 1037']);
  });

  it('a timeout below the grid (2 ms, grid 10 ms) neither spins nor misses its verdict', () => {
    const { make, log } = rig(2, 10);
    const k = make();
    k.start();
    vi.advanceTimersByTime(30);
    expect(log.filter((l) => l.startsWith('k dead'))).toHaveLength(1);
    expect(k.isRunning).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a check hook that returns false stops it (the transport dropped the session)', () => {
    let allow = true;
    const { make, log } = rig(1000);
    const k = make('k', () => allow);
    k.start();
    vi.advanceTimersByTime(500);
    expect(log).toEqual(['k ping @500']);
    allow = false;
    vi.advanceTimersByTime(5000);
    expect(log).toEqual(['k ping @500']);
    expect(k.isRunning).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() inside ping (the write dropped the session) stops cleanly', () => {
    const scheduler = new KeepAliveScheduler({ defer: (run) => run(), clock: fakeClock });
    const k: KeepAlive = new KeepAlive(1000, { ping: () => k.stop(), dead: () => expect.unreachable() }, scheduler);
    k.start();
    vi.advanceTimersByTime(3000);
    expect(k.isRunning).toBe(false);
    expect(scheduler.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('KeepAliveScheduler: one timer for every keep-alive', () => {
  it('1,000 keep-alives with different timeouts run on one armed timer, each on time; none left once stopped', () => {
    const scheduler = new KeepAliveScheduler({ defer: (run) => run(), clock: fakeClock, granularityMs: 10 });
    const t0 = Date.now();
    const pings = new Map<number, number>();
    const all: KeepAlive[] = [];
    for (let i = 0; i < 1000; i++) {
      const timeoutMs = 200 + (i % 37) * 20;
      const k = new KeepAlive(timeoutMs, { ping: () => pings.set(i, Date.now() - t0), dead: () => {} }, scheduler);
      k.start();
      all.push(k);
    }
    expect(vi.getTimerCount()).toBe(1);
    expect(scheduler.size).toBe(1000);
    vi.advanceTimersByTime(600);
    expect(vi.getTimerCount()).toBe(1);
    for (let i = 0; i < 1000; i++) {
      const half = (200 + (i % 37) * 20) / 2;
      if (half > 600) continue;
      const at = pings.get(i);
      expect(at, `keep-alive ${i}`).toBeDefined();
      expect(at!).toBeGreaterThanOrEqual(half - Math.max(10, half / 4)); // the ping grid: up to a quarter early
      expect(at!).toBeLessThanOrEqual(half + 10);
    }
    for (const k of all) k.stop();
    expect(scheduler.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('dead and stopped keep-alives leave the heap; the others keep their schedule', () => {
    const { make, log, scheduler } = rig(1000);
    const a = make('a');
    const b = make('b');
    a.start();
    vi.advanceTimersByTime(100);
    b.start();
    a.stop();
    vi.advanceTimersByTime(1000);
    expect(log).toEqual(['b ping @500', 'b dead @1100 idle 1000']); // 600 rounded down to the ping grid
    expect(scheduler.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('pings are coalesced: 500 keep-alives started at random times ping in at most 4 wakes per half timeout', () => {
    const scheduler = new KeepAliveScheduler({ defer: (run) => run(), clock: fakeClock, granularityMs: 10 });
    const t0 = Date.now();
    const pingTimes: number[][] = Array.from({ length: 500 }, () => []);
    const all: KeepAlive[] = [];
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let i = 0; i < 500; i++) {
      // Started at random times over the first 2.5 s (as connections open), the ADDP defaults.
      vi.advanceTimersByTime(Math.floor(random() * 10));
      const k: KeepAlive = new KeepAlive(
        5_000,
        {
          // The pong comes back 1–9 ms after the ping.
          ping: () => {
            pingTimes[i].push(Date.now() - t0);
            setTimeout(() => k.heard(), 1 + Math.floor(random() * 9));
          },
          dead: () => expect.unreachable(`keep-alive ${i} declared dead`),
        },
        scheduler,
      );
      k.start();
      all.push(k);
    }
    vi.advanceTimersByTime(30_000);
    // Steady state (from 10 s on): one ping per connection per 2.5 s, all in at most 4 distinct wakes per 2.5 s.
    const late = pingTimes.flat().filter((t) => t >= 10_000 && t < 20_000);
    expect(late).toHaveLength(500 * 4);
    expect(new Set(late).size).toBeLessThanOrEqual(4 * 4);
    for (const times of pingTimes) {
      const gaps = times.slice(1).map((t, j) => t - times[j]);
      expect(gaps.filter((g) => g > 0 && g < 10_000).every((g) => g >= 2_500 - 625 && g <= 2_500)).toBe(true);
    }
    for (const k of all) k.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a hook that throws does not stop the other keep-alives', () => {
    const scheduler = new KeepAliveScheduler({ defer: (run) => run(), clock: fakeClock });
    const seen: string[] = [];
    const bad = new KeepAlive(
      1000,
      {
        ping: () => {
          throw new Error('listener threw');
        },
        dead: () => {},
      },
      scheduler,
    );
    const good = new KeepAlive(1000, { ping: () => seen.push('good ping'), dead: () => {} }, scheduler);
    const thrown: unknown[] = [];
    const realQueue = globalThis.queueMicrotask;
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((fn) => {
      realQueue(() => {
        try {
          fn();
        } catch (err) {
          thrown.push(err);
        }
      });
    });
    bad.start();
    good.start();
    vi.advanceTimersByTime(500);
    spy.mockRestore();
    expect(seen).toEqual(['good ping']);
    return Promise.resolve().then(() => {
      expect(thrown).toHaveLength(1);
      bad.stop();
      good.stop();
    });
  });
});
