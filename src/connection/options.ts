/**
 * Connection options and their defaults, in one place. The README's options table mirrors this file.
 */
import type tls from 'node:tls';
import { type Codec, wireCodecV1 } from '../codec/index.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../codec/format.js';
import { InvalidArgumentError } from '../errors.js';
import { DEFAULT_MAX_CALLS, DEFAULT_MAX_USER_DATA_BYTES, DEFAULT_MAX_USER_DATA_BYTES_PER_CALL } from '../model/types.js';
import { type Endpoint, type EndpointInput, parseEndpoint } from '../transport/endpoint.js';
import { nearestName } from '../util/nearest-name.js';
import { showValue } from '../util/show-value.js';
import { DEFAULT_ITERATOR_BUFFER } from '../util/push-iterator.js';
import { type AllowedBackupHosts, LEARNED_ADDRESS_DEFAULTS, type LearnedAddressPolicy } from './pair/address-policy.js';

/** The backoff of reconnect attempts (and of `open({ retry: true })`): min·factor^(n−1), ×[1, 2) when randomized, capped at max. */
export interface ReconnectOptions {
  /** Attempts after the first failure; Infinity keeps trying until close(). */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  factor: number;
  /** Multiply each delay by a random factor in [1, 2) so many clients don't reconnect in step. */
  randomize: boolean;
}

/** The options of `new TServerConnection(options)`; only `primary` is required. Defaults: `DEFAULTS`. */
export interface TServerConnectionOptions {
  /** The primary T-Server: 'host:port' or { host, port, name? }. */
  primary: EndpointInput;
  /** The backup T-Server; learned from EventRestoreConnection when not given. */
  backup?: EndpointInput;
  /** Sent in RequestRegisterClient. Default 'tlib-client'. */
  applicationName?: string;
  /** Default time a request may wait for its answer, queued time included. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Time to open a socket (and finish TLS). Default 5 000 ms. */
  connectTimeoutMs?: number;
  /** Keep-alive. Default { timeoutMs: 5000, remoteTimeoutMs: 5000 }; false turns it off. */
  addp?: { timeoutMs?: number; remoteTimeoutMs?: number } | false;
  /** Reconnect backoff (the default retryStrategy). Defaults below. */
  reconnect?: Partial<ReconnectOptions> | false;
  /** Requests made while no server is available wait here. Default { limit: 1000 }; false refuses them at once. */
  offlineQueue?: { limit?: number } | false;
  /** node:tls options, or true for TLS with default certificate checks. */
  tls?: tls.ConnectionOptions | true;
  /** Events that break the catalogue: 'warn' (protocolWarning, still delivered), 'strict' (error), 'off'. */
  validation?: 'strict' | 'warn' | 'off';
  /** Largest frame accepted from a server. Default 1 MiB. */
  maxFrameBytes?: number;
  /** Bytes that may wait to be sent to a server; past it (a server that stopped reading) the session is lost (ERR_WRITE_BUFFER_FULL) and fails over. Default 8 MiB. */
  maxWriteBufferBytes?: number;
  /**
   * Bytes of a server's messages that may wait while they must (before its RequestRegisterClient
   * answer, during a ledger replay): each message counts its frame plus 128 for its object. Past
   * it the session is lost (ERR_HOLD_OVERFLOW) and fails over. Default 64 MiB.
   */
  maxHeldBytes?: number;
  /**
   * Which addresses a server names in EventRestoreConnection may be dialled (the configured primary
   * and backup always may): 'configured', 'any', { hosts: ['h', 'h:port'], ports? } or
   * (host, port) => boolean. Default 'configured' when `backup` is set, else 'any'. See docs/security.md.
   */
  learnedAddresses?: LearnedAddressPolicy;
  /** The older form of `learnedAddresses` (a list of 'host' or 'host:port', or a predicate); not with it. */
  allowedBackupHosts?: AllowedBackupHosts;
  /** Another encoding of the same model. Default: wire protocol v1. */
  codec?: Codec;
  /**
   * Resync (query location, registered DNs, known calls; then 'resynced') after a reconnect too, not
   * only after EventPrimaryChanged: calls may have moved while the client was away. Default true.
   */
  resyncOnReconnect?: boolean;
  /**
   * Most calls the state model (`conn.calls`) holds; past it the least recently seen unconfirmed
   * calls go first, with a protocolWarning. Default 10 000 (a desktop has a few, a router thousands).
   */
  maxCalls?: number;
  /**
   * User data bytes the state model keeps per call; past it a call view keeps the leading entries
   * that fit, with a protocolWarning. Default 64 KiB.
   */
  maxUserDataBytesPerCall?: number;
  /** User data bytes the state model keeps for all its calls together (same rule past it). Default 16 MiB. */
  maxUserDataBytes?: number;
  /** Requests on the wire at once; more wait in order, counted against offlineQueue.limit. Default 1 000. */
  maxInFlight?: number;
  /** Resync queries in flight at once when a resync starts (location, DNs, calls). Default 100. */
  resyncWindow?: number;
  /**
   * Most resync queries in flight at once: the window doubles after each window's worth of answers
   * in a row, up to this, and goes back to resyncWindow when a query gets no answer (an EventError
   * answer only stops it growing). Default 1 000 (at least resyncWindow); equal to resyncWindow for a
   * fixed window.
   */
  maxResyncWindow?: number;
  /**
   * Delay in ms before reconnect attempt `attempt + 1` after `attempt` failed with `error`, or null to
   * give up (the connection closes), as ioredis's option. Also paces redialling a server whose
   * sessions keep dying young. Default: `defaultRetryStrategy(reconnect)` (the `reconnect` backoff).
   * Not with `reconnect` (InvalidArgumentError naming both): one or the other says how to retry.
   */
  retryStrategy?: (attempt: number, error: Error) => number | null;
}

