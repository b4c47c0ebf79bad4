/**
 * The mutable records behind the state model (store.ts keeps them; views.ts builds the frozen views
 * users read from them), apart so that neither of those two imports the other.
 */
import type { KVList } from '../protocol/attributes.js';
import type { CallList } from './call-list.js';
import type { Linked } from './tiers.js';
import type { AgentView, CallView, DNView, ForwardView, PartyState } from './types.js';

export interface CallRecord extends Linked {
  readonly connId: string;
  readonly parties: Map<string, PartyState>;
  /** Other DNs named on the call, most recent last (made at the first). */
  others: string[] | undefined;
  callType: number | undefined;
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
