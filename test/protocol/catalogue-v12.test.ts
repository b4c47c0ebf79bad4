/**
 * The catalogue against wire-protocol.md "Version 1.2: the whole call model". Every expected table,
 * list and number here is written by hand from the spec (and the public T-Library enumerations it
 * names), not derived from the code under test, so a wrong number fails.
 */
import { describe, expect, it } from 'vitest';
import * as pkg from '../../src/index.js';
import { ATTRIBUTE_BY_ID } from '../../src/protocol/attributes.js';
import {
  CATALOGUE_ONLY_NAMES,
  MESSAGES,
  REQUEST_NAMES,
  isRequestName,
  messageByName,
  type MessageDescriptor,
} from '../../src/protocol/catalogue.js';
import { validateRequestArgs } from '../../src/protocol/validate.js';

type Table = Record<string, 'M' | 'O'>;

function desc(name: string): MessageDescriptor {
  const d = messageByName(name);
  if (!d) throw new Error(`${name} is not in the catalogue`);
  return d;
}
function table(name: string): Table {
  return Object.fromEntries(desc(name).attributes) as Table;
}

// "Attributes added": id → [name, type].
const V12_ATTRIBUTES: Record<number, [string, string]> = {
  40: ['NumberOfDigits', 'int'],
  41: ['TerminateDigits', 'string'],
  43: ['CollectedDigits', 'string'],
  44: ['LastDigit', 'string'],
  57: ['AddressInfoStatus', 'int'],
  66: ['MergeType', 'int'],
  97: ['MediaType', 'int'],
  99: ['OriginalConnID', 'connid'],
};

// "Requests added": [type, attributes (M/O), answered by, answerMatch].
const V12_REQUESTS: Record<string, [number, Table, string[], string[]]> = {
  RequestMakePredictiveCall: [15, { ThisDN: 'M', OtherDN: 'M', Timeout: 'O', UserData: 'O' }, ['EventDialing'], []],
  // EventReleased for the consultation call comes first at ThisDN: only the one for ConnID answers.
  RequestMuteTransfer: [
    24,
    { ThisDN: 'M', ConnID: 'M', OtherDN: 'M', Location: 'O', UserData: 'O' },
    ['EventReleased'],
    ['ThisDN', 'ConnID'],
  ],
  // "as CompleteTransfer (MergeType 0) or CompleteConference (1)".
  RequestMergeCalls: [
    27,
    { ThisDN: 'M', ConnID: 'M', TransferConnID: 'M', MergeType: 'M' },
    ['EventReleased', 'EventPartyAdded'],
    ['ThisDN', 'ConnID'],
  ],
  RequestCollectDigits: [
    45,
    { ThisDN: 'M', ConnID: 'M', NumberOfDigits: 'O', TerminateDigits: 'O', Timeout: 'O' },
    ['EventDigitsCollected'],
    [],
  ],
  // Every other party gets EventPartyAdded for the same ConnID.
  RequestSingleStepConference: [
    120,
    { ThisDN: 'M', ConnID: 'M', OtherDN: 'M', Location: 'O', UserData: 'O' },
    ['EventPartyAdded'],
    ['ThisDN', 'ConnID'],
  ],
};

// 1.1's idempotence paragraph, by name (1.2: "Never re-sent after a failover: all five").
const IDEMPOTENT = [
  'RequestQueryServer',
  'RequestQueryAddress',
  'RequestQueryCall',
  'RequestQueryLocation',
  'RequestQuerySwitch',
  'RequestRegisterClient',
  'RequestRegisterAddress',
  'RequestUnregisterAddress',
  'RequestSetInputMask',
  'RequestSetDNDOn',
  'RequestSetDNDOff',
  'RequestCallForwardSet',
  'RequestCallForwardCancel',
  'RequestUpdateUserData',
  'RequestDeletePair',
  'RequestDeleteUserData',
  'RequestSetMuteOn',
  'RequestSetMuteOff',
];

