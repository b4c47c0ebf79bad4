/**
 * 1.1 call control on one call and DN settings, one desk (raw wire client) per DN: hold, retrieve,
 * user data, DND, forwarding, DTMF, redirect, clear, mute, listen, monitoring, QuerySwitch,
 * after-call work, and the EventError of each wrong use.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TServerSimulator } from '../../src/simulator/index.js';
import type { WireClient } from '../support/wire-client.js';
import { desk, eventOn, expectError, pool, seen, story } from './desks.js';

let sim: TServerSimulator;

beforeEach(async () => {
  sim = new TServerSimulator({ name: 'call-control' });
  await sim.start();
});

afterEach(async () => {
  await pool.closeAll();
  await sim.stop();
});

/** A calls B (MakeCall) and B answers: an internal call both desks see; returns its ConnID. */
async function internal(a: WireClient, b: WireClient): Promise<string> {
  const dialing = await a.answerTo('RequestMakeCall', { ThisDN: '1001', OtherDN: '1002', UserData: [['Lang', 'fr']] });
  const connId = dialing.attributes.ConnID as string;
  await eventOn(b, 'EventRinging', connId);
  await b.answerTo('RequestAnswerCall', { ThisDN: '1002', ConnID: connId });
  await eventOn(a, 'EventEstablished', connId);
  return connId;
}

describe('hold and retrieve', () => {
  it('EventHeld / EventRetrieved answer at ThisDN; 59 already held, 58 not held, 42 ringing, 61 not a party, 57 no call', async () => {
    const a = await desk(sim.url, ['1001', '1003']);
    const b = await desk(sim.url, '1002');
    const connId = await internal(a, b);
    const held = await a.answerTo('RequestHoldCall', { ThisDN: '1001', ConnID: connId });
    expect(held).toMatchObject({ name: 'EventHeld' });
    expect(held.attributes).toMatchObject({ ThisDN: '1001', ConnID: connId, OtherDN: '1002', CallType: 1 });
    expectError(await a.answerTo('RequestHoldCall', { ThisDN: '1001', ConnID: connId }), 59);
    const retrieved = await a.answerTo('RequestRetrieveCall', { ThisDN: '1001', ConnID: connId });
    expect(retrieved.name).toBe('EventRetrieved');
    expectError(await a.answerTo('RequestRetrieveCall', { ThisDN: '1001', ConnID: connId }), 58);
    expectError(await a.answerTo('RequestHoldCall', { ThisDN: '1003', ConnID: connId }), 61);
    expectError(await a.answerTo('RequestHoldCall', { ThisDN: '1001', ConnID: '00000000deadbeef' }), 57);
    expectError(await a.answerTo('RequestHoldCall', { ThisDN: '1001' }), 43, /ConnID/);
    const ringing = sim.placeCall('1003');
    expectError(await a.answerTo('RequestHoldCall', { ThisDN: '1003', ConnID: ringing }), 42, /ringing/);
    // B saw nothing of A's hold and retrieve.
    expect(seen(b).map((m) => m.name)).toEqual(['EventRinging', 'EventEstablished']);
  });
});

describe('user data', () => {
  it('Update / DeletePair / DeleteUserData: EventAttachedDataChanged with the whole data to every party, the requester’s answering last', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const connId = await internal(a, b);
    const sinceB = b.mark();
    const updated = await a.answerTo('RequestUpdateUserData', {
      ThisDN: '1001',
      ConnID: connId,
      UserData: [
        ['Lang', 'en'],
        ['Tier', 'gold'],
      ],
    });
    expect(updated.name).toBe('EventAttachedDataChanged');
    expect(updated.attributes.UserData).toEqual([
      ['Lang', 'en'],
      ['Tier', 'gold'],
    ]);
    expect((await eventOn(b, 'EventAttachedDataChanged', connId, sinceB)).attributes.UserData).toEqual([
      ['Lang', 'en'],
      ['Tier', 'gold'],
    ]);
    const pair = await a.answerTo('RequestDeletePair', { ThisDN: '1001', ConnID: connId, DataKey: 'Lang' });
    expect(pair.attributes.UserData).toEqual([['Tier', 'gold']]);
    // Idempotent: deleting a key that is gone succeeds.
    expect((await a.answerTo('RequestDeletePair', { ThisDN: '1001', ConnID: connId, DataKey: 'Lang' })).name).toBe(
      'EventAttachedDataChanged',
    );
    const cleared = await a.answerTo('RequestDeleteUserData', { ThisDN: '1001', ConnID: connId });
    expect(cleared.attributes.UserData).toEqual([]);
    await b.waitForCount((m) => m.name === 'EventAttachedDataChanged', 4, { since: sinceB });
    expect(sim.call(connId)?.userData).toEqual([]);
    expectError(await b.answerTo('RequestUpdateUserData', { ThisDN: '1002', ConnID: connId }), 43, /UserData/);
  });
});

