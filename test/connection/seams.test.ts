/**
 * The connection through its seams: fake sessions (sessionFactory) and a clock on vitest's fake
 * timers. Reconnect backoff, the dial loop, young-session backoff and retryStrategy run in
 * milliseconds of real time, with exact virtual times.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULTS, defaultRetryStrategy } from '../../src/connection/options.js';
import { fakeClock } from '../support/fake-clock.js';
import {
  HandlerError,
  InvalidArgumentError,
  NotConnectedError,
  TServerConnection,
  type TServerConnectionOptions,
} from '../../src/index.js';
import { FakeSession, fakeFactory } from '../support/fake-pair-session.js';
import { takeInternalErrors } from '../support/internal-errors.js';

const P = { host: '127.0.0.1', port: 7001, name: '127.0.0.1:7001' };
const B = { host: '127.0.0.1', port: 7002, name: '127.0.0.1:7002' };

let conn: TServerConnection | undefined;
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(async () => {
  const c = conn;
  conn = undefined;
  if (c) {
    const closing = c.close();
    await vi.runAllTimersAsync();
    await closing;
  }
  vi.useRealTimers();
});

function connect(options: Partial<TServerConnectionOptions>, decide: (name: string) => boolean) {
  const fake = fakeFactory(
    (e) => decide(e.name),
    () => Date.now(),
  );
  conn = new TServerConnection({ primary: P.name, addp: false, ...options }, { sessionFactory: fake.factory, clock: fakeClock });
  return { conn, fake };
}

describe('seams: sessionFactory and clock', () => {
  it('reconnect follows retryStrategy to the millisecond, alternating endpoints, then gives up and closes', async () => {
    let up = true;
    const strategy = vi.fn((attempt: number, _error: Error) => (attempt <= 3 ? attempt * 1_000 : null));
    const { conn, fake } = connect({ backup: B.name, retryStrategy: strategy }, () => up);
    await conn.open();
    const failed: Array<[string, number, number]> = [];
    let t0 = 0;
    const servers: Array<readonly string[]> = [];
    conn.on('reconnectFailed', (f) => {
      failed.push([f.server, f.attempt, Date.now() - t0]);
      servers.push(f.servers);
    });
    const closed = new Promise<void>((r) => conn.once('close', r));
    await vi.advanceTimersByTimeAsync(5_000); // a session that lived (not young: no carried-over backoff)
    t0 = Date.now();
    up = false;
    fake.last().lose();
    const queued = conn.queryServer({ timeoutMs: 60_000 }).catch((e: Error) => e); // waits for a server
    await vi.advanceTimersByTimeAsync(10_000);
    await closed;
    expect(fake.made.slice(1).map((m) => [m.session.name, m.at - t0])).toEqual([
      [P.name, 0],
      [B.name, 1_000],
      [P.name, 3_000],
      [B.name, 6_000],
    ]);
    expect(failed).toEqual([
      [P.name, 1, 0],
      [B.name, 2, 1_000],
      [P.name, 3, 3_000],
      [B.name, 4, 6_000],
    ]);
    expect(strategy.mock.calls.map((c) => c[0])).toEqual([1, 2, 3, 4]);
    expect(strategy.mock.calls[0][1]).toBeInstanceOf(Error);
    expect(conn.state.status).toBe('closed');
    const err = await queued;
    expect(err).toBeInstanceOf(NotConnectedError);
    // Every server tried is named, both of the pair, not just the last.
    expect(servers).toEqual([[P.name], [P.name, B.name], [P.name, B.name], [P.name, B.name]]);
    expect((err as Error).message).toBe(
      `reconnect gave up after trying ${P.name} and ${B.name} (last: ${B.name}: connect ECONNREFUSED (fake))`,
    );
  });

  it('the reconnect loop stops as soon as a server answers; requests queued meanwhile go to it', async () => {
    let upAt = Infinity;
    const { conn, fake } = connect({ backup: B.name, retryStrategy: () => 500 }, (name) => name === B.name && Date.now() >= upAt);
    upAt = 0;
    // Open lands on B (P refuses).
    await conn.open();
    expect(conn.state.active).toBe(B.name);
    await vi.advanceTimersByTimeAsync(5_000); // a session that lived
    const t0 = Date.now();
    upAt = t0 + 2_000;
    const dialsBefore = fake.made.length;
    const query = conn.queryServer({ timeoutMs: 5_000 });
    fake.last(B.name).lose();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(conn.state.status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(600);
    expect(conn.state).toMatchObject({ status: 'open', active: B.name });
    const dials = fake.made.slice(dialsBefore).map((m) => [m.session.name, m.at - t0]);
    // P at 0, B at 500 (down), P at 1000, B at 1500 (down), P at 2000, B at 2500 (up).
    expect(dials).toEqual([
      [P.name, 0],
      [B.name, 500],
      [P.name, 1_000],
      [B.name, 1_500],
      [P.name, 2_000],
      [B.name, 2_500],
    ]);
    // The query went to the new session; its answer is not simulated, so it times out there.
    expect(fake.last(B.name).sent.some((s) => s.attributes.ReferenceID !== undefined)).toBe(true);
    const out = query.catch((e: Error) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await out).toBeInstanceOf(Error);
  });

  it('sessions that die young back off (the clock says what is young); a session that lived long redials at once', async () => {
    const { conn, fake } = connect({ reconnect: { minTimeoutMs: 100, maxTimeoutMs: 10_000, factor: 2, randomize: false } }, () => true);
    await conn.open();
    const gaps: number[] = [];
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(50); // dies 50 ms after it opened: young
      const lostAt = Date.now();
      const before = fake.made.length;
      fake.last().lose();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(fake.made.length).toBe(before + 1);
      gaps.push(fake.made.at(-1)!.at - lostAt);
    }
    expect(gaps).toEqual([100, 200, 400]);
    await vi.advanceTimersByTimeAsync(5_000); // lived long: the carry-over ends
    const lostAt = Date.now();
    fake.last().lose();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.made.at(-1)!.at - lostAt).toBe(0);
  });

  it('a hot-standby pair: the standby is dialled when the primary names it, redialled with backoff after its loss', async () => {
    let backupUp = false;
    const { conn, fake } = connect({ retryStrategy: (n) => n * 100 }, (name) => name === P.name || backupUp);
    await conn.open();
    fake.last(P.name).restoreConnection(0, 1, B);
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.made.map((m) => m.session.name)).toEqual([P.name, B.name]);
    await vi.advanceTimersByTimeAsync(100 + 200 - 1);
    expect(fake.made.filter((m) => m.session.name === B.name).map((m) => m.at)).toEqual([0, 100]);
    backupUp = true;
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.made.filter((m) => m.session.name === B.name).map((m) => m.at)).toEqual([0, 100, 300]);
    expect(conn.state).toMatchObject({ active: P.name, standby: B.name });
    await vi.advanceTimersByTimeAsync(5_000); // sessions that lived
    // The active is lost: the standby is promoted at once, and P is redialled as the standby.
    fake.last(P.name).lose();
    await vi.advanceTimersByTimeAsync(0);
    expect(conn.state).toMatchObject({ status: 'open', active: B.name, standby: P.name });
  });

  it('a retryStrategy that throws, or returns a bad value, is reported and the connection gives up (closes)', async () => {
    for (const [strategy, expected] of [
      [
        () => {
          throw new Error('strategy bug');
        },
        HandlerError,
      ],
      [() => -5, InvalidArgumentError],
      [() => 'soon' as unknown as number, InvalidArgumentError],
    ] as const) {
      let up = true;
      const { conn: c, fake } = connect({ retryStrategy: strategy }, () => up);
      const errors: Error[] = [];
      c.on('error', (e) => errors.push(e));
      await c.open();
      await vi.advanceTimersByTimeAsync(5_000); // a session that lived: no young-loss backoff asks the strategy
      up = false;
      fake.last().lose();
      await vi.advanceTimersByTimeAsync(100);
      expect(c.state.status).toBe('closed');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(expected);
      expect(errors[0].message).toMatch(/retryStrategy/);
      conn = undefined;
    }
  });

  it('young losses ask retryStrategy once each, with the real attempt (never made-up ones)', async () => {
    const strategy = vi.fn((attempt: number) => (attempt <= 2 ? attempt * 100 : null));
    const { conn, fake } = connect({ retryStrategy: strategy }, () => true);
    await conn.open();
    const gaps: number[] = [];
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(50); // dies 50 ms after it opened: young
      const lostAt = Date.now();
      fake.last().lose();
      await vi.advanceTimersByTimeAsync(1_000);
      gaps.push(fake.made.at(-1)!.at - lostAt);
    }
    expect(strategy.mock.calls.map((c) => c[0])).toEqual([1, 2, 3, 4]);
    expect(gaps).toEqual([100, 200, 200, 200]); // past its last retry, its last delay holds
  });

  it('a bug while handing on held messages is reported (ERR_TLIB_INTERNAL) as in production, and the connection carries on', async () => {
    const { conn, fake } = connect({}, () => true);
    const release = FakeSession.prototype.release;
    FakeSession.prototype.release = () => {
      throw new Error('release bug');
    };
    try {
      await conn.open();
    } finally {
      FakeSession.prototype.release = release;
    }
    await new Promise((r) => process.nextTick(r));
    expect(takeInternalErrors()).toEqual([expect.stringMatching(/handing on what 127.0.0.1:7001 held failed: release bug/)]);
    expect(conn.state.status).toBe('open');
    expect(fake.made).toHaveLength(1);
  });

  it('retryStrategy must be a function', () => {
    expect(() => new TServerConnection({ primary: P.name, retryStrategy: 5 as never })).toThrow(InvalidArgumentError);
    expect(() => new TServerConnection({ primary: P.name, retryStrategy: 5 as never })).toThrow(/retryStrategy must be a function/);
  });
});

describe('defaultRetryStrategy: the reconnect options as a strategy', () => {
  it('min·factor^(attempt−1), capped at max, null past retries (randomize off)', () => {
    const s = defaultRetryStrategy({ retries: 6, minTimeoutMs: 250, maxTimeoutMs: 5_000, factor: 2, randomize: false });
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => s(n))).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, null]);
  });

  it('randomize spreads each delay within [d, 2d] (rounded), still capped', () => {
    const s = defaultRetryStrategy({ ...DEFAULTS.reconnect, randomize: true });
    const delays = Array.from({ length: 200 }, () => s(2)!);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1_000); // 2d, rounded
    expect(new Set(delays).size).toBeGreaterThan(10);
    expect(s(30)).toBe(DEFAULTS.reconnect.maxTimeoutMs);
  });

  it('reconnect: false never retries', () => {
    expect(defaultRetryStrategy(false)(1)).toBeNull();
  });
});
