/**
 * The catalogue against wire-protocol.md "Version 1.1" and the public T-Library TMessageType
 * enumeration. Every expected table here is written by hand from those sources, not derived from
 * the code under test.
 */
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_BY_ID, ATTRIBUTES } from '../../src/protocol/attributes.js';
import {
  CATALOGUE_ONLY_NAMES,
  EVENT_NAMES,
  MESSAGES,
  REQUEST_NAMES,
  isEventName,
  isRequestName,
  messageByName,
  messageByType,
  type MessageDescriptor,
} from '../../src/protocol/catalogue.js';

type Table = Record<string, 'M' | 'O'>;

function desc(name: string): MessageDescriptor {
  const d = messageByName(name);
  if (!d) throw new Error(`${name} is not in the catalogue`);
  return d;
}
function table(name: string): Table {
  return Object.fromEntries(desc(name).attributes) as Table;
}

/**
 * The public T-Library `enum TMessageType`, 0–182, in order (index = message type). Sources: the
 * T-Library C header (tlib.h / tlib_ext.h, `enum TMessageType`: 0 RequestRegisterClient …
 * 179 EventNetworkPrivateInfo, 180–181 "iscc transaction monitoring - added in 7.6",
 * 182 EventResourceInfo "added: in 8.0"), as published in public repositories, cross-checked
 * against the numbered table ("RequestRegisterClient, 0" … "EventResourceInfo, 182",
 * "MessageIDMAX, 183") of github.com/ssydoruk/logbrowser (indexer, Genesys log browser).
 */
