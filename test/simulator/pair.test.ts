/**
 * HotStandbyPair against the wire spec's "Hot-standby pair" rules and the seed's link-event
 * ordering at switchover.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HotStandbyPair, type HotStandbyPairOptions } from '../../src/simulator/index.js';
import { ClientPool, type Received, type WireClient } from '../support/wire-client.js';
import { arrivedBy } from './desks.js';

const pool = new ClientPool();
let pair: HotStandbyPair | undefined;

async function startPair(options: HotStandbyPairOptions = {}): Promise<HotStandbyPair> {
  pair = await HotStandbyPair.start(options);
  return pair;
}

afterEach(async () => {
  await pool.closeAll();
  await pair?.stop();
  pair = undefined;
});

/** Registers a client on one server and on the given DNs there. */
async function clientOn(url: string, ...dns: string[]): Promise<WireClient> {
  const c = await pool.registered(url);
  await c.registerDN(...dns);
  return c;
}

const names = (ms: Received[]): string[] => ms.map((m) => m.name);

describe('roles and EventRestoreConnection', () => {
  it('starts a primary and a backup on 127.0.0.1 and reports their addresses', async () => {
    const p = await startPair();
    expect(p.primary).toBe(p.a);
    expect(p.backup).toBe(p.b);
    expect(p.addresses).toEqual({ primary: p.a.url, backup: p.b.url });
    expect(p.a.url).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(p.a.url).not.toBe(p.b.url);
  });

  it('primary: after the RegisterClient answer, EventRestoreConnection ServerRole 0 with BackupHost/BackupPort', async () => {
    const p = await startPair();
    const c = await pool.connect(p.a.url);
    const answer = await c.register();
    const restore = await c.waitFor('EventRestoreConnection');
    expect(restore.index).toBe(answer.index + 1);
    expect(restore.attributes.ServerRole).toBe(0);
    expect(restore.attributes.UserData).toEqual([
      ['BackupHost', '127.0.0.1'],
      ['BackupPort', p.b.address().port],
    ]);
  });

  it('backup: EventRestoreConnection ServerRole 1 with PrimaryHost/PrimaryPort', async () => {
    const p = await startPair();
    const c = await pool.connect(p.b.url);
    await c.register();
    const restore = await c.waitFor('EventRestoreConnection');
    expect(restore.attributes.ServerRole).toBe(1);
    expect(restore.attributes.UserData).toEqual([
      ['PrimaryHost', '127.0.0.1'],
      ['PrimaryPort', p.a.address().port],
    ]);
  });

  it('a primary whose backup is down sends no EventRestoreConnection', async () => {
    const p = await startPair();
    await p.kill(p.b);
    const c = await pool.registered(p.a.url);
    expect(await arrivedBy(c, 'EventRestoreConnection', 0)).toEqual([]);
  });
});