export interface ResolvedOptions {
  primary: Endpoint;
  backup: Endpoint | undefined;
  applicationName: string;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  addp: { timeoutMs: number; remoteTimeoutMs: number } | false;
  reconnect: ReconnectOptions | false;
  offlineQueueLimit: number | false;
  tls: tls.ConnectionOptions | true | undefined;
  validation: 'strict' | 'warn' | 'off';
  maxFrameBytes: number;
  maxWriteBufferBytes: number;
  maxHeldBytes: number;
  /** As given; AddressPolicy.from() validates and applies them. */
  learnedAddresses: LearnedAddressPolicy | undefined;
  allowedBackupHosts: AllowedBackupHosts | undefined;
  codec: Codec;
  resyncOnReconnect: boolean;
  maxCalls: number;
  maxUserDataBytesPerCall: number;
  maxUserDataBytes: number;
  maxInFlight: number;
  resyncWindow: number;
  maxResyncWindow: number;
  retryStrategy: (attempt: number, error: Error) => number | null;
}

/** What a held message costs beside its frame's bytes: its decoded object (counted against maxHeldBytes). */
export const HELD_MESSAGE_OVERHEAD = 128;

/** The defaults of every connection option, in one place (the README's options table and docs/security.md list them). */
export const DEFAULTS = {
  applicationName: 'tlib-client',
  requestTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  addp: { timeoutMs: 5_000, remoteTimeoutMs: 5_000 },
  reconnect: { retries: Infinity, minTimeoutMs: 250, maxTimeoutMs: 10_000, factor: 2, randomize: true },
  offlineQueueLimit: 1_000,
  validation: 'warn',
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxWriteBufferBytes: 8 * 1024 * 1024,
  /** Messages held before a registration answer or during a ledger replay, per hold (frame bytes + HELD_MESSAGE_OVERHEAD each). */
  maxHeldBytes: 64 * 1024 * 1024,
  learnedAddresses: LEARNED_ADDRESS_DEFAULTS,
  /** events() / MonitorBridge.messages(): values each iterator keeps behind its consumer, and what happens past it. */
  iteratorBuffer: DEFAULT_ITERATOR_BUFFER,
  resyncOnReconnect: true,
  /** State model bound: a desktop has a few calls, a routing service thousands (see docs/state-model.md). */
  maxCalls: DEFAULT_MAX_CALLS,
  /** State model bound on user data, per call and in all (see docs/state-model.md). */
  maxUserDataBytesPerCall: DEFAULT_MAX_USER_DATA_BYTES_PER_CALL,
  maxUserDataBytes: DEFAULT_MAX_USER_DATA_BYTES,
  maxInFlight: 1_000,
  resyncWindow: 100,
  /** The resync's window grows up to this while answers come back (see ledger/resync.ts ResyncWindow). */
  maxResyncWindow: 1_000,
  /** Entries each conn.status() iterator keeps while its consumer is behind (oldest dropped). */
  statusBufferLimit: 256,
} as const;

