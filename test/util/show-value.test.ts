/** showValue (src/util/show-value.ts): how error messages quote a refused value, bounded whatever its size. */
import { describe, expect, it } from 'vitest';
import { showValue } from '../../src/util/show-value.js';

describe('showValue', () => {
  it('quotes strings, shows numbers, booleans, null and undefined as they are', () => {
    expect([showValue('5000'), showValue(42), showValue(true), showValue(null), showValue(undefined)]).toEqual([
      '"5000"',
      '42',
      'true',
      'null',
      'undefined',
    ]);
  });

  it('a 10 MB string, a 1,000,000-member array and an object of 1,000,000 keys each make a message under 400 characters', () => {
    const long = 'x'.repeat(10_000_000);
    expect(showValue(long)).toBe(`"${'x'.repeat(64)}…" (10000000 characters)`);
    const array = Array.from({ length: 1_000_000 }, (_, i) => i);
    expect(showValue(array)).toBe('[0, 1, 2, 3, … 1000000 items]');
    const object = Object.fromEntries(Array.from({ length: 1_000_000 }, (_, i) => [`k${i}`, long]));
    const shown = showValue(object);
    expect(shown.length).toBeLessThan(400);
    expect(shown).toMatch(/^\{ k0: "x{64}…" \(10000000 characters\), k1: .*, … \}$/);
  });

  it('one level deep: nested members by kind; a circular object, a throwing getter and a function do not break it', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    expect(showValue(circular)).toBe('{ a: 1, self: an object }');
    expect(showValue([[1], { b: 2 }, new Uint8Array(3)])).toBe('[an array of 1, an object, a Uint8Array of 3 bytes]');
    const getter = {
      get boom() {
        throw new Error('no');
      },
    };
    expect(showValue(getter)).toBe('{ boom: "a getter that threw" }');
    expect(showValue(() => 1)).toBe('a function');
  });
});