// "Every call event (1.1's list, plus EventPartyChanged/Added/Deleted, EventAbandoned, EventRouteUsed)
// carries CallState", with EventDigitsCollected (about a call, 1.2).
const CALL_EVENTS = [
  'EventRinging',
  'EventDialing',
  'EventEstablished',
  'EventReleased',
  'EventAttachedDataChanged',
  'EventQueued',
  'EventDiverted',
  'EventAbandoned',
  'EventNetworkReached',
  'EventDestinationBusy',
  'EventHeld',
  'EventRetrieved',
  'EventPartyChanged',
  'EventPartyAdded',
  'EventPartyDeleted',
  'EventRouteRequest',
  'EventRouteUsed',
  'EventDTMFSent',
  'EventListenDisconnected',
  'EventListenReconnected',
  'EventTreatmentApplied',
  'EventTreatmentNotApplied',
  'EventTreatmentEnd',
  'EventMuteOn',
  'EventMuteOff',
  'EventDigitsCollected',
];

// The T-Library requests (TMessageType 0–182) the protocol does not define: known by name, never sent.
const NOT_IN_PROTOCOL: Record<string, number> = {
  RequestRegisterAll: 5,
  RequestUnregisterAll: 6,
  RequestGiveMusicTreatment: 37,
  RequestGiveSilenceTreatment: 38,
  RequestGiveRingBackTreatment: 39,
  RequestLoginMailBox: 40,
  RequestLogoutMailBox: 41,
  RequestOpenVoiceFile: 42,
  RequestCloseVoiceFile: 43,
  RequestPlayVoiceFile: 44,
  RequestSetMessageWaitingOn: 46,
  RequestSetMessageWaitingOff: 47,
  RequestDistributeEvent: 49,
  RequestGetAccessNumber: 123,
  RequestCancelReqGetAccessNumber: 124,
  RequestReserveAgentAndGetAccessNumber: 129,
  RequestAgentSetIdleReason: 130,
  RequestLostBackupConnection: 134,
  RequestSetDNInfo: 135,
  RequestStartCallMonitoring: 167,
  RequestStopCallMonitoring: 168,
  RequestSendReturnReceipt: 169,
  RequestNetworkConsult: 171,
  RequestNetworkAlternate: 172,
  RequestNetworkTransfer: 173,
  RequestNetworkMerge: 174,
  RequestNetworkReconnect: 175,
  RequestNetworkSingleStepTransfer: 176,
  RequestNetworkPrivateService: 177,
};

describe('attributes added in 1.2', () => {
  for (const [id, [name, type]] of Object.entries(V12_ATTRIBUTES)) {
    it(`${id} ${name} (${type})`, () => {
      expect(ATTRIBUTE_BY_ID[Number(id)]).toMatchObject({ id: Number(id), name, type });
    });
  }
});

describe('requests added in 1.2', () => {
  for (const [name, [type, attrs, answers, match]] of Object.entries(V12_REQUESTS)) {
    it(`${type} ${name} → ${answers.join(' / ')}, never re-sent`, () => {
      const d = desc(name);
      expect(d).toMatchObject({ type, kind: 'request', v12: true, v11: false, catalogueOnly: false, idempotent: false });
      expect(table(name)).toEqual({ ...attrs, Reasons: 'O', Extensions: 'O' });
      expect([...d.answeredBy]).toEqual(answers);
      expect([...d.answerMatch]).toEqual(match);
      expect(isRequestName(name)).toBe(true);
      expect(REQUEST_NAMES).toContain(name);
    });
  }

  it('EventDigitsCollected 84 answers CollectDigits: a call event with CollectedDigits and LastDigit', () => {
    const d = desc('EventDigitsCollected');
    expect(d).toMatchObject({ type: 84, kind: 'event', call: true, v12: true, catalogueOnly: false });
    expect(table('EventDigitsCollected')).toMatchObject({ ThisDN: 'M', ConnID: 'M', CollectedDigits: 'O', LastDigit: 'O', CallState: 'O' });
  });
});

