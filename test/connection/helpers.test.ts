/**
 * Typed helpers (issue 12 item 3, issue 13 item 1, issue 23 item 2): each sends the right message
 * type with the right attributes, as the real simulator decodes them over a loopback socket. The
 * assertions are on what the server received, not on its answer (a simulator without a request's
 * model answers it with EventError; each request is still awaited until it settles). Type numbers
 * and attribute names are written by hand from wire-protocol.md 1.0–1.2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TServerConnection } from '../../src/connection/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  AddressType,
  AgentWorkMode,
  ForwardMode,
  MakeCallType,
  MergeType,
  MonitorNextCallType,
  RouteType,
  TreatmentType,
} from '../../src/protocol/enums.js';
import { MESSAGES } from '../../src/protocol/catalogue.js';
import { HELPERS } from '../../src/protocol/helper-table.js';
import type { TServerSimulator } from '../../src/simulator/index.js';
import { ConnRecorder, Harness, SimRecorder, delay, outcomeOf } from '../support/connection-helpers.js';

const h = new Harness();
let sim: TServerSimulator;
let srec: SimRecorder;
let conn: TServerConnection;

beforeAll(async () => {
  sim = await h.sim({ name: 'helpers-sim' });
  srec = new SimRecorder(sim);
  ({ conn } = await h.open(sim, { addp: false }));
  await conn.registerAddress('1001');
});
afterAll(() => h.cleanup());

const A = '00000000000000a1';
const B = '00000000000000b2';
const UD = { Customer: 'ACME', Tier: 2 };
const UD_WIRE = [
  ['Customer', 'ACME'],
  ['Tier', 2],
];
const REASONS = { Reason: 'coffee' };
const REASONS_WIRE = [['Reason', 'coffee']];
/** An input mask that lets every event through (so later tests still see theirs). */
const ALL_EVENTS = new Uint8Array(64).fill(0xff);

type Case = [
  helper: string,
  call: (c: TServerConnection) => Promise<unknown>,
  type: number,
  request: string,
  attributes: Record<string, unknown>,
];

