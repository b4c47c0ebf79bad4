/**
 * What the switch records about agents, calls and their parties, and what a request handler is
 * given about the request it answers. Plain data: SharedState (./state.ts) holds it, the call
 * model's modules change it.
 */
import type { AgentStatus, KVList } from '../protocol/attributes.js';
import type { SimClient } from './client.js';

/** AgentStatus (1006) values: 1 logged out, 2 logged in, 3 ready, 4 not ready. */
export type AgentStatusValue = (typeof AgentStatus)[keyof typeof AgentStatus];

/** An agent logged in on a DN, as the switch knows it. */
export interface AgentState {
  dn: string;
  agentId: string;
  place: string | undefined;
  /** AgentWorkMode last given (3 = after-call work, with status NotReady). */
  workMode: number | undefined;
  /** 2 logged in, 3 ready, 4 not ready (a logged-out DN has no AgentState). */
  status: AgentStatusValue;
  /** Reasons of the agent's last request (echoed, and returned by a query of the DN). */
  reasons: KVList | undefined;
  /** ACD queues the agent is logged in on (AgentLogin/AgentReady ThisQueue). */
  queues: string[];
  /** When the agent last became Ready or ended a call (ms): longest idle gets the next queued call. */
  idleSince: number;
  /** Wrap-up time (s) from `Extensions` WrapUpTime on login; undefined = the switch's setting. */
  wrapUpSec: number | undefined;
  /** While in after-call work started by the switch: when it ends (ms) and the work mode to return to. */
  wrapUp: { endsAt: number; seconds: number; workModeBefore: number | undefined } | undefined;
}

/**
 * A party's state in a call. `routing` and `queued` are the routing point or ACD queue where the
 * call waits (they get the call's events like any party until the call leaves them).
 */
export type PartyState = 'dialing' | 'ringing' | 'established' | 'held' | 'queued' | 'routing';

/** A DN in a call (or the routing point or queue where it waits). */
export interface Party {
  dn: string;
  state: PartyState;
  role: number;
  muted: boolean;
  /** Listeners this party's audio is disconnected from (ListenDisconnect). */
  notHeardBy: Set<string>;
  /** The party answered the call ringing at it: its agent's after-call work follows the call. */
  answered: boolean;
  /** Added by RequestSingleStepConference (by this DN): on answering it is told who else is on the call. */
  conferencedBy: string | undefined;
}

/** @internal A RequestCollectDigits in progress on a call. */
export interface DigitCollection {
  /** The DN that asked (gets EventDigitsCollected). */
  dn: string;
  req: Requester;
  /** Digits to collect at most. */
  count: number;
  /** Any of these ends the collection. */
  terminators: string;
  collected: string;
}

/** One call the switch holds. */
export interface SimCall {
  connId: string;
  callId: number;
  callUuid: string;
  callType: number;
  ani: string | undefined;
  dnis: string | undefined;
  /** Who started the call: the DN that dialled, or the outside caller of placeCall. */
  from: string | undefined;
  /** The DN first called (a DN, routing point or queue). */
  to: string;
  /** An outside party (placeCall's caller; '' when anonymous): in the call, but gets no events. */
  external: string | undefined;
  /** DNs of this switch in the call (and the routing point or queue where it waits), in join order. */
  parties: Party[];
  /** Summary for tests and `status`: routing, queued, dialing, ringing, held or established. */
  state: PartyState;
  userData: KVList;
  /** CustomerID set by RequestSetCallInfo. */
  customerId: string | undefined;
  /** ConnIDs this call absorbed (consultation calls merged into it). */
  previousConnIds: string[];
  /** A consultation call: the ConnID of the call it consults about, and what for. */
  consultFor: { connId: string; kind: 'transfer' | 'conference' } | undefined;
  /** The queue the call came through (ThisQueue of its events). */
  queue: string | undefined;
  /** Treatment playing (ApplyTreatment), if any. */
  treatment: { dn: string; type: number } | undefined;
  /** CallState its events carry unless a rule gives another: 0, or 9 for a call a machine answered. */
  callState: number;
  /** MediaType (97); undefined = voice, and the events carry none. */
  mediaType: number | undefined;
  /** Digits the caller entered that no collection has taken yet (at most MAX_BUFFERED_DIGITS). */
  digits: string;
  /** @internal A RequestCollectDigits running on the call. */
  collecting: DigitCollection | undefined;
  startedAt: number;
}

/** @deprecated The call record was renamed SimCall (CallState is the protocol's enumeration). */
export type CallState = SimCall;

/** A routing point's settings. */
export interface RoutingPointConfig {
  /** How long a call waits for RequestRouteCall before the default route (ms). */
  timeoutMs: number;
  /** Where the default route sends a call; none = the call is released. */
  defaultDestination: string | undefined;
}

/** A DN's call forwarding (RequestCallForwardSet). */
export interface Forwarding {
  to: string;
  mode: number;
  /** No-answer time (ms) of modes 3 and 4, from `Extensions` NoAnswerTimeout; undefined = the switch's setting. */
  noAnswerMs: number | undefined;
}

/** What the far end of a predictive call does (RequestMakePredictiveCall; wire spec "Outcomes of a predictive call"). */
export type DialOutcomeName = 'answer' | 'machine' | 'busy' | 'noAnswer' | 'sit' | 'fax';

/** What the far end of predictive calls to a number does (SwitchFacade.setDialOutcome). */
export interface DialOutcome {
  outcome: DialOutcomeName;
  /** After how long (ms) the far end answers, is found busy, SIT or fax; past the call's Timeout it is no answer. */
  afterMs: number;
  /** CallState of the outcome: 0 answer, 9 machine, 6 busy, 7 no answer, 8 or 11–16 SIT, 17 fax. */
  callState: number;
}

/** One call/agent event as the primary sent it, kept for `repeatOnPromotion`. */
export interface SentEventRecord {
  /** Server that sent it (its `name`; servers of a pair have distinct names). */
  sender: string;
  dn: string;
  type: number;
  /** The attributes as sent to clients other than the requester (no ReferenceID). */
  attributes: Record<string, unknown>;
}

/** The client that sent a request and the ReferenceID its answer carries. */
export interface Requester {
  client: SimClient;
  refId: number;
  /**
   * The request's other events carry its ReferenceID to the requester too (a 1.1 request, with
   * the server's referenceIdOnRelatedEvents on). 1.0 requests keep 1.0's single tagged answer.
   */
  tagRelated?: boolean;
}

export type EventAttributes = Record<string, unknown>;

/** Digits a call keeps for a later collection at most (type-ahead); older ones are dropped first. */
export const MAX_BUFFERED_DIGITS = 64;
