/**
 * open({ retry }): the first connect keeps trying until a server of the pair answers. Over real
 * loopback sockets with a simulator pair started after the client (the backoff on fake timers), and
 * with fake sessions for the pacing, abort, close() and the limits.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConnectError,
  ConnectionClosedError,
  InvalidArgumentError,
  InvalidStateError,
  type StatusEntry,
  TServerConnection,
} from '../../src/index.js';
import { HotStandbyPair } from '../../src/simulator/index.js';
import { fakeFactory } from '../support/fake-pair-session.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Loopback ports nothing listens on (each was free a moment ago). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Tells whether a promise settled, without waiting for it. */
function watch<T>(p: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  return {
    get settled() {
      return settled;
    },
    promise: p,
  };
}

describe('open({ retry }) over real loopback sockets', () => {
  it('waits for a pair started after the client, backing off between attempts, and opens on the primary', async () => {
    const [p1, p2] = await freePorts(2);
    const [P1, P2] = [`127.0.0.1:${p1}`, `127.0.0.1:${p2}`];
    // Only the backoff is on fake time: sockets, and the simulator's own work, run for real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const conn = new TServerConnection({
      primary: P1,
      backup: P2,
      addp: false,
      reconnect: { minTimeoutMs: 1_000, maxTimeoutMs: 4_000, factor: 2, randomize: false },
    });
    const status = conn.status();
    const next = async () => (await status.next()).value as StatusEntry;
    const opening = watch(conn.open({ retry: true }));
    let pair: HotStandbyPair | undefined;
    try {
      // Attempt 1: both servers refuse.
      expect(await next()).toEqual({ type: 'connecting' });
      expect(await next()).toEqual({ type: 'closed' });
      const first = (await next()) as Extract<StatusEntry, { type: 'connecting' }>;
      expect(first).toMatchObject({
        type: 'connecting',
        attempt: 1,
        servers: [P1, P2],
        retriesLeft: Number.POSITIVE_INFINITY,
        retryInMs: 1_000,
      });
      expect(first.error).toBeInstanceOf(ConnectError);
      expect(first.error?.message).toContain(P1);
      expect(first.error?.message).toContain(P2);

      // The first wait is minTimeoutMs (1 s): no attempt before it ends, one right after.
      let started = watch(next());
      await vi.advanceTimersByTimeAsync(999);
      expect(started.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await started.promise).toEqual({ type: 'connecting' });
      expect(await next()).toEqual({ type: 'closed' });
      expect(await next()).toMatchObject({ type: 'connecting', attempt: 2, servers: [P1, P2], retryInMs: 2_000 });

      // The pair comes up during the second wait (2 s: factor 2).
      pair = await HotStandbyPair.start({ ports: [p1, p2] });
      started = watch(next());
      await vi.advanceTimersByTimeAsync(1_999);
      expect(started.settled).toBe(false);
      expect(opening.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await started.promise).toEqual({ type: 'connecting' });
      await opening.promise;
      expect(conn.state).toMatchObject({ status: 'open', active: P1 });
      expect(await next()).toEqual({ type: 'open' });
    } finally {
      await conn.close();
      await pair?.stop();
    }
  });
});

