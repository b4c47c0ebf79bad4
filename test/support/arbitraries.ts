/**
 * fast-check arbitraries (and a few plain fixtures) for wire protocol v1 values and messages.
 *
 * Everything here generates values in the codec's *canonical* form, the form the decoder returns:
 * kvlists as `[key, value][]`, ConnIDs as 16 lowercase hex digits (`{ connid }` inside a kvlist),
 * times as `{ seconds, microseconds }`, binaries as Uint8Array. So for any generated message `m`,
 * `decode(encode(m))` must give `m` back (compare through `canonical()`, which turns Buffers into
 * plain Uint8Arrays and null-prototype objects into plain ones).
 *
 * Strings are well-formed UTF-16 (no lone surrogates): a lone surrogate has no UTF-8 form and is
 * written as U+FFFD, so it cannot round-trip.
 */
import fc from 'fast-check';
import {
  ATTRIBUTES,
  VALUE_TYPES,
  type AttributeName,
  type KVConnID,
  type KVList,
  type KVPair,
  type KVValue,
  type TimeValue,
  type ValueTypeMap,
  type ValueTypeName,
} from '../../src/protocol/attributes.js';
import { FrameDecoder, type DecodedMessage, type DecoderOptions } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import { ProtocolError } from '../../src/errors.js';
import { MESSAGES, messageByType, type MessageDescriptor } from '../../src/protocol/catalogue.js';
import type { UnknownAttribute } from '../../src/protocol/types.js';
import { MAX_KVLIST_DEPTH } from '../../src/protocol/values.js';

export const INT32_MIN = -0x8000_0000;
export const INT32_MAX = 0x7fff_ffff;
export const UINT32_MAX = 0xffff_ffff;
/** Unknown attribute ids used by the arbitraries: far above every catalogue id. */
export const UNKNOWN_ATTRIBUTE_ID_MIN = 2000;

export const VALUE_TYPE_NAMES = Object.keys(VALUE_TYPES) as ValueTypeName[];
export const ATTRIBUTE_NAMES = Object.keys(ATTRIBUTES) as AttributeName[];

// ---------------------------------------------------------------------------------------------
// Scalar values
// ---------------------------------------------------------------------------------------------

/** Any int32, with the extremes, 0 and ±1 drawn often. */
export const int32Arb: fc.Arbitrary<number> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(INT32_MIN, INT32_MAX, INT32_MIN + 1, INT32_MAX - 1, -1, 0, 1) },
  { weight: 4, arbitrary: fc.integer({ min: INT32_MIN, max: INT32_MAX }) },
);

/** Strings the T-Library meets: empty, ASCII, accents, CJK, emoji, combining marks, NUL. */
export const NOTABLE_STRINGS: readonly string[] = ['', 'é', '日本語', '😀', '👩‍👩‍👧‍👦', 'e\u0301', 'a\u0000b', 'Ünïcödé ✓ — 日本語 😀'];

/** Well-formed strings of any script (no lone surrogates), short. */
export const stringArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...NOTABLE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
);

/** Binary values, empty included. Plain Uint8Arrays (the decoder returns Buffers: compare via canonical()). */
export const binaryArb: fc.Arbitrary<Uint8Array> = fc.uint8Array({ maxLength: 40 });

/** A ConnID as users see it: 16 lowercase hex digits. */
export const connIdArb: fc.Arbitrary<string> = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex'));

/** A `time` value: full uint32 seconds range, microseconds below 1,000,000. */
export const timeArb: fc.Arbitrary<TimeValue> = fc.record(
  {
    seconds: fc.oneof(fc.constantFrom(0, UINT32_MAX, 1_700_000_000), fc.integer({ min: 0, max: UINT32_MAX })),
    microseconds: fc.oneof(fc.constantFrom(0, 999_999), fc.integer({ min: 0, max: 999_999 })),
  },
  { noNullPrototype: true },
);

// ---------------------------------------------------------------------------------------------
// kvlists
// ---------------------------------------------------------------------------------------------

/** kvlist keys: a small pool (so keys repeat, as user data often does) or any string. */
export const kvKeyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('a', 'b', 'key', 'é', '日本語', '') },
  { weight: 1, arbitrary: stringArb },
);

export interface KVListArbOptions {
  /** Deepest nesting, counting the list itself as 1 (at most MAX_KVLIST_DEPTH = 16). Default 4. */
  maxDepth?: number;
  /** Most entries per list. Default 5. */
  maxLength?: number;
}

