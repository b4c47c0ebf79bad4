/** Fifo and ByteBoundedFifo (src/util/fifo.ts): order, compaction, and the byte bound. */
import { describe, expect, it } from 'vitest';
import { ByteBoundedFifo, Fifo } from '../../src/util/fifo.js';

describe('Fifo', () => {
  it('keeps arrival order across 200,000 items pushed and shifted in waves (compacting as it goes), and drains the rest', () => {
    const f = new Fifo<number>();
    let next = 0;
    let expected = 0;
    for (let wave = 0; wave < 20; wave++) {
      for (let i = 0; i < 10_000; i++) f.push(next++);
      for (let i = 0; i < 9_000; i++) expect(f.shift()).toBe(expected++);
    }
    expect(f.size).toBe(next - expected);
    const rest = f.drain();
    expect(rest).toHaveLength(20_000);
    expect(rest[0]).toBe(expected);
    expect(rest.at(-1)).toBe(next - 1);
    expect(f.size).toBe(0);
    expect(f.shift()).toBeUndefined();
  });
});

describe('Fifo.retain', () => {
  it('keeps the accepted items in order, after a partly shifted head', () => {
    const f = new Fifo<number>();
    for (let i = 0; i < 10; i++) f.push(i);
    f.shift();
    f.shift();
    f.retain((n) => n % 2 === 0);
    expect(f.size).toBe(4);
    expect(f.drain()).toEqual([2, 4, 6, 8]);
  });
});

describe('Fifo.slice', () => {
  it('copies the items from the index-th oldest on, after a shifted head and across a compaction', () => {
    const f = new Fifo<number>();
    for (let i = 0; i < 5_000; i++) f.push(i);
    for (let i = 0; i < 3_000; i++) f.shift(); // compacts past 1,024 shifted
    expect(f.slice(1_997)).toEqual([4_997, 4_998, 4_999]);
    expect(f.slice(0).length).toBe(2_000);
    expect(f.slice(2_000)).toEqual([]);
    expect(f.size).toBe(2_000); // a copy: nothing taken
  });
});

describe('ByteBoundedFifo', () => {
  it('charges each item its bytes, refuses a push past maxBytes (nothing added), and frees the bytes as items leave', () => {
    const f = new ByteBoundedFifo<string>(10);
    expect(f.push('a', 4)).toBe(true);
    expect(f.push('b', 6)).toBe(true);
    expect(f.push('c', 1)).toBe(false);
    expect([f.size, f.bytes]).toEqual([2, 10]);
    expect(f.shift()).toBe('a');
    expect(f.bytes).toBe(6);
    expect(f.push('c', 4)).toBe(true);
    expect([f.shift(), f.shift(), f.shift()]).toEqual(['b', 'c', undefined]);
    expect([f.size, f.bytes]).toEqual([0, 0]);
    f.push('d', 3);
    f.clear();
    expect([f.size, f.bytes, f.shift()]).toEqual([0, 0, undefined]);
  });

  it('200,000 items through it in order with the byte count exact', () => {
    const f = new ByteBoundedFifo<number>(Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < 200_000; i++) f.push(i, i % 7);
    let sum = 0;
    for (let i = 0; i < 200_000; i++) sum += i % 7;
    expect(f.bytes).toBe(sum);
    for (let i = 0; i < 200_000; i++) expect(f.shift()).toBe(i);
    expect(f.bytes).toBe(0);
  });
});
