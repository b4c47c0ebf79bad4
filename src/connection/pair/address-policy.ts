/**
 * Which server-named addresses (EventRestoreConnection's BackupHost/BackupPort and
 * PrimaryHost/PrimaryPort) the client may dial. A server that names an address makes the client
 * connect there, register and replay the user's DNs, agent logins and subscriptions: trusting it
 * blindly hands the session to whoever can forge that message. Pure: no sockets, no state.
 *
 * - The configured `primary` and `backup` always pass.
 * - With `backup` configured the default is 'configured': nothing else passes.
 * - Without it the default is 'any': a well-formed learned address passes (so a pair can be found
 *   from the primary alone); set a list or a predicate to narrow it.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { Endpoint } from '../../transport/index.js';
import { endpointName, isValidHost, isValidPort } from '../../transport/endpoint.js';
import { showValue } from '../../util/show-value.js';

/**
 * `learnedAddresses` option: 'configured' (only the configured primary and backup), 'any' (any
 * well-formed host and port), `{ hosts, ports? }` (a host entry is 'host' or 'host:port'; a bare
 * host allows the listed `ports`, or any port when `ports` is absent), or a predicate.
 */
export type LearnedAddressPolicy =
  | 'configured'
  | 'any'
  | { hosts: readonly string[]; ports?: readonly number[] }
  | ((host: string, port: number) => boolean);

/** `learnedAddresses` when not given: only the configured endpoints once a backup is configured, else any well-formed address. */
export const LEARNED_ADDRESS_DEFAULTS = { withBackup: 'configured', withoutBackup: 'any' } as const;

/** The older option, kept: a list of 'host' or 'host:port' entries, or a predicate. */
export type AllowedBackupHosts = readonly string[] | ((host: string, port: number) => boolean);

export interface AddressPolicyInput {
  primary: Endpoint;
  backup: Endpoint | undefined;
  learnedAddresses?: LearnedAddressPolicy;
  allowedBackupHosts?: AllowedBackupHosts;
}

export type AddressVerdict =
  | { ok: true; endpoint: Endpoint }
  /** `problem` names the value and the rule; `thrown` is what a user predicate threw. */
  | { ok: false; problem: string; thrown?: unknown };

type Rule =
  | { kind: 'configured' }
  | { kind: 'any' }
  | { kind: 'list'; hosts: Map<string, Set<number> | 'anyPort'> }
  | { kind: 'predicate'; fn: (host: string, port: number) => boolean };

/** Hosts compare case-insensitively, without IPv6 brackets or a trailing dot. */
function hostKey(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return (bare.endsWith('.') ? bare.slice(0, -1) : bare).toLowerCase();
}

function parsePort(raw: unknown): unknown {
  return typeof raw === 'string' && /^\d{1,5}$/.test(raw) ? Number(raw) : raw;
}

export class AddressPolicy {
  /** The option's name, for messages: 'learnedAddresses' or 'allowedBackupHosts'. */
  readonly option: 'learnedAddresses' | 'allowedBackupHosts';
  private readonly rule: Rule;
  private readonly configured: Endpoint[];

  private constructor(rule: Rule, option: AddressPolicy['option'], configured: Endpoint[]) {
    this.rule = rule;
    this.option = option;
    this.configured = configured;
  }

  /** The policy of one resolved options object, built (and validated) once. */
  static of(options: AddressPolicyInput): AddressPolicy {
    let policy = built.get(options);
    if (!policy) built.set(options, (policy = AddressPolicy.from(options)));
    return policy;
  }

  /** Validates the options (InvalidArgumentError naming what is wrong) and builds the policy. */
  static from(input: AddressPolicyInput): AddressPolicy {
    const configured = [input.primary, ...(input.backup ? [input.backup] : [])];
    const { learnedAddresses: learned, allowedBackupHosts: allowed } = input;
    if (learned !== undefined && allowed !== undefined) {
      throw new InvalidArgumentError(
        'give learnedAddresses or allowedBackupHosts, not both (allowedBackupHosts is the older name of a list or predicate)',
      );
    }
    if (allowed !== undefined) {
      if (typeof allowed === 'function') return new AddressPolicy({ kind: 'predicate', fn: allowed }, 'allowedBackupHosts', configured);
      if (!Array.isArray(allowed))
        throw new InvalidArgumentError('allowedBackupHosts must be a list of host names (or host:port) or a function');
      return new AddressPolicy(listRule(allowed, undefined, 'allowedBackupHosts'), 'allowedBackupHosts', configured);
    }
    const policy = learned ?? (input.backup ? LEARNED_ADDRESS_DEFAULTS.withBackup : LEARNED_ADDRESS_DEFAULTS.withoutBackup);
    if (policy === 'configured' || policy === 'any') return new AddressPolicy({ kind: policy }, 'learnedAddresses', configured);
    if (typeof policy === 'function') return new AddressPolicy({ kind: 'predicate', fn: policy }, 'learnedAddresses', configured);
    if (policy && typeof policy === 'object' && Array.isArray((policy as { hosts?: unknown }).hosts)) {
      return new AddressPolicy(listRule(policy.hosts, policy.ports, 'learnedAddresses'), 'learnedAddresses', configured);
    }
    throw new InvalidArgumentError(
      `learnedAddresses must be 'configured', 'any', { hosts, ports? } or a function (host, port) => boolean, got ${String(policy)}`,
    );
  }