const TMESSAGETYPE: readonly string[] = [
  'RequestRegisterClient',
  'RequestQueryServer',
  'RequestQueryAddress',
  'RequestRegisterAddress',
  'RequestUnregisterAddress',
  'RequestRegisterAll',
  'RequestUnregisterAll',
  'RequestSetInputMask',
  'RequestAgentLogin',
  'RequestAgentLogout',
  'RequestAgentReady',
  'RequestAgentNotReady',
  'RequestSetDNDOn',
  'RequestSetDNDOff',
  'RequestMakeCall',
  'RequestMakePredictiveCall',
  'RequestAnswerCall',
  'RequestReleaseCall',
  'RequestHoldCall',
  'RequestRetrieveCall',
  'RequestInitiateConference',
  'RequestCompleteConference',
  'RequestDeleteFromConference',
  'RequestInitiateTransfer',
  'RequestMuteTransfer',
  'RequestSingleStepTransfer',
  'RequestCompleteTransfer',
  'RequestMergeCalls',
  'RequestAlternateCall',
  'RequestReconnectCall',
  'RequestAttachUserData',
  'RequestUpdateUserData',
  'RequestDeleteUserData',
  'RequestDeletePair',
  'RequestCallForwardSet',
  'RequestCallForwardCancel',
  'RequestRouteCall',
  'RequestGiveMusicTreatment',
  'RequestGiveSilenceTreatment',
  'RequestGiveRingBackTreatment',
  'RequestLoginMailBox',
  'RequestLogoutMailBox',
  'RequestOpenVoiceFile',
  'RequestCloseVoiceFile',
  'RequestPlayVoiceFile',
  'RequestCollectDigits',
  'RequestSetMessageWaitingOn',
  'RequestSetMessageWaitingOff',
  'RequestDistributeUserEvent',
  'RequestDistributeEvent',
  'EventServerConnected',
  'EventServerDisconnected',
  'EventError',
  'EventRegistered',
  'EventUnregistered',
  'EventRegisteredAll',
  'EventUnregisteredAll',
  'EventQueued',
  'EventDiverted',
  'EventAbandoned',
  'EventRinging',
  'EventDialing',
  'EventNetworkReached',
  'EventDestinationBusy',
  'EventEstablished',
  'EventReleased',
  'EventHeld',
  'EventRetrieved',
  'EventPartyChanged',
  'EventPartyAdded',
  'EventPartyDeleted',
  'EventRouteRequest',
  'EventRouteUsed',
  'EventAgentLogin',
  'EventAgentLogout',
  'EventAgentReady',
  'EventAgentNotReady',
  'EventDNDOn',
  'EventDNDOff',
  'EventMailBoxLogin',
  'EventMailBoxLogout',
  'EventVoiceFileOpened',
  'EventVoiceFileClosed',
  'EventVoiceFileEndPlay',
  'EventDigitsCollected',
  'EventAttachedDataChanged',
  'EventOffHook',
  'EventOnHook',
  'EventForwardSet',
  'EventForwardCancel',
  'EventMessageWaitingOn',
  'EventMessageWaitingOff',
  'EventAddressInfo',
  'EventServerInfo',
  'EventLinkDisconnected',
  'EventLinkConnected',
  'EventUserEvent',
  'RequestSendDTMF',
  'EventDTMFSent',
  'EventResourceAllocated',
  'EventResourceFreed',
  'EventRemoteConnectionSuccess',
  'EventRemoteConnectionFailed',
  'RequestRedirectCall',
  'RequestListenDisconnect',
  'RequestListenReconnect',
  'EventListenDisconnected',
  'EventListenReconnected',
  'RequestQueryCall',
  'EventPartyInfo',
  'RequestClearCall',
  'RequestSetCallInfo',
  'EventCallInfoChanged',
  'RequestApplyTreatment',
  'EventTreatmentApplied',
  'EventTreatmentNotApplied',
  'EventTreatmentEnd',
  'EventHardwareError',
  'EventAgentAfterCallWork',
  'EventTreatmentRequired',
  'RequestSingleStepConference',
  'RequestQuerySwitch',
  'EventSwitchInfo',
  'RequestGetAccessNumber',
  'RequestCancelReqGetAccessNumber',
  'EventAnswerAccessNumber',
  'EventReqGetAccessNumberCanceled',
  'RequestReserveAgent',
  'EventAgentReserved',
  'RequestReserveAgentAndGetAccessNumber',
  'RequestAgentSetIdleReason',
  'EventAgentIdleReasonSet',
  'EventRestoreConnection',
  'EventPrimaryChanged',
  'RequestLostBackupConnection',
  'RequestSetDNInfo',
  'RequestQueryLocation',
  'EventLocationInfo',
  'EventACK',
  'RequestMonitorNextCall',
  'RequestCancelMonitoring',
  'EventMonitoringNextCall',
  'EventMonitoringCancelled',
  'RequestSetMuteOn',
  'RequestSetMuteOff',
  'EventMuteOn',
  'EventMuteOff',
  'EventDNOutOfService',
  'EventDNBackInService',
  'RequestPrivateService',
  'EventPrivateInfo',
  'EventBridged',
  'EventQueueLogout',
  'EventReserved_1',
  'EventReserved_2',
  'EventReserved_3',
  'EventReserved_4',
  'EventReserved_5',
  'EventReserved_6',
  'EventReserved_7',
  'EventCallCreated',
  'EventCallDataChanged',
  'EventCallDeleted',
  'EventCallPartyAdded',
  'EventCallPartyState',
  'EventCallPartyMoved',
  'EventCallPartyDeleted',
  'RequestStartCallMonitoring',
  'RequestStopCallMonitoring',
  'RequestSendReturnReceipt',
  'EventReturnReceipt',
  'RequestNetworkConsult',
  'RequestNetworkAlternate',
  'RequestNetworkTransfer',
  'RequestNetworkMerge',
  'RequestNetworkReconnect',
  'RequestNetworkSingleStepTransfer',
  'RequestNetworkPrivateService',
  'EventNetworkCallStatus',
  'EventNetworkPrivateInfo',
  'RequestTransactionMonitoring',
  'EventTransactionStatus',
  'EventResourceInfo',
];