describe('the backup', () => {
  it('answers RegisterClient, QueryServer, RegisterAddress, UnregisterAddress, SetInputMask and ADDP', async () => {
    const p = await startPair();
    const c = await pool.registered(p.b.url);
    expect((await c.request('RequestQueryServer')).attributes.ServerRole).toBe(1);
    expect((await c.request('RequestRegisterAddress', { ThisDN: '4001' })).name).toBe('EventRegistered');
    expect((await c.request('RequestSetInputMask', { InputMask: new Uint8Array(64).fill(255) })).name).toBe('EventACK');
    expect((await c.request('RequestUnregisterAddress', { ThisDN: '4001' })).name).toBe('EventUnregistered');
    c.sendFrame(0xfff0);
    await c.waitFor('AddpPong');
  });

  it('refuses every other request with EventError 52 "not primary"', async () => {
    const p = await startPair();
    const c = await clientOn(p.b.url, '4001');
    const others: Array<[string, Record<string, unknown>]> = [
      ['RequestQueryAddress', { ThisDN: '4001' }],
      ['RequestAgentLogin', { ThisDN: '4001', AgentID: 'a' }],
      ['RequestAgentLogout', { ThisDN: '4001' }],
      ['RequestAgentReady', { ThisDN: '4001' }],
      ['RequestAgentNotReady', { ThisDN: '4001' }],
      ['RequestMakeCall', { ThisDN: '4001', OtherDN: '4002' }],
      ['RequestAnswerCall', { ThisDN: '4001', ConnID: '0000000000000001' }],
      ['RequestReleaseCall', { ThisDN: '4001', ConnID: '0000000000000001' }],
      ['RequestAttachUserData', { ThisDN: '4001', ConnID: '0000000000000001', UserData: [['a', 1]] }],
      ['RequestDistributeUserEvent', { ThisDN: '4001' }],
      ['RequestQueryCall', { ConnID: '0000000000000001' }],
      ['RequestReserveAgent', { AgentID: 'a' }],
      ['RequestQueryLocation', {}],
      ['RequestPrivateService', { PrivateMsgID: 1 }],
      ['RequestTransactionMonitoring', { SubscriptionOperation: 1 }],
    ];
    for (const [name, attrs] of others) {
      const m = await c.request(name, attrs);
      expect(m.name, name).toBe('EventError');
      expect(m.attributes.ErrorCode, name).toBe(52);
      expect(m.attributes.ErrorMessage, name).toMatch(/not primary/);
    }
  });

  it('shares agents and calls with the primary, but only the primary sends call/agent events', async () => {
    const p = await startPair();
    const onPrimary = await clientOn(p.a.url, '4001');
    const onBackup = await clientOn(p.b.url, '4001');
    const since = onBackup.mark();
    await onPrimary.request('RequestAgentLogin', { ThisDN: '4001', AgentID: 'ag' });
    const connId = p.primary.placeCall('4001');
    await onPrimary.waitFor('EventRinging');
    expect(p.b.call(connId)?.to).toBe('4001');
    expect(await arrivedBy(onBackup, (m) => m.name !== 'EventRestoreConnection', since)).toEqual([]);
    // The backup knows the agent: a late registration there reports it.
    const late = await pool.registered(p.b.url);
    const reg = await late.request('RequestRegisterAddress', { ThisDN: '4001' });
    expect(reg.attributes).toMatchObject({ AgentID: 'ag', AgentStatus: 2 });
    expect(() => p.b.placeCall('4001')).toThrow(/backup/);
  });

  it('both servers number events with one shared increasing EventSequenceNumber and one ServerStartTime', async () => {
    const p = await startPair();
    const a = await pool.registered(p.a.url);
    const b = await pool.registered(p.b.url);
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) {
      seqs.push((await a.request('RequestQueryServer')).attributes.EventSequenceNumber);
      seqs.push((await b.request('RequestQueryServer')).attributes.EventSequenceNumber);
    }
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(a.received[0].attributes.ServerStartTime).toEqual(b.received[0].attributes.ServerStartTime);
  });
});

describe('killPrimary', () => {
  it('destroys the primary sockets; the backup becomes primary and sends EventPrimaryChanged', async () => {
    const p = await startPair();
    const onA = await clientOn(p.a.url, '4001');
    const onB = await clientOn(p.b.url, '4001');
    await onA.request('RequestAgentLogin', { ThisDN: '4001', AgentID: 'ag' });
    const since = onB.mark();
    await p.killPrimary();
    await onA.waitForClose();
    const changed = await onB.waitFor('EventPrimaryChanged', { since });
    expect(changed.attributes.ReferenceID).toBeUndefined();
    expect(names(await arrivedBy(onB, () => true, since))).toEqual(['EventPrimaryChanged']);
    expect(p.primary).toBe(p.b);
    expect(p.a.isRunning).toBe(false);
    // The new primary knows the agent and now answers agent requests.
    expect((await onB.request('RequestAgentReady', { ThisDN: '4001' })).name).toBe('EventAgentReady');
    expect((await onB.request('RequestQueryServer')).attributes.ServerRole).toBe(0);
  });

  it('link rule: old primary up, new down → EventLinkDisconnected just before EventPrimaryChanged', async () => {
    const p = await startPair({ linkUp: [true, false] });
    const onB = await pool.registered(p.b.url);
    const since = onB.mark();
    await p.killPrimary();
    await onB.waitFor('EventPrimaryChanged', { since });
    const got = await arrivedBy(onB, () => true, since);
    expect(names(got)).toEqual(['EventLinkDisconnected', 'EventPrimaryChanged']);
    expect(got[1].attributes.EventSequenceNumber).toBe(got[0].attributes.EventSequenceNumber + 1);
  });
});