describe('DND and forwarding', () => {
  it('a call to a DND phone is refused: EventDestinationBusy to the caller; placeCall throws; DND off lets calls ring again', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    expect((await b.answerTo('RequestSetDNDOn', { ThisDN: '1002' })).name).toBe('EventDNDOn');
    expect((await b.answerTo('RequestSetDNDOn', { ThisDN: '1002' })).name).toBe('EventDNDOn'); // idempotent
    const since = a.mark();
    const dialing = await a.answerTo('RequestMakeCall', { ThisDN: '1001', OtherDN: '1002' });
    const connId = dialing.attributes.ConnID as string;
    const busy = await eventOn(a, 'EventDestinationBusy', connId, since);
    expect(busy.attributes).toMatchObject({ ThisDN: '1001', OtherDN: '1002' });
    expect(() => sim.placeCall('1002')).toThrow(/do-not-disturb/);
    // A consultation to the DND phone: busy too, and the consultation is the caller's to release.
    const outside = sim.placeCall('1001', { from: '5550009' });
    await eventOn(a, 'EventRinging', outside);
    await a.answerTo('RequestAnswerCall', { ThisDN: '1001', ConnID: outside });
    const sinceConsult = a.mark();
    const consult = await a.answerTo('RequestInitiateTransfer', { ThisDN: '1001', ConnID: outside, OtherDN: '1002' });
    expect((await eventOn(a, 'EventDestinationBusy', consult.attributes.ConnID, sinceConsult)).attributes.OtherDN).toBe('1002');
    await a.answerTo('RequestReleaseCall', { ThisDN: '1001', ConnID: consult.attributes.ConnID });
    expect((await a.answerTo('RequestRetrieveCall', { ThisDN: '1001', ConnID: outside })).name).toBe('EventRetrieved');
    expect(seen(b).map((m) => m.name)).toEqual(['EventDNDOn', 'EventDNDOn']);
    await a.answerTo('RequestReleaseCall', { ThisDN: '1001', ConnID: connId });
    expect((await b.answerTo('RequestSetDNDOff', { ThisDN: '1002' })).name).toBe('EventDNDOff');
    const ringing = sim.placeCall('1002');
    await eventOn(b, 'EventRinging', ringing);
  });

  it('unconditional forwarding applies to new calls (ThirdPartyDN = the forwarding DN) until cancelled; 62 for a bad target', async () => {
    const b = await desk(sim.url, '1002');
    const c = await desk(sim.url, '1003');
    const set = await b.answerTo('RequestCallForwardSet', { ThisDN: '1002', OtherDN: '1003', ForwardMode: 1 });
    expect(set.attributes).toMatchObject({ ThisDN: '1002', OtherDN: '1003', ForwardMode: 1 });
    const first = sim.placeCall('1002', { from: '5550002' });
    const ringing = await eventOn(c, 'EventRinging', first);
    expect(ringing.attributes).toMatchObject({ ThisDN: '1003', ThirdPartyDN: '1002', OtherDN: '5550002', DNIS: '1002' });
    expect((await b.answerTo('RequestCallForwardCancel', { ThisDN: '1002' })).name).toBe('EventForwardCancel');
    const second = sim.placeCall('1002');
    await eventOn(b, 'EventRinging', second);
    expect(b.received.some((m) => m.attributes.ConnID === first)).toBe(false);
    expectError(await b.answerTo('RequestCallForwardSet', { ThisDN: '1002', OtherDN: '1002' }), 62);
    expectError(await b.answerTo('RequestCallForwardSet', { ThisDN: '1002', OtherDN: 'nowhere' }), 62);
    expectError(await b.answerTo('RequestCallForwardSet', { ThisDN: '1002', OtherDN: '1003', ForwardMode: 9 }), 42);
  });
});

