/**
 * Desktop flows across a kill of the primary (HotStandbyPair + one TServerConnection per desk):
 * a consultation interrupted midway is completed on the new primary, and the resync after
 * EventPrimaryChanged queries exactly the calls that exist (the held call and the consultation,
 * never a stale ConnID); idempotent requests in flight at the kill are re-sent and resolve on the
 * new primary, the others reject with RequestInterruptedError and were never executed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RequestInterruptedError, type ResyncSummary } from '../../src/index.js';
import type { TServerSimulator } from '../../src/simulator/index.js';
import { nextResync, until } from '../ha/helpers.js';
import {
  AGENT,
  CALLER,
  COLLEAGUE,
  THIRD,
  answeredInbound,
  consulted,
  expectErrorCode,
  expectKnownCalls,
  startCallRig,
  stopCallRig,
  type CallRig,
  type Desk,
} from './rig.js';

let rig: CallRig;
beforeEach(async () => {
  rig = await startCallRig();
});
afterEach(() => stopCallRig(rig));

interface SeenRequest {
  clientId: number;
  name: string;
  attributes: Record<string, unknown>;
}

/** Records every request `server` decodes from now on. */
function recordRequests(server: TServerSimulator): SeenRequest[] {
  const seen: SeenRequest[] = [];
  server.on('request', (r) => seen.push({ clientId: r.clientId, name: r.name, attributes: r.attributes }));
  return seen;
}

/**
 * RequestQueryCall count per ConnID sent by `desk`'s session (known by the RequestQueryAddress of
 * its DN that the same resync sent).
 */
