/**
 * Resync on its own (a real router on a fake sink, no sockets): the window, the order of queries,
 * the summary, calls the server no longer knows, and a newer resync superseding a running one.
 */
import { systemClock } from '../../src/util/clock.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/connection/ledger/ledger.js';
import { Resync } from '../../src/connection/ledger/resync.js';
import { laneWindows, RequestRouter } from '../../src/connection/requests/router.js';
import type { ResyncSummary } from '../../src/connection/types.js';
import { RecordingSink as Sink } from '../support/recording-sink.js';

let sink: Sink;
let router: RequestRouter;
let ledger: Ledger;
let summaries: ResyncSummary[];
let answered: number;

function resync(window: number): Resync {
  return new Resync({ owner: {}, router, ledger, window, clock: systemClock, done: (s) => summaries.push(s) });
}

/** Answers every query on the wire not yet answered (EventError 57 for calls). */
function answerAll(): void {
  const pending = sink.sent.slice(answered);
  answered = sink.sent.length;
  for (const q of pending) {
    const ref = q.ReferenceID as number;
    const name = q.ConnID !== undefined ? 'EventError' : q.ThisDN !== undefined ? 'EventAddressInfo' : 'EventLocationInfo';
    const event = { Event: name, ReferenceID: ref, ...(name === 'EventError' ? { ErrorCode: 57 } : {}) };
    const p = router.answerFor(sink, name, event);
    if (p) router.settle(p, event);
  }
}

const flush = () => new Promise((r) => setImmediate(r));

beforeEach(() => {
  sink = new Sink();
  ledger = new Ledger();
  router = new RequestRouter({ owner: {}, requestTimeoutMs: 5_000, windows: laneWindows(10_000, 10_000), route: () => sink });
  summaries = [];
  answered = 0;
  for (let i = 0; i < 3; i++) ledger.registered(`10${i}`, {}, 'resync');
  for (let i = 0; i < 1_000; i++) ledger.learn({ Event: 'EventRinging', ThisDN: '100', ConnID: i.toString(16).padStart(16, '0') });
});
afterEach(() => router.rejectAll(new Error('test over')));

describe('Resync', () => {
  it('keeps at most `window` queries in flight: location, then calls, then DNs (the state model corrects calls first), the next as one lands', async () => {
    const r = resync(100);
    r.start('a:1');
    expect(r.running).toBe(true);
    expect(sink.sent).toHaveLength(100);
    expect(sink.sent[0]).not.toHaveProperty('ThisDN');
    expect(sink.sent.slice(1, 4).map((q) => q.ConnID)).toEqual(['0000000000000000', '0000000000000001', '0000000000000002']);
    let maxOutstanding = 0;
    while (summaries.length === 0) {
      maxOutstanding = Math.max(maxOutstanding, sink.sent.length - answered);
      answerAll();
      await flush();
    }
    expect(maxOutstanding).toBe(100);
    expect(sink.sent).toHaveLength(1 + 3 + 1_000);
    expect(sink.sent.slice(-3).map((q) => q.ThisDN)).toEqual(['100', '101', '102']);
    expect(summaries[0]).toMatchObject({ server: 'a:1', dns: 3, calls: 1_000 });
    expect(summaries[0].errors).toHaveLength(1_000);
    expect(ledger.calls.size).toBe(0); // EventError 57: the calls ended while we were away
    expect(r.running).toBe(false);
  });

  it('a newer resync supersedes a running one: the old one sends nothing more, its late answers are ignored, no summary', async () => {
    const first = resync(10);
    first.start('a:1');
    expect(sink.sent).toHaveLength(10);
    first.start('b:2'); // a newer EventPrimaryChanged
    // The first run's 10 queries still hold the window: the new run waits for them.
    expect(sink.sent).toHaveLength(10);
    const late = sink.sent[1];
    const lateAnswer = { Event: 'EventError', ReferenceID: late.ReferenceID, ErrorCode: 57 };
    expect(router.answerFor(sink, 'EventError', lateAnswer)?.deliverAnswer).toBe(false);
    while (summaries.length === 0) {
      answerAll();
      await flush();
    }
    await flush();
    expect(summaries.map((s) => s.server)).toEqual(['b:2']);
    // The first run's 10 queries, then one full run: nothing more from the first.
    expect(sink.sent).toHaveLength(10 + 1 + 3 + 1_000);
  });

  it('10,000 supersessions against a server that never answers hold at most one window in the router', async () => {
    const r = resync(100);
    let most = 0;
    for (let i = 0; i < 10_000; i++) {
      r.start('a:1');
      const load = router.load('resync');
      most = Math.max(most, load.inFlight + load.queued);
      if (i % 1_000 === 0) await flush();
    }
    expect(most).toBe(100);
    expect(sink.sent).toHaveLength(100);
    expect(router.inFlightCount + router.queuedCount).toBe(100);
  });

  it('cancel() (close) stops it: no more queries, no summary', async () => {
    const r = resync(5);
    r.start('a:1');
    r.cancel();
    answerAll();
    await flush();
    await flush();
    expect(sink.sent).toHaveLength(5);
    expect(summaries).toEqual([]);
    expect(r.running).toBe(false);
  });
});
