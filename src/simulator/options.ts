/**
 * Options of one simulated T-Server, with every default in one place (SIMULATOR_DEFAULTS).
 */
import type { TlsOptions } from 'node:tls';
import type { Clock } from '../util/clock.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../codec/format.js';
import type { EventAttributes } from './records.js';
import { SWITCH_DEFAULTS, type SharedState, type SwitchSettings } from './state.js';

/** A server's role in a pair. */
export type ServerRoleName = 'primary' | 'backup';

/**
 * What a lone TServerSimulator and a HotStandbyPair take alike: how each server speaks, and the
 * switch's settings. SIMULATOR_DEFAULTS has every default.
 */
export interface SwitchOptions {
  /** Reported in EventServerInfo. Default 'tlib-sim 1.0'. */
  serverVersion?: string;
  /** When given, listen with `tls.createServer(tls)` instead of plain TCP. */
  tls?: TlsOptions;
  /** Largest frame accepted from a client (the length field's value). Default 1 MiB. */
  maxFrameBytes?: number;
  /** Which DNs exist. Default: any DN of 1–15 digits. Others are refused with EventError 40. */
  knownDN?: (dn: string) => boolean;
  /**
   * Whether the other events of a 1.1 request (EventHeld before InitiateTransfer's EventDialing, …)
   * carry the request's ReferenceID to the requester, as the wire spec allows ("may carry"). A
   * client must settle only on the answering event either way. 1.0 requests never do. Default true.
   */
  referenceIdOnRelatedEvents?: boolean;
  /** Route timeout of routing points declared without one (ms). Default 10,000. */
  routeTimeoutMs?: number;
  /** How long a treatment plays when TreatmentParms give no Duration (ms). Default 5,000. */
  treatmentDurationMs?: number;
  /** Calls the switch holds at most (memory bound); a new call beyond is refused. Default 100,000. */
  maxCalls?: number;
  /** After-call work (s) of agents whose login gives no `Extensions` WrapUpTime. Default 0: none. */
  wrapUpSec?: number;
  /** No-answer time (ms) of forwarding on no answer set without `Extensions` NoAnswerTimeout. Default 10,000. */
  noAnswerMs?: number;
  /** Ring time (ms) of a predictive call whose request gives no Timeout. Default 30,000. */
  dialTimeoutMs?: number;
  /** How long RequestCollectDigits waits when it gives no Timeout (ms). Default 10,000. */
  digitsTimeoutMs?: number;
  /**
   * Where routing points without a default destination of their own (also those a client declares
   * by registering with AddressType 4) send a call nobody routes in time, or routed without OtherDN.
   * Default none: such a call is released at the route timeout.
   */
  defaultRouteDestination?: string;
  /**
   * The switch's time and timers (route timeouts, treatments, wrap-up, no-answer forwarding, dial
   * outcomes, digit collection) and the servers' ADDP. A test passes a clock it moves by hand.
   * Default: the system clock.
   */
  clock?: Clock;
  /**
   * Routing points (AddressType 4) at start: a DN, or `{ dn, timeoutMs, defaultDestination }`.
   * A client registering a DN with AddressType 4 also declares it. Default none.
   */
  routingPoints?: ReadonlyArray<string | RoutingPointSpec>;
  /** ACD queues (AddressType 3) at start. Registering with AddressType 3, or AgentLogin ThisQueue, also declares one. Default none. */
  queues?: readonly string[];
}

/** Options of one TServerSimulator; SIMULATOR_DEFAULTS has every default. */
export interface SimulatorOptions extends SwitchOptions {
  /** Interface to listen on. Default '127.0.0.1'. */
  host?: string;
  /** TCP port; 0 picks a free ephemeral port. Default 0. */
  port?: number;
  /** Name used in logs and as the default Location. Default 'tserver-sim'. */
  name?: string;
  /** CTI-link status at start. Default true. */
  linkUp?: boolean;
  /**
   * Role in a hot-standby pair. Default 'primary' (a lone server is its own primary).
   * Set by HotStandbyPair; a lone server has no use for 'backup'.
   */
  role?: ServerRoleName;
  /**
   * State shared with a pair partner (agents, calls, the EventSequenceNumber counter,
   * ServerStartTime). HotStandbyPair passes one object to both servers; a lone server makes its own.
   * With it, the switch's settings (routeTimeoutMs to digitsTimeoutMs, defaultRouteDestination,
   * clock) are the shared state's: those given here are ignored.
   */
  shared?: SharedState;
}

