/**
 * Wire spec 1.2 RequestCollectDigits over real sockets: a caller entering digits (the switch-side
 * control enterDigits), EventDigitsCollected when NumberOfDigits are in, at a terminate digit, at
 * the Timeout (with what was entered), or when the call ends; digits entered before a collection
 * wait for it. The switch's clock is moved by hand.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TServerSimulator } from '../../src/simulator/index.js';
import type { WireClient } from '../support/wire-client.js';
import { arrivedBy, desk, eventOn, expectError, pool } from './desks.js';
import { ManualClock } from './manual-clock.js';

const RP = '5000';
let sim: TServerSimulator;
let clock: ManualClock;
let ivr: WireClient;
let connId: string;

beforeEach(async () => {
  clock = new ManualClock();
  sim = new TServerSimulator({ name: 'digits', clock, routingPoints: [{ dn: RP, timeoutMs: 600_000 }] });
  await sim.start();
  ivr = await desk(sim.url, [RP, '1001']);
  connId = sim.placeCall(RP, { from: '5557777' });
  await eventOn(ivr, 'EventRouteRequest', connId);
});

afterEach(async () => {
  await pool.closeAll();
  await sim.stop();
});

function collect(attrs: Record<string, unknown> = {}) {
  return ivr.answerTo('RequestCollectDigits', { ThisDN: RP, ConnID: connId, ...attrs });
}

describe('collecting', () => {
  it('answers once NumberOfDigits are in; digits beyond wait for the next collection', async () => {
    const pending = collect({ NumberOfDigits: 4 });
    // The collection starts when the server reads it: a QueryServer round trip orders it before the digits.
    await arrivedBy(ivr, 'EventDigitsCollected');
    sim.enterDigits(connId, '12');
    sim.enterDigits(connId, '345');
    const collected = await pending;
    expect(collected).toMatchObject({
      name: 'EventDigitsCollected',
      attributes: { ThisDN: RP, ConnID: connId, CollectedDigits: '1234', LastDigit: '4' },
    });
    expect(sim.call(connId)?.digits).toBe('5');
    const next = await collect({ NumberOfDigits: 1 });
    expect(next.attributes).toMatchObject({ CollectedDigits: '5', LastDigit: '5' });
  });

  it('a terminate digit ends it (not collected; it is the LastDigit)', async () => {
    sim.enterDigits(connId, '42#9');
    const collected = await collect({ TerminateDigits: '#*' });
    expect(collected.attributes).toMatchObject({ CollectedDigits: '42', LastDigit: '#' });
    expect(sim.call(connId)?.digits).toBe('9');
  });

  it('at the Timeout it answers with what was entered, or nothing', async () => {
    const first = collect({ NumberOfDigits: 5, Timeout: 3_000 });
    await arrivedBy(ivr, 'EventDigitsCollected');
    sim.enterDigits(connId, '7');
    clock.advance(2_999);
    expect(await arrivedBy(ivr, 'EventDigitsCollected')).toEqual([]);
    clock.advance(1);
    expect((await first).attributes).toMatchObject({ CollectedDigits: '7', LastDigit: '7' });

    const empty = collect();
    await arrivedBy(ivr, 'EventDigitsCollected');
    clock.advance(10_000); // the switch's default (digitsTimeoutMs)
    const none = await empty;
    expect(none.attributes.CollectedDigits).toBe('');
    expect(none.attributes.LastDigit).toBeUndefined();
    expect(sim.shared.pendingTimers).toBe(1); // the route timeout alone
  });

  it('a caller who hangs up ends the collection: EventDigitsCollected with what was entered, then EventAbandoned', async () => {
    const pending = collect({ NumberOfDigits: 6 });
    await arrivedBy(ivr, 'EventDigitsCollected');
    sim.enterDigits(connId, '31');
    sim.hangUp(connId);
    expect((await pending).attributes).toMatchObject({ CollectedDigits: '31' });
    const abandoned = await eventOn(ivr, 'EventAbandoned', connId);
    expect(abandoned.attributes.CallState).toBe(21);
    expect(sim.shared.pendingTimers).toBe(0);
  });
});

describe('wrong uses', () => {
  it('42 for a second collection, NumberOfDigits out of 1–64, bad TerminateDigits, a party not talking; enterDigits throws on non-keys', async () => {
    const pending = collect({ Timeout: 1_000 });
    expectError(await collect(), 42, /already collects/);
    expectError(
      await ivr.answerTo('RequestCollectDigits', { ThisDN: RP, ConnID: sim.placeCall(RP), NumberOfDigits: 0 }),
      42,
      /NumberOfDigits/,
    );
    expectError(
      await ivr.answerTo('RequestCollectDigits', { ThisDN: RP, ConnID: sim.placeCall(RP), TerminateDigits: 'x' }),
      42,
      /TerminateDigits/,
    );
    const ringing = sim.placeCall('1001');
    expectError(await ivr.answerTo('RequestCollectDigits', { ThisDN: '1001', ConnID: ringing }), 42, /ringing/);
    expect(() => sim.enterDigits(connId, 'abc!')).toThrow(RangeError);
    expect(() => sim.enterDigits(connId, '1'.repeat(65))).toThrow(RangeError);
    clock.advance(1_000);
    expect((await pending).name).toBe('EventDigitsCollected');
  });

  it('digits typed ahead are kept up to 64, the oldest dropped first', async () => {
    for (let i = 0; i < 10; i++) sim.enterDigits(connId, '0123456789');
    expect(sim.call(connId)?.digits).toHaveLength(64);
    expect(sim.call(connId)?.digits.endsWith('0123456789')).toBe(true);
  });
});
