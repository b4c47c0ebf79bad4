/**
 * The 1.1 call model on a lone simulator, one desk (raw wire client) per DN: consultation calls,
 * two-step and single-step transfer, conference add/delete, alternate, reconnect — the events every
 * party sees, ConnIDs, PreviousConnID, ThirdPartyDN, the ReferenceID of the answer, and the
 * EventError code of each wrong use.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TServerSimulator, fullInputMask } from '../../src/simulator/index.js';
import type { WireClient } from '../support/wire-client.js';
import { desk, eventOn, expectError, pool, story } from './desks.js';

let sim: TServerSimulator;
const CALLER = '5550001';

beforeEach(async () => {
  sim = new TServerSimulator({ name: 'call-model' });
  await sim.start();
});

afterEach(async () => {
  await pool.closeAll();
  await sim.stop();
});

/** An outside call to `c`'s DN, answered there; returns its ConnID. */
async function inbound(c: WireClient, dn: string): Promise<string> {
  const connId = sim.placeCall(dn, { from: CALLER, userData: [['Case', 7]] });
  await eventOn(c, 'EventRinging', connId);
  const est = await c.answerTo('RequestAnswerCall', { ThisDN: dn, ConnID: connId });
  expect(est.name).toBe('EventEstablished');
  return connId;
}

/** A consults B about `held`: returns the consultation's ConnID once B rings. */
async function consult(a: WireClient, b: WireClient, held: string, kind: 'Transfer' | 'Conference'): Promise<string> {
  const dialing = await a.answerTo(`RequestInitiate${kind}`, { ThisDN: '1001', ConnID: held, OtherDN: '1002' });
  expect(dialing.name).toBe('EventDialing');
  const consultation = dialing.attributes.ConnID as string;
  await eventOn(b, 'EventRinging', consultation);
  return consultation;
}

/** B answers the consultation; resolves once A saw EventEstablished for it too. */
async function answered(a: WireClient, b: WireClient, consultation: string): Promise<void> {
  await b.answerTo('RequestAnswerCall', { ThisDN: '1002', ConnID: consultation });
  await eventOn(a, 'EventEstablished', consultation);
}

