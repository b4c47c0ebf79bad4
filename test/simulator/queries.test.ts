/**
 * Wire spec 1.2 "Queries by information type" (RequestQueryAddress with AddressInfoType, answered
 * in AddressInfoStatus and echoed) and MediaType on calls, over real sockets.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AddressInfoType, AddressStatus, MediaType } from '../../src/protocol/enums.js';
import { TServerSimulator } from '../../src/simulator/index.js';
import type { WireClient } from '../support/wire-client.js';
import { desk, eventOn, expectError, pool } from './desks.js';

const QUEUE = '6000';
const RP = '5000';
let sim: TServerSimulator;
let c: WireClient;

beforeEach(async () => {
  sim = new TServerSimulator({ name: 'queries', queues: [QUEUE], routingPoints: [RP] });
  await sim.start();
  c = await desk(sim.url, ['1001', '1002', QUEUE, RP]);
});

afterEach(async () => {
  await pool.closeAll();
  await sim.stop();
});

async function query(dn: string, type?: number): Promise<Record<string, unknown>> {
  const answer = await c.answerTo('RequestQueryAddress', { ThisDN: dn, AddressInfoType: type });
  expect(answer.name, JSON.stringify(answer.attributes)).toBe('EventAddressInfo');
  return answer.attributes;
}

describe('AddressInfoType', () => {
  it('0 address status: idle, ringing, talking, dialing, held', async () => {
    const status = async (dn: string) => (await query(dn, AddressInfoType.AddressStatus)).AddressInfoStatus;
    expect(await query('1001', AddressInfoType.AddressStatus)).toMatchObject({
      ThisDN: '1001',
      AddressInfoType: 0,
      AddressInfoStatus: AddressStatus.Idle,
    });
    const connId = (await c.answerTo('RequestMakeCall', { ThisDN: '1001', OtherDN: '1002' })).attributes.ConnID as string;
    expect(await status('1001')).toBe(AddressStatus.Dialing);
    expect(await status('1002')).toBe(AddressStatus.Ringing);
    await c.answerTo('RequestAnswerCall', { ThisDN: '1002', ConnID: connId });
    expect(await status('1002')).toBe(AddressStatus.Talking);
    await c.answerTo('RequestHoldCall', { ThisDN: '1001', ConnID: connId });
    expect(await status('1001')).toBe(AddressStatus.Held);
  });

  it('0 at a routing point playing a treatment: 6', async () => {
    const connId = sim.placeCall(RP);
    await eventOn(c, 'EventRouteRequest', connId);
    await c.answerTo('RequestApplyTreatment', { ThisDN: RP, ConnID: connId, TreatmentType: 2 });
    expect((await query(RP, AddressInfoType.AddressStatus)).AddressInfoStatus).toBe(AddressStatus.Treatment);
  });

  it('3 forwarding status: the ForwardMode and the target in OtherDN', async () => {
    const none = await query('1001', AddressInfoType.ForwardingStatus);
    expect(none.AddressInfoStatus).toBe(0);
    expect(none.OtherDN).toBeUndefined();
    await c.answerTo('RequestCallForwardSet', { ThisDN: '1001', OtherDN: '1002', ForwardMode: 3 });
    expect(await query('1001', AddressInfoType.ForwardingStatus)).toMatchObject({ AddressInfoStatus: 3, OtherDN: '1002' });
  });

  it('4 agent status: AgentStatus, AgentWorkMode, Reasons, AgentID', async () => {
    expect((await query('1001', AddressInfoType.AgentStatus)).AddressInfoStatus).toBe(1);
    await c.answerTo('RequestAgentLogin', { ThisDN: '1001', AgentID: 'ag1' });
    await c.answerTo('RequestAgentNotReady', { ThisDN: '1001', AgentWorkMode: 4, Reasons: [['ReasonCode', 'Lunch']] });
    expect(await query('1001', AddressInfoType.AgentStatus)).toMatchObject({
      AddressInfoStatus: 4,
      AgentWorkMode: 4,
      Reasons: [['ReasonCode', 'Lunch']],
      AgentID: 'ag1',
    });
  });

  it('5, 6, 7 on a queue: agents logged in, of them Ready, calls waiting; 42 on a DN that is not a queue', async () => {
    sim.loginAgent('1001', 'ag1', { queue: QUEUE, ready: true });
    sim.loginAgent('1002', 'ag2', { queue: QUEUE });
    const busy = sim.placeCall(QUEUE);
    await eventOn(c, 'EventRinging', busy);
    sim.placeCall(QUEUE);
    sim.placeCall(QUEUE);
    expect((await query(QUEUE, AddressInfoType.AgentsInQueue)).AddressInfoStatus).toBe(2);
    expect((await query(QUEUE, AddressInfoType.ReadyAgentsInQueue)).AddressInfoStatus).toBe(1);
    expect((await query(QUEUE, AddressInfoType.CallsInQueue)).AddressInfoStatus).toBe(2);
    expectError(await c.answerTo('RequestQueryAddress', { ThisDN: '1001', AddressInfoType: 5 }), 42, /ACD queue/);
  });

  it('8 address type, 9 calls, 17 the full answer; a type not answered is refused (42)', async () => {
    expect((await query(RP, AddressInfoType.AddressType)).AddressInfoStatus).toBe(4);
    expect((await query(QUEUE, AddressInfoType.AddressType)).AddressInfoStatus).toBe(3);
    expect((await query('1001', AddressInfoType.AddressType)).AddressInfoStatus).toBe(1);
    const connId = sim.placeCall('1001');
    expect((await query('1001', AddressInfoType.Calls)).Extensions).toEqual([['Calls', [[connId, 'ringing']]]]);
    const full = await query('1001', AddressInfoType.DNStatus);
    expect(full).toMatchObject({ AddressInfoType: 17, AgentStatus: 1, ConnID: connId });
    const plain = await query('1001');
    expect(plain.AddressInfoType).toBeUndefined();
    expect(plain.Extensions).toEqual(full.Extensions);
    expectError(await c.answerTo('RequestQueryAddress', { ThisDN: '1001', AddressInfoType: 2 }), 42, /AddressInfoType: 2/);
  });
});

describe('MediaType', () => {
  it('a call placed with a MediaType carries it on every event; routing treats it as any call; voice carries none', async () => {
    const chat = sim.placeCall(RP, { from: 'chat-42', mediaType: MediaType.Chat });
    expect((await eventOn(c, 'EventRouteRequest', chat)).attributes.MediaType).toBe(MediaType.Chat);
    await c.answerTo('RequestRouteCall', { ThisDN: RP, ConnID: chat, OtherDN: '1001' });
    expect((await eventOn(c, 'EventRinging', chat)).attributes).toMatchObject({ ThisDN: '1001', MediaType: MediaType.Chat });
    const voice = sim.placeCall('1002');
    expect((await eventOn(c, 'EventRinging', voice)).attributes.MediaType).toBeUndefined();
  });
});
