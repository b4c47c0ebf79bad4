/**
 * Malformed input: every case gets its typed code, a sensible offset and the right fatality
 * (issue "Foundation", Done when 4). Frames are built byte by byte here, not with the encoder.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, FrameDecoder } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../src/codec/format.js';
import { ProtocolError, TlibError, type ProtocolErrorCode } from '../../src/errors.js';
import type { UnknownAttribute } from '../../src/protocol/types.js';
import { feed, nestedKVList } from '../support/arbitraries.js';

// --- a tiny byte builder, following wire-protocol.md -------------------------------------------
const u8 = (n: number) => Buffer.from([n & 0xff]);
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const cat = (...parts: Uint8Array[]) => Buffer.concat(parts);
/** Value bytes. */
const v = {
  int: (n: number) => u32(n),
  str: (s: string) => cat(u32(Buffer.byteLength(s)), Buffer.from(s, 'utf8')),
  bin: (b: number[]) => cat(u32(b.length), Buffer.from(b)),
  connid: (hex: string) => Buffer.from(hex, 'hex'),
  time: (s: number, us: number) => cat(u32(s), u32(us)),
  /** kvlist with entries [key, value type, value bytes]; `count` overrides the entry count. */
  kv: (entries: [string, number, Buffer][], count = entries.length) =>
    cat(u32(count), ...entries.flatMap(([k, t, val]) => [u16(Buffer.byteLength(k)), Buffer.from(k), u8(t), val])),
};
/** An attribute: id, value type, value bytes. */
const attr = (id: number, type: number, value: Buffer) => cat(u16(id), u8(type), value);

interface FrameOptions {
  magic?: number;
  version?: number;
  flags?: number;
  /** Attribute count written in the header (default: the number of attributes given). */
  count?: number;
  /** Length field (default: the true length). */
  length?: number;
}
function frame(type: number, attrs: Buffer[], o: FrameOptions = {}): Buffer {
  const body = cat(u16(o.magic ?? 0x544c), u8(o.version ?? 1), u8(o.flags ?? 0), u16(type), u16(o.count ?? attrs.length), ...attrs);
  return cat(u32(o.length ?? body.length), body);
}

const THIS_DN = 20;
const CONN_ID = 9;
const USER_DATA = 51;
const TIME = 86;
const ERROR_CODE = 46;
/** A valid EventRegistered used as a neighbour: 4 + 8 + (3 + 4 + 4) = 23 bytes. */
const GOOD = frame(53, [attr(THIS_DN, 2, v.str('1001'))]);
const GOOD_DECODED = { type: 53, name: 'EventRegistered', attributes: { ThisDN: '1001' } };

/** Decodes one malformed frame every way and checks the error is the same each time. */
function expectMalformed(bad: Buffer, code: ProtocolErrorCode, offset: number, fatal: boolean, bytewise = true): ProtocolError {
  // 1. decodeFrame on the frame alone.
  let thrown: unknown;
  try {
    decodeFrame(bad);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ProtocolError);
  const e = thrown as ProtocolError;
  expect(e).toBeInstanceOf(TlibError);
  expect({ code: e.code, offset: e.offset, fatal: e.fatal }).toEqual({ code, offset, fatal });
  expect(e.message).toContain(`at byte ${offset}`);

  // 2. In a stream, after a good frame and before another: the offset moves by the first frame,
  //    and the good frame after it decodes only if the error was not fatal.
  for (const chunking of bytewise ? (['whole', 'bytes'] as const) : (['whole'] as const)) {
    const stream = cat(GOOD, bad, GOOD);
    const chunks = chunking === 'whole' ? [stream] : [...stream].map((b) => Uint8Array.of(b));
    const r = feed(chunks);
    expect(r.foreign).toEqual([]);
    expect(r.errors.map((x) => ({ code: x.code, offset: x.offset, fatal: x.fatal }))).toEqual([
      { code, offset: GOOD.length + offset, fatal },
    ]);
    expect(r.messages).toHaveLength(fatal ? 1 : 2);
    for (const m of r.messages) expect(m).toMatchObject(GOOD_DECODED);
    expect(r.decoder.isFailed).toBe(fatal);
  }
  return e;
}