/** A kvlist: ordered, repeated keys allowed, values of types 1–5, nested up to `maxDepth`. */
export function kvListArb(options: KVListArbOptions = {}): fc.Arbitrary<KVList> {
  const maxDepth = options.maxDepth ?? 4;
  const maxLength = options.maxLength ?? 5;
  if (maxDepth < 1 || maxDepth > MAX_KVLIST_DEPTH) throw new RangeError(`maxDepth ${maxDepth} not in 1..${MAX_KVLIST_DEPTH}`);
  let arb = listOf(kvLeafArb, maxLength);
  // Build from the innermost level outwards; nested lists are drawn rarely so sizes stay small.
  for (let level = 2; level <= maxDepth; level++) {
    const inner = arb;
    const value: fc.Arbitrary<KVValue> = fc.oneof({ weight: 5, arbitrary: kvLeafArb }, { weight: 1, arbitrary: inner });
    arb = listOf(value, maxLength);
  }
  return arb;
}

function listOf(value: fc.Arbitrary<KVValue>, maxLength: number): fc.Arbitrary<KVList> {
  return fc.array(fc.tuple(kvKeyArb, value) as fc.Arbitrary<KVPair>, { maxLength });
}

/** A kvlist's non-list values: int, string, binary, `{ connid }`. */
export const kvLeafArb: fc.Arbitrary<KVValue> = fc.oneof(
  int32Arb,
  stringArb,
  binaryArb,
  connIdArb.map((connid): KVConnID => ({ connid })),
);

/** Any kvlist value, including nested lists (up to `maxDepth - 1` more levels). */
export function kvValueArb(options: KVListArbOptions = {}): fc.Arbitrary<KVValue> {
  const maxDepth = options.maxDepth ?? 3;
  return maxDepth <= 1 ? kvLeafArb : fc.oneof(kvLeafArb, kvListArb({ ...options, maxDepth: maxDepth - 1 }));
}

/**
 * A kvlist nested exactly `depth` levels deep (the outer list is level 1), the innermost holding
 * `leaf`. Depth 16 is the most the protocol allows.
 */
export function nestedKVList(depth: number, leaf: KVValue = 'bottom'): KVList {
  let list: KVList = [['leaf', leaf]];
  for (let level = depth - 1; level >= 1; level--)
    list = [
      [`level${level}`, list],
      ['after', level],
    ];
  return list;
}

// ---------------------------------------------------------------------------------------------
// Attribute values by type / by name
// ---------------------------------------------------------------------------------------------

const VALUE_ARBS: { [T in ValueTypeName]: fc.Arbitrary<ValueTypeMap[T]> } = {
  int: int32Arb,
  string: stringArb,
  binary: binaryArb,
  kvlist: kvListArb(),
  connid: connIdArb,
  time: timeArb,
};

/** A valid value of a wire value type, in canonical form. */
export function valueArb<T extends ValueTypeName>(type: T): fc.Arbitrary<ValueTypeMap[T]> {
  return VALUE_ARBS[type];
}

/** A valid value for a catalogue attribute. */
export function attributeValueArb(name: AttributeName): fc.Arbitrary<unknown> {
  return valueArb(ATTRIBUTES[name].type);
}

/** Hand-picked valid values of every type, meant to hit edges (extremes, empty, non-ASCII, nesting). */
export const SAMPLE_VALUES: { readonly [T in ValueTypeName]: readonly ValueTypeMap[T][] } = {
  int: [INT32_MIN, INT32_MAX, -1, 0, 42],
  string: ['', 'é', '日本語', '😀', 'Ünïcödé ✓ — 日本語 😀', '5001', 'x'.repeat(300)],
  binary: [new Uint8Array(0), Uint8Array.from({ length: 256 }, (_, i) => i), new Uint8Array(64).fill(0xff)],
  kvlist: [
    [],
    [['', '']],
    [
      ['dup', 1],
      ['dup', 'two'],
      ['other', -1],
      ['dup', { connid: '00650194ab3c0001' }],
    ],
    [
      ['日本語', 'é😀'],
      ['bin', new Uint8Array([0, 1, 0xfe, 0xff])],
      ['min', INT32_MIN],
      ['max', INT32_MAX],
      ['conn', { connid: 'ffffffffffffffff' }],
      ['empty', ''],
      ['list', [['inner', [['innermost', 0]]]]],
    ],
    nestedKVList(16, { connid: '0000000000000000' }),
  ],
  connid: ['00650194ab3c0001', '0000000000000000', 'ffffffffffffffff', '0123456789abcdef'],
  time: [
    { seconds: 0, microseconds: 0 },
    { seconds: 1_700_000_000, microseconds: 123_456 },
    { seconds: UINT32_MAX, microseconds: 999_999 },
  ],
};

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/** An attribute whose id the catalogue does not know, with a valid value of its value type. */
export const unknownAttributeArb: fc.Arbitrary<UnknownAttribute> = fc
  .tuple(fc.integer({ min: UNKNOWN_ATTRIBUTE_ID_MIN, max: 0xffff }), fc.constantFrom(...VALUE_TYPE_NAMES))
  .chain(([id, valueType]) => valueArb(valueType).map((value): UnknownAttribute => ({ id, valueType, value })));

