/**
 * Gateway options and every default, in one place (GATEWAY_DEFAULTS). docs/gateway.md and
 * docs/security.md list the same limits.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { TServerConnection } from '../connection/connection.js';
import { InvalidArgumentError } from '../errors.js';

/** Who a browser is, as `authenticate` decided. `id` keys the per-identity session limit and the logs. */
export interface GatewayIdentity {
  readonly id: string;
  readonly [key: string]: unknown;
}

/** What an identity may watch and act on. */
export interface GatewayGrant {
  /** DNs the browser sees (registered on the T-Server for it) and may send requests on (`ThisDN`). */
  readonly dns: readonly string[];
  /** Agent ids the browser may log in with (`AgentID`). None when absent. */
  readonly agentIds?: readonly string[];
}

/** Options of `createGateway(options)`; defaults in `GATEWAY_DEFAULTS`. */
export interface GatewayOptions {
  /** The T-Server connection (a hot-standby pair) every browser session shares. The application opens and closes it. */
  connection: TServerConnection;
  /** An http(s) server to attach to (its 'upgrade' events on `path`). Give this or `port`. */
  server?: Server;
  /** Port to listen on with a server of the gateway's own (0: a free one). Give this or `server`. */
  port?: number;
  /** Interface for `port`. Default '127.0.0.1'. */
  host?: string;
  /** URL path of the WebSocket. Default '/tlib'. */
  path?: string;
  /**
   * Who is this browser? Return an identity, or undefined (or throw) to refuse the upgrade with 401.
   * Read a token with `tokenFromRequest(request)`, or a cookie. Required: no authenticate, no gateway.
   */
  authenticate: (request: IncomingMessage) => GatewayIdentity | undefined | Promise<GatewayIdentity | undefined>;
  /** What may this identity watch and act on? Return undefined (or throw) to refuse with 403. Required. */
  authorize: (identity: GatewayIdentity) => GatewayGrant | undefined | Promise<GatewayGrant | undefined>;
  /** Allowed `Origin` headers (a list, or a predicate). Default: any. Set it when `authenticate` reads cookies. */
  origins?: readonly string[] | ((origin: string | undefined) => boolean);
  /** Largest message a browser may send (bytes). Default 64 KiB; past it ws closes with 1009. */
  maxMessageBytes?: number;
  /** Requests one session may have in flight; past it a request is refused with ERR_GATEWAY_BUSY. Default 16. */
  maxInFlightPerSession?: number;
  /** Sessions (connected or waiting to resume) per identity; past it the upgrade is refused with 429. Default 8. */
  maxSessionsPerIdentity?: number;
  /** Sessions in all (connected or waiting to resume); past it the upgrade is refused with 503. Default 2,000. */
  maxSessions?: number;
  /** Upgrades being authenticated at once; past it an upgrade is refused with 503 at once. Default 256. */
  maxPendingUpgrades?: number;
  /** DNs one grant may hold; a larger grant is refused with 403 at the upgrade. Default 256. */
  maxDnsPerSession?: number;
  /** Bytes waiting to be sent to one browser; past it the browser is dropped (close 4413). Default 256 KiB. */
  maxSendBufferBytes?: number;
  /** Messages kept per session for a browser that reconnects. Default 256. */
  resumeBufferMessages?: number;
  /** Bytes (UTF-16 code units of JSON) kept per session for a browser that reconnects. Default 64 KiB. */
  resumeBufferBytes?: number;
  /** How long a session waits for its browser to come back after the socket closes. Default 30,000 ms. */
  resumeWindowMs?: number;
  /** Time for `hello` after the upgrade; then close 4408. Default 10,000 ms. */
  helloTimeoutMs?: number;
  /**
   * How long a new session's snapshot waits for its DNs to be registered and their calls learnt
   * (a T-Server that is slow or reconnecting); then it is sent with what is known, and the rest
   * follows as changes. Default 5,000 ms.
   */
  readyTimeoutMs?: number;
  /** Time for `authenticate` and `authorize`; then 503. Default 5,000 ms. */
  authTimeoutMs?: number;
  /** Ping period; a browser that has not answered the previous ping is dropped. Default 30,000 ms; 0 turns it off. */
  heartbeatMs?: number;
  /** Longest `timeoutMs` a browser may ask for one request. Default 60,000 ms. */
  maxRequestTimeoutMs?: number;
  /** The `Server` field of events sent to browsers (the T-Server's address stays private). Default 'gateway'. */
  name?: string;
}