describe('switchover', () => {
  it('old primary sends EventRestoreConnection ServerRole 1 (new primary address), then the new primary sends EventPrimaryChanged', async () => {
    const p = await startPair();
    const onA = await clientOn(p.a.url, '4001');
    const onB = await clientOn(p.b.url, '4001');
    const sinceA = onA.mark();
    const sinceB = onB.mark();
    await p.switchover();
    const restore = await onA.waitFor('EventRestoreConnection', { since: sinceA });
    expect(restore.attributes.ServerRole).toBe(1);
    expect(restore.attributes.UserData).toEqual([
      ['PrimaryHost', '127.0.0.1'],
      ['PrimaryPort', p.b.address().port],
    ]);
    const changed = await onB.waitFor('EventPrimaryChanged', { since: sinceB });
    expect(changed.attributes.EventSequenceNumber).toBeGreaterThan(restore.attributes.EventSequenceNumber);
    expect(names(await arrivedBy(onB, () => true, sinceB))).toEqual(['EventPrimaryChanged']);
    expect(names(onA.received.slice(sinceA))).toEqual(['EventRestoreConnection']);
    expect(p.primary).toBe(p.b);
    expect(p.backup).toBe(p.a);
    // Roles really changed: the old primary now refuses with 52, the new one answers.
    expect((await onA.request('RequestAgentLogin', { ThisDN: '4001', AgentID: 'x' })).attributes.ErrorCode).toBe(52);
    expect((await onB.request('RequestAgentLogin', { ThisDN: '4001', AgentID: 'x' })).name).toBe('EventAgentLogin');
    // And a client registering on the demoted server is told where the primary is.
    const late = await pool.connect(p.a.url);
    await late.register();
    expect((await late.waitFor('EventRestoreConnection')).attributes.ServerRole).toBe(1);
  });

  it('link rule: old primary down, new up → EventLinkConnected just after EventPrimaryChanged', async () => {
    const p = await startPair({ linkUp: [false, true] });
    const onB = await pool.registered(p.b.url);
    const since = onB.mark();
    await p.switchover();
    await onB.waitForCount(() => true, 2, { since });
    const got = await arrivedBy(onB, () => true, since);
    expect(names(got)).toEqual(['EventPrimaryChanged', 'EventLinkConnected']);
    expect(got[1].attributes.EventSequenceNumber).toBe(got[0].attributes.EventSequenceNumber + 1);
  });

  it('link rule: old primary up, new down → EventLinkDisconnected just before (switchover too)', async () => {
    const p = await startPair();
    p.setLink(p.b, false);
    const onB = await pool.registered(p.b.url);
    const since = onB.mark();
    await p.switchover();
    await onB.waitForCount(() => true, 2, { since });
    expect(names(await arrivedBy(onB, () => true, since))).toEqual(['EventLinkDisconnected', 'EventPrimaryChanged']);
  });

  it('no link event when both links agree', async () => {
    const p = await startPair({ linkUp: false });
    const onB = await pool.registered(p.b.url);
    const since = onB.mark();
    await p.switchover();
    await onB.waitFor('EventPrimaryChanged', { since });
    expect(names(await arrivedBy(onB, () => true, since))).toEqual(['EventPrimaryChanged']);
  });
});

