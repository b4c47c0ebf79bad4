/**
 * Round trips of the whole catalogue and of every value type (issue "Foundation", Done when 1).
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import { ATTRIBUTES, type AttributeName, type KVList, type ValueTypeName } from '../../src/protocol/attributes.js';
import { MESSAGES, messageByName } from '../../src/protocol/catalogue.js';
import type { UnknownAttribute } from '../../src/protocol/types.js';
import {
  INT32_MAX,
  INT32_MIN,
  SAMPLE_VALUES,
  UINT32_MAX,
  VALUE_TYPE_NAMES,
  asSample,
  canonical,
  feed,
  nestedKVList,
  type MessageSample,
} from '../support/arbitraries.js';

function roundTrip(type: number, attributes: Record<string, unknown>, unknown?: UnknownAttribute[]) {
  const bytes = encodeFrame(type, attributes, unknown);
  const decoded = decodeFrame(bytes);
  expect(decoded.byteLength).toBe(bytes.length);
  expect(bytes.readUInt32BE(0)).toBe(bytes.length - 4);
  return { bytes, decoded };
}

/** Every attribute a message lists, filled with the `variant`-th sample value of its type. */
function filled(names: Iterable<AttributeName>, variant: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const samples = SAMPLE_VALUES[ATTRIBUTES[name].type] as readonly unknown[];
    out[name] = samples[variant % samples.length];
  }
  return out;
}

describe('round trip of every catalogue message with every attribute it lists', () => {
  it('the catalogue has the events, requests and 2 ADDP frames of the spec (1.0 + 1.1 + names known only)', () => {
    // 31 + 32 events of 1.0 and 1.1 and 36 named only; 20 + 30 requests and 34 named only: 0–182 all named.
    expect(MESSAGES.filter((d) => d.kind === 'event')).toHaveLength(31 + 32 + 36);
    expect(MESSAGES.filter((d) => d.kind === 'request')).toHaveLength(20 + 30 + 34);
    expect(MESSAGES.filter((d) => d.kind === 'addp')).toHaveLength(2);
  });

  // Enough variants that every sample of the type with the most samples is used at least once.
  const variants = Math.max(...VALUE_TYPE_NAMES.map((t) => SAMPLE_VALUES[t].length));
  for (const d of MESSAGES) {
    it(`${d.name} (type ${d.type}, ${d.attributes.size} attributes)`, () => {
      for (let v = 0; v < variants; v++) {
        const attributes = filled(d.attributes.keys(), v);
        const { decoded } = roundTrip(d.type, attributes);
        expect(decoded.type).toBe(d.type);
        expect(decoded.name).toBe(d.name);
        expect(decoded.unknownAttributes).toBeUndefined();
        expect(Object.keys(decoded.attributes)).toEqual([...d.attributes.keys()]);
        expect(canonical(decoded.attributes)).toStrictEqual(canonical(attributes));
      }
    });
  }

  it('a message with every attribute of the table at once, plus unknown attributes of every type', () => {
    const attributes = filled(Object.keys(ATTRIBUTES) as AttributeName[], 3);
    const unknown: UnknownAttribute[] = VALUE_TYPE_NAMES.map((valueType, i) => ({
      id: 2000 + i,
      valueType,
      value: SAMPLE_VALUES[valueType].at(-1),
    }));
    const sample: MessageSample = { type: 60, name: 'EventRinging', attributes, unknownAttributes: unknown };
    const { decoded } = roundTrip(sample.type, sample.attributes, unknown);
    expect(asSample(decoded)).toStrictEqual(canonical(sample));
  });
});