describe('on a call: DTMF, mute, listen, redirect, clear', () => {
  it('SendDTMF → EventDTMFSent with the digits; 42 for a call not established or bad digits', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const connId = await internal(a, b);
    const sent = await a.answerTo('RequestSendDTMF', { ThisDN: '1001', ConnID: connId, DTMFDigits: '12#*' });
    expect(sent.attributes).toMatchObject({ ThisDN: '1001', ConnID: connId, DTMFDigits: '12#*' });
    expectError(await a.answerTo('RequestSendDTMF', { ThisDN: '1001', ConnID: connId, DTMFDigits: '12x' }), 42, /DTMFDigits/);
    await a.answerTo('RequestHoldCall', { ThisDN: '1001', ConnID: connId });
    expectError(await a.answerTo('RequestSendDTMF', { ThisDN: '1001', ConnID: connId, DTMFDigits: '1' }), 42);
  });

  it('SetMuteOn/Off → EventMuteOn/Off (idempotent); 42 on a ringing call', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const connId = await internal(a, b);
    expect((await a.answerTo('RequestSetMuteOn', { ThisDN: '1001', ConnID: connId })).name).toBe('EventMuteOn');
    expect((await a.answerTo('RequestSetMuteOn', { ThisDN: '1001', ConnID: connId })).name).toBe('EventMuteOn');
    expect(sim.call(connId)?.parties[0]?.muted).toBe(true);
    expect((await a.answerTo('RequestSetMuteOff', { ThisDN: '1001', ConnID: connId })).name).toBe('EventMuteOff');
    expect(sim.call(connId)?.parties[0]?.muted).toBe(false);
    const ringing = sim.placeCall('1002');
    expectError(await b.answerTo('RequestSetMuteOn', { ThisDN: '1002', ConnID: ringing }), 42);
  });

  it('ListenDisconnect/Reconnect: the listener gets the event too, ThisDN’s answers; 61 when the listener is not in the call', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const connId = await internal(a, b);
    const sinceB = b.mark();
    const off = await a.answerTo('RequestListenDisconnect', { ThisDN: '1001', OtherDN: '1002', ConnID: connId });
    expect(off.attributes).toMatchObject({ ThisDN: '1001', OtherDN: '1002' });
    expect((await eventOn(b, 'EventListenDisconnected', connId, sinceB)).attributes.OtherDN).toBe('1001');
    expect((await a.answerTo('RequestListenReconnect', { ThisDN: '1001', OtherDN: '1002', ConnID: connId })).name).toBe(
      'EventListenReconnected',
    );
    expectError(await a.answerTo('RequestListenDisconnect', { ThisDN: '1001', OtherDN: '1003', ConnID: connId }), 61);
  });

  it('RedirectCall of a ringing call: EventRinging at OtherDN (same ConnID, ThirdPartyDN), EventReleased at ThisDN answers', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const connId = sim.placeCall('1001', { from: '5550003' });
    await eventOn(a, 'EventRinging', connId);
    const released = await a.answerTo('RequestRedirectCall', { ThisDN: '1001', ConnID: connId, OtherDN: '1002' });
    expect(released).toMatchObject({ name: 'EventReleased' });
    const ringing = await eventOn(b, 'EventRinging', connId);
    expect(ringing.attributes).toMatchObject({ ThirdPartyDN: '1001', OtherDN: '5550003' });
    expectError(await b.answerTo('RequestRedirectCall', { ThisDN: '1002', ConnID: connId, OtherDN: '1002' }), 62);
  });

  it('ClearCall: EventReleased to every other party first, ThisDN’s answers; the call is gone', async () => {
    const a = await desk(sim.url, '1001');
    const b = await desk(sim.url, '1002');
    const connId = await internal(a, b);
    const since = a.mark();
    const sinceB = b.mark();
    const released = await a.answerTo('RequestClearCall', { ThisDN: '1001', ConnID: connId });
    expect(released.attributes).toMatchObject({ ThisDN: '1001', ConnID: connId });
    await eventOn(b, 'EventReleased', connId, sinceB);
    expect(story(a, since, { [connId]: 'C' })).toEqual(['EventReleased@C']);
    expect(sim.call(connId)).toBeUndefined();
    expectError(await a.answerTo('RequestClearCall', { ThisDN: '1001', ConnID: connId }), 57);
  });
});

