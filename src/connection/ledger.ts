/**
 * The ledger: what the user asked the servers to remember (registered DNs, the input mask,
 * transaction-monitoring subscriptions). It is replayed on every new session; the calls and agent
 * states on those DNs are the state model's (src/model).
 */
import type { KVListInput } from '../protocol/attributes.js';

export interface DNRegistration {
  RegisterMode?: number;
  AddressType?: number;
}

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

  /** The user's SubscriptionID for a server's one (identity when unknown). */
  userSubscriptionId(serverId: number): number {
    for (const [userId, rec] of this.subscriptions) if (rec.serverId === serverId) return userId;
    return serverId;
  }

  registered(dn: string, reg: DNRegistration): void {
    this.dns.set(dn, reg);
  }

  unregistered(dn: string): void {
    this.dns.delete(dn);
  }
}
