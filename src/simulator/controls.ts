/**
 * Switch-side controls for tests, demos and `tlib sim`: what happens on the switch without a
 * client asking (a call from outside, a party answering, a caller hanging up, a supervisor making
 * an agent NotReady), and read-only listings for `status`. TServerSimulator and HotStandbyPair
 * expose these as methods; a pair sends the events through its current primary.
 *
 * `silent: true` changes the switch's state and sends nothing, as when the primary that should
 * have told the clients is dead: what a resync must then find out.
 */
import { AgentStatus, type KVList } from '../protocol/attributes.js';
import { AFTER_CALL_WORK, MAX_WRAP_UP_SEC } from './agent-handlers.js';
import { answerParty } from './answering.js';
import { agentsFree, arrive, cancelWrapUp, distribute } from './arrival.js';
import { DEFAULT_PLACED_CALL_TYPE, createCall, forget, partyOf, send } from './calls.js';
import { endCall, leave } from './departure.js';
import { enterDigits } from './digits.js';
import { type AgentStateName, type AgentSummary, type CallSummary, listAgents, listCalls } from './listings.js';
import type { RoutingPointSpec } from './options.js';
import { type DialOutcomeSpec, dialOutcomeOf } from './predictive.js';
import type { AgentState, SimCall } from './records.js';
import type { SharedState, SwitchContext } from './state.js';

export type { AgentStateName, AgentSummary, CallSummary } from './listings.js';
export type { DialOutcomeSpec } from './predictive.js';

/** Options of placeCall(). */
export interface PlaceCallOptions {
  /** The outside caller: OtherDN of the events and ANI unless `ani` is given. Default: anonymous. */
  from?: string;
  /** ANI of the call. Default `from`. */
  ani?: string;
  /** DNIS of the call. Default: the DN called. */
  dnis?: string;
  userData?: KVList;
  /** CallType (wire spec values). Default 2 (inbound). */
  callType?: number;
  /** MediaType (wire spec 1.2 values: 0 voice, 2 e-mail, 5 chat, …). Default: none, which is voice. */
  mediaType?: number;
  /** Change the state only, send nothing (see the module comment). Default false. */
  silent?: boolean;
}

/** Options every switch-side control takes. */
export interface SwitchSideOptions {
  /** Change the state only, send nothing (see the module comment). Default false. */
  silent?: boolean;
}

/** Options of setAgentState(). */
export interface SetAgentStateOptions extends SwitchSideOptions {
  /** AgentWorkMode to record and report (default: 3 for 'afterCallWork', else unchanged). */
  workMode?: number;
  reasons?: KVList;
}

/** Options of loginAgent(). */
export interface LoginAgentOptions extends SwitchSideOptions {
  /** ACD queue to log in on (declared as a queue if it was not). */
  queue?: string;
  place?: string;
  /** Ready at once (EventAgentReady after EventAgentLogin). Default false. */
  ready?: boolean;
  /** Wrap-up time (s) after each call the agent answers, as `Extensions` WrapUpTime on a login. Default: the switch's. */
  wrapUpSec?: number;
}

/** Options of addRoutingPoint(). */
export interface RoutingPointOptions {
  /** Route timeout (ms). Default: the switch's routeTimeoutMs (10,000). */
  timeoutMs?: number;
  /** Where an unrouted call goes when the timeout expires; none = it is released. */
  defaultDestination?: string;
}

/** @internal The controls SwitchFacade exposes, on one shared switch. */
export class SwitchControls {
  constructor(
    private readonly shared: SharedState,
    /** The context events go to; throws when this owner cannot act (a lone backup). */
    private readonly target: (what: string) => SwitchContext,
    private readonly isKnownDN: (dn: string) => boolean,
  ) {}

  private ctx(what: string, silent: boolean | undefined): SwitchContext {
    const ctx = this.target(what);
    return silent ? this.shared.silent : ctx;
  }

  private call(connId: string): SimCall {
    const call = this.shared.calls.get(connId);
    if (!call) throw new Error(`no call ${connId}`);
    return call;
  }

  /**
   * A call from outside to a DN (EventRinging; forwarding applies), a routing point
   * (EventRouteRequest, then the route timeout) or an ACD queue (EventQueued, then distribution).
   * Returns its ConnID. Throws for an unknown DN or a DN on DND (the call is refused: busy).
   */
  placeCall(to: string, options: PlaceCallOptions = {}): string {
    const ctx = this.ctx('placeCall', options.silent);
    if (!this.isKnownDN(to)) throw new Error(`unknown DN ${to}`);
    const call = createCall(this.shared, {
      from: options.from,
      external: options.from ?? '',
      to,
      callType: options.callType ?? DEFAULT_PLACED_CALL_TYPE,
      ani: options.ani ?? options.from,
      dnis: options.dnis ?? to,
      userData: options.userData,
      mediaType: options.mediaType,
    });
    const arrival = arrive(ctx, call, to);
    if (arrival.kind === 'busy') {
      forget(ctx, call);
      throw new Error(`DN ${arrival.dn} is on do-not-disturb: the call to ${to} is refused (busy)`);
    }
    return call.connId;
  }