describe('open({ retry }) with fake sessions', () => {
  const P = '127.0.0.1:7001';
  const B = '127.0.0.1:7002';

  /** A connection on fake timers whose fake servers answer while `answers()` says so; `backup` adds B. */
  function fakeConnection(answers: () => boolean, backup = false) {
    vi.useFakeTimers({ now: 0 });
    const fake = fakeFactory(answers, () => Date.now());
    const conn = new TServerConnection({ primary: P, backup: backup ? B : undefined, addp: false }, { sessionFactory: fake.factory });
    return { fake, conn };
  }

  /** The progress entries (failed attempts) conn.status() yields, collected as they come. */
  function progressOf(conn: TServerConnection): Extract<StatusEntry, { type: 'connecting' }>[] {
    const progress: Extract<StatusEntry, { type: 'connecting' }>[] = [];
    const status = conn.status();
    void (async () => {
      for await (const s of status) if (s.type === 'connecting' && s.attempt !== undefined) progress.push(s);
    })();
    return progress;
  }

  it("paces attempts with p-retry's backoff (min·factor^(n−1), capped at max), each attempt dialling primary then backup", async () => {
    let up = false;
    const { fake, conn } = fakeConnection(() => up, true);
    const progress = progressOf(conn);
    const opening = watch(conn.open({ retry: { minTimeoutMs: 100, maxTimeoutMs: 400, factor: 2, randomize: false } }));
    await vi.advanceTimersByTimeAsync(1_100);
    expect(fake.made.map((m) => [m.session.name, m.at])).toEqual([
      [P, 0],
      [B, 0],
      [P, 100],
      [B, 100],
      [P, 300],
      [B, 300],
      [P, 700],
      [B, 700],
      [P, 1_100],
      [B, 1_100],
    ]);
    expect(progress.map((p) => p.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(progress.map((p) => p.retryInMs)).toEqual([100, 200, 400, 400, 400]);
    expect(progress.every((p) => p.servers?.join() === `${P},${B}`)).toBe(true);
    expect(opening.settled).toBe(false);
    up = true;
    await vi.advanceTimersByTimeAsync(400);
    expect(opening.settled).toBe(true);
    await opening.promise;
    expect(conn.state.status).toBe('open');
    await conn.close();
  });

  it('gives up after `retries` more attempts with the last ConnectError', async () => {
    const { fake, conn } = fakeConnection(() => false, true);
    const progress = progressOf(conn);
    const opening = watch(conn.open({ retry: { retries: 2, minTimeoutMs: 10, randomize: false } }));
    // 10 ms, then 20 ms between the three attempts; the last failure is final at once.
    await vi.advanceTimersByTimeAsync(29);
    expect(opening.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(opening.settled).toBe(true);
    const err = await opening.promise.catch((e: unknown) => e);
    expect(progress.map((p) => [p.attempt, p.retriesLeft, p.retryInMs])).toEqual([
      [1, 2, 10],
      [2, 1, 20],
      [3, 0, undefined],
    ]);
    expect(err).toBeInstanceOf(ConnectError);
    expect(fake.made).toHaveLength(6); // 3 attempts × 2 servers
    expect(conn.state.status).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the abort signal ends the wait between attempts: open() rejects with its reason, no timer or dial left', async () => {
    const { fake, conn } = fakeConnection(() => false);
    const ac = new AbortController();
    const outcome = conn.open({ retry: { minTimeoutMs: 5_000 }, signal: ac.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.made).toHaveLength(1);
    const reason = new Error('the operator gave up');
    ac.abort(reason);
    expect(await outcome).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.made).toHaveLength(1);
    expect(conn.state.status).toBe('closed');
  });

  it('close() between attempts rejects open() with ConnectionClosedError; a later open() works', async () => {
    let up = false;
    const { fake, conn } = fakeConnection(() => up);
    const outcome = conn.open({ retry: { minTimeoutMs: 5_000 } }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    await conn.close();
    expect(await outcome).toBeInstanceOf(ConnectionClosedError);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.made).toHaveLength(1);
    up = true;
    await conn.open({ retry: true });
    expect(conn.state.status).toBe('open');
    await conn.close();
  });

  it('close() during an attempt rejects open() with ConnectionClosedError and dials nothing more', async () => {
    const { fake, conn } = fakeConnection(() => false);
    const outcome = conn.open({ retry: { minTimeoutMs: 0 } }).catch((e: unknown) => e);
    const closing = conn.close(); // the first dial is in progress
    expect(await outcome).toBeInstanceOf(ConnectionClosedError);
    await closing;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.made).toHaveLength(1);
  });

  it('open() while open({ retry }) is still trying throws InvalidStateError', async () => {
    const { conn } = fakeConnection(() => false);
    const outcome = conn.open({ retry: { minTimeoutMs: 5_000 } }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0); // waiting between attempts: the pair itself is closed
    await expect(conn.open()).rejects.toBeInstanceOf(InvalidStateError);
    await expect(conn.open({ retry: true })).rejects.toThrow(/still trying/);
    await conn.close();
    expect(await outcome).toBeInstanceOf(ConnectionClosedError);
  });

  it('refuses malformed retry options with InvalidArgumentError naming the option', async () => {
    const conn = new TServerConnection({ primary: P, addp: false });
    const cases: Array<[unknown, RegExp]> = [
      [5, /retry must be true or/],
      [{ retries: -1 }, /retry\.retries must be a whole number/],
      [{ retries: 1.5 }, /retry\.retries/],
      [{ minTimeoutMs: '100' }, /retry\.minTimeoutMs .*got "100"/],
      [{ minTimeoutMs: 500, maxTimeoutMs: 100 }, /retry\.maxTimeoutMs must be from minTimeoutMs/],
      [{ factor: 0.5 }, /retry\.factor/],
      [{ randomize: 'yes' }, /retry\.randomize/],
      [{ retires: 3 }, /unknown option "retires"/],
      [{ toString: 1 }, /unknown option "toString"/], // a name every object inherits is not an option
    ];
    for (const [retry, message] of cases) {
      const err = await conn.open({ retry: retry as never }).catch((e: unknown) => e);
      expect(err, JSON.stringify(retry)).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toMatch(message);
    }
    expect(conn.state.status).toBe('closed');
  });
});
