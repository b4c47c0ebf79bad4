/**
 * The mutable records behind the state model's frozen views, and the bound on calls. Every step
 * (one event, one resync answer) mutates records, then commit() rebuilds the views it touched once
 * and returns the changes in the order they happened.
 */
import type { KVList, KVPair, TimeValue } from '../protocol/attributes.js';
import { CallList } from './call-list.js';
import type { AgentView, CallView, Change, ChangeCause, DNView, ForwardView, ModelEvent, ModelWarning, PartyState } from './types.js';

/** Other-party DNs and previous ConnIDs kept per call: a server cannot grow one call without bound. */
export const MAX_OTHER_PARTIES = 16;
export const MAX_PREVIOUS_CONNIDS = 16;

export interface CallRecord {
  connId: string;
  parties: Map<string, PartyState>;
  others: string[];
  callType: number | undefined;
  ani: string | undefined;
  dnis: string | undefined;
  userData: Readonly<KVList> | undefined;
  previous: string[];
  startedAt: number;
  /** A registered DN placed, answered or held it, or a resync found it on the server. */
  confirmed: boolean;
  /** The view users last saw (undefined until first published). */
  view: CallView | undefined;
}

export interface DNRecord {
  dn: string;
  agent: AgentView;
  dnd: boolean;
  forward: ForwardView | undefined;
  calls: CallList;
  view: DNView | undefined;
}

export const LOGGED_OUT: AgentView = Object.freeze({ id: undefined, status: 'loggedOut', workMode: undefined, place: undefined });

/** Party states that show the DN's own action on the call: such a call is confirmed. */
const CONFIRMING: ReadonlySet<PartyState> = new Set<PartyState>(['dialing', 'established', 'held']);

/** A frozen copy of a kvlist; entries that are not `[string, value]` are left out (never thrown on). */
export function freezeKV(list: readonly unknown[], depth = 0): Readonly<KVList> {
  const copy: KVPair[] = [];
  for (const pair of list) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string') continue;
    const v = pair[1] as KVPair[1];
    copy.push(Object.freeze([pair[0], Array.isArray(v) ? (depth < 16 ? freezeKV(v, depth + 1) : []) : v]) as KVPair);
  }
  return Object.freeze(copy) as Readonly<KVList>;
}

export function timeOf(e: ModelEvent): number | undefined {
  const t = e.time as TimeValue | undefined;
  return t && typeof t.seconds === 'number' ? t.seconds * 1000 + Math.floor((t.microseconds ?? 0) / 1000) : undefined;
}

type Pending = 'changed' | 'ended';

export class ModelStore {
  readonly callViews = new Map<string, CallView>();
  readonly dnViews = new Map<string, DNView>();
  private readonly records = new Map<string, CallRecord>();
  private readonly dnRecords = new Map<string, DNRecord>();
  /** Touch order per tier, oldest first: eviction takes unconfirmed calls before confirmed ones. */
  private readonly unconfirmed = new Map<string, CallRecord>();
  private readonly confirmed = new Map<string, CallRecord>();
  private readonly pendingCalls = new Map<CallRecord, Pending>();
  private readonly pendingDNs = new Set<DNRecord>();
  private evictions: CallRecord[] = [];
  private evicted = 0;
  /** Told of every party a step sets (the resync uses it to spare parties events confirmed). */
  partyTouched: ((connId: string, dn: string) => void) | undefined;

  constructor(
    readonly maxCalls: number,
    private readonly onWarning: ((w: ModelWarning) => void) | undefined,
    private readonly now: () => number,
  ) {}

  // ------------------------------------------------------------------ DNs

  isRegistered(dn: string | undefined): dn is string {
    return dn !== undefined && this.dnRecords.has(dn);
  }

  dn(dn: string | undefined): DNRecord | undefined {
    return dn === undefined ? undefined : this.dnRecords.get(dn);
  }

  registeredDNs(): string[] {
    return [...this.dnRecords.keys()];
  }

  register(dn: string): void {
    if (this.dnRecords.has(dn)) return;
    const rec: DNRecord = { dn, agent: LOGGED_OUT, dnd: false, forward: undefined, calls: new CallList(), view: undefined };
    this.dnRecords.set(dn, rec);
    this.pendingDNs.add(rec);
  }