/** A message as the codec sees it: what `encodeFrame` takes, and what `decodeFrame` returns. */
export interface MessageSample {
  type: number;
  /** The catalogue's name, undefined for a type the catalogue does not know. */
  name: string | undefined;
  attributes: Record<string, unknown>;
  unknownAttributes: UnknownAttribute[] | undefined;
}

export interface AttributesArbOptions {
  /** Draw from every attribute of the table, not only those the message lists. Default false. */
  anyAttribute?: boolean;
  /** Always include the message's Mandatory attributes. Default false. */
  withMandatory?: boolean;
}

/** An arbitrary subset of a message's attributes, each with an arbitrary valid value. */
export function attributesArb(d: MessageDescriptor, options: AttributesArbOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  const names = options.anyAttribute ? ATTRIBUTE_NAMES : [...d.attributes.keys()];
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of names) model[name] = attributeValueArb(name);
  const requiredKeys = options.withMandatory ? d.mandatory.filter((n) => names.includes(n)) : [];
  return fc.record(model, { requiredKeys, noNullPrototype: true });
}

const unknownAttributesArb = fc.option(fc.array(unknownAttributeArb, { minLength: 1, maxLength: 3 }), {
  nil: undefined,
  freq: 3,
});

/** A message of the catalogue (events, requests, ADDP), with some attributes and maybe unknown ones. */
export function messageArb(options: AttributesArbOptions = {}): fc.Arbitrary<MessageSample> {
  return fc.constantFrom(...MESSAGES).chain((d) =>
    fc.record(
      {
        type: fc.constant(d.type),
        name: fc.constant<string | undefined>(d.name),
        attributes: attributesArb(d, options),
        unknownAttributes: unknownAttributesArb,
      },
      { noNullPrototype: true },
    ),
  );
}

/** A message type the catalogue does not know (uint16), with catalogue attributes and unknown ones. */
export const unknownTypeMessageArb: fc.Arbitrary<MessageSample> = fc
  .integer({ min: 0, max: 0xffff })
  .filter((type) => messageByType(type) === undefined)
  .chain((type) =>
    fc.record(
      {
        type: fc.constant(type),
        name: fc.constant<string | undefined>(undefined),
        attributes: attributesArb(MESSAGES[0], { anyAttribute: true }),
        unknownAttributes: unknownAttributesArb,
      },
      { noNullPrototype: true },
    ),
  );

/** Known and (less often) unknown message types. */
export const anyMessageArb: fc.Arbitrary<MessageSample> = fc.oneof(
  { weight: 4, arbitrary: messageArb() },
  { weight: 1, arbitrary: unknownTypeMessageArb },
);

// ---------------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------------

/** Sorted, distinct cut positions strictly inside `[0, length]` (at most `maxCuts`). */
export function cutsArb(length: number, maxCuts = 12): fc.Arbitrary<number[]> {
  if (length < 2) return fc.constant([]);
  return fc
    .uniqueArray(fc.integer({ min: 1, max: length - 1 }), { maxLength: Math.min(maxCuts, length - 1) })
    .map((cuts) => cuts.sort((a, b) => a - b));
}

/** Splits `bytes` at the given sorted cut positions. */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    out.push(bytes.subarray(from, cut));
    from = cut;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** A byte stream and a chunking of it. */