describe('values of every attribute type survive a round trip', () => {
  const ringing = messageByName('EventRinging')!.type;

  function through(attributes: Record<string, unknown>): Record<string, unknown> {
    return canonical(roundTrip(ringing, attributes).decoded.attributes);
  }

  it('int: negative values and the int32 extremes, as attributes and inside kvlists', () => {
    for (const n of [INT32_MIN, INT32_MIN + 1, -2, -1, 0, 1, INT32_MAX - 1, INT32_MAX]) {
      const attributes = { ErrorCode: n, UserData: [['n', n]] };
      expect(through(attributes)).toStrictEqual(attributes);
    }
  });

  it('string: non-ASCII (é, 日本語, emoji), empty, NUL, long — as values and as kvlist keys', () => {
    for (const s of ['é', '日本語', '😀', '👩‍👩‍👧‍👦', '', 'a\u0000b', 'é'.repeat(32_767) + 'x', 'ascii only']) {
      const attributes = { ThisDN: s, OtherDN: `${s}!`, UserData: [[s, s]] };
      expect(through(attributes)).toStrictEqual(attributes);
    }
  });

  it('string: UTF-8 byte lengths are written, not UTF-16 lengths', () => {
    const { bytes } = roundTrip(ringing, { ThisDN: '日本語😀' });
    // header (12) + id (2) + type (1) → length field at 15: 3×3 + 4 bytes = 13.
    expect(bytes.readUInt32BE(15)).toBe(13);
    expect(bytes.subarray(19).toString('utf8')).toBe('日本語😀');
  });

  it('binary: empty, every byte value, large — as attributes and inside kvlists', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const b of [new Uint8Array(0), all]) {
      const attributes = { InputMask: b, UserData: [['b', b]] };
      expect(through(attributes)).toStrictEqual(canonical(attributes));
    }
    // Larger than the encoder's initial 64 KiB scratch buffer (compared as bytes: faster).
    const large = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
    const out = roundTrip(ringing, { InputMask: large, UserData: [['b', large]] }).decoded.attributes;
    expect(Buffer.from(large).equals(out.InputMask as Buffer)).toBe(true);
    expect(Buffer.from(large).equals((out.UserData as KVList)[0][1] as Buffer)).toBe(true);
  });

  it('binary: a Uint8Array view into a larger buffer writes only its own bytes', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
    const attributes = { InputMask: backing.subarray(2, 5) };
    expect(through(attributes)).toStrictEqual({ InputMask: new Uint8Array([1, 2, 3]) });
  });

  it('connid: at top level as 16 lowercase hex digits, inside a kvlist as { connid }', () => {
    for (const c of SAMPLE_VALUES.connid) {
      const attributes = {
        ConnID: c,
        PreviousConnID: c,
        UserData: [
          ['c', { connid: c }],
          ['s', c],
        ],
      };
      const out = through(attributes);
      expect(out).toStrictEqual(attributes);
      // A ConnID-looking string in a kvlist stays a string.
      expect((out.UserData as KVList)[1][1]).toBe(c);
    }
  });

  it('time: microseconds kept, full uint32 seconds range', () => {
    for (const t of [...SAMPLE_VALUES.time, { seconds: 1, microseconds: 1 }]) {
      const attributes = { time: t, ServerStartTime: t };
      expect(through(attributes)).toStrictEqual(attributes);
    }
  });

  it('time: a Date is accepted by the encoder and comes back as { seconds, microseconds }', () => {
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    expect(through({ time: date })).toStrictEqual({
      time: { seconds: Math.floor(date.getTime() / 1000), microseconds: 678_000 },
    });
  });

  it('kvlist: nested to depth 16 (the limit), values of every kvlist type at every level', () => {
    const deep = nestedKVList(16, { connid: '00650194ab3c0001' });
    const out = through({ UserData: deep, Extensions: nestedKVList(16, new Uint8Array([1])) });
    expect(out.UserData).toStrictEqual(deep);
    let level: unknown = out.UserData;
    let depth = 0;
    while (Array.isArray(level)) {
      depth++;
      level = (level as KVList)[0][1];
    }
    expect(depth).toBe(16);
    expect(level).toStrictEqual({ connid: '00650194ab3c0001' });
  });

  it('kvlist: repeated keys are all kept, in order', () => {
    const list: KVList = [
      ['k', 1],
      ['x', 'a'],
      ['k', 'two'],
      ['k', [['k', 3]]],
      ['x', 'b'],
      ['k', { connid: '0000000000000001' }],
    ];
    expect(through({ UserData: list }).UserData).toStrictEqual(list);
  });

  it('kvlist: empty list, empty key and empty value', () => {
    for (const list of [[], [['', '']], [['', []]]] as KVList[]) {
      expect(through({ UserData: list }).UserData).toStrictEqual(list);
    }
  });

  it('kvlist: a plain object is accepted by the encoder and comes back as [key, value] pairs', () => {
    expect(through({ UserData: { a: 1, b: 'x', c: [['d', 2]] } }).UserData).toStrictEqual([
      ['a', 1],
      ['b', 'x'],
      ['c', [['d', 2]]],
    ]);
  });

  it('every sample value of every type round-trips inside an unknown attribute', () => {
    for (const valueType of VALUE_TYPE_NAMES) {
      for (const value of SAMPLE_VALUES[valueType] as readonly unknown[]) {
        const unknown: UnknownAttribute[] = [{ id: 0xffff, valueType: valueType as ValueTypeName, value }];
        const { decoded } = roundTrip(0x1234, {}, unknown);
        expect(decoded.name).toBeUndefined();
        expect(canonical(decoded.unknownAttributes)).toStrictEqual(canonical(unknown));
      }
    }
  });

  it('undefined attribute values are skipped, Event/Request/Server are not written', () => {
    const { bytes, decoded } = roundTrip(ringing, {
      Event: 'EventRinging',
      Server: 'a:1',
      ThisDN: '1',
      OtherDN: undefined,
    });
    expect(bytes.readUInt16BE(10)).toBe(1);
    expect(decoded.attributes).toStrictEqual({ ThisDN: '1' });
  });
});

