/** The per-session replay buffer: bounded in count and in characters; a seq it cannot serve means a snapshot. */
import { describe, expect, it } from 'vitest';
import { ReplayBuffer } from '../../src/gateway/replay-buffer.js';

describe('ReplayBuffer', () => {
  it('keeps the newest messages within the count bound; serves what follows a seq it still has', () => {
    const b = new ReplayBuffer(3, 1_000);
    for (let seq = 1; seq <= 5; seq++) b.push(seq, `m${seq}`);
    expect(b.size).toBe(3);
    expect(b.after(5)).toEqual([]);
    expect(b.after(2)).toEqual(['m3', 'm4', 'm5']);
    expect(b.after(4)).toEqual(['m5']);
    expect(b.after(1)).toBeUndefined(); // m2 was dropped: snapshot
    expect(b.after(6)).toBeUndefined(); // a seq never sent
  });

  it('keeps within the character bound, and a message larger than the bound alone is not kept', () => {
    const b = new ReplayBuffer(100, 10);
    b.push(1, 'aaaa');
    b.push(2, 'bbbb');
    b.push(3, 'cccc');
    expect(b.bufferedChars).toBeLessThanOrEqual(10);
    expect(b.after(1)).toEqual(['bbbb', 'cccc']);
    b.push(4, 'x'.repeat(50));
    expect(b.size).toBe(0);
    expect(b.after(3)).toBeUndefined();
    expect(b.after(4)).toEqual([]);
  });

  it('after clear() (a snapshot at seq n) serves from n on; 100,000 pushes stay bounded', () => {
    const b = new ReplayBuffer(256, 64 * 1024);
    for (let seq = 1; seq <= 100_000; seq++) b.push(seq, `{"seq":${seq}}`);
    expect(b.size).toBe(256);
    b.clear();
    expect(b.after(100_000)).toEqual([]);
    b.push(100_001, 'next');
    expect(b.after(100_000)).toEqual(['next']);
    expect(b.after(99_999)).toBeUndefined();
  });
});

describe('toJson / fromJson', () => {
  it('carries bytes as { $bytes } at any depth, and plain values unchanged', async () => {
    const { toJson, fromJson } = await import('../../src/gateway/protocol.js');
    const value = {
      Event: 'EventACK',
      InputMask: new Uint8Array([0, 255, 7]),
      UserData: [
        ['blob', new Uint8Array([1, 2])],
        ['k', 'v'],
      ],
    };
    const text = toJson(value);
    expect(text).toContain('"InputMask":{"$bytes":"AP8H"}');
    expect(fromJson(text)).toEqual(value);
    expect(toJson({ a: [1, 'x', { b: null }] })).toBe('{"a":[1,"x",{"b":null}]}');
  });
});