/** The `reconnect` backoff as a retryStrategy (p-retry's formula): min·factor^(attempt−1), ×[1, 2) if randomized, capped at max; null past `retries`. */
export function defaultRetryStrategy(r: ReconnectOptions | false): (attempt: number) => number | null {
  return (attempt) => {
    if (!r || attempt > r.retries) return null;
    const random = r.randomize ? Math.random() + 1 : 1;
    return Math.min(r.maxTimeoutMs, Math.round(random * Math.max(r.minTimeoutMs, 1) * r.factor ** (attempt - 1)));
  };
}

/**
 * Every option name, checked by the compiler against TServerConnectionOptions (add a field there,
 * add it here): an unknown key (`reconect`) is refused, naming the nearest valid one.
 */
const OPTION_KEYS = {
  primary: true,
  backup: true,
  applicationName: true,
  requestTimeoutMs: true,
  connectTimeoutMs: true,
  addp: true,
  reconnect: true,
  offlineQueue: true,
  tls: true,
  validation: true,
  maxFrameBytes: true,
  allowedBackupHosts: true,
  codec: true,
  resyncOnReconnect: true,
  maxWriteBufferBytes: true,
  maxHeldBytes: true,
  learnedAddresses: true,
  maxInFlight: true,
  resyncWindow: true,
  maxResyncWindow: true,
  retryStrategy: true,
  maxCalls: true,
  maxUserDataBytesPerCall: true,
  maxUserDataBytes: true,
} as const satisfies Record<keyof TServerConnectionOptions, true>;
const NESTED_KEYS: Record<string, readonly string[]> = {
  addp: ['timeoutMs', 'remoteTimeoutMs'] satisfies (keyof Exclude<TServerConnectionOptions['addp'], false | undefined>)[],
  reconnect: ['retries', 'minTimeoutMs', 'maxTimeoutMs', 'factor', 'randomize'] satisfies (keyof ReconnectOptions)[],
  offlineQueue: ['limit'] satisfies (keyof Exclude<TServerConnectionOptions['offlineQueue'], false | undefined>)[],
};

function refuseUnknownKeys(o: object, valid: readonly string[], prefix: string): void {
  for (const key of Object.keys(o)) {
    if (valid.includes(key)) continue;
    const near = nearestName(key, valid);
    const shown = key.length > 64 ? `${key.slice(0, 64)}… (${key.length} characters)` : key;
    throw new InvalidArgumentError(
      `unknown option ${prefix}${shown}${near ? `: did you mean ${prefix}${near}?` : ` (options: ${valid.join(', ')})`}`,
    );
  }
}

/** Unknown keys at the top level and inside addp, reconnect and offlineQueue. */
function checkOptionKeys(o: TServerConnectionOptions): void {
  refuseUnknownKeys(o, Object.keys(OPTION_KEYS), '');
  for (const [option, keys] of Object.entries(NESTED_KEYS)) {
    const value = (o as unknown as Record<string, unknown>)[option];
    if (value !== null && typeof value === 'object') refuseUnknownKeys(value, keys, `${option}.`);
    else if (value !== undefined && value !== false) {
      throw new InvalidArgumentError(`${option} must be an object or false, got ${showValue(value)}`);
    }
  }
}

