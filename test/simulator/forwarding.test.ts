/**
 * Wire spec 1.2 "Forwarding and do-not-disturb" on a lone simulator over real sockets: DND makes
 * the caller hear busy (CallState 6); ForwardMode 1 and 5 forward at once, 2 while the DN is busy,
 * 3 after its no-answer time (`Extensions` NoAnswerTimeout, else the switch's), 4 both; a
 * forwarded call rings with ThirdPartyDN = the forwarding DN and CallState 23. The switch's clock
 * is moved by hand.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TServerSimulator } from '../../src/simulator/index.js';
import type { WireClient } from '../support/wire-client.js';
import { desk, eventOn, expectError, pool, story } from './desks.js';
import { ManualClock } from './manual-clock.js';

const CALLER = '1001';
const DN = '1002';
const TARGET = '1003';
const OTHER = '1004';
let sim: TServerSimulator;
let clock: ManualClock;
let caller: WireClient;
let dn: WireClient;
let target: WireClient;

beforeEach(async () => {
  clock = new ManualClock();
  sim = new TServerSimulator({ name: 'forwarding', clock });
  await sim.start();
  caller = await desk(sim.url, [CALLER, OTHER]);
  dn = await desk(sim.url, DN);
  target = await desk(sim.url, TARGET);
});

afterEach(async () => {
  await pool.closeAll();
  await sim.stop();
});

async function forward(mode: number, extensions?: [string, unknown][]): Promise<void> {
  const set = await dn.answerTo('RequestCallForwardSet', { ThisDN: DN, OtherDN: TARGET, ForwardMode: mode, Extensions: extensions });
  expect(set).toMatchObject({ name: 'EventForwardSet', attributes: { ForwardMode: mode } });
}

/** The caller dials the DN; the ConnID. */
async function dial(): Promise<string> {
  const dialing = await caller.answerTo('RequestMakeCall', { ThisDN: CALLER, OtherDN: DN });
  return dialing.attributes.ConnID as string;
}

/** The DN is busy: it talks on a call from OTHER. */
async function makeBusy(): Promise<string> {
  const dialing = await caller.answerTo('RequestMakeCall', { ThisDN: OTHER, OtherDN: DN });
  const connId = dialing.attributes.ConnID as string;
  await eventOn(dn, 'EventRinging', connId);
  await dn.answerTo('RequestAnswerCall', { ThisDN: DN, ConnID: connId });
  return connId;
}

const forwarded = { ThisDN: TARGET, ThirdPartyDN: DN, CallState: 23, OtherDN: CALLER };

it('a DN on DND does not ring: the caller gets EventDestinationBusy with CallState 6', async () => {
  await dn.answerTo('RequestSetDNDOn', { ThisDN: DN });
  const since = dn.mark();
  const connId = await dial();
  const busy = await eventOn(caller, 'EventDestinationBusy', connId);
  expect(busy.attributes).toMatchObject({ ThisDN: CALLER, OtherDN: DN, CallState: 6 });
  expect(story(dn, since, {})).toEqual([]);
});

describe.each([
  ['1 unconditional', 1],
  ['5 send all calls', 5],
])('ForwardMode %s', (_, mode) => {
  it('sends the call straight to the target (ThirdPartyDN = the DN, CallState 23)', async () => {
    await forward(mode);
    const since = dn.mark();
    const connId = await dial();
    expect((await eventOn(target, 'EventRinging', connId)).attributes).toMatchObject(forwarded);
    expect(story(dn, since, {})).toEqual([]);
  });
});

describe('ForwardMode 2, on busy', () => {
  it('forwards only while the DN has a call established, dialing or held', async () => {
    await forward(2);
    const free = await dial();
    await eventOn(dn, 'EventRinging', free);
    await caller.answerTo('RequestReleaseCall', { ThisDN: CALLER, ConnID: free });
    await makeBusy();
    const connId = await dial();
    expect((await eventOn(target, 'EventRinging', connId)).attributes).toMatchObject(forwarded);
  });
});

