/**
 * conn.dialer()'s public types, its error and its defaults (the Dialer class is in ./dialer.ts).
 */
import { type DialErrorCode, TlibError } from '../errors.js';
import type { KVListInput } from '../protocol/attributes.js';
import type { RoutingHost } from '../routing/types.js';

/** Defaults of `DialerOptions` and `DialOptions`, in one place. */
export const DIAL_DEFAULTS = Object.freeze({
  /** Dials in progress at once (sent, outcome not yet known); more wait in order. */
  maxInFlight: 50,
  /** Dials waiting for a slot; past it `dial()` rejects with ERR_DIAL_QUEUE_FULL. */
  maxQueued: 10_000,
  /** Bytes of the waiting dials' user data; past it `dial()` rejects with ERR_DIAL_QUEUE_FULL. */
  maxQueuedBytes: 16 * 1024 * 1024,
  /** How long the switch lets the number ring (Timeout): past it the outcome is `noAnswer`. */
  timeoutMs: 30_000,
  /**
   * How long past the ring timeout an outcome may take to arrive before the dialer asks the switch
   * (RequestQueryCall); a check that finds the call still ringing past it waits this long again.
   */
  outcomeGraceMs: 10_000,
  /** Checks past a dial's ring timeout (plus grace) that find no outcome before it is declared unknown. */
  maxChecks: 3,
});

/**
 * How a predictive call ended, from the CallState the switch reported (wire spec 1.2, "Outcomes of
 * a predictive call"): a person answered (CallState 0), an answering machine (9), busy (6), no
 * answer within the ring timeout (7), a SIT tone (8, 11–16), a fax (17); `failed` for any other
 * CallState a switch may end the attempt with (3 general error, 10 all trunks busy, …).
 */
export type DialOutcome = 'answered' | 'machine' | 'busy' | 'noAnswer' | 'sit' | 'fax' | 'failed';

/** What `dial()` resolves with: the call's outcome and what told it. */
export interface DialResult {
  outcome: DialOutcome;
  /** The CallState that told the outcome. */
  callState: number | undefined;
  /** The predictive call's ConnID (an `answered` or `machine` call goes on at the target under it). */
  connId: string;
  /** The routing point or queue the call was placed for (ThisDN). */
  target: string;
  /** The number dialled (OtherDN). */
  number: string;
  /** The event that told: EventEstablished, EventDestinationBusy, EventReleased, or EventPartyInfo from a check. */
  event: Readonly<Record<string, unknown>>;
  /** Learned by asking the switch (after a failover, or when the outcome event never came). */
  checked: boolean;
}

/** Options of one `dial()`. */
export interface DialOptions {
  /** Ring timeout sent as Timeout (default 30,000 ms). */
  timeoutMs?: number;
  userData?: KVListInput;
  extensions?: KVListInput;
  /**
   * Aborting rejects the dial's promise with the signal's reason. A dial still waiting is dropped
   * (never sent); one already placed keeps its slot until the switch reports its outcome.
   */
  signal?: AbortSignal;
}

/** Options of `conn.dialer(options)`; defaults in `DIAL_DEFAULTS`. */
export interface DialerOptions {
  /** Dials in progress at once (default 50). */
  maxInFlight?: number;
  /** Dials waiting for a slot (default 10,000); past it `dial()` rejects (ERR_DIAL_QUEUE_FULL). */
  maxQueued?: number;
  /** Bytes of user data the waiting dials hold (default 16 MiB); past it `dial()` rejects (ERR_DIAL_QUEUE_FULL). */
  maxQueuedBytes?: number;
  /** Default ring timeout of this dialer's dials (default 30,000 ms). */
  timeoutMs?: number;
  /** Wait past the ring timeout before asking the switch (default 10,000 ms). */
  outcomeGraceMs?: number;
}

/**
 * Counts since the dialer started. Every dial accepted ends in exactly one of the outcomes,
 * `unknown`, `refused` or `aborted`, or is still `queued` or `inFlight`.
 */
export interface DialStats {
  /** dial() calls accepted (not refused at once by argument checks or ERR_DIAL_QUEUE_FULL). */
  accepted: number;
  queued: number;
  inFlight: number;
  /** RequestMakePredictiveCall sent: each dial at most once, never again after a failover. */
  sent: number;
  outcomes: Record<DialOutcome, number>;
  /** Of the outcomes, those learned by asking the switch. */
  checked: number;
  /** Placed or maybe placed, outcome lost (ERR_DIAL_OUTCOME_UNKNOWN). */
  unknown: number;
  /** Never placed: refused by the switch or client-side (ERR_DIAL_REFUSED), or closed before sending. */
  refused: number;
  /** Aborted by their signal while waiting (never sent). */
  aborted: number;
  /** Refused at once by ERR_DIAL_QUEUE_FULL (not counted in `accepted`). */
  overflowed: number;
}

export type { DialErrorCode };

/**
 * A dial that gave no outcome: it was never placed (ERR_DIAL_REFUSED: `cause` says whether the
 * switch refused it or the connection never sent it; ERR_DIAL_QUEUE_FULL; ERR_DIALER_CLOSED), or
 * it may have been placed and its outcome was lost (ERR_DIAL_OUTCOME_UNKNOWN: never re-sent).
 */
export class DialError extends TlibError {
  declare readonly code: DialErrorCode;
  readonly target: string;
  readonly number: string;
  /** The call's ConnID, when the switch had given one. */
  readonly connId: string | undefined;
  constructor(code: DialErrorCode, target: string, number: string, connId: string | undefined, message: string, cause?: unknown) {
    super(code, `dial ${number} for ${target}${connId ? ` (call ${connId})` : ''}: ${message}`, { cause });
    this.target = target;
    this.number = number;
    this.connId = connId;
  }
}

/** The listeners a Dialer takes. */
export interface DialerEvents {
  /** Every dial's outcome, as its promise resolves (also for dials whose caller aborted). */
  outcome: (result: DialResult) => void;
}

/** The part of TServerConnection a dialer uses: a routing point's (its requests go on the routing lane), and the DNs registered. */
export interface DialerHost extends RoutingHost {
  /** DNs registered now (a dial's target needs to be, for its events to come). */
  readonly registeredDNs?: readonly string[];
}