export function chunkedArb(bytes: fc.Arbitrary<Uint8Array>, maxCuts = 12): fc.Arbitrary<{ bytes: Uint8Array; chunks: Uint8Array[] }> {
  return bytes.chain((b) => cutsArb(b.length, maxCuts).map((cuts) => ({ bytes: b, chunks: splitAt(b, cuts) })));
}

/** Ways to damage a valid stream. */
export type Damage =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'overwrite'; at: number; byte: number }
  | { kind: 'splice'; at: number; insert: Uint8Array }
  | { kind: 'cut'; from: number; to: number };

/** A damage to apply to a stream of `length` bytes (positions are taken modulo the length). */
export const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x01, 0x06, 0x09, 0x7f, 0x80, 0xff) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), insert: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('cut' as const), from: fc.nat(), to: fc.nat() }),
);

/** Applies damages in order; returns a new buffer. */
export function applyDamage(bytes: Uint8Array, damages: readonly Damage[]): Buffer {
  let b = Buffer.from(bytes);
  for (const d of damages) {
    if (b.length === 0) break;
    switch (d.kind) {
      case 'truncate':
        b = b.subarray(0, d.at % b.length);
        break;
      case 'flip':
        b[d.at % b.length] ^= 1 << d.bit;
        break;
      case 'overwrite':
        b[d.at % b.length] = d.byte;
        break;
      case 'splice': {
        const at = d.at % (b.length + 1);
        b = Buffer.concat([b.subarray(0, at), d.insert, b.subarray(at)]);
        break;
      }
      case 'cut': {
        const [from, to] = [d.from % b.length, d.to % b.length].sort((x, y) => x - y);
        b = Buffer.concat([b.subarray(0, from), b.subarray(to)]);
        break;
      }
    }
  }
  return Buffer.from(b);
}

// ---------------------------------------------------------------------------------------------
// Comparison helper
// ---------------------------------------------------------------------------------------------

/**
 * A deep copy in which every Uint8Array (Buffers included) is a plain Uint8Array and every object a
 * plain-prototype object, so values built by hand and values the decoder returns compare equal
 * with `toEqual`/`toStrictEqual` when, and only when, they hold the same data.
 */
export function canonical<T>(value: T): T {
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  if (Array.isArray(value)) return value.map(canonical) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = canonical(v);
    return out as T;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Encoding and decoding harness
// ---------------------------------------------------------------------------------------------

/** Encodes a generated message. */
export function encodeSample(m: MessageSample): Buffer {
  return encodeFrame(m.type, m.attributes, m.unknownAttributes);
}

/** What a FrameDecoder reported, in order. */
export type DecoderReport = { message: DecodedMessage } | { error: ProtocolError };

export interface FeedResult {
  messages: DecodedMessage[];
  errors: ProtocolError[];
  /** Messages and errors interleaved, in the order the decoder reported them. */
  reports: DecoderReport[];
  /** Whatever the decoder reported through onError that is not a ProtocolError, or threw from push(). */
  foreign: unknown[];
  decoder: FrameDecoder;
}

/** Feeds chunks to a fresh FrameDecoder and records everything it reports. Never throws. */
export function feed(chunks: Iterable<Uint8Array>, options?: DecoderOptions): FeedResult {
  const messages: DecodedMessage[] = [];
  const errors: ProtocolError[] = [];
  const reports: DecoderReport[] = [];
  const foreign: unknown[] = [];
  const decoder = new FrameDecoder(
    {
      onMessage(message) {
        messages.push(message);
        reports.push({ message });
      },
      onError(error) {
        if (!(error instanceof ProtocolError)) foreign.push(error);
        errors.push(error);
        reports.push({ error });
      },
    },
    options,
  );
  for (const chunk of chunks) {
    try {
      decoder.push(chunk);
    } catch (e) {
      foreign.push(e);
    }
  }
  return { messages, errors, reports, foreign, decoder };
}

/** A decoder report reduced to comparable data (message content, or error code/offset/fatal). */
export function summarize(report: DecoderReport): unknown {
  if ('message' in report) {
    const { type, name, attributes, unknownAttributes, byteLength } = report.message;
    return canonical({ type, name, attributes, unknownAttributes, byteLength });
  }
  const { code, offset, fatal } = report.error;
  return { code, offset, fatal };
}

/** The decoded message without byteLength, as a MessageSample, for comparing with what was encoded. */
export function asSample(m: DecodedMessage): MessageSample {
  return canonical({ type: m.type, name: m.name, attributes: m.attributes, unknownAttributes: m.unknownAttributes });
}
