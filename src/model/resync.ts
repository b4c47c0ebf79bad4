/**
 * Corrections after a resync. The connection asks the new primary about every registered DN
 * (QueryAddress) and every known call (QueryCall) and hands each answer here as it arrives, so an
 * answer is applied in order with the events around it. What an answer contradicts is fixed at
 * once (changes with cause 'resync') and recorded as a Correction. What needs every answer — a
 * registered DN the server no longer has on a call — is settled by finish().
 */
import { agentStatusOf, agentWith, namedParties, partyStateIn, str } from './events.js';
import type { CallRecord, ModelStore } from './store.js';
import type { Change, Correction, ModelEvent, PartyState, ResyncPlan, ResyncResult } from './types.js';

const pairKey = (connId: string, dn: string) => `${connId}\u0000${dn}`;

export class Resync {
  /** Calls and DNs asked about and not answered yet. */
  private readonly awaitingCalls = new Set<string>();
  private readonly awaitingDNs = new Set<string>();
  /** Calls asked about (the plan and the ones found since): nothing is asked twice. */
  private readonly asked = new Set<string>();
  private found: string[] = [];
  /** Calls the server says exist → the registered DNs its answer named. */
  private readonly existing = new Map<string, Set<string>>();
  /** DNs answered → the ConnID their EventAddressInfo named (undefined: none). */
  private readonly dnAnswers = new Map<string, string | undefined>();
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
    const out = this.found;
    this.found = [];
    for (const connId of out) this.awaitingCalls.add(connId);
    return out;
  }

  awaitsCall(connId: string): boolean {
    return this.awaitingCalls.has(connId);
  }

  awaitsDN(dn: string): boolean {
    return this.awaitingDNs.has(dn);
  }

  /** A QueryCall answer (EventPartyInfo), or 'gone' for EventError 57 (no such call). */
  call(connId: string, answer: ModelEvent | 'gone'): Change[] {
    this.awaitingCalls.delete(connId);
    const s = this.s;
    let rec = s.call(connId);
    if (answer === 'gone') {
      if (rec) this.gone(rec);
      return s.commit('resync');
    }
    const named = namedParties(s, answer);
    this.existing.set(connId, new Set(named));
    const foundNow = !rec && named.length > 0;
    if (!rec && !foundNow) return s.commit('resync'); // a call on none of our DNs
    rec ??= s.ensureCall(connId, answer);
    s.absorb(rec, answer);
    s.addOther(rec, answer.ThisDN);
    for (const dn of named) {
      const before = rec.parties.get(dn);
      const after = partyStateIn(answer, dn) ?? before ?? 'established';
      if (before !== after) {
        s.setParty(rec, dn, after);
        if (!foundNow) this.corrections.push({ kind: 'partyStateChanged', connId, dn, before, after });
      } else this.seen.add(pairKey(connId, dn));
    }
    s.confirm(rec);
    return this.commitFound(foundNow ? [connId] : []);
  }

  /** A QueryAddress answer (EventAddressInfo): agent status, and the call it names. */
  dn(dn: string, info: ModelEvent): Change[] {
    this.awaitingDNs.delete(dn);
    const s = this.s;
    const rec = s.dn(dn);
    if (!rec) return s.commit('resync');
    const status = agentStatusOf(info.AgentStatus, info.AgentWorkMode);
    if (status !== undefined) {
      const before = rec.agent.status;
      rec.agent = agentWith(rec.agent, status, info);
      s.touchDN(rec);
      if (before !== status) this.corrections.push({ kind: 'agentStatusChanged', dn, before, after: status });
    }
    const connId = str(info.ConnID);
    this.dnAnswers.set(dn, connId);
    const found: string[] = [];
    if (connId !== undefined) {
      const call = s.call(connId);
      if (!call) found.push(connId);
      if (!call?.parties.has(dn)) {
        const target = call ?? s.ensureCall(connId, info);
        const after: PartyState = partyStateIn(info, dn) ?? 'established';
        s.setParty(target, dn, after);
        s.confirm(target);
        if (call) this.corrections.push({ kind: 'partyStateChanged', connId, dn, before: undefined, after });
      }
      this.seen.add(pairKey(connId, dn));
      if (!this.asked.has(connId)) {
        this.asked.add(connId);
        this.found.push(connId);
      }
    }
    return this.commitFound(found);
  }

  /**
   * Ends the resync: a registered DN still on a call the server has, that neither the call's answer
   * nor the DN's answer names and no event set since, has left it.
   */
  finish(): ResyncResult {
    const s = this.s;
    for (const [connId, named] of this.existing) {
      const rec = s.call(connId);
      if (!rec) continue;
      for (const [dn, before] of [...rec.parties]) {
        if (named.has(dn) || this.seen.has(pairKey(connId, dn)) || !this.dnAnswers.has(dn) || this.dnAnswers.get(dn) === connId) continue;
        const view = rec.view;
        s.removeParty(rec, dn);
        this.corrections.push({ kind: 'partyStateChanged', connId, dn, before, after: undefined });
        if (rec.parties.size === 0 && view) this.corrections.push({ kind: 'callGone', connId, before: view, after: undefined });
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
    this.existing.clear();
    this.dnAnswers.clear();
    this.seen.clear();
    if (dropCorrections) this.corrections = [];
    this.s.partyTouched = undefined;
  }

  private gone(rec: CallRecord): void {
    const before = rec.view;
    this.s.endCall(rec);
    if (before) this.corrections.push({ kind: 'callGone', connId: rec.connId, before, after: undefined });
  }

  /** Commits; a call found now is named with the view users get. */
  private commitFound(found: string[]): Change[] {
    const changes = this.s.commit('resync');
    for (const connId of found) {
      const after = this.s.callViews.get(connId);
      if (after) this.corrections.push({ kind: 'callFound', connId, before: undefined, after });
    }
    return changes;
  }
}