function callQueriesBy(requests: SeenRequest[], desk: Desk): Record<string, number> {
  const client = requests.find((r) => r.name === 'RequestQueryAddress' && r.attributes.ThisDN === desk.dn)?.clientId;
  expect(client, `${desk.name}'s resync queried its DN`).toBeDefined();
  const counts: Record<string, number> = {};
  for (const r of requests) {
    if (r.clientId !== client || r.name !== 'RequestQueryCall') continue;
    const id = r.attributes.ConnID as string;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

/** Kills the primary; resolves with each desk's resync summary (all on the new primary). */
async function killAndResync(): Promise<ResyncSummary[]> {
  const resynced = rig.desks.map((d) => nextResync(d.conn, 4_000));
  await rig.pair.killPrimary();
  const summaries = await Promise.all(resynced);
  for (const s of summaries) expect(s.server).toBe(rig.pair.primary.url);
  return summaries;
}

describe('a kill of the primary in the middle of a consultation', () => {
  it('the resync queries the held call and the consultation call, nothing else; completeTransfer then completes on the new primary', async () => {
    const { agent, colleague, third, pair } = rig;
    const c1 = await answeredInbound(rig);
    const c2 = await consulted(rig, c1, 'transfer');
    const newPrimary = pair.backup;
    const requests = recordRequests(newPrimary);

    const [toAgent, toColleague, toThird] = await killAndResync();
    expect(newPrimary.role).toBe('primary');
    expect(callQueriesBy(requests, agent)).toEqual({ [c1]: 1, [c2]: 1 });
    expect(callQueriesBy(requests, colleague)).toEqual({ [c2]: 1 });
    expect(callQueriesBy(requests, third)).toEqual({});
    expect([toAgent.calls, toColleague.calls, toThird.calls]).toEqual([2, 1, 0]);
    for (const s of [toAgent, toColleague, toThird]) expect(s.errors).toEqual([]);
    expectKnownCalls(rig, agent, [c1, c2]);
    expectKnownCalls(rig, colleague, [c2]);

    // After the failover succeeded: the transfer completes on the new primary.
    const sinceA = agent.mark();
    const sinceB = colleague.mark();
    const released = await agent.conn.completeTransfer(AGENT, c1, c2);
    expect(released).toMatchObject({ Event: 'EventReleased', ThisDN: AGENT, ConnID: c1, Server: newPrimary.url });
    expect(agent.story(sinceA, { [c1]: 'C1', [c2]: 'C2' })).toEqual(['EventReleased@C2', 'EventReleased@C1']);
    const changed = await colleague.waitFor('EventPartyChanged', c1, sinceB);
    expect(changed).toMatchObject({ ConnID: c1, PreviousConnID: c2, ThirdPartyDN: AGENT, OtherDN: CALLER, Server: newPrimary.url });
    expect(newPrimary.requestCounts().RequestCompleteTransfer).toBe(1);
    expect(pair.listCalls().map((c) => [c.connId, c.parties.map((p) => [p.dn, p.state])])).toEqual([[c1, [[COLLEAGUE, 'established']]]]);
    expectKnownCalls(rig, agent, []);
    expectKnownCalls(rig, colleague, [c1]);
  });

  it('after an earlier completed transfer, the resync queries the renamed call, never the consultation ConnID that is gone', async () => {
    const { agent, colleague, third, pair } = rig;
    // First customer: transferred to the colleague, who stays on it under its first ConnID.
    const x = await answeredInbound(rig);
    const y = await consulted(rig, x, 'transfer');
    const sinceB = colleague.mark();
    await agent.conn.completeTransfer(AGENT, x, y);
    await colleague.waitFor('EventPartyChanged', x, sinceB);
    // Second customer: the agent consults the third DN when the primary dies.
    const c1 = await answeredInbound(rig);
    const c2 = await consulted(rig, c1, 'transfer', third);
    const requests = recordRequests(pair.backup);

    await killAndResync();
    expect(callQueriesBy(requests, agent)).toEqual({ [c1]: 1, [c2]: 1 });
    expect(callQueriesBy(requests, colleague)).toEqual({ [x]: 1 });
    expect(callQueriesBy(requests, third)).toEqual({ [c2]: 1 });
    expectKnownCalls(rig, agent, [c1, c2]);
    expectKnownCalls(rig, colleague, [x]);
    expectKnownCalls(rig, third, [c2]);
  });

  it('completeTransfer in flight at the kill is interrupted (outcome unknown); the resync shows both calls still there, and sent again it completes', async () => {
    const { agent, colleague, pair } = rig;
    const c1 = await answeredInbound(rig);
    const c2 = await consulted(rig, c1, 'transfer');
    pair.freeze(pair.primary); // the request is read and lost: it stays in flight
    const complete = agent.conn.completeTransfer(AGENT, c1, c2).then(
      () => undefined,
      (err: unknown) => err,
    );
    await until(() => agent.conn.state.inFlight >= 1, 'completeTransfer in flight');
    await killAndResync();
    const err = await complete;
    expect(err).toBeInstanceOf(RequestInterruptedError);
    expect((err as RequestInterruptedError).request.name).toBe('RequestCompleteTransfer');
    // What the desktop does with an unknown outcome: look at what the resync found, then act.
    expect(pair.call(c1)?.parties.map((p) => [p.dn, p.state])).toEqual([[AGENT, 'held']]);
    expectKnownCalls(rig, agent, [c1, c2]);
    const sinceB = colleague.mark();
    await expect(agent.conn.completeTransfer(AGENT, c1, c2)).resolves.toMatchObject({ Event: 'EventReleased', ConnID: c1 });
    await colleague.waitFor('EventPartyChanged', c1, sinceB);
    expectKnownCalls(rig, agent, []);
    expectKnownCalls(rig, colleague, [c1]);
  });
});

describe('more flows across a kill of the primary', () => {
  it('conference: killed between initiateConference and completeConference, the new primary completes it', async () => {
    const { agent, colleague, pair } = rig;
    const c1 = await answeredInbound(rig);
    const c2 = await consulted(rig, c1, 'conference');
    const requests = recordRequests(pair.backup);
    await killAndResync();
    expect(callQueriesBy(requests, agent)).toEqual({ [c1]: 1, [c2]: 1 });
    expect(callQueriesBy(requests, colleague)).toEqual({ [c2]: 1 });
    const sinceB = colleague.mark();
    const added = await agent.conn.completeConference(AGENT, c1, c2);
    expect(added).toMatchObject({ Event: 'EventPartyAdded', ThisDN: AGENT, ConnID: c1, OtherDN: COLLEAGUE, Server: pair.primary.url });
    expect(await colleague.waitFor('EventPartyChanged', c1, sinceB)).toMatchObject({ PreviousConnID: c2, ThirdPartyDN: AGENT });
    expectKnownCalls(rig, agent, [c1]);
    expectKnownCalls(rig, colleague, [c1]);
  });

  it('the colleague hangs up the consultation while no server is primary: the resync finds it gone (57), the agent retrieves the customer', async () => {
    const { agent, colleague, pair } = rig;
    const c1 = await answeredInbound(rig);
    const c2 = await consulted(rig, c1, 'transfer');
    const resynced = rig.desks.map((d) => nextResync(d.conn, 4_000));
    await pair.killPrimary({ promoteAfterMs: 150 });
    pair.releaseCall(c2, COLLEAGUE); // no primary: the EventReleased events are lost
    const [toAgent, toColleague] = await Promise.all(resynced);
    expect(toAgent.errors.map((e) => [e.request, e.target, (e.error as { errorCode?: number }).errorCode])).toEqual([
      ['RequestQueryCall', c2, 57],
    ]);
    expect(toColleague.errors.map((e) => [e.request, e.target])).toEqual([['RequestQueryCall', c2]]);
    expectKnownCalls(rig, agent, [c1]);
    expectKnownCalls(rig, colleague, []);
    // The desktop learns it the hard way too: the transfer cannot complete; it takes the customer back.
    await expectErrorCode(agent.conn.completeTransfer(AGENT, c1, c2), 57);
    await expect(agent.conn.retrieveCall(AGENT, c1)).resolves.toMatchObject({ Event: 'EventRetrieved', ConnID: c1 });
    expect(pair.call(c1)?.parties.map((p) => [p.dn, p.state])).toEqual([[AGENT, 'established']]);
  });
});

describe('requests in flight when the primary dies', () => {
  it('idempotent ones (setDNDOn, setCallForward, updateUserData, deleteUserDataPair, setMuteOn) are re-sent and resolve on the new primary; the others reject with RequestInterruptedError and never ran', async () => {
    const { agent, colleague, pair } = rig;
    const c1 = await answeredInbound(rig, [['Old', 1]]);
    const oldPrimary = pair.primary;
    const newPrimary = pair.backup;
    const before = newPrimary.requestCounts();
    pair.freeze(oldPrimary);
    const idempotent = {
      RequestSetDNDOn: agent.conn.setDNDOn(AGENT),
      RequestCallForwardSet: agent.conn.setCallForward(AGENT, THIRD),
      RequestUpdateUserData: agent.conn.updateUserData(AGENT, c1, { Case: 'A-9' }),
      RequestDeletePair: agent.conn.deleteUserDataPair(AGENT, c1, 'Old'),
      RequestSetMuteOn: agent.conn.setMuteOn(AGENT, c1),
    };
    const settle = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (err: unknown) => err,
      );
    const others = {
      RequestHoldCall: settle(agent.conn.holdCall(AGENT, c1)),
      RequestMakeCall: settle(agent.conn.makeCall(AGENT, COLLEAGUE)),
      RequestSendDTMF: settle(agent.conn.sendDTMF(AGENT, c1, '5')),
      RequestInitiateTransfer: settle(agent.conn.initiateTransfer(AGENT, c1, COLLEAGUE)),
    };
    await until(() => agent.conn.state.inFlight >= 9, 'nine requests in flight on the frozen primary');
    await pair.killPrimary();

    const answers = await Promise.all(Object.values(idempotent));
    expect(answers.map((a) => [a.Event, a.Server])).toEqual([
      ['EventDNDOn', newPrimary.url],
      ['EventForwardSet', newPrimary.url],
      ['EventAttachedDataChanged', newPrimary.url],
      ['EventAttachedDataChanged', newPrimary.url],
      ['EventMuteOn', newPrimary.url],
    ]);
    for (const [name, outcome] of Object.entries(others)) {
      const err = await outcome;
      expect(err, name).toBeInstanceOf(RequestInterruptedError);
      expect((err as RequestInterruptedError).request.name).toBe(name);
      expect((err as RequestInterruptedError).code).toBe('ERR_REQUEST_INTERRUPTED');
    }
    // Each idempotent request ran once on the new primary; none of the others ran anywhere.
    const after = newPrimary.requestCounts();
    for (const name of Object.keys(idempotent)) expect((after[name] ?? 0) - (before[name] ?? 0), name).toBe(1);
    for (const name of Object.keys(others)) expect(after[name] ?? 0, name).toBe(before[name] ?? 0);
    expect(oldPrimary.requestCounts().RequestHoldCall).toBeUndefined();
    // The switch shows exactly that.
    expect(pair.shared.dnd.has(AGENT)).toBe(true);
    expect(pair.shared.forwarding.get(AGENT)?.to).toBe(THIRD);
    const call = pair.call(c1)!;
    expect(call.userData).toEqual([['Case', 'A-9']]);
    expect(call.parties.map((p) => [p.dn, p.state, p.muted])).toEqual([[AGENT, 'established', true]]);
    expect(colleague.seen()).toEqual([]);
    expectKnownCalls(rig, agent, [c1]);
    expectKnownCalls(rig, colleague, []);
  });
});

describe('every helper of the 1.1 table in flight at the kill', () => {
  /** The spec's idempotence paragraph ("safe to re-send after a failover"), written from the spec, not the catalogue. */
  const SPEC_IDEMPOTENT = new Set([
    'RequestSetDNDOn',
    'RequestSetDNDOff',
    'RequestCallForwardSet',
    'RequestCallForwardCancel',
    'RequestUpdateUserData',
    'RequestDeletePair',
    'RequestDeleteUserData',
    'RequestSetMuteOn',
    'RequestSetMuteOff',
    'RequestQuerySwitch',
    'RequestQueryCall',
    'RequestQueryAddress',
  ]);

  it('idempotent ones are re-sent once and settle from the new primary; every other one rejects with RequestInterruptedError and is never re-sent', async () => {
    const { agent, pair } = rig;
    const c1 = await answeredInbound(rig, [['Old', 1]]);
    const c = '00000000000000c2'; // any well-formed ConnID: the frozen primary never reads it
    const conn = agent.conn;
    const sends: Array<[string, () => Promise<unknown>]> = [
      ['RequestSetDNDOn', () => conn.setDNDOn(AGENT)],
      ['RequestSetDNDOff', () => conn.setDNDOff(AGENT)],
      ['RequestCallForwardSet', () => conn.setCallForward(AGENT, THIRD)],
      ['RequestCallForwardCancel', () => conn.cancelCallForward(AGENT)],
      ['RequestUpdateUserData', () => conn.updateUserData(AGENT, c1, { New: 2 })],
      ['RequestDeletePair', () => conn.deleteUserDataPair(AGENT, c1, 'Old')],
      ['RequestDeleteUserData', () => conn.deleteUserData(AGENT, c1)],
      ['RequestSetMuteOn', () => conn.setMuteOn(AGENT, c1)],
      ['RequestSetMuteOff', () => conn.setMuteOff(AGENT, c1)],
      ['RequestQuerySwitch', () => conn.querySwitch()],
      ['RequestMakeCall', () => conn.makeCall(AGENT, COLLEAGUE)],
      ['RequestAnswerCall', () => conn.answerCall(AGENT, c)],
      ['RequestReleaseCall', () => conn.releaseCall(AGENT, c)],
      ['RequestHoldCall', () => conn.holdCall(AGENT, c1)],
      ['RequestRetrieveCall', () => conn.retrieveCall(AGENT, c1)],
      ['RequestInitiateTransfer', () => conn.initiateTransfer(AGENT, c1, COLLEAGUE)],
      ['RequestCompleteTransfer', () => conn.completeTransfer(AGENT, c1, c)],
      ['RequestSingleStepTransfer', () => conn.singleStepTransfer(AGENT, c1, COLLEAGUE)],
      ['RequestInitiateConference', () => conn.initiateConference(AGENT, c1, COLLEAGUE)],
      ['RequestCompleteConference', () => conn.completeConference(AGENT, c1, c)],
      ['RequestDeleteFromConference', () => conn.deleteFromConference(AGENT, c1, COLLEAGUE)],
      ['RequestAlternateCall', () => conn.alternateCall(AGENT, c, c1)],
      ['RequestReconnectCall', () => conn.reconnectCall(AGENT, c, c1)],
      ['RequestRedirectCall', () => conn.redirectCall(AGENT, c1, COLLEAGUE)],
      ['RequestClearCall', () => conn.clearCall(AGENT, c1)],
      ['RequestSendDTMF', () => conn.sendDTMF(AGENT, c1, '9')],
      ['RequestAttachUserData', () => conn.attachUserData(AGENT, c1, { X: 1 })],
      ['RequestRouteCall', () => conn.routeCall(AGENT, c, COLLEAGUE)],
      ['RequestApplyTreatment', () => conn.applyTreatment(AGENT, c1, 2)],
      ['RequestMonitorNextCall', () => conn.monitorNextCall(AGENT, COLLEAGUE)],
      ['RequestCancelMonitoring', () => conn.cancelMonitoring(AGENT, COLLEAGUE)],
      ['RequestListenDisconnect', () => conn.listenDisconnect(AGENT, c1, COLLEAGUE)],
      ['RequestListenReconnect', () => conn.listenReconnect(AGENT, c1, COLLEAGUE)],
      ['RequestAgentLogin', () => conn.agentLogin(AGENT, 'agent-9')],
      ['RequestAgentReady', () => conn.agentReady(AGENT)],
      ['RequestAgentNotReady', () => conn.agentNotReady(AGENT, { workMode: 3 })],
      ['RequestSetCallInfo', () => conn.setCallInfo(c1, { CustomerID: 'cust-1' })],
    ];
    const newPrimary = pair.backup;
    const before = newPrimary.requestCounts();
    pair.freeze(pair.primary);
    const outcomes = sends.map(([name, send]) => [
      name,
      send().then(
        (answer) => ({ answer: answer as { Event: string; Server: string } }),
        (error: unknown) => ({ error }),
      ),
    ]) as Array<[string, Promise<{ answer?: { Event: string; Server: string }; error?: unknown }>]>;
    await until(() => conn.state.inFlight >= sends.length, `${sends.length} requests in flight on the frozen primary`);
    await pair.killPrimary();

    // How each settled: the answer or EventError from the new primary, or interrupted.
    const settled: Record<string, string> = {};
    for (const [name, outcome] of outcomes) {
      const { answer, error } = await outcome;
      const server = answer?.Server ?? (error as { event?: { Server?: string } } | undefined)?.event?.Server;
      const from = server === newPrimary.url ? 'from new primary' : `from ${String(server)}`;
      settled[name] = error instanceof RequestInterruptedError ? 'interrupted' : `${answer?.Event ?? (error as Error).name} ${from}`;
    }
    const counts = newPrimary.requestCounts();
    for (const [name] of sends) {
      const resent = (counts[name] ?? 0) - (before[name] ?? 0);
      if (SPEC_IDEMPOTENT.has(name)) {
        expect(settled[name], name).toMatch(/from new primary$/);
        expect(resent, `${name} re-sent once`).toBe(1);
      } else {
        expect(settled[name], name).toBe('interrupted');
        expect(resent, `${name} never re-sent`).toBe(0);
      }
    }
    // The re-sent ones ran in the order they were asked: DND and forwarding end off, user data empty, unmuted.
    expect(pair.shared.dnd.has(AGENT)).toBe(false);
    expect(pair.shared.forwarding.has(AGENT)).toBe(false);
    expect(pair.call(c1)?.userData).toEqual([]);
    expect(pair.call(c1)?.parties.map((p) => [p.dn, p.state, p.muted])).toEqual([[AGENT, 'established', false]]);
    expect(pair.listAgents()).toEqual([]);
    expectKnownCalls(rig, agent, [c1]);
  });
});
