/**
 * Wire spec 1.2 "Every party hears about every change", row by row, over real loopback sockets:
 * three registered DNs (agent 1001 makes the change, colleague 1002 joins or is dropped, third 1003
 * is the other party of the call), each party's events checked — names, order, OtherDN,
 * ThirdPartyDN, roles, CallState — on three connections and on one connection holding all three.
 * The call starts as an internal call from the third party to the agent, so every party is a DN.
 */
import { describe, expect, it } from 'vitest';
import {
  AGENT,
  COLLEAGUE,
  THIRD,
  type CallRig,
  type Desk,
  CONNECTIONS,
  conference,
  consultColleague,
  expectStory,
  killPrimaryAndResync,
  thirdCallsAgent,
  useRig,
} from './rig.js';

function marks(rig: CallRig): [number, number, number] {
  return [rig.agent.mark(), rig.colleague.mark(), rig.third.mark()];
}

/** "A call left with two parties is ordinary again": user data reaches both, each naming the other as OtherDN. */
async function expectOrdinary(c1: string, a: Desk, b: Desk): Promise<void> {
  const [sa, sb] = [a.mark(), b.mark()];
  await a.conn.updateUserData(a.dn, c1, { after: 'change' });
  await expectStory(a, sa, { [c1]: 'C1' }, [['EventAttachedDataChanged', 'C1', { OtherDN: b.dn, CallState: 0 }]]);
  await expectStory(b, sb, { [c1]: 'C1' }, [['EventAttachedDataChanged', 'C1', { OtherDN: a.dn, CallState: 0 }]]);
}

