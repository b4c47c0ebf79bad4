/**
 * `tlib-client/simulator`: a T-Server simulator speaking wire protocol 1.2 on real sockets, a
 * hot-standby pair of them, and the `tlib-sim` CLI entry.
 *
 * What a client author can rely on:
 * - Every event carries `time`, `EventSequenceNumber` and `ServerStartTime`. One logical event has
 *   one sequence number, whatever the number of clients it goes to; the counter (1, 2, 3, …) is
 *   shared by both servers of a pair, so each socket sees strictly increasing numbers, except the
 *   duplicates `repeatOnPromotion` re-sends after EventPrimaryChanged with their original numbers.
 * - Answers (and EventError) carry the request's ReferenceID; unsolicited copies carry none.
 * - EventError codes and which refusal uses which: see SimErrorCode (./error-codes.ts).
 *   Checks run in this order: message type or a request not modelled (50), ReferenceID and
 *   Mandatory attributes (43) and values (42), pair role (52), CTI link (53), DN known (40), DN
 *   registered (41), then the call model's state (56, 57, 58, 59, 60, 61, 62, 42).
 *   Attributes a request does not take are ignored. Requests before RequestRegisterClient are
 *   answered (the simulator does not enforce the order).
 * - Agent and call requests need ThisDN registered by the same connection (else 41).
 * - InputMask bit order: type n is byte n >> 3, value 1 << (n & 7). The mask filters unsolicited
 *   events only; answers and the four connection-state events (EventLinkDisconnected,
 *   EventLinkConnected, EventRestoreConnection, EventPrimaryChanged) always pass.
 * - Link and pair events go to clients that sent RequestRegisterClient; setLink sends an event only
 *   when the status changes. DN events go to clients registered on the DN.
 * - freeze(): nothing is answered or sent, frames received are discarded, ADDP pauses.
 * - The call model is the wire spec's 1.2 one, event for event: every party hears every change
 *   (./party-events.ts), CallState on every call event, predictive outcomes per number
 *   (setDialOutcome), digits a caller enters (enterDigits), after-call work (WrapUpTime),
 *   forwarding modes 1–5, queries by AddressInfoType, routing 1.2. Where a 1.1 or 1.2 request has
 *   several events the others come first and the answer last; they carry the request's
 *   ReferenceID to the requester too (option referenceIdOnRelatedEvents, default true) — settle on
 *   the answering event as the catalogue's isAnsweringEvent says. 1.0 requests keep 1.0's order
 *   (MakeCall's EventDialing before EventRinging, ReleaseCall's answer first) and tag their answer
 *   only.
 * - QueryCall's EventPartyInfo: CallState (the call's, e.g. 9 after a machine answered, else 2 for
 *   more than two in the conversation), Extensions.Parties = [dn, state] per party (dialing,
 *   ringing, established, held, queued, routing), Extensions.External (outside caller),
 *   PreviousConnIDs, ConsultFor. QueryAddress's EventAddressInfo without AddressInfoType (or 17):
 *   AgentStatus, AgentWorkMode, Reasons, Place, ThisQueue, AddressType (3 queue, 4 routing point),
 *   ConnID (latest call), Extensions.Calls = [ConnID, state] per call of the DN, Extensions.DND
 *   (0/1), ForwardTo/ForwardMode, Queues, and during the switch's after-call work WrapUpTime and
 *   WrapUpRemaining (s).
 * - The switch's timers (route timeouts, treatments, wrap-up, no-answer forwarding, dial outcomes,
 *   digit collection) and ADDP run on the `clock` option, which a test may move by hand.
 * - Switch-side controls (SwitchFacade methods): see ./controls.ts; docs/simulator.md.
 */
export { TServerSimulator } from './server.js';
export type { ClientInfo, RequestInfo, SendEventOptions, SimulatorEvents } from './server.js';
export { HotStandbyPair, type HotStandbyPairOptions, type KillOptions } from './pair.js';
export { SwitchFacade } from './facade.js';
export type {
  AgentStateName,
  AgentSummary,
  CallSummary,
  DialOutcomeSpec,
  LoginAgentOptions,
  PlaceCallOptions,
  RoutingPointOptions,
  SetAgentStateOptions,
  SwitchSideOptions,
} from './controls.js';
export { SIMULATOR_DEFAULTS, type RoutingPointSpec, type ServerRoleName, type SimulatorOptions, type SwitchOptions } from './options.js';
export { SharedState, DIAL_OUTCOME_LIMIT, ROUTE_COUNT_LIMIT, SWITCH_DEFAULTS, type SwitchSettings } from './state.js';
export type { Clock } from '../util/clock.js';
export type {
  AgentState,
  AgentStatusValue,
  CallState,
  DialOutcome,
  DialOutcomeName,
  Forwarding,
  Party,
  PartyState,
  RoutingPointConfig,
  SimCall,
} from './records.js';
export { SimErrorCode, type SimErrorCodeValue } from './error-codes.js';
export { DEFAULT_DIAL_OUTCOME, DIAL_OUTCOME_CALL_STATES, MAX_DIAL_MS } from './predictive.js';
export { MAX_COLLECTED_DIGITS } from './digits.js';
export { MAX_BUFFERED_DIGITS } from './records.js';
export { INPUT_MASK_BITS, INPUT_MASK_BYTES, UNMASKABLE_EVENT_TYPES, fullInputMask, inputMaskOf, maskAllows } from './mask.js';
export { runSimCli, SIM_CLI_USAGE, type SimCliIO } from './cli.js';
