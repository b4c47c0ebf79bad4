/**
 * The Dialer against a scripted host (no sockets): outcomes from events (also when they come in the
 * same read as the answer), the in-flight bound and the bounded queue, true causes, a request or
 * outcome lost in a failover learned by asking (never re-sent), the watchdog on fake timers,
 * abort and close. The real-socket flows are in dialer.integration.test.ts.
 */
import { EventEmitter } from 'eventemitter3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Dialer, DialError, type DialResult } from '../../src/dialer/index.js';
import { InvalidArgumentError, InvalidStateError, OfflineQueueFullError, RequestInterruptedError, TServerError } from '../../src/errors.js';

interface Sent {
  name: string;
  args: Record<string, unknown>;
  options: { lane?: string } | undefined;
  resolve: (e: Record<string, unknown>) => void;
  reject: (err: unknown) => void;
}

type Script = (args: Record<string, unknown>) => Record<string, unknown> | Error | 'pending';

/** Emits events as the connection does: by name, then on 'event'. */
class DialHost extends EventEmitter {
  sent: Sent[] = [];
  script: Record<string, Script> = {};
  registeredDNs: string[] = [];
  request(name: string, args: Record<string, unknown>, options?: { lane?: string }): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.sent.push({ name, args, options, resolve, reject });
      const scripted =
        this.script[name]?.(args) ??
        (name === 'RequestRegisterAddress'
          ? { Event: 'EventRegistered' }
          : name === 'RequestUnregisterAddress'
            ? { Event: 'EventUnregistered' }
            : 'pending');
      if (scripted === 'pending') return;
      if (scripted instanceof Error) reject(scripted);
      else resolve(scripted);
    });
  }
  named(name: string): Sent[] {
    return this.sent.filter((s) => s.name === name);
  }
  dials(): Sent[] {
    return this.named('RequestMakePredictiveCall');
  }
  event(name: string, attrs: Record<string, unknown>): void {
    const e = { Event: name, ...attrs };
    this.emit(name, e);
    this.emit('event', e);
  }
  /** The switch answers dial `i` with EventDialing (ConnID `c<i>`) and, in the same read, `then`. */
  answer(i: number, then: Array<[string, number | undefined]> = []): void {
    const d = this.dials()[i];
    const connId = `c${i}`;
    const at = { ThisDN: d.args.ThisDN, ConnID: connId, OtherDN: d.args.OtherDN };
    d.resolve({ Event: 'EventDialing', ...at, CallType: 3 });
    this.event('EventDialing', { ...at, CallType: 3, CallState: 0 });
    for (const [name, callState] of then) this.event(name, { ...at, CallState: callState });
  }
}

/** The error a dial rejects with (fails the test if it resolves). */
async function rejection(p: Promise<DialResult>): Promise<DialError> {
  const r = await p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  if (r.ok) throw new Error(`expected a rejection, got outcome ${r.v.outcome}`);
  return r.e as DialError;
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};
const info = { name: 'RequestMakePredictiveCall', referenceId: 1 } as never;