describe.each(CONNECTIONS)('party events, %s', (_, oneConnection) => {
  let rig: CallRig;
  useRig(oneConnection, (r) => (rig = r));

  it.each([
    ['CompleteTransfer', 'complete'],
    ['MergeCalls (MergeType 0)', 'merge'],
  ])(
    '%s: the transferrer is released twice; the colleague and the third party each get EventPartyChanged naming the other',
    async (_, via) => {
      const { agent, colleague, third } = rig;
      const c1 = await thirdCallsAgent(rig);
      const c2 = await consultColleague(rig, c1, 'transfer');
      const labels = { [c1]: 'C1', [c2]: 'C2' };
      const [sa, sc, st] = marks(rig);
      const answer =
        via === 'complete'
          ? await agent.conn.completeTransfer(AGENT, c1, c2)
          : await agent.conn.request('RequestMergeCalls', { ThisDN: AGENT, ConnID: c1, TransferConnID: c2, MergeType: 0 });
      expect(answer).toMatchObject({ Event: 'EventReleased', ThisDN: AGENT, ConnID: c1 });
      await expectStory(agent, sa, labels, [
        ['EventReleased', 'C2', { OtherDN: COLLEAGUE, CallState: 0 }],
        ['EventReleased', 'C1', { ThirdPartyDN: COLLEAGUE, CallState: 0 }],
      ]);
      const changed = { PreviousConnID: c2, ThirdPartyDN: AGENT, ThirdPartyDNRole: 7, CallState: 1 };
      await expectStory(colleague, sc, labels, [['EventPartyChanged', 'C1', { ...changed, OtherDN: THIRD }]]);
      await expectStory(third, st, labels, [['EventPartyChanged', 'C1', { ...changed, OtherDN: COLLEAGUE }]]);
      await expectOrdinary(c1, colleague, third);
    },
  );

  it('SingleStepTransfer: the transferrer is released (CallState 1), the colleague rings, the third party gets EventPartyChanged', async () => {
    const { agent, colleague, third } = rig;
    const c1 = await thirdCallsAgent(rig);
    const labels = { [c1]: 'C1' };
    const [sa, sc, st] = marks(rig);
    await agent.conn.singleStepTransfer(AGENT, c1, COLLEAGUE);
    await expectStory(agent, sa, labels, [['EventReleased', 'C1', { OtherDN: COLLEAGUE, CallState: 1 }]]);
    const by = { ThirdPartyDN: AGENT, ThirdPartyDNRole: 7, CallState: 1 };
    await expectStory(colleague, sc, labels, [['EventRinging', 'C1', { ...by, OtherDN: THIRD }]]);
    await expectStory(third, st, labels, [['EventPartyChanged', 'C1', { ...by, PreviousConnID: c1, OtherDN: COLLEAGUE }]]);
    const sc2 = colleague.mark();
    await colleague.conn.answerCall(COLLEAGUE, c1);
    await expectStory(colleague, sc2, labels, [['EventEstablished', 'C1', { OtherDN: THIRD, CallState: 0 }]]);
    await expectOrdinary(c1, colleague, third);
  });

  it.each([
    ['CompleteConference', 'complete'],
    ['MergeCalls (MergeType 1)', 'merge'],
  ])('%s: the colleague learns the third party; the third party learns the colleague', async (_, via) => {
    const { agent, colleague, third } = rig;
    const c1 = await thirdCallsAgent(rig);
    const c2 = await consultColleague(rig, c1, 'conference');
    const labels = { [c1]: 'C1', [c2]: 'C2' };
    const [sa, sc, st] = marks(rig);
    const answer =
      via === 'complete'
        ? await agent.conn.completeConference(AGENT, c1, c2)
        : await agent.conn.request('RequestMergeCalls', { ThisDN: AGENT, ConnID: c1, TransferConnID: c2, MergeType: 1 });
    expect(answer).toMatchObject({ Event: 'EventPartyAdded', ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE });
    await expectStory(agent, sa, labels, [
      ['EventReleased', 'C2', { OtherDN: COLLEAGUE, CallState: 2 }],
      ['EventRetrieved', 'C1', { CallState: 2 }],
      ['EventPartyAdded', 'C1', { OtherDN: COLLEAGUE, ThirdPartyDN: AGENT, ThirdPartyDNRole: 5, CallState: 2 }],
    ]);
    await expectStory(colleague, sc, labels, [
      ['EventPartyChanged', 'C1', { PreviousConnID: c2, OtherDN: AGENT, ThirdPartyDN: AGENT, ThirdPartyDNRole: 9, CallState: 2 }],
      ['EventPartyAdded', 'C1', { OtherDN: THIRD, OtherDNRole: 3, CallState: 2 }],
    ]);
    await expectStory(third, st, labels, [
      ['EventPartyAdded', 'C1', { OtherDN: COLLEAGUE, OtherDNRole: 3, ThirdPartyDN: AGENT, ThirdPartyDNRole: 5, CallState: 2 }],
    ]);
  });

  it('MuteTransfer: the transferrer holds, dials, is released twice (CallState 1); the colleague rings, then learns the third party; the third party learns the colleague', async () => {
    const { agent, colleague, third } = rig;
    const c1 = await thirdCallsAgent(rig);
    const [sa, sc, st] = marks(rig);
    const answer = await agent.conn.request('RequestMuteTransfer', { ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE });
    expect(answer).toMatchObject({ Event: 'EventReleased', ThisDN: AGENT, ConnID: c1, CallState: 1 });
    const c2 = agent.seen(sa).find((e) => e.Event === 'EventDialing')?.ConnID as string;
    expect(c2).toMatch(/^[0-9a-f]{16}$/);
    const labels = { [c1]: 'C1', [c2]: 'C2' };
    await expectStory(agent, sa, labels, [
      ['EventHeld', 'C1', { OtherDN: THIRD, CallState: 0 }],
      ['EventDialing', 'C2', { OtherDN: COLLEAGUE, CallType: 4 }],
      ['EventReleased', 'C2', { OtherDN: COLLEAGUE, CallState: 1 }],
      ['EventReleased', 'C1', { ThirdPartyDN: COLLEAGUE, CallState: 1 }],
    ]);
    const changed = { PreviousConnID: c2, ThirdPartyDN: AGENT, ThirdPartyDNRole: 7, CallState: 1 };
    await expectStory(colleague, sc, labels, [
      ['EventRinging', 'C2', { OtherDN: AGENT, CallType: 4 }],
      ['EventPartyChanged', 'C1', { ...changed, OtherDN: THIRD }],
    ]);
    await expectStory(third, st, labels, [['EventPartyChanged', 'C1', { ...changed, OtherDN: COLLEAGUE }]]);
    const sc2 = colleague.mark();
    await colleague.conn.answerCall(COLLEAGUE, c1);
    await expectStory(colleague, sc2, labels, [['EventEstablished', 'C1', { OtherDN: THIRD }]]);
    await expectOrdinary(c1, colleague, third);
  });

  it('SingleStepConference: the agent’s EventPartyAdded answers; the colleague rings, and on answering learns both members; the third party learns the colleague', async () => {
    const { agent, colleague, third } = rig;
    const c1 = await thirdCallsAgent(rig);
    const labels = { [c1]: 'C1' };
    const [sa, sc, st] = marks(rig);
    const answer = await agent.conn.request('RequestSingleStepConference', { ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE });
    expect(answer).toMatchObject({ Event: 'EventPartyAdded', ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE, CallState: 2 });
    const added = { OtherDN: COLLEAGUE, OtherDNRole: 3, ThirdPartyDN: AGENT, ThirdPartyDNRole: 5, CallState: 2 };
    await expectStory(agent, sa, labels, [['EventPartyAdded', 'C1', added]]);
    await expectStory(third, st, labels, [['EventPartyAdded', 'C1', added]]);
    await expectStory(colleague, sc, labels, [['EventRinging', 'C1', { ThirdPartyDN: AGENT, ThirdPartyDNRole: 5, CallState: 2 }]]);
    const sc2 = colleague.mark();
    await colleague.conn.answerCall(COLLEAGUE, c1);
    await expectStory(colleague, sc2, labels, [
      ['EventEstablished', 'C1', { OtherDN: undefined }],
      ['EventPartyAdded', 'C1', { OtherDN: THIRD, OtherDNRole: 3, CallState: 2 }],
      ['EventPartyAdded', 'C1', { OtherDN: AGENT, OtherDNRole: 3, CallState: 2 }],
    ]);
  });

  it('DeleteFromConference: the dropped colleague is released (CallState 26); the agent and the third party get EventPartyDeleted', async () => {
    const { agent, colleague, third } = rig;
    const c1 = await conference(rig);
    const labels = { [c1]: 'C1' };
    const [sa, sc, st] = marks(rig);
    const answer = await agent.conn.deleteFromConference(AGENT, c1, COLLEAGUE);
    expect(answer).toMatchObject({ Event: 'EventPartyDeleted', ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE });
    const deleted = { OtherDN: COLLEAGUE, ThirdPartyDN: AGENT, ThirdPartyDNRole: 6 };
    await expectStory(colleague, sc, labels, [['EventReleased', 'C1', { ThirdPartyDN: AGENT, ThirdPartyDNRole: 6, CallState: 26 }]]);
    await expectStory(agent, sa, labels, [['EventPartyDeleted', 'C1', deleted]]);
    await expectStory(third, st, labels, [['EventPartyDeleted', 'C1', deleted]]);
    await expectOrdinary(c1, agent, third);
  });

  it('a member of a conference of three releases: the other two get EventPartyDeleted (ThirdPartyDNRole 8), then talk as an ordinary call', async () => {
    const { agent, colleague, third } = rig;
    const c1 = await conference(rig);
    const labels = { [c1]: 'C1' };
    const [sa, sc, st] = marks(rig);
    await colleague.conn.releaseCall(COLLEAGUE, c1);
    await expectStory(colleague, sc, labels, [['EventReleased', 'C1', { CallState: 0 }]]);
    const left = { OtherDN: COLLEAGUE, ThirdPartyDN: COLLEAGUE, ThirdPartyDNRole: 8 };
    await expectStory(agent, sa, labels, [['EventPartyDeleted', 'C1', left]]);
    await expectStory(third, st, labels, [['EventPartyDeleted', 'C1', left]]);
    await expectOrdinary(c1, agent, third);
  });
});