describe('golden bytes, computed by hand from wire-protocol.md', () => {
  /*
   * EventRinging (type 60 = 0x003c), 4 attributes:
   *   ThisDN   id 20 = 0x0014, type 2 string, "5001"           → 00 14 02 | 00 00 00 04 | 35 30 30 31
   *   ConnID   id  9 = 0x0009, type 5 connid, 00650194ab3c0001  → 00 09 05 | 00 65 01 94 ab 3c 00 01
   *   UserData id 51 = 0x0033, type 4 kvlist, 2 entries          → 00 33 04 | 00 00 00 02
   *     "k" → string "v": key len 00 01, "k" 6b, type 02, len 00 00 00 01, "v" 76
   *     "n" → int -2:     key len 00 01, "n" 6e, type 01, ff ff ff fe
   *   time     id 86 = 0x0056, type 6 time, 1700000000 s (0x6553f100) + 123456 µs (0x0001e240)
   *                                                              → 00 56 06 | 65 53 f1 00 | 00 01 e2 40
   * Body: header 8 + 11 + 11 + (3 + 4 + 9 + 8 = 24) + 11 = 65 = 0x41 bytes after the length field.
   */
  const RINGING_HEX = [
    '00000041', // length
    '544c', // magic "TL"
    '01', // version
    '00', // flags
    '003c', // type 60 EventRinging
    '0004', // 4 attributes
    '0014 02 00000004 35303031',
    '0009 05 00650194ab3c0001',
    '0033 04 00000002 0001 6b 02 00000001 76 0001 6e 01 fffffffe',
    '0056 06 6553f100 0001e240',
  ]
    .join('')
    .replace(/ /g, '');
  const RINGING_OBJECT = {
    type: 60,
    name: 'EventRinging',
    attributes: {
      ThisDN: '5001',
      ConnID: '00650194ab3c0001',
      UserData: [
        ['k', 'v'],
        ['n', -2],
      ],
      time: { seconds: 1_700_000_000, microseconds: 123_456 },
    },
    unknownAttributes: undefined,
    byteLength: 69,
  };

  it('EventRinging decodes to the expected object', () => {
    const bytes = Buffer.from(RINGING_HEX, 'hex');
    expect(bytes.length).toBe(69);
    expect(decodeFrame(bytes)).toStrictEqual(RINGING_OBJECT);
  });

  it('EventRinging encodes back to the same bytes', () => {
    expect(encodeFrame(60, RINGING_OBJECT.attributes).toString('hex')).toBe(RINGING_HEX);
  });

  it('EventRinging through a streaming FrameDecoder', () => {
    const bytes = Buffer.from(RINGING_HEX, 'hex');
    const r = feed([bytes.subarray(0, 30), bytes.subarray(30)]);
    expect(r.errors).toEqual([]);
    expect(r.messages).toStrictEqual([RINGING_OBJECT]);
  });

  /*
   * RequestQueryAddress (type 2), ReferenceID 7, ThisDN "é" (UTF-8 c3 a9), then an unknown
   * attribute id 2001 (0x07d1) of type 3 binary with bytes 01 02:
   *   00 02 01 00 00 00 07 | 00 14 02 00 00 00 02 c3 a9 | 07 d1 03 00 00 00 02 01 02
   * Body: 8 + 7 + 9 + 9 = 33 = 0x21.
   */
  const QUERY_HEX = ['00000021 544c 01 00 0002 0003', '0002 01 00000007', '0014 02 00000002 c3a9', '07d1 03 00000002 0102']
    .join('')
    .replace(/ /g, '');

  it('RequestQueryAddress with a non-ASCII string and an unknown attribute, both ways', () => {
    const bytes = Buffer.from(QUERY_HEX, 'hex');
    const decoded = decodeFrame(bytes);
    expect(canonical(decoded)).toStrictEqual({
      type: 2,
      name: 'RequestQueryAddress',
      attributes: { ReferenceID: 7, ThisDN: 'é' },
      unknownAttributes: [{ id: 2001, valueType: 'binary', value: new Uint8Array([1, 2]) }],
      byteLength: 37,
    });
    expect(encodeFrame(2, decoded.attributes, decoded.unknownAttributes).toString('hex')).toBe(QUERY_HEX);
  });

  it('AddpPing (0xfff0) and AddpPong (0xfff1): header only', () => {
    const ping = '00000008544c0100fff00000';
    const pong = '00000008544c0100fff10000';
    expect(decodeFrame(Buffer.from(ping, 'hex'))).toStrictEqual({
      type: 0xfff0,
      name: 'AddpPing',
      attributes: {},
      unknownAttributes: undefined,
      byteLength: 12,
    });
    expect(decodeFrame(Buffer.from(pong, 'hex')).name).toBe('AddpPong');
    expect(encodeFrame(0xfff0, {}).toString('hex')).toBe(ping);
    expect(encodeFrame(0xfff1, undefined).toString('hex')).toBe(pong);
  });

  it('time: seconds are unsigned (0xffffffff is 4294967295, not -1)', () => {
    // EventLinkConnected (95 = 0x5f) with only time = ffffffff / 000f423f (999999).
    const hex = '00000013544c0100005f0001' + '005606ffffffff000f423f';
    expect(decodeFrame(Buffer.from(hex, 'hex')).attributes).toStrictEqual({
      time: { seconds: UINT32_MAX, microseconds: 999_999 },
    });
    expect(encodeFrame(95, { time: { seconds: UINT32_MAX, microseconds: 999_999 } }).toString('hex')).toBe(hex);
  });
});
