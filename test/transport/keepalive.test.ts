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
    for (let i = 0; i < 100; i++) {
      vi.advanceTimersByTime(400);
      k.heard();
    }
    expect(log).toEqual([]);
    expect(k.isRunning).toBe(true);
    k.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a pong after the ping keeps it alive; the next ping comes half a timeout after the pong', () => {
    const { make, log } = rig(1000);
    const k = make();
    k.start();
    vi.advanceTimersByTime(600); // ping at 500
    k.heard(); // pong at 600
    vi.advanceTimersByTime(1099 - 600);
    expect(log).toEqual(['k ping @500']);
    vi.advanceTimersByTime(1); // 1100 = 600 + 500
    expect(log).toEqual(['k ping @500', 'k ping @1100']);
    k.stop();
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
      expect(at!).toBeGreaterThanOrEqual(half);
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
    expect(log).toEqual(['b ping @600', 'b dead @1100 idle 1000']);
    expect(scheduler.size).toBe(0);
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
