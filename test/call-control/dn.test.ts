/**
 * Desktop flows about a DN over real sockets (HotStandbyPair + one TServerConnection per desk):
 * DND (a call to a DND phone is refused: EventDestinationBusy to the caller), unconditional
 * forwarding, after-call work (agentNotReady with AgentWorkMode 3). Each checks what every party
 * sees, the desks' known calls against the switch, and the EventError code of each wrong use.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentWorkMode, ForwardMode } from '../../src/index.js';
import {
  AGENT,
  CALLER,
  COLLEAGUE,
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

describe('do not disturb', () => {
  it('a call to a DND phone is refused: EventDestinationBusy to the caller, nothing at the phone; setDNDOff lets calls ring again', async () => {
    const { agent, colleague, pair } = rig;
    await expect(colleague.conn.setDNDOn(COLLEAGUE)).resolves.toMatchObject({ Event: 'EventDNDOn', ThisDN: COLLEAGUE });
    // Idempotent: on twice is on.
    await expect(colleague.conn.setDNDOn(COLLEAGUE)).resolves.toMatchObject({ Event: 'EventDNDOn', ThisDN: COLLEAGUE });
    expect(pair.shared.dnd.has(COLLEAGUE)).toBe(true);
    expect(colleague.conn.dns.get(COLLEAGUE)?.dnd).toBe(true);
    const sinceA = agent.mark();
    const sinceB = colleague.mark();
    const dialing = await agent.conn.makeCall(AGENT, COLLEAGUE);
    const c = dialing.ConnID;
    const busy = await agent.waitFor('EventDestinationBusy', c, sinceA);
    expect(busy).toMatchObject({ ThisDN: AGENT, ConnID: c, OtherDN: COLLEAGUE });
    expect(agent.story(sinceA, { [c]: 'C' })).toEqual(['EventDialing@C', 'EventDestinationBusy@C']);
    expectKnownCalls(rig, agent, [c]);
    expectKnownCalls(rig, colleague, []);
    // The caller hears busy and hangs up.
    await agent.conn.releaseCall(AGENT, c);
    expectKnownCalls(rig, agent, []);
    // A consultation to the DND phone is refused the same way; an outside call cannot be placed there.
    const c1 = await answeredInbound(rig);
    const sinceA2 = agent.mark();
    const consult = await agent.conn.initiateTransfer(AGENT, c1, COLLEAGUE);
    await agent.waitFor('EventDestinationBusy', consult.ConnID, sinceA2);
    expect(() => pair.placeCall(COLLEAGUE)).toThrow(/do-not-disturb/);
    expect(colleague.story(sinceB, {})).toEqual([]);
    await agent.conn.reconnectCall(AGENT, c1, consult.ConnID);
    expectKnownCalls(rig, agent, [c1]);

    await expect(colleague.conn.setDNDOff(COLLEAGUE)).resolves.toMatchObject({ Event: 'EventDNDOff', ThisDN: COLLEAGUE });
    expect(colleague.conn.dns.get(COLLEAGUE)?.dnd).toBe(false);
    const ringing = pair.placeCall(COLLEAGUE, { from: CALLER });
    await colleague.waitFor('EventRinging', ringing, sinceB);
    expect(colleague.story(sinceB, { [ringing]: 'R' })).toEqual(['EventDNDOff', 'EventRinging@R']);
    expectKnownCalls(rig, colleague, [ringing]);
  });
});

describe('call forwarding', () => {
  it('unconditional: a call to the colleague rings at the third DN (ThirdPartyDN = the colleague); cancel restores it; 62 for a bad destination', async () => {
    const { agent, colleague, third, pair } = rig;
    await expectErrorCode(colleague.conn.setCallForward(COLLEAGUE, COLLEAGUE), 62);
    await expectErrorCode(colleague.conn.setCallForward(COLLEAGUE, '99x'), 62);
    const set = await colleague.conn.setCallForward(COLLEAGUE, THIRD, { forwardMode: ForwardMode.Unconditional });
    expect(set).toMatchObject({ Event: 'EventForwardSet', ThisDN: COLLEAGUE, OtherDN: THIRD, ForwardMode: 1 });
    expect(colleague.conn.dns.get(COLLEAGUE)?.forward).toEqual({ to: THIRD, mode: 1 });
    const sinceA = agent.mark();
    const sinceB = colleague.mark();
    const sinceC = third.mark();
    const c = (await agent.conn.makeCall(AGENT, COLLEAGUE)).ConnID;
    const ringing = await third.waitFor('EventRinging', c, sinceC);
    expect(ringing).toMatchObject({ ThisDN: THIRD, ConnID: c, OtherDN: AGENT, ThirdPartyDN: COLLEAGUE });
    await third.conn.answerCall(THIRD, c);
    expect(await agent.waitFor('EventEstablished', c, sinceA)).toMatchObject({ ThisDN: AGENT, OtherDN: THIRD });
    expect(colleague.seen(sinceB)).toEqual([]);
    expectKnownCalls(rig, agent, [c]);
    expectKnownCalls(rig, colleague, []);
    expectKnownCalls(rig, third, [c]);

    const cancel = await colleague.conn.cancelCallForward(COLLEAGUE);
    expect(cancel).toMatchObject({ Event: 'EventForwardCancel', ThisDN: COLLEAGUE });
    expect(pair.shared.forwarding.has(COLLEAGUE)).toBe(false);
    expect(colleague.conn.dns.get(COLLEAGUE)?.forward).toBeUndefined();
    const direct = pair.placeCall(COLLEAGUE, { from: CALLER });
    expect(await colleague.waitFor('EventRinging', direct, sinceB)).toMatchObject({ ThisDN: COLLEAGUE, OtherDN: CALLER });
    expectKnownCalls(rig, colleague, [direct]);
    expectKnownCalls(rig, third, [c]);
  });
});

describe('after-call work', () => {
  it('agentNotReady with AgentWorkMode 3 → EventAgentNotReady with AgentWorkMode 3 (EventAgentAfterCallWork first); agentReady ends it', async () => {
    const { agent, colleague, pair } = rig;
    await agent.conn.agentLogin(AGENT, 'agent-1', { workMode: AgentWorkMode.ManualIn });
    await agent.conn.agentReady(AGENT);
    const c1 = await answeredInbound(rig);
    await agent.conn.releaseCall(AGENT, c1);
    expectKnownCalls(rig, agent, []);
    const since = agent.mark();
    const acw = await agent.conn.agentNotReady(AGENT, { workMode: AgentWorkMode.AfterCallWork, reasons: { Why: 'wrap-up' } });
    expect(acw).toMatchObject({
      Event: 'EventAgentNotReady',
      ThisDN: AGENT,
      AgentID: 'agent-1',
      AgentWorkMode: 3,
      Reasons: [['Why', 'wrap-up']],
    });
    expect(agent.story(since, {})).toEqual(['EventAgentAfterCallWork', 'EventAgentNotReady']);
    expect(pair.listAgents()).toEqual([expect.objectContaining({ dn: AGENT, status: 'afterCallWork', workMode: 3 })]);
    expect(agent.conn.dns.get(AGENT)?.agent).toMatchObject({ id: 'agent-1', status: 'afterCallWork', workMode: 3 });
    const ready = await agent.conn.agentReady(AGENT);
    expect(ready).toMatchObject({ Event: 'EventAgentReady', ThisDN: AGENT, AgentID: 'agent-1' });
    expect(pair.listAgents()).toEqual([expect.objectContaining({ dn: AGENT, status: 'ready' })]);
    expect(agent.conn.dns.get(AGENT)?.agent).toMatchObject({ id: 'agent-1', status: 'ready' });
    // Wrong uses: no agent on the colleague's DN (42); the agent logged in twice (56).
    await expectErrorCode(colleague.conn.agentNotReady(COLLEAGUE, { workMode: AgentWorkMode.AfterCallWork }), 42);
    await expectErrorCode(agent.conn.agentLogin(AGENT, 'agent-1'), 56);
    expect(colleague.seen()).toEqual([]);
  });
});