describe('DN requests', () => {
  it('MonitorNextCall: the supervisor joins the agent’s next answered call as observer; CancelMonitoring; 42 when not monitoring', async () => {
    const a = await desk(sim.url, '1001');
    const s = await desk(sim.url, '1009');
    const on = await s.answerTo('RequestMonitorNextCall', { ThisDN: '1009', OtherDN: '1001', MonitorNextCallType: 0 });
    expect(on.attributes).toMatchObject({ ThisDN: '1009', OtherDN: '1001' });
    const connId = sim.placeCall('1001', { from: '5550004' });
    await eventOn(a, 'EventRinging', connId);
    await a.answerTo('RequestAnswerCall', { ThisDN: '1001', ConnID: connId });
    const joined = await eventOn(s, 'EventEstablished', connId);
    expect(joined.attributes).toMatchObject({ ThisDN: '1009', ThisDNRole: 10, ThirdPartyDN: '1001' });
    // One call only: monitoring ended with it.
    expectError(await s.answerTo('RequestCancelMonitoring', { ThisDN: '1009', OtherDN: '1001' }), 42);
    await s.answerTo('RequestMonitorNextCall', { ThisDN: '1009', OtherDN: '1001' });
    expect((await s.answerTo('RequestCancelMonitoring', { ThisDN: '1009', OtherDN: '1001' })).name).toBe('EventMonitoringCancelled');
    // The agent hangs up: the observer is released with the call.
    await a.answerTo('RequestReleaseCall', { ThisDN: '1001', ConnID: connId });
    await eventOn(s, 'EventReleased', connId);
  });

  it('QuerySwitch → EventSwitchInfo', async () => {
    const a = await desk(sim.url, '1001');
    const info = await a.answerTo('RequestQuerySwitch', { SwitchInfoType: 1 });
    expect(info.name).toBe('EventSwitchInfo');
    expect(info.attributes.SwitchInfoType).toBe(1);
  });

  it('AgentNotReady with AgentWorkMode 3: EventAgentAfterCallWork, then EventAgentNotReady (AgentWorkMode 3) answers; QueryAddress says so', async () => {
    const a = await desk(sim.url, '1001');
    await a.answerTo('RequestAgentLogin', { ThisDN: '1001', AgentID: 'ag1', Password: 'secret', AgentWorkMode: 1 });
    const since = a.mark();
    const nr = await a.answerTo('RequestAgentNotReady', { ThisDN: '1001', AgentWorkMode: 3 });
    expect(nr.attributes).toMatchObject({ ThisDN: '1001', AgentID: 'ag1', AgentWorkMode: 3 });
    expect(seen(a, since).map((m) => m.name)).toEqual(['EventAgentAfterCallWork', 'EventAgentNotReady']);
    const info = await a.answerTo('RequestQueryAddress', { ThisDN: '1001' });
    expect(info.attributes).toMatchObject({ AgentStatus: 4, AgentWorkMode: 3 });
    expect(sim.listAgents()).toEqual([expect.objectContaining({ dn: '1001', status: 'afterCallWork' })]);
    expect(JSON.stringify(a.received)).not.toContain('secret');
  });

  it('an outside caller hangs up: the agent gets EventReleased', async () => {
    const a = await desk(sim.url, '1001');
    const connId = sim.placeCall('1001', { from: '5550005' });
    await eventOn(a, 'EventRinging', connId);
    await a.answerTo('RequestAnswerCall', { ThisDN: '1001', ConnID: connId });
    sim.hangUp(connId);
    await eventOn(a, 'EventReleased', connId);
    expect(sim.call(connId)).toBeUndefined();
    expect(() => sim.hangUp(connId)).toThrow(/no call/);
  });
});