const CASES: Case[] = [
  ['holdCall', (c) => c.holdCall('1001', A), 18, 'RequestHoldCall', { ThisDN: '1001', ConnID: A }],
  [
    'retrieveCall',
    (c) => c.retrieveCall('1001', A, { reasons: REASONS }),
    19,
    'RequestRetrieveCall',
    { ThisDN: '1001', ConnID: A, Reasons: REASONS_WIRE },
  ],
  [
    'initiateTransfer',
    (c) => c.initiateTransfer('1001', A, '1002', { userData: UD, location: 'east' }),
    23,
    'RequestInitiateTransfer',
    { ThisDN: '1001', ConnID: A, OtherDN: '1002', UserData: UD_WIRE, Location: 'east' },
  ],
  [
    'completeTransfer',
    (c) => c.completeTransfer('1001', A, B),
    26,
    'RequestCompleteTransfer',
    { ThisDN: '1001', ConnID: A, TransferConnID: B },
  ],
  [
    'singleStepTransfer',
    (c) => c.singleStepTransfer('1001', A, '1003', { userData: UD }),
    25,
    'RequestSingleStepTransfer',
    { ThisDN: '1001', ConnID: A, OtherDN: '1003', UserData: UD_WIRE },
  ],
  [
    'initiateConference',
    (c) => c.initiateConference('1001', A, '1002'),
    20,
    'RequestInitiateConference',
    { ThisDN: '1001', ConnID: A, OtherDN: '1002' },
  ],
  [
    'completeConference',
    (c) => c.completeConference('1001', A, B),
    21,
    'RequestCompleteConference',
    { ThisDN: '1001', ConnID: A, ConferenceConnID: B },
  ],
  [
    'deleteFromConference',
    (c) => c.deleteFromConference('1001', A, '1003'),
    22,
    'RequestDeleteFromConference',
    { ThisDN: '1001', ConnID: A, OtherDN: '1003' },
  ],
  ['alternateCall', (c) => c.alternateCall('1001', A, B), 28, 'RequestAlternateCall', { ThisDN: '1001', ConnID: A, PreviousConnID: B }],
  ['reconnectCall', (c) => c.reconnectCall('1001', A, B), 29, 'RequestReconnectCall', { ThisDN: '1001', ConnID: A, PreviousConnID: B }],
  ['updateUserData', (c) => c.updateUserData('1001', A, UD), 31, 'RequestUpdateUserData', { ThisDN: '1001', ConnID: A, UserData: UD_WIRE }],
  ['deleteUserData', (c) => c.deleteUserData('1001', A), 32, 'RequestDeleteUserData', { ThisDN: '1001', ConnID: A }],
  [
    'deleteUserDataPair',
    (c) => c.deleteUserDataPair('1001', A, 'Tier'),
    33,
    'RequestDeletePair',
    { ThisDN: '1001', ConnID: A, DataKey: 'Tier' },
  ],
  ['setDNDOn', (c) => c.setDNDOn('1001'), 12, 'RequestSetDNDOn', { ThisDN: '1001' }],
  ['setDNDOff', (c) => c.setDNDOff('1001', { extensions: { x: 1 } }), 13, 'RequestSetDNDOff', { ThisDN: '1001', Extensions: [['x', 1]] }],
  [
    'setCallForward',
    (c) => c.setCallForward('1001', '1009', { forwardMode: ForwardMode.OnBusy }),
    34,
    'RequestCallForwardSet',
    { ThisDN: '1001', OtherDN: '1009', ForwardMode: 2 },
  ],
  ['cancelCallForward', (c) => c.cancelCallForward('1001'), 35, 'RequestCallForwardCancel', { ThisDN: '1001' }],
  ['sendDTMF', (c) => c.sendDTMF('1001', A, '12#'), 97, 'RequestSendDTMF', { ThisDN: '1001', ConnID: A, DTMFDigits: '12#' }],
  ['redirectCall', (c) => c.redirectCall('1001', A, '1004'), 103, 'RequestRedirectCall', { ThisDN: '1001', ConnID: A, OtherDN: '1004' }],
  ['clearCall', (c) => c.clearCall('1001', A), 110, 'RequestClearCall', { ThisDN: '1001', ConnID: A }],
  ['setMuteOn', (c) => c.setMuteOn('1001', A), 143, 'RequestSetMuteOn', { ThisDN: '1001', ConnID: A }],
  ['setMuteOff', (c) => c.setMuteOff('1001', A), 144, 'RequestSetMuteOff', { ThisDN: '1001', ConnID: A }],
  [
    'listenDisconnect',
    (c) => c.listenDisconnect('1001', A, '1005'),
    104,
    'RequestListenDisconnect',
    { ThisDN: '1001', ConnID: A, OtherDN: '1005' },
  ],
  [
    'listenReconnect',
    (c) => c.listenReconnect('1001', A, '1005'),
    105,
    'RequestListenReconnect',
    { ThisDN: '1001', ConnID: A, OtherDN: '1005' },
  ],
  [
    'monitorNextCall',
    (c) => c.monitorNextCall('1900', '1001', { monitorNextCallType: MonitorNextCallType.AllCalls }),
    139,
    'RequestMonitorNextCall',
    { ThisDN: '1900', OtherDN: '1001', MonitorNextCallType: 1 },
  ],
  ['cancelMonitoring', (c) => c.cancelMonitoring('1900', '1001'), 140, 'RequestCancelMonitoring', { ThisDN: '1900', OtherDN: '1001' }],
  ['querySwitch', (c) => c.querySwitch({ switchInfoType: 3 }), 121, 'RequestQuerySwitch', { SwitchInfoType: 3 }],
  [
    'agentReady (work mode)',
    (c) => c.agentReady('1001', { workMode: AgentWorkMode.AutoIn, queue: '7000' }),
    10,
    'RequestAgentReady',
    { ThisDN: '1001', AgentWorkMode: 2, ThisQueue: '7000' },
  ],
  [
    'agentNotReady (after-call work)',
    (c) => c.agentNotReady('1001', { workMode: AgentWorkMode.AfterCallWork, reasons: REASONS }),
    11,
    'RequestAgentNotReady',
    { ThisDN: '1001', AgentWorkMode: 3, Reasons: REASONS_WIRE },
  ],
  [
    'agentLogin (queue, password, work mode)',
    (c) => c.agentLogin('1001', 'ag1', { queue: '7000', password: 'pw', workMode: AgentWorkMode.ManualIn, place: 'P1' }),
    8,
    'RequestAgentLogin',
    { ThisDN: '1001', AgentID: 'ag1', ThisQueue: '7000', Password: 'pw', AgentWorkMode: 1, Place: 'P1' },
  ],
  [
    'makeCall (make-call type, location)',
    (c) => c.makeCall('1001', '1002', { makeCallType: MakeCallType.Priority, location: 'west' }),
    14,
    'RequestMakeCall',
    { ThisDN: '1001', OtherDN: '1002', MakeCallType: 3, Location: 'west' },
  ],
  [
    'routeCall',
    (c) =>
      c.routeCall('5000', A, '1001', { routeType: RouteType.Label, location: 'east', dnis: '800', userData: UD, extensions: { e: 'v' } }),
    36,
    'RequestRouteCall',
    {
      ThisDN: '5000',
      ConnID: A,
      OtherDN: '1001',
      RouteType: 2,
      Location: 'east',
      DNIS: '800',
      UserData: UD_WIRE,
      Extensions: [['e', 'v']],
    },
  ],
  ['routeCall (default route)', (c) => c.routeCall('5000', A, undefined), 36, 'RequestRouteCall', { ThisDN: '5000', ConnID: A }],
  [
    'applyTreatment',
    (c) => c.applyTreatment('5000', A, TreatmentType.Music, { parms: { MUSIC_DN: '7001' } }),
    113,
    'RequestApplyTreatment',
    { ThisDN: '5000', ConnID: A, TreatmentType: 2, TreatmentParms: [['MUSIC_DN', '7001']] },
  ],
  [
    'registerAddress (addressType)',
    (c) => c.registerAddress('5000', { addressType: AddressType.RoutingPoint }),
    3,
    'RequestRegisterAddress',
    { ThisDN: '5000', AddressType: 4 },
  ],
  [
    'registerAddress (the catalogue names still work)',
    (c) => c.registerAddress('7000', { AddressType: AddressType.Queue, RegisterMode: 1 }),
    3,
    'RequestRegisterAddress',
    { ThisDN: '7000', AddressType: 3, RegisterMode: 1 },
  ],
  ['setCallInfo', (c) => c.setCallInfo(A, { CustomerID: 'c9' }), 111, 'RequestSetCallInfo', { ConnID: A, CustomerID: 'c9' }],
  ['setCallInfo (camelCase)', (c) => c.setCallInfo(A, { customerId: 'c8' }), 111, 'RequestSetCallInfo', { ConnID: A, CustomerID: 'c8' }],
  // Version 1.0 requests: Reasons (and ThisQueue on Logout, Answer, Release) taken since 1.2.
  ['unregisterAddress', (c) => c.unregisterAddress('1009'), 4, 'RequestUnregisterAddress', { ThisDN: '1009' }],
  ['queryAddress', (c) => c.queryAddress('1001', { addressInfoType: 4 }), 2, 'RequestQueryAddress', { ThisDN: '1001', AddressInfoType: 4 }],
  ['queryCall', (c) => c.queryCall(A, { callInfoType: 1 }), 108, 'RequestQueryCall', { ConnID: A, CallInfoType: 1 }],
  ['queryLocation', (c) => c.queryLocation({ location: 'east' }), 136, 'RequestQueryLocation', { Location: 'east' }],
  ['queryServer', (c) => c.queryServer({ timeoutMs: 1000 }), 1, 'RequestQueryServer', {}],
  [
    'setInputMask',
    (c) => c.setInputMask(ALL_EVENTS, { extensions: { x: 1 } }),
    7,
    'RequestSetInputMask',
    { InputMask: Buffer.from(ALL_EVENTS), Extensions: [['x', 1]] }, // the simulator decodes binaries as Buffers
  ],
  [
    'agentLogout (reasons, queue)',
    (c) => c.agentLogout('1001', { reasons: REASONS, queue: '7000' }),
    9,
    'RequestAgentLogout',
    { ThisDN: '1001', Reasons: REASONS_WIRE, ThisQueue: '7000' },
  ],
  ['reserveAgent', (c) => c.reserveAgent({ agentId: 'ag1', timeout: 500 }), 127, 'RequestReserveAgent', { AgentID: 'ag1', Timeout: 500 }],
  [
    'answerCall (reasons)',
    (c) => c.answerCall('1001', A, { reasons: REASONS }),
    16,
    'RequestAnswerCall',
    { ThisDN: '1001', ConnID: A, Reasons: REASONS_WIRE },
  ],
  [
    'releaseCall (reasons, queue)',
    (c) => c.releaseCall('1001', A, { reasons: REASONS, queue: '7000' }),
    17,
    'RequestReleaseCall',
    { ThisDN: '1001', ConnID: A, Reasons: REASONS_WIRE, ThisQueue: '7000' },
  ],
  [
    'attachUserData (options, as updateUserData)',
    (c) => c.attachUserData('1001', A, UD, { reasons: REASONS }),
    30,
    'RequestAttachUserData',
    { ThisDN: '1001', ConnID: A, UserData: UD_WIRE, Reasons: REASONS_WIRE },
  ],
  [
    'sendUserEvent',
    (c) => c.sendUserEvent('1001', { userData: UD, customerId: 'c1' }),
    48,
    'RequestDistributeUserEvent',
    { ThisDN: '1001', UserData: UD_WIRE, CustomerID: 'c1' },
  ],
  [
    'privateService',
    (c) => c.privateService(4001, { dn: '1001', userData: UD }),
    149,
    'RequestPrivateService',
    { PrivateMsgID: 4001, ThisDN: '1001', UserData: UD_WIRE },
  ],
  [
    'transactionMonitoring',
    (c) => c.transactionMonitoring({ SubscriptionOperation: 1, transactionType: 2 }),
    180,
    'RequestTransactionMonitoring',
    { SubscriptionOperation: 1, TransactionType: 2 },
  ],
  // Version 1.2 "Requests added".
  [
    'makePredictiveCall',
    (c) => c.makePredictiveCall('5000', '5551234', { timeout: 20_000, userData: UD }),
    15,
    'RequestMakePredictiveCall',
    { ThisDN: '5000', OtherDN: '5551234', Timeout: 20_000, UserData: UD_WIRE },
  ],
  [
    'muteTransfer',
    (c) => c.muteTransfer('1001', A, '1003', { location: 'east' }),
    24,
    'RequestMuteTransfer',
    { ThisDN: '1001', ConnID: A, OtherDN: '1003', Location: 'east' },
  ],
  [
    'mergeCalls',
    (c) => c.mergeCalls('1001', A, B, MergeType.Conference),
    27,
    'RequestMergeCalls',
    { ThisDN: '1001', ConnID: A, TransferConnID: B, MergeType: 1 },
  ],
  [
    'collectDigits',
    (c) => c.collectDigits('1001', A, { numberOfDigits: 4, terminateDigits: '#', timeout: 3000 }),
    45,
    'RequestCollectDigits',
    { ThisDN: '1001', ConnID: A, NumberOfDigits: 4, TerminateDigits: '#', Timeout: 3000 },
  ],
  [
    'singleStepConference',
    (c) => c.singleStepConference('1001', A, '1003', { userData: UD }),
    120,
    'RequestSingleStepConference',
    { ThisDN: '1001', ConnID: A, OtherDN: '1003', UserData: UD_WIRE },
  ],
];

