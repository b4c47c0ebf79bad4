/**
 * `open({ retry })`: keep trying the first connect until a server of the pair answers, as ioredis,
 * nats.js (`waitOnFirstConnect`) and MQTT.js do, so an application may start before its T-Server.
 * Each attempt is one plain open() (the primary, then the backup); p-retry runs the attempts, counts
 * them and stops on the abort signal; the wait between two follows the `reconnect` backoff (its
 * numbers, or `retry`'s own) on the connection's clock, like every other timer of the connection.
 * Each failed attempt is reported on `conn.status()` as a `connecting` entry with the attempt, the
 * servers tried and the error. Once a session is open, losses are the pair state machine's business
 * (pair/machine.ts), not this loop's.
 */
import createDebug from 'debug';
import pRetry from 'p-retry';
import { ConnectionClosedError, InvalidArgumentError, InvalidStateError } from '../errors.js';
import { type Clock, sleepOn } from '../util/clock.js';
import { showValue } from '../util/show-value.js';
import { DEFAULTS, defaultRetryStrategy, MAX_TIMER_MS, type ReconnectOptions } from './options.js';

const debug = createDebug('tlib:connection');

/** The options of `conn.open()`. */
export interface OpenOptions {
  /** Gives up at once (open() rejects with the signal's reason); dials in progress are cancelled. */
  signal?: AbortSignal;
  /**
   * Keep trying until a server answers: `true` paces the attempts with the connection's `reconnect`
   * backoff (DEFAULTS.reconnect when `reconnect: false`); an object overrides some of its numbers.
   * Without it open() tries each server once and rejects with ConnectError.
   */
  retry?: boolean | OpenRetryOptions;
}

/** How `open({ retry })` paces its attempts: the `reconnect` backoff, min·factor^(n−1) (×[1, 2) if randomized), capped at max. */
export interface OpenRetryOptions {
  /** Attempts after the first. Default: `reconnect.retries` (Infinity: until a server answers, the signal aborts or close()). */
  retries?: number;
  /** Wait before the second attempt, in ms. Default: `reconnect.minTimeoutMs` (250). */
  minTimeoutMs?: number;
  /** Longest wait between two attempts, in ms. Default: `reconnect.maxTimeoutMs` (10 000). */
  maxTimeoutMs?: number;
  /** Growth of the wait from one attempt to the next. Default: `reconnect.factor` (2). */
  factor?: number;
  /** Multiply each wait by a random factor in [1, 2), so many clients started together do not dial in step. Default: `reconnect.randomize` (true). */
  randomize?: boolean;
}

/** A failed attempt of `open({ retry })`, as `conn.status()` reports it (`type: 'connecting'`). */
export interface FirstConnectProgress {
  /** The attempt that failed, from 1. */
  attempt: number;
  /** The servers that attempt dialled, in order. */
  servers: string[];
  /** Why it failed (a ConnectError, or the error of the last server tried). */
  error: Error;
  /** Attempts still allowed (Infinity by default). */
  retriesLeft: number;
  /** The wait before the next attempt, in ms; undefined when none follows. */
  retryInMs: number | undefined;
}

export interface FirstConnectHost {
  /** The connection's `reconnect` backoff, the default pacing. */
  reconnect(): ReconnectOptions | false;
  /** One plain open(): every server of the pair once. */
  openOnce(signal: AbortSignal | undefined): Promise<void>;
  /** The servers an attempt dials. */
  servers(): string[];
  /** The connection's clock: the waits between attempts are its timers. */
  clock(): Clock;
  progress(p: FirstConnectProgress): void;
}

/** Runs open(), once or until a server answers; close() stops a retry loop between attempts too. */
export class FirstConnect {
  private loop: AbortController | undefined;

  constructor(private readonly host: FirstConnectHost) {}

