/**
 * Strings (ASCII fast path, UTF-8 slow path with validation: issue 15 item 6) and the compiled
 * object shapes (issue 17): the result must be exactly what the plain decoding gives.
 * Frames are built byte by byte, following wire-protocol.md.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, eventOf, FrameDecoder, type DecodedMessage } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import { layoutStats } from '../../src/codec/shapes.js';

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const cat = (...parts: Uint8Array[]) => Buffer.concat(parts);
const str = (bytes: Buffer) => cat(u32(bytes.length), bytes);
const kv = (entries: [Buffer, Buffer][]) =>
  cat(u32(entries.length), ...entries.flatMap(([k, val]) => [u16(k.length), k, Buffer.from([2]), str(val)]));
const attr = (id: number, type: number, value: Buffer) => cat(u16(id), Buffer.from([type]), value);
function frame(type: number, attrs: Buffer[]): Buffer {
  const body = cat(u16(0x544c), Buffer.from([1, 0]), u16(type), u16(attrs.length), ...attrs);
  return cat(u32(body.length), body);
}
const THIS_DN = 20;
const OTHER_DN = 24;
const USER_DATA = 51;
const ascii = (s: string) => Buffer.from(s, 'latin1');

describe('strings: ASCII fast path and UTF-8', () => {
  it('ASCII, valid multi-byte UTF-8 and a 4-byte sequence decode exactly, with no warnings', () => {
    const values = ['', '1001', 'x'.repeat(40), 'Juan Pérez', '日本語', 'emoji 😀 end'];
    for (const s of values) {
      const m = decodeFrame(encodeFrame(53, { ThisDN: s, UserData: [[s, s]] }));
      expect(m.attributes.ThisDN).toBe(s);
      expect(m.attributes.UserData).toEqual([[s, s]]);
      expect(m.warnings).toBeUndefined();
    }
  });

  it('a frame over the 4 KiB frame-copy limit decodes its strings alike', () => {
    const long = 'L'.repeat(5000);
    const m = decodeFrame(
      encodeFrame(53, {
        ThisDN: 'dn-1',
        OtherDN: long,
        UserData: [
          ['k', 'v'],
          ['big', long],
        ],
      }),
    );
    expect(m.attributes).toEqual({
      ThisDN: 'dn-1',
      OtherDN: long,
      UserData: [
        ['k', 'v'],
        ['big', long],
      ],
    });
  });

  it('invalid UTF-8 in a string attribute is replaced by U+FFFD and reported (ERR_INVALID_UTF8)', () => {
    const m = decodeFrame(frame(53, [attr(THIS_DN, 2, str(cat(ascii('10'), Buffer.from([0xff]), ascii('01'))))]));
    expect(m.attributes.ThisDN).toBe('10\ufffd01');
    expect(m.warnings).toHaveLength(1);
    expect(m.warnings![0]).toMatchObject({ code: 'ERR_INVALID_UTF8', attribute: 'ThisDN' });
    expect(m.warnings![0].detail).toMatch(/not valid UTF-8/);
  });

  it('a truncated sequence, an overlong encoding and a lone surrogate are each invalid', () => {
    for (const bad of [[0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
      const m = decodeFrame(frame(53, [attr(THIS_DN, 2, str(cat(ascii('a'), Buffer.from(bad))))]));
      expect(
        m.warnings?.map((w) => w.code),
        `bytes ${bad.join(',')}`,
      ).toEqual(['ERR_INVALID_UTF8']);
    }
  });

  it('invalid UTF-8 in a kvlist value and in a key names the path', () => {
    const m = decodeFrame(
      frame(53, [
        attr(THIS_DN, 2, str(ascii('1001'))),
        attr(
          USER_DATA,
          4,
          kv([
            [ascii('Name'), Buffer.from([0x4a, 0xfe])],
            [Buffer.from([0x4b, 0xff]), ascii('v')],
          ]),
        ),
      ]),
    );
    expect(m.attributes.UserData).toEqual([
      ['Name', 'J\ufffd'],
      ['K\ufffd', 'v'],
    ]);
    expect(m.warnings?.map((w) => [w.code, w.attribute])).toEqual([
      ['ERR_INVALID_UTF8', 'UserData.Name'],
      ['ERR_INVALID_UTF8', 'UserData'],
    ]);
  });

  it('two different keys that read alike after replacement are reported (ERR_KEY_COLLISION)', () => {
    const m = decodeFrame(
      frame(53, [
        attr(
          USER_DATA,
          4,
          kv([
            [Buffer.from([0x41, 0xff]), ascii('1')],
            [Buffer.from([0x41, 0xfe]), ascii('2')],
          ]),
        ),
      ]),
    );
    expect(m.attributes.UserData).toEqual([
      ['A\ufffd', '1'],
      ['A\ufffd', '2'],
    ]);
    const codes = m.warnings!.map((w) => w.code);
    expect(codes.filter((c) => c === 'ERR_INVALID_UTF8')).toHaveLength(2);
    expect(codes.filter((c) => c === 'ERR_KEY_COLLISION')).toHaveLength(1);
    expect(m.warnings!.find((w) => w.code === 'ERR_KEY_COLLISION')!.detail).toMatch(/entries 1 and 2/);
  });

  it('an invalid key colliding with a valid key that spells U+FFFD is reported too', () => {
    const m = decodeFrame(
      frame(53, [
        attr(
          USER_DATA,
          4,
          kv([
            [Buffer.from('A\ufffd'), ascii('1')],
            [Buffer.from([0x41, 0xff]), ascii('2')],
          ]),
        ),
      ]),
    );
    expect(m.warnings!.filter((w) => w.code === 'ERR_KEY_COLLISION')).toHaveLength(1);
  });

  it('the same invalid key repeated (same bytes) is not a collision: kvlists may repeat keys', () => {
    const key = Buffer.from([0x41, 0xff]);
    const m = decodeFrame(
      frame(53, [
        attr(
          USER_DATA,
          4,
          kv([
            [key, ascii('1')],
            [key, ascii('2')],
          ]),
        ),
      ]),
    );
    expect(m.warnings!.map((w) => w.code)).toEqual(['ERR_INVALID_UTF8', 'ERR_INVALID_UTF8']);
  });

  it('warnings belong to their frame only (a streaming decoder, good frame after bad)', () => {
    const bad = frame(53, [attr(THIS_DN, 2, str(Buffer.from([0xff])))]);
    const good = frame(53, [attr(THIS_DN, 2, str(ascii('1001')))]);
    const seen: DecodedMessage[] = [];
    const d = new FrameDecoder({
      onMessage: (m) => seen.push(m),
      onError: (e) => {
        throw e;
      },
    });
    d.push(cat(bad, good, bad));
    expect(seen.map((m) => m.warnings?.length ?? 0)).toEqual([1, 0, 1]);
    expect('warnings' in seen[1]).toBe(false);
  });

  it('a frame with valid UTF-8 only has no warnings property at all', () => {
    expect(decodeFrame(encodeFrame(53, { ThisDN: 'é' }))).not.toHaveProperty('warnings');
  });
});

describe('compiled shapes', () => {
  const ringing = { ThisDN: '7001', ConnID: '00650194ab3c0001', OtherDN: '+3120555', UserData: [['a', 1]], EventSequenceNumber: 4 };

  it('attributes keep wire order and equal the plain object', () => {
    const m = decodeFrame(encodeFrame(60, ringing));
    expect(m.attributes).toStrictEqual(ringing);
    expect(Object.keys(m.attributes)).toEqual(Object.keys(ringing));
  });

  it('eventOf gives { Event, Server, ...attributes } in that order, for the last message and any other', () => {
    const first = decodeFrame(encodeFrame(60, ringing));
    const fresh = eventOf(first, 'EventRinging', 'primary');
    const expected = { Event: 'EventRinging', Server: 'primary', ...ringing };
    expect(fresh).toStrictEqual(expected);
    expect(Object.keys(fresh)).toEqual(Object.keys(expected));
    // Another frame decoded since: `first` is no longer the last, eventOf takes the other path.
    decodeFrame(encodeFrame(53, { ThisDN: '1' }));
    const older = eventOf(first, 'EventRinging', 'primary');
    expect(older).toStrictEqual(expected);
    expect(Object.keys(older)).toEqual(Object.keys(expected));
    // The event is a new object: changing it leaves the message alone.
    older.ThisDN = 'changed';
    expect(first.attributes.ThisDN).toBe('7001');
  });

  it('a message with no attributes, and one with unknown attributes only', () => {
    const empty = decodeFrame(encodeFrame(133, {}));
    expect(empty.attributes).toStrictEqual({});
    expect(eventOf(empty, 'EventPrimaryChanged', 's')).toStrictEqual({ Event: 'EventPrimaryChanged', Server: 's' });
    const unknownOnly = decodeFrame(frame(53, [attr(4999, 1, u32(7))]));
    expect(unknownOnly.attributes).toStrictEqual({});
    expect(unknownOnly.unknownAttributes).toEqual([{ id: 4999, valueType: 'int', value: 7 }]);
  });

  it('layouts are bounded: a server permuting attribute orders cannot make them grow without limit', () => {
    const names = ['ThisDN', 'OtherDN', 'AgentID', 'Place', 'CustomerID'] as const;
    const orders: string[][] = [];
    const permute = (rest: string[], acc: string[]) => {
      if (rest.length === 0) orders.push(acc);
      for (let i = 0; i < rest.length; i++) permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, rest[i]]);
    };
    permute([...names], []);
    expect(orders).toHaveLength(120);
    for (let type = 300; type < 310; type++) {
      for (const order of orders) {
        const attrs = Object.fromEntries(order.map((n) => [n, n.toLowerCase()]));
        const m = decodeFrame(encodeFrame(type, attrs));
        expect(Object.keys(m.attributes)).toEqual(order); // past the bound: same result, built plainly
        expect(eventOf(m, 'X', 's')).toStrictEqual({ Event: 'X', Server: 's', ...attrs });
      }
    }
    const stats = layoutStats();
    expect(stats.layouts).toBeLessThanOrEqual(stats.max);
    expect(stats.layouts).toBeGreaterThan(0);
  });

  it('shapes are per message type: the same layout under two types decodes alike', () => {
    const a = decodeFrame(encodeFrame(53, { ThisDN: 'x', OtherDN: 'y' }));
    const b = decodeFrame(frame(54, [attr(THIS_DN, 2, str(ascii('x'))), attr(OTHER_DN, 2, str(ascii('y')))]));
    expect(a.attributes).toStrictEqual(b.attributes);
  });
});
