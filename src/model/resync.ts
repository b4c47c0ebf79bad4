/**
 * Corrections after a resync. The connection asks the new primary about every registered DN
 * (QueryAddress) and every known call (QueryCall) and hands each answer here as it arrives, so an
 * answer is applied in order with the events around it. What an answer contradicts is fixed at
 * once (changes with cause 'resync') and recorded as a Correction. What needs every answer — a
 * registered DN the server no longer has on a call — is settled by finish().
 */
import { applyAddressInfo, applyPartyInfo, takeOff } from './answers.js';
import type { ModelStore } from './store.js';
import type { Change, Correction, ModelEvent, ResyncPlan, ResyncResult } from './types.js';

const pairKey = (connId: string, dn: string) => `${connId}\u0000${dn}`;

export class Resync {
  /** Calls and DNs asked about and not answered yet. */
  private readonly awaitingCalls = new Set<string>();
  private readonly awaitingDNs = new Set<string>();
  /** Calls asked about (the plan and the ones found since): nothing is asked twice. */
  private readonly asked = new Set<string>();
  private found: string[] = [];
  /** Calls this resync found (their callFound correction says it all). */
  private readonly foundIds = new Set<string>();
  /** Calls answered with only two parties named → the registered DNs named. */
  private readonly partial = new Map<string, Set<string>>();
  /** DNs answered → 'full' (every call listed) or the ConnIDs named. */
  private readonly dnAnswers = new Map<string, 'full' | ReadonlySet<string>>();
  /** (call, DN) pairs an event or answer set since the resync began: the DN is on that call. */
  private readonly seen = new Set<string>();
  private corrections: Correction[] = [];

  constructor(private readonly s: ModelStore) {}

  /** Starts (or restarts) a resync; corrections of a restarted one are kept for the summary. */
  begin(): ResyncPlan {
    this.reset(false);
    const plan: ResyncPlan = { dns: this.s.registeredDNs(), calls: this.s.connIds() };
    for (const dn of plan.dns) this.awaitingDNs.add(dn);
    for (const connId of plan.calls) {
      this.awaitingCalls.add(connId);
      this.asked.add(connId);
    }
    this.s.partyTouched = (connId, dn) => {
      if (this.asked.has(connId)) this.seen.add(pairKey(connId, dn));
    };
    return plan;
  }

  /** Calls found on a DN since the last call (not in the plan): the connection queries them too. */
  takeFound(): string[] {
    const out = this.found.filter((connId) => this.s.call(connId) !== undefined);
    this.found = [];
    return out;
  }

  awaitsCall(connId: string): boolean {
    return this.awaitingCalls.has(connId);
  }

  awaitsDN(dn: string): boolean {
    return this.awaitingDNs.has(dn);
  }

  /** A QueryCall answer (EventPartyInfo), or 'gone' for EventError 57 (no such call). */
  call(connId: string, answer: ModelEvent | 'gone'): readonly Change[] {
    this.awaitingCalls.delete(connId);
    const rec = this.s.call(connId);
    if (answer === 'gone') {
      if (rec) {
        const before = this.s.lastView(rec);
        this.s.endCall(rec);
        this.corrections.push({ kind: 'callGone', connId, before, after: undefined });
      }
      return this.s.commit('resync');
    }
    const result = applyPartyInfo(this.s, answer, connId, this.corrections, true, this.foundIds.has(connId));
    if (!result.full) this.partial.set(connId, result.named);
    return this.commitFound(result.found ? [connId] : []);
  }

  /** A QueryAddress answer (EventAddressInfo): agent status, DND, forwarding, and the DN's calls. */
  dn(dn: string, info: ModelEvent): readonly Change[] {
    this.awaitingDNs.delete(dn);
    const result = applyAddressInfo(this.s, info, dn, this.corrections);
    this.dnAnswers.set(dn, result.full ? 'full' : result.connIds);
    const changes = this.commitFound(result.found);
    // Only calls the model still holds (a list past maxCalls was cut by the bound) are asked about.
    for (const connId of result.connIds) {
      if (!this.s.call(connId)) continue;
      this.seen.add(pairKey(connId, dn));
      if (!this.asked.has(connId)) {
        this.asked.add(connId);
        this.awaitingCalls.add(connId);
        this.found.push(connId);
      }
    }
    return changes;
  }

  /**
   * Ends the resync. Answers that listed every party or every call were applied whole already;
   * what is left are calls answered with two parties named: a registered DN still on one, that
   * neither the call's answer nor the DN's answer names and no event set since, has left it.
   */
  finish(): ResyncResult {
    const s = this.s;
    for (const [connId, named] of this.partial) {
      const rec = s.call(connId);
      if (!rec) continue;
      for (const dn of [...rec.parties.keys()]) {
        const dnAnswer = this.dnAnswers.get(dn);
        if (named.has(dn) || this.seen.has(pairKey(connId, dn)) || dnAnswer === undefined || dnAnswer === 'full') continue;
        takeOff(s, rec, dn, this.corrections);
      }
    }
    const changes = s.commit('resync');
    const corrections = this.corrections;
    this.reset(true);
    return { corrections, changes };
  }

  /** Forgets the resync (the connection closed); its corrections are dropped. */
  reset(dropCorrections: boolean): void {
    this.awaitingCalls.clear();
    this.awaitingDNs.clear();
    this.asked.clear();
    this.found = [];
    this.foundIds.clear();
    this.partial.clear();
    this.dnAnswers.clear();
    this.seen.clear();
    if (dropCorrections) this.corrections = [];
    this.s.partyTouched = undefined;
  }

  /** Commits; a call found now is named with the view users get. */
  private commitFound(found: readonly string[]): readonly Change[] {
    const changes = this.s.commit('resync');
    for (const connId of found) {
      this.foundIds.add(connId);
      const rec = this.s.call(connId);
      if (rec) this.corrections.push({ kind: 'callFound', connId, before: undefined, after: this.s.callView(rec) });
    }
    return changes;
  }
}
