/**
 * What the switch knows, independent of any client connection: agents, calls, DN settings (DND,
 * forwarding, monitoring), routing points and queues, predictive-call outcomes, their timers, and
 * the counters. A hot-standby pair shares one SharedState, which is how the backup is
 * "synchronized": a server that takes over already knows every agent and call, continues the one
 * EventSequenceNumber counter, and the switch's timers (route timeouts, treatments, wrap-up,
 * no-answer forwarding, dial outcomes, digit collection) keep running while a primary is dead —
 * their events go out through whichever server is primary when they fire (none while no primary runs).
 */
import { randomUUID } from 'node:crypto';
import type { TimeValue } from '../protocol/attributes.js';
import type { EventName } from '../protocol/messages.js';
import { nowTime } from '../protocol/values.js';
import { type Clock, systemClock } from '../util/clock.js';
import type {
  AgentState,
  DialOutcome,
  EventAttributes,
  Forwarding,
  Requester,
  RoutingPointConfig,
  SentEventRecord,
  SimCall,
} from './records.js';

export type {
  AgentState,
  AgentStatusValue,
  CallState,
  Forwarding,
  Party,
  PartyState,
  RoutingPointConfig,
  SentEventRecord,
  SimCall,
} from './records.js';

/** Where the call model's events go: the primary server (TServerSimulator), or nowhere. */
export interface SwitchContext {
  readonly shared: SharedState;
  /**
   * One event about `dn`, with one EventSequenceNumber, to every client registered on `dn` (input
   * masks apply). With `req`: when `related` is false the requester gets it as the answer (with its
   * ReferenceID, whatever its registrations and mask); when true it is another event of that
   * request, which the requester gets only if registered on `dn` (with the ReferenceID when
   * `req.tagRelated`).
   */
  toDN(dn: string, event: EventName, attrs: EventAttributes, req?: Requester, related?: boolean): void;
}

/** A server sharing this state: SharedState picks the running primary to send timed events. */
export interface AttachedServer extends SwitchContext {
  readonly role: 'primary' | 'backup';
  readonly isRunning: boolean;
}

/** The switch's settings (SWITCH_DEFAULTS has each default); shared by both servers of a pair. */
export interface SwitchSettings {
  /** Route timeout of routing points not given their own (ms). Default 10,000. */
  routeTimeoutMs: number;
  /** How long a treatment plays when its TreatmentParms give no Duration (ms). Default 5,000. */
  treatmentDurationMs: number;
  /** Calls the switch holds at most; a new one beyond is refused (EventError 42, or placeCall throws). Default 100,000. */
  maxCalls: number;
  /** After-call work (s) of agents whose login gave no `Extensions` WrapUpTime. Default 0: none. */
  wrapUpSec: number;
  /** No-answer time (ms) of forwarding modes 3 and 4 set without `Extensions` NoAnswerTimeout. Default 10,000. */
  noAnswerMs: number;
  /** Ring time (ms) of a predictive call whose request gives no Timeout. Default 30,000. */
  dialTimeoutMs: number;
  /** How long RequestCollectDigits waits when it gives no Timeout (ms). Default 10,000. */
  digitsTimeoutMs: number;
}

/** The default of every SwitchSettings. */
export const SWITCH_DEFAULTS: SwitchSettings = {
  routeTimeoutMs: 10_000,
  treatmentDurationMs: 5_000,
  maxCalls: 100_000,
  wrapUpSec: 0,
  noAnswerMs: 10_000,
  dialTimeoutMs: 30_000,
  digitsTimeoutMs: 10_000,
};

/** How many ConnIDs' RequestRouteCall counts SharedState keeps (memory bound for long runs). */
export const ROUTE_COUNT_LIMIT = 100_000;

/** How many dialled numbers may have an outcome set (memory bound); setting one more throws. */
export const DIAL_OUTCOME_LIMIT = 100_000;

/**
 * The switch both servers of a pair share (see the module comment); a lone server makes its own.
 * Tests read it (agents, calls, settings); the call model changes it.
 */
export class SharedState {
  readonly agents = new Map<string, AgentState>();
  readonly calls = new Map<string, SimCall>();
  readonly dnd = new Set<string>();
  readonly forwarding = new Map<string, Forwarding>();
  /** Supervisor monitoring per agent DN (MonitorNextCall). */
  readonly monitors = new Map<string, { supervisor: string; allCalls: boolean }>();
  readonly routingPoints = new Map<string, RoutingPointConfig>();
  readonly queues = new Set<string>();
  /** Outcome of a predictive call per number dialled (at most DIAL_OUTCOME_LIMIT); others: a person answers at once. */
  readonly dialOutcomes = new Map<string, DialOutcome>();
  /** Where routing points declared without a default destination send an unrouted call; none = released. */
  defaultRouteDestination: string | undefined;
  readonly settings: SwitchSettings;
  /** Carried by every event either server sends. */
  readonly serverStartTime: TimeValue = nowTime();
  private seq = 0;
  private connIdCounter = 0;
  private callIdCounter = 0;
  private subscriptionCounter = 0;
  /** High 32 bits of every ConnID: the start time, so ConnIDs differ between runs. */
  private readonly connIdPrefix = (this.serverStartTime.seconds >>> 0).toString(16).padStart(8, '0');
  private readonly recent: SentEventRecord[] = [];
  private readonly routeCalls = new Map<string, number>();
  private readonly timers = new Map<string, unknown>();
  /** The switch's time and timers (a test may pass a clock it moves by hand). */
  readonly clock: Clock;
  private readonly servers = new Set<AttachedServer>();

