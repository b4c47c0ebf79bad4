/**
 * Value helpers: ConnIDs, int32, kvlists, times, and describeBadValue.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KVList } from '../../src/protocol/attributes.js';
import {
  MAX_KVLIST_DEPTH,
  describeBadValue,
  isConnID,
  isInt32,
  isKVConnID,
  kvConnID,
  kvFromObject,
  kvGet,
  kvGetAll,
  kvToObject,
  nowTime,
  timeFromDate,
  timeToDate,
  toKVList,
  utf8ByteLength,
} from '../../src/protocol/values.js';
import { INT32_MAX, INT32_MIN, SAMPLE_VALUES, VALUE_TYPE_NAMES, nestedKVList, valueArb } from '../support/arbitraries.js';

describe('ConnID and int32 predicates', () => {
  it('isConnID: exactly 16 lowercase hex digits', () => {
    for (const ok of ['00650194ab3c0001', '0000000000000000', 'ffffffffffffffff']) expect(isConnID(ok)).toBe(true);
    for (const bad of [
      '00650194AB3C0001',
      '00650194ab3c000',
      '00650194ab3c00011',
      '0x650194ab3c0001',
      'g000000000000000',
      '',
      42,
      null,
      { connid: '0000000000000000' },
    ]) {
      expect(isConnID(bad), String(bad)).toBe(false);
    }
  });

  it('isInt32: integers in [-2^31, 2^31 - 1] only', () => {
    for (const ok of [INT32_MIN, INT32_MAX, 0, -1]) expect(isInt32(ok)).toBe(true);
    for (const bad of [INT32_MIN - 1, INT32_MAX + 1, 0.5, Number.NaN, Infinity, '1', 1n, null])
      expect(isInt32(bad), String(bad)).toBe(false);
  });

  it('kvConnID / isKVConnID: { connid } with a valid ConnID and nothing else', () => {
    expect(kvConnID('00650194ab3c0001')).toEqual({ connid: '00650194ab3c0001' });
    expect(isKVConnID(kvConnID('00650194ab3c0001'))).toBe(true);
    expect(isKVConnID({ connid: 'XYZ' })).toBe(false);
    expect(isKVConnID({ connid: '00650194ab3c0001', extra: 1 })).toBe(false);
    expect(isKVConnID([])).toBe(false);
    expect(isKVConnID(null)).toBe(false);
  });
});

describe('kvlist helpers', () => {
  const list: KVList = [
    ['a', 1],
    ['b', 'x'],
    ['a', 2],
    ['c', [['d', 3]]],
  ];

  it('kvGet returns the first value, kvGetAll every value in order', () => {
    expect(kvGet(list, 'a')).toBe(1);
    expect(kvGet(list, 'zz')).toBeUndefined();
    expect(kvGet(undefined, 'a')).toBeUndefined();
    expect(kvGetAll(list, 'a')).toEqual([1, 2]);
    expect(kvGetAll(list, 'zz')).toEqual([]);
    expect(kvGetAll(undefined, 'a')).toEqual([]);
  });

  it('kvToObject: the first of repeated keys wins; keys like __proto__ are plain keys', () => {
    const o = kvToObject([...list, ['__proto__', 'p'], ['constructor', 'k']]);
    expect({ ...o }).toEqual({ a: 1, b: 'x', c: [['d', 3]], ['__proto__']: 'p', constructor: 'k' });
    expect(Object.getPrototypeOf(o)).toBeNull();
    expect(kvToObject(undefined)).toEqual({});
  });

  it('kvFromObject / toKVList keep the object’s own order; a list is returned as is', () => {
    expect(kvFromObject({ z: 1, a: 'b' })).toEqual([
      ['z', 1],
      ['a', 'b'],
    ]);
    expect(toKVList(list)).toBe(list);
    expect(toKVList({ x: 1 })).toEqual([['x', 1]]);
  });
});

describe('time helpers', () => {
  it('timeFromDate keeps milliseconds as microseconds; timeToDate inverts it', () => {
    const d = new Date(Date.UTC(2025, 3, 22, 12, 0, 0, 999));
    const t = timeFromDate(d);
    expect(t).toEqual({ seconds: Math.floor(d.getTime() / 1000), microseconds: 999_000 });
    expect(timeToDate(t).getTime()).toBe(d.getTime());
    expect(timeToDate({ seconds: 1, microseconds: 999_999 }).getTime()).toBe(1999);
  });

  it('timeFromDate ∘ timeToDate is the identity on whole milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff * 1000 + 999 }), (ms) => {
        expect(timeToDate(timeFromDate(new Date(ms))).getTime()).toBe(ms);
        expect(describeBadValue('time', timeFromDate(new Date(ms)), 'time')).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('nowTime is a valid time close to now', () => {
    const t = nowTime();
    expect(describeBadValue('time', t, 'time')).toBeUndefined();
    expect(Math.abs(t.seconds - Date.now() / 1000)).toBeLessThan(5);
  });
});

describe('describeBadValue', () => {
  it('accepts every valid value of every type (samples and arbitraries)', () => {
    for (const type of VALUE_TYPE_NAMES) {
      for (const v of SAMPLE_VALUES[type] as readonly unknown[]) expect(describeBadValue(type, v, 'X')).toBeUndefined();
      fc.assert(
        fc.property(valueArb(type), (v) => {
          expect(describeBadValue(type, v, 'X')).toBeUndefined();
        }),
        { numRuns: 50 },
      );
    }
  });

  it('time: Dates inside the uint32 seconds range are fine, outside are not', () => {
    expect(describeBadValue('time', new Date(0), 'time')).toBeUndefined();
    expect(describeBadValue('time', new Date(0xffffffff * 1000 + 999), 'time')).toBeUndefined();
    expect(describeBadValue('time', new Date(0x100000000 * 1000), 'time')).toMatch(/^time /);
    expect(describeBadValue('time', new Date(-1), 'time')).toMatch(/^time /);
    expect(describeBadValue('time', new Date(Number.NaN), 'time')).toBe('time is an invalid Date');
  });

  it('time: { seconds, microseconds } ranges', () => {
    expect(describeBadValue('time', { seconds: 0xffffffff, microseconds: 999_999 }, 't')).toBeUndefined();
    for (const bad of [
      { seconds: 1, microseconds: 1_000_000 },
      { seconds: -1, microseconds: 0 },
      { seconds: 0x100000000, microseconds: 0 },
      { seconds: 1.5, microseconds: 0 },
      { seconds: 1 },
      1_700_000_000,
    ]) {
      expect(describeBadValue('time', bad, 't'), JSON.stringify(bad)).toMatch(/^t must be a Date or \{ seconds, microseconds < 1000000 \}/);
    }
  });

  it('kvlist: depth 16 is fine, 17 is not; a plain object only at the top', () => {
    expect(MAX_KVLIST_DEPTH).toBe(16);
    expect(describeBadValue('kvlist', nestedKVList(16), 'UserData')).toBeUndefined();
    expect(describeBadValue('kvlist', nestedKVList(17), 'UserData')).toMatch(/nests kvlists deeper than 16/);
    expect(describeBadValue('kvlist', { a: 1 }, 'UserData')).toBeUndefined();
    expect(describeBadValue('kvlist', [['a', { b: 1 }]], 'UserData')).toMatch(/^UserData\.a must be/);
  });

  it('kvlist: 10,000 deep is reported without a stack overflow', () => {
    let deep: unknown = [];
    for (let i = 0; i < 10_000; i++) deep = [['k', deep]];
    expect(describeBadValue('kvlist', deep, 'UserData')).toMatch(/deeper than 16/);
  });

  it('kvlist: a key of 65535 bytes is fine, 65536 is not (UTF-8 bytes, not characters)', () => {
    expect(describeBadValue('kvlist', [['é'.repeat(32_767) + 'x', 1]], 'U')).toBeUndefined();
    expect(describeBadValue('kvlist', [['é'.repeat(32_768), 1]], 'U')).toMatch(/key is longer than 65535 bytes/);
  });

  it('messages name the path and show the bad value briefly', () => {
    expect(describeBadValue('int', 'x'.repeat(100), 'ErrorCode')).toBe(`ErrorCode must be a 32-bit integer, got "${'x'.repeat(40)}…"`);
    expect(describeBadValue('binary', [1], 'InputMask')).toBe('InputMask must be a Uint8Array, got an array');
    expect(describeBadValue('string', { a: 1 }, 'ThisDN')).toBe('ThisDN must be a string, got an object');
    expect(describeBadValue('connid', 5, 'ConnID')).toBe('ConnID must be a ConnID of 16 lowercase hex digits, got number 5');
  });
});

describe('utf8ByteLength (no Buffer: src/protocol runs in browsers)', () => {
  it('agrees with Node’s UTF-8 encoder on every kind of character, lone surrogates included', () => {
    const samples = ['', 'a', 'é', '€', '日本語', '😀', 'a😀b', '\ud83d', '\ude00x', 'x\ud83d', '\ud83d\ud83d\ude00', 'k'.repeat(70_000)];
    for (const s of samples) expect(utf8ByteLength(s), JSON.stringify(s.slice(0, 8))).toBe(Buffer.byteLength(s));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => utf8ByteLength(s) === Buffer.byteLength(s)),
      { numRuns: 500 },
    );
  });

  it('a kvlist key of 65,535 bytes is taken, one byte more is refused', () => {
    expect(describeBadValue('kvlist', [['é'.repeat(32_767) + 'a', 1]], 'UserData')).toBeUndefined();
    expect(describeBadValue('kvlist', [['é'.repeat(32_768), 1]], 'UserData')).toBe('UserData[0] key is longer than 65535 bytes');
  });
});