// wire-protocol.md "Version 1.1 / Attributes added": id → [name, type].
const V11_ATTRIBUTES: Record<number, [string, string]> = {
  3: ['CallID', 'int'],
  11: ['TransferConnID', 'connid'],
  12: ['ConferenceConnID', 'connid'],
  18: ['DNIS', 'string'],
  19: ['ANI', 'string'],
  21: ['ThisQueue', 'string'],
  23: ['ThisDNRole', 'int'],
  25: ['OtherQueue', 'string'],
  27: ['OtherDNRole', 'int'],
  28: ['ThirdPartyDN', 'string'],
  29: ['ThirdPartyQueue', 'string'],
  31: ['ThirdPartyDNRole', 'int'],
  36: ['Password', 'string'],
  52: ['DataKey', 'string'],
  54: ['CallType', 'int'],
  60: ['RouteType', 'int'],
  67: ['ForwardMode', 'int'],
  68: ['DTMFDigits', 'string'],
  73: ['MakeCallType', 'int'],
  83: ['TreatmentType', 'int'],
  84: ['TreatmentParms', 'kvlist'],
  88: ['SwitchInfoType', 'int'],
  101: ['MonitorNextCallType', 'int'],
  114: ['Cause', 'int'],
  141: ['CallUUID', 'string'],
};
const V10_ATTRIBUTE_COUNT = 39;
/** "Version 1.2 / Attributes added" (each checked in catalogue-v12.test.ts). */
const V12_ATTRIBUTE_COUNT = 8;

// wire-protocol.md "Requests added or extended": [type, attributes (M/O), answered by, idempotent].
const V11_REQUESTS: Record<string, [number, Table, string[], boolean]> = {
  RequestSetDNDOn: [12, { ThisDN: 'M' }, ['EventDNDOn'], true],
  RequestSetDNDOff: [13, { ThisDN: 'M' }, ['EventDNDOff'], true],
  RequestHoldCall: [18, { ThisDN: 'M', ConnID: 'M' }, ['EventHeld'], false],
  RequestRetrieveCall: [19, { ThisDN: 'M', ConnID: 'M' }, ['EventRetrieved'], false],
  RequestInitiateConference: [20, { ThisDN: 'M', ConnID: 'M', OtherDN: 'M', Location: 'O', UserData: 'O' }, ['EventDialing'], false],
  RequestCompleteConference: [21, { ThisDN: 'M', ConnID: 'M', ConferenceConnID: 'M' }, ['EventPartyAdded'], false],
  RequestDeleteFromConference: [22, { ThisDN: 'M', ConnID: 'M', OtherDN: 'M' }, ['EventPartyDeleted'], false],
  RequestInitiateTransfer: [23, { ThisDN: 'M', ConnID: 'M', OtherDN: 'M', Location: 'O', UserData: 'O' }, ['EventDialing'], false],
  RequestSingleStepTransfer: [25, { ThisDN: 'M', ConnID: 'M', OtherDN: 'M', Location: 'O', UserData: 'O' }, ['EventReleased'], false],
  RequestCompleteTransfer: [26, { ThisDN: 'M', ConnID: 'M', TransferConnID: 'M' }, ['EventReleased'], false],
  RequestAlternateCall: [28, { ThisDN: 'M', ConnID: 'M', PreviousConnID: 'M' }, ['EventRetrieved'], false],
  RequestReconnectCall: [29, { ThisDN: 'M', ConnID: 'M', PreviousConnID: 'M' }, ['EventRetrieved'], false],
  RequestUpdateUserData: [31, { ThisDN: 'M', ConnID: 'M', UserData: 'M' }, ['EventAttachedDataChanged'], true],
  RequestDeleteUserData: [32, { ThisDN: 'M', ConnID: 'M' }, ['EventAttachedDataChanged'], true],
  RequestDeletePair: [33, { ThisDN: 'M', ConnID: 'M', DataKey: 'M' }, ['EventAttachedDataChanged'], true],
  RequestCallForwardSet: [34, { ThisDN: 'M', OtherDN: 'M', ForwardMode: 'O' }, ['EventForwardSet'], true],
  RequestCallForwardCancel: [35, { ThisDN: 'M', ForwardMode: 'O' }, ['EventForwardCancel'], true],
  RequestRouteCall: [
    36,
    { ThisDN: 'M', ConnID: 'M', OtherDN: 'O', RouteType: 'O', Location: 'O', DNIS: 'O', UserData: 'O' },
    ['EventRouteUsed'],
    false,
  ],
  RequestSendDTMF: [97, { ThisDN: 'M', ConnID: 'M', DTMFDigits: 'M' }, ['EventDTMFSent'], false],
  RequestRedirectCall: [103, { ThisDN: 'M', ConnID: 'M', OtherDN: 'M' }, ['EventReleased'], false],
  RequestListenDisconnect: [104, { ThisDN: 'M', OtherDN: 'M', ConnID: 'M' }, ['EventListenDisconnected'], false],
  RequestListenReconnect: [105, { ThisDN: 'M', OtherDN: 'M', ConnID: 'M' }, ['EventListenReconnected'], false],
  RequestClearCall: [110, { ThisDN: 'M', ConnID: 'M' }, ['EventReleased'], false],
  // "ConnID M, …": the rest is the catalogue's choice, Optional.
  RequestSetCallInfo: [111, { ConnID: 'M', ThisDN: 'O', CustomerID: 'O' }, ['EventCallInfoChanged'], false],
  RequestApplyTreatment: [
    113,
    { ThisDN: 'M', ConnID: 'M', TreatmentType: 'M', TreatmentParms: 'O' },
    ['EventTreatmentApplied', 'EventTreatmentNotApplied'],
    false,
  ],
  RequestQuerySwitch: [121, { SwitchInfoType: 'O' }, ['EventSwitchInfo'], true],
  RequestMonitorNextCall: [139, { ThisDN: 'M', OtherDN: 'M', MonitorNextCallType: 'O' }, ['EventMonitoringNextCall'], false],
  RequestCancelMonitoring: [140, { ThisDN: 'M', OtherDN: 'M' }, ['EventMonitoringCancelled'], false],
  RequestSetMuteOn: [143, { ThisDN: 'M', ConnID: 'M' }, ['EventMuteOn'], true],
  RequestSetMuteOff: [144, { ThisDN: 'M', ConnID: 'M' }, ['EventMuteOff'], true],
};