describe.each(CONNECTIONS)('party events across a kill of the primary, %s', (_, oneConnection) => {
  let rig: CallRig;
  useRig(oneConnection, (r) => (rig = r));

  it('a transfer completed on the new primary after a kill mid-consultation: the same events for every party', async () => {
    const { agent, colleague, third } = rig;
    const c1 = await thirdCallsAgent(rig);
    const c2 = await consultColleague(rig, c1, 'transfer');
    await killPrimaryAndResync(rig);
    const labels = { [c1]: 'C1', [c2]: 'C2' };
    const [sa, sc, st] = marks(rig);
    await agent.conn.completeTransfer(AGENT, c1, c2);
    await expectStory(agent, sa, labels, [
      ['EventReleased', 'C2', { OtherDN: COLLEAGUE }],
      ['EventReleased', 'C1', { ThirdPartyDN: COLLEAGUE }],
    ]);
    const changed = { PreviousConnID: c2, ThirdPartyDN: AGENT, ThirdPartyDNRole: 7, CallState: 1 };
    await expectStory(colleague, sc, labels, [['EventPartyChanged', 'C1', { ...changed, OtherDN: THIRD }]]);
    await expectStory(third, st, labels, [['EventPartyChanged', 'C1', { ...changed, OtherDN: COLLEAGUE }]]);
  });

  it('a party added by SingleStepConference that answers after a kill learns both members from the new primary', async () => {
    const { agent, colleague } = rig;
    const c1 = await thirdCallsAgent(rig);
    await agent.conn.request('RequestSingleStepConference', { ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE });
    await colleague.waitFor('EventRinging', c1);
    await killPrimaryAndResync(rig);
    const sc = colleague.mark();
    await colleague.conn.answerCall(COLLEAGUE, c1);
    await expectStory(colleague, sc, { [c1]: 'C1' }, [
      ['EventEstablished', 'C1', {}],
      ['EventPartyAdded', 'C1', { OtherDN: THIRD, CallState: 2 }],
      ['EventPartyAdded', 'C1', { OtherDN: AGENT, CallState: 2 }],
    ]);
  });
});
