/**
 * The helpers end to end against the simulator's 1.1 call model, over a real loopback socket:
 * each resolves with its answering event, and a request the switch answers after other events of
 * the same name settles on the right one (CompleteTransfer on EventReleased for the held call, not
 * the consultation's). The earlier events are still delivered to listeners.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TServerConnection } from '../../src/connection/index.js';
import { AddressType, AgentWorkMode } from '../../src/protocol/enums.js';
import type { TServerSimulator } from '../../src/simulator/index.js';
import { type ConnRecorder, Harness } from '../support/connection-helpers.js';

const h = new Harness();
let sim: TServerSimulator;
let conn: TServerConnection;
let rec: ConnRecorder;
const AGENT = '1001';
const COLLEAGUE = '1002';

beforeEach(async () => {
  sim = await h.sim({ name: 'flows-sim' });
  ({ conn, rec } = await h.open(sim, { addp: false }));
  await conn.registerAddress(AGENT);
  await conn.registerAddress(COLLEAGUE);
});
afterEach(() => h.cleanup());

/** An outside call to AGENT, answered with the helper; its ConnID. */
async function answeredInbound(): Promise<string> {
  const since = rec.mark();
  const connId = sim.placeCall(AGENT, { from: '5550001' });
  await rec.waitFor('EventRinging', { since, predicate: (e) => e.ConnID === connId });
  const est = await conn.answerCall(AGENT, connId);
  expect(est).toMatchObject({ Event: 'EventEstablished', ThisDN: AGENT, ConnID: connId });
  return connId;
}

/** AGENT consults COLLEAGUE, who answers; the consultation's ConnID. */
async function consulted(held: string, kind: 'transfer' | 'conference'): Promise<string> {
  const dialing =
    kind === 'transfer' ? await conn.initiateTransfer(AGENT, held, COLLEAGUE) : await conn.initiateConference(AGENT, held, COLLEAGUE);
  expect(dialing).toMatchObject({ Event: 'EventDialing', ThisDN: AGENT });
  expect(dialing.ConnID).not.toBe(held);
  await rec.waitFor('EventRinging', { predicate: (e) => e.ThisDN === COLLEAGUE && e.ConnID === dialing.ConnID });
  await conn.answerCall(COLLEAGUE, dialing.ConnID);
  return dialing.ConnID;
}

describe('call-control helpers resolve with their answering events', () => {
  it('hold / retrieve', async () => {
    const c1 = await answeredInbound();
    await expect(conn.holdCall(AGENT, c1)).resolves.toMatchObject({ Event: 'EventHeld', ThisDN: AGENT, ConnID: c1 });
    await expect(conn.retrieveCall(AGENT, c1)).resolves.toMatchObject({ Event: 'EventRetrieved', ThisDN: AGENT, ConnID: c1 });
  });

  it('two-step transfer: completeTransfer settles on EventReleased for the held call; the consultation’s came first', async () => {
    const c1 = await answeredInbound();
    const c2 = await consulted(c1, 'transfer');
    const since = rec.mark();
    const released = await conn.completeTransfer(AGENT, c1, c2);
    expect(released).toMatchObject({ Event: 'EventReleased', ThisDN: AGENT, ConnID: c1 });
    const releasedAtAgent = rec
      .of('EventReleased', since)
      .filter((e) => e.ThisDN === AGENT)
      .map((e) => e.ConnID);
    expect(releasedAtAgent).toEqual([c2, c1]);
    // The colleague now holds the customer's call under its ConnID.
    await rec.waitFor('EventPartyChanged', { since, predicate: (e) => e.ThisDN === COLLEAGUE });
    expect(rec.of('EventPartyChanged', since).find((e) => e.ThisDN === COLLEAGUE)).toMatchObject({ ConnID: c1, PreviousConnID: c2 });
  });

  it('conference: completeConference settles on EventPartyAdded for the held call', async () => {
    const c1 = await answeredInbound();
    const c2 = await consulted(c1, 'conference');
    const added = await conn.completeConference(AGENT, c1, c2);
    expect(added).toMatchObject({ Event: 'EventPartyAdded', ThisDN: AGENT, ConnID: c1 });
    const deleted = await conn.deleteFromConference(AGENT, c1, COLLEAGUE);
    expect(deleted).toMatchObject({ Event: 'EventPartyDeleted', ThisDN: AGENT, ConnID: c1 });
  });

  it('user data: update, delete a pair, delete all — each answered at the requesting DN', async () => {
    const c1 = await answeredInbound();
    const updated = await conn.updateUserData(AGENT, c1, { Case: 'A-7', Tier: 2 });
    expect(updated).toMatchObject({ Event: 'EventAttachedDataChanged', ThisDN: AGENT, ConnID: c1 });
    const pair = await conn.deleteUserDataPair(AGENT, c1, 'Tier');
    expect(pair.UserData.map(([k]) => k)).not.toContain('Tier');
    await expect(conn.deleteUserData(AGENT, c1)).resolves.toMatchObject({ Event: 'EventAttachedDataChanged', ThisDN: AGENT });
  });

  it('clearCall settles on EventReleased at the requesting DN', async () => {
    const c1 = await answeredInbound();
    await expect(conn.clearCall(AGENT, c1)).resolves.toMatchObject({ Event: 'EventReleased', ThisDN: AGENT, ConnID: c1 });
  });

  it('DND and forwarding', async () => {
    await expect(conn.setDNDOn(AGENT)).resolves.toMatchObject({ Event: 'EventDNDOn', ThisDN: AGENT });
    await expect(conn.setDNDOff(AGENT)).resolves.toMatchObject({ Event: 'EventDNDOff', ThisDN: AGENT });
    await expect(conn.setCallForward(AGENT, COLLEAGUE)).resolves.toMatchObject({ Event: 'EventForwardSet', ThisDN: AGENT });
    await expect(conn.cancelCallForward(AGENT)).resolves.toMatchObject({ Event: 'EventForwardCancel', ThisDN: AGENT });
  });

  it('after-call work: agentNotReady with a work mode, then agentReady', async () => {
    await conn.agentLogin(AGENT, 'agent-1');
    const acw = await conn.agentNotReady(AGENT, { workMode: AgentWorkMode.AfterCallWork });
    expect(acw).toMatchObject({ Event: 'EventAgentNotReady', ThisDN: AGENT, AgentWorkMode: 3 });
    await expect(conn.agentReady(AGENT)).resolves.toMatchObject({ Event: 'EventAgentReady', ThisDN: AGENT });
  });

  it('routing: a routing point registered with addressType, a call routed with routeCall', async () => {
    const RP = '5000';
    await conn.registerAddress(RP, { addressType: AddressType.RoutingPoint });
    const since = rec.mark();
    const connId = sim.placeCall(RP, { from: '5550002' });
    await rec.waitFor('EventRouteRequest', { since, predicate: (e) => e.ConnID === connId });
    const used = await conn.routeCall(RP, connId, AGENT);
    expect(used).toMatchObject({ Event: 'EventRouteUsed', ThisDN: RP, ConnID: connId });
    await rec.waitFor('EventRinging', { since, predicate: (e) => e.ThisDN === AGENT && e.ConnID === connId });
  });
});
