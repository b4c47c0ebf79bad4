/**
 * The public shapes of the state model: immutable views of calls and registered DNs, the changes
 * each event makes, and the corrections a resync finds. Views are frozen snapshots: a change
 * replaces a view, it never edits one, so a screen can keep the object it rendered.
 */
import type { KVList } from '../protocol/attributes.js';

/** Where a registered DN stands on a call. */
export type PartyState = 'dialing' | 'ringing' | 'established' | 'held' | 'queued' | 'routing';

/** An agent's status on a DN. `afterCallWork` is NotReady with AgentWorkMode 3, or EventAgentAfterCallWork. */
export type AgentStatusName = 'loggedOut' | 'loggedIn' | 'ready' | 'notReady' | 'afterCallWork';

/** An event as delivered to users (`{ Event: 'EventRinging', ThisDN, ConnID, … }`). */
export type ModelEvent = Readonly<Record<string, unknown>>;

/**
 * Why a view changed: the event that changed it, `'resync'` (a resync found the model wrong), or
 * `'evicted'` (the model was over `maxCalls` and dropped the call; the call may still exist).
 */
export type ChangeCause = ModelEvent | 'resync' | 'evicted';

/** A call on at least one registered DN. */
export interface CallView {
  readonly connId: string;
  /** The registered DNs on the call and where each stands. */
  readonly parties: Readonly<Record<string, PartyState>>;
  /** Other DNs known on the call (not registered here), most recent last. */
  readonly otherParties: readonly string[];
  /** CallType as the last event gave it (0 unknown, 1 internal, 2 inbound, 3 outbound, 4 consult). */
  readonly callType: number | undefined;
  /**
   * CallState of the last event on the call that carried it (wire 1.2: how the call got where it
   * is — 0 OK, 1 Transferred, 2 Conferenced, 6 Busy, 7 NoAnswer, 9 answering machine, 23
   * Forwarded, 26 Dropped…; `CallState` in the protocol's enums). A resync answer's non-zero
   * CallState replaces it; its 0 says nothing (a query cannot tell a transferred call from a new one).
   */
  readonly callState: number | undefined;
  readonly ani: string | undefined;
  readonly dnis: string | undefined;
  /**
   * UserData as the last event that carried it gave it (a frozen copy), within the model's byte
   * bounds (`maxUserDataBytesPerCall`, `maxUserDataBytes`: past them, the leading entries that fit).
   */
  readonly userData: Readonly<KVList> | undefined;
  /** ConnIDs this call was known by before (EventPartyChanged renames, merges), oldest first. */
  readonly previousConnIds: readonly string[];
  /** When the model first saw the call: the first event's `time`, else the local clock (ms since the epoch). */
  readonly startedAt: number;
}

/** The agent logged in on a DN, as the state model knows it. */
export interface AgentView {
  readonly id: string | undefined;
  readonly status: AgentStatusName;
  /** AgentWorkMode as last given (0 unknown, 1 manual in, 2 auto in, 3 after-call work, …). */
  readonly workMode: number | undefined;
  readonly place: string | undefined;
  /** The Reasons of the agent's last status (a frozen copy), e.g. `[['ReasonCode', 'Break']]`. */
  readonly reasons: Readonly<KVList> | undefined;
  /** The `ReasonCode` of `reasons` (a number given as text), or undefined. */
  readonly reasonCode: string | undefined;
  /**
   * While the switch's after-call work runs (`status` 'afterCallWork' with a wrap-up time): when it
   * ends (ms since the epoch; the switch then sends EventAgentReady). Undefined otherwise, and for
   * after-call work with no end (asked for with AgentWorkMode 3).
   */
  readonly afterCallWorkUntil: number | undefined;
}

/** Call forwarding set on a DN. */
export interface ForwardView {
  /** The forwarding destination (OtherDN of EventForwardSet). */
  readonly to: string | undefined;
  /** ForwardMode (1 unconditional, 2 on busy, 3 on no answer, 4 busy and no answer, 5 send all calls). */
  readonly mode: number | undefined;
  /** Modes 3 and 4: seconds without an answer before the call goes on (`Extensions` NoAnswerTimeout); undefined: the switch's setting. */
  readonly noAnswerTimeout: number | undefined;
}

/** A registered DN. */
export interface DNView {
  readonly dn: string;
  readonly agent: AgentView;
  readonly dnd: boolean;
  /** Call forwarding, or undefined when none is set. */
  readonly forward: ForwardView | undefined;
  /** ConnIDs of the calls the DN is on, oldest first. */
  readonly calls: readonly string[];
}

/**
 * One view that changed. `callEnded` carries the call as users last saw it. A call renamed or merged
 * by EventPartyChanged ends under its old ConnID (cause: that event) and goes on under the new one,
 * whose `previousConnIds` names the old.
 */