  /** Drops the DN and its place on every call (a call with no registered party left ends). */
  unregister(dn: string): void {
    const rec = this.dnRecords.get(dn);
    if (!rec) return;
    for (const connId of [...rec.calls.keys()]) {
      const call = this.records.get(connId);
      if (call) this.removeParty(call, dn);
    }
    this.dnRecords.delete(dn);
    this.dnViews.delete(dn);
    this.pendingDNs.delete(rec);
  }

  touchDN(rec: DNRecord): void {
    this.pendingDNs.add(rec);
  }

  // ------------------------------------------------------------------ calls

  call(connId: string | undefined): CallRecord | undefined {
    return connId === undefined ? undefined : this.records.get(connId);
  }

  get size(): number {
    return this.records.size;
  }

  connIds(): string[] {
    return [...this.records.keys()];
  }

  /** The call, created if new (startedAt from the event's `time`); marks it changed. */
  ensureCall(connId: string, e: ModelEvent | undefined): CallRecord {
    let rec = this.records.get(connId);
    if (rec) {
      this.touch(rec);
      return rec;
    }
    rec = {
      connId,
      parties: new Map(),
      others: [],
      callType: undefined,
      ani: undefined,
      dnis: undefined,
      userData: undefined,
      previous: [],
      startedAt: (e && timeOf(e)) ?? this.now(),
      confirmed: false,
      view: undefined,
    };
    this.records.set(connId, rec);
    this.unconfirmed.set(connId, rec);
    this.pendingCalls.set(rec, 'changed');
    return rec;
  }

  /** Marks the call changed and moves it to the young end of its tier. */
  touch(rec: CallRecord): void {
    if (this.records.get(rec.connId) !== rec) return;
    const tier = rec.confirmed ? this.confirmed : this.unconfirmed;
    tier.delete(rec.connId);
    tier.set(rec.connId, rec);
    if (this.pendingCalls.get(rec) !== 'ended') this.pendingCalls.set(rec, 'changed');
  }

  confirm(rec: CallRecord): void {
    if (rec.confirmed || !this.records.has(rec.connId)) return;
    this.unconfirmed.delete(rec.connId);
    rec.confirmed = true;
    this.touch(rec);
  }

  setParty(rec: CallRecord, dn: string, state: PartyState): void {
    rec.parties.set(dn, state);
    const dnRec = this.dnRecords.get(dn);
    if (dnRec && !dnRec.calls.has(rec.connId)) {
      dnRec.calls.add(rec.connId);
      this.pendingDNs.add(dnRec);
    }
    this.partyTouched?.(rec.connId, dn);
    if (CONFIRMING.has(state)) this.confirm(rec);
    this.touch(rec);
  }

  /** Takes `dn` off the call; the call ends when no registered party remains. */
  removeParty(rec: CallRecord, dn: string): void {
    if (!rec.parties.delete(dn)) return;
    const dnRec = this.dnRecords.get(dn);
    if (dnRec?.calls.delete(rec.connId)) this.pendingDNs.add(dnRec);
    if (rec.parties.size === 0) this.endCall(rec);
    else this.touch(rec);
  }

  endCall(rec: CallRecord): void {
    if (this.records.get(rec.connId) !== rec) return;
    this.drop(rec);
    this.pendingCalls.set(rec, 'ended');
  }

  addOther(rec: CallRecord, dn: unknown): void {
    if (typeof dn !== 'string' || dn === '') return;
    const at = rec.others.indexOf(dn);
    if (at >= 0) rec.others.splice(at, 1);
    rec.others.push(dn);
    if (rec.others.length > MAX_OTHER_PARTIES) rec.others.shift();
  }

  addPrevious(rec: CallRecord, connId: string): void {
    if (rec.previous.includes(connId) || connId === rec.connId) return;
    rec.previous.push(connId);
    if (rec.previous.length > MAX_PREVIOUS_CONNIDS) rec.previous.shift();
  }

  /** What an event says about the call itself: CallType, ANI, DNIS, UserData, the other party. */
  absorb(rec: CallRecord, e: ModelEvent): void {
    if (typeof e.CallType === 'number') rec.callType = e.CallType;
    if (typeof e.ANI === 'string') rec.ani = e.ANI;
    if (typeof e.DNIS === 'string') rec.dnis = e.DNIS;
    if (Array.isArray(e.UserData)) rec.userData = freezeKV(e.UserData);
    this.addOther(rec, e.OtherDN);
    this.touch(rec);
  }

