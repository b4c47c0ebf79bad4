/**
 * A call's registered parties and their states: a Map's behaviour (insertion order, get, set,
 * delete), with the first party held in two fields. Nearly every call has one registered DN on
 * it (an agent's desk, a routing point), so per call no Map is made, and the per-event lookup is
 * one string comparison instead of hashing the event's ThisDN. A second party moves them to a Map.
 */
import type { PartyState } from './types.js';

export class Parties {
  private dn: string | undefined;
  private state: PartyState | undefined;
  /** All parties, in order, once there were two at a time. */
  private map: Map<string, PartyState> | undefined;

  get size(): number {
    return this.map !== undefined ? this.map.size : this.dn === undefined ? 0 : 1;
  }

  get(dn: string): PartyState | undefined {
    if (this.map !== undefined) return this.map.get(dn);
    return this.dn === dn ? this.state : undefined;
  }

  has(dn: string): boolean {
    return this.get(dn) !== undefined;
  }

  set(dn: string, state: PartyState): void {
    if (this.map !== undefined) this.map.set(dn, state);
    else if (this.dn === undefined || this.dn === dn) {
      this.dn = dn;
      this.state = state;
    } else {
      this.map = new Map([[this.dn, this.state!]]);
      this.map.set(dn, state);
      this.dn = this.state = undefined;
    }
  }

  delete(dn: string): boolean {
    if (this.map !== undefined) return this.map.delete(dn);
    if (this.dn !== dn || dn === undefined) return false;
    this.dn = this.state = undefined;
    return true;
  }

  keys(): Iterable<string> {
    if (this.map !== undefined) return this.map.keys();
    return this.dn === undefined ? [] : [this.dn];
  }

  entries(): Iterable<[string, PartyState]> {
    if (this.map !== undefined) return this.map.entries();
    return this.dn === undefined ? [] : [[this.dn, this.state!]];
  }
}
