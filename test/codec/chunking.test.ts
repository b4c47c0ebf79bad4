/**
 * Chunk boundaries (issue "Foundation", Done when 3): a stream of several frames split at every
 * byte position, and fed one byte at a time.
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import { SAMPLE_VALUES, canonical, feed, nestedKVList, summarize, type DecoderReport } from '../support/arbitraries.js';

/** The reports as one string (binaries as hex), so thousands of runs compare cheaply. */
function fingerprint(reports: DecoderReport[]): string {
  return JSON.stringify(reports.map(summarize), function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Uint8Array ? `hex:${Buffer.from(raw).toString('hex')}` : value;
  });
}

const frames = [
  encodeFrame(60, {
    ThisDN: '5001',
    ConnID: '00650194ab3c0001',
    UserData: [
      ['k', 'v'],
      ['k', -2],
      ['日本語', [['deep', { connid: 'ffffffffffffffff' }]]],
    ],
    time: { seconds: 1_700_000_000, microseconds: 123_456 },
  }),
  encodeFrame(0xfff0, {}),
  encodeFrame(2, { ReferenceID: 7, ThisDN: 'é😀' }, [{ id: 2001, valueType: 'binary', value: new Uint8Array([1, 2]) }]),
  encodeFrame(138, { ReferenceID: 2_147_483_647, time: { seconds: 0, microseconds: 999_999 }, UserEvent: -2_147_483_648 }),
  encodeFrame(0x4242, { Extensions: nestedKVList(16, SAMPLE_VALUES.binary[2]) }),
  encodeFrame(0xfff1, {}),
];
const stream = Buffer.concat(frames);
/** Frame start offsets in the stream. */
const starts = frames.reduce<number[]>((acc, _f, i) => [...acc, i === 0 ? 0 : acc[i - 1] + frames[i - 1].length], []);

const expected = feed([stream]).reports.map(summarize);
const expectedPrint = fingerprint(feed([stream]).reports);

describe('a stream of 6 frames split at every chunk boundary', () => {
  it('decodes in one push (the reference)', () => {
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect(expected.map((x) => (x as { name?: string }).name)).toEqual([
      'EventRinging',
      'AddpPing',
      'RequestQueryAddress',
      'EventACK',
      undefined,
      'AddpPong',
    ]);
  });

  it('two pushes, split at every single byte position', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = feed([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(fingerprint(r.reports), `split at ${cut}`).toBe(expectedPrint);
      expect(r.decoder.bufferedBytes).toBe(0);
    }
  });

  it('two pushes: after the first, exactly the frames it completes are out, and the rest is buffered', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const seen: number[] = [];
      const d = new FrameDecoder({ onMessage: (m) => seen.push(m.type), onError: (e) => expect.unreachable(e.message) });
      d.push(stream.subarray(0, cut));
      const complete = frames.filter((f, i) => starts[i] + f.length <= cut).length;
      expect(seen, `split at ${cut}`).toHaveLength(complete);
      const completeBytes = complete === frames.length ? stream.length : starts[complete];
      expect(d.bufferedBytes).toBe(cut - completeBytes);
      d.push(stream.subarray(cut));
      expect(seen).toHaveLength(frames.length);
    }
  });

  it('three pushes, split at every pair of positions around each frame boundary', () => {
    for (const boundary of starts.slice(1)) {
      for (let a = Math.max(0, boundary - 6); a <= boundary + 6; a++) {
        for (let b = a; b <= stream.length; b += 11) {
          const r = feed([stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
          expect(fingerprint(r.reports), `split at ${a}, ${b}`).toBe(expectedPrint);
        }
      }
    }
  });

  it('one byte at a time', () => {
    const r = feed([...stream].map((b) => Uint8Array.of(b)));
    expect(r.reports.map(summarize)).toStrictEqual(expected);
    expect(r.decoder.bufferedBytes).toBe(0);
  });

  it('one byte at a time: each message comes out on the last byte of its frame, not before', () => {
    const outAt: number[] = [];
    let i = 0;
    const d = new FrameDecoder({ onMessage: () => outAt.push(i), onError: (e) => expect.unreachable(e.message) });
    for (; i < stream.length; i++) d.push(stream.subarray(i, i + 1));
    expect(outAt).toEqual(frames.map((f, k) => starts[k] + f.length - 1));
  });

  it('plain Uint8Array views with a byte offset (not Buffers) work the same', () => {
    const backing = new Uint8Array(stream.length + 10);
    backing.set(stream, 5);
    const view = backing.subarray(5, 5 + stream.length);
    for (const cut of [1, 3, 4, 5, 13, starts[2], starts[2] + 1, stream.length - 1]) {
      const r = feed([view.subarray(0, cut), view.subarray(cut)]);
      expect(r.reports.map(summarize), `split at ${cut}`).toStrictEqual(expected);
    }
  });

  it('empty chunks are harmless', () => {
    const r = feed([new Uint8Array(0), stream.subarray(0, 7), new Uint8Array(0), stream.subarray(7), new Uint8Array(0)]);
    expect(r.reports.map(summarize)).toStrictEqual(expected);
  });

  it('decoded binary values are copies: changing the pushed chunks afterwards changes nothing', () => {
    const copy = Buffer.from(stream);
    const r = feed([copy.subarray(0, 50), copy.subarray(50)]);
    copy.fill(0);
    expect(r.reports.map(summarize)).toStrictEqual(expected);
    expect(canonical(r.messages[2].unknownAttributes)).toStrictEqual([{ id: 2001, valueType: 'binary', value: new Uint8Array([1, 2]) }]);
  });
});

