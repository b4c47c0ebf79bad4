/**
 * `npm run fuzz`: 5,000,000 cases against the streaming FrameDecoder (./harness.ts), in batches
 * of 100,000 with a progress line each, then one final line. Exit code 1 on the first failure,
 * with the counterexample and the seed to replay it.
 *
 *   FUZZ_CASES=500000 npm run fuzz      a shorter run
 *   FUZZ_SEED=1234 npm run fuzz         replay (batch i uses seed FUZZ_SEED + i)
 */
import fc from 'fast-check';
import { buildPool, checkCase, fuzzCaseArb, gcNow, HANG_MS } from './harness.js';

const CASES = Number(process.env.FUZZ_CASES ?? 5_000_000);
const BATCH = Math.min(100_000, CASES);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

const mb = (n: number) => (n / 2 ** 20).toFixed(1);

async function main(): Promise<number> {
  const pool = buildPool();
  const hasGc = await gcNow();
  const heapBefore = process.memoryUsage().heapUsed;
  console.log(
    `fuzz: FrameDecoder, ${CASES.toLocaleString('en')} cases, seed ${SEED}, pool of ${pool.length} valid frames, heap ${mb(heapBefore)} MB`,
  );
  const arb = fuzzCaseArb(pool);
  const kinds: Record<string, number> = {};
  let done = 0;
  let messages = 0;
  let errors = 0;
  let maxMs = 0;
  let heapPeak = heapBefore;
  const started = performance.now();
  for (let batch = 0; done < CASES; batch++) {
    const numRuns = Math.min(BATCH, CASES - done);
    const seed = SEED + batch;
    const result = fc.check(
      fc.property(arb, (c) => {
        kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
        const s = checkCase(c);
        if (s.cpuMs > maxMs) maxMs = s.cpuMs;
        messages += s.messages;
        errors += s.errors;
      }),
      { numRuns, seed },
    );
    if (result.failed) {
      console.error(fc.defaultReportMessage(result) ?? 'failed');
      console.error(`fuzz: FAILED in batch ${batch} (seed ${seed}) after ${done.toLocaleString('en')} cases`);
      return 1;
    }
    done += numRuns;
    const heap = process.memoryUsage().heapUsed;
    heapPeak = Math.max(heapPeak, heap);
    const s = (performance.now() - started) / 1000;
    console.log(
      `  ${done.toLocaleString('en').padStart(11)} cases  ${s.toFixed(0).padStart(4)} s  ${Math.round(done / s).toLocaleString('en')}/s  ` +
        `max case ${maxMs.toFixed(1)} ms CPU  heap ${mb(heap)} MB`,
    );
  }
  await gcNow();
  const heapAfter = process.memoryUsage().heapUsed;
  const seconds = (performance.now() - started) / 1000;
  const ok = maxMs < HANG_MS && (!hasGc || heapAfter - heapBefore < 64 * 2 ** 20);
  console.log(
    `  by kind: ${Object.entries(kinds)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}; ${messages} messages, ${errors} errors reported`,
  );
  console.log(
    `fuzz: ${ok ? 'OK' : 'FAILED'} ${done.toLocaleString('en')} cases in ${seconds.toFixed(1)} s (${Math.round(done / seconds).toLocaleString('en')}/s), ` +
      `0 invariant failures, max case ${maxMs.toFixed(1)} ms CPU (hang limit ${HANG_MS} ms), ` +
      `heap ${mb(heapBefore)} → ${mb(heapAfter)} MB${hasGc ? ' after GC' : ''} (peak ${mb(heapPeak)} MB), seed ${SEED}`,
  );
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
