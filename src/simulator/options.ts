/**
 * Options of one simulated T-Server, with every default in one place (SIMULATOR_DEFAULTS).
 */
import type { TlsOptions } from 'node:tls';
import { DEFAULT_MAX_FRAME_BYTES } from '../codec/format.js';
import type { SharedState } from './state.js';

export type ServerRoleName = 'primary' | 'backup';

export interface SimulatorOptions {
  /** Interface to listen on. Default '127.0.0.1'. */
  host?: string;
  /** TCP port; 0 picks a free ephemeral port. Default 0. */
  port?: number;
  /** Name used in logs and as the default Location. Default 'tserver-sim'. */
  name?: string;
  /** CTI-link status at start. Default true. */
  linkUp?: boolean;
  /** Reported in EventServerInfo. Default 'tlib-sim 1.0'. */
  serverVersion?: string;
  /** When given, listen with `tls.createServer(tls)` instead of plain TCP. */
  tls?: TlsOptions;
  /** Largest frame accepted from a client (the length field's value). Default 1 MiB. */
  maxFrameBytes?: number;
  /** Which DNs exist. Default: any DN of 1–15 digits. Others are refused with EventError 40. */
  knownDN?: (dn: string) => boolean;
  /**
   * Role in a hot-standby pair. Default 'primary' (a lone server is its own primary).
   * Set by HotStandbyPair; a lone server has no use for 'backup'.
   */
  role?: ServerRoleName;
  /**
   * State shared with a pair partner (agents, calls, the EventSequenceNumber counter,
   * ServerStartTime). HotStandbyPair passes one object to both servers; a lone server makes its own.
   */
  shared?: SharedState;
}

/** Every default of SimulatorOptions. */
export const SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  name: 'tserver-sim',
  linkUp: true,
  serverVersion: 'tlib-sim 1.0',
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  role: 'primary' as ServerRoleName,
  knownDN: (dn: string): boolean => /^[0-9]{1,15}$/.test(dn),
} as const;

export type ResolvedSimulatorOptions = Required<Omit<SimulatorOptions, 'tls' | 'shared'>> &
  Pick<SimulatorOptions, 'tls' | 'shared'>;

export function resolveOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const out: ResolvedSimulatorOptions = {
    host: options.host ?? SIMULATOR_DEFAULTS.host,
    port: options.port ?? SIMULATOR_DEFAULTS.port,
    name: options.name ?? SIMULATOR_DEFAULTS.name,
    linkUp: options.linkUp ?? SIMULATOR_DEFAULTS.linkUp,
    serverVersion: options.serverVersion ?? SIMULATOR_DEFAULTS.serverVersion,
    maxFrameBytes: options.maxFrameBytes ?? SIMULATOR_DEFAULTS.maxFrameBytes,
    role: options.role ?? SIMULATOR_DEFAULTS.role,
    knownDN: options.knownDN ?? SIMULATOR_DEFAULTS.knownDN,
    tls: options.tls,
    shared: options.shared,
  };
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) {
    throw new RangeError(`port must be an integer 0–65535, got ${String(options.port)}`);
  }
  if (!Number.isInteger(out.maxFrameBytes) || out.maxFrameBytes < 8) {
    throw new RangeError(`maxFrameBytes must be an integer ≥ 8, got ${String(options.maxFrameBytes)}`);
  }
  return out;
}
