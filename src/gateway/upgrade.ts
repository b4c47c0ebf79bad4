/**
 * The HTTP side of a browser's arrival: where its token is, what a refusal looks like on the wire,
 * and the checks of what `authenticate` and `authorize` returned. A refused upgrade gets an HTTP
 * status and its socket is destroyed: it never becomes a WebSocket and never hears of a call.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GATEWAY_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from './protocol.js';
import type { GatewayGrant, GatewayIdentity } from './options.js';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** Answers the upgrade with an HTTP status and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, detail: string): void {
  if (socket.destroyed) return;
  const body = `${detail}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // A client that does not read the answer must not hold the socket.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** The subprotocols the client offered (Sec-WebSocket-Protocol), in order. */
export function offeredProtocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

export function offersGatewayProtocol(request: IncomingMessage): boolean {
  return offeredProtocols(request).includes(GATEWAY_SUBPROTOCOL);
}

/**
 * The bearer token a client sent: the `tlib-token.<base64url>` subprotocol GatewayConnection uses,
 * or an `Authorization: Bearer …` header (Node clients). undefined when there is none.
 */
export function tokenFromRequest(request: IncomingMessage): string | undefined {
  for (const p of offeredProtocols(request)) {
    if (p.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) {
      const token = Buffer.from(p.slice(TOKEN_SUBPROTOCOL_PREFIX.length), 'base64url').toString('utf8');
      return token.length > 0 ? token : undefined;
    }
  }
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+\S/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return undefined;
}

/** What authenticate returned, if it is an identity. */
export function checkIdentity(value: unknown): GatewayIdentity | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 && id.length <= 256 ? (value as GatewayIdentity) : undefined;
}

/** What authorize returned, as lists; a string naming the problem when it is not a usable grant. */
export function checkGrant(value: unknown, maxDns: number): { dns: string[]; agentIds: string[] } | string {
  if (typeof value !== 'object' || value === null) return 'authorize returned no grant';
  const g = value as GatewayGrant;
  const isList = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 64);
  if (!isList(g.dns)) return 'grant.dns must be a list of DNs (1–64 characters each)';
  if (g.agentIds !== undefined && !isList(g.agentIds)) return 'grant.agentIds must be a list of agent ids';
  const dns = [...new Set(g.dns)];
  if (dns.length > maxDns) return `grant of ${dns.length} DNs is over maxDnsPerSession (${maxDns})`;
  return { dns, agentIds: [...new Set(g.agentIds ?? [])] };
}

/** Whether the Origin header passes the `origins` option (absent option: any origin). */
export function originAllowed(
  request: IncomingMessage,
  origins: readonly string[] | ((origin: string | undefined) => boolean) | undefined,
) {
  if (origins === undefined) return true;
  const origin = request.headers.origin;
  if (typeof origins === 'function') return origins(origin) === true;
  return origin !== undefined && origins.includes(origin);
}

/** What withTimeout rejects with when the time is up (told apart from the promise's own failure). */
export class TookTooLong extends Error {}

/** Resolves with `promise`'s value, or rejects with TookTooLong after `ms` (the timer is cleared either way). */
export function withTimeout<T>(promise: T | Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve(promise),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TookTooLong(`${what} took more than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
