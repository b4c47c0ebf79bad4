/**
 * CI-sized soak (the full run is `npm run soak`, 1,000 cycles): 100 randomized failovers,
 * switchovers, link flaps, network cuts and half-open paths with requests in flight. Every
 * request settles (an answer or a typed rejection), registrations end as the user made them (on
 * the SDK and on both servers), and listeners, timers, sockets and heap do not grow.
 * SOAK_CYCLES and SOAK_SEED override the size and the seed.
 */
import { describe, expect, it } from 'vitest';
import { soak } from './soak.js';

const CYCLES = Number(process.env.SOAK_CYCLES ?? 100);
const SEED = process.env.SOAK_SEED === undefined ? undefined : Number(process.env.SOAK_SEED);

describe('soak', () => {
  it(`${CYCLES} randomized disruption cycles with requests in flight`, { timeout: 180_000 }, async () => {
    const lines: string[] = [];
    const r = await soak({ cycles: CYCLES, seed: SEED, log: (l) => lines.push(l) });
    console.log(
      `soak: ${r.cycles} cycles in ${(r.durationMs / 1000).toFixed(1)} s (seed ${r.seed}), actions ${JSON.stringify(r.actions)}, ` +
        `${r.requests.total} requests (${r.requests.rejected} typed rejections ${JSON.stringify(r.requests.byError)}), ` +
        `resources ${JSON.stringify(r.resources.before)} → ${JSON.stringify(r.resources.after)}, ` +
        `heap ${(r.heap.before / 2 ** 20).toFixed(1)} → ${(r.heap.after / 2 ** 20).toFixed(1)} MB`,
    );
    expect(r.failures, `seed ${r.seed}:\n${lines.join('\n')}`).toEqual([]);
    expect(r.cycles).toBe(CYCLES);
    expect(r.requests.total).toBeGreaterThanOrEqual(CYCLES);
    expect(r.registrations.sdk).toEqual(r.registrations.user);
    expect(r.registrations.ringing).toEqual(r.registrations.user);
    expect(r.registrations.ringingAfterSwitchover).toEqual(r.registrations.user);
    expect(r.resources.after.listeners).toBe(r.resources.before.listeners);
    expect(r.resources.after.sockets).toBeLessThanOrEqual(r.resources.before.sockets);
    if (r.heap.gc) expect(r.heap.after - r.heap.before).toBeLessThan(r.heap.boundBytes);
  });
});
