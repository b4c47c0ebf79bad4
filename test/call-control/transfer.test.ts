/**
 * Desktop flows over real sockets (HotStandbyPair + one TServerConnection per desk): two-step and
 * single-step transfer, conference add/delete, alternate, reconnect. Each checks what every party
 * sees (names, ConnIDs, PreviousConnID, ThirdPartyDN), the desks' known calls against the switch's
 * calls afterwards, and the EventError code of each wrong use as TServerError.errorCode.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AGENT,
  CALLER,
  COLLEAGUE,
  NO_SUCH_CALL,
  THIRD,
  answeredInbound,
  consulted,
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

describe('two-step transfer', () => {
  it('initiateTransfer → colleague answers → completeTransfer: the call keeps the held ConnID, the colleague gets EventPartyChanged', async () => {
    const { agent, colleague, third, pair } = rig;
    const c1 = await answeredInbound(rig, [['Case', 7]]);
    const sinceA = agent.mark();
    const sinceB = colleague.mark();
    const dialing = await agent.conn.initiateTransfer(AGENT, c1, COLLEAGUE, { userData: { Reason: 'billing' } });
    const c2 = dialing.ConnID;
    const labels = { [c1]: 'C1', [c2]: 'C2' };
    expect(dialing).toMatchObject({ Event: 'EventDialing', ThisDN: AGENT, OtherDN: COLLEAGUE, CallType: 4 });
    expect(agent.story(sinceA, labels)).toEqual(['EventHeld@C1', 'EventDialing@C2']);
    const ringing = await colleague.waitFor('EventRinging', c2, sinceB);
    expect(ringing).toMatchObject({ ThisDN: COLLEAGUE, OtherDN: AGENT, CallType: 4, UserData: [['Reason', 'billing']] });
    expectKnownCalls(rig, agent, [c1, c2]);
    expectKnownCalls(rig, colleague, [c2]);

    await colleague.conn.answerCall(COLLEAGUE, c2);
    await agent.waitFor('EventEstablished', c2, sinceA);
    const sinceA2 = agent.mark();
    const sinceB2 = colleague.mark();
    const released = await agent.conn.completeTransfer(AGENT, c1, c2);
    expect(released).toMatchObject({ Event: 'EventReleased', ThisDN: AGENT, ConnID: c1 });
    expect(agent.story(sinceA2, labels)).toEqual(['EventReleased@C2', 'EventReleased@C1']);
    const changed = await colleague.waitFor('EventPartyChanged', c1, sinceB2);
    expect(changed).toMatchObject({ ThisDN: COLLEAGUE, ConnID: c1, PreviousConnID: c2, ThirdPartyDN: AGENT, OtherDN: CALLER });
    expect(colleague.story(sinceB2, labels)).toEqual(['EventPartyChanged@C1']);
    expect(third.seen()).toEqual([]);
    expect(pair.call(c1)?.parties.map((p) => [p.dn, p.state])).toEqual([[COLLEAGUE, 'established']]);
    expect(pair.call(c1)?.userData).toEqual([['Case', 7]]);
    expectKnownCalls(rig, agent, []);
    expectKnownCalls(rig, colleague, [c1]);

    // The customer's call goes on with the colleague under its first ConnID, until she hangs up.
    await expect(colleague.conn.releaseCall(COLLEAGUE, c1)).resolves.toMatchObject({ Event: 'EventReleased', ConnID: c1 });
    expectKnownCalls(rig, colleague, []);
    expect(pair.listCalls()).toEqual([]);
  });

  it('completeTransfer while the colleague still rings: she rings on the held call’s ConnID and answers it', async () => {
    const { agent, colleague } = rig;
    const c1 = await answeredInbound(rig);
    const sinceB = colleague.mark();
    const c2 = (await agent.conn.initiateTransfer(AGENT, c1, COLLEAGUE)).ConnID;
    await colleague.waitFor('EventRinging', c2, sinceB);
    await agent.conn.completeTransfer(AGENT, c1, c2);
    const changed = await colleague.waitFor('EventPartyChanged', c1, sinceB);
    expect(changed).toMatchObject({ PreviousConnID: c2, ThirdPartyDN: AGENT });
    expectKnownCalls(rig, agent, []);
    expectKnownCalls(rig, colleague, [c1]);
    await expect(colleague.conn.answerCall(COLLEAGUE, c1)).resolves.toMatchObject({
      Event: 'EventEstablished',
      ConnID: c1,
      OtherDN: CALLER,
    });
    expectKnownCalls(rig, colleague, [c1]);
  });

  it('wrong uses: 61 not on the call, 62 invalid destination, 57 no such call, 58 complete with a call not held, 42 answer a call not ringing', async () => {
    const { agent, colleague } = rig;
    const c1 = await answeredInbound(rig);
    await expectErrorCode(colleague.conn.initiateTransfer(COLLEAGUE, c1, THIRD), 61);
    await expectErrorCode(agent.conn.initiateTransfer(AGENT, c1, '99x'), 62);
    await expectErrorCode(agent.conn.initiateTransfer(AGENT, c1, AGENT), 62);
    await expectErrorCode(agent.conn.initiateTransfer(AGENT, NO_SUCH_CALL, COLLEAGUE), 57);
    await expectErrorCode(agent.conn.answerCall(AGENT, c1), 42);
    const c2 = await consulted(rig, c1, 'transfer');
    await expectErrorCode(agent.conn.completeTransfer(AGENT, c2, c1), 58);
    await expectErrorCode(agent.conn.completeTransfer(AGENT, c1, NO_SUCH_CALL), 57);
    await expectErrorCode(colleague.conn.completeTransfer(COLLEAGUE, c1, c2), 61);
    // Nothing changed: the customer is held, the consultation goes on.
    expect(rig.pair.call(c1)?.parties.map((p) => p.state)).toEqual(['held']);
    expectKnownCalls(rig, agent, [c1, c2]);
    expectKnownCalls(rig, colleague, [c2]);
  });
});

describe('single-step transfer', () => {
  it('the agent leaves (EventReleased answers), the colleague rings on the same ConnID with ThirdPartyDN = the agent', async () => {
    const { agent, colleague } = rig;
    const c1 = await answeredInbound(rig);
    const sinceA = agent.mark();
    const sinceB = colleague.mark();
    const released = await agent.conn.singleStepTransfer(AGENT, c1, COLLEAGUE);
    expect(released).toMatchObject({ Event: 'EventReleased', ThisDN: AGENT, ConnID: c1 });
    expect(agent.story(sinceA, { [c1]: 'C1' })).toEqual(['EventReleased@C1']);
    const ringing = await colleague.waitFor('EventRinging', c1, sinceB);
    expect(ringing).toMatchObject({ ThisDN: COLLEAGUE, ConnID: c1, ThirdPartyDN: AGENT, OtherDN: CALLER });
    expectKnownCalls(rig, agent, []);
    expectKnownCalls(rig, colleague, [c1]);
    await expectErrorCode(agent.conn.singleStepTransfer(AGENT, c1, THIRD), 61);
    // A ringing call cannot be transferred yet (42); once answered, not to herself (62).
    await expectErrorCode(colleague.conn.singleStepTransfer(COLLEAGUE, c1, THIRD), 42);
    await colleague.conn.answerCall(COLLEAGUE, c1);
    await expectErrorCode(colleague.conn.singleStepTransfer(COLLEAGUE, c1, COLLEAGUE), 62);
    expect(colleague.story(sinceB, { [c1]: 'C1' })).toEqual(['EventRinging@C1', 'EventEstablished@C1']);
    expectKnownCalls(rig, colleague, [c1]);
  });
});

describe('conference', () => {
  it('initiate/complete: EventPartyAdded answers for the held ConnID; the colleague gets EventPartyChanged; deleteFromConference drops her', async () => {
    const { agent, colleague } = rig;
    const c1 = await answeredInbound(rig);
    const c2 = await consulted(rig, c1, 'conference');
    const labels = { [c1]: 'C1', [c2]: 'C2' };
    const sinceA = agent.mark();
    const sinceB = colleague.mark();
    const added = await agent.conn.completeConference(AGENT, c1, c2);
    expect(added).toMatchObject({ Event: 'EventPartyAdded', ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE, ThirdPartyDN: AGENT });
    expect(agent.story(sinceA, labels)).toEqual(['EventReleased@C2', 'EventRetrieved@C1', 'EventPartyAdded@C1']);
    const changed = await colleague.waitFor('EventPartyChanged', c1, sinceB);
    expect(changed).toMatchObject({ ThisDN: COLLEAGUE, ConnID: c1, PreviousConnID: c2, ThirdPartyDN: AGENT, ThisDNRole: 3 });
    // 1.2: the party that joined then learns who else is on the call (the outside caller).
    await colleague.waitFor('EventPartyAdded', c1, sinceB);
    expect(colleague.story(sinceB, labels)).toEqual(['EventPartyChanged@C1', 'EventPartyAdded@C1']);
    expectKnownCalls(rig, agent, [c1]);
    expectKnownCalls(rig, colleague, [c1]);

    await expectErrorCode(agent.conn.deleteFromConference(AGENT, c1, THIRD), 61);
    const sinceA2 = agent.mark();
    const sinceB2 = colleague.mark();
    const deleted = await agent.conn.deleteFromConference(AGENT, c1, COLLEAGUE);
    expect(deleted).toMatchObject({ Event: 'EventPartyDeleted', ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE });
    expect(agent.story(sinceA2, labels)).toEqual(['EventPartyDeleted@C1']);
    await colleague.waitFor('EventReleased', c1, sinceB2);
    expect(colleague.story(sinceB2, labels)).toEqual(['EventReleased@C1']);
    expectKnownCalls(rig, agent, [c1]);
    expectKnownCalls(rig, colleague, []);
  });

  it('a third party conferenced in: the member already there gets EventPartyAdded; dropping one sends EventPartyDeleted to the rest', async () => {
    const { agent, colleague, third } = rig;
    const c1 = await answeredInbound(rig);
    const c2 = await consulted(rig, c1, 'conference');
    await agent.conn.completeConference(AGENT, c1, c2);
    const c3 = await consulted(rig, c1, 'conference', third);
    const sinceB = colleague.mark();
    const sinceC = third.mark();
    await agent.conn.completeConference(AGENT, c1, c3);
    const toB = await colleague.waitFor('EventPartyAdded', c1, sinceB);
    expect(toB).toMatchObject({ ThisDN: COLLEAGUE, OtherDN: THIRD, ThirdPartyDN: AGENT });
    const toC = await third.waitFor('EventPartyChanged', c1, sinceC);
    expect(toC).toMatchObject({ ThisDN: THIRD, PreviousConnID: c3, ThirdPartyDN: AGENT });
    expect(rig.pair.call(c1)?.parties.map((p) => p.dn)).toEqual([AGENT, COLLEAGUE, THIRD]);
    for (const desk of [agent, colleague, third]) expectKnownCalls(rig, desk, [c1]);

    const sinceC2 = third.mark();
    await agent.conn.deleteFromConference(AGENT, c1, COLLEAGUE);
    await colleague.waitFor('EventReleased', c1, sinceB);
    expect(await third.waitFor('EventPartyDeleted', c1, sinceC2)).toMatchObject({ ThisDN: THIRD, OtherDN: COLLEAGUE });
    expectKnownCalls(rig, agent, [c1]);
    expectKnownCalls(rig, colleague, []);
    expectKnownCalls(rig, third, [c1]);
  });
});

describe('alternate and reconnect', () => {
  it('alternateCall: EventHeld for the active call first, EventRetrieved for the held one answers; the colleague sees nothing', async () => {
    const { agent, colleague } = rig;
    const c1 = await answeredInbound(rig);
    const c2 = await consulted(rig, c1, 'transfer');
    const labels = { [c1]: 'C1', [c2]: 'C2' };
    const sinceA = agent.mark();
    const sinceB = colleague.mark();
    const retrieved = await agent.conn.alternateCall(AGENT, c1, c2);
    expect(retrieved).toMatchObject({ Event: 'EventRetrieved', ThisDN: AGENT, ConnID: c1 });
    expect(agent.story(sinceA, labels)).toEqual(['EventHeld@C2', 'EventRetrieved@C1']);
    await expectErrorCode(agent.conn.alternateCall(AGENT, c1, c2), 58);
    await expectErrorCode(agent.conn.holdCall(AGENT, c2), 59);
    await expect(agent.conn.alternateCall(AGENT, c2, c1)).resolves.toMatchObject({ Event: 'EventRetrieved', ConnID: c2 });
    expect(colleague.story(sinceB, labels)).toEqual([]);
    expectKnownCalls(rig, agent, [c1, c2]);
    expectKnownCalls(rig, colleague, [c2]);
  });

  it('reconnectCall: the consultation is released (both ends), EventRetrieved for the held call answers', async () => {
    const { agent, colleague } = rig;
    const c1 = await answeredInbound(rig);
    const c2 = await consulted(rig, c1, 'transfer');
    const labels = { [c1]: 'C1', [c2]: 'C2' };
    const sinceA = agent.mark();
    const sinceB = colleague.mark();
    const retrieved = await agent.conn.reconnectCall(AGENT, c1, c2);
    expect(retrieved).toMatchObject({ Event: 'EventRetrieved', ThisDN: AGENT, ConnID: c1 });
    expect(agent.story(sinceA, labels)).toEqual(['EventReleased@C2', 'EventRetrieved@C1']);
    await colleague.waitFor('EventReleased', c2, sinceB);
    expect(colleague.story(sinceB, labels)).toEqual(['EventReleased@C2']);
    await expectErrorCode(agent.conn.reconnectCall(AGENT, c1, c2), 58);
    expectKnownCalls(rig, agent, [c1]);
    expectKnownCalls(rig, colleague, []);
  });
});
