/**
 * Round trips of every request and every new event of wire protocol 1.1 (issue 12, Done when):
 * driven by the catalogue (each message with every attribute it lists, then with only its
 * Mandatory ones), against a hand-written list of the spec's type numbers so a wrong number fails,
 * and checked at byte level for the type field and the new attribute ids.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import { ATTRIBUTES, type AttributeName } from '../../src/protocol/attributes.js';
import { MESSAGES, messageByName } from '../../src/protocol/catalogue.js';
import { SAMPLE_VALUES, canonical } from '../support/arbitraries.js';

// wire-protocol.md "Version 1.1": type numbers of the requests added or extended, and of the events
// they name and the unsolicited call events added.
const SPEC_REQUEST_TYPES: Record<string, number> = {
  RequestAgentLogin: 8,
  RequestAgentReady: 10,
  RequestAgentNotReady: 11,
  RequestSetDNDOn: 12,
  RequestSetDNDOff: 13,
  RequestMakeCall: 14,
  RequestHoldCall: 18,
  RequestRetrieveCall: 19,
  RequestInitiateConference: 20,
  RequestCompleteConference: 21,
  RequestDeleteFromConference: 22,
  RequestInitiateTransfer: 23,
  RequestSingleStepTransfer: 25,
  RequestCompleteTransfer: 26,
  RequestAlternateCall: 28,
  RequestReconnectCall: 29,
  RequestUpdateUserData: 31,
  RequestDeleteUserData: 32,
  RequestDeletePair: 33,
  RequestCallForwardSet: 34,
  RequestCallForwardCancel: 35,
  RequestRouteCall: 36,
  RequestSendDTMF: 97,
  RequestRedirectCall: 103,
  RequestListenDisconnect: 104,
  RequestListenReconnect: 105,
  RequestClearCall: 110,
  RequestSetCallInfo: 111,
  RequestApplyTreatment: 113,
  RequestQuerySwitch: 121,
  RequestMonitorNextCall: 139,
  RequestCancelMonitoring: 140,
  RequestSetMuteOn: 143,
  RequestSetMuteOff: 144,
};
const SPEC_EVENT_TYPES: Record<string, number> = {
  EventQueued: 57,
  EventDiverted: 58,
  EventAbandoned: 59,
  EventNetworkReached: 62,
  EventDestinationBusy: 63,
  EventHeld: 66,
  EventRetrieved: 67,
  EventPartyChanged: 68,
  EventPartyAdded: 69,
  EventPartyDeleted: 70,
  EventRouteRequest: 71,
  EventRouteUsed: 72,
  EventDNDOn: 77,
  EventDNDOff: 78,
  EventOffHook: 86,
  EventOnHook: 87,
  EventForwardSet: 88,
  EventForwardCancel: 89,
  EventDTMFSent: 98,
  EventListenDisconnected: 106,
  EventListenReconnected: 107,
  EventTreatmentApplied: 114,
  EventTreatmentNotApplied: 115,
  EventTreatmentEnd: 116,
  EventAgentAfterCallWork: 118,
  EventSwitchInfo: 122,
  EventMonitoringNextCall: 141,
  EventMonitoringCancelled: 142,
  EventMuteOn: 145,
  EventMuteOff: 146,
  EventDNOutOfService: 147,
  EventDNBackInService: 148,
};
// "Attributes added": id of each, to check the bytes on the wire.
const SPEC_ATTRIBUTE_IDS: Record<string, number> = {
  CallID: 3,
  TransferConnID: 11,
  ConferenceConnID: 12,
  DNIS: 18,
  ANI: 19,
  ThisQueue: 21,
  ThisDNRole: 23,
  OtherQueue: 25,
  OtherDNRole: 27,
  ThirdPartyDN: 28,
  ThirdPartyQueue: 29,
  ThirdPartyDNRole: 31,
  Password: 36,
  DataKey: 52,
  CallType: 54,
  RouteType: 60,
  ForwardMode: 67,
  DTMFDigits: 68,
  MakeCallType: 73,
  TreatmentType: 83,
  TreatmentParms: 84,
  SwitchInfoType: 88,
  MonitorNextCallType: 101,
  Cause: 114,
  CallUUID: 141,
};

function filled(names: Iterable<AttributeName>, variant: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const samples = SAMPLE_VALUES[ATTRIBUTES[name].type] as readonly unknown[];
    out[name] = samples[variant % samples.length];
  }
  return out;
}

function roundTrip(type: number, attributes: Record<string, unknown>) {
  const bytes = encodeFrame(type, attributes);
  const decoded = decodeFrame(bytes);
  expect(decoded.byteLength).toBe(bytes.length);
  return { bytes, decoded };
}

describe('the 1.1 messages of the catalogue are the spec’s', () => {
  it('requests: the catalogue’s 1.1 rows are exactly the spec’s, with its numbers', () => {
    const rows = MESSAGES.filter((d) => d.kind === 'request' && d.v11);
    expect(Object.fromEntries(rows.map((d) => [d.name, d.type]))).toEqual(SPEC_REQUEST_TYPES);
  });

  it('events: the catalogue’s 1.1 rows are exactly the spec’s, with its numbers', () => {
    const rows = MESSAGES.filter((d) => d.kind === 'event' && d.v11);
    expect(Object.fromEntries(rows.map((d) => [d.name, d.type]))).toEqual(SPEC_EVENT_TYPES);
  });
});

describe('round trip of every 1.1 request and event', () => {
  const all = { ...SPEC_REQUEST_TYPES, ...SPEC_EVENT_TYPES };
  for (const [name, type] of Object.entries(all)) {
    it(`${type} ${name}: every attribute it lists, then only its Mandatory ones`, () => {
      const d = messageByName(name);
      expect(d?.type).toBe(type);
      if (!d) return;
      for (let variant = 0; variant < 4; variant++) {
        const attributes = filled(d.attributes.keys(), variant);
        const { bytes, decoded } = roundTrip(type, attributes);
        expect(bytes.readUInt16BE(8)).toBe(type); // the type field, at offset 8
        expect(decoded.name).toBe(name);
        expect(decoded.unknownAttributes).toBeUndefined();
        expect(canonical(decoded.attributes)).toStrictEqual(canonical(attributes));
      }
      const mandatory = filled(d.mandatory, 1);
      expect(canonical(roundTrip(type, mandatory).decoded.attributes)).toStrictEqual(canonical(mandatory));
    });
  }
});

describe('the 1.1 attributes on the wire', () => {
  for (const [name, id] of Object.entries(SPEC_ATTRIBUTE_IDS)) {
    it(`${name} is attribute id ${id}`, () => {
      const attr = ATTRIBUTES[name as AttributeName];
      const value = (SAMPLE_VALUES[attr.type] as readonly unknown[])[1];
      // Alone in a frame (the codec writes any attribute of the table), so its id is at offset 12.
      const bytes = encodeFrame(messageByName('EventBridged')!.type, { [name]: value });
      expect(bytes.readUInt16BE(10)).toBe(1); // one attribute
      expect(bytes.readUInt16BE(12)).toBe(id);
      const decoded = decodeFrame(bytes);
      expect(canonical(decoded.attributes)).toStrictEqual(canonical({ [name]: value }));
    });
  }
});