  /** Which rule applies, for docs and messages. */
  get kind(): Rule['kind'] {
    return this.rule.kind;
  }

  /**
   * Judges a host and port as a server sent them (any value: they come off the wire). A port may
   * be a number or a string of digits. Never throws: a throwing predicate is a refusal with `thrown`.
   */
  judge(rawHost: unknown, rawPort: unknown, hostField = 'host', portField = 'port'): AddressVerdict {
    const port = parsePort(rawPort);
    if (!isValidHost(rawHost)) return { ok: false, problem: `${hostField} ${showValue(rawHost)} is not a valid host` };
    if (!isValidPort(port)) return { ok: false, problem: `${portField} ${showValue(rawPort)} is not a valid port (1–65535)` };
    const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
    const endpoint: Endpoint = { host, port, name: endpointName(host, port) };
    const key = hostKey(host);
    // A configured endpoint named by a server is that endpoint (its TLS name included).
    const configured = this.configured.find((e) => e.port === port && hostKey(e.host) === key);
    if (configured) return { ok: true, endpoint: configured };
    const refused = (why: string): AddressVerdict => ({ ok: false, problem: `${hostField} ${endpoint.name} ${why}` });
    const rule = this.rule;
    switch (rule.kind) {
      case 'any':
        return { ok: true, endpoint };
      case 'configured':
        return refused(
          `is not a configured endpoint (learnedAddresses: 'configured'${this.configured.length > 1 ? ', the default when backup is set' : ''})`,
        );
      case 'list': {
        const ports = rule.hosts.get(key);
        if (ports === 'anyPort' || ports?.has(port)) return { ok: true, endpoint };
        return refused(`is not allowed by ${this.option}`);
      }
      case 'predicate': {
        try {
          if (rule.fn(host, port) === true) return { ok: true, endpoint };
        } catch (thrown) {
          return { ok: false, problem: `${hostField} ${endpoint.name} is not allowed: the ${this.option} function threw`, thrown };
        }
        return refused(`is not allowed by ${this.option}`);
      }
    }
  }
}

const built = new WeakMap<AddressPolicyInput, AddressPolicy>();

function listRule(hosts: readonly unknown[], ports: readonly unknown[] | undefined, option: string): Rule {
  if (ports !== undefined && (!Array.isArray(ports) || !ports.every(isValidPort))) {
    throw new InvalidArgumentError(`${option}.ports must be a list of ports 1–65535, got ${showValue(ports)}`);
  }
  const defaultPorts: Set<number> | 'anyPort' = ports ? new Set(ports as number[]) : 'anyPort';
  const map = new Map<string, Set<number> | 'anyPort'>();
  for (const entry of hosts) {
    const m = typeof entry === 'string' ? (/^\[([^\]]+)\]:(\d{1,5})$/.exec(entry) ?? /^([^:]+):(\d{1,5})$/.exec(entry)) : null;
    const host = m ? m[1] : entry;
    if (!isValidHost(host)) throw new InvalidArgumentError(`${option}: ${showValue(entry)} is not a host name, IP address or host:port`);
    const key = hostKey(host);
    const known = map.get(key);
    if (!m) {
      map.set(key, defaultPorts === 'anyPort' || known === 'anyPort' ? 'anyPort' : new Set([...(known ?? []), ...defaultPorts]));
      continue;
    }
    const port = Number(m[2]);
    if (!isValidPort(port)) throw new InvalidArgumentError(`${option}: ${showValue(entry)} has an invalid port (1–65535)`);
    if (known === 'anyPort') continue;
    map.set(key, new Set([...(known ?? []), port]));
  }
  return { kind: 'list', hosts: map };
}
