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
  /**
   * Known calls on registered DNs: ConnID → the DN it is on, or the DNs when on two or more. Nearly
   * every call is on one registered DN: a string, not a Set per call (learn() runs for every event).
   */
  readonly calls = new Map<string, string | Set<string>>();
  /** Learns calls from a delivered event. Cheap: called for every event. */
  learn(e: Record<string, unknown>): void {
    const connId = e.ConnID as string | undefined;
    if (connId === undefined) return;
    const dn = e.ThisDN as string | undefined;
    switch (e.Event) {
      case 'EventRinging':
      case 'EventDialing':
      case 'EventEstablished':
      case 'EventPartyInfo':
      case 'EventAttachedDataChanged':
        if (dn !== undefined && this.dns.has(dn)) this.addCall(connId, dn);
        break;
      case 'EventReleased':
        if (dn !== undefined) this.removeCall(connId, dn);
        break;
    }
  }

  addCall(connId: string, dn: string): void {
    const on = this.calls.get(connId);
    if (on === undefined) this.calls.set(connId, dn);
    else if (typeof on !== 'string') on.add(dn);
    else if (on !== dn) this.calls.set(connId, new Set([on, dn]));
  }

  /** Forgets `dn`'s part in the call, or the whole call when `dn` is undefined. */
  removeCall(connId: string, dn?: string): void {
    const on = this.calls.get(connId);
    if (on === undefined) return;
    if (dn === undefined || on === dn) {
      this.calls.delete(connId);
      return;
    }
    if (typeof on === 'string') return; // the call is on another DN
    on.delete(dn);
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
