/**
 * CI-sized fuzz of the streaming FrameDecoder (the full run is `npm run fuzz`, 5 M cases):
 * 200,000 random and mutated frame streams in random chunkings, see ./harness.ts for the inputs
 * and the invariants. Set FUZZ_SEED to replay a run, FUZZ_CASES to change its size.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPool, checkCase, fuzzCaseArb, gcNow, HANG_MS } from './harness.js';

const CASES = Number(process.env.FUZZ_CASES ?? 200_000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const BATCHES = 4;

describe('FrameDecoder fuzz', () => {
  // ~20 s of CPU time, several times that in wall time on a loaded machine. The timeout is only a
  // backstop for a case that never returns; a slow case is caught by its CPU time (HANG_MS).
  it(`${CASES.toLocaleString('en')} cases: no uncaught exception, no hang, bounded memory, chunking-invariant`, {
    timeout: 600_000,
  }, async () => {
    const pool = buildPool();
    const hasGc = await gcNow();
    const heapBefore = process.memoryUsage().heapUsed;
    const kinds: Record<string, number> = {};
    let maxMs = 0;
    let messages = 0;
    let errors = 0;
    const started = performance.now();
    for (let b = 0; b < BATCHES; b++) {
      fc.assert(
        fc.property(fuzzCaseArb(pool), (c) => {
          kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
          const s = checkCase(c);
          if (s.cpuMs > maxMs) maxMs = s.cpuMs;
          messages += s.messages;
          errors += s.errors;
        }),
        { numRuns: Math.ceil(CASES / BATCHES), ...(SEED === undefined ? {} : { seed: SEED + b }) },
      );
    }
    const seconds = (performance.now() - started) / 1000;
    await gcNow();
    const heapAfter = process.memoryUsage().heapUsed;
    const total = Object.values(kinds).reduce((a, n) => a + n, 0);
    console.log(
      `decoder fuzz: ${total} cases in ${seconds.toFixed(1)} s, ${messages} messages and ${errors} errors reported, ` +
        `max case ${maxMs.toFixed(1)} ms CPU, heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapAfter / 2 ** 20).toFixed(1)} MB${hasGc ? ' (after GC)' : ''}`,
    );
    expect(total).toBeGreaterThanOrEqual(CASES);
    // Every kind of input was exercised, and both outcomes happened.
    expect(Object.keys(kinds).sort()).toEqual([
      'damaged-stream',
      'kvlist-keys',
      'lying-length',
      'random',
      'random-attributes',
      'random-body',
      'valid-stream',
    ]);
    expect(messages).toBeGreaterThan(total / 10);
    expect(errors).toBeGreaterThan(total / 10);
    expect(maxMs).toBeLessThan(HANG_MS);
    if (hasGc) expect(heapAfter - heapBefore).toBeLessThan(32 * 2 ** 20);
  });
});
