/**
 * Who gets what: DN events go to clients registered on the DN only, the requester's copy carries
 * its ReferenceID, input masks filter unsolicited events (never answers), link events go to every
 * registered client.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TServerSimulator, inputMaskOf, maskAllows } from '../../src/simulator/index.js';
import { ClientPool, type WireClient } from '../support/wire-client.js';
import { arrivedBy } from './desks.js';

let sim: TServerSimulator;
const pool = new ClientPool();

beforeEach(async () => {
  sim = new TServerSimulator();
  await sim.start();
});

afterEach(async () => {
  await pool.closeAll();
  await sim.stop();
});

async function on(...dns: string[]): Promise<WireClient> {
  const c = await pool.registered(sim.url);
  await c.registerDN(...dns);
  return c;
}

describe('DN events', () => {
  it('agent events go to the requester (with ReferenceID) and to other clients on the DN (without), not to others', async () => {
    const requester = await on('2001');
    const peer = await on('2001');
    const stranger = await on('2002');
    const since = { peer: peer.mark(), stranger: stranger.mark() };
    const login = await requester.request('RequestAgentLogin', { ThisDN: '2001', AgentID: 'ag' });
    expect(login.attributes.ReferenceID).toBeGreaterThan(0);
    const copy = await peer.waitFor('EventAgentLogin', { since: since.peer });
    expect(copy.attributes.ReferenceID).toBeUndefined();
    expect(copy.attributes.EventSequenceNumber).toBe(login.attributes.EventSequenceNumber);
    expect(await arrivedBy(stranger, 'EventAgentLogin', since.stranger)).toEqual([]);
    // The requester gets exactly one copy, even though it is registered on the DN too.
    expect(requester.received.filter((m) => m.name === 'EventAgentLogin')).toHaveLength(1);
  });

  it('placeCall rings only clients registered on the called DN; after unregistering, nothing more', async () => {
    const target = await on('2001');
    const other = await on('2002');
    const connId = sim.placeCall('2001', { from: '5551234', userData: [['lang', 'fr']] });
    const ringing = await target.waitFor('EventRinging');
    expect(ringing.attributes).toMatchObject({ ThisDN: '2001', ConnID: connId, OtherDN: '5551234', UserData: [['lang', 'fr']] });
    expect(await arrivedBy(other, 'EventRinging', 0)).toEqual([]);

    await target.request('RequestUnregisterAddress', { ThisDN: '2001' });
    const since = target.mark();
    sim.placeCall('2001');
    expect(await arrivedBy(target, 'EventRinging', since)).toEqual([]);
  });

  it('answerCall/releaseCall controls send EventEstablished/EventReleased to the party', async () => {
    const target = await on('2001');
    const connId = sim.placeCall('2001');
    sim.answerCall(connId);
    expect((await target.waitFor('EventEstablished')).attributes).toMatchObject({ ThisDN: '2001', ConnID: connId });
    sim.releaseCall(connId);
    expect((await target.waitFor('EventReleased')).attributes).toMatchObject({ ThisDN: '2001', ConnID: connId });
    expect(() => sim.releaseCall(connId)).toThrow(/no call/);
    expect(() => sim.placeCall('bad-dn')).toThrow(/unknown DN/);
  });

  it('a client that disconnects loses its registrations (no events to a reconnecting socket)', async () => {
    const c = await on('2001');
    await c.close();
    // A socket-level wait: the server sees the close.
    await expect.poll(() => sim.clientCount, { timeout: 2000 }).toBe(0);
    const d = await pool.registered(sim.url);
    sim.placeCall('2001');
    expect(await arrivedBy(d, 'EventRinging', 0)).toEqual([]);
  });
});

describe('link events', () => {
  it('setLink sends EventLinkDisconnected/Connected to every registered client, once per change', async () => {
    const a = await on('2001');
    const b = await pool.registered(sim.url);
    const unregistered = await pool.connect(sim.url);
    const marks = new Map([a, b].map((c) => [c, c.mark()]));
    sim.setLink(false);
    sim.setLink(false);
    sim.setLink(true);
    const isLink = (m: { name: string }): boolean => m.name === 'EventLinkDisconnected' || m.name === 'EventLinkConnected';
    for (const c of [a, b]) {
      await c.waitForCount(isLink, 2, { since: marks.get(c) });
      const got = await arrivedBy(c, isLink, marks.get(c));
      expect(got.map((m) => m.name)).toEqual(['EventLinkDisconnected', 'EventLinkConnected']);
    }
    expect(await arrivedBy(unregistered, () => true, 0)).toEqual([]);
  });
});

describe('input mask', () => {
  it('bit order: type n is byte n>>3, value 1<<(n&7)', () => {
    const mask = inputMaskOf([0, 7, 60, 'EventAgentReady']);
    expect(mask).toHaveLength(64);
    expect(mask[0]).toBe(0x81);
    expect(mask[7]).toBe(0x10); // 60 = 7*8 + 4
    expect(mask[9]).toBe(0x08); // EventAgentReady = 75 = 9*8 + 3
    expect(maskAllows(mask, 60)).toBe(true);
    expect(maskAllows(mask, 61)).toBe(false);
    expect(maskAllows(undefined, 61)).toBe(true);
  });

  it('filters unsolicited events whose bit is 0, never answers', async () => {
    const watcher = await on('2001');
    const actor = await on('2001');
    // Let EventAgentReady through, not EventAgentLogin, nor EventRinging.
    const ack = await watcher.request('RequestSetInputMask', { InputMask: inputMaskOf(['EventAgentReady']) });
    expect(ack.name).toBe('EventACK');
    const since = watcher.mark();
    await actor.request('RequestAgentLogin', { ThisDN: '2001', AgentID: 'ag' });
    await actor.request('RequestAgentReady', { ThisDN: '2001' });
    sim.placeCall('2001');
    await watcher.waitFor('EventAgentReady', { since });
    const got = await arrivedBy(watcher, () => true, since);
    expect(got.map((m) => m.name)).toEqual(['EventAgentReady']);

    // Answers always pass: the watcher's own request is answered though EventAgentLogout's bit is 0.
    await watcher.request('RequestAgentLogout', { ThisDN: '2001' }).then((m) => expect(m.name).toBe('EventAgentLogout'));
    // And an empty mask still lets link events through (the client library needs them).
    await watcher.request('RequestSetInputMask', { InputMask: new Uint8Array(64) });
    const since2 = watcher.mark();
    sim.setLink(false);
    await watcher.waitFor('EventLinkDisconnected', { since: since2 });
  });

  it('a full mask restores everything', async () => {
    const watcher = await on('2001');
    await watcher.request('RequestSetInputMask', { InputMask: new Uint8Array(64) });
    let since = watcher.mark();
    sim.placeCall('2001');
    expect(await arrivedBy(watcher, 'EventRinging', since)).toEqual([]);
    await watcher.request('RequestSetInputMask', { InputMask: new Uint8Array(64).fill(0xff) });
    since = watcher.mark();
    sim.placeCall('2001');
    await watcher.waitFor('EventRinging', { since });
  });
});
