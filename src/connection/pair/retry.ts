/**
 * retryStrategy, asked by the pair driver before the input that needs its answer (types.ts
 * `retryAttemptFor`): the reducer only ever reads the verdict. A strategy that throws or returns
 * something other than a delay or null gives up, and the problem travels in the verdict so the
 * reducer reports it (a `report` effect) — once, with the real attempt number.
 */
import { HandlerError, InvalidArgumentError } from '../../errors.js';
import { MAX_TIMER_MS, type ResolvedOptions } from '../options.js';
import type { RetryVerdict } from './types.js';

export type RetryStrategy = ResolvedOptions['retryStrategy'];

export function askRetryStrategy(strategy: RetryStrategy, attempt: number, error: Error): RetryVerdict {
  let delay: unknown;
  try {
    delay = strategy(attempt, error);
  } catch (err) {
    return { delayMs: null, problem: new HandlerError('retryStrategy', err) };
  }
  if (delay === null) return { delayMs: null };
  if (typeof delay === 'number' && delay >= 0 && delay <= MAX_TIMER_MS) return { delayMs: delay };
  return {
    delayMs: null,
    problem: new InvalidArgumentError(
      `retryStrategy returned ${String(delay)}: expected a delay in ms from 0 to ${MAX_TIMER_MS}, or null to give up`,
    ),
  };
}
