/**
 * The ledger: what the user asked the servers to remember (registered DNs, the input mask,
 * transaction-monitoring subscriptions), replayed on every new session; and the state model of the
 * calls and agents on those DNs (src/model), which drives the resync.
 */
import { StateModel, type CallView, type Change, type ChangeCause, type StateModelOptions } from '../model/index.js';
import type { KVListInput } from '../protocol/attributes.js';

export interface DNRegistration {
  RegisterMode?: number;
  AddressType?: number;
}

const NO_MODES: DNRegistration = Object.freeze({});

export interface SubscriptionRecord {
  TransactionType?: number;
  Extensions?: KVListInput;
  /** The SubscriptionID the current server gave (differs from the user's after a replay). */
  serverId: number;
}

export class Ledger {
  /** Registered DNs in registration order, with the modes they were registered with. */
  readonly dns = new Map<string, DNRegistration>();
  inputMask: Uint8Array | undefined;
  /**
   * Active transaction-monitoring subscriptions, by the SubscriptionID users were given. After a
   * replay the server's ID may differ: requests and EventTransactionStatus are translated.
   */
  readonly subscriptions = new Map<number, SubscriptionRecord>();

  /** Calls and agents on the registered DNs (conn.calls, conn.dns). */
  readonly model: StateModel;
  /** Where the model's changes go: the connection emits them as callChanged / callEnded / dnChanged. */
  changed: (changes: readonly Change[]) => void = () => {};

  constructor(model: StateModelOptions = {}) {
    this.model = new StateModel(model);
  }

  /** Known calls on registered DNs, by ConnID (what the resync queries). */
  get calls(): ReadonlyMap<string, CallView> {
    return this.model.calls;
  }

  /** Applies a delivered event to the model; the caller emits the event, then `changed(changes)`. */
  learn(event: Record<string, unknown>): readonly Change[] {
    return this.model.apply(event);
  }

  /** The user's SubscriptionID for a server's one (identity when unknown). */
  userSubscriptionId(serverId: number): number {
    for (const [userId, rec] of this.subscriptions) if (rec.serverId === serverId) return userId;
    return serverId;
  }

  registered(dn: string, reg: DNRegistration, cause: ChangeCause): void {
    // Most DNs are registered with no modes: one shared record for all of them.
    this.dns.set(dn, reg.RegisterMode === undefined && reg.AddressType === undefined ? NO_MODES : reg);
    this.changed(this.model.register(dn, cause));
  }

  unregistered(dn: string, cause: ChangeCause): void {
    this.dns.delete(dn);
    this.changed(this.model.unregister(dn, cause));
  }
}
