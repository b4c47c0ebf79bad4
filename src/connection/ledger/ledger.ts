/**
 * The ledger: what the user asked the servers to remember (registered DNs, the input mask,
 * transaction-monitoring subscriptions), replayed on every new session; and the state model of the
 * calls and agents on those DNs (src/model), which drives the resync.
 */
import { StateModel, type CallView, type Change, type ChangeCause, type StateModelOptions } from '../../model/index.js';
import type { KVListInput } from '../../protocol/attributes.js';

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

/**
 * Active transaction-monitoring subscriptions, by the SubscriptionID users were given, and the
 * server's ID for each: after a replay the server's may differ, so requests and
 * EventTransactionStatus are translated here (both ways O(1)), and nowhere else.
 */
export class Subscriptions {
  private readonly byUser = new Map<number, SubscriptionRecord>();
  /** Server ID → user ID. */
  private readonly userIds = new Map<number, number>();

  get size(): number {
    return this.byUser.size;
  }

  entries(): IterableIterator<[number, SubscriptionRecord]> {
    return this.byUser.entries();
  }

  /** A subscription started: users keep the ID the server gave now. */
  started(id: number, rec: Omit<SubscriptionRecord, 'serverId'>): void {
    this.stopped(id);
    this.byUser.set(id, { ...rec, serverId: id });
    this.userIds.set(id, id);
  }

  stopped(userId: number): void {
    const rec = this.byUser.get(userId);
    if (!rec) return;
    this.byUser.delete(userId);
    this.userIds.delete(rec.serverId);
  }

  /** A replay started it again: the server knows it by `serverId` now. */
  renewed(userId: number, serverId: number): void {
    const rec = this.byUser.get(userId);
    if (!rec) return;
    this.userIds.delete(rec.serverId);
    rec.serverId = serverId;
    this.userIds.set(serverId, userId);
  }

  /** The server's ID for the user's (the same when unknown). */
  toServer(userId: number): number {
    return this.byUser.get(userId)?.serverId ?? userId;
  }

  /** The user's ID for the server's (the same when unknown). */
  toUser(serverId: number): number {
    return this.userIds.get(serverId) ?? serverId;
  }
}

export class Ledger {
  /** Registered DNs in registration order, with the modes they were registered with. */
  readonly dns = new Map<string, DNRegistration>();
  inputMask: Uint8Array | undefined;
  /** Transaction-monitoring subscriptions and their SubscriptionIDs. */
  readonly subscriptions = new Subscriptions();

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
