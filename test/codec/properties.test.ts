/**
 * Property tests of the codec (issue "Foundation", Done when 2). Run counts are tuned so the whole
 * file takes a few seconds; raise FC_RUNS_SCALE to dig deeper (e.g. FC_RUNS_SCALE=50).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import { ProtocolError } from '../../src/errors.js';
import { ATTRIBUTES, type AttributeName } from '../../src/protocol/attributes.js';
import { describeBadValue } from '../../src/protocol/values.js';
import {
  ATTRIBUTE_NAMES,
  anyMessageArb,
  applyDamage,
  asSample,
  attributeValueArb,
  canonical,
  chunkedArb,
  cutsArb,
  damageArb,
  encodeSample,
  feed,
  messageArb,
  splitAt,
  summarize,
  type FeedResult,
} from '../support/arbitraries.js';

const SCALE = Number(process.env.FC_RUNS_SCALE ?? 1);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

/** What must hold for any input whatsoever. */
function expectWellBehaved(r: FeedResult, streamLength: number): void {
  // Only decoded messages or ProtocolErrors, never another exception.
  expect(r.foreign).toEqual([]);
  for (const e of r.errors) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(streamLength); // = length: "needed a byte after the end"
  }
  // A fatal error is reported once, and is the last thing reported.
  const fatal = r.reports.findIndex((x) => 'error' in x && x.error.fatal);
  if (fatal >= 0) {
    expect(fatal).toBe(r.reports.length - 1);
    expect(r.decoder.isFailed).toBe(true);
  }
  // Never more than the stream holds.
  const consumed = r.messages.reduce((n, m) => n + m.byteLength, 0);
  expect(consumed).toBeLessThanOrEqual(streamLength);
}

describe('encode → decode is the identity', () => {
  it('arbitrary catalogue messages (subsets of their attributes) and unknown attributes ≥ 2000', () => {
    fc.assert(
      fc.property(messageArb(), (m) => {
        const bytes = encodeSample(m);
        const decoded = decodeFrame(bytes);
        expect(decoded.byteLength).toBe(bytes.length);
        expect(asSample(decoded)).toStrictEqual(canonical(m));
      }),
      runs(400),
    );
  });

  it('any attribute of the table on any message type, known or not', () => {
    fc.assert(
      fc.property(fc.oneof(messageArb({ anyAttribute: true }), anyMessageArb), (m) => {
        expect(asSample(decodeFrame(encodeSample(m)))).toStrictEqual(canonical(m));
      }),
      runs(200),
    );
  });

  it('decode → encode gives the same bytes back', () => {
    fc.assert(
      fc.property(anyMessageArb, (m) => {
        const bytes = encodeSample(m);
        const d = decodeFrame(bytes);
        expect(encodeFrame(d.type, d.attributes, d.unknownAttributes).equals(bytes)).toBe(true);
      }),
      runs(200),
    );
  });
});

describe('the encoder accepts exactly what the validator accepts', () => {
  /** Values near and far from valid for a type: valid ones, their near misses, and anything. */
  function candidateArb(name: AttributeName): fc.Arbitrary<unknown> {
    const junk = fc.anything({
      withTypedArray: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withBigInt: true,
      withNullPrototype: true,
      withSparseArray: true,
      maxDepth: 3,
    });
    const near = fc.oneof(
      fc.double(),
      fc.integer({ min: -(2 ** 33), max: 2 ** 33 }),
      fc.date({ noInvalidDate: false }),
      fc.record({
        seconds: fc.oneof(fc.integer({ min: -5, max: 2 ** 33 }), fc.double()),
        microseconds: fc.integer({ min: -5, max: 2_000_000 }),
      }),
      fc.string({ minLength: 15, maxLength: 17, unit: fc.constantFrom(...'0123456789abcdefABCDEF') }),
      fc.array(
        fc.tuple(fc.oneof(fc.string(), fc.integer()), fc.oneof(fc.integer({ min: -(2 ** 32), max: 2 ** 32 }), fc.boolean(), fc.string())),
        { maxLength: 3 },
      ),
      fc.array(fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.integer(), fc.string(), fc.constant(null)), { maxKeys: 3 }),
    );
    return fc.oneof(attributeValueArb(name), near, junk);
  }

  it('for every attribute and any value: encodes iff describeBadValue finds nothing, and what encodes decodes', () => {
    const arb = fc.constantFrom(...ATTRIBUTE_NAMES).chain((name) => fc.tuple(fc.constant(name), candidateArb(name)));
    fc.assert(
      fc.property(arb, ([name, value]) => {
        const problem = describeBadValue(ATTRIBUTES[name].type, value, name);
        let bytes: Buffer | undefined;
        let error: unknown;
        try {
          bytes = encodeFrame(0x7777, { [name]: value });
        } catch (e) {
          error = e;
        }
        if (value === undefined) {
          expect(bytes).toBeDefined(); // undefined attributes are skipped
          return;
        }
        if (problem === undefined) {
          expect(error).toBeUndefined();
          expect(decodeFrame(bytes!).attributes).toHaveProperty(name);
        } else {
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as ProtocolError).code).toBe('ERR_ENCODE');
        }
      }),
      runs(1500),
    );
  });
});