/** A routing point declared by the options, with its route timeout and default destination. */
export interface RoutingPointSpec {
  dn: string;
  /** Route timeout (ms). Default: routeTimeoutMs. */
  timeoutMs?: number;
  /** Where an unrouted call goes at the timeout; none = it is released. */
  defaultDestination?: string;
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
  /** Any DN of 1–15 digits. */
  knownDN: (dn: string): boolean => /^[0-9]{1,15}$/.test(dn),
  referenceIdOnRelatedEvents: true,
  routeTimeoutMs: SWITCH_DEFAULTS.routeTimeoutMs,
  treatmentDurationMs: SWITCH_DEFAULTS.treatmentDurationMs,
  maxCalls: SWITCH_DEFAULTS.maxCalls,
  wrapUpSec: SWITCH_DEFAULTS.wrapUpSec,
  noAnswerMs: SWITCH_DEFAULTS.noAnswerMs,
  dialTimeoutMs: SWITCH_DEFAULTS.dialTimeoutMs,
  digitsTimeoutMs: SWITCH_DEFAULTS.digitsTimeoutMs,
  routingPoints: [] as ReadonlyArray<string | RoutingPointSpec>,
  queues: [] as readonly string[],
} as const;

type OptionalOptions = 'tls' | 'shared' | 'defaultRouteDestination' | 'clock';
export type ResolvedSimulatorOptions = Required<Omit<SimulatorOptions, OptionalOptions>> & Pick<SimulatorOptions, OptionalOptions>;

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
    referenceIdOnRelatedEvents: options.referenceIdOnRelatedEvents ?? SIMULATOR_DEFAULTS.referenceIdOnRelatedEvents,
    routeTimeoutMs: options.routeTimeoutMs ?? SIMULATOR_DEFAULTS.routeTimeoutMs,
    treatmentDurationMs: options.treatmentDurationMs ?? SIMULATOR_DEFAULTS.treatmentDurationMs,
    maxCalls: options.maxCalls ?? SIMULATOR_DEFAULTS.maxCalls,
    wrapUpSec: options.wrapUpSec ?? SIMULATOR_DEFAULTS.wrapUpSec,
    noAnswerMs: options.noAnswerMs ?? SIMULATOR_DEFAULTS.noAnswerMs,
    dialTimeoutMs: options.dialTimeoutMs ?? SIMULATOR_DEFAULTS.dialTimeoutMs,
    digitsTimeoutMs: options.digitsTimeoutMs ?? SIMULATOR_DEFAULTS.digitsTimeoutMs,
    defaultRouteDestination: options.defaultRouteDestination,
    clock: options.clock,
    routingPoints: options.routingPoints ?? SIMULATOR_DEFAULTS.routingPoints,
    queues: options.queues ?? SIMULATOR_DEFAULTS.queues,
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

/** The switch's settings among a server's (or a pair's) options; SharedState fills in the defaults. */
export function switchSettingsOf(o: Partial<Record<keyof SwitchSettings, number>>): Partial<SwitchSettings> {
  return {
    routeTimeoutMs: o.routeTimeoutMs,
    treatmentDurationMs: o.treatmentDurationMs,
    maxCalls: o.maxCalls,
    wrapUpSec: o.wrapUpSec,
    noAnswerMs: o.noAnswerMs,
    dialTimeoutMs: o.dialTimeoutMs,
    digitsTimeoutMs: o.digitsTimeoutMs,
  };
}

/**
 * EventRestoreConnection's attributes from a server in `role` about its partner at `partner`: a
 * primary names its backup (ServerRole 0), a backup its primary (ServerRole 1).
 */
export function restoreConnection(role: ServerRoleName, partner: { host: string; port: number }): EventAttributes {
  return role === 'primary'
    ? {
        ServerRole: 0,
        UserData: [
          ['BackupHost', partner.host],
          ['BackupPort', partner.port],
        ],
      }
    : {
        ServerRole: 1,
        UserData: [
          ['PrimaryHost', partner.host],
          ['PrimaryPort', partner.port],
        ],
      };
}