// The 1.1 events: [type, key attributes, a call event?]. Types from the request table and
// "Unsolicited call events added"; attributes from "key attributes", else ThisDN M (+ ConnID M for a call).
const V11_EVENTS: Record<string, [number, Table, boolean]> = {
  EventQueued: [57, { ThisDN: 'M', ConnID: 'M', OtherDN: 'O', ThisQueue: 'O' }, true],
  EventDiverted: [58, { ThisDN: 'M', ConnID: 'M', OtherDN: 'O' }, true],
  EventAbandoned: [59, { ThisDN: 'M', ConnID: 'M' }, true],
  EventNetworkReached: [62, { ThisDN: 'M', ConnID: 'M', OtherDN: 'O' }, true],
  EventDestinationBusy: [63, { ThisDN: 'M', ConnID: 'M', OtherDN: 'O' }, true],
  EventHeld: [66, { ThisDN: 'M', ConnID: 'M', OtherDN: 'O' }, true],
  EventRetrieved: [67, { ThisDN: 'M', ConnID: 'M', OtherDN: 'O' }, true],
  EventPartyChanged: [68, { ThisDN: 'M', ConnID: 'M', PreviousConnID: 'M', OtherDN: 'O', ThirdPartyDN: 'O' }, true],
  EventPartyAdded: [69, { ThisDN: 'M', ConnID: 'M', OtherDN: 'O', ThirdPartyDN: 'O' }, true],
  EventPartyDeleted: [70, { ThisDN: 'M', ConnID: 'M', OtherDN: 'O' }, true],
  EventRouteRequest: [
    71,
    { ThisDN: 'M', ConnID: 'M', CallID: 'O', CallType: 'O', ThisQueue: 'O', OtherDN: 'O', ANI: 'O', DNIS: 'O', UserData: 'O' },
    true,
  ],
  EventRouteUsed: [72, { ThisDN: 'M', ConnID: 'M', OtherDN: 'O' }, true],
  EventDNDOn: [77, { ThisDN: 'M' }, false],
  EventDNDOff: [78, { ThisDN: 'M' }, false],
  EventOffHook: [86, { ThisDN: 'M' }, false],
  EventOnHook: [87, { ThisDN: 'M' }, false],
  EventForwardSet: [88, { ThisDN: 'M', OtherDN: 'O', ForwardMode: 'O' }, false],
  EventForwardCancel: [89, { ThisDN: 'M', ForwardMode: 'O' }, false],
  EventDTMFSent: [98, { ThisDN: 'M', ConnID: 'M', DTMFDigits: 'O' }, true],
  EventListenDisconnected: [106, { ThisDN: 'M', ConnID: 'M', OtherDN: 'O' }, true],
  EventListenReconnected: [107, { ThisDN: 'M', ConnID: 'M', OtherDN: 'O' }, true],
  EventTreatmentApplied: [114, { ThisDN: 'M', ConnID: 'M', TreatmentType: 'O', TreatmentParms: 'O' }, true],
  EventTreatmentNotApplied: [115, { ThisDN: 'M', ConnID: 'M', TreatmentType: 'O', TreatmentParms: 'O', Cause: 'O' }, true],
  EventTreatmentEnd: [116, { ThisDN: 'M', ConnID: 'M', TreatmentType: 'O', TreatmentParms: 'O' }, true],
  EventAgentAfterCallWork: [118, { ThisDN: 'M', AgentID: 'O' }, false],
  EventSwitchInfo: [122, { SwitchInfoType: 'O' }, false],
  EventMonitoringNextCall: [141, { ThisDN: 'M', OtherDN: 'O', MonitorNextCallType: 'O' }, false],
  EventMonitoringCancelled: [142, { ThisDN: 'M', OtherDN: 'O' }, false],
  EventMuteOn: [145, { ThisDN: 'M', ConnID: 'M' }, true],
  EventMuteOff: [146, { ThisDN: 'M', ConnID: 'M' }, true],
  EventDNOutOfService: [147, { ThisDN: 'M' }, false],
  EventDNBackInService: [148, { ThisDN: 'M' }, false],
};

