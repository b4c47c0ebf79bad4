/**
 * Desktop flows on one call over real sockets (HotStandbyPair + one TServerConnection per desk):
 * hold/retrieve, user data update/delete/delete-pair, DTMF, redirect, clear, mute. Each checks
 * what every party sees, the desks' known calls against the switch afterwards, and the EventError
 * code of each wrong use as TServerError.errorCode.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AGENT,
  CALLER,
  COLLEAGUE,
  NO_SUCH_CALL,
  THIRD,
  answeredInbound,
  expectErrorCode,
  expectKnownCalls,
  startCallRig,
  stopCallRig,
  type CallRig,
} from './rig.js';

let rig: CallRig;
beforeEach(async () => {
  rig = await startCallRig();
});
afterEach(() => stopCallRig(rig));

/** The agent calls the colleague (RequestMakeCall), who answers; the call's ConnID. */
async function internalCall(): Promise<string> {
  const { agent, colleague } = rig;
  const sinceA = agent.mark();
  const sinceB = colleague.mark();
  const dialing = await agent.conn.makeCall(AGENT, COLLEAGUE);
  expect(dialing).toMatchObject({ Event: 'EventDialing', ThisDN: AGENT, OtherDN: COLLEAGUE });
  const c = dialing.ConnID;
  expect(await colleague.waitFor('EventRinging', c, sinceB)).toMatchObject({ OtherDN: AGENT, CallType: 1 });
  await colleague.conn.answerCall(COLLEAGUE, c);
  await agent.waitFor('EventEstablished', c, sinceA);
  return c;
}

describe('hold and retrieve', () => {
  it('EventHeld / EventRetrieved at the agent; 59 hold a held call, 58 retrieve a call not held, 57, 61, 42', async () => {
    const { agent, colleague } = rig;
    const c1 = await answeredInbound(rig);
    const since = agent.mark();
    await expect(agent.conn.holdCall(AGENT, c1)).resolves.toMatchObject({ Event: 'EventHeld', ThisDN: AGENT, ConnID: c1, OtherDN: CALLER });
    await expectErrorCode(agent.conn.holdCall(AGENT, c1), 59);
    expect(rig.pair.call(c1)?.parties.map((p) => p.state)).toEqual(['held']);
    expectKnownCalls(rig, agent, [c1]);
    await expect(agent.conn.retrieveCall(AGENT, c1)).resolves.toMatchObject({ Event: 'EventRetrieved', ThisDN: AGENT, ConnID: c1 });
    await expectErrorCode(agent.conn.retrieveCall(AGENT, c1), 58);
    await expectErrorCode(agent.conn.holdCall(AGENT, NO_SUCH_CALL), 57);
    await expectErrorCode(colleague.conn.holdCall(COLLEAGUE, c1), 61);
    expect(agent.story(since, { [c1]: 'C1' })).toEqual(['EventHeld@C1', 'EventRetrieved@C1']);
    expect(colleague.seen()).toEqual([]);
    expectKnownCalls(rig, agent, [c1]);
    expectKnownCalls(rig, colleague, []);
  });

  it('a ringing call cannot be held (42), an established one cannot be answered (42)', async () => {
    const { agent } = rig;
    const since = agent.mark();
    const c1 = rig.pair.placeCall(AGENT, { from: CALLER });
    await agent.waitFor('EventRinging', c1, since);
    await expectErrorCode(agent.conn.holdCall(AGENT, c1), 42);
    await agent.conn.answerCall(AGENT, c1);
    await expectErrorCode(agent.conn.answerCall(AGENT, c1), 42);
    expectKnownCalls(rig, agent, [c1]);
  });
});