describe('consultation and two-step transfer', () => {
  it('InitiateTransfer: EventHeld for ConnID first, EventRinging at OtherDN, EventDialing (new ConnID, CallType 4) answers', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const c1 = await inbound(a, '1001');
    const sinceA = a.mark();
    const refId = a.send('RequestInitiateTransfer', { ThisDN: '1001', ConnID: c1, OtherDN: '1002' });
    const dialing = await a.waitFor('EventDialing', { since: sinceA });
    const c2 = dialing.attributes.ConnID as string;
    expect(c2).not.toBe(c1);
    expect(dialing.attributes).toMatchObject({ ThisDN: '1001', OtherDN: '1002', CallType: 4, ReferenceID: refId });
    expect(story(a, sinceA, { [c1]: 'C1', [c2]: 'C2' })).toEqual(['EventHeld@C1', 'EventDialing@C2']);
    // The other event of the request carries its ReferenceID too (the spec's "may").
    expect(a.withReference(refId, sinceA).map((m) => m.name)).toEqual(['EventHeld', 'EventDialing']);
    const ringing = await eventOn(b, 'EventRinging', c2);
    expect(ringing.attributes).toMatchObject({ ThisDN: '1002', OtherDN: '1001', CallType: 4 });
    expect(ringing.attributes.ReferenceID).toBeUndefined();
    expect(sim.call(c1)?.parties.find((p) => p.dn === '1001')?.state).toBe('held');
    expect(sim.call(c2)?.consultFor).toEqual({ connId: c1, kind: 'transfer' });
  });

  it('CompleteTransfer: consultation released first, then ConnID (the answer); the target gets EventPartyChanged and the call keeps the held ConnID', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const c1 = await inbound(a, '1001');
    const c2 = await consult(a, b, c1, 'Transfer');
    await answered(a, b, c2);
    const sinceA = a.mark();
    const sinceB = b.mark();
    const answer = await a.answerTo('RequestCompleteTransfer', { ThisDN: '1001', ConnID: c1, TransferConnID: c2 });
    expect(answer.name).toBe('EventReleased');
    expect(answer.attributes.ConnID).toBe(c1);
    expect(story(a, sinceA, { [c1]: 'C1', [c2]: 'C2' })).toEqual(['EventReleased@C2', 'EventReleased@C1']);
    const changed = await eventOn(b, 'EventPartyChanged', c1, sinceB);
    expect(changed.attributes).toMatchObject({ ThisDN: '1002', ConnID: c1, PreviousConnID: c2, ThirdPartyDN: '1001', OtherDN: CALLER });
    expect(story(b, sinceB, { [c1]: 'C1', [c2]: 'C2' })).toEqual(['EventPartyChanged@C1']);
    expect(sim.call(c2)).toBeUndefined();
    const merged = sim.call(c1)!;
    expect(merged.parties.map((p) => [p.dn, p.state])).toEqual([['1002', 'established']]);
    expect(merged.external).toBe(CALLER);
    expect(merged.previousConnIds).toEqual([c2]);
    expect(merged.userData).toEqual([['Case', 7]]);
    // The merged call goes on: B hangs up, the call is over.
    const released = await b.answerTo('RequestReleaseCall', { ThisDN: '1002', ConnID: c1 });
    expect(released.name).toBe('EventReleased');
    expect(sim.call(c1)).toBeUndefined();
  });

  it('CompleteTransfer while the target still rings: it rings on the held call’s ConnID and answers it', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const c1 = await inbound(a, '1001');
    const c2 = await consult(a, b, c1, 'Transfer');
    await a.answerTo('RequestCompleteTransfer', { ThisDN: '1001', ConnID: c1, TransferConnID: c2 });
    await eventOn(b, 'EventPartyChanged', c1);
    expect(sim.call(c1)?.parties.map((p) => [p.dn, p.state])).toEqual([['1002', 'ringing']]);
    const est = await b.answerTo('RequestAnswerCall', { ThisDN: '1002', ConnID: c1 });
    expect(est.name).toBe('EventEstablished');
    expect(est.attributes.OtherDN).toBe(CALLER);
  });

  it('wrong uses: 58 not held, 57 unknown consultation, 61 not a party, 62 invalid destination, 42 state', async () => {
    const a = await desk(sim.url, ['1001', '1003']);
    const b = await desk(sim.url, '1002');
    const c1 = await inbound(a, '1001');
    expectError(await a.answerTo('RequestInitiateTransfer', { ThisDN: '1001', ConnID: c1, OtherDN: '1001' }), 62, /ThisDN/);
    expectError(await a.answerTo('RequestInitiateTransfer', { ThisDN: '1001', ConnID: c1, OtherDN: 'x-not-a-dn' }), 62);
    expectError(await a.answerTo('RequestInitiateTransfer', { ThisDN: '1003', ConnID: c1, OtherDN: '1002' }), 61);
    expectError(await a.answerTo('RequestInitiateTransfer', { ThisDN: '1001', ConnID: '00000000deadbeef', OtherDN: '1002' }), 57);
    // Completing with a call that is not held: 58.
    const c2 = await consult(a, b, c1, 'Transfer');
    expectError(await a.answerTo('RequestCompleteTransfer', { ThisDN: '1001', ConnID: c2, TransferConnID: c1 }), 58);
    expectError(await a.answerTo('RequestCompleteTransfer', { ThisDN: '1001', ConnID: c1, TransferConnID: '00000000deadbeef' }), 57);
    expectError(await a.answerTo('RequestCompleteTransfer', { ThisDN: '1001', ConnID: c1, TransferConnID: c1 }), 42);
    expectError(await a.answerTo('RequestCompleteConference', { ThisDN: '1003', ConnID: c1, ConferenceConnID: c2 }), 61);
    expectError(await a.answerTo('RequestCompleteTransfer', { ThisDN: '1001', ConnID: c1 }), 43, /TransferConnID/);
    // Nothing changed: the held call is still held, the consultation still rings.
    expect(sim.call(c1)?.parties[0]?.state).toBe('held');
    expect(sim.call(c2)?.parties.map((p) => p.state)).toEqual(['dialing', 'ringing']);
  });
});