describe('errors at every chunk boundary', () => {
  // A non-fatal bad frame (time microseconds = 1,000,000) between good ones.
  const bad = Buffer.from(encodeFrame(95, { time: { seconds: 1, microseconds: 0 } }));
  bad.writeUInt32BE(1_000_000, 19);
  const withBad = Buffer.concat([frames[0], bad, frames[2], frames[3]]);
  const reference = feed([withBad]).reports.map(summarize);

  it('the reference: message, ERR_BAD_VALUE at the microseconds, message, message', () => {
    expect(reference).toEqual([
      expect.objectContaining({ name: 'EventRinging' }),
      { code: 'ERR_BAD_VALUE', offset: frames[0].length + 19, fatal: false },
      expect.objectContaining({ name: 'RequestQueryAddress' }),
      expect.objectContaining({ name: 'EventACK' }),
    ]);
  });

  it('same reports, same offsets, split at every position and byte by byte', () => {
    const print = fingerprint(feed([withBad]).reports);
    for (let cut = 0; cut <= withBad.length; cut++) {
      const r = feed([withBad.subarray(0, cut), withBad.subarray(cut)]);
      expect(fingerprint(r.reports), `split at ${cut}`).toBe(print);
    }
    expect(feed([...withBad].map((b) => Uint8Array.of(b))).reports.map(summarize)).toStrictEqual(reference);
  });

  it('a fatal error (bad magic) after two frames: same at every split, and nothing after it', () => {
    const broken = Buffer.concat([frames[0], frames[1], frames[2]]);
    broken[starts[2] + 5] = 0x4d; // "TM"
    const withTail = Buffer.concat([broken, frames[3]]);
    const ref = feed([withTail]).reports.map(summarize);
    expect(ref).toEqual([
      expect.objectContaining({ name: 'EventRinging' }),
      expect.objectContaining({ name: 'AddpPing' }),
      { code: 'ERR_BAD_MAGIC', offset: starts[2] + 4, fatal: true },
    ]);
    const print = fingerprint(feed([withTail]).reports);
    for (let cut = 0; cut <= withTail.length; cut++) {
      expect(fingerprint(feed([withTail.subarray(0, cut), withTail.subarray(cut)]).reports), `split at ${cut}`).toBe(print);
    }
  });
});
