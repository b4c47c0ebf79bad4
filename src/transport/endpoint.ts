/**
 * Endpoints: 'host:port', '[::1]:port' or { host, port, name?, servername? } parsed and checked
 * (an IP literal or a syntactically valid DNS name, a port 1–65535), and the name an endpoint goes
 * by in events and state. Used for the configured endpoints and for addresses a server names.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors.js';
import { showValue } from '../util/show-value.js';
import type { Endpoint } from './transport.js';

export type { Endpoint };

/** `servername`: the name the server's TLS certificate must be valid for (default: the `tls` option's, else the host). */
export type EndpointInput = string | { host: string; port: number; name?: string; servername?: string };

// Labels of 1–63 characters (RFC 1035), 253 in all.
const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** True for an IP address literal or a syntactically valid DNS name. */
export function isValidHost(host: unknown): host is string {
  if (typeof host !== 'string' || host.length === 0) return false;
  // Brackets only around an IPv6 literal ('[::1]'), as in a URL.
  if (host.startsWith('[') && host.endsWith(']')) return isIP(host.slice(1, -1)) === 6;
  return isIP(host) !== 0 || HOSTNAME_RE.test(host);
}

export function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** 'host:port', with an IPv6 literal in brackets: how endpoints are named in events and state. */
export function endpointName(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses 'host:port', '[::1]:port' or { host, port, name }. Throws InvalidArgumentError naming what is wrong. */
export function parseEndpoint(input: EndpointInput, what: string): Endpoint {
  let host: unknown;
  let port: unknown;
  let name: unknown;
  let servername: unknown;
  if (typeof input === 'string') {
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(input) ?? /^([^:]+):(\d+)$/.exec(input);
    if (!m) throw new InvalidArgumentError(`${what} must be 'host:port' or { host, port }, got ${showValue(input)}`);
    host = m[1];
    port = Number(m[2]);
  } else if (input && typeof input === 'object') {
    host = input.host;
    port = input.port;
    name = input.name;
    servername = input.servername;
  } else {
    throw new InvalidArgumentError(`${what} must be 'host:port' or { host, port }, got ${showValue(input)}`);
  }
  if (!isValidHost(host)) throw new InvalidArgumentError(`${what}: invalid host ${showValue(host)}`);
  if (!isValidPort(port)) throw new InvalidArgumentError(`${what}: invalid port ${showValue(port)} (1–65535)`);
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw new InvalidArgumentError(`${what}: name must be a non-empty string, got ${showValue(name)}`);
  }
  if (servername !== undefined && (typeof servername !== 'string' || servername === '')) {
    throw new InvalidArgumentError(`${what}: servername must be a non-empty string, got ${showValue(servername)}`);
  }
  const h = host.startsWith('[') ? host.slice(1, -1) : host;
  const endpoint: Endpoint = { host: h, port, name: name ?? endpointName(h, port), configured: true };
  if (servername !== undefined) endpoint.servername = servername;
  return endpoint;
}