describe('ERR_FRAME_TOO_LARGE', () => {
  it('a 4 GiB length (0xffffffff) is refused from the 4-byte header alone', () => {
    const r = feed([u32(0xffffffff)]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toBeInstanceOf(ProtocolError);
    expect(r.errors[0]).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE', offset: 0, fatal: true });
    expect(r.decoder.isFailed).toBe(true);
    expect(r.decoder.bufferedBytes).toBe(0);
  });

  it('the length arriving one byte at a time: refused on its 4th byte, not before', () => {
    const errors: ProtocolError[] = [];
    const d = new FrameDecoder({ onMessage: () => expect.unreachable(), onError: (e) => errors.push(e) });
    for (let i = 0; i < 3; i++) {
      d.push(Uint8Array.of(0xff));
      expect(errors).toHaveLength(0);
    }
    d.push(Uint8Array.of(0xff));
    expect(errors.map((e) => [e.code, e.offset])).toEqual([['ERR_FRAME_TOO_LARGE', 0]]);
  });

  it('after a good frame in the same chunk: the good one is delivered, the offset is the big one’s', () => {
    const r = feed([cat(GOOD, u32(0xffffffff), Buffer.from('544c0100', 'hex'))]);
    expect(r.messages).toHaveLength(1);
    expect(r.errors.map((e) => [e.code, e.offset, e.fatal])).toEqual([['ERR_FRAME_TOO_LARGE', GOOD.length, true]]);
  });

  it('the default limit is 1 MiB: a 1 MiB frame decodes, 1 MiB + 1 is refused', () => {
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(1024 * 1024);
    // header 8 + attribute header 3 + binary length 4 + n bytes = 1 MiB.
    const n = DEFAULT_MAX_FRAME_BYTES - 15;
    const atLimit = encodeFrame(7, { InputMask: new Uint8Array(n) });
    expect(atLimit.readUInt32BE(0)).toBe(DEFAULT_MAX_FRAME_BYTES);
    expect(decodeFrame(atLimit).attributes.InputMask).toHaveLength(n);
    expect(feed([atLimit]).messages).toHaveLength(1);

    // The encoder refuses frames over the limit, so this one is built by hand: one more value byte.
    const over = Buffer.concat([atLimit, Buffer.from([0])]);
    over.writeUInt32BE(DEFAULT_MAX_FRAME_BYTES + 1, 0);
    over.writeUInt32BE(n + 1, 4 + 8 + 3);
    expectMalformed(over, 'ERR_FRAME_TOO_LARGE', 0, true, false);
    // Refused from its header: nothing after the length is needed.
    expect(feed([over.subarray(0, 4)]).errors.map((e) => e.code)).toEqual(['ERR_FRAME_TOO_LARGE']);
  });

  it('a custom maxFrameBytes is honoured by FrameDecoder and decodeFrame', () => {
    const atLimit = encodeFrame(7, { InputMask: new Uint8Array(100 - 15) });
    const over = encodeFrame(7, { InputMask: new Uint8Array(100 - 14) });
    expect(atLimit.readUInt32BE(0)).toBe(100);
    expect(feed([atLimit], { maxFrameBytes: 100 }).messages).toHaveLength(1);
    const r = feed([over.subarray(0, 4)], { maxFrameBytes: 100 });
    expect(r.errors.map((e) => [e.code, e.offset, e.fatal])).toEqual([['ERR_FRAME_TOO_LARGE', 0, true]]);
    expect(decodeFrame(atLimit, 100).type).toBe(7);
    expect(() => decodeFrame(over, 100)).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TOO_LARGE' }));
    // A small custom limit also applies to a frame whose length arrives in pieces.
    const pieces = feed([over.subarray(0, 2), over.subarray(2, 3), over.subarray(3, 4)], { maxFrameBytes: 100 });
    expect(pieces.errors.map((e) => e.code)).toEqual(['ERR_FRAME_TOO_LARGE']);
  });
});

describe('ERR_FRAME_TOO_SMALL', () => {
  for (const length of [0, 1, 7]) {
    it(`length ${length} (under the 8-byte header) is refused, fatally`, () => {
      const bad = cat(u32(length), Buffer.alloc(length));
      expectMalformed(bad, 'ERR_FRAME_TOO_SMALL', 0, true);
    });
  }

  it('length 8 (header only, no attributes) is fine', () => {
    expect(decodeFrame(frame(0xfff0, []))).toMatchObject({ name: 'AddpPing', attributes: {} });
  });
});

describe('ERR_BAD_MAGIC and ERR_BAD_VERSION (fatal: framing cannot be trusted)', () => {
  it('bad magic, offset of the magic', () => {
    const e = expectMalformed(frame(53, [attr(THIS_DN, 2, v.str('1'))], { magic: 0x544d }), 'ERR_BAD_MAGIC', 4, true);
    expect(e.message).toMatch(/544d/);
  });

  it('bad magic: byte-swapped "LT"', () => {
    expectMalformed(frame(53, [], { magic: 0x4c54 }), 'ERR_BAD_MAGIC', 4, true);
  });

  for (const version of [0, 2, 0xff]) {
    it(`version ${version}, offset of the version byte`, () => {
      expectMalformed(frame(53, [], { version }), 'ERR_BAD_VERSION', 6, true);
    });
  }
});

describe('ERR_TRUNCATED (non-fatal: the frame is well delimited)', () => {
  it('attribute count larger than the attributes present: runs past the frame end', () => {
    const bad = frame(53, [attr(THIS_DN, 2, v.str('1001'))], { count: 2 });
    expectMalformed(bad, 'ERR_TRUNCATED', bad.length, false);
  });

  it('an attribute header cut short', () => {
    const bad = frame(53, [u16(THIS_DN)], { count: 1 });
    expectMalformed(bad, 'ERR_TRUNCATED', 12, false);
  });

  it('a string whose length runs past the frame end', () => {
    const bad = frame(53, [cat(attr(THIS_DN, 2, u32(100)), Buffer.from('1001'))]);
    // Checked right after the length field: 12 header + 3 attribute header + 4 length.
    const e = expectMalformed(bad, 'ERR_TRUNCATED', 19, false);
    expect(e.message).toContain('ThisDN');
  });

  it('a string length of 0xffffffff', () => {
    expectMalformed(frame(53, [attr(THIS_DN, 2, u32(0xffffffff))]), 'ERR_TRUNCATED', 19, false);
  });

  it('an int cut short', () => {
    expectMalformed(frame(52, [attr(ERROR_CODE, 1, u16(1))]), 'ERR_TRUNCATED', 15, false);
  });

  it('a binary whose length runs past the frame end', () => {
    expectMalformed(frame(7, [attr(45, 3, cat(u32(3), u8(1)))]), 'ERR_TRUNCATED', 19, false);
  });

  it('a connid cut short', () => {
    expectMalformed(frame(60, [attr(CONN_ID, 5, Buffer.from('006501', 'hex'))]), 'ERR_TRUNCATED', 15, false);
  });

  it('a time cut short', () => {
    expectMalformed(frame(95, [attr(TIME, 6, u32(1))]), 'ERR_TRUNCATED', 15, false);
  });

  it('a kvlist count that cannot fit in the frame (0xffffffff entries), refused before looping', () => {
    const bad = frame(60, [attr(USER_DATA, 4, u32(0xffffffff))]);
    const started = performance.now();
    expectMalformed(bad, 'ERR_TRUNCATED', 19, false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a kvlist count larger than its entries', () => {
    // Two entries announced, one present (two would still pass the "could it fit" check).
    const bad = frame(60, [attr(USER_DATA, 4, v.kv([['k', 1, v.int(1)]], 2))]);
    expectMalformed(bad, 'ERR_TRUNCATED', bad.length, false);
  });

  it('a kvlist key running past the frame end', () => {
    const bad = frame(60, [attr(USER_DATA, 4, cat(u32(1), u16(50), Buffer.from('abcdef')))]);
    expectMalformed(bad, 'ERR_TRUNCATED', 21, false);
  });

  it('a kvlist string value running past the frame end', () => {
    const bad = frame(60, [attr(USER_DATA, 4, cat(u32(1), u16(1), Buffer.from('k'), u8(2), u32(9), Buffer.from('ab')))]);
    // 15 value, + count 4, + key length 2, + "k" 1, + type 1, + string length 4 → 27.
    expectMalformed(bad, 'ERR_TRUNCATED', 27, false);
  });

  it('decodeFrame: fewer bytes than the length field says (fatal for a lone frame)', () => {
    const good = frame(53, [attr(THIS_DN, 2, v.str('1001'))]);
    for (const cut of [0, 2, 4, 10, good.length - 1]) {
      expect(() => decodeFrame(good.subarray(0, cut))).toThrow(expect.objectContaining({ code: 'ERR_TRUNCATED', offset: 0, fatal: true }));
    }
  });

  it('FrameDecoder: a stream ending mid-frame is not an error, the bytes wait', () => {
    const r = feed([GOOD.subarray(0, 10)]);
    expect(r.errors).toEqual([]);
    expect(r.messages).toEqual([]);
    expect(r.decoder.bufferedBytes).toBe(10);
  });
});

describe('ERR_TRAILING_BYTES', () => {
  it('attributes that end before the frame end (non-fatal), offset where they end', () => {
    const bad = frame(53, [attr(THIS_DN, 2, v.str('1001')), Buffer.from([0, 0])], { count: 1 });
    expectMalformed(bad, 'ERR_TRAILING_BYTES', bad.length - 2, false);
  });

  it('a header-only frame with count 0 and a stray byte', () => {
    const bad = frame(53, [u8(0)], { count: 0 });
    expectMalformed(bad, 'ERR_TRAILING_BYTES', 12, false);
  });

  it('decodeFrame: more bytes than the length field says (fatal for a lone frame)', () => {
    expect(() => decodeFrame(cat(GOOD, u8(0)))).toThrow(expect.objectContaining({ code: 'ERR_TRAILING_BYTES', offset: 0, fatal: true }));
  });
});

describe('ERR_BAD_VALUE_TYPE', () => {
  it('a known attribute with the wrong value type (ThisDN as int), offset of the type byte', () => {
    const e = expectMalformed(frame(53, [attr(THIS_DN, 1, v.int(1001))]), 'ERR_BAD_VALUE_TYPE', 14, false);
    expect(e.message).toContain('ThisDN');
  });

  it('every wrong type for a known attribute is refused', () => {
    for (const wrong of [1, 3, 4, 5, 6, 9]) {
      const bad = frame(53, [attr(THIS_DN, wrong, v.str('1001'))]);
      expect(() => decodeFrame(bad)).toThrow(expect.objectContaining({ code: 'ERR_BAD_VALUE_TYPE', offset: 14 }));
    }
  });

  it('an unknown attribute with unknown value type 9 (and 0, 7, 255)', () => {
    for (const t of [9, 0, 7, 255]) {
      expectMalformed(frame(53, [attr(2500, t, v.int(1))]), 'ERR_BAD_VALUE_TYPE', 14, false);
    }
  });

  it('value type 6 (time) inside a kvlist, offset of that type byte', () => {
    const bad = frame(60, [
      attr(
        USER_DATA,
        4,
        v.kv([
          ['ok', 1, v.int(1)],
          ['t', 6, v.time(1, 1)],
        ]),
      ),
    ]);
    // 15 attribute value, + count 4, + entry 1 (2 + 2 + 1 + 4 = 9), + key length 2 + "t" 1 → 31.
    expectMalformed(bad, 'ERR_BAD_VALUE_TYPE', 31, false);
  });

  it('value types 0 and 9 inside a kvlist', () => {
    for (const t of [0, 9]) {
      expectMalformed(frame(60, [attr(USER_DATA, 4, v.kv([['k', t, v.int(1)]]))]), 'ERR_BAD_VALUE_TYPE', 22, false);
    }
  });
});

describe('ERR_BAD_VALUE', () => {
  for (const us of [1_000_000, 0xffffffff]) {
    it(`time with microseconds ${us}, offset of the microseconds`, () => {
      expectMalformed(frame(95, [attr(TIME, 6, v.time(1_700_000_000, us))]), 'ERR_BAD_VALUE', 19, false);
    });
  }

  it('microseconds 999999 is fine', () => {
    expect(decodeFrame(frame(95, [attr(TIME, 6, v.time(5, 999_999))])).attributes.time).toEqual({
      seconds: 5,
      microseconds: 999_999,
    });
  });

  it('also in an unknown attribute of type time', () => {
    expectMalformed(frame(95, [attr(3000, 6, v.time(0, 1_000_000))]), 'ERR_BAD_VALUE', 19, false);
  });
});

describe('ERR_KVLIST_TOO_DEEP', () => {
  /** UserData nested `depth` lists deep: each level one entry, key "", value type 4. */
  function deepFrame(depth: number): Buffer {
    const level = cat(u32(1), u16(0), u8(4)); // count 1, empty key, value type kvlist
    const body = cat(...Array.from({ length: depth - 1 }, () => level), u32(0));
    return frame(60, [attr(USER_DATA, 4, body)]);
  }

  it('16 deep decodes', () => {
    let list = decodeFrame(deepFrame(16)).attributes.UserData;
    let depth = 0;
    while (Array.isArray(list)) {
      depth++;
      list = list[0]?.[1];
    }
    expect(depth).toBe(16);
  });

  it('17 deep is refused, offset at the 17th list', () => {
    // First list at 15; each level takes 7 bytes (count 4, key length 2, type 1).
    expectMalformed(deepFrame(17), 'ERR_KVLIST_TOO_DEEP', 15 + 16 * 7, false);
  });

  it('10,000 deep is refused without a stack overflow', () => {
    const bad = deepFrame(10_000);
    expect(bad.length).toBeGreaterThan(70_000);
    expectMalformed(bad, 'ERR_KVLIST_TOO_DEEP', 15 + 16 * 7, false);
  });

  it('inside an unknown attribute too', () => {
    const f = deepFrame(17);
    f.writeUInt16BE(4000, 12); // turn UserData (51) into unknown attribute 4000
    expectMalformed(f, 'ERR_KVLIST_TOO_DEEP', 15 + 16 * 7, false);
  });
});

describe('ERR_DUPLICATE_ATTRIBUTE', () => {
  it('ThisDN twice, offset of the second', () => {
    const first = attr(THIS_DN, 2, v.str('1001'));
    const bad = frame(53, [first, attr(THIS_DN, 2, v.str('1002'))]);
    const e = expectMalformed(bad, 'ERR_DUPLICATE_ATTRIBUTE', 12 + first.length, false);
    expect(e.message).toContain('ThisDN');
  });

  it('a kvlist attribute twice, even when both are empty', () => {
    const bad = frame(60, [attr(USER_DATA, 4, v.kv([])), attr(USER_DATA, 4, v.kv([]))]);
    expectMalformed(bad, 'ERR_DUPLICATE_ATTRIBUTE', 19, false);
  });

  it('an unknown attribute id repeated is kept twice, in order (the spec keeps unknown ones)', () => {
    const m = decodeFrame(frame(53, [attr(2001, 1, v.int(1)), attr(2001, 2, v.str('x'))]));
    expect(m.unknownAttributes).toEqual([
      { id: 2001, valueType: 'int', value: 1 },
      { id: 2001, valueType: 'string', value: 'x' },
    ]);
  });
});

describe('fatal and non-fatal errors in a stream', () => {
  it('after a fatal error the decoder reports once and ignores further input', () => {
    const r = feed([cat(GOOD, frame(53, [], { magic: 0 }), GOOD), GOOD, u32(0xffffffff), GOOD]);
    expect(r.messages).toHaveLength(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ code: 'ERR_BAD_MAGIC', fatal: true, offset: GOOD.length + 4 });
    expect(r.decoder.isFailed).toBe(true);
    expect(r.decoder.bufferedBytes).toBe(0);
  });

  it('reset() after a fatal error starts a fresh stream at offset 0', () => {
    const r = feed([u32(3)]);
    expect(r.errors.map((e) => e.code)).toEqual(['ERR_FRAME_TOO_SMALL']);
    r.decoder.reset();
    expect(r.decoder.isFailed).toBe(false);
    r.decoder.push(cat(GOOD, frame(53, [], { version: 9 })));
    expect(r.messages).toHaveLength(1);
    expect(r.errors.map((e) => [e.code, e.offset])).toEqual([
      ['ERR_FRAME_TOO_SMALL', 0],
      ['ERR_BAD_VERSION', GOOD.length + 6],
    ]);
  });

  it('a non-fatal error is reported and the next frames still decode, in the same chunk or later ones', () => {
    const bad = frame(95, [attr(TIME, 6, v.time(1, 1_000_000))]);
    const r = feed([cat(bad, GOOD, bad), GOOD, bad, bad, GOOD]);
    expect(r.reports.map((x) => ('error' in x ? x.error.code : x.message.name))).toEqual([
      'ERR_BAD_VALUE',
      'EventRegistered',
      'ERR_BAD_VALUE',
      'EventRegistered',
      'ERR_BAD_VALUE',
      'ERR_BAD_VALUE',
      'EventRegistered',
    ]);
    expect(r.errors.every((e) => !e.fatal)).toBe(true);
    const [B, G] = [bad.length, GOOD.length];
    // Frame starts: bad 0, good B, bad B+G | good 2B+G | bad 2B+2G | bad 3B+2G | good; +19 to the microseconds.
    expect(r.errors.map((e) => e.offset)).toEqual([0, B + G, 2 * B + 2 * G, 3 * B + 2 * G].map((at) => at + 19));
    expect(r.decoder.isFailed).toBe(false);
  });

  it('stop() called from onMessage ends decoding at once', () => {
    const seen: string[] = [];
    const d: FrameDecoder = new FrameDecoder({
      onMessage: (m) => {
        seen.push(String(m.name));
        d.stop();
      },
      onError: (e) => seen.push(e.code),
    });
    d.push(cat(GOOD, GOOD, GOOD));
    d.push(GOOD);
    expect(seen).toEqual(['EventRegistered']);
  });

  it('stop() called from onError on a non-fatal error ends decoding at once', () => {
    const seen: string[] = [];
    const bad = frame(53, [attr(THIS_DN, 1, v.int(1))]);
    const d: FrameDecoder = new FrameDecoder({
      onMessage: (m) => seen.push(String(m.name)),
      onError: (e) => {
        seen.push(e.code);
        d.stop();
      },
    });
    d.push(cat(GOOD, bad, GOOD, GOOD));
    d.push(GOOD);
    expect(seen).toEqual(['EventRegistered', 'ERR_BAD_VALUE_TYPE']);
  });
});

describe('well-framed but unknown content is kept and reported, not an error', () => {
  it('an unknown message type: name undefined, attributes decoded', () => {
    const m = decodeFrame(frame(777, [attr(THIS_DN, 2, v.str('1001')), attr(CONN_ID, 5, v.connid('00650194ab3c0001'))]));
    expect(m).toEqual({
      type: 777,
      name: undefined,
      attributes: { ThisDN: '1001', ConnID: '00650194ab3c0001' },
      unknownAttributes: undefined,
      byteLength: 4 + 8 + 11 + 11,
    });
  });

  it('unknown attribute ids (below 1000, between, above) are kept in unknownAttributes, in wire order', () => {
    const m = decodeFrame(
      frame(53, [
        attr(3000, 2, v.str('x')),
        attr(THIS_DN, 2, v.str('1001')),
        attr(4, 1, v.int(-5)),
        attr(999, 5, v.connid('00000000000000ff')),
        attr(1500, 4, v.kv([['a', 5, v.connid('0000000000000001')]])),
        attr(0xffff, 6, v.time(1, 2)),
        attr(0, 3, v.bin([1, 2, 3])),
      ]),
    );
    expect(m.name).toBe('EventRegistered');
    expect(m.attributes).toEqual({ ThisDN: '1001' });
    const expected: UnknownAttribute[] = [
      { id: 3000, valueType: 'string', value: 'x' },
      { id: 4, valueType: 'int', value: -5 },
      { id: 999, valueType: 'connid', value: '00000000000000ff' },
      { id: 1500, valueType: 'kvlist', value: [['a', { connid: '0000000000000001' }]] },
      { id: 0xffff, valueType: 'time', value: { seconds: 1, microseconds: 2 } },
      { id: 0, valueType: 'binary', value: Buffer.from([1, 2, 3]) },
    ];
    expect(m.unknownAttributes).toEqual(expected);
  });

  it('flags bits set are ignored', () => {
    const body = [attr(THIS_DN, 2, v.str('1001'))];
    const plain = decodeFrame(frame(53, body));
    for (const flags of [0x01, 0x80, 0xff]) {
      expect(decodeFrame(frame(53, body, { flags }))).toEqual(plain);
      expect(feed([frame(53, body, { flags })]).messages).toEqual([plain]);
    }
  });

  it('types 50/51 (client-made events) are decoded by the codec; refusing them is the connection’s job', () => {
    expect(decodeFrame(frame(50, [])).name).toBe('EventServerConnected');
    expect(decodeFrame(frame(51, [])).name).toBe('EventServerDisconnected');
  });
});

describe('ERR_ENCODE: the encoder refuses bad values with a typed error', () => {
  const cases: [string, () => unknown][] = [
    ['message type -1', () => encodeFrame(-1, {})],
    ['message type 65536', () => encodeFrame(0x10000, {})],
    ['message type 1.5', () => encodeFrame(1.5, {})],
    ['message type NaN', () => encodeFrame(Number.NaN, {})],
    ['unknown attribute name', () => encodeFrame(53, { ThisDn: '1' })],
    ['int 2^31', () => encodeFrame(52, { ErrorCode: 2 ** 31 })],
    ['int -2^31 - 1', () => encodeFrame(52, { ErrorCode: -(2 ** 31) - 1 })],
    ['int 1.5', () => encodeFrame(52, { ErrorCode: 1.5 })],
    ['int NaN', () => encodeFrame(52, { ErrorCode: Number.NaN })],
    ['int Infinity', () => encodeFrame(52, { ErrorCode: Infinity })],
    ['int as string', () => encodeFrame(52, { ErrorCode: '1' })],
    ['int as bigint', () => encodeFrame(52, { ErrorCode: 1n })],
    ['string as number', () => encodeFrame(53, { ThisDN: 1001 })],
    ['string as null', () => encodeFrame(53, { ThisDN: null })],
    ['binary as array', () => encodeFrame(7, { InputMask: [1, 2] })],
    ['binary as string', () => encodeFrame(7, { InputMask: 'ff' })],
    ['connid uppercase', () => encodeFrame(60, { ConnID: '00650194AB3C0001' })],
    ['connid 15 digits', () => encodeFrame(60, { ConnID: '00650194ab3c000' })],
    ['connid 17 digits', () => encodeFrame(60, { ConnID: '00650194ab3c00010' })],
    ['connid with 0x', () => encodeFrame(60, { ConnID: '0x650194ab3c0001' })],
    ['connid as { connid } at top level', () => encodeFrame(60, { ConnID: { connid: '00650194ab3c0001' } })],
    ['time microseconds 1e6', () => encodeFrame(95, { time: { seconds: 1, microseconds: 1_000_000 } })],
    ['time microseconds -1', () => encodeFrame(95, { time: { seconds: 1, microseconds: -1 } })],
    ['time seconds -1', () => encodeFrame(95, { time: { seconds: -1, microseconds: 0 } })],
    ['time seconds 2^32', () => encodeFrame(95, { time: { seconds: 2 ** 32, microseconds: 0 } })],
    ['time seconds 1.5', () => encodeFrame(95, { time: { seconds: 1.5, microseconds: 0 } })],
    ['time missing microseconds', () => encodeFrame(95, { time: { seconds: 1 } })],
    ['time as number', () => encodeFrame(95, { time: 1_700_000_000 })],
    ['time as invalid Date', () => encodeFrame(95, { time: new Date(Number.NaN) })],
    ['time as Date before 1970', () => encodeFrame(95, { time: new Date(-1000) })],
    ['kvlist as string', () => encodeFrame(60, { UserData: 'a=1' })],
    ['kvlist as null', () => encodeFrame(60, { UserData: null })],
    ['kvlist as Uint8Array', () => encodeFrame(60, { UserData: new Uint8Array([1, 2]) })],
    ['kvlist as Date', () => encodeFrame(60, { UserData: new Date(0) })],
    ['kvlist as Map', () => encodeFrame(60, { UserData: new Map([['a', 1]]) })],
    ['kvlist entry not a pair', () => encodeFrame(60, { UserData: [['a']] })],
    ['kvlist entry of 3', () => encodeFrame(60, { UserData: [['a', 1, 2]] })],
    ['kvlist entry as object', () => encodeFrame(60, { UserData: [{ a: 1 }] })],
    ['kvlist key as number', () => encodeFrame(60, { UserData: [[1, 1]] })],
    ['kvlist key of 65536 bytes', () => encodeFrame(60, { UserData: [['k'.repeat(65_536), 1]] })],
    ['kvlist value boolean', () => encodeFrame(60, { UserData: [['a', true]] })],
    ['kvlist value null', () => encodeFrame(60, { UserData: [['a', null]] })],
    ['kvlist value undefined', () => encodeFrame(60, { UserData: [['a', undefined]] })],
    ['kvlist value float', () => encodeFrame(60, { UserData: [['a', 0.5]] })],
    ['kvlist value int over int32', () => encodeFrame(60, { UserData: [['a', 2 ** 31]] })],
    ['kvlist value plain object (nested)', () => encodeFrame(60, { UserData: [['a', { b: 1 }]] })],
    ['kvlist value { connid } bad', () => encodeFrame(60, { UserData: [['a', { connid: 'xyz' }]] })],
    ['kvlist value { connid } plus a key', () => encodeFrame(60, { UserData: [['a', { connid: '0000000000000000', x: 1 }]] })],
    ['kvlist value Date', () => encodeFrame(60, { UserData: [['a', new Date()]] })],
    ['kvlist nested 17 deep', () => encodeFrame(60, { UserData: nestedKVList(17) })],
    ['kvlist nested 10,000 deep', () => encodeFrame(60, { UserData: deepJS(10_000) })],
    ['unknown attribute with a bad value', () => encodeFrame(53, {}, [{ id: 3000, valueType: 'int', value: 'x' }])],
    ['unknown attribute with an unknown value type', () => encodeFrame(53, {}, [{ id: 3000, valueType: 'float' as never, value: 1 }])],
    ['unknown attribute id 65536', () => encodeFrame(53, {}, [{ id: 0x10000, valueType: 'int', value: 1 }])],
    ['unknown attribute id -1', () => encodeFrame(53, {}, [{ id: -1, valueType: 'int', value: 1 }])],
    ['unknown attribute id 2.5', () => encodeFrame(53, {}, [{ id: 2.5, valueType: 'int', value: 1 }])],
    ['"unknown" attribute with a catalogue id', () => encodeFrame(53, { ThisDN: 'a' }, [{ id: 20, valueType: 'string', value: 'b' }])],
  ];

  for (const [what, run] of cases) {
    it(what, () => {
      let thrown: unknown;
      try {
        run();
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ProtocolError);
      expect((thrown as ProtocolError).code).toBe('ERR_ENCODE');
      expect((thrown as ProtocolError).fatal).toBe(false);
    });
  }

  it('the message names the attribute (and the kvlist path)', () => {
    expect(() => encodeFrame(52, { ErrorCode: 'x' })).toThrow(/ErrorCode/);
    expect(() => encodeFrame(60, { UserData: [['outer', [['inner', true]]]] })).toThrow(/UserData\.outer\.inner/);
  });

  it('a failed encode leaves the encoder fine for the next frame', () => {
    expect(() => encodeFrame(60, { ThisDN: 'x'.repeat(1000), UserData: [['a', true]] })).toThrow();
    expect(encodeFrame(53, { ThisDN: '1001' })).toEqual(GOOD);
  });
});

function deepJS(depth: number): unknown {
  let list: unknown = [];
  for (let i = 0; i < depth; i++) list = [['k', list]];
  return list;
}
