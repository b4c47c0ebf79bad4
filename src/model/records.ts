/**
 * The state model's mutable records: one per call the model holds and one per registered DN that
 * something has happened to. store.ts keeps them, views.ts builds the frozen views users read from
 * them; apart so that neither of those two imports the other.
 */
import type { KVList, TimeValue } from '../protocol/attributes.js';
import type { CallList } from './call-list.js';
import { SmallMap } from './small-map.js';
import type { Linked } from './tiers.js';
import type { AgentView, CallView, DNView, ForwardView, ModelEvent, PartyState } from './types.js';

/** Other-party DNs and previous ConnIDs kept per call: a server cannot grow one call without bound. */
export const MAX_OTHER_PARTIES = 16;
export const MAX_PREVIOUS_CONNIDS = 16;

export interface CallRecord extends Linked {
  readonly connId: string;
  readonly parties: SmallMap<PartyState>;
  /** Other DNs named on the call, most recent last (made at the first). */
  others: string[] | undefined;
  callType: number | undefined;
  /** CallState of the last event that carried it. */
  callState: number | undefined;
  ani: string | undefined;
  dnis: string | undefined;
  /** UserData as the event gave it, or frozen once a view was built (or it was trimmed). */
  userData: Readonly<KVList> | undefined;
  userDataFrozen: boolean;
  /** What `userData` counts against the model's byte bounds (user-data.ts kvBytes). */
  userDataBytes: number;
  previous: string[] | undefined;
  startedAt: number;
  /** In the store (false once ended or evicted). */
  live: boolean;
  /** Bumped by every change: a cached view is current while its version matches. */
  version: number;
  view: CallView | undefined;
  viewVersion: number;
  /** The step the record was first changed in lately, and its version before that step. */
  mark: number;
  markVersion: number;
  /** The step that created it: a call made and dropped in one step was never shown. */
  readonly bornAt: number;
  /** The view its callEnded carries, while the step that ended it is committed. */
  endView: CallView | undefined;
  /** Dropped to stay within maxCalls (its callEnded has cause 'evicted'). */
  evicted: boolean;
  /**
   * The record of the registered DN the call's last event was at: the next event at the same DN
   * finds it with one string comparison instead of a lookup by its ThisDN (store.ts dnOn).
   */
  dnHint: DNRecord | undefined;
}

export interface DNRecord {
  readonly dn: string;
  agent: AgentView;
  dnd: boolean;
  forward: ForwardView | undefined;
  /** The ConnIDs the DN is on (made at its first call). */
  calls: CallList | undefined;
  live: boolean;
  version: number;
  view: DNView | undefined;
  viewVersion: number;
  mark: number;
}

export const LOGGED_OUT: AgentView = Object.freeze({
  id: undefined,
  status: 'loggedOut',
  workMode: undefined,
  place: undefined,
  reasons: undefined,
  reasonCode: undefined,
  afterCallWorkUntil: undefined,
});

export function timeOf(e: ModelEvent): number | undefined {
  const t = e.time as TimeValue | undefined;
  return t && typeof t.seconds === 'number' ? t.seconds * 1000 + Math.floor((t.microseconds ?? 0) / 1000) : undefined;
}

export function newCallRecord(connId: string, startedAt: number, bornAt: number): CallRecord {
  return {
    connId,
    parties: new SmallMap<PartyState>(),
    others: undefined,
    callType: undefined,
    callState: undefined,
    ani: undefined,
    dnis: undefined,
    userData: undefined,
    userDataFrozen: false,
    userDataBytes: 0,
    previous: undefined,
    startedAt,
    live: true,
    version: 0,
    view: undefined,
    viewVersion: -1,
    mark: 0,
    markVersion: 0,
    bornAt,
    endView: undefined,
    evicted: false,
    dnHint: undefined,
    rank: 0,
    older: undefined,
    younger: undefined,
  };
}

export function newDNRecord(dn: string): DNRecord {
  return {
    dn,
    agent: LOGGED_OUT,
    dnd: false,
    forward: undefined,
    calls: undefined,
    live: true,
    version: 0,
    view: undefined,
    viewVersion: -1,
    mark: 0,
  };
}
