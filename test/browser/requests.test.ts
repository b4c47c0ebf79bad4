/** GatewayConnection's request table, with fake timers: deadlines, the gateway's grace, aborts, the in-flight window. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RequestTable } from '../../src/browser/requests.js';
import { RequestInterruptedError, RequestTimeoutError, TServerError } from '../../src/errors.js';

let sent: Record<string, unknown>[];
let open: boolean;
const table = (maxInFlight = 2) =>
  new RequestTable({
    requestTimeoutMs: 1_000,
    queueLimit: 3,
    send: (text) => {
      if (!open) return false;
      sent.push(JSON.parse(text));
      return true;
    },
    maxInFlight: () => maxInFlight,
  });

beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  open = true;
});
afterEach(() => vi.useRealTimers());

describe('browser RequestTable', () => {
  it('a request waiting (no session) times out at its deadline; one on the wire gets 2 s more for the gateway’s verdict', async () => {
    open = false;
    const t = table();
    const waiting = t.create('RequestQueryServer', {}).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await waiting).toBeInstanceOf(RequestTimeoutError);
    expect(sent).toEqual([]); // never sent past its deadline
    open = true;
    const onWire = t.create('RequestQueryServer', {}).catch((e: unknown) => e);
    expect(t.inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(t.inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await onWire).toBeInstanceOf(RequestTimeoutError);
    expect(t.inFlight).toBe(0);
  });

  it('sends at most maxInFlight at once, the rest as answers come; the queue is bounded', async () => {
    const t = table(2);
    const ps = [1, 2, 3].map(() => t.create('RequestQueryServer', {}));
    expect(sent.map((m) => m.id)).toEqual([1, 2]);
    t.answered(1, { Event: 'EventServerInfo' });
    await expect(ps[0]).resolves.toEqual({ Event: 'EventServerInfo' });
    expect(sent.map((m) => m.id)).toEqual([1, 2, 3]);
    t.failed(2, {
      name: 'TServerError',
      code: 'ERR_TSERVER',
      message: 'refused',
      errorCode: 57,
      request: { name: 'RequestQueryServer', referenceId: 2 },
    });
    await expect(ps[1]).rejects.toBeInstanceOf(TServerError);
    await expect(ps[1]).rejects.toMatchObject({ errorCode: 57, message: 'refused' });
    open = false;
    for (let i = 0; i < 3; i++) void t.create('RequestQueryServer', {}).catch(() => undefined);
    await expect(t.create('RequestQueryServer', {})).rejects.toMatchObject({ code: 'ERR_OFFLINE_QUEUE_FULL' });
    t.interrupt('test');
    await expect(ps[2]).rejects.toBeInstanceOf(RequestInterruptedError);
    t.rejectAll(new RequestInterruptedError({ name: 'x', referenceId: 0, attributes: {} }, 'end'));
  });

  it('an abort settles with the signal’s reason and tells the gateway when the request was on the wire', async () => {
    const t = table();
    const ac = new AbortController();
    const p = t.create('RequestQueryServer', {}, { signal: ac.signal }).catch((e: unknown) => e);
    ac.abort(new Error('user gave up'));
    expect(await p).toMatchObject({ message: 'user gave up' });
    expect(sent.at(-1)).toEqual({ type: 'cancel', id: 1 });
    expect(t.inFlight).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
