/**
 * conn.status(): one discriminated stream beside 'stateChange'. Unit tests with fake sessions and
 * fake timers (the sequence, the bounded buffer, abort, concurrent next()), and one over real
 * loopback sockets with the simulator's hot-standby pair (a failover as the stream shows it).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatusStream } from '../../src/connection/events/status-stream.js';
import { InvalidArgumentError, TServerConnection } from '../../src/index.js';
import { HotStandbyPair } from '../../src/simulator/index.js';
import { fakeFactory } from '../support/fake-pair-session.js';
import { until } from '../ha/helpers.js';

const P = '127.0.0.1:7001';
const B = { host: '127.0.0.1', port: 7002, name: '127.0.0.1:7002' };

afterEach(() => {
  vi.useRealTimers();
});

/** Reads what the iterator has buffered, without waiting for more. */
async function drain<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push((await it.next()).value as T);
  return out;
}

describe('conn.status() with fake sessions', () => {
  it('connecting, open, disconnect, reconnecting (each failed attempt), open, closed — then the iterator ends', async () => {
    vi.useFakeTimers({ now: 0 });
    let up = true;
    const fake = fakeFactory(
      () => up,
      () => Date.now(),
    );
    const conn = new TServerConnection({ primary: P, addp: false, retryStrategy: () => 100 }, { sessionFactory: fake.factory });
    const status = conn.status();
    await conn.open();
    await vi.advanceTimersByTimeAsync(5_000);
    up = false;
    fake.last().lose();
    await vi.advanceTimersByTimeAsync(150); // two failed attempts
    up = true;
    await vi.advanceTimersByTimeAsync(100);
    const closing = conn.close();
    await vi.runAllTimersAsync();
    await closing;
    const seen = [];
    for await (const s of status) seen.push(s);
    expect(seen).toEqual([
      { type: 'connecting' },
      { type: 'open' },
      { type: 'disconnect', server: P },
      { type: 'reconnecting' },
      { type: 'reconnecting', server: P, servers: [P], attempt: 1, error: expect.any(Error) },
      { type: 'reconnecting', server: P, servers: [P], attempt: 2, error: expect.any(Error) },
      { type: 'open' },
      { type: 'closed' },
    ]);
  });

  it('a failover to the standby shows disconnect then failover (from, to, cause)', async () => {
    vi.useFakeTimers({ now: 0 });
    const fake = fakeFactory(
      () => true,
      () => Date.now(),
    );
    const conn = new TServerConnection({ primary: P, addp: false }, { sessionFactory: fake.factory });
    await conn.open();
    fake.last().restoreConnection(0, 1, B);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(conn.state.standby).toBe(B.name);
    const status = conn.status();
    fake.last(P).lose();
    await vi.advanceTimersByTimeAsync(0);
    expect(await drain(status, 2)).toEqual([
      { type: 'disconnect', server: P },
      { type: 'failover', from: P, to: B.name, cause: 'lost' },
    ]);
    const closing = conn.close();
    await vi.runAllTimersAsync();
    await closing;
  });

  it('status(limit) must be a whole number ≥ 1', () => {
    const conn = new TServerConnection({ primary: P });
    expect(() => conn.status({ limit: 0 })).toThrow(InvalidArgumentError);
    expect(() => conn.status({ limit: 1.5 })).toThrow(/limit must be a whole number/);
  });
});

describe('StatusStream: bounded, O(1), concurrent next()', () => {
  it('keeps the newest `limit` entries when the consumer is behind; the next one read says how many were dropped', async () => {
    const stream = new StatusStream();
    const it = stream.iterate(3);
    for (let i = 0; i < 10; i++) stream.push({ type: 'resync', server: `s${i}` });
    expect(await drain(it, 3)).toEqual([
      { type: 'resync', server: 's7', dropped: 7 },
      { type: 'resync', server: 's8' },
      { type: 'resync', server: 's9' },
    ]);
  });

  it('two pending next() calls are served in order, neither left unsettled', async () => {
    const stream = new StatusStream();
    const it = stream.iterate(4);
    const a = it.next();
    const b = it.next();
    stream.push({ type: 'open' });
    stream.push({ type: 'closed' });
    expect(await a).toEqual({ value: { type: 'open' }, done: false });
    expect(await b).toEqual({ value: { type: 'closed' }, done: false });
    const c = it.next();
    stream.endAll();
    expect(await c).toEqual({ value: undefined, done: true });
  });

  it('an aborted signal ends the iterator at once, backlog dropped; entries buffered before endAll() are still read', async () => {
    const stream = new StatusStream();
    const ac = new AbortController();
    const aborted = stream.iterate(8, ac.signal);
    const ended = stream.iterate(8);
    stream.push({ type: 'open' });
    stream.push({ type: 'closed' });
    ac.abort();
    expect(await aborted.next()).toEqual({ value: undefined, done: true });
    stream.endAll();
    expect(await drain(ended, 3)).toEqual([{ type: 'open' }, { type: 'closed' }, undefined]);
    stream.push({ type: 'open' }); // nobody listens any more
    expect(await ended.next()).toEqual({ value: undefined, done: true });
  });

  it('200,000 entries through a small buffer in linear time (no Array.shift)', async () => {
    const stream = new StatusStream();
    const it = stream.iterate(16);
    let read = 0;
    for (let i = 0; i < 200_000; i++) {
      stream.push({ type: 'open' });
      if (i % 8 === 7) for (let j = 0; j < 8; j++) if (!(await it.next()).done) read++;
    }
    expect(read).toBe(200_000);
  });
});

describe('conn.status() over real sockets', () => {
  let pair: HotStandbyPair | undefined;
  let conn: TServerConnection | undefined;
  afterEach(async () => {
    await conn?.close();
    await pair?.stop();
    conn = undefined;
    pair = undefined;
  });

  it('the primary dies: disconnect, then failover to the backup', async () => {
    pair = await HotStandbyPair.start();
    conn = new TServerConnection({
      primary: pair.addresses.primary,
      requestTimeoutMs: 2_000,
      addp: { timeoutMs: 400, remoteTimeoutMs: 400 },
      reconnect: { minTimeoutMs: 10, maxTimeoutMs: 50 },
    });
    const status = conn.status();
    await conn.open();
    const c = conn;
    await until(() => c.state.standby, 'a standby session', 3_000);
    const primary = conn.state.active;
    const backup = conn.state.standby;
    await pair.killPrimary();
    const seen: string[] = [];
    for await (const s of status) {
      seen.push(s.type);
      if (s.type === 'failover') {
        expect(s).toMatchObject({ from: primary, to: backup, cause: 'lost' });
        break;
      }
      if (s.type === 'disconnect') expect(s.server).toBe(primary);
    }
    expect(seen).toEqual(['connecting', 'open', 'disconnect', 'failover']);
  });
});
