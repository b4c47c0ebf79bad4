/**
 * The ledger: what the user asked the servers to remember (registered DNs, the input mask,
 * transaction-monitoring subscriptions) and what the SDK learned from events (calls on those
 * DNs). It is replayed on every new session and drives the resync.
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
  /** Known calls on registered DNs: ConnID → the DNs it is on. */
  readonly calls = new Map<string, Set<string>>();
  /** Learns calls from a delivered event. Cheap: called for every event. */
  learn(e: Record<string, unknown>): void {
    const dn = e.ThisDN as string | undefined;
    const connId = e.ConnID as string | undefined;
    switch (e.Event) {
      case 'EventRinging':
      case 'EventDialing':
      case 'EventEstablished':
      case 'EventPartyInfo':
      case 'EventAttachedDataChanged':
        if (dn !== undefined && connId !== undefined && this.dns.has(dn)) this.addCall(connId, dn);
        break;
      case 'EventReleased':
        if (dn !== undefined && connId !== undefined) this.removeCall(connId, dn);
        break;
    }
  }

  addCall(connId: string, dn: string): void {
    let on = this.calls.get(connId);
    if (!on) this.calls.set(connId, (on = new Set()));
    on.add(dn);
  }

  removeCall(connId: string, dn?: string): void {
    const on = this.calls.get(connId);
    if (!on) return;
    if (dn === undefined) on.clear();
    else on.delete(dn);
    if (on.size === 0) this.calls.delete(connId);
  }

  registered(dn: string, reg: DNRegistration): void {
    this.dns.set(dn, reg);
  }

  unregistered(dn: string): void {
    this.dns.delete(dn);
    for (const connId of [...this.calls.keys()]) this.removeCall(connId, dn);
  }
}