/** The defaults of the gateway's options, in one place (docs/security.md lists its bounds). */
export const GATEWAY_DEFAULTS = {
  host: '127.0.0.1',
  path: '/tlib',
  maxMessageBytes: 64 * 1024,
  maxInFlightPerSession: 16,
  maxSessionsPerIdentity: 8,
  maxSessions: 2_000,
  maxPendingUpgrades: 256,
  maxDnsPerSession: 256,
  maxSendBufferBytes: 256 * 1024,
  resumeBufferMessages: 256,
  resumeBufferBytes: 64 * 1024,
  resumeWindowMs: 30_000,
  helloTimeoutMs: 10_000,
  readyTimeoutMs: 5_000,
  authTimeoutMs: 5_000,
  heartbeatMs: 30_000,
  maxRequestTimeoutMs: 60_000,
  name: 'gateway',
} as const;

type Defaulted = keyof typeof GATEWAY_DEFAULTS;
/** The gateway's options with every default filled in. */
export type ResolvedGatewayOptions = Omit<GatewayOptions, Defaulted> & {
  readonly [K in Defaulted]: (typeof GATEWAY_DEFAULTS)[K] extends string ? string : number;
};

const POSITIVE = [
  'maxMessageBytes',
  'maxInFlightPerSession',
  'maxSessionsPerIdentity',
  'maxSessions',
  'maxPendingUpgrades',
  'maxDnsPerSession',
  'maxSendBufferBytes',
  'resumeBufferMessages',
  'resumeBufferBytes',
  'helloTimeoutMs',
  'readyTimeoutMs',
  'authTimeoutMs',
  'maxRequestTimeoutMs',
] as const;
/** The longest delay a Node timer takes (2^31 − 1 ms). */
const MAX_DELAY = 2_147_483_647;

export function resolveGatewayOptions(options: GatewayOptions): ResolvedGatewayOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('createGateway: options are required');
  if (typeof options.authenticate !== 'function') {
    throw new InvalidArgumentError('createGateway: authenticate(request) is required (nothing is open by default)');
  }
  if (typeof options.authorize !== 'function') {
    throw new InvalidArgumentError('createGateway: authorize(identity) is required (nothing is open by default)');
  }
  if (!options.connection || typeof options.connection.request !== 'function') {
    throw new InvalidArgumentError('createGateway: connection must be a TServerConnection');
  }
  if ((options.server === undefined) === (options.port === undefined)) {
    throw new InvalidArgumentError('createGateway: give either server or port');
  }
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535)) {
    throw new InvalidArgumentError(`createGateway: port must be an integer 0–65535, got ${String(options.port)}`);
  }
  const out: Record<string, unknown> = { ...GATEWAY_DEFAULTS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  for (const k of POSITIVE) {
    const v = out[k];
    if (!(Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= MAX_DELAY)) {
      throw new InvalidArgumentError(`createGateway: ${k} must be an integer from 1 to ${MAX_DELAY}, got ${String(v)}`);
    }
  }
  for (const k of ['resumeWindowMs', 'heartbeatMs'] as const) {
    const v = out[k];
    if (!(Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= MAX_DELAY)) {
      throw new InvalidArgumentError(`createGateway: ${k} must be an integer from 0 to ${MAX_DELAY}, got ${String(v)}`);
    }
  }
  if (typeof out.path !== 'string' || !out.path.startsWith('/')) {
    throw new InvalidArgumentError(`createGateway: path must start with '/', got ${String(out.path)}`);
  }
  const o = options.origins;
  if (o !== undefined && typeof o !== 'function' && !(Array.isArray(o) && o.every((x) => typeof x === 'string'))) {
    throw new InvalidArgumentError('createGateway: origins must be a list of origins or a predicate');
  }
  return out as ResolvedGatewayOptions;
}