describe('1.2 rules over the whole catalogue', () => {
  it('Reasons and Extensions are taken by every request of the protocol (1.0–1.2), RegisterClient to MergeCalls', () => {
    const requests = MESSAGES.filter((d) => d.kind === 'request' && !d.catalogueOnly);
    // 1.0: 20; 1.1: 34 rows, 30 of them new; 1.2: 5.
    expect(requests).toHaveLength(20 + 30 + 5);
    for (const d of requests) expect([d.attributes.get('Reasons'), d.attributes.get('Extensions')], d.name).toEqual(['O', 'O']);
    expect(validateRequestArgs('RequestAgentLogout', { ThisDN: '1001', Reasons: { ReasonCode: 'shift end' } })).toEqual([]);
    expect(validateRequestArgs('RequestAnswerCall', { ThisDN: '1001', ConnID: '00650194ab3c0001', Reasons: [['r', 1]] })).toEqual([]);
    expect(validateRequestArgs('RequestReleaseCall', { ThisDN: '1001', ConnID: '00650194ab3c0001', Reasons: {} })).toEqual([]);
  });

  it('ThisQueue on RequestAgentLogout, RequestAnswerCall and RequestReleaseCall', () => {
    for (const name of ['RequestAgentLogout', 'RequestAnswerCall', 'RequestReleaseCall']) expect(table(name).ThisQueue, name).toBe('O');
  });

  it('idempotent: exactly the requests the spec names; the five of 1.2 are never re-sent', () => {
    const idempotent = MESSAGES.filter((d) => d.kind === 'request' && !d.catalogueOnly && d.idempotent).map((d) => d.name);
    expect(idempotent.sort()).toEqual([...IDEMPOTENT].sort());
  });

  it('CallState, MediaType and ThirdPartyDNRole on every call event, and on no other', () => {
    const calls = MESSAGES.filter((d) => d.call).map((d) => d.name);
    expect(calls.sort()).toEqual([...CALL_EVENTS].sort());
    for (const name of CALL_EVENTS) {
      const t = table(name);
      expect([t.CallState, t.MediaType, t.ThirdPartyDNRole], name).toEqual(['O', 'O', 'O']);
    }
    // EventPartyInfo (a query's answer) had CallState since 1.0.
    const others = MESSAGES.filter((d) => d.kind === 'event' && !d.call && d.attributes.has('CallState')).map((d) => d.name);
    expect(others).toEqual(['EventPartyInfo']);
  });

  it('EventAddressInfo echoes AddressInfoType and answers in AddressInfoStatus (with OtherDN, AgentWorkMode, Reasons)', () => {
    expect(table('EventAddressInfo')).toMatchObject({
      AddressInfoType: 'O',
      AddressInfoStatus: 'O',
      OtherDN: 'O',
      AgentWorkMode: 'O',
      Reasons: 'O',
    });
  });

  it('the agent events carry the Reasons their request gave', () => {
    for (const name of ['EventAgentLogin', 'EventAgentLogout', 'EventAgentReady', 'EventAgentNotReady']) {
      expect(table(name).Reasons, name).toBe('O');
    }
  });

  it('routing: EventRouteUsed carries ThisQueue and the destination in ThirdPartyDN; EventRouteRequest PreviousConnID', () => {
    expect(table('EventRouteUsed')).toMatchObject({ ThisQueue: 'O', ThirdPartyDN: 'O', ThirdPartyDNRole: 'O', OtherDN: 'O' });
    expect(table('EventRouteRequest')).toMatchObject({ PreviousConnID: 'O', ThisQueue: 'O' });
  });
});

