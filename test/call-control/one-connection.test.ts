/**
 * One connection registered on both DNs of a flow (a supervisor's desktop, or a desktop with two
 * lines): the switch tags the request's other events with its ReferenceID too, some with the
 * answer's very name (EventAttachedDataChanged at the other party, EventReleased for the
 * consultation or at the other parties). Each helper must settle on its answering event — the one
 * at ThisDN for the right ConnID — and the others are delivered as ordinary events. The known
 * calls of the one connection follow the merges.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TServerConnection } from '../../src/index.js';
import { HotStandbyPair } from '../../src/simulator/index.js';
import { until } from '../ha/helpers.js';
import { AGENT, CALLER, COLLEAGUE, Desk, THIRD, expectKnownCalls } from './rig.js';

let pair: HotStandbyPair;
let desk: Desk;

beforeEach(async () => {
  pair = await HotStandbyPair.start();
  const conn = new TServerConnection({
    primary: pair.addresses.primary,
    applicationName: 'two-lines',
    requestTimeoutMs: 3_000,
    addp: false,
  });
  desk = new Desk('two-lines', AGENT, conn);
  await conn.open();
  await conn.registerAddress(AGENT);
  await conn.registerAddress(COLLEAGUE);
});
afterEach(async () => {
  await desk.conn.close();
  await pair.stop();
});

/** The connection knows exactly the calls the switch has on its DNs (and there are `expected`). */
function expectKnown(expected: string[]): void {
  expectKnownCalls({ pair }, desk, expected);
}

async function inboundWithConsultation(): Promise<{ c1: string; c2: string }> {
  const since = desk.mark();
  const c1 = pair.placeCall(AGENT, { from: CALLER });
  await desk.waitFor('EventRinging', c1, since);
  await desk.conn.answerCall(AGENT, c1);
  const dialing = await desk.conn.initiateTransfer(AGENT, c1, COLLEAGUE);
  const c2 = dialing.ConnID;
  await desk.waitFor('EventRinging', c2, since);
  const est = await desk.conn.answerCall(COLLEAGUE, c2);
  expect(est).toMatchObject({ ThisDN: COLLEAGUE, ConnID: c2 });
  return { c1, c2 };
}

/** `ThisDN:Event@label` of the call events delivered since `since`. */
function story(since: number, labels: Record<string, string>): string[] {
  return desk.seen(since).map((e) => `${String(e.ThisDN)}:${e.Event}@${labels[e.ConnID as string] ?? String(e.ConnID)}`);
}

describe('one connection on both DNs', () => {
  it('completeTransfer settles on EventReleased for the held call at ThisDN; the consultation’s release and the rename are delivered', async () => {
    const { c1, c2 } = await inboundWithConsultation();
    const labels = { [c1]: 'C1', [c2]: 'C2' };
    expectKnown([c1, c2]);
    const since = desk.mark();
    const answer = await desk.conn.completeTransfer(AGENT, c1, c2);
    expect(answer).toMatchObject({ Event: 'EventReleased', ThisDN: AGENT, ConnID: c1 });
    await desk.waitFor('EventPartyChanged', c1, since);
    expect(story(since, labels).sort()).toEqual(
      [`${AGENT}:EventReleased@C1`, `${AGENT}:EventReleased@C2`, `${COLLEAGUE}:EventPartyChanged@C1`].sort(),
    );
    expectKnown([c1]);
  });

  it('updateUserData settles on the EventAttachedDataChanged at ThisDN, after the one at the other party', async () => {
    const { c2 } = await inboundWithConsultation();
    const since = desk.mark();
    const answer = await desk.conn.updateUserData(COLLEAGUE, c2, { Note: 'vip' });
    expect(answer).toMatchObject({ Event: 'EventAttachedDataChanged', ThisDN: COLLEAGUE, ConnID: c2, UserData: [['Note', 'vip']] });
    await until(() => desk.seen(since).length >= 2, 'both EventAttachedDataChanged');
    expect(story(since, { [c2]: 'C2' })).toEqual([`${AGENT}:EventAttachedDataChanged@C2`, `${COLLEAGUE}:EventAttachedDataChanged@C2`]);
  });

  it('clearCall settles on EventReleased at ThisDN; the other party’s EventReleased comes first', async () => {
    const { c1, c2 } = await inboundWithConsultation();
    const since = desk.mark();
    const answer = await desk.conn.clearCall(COLLEAGUE, c2);
    expect(answer).toMatchObject({ Event: 'EventReleased', ThisDN: COLLEAGUE, ConnID: c2 });
    expect(story(since, { [c2]: 'C2' })).toEqual([`${AGENT}:EventReleased@C2`, `${COLLEAGUE}:EventReleased@C2`]);
    expectKnown([c1]);
  });

  it('completeConference then deleteFromConference: each settles at ThisDN; the known call is the held one', async () => {
    const since0 = desk.mark();
    const c1 = pair.placeCall(AGENT, { from: CALLER });
    await desk.waitFor('EventRinging', c1, since0);
    await desk.conn.answerCall(AGENT, c1);
    const c2 = (await desk.conn.initiateConference(AGENT, c1, COLLEAGUE)).ConnID;
    await desk.waitFor('EventRinging', c2, since0);
    await desk.conn.answerCall(COLLEAGUE, c2);
    const since = desk.mark();
    const added = await desk.conn.completeConference(AGENT, c1, c2);
    expect(added).toMatchObject({ Event: 'EventPartyAdded', ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE });
    await desk.waitFor('EventPartyChanged', c1, since);
    expectKnown([c1]);
    const deleted = await desk.conn.deleteFromConference(AGENT, c1, COLLEAGUE);
    expect(deleted).toMatchObject({ Event: 'EventPartyDeleted', ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE });
    expect(desk.seen(since).some((e) => e.Event === 'EventReleased' && e.ThisDN === COLLEAGUE && e.ConnID === c1)).toBe(true);
    expectKnown([c1]);
  });
});

describe('one connection on three DNs', () => {
  it('a third party conferenced in and one dropped: EventPartyAdded / EventPartyDeleted at the other members come first, the one at ThisDN answers', async () => {
    await desk.conn.registerAddress(THIRD);
    const since0 = desk.mark();
    const c1 = pair.placeCall(AGENT, { from: CALLER });
    await desk.waitFor('EventRinging', c1, since0);
    await desk.conn.answerCall(AGENT, c1);
    for (const dn of [COLLEAGUE, THIRD]) {
      const since = desk.mark();
      const consult = (await desk.conn.initiateConference(AGENT, c1, dn)).ConnID;
      await desk.waitFor('EventRinging', consult, since);
      await desk.conn.answerCall(dn, consult);
      const added = await desk.conn.completeConference(AGENT, c1, consult);
      expect(added).toMatchObject({ Event: 'EventPartyAdded', ThisDN: AGENT, ConnID: c1, OtherDN: dn });
      await desk.waitFor('EventPartyChanged', c1, since);
    }
    const since = desk.mark();
    const deleted = await desk.conn.deleteFromConference(AGENT, c1, COLLEAGUE);
    expect(deleted).toMatchObject({ Event: 'EventPartyDeleted', ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE });
    expect(story(since, { [c1]: 'C1' })).toEqual([
      `${COLLEAGUE}:EventReleased@C1`,
      `${THIRD}:EventPartyDeleted@C1`,
      `${AGENT}:EventPartyDeleted@C1`,
    ]);
    expect(pair.call(c1)?.parties.map((p) => p.dn)).toEqual([AGENT, THIRD]);
    expectKnown([c1]);
  });
});