  /**
   * @param repeatLimit how many call/agent events to remember for repeatOnPromotion (0 = none).
   */
  constructor(
    readonly repeatLimit = 0,
    settings: Partial<SwitchSettings> = {},
    more: { defaultRouteDestination?: string; clock?: Clock } = {},
  ) {
    this.defaultRouteDestination = more.defaultRouteDestination;
    this.clock = more.clock ?? systemClock;
    this.settings = { ...SWITCH_DEFAULTS, ...definedOnly(settings) };
    for (const [k, v] of Object.entries(this.settings)) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${k} must be an integer ≥ 0, got ${String(v)}`);
    }
  }

  /** The next EventSequenceNumber (1, 2, 3, …; shared by both servers of a pair). @internal */
  nextSequence(): number {
    this.seq = this.seq >= 0x7fffffff ? 1 : this.seq + 1;
    return this.seq;
  }

  get lastSequence(): number {
    return this.seq;
  }

  /** A new ConnID: 16 lowercase hex digits, unique within this state. @internal */
  nextConnId(): string {
    this.connIdCounter = (this.connIdCounter + 1) >>> 0;
    return this.connIdPrefix + this.connIdCounter.toString(16).padStart(8, '0');
  }

  /** @internal The next CallID. */
  nextCallId(): number {
    this.callIdCounter = this.callIdCounter >= 0x7fffffff ? 1 : this.callIdCounter + 1;
    return this.callIdCounter;
  }

  /** @internal A new CallUUID. */
  newCallUuid(): string {
    return randomUUID();
  }

  /** @internal The next transaction-monitoring SubscriptionID. */
  nextSubscriptionId(): number {
    this.subscriptionCounter += 1;
    return this.subscriptionCounter;
  }

  /** Every call `dn` is a party of, oldest first. */
  callsOnDN(dn: string): SimCall[] {
    return [...this.calls.values()].filter((c) => c.parties.some((p) => p.dn === dn));
  }

  /** The agent logged in with `agentId`, on whichever DN. */
  agentById(agentId: string): AgentState | undefined {
    for (const agent of this.agents.values()) if (agent.agentId === agentId) return agent;
    return undefined;
  }

  /** Sets (or with undefined clears) the outcome of predictive calls to `number`. */
  setDialOutcome(number: string, outcome: DialOutcome | undefined): void {
    if (outcome === undefined) {
      this.dialOutcomes.delete(number);
      return;
    }
    if (!this.dialOutcomes.has(number) && this.dialOutcomes.size >= DIAL_OUTCOME_LIMIT) {
      throw new RangeError(`at most ${DIAL_OUTCOME_LIMIT} numbers may have a dial outcome (clear some first)`);
    }
    this.dialOutcomes.set(number, outcome);
  }

  // ------------------------------------------------------------ routing accounting

  /**
   * Counts one RequestRouteCall received by a primary for `connId` (accepted or refused). The
   * counts of the last ROUTE_COUNT_LIMIT ConnIDs are kept; older ones are dropped first.
   * @internal
   */
  countRouteCall(connId: string): void {
    const n = this.routeCalls.get(connId) ?? 0;
    this.routeCalls.delete(connId); // re-insert: most recently counted last
    this.routeCalls.set(connId, n + 1);
    if (this.routeCalls.size > ROUTE_COUNT_LIMIT) this.routeCalls.delete(this.routeCalls.keys().next().value!);
  }

  /** How many RequestRouteCall a primary received for `connId` (accepted or refused). */
  routeCallCount(connId: string): number {
    return this.routeCalls.get(connId) ?? 0;
  }

  /** RequestRouteCall received per ConnID, for "routed exactly once" checks. */
  routeCallCounts(): ReadonlyMap<string, number> {
    return new Map(this.routeCalls);
  }

  // ------------------------------------------------------------ timers and servers

  /** Starts (replacing any with the same key) a switch timer; it runs whatever the servers do. @internal */
  setTimer(key: string, ms: number, fire: (ctx: SwitchContext) => void): void {
    this.clearTimer(key);
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(key);
      fire(this.context());
    }, ms);
    // The switch's timers never keep a process alive by themselves.
    (timer as { unref?: () => void } | undefined)?.unref?.();
    this.timers.set(key, timer);
  }

  /** @internal Stops the switch timer `key`, if it runs. */
  clearTimer(key: string): void {
    if (!this.timers.has(key)) return;
    this.clock.clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  /** The switch's time in ms (its clock's). */
  now(): number {
    return this.clock.now();
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Clears every switch timer (on stop). */
  clearTimers(): void {
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer);
    this.timers.clear();
  }

  /** @internal A server using this state. */
  attach(server: AttachedServer): void {
    this.servers.add(server);
  }

  /**
   * Where switch-side events go now: the running primary, or nowhere (state still changes, the
   * events are lost as with a dead primary).
   * @internal
   */
  context(): SwitchContext {
    for (const s of this.servers) if (s.role === 'primary' && s.isRunning) return s;
    return this.silent;
  }

  /** A context that changes state and sends nothing. @internal */
  readonly silent: SwitchContext = { shared: this, toDN: () => {} };

  // ------------------------------------------------------------ repeatOnPromotion

  /** @internal Keeps an event a primary sent, for repeatOnPromotion. */
  remember(record: SentEventRecord): void {
    if (this.repeatLimit <= 0) return;
    this.recent.push(record);
    if (this.recent.length > this.repeatLimit) this.recent.splice(0, this.recent.length - this.repeatLimit);
  }

  /** The last `n` call/agent events `sender` sent, oldest first. @internal */
  lastSentBy(sender: string, n: number): SentEventRecord[] {
    if (n <= 0) return [];
    return this.recent.filter((r) => r.sender === sender).slice(-n);
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