export type Change =
  | { readonly kind: 'callChanged'; readonly view: CallView; readonly cause: ChangeCause }
  | { readonly kind: 'callEnded'; readonly view: CallView; readonly cause: ChangeCause }
  | { readonly kind: 'dnChanged'; readonly view: DNView; readonly cause: ChangeCause };

/** What a resync found different from the model (and fixed). */
export type Correction =
  | { readonly kind: 'callGone'; readonly connId: string; readonly before: CallView; readonly after: undefined }
  | { readonly kind: 'callFound'; readonly connId: string; readonly before: undefined; readonly after: CallView }
  | {
      readonly kind: 'partyStateChanged';
      readonly connId: string;
      readonly dn: string;
      /** undefined: the DN was not on the call (before) or is no longer (after). */
      readonly before: PartyState | undefined;
      readonly after: PartyState | undefined;
    }
  | {
      readonly kind: 'otherPartiesChanged';
      readonly connId: string;
      /** The call's otherParties before and after (the answer listed every party). */
      readonly before: readonly string[];
      readonly after: readonly string[];
    }
  | { readonly kind: 'callStateChanged'; readonly connId: string; readonly before: number | undefined; readonly after: number }
  | { readonly kind: 'agentStatusChanged'; readonly dn: string; readonly before: AgentStatusName; readonly after: AgentStatusName }
  /** The agent's ID, place, work mode, reasons or after-call work end differed, its status did not. */
  | { readonly kind: 'agentChanged'; readonly dn: string; readonly before: AgentView; readonly after: AgentView }
  | { readonly kind: 'dndChanged'; readonly dn: string; readonly before: boolean; readonly after: boolean }
  | {
      readonly kind: 'forwardChanged';
      readonly dn: string;
      readonly before: ForwardView | undefined;
      readonly after: ForwardView | undefined;
    };

/**
 * The model dropped calls to stay within `maxCalls`, or kept less user data than an event gave to
 * stay within its byte bounds (the connection reports either as a protocolWarning).
 */
export type ModelWarning =
  | {
      readonly code: 'ERR_MODEL_CALLS_LIMIT';
      readonly detail: string;
      /** Calls dropped since the model was made. */
      readonly evicted: number;
    }
  | {
      readonly code: 'ERR_MODEL_USER_DATA_LIMIT';
      readonly detail: string;
      /** Times user data was trimmed since the model was made. */
      readonly trimmed: number;
    };

/** Bounds of the state model (option `maxCalls` of the connection, or `new StateModel(options)`). */
export interface StateModelOptions {
  /** Most calls held at once. Default 10 000 (see DEFAULT_MAX_CALLS). */
  maxCalls?: number;
  /** User data bytes kept per call (leading entries that fit). Default 64 KiB (DEFAULT_MAX_USER_DATA_BYTES_PER_CALL). */
  maxUserDataBytesPerCall?: number;
  /** User data bytes kept for all calls together. Default 16 MiB (DEFAULT_MAX_USER_DATA_BYTES). */
  maxUserDataBytes?: number;
  /**
   * Told when calls are dropped to stay within maxCalls, or user data trimmed to stay within its
   * bounds (each at its first occurrence, then once per maxCalls occurrences).
   */
  onWarning?: (warning: ModelWarning) => void;
  /** Clock for `startedAt` when an event carries no `time`. Default Date.now. */
  now?: () => number;
  /**
   * Whether anyone takes the changes of the next step. When it returns false, apply() and the
   * other steps return no changes and build no view (views are then made when read). Default: always.
   */
  listening?: () => boolean;
}

/**
 * A desktop has a handful of calls; a routing service on busy routing points and queues may hold
 * thousands at once. 10 000 covers both with room (a few MB of views) while a server that floods
 * ConnIDs cannot grow the model further.
 */
export const DEFAULT_MAX_CALLS = 10_000;

/**
 * A desktop's user data is a few hundred bytes to a few KB per call; 64 KiB keeps any real one
 * whole, while one 1 MB frame cannot make a call hold 1 MB.
 */
export const DEFAULT_MAX_USER_DATA_BYTES_PER_CALL = 64 * 1024;

/**
 * 16 MiB is 10 000 calls of 1.6 KB of user data, or a thousand of 16 KB: a desktop or a routing
 * service reading typical data from its views fits; a server sending thousands of calls with huge
 * user data cannot grow the model past it (a service that reads heavy data from `conn.calls`
 * raises it; the events themselves always carry all of it).
 */
export const DEFAULT_MAX_USER_DATA_BYTES = 16 * 1024 * 1024;

/** What a resync must ask: the known calls (at most maxCalls; ask them first) and the registered DNs. */
export interface ResyncPlan {
  readonly dns: readonly string[];
  readonly calls: readonly string[];
}

/** The end of a resync: what it corrected and the changes of its last step. */
export interface ResyncResult {
  readonly corrections: readonly Correction[];
  readonly changes: readonly Change[];
}