describe('the other events of a request', () => {
  it('follow the requester’s input mask (the answer passes any mask)', async () => {
    const a = await desk(sim.url, '1001');
    await desk(sim.url, '1002');
    const c1 = await inbound(a, '1001');
    const everythingButHeld = fullInputMask();
    everythingButHeld[66 >> 3] &= ~(1 << (66 & 7));
    expect((await a.answerTo('RequestSetInputMask', { InputMask: everythingButHeld })).name).toBe('EventACK');
    const since = a.mark();
    const dialing = await a.answerTo('RequestInitiateTransfer', { ThisDN: '1001', ConnID: c1, OtherDN: '1002' });
    expect(dialing.name).toBe('EventDialing');
    expect(story(a, since, {})).toEqual([`EventDialing@${dialing.attributes.ConnID}`]);
  });

  it('carry no ReferenceID with referenceIdOnRelatedEvents: false', async () => {
    const quiet = new TServerSimulator({ name: 'no-ref', referenceIdOnRelatedEvents: false });
    await quiet.start();
    try {
      const a = await desk(quiet.url, '1001');
      const connId = quiet.placeCall('1001');
      await eventOn(a, 'EventRinging', connId);
      await a.answerTo('RequestAnswerCall', { ThisDN: '1001', ConnID: connId });
      const since = a.mark();
      const refId = a.send('RequestInitiateTransfer', { ThisDN: '1001', ConnID: connId, OtherDN: '1002' });
      await a.waitFor('EventDialing', { since });
      expect(a.withReference(refId, since).map((m) => m.name)).toEqual(['EventDialing']);
      expect(story(a, since, { [connId]: 'C1' })[0]).toBe('EventHeld@C1');
    } finally {
      await pool.closeAll();
      await quiet.stop();
    }
  });
});

describe('single-step transfer', () => {
  it('EventRinging at OtherDN with the same ConnID and ThirdPartyDN = ThisDN; EventReleased at ThisDN answers', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const c1 = await inbound(a, '1001');
    const sinceB = b.mark();
    const answer = await a.answerTo('RequestSingleStepTransfer', { ThisDN: '1001', ConnID: c1, OtherDN: '1002' });
    expect(answer.attributes).toMatchObject({ ThisDN: '1001', ConnID: c1 });
    expect(answer.name).toBe('EventReleased');
    const ringing = await eventOn(b, 'EventRinging', c1, sinceB);
    expect(ringing.attributes).toMatchObject({ ThisDN: '1002', ThirdPartyDN: '1001', OtherDN: CALLER });
    expectError(await a.answerTo('RequestSingleStepTransfer', { ThisDN: '1001', ConnID: c1, OtherDN: '1003' }), 61);
  });
});

describe('conference', () => {
  it('CompleteConference: EventReleased (consultation) and EventRetrieved first, EventPartyAdded answers; the new party gets EventPartyChanged', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const c1 = await inbound(a, '1001');
    const c2 = await consult(a, b, c1, 'Conference');
    await answered(a, b, c2);
    const sinceA = a.mark();
    const sinceB = b.mark();
    const added = await a.answerTo('RequestCompleteConference', { ThisDN: '1001', ConnID: c1, ConferenceConnID: c2 });
    expect(added.name).toBe('EventPartyAdded');
    expect(added.attributes).toMatchObject({ ThisDN: '1001', ConnID: c1, OtherDN: '1002', ThirdPartyDN: '1001' });
    expect(story(a, sinceA, { [c1]: 'C1', [c2]: 'C2' })).toEqual(['EventReleased@C2', 'EventRetrieved@C1', 'EventPartyAdded@C1']);
    const changed = await eventOn(b, 'EventPartyChanged', c1, sinceB);
    expect(changed.attributes).toMatchObject({ PreviousConnID: c2, ThirdPartyDN: '1001', ThisDNRole: 3 });
    expect(sim.call(c1)?.parties.map((p) => [p.dn, p.state])).toEqual([
      ['1001', 'established'],
      ['1002', 'established'],
    ]);
    expect(sim.call(c2)).toBeUndefined();
  });

  it('a third party conferenced in: the existing member gets EventPartyAdded; DeleteFromConference drops one (EventReleased there, EventPartyDeleted to the rest)', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const c = await desk(sim.url, '1003');
    const c1 = await inbound(a, '1001');
    const c2 = await consult(a, b, c1, 'Conference');
    await answered(a, b, c2);
    await a.answerTo('RequestCompleteConference', { ThisDN: '1001', ConnID: c1, ConferenceConnID: c2 });
    const d3 = await a.answerTo('RequestInitiateConference', { ThisDN: '1001', ConnID: c1, OtherDN: '1003' });
    const c3 = d3.attributes.ConnID as string;
    await eventOn(c, 'EventRinging', c3);
    await c.answerTo('RequestAnswerCall', { ThisDN: '1003', ConnID: c3 });
    const sinceB = b.mark();
    await a.answerTo('RequestCompleteConference', { ThisDN: '1001', ConnID: c1, ConferenceConnID: c3 });
    const toB = await eventOn(b, 'EventPartyAdded', c1, sinceB);
    expect(toB.attributes).toMatchObject({ ThisDN: '1002', OtherDN: '1003', ThirdPartyDN: '1001' });
    await eventOn(c, 'EventPartyChanged', c1);
    expect(sim.call(c1)?.parties.map((p) => p.dn)).toEqual(['1001', '1002', '1003']);

    expectError(await a.answerTo('RequestDeleteFromConference', { ThisDN: '1001', ConnID: c1, OtherDN: '1004' }), 61, /OtherDN/);
    const sinceC = c.mark();
    const deleted = await a.answerTo('RequestDeleteFromConference', { ThisDN: '1001', ConnID: c1, OtherDN: '1002' });
    expect(deleted.name).toBe('EventPartyDeleted');
    expect(deleted.attributes).toMatchObject({ ThisDN: '1001', ConnID: c1, OtherDN: '1002' });
    await eventOn(b, 'EventReleased', c1, sinceB);
    const toC = await eventOn(c, 'EventPartyDeleted', c1, sinceC);
    expect(toC.attributes.OtherDN).toBe('1002');
    expect(sim.call(c1)?.parties.map((p) => p.dn)).toEqual(['1001', '1003']);
    // C hangs up: A and the caller go on; then A hangs up and the call ends.
    const sinceA = a.mark();
    await c.answerTo('RequestReleaseCall', { ThisDN: '1003', ConnID: c1 });
    expect((await eventOn(a, 'EventPartyDeleted', c1, sinceA)).attributes.OtherDN).toBe('1003');
    expect(sim.call(c1)?.parties.map((p) => p.dn)).toEqual(['1001']);
    await a.answerTo('RequestReleaseCall', { ThisDN: '1001', ConnID: c1 });
    expect(sim.call(c1)).toBeUndefined();
  });
});