describe('each helper sends its request with the right type and attributes', () => {
  it('every helper of the table has a case here, and so every request of the protocol but RequestRegisterClient', () => {
    const helpers = new Set(CASES.map((c) => c[0].split(' ')[0]));
    expect(Object.keys(HELPERS).filter((name) => !helpers.has(name))).toEqual([]);
    const requests = MESSAGES.filter((d) => d.kind === 'request' && !d.catalogueOnly).map((d) => d.name);
    const cased = new Set(CASES.map((c) => c[3]));
    expect(requests.filter((n) => !cased.has(n))).toEqual(['RequestRegisterClient']);
  });

  for (const [helper, call, type, request, attributes] of CASES) {
    it(`${helper} → ${type} ${request}`, async () => {
      const before = srec.requests.length;
      // Settles either way (answer or EventError): nothing is left in flight.
      await outcomeOf(call(conn));
      const sent = srec.requests.slice(before).map((r) => r.value);
      expect(sent).toHaveLength(1);
      expect(sent[0].type).toBe(type);
      expect(sent[0].name).toBe(request);
      const { ReferenceID, ...received } = sent[0].attributes;
      expect(ReferenceID).toBeGreaterThan(0);
      expect(received).toEqual(attributes);
      expect(conn.state.inFlight).toBe(0);
    });
  }
});

