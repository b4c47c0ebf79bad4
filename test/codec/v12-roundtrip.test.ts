/**
 * Round trips of every request and event of wire protocol 1.2 (issue 23): the five requests and
 * EventDigitsCollected with every attribute the catalogue lists, then with only their Mandatory
 * ones; the 1.1 call events carrying what 1.2 adds to them (CallState, MediaType,
 * ThirdPartyDNRole…); and the eight new attribute ids at byte level. Type numbers, attribute ids
 * and the 1.2 additions are written by hand from wire-protocol.md "Version 1.2", so a wrong number
 * fails.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import { ATTRIBUTES, type AttributeName } from '../../src/protocol/attributes.js';
import { MESSAGES, messageByName } from '../../src/protocol/catalogue.js';
import { SAMPLE_VALUES, canonical } from '../support/arbitraries.js';

// "Requests added" (with "EventDigitsCollected 84" from RequestCollectDigits's row).
const SPEC_REQUEST_TYPES: Record<string, number> = {
  RequestMakePredictiveCall: 15,
  RequestMuteTransfer: 24,
  RequestMergeCalls: 27,
  RequestCollectDigits: 45,
  RequestSingleStepConference: 120,
};
const SPEC_EVENT_TYPES: Record<string, number> = { EventDigitsCollected: 84 };

// "Attributes added".
const SPEC_ATTRIBUTE_IDS: Record<string, [number, string]> = {
  NumberOfDigits: [40, 'int'],
  TerminateDigits: [41, 'string'],
  CollectedDigits: [43, 'string'],
  LastDigit: [44, 'string'],
  AddressInfoStatus: [57, 'int'],
  MergeType: [66, 'int'],
  MediaType: [97, 'int'],
  OriginalConnID: [99, 'connid'],
};

// What 1.2 puts on events that existed before, as a switch following 1.2 sends them.
const V12_ON_OLDER_EVENTS: Record<string, Record<string, unknown>> = {
  EventPartyChanged: {
    ThisDN: '1003',
    ConnID: '00650194ab3c0001',
    PreviousConnID: '00650194ab3c0002',
    OtherDN: '5550001',
    ThirdPartyDN: '1001',
    ThirdPartyDNRole: 7,
    CallState: 1,
  },
  EventPartyAdded: { ThisDN: '1002', ConnID: '00650194ab3c0001', OtherDN: '1003', ThirdPartyDN: '1001', ThirdPartyDNRole: 5, CallState: 2 },
  EventPartyDeleted: {
    ThisDN: '1002',
    ConnID: '00650194ab3c0001',
    OtherDN: '1003',
    ThirdPartyDN: '1001',
    ThirdPartyDNRole: 6,
    CallState: 0,
  },
  EventAbandoned: { ThisDN: '7000', ConnID: '00650194ab3c0001', CallState: 21 },
  EventRouteUsed: {
    ThisDN: '5000',
    ThisQueue: '5000',
    ConnID: '00650194ab3c0001',
    OtherDN: '5550001',
    ThirdPartyDN: '1001',
    ThirdPartyDNRole: 2,
    CallState: 0,
  },
  EventRouteRequest: { ThisDN: '5000', ConnID: '00650194ab3c0003', PreviousConnID: '00650194ab3c0001', CallType: 4, CallState: 0 },
  EventRinging: { ThisDN: '1002', ConnID: '00650194ab3c0001', ThirdPartyDN: '1001', CallState: 23, MediaType: 5 },
  EventReleased: { ThisDN: '7000', ConnID: '00650194ab3c0001', CallState: 7 },
  EventAddressInfo: { ThisDN: '1001', AddressInfoType: 4, AddressInfoStatus: 4, AgentWorkMode: 3, Reasons: [['ReasonCode', 'lunch']] },
  EventAgentNotReady: { ThisDN: '1001', AgentWorkMode: 3, Reasons: [['ReasonCode', 'lunch']], Extensions: [['WrapUpTime', 30]] },
  EventAgentLogout: { ThisDN: '1001', Reasons: [['ReasonCode', 'shift end']] },
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

describe('the 1.2 messages of the catalogue are the spec’s', () => {
  it('requests: the catalogue’s 1.2 rows are exactly the spec’s, with its numbers', () => {
    const rows = MESSAGES.filter((d) => d.kind === 'request' && d.v12);
    expect(Object.fromEntries(rows.map((d) => [d.name, d.type]))).toEqual(SPEC_REQUEST_TYPES);
  });

  it('events: the catalogue’s 1.2 rows are exactly the spec’s, with its numbers', () => {
    const rows = MESSAGES.filter((d) => d.kind === 'event' && d.v12);
    expect(Object.fromEntries(rows.map((d) => [d.name, d.type]))).toEqual(SPEC_EVENT_TYPES);
  });
});

describe('round trip of every 1.2 request and event', () => {
  for (const [name, type] of Object.entries({ ...SPEC_REQUEST_TYPES, ...SPEC_EVENT_TYPES })) {
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
      expect(mandatory).not.toEqual({});
      expect(canonical(roundTrip(type, mandatory).decoded.attributes)).toStrictEqual(canonical(mandatory));
    });
  }

  it('RequestMergeCalls as a conference, RequestCollectDigits with its terminators: exact values back', () => {
    const merge = { ThisDN: '1001', ConnID: '00650194ab3c0001', TransferConnID: '00650194ab3c0002', MergeType: 1, ReferenceID: 7 };
    expect(roundTrip(27, merge).decoded).toMatchObject({ name: 'RequestMergeCalls', attributes: merge });
    const collect = { ThisDN: '1001', ConnID: '00650194ab3c0001', NumberOfDigits: 4, TerminateDigits: '#*', Timeout: 5000 };
    expect(roundTrip(45, collect).decoded).toMatchObject({ name: 'RequestCollectDigits', attributes: collect });
    const digits = { ThisDN: '1001', ConnID: '00650194ab3c0001', CollectedDigits: '1234', LastDigit: '#' };
    expect(roundTrip(84, digits).decoded).toMatchObject({ name: 'EventDigitsCollected', attributes: digits });
  });
});

describe('what 1.2 adds to older events round-trips and is in their catalogue rows', () => {
  for (const [name, attributes] of Object.entries(V12_ON_OLDER_EVENTS)) {
    it(`${name}: ${Object.keys(attributes).join(', ')}`, () => {
      const d = messageByName(name);
      if (!d) throw new Error(`${name} missing`);
      // Every attribute of the sample is one the catalogue lists for the event (so it is typed).
      expect(Object.keys(attributes).filter((a) => !d.attributes.has(a as AttributeName))).toEqual([]);
      const full = { ...attributes, time: { seconds: 1_700_000_000, microseconds: 5 } };
      const { decoded } = roundTrip(d.type, full);
      expect(decoded.name).toBe(name);
      expect(decoded.unknownAttributes).toBeUndefined();
      expect(canonical(decoded.attributes)).toStrictEqual(canonical(full));
    });
  }
});

describe('the 1.2 attributes on the wire', () => {
  for (const [name, [id, type]] of Object.entries(SPEC_ATTRIBUTE_IDS)) {
    it(`${name} is attribute id ${id}, ${type}`, () => {
      const attr = ATTRIBUTES[name as AttributeName];
      expect(attr).toMatchObject({ id, type });
      const value = (SAMPLE_VALUES[attr.type] as readonly unknown[])[1];
      // Alone in a frame (the codec writes any attribute of the table), so its id is at offset 12.
      const bytes = encodeFrame(messageByName('EventBridged')!.type, { [name]: value });
      expect(bytes.readUInt16BE(10)).toBe(1); // one attribute
      expect(bytes.readUInt16BE(12)).toBe(id);
      expect(bytes[14]).toBe({ int: 1, string: 2, connid: 5 }[type]); // the value type byte
      const decoded = decodeFrame(bytes);
      expect(decoded.unknownAttributes).toBeUndefined();
      expect(canonical(decoded.attributes)).toStrictEqual(canonical({ [name]: value }));
    });
  }
});