  /** `dn` (default: the party ringing) answers: EventEstablished there and to a dialing caller. */
  answerCall(connId: string, dn?: string, options: SwitchSideOptions = {}): void {
    const ctx = this.ctx('answerCall', options.silent);
    const call = this.call(connId);
    const party = dn !== undefined ? partyOf(call, dn) : call.parties.find((p) => p.state === 'ringing');
    if (!party || party.state !== 'ringing') throw new Error(`call ${connId} is not ringing${dn !== undefined ? ` on DN ${dn}` : ''}`);
    answerParty(ctx, call, party.dn);
  }

  /**
   * The outside caller hangs up: EventAbandoned at the routing point or queue where the call waits,
   * else the call ends for the other party (EventReleased), or a conference goes on
   * (EventPartyDeleted).
   */
  hangUp(connId: string, options: SwitchSideOptions = {}): void {
    const ctx = this.ctx('hangUp', options.silent);
    const call = this.call(connId);
    if (call.external === undefined) throw new Error(`call ${connId} has no outside caller (use releaseCall)`);
    leave(ctx, call, call.external, undefined, 'related');
  }

  /** Without `dn`: the switch clears the call (EventReleased to every party). With `dn`: that party hangs up. */
  releaseCall(connId: string, dn?: string, options: SwitchSideOptions = {}): void {
    const ctx = this.ctx('releaseCall', options.silent);
    const call = this.call(connId);
    if (dn === undefined) {
      endCall(ctx, call);
      return;
    }
    if (!partyOf(call, dn) && call.external !== dn) throw new Error(`DN ${dn} is not a party of call ${connId}`);
    leave(ctx, call, dn, undefined, 'related');
  }

  /** Logs an agent in on `dn` from the switch side (EventAgentLogin, and EventAgentReady when `ready`). */
  loginAgent(dn: string, agentId: string, options: LoginAgentOptions = {}): void {
    const ctx = this.ctx('loginAgent', options.silent);
    if (!this.isKnownDN(dn)) throw new Error(`unknown DN ${dn}`);
    if (this.shared.agents.has(dn)) throw new Error(`an agent is already logged in on DN ${dn}`);
    if (this.shared.agentById(agentId)) throw new Error(`agent ${agentId} is already logged in`);
    const wrapUpSec = options.wrapUpSec;
    if (wrapUpSec !== undefined) checkWrapUp(wrapUpSec, 'wrapUpSec');
    const queues = options.queue !== undefined ? [options.queue] : [];
    if (options.queue !== undefined) this.shared.queues.add(options.queue);
    const agent: AgentState = {
      dn,
      agentId,
      place: options.place,
      workMode: undefined,
      status: AgentStatus.LoggedIn,
      reasons: undefined,
      queues,
      idleSince: this.shared.now(),
      wrapUpSec,
      wrapUp: undefined,
    };
    this.shared.agents.set(dn, agent);
    send(ctx, dn, 'EventAgentLogin', { ThisDN: dn, AgentID: agentId, Place: options.place, ThisQueue: options.queue });
    if (options.ready) this.setAgentState(dn, 'ready', { silent: options.silent });
  }

  /**
   * Changes the agent on `dn` as a supervisor or the switch would (e.g. made NotReady during a
   * failover gap): the matching EventAgentReady / EventAgentNotReady (AgentWorkMode 3 and
   * EventAgentAfterCallWork for 'afterCallWork') / EventAgentLogout. Throws when no agent is
   * logged in there ('loggedIn' needs loginAgent).
   */
  setAgentState(dn: string, state: AgentStateName, options: SetAgentStateOptions = {}): void {
    const ctx = this.ctx('setAgentState', options.silent);
    const agent = this.shared.agents.get(dn);
    if (!agent) throw new Error(`no agent is logged in on DN ${dn}`);
    const base = { ThisDN: dn, AgentID: agent.agentId };
    // A state set from the switch side ends the switch's after-call work without its EventAgentReady.
    cancelWrapUp(this.shared, agent);
    switch (state) {
      case 'loggedOut':
        this.shared.agents.delete(dn);
        send(ctx, dn, 'EventAgentLogout', base);
        return;
      case 'loggedIn':
        throw new Error(`agent on DN ${dn} is logged in already; use 'ready' or 'notReady'`);
      case 'ready':
        agent.status = AgentStatus.Ready;
        agent.reasons = undefined;
        agent.workMode = options.workMode ?? agent.workMode;
        agent.idleSince = this.shared.now();
        send(ctx, dn, 'EventAgentReady', { ...base, AgentWorkMode: agent.workMode });
        for (const q of agent.queues) distribute(ctx, q);
        return;
      case 'notReady':
      case 'afterCallWork':
        agent.status = AgentStatus.NotReady;
        agent.reasons = options.reasons;
        agent.workMode =
          options.workMode ??
          (state === 'afterCallWork' ? AFTER_CALL_WORK : agent.workMode === AFTER_CALL_WORK ? undefined : agent.workMode);
        if (agent.workMode === AFTER_CALL_WORK) send(ctx, dn, 'EventAgentAfterCallWork', base);
        send(ctx, dn, 'EventAgentNotReady', { ...base, AgentWorkMode: agent.workMode, Reasons: options.reasons });
        return;
      default:
        throw new Error(`unknown agent state ${String(state)} (loggedOut, ready, notReady, afterCallWork)`);
    }
  }