describe('the streaming decoder on any input yields messages or ProtocolErrors, nothing else', () => {
  it('arbitrary bytes in arbitrary chunkings, and the same reports whatever the chunking', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      // Plausible headers make the decoder go further than random bytes would.
      fc.tuple(fc.integer({ min: 0, max: 120 }), fc.uint8Array({ maxLength: 120 }), fc.boolean()).map(([len, rest, magic]) => {
        const head = Buffer.from([0, 0, 0, len, 0x54, magic ? 0x4c : 0x4d, 1, 0]);
        return new Uint8Array(Buffer.concat([head, rest]));
      }),
    );
    fc.assert(
      fc.property(chunkedArb(bytes), fc.integer({ min: 8, max: 300 }), ({ bytes: b, chunks }, max) => {
        const options = { maxFrameBytes: max };
        const chunked = feed(chunks, options);
        expectWellBehaved(chunked, b.length);
        const whole = feed([b], options);
        expect(chunked.reports.map(summarize)).toStrictEqual(whole.reports.map(summarize));
      }),
      runs(500),
    );
  });

  it('arbitrary bytes through decodeFrame: a message or a ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        try {
          const m = decodeFrame(b);
          expect(m.byteLength).toBe(b.length);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      runs(300),
    );
  });

  it('truncated, bit-flipped, overwritten, spliced and cut valid streams, in arbitrary chunkings', () => {
    const damaged = fc
      .tuple(fc.array(anyMessageArb, { minLength: 1, maxLength: 4 }), fc.array(damageArb, { minLength: 1, maxLength: 3 }))
      .map(([messages, damages]) => applyDamage(Buffer.concat(messages.map(encodeSample)), damages));
    fc.assert(
      fc.property(chunkedArb(damaged), ({ bytes, chunks }) => {
        const chunked = feed(chunks);
        expectWellBehaved(chunked, bytes.length);
        expect(chunked.reports.map(summarize)).toStrictEqual(feed([bytes]).reports.map(summarize));
      }),
      runs(400),
    );
  });

  it('a damaged frame followed by good ones: once the damage is non-fatal, the good frames still decode', () => {
    // Damage only inside the attributes of the first frame (not its length or header).
    const arb = fc.tuple(messageArb(), fc.array(messageArb(), { minLength: 1, maxLength: 3 }), fc.nat(), fc.nat({ max: 255 }));
    fc.assert(
      fc.property(arb, ([first, rest, at, byte]) => {
        const bad = encodeSample(first);
        if (bad.length > 12) bad[12 + (at % (bad.length - 12))] = byte;
        const good = rest.map(encodeSample);
        const r = feed([Buffer.concat([bad, ...good])]);
        expectWellBehaved(r, bad.length + good.reduce((n, g) => n + g.length, 0));
        expect(r.errors.every((e) => !e.fatal)).toBe(true);
        const tail = r.messages.slice(-good.length).map(asSample);
        expect(tail).toStrictEqual(rest.map(canonical));
      }),
      runs(300),
    );
  });
});

describe('chunking invariance for valid streams', () => {
  it('any split of a multi-frame stream yields the same messages as one push, equal to what was encoded', () => {
    const stream = fc.array(anyMessageArb, { minLength: 1, maxLength: 6 }).chain((messages) => {
      const bytes = Buffer.concat(messages.map(encodeSample));
      return cutsArb(bytes.length, 20).map((cuts) => ({ messages, bytes, cuts }));
    });
    fc.assert(
      fc.property(stream, ({ messages, bytes, cuts }) => {
        const whole = feed([bytes]);
        const chunked = feed(splitAt(bytes, cuts));
        expect(whole.errors).toEqual([]);
        expect(chunked.errors).toEqual([]);
        expect(chunked.reports.map(summarize)).toStrictEqual(whole.reports.map(summarize));
        expect(chunked.messages.map(asSample)).toStrictEqual(messages.map(canonical));
        expect(chunked.decoder.bufferedBytes).toBe(0);
      }),
      runs(250),
    );
  });
});