const USUAL: Table = {
  ThisDN: 'O',
  ConnID: 'O',
  time: 'M',
  Extensions: 'O',
  ReferenceID: 'O',
  EventSequenceNumber: 'O',
  ServerStartTime: 'O',
};
// "Call events about a call also carry, where known: CallType, ANI, DNIS, ThisDNRole, OtherDNRole, ThirdPartyDN, UserData, CallUUID";
// 1.2 adds CallState (every call event), MediaType and ThirdPartyDNRole.
const CALL_CONTENT: Table = {
  CallType: 'O',
  ANI: 'O',
  DNIS: 'O',
  ThisDNRole: 'O',
  OtherDNRole: 'O',
  ThirdPartyDN: 'O',
  UserData: 'O',
  CallUUID: 'O',
  CallState: 'O',
  MediaType: 'O',
  ThirdPartyDNRole: 'O',
};
// Version 1.2 "Routing": EventRouteRequest of a consultation call carries PreviousConnID; ThisQueue on EventRouteUsed.
const EXTENDED_IN_V12: Record<string, Table> = {
  EventRouteRequest: { PreviousConnID: 'O' },
  EventRouteUsed: { ThisQueue: 'O' },
};

describe('every TMessageType 0–182 has its T-Library name', () => {
  it('the enumeration list itself has 183 distinct names', () => {
    expect(TMESSAGETYPE).toHaveLength(183);
    expect(new Set(TMESSAGETYPE).size).toBe(183);
  });

  for (let type = 0; type <= 182; type++) {
    const name = TMESSAGETYPE[type];
    it(`${type} is ${name}`, () => {
      const d = messageByType(type);
      expect(d?.name).toBe(name);
      expect(messageByName(name)?.type).toBe(type);
      expect(d?.kind).toBe(name.startsWith('Request') ? 'request' : 'event');
    });
  }

  it('nothing is named between 183 and the ADDP frames', () => {
    expect(MESSAGES.filter((d) => d.type > 182 && d.kind !== 'addp')).toEqual([]);
  });

  it('the names not in the 1.0, 1.1 or 1.2 tables are marked catalogueOnly, and only those', () => {
    const v12 = [
      'RequestMakePredictiveCall',
      'RequestMuteTransfer',
      'RequestMergeCalls',
      'RequestCollectDigits',
      'RequestSingleStepConference',
      'EventDigitsCollected',
    ];
    const modelled = new Set([...Object.keys(V11_REQUESTS), ...Object.keys(V11_EVENTS), ...v12]);
    const v10 = MESSAGES.filter((d) => !modelled.has(d.name) && !d.catalogueOnly && d.kind !== 'addp');
    expect(v10).toHaveLength(31 + 20);
    for (const d of v10) modelled.add(d.name);
    const expected = TMESSAGETYPE.filter((n) => !modelled.has(n)).sort();
    expect([...CATALOGUE_ONLY_NAMES].sort()).toEqual(expected);
    expect(expected).toHaveLength(64);
  });

  it('a name known only decodes as an event with the usual content; as a request it cannot be sent', () => {
    expect(table('EventBridged')).toEqual(USUAL);
    expect(isEventName('EventBridged')).toBe(true);
    expect(EVENT_NAMES).toContain('EventResourceInfo');
    expect(desc('RequestGiveMusicTreatment').kind).toBe('request');
    expect(isRequestName('RequestGiveMusicTreatment')).toBe(false);
    expect(REQUEST_NAMES).not.toContain('RequestGiveMusicTreatment');
  });
});

