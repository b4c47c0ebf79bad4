/**
 * The switch-side controls (./controls.ts) as methods, shared by TServerSimulator (which needs to
 * be the primary to use them) and HotStandbyPair (which acts through its current primary).
 */
import { EventEmitter } from 'eventemitter3';
import type {
  AgentStateName,
  AgentSummary,
  CallSummary,
  DialOutcomeSpec,
  LoginAgentOptions,
  PlaceCallOptions,
  RoutingPointOptions,
  SetAgentStateOptions,
  SwitchControls,
  SwitchSideOptions,
} from './controls.js';
import type { AgentState, SimCall } from './records.js';
import type { SharedState } from './state.js';

/**
 * The switch-side controls (calls from outside, answers, hang-ups, agents, DND, routing points,
 * digits, dial outcomes, settings) and the listings, on a server or a pair.
 */
export abstract class SwitchFacade<Events extends EventEmitter.ValidEventTypes = string | symbol> extends EventEmitter<Events> {
  abstract readonly shared: SharedState;
  /** @internal */
  protected abstract readonly controls: SwitchControls;

  /** Agent on `dn` (shared with the pair partner), if one is logged in. */
  agent(dn: string): Readonly<AgentState> | undefined {
    return this.shared.agents.get(dn);
  }

  /** Call by ConnID (shared with the pair partner). */
  call(connId: string): Readonly<SimCall> | undefined {
    return this.shared.calls.get(connId);
  }

  /**
   * A call from outside to a DN, a routing point or an ACD queue (see SwitchControls.placeCall).
   * A server needs to be the primary; a pair acts through its current primary. Returns the ConnID.
   */
  placeCall(to: string, options: PlaceCallOptions = {}): string {
    return this.controls.placeCall(to, options);
  }

  /** `dn` (default: the party ringing) answers the call: EventEstablished. */
  answerCall(connId: string, dn?: string, options?: SwitchSideOptions): void {
    this.controls.answerCall(connId, dn, options);
  }

  /** The outside caller hangs up (EventAbandoned while routed or queued, else EventReleased). */
  hangUp(connId: string, options?: SwitchSideOptions): void {
    this.controls.hangUp(connId, options);
  }

  /** Without `dn`: the switch clears the call (EventReleased to every party); with `dn`: that party hangs up. */
  releaseCall(connId: string, dn?: string, options?: SwitchSideOptions): void {
    this.controls.releaseCall(connId, dn, options);
  }

  /** Logs an agent in from the switch side (see SwitchControls.loginAgent). */
  loginAgent(dn: string, agentId: string, options?: LoginAgentOptions): void {
    this.controls.loginAgent(dn, agentId, options);
  }

  /** Changes an agent's state from the switch side (see SwitchControls.setAgentState). */
  setAgentState(dn: string, state: AgentStateName, options?: SetAgentStateOptions): void {
    this.controls.setAgentState(dn, state, options);
  }

  /** Sets or clears DND on `dn` from the switch side. */
  setDND(dn: string, on: boolean, options?: SwitchSideOptions): void {
    this.controls.setDND(dn, on, options);
  }

  /** Declares a routing point (AddressType 4) with its route timeout and default destination. */
  addRoutingPoint(dn: string, options?: RoutingPointOptions): void {
    this.controls.addRoutingPoint(dn, options);
  }

  /** The caller of `connId` enters digits: a RequestCollectDigits running takes them, else they wait on the call. */
  enterDigits(connId: string, digits: string, options?: SwitchSideOptions): void {
    this.controls.enterDigits(connId, digits, options);
  }

  /** What the far end of predictive calls to `number` does: answer, machine, busy, noAnswer, sit, fax (undefined: a person answers at once). */
  setDialOutcome(number: string, outcome: DialOutcomeSpec | undefined): void {
    this.controls.setDialOutcome(number, outcome);
  }

  /** After-call work (s) of agents whose login gave no WrapUpTime, from their next call on (0 = none). */
  setWrapUpTime(seconds: number): void {
    this.controls.setWrapUpTime(seconds);
  }

  /** Where routing points without a default destination of their own send unrouted calls (undefined: released). */
  setDefaultRouteDestination(dn: string | undefined): void {
    this.controls.setDefaultRouteDestination(dn);
  }

  /** Declares an ACD queue (AddressType 3). */
  addQueue(dn: string): void {
    this.controls.addQueue(dn);
  }

  /** Calls in progress (shared with the pair partner), oldest first. */
  listCalls(): CallSummary[] {
    return this.controls.listCalls();
  }

  /** Logged-in agents (shared with the pair partner). */
  listAgents(): AgentSummary[] {
    return this.controls.listAgents();
  }

  /** RequestRouteCall a primary received for `connId`, accepted or refused (shared with the partner). */
  routeCallCount(connId: string): number {
    return this.shared.routeCallCount(connId);
  }

  /** RequestRouteCall per ConnID, for "routed exactly once" checks. */
  routeCallCounts(): ReadonlyMap<string, number> {
    return this.shared.routeCallCounts();
  }
}