describe('alternate and reconnect', () => {
  it('AlternateCall: EventHeld for PreviousConnID first, EventRetrieved for ConnID answers; 58 / 59 on wrong states', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const c1 = await inbound(a, '1001');
    const c2 = await consult(a, b, c1, 'Transfer');
    await answered(a, b, c2);
    const since = a.mark();
    const answer = await a.answerTo('RequestAlternateCall', { ThisDN: '1001', ConnID: c1, PreviousConnID: c2 });
    expect(answer.name).toBe('EventRetrieved');
    expect(story(a, since, { [c1]: 'C1', [c2]: 'C2' })).toEqual(['EventHeld@C2', 'EventRetrieved@C1']);
    // C1 is active now and C2 held: alternating the same way again is wrong.
    expectError(await a.answerTo('RequestAlternateCall', { ThisDN: '1001', ConnID: c1, PreviousConnID: c2 }), 58);
    expectError(await a.answerTo('RequestHoldCall', { ThisDN: '1001', ConnID: c2 }), 59);
    const back = await a.answerTo('RequestAlternateCall', { ThisDN: '1001', ConnID: c2, PreviousConnID: c1 });
    expect(back.attributes.ConnID).toBe(c2);
  });

  it('ReconnectCall: EventReleased for PreviousConnID (its other party too) first, EventRetrieved for ConnID answers', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const c1 = await inbound(a, '1001');
    const c2 = await consult(a, b, c1, 'Transfer');
    await answered(a, b, c2);
    const since = a.mark();
    const sinceB = b.mark();
    const answer = await a.answerTo('RequestReconnectCall', { ThisDN: '1001', ConnID: c1, PreviousConnID: c2 });
    expect(answer).toMatchObject({ name: 'EventRetrieved' });
    expect(answer.attributes.ConnID).toBe(c1);
    expect(story(a, since, { [c1]: 'C1', [c2]: 'C2' })).toEqual(['EventReleased@C2', 'EventRetrieved@C1']);
    await eventOn(b, 'EventReleased', c2, sinceB);
    expect(sim.call(c2)).toBeUndefined();
    expect(sim.call(c1)?.parties[0]?.state).toBe('established');
    expectError(await a.answerTo('RequestReconnectCall', { ThisDN: '1001', ConnID: c1, PreviousConnID: c2 }), 58);
  });
});
