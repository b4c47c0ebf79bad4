/**
 * The state model inside TServerConnection, over real loopback sockets with the simulator pair:
 * the picture after call flows, and after failovers whose gap lost events (the switch changed
 * while no primary was up, or without telling anyone: `silent`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CallView, ChangeCause, DNView, TEvent } from '../../src/index.js';
import { nextEvent, nextResync, startRig, stopRig, until, type Rig } from '../ha/helpers.js';
import { ManualClock } from '../simulator/manual-clock.js';

let rig: Rig | undefined;
afterEach(async () => {
  await stopRig(rig);
  rig = undefined;
});

type Seen = { kind: string; id: string; cause: ChangeCause; view: CallView | DNView };

function watch(rigNow: Rig): Seen[] {
  const seen: Seen[] = [];
  rigNow.conn.on('callChanged', (view, cause) => seen.push({ kind: 'callChanged', id: view.connId, cause, view }));
  rigNow.conn.on('callEnded', (view, cause) => seen.push({ kind: 'callEnded', id: view.connId, cause, view }));
  rigNow.conn.on('dnChanged', (view, cause) => seen.push({ kind: 'dnChanged', id: view.dn, cause, view }));
  return seen;
}

async function ready(): Promise<Rig> {
  rig = await startRig();
  await until(() => rig!.conn.state.standby, 'a standby session');
  await rig.conn.registerAddress('1001');
  await rig.conn.registerAddress('1002');
  return rig;
}

/** An outside call ringing on `dn`, as the client saw it. */
async function inbound(r: Rig, dn: string): Promise<string> {
  const ringing = nextEvent(r.conn, 'EventRinging');
  const connId = r.pair.placeCall(dn, { from: '5550001' });
  await ringing;
  return connId;
}