/** Node timers overflow past 2^31−1 ms (and then fire at once): every delay option stays below. */
export const MAX_TIMER_MS = 0x7fffffff;

export function isTimerDelay(value: unknown): value is number {
  return typeof value === 'number' && value >= 1 && value <= MAX_TIMER_MS;
}

function timerDelay(value: unknown, what: string): number {
  if (!isTimerDelay(value))
    throw new InvalidArgumentError(`${what} must be a number of ms from 1 to ${MAX_TIMER_MS}, got ${showValue(value)}`);
  return value;
}

function positive(value: unknown, what: string): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`${what} must be a positive finite number, got ${showValue(value)}`);
  }
  return value;
}

function queueLimit(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`offlineQueue.limit must be a whole number ≥ 0, got ${showValue(value)}`);
  }
  return value;
}

function atLeastOne(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${what} must be a whole number ≥ 1, got ${showValue(value)}`);
  }
  return value;
}

function checkReconnect(r: ReconnectOptions): ReconnectOptions {
  if (typeof r.retries !== 'number' || !(r.retries >= 0) || (Number.isFinite(r.retries) && !Number.isInteger(r.retries))) {
    throw new InvalidArgumentError(`reconnect.retries must be a whole number ≥ 0 or Infinity, got ${showValue(r.retries)}`);
  }
  if (typeof r.minTimeoutMs !== 'number' || !(r.minTimeoutMs >= 0) || r.minTimeoutMs > MAX_TIMER_MS) {
    throw new InvalidArgumentError(`reconnect.minTimeoutMs must be from 0 to ${MAX_TIMER_MS} ms, got ${showValue(r.minTimeoutMs)}`);
  }
  if (typeof r.maxTimeoutMs !== 'number' || !(r.maxTimeoutMs >= r.minTimeoutMs) || r.maxTimeoutMs > MAX_TIMER_MS) {
    throw new InvalidArgumentError(
      `reconnect.maxTimeoutMs must be from minTimeoutMs to ${MAX_TIMER_MS} ms, got ${showValue(r.maxTimeoutMs)}`,
    );
  }
  if (typeof r.factor !== 'number' || !(r.factor >= 1) || !Number.isFinite(r.factor)) {
    throw new InvalidArgumentError(`reconnect.factor must be a finite number ≥ 1, got ${showValue(r.factor)}`);
  }
  if (typeof r.randomize !== 'boolean')
    throw new InvalidArgumentError(`reconnect.randomize must be a boolean, got ${showValue(r.randomize)}`);
  return r;
}

/**
 * `retryStrategy`, or the `reconnect` backoff as one. Both at once would leave one silently
 * ignored: refused, naming both.
 */
function retryStrategyOf(
  value: unknown,
  given: TServerConnectionOptions['reconnect'],
  reconnect: ReconnectOptions | false,
): ResolvedOptions['retryStrategy'] {
  if (value !== undefined && given !== undefined) {
    throw new InvalidArgumentError(
      given === false
        ? 'give reconnect: false or retryStrategy, not both (with reconnect: false nothing is retried; a retryStrategy that returns null gives up)'
        : 'give reconnect: { retries, minTimeoutMs, maxTimeoutMs, factor, randomize } or retryStrategy, not both (retryStrategy replaces the reconnect backoff)',
    );
  }
  if (value === undefined) return defaultRetryStrategy(reconnect);
  if (typeof value !== 'function')
    throw new InvalidArgumentError(`retryStrategy must be a function (attempt, error) => ms | null, got ${typeof value}`);
  return value as ResolvedOptions['retryStrategy'];
}

export function resolveOptions(o: TServerConnectionOptions): ResolvedOptions {
  if (!o || typeof o !== 'object') throw new InvalidArgumentError('options must be an object with at least { primary }');
  checkOptionKeys(o);
  const validation = o.validation ?? DEFAULTS.validation;
  if (!['strict', 'warn', 'off'].includes(validation)) {
    throw new InvalidArgumentError(`validation must be 'strict', 'warn' or 'off', got ${showValue(validation)}`);
  }
  const addp =
    o.addp === false
      ? false
      : {
          timeoutMs: timerDelay(o.addp?.timeoutMs ?? DEFAULTS.addp.timeoutMs, 'addp.timeoutMs'),
          remoteTimeoutMs: timerDelay(o.addp?.remoteTimeoutMs ?? DEFAULTS.addp.remoteTimeoutMs, 'addp.remoteTimeoutMs'),
        };
  const reconnect =
    o.reconnect === false
      ? false
      : checkReconnect({
          retries: o.reconnect?.retries ?? DEFAULTS.reconnect.retries,
          minTimeoutMs: o.reconnect?.minTimeoutMs ?? DEFAULTS.reconnect.minTimeoutMs,
          maxTimeoutMs: o.reconnect?.maxTimeoutMs ?? DEFAULTS.reconnect.maxTimeoutMs,
          factor: o.reconnect?.factor ?? DEFAULTS.reconnect.factor,
          randomize: o.reconnect?.randomize ?? DEFAULTS.reconnect.randomize,
        });
  const applicationName = o.applicationName ?? DEFAULTS.applicationName;
  if (typeof applicationName !== 'string' || applicationName.length === 0) {
    throw new InvalidArgumentError('applicationName must be a non-empty string');
  }
  const resyncWindow = atLeastOne(o.resyncWindow ?? DEFAULTS.resyncWindow, 'resyncWindow');
  const maxResyncWindow = atLeastOne(o.maxResyncWindow ?? Math.max(DEFAULTS.maxResyncWindow, resyncWindow), 'maxResyncWindow');
  if (maxResyncWindow < resyncWindow)
    throw new InvalidArgumentError(`maxResyncWindow (${maxResyncWindow}) must be at least resyncWindow (${resyncWindow})`);
  return {
    primary: parseEndpoint(o.primary, 'primary'),
    backup: o.backup === undefined ? undefined : parseEndpoint(o.backup, 'backup'),
    applicationName,
    requestTimeoutMs: timerDelay(o.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs, 'requestTimeoutMs'),
    connectTimeoutMs: timerDelay(o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs, 'connectTimeoutMs'),
    addp,
    reconnect,
    offlineQueueLimit: o.offlineQueue === false ? false : queueLimit(o.offlineQueue?.limit ?? DEFAULTS.offlineQueueLimit),
    tls: o.tls,
    validation,
    maxFrameBytes: positive(o.maxFrameBytes ?? DEFAULTS.maxFrameBytes, 'maxFrameBytes'),
    maxWriteBufferBytes: positive(o.maxWriteBufferBytes ?? DEFAULTS.maxWriteBufferBytes, 'maxWriteBufferBytes'),
    maxHeldBytes: positive(o.maxHeldBytes ?? DEFAULTS.maxHeldBytes, 'maxHeldBytes'),
    learnedAddresses: o.learnedAddresses,
    allowedBackupHosts: o.allowedBackupHosts,
    codec: o.codec ?? wireCodecV1,
    resyncOnReconnect: o.resyncOnReconnect ?? DEFAULTS.resyncOnReconnect,
    maxCalls: atLeastOne(o.maxCalls ?? DEFAULTS.maxCalls, 'maxCalls'),
    maxUserDataBytesPerCall: atLeastOne(o.maxUserDataBytesPerCall ?? DEFAULTS.maxUserDataBytesPerCall, 'maxUserDataBytesPerCall'),
    maxUserDataBytes: atLeastOne(o.maxUserDataBytes ?? DEFAULTS.maxUserDataBytes, 'maxUserDataBytes'),
    maxInFlight: atLeastOne(o.maxInFlight ?? DEFAULTS.maxInFlight, 'maxInFlight'),
    resyncWindow,
    maxResyncWindow,
    retryStrategy: retryStrategyOf(o.retryStrategy, o.reconnect, reconnect),
  };
}