describe('repeatOnPromotion', () => {
  it('the new primary re-sends the last N call/agent events with their original EventSequenceNumber, to clients on the DN', async () => {
    const p = await startPair({ repeatOnPromotion: 2 });
    const onA = await clientOn(p.a.url, '4001');
    const onB = await clientOn(p.b.url, '4001');
    const otherDN = await clientOn(p.b.url, '4009');
    await onA.request('RequestAgentLogin', { ThisDN: '4001', AgentID: 'ag' });
    const ready = await onA.request('RequestAgentReady', { ThisDN: '4001' });
    const notReady = await onA.request('RequestAgentNotReady', { ThisDN: '4001' });
    const since = onB.mark();
    const sinceOther = otherDN.mark();
    await p.killPrimary();
    await onB.waitForCount(() => true, 3, { since });
    const got = await arrivedBy(onB, () => true, since);
    expect(names(got)).toEqual(['EventPrimaryChanged', 'EventAgentReady', 'EventAgentNotReady']);
    expect(got[1].attributes.EventSequenceNumber).toBe(ready.attributes.EventSequenceNumber);
    expect(got[2].attributes.EventSequenceNumber).toBe(notReady.attributes.EventSequenceNumber);
    expect(got[1].attributes.ReferenceID).toBeUndefined();
    expect(got[1].attributes.ThisDN).toBe('4001');
    // Duplicates go only to clients registered on the DN concerned.
    expect(names(await arrivedBy(otherDN, () => true, sinceOther))).toEqual(['EventPrimaryChanged']);
  });

  it('repeats nothing by default', async () => {
    const p = await startPair();
    const onA = await clientOn(p.a.url, '4001');
    const onB = await clientOn(p.b.url, '4001');
    await onA.request('RequestAgentLogin', { ThisDN: '4001', AgentID: 'ag' });
    const since = onB.mark();
    await p.switchover();
    await onB.waitFor('EventPrimaryChanged', { since });
    expect(names(await arrivedBy(onB, () => true, since))).toEqual(['EventPrimaryChanged']);
  });
});

describe('restart', () => {
  it('a killed primary listens again on its port as backup; the primary announces it to all its clients', async () => {
    const p = await startPair();
    const portA = p.a.address().port;
    const onB1 = await pool.registered(p.b.url);
    const onB2 = await pool.registered(p.b.url);
    await p.killPrimary();
    const marks = [onB1.mark(), onB2.mark()];
    await p.restart(p.a);
    expect(p.a.isRunning).toBe(true);
    expect(p.a.address().port).toBe(portA);
    expect(p.backup).toBe(p.a);
    expect(p.primary).toBe(p.b);
    for (const [i, c] of [onB1, onB2].entries()) {
      const restore = await c.waitFor('EventRestoreConnection', { since: marks[i] });
      expect(restore.attributes.ServerRole).toBe(0);
      expect(restore.attributes.UserData).toEqual([
        ['BackupHost', '127.0.0.1'],
        ['BackupPort', portA],
      ]);
    }
    // It is a backup again: RestoreConnection ServerRole 1 to new clients, 52 for agent requests.
    const onA = await clientOn(p.a.url, '4001');
    expect((await onA.waitFor('EventRestoreConnection')).attributes).toMatchObject({
      ServerRole: 1,
      UserData: [
        ['PrimaryHost', '127.0.0.1'],
        ['PrimaryPort', p.b.address().port],
      ],
    });
    expect((await onA.request('RequestAgentLogin', { ThisDN: '4001', AgentID: 'a' })).attributes.ErrorCode).toBe(52);
  });

  it('a killed backup comes back as backup and is announced', async () => {
    const p = await startPair();
    const onA = await pool.registered(p.a.url);
    await p.kill(p.b);
    expect(p.primary).toBe(p.a);
    const since = onA.mark();
    await p.restart(p.b);
    const restore = await onA.waitFor('EventRestoreConnection', { since });
    expect(restore.attributes.UserData).toEqual([
      ['BackupHost', '127.0.0.1'],
      ['BackupPort', p.b.address().port],
    ]);
    await expect(p.restart(p.b)).rejects.toThrow(/running/);
  });
});

describe('per-server controls', () => {
  it('setLink and freeze act on one server only', async () => {
    const p = await startPair();
    const onA = await pool.registered(p.a.url);
    const onB = await pool.registered(p.b.url);
    const [sa, sb] = [onA.mark(), onB.mark()];
    p.setLink(p.b, false);
    await onB.waitFor('EventLinkDisconnected', { since: sb });
    expect(await arrivedBy(onA, 'EventLinkDisconnected', sa)).toEqual([]);
    expect(p.b.linkUp).toBe(false);
    expect(p.a.linkUp).toBe(true);

    p.freeze(p.a);
    const since = onA.mark();
    onA.send('RequestQueryServer');
    expect((await onB.request('RequestQueryServer')).name).toBe('EventServerInfo');
    // A socket-level wait: the frozen server has read the request (and dropped it).
    await expect.poll(() => p.a.framesDiscarded).toBe(1);
    p.freeze(p.a, false);
    // The request sent while frozen was read and dropped: only the round trip after it is answered.
    expect(await arrivedBy(onA, () => true, since)).toEqual([]);
  });
});