describe('user data', () => {
  it('update, delete a pair, delete all: EventAttachedDataChanged to both parties with the whole user data', async () => {
    const { agent, colleague, third } = rig;
    const c = await internalCall();
    const sinceB = colleague.mark();
    const updated = await agent.conn.updateUserData(AGENT, c, { Case: 'A-7', Tier: 2 });
    expect(updated).toMatchObject({
      Event: 'EventAttachedDataChanged',
      ThisDN: AGENT,
      ConnID: c,
      UserData: [
        ['Case', 'A-7'],
        ['Tier', 2],
      ],
    });
    expect(await colleague.waitFor('EventAttachedDataChanged', c, sinceB)).toMatchObject({
      ThisDN: COLLEAGUE,
      UserData: [
        ['Case', 'A-7'],
        ['Tier', 2],
      ],
    });
    // An update replaces a key's value and appends a new key.
    const again = await colleague.conn.updateUserData(COLLEAGUE, c, { Tier: 3, Lang: 'fr' });
    expect(again.UserData).toEqual([
      ['Case', 'A-7'],
      ['Tier', 3],
      ['Lang', 'fr'],
    ]);

    const sinceB2 = colleague.mark();
    const pairDeleted = await agent.conn.deleteUserDataPair(AGENT, c, 'Tier');
    expect(pairDeleted).toMatchObject({
      Event: 'EventAttachedDataChanged',
      ThisDN: AGENT,
      UserData: [
        ['Case', 'A-7'],
        ['Lang', 'fr'],
      ],
    });
    expect((await colleague.waitFor('EventAttachedDataChanged', c, sinceB2)).UserData).toEqual([
      ['Case', 'A-7'],
      ['Lang', 'fr'],
    ]);
    // Deleting a key that is not there succeeds (the request is idempotent).
    await expect(agent.conn.deleteUserDataPair(AGENT, c, 'Tier')).resolves.toMatchObject({ Event: 'EventAttachedDataChanged' });

    const sinceB3 = colleague.mark();
    const cleared = await agent.conn.deleteUserData(AGENT, c);
    expect(cleared).toMatchObject({ Event: 'EventAttachedDataChanged', ThisDN: AGENT, ConnID: c, UserData: [] });
    expect((await colleague.waitFor('EventAttachedDataChanged', c, sinceB3)).UserData).toEqual([]);
    expect(rig.pair.call(c)?.userData).toEqual([]);

    await expectErrorCode(third.conn.updateUserData(THIRD, c, { X: 1 }), 61);
    await expectErrorCode(agent.conn.updateUserData(AGENT, NO_SUCH_CALL, { X: 1 }), 57);
    await expectErrorCode(agent.conn.deleteUserData(AGENT, NO_SUCH_CALL), 57);
    await expectErrorCode(third.conn.deleteUserDataPair(THIRD, c, 'Case'), 61);
    expectKnownCalls(rig, agent, [c]);
    expectKnownCalls(rig, colleague, [c]);
    expectKnownCalls(rig, third, []);
  });
});