describe('helpers refuse bad input locally, naming the problem', () => {
  async function refused(p: Promise<unknown>): Promise<InvalidArgumentError> {
    const before = srec.requests.length;
    const out = await outcomeOf(p);
    expect(out.ok).toBe(false);
    if (out.ok) throw new Error('resolved');
    expect(out.error).toBeInstanceOf(InvalidArgumentError);
    await delay(10);
    expect(srec.requests.length).toBe(before); // nothing sent
    return out.error as InvalidArgumentError;
  }

  it("registerAddress('') is refused: the DN must not be empty", async () => {
    const err = await refused(conn.registerAddress(''));
    expect(err.issues).toEqual([expect.objectContaining({ attribute: 'ThisDN', message: 'ThisDN must be a non-empty DN, got ""' })]);
    expect(err.message).toContain('non-empty DN');
  });

  it('an empty destination of a transfer is refused', async () => {
    const err = await refused(conn.initiateTransfer('1001', A, ''));
    expect(err.issues.map((i) => i.attribute)).toEqual(['OtherDN']);
  });

  it('a bad ConnID is refused with the value quoted', async () => {
    const err = await refused(conn.holdCall('1001', '5000'));
    expect(err.issues[0].message).toBe('ConnID must be a ConnID of 16 lowercase hex digits, got "5000"');
  });

  it('a misspelled option is refused, not sent silently', async () => {
    const err = await refused(conn.agentNotReady('1001', { workmode: 3 } as never));
    expect(err.issues[0]).toMatchObject({ code: 'ERR_UNKNOWN_ATTRIBUTE', attribute: 'workmode' });
  });

  it('options that are not an object are refused', async () => {
    await refused(conn.holdCall('1001', A, 'fast' as never));
  });

  it('a Password of the wrong type never appears in the error', async () => {
    const err = await refused(conn.agentLogin('1001', 'ag1', { password: 424242 as never }));
    expect(`${err.message} ${JSON.stringify(err.issues)}`).not.toContain('424242');
    expect(err.issues[0].attribute).toBe('Password');
  });

  it('the 1.0 form agentReady(dn, { timeoutMs }) still passes request options, not attributes', async () => {
    const before = srec.requests.length;
    await outcomeOf(conn.agentReady('1001', { timeoutMs: 1000 }));
    const sent = srec.requests.slice(before).map((r) => r.value);
    expect(sent.map((r) => r.name)).toEqual(['RequestAgentReady']);
    expect(Object.keys(sent[0].attributes).sort()).toEqual(['ReferenceID', 'ThisDN']);
  });
});

describe('a message type the catalogue knows by name only', () => {
  it('an event (EventBridged, 151) is delivered by name with its usual content, not as unknown', async () => {
    const rec = new ConnRecorder(conn);
    sim.sendEvent('EventBridged', { ThisDN: '1001', ConnID: A });
    const got = await rec.waitFor('EventBridged');
    expect(got.value).toMatchObject({ Event: 'EventBridged', ThisDN: '1001', ConnID: A });
    expect(rec.unknownMessages).toEqual([]);
    expect(rec.warnings).toEqual([]);
  });

  it('a request the protocol does not define (RequestGiveMusicTreatment, 37) is refused, nothing sent', async () => {
    const before = srec.requests.length;
    const out = await outcomeOf(conn.request('RequestGiveMusicTreatment' as never, { ThisDN: '1001' } as never));
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toBeInstanceOf(InvalidArgumentError);
    expect((out.error as InvalidArgumentError).issues.map((i) => i.code)).toEqual(['ERR_NOT_IN_PROTOCOL']);
    expect(out.error.message).toMatch(/does not define, known by name only/);
    await delay(10);
    expect(srec.requests.length).toBe(before);
  });
});