describe('attributes added in 1.1', () => {
  it('every one has the spec id and value type', () => {
    for (const [id, [name, type]] of Object.entries(V11_ATTRIBUTES)) {
      expect(ATTRIBUTE_BY_ID[Number(id)], `id ${id}`).toMatchObject({ id: Number(id), name, type });
    }
  });

  it('the table is 1.0 plus these plus 1.2’s, nothing else', () => {
    expect(Object.keys(ATTRIBUTES)).toHaveLength(V10_ATTRIBUTE_COUNT + Object.keys(V11_ATTRIBUTES).length + V12_ATTRIBUTE_COUNT);
  });
});

describe('requests added in 1.1', () => {
  for (const [name, [type, attrs, answers, idempotent]] of Object.entries(V11_REQUESTS)) {
    it(`${type} ${name}: ${Object.entries(attrs)
      .map(([a, p]) => `${a} ${p}`)
      .join(', ')} → ${answers.join(' / ')}`, () => {
      const d = desc(name);
      expect(d.type).toBe(type);
      expect(d.kind).toBe('request');
      expect(d.v11).toBe(true);
      // "Every one also takes Reasons and Extensions".
      expect(table(name)).toEqual({ ...attrs, Reasons: 'O', Extensions: 'O' });
      expect([...d.answeredBy]).toEqual(answers);
      expect(d.idempotent, 'idempotent').toBe(idempotent);
      expect(isRequestName(name)).toBe(true);
    });
  }

  it('1.0 requests named in the idempotence paragraph keep theirs', () => {
    for (const name of [
      'RequestQueryServer',
      'RequestQueryAddress',
      'RequestQueryCall',
      'RequestQueryLocation',
      'RequestRegisterAddress',
      'RequestUnregisterAddress',
      'RequestSetInputMask',
    ]) {
      expect(desc(name).idempotent, name).toBe(true);
    }
    for (const name of ['RequestMakeCall', 'RequestAnswerCall', 'RequestReleaseCall', 'RequestAttachUserData']) {
      expect(desc(name).idempotent, name).toBe(false);
    }
  });
});

describe('events added in 1.1', () => {
  for (const [name, [type, attrs, call]] of Object.entries(V11_EVENTS)) {
    it(`${type} ${name}${call ? ' (a call event)' : ''}`, () => {
      const d = desc(name);
      expect(d.type).toBe(type);
      expect(d.kind).toBe('event');
      expect(d.v11).toBe(true);
      expect(d.call).toBe(call);
      expect(table(name)).toEqual({ ...USUAL, ...(call ? CALL_CONTENT : {}), ...attrs, ...EXTENDED_IN_V12[name] });
    });
  }

  it('Password is in no event (never echoed)', () => {
    for (const d of MESSAGES.filter((m) => m.kind === 'event')) expect(d.attributes.has('Password'), d.name).toBe(false);
  });
});