describe('conn.calls / conn.dns over the simulator pair', () => {
  it('follows answer, hold, consultation and a completed transfer; the merged call keeps the held ConnID', async () => {
    const { conn } = await ready();
    const seen = watch(rig!);
    const held = await inbound(rig!, '1001');
    expect(conn.calls.get(held)?.parties).toEqual({ '1001': 'ringing' });
    await conn.answerCall('1001', held);
    expect(conn.calls.get(held)?.parties).toEqual({ '1001': 'established' });
    const dialing = (await conn.request('RequestInitiateTransfer', { ThisDN: '1001', ConnID: held, OtherDN: '1002' })) as TEvent & {
      ConnID: string;
    };
    const consult = dialing.ConnID;
    await until(() => conn.calls.get(consult)?.parties['1002'] === 'ringing', 'the consultation ringing on 1002');
    expect(conn.calls.get(held)?.parties).toEqual({ '1001': 'held' });
    await conn.answerCall('1002', consult);
    await until(() => conn.calls.get(consult)?.parties['1001'] === 'established', 'the consultation established');
    await conn.request('RequestCompleteTransfer', { ThisDN: '1001', ConnID: held, TransferConnID: consult });
    await until(() => conn.calls.get(held)?.parties['1002'] === 'established', 'the transfer target on the held ConnID');
    expect([...conn.calls.keys()]).toEqual([held]);
    expect(conn.calls.get(held)!.previousConnIds).toContain(consult);
    expect(conn.dns.get('1001')!.calls).toEqual([]);
    expect(conn.dns.get('1002')!.calls).toEqual([held]);
    expect(seen.some((s) => s.kind === 'callEnded' && s.id === consult)).toBe(true);
    expect(conn.state.knownCalls).toBe(1);
  });

  it('conference: both members on the held ConnID; the resync after a kill queries exactly that call and corrects nothing', async () => {
    const { conn, pair } = await ready();
    const held = await inbound(rig!, '1001');
    await conn.answerCall('1001', held);
    const dialing = (await conn.request('RequestInitiateConference', { ThisDN: '1001', ConnID: held, OtherDN: '1002' })) as TEvent & {
      ConnID: string;
    };
    await until(() => conn.calls.get(dialing.ConnID)?.parties['1002'] === 'ringing', 'the consultation ringing');
    await conn.answerCall('1002', dialing.ConnID);
    await conn.request('RequestCompleteConference', { ThisDN: '1001', ConnID: held, ConferenceConnID: dialing.ConnID });
    await until(() => conn.calls.get(held)?.parties['1002'] === 'established', '1002 on the conference');
    expect(conn.calls.get(held)!.parties).toEqual({ '1001': 'established', '1002': 'established' });
    expect([...conn.calls.keys()]).toEqual([held]);
    const resynced = nextResync(conn);
    await pair.killPrimary();
    const summary = await resynced;
    expect(summary.calls).toBe(1);
    expect(pair.primary.requestCounts().RequestQueryCall).toBe(1);
    expect(summary.errors).toEqual([]);
    expect(summary.corrections).toEqual([]);
  });

  it('a kill between InitiateTransfer and CompleteTransfer: the resync queries the held and the consultation call, nothing else', async () => {
    const { conn, pair } = await ready();
    const held = await inbound(rig!, '1001');
    await conn.answerCall('1001', held);
    const dialing = (await conn.request('RequestInitiateTransfer', { ThisDN: '1001', ConnID: held, OtherDN: '1002' })) as TEvent & {
      ConnID: string;
    };
    await until(() => conn.calls.get(dialing.ConnID)?.parties['1002'] === 'ringing', 'the consultation ringing');
    await conn.answerCall('1002', dialing.ConnID);
    await until(() => conn.calls.get(dialing.ConnID)?.parties['1001'] === 'established', 'the consultation established');
    const resynced = nextResync(conn);
    await pair.killPrimary();
    const summary = await resynced;
    expect(pair.primary.requestCounts().RequestQueryCall).toBe(2);
    expect(summary.corrections).toEqual([]);
    await conn.request('RequestCompleteTransfer', { ThisDN: '1001', ConnID: held, TransferConnID: dialing.ConnID });
    await until(() => conn.calls.get(held)?.parties['1002'] === 'established', 'the transfer completed on the new primary');
    expect([...conn.calls.keys()]).toEqual([held]);
  });

  it('single-step transfer: the same ConnID moves from 1001 to 1002', async () => {
    const { conn } = await ready();
    const connId = await inbound(rig!, '1001');
    await conn.answerCall('1001', connId);
    await conn.request('RequestSingleStepTransfer', { ThisDN: '1001', ConnID: connId, OtherDN: '1002' });
    await until(() => conn.calls.get(connId)?.parties['1002'] === 'ringing', 'ringing on 1002');
    expect(conn.calls.get(connId)!.parties).toEqual({ '1002': 'ringing' });
    expect(conn.dns.get('1001')!.calls).toEqual([]);
  });

  it('a routing point: routing, then routed to an agent with ANI and DNIS', async () => {
    rig = await startRig({ routingPoints: ['3001'] });
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('3001', { AddressType: 4 });
    await conn.registerAddress('1002');
    const request = nextEvent(conn, 'EventRouteRequest');
    const connId = pair.placeCall('3001', { from: '5550003', dnis: '800' });
    await request;
    expect(conn.calls.get(connId)).toMatchObject({ parties: { '3001': 'routing' }, ani: '5550003', dnis: '800' });
    await conn.request('RequestRouteCall', { ThisDN: '3001', ConnID: connId, OtherDN: '1002', RouteType: 1 });
    await until(() => conn.calls.get(connId)?.parties['1002'] === 'ringing', 'routed to 1002');
    expect(conn.calls.get(connId)!.parties).toEqual({ '1002': 'ringing' });
    expect(conn.dns.get('3001')!.calls).toEqual([]);
  });

  it('a call released by the switch while the primary is dead: after the failover it is gone, with callEnded cause resync and a correction', async () => {
    const { conn, pair } = await ready();
    const connId = await inbound(rig!, '1001');
    await conn.answerCall('1001', connId);
    const seen = watch(rig!);
    const resynced = nextResync(conn, 5_000);
    await pair.killPrimary({ promoteAfterMs: 200 });
    pair.releaseCall(connId); // no primary: the release is lost with it
    const summary = await resynced;
    expect(conn.calls.has(connId)).toBe(false);
    expect(conn.dns.get('1001')!.calls).toEqual([]);
    expect(seen.filter((s) => s.kind === 'callEnded').map((s) => [s.id, s.cause])).toEqual([[connId, 'resync']]);
    expect(summary.corrections).toContainEqual(expect.objectContaining({ kind: 'callGone', connId }));
  });

  it('an agent made NotReady during the gap: dnChanged with cause resync and agentStatusChanged', async () => {
    const { conn, pair } = await ready();
    await conn.agentLogin('1001', 'agent-7');
    await conn.agentReady('1001');
    expect(conn.dns.get('1001')!.agent).toMatchObject({ id: 'agent-7', status: 'ready' });
    const seen = watch(rig!);
    const resynced = nextResync(conn, 5_000);
    await pair.killPrimary({ promoteAfterMs: 200 });
    pair.setAgentState('1001', 'notReady', { silent: true });
    const summary = await resynced;
    expect(conn.dns.get('1001')!.agent.status).toBe('notReady');
    const change = seen.find((s) => s.kind === 'dnChanged' && s.id === '1001');
    expect(change?.cause).toBe('resync');
    expect(summary.corrections).toContainEqual({ kind: 'agentStatusChanged', dn: '1001', before: 'ready', after: 'notReady' });
  });

  it('a failover that changed nothing: no dnChanged, no correction, the agent view kept as it was', async () => {
    const { conn, pair } = await ready();
    await conn.agentLogin('1001', 'agent-7');
    await conn.agentReady('1001', { workMode: 2 });
    const before = conn.dns.get('1001')!;
    expect(before.agent).toMatchObject({ id: 'agent-7', status: 'ready', workMode: 2 });
    const seen = watch(rig!);
    const resynced = nextResync(conn, 5_000);
    await pair.killPrimary({ promoteAfterMs: 200 });
    const summary = await resynced;
    expect(summary.corrections).toEqual([]);
    expect(seen.filter((s) => s.kind === 'dnChanged')).toEqual([]);
    expect(conn.dns.get('1001')).toBe(before);
  });

  it('1.2 agents: the reason code, after-call work with its end (by itself, or by agentReady), across a failover', async () => {
    const clock = new ManualClock();
    rig = await startRig({ clock });
    await until(() => rig!.conn.state.standby, 'a standby session');
    const { conn, pair } = rig;
    await conn.registerAddress('1001');
    await conn.agentLogin('1001', 'agent-7', { extensions: { WrapUpTime: 30 } });
    await conn.agentNotReady('1001', { reasons: { ReasonCode: 'lunch' } });
    expect(conn.dns.get('1001')!.agent).toMatchObject({ status: 'notReady', reasonCode: 'lunch', reasons: [['ReasonCode', 'lunch']] });
    await conn.agentReady('1001');
    expect(conn.dns.get('1001')!.agent).toMatchObject({ status: 'ready', reasonCode: undefined });
    // A call the agent answered ends: the switch starts 30 s of after-call work.
    const connId = await inbound(rig, '1001');
    await conn.answerCall('1001', connId);
    const released = nextEvent(conn, 'EventReleased');
    pair.hangUp(connId);
    const at = ((await released) as { time: { seconds: number; microseconds: number } }).time;
    await until(() => conn.dns.get('1001')!.agent.status === 'afterCallWork', 'after-call work');
    const until30 = conn.dns.get('1001')!.agent.afterCallWorkUntil!;
    expect(Math.abs(until30 - (at.seconds * 1000 + 30_000))).toBeLessThan(1_500);
    // A failover in the middle: the resync shows the agent in after-call work, with the same end.
    const seen = watch(rig);
    const resynced = nextResync(conn, 5_000);
    await pair.killPrimary();
    const summary = await resynced;
    expect(summary.corrections).toEqual([]);
    expect(seen.filter((c) => c.kind === 'dnChanged')).toEqual([]);
    expect(conn.dns.get('1001')!.agent).toMatchObject({ status: 'afterCallWork', afterCallWorkUntil: until30 });
    // It ends by itself when the time is up (the switch's clock, moved by hand).
    clock.advance(30_000);
    await until(() => conn.dns.get('1001')!.agent.status === 'ready', 'the end of after-call work');
    expect(conn.dns.get('1001')!.agent.afterCallWorkUntil).toBeUndefined();
  });

  it('1.2 forwarding: mode and no-answer time in the view; a resync keeps what its answer does not carry', async () => {
    const { conn, pair } = await ready();
    await conn.setCallForward('1001', '1002', { forwardMode: 3, extensions: { NoAnswerTimeout: 20 } });
    expect(conn.dns.get('1001')!.forward).toEqual({ to: '1002', mode: 3, noAnswerTimeout: 20 });
    const resynced = nextResync(conn, 5_000);
    await pair.killPrimary();
    expect((await resynced).corrections).toEqual([]);
    expect(conn.dns.get('1001')!.forward).toEqual({ to: '1002', mode: 3, noAnswerTimeout: 20 });
  });

  it('a call that appeared during the gap is found, with its state', async () => {
    const { conn, pair } = await ready();
    const seen = watch(rig!);
    const resynced = nextResync(conn, 5_000);
    await pair.killPrimary({ promoteAfterMs: 200 });
    const connId = pair.placeCall('1002', { from: '5550002', silent: true });
    const summary = await resynced;
    expect(conn.calls.get(connId)?.parties).toEqual({ '1002': 'ringing' });
    expect(conn.dns.get('1002')!.calls).toEqual([connId]);
    expect(summary.corrections).toContainEqual(expect.objectContaining({ kind: 'callFound', connId }));
    expect(seen.find((s) => s.kind === 'callChanged' && s.id === connId)?.cause).toBe('resync');
  });

  it('100,000 ConnIDs flooded by a hostile primary keep the model at maxCalls; the resync queries no more, through its window', async () => {
    const maxCalls = 2_000;
    // No ADDP: the flood is written from this process, and a long write would look like silence.
    rig = await startRig({}, { maxCalls, addp: false, resyncWindow: 50 });
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('1001');
    const warnings: string[] = [];
    conn.on('protocolWarning', (w) => warnings.push(w.code));
    let last = 0;
    conn.on('EventRinging', () => last++);
    const flood = 100_000;
    for (let n = 1; n <= flood; n++) {
      pair.primary.sendEvent('EventRinging', { ThisDN: '1001', ConnID: (0xf000_0000_0000 + n).toString(16).padStart(16, '0') });
      if (n % 1000 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => last === flood, 'the flood delivered', 60_000);
    expect(conn.calls.size).toBe(maxCalls);
    expect(conn.state.knownCalls).toBe(maxCalls);
    expect(conn.dns.get('1001')!.calls).toHaveLength(maxCalls);
    expect(warnings.filter((c) => c === 'ERR_MODEL_CALLS_LIMIT').length).toBe(1 + Math.floor((flood - maxCalls) / maxCalls));
    const resynced = nextResync(conn, 30_000);
    let peakInFlight = 0;
    conn.on('event', () => (peakInFlight = Math.max(peakInFlight, conn.state.inFlight)));
    await pair.killPrimary();
    const summary = await resynced;
    expect(peakInFlight).toBeGreaterThan(0);
    expect(peakInFlight).toBeLessThanOrEqual(50); // the resync window
    expect(summary.calls).toBe(maxCalls);
    expect(pair.primary.requestCounts().RequestQueryCall).toBe(maxCalls);
    expect(conn.calls.size).toBe(0); // none of them existed
  }, 90_000);
});