  /** Sets or clears DND on `dn` from the switch side (EventDNDOn / EventDNDOff). */
  setDND(dn: string, on: boolean, options: SwitchSideOptions = {}): void {
    const ctx = this.ctx('setDND', options.silent);
    if (on) this.shared.dnd.add(dn);
    else this.shared.dnd.delete(dn);
    send(ctx, dn, on ? 'EventDNDOn' : 'EventDNDOff', { ThisDN: dn });
    if (!on) agentsFree(ctx, [dn]);
  }

  /**
   * The caller of `connId` enters `digits` (1–64 of 0-9 * # A-D): a RequestCollectDigits running on
   * the call takes them (EventDigitsCollected when it has enough, or at a terminate digit); else
   * they wait on the call for the next collection.
   */
  enterDigits(connId: string, digits: string, options: SwitchSideOptions = {}): void {
    const ctx = this.ctx('enterDigits', options.silent);
    enterDigits(ctx, this.call(connId), digits);
  }

  /**
   * What the far end of predictive calls to `number` does (see DialOutcomeSpec); undefined clears
   * it (a person answers at once). At most DIAL_OUTCOME_LIMIT numbers have one.
   */
  setDialOutcome(number: string, outcome: DialOutcomeSpec | undefined): void {
    if (typeof number !== 'string' || number === '' || number.length > 64) {
      throw new RangeError(`setDialOutcome needs the number dialled (1–64 characters), got ${JSON.stringify(number)}`);
    }
    this.shared.setDialOutcome(number, outcome === undefined ? undefined : dialOutcomeOf(outcome));
  }

  /**
   * After-call work (s) of agents whose login gave no WrapUpTime, from their next call on
   * (0–86,400; 0 = none).
   */
  setWrapUpTime(seconds: number): void {
    checkWrapUp(seconds, 'seconds');
    this.shared.settings.wrapUpSec = seconds;
  }

  /**
   * Where routing points declared without a default destination (also those a client declares by
   * registering with AddressType 4) send a call nobody routes in time, or that RequestRouteCall
   * routes without OtherDN. Undefined: such a call is released at the route timeout.
   */
  setDefaultRouteDestination(dn: string | undefined): void {
    if (dn !== undefined && !this.isKnownDN(dn)) throw new Error(`unknown DN ${dn}`);
    this.shared.defaultRouteDestination = dn;
  }

  /** Declares `dn` a routing point (AddressType 4), or changes its timeout / default destination. */
  addRoutingPoint(dn: string, options: RoutingPointOptions = {}): void {
    if (!this.isKnownDN(dn)) throw new Error(`unknown DN ${dn}`);
    if (this.shared.queues.has(dn)) throw new Error(`DN ${dn} is an ACD queue`);
    const timeoutMs = options.timeoutMs ?? this.shared.settings.routeTimeoutMs;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0)
      throw new RangeError(`timeoutMs must be an integer ≥ 0, got ${String(options.timeoutMs)}`);
    if (options.defaultDestination !== undefined && !this.isKnownDN(options.defaultDestination)) {
      throw new Error(`unknown default destination ${options.defaultDestination}`);
    }
    this.shared.routingPoints.set(dn, { timeoutMs, defaultDestination: options.defaultDestination });
  }

  /** Declares the routing points (not yet declared) and queues of a server's options. */
  declare(routingPoints: ReadonlyArray<string | RoutingPointSpec>, queues: readonly string[]): void {
    for (const rp of routingPoints) {
      const { dn, ...options } = typeof rp === 'string' ? { dn: rp } : rp;
      if (!this.shared.routingPoints.has(dn)) this.addRoutingPoint(dn, options);
    }
    for (const q of queues) this.addQueue(q);
  }

  /** Declares `dn` an ACD queue (AddressType 3). */
  addQueue(dn: string): void {
    if (!this.isKnownDN(dn)) throw new Error(`unknown DN ${dn}`);
    if (this.shared.routingPoints.has(dn)) throw new Error(`DN ${dn} is a routing point`);
    this.shared.queues.add(dn);
  }

  /** Every call in progress, oldest first. */
  listCalls(): CallSummary[] {
    return listCalls(this.shared);
  }

  /** Every logged-in agent, by DN. */
  listAgents(): AgentSummary[] {
    return listAgents(this.shared);
  }
}

function checkWrapUp(seconds: number, what: string): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_WRAP_UP_SEC) {
    throw new RangeError(`${what} must be whole seconds 0–${MAX_WRAP_UP_SEC}, got ${String(seconds)}`);
  }
}
