/**
 * Every test file runs with this (vitest setupFiles): the SDK reports its own bugs as process
 * warnings with code ERR_TLIB_INTERNAL — the same way in tests as in production, where the
 * connection carries on — and a test during which one was reported fails, unless it took them
 * (`takeInternalErrors()`) because it provoked them on purpose.
 */
import { afterEach, expect } from 'vitest';

const seen: string[] = [];

process.on('warning', (w: Error & { code?: string }) => {
  if (w.code === 'ERR_TLIB_INTERNAL') seen.push(w.message);
});

/** The ERR_TLIB_INTERNAL warnings reported so far (warnings arrive on the next tick), forgotten once read. */
export function takeInternalErrors(): string[] {
  return seen.splice(0);
}

afterEach(async () => {
  await new Promise((resolve) => process.nextTick(resolve)); // warnings are emitted on process.nextTick (never faked)
  expect(takeInternalErrors(), 'ERR_TLIB_INTERNAL: the SDK reported a bug of its own').toEqual([]);
});