let host: DialHost;
beforeEach(() => {
  host = new DialHost();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Dialer', () => {
  it('registers the target once, places RequestMakePredictiveCall, and resolves when a person answers', async () => {
    const dialer = new Dialer(host);
    const p = dialer.dial('5000', '+15550100', { timeoutMs: 20_000, userData: { Campaign: 'spring' } });
    const q = dialer.dial('5000', '+15550101');
    await flush();
    expect(host.named('RequestRegisterAddress').map((s) => s.args)).toEqual([{ ThisDN: '5000' }]);
    expect(host.dials().map((s) => s.args)).toEqual([
      { ThisDN: '5000', OtherDN: '+15550100', Timeout: 20_000, UserData: { Campaign: 'spring' } },
      { ThisDN: '5000', OtherDN: '+15550101', Timeout: 30_000 },
    ]);
    host.answer(0);
    await flush();
    host.event('EventEstablished', { ThisDN: '5000', ConnID: 'c0', OtherDN: '+15550100', CallState: 0 });
    const r = await p;
    expect(r).toMatchObject({ outcome: 'answered', callState: 0, connId: 'c0', target: '5000', number: '+15550100', checked: false });
    expect(r.event.Event).toBe('EventEstablished');
    host.answer(1, [['EventReleased', 7]]);
    await expect(q).resolves.toMatchObject({ outcome: 'noAnswer', callState: 7 });
    expect(dialer.stats()).toMatchObject({ accepted: 2, sent: 2, inFlight: 0, outcomes: { answered: 1, noAnswer: 1 } });
    await dialer.close();
    expect(host.eventNames()).toEqual([]);
  });

  it('a target already registered is not registered again', async () => {
    host.registeredDNs = ['5000'];
    const dialer = new Dialer(host);
    void dialer.dial('5000', '1').catch(() => undefined);
    await flush();
    expect(host.named('RequestRegisterAddress')).toEqual([]);
    expect(host.dials()).toHaveLength(1);
  });

  it('a target being registered meanwhile (InvalidStateError: registered once per connection) is dialled for all the same', async () => {
    host.script.RequestRegisterAddress = () =>
      new InvalidStateError('RequestRegisterAddress refused: DN 5000 is already registered', 'open');
    const dialer = new Dialer(host);
    const p = dialer.dial('5000', '1');
    await flush();
    expect(host.dials()).toHaveLength(1);
    host.answer(0, [['EventReleased', 7]]);
    await expect(p).resolves.toMatchObject({ outcome: 'noAnswer' });
    host.script.RequestRegisterAddress = () => new TServerError({ ErrorCode: 40, ErrorMessage: 'unknown DN' }, info);
    await expect(dialer.dial('6000', '2')).rejects.toMatchObject({ code: 'ERR_DIAL_REFUSED' });
    await dialer.close();
  });

  it('maps every outcome from its event and CallState, each reported once, even in the same read as the answer', async () => {
    const dialer = new Dialer(host);
    const outcomes: DialResult[] = [];
    dialer.on('outcome', (r) => outcomes.push(r));
    const cases: Array<[string, Array<[string, number | undefined]>, string]> = [
      ['person', [['EventEstablished', 0]], 'answered'],
      ['machine', [['EventEstablished', 9]], 'machine'],
      [
        'busy',
        [
          ['EventDestinationBusy', 6],
          ['EventReleased', 6],
        ],
        'busy',
      ],
      ['noanswer', [['EventReleased', 7]], 'noAnswer'],
      ['sit', [['EventReleased', 8]], 'sit'],
      ['vacant', [['EventReleased', 12]], 'sit'],
      ['fax', [['EventReleased', 17]], 'fax'],
      ['trunks', [['EventReleased', 10]], 'failed'],
    ];
    const results = cases.map(([number]) => dialer.dial('5000', number));
    await flush();
    cases.forEach(([, events], i) => host.answer(i, events));
    const settled = await Promise.all(results);
    expect(settled.map((r) => [r.number, r.outcome, r.callState])).toEqual(
      cases.map(([number, events, outcome]) => [number, outcome, events[0][1]]),
    );
    expect(outcomes).toHaveLength(cases.length);
    expect(dialer.stats().outcomes).toEqual({ answered: 1, machine: 1, busy: 1, noAnswer: 1, sit: 2, fax: 1, failed: 1 });
    await dialer.close();
  });

  it('at most maxInFlight dials are in progress; the rest wait in order; the queue is bounded in count and bytes', async () => {
    const dialer = new Dialer(host, { maxInFlight: 2, maxQueued: 2, maxQueuedBytes: 4_096 });
    const all = ['a', 'b', 'c', 'd'].map((n) => dialer.dial('5000', n));
    const full = dialer.dial('5000', 'e');
    await expect(full).rejects.toMatchObject({ code: 'ERR_DIAL_QUEUE_FULL' });
    await expect(full).rejects.toThrow(/2 dials already wait \(maxQueued; maxInFlight 2\)/);
    await flush();
    expect(host.dials().map((s) => s.args.OtherDN)).toEqual(['a', 'b']);
    expect(dialer.stats()).toMatchObject({ accepted: 4, queued: 2, inFlight: 2, overflowed: 1 });
    host.answer(0, [['EventReleased', 6]]);
    await flush();
    expect(host.dials().map((s) => s.args.OtherDN)).toEqual(['a', 'b', 'c']);
    const big = dialer.dial('5000', 'f', { userData: { Notes: 'x'.repeat(8_192) } });
    await expect(big).rejects.toThrow(/maxQueuedBytes 4096/);
    for (const i of [1, 2]) host.answer(i, [['EventReleased', 6]]);
    await flush();
    host.answer(3, [['EventReleased', 6]]);
    expect((await Promise.all(all)).map((r) => r.number)).toEqual(['a', 'b', 'c', 'd']);
    expect(dialer.stats()).toMatchObject({ sent: 4, queued: 0, inFlight: 0, outcomes: { busy: 4 } });
    await dialer.close();
  });

  it('a dial never placed is ERR_DIAL_REFUSED with its true cause', async () => {
    host.script.RequestMakePredictiveCall = (a) =>
      a.OtherDN === 'switch'
        ? new TServerError({ ErrorCode: 40, ErrorMessage: 'unknown DN' }, info)
        : new OfflineQueueFullError(1_000, 'RequestMakePredictiveCall');
    const dialer = new Dialer(host);
    const bySwitch = rejection(dialer.dial('5000', 'switch'));
    const client = rejection(dialer.dial('5000', 'client'));
    const [a, b] = [await bySwitch, await client];
    expect(a).toBeInstanceOf(DialError);
    expect(a).toMatchObject({ code: 'ERR_DIAL_REFUSED', number: 'switch', connId: undefined });
    expect(a.message).toMatch(/not placed: the server refused it .*ErrorCode 40/);
    expect(b.message).toMatch(/not placed: it was never sent: the connection refused it client-side/);
    expect(b.cause).toBeInstanceOf(OfflineQueueFullError);
    expect(dialer.stats()).toMatchObject({ refused: 2, inFlight: 0 });
    await dialer.close();
  });

  it('a request lost with its server is never re-sent: its call is found at the target by number, and its outcome learned', async () => {
    const dialer = new Dialer(host);
    const found = dialer.dial('5000', '+1555777');
    const missing = dialer.dial('5000', '+1555888');
    await flush();
    host.script.RequestQueryAddress = () => ({
      Event: 'EventAddressInfo',
      Extensions: [
        [
          'Calls',
          [
            ['x1', 'routing'],
            ['x2', 'routing'],
          ],
        ],
      ],
    });
    host.script.RequestQueryCall = (a) =>
      a.ConnID === 'x1'
        ? {
            Event: 'EventPartyInfo',
            ConnID: 'x1',
            ThisDN: '5000',
            OtherDN: '+1555777',
            CallState: 0,
            Extensions: [['Parties', [['5000', 'routing']]]],
          }
        : { Event: 'EventPartyInfo', ConnID: 'x2', ThisDN: '5000', OtherDN: '+1555000', CallState: 0 };
    for (const s of host.dials()) s.reject(new RequestInterruptedError(info, 'the connection was lost'));
    await expect(found).resolves.toMatchObject({ outcome: 'answered', connId: 'x1', checked: true });
    const err = await rejection(missing);
    expect(err).toMatchObject({ code: 'ERR_DIAL_OUTCOME_UNKNOWN', number: '+1555888' });
    expect(err.message).toMatch(/knows no call to this number: never placed, or ended meanwhile \(never re-sent\)/);
    expect(host.dials()).toHaveLength(2);
    expect(dialer.stats()).toMatchObject({ sent: 2, unknown: 1, checked: 1, inFlight: 0 });
    await dialer.close();
  });

  it('after a failover a dial still ringing asks the new server; a call gone with its outcome is unknown', async () => {
    const dialer = new Dialer(host);
    const ringing = dialer.dial('5000', 'r');
    const gone = dialer.dial('5000', 'g');
    await flush();
    host.answer(0);
    host.answer(1);
    await flush();
    host.script.RequestQueryCall = (a) =>
      a.ConnID === 'c0'
        ? { Event: 'EventPartyInfo', ConnID: 'c0', CallState: 0, Extensions: [['Parties', [['5000', 'dialing']]]] }
        : new TServerError({ ErrorCode: 57 }, { name: 'RequestQueryCall', referenceId: 2 } as never);
    host.event('EventPrimaryChanged', {});
    const err = await rejection(gone);
    expect(err).toMatchObject({ code: 'ERR_DIAL_OUTCOME_UNKNOWN', connId: 'c1' });
    expect(err.message).toMatch(/the call ended and the event telling its outcome never arrived/);
    expect(dialer.stats().inFlight).toBe(1);
    host.event('EventReleased', { ThisDN: '5000', ConnID: 'c0', CallState: 7 });
    await expect(ringing).resolves.toMatchObject({ outcome: 'noAnswer', checked: false });
    expect(host.dials()).toHaveLength(2);
    await dialer.close();
  });

  it('a new server while a check is on the wire asks no second time (the connection re-sends the one on the wire); one miss counted', async () => {
    vi.useFakeTimers();
    const dialer = new Dialer(host, { outcomeGraceMs: 1_000 });
    const p = dialer.dial('5000', 'a', { timeoutMs: 5_000 });
    await vi.advanceTimersByTimeAsync(0);
    host.answer(0);
    host.script.RequestQueryCall = () => 'pending';
    await vi.advanceTimersByTimeAsync(6_000); // due: the first check goes
    expect(host.named('RequestQueryCall')).toHaveLength(1);
    host.event('EventPrimaryChanged', {});
    host.event('EventServerConnected', {});
    await vi.advanceTimersByTimeAsync(0);
    expect(host.named('RequestQueryCall')).toHaveLength(1);
    // Still ringing past its due: one miss, asked again after the grace, and again: unknown at the third.
    host.named('RequestQueryCall')[0].resolve({ Event: 'EventPartyInfo', CallState: 0, Extensions: [['Parties', [['5000', 'dialing']]]] });
    await vi.advanceTimersByTimeAsync(0);
    expect(dialer.stats()).toMatchObject({ unknown: 0, inFlight: 1 });
    host.script.RequestQueryCall = () => ({ Event: 'EventPartyInfo', CallState: 0, Extensions: [['Parties', [['5000', 'dialing']]]] });
    const err = rejection(p);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(dialer.stats()).toMatchObject({ unknown: 0, inFlight: 1 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await err).toMatchObject({ code: 'ERR_DIAL_OUTCOME_UNKNOWN' });
    expect((await err).message).toMatch(/still ringing 3 checks past its ring timeout/);
    expect(host.named('RequestQueryCall')).toHaveLength(3);
    await dialer.close();
  });

  it('no outcome event within the ring timeout and the grace: the switch is asked (fake timers), a bounded number of times', async () => {
    vi.useFakeTimers();
    const dialer = new Dialer(host, { outcomeGraceMs: 1_000 });
    const answered = dialer.dial('5000', 'a', { timeoutMs: 5_000 });
    const stuck = dialer.dial('5000', 's', { timeoutMs: 5_000 });
    await vi.advanceTimersByTimeAsync(0);
    host.answer(0);
    host.answer(1);
    let asked = 0;
    host.script.RequestQueryCall = (a) => {
      asked++;
      return a.ConnID === 'c0'
        ? { Event: 'EventPartyInfo', CallState: 9, Extensions: [['Parties', [['5000', 'routing']]]] }
        : { Event: 'EventPartyInfo', CallState: 0, Extensions: [['Parties', [['5000', 'dialing']]]] };
    };
    await vi.advanceTimersByTimeAsync(5_999);
    expect(asked).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await expect(answered).resolves.toMatchObject({ outcome: 'machine', callState: 9, checked: true });
    const err = rejection(stuck);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await err).toMatchObject({ code: 'ERR_DIAL_OUTCOME_UNKNOWN' });
    expect((await err).message).toMatch(/still ringing 3 checks past its ring timeout/);
    expect(asked).toBe(4);
    await dialer.close();
  });

  it('abort: a waiting dial is dropped unsent; a placed one rejects at once and keeps its slot until its outcome', async () => {
    const dialer = new Dialer(host, { maxInFlight: 1 });
    const outcomes: DialResult[] = [];
    dialer.on('outcome', (r) => outcomes.push(r));
    const placed = new AbortController();
    const waiting = new AbortController();
    const first = dialer.dial('5000', '1', { signal: placed.signal });
    const second = dialer.dial('5000', '2', { signal: waiting.signal });
    const third = dialer.dial('5000', '3');
    await flush();
    waiting.abort(new Error('campaign paused'));
    placed.abort(new Error('operator cancelled'));
    await expect(second).rejects.toThrow('campaign paused');
    await expect(first).rejects.toThrow('operator cancelled');
    await flush();
    expect(host.dials().map((s) => s.args.OtherDN)).toEqual(['1']);
    host.answer(0, [['EventReleased', 6]]);
    await flush();
    expect(outcomes.map((r) => [r.number, r.outcome])).toEqual([['1', 'busy']]);
    expect(host.dials().map((s) => s.args.OtherDN)).toEqual(['1', '3']);
    host.answer(1, [['EventEstablished', 0]]);
    await expect(third).resolves.toMatchObject({ outcome: 'answered' });
    expect(dialer.stats()).toMatchObject({ accepted: 3, aborted: 1, sent: 2, outcomes: { busy: 1, answered: 1 } });
    await dialer.close();
  });

  it('100,000 dials queued and aborted while the slot is taken: what the dialer holds stays bounded by what still waits', async () => {
    const dialer = new Dialer(host, { maxInFlight: 1 });
    const first = dialer.dial('5000', '0');
    await flush();
    const userData = { Campaign: 'x'.repeat(1_000) };
    for (let i = 1; i <= 100_000; i++) {
      const ac = new AbortController();
      dialer.dial('5000', String(i), { signal: ac.signal, userData }).catch(() => undefined);
      ac.abort(new Error('paused'));
    }
    const last = dialer.dial('5000', 'last');
    expect(dialer.stats()).toMatchObject({ queued: 1, inFlight: 1, aborted: 100_000 });
    // The FIFO of waiting dials (private): the aborted ones leave it as they come to be most of it.
    expect((dialer as unknown as { queue: { size: number } }).queue.size).toBeLessThanOrEqual(2 * 1 + 64);
    host.answer(0, [['EventReleased', 6]]);
    await expect(first).resolves.toMatchObject({ outcome: 'busy' });
    await flush();
    expect(host.dials().map((s) => s.args.OtherDN)).toEqual(['0', 'last']);
    host.answer(1, [['EventEstablished', 0]]);
    await expect(last).resolves.toMatchObject({ outcome: 'answered' });
    await dialer.close();
  });

  it('close(): waiting dials reject ERR_DIALER_CLOSED unsent, dials in progress finish first; later dials are refused', async () => {
    const dialer = new Dialer(host, { maxInFlight: 1 });
    const inProgress = dialer.dial('5000', '1');
    const waiting = dialer.dial('5000', '2');
    await flush();
    let closed = false;
    const closing = dialer.close().then(() => (closed = true));
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_DIALER_CLOSED' });
    await expect(dialer.dial('5000', '3')).rejects.toMatchObject({ code: 'ERR_DIALER_CLOSED' });
    await flush();
    expect(closed).toBe(false);
    host.answer(0, [['EventReleased', 7]]);
    await expect(inProgress).resolves.toMatchObject({ outcome: 'noAnswer' });
    await closing;
    expect(host.dials()).toHaveLength(1);
    expect(host.eventNames()).toEqual([]);
  });

  it('refuses wrong arguments with InvalidArgumentError naming the problem', async () => {
    expect(() => new Dialer(host, { maxInFlight: 0 })).toThrow(/dialer\(\): options.maxInFlight must be a whole number/);
    const dialer = new Dialer(host);
    await expect(dialer.dial('', '1')).rejects.toThrow(InvalidArgumentError);
    await expect(dialer.dial('5000', 42 as never)).rejects.toThrow(/number must be a non-empty string, got 42/);
    await expect(dialer.dial('5000', '1', { timeoutMs: -1 })).rejects.toThrow(/options.timeoutMs/);
    expect(host.dials()).toEqual([]);
    await dialer.close();
  });
});

