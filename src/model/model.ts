/**
 * The state model a connection keeps of the calls and agents on its registered DNs: pure (no I/O,
 * no timers), fed every delivered event, corrected by a resync, bounded by `maxCalls`.
 *
 * Wiring (what TServerConnection does): register()/unregister() as the ledger learns registrations;
 * apply() for every event delivered to users; around a resync beginResync(), then resyncCall()
 * per call of the plan, resyncDN() per DN, resyncCall() per callsToQuery() (calls the DN answers
 * found), endResync(). Calls before DNs: a call answer listing every party moves a call between
 * DNs as one correction, where a DN answer first would end the call and find it again. Each method
 * returns the changes to emit as 'callChanged' / 'callEnded' / 'dnChanged'.
 */
import { InvalidArgumentError } from '../errors.js';
import { applyEvent } from './events.js';
import { Resync } from './resync.js';
import { ModelStore } from './store.js';
import {
  DEFAULT_MAX_CALLS,
  DEFAULT_MAX_USER_DATA_BYTES,
  DEFAULT_MAX_USER_DATA_BYTES_PER_CALL,
  type CallView,
  type Change,
  type ChangeCause,
  type DNView,
  type ModelEvent,
  type ResyncPlan,
  type ResyncResult,
  type StateModelOptions,
} from './types.js';

function limit(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got ${String(value)}`);
  return v;
}

/** The state model without a connection: feed it delivered events (`apply`) and read frozen views of calls and DNs. `conn.calls` / `conn.dns` are this model, fed by the connection. */
export class StateModel {
  private readonly store: ModelStore;
  private readonly sync: Resync;
  private syncing = false;
  private readonly listening: () => boolean;

  constructor(options: StateModelOptions = {}) {
    const limits = {
      maxCalls: limit('maxCalls', options.maxCalls, DEFAULT_MAX_CALLS, 1),
      maxUserDataBytesPerCall: limit('maxUserDataBytesPerCall', options.maxUserDataBytesPerCall, DEFAULT_MAX_USER_DATA_BYTES_PER_CALL, 0),
      maxUserDataBytes: limit('maxUserDataBytes', options.maxUserDataBytes, DEFAULT_MAX_USER_DATA_BYTES, 0),
    };
    this.store = new ModelStore(limits, options.onWarning, options.now ?? Date.now);
    this.sync = new Resync(this.store);
    this.listening = options.listening ?? (() => true);
  }

  get maxCalls(): number {
    return this.store.limits.maxCalls;
  }

  /** The byte bounds on user data: per call and for all calls. */
  get userDataLimits(): { readonly perCall: number; readonly total: number } {
    return { perCall: this.store.limits.maxUserDataBytesPerCall, total: this.store.limits.maxUserDataBytes };
  }

  /** Calls on registered DNs, by ConnID (frozen views, replaced on change). */
  get calls(): ReadonlyMap<string, CallView> {
    return this.store.callViews;
  }

  /** Registered DNs (frozen views, replaced on change). */
  get dns(): ReadonlyMap<string, DNView> {
    return this.store.dnViews;
  }

  /** True between beginResync() and endResync(). */
  get resyncing(): boolean {
    return this.syncing;
  }

  /** Starts tracking `dn` (the user registered it). `cause`: usually the EventRegistered answer. */
  register(dn: string, cause: ChangeCause): readonly Change[] {
    this.begin();
    this.store.register(dn);
    return this.store.commit(cause);
  }

  /** Stops tracking `dn`; calls left with no registered party end. */
  unregister(dn: string, cause: ChangeCause): readonly Change[] {
    this.begin();
    this.store.unregister(dn);
    return this.store.commit(cause);
  }

  /**
   * Follows one delivered event. During a resync, an EventPartyInfo / EventAddressInfo the resync
   * awaits is taken as its answer (cause 'resync'), so it is applied once and in order.
   */
  apply(event: ModelEvent): readonly Change[] {
    this.begin();
    if (this.syncing && typeof event.ReferenceID === 'number') {
      const name = event.Event;
      if (name === 'EventPartyInfo' && typeof event.ConnID === 'string' && this.sync.awaitsCall(event.ConnID)) {
        return this.sync.call(event.ConnID, event);
      }
      if (name === 'EventAddressInfo' && typeof event.ThisDN === 'string' && this.sync.awaitsDN(event.ThisDN)) {
        return this.sync.dn(event.ThisDN, event);
      }
    }
    applyEvent(this.store, event);
    return this.store.commit(event);
  }

  /**
   * Starts a resync: query every DN and call of the plan (the calls are the model's, so at most
   * maxCalls). A resync begun over another keeps the corrections the first one made.
   */
  beginResync(): ResyncPlan {
    this.syncing = true;
    return this.sync.begin();
  }

  /** A QueryCall answer (EventPartyInfo), or 'gone' for EventError 57. No-op outside a resync. */
  resyncCall(connId: string, answer: ModelEvent | 'gone'): readonly Change[] {
    if (!this.syncing || (answer !== 'gone' && !this.sync.awaitsCall(connId))) return [];
    this.begin();
    return this.sync.call(connId, answer);
  }

  /** A QueryAddress answer (EventAddressInfo). No-op outside a resync or once answered. */
  resyncDN(dn: string, answer: ModelEvent): readonly Change[] {
    if (!this.syncing || !this.sync.awaitsDN(dn)) return [];
    this.begin();
    return this.sync.dn(dn, answer);
  }

  /** Calls DN answers found that the plan did not hold: query them too (each is returned once). */
  callsToQuery(): string[] {
    return this.syncing ? this.sync.takeFound() : [];
  }

  /** Ends the resync: the corrections it made, and the changes of this last step. */
  endResync(): ResyncResult {
    if (!this.syncing) return { corrections: [], changes: [] };
    this.syncing = false;
    this.begin();
    return this.sync.finish();
  }

  /** Drops a resync in progress (the connection closed or restarts it from scratch). */
  abortResync(): void {
    this.syncing = false;
    this.sync.reset(true);
  }

  /** Each step asks once whether its changes are wanted. */
  private begin(): void {
    this.store.listening = this.listening();
  }
}
