/**
 * The resync's growing window (ledger/resync.ts ResyncWindow): it doubles while answers come back,
 * never past maxResyncWindow, stays on refusals, goes back to resyncWindow when a query gets no
 * answer; a server that never answers never sees more than the initial window. A real router on a
 * fake sink with a manual clock (deadlines fire only when the test moves time); the whole
 * connection against a bare server over loopback is in test/reliability/floods.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/connection/ledger/ledger.js';
import { Resync, ResyncWindow } from '../../src/connection/ledger/resync.js';
import { laneWindows, RequestRouter } from '../../src/connection/requests/router.js';
import type { ResyncSummary } from '../../src/connection/types.js';
import { ManualClock } from '../simulator/manual-clock.js';
import { RecordingSink as Sink } from '../support/recording-sink.js';

describe('ResyncWindow', () => {
  it('doubles after a window of answers in a row, up to its bound', () => {
    const w = new ResyncWindow(100, 1_000);
    const sizes = [w.size];
    for (let i = 0; i < 5_000; i++) {
      w.answered();
      if (w.size !== sizes[sizes.length - 1]) sizes.push(w.size);
    }
    expect(sizes).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('a refusal starts the count again (the window stays); no answer puts it back to the initial window', () => {
    const w = new ResyncWindow(10, 1_000);
    for (let i = 0; i < 9; i++) w.answered();
    w.refused();
    for (let i = 0; i < 9; i++) w.answered();
    expect(w.size).toBe(10);
    w.answered();
    expect(w.size).toBe(20);
    for (let i = 0; i < 20; i++) w.answered();
    expect(w.size).toBe(40);
    w.unanswered();
    expect(w.size).toBe(10);
  });

  it('a bound below the initial window keeps the initial one (a fixed window)', () => {
    const w = new ResyncWindow(50, 10);
    for (let i = 0; i < 1_000; i++) w.answered();
    expect(w.size).toBe(50);
  });
});

const TIMEOUT_MS = 5_000;
let clock: ManualClock;
let sink: Sink;
let router: RequestRouter;
let ledger: Ledger;
let summaries: ResyncSummary[];
let answered: number;

function resync(window: number, maxWindow: number): Resync {
  return new Resync({ owner: {}, router, ledger, window, maxWindow, clock, done: (s) => summaries.push(s) });
}

/** Answers every query on the wire not yet answered: EventAddressInfo / EventLocationInfo, or EventError `errorCode` for all. */
function answerAll(errorCode?: number): void {
  const pending = sink.sent.slice(answered);
  answered = sink.sent.length;
  for (const q of pending) {
    const name = errorCode !== undefined ? 'EventError' : q.ThisDN !== undefined ? 'EventAddressInfo' : 'EventLocationInfo';
    const event = { Event: name, ReferenceID: q.ReferenceID, ...(errorCode !== undefined ? { ErrorCode: errorCode } : {}) };
    const p = router.answerFor(sink, name, event);
    if (p) router.settle(p, event);
  }
}

/** Lets the settled promises' callbacks run (the resync sends its next queries from them). */
const flush = () => new Promise((r) => setImmediate(r));

const outstanding = () => router.load('resync').inFlight;

beforeEach(() => {
  clock = new ManualClock();
  sink = new Sink();
  ledger = new Ledger();
  router = new RequestRouter({ owner: {}, requestTimeoutMs: TIMEOUT_MS, windows: laneWindows(1_000, 1_000), clock, route: () => sink });
  summaries = [];
  answered = 0;
  for (let i = 0; i < 5_000; i++) ledger.registered(String(10_000 + i), {}, 'resync');
});
afterEach(() => router.rejectAll(new Error('test over')));

describe('the resync through a growing window (router, manual clock)', () => {
  it('grows 100, 200, 400, 800 and stops at maxResyncWindow while every query is answered at once', async () => {
    resync(100, 1_000).start('a:1');
    const peaks: number[] = [];
    for (let round = 0; round < 100 && summaries.length === 0; round++) {
      peaks.push(outstanding());
      answerAll();
      await flush();
    }
    expect(peaks.slice(0, 5)).toEqual([100, 200, 400, 800, 1_000]);
    expect(Math.max(...peaks)).toBe(1_000);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ dns: 5_000, errors: [] });
    expect(sink.sent).toHaveLength(1 + 5_000);
  });

  it('a window that grew goes back to the initial one when its queries time out, and stays there while nothing is answered', async () => {
    resync(100, 1_000).start('a:1');
    for (let round = 0; round < 3; round++) {
      answerAll();
      await flush();
    }
    expect(outstanding()).toBe(800);
    // The server goes quiet: the 800 queries time out.
    const before = sink.sent.length;
    clock.advance(TIMEOUT_MS);
    await flush();
    expect(outstanding()).toBe(100);
    expect(sink.sent.length - before).toBe(100);
    for (let round = 0; round < 5; round++) {
      clock.advance(TIMEOUT_MS);
      await flush();
      expect(outstanding()).toBe(100);
    }
    expect(summaries).toEqual([]);
  });

  it('refusals (EventError) never grow it', async () => {
    resync(100, 1_000).start('a:1');
    let most = 0;
    for (let round = 0; round < 100 && summaries.length === 0; round++) {
      most = Math.max(most, outstanding());
      answerAll(57);
      await flush();
    }
    expect(most).toBe(100);
    expect(summaries[0].errors).toHaveLength(5_001);
  });

  it('maxResyncWindow equal to resyncWindow keeps the window fixed', async () => {
    resync(100, 100).start('a:1');
    let most = 0;
    for (let round = 0; round < 100 && summaries.length === 0; round++) {
      most = Math.max(most, outstanding());
      answerAll();
      await flush();
    }
    expect(most).toBe(100);
    expect(summaries).toHaveLength(1);
  });
});