describe('ForwardMode 3, on no answer', () => {
  it('after NoAnswerTimeout the DN is released (CallState 23) and the target rings (CallState 23)', async () => {
    await forward(3, [['NoAnswerTimeout', 5]]);
    const connId = await dial();
    await eventOn(dn, 'EventRinging', connId);
    const since = dn.mark();
    clock.advance(4_999);
    // The DN answers a query after the first advance: nothing reached it before the time was up.
    await dn.answerTo('RequestQueryAddress', { ThisDN: DN });
    expect(story(dn, since, { [connId]: 'C' })).toEqual(['EventAddressInfo@C']);
    clock.advance(1);
    const released = await eventOn(dn, 'EventReleased', connId, since);
    expect(released.attributes).toMatchObject({ ThisDN: DN, CallState: 23, ThirdPartyDN: TARGET });
    expect((await eventOn(target, 'EventRinging', connId)).attributes).toMatchObject(forwarded);
    await target.answerTo('RequestAnswerCall', { ThisDN: TARGET, ConnID: connId });
    expect((await eventOn(caller, 'EventEstablished', connId)).attributes.OtherDN).toBe(TARGET);
  });

  it('the switch’s no-answer time when the request gives none (10 s); a call answered in time stays', async () => {
    await forward(3);
    const answered = await dial();
    await eventOn(dn, 'EventRinging', answered);
    await dn.answerTo('RequestAnswerCall', { ThisDN: DN, ConnID: answered });
    clock.advance(60_000);
    expect(sim.call(answered)?.parties.map((p) => p.dn)).toEqual([CALLER, DN]);
    await caller.answerTo('RequestReleaseCall', { ThisDN: CALLER, ConnID: answered });

    const connId = await dial();
    await eventOn(dn, 'EventRinging', connId);
    clock.advance(9_999);
    expect(sim.call(connId)?.parties.map((p) => p.dn)).toEqual([CALLER, DN]);
    clock.advance(1);
    expect((await eventOn(target, 'EventRinging', connId)).attributes).toMatchObject(forwarded);
  });

  it('forwarding cancelled while the call rings: it keeps ringing at the DN', async () => {
    await forward(3, [['NoAnswerTimeout', 2]]);
    const connId = await dial();
    await eventOn(dn, 'EventRinging', connId);
    await dn.answerTo('RequestCallForwardCancel', { ThisDN: DN });
    clock.advance(5_000);
    expect(sim.call(connId)?.parties.map((p) => [p.dn, p.state])).toEqual([
      [CALLER, 'dialing'],
      [DN, 'ringing'],
    ]);
  });

  it('refuses a NoAnswerTimeout that is not whole seconds from 1 to 3,600 (42)', async () => {
    for (const bad of [0, 3_601, 'never']) {
      const answer = await dn.answerTo('RequestCallForwardSet', {
        ThisDN: DN,
        OtherDN: TARGET,
        ForwardMode: 3,
        Extensions: [['NoAnswerTimeout', bad]],
      });
      expectError(answer, 42, /NoAnswerTimeout/);
    }
    expect(sim.shared.forwarding.get(DN)).toBeUndefined();
  });
});

describe('ForwardMode 4, on busy and on no answer', () => {
  it('forwards at once while busy, after the no-answer time otherwise', async () => {
    await forward(4, [['NoAnswerTimeout', 3]]);
    const idle = await dial();
    await eventOn(dn, 'EventRinging', idle);
    clock.advance(3_000);
    expect((await eventOn(target, 'EventRinging', idle)).attributes).toMatchObject(forwarded);
    await target.answerTo('RequestAnswerCall', { ThisDN: TARGET, ConnID: idle });
    await caller.answerTo('RequestReleaseCall', { ThisDN: CALLER, ConnID: idle });

    await makeBusy();
    const connId = await dial();
    expect((await eventOn(target, 'EventRinging', connId)).attributes).toMatchObject(forwarded);
  });
});
