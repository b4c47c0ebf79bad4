/**
 * The resync's growing window (ledger/resync.ts ResyncWindow): it doubles while answers come back,
 * never past maxResyncWindow, stays on refusals, goes back to resyncWindow when a query gets no
 * answer; a server that never answers never sees more than the initial window. A real router on a
 * fake sink with a manual clock (deadlines fire only when the test moves time), then the whole
 * connection against a bare server over loopback.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/connection/ledger/ledger.js';
import { Resync, ResyncWindow } from '../../src/connection/ledger/resync.js';
import type { RequestSink } from '../../src/connection/requests/pending.js';
import { laneWindows, RequestRouter } from '../../src/connection/requests/router.js';
import type { ResyncSummary } from '../../src/connection/types.js';
import { TServerConnection } from '../../src/index.js';
import { until } from '../ha/helpers.js';
import { ManualClock } from '../simulator/manual-clock.js';
import { RawTServer } from '../support/raw-tserver.js';

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

class Sink implements RequestSink {
  readonly name = 'a:1';
  isOpen = true;
  linkUp = true;
  readonly sent: Record<string, unknown>[] = [];
  send(_type: number, attributes: Record<string, unknown>): void {
    this.sent.push(attributes);
  }
}

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

describe('the growing window over loopback (a bare server)', () => {
  let raw: RawTServer | undefined;
  let conn: TServerConnection | undefined;
  afterEach(async () => {
    await conn?.close();
    await raw?.close();
    conn = raw = undefined;
  });

  it('a server that answers every query: more than resyncWindow at once, never more than maxResyncWindow', async () => {
    const server = (raw = await RawTServer.start());
    let outstandingAtServer = 0;
    let most = 0;
    // Answers are written on the next turn of the loop, a batch at a time (as a server would).
    let batch: Array<[string, Record<string, unknown>]> = [];
    server.onRequest = (r) => {
      const ref = r.attributes.ReferenceID;
      if (r.name === 'RequestRegisterAddress') {
        server.send(r.socket, 'EventRegistered', { ReferenceID: ref, ThisDN: r.attributes.ThisDN });
        return;
      }
      if (!r.name.startsWith('RequestQuery')) return;
      outstandingAtServer++;
      most = Math.max(most, outstandingAtServer);
      if (batch.length === 0) {
        setImmediate(() => {
          const frames = batch;
          batch = [];
          outstandingAtServer -= frames.length;
          if (!r.socket.destroyed) server.sendMany(r.socket, frames);
        });
      }
      if (r.name === 'RequestQueryAddress') batch.push(['EventAddressInfo', { ReferenceID: ref, ThisDN: r.attributes.ThisDN }]);
      else batch.push(['EventLocationInfo', { ReferenceID: ref }]);
    };
    const c = (conn = new TServerConnection({
      primary: server.url,
      addp: false,
      requestTimeoutMs: 20_000,
      offlineQueue: { limit: 5_000 },
      resyncWindow: 50,
      maxResyncWindow: 400,
      reconnect: { minTimeoutMs: 10, maxTimeoutMs: 50, randomize: false },
    }));
    await c.open();
    const dns = Array.from({ length: 3_000 }, (_, i) => String(20_000 + i));
    await Promise.all(dns.map((dn) => c.registerAddress(dn)));
    let clientMost = 0;
    c.on('EventAddressInfo', () => (clientMost = Math.max(clientMost, c.state.inFlight)));
    const resynced = new Promise<ResyncSummary>((resolve) => c.once('resynced', resolve));
    most = 0;
    server.dropClients(); // the reconnect resyncs (resyncOnReconnect)
    const summary = await resynced;
    expect(summary).toMatchObject({ dns: 3_000, errors: [] });
    expect(most).toBeGreaterThan(50);
    expect(most).toBeLessThanOrEqual(400);
    expect(clientMost).toBeGreaterThan(50);
    expect(clientMost).toBeLessThanOrEqual(400);
    await until(() => outstandingAtServer === 0, 'every answer written');
  }, 30_000);
});