  // ------------------------------------------------------------------ bound and commit

  private drop(rec: CallRecord): void {
    this.records.delete(rec.connId);
    this.unconfirmed.delete(rec.connId);
    this.confirmed.delete(rec.connId);
    if (this.callViews.get(rec.connId) === rec.view) this.callViews.delete(rec.connId);
    for (const dn of rec.parties.keys()) {
      const dnRec = this.dnRecords.get(dn);
      if (dnRec?.calls.delete(rec.connId)) this.pendingDNs.add(dnRec);
    }
  }

  /** Past maxCalls, the least recently touched unconfirmed call goes first, then confirmed ones. */
  private enforceBound(): void {
    while (this.records.size > this.maxCalls) {
      const victim = firstValue(this.unconfirmed) ?? firstValue(this.confirmed)!;
      this.drop(victim);
      if (this.pendingCalls.get(victim) === 'changed' && victim.view === undefined) this.pendingCalls.delete(victim);
      else {
        this.pendingCalls.delete(victim);
        this.evictions.push(victim);
      }
      this.evicted++;
      if (this.evicted === 1 || this.evicted % this.maxCalls === 0) {
        this.onWarning?.({
          code: 'ERR_MODEL_CALLS_LIMIT',
          detail:
            `the state model holds at most maxCalls = ${this.maxCalls} calls: dropped the least recently seen ` +
            `${victim.confirmed ? 'confirmed' : 'unconfirmed'} call ${victim.connId} (${this.evicted} dropped so far)`,
          evicted: this.evicted,
        });
      }
    }
  }

  /** Ends the step: enforces the bound, rebuilds touched views, returns the changes. */
  commit(cause: ChangeCause): Change[] {
    this.enforceBound();
    const out: Change[] = [];
    for (const [rec, what] of this.pendingCalls) {
      if (what === 'ended') {
        if (rec.view) out.push({ kind: 'callEnded', view: rec.view, cause });
        continue;
      }
      rec.view = callView(rec);
      this.callViews.set(rec.connId, rec.view);
      out.push({ kind: 'callChanged', view: rec.view, cause });
    }
    for (const rec of this.evictions) out.push({ kind: 'callEnded', view: rec.view!, cause: 'evicted' });
    for (const rec of this.pendingDNs) {
      if (this.dnRecords.get(rec.dn) !== rec || sameDN(rec)) continue;
      rec.view = dnView(rec);
      this.dnViews.set(rec.dn, rec.view);
      out.push({ kind: 'dnChanged', view: rec.view, cause });
    }
    this.pendingCalls.clear();
    this.pendingDNs.clear();
    this.evictions = [];
    return out;
  }
}

function firstValue<V>(map: Map<string, V>): V | undefined {
  for (const v of map.values()) return v;
  return undefined;
}

function callView(rec: CallRecord): CallView {
  return Object.freeze({
    connId: rec.connId,
    parties: Object.freeze(Object.fromEntries(rec.parties)),
    otherParties: Object.freeze(rec.others.filter((dn) => !rec.parties.has(dn))),
    callType: rec.callType,
    ani: rec.ani,
    dnis: rec.dnis,
    userData: rec.userData,
    previousConnIds: Object.freeze([...rec.previous]),
    startedAt: rec.startedAt,
  });
}

/** True when the DN's view already shows the record (e.g. a call added and dropped in one step). */
function sameDN(rec: DNRecord): boolean {
  const callsChanged = rec.calls.endStep();
  const v = rec.view;
  return v !== undefined && !callsChanged && v.agent === rec.agent && v.dnd === rec.dnd && v.forward === rec.forward;
}

/** `calls` is read from a snapshot of the DN's call list, made into an array on first read. */
function dnView(rec: DNRecord): DNView {
  const calls = rec.calls.snapshot();
  return Object.freeze({
    dn: rec.dn,
    agent: rec.agent,
    dnd: rec.dnd,
    forward: rec.forward,
    get calls() {
      return calls();
    },
  });
}