describe('T-Library requests the protocol does not define', () => {
  it('exactly these are known by name only', () => {
    const requests = MESSAGES.filter((d) => d.kind === 'request' && d.catalogueOnly);
    expect(Object.fromEntries(requests.map((d) => [d.name, d.type]))).toEqual(NOT_IN_PROTOCOL);
    expect(CATALOGUE_ONLY_NAMES.filter((n) => n.startsWith('Request')).sort()).toEqual(Object.keys(NOT_IN_PROTOCOL).sort());
  });

  for (const [name, type] of Object.entries(NOT_IN_PROTOCOL)) {
    it(`${type} ${name} is refused before sending, as ERR_NOT_IN_PROTOCOL`, () => {
      const issues = validateRequestArgs(name, { ThisDN: '1001' });
      expect(issues).toEqual([
        {
          code: 'ERR_NOT_IN_PROTOCOL',
          messageName: name,
          message: `a T-Library request (type ${type}) that the wire protocol does not define, known by name only: it cannot be sent`,
          detail: `${name} is a T-Library request (type ${type}) that the wire protocol does not define, known by name only: it cannot be sent`,
        },
      ]);
    });
  }
});

describe('named values (public tlib enumerations), exported from the package', () => {
  it('CallState: every value the spec lists', () => {
    expect(pkg.CallState).toEqual({
      Ok: 0,
      Transferred: 1,
      Conferenced: 2,
      GeneralError: 3,
      SystemError: 4,
      RemoteRelease: 5,
      Busy: 6,
      NoAnswer: 7,
      SitDetected: 8,
      AnsweringMachine: 9,
      AllTrunksBusy: 10,
      SitInvalidNumber: 11,
      SitVacant: 12,
      SitIntercept: 13,
      SitUnknown: 14,
      SitNoCircuit: 15,
      SitReorder: 16,
      FaxDetected: 17,
      QueueFull: 18,
      Cleared: 19,
      Overflowed: 20,
      Abandoned: 21,
      Redirected: 22,
      Forwarded: 23,
      Consult: 24,
      PickedUp: 25,
      Dropped: 26,
      DroppedNoAnswer: 27,
      Unknown: 28,
      Deafened: 49,
      Held: 50,
    });
  });

  it('ForwardMode: 0 none … 5 send all calls', () => {
    expect(pkg.ForwardMode).toEqual({ None: 0, Unconditional: 1, OnBusy: 2, OnNoAnswer: 3, OnBusyAndNoAnswer: 4, SendAllCalls: 5 });
  });

  it('RouteType: the 1.1 values, 13 AgentID and 14 CallDisconnect', () => {
    expect(pkg.RouteType).toMatchObject({ Default: 1, Label: 2, Direct: 6, Reject: 7, DirectAgent: 10, AgentID: 13, CallDisconnect: 14 });
    expect(Math.max(...Object.values(pkg.RouteType))).toBe(14);
  });

  it('TreatmentType: 2 music, 3 ring back, 4 silence, 5 busy, 6 collect digits', () => {
    expect(pkg.TreatmentType).toMatchObject({ Music: 2, RingBack: 3, Silence: 4, Busy: 5, CollectDigits: 6 });
  });

  it('MediaType: 0 voice, 1 VoIP, 2 e-mail, 5 chat, 6 video, 11 work item', () => {
    expect(pkg.MediaType).toEqual({ Voice: 0, VoIP: 1, EMail: 2, Chat: 5, Video: 6, WorkItem: 11 });
  });

  it('AddressInfoType: the query types of "Queries by information type"', () => {
    expect(pkg.AddressInfoType).toEqual({
      AddressStatus: 0,
      ForwardingStatus: 3,
      AgentStatus: 4,
      AgentsInQueue: 5,
      ReadyAgentsInQueue: 6,
      CallsInQueue: 7,
      AddressType: 8,
      Calls: 9,
      DNStatus: 17,
    });
    expect(pkg.AddressStatus).toEqual({ Idle: 0, Dialing: 2, Talking: 3, Ringing: 4, Held: 5, Treatment: 6 });
  });

  it('MergeType: 0 for transfer, 1 for conference; AgentWorkMode 3 is after-call work', () => {
    expect(pkg.MergeType).toEqual({ Transfer: 0, Conference: 1 });
    expect(pkg.AgentWorkMode.AfterCallWork).toBe(3);
  });
});