/**
 * In a hot-standby pair the connection moves requests to the backup as soon as the primary is lost,
 * and the backup refuses them with EventError 52 until it says it is primary (EventPrimaryChanged).
 * The connection waits that out for the routing lane (test/connection/router.test.ts, and
 * dialer.integration.test.ts over real sockets): every request of the dialer goes on it, and a
 * refusal that still reaches the dialer is the connection's last word.
 */
describe('Dialer requests and a server not primary yet', () => {
  const notPrimary = (name: string) =>
    new TServerError({ ErrorCode: 52, ErrorMessage: 'not primary: tserver-b is the backup' }, { name, referenceId: 9 } as never);

  it('the dial, the search for a lost one and the checks all go on the routing lane', async () => {
    vi.useFakeTimers();
    const dialer = new Dialer(host, { outcomeGraceMs: 1 }); // checked 2 ms after it is placed
    const lost = rejection(dialer.dial('5000', '+1555777', { timeoutMs: 1 }));
    const ringing = dialer.dial('5000', '+1555888', { timeoutMs: 1, userData: [['Campaign', 'c1']] });
    await vi.advanceTimersByTimeAsync(0);
    host.script.RequestQueryCall = () => ({ Event: 'EventPartyInfo', CallState: 9, Extensions: [['Parties', [['5000', 'routing']]]] });
    host.script.RequestQueryAddress = () => ({ Event: 'EventAddressInfo' }); // no calls there: the lost one is unknown
    host.dials()[0].reject(new RequestInterruptedError(info, 'the connection was lost'));
    host.answer(1);
    await vi.advanceTimersByTimeAsync(10);
    await expect(ringing).resolves.toMatchObject({ outcome: 'machine', checked: true });
    expect(await lost).toMatchObject({ code: 'ERR_DIAL_OUTCOME_UNKNOWN' });
    const names = host.sent.filter((s) => s.name !== 'RequestRegisterAddress' && s.name !== 'RequestUnregisterAddress');
    expect(names.map((s) => s.name).sort()).toEqual([
      'RequestMakePredictiveCall',
      'RequestMakePredictiveCall',
      'RequestQueryAddress',
      'RequestQueryCall',
    ]);
    expect(names.map((s) => s.options)).toEqual(names.map(() => ({ lane: 'routing' })));
    expect(host.dials()[1].args).toEqual({ ThisDN: '5000', OtherDN: '+1555888', Timeout: 1, UserData: [['Campaign', 'c1']] });
    await dialer.close();
  });

  it('a lost dial whose search is refused: outcome unknown, naming the refusal; the dial is never sent again', async () => {
    const dialer = new Dialer(host);
    const p = dialer.dial('5000', '+1555777');
    await flush();
    host.script.RequestQueryAddress = () => notPrimary('RequestQueryAddress');
    host.dials()[0].reject(new RequestInterruptedError(info, 'the connection was lost'));
    const err = await rejection(p);
    expect(err).toMatchObject({ code: 'ERR_DIAL_OUTCOME_UNKNOWN', connId: undefined });
    expect(err.message).toMatch(
      /its request was lost with its server and the calls at 5000 could not be read: the server refused it .*ErrorCode 52/,
    );
    expect(err.cause).toBeInstanceOf(TServerError);
    expect(host.dials()).toHaveLength(1);
    expect(host.named('RequestQueryAddress')).toHaveLength(1);
    await dialer.close();
  });

  it('a check refused is a miss: asked again after the grace, unknown after maxChecks with the refusal as cause', async () => {
    vi.useFakeTimers();
    const dialer = new Dialer(host, { outcomeGraceMs: 1_000 });
    const p = dialer.dial('5000', 'a', { timeoutMs: 5_000 });
    await vi.advanceTimersByTimeAsync(0);
    host.answer(0);
    host.script.RequestQueryCall = () => notPrimary('RequestQueryCall');
    const err = rejection(p);
    await vi.advanceTimersByTimeAsync(6_000 + 3 * 1_000);
    expect(await err).toMatchObject({ code: 'ERR_DIAL_OUTCOME_UNKNOWN', connId: 'c0' });
    expect((await err).message).toMatch(/the call could not be checked: the server refused it .*ErrorCode 52/);
    expect((await err).cause).toBeInstanceOf(TServerError);
    expect(host.named('RequestQueryCall')).toHaveLength(3);
    expect(host.dials()).toHaveLength(1);
    await dialer.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