describe('DTMF and mute', () => {
  it('sendDTMF → EventDTMFSent with the digits; 42 bad digits or a call not established, 57, 61', async () => {
    const { agent, colleague } = rig;
    const c1 = await answeredInbound(rig);
    await expect(agent.conn.sendDTMF(AGENT, c1, '1234#')).resolves.toMatchObject({
      Event: 'EventDTMFSent',
      ThisDN: AGENT,
      ConnID: c1,
      DTMFDigits: '1234#',
    });
    await expectErrorCode(agent.conn.sendDTMF(AGENT, c1, '12x'), 42);
    await expectErrorCode(agent.conn.sendDTMF(AGENT, NO_SUCH_CALL, '1'), 57);
    await expectErrorCode(colleague.conn.sendDTMF(COLLEAGUE, c1, '1'), 61);
    await agent.conn.holdCall(AGENT, c1);
    await expectErrorCode(agent.conn.sendDTMF(AGENT, c1, '1'), 42);
    expect(colleague.seen()).toEqual([]);
    expectKnownCalls(rig, agent, [c1]);
  });

  it('setMuteOn / setMuteOff → EventMuteOn / EventMuteOff (muting twice is harmless); 42 on a ringing call, 61', async () => {
    const { agent, colleague } = rig;
    const c1 = await answeredInbound(rig);
    const since = agent.mark();
    await expect(agent.conn.setMuteOn(AGENT, c1)).resolves.toMatchObject({ Event: 'EventMuteOn', ThisDN: AGENT, ConnID: c1 });
    await expect(agent.conn.setMuteOn(AGENT, c1)).resolves.toMatchObject({ Event: 'EventMuteOn', ConnID: c1 });
    expect(rig.pair.call(c1)?.parties[0]?.muted).toBe(true);
    await expect(agent.conn.setMuteOff(AGENT, c1)).resolves.toMatchObject({ Event: 'EventMuteOff', ThisDN: AGENT, ConnID: c1 });
    expect(rig.pair.call(c1)?.parties[0]?.muted).toBe(false);
    expect(agent.story(since, { [c1]: 'C1' })).toEqual(['EventMuteOn@C1', 'EventMuteOn@C1', 'EventMuteOff@C1']);
    await expectErrorCode(colleague.conn.setMuteOn(COLLEAGUE, c1), 61);
    const sinceB = colleague.mark();
    const ringing = rig.pair.placeCall(COLLEAGUE);
    await colleague.waitFor('EventRinging', ringing, sinceB);
    await expectErrorCode(colleague.conn.setMuteOn(COLLEAGUE, ringing), 42);
    expectKnownCalls(rig, agent, [c1]);
    expectKnownCalls(rig, colleague, [ringing]);
  });
});

describe('redirect and clear', () => {
  it('redirectCall of a ringing call: EventReleased at the agent answers, the colleague rings on the same ConnID', async () => {
    const { agent, colleague } = rig;
    const since = agent.mark();
    const c1 = rig.pair.placeCall(AGENT, { from: CALLER });
    await agent.waitFor('EventRinging', c1, since);
    await expectErrorCode(agent.conn.redirectCall(AGENT, c1, AGENT), 62);
    await expectErrorCode(agent.conn.redirectCall(AGENT, c1, '99x'), 62);
    await expectErrorCode(colleague.conn.redirectCall(COLLEAGUE, c1, THIRD), 61);
    const sinceA = agent.mark();
    const sinceB = colleague.mark();
    const released = await agent.conn.redirectCall(AGENT, c1, COLLEAGUE);
    expect(released).toMatchObject({ Event: 'EventReleased', ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE });
    expect(agent.story(sinceA, { [c1]: 'C1' })).toEqual(['EventReleased@C1']);
    expect(await colleague.waitFor('EventRinging', c1, sinceB)).toMatchObject({ ThisDN: COLLEAGUE, ThirdPartyDN: AGENT, OtherDN: CALLER });
    expectKnownCalls(rig, agent, []);
    expectKnownCalls(rig, colleague, [c1]);
    // A held call cannot be redirected (42).
    await colleague.conn.answerCall(COLLEAGUE, c1);
    await colleague.conn.holdCall(COLLEAGUE, c1);
    await expectErrorCode(colleague.conn.redirectCall(COLLEAGUE, c1, THIRD), 42);
  });

  it('clearCall: every other party gets EventReleased, the agent’s EventReleased answers; the call is gone (57 after)', async () => {
    const { agent, colleague } = rig;
    const c = await internalCall();
    const sinceA = agent.mark();
    const sinceB = colleague.mark();
    await expect(agent.conn.clearCall(AGENT, c)).resolves.toMatchObject({ Event: 'EventReleased', ThisDN: AGENT, ConnID: c });
    expect(agent.story(sinceA, { [c]: 'C' })).toEqual(['EventReleased@C']);
    await colleague.waitFor('EventReleased', c, sinceB);
    expect(colleague.story(sinceB, { [c]: 'C' })).toEqual(['EventReleased@C']);
    expect(rig.pair.listCalls()).toEqual([]);
    await expectErrorCode(agent.conn.clearCall(AGENT, c), 57);
    expectKnownCalls(rig, agent, []);
    expectKnownCalls(rig, colleague, []);
  });
});