  async open(options: OpenOptions = {}): Promise<void> {
    if (this.loop)
      throw new InvalidStateError('open() called while open({ retry }) is still trying: close() it first, or await it', 'connecting');
    if (!options.retry) return this.host.openOnce(options.signal);
    const pace = retryOptions(options.retry, this.host.reconnect());
    const loop = new AbortController();
    this.loop = loop;
    const signal = options.signal ? AbortSignal.any([options.signal, loop.signal]) : loop.signal;
    // The wait before each next attempt: the `reconnect` formula (p-retry's), on the connection's clock.
    const delayAfter = defaultRetryStrategy(pace);
    let waitMs = 0;
    const retryable = (error: Error) =>
      !signal.aborted && !(error instanceof ConnectionClosedError) && !(error instanceof InvalidStateError);
    try {
      await pRetry(() => this.host.openOnce(signal), {
        retries: pace.retries,
        minTimeout: 0, // p-retry runs the attempts and counts them; the waits are on the clock (shouldRetry)
        signal,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          // Closed or aborted: the last attempt's error is not news, and nothing follows it.
          if (!retryable(error)) return;
          waitMs = retriesLeft > 0 ? (delayAfter(attemptNumber) ?? 0) : 0;
          debug('first connect: attempt %d failed (%s), %d more, next in %d ms', attemptNumber, error.message, retriesLeft, waitMs);
          const retryInMs = retriesLeft > 0 ? waitMs : undefined;
          this.host.progress({ attempt: attemptNumber, servers: this.host.servers(), error, retriesLeft, retryInMs });
        },
        shouldRetry: async ({ error }) => {
          if (!retryable(error)) return false;
          await sleepOn(this.host.clock(), waitMs, signal);
          return true;
        },
      });
    } finally {
      if (this.loop === loop) this.loop = undefined;
    }
  }

  /** close(): a retry loop waiting between attempts ends; open() rejects with ConnectionClosedError. */
  stop(): void {
    this.loop?.abort(new ConnectionClosedError('closed while opening'));
    this.loop = undefined;
  }
}

function retryOptions(retry: true | OpenRetryOptions, reconnect: ReconnectOptions | false): ReconnectOptions {
  const base: ReconnectOptions = reconnect === false ? DEFAULTS.reconnect : reconnect;
  if (retry === true) return base;
  if (typeof retry !== 'object' || retry === null)
    throw new InvalidArgumentError(
      `open() retry must be true or { retries, minTimeoutMs, maxTimeoutMs, factor, randomize }, got ${showValue(retry)}`,
    );
  for (const key of Object.keys(retry)) {
    if (!Object.hasOwn(base, key))
      throw new InvalidArgumentError(`open() retry: unknown option ${showValue(key)} (known: ${Object.keys(base).join(', ')})`);
  }
  const r = { ...base, ...retry };
  const whole = (n: number) => Number.isInteger(n) || n === Number.POSITIVE_INFINITY;
  const ms = (n: unknown) => typeof n === 'number' && n >= 0 && n <= MAX_TIMER_MS;
  const bad = (what: string, value: unknown) => new InvalidArgumentError(`open() retry.${what}, got ${showValue(value)}`);
  if (typeof r.retries !== 'number' || !(r.retries >= 0) || !whole(r.retries))
    throw bad('retries must be a whole number ≥ 0 or Infinity', r.retries);
  if (!ms(r.minTimeoutMs)) throw bad(`minTimeoutMs must be from 0 to ${MAX_TIMER_MS} ms`, r.minTimeoutMs);
  if (!ms(r.maxTimeoutMs) || r.maxTimeoutMs < r.minTimeoutMs)
    throw bad(`maxTimeoutMs must be from minTimeoutMs to ${MAX_TIMER_MS} ms`, r.maxTimeoutMs);
  if (typeof r.factor !== 'number' || !(r.factor >= 1) || !Number.isFinite(r.factor))
    throw bad('factor must be a finite number ≥ 1', r.factor);
  if (typeof r.randomize !== 'boolean') throw bad('randomize must be a boolean', r.randomize);
  return r;
}
