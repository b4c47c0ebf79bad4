/**
 * Every request of the wire spec answered by a lone simulator over a real socket, and every
 * EventError code the simulator uses.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/codec/encoder.js';
import { MESSAGES } from '../../src/protocol/catalogue.js';
import { HANDLERS } from '../../src/simulator/handlers.js';
import { TServerSimulator } from '../../src/simulator/index.js';
import { ClientPool, type WireClient } from '../support/wire-client.js';
import { arrivedBy } from './desks.js';

let sim: TServerSimulator;
const pool = new ClientPool();

beforeEach(async () => {
  sim = new TServerSimulator({ name: 'req-sim', serverVersion: '9.9-test' });
  await sim.start();
});

afterEach(async () => {
  await pool.closeAll();
  await sim.stop();
});

async function agentClient(...dns: string[]): Promise<WireClient> {
  const c = await pool.registered(sim.url);
  await c.registerDN(...dns);
  return c;
}

function expectError(m: { name: string; attributes: Record<string, any> }, code: number, message?: RegExp): void {
  expect(m.name).toBe('EventError');
  expect(m.attributes.ErrorCode).toBe(code);
  if (message) expect(m.attributes.ErrorMessage).toMatch(message);
}

describe('lifecycle', () => {
  it('listens on 127.0.0.1 with an ephemeral port and reports it', () => {
    const { host, port } = sim.address();
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    expect(sim.url).toBe(`127.0.0.1:${port}`);
  });

  it('counts clients and emits client/clientClosed', async () => {
    const seen: string[] = [];
    sim.on('client', () => seen.push('client'));
    sim.on('clientClosed', () => seen.push('closed'));
    const c = await pool.connect(sim.url);
    await c.register();
    expect(sim.clientCount).toBe(1);
    await c.close();
    // A socket-level wait: the server sees the close.
    await expect.poll(() => sim.clientCount, { timeout: 2000 }).toBe(0);
    expect(seen).toEqual(['client', 'closed']);
  });

  it('stop() closes every client socket', async () => {
    const c = await pool.registered(sim.url);
    await sim.stop();
    await c.waitForClose();
    expect(c.isClosed).toBe(true);
  });
});

describe('stamping', () => {
  it('every event carries time, an increasing EventSequenceNumber and ServerStartTime; answers carry the ReferenceID', async () => {
    const c = await pool.connect(sim.url);
    const link = await c.request('RequestRegisterClient', { ApplicationName: 'stamp', ReferenceID: 4242 });
    const info = await c.request('RequestQueryServer');
    expect(link.attributes.ReferenceID).toBe(4242);
    for (const m of [link, info]) {
      expect(m.attributes.time.seconds).toBeGreaterThan(1_600_000_000);
      expect(typeof m.attributes.EventSequenceNumber).toBe('number');
      expect(m.attributes.ServerStartTime).toEqual(sim.shared.serverStartTime);
    }
    expect(info.attributes.EventSequenceNumber).toBeGreaterThan(link.attributes.EventSequenceNumber);
  });
});

describe('requests', () => {
  it('RequestRegisterClient → EventLinkConnected, or EventLinkDisconnected while the link is down', async () => {
    const c = await pool.connect(sim.url);
    expect((await c.register()).name).toBe('EventLinkConnected');
    sim.setLink(false);
    const d = await pool.connect(sim.url);
    expect((await d.register()).name).toBe('EventLinkDisconnected');
  });

  it('RequestQueryServer → EventServerInfo (ServerVersion, ServerRole 0)', async () => {
    const c = await pool.registered(sim.url);
    const m = await c.request('RequestQueryServer');
    expect(m.name).toBe('EventServerInfo');
    expect(m.attributes).toMatchObject({ ServerVersion: '9.9-test', ServerRole: 0 });
  });

  it('RequestRegisterAddress → EventRegistered, with the agent on the DN; RequestUnregisterAddress → EventUnregistered', async () => {
    const c = await pool.registered(sim.url);
    const r = await c.request('RequestRegisterAddress', { ThisDN: '1001' });
    expect(r.name).toBe('EventRegistered');
    expect(r.attributes.ThisDN).toBe('1001');
    expect(r.attributes.AgentID).toBeUndefined();
    await c.request('RequestAgentLogin', { ThisDN: '1001', AgentID: 'ag1' });
    const d = await pool.registered(sim.url);
    const r2 = await d.request('RequestRegisterAddress', { ThisDN: '1001' });
    expect(r2.attributes).toMatchObject({ ThisDN: '1001', AgentID: 'ag1', AgentStatus: 2 });
    const u = await c.request('RequestUnregisterAddress', { ThisDN: '1001' });
    expect(u.name).toBe('EventUnregistered');
    expect(u.attributes.ThisDN).toBe('1001');
  });

  it('RequestQueryAddress → EventAddressInfo with agent status and the call on the DN', async () => {
    const c = await agentClient('1001');
    let m = await c.request('RequestQueryAddress', { ThisDN: '1001' });
    expect(m.name).toBe('EventAddressInfo');
    expect(m.attributes).toMatchObject({ ThisDN: '1001', AgentStatus: 1 });
    expect(m.attributes.ConnID).toBeUndefined();
    await c.request('RequestAgentLogin', { ThisDN: '1001', AgentID: 'ag1' });
    await c.request('RequestAgentReady', { ThisDN: '1001' });
    const connId = sim.placeCall('1001');
    m = await c.request('RequestQueryAddress', { ThisDN: '1001' });
    expect(m.attributes).toMatchObject({ ThisDN: '1001', AgentID: 'ag1', AgentStatus: 3, ConnID: connId });
  });

  it('RequestSetInputMask → EventACK', async () => {
    const c = await pool.registered(sim.url);
    const m = await c.request('RequestSetInputMask', { InputMask: new Uint8Array(64).fill(0xff) });
    expect(m.name).toBe('EventACK');
  });

  it('agent login / ready / not ready (with Reasons) / logout → matching events; AgentStatus follows', async () => {
    const c = await agentClient('1001');
    const login = await c.request('RequestAgentLogin', { ThisDN: '1001', AgentID: 'ag1', Place: 'P1', AgentWorkMode: 0 });
    expect(login.name).toBe('EventAgentLogin');
    expect(login.attributes).toMatchObject({ ThisDN: '1001', AgentID: 'ag1', Place: 'P1' });
    expect(sim.agent('1001')?.status).toBe(2);
    const ready = await c.request('RequestAgentReady', { ThisDN: '1001' });
    expect(ready.name).toBe('EventAgentReady');
    expect(ready.attributes).toMatchObject({ ThisDN: '1001', AgentID: 'ag1' });
    expect(sim.agent('1001')?.status).toBe(3);
    const nr = await c.request('RequestAgentNotReady', { ThisDN: '1001', Reasons: [['Break', 'lunch']] });
    expect(nr.name).toBe('EventAgentNotReady');
    expect(nr.attributes.Reasons).toEqual([['Break', 'lunch']]);
    expect(sim.agent('1001')?.status).toBe(4);
    const out = await c.request('RequestAgentLogout', { ThisDN: '1001' });
    expect(out.name).toBe('EventAgentLogout');
    expect(out.attributes).toMatchObject({ ThisDN: '1001', AgentID: 'ag1' });
    expect(sim.agent('1001')).toBeUndefined();
  });

  it('MakeCall → EventDialing (answer) and EventRinging on OtherDN; AnswerCall → EventEstablished to both; ReleaseCall → EventReleased to both', async () => {
    const a = await agentClient('1001');
    const b = await agentClient('1002');
    const dialing = await a.request('RequestMakeCall', { ThisDN: '1001', OtherDN: '1002', UserData: [['k', 'v']] });
    expect(dialing.name).toBe('EventDialing');
    const connId = dialing.attributes.ConnID as string;
    expect(connId).toMatch(/^[0-9a-f]{16}$/);
    expect(dialing.attributes).toMatchObject({ ThisDN: '1001', OtherDN: '1002', UserData: [['k', 'v']] });
    const ringing = await b.waitFor('EventRinging');
    expect(ringing.attributes).toMatchObject({ ThisDN: '1002', OtherDN: '1001', ConnID: connId });
    expect(ringing.attributes.ReferenceID).toBeUndefined();

    const est = await b.request('RequestAnswerCall', { ThisDN: '1002', ConnID: connId });
    expect(est.name).toBe('EventEstablished');
    expect(est.attributes).toMatchObject({ ThisDN: '1002', OtherDN: '1001', ConnID: connId });
    const estA = await a.waitFor('EventEstablished');
    expect(estA.attributes).toMatchObject({ ThisDN: '1001', OtherDN: '1002', ConnID: connId });

    const rel = await a.request('RequestReleaseCall', { ThisDN: '1001', ConnID: connId });
    expect(rel.name).toBe('EventReleased');
    expect(rel.attributes).toMatchObject({ ThisDN: '1001', ConnID: connId });
    const relB = await b.waitFor('EventReleased');
    expect(relB.attributes).toMatchObject({ ThisDN: '1002', ConnID: connId });
    expect(sim.call(connId)).toBeUndefined();
  });

  it('AttachUserData → EventAttachedDataChanged with merged UserData to both parties', async () => {
    const a = await agentClient('1001');
    const b = await agentClient('1002');
    const connId = (
      await a.request('RequestMakeCall', {
        ThisDN: '1001',
        OtherDN: '1002',
        UserData: [
          ['a', 1],
          ['b', 'x'],
        ],
      })
    ).attributes.ConnID as string;
    const m = await a.request('RequestAttachUserData', {
      ThisDN: '1001',
      ConnID: connId,
      UserData: [
        ['b', 'y'],
        ['c', 3],
      ],
    });
    expect(m.name).toBe('EventAttachedDataChanged');
    const merged = [
      ['a', 1],
      ['b', 'y'],
      ['c', 3],
    ];
    expect(m.attributes).toMatchObject({ ThisDN: '1001', ConnID: connId, UserData: merged });
    const onB = await b.waitFor('EventAttachedDataChanged');
    expect(onB.attributes).toMatchObject({ ThisDN: '1002', UserData: merged });
  });

  it('RequestQueryCall → EventPartyInfo', async () => {
    const a = await agentClient('1001');
    const connId = (await a.request('RequestMakeCall', { ThisDN: '1001', OtherDN: '1002', UserData: [['k', 'v']] })).attributes.ConnID;
    const m = await a.request('RequestQueryCall', { ConnID: connId });
    expect(m.name).toBe('EventPartyInfo');
    expect(m.attributes).toMatchObject({ ConnID: connId, ThisDN: '1001', OtherDN: '1002', CallState: 0, UserData: [['k', 'v']] });
  });

  it('RequestDistributeUserEvent → EventACK UserEvent 48 to the sender, EventUserEvent to clients on ThisDN', async () => {
    const sender = await pool.registered(sim.url);
    const watcher = await agentClient('1005');
    const ack = await sender.request('RequestDistributeUserEvent', { ThisDN: '1005', UserData: [['x', 'y']], CustomerID: 'cust' });
    expect(ack.name).toBe('EventACK');
    expect(ack.attributes.UserEvent).toBe(48);
    const ue = await watcher.waitFor('EventUserEvent');
    expect(ue.attributes).toMatchObject({ ThisDN: '1005', UserData: [['x', 'y']], CustomerID: 'cust' });
    expect(await arrivedBy(sender, 'EventUserEvent', 0)).toEqual([]);
  });

  it('RequestReserveAgent → EventAgentReserved echoing what it reserved', async () => {
    const c = await pool.registered(sim.url);
    const m = await c.request('RequestReserveAgent', { AgentID: 'ag9', Place: 'P9', Timeout: 5000 });
    expect(m.name).toBe('EventAgentReserved');
    expect(m.attributes).toMatchObject({ AgentID: 'ag9', Place: 'P9', Timeout: 5000 });
  });

  it('RequestQueryLocation → EventLocationInfo', async () => {
    const c = await pool.registered(sim.url);
    expect((await c.request('RequestQueryLocation')).attributes).toMatchObject({ Location: 'req-sim' });
    const m = await c.request('RequestQueryLocation', { Location: 'Paris', LocationInfoType: 0 });
    expect(m.name).toBe('EventLocationInfo');
    expect(m.attributes.Location).toBe('Paris');
  });

  it('RequestPrivateService → EventPrivateInfo, PrivateEvent = PrivateMsgID, echoing ThisDN/ConnID/UserData', async () => {
    const c = await pool.registered(sim.url);
    const m = await c.request('RequestPrivateService', {
      PrivateMsgID: 4711,
      ThisDN: '1001',
      ConnID: '00000000000000ff',
      UserData: [['p', 'q']],
    });
    expect(m.name).toBe('EventPrivateInfo');
    expect(m.attributes).toMatchObject({ PrivateEvent: 4711, ThisDN: '1001', ConnID: '00000000000000ff', UserData: [['p', 'q']] });
  });

  it('RequestTransactionMonitoring: start → EventACK with a new SubscriptionID; modify/stop → EventACK without; status events reach the subscriber', async () => {
    const c = await pool.registered(sim.url);
    const start1 = await c.request('RequestTransactionMonitoring', { SubscriptionOperation: 1, TransactionType: 2 });
    const start2 = await c.request('RequestTransactionMonitoring', { SubscriptionOperation: 1 });
    expect(start1.name).toBe('EventACK');
    const id = start1.attributes.SubscriptionID as number;
    expect(typeof id).toBe('number');
    expect(start2.attributes.SubscriptionID).not.toBe(id);

    expect(sim.emitTransactionStatus(id, [['state', 'done']])).toBe(true);
    const status = await c.waitFor('EventTransactionStatus');
    expect(status.attributes).toMatchObject({ SubscriptionID: id, Extensions: [['state', 'done']] });

    const modify = await c.request('RequestTransactionMonitoring', { SubscriptionOperation: 3, SubscriptionID: id });
    expect(modify.name).toBe('EventACK');
    expect(modify.attributes.SubscriptionID).toBeUndefined();
    const stop = await c.request('RequestTransactionMonitoring', { SubscriptionOperation: 2, SubscriptionID: id });
    expect(stop.name).toBe('EventACK');
    expect(stop.attributes.SubscriptionID).toBeUndefined();
    expect(sim.emitTransactionStatus(id)).toBe(false);
  });

  it('emits request events and counts requests by name', async () => {
    const seen: string[] = [];
    sim.on('request', (r) => seen.push(`${r.clientId > 0 ? 'ok' : 'bad'}:${r.name}`));
    const c = await pool.registered(sim.url);
    await c.request('RequestQueryServer');
    await c.request('RequestQueryServer');
    expect(sim.requestCounts()).toEqual({ RequestRegisterClient: 1, RequestQueryServer: 2 });
    expect(seen).toEqual(['ok:RequestRegisterClient', 'ok:RequestQueryServer', 'ok:RequestQueryServer']);
  });
});

describe('error codes', () => {
  it('40 unknown DN', async () => {
    const c = await pool.registered(sim.url);
    expectError(await c.request('RequestRegisterAddress', { ThisDN: 'not-a-dn' }), 40, /not-a-dn/);
    expectError(await c.request('RequestQueryAddress', { ThisDN: '1234567890123456' }), 40);
    await c.registerDN('1001');
    expectError(await c.request('RequestMakeCall', { ThisDN: '1001', OtherDN: 'x' }), 40, /OtherDN/);
  });

  it('40 follows the knownDN option', async () => {
    const custom = new TServerSimulator({ knownDN: (dn) => dn.startsWith('7') });
    await custom.start();
    try {
      const c = await pool.registered(custom.url);
      expect((await c.request('RequestRegisterAddress', { ThisDN: '7001' })).name).toBe('EventRegistered');
      expectError(await c.request('RequestRegisterAddress', { ThisDN: '1001' }), 40);
    } finally {
      await pool.closeAll();
      await custom.stop();
    }
  });

  it('41 DN not registered (unregister, and agent/call requests on an unregistered ThisDN)', async () => {
    const c = await pool.registered(sim.url);
    expectError(await c.request('RequestUnregisterAddress', { ThisDN: '1001' }), 41, /1001/);
    expectError(await c.request('RequestAgentLogin', { ThisDN: '1001', AgentID: 'a' }), 41);
    expectError(await c.request('RequestMakeCall', { ThisDN: '1001', OtherDN: '1002' }), 41);
  });

  it('42 invalid attribute (bad InputMask, unknown SubscriptionID on stop, agent not logged in, ReferenceID ≤ 0)', async () => {
    const c = await pool.registered(sim.url);
    expectError(await c.request('RequestSetInputMask', { InputMask: new Uint8Array(3) }), 42, /InputMask/);
    expectError(await c.request('RequestTransactionMonitoring', { SubscriptionOperation: 2, SubscriptionID: 999 }), 42, /999/);
    expectError(await c.request('RequestTransactionMonitoring', { SubscriptionOperation: 7 }), 42);
    await c.registerDN('1001');
    expectError(await c.request('RequestAgentReady', { ThisDN: '1001' }), 42, /no agent/);
    expectError(await c.request('RequestAgentLogout', { ThisDN: '1001' }), 42);
    const since = c.mark();
    c.send('RequestQueryServer', { ReferenceID: -5 });
    const err = await c.waitFor('EventError', { since });
    expectError(err, 42, /ReferenceID/);
  });

  it('43 missing Mandatory attribute, naming it', async () => {
    const c = await pool.connect(sim.url);
    expectError(await c.request('RequestRegisterClient', {}), 43, /ApplicationName/);
    expectError(await c.request('RequestRegisterAddress', {}), 43, /ThisDN/);
    expectError(await c.request('RequestAgentLogin', { ThisDN: '1001' }), 43, /AgentID/);
    expectError(await c.request('RequestAttachUserData', { ThisDN: '1001', ConnID: '0000000000000001' }), 43, /UserData/);
    expectError(await c.request('RequestReserveAgent', { Timeout: 10 }), 43, /AgentID|Place|ThisDN/);
    expectError(await c.request('RequestTransactionMonitoring', { SubscriptionOperation: 2 }), 43, /SubscriptionID/);
    // No ReferenceID at all: the error names it and carries none.
    const since = c.mark();
    c.sendFrame(1, {});
    const err = await c.waitFor('EventError', { since });
    expectError(err, 43, /ReferenceID/);
    expect(err.attributes.ReferenceID).toBeUndefined();
  });

  it('50 unknown request (unknown type, or an event type sent by a client)', async () => {
    const c = await pool.registered(sim.url);
    let since = c.mark();
    c.sendFrame(777, { ReferenceID: 31 });
    expectError(await c.waitFor((m) => m.attributes.ReferenceID === 31, { since }), 50, /777/);
    since = c.mark();
    c.sendFrame(60, { ReferenceID: 32, ThisDN: '1001', ConnID: '0000000000000001' });
    expectError(await c.waitFor((m) => m.attributes.ReferenceID === 32, { since }), 50);
    expect(sim.requestCounts()['Unknown(777)']).toBe(1);
    // A request the catalogue knows by name only (type 5, RequestRegisterAll): not supported, 50.
    since = c.mark();
    c.sendFrame(5, { ReferenceID: 33 });
    expectError(await c.waitFor((m) => m.attributes.ReferenceID === 33, { since }), 50, /RequestRegisterAll is not supported/);
  });

  it('53 CTI link down (RegisterAddress, agent and call requests)', async () => {
    const c = await agentClient('1001');
    sim.setLink(false);
    expectError(await c.request('RequestRegisterAddress', { ThisDN: '1002' }), 53);
    expectError(await c.request('RequestAgentLogin', { ThisDN: '1001', AgentID: 'a' }), 53);
    expectError(await c.request('RequestMakeCall', { ThisDN: '1001', OtherDN: '1002' }), 53);
    sim.setLink(true);
    expect((await c.request('RequestRegisterAddress', { ThisDN: '1002' })).name).toBe('EventRegistered');
  });

  it('56 agent already logged in (same DN, or same AgentID elsewhere)', async () => {
    const c = await agentClient('1001', '1002');
    await c.request('RequestAgentLogin', { ThisDN: '1001', AgentID: 'ag1' });
    expectError(await c.request('RequestAgentLogin', { ThisDN: '1001', AgentID: 'ag2' }), 56);
    expectError(await c.request('RequestAgentLogin', { ThisDN: '1002', AgentID: 'ag1' }), 56, /1001/);
  });

  it('57 no such call (unknown ConnID); 61 when ThisDN is not a party of it', async () => {
    const a = await agentClient('1001', '1003');
    expectError(await a.request('RequestQueryCall', { ConnID: '00000000deadbeef' }), 57);
    expectError(await a.request('RequestReleaseCall', { ThisDN: '1001', ConnID: '00000000deadbeef' }), 57);
    const connId = (await a.request('RequestMakeCall', { ThisDN: '1001', OtherDN: '1002' })).attributes.ConnID;
    expectError(await a.request('RequestAnswerCall', { ThisDN: '1003', ConnID: connId }), 61, /party/);
    expectError(await a.request('RequestAttachUserData', { ThisDN: '1003', ConnID: connId, UserData: [['a', 1]] }), 61);
  });

  it('42 when answering a call that is not ringing on ThisDN', async () => {
    const a = await agentClient('1001');
    const connId = (await a.request('RequestMakeCall', { ThisDN: '1001', OtherDN: '1002' })).attributes.ConnID;
    expectError(await a.request('RequestAnswerCall', { ThisDN: '1001', ConnID: connId }), 42, /not ringing/);
  });
});

describe('robustness', () => {
  it('a malformed frame emits protocolError and closes only that client', async () => {
    const errors: string[] = [];
    sim.on('protocolError', (e) => errors.push(e.error.code));
    const good = await pool.registered(sim.url);
    const bad = await pool.connect(sim.url);
    const frame = Buffer.from(encodeFrame(1, { ReferenceID: 1 }));
    frame.writeUInt16BE(0xbeef, 4); // bad magic
    bad.sendRaw(frame);
    await bad.waitForClose();
    expect(errors).toEqual(['ERR_BAD_MAGIC']);
    expect((await good.request('RequestQueryServer')).name).toBe('EventServerInfo');
  });

  it('a frame over maxFrameBytes closes the client', async () => {
    const small = new TServerSimulator({ maxFrameBytes: 64 });
    await small.start();
    try {
      const errors: string[] = [];
      small.on('protocolError', (e) => errors.push(e.error.code));
      const c = await pool.connect(small.url);
      c.send('RequestRegisterClient', { ApplicationName: 'x'.repeat(200) });
      await c.waitForClose();
      expect(errors).toEqual(['ERR_FRAME_TOO_LARGE']);
    } finally {
      await pool.closeAll();
      await small.stop();
    }
  });

  it('a frame split into single bytes is still understood', async () => {
    const c = await pool.connect(sim.url);
    const frame = encodeFrame(0, { ApplicationName: 'dribble', ReferenceID: 9 });
    for (const byte of frame) c.sendRaw(Uint8Array.of(byte));
    const m = await c.waitFor((x) => x.attributes.ReferenceID === 9);
    expect(m.name).toBe('EventLinkConnected');
  });
});

describe('coverage of the catalogue', () => {
  it('every request the catalogue models (1.0 and 1.1) has a simulator handler', () => {
    const modelled = MESSAGES.filter((d) => d.kind === 'request' && !d.catalogueOnly).map((d) => d.name);
    expect(modelled.length).toBeGreaterThan(40);
    expect(modelled.filter((name) => !(name in HANDLERS))).toEqual([]);
  });
});
