/**
 * The mutable records behind the state model, its bounds, and the changes of each step. A step
 * (one event, one resync answer) mutates records and ends with commit(). Nothing is built per step
 * unless someone listens: views are made when read (views.ts), and the change list only when the
 * model is told someone takes it (`listening`). Per event the model does a few map lookups and
 * field writes: no map is cleared, no view is frozen, no user data copied.
 */
import type { KVList } from '../protocol/attributes.js';
import { CallList } from './call-list.js';
import { MAX_OTHER_PARTIES, MAX_PREVIOUS_CONNIDS, newCallRecord, newDNRecord, timeOf, type CallRecord, type DNRecord } from './records.js';
import { RANKS, Tier, type Rank } from './tiers.js';
import type { CallView, Change, ChangeCause, DNView, ModelEvent, ModelWarning, PartyState } from './types.js';
import { kvBytes, kvPrefix, own } from './user-data.js';
import { buildCallView, buildDNView, ViewMap } from './views.js';

/** The rank a party state gives a call: dialling, talking or holding is the server's word that it matters. */
export const RANK_OF: Readonly<Record<PartyState, Rank>> = {
  dialing: 1,
  established: 1,
  held: 1,
  ringing: 0,
  queued: 0,
  routing: 0,
};

export interface StoreLimits {
  maxCalls: number;
  maxUserDataBytesPerCall: number;
  maxUserDataBytes: number;
}

const NO_CHANGES: readonly Change[] = Object.freeze([]);

export class ModelStore {
  private readonly records = new Map<string, CallRecord>();
  /**
   * Registered DNs. A DN nothing has happened to yet has no record (null): a connection with
   * thousands of idle DNs holds little more than their names. The record is made when the DN first
   * changes or its view is read.
   */
  private readonly dnRecords = new Map<string, DNRecord | null>();
  readonly callViews: ReadonlyMap<string, CallView> = new ViewMap(this.records, (r) => this.callView(r));
  readonly dnViews: ReadonlyMap<string, DNView> = new ViewMap(this.dnRecords, (r, dn) => this.dnView(r ?? this.dnRecord(dn)));
  /** Eviction order, one list per rank. */
  private readonly tiers: Tier[] = Array.from({ length: RANKS }, () => new Tier());
  /** Whether this step's changes are wanted (set by the model before each step). */
  listening = true;
  private step = 1;
  /** Records changed this step, in the order first changed (filled only while listening). */
  private journal: CallRecord[] = [];
  private dnJournal: DNRecord[] = [];
  private evictions: CallRecord[] = [];
  private evicted = 0;
  private trimmed = 0;
  /** User data bytes held by all calls. */
  private userDataBytes = 0;
  /** Told of every party a step sets (the resync uses it to spare parties events confirmed). */
  partyTouched: ((connId: string, dn: string) => void) | undefined;

  constructor(
    readonly limits: StoreLimits,
    private readonly onWarning: ((w: ModelWarning) => void) | undefined,
    readonly now: () => number,
  ) {}

  // ------------------------------------------------------------------ DNs

  isRegistered(dn: string | undefined): dn is string {
    return dn !== undefined && this.dnRecords.has(dn);
  }

  /** An answer that changed nothing on a DN nothing had happened to: it keeps no record. */
  forgetIfPristine(rec: DNRecord): void {
    if (rec.version === 0 && rec.view === undefined && rec.calls === undefined && rec.live) {
      rec.live = false; // a call's hint to it is stale: the DN's next record is made afresh
      this.dnRecords.set(rec.dn, null);
    }
  }

  /**
   * The record of `dn` for an event on the call `rec` (if the model holds it): the call's hint when
   * it is that DN's and still registered, else the lookup (the hint then points to it).
   */
  dnOn(rec: CallRecord | undefined, dn: string): DNRecord | undefined {
    if (rec === undefined) return this.dn(dn);
    const hint = rec.dnHint;
    if (hint !== undefined && hint.dn === dn && hint.live) return hint;
    const found = this.dn(dn);
    if (found !== undefined) rec.dnHint = found;
    return found;
  }

  /** The registered DN's record (made if it has none yet), or undefined when not registered. */
  dn(dn: string | undefined): DNRecord | undefined {
    if (dn === undefined) return undefined;
    const rec = this.dnRecords.get(dn);
    return rec === null ? this.dnRecord(dn) : rec;
  }

  private dnRecord(dn: string): DNRecord {
    const rec = newDNRecord(dn);
    this.dnRecords.set(dn, rec);
    return rec;
  }

  registeredDNs(): string[] {
    return [...this.dnRecords.keys()];
  }

  register(dn: string): void {
    if (this.dnRecords.has(dn)) return;
    this.dnRecords.set(dn, null);
    // Someone listens: the new DN is announced (with its view).
    if (this.listening) this.touchDN(this.dnRecord(dn));
  }

  /** Drops the DN and its place on every call (a call with no registered party left ends). */
  unregister(dn: string): void {
    const rec = this.dnRecords.get(dn);
    if (rec === undefined) return;
    if (rec?.calls) {
      for (const connId of [...rec.calls.keys()]) {
        const call = this.records.get(connId);
        if (call) this.removeParty(call, dn);
      }
    }
    if (rec) rec.live = false;
    this.dnRecords.delete(dn);
  }

  /** Marks the DN changed (after its agent, DND, forwarding or calls moved). */
  touchDN(rec: DNRecord): void {
    rec.version++;
    if (this.listening && rec.mark !== this.step) {
      rec.mark = this.step;
      this.dnJournal.push(rec);
    }
  }

  dnView(rec: DNRecord): DNView {
    if (rec.view === undefined || rec.viewVersion !== rec.version) {
      rec.view = buildDNView(rec);
      rec.viewVersion = rec.version;
    }
    return rec.view;
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

  /** The call, created if new (startedAt from the event's `time`). */
  ensureCall(connId: string, e: ModelEvent | undefined): CallRecord {
    // A ConnID attribute is decoded from 8 bytes into a new flat string: no frame text to let go of.
    return this.call(connId) ?? this.create(connId, e);
  }

  private create(connId: string, e: ModelEvent | undefined): CallRecord {
    const rec = newCallRecord(connId, (e && timeOf(e)) ?? this.now(), this.step);
    this.records.set(connId, rec);
    this.tiers[0]!.push(rec);
    this.touch(rec);
    return rec;
  }

  /** Marks the call changed and moves it to the young end of its tier. */
  touch(rec: CallRecord): void {
    if (rec.mark !== this.step) {
      rec.mark = this.step;
      rec.markVersion = rec.version;
      if (this.listening) this.journal.push(rec);
    }
    rec.version++;
    // Only a linked record has a younger neighbour (drop() unlinks): the youngest stays put.
    if (rec.younger !== undefined) this.tiers[rec.rank]!.touch(rec);
  }

  /** Raises the call's rank (never lowers it). */
  raise(rec: CallRecord, rank: Rank): void {
    if (rank <= rec.rank || !rec.live) return;
    this.tiers[rec.rank]!.remove(rec);
    rec.rank = rank;
    this.tiers[rank]!.push(rec);
  }

  /** `confirms`: false for an answer nobody asked for, whose party states raise no rank. */
  setParty(rec: CallRecord, dn: string, state: PartyState, confirms = true): void {
    const dnRec = this.dn(dn);
    if (dnRec !== undefined) this.putParty(rec, dnRec, state, confirms ? RANK_OF[state] : 0);
    else {
      rec.parties.set(dn, state);
      this.touch(rec);
    }
  }

  /**
   * A registered DN's party state on the call (the per-event path: one lookup of each record).
   * `rank`: what the state says of the call (RANK_OF, or 0 for an answer nobody asked for).
   */
  putParty(rec: CallRecord, dnRec: DNRecord, state: PartyState, rank: Rank): void {
    const dn = dnRec.dn;
    if (rec.dnHint !== dnRec) rec.dnHint = dnRec;
    const before = rec.parties.get(dn);
    if (before !== state) {
      rec.parties.set(dn, state);
      if (before === undefined) {
        (dnRec.calls ??= new CallList()).add(rec.connId);
        this.touchDN(dnRec);
      }
    }
    this.partyTouched?.(rec.connId, dn);
    if (rank > rec.rank) this.raise(rec, rank);
    this.touch(rec);
  }

  /** Takes `dn` off the call; the call ends when no registered party remains. */
  removeParty(rec: CallRecord, dn: string): void {
    if (!rec.parties.has(dn)) return;
    if (rec.parties.size === 1) {
      this.endCall(rec);
      return;
    }
    rec.parties.delete(dn);
    const dnRec = this.dnRecords.get(dn);
    if (dnRec?.calls?.delete(rec.connId)) this.touchDN(dnRec);
    this.touch(rec);
  }

  endCall(rec: CallRecord): void {
    if (!rec.live) return;
    this.touch(rec);
    if (this.listening && rec.bornAt !== this.step) rec.endView = this.lastView(rec);
    this.drop(rec);
  }

  /** The view users last saw of the call: the one current when this step began, else one made now. */
  lastView(rec: CallRecord): CallView {
    const start = rec.mark === this.step ? rec.markVersion : rec.version;
    return rec.view !== undefined && rec.viewVersion === start ? rec.view : this.callView(rec);
  }

  callView(rec: CallRecord): CallView {
    if (rec.view === undefined || rec.viewVersion !== rec.version) {
      rec.view = buildCallView(rec);
      rec.viewVersion = rec.version;
    }
    return rec.view;
  }

  addOther(rec: CallRecord, dn: unknown): void {
    if (typeof dn !== 'string' || dn === '') return;
    const others = rec.others;
    if (others === undefined) rec.others = [own(dn)];
    else {
      if (others[others.length - 1] === dn) return;
      const at = others.indexOf(dn);
      others.push(at >= 0 ? others.splice(at, 1)[0]! : own(dn));
      if (others.length > MAX_OTHER_PARTIES) others.shift();
    }
    this.touch(rec);
  }

  /** The call's other parties are exactly `dns` (an answer listed every party): kept ones keep their order. */
  setOthers(rec: CallRecord, dns: readonly string[]): void {
    const kept = (rec.others ?? []).filter((dn) => dns.includes(dn));
    for (const dn of dns) if (!kept.includes(dn) && kept.length < MAX_OTHER_PARTIES) kept.push(own(dn));
    rec.others = kept.length === 0 ? undefined : kept;
    this.touch(rec);
  }

  setCallState(rec: CallRecord, callState: number): void {
    rec.callState = callState;
    this.touch(rec);
  }

  dropOther(rec: CallRecord, dn: unknown): void {
    const at = typeof dn === 'string' && rec.others !== undefined ? rec.others.indexOf(dn) : -1;
    if (at < 0) return;
    rec.others!.splice(at, 1);
    this.touch(rec);
  }

  addPrevious(rec: CallRecord, connId: string): void {
    const previous = (rec.previous ??= []);
    if (previous.includes(connId) || connId === rec.connId) return;
    previous.push(connId);
    if (previous.length > MAX_PREVIOUS_CONNIDS) previous.shift();
    this.touch(rec);
  }

  /**
   * What an event says about the call itself: CallType, CallState (unless `callState` is false: an
   * answer's is read on its own), ANI, DNIS, UserData, the other party.
   */
  absorb(rec: CallRecord, e: ModelEvent, callState = true): void {
    this.describe(rec, e, callState);
    this.touch(rec);
  }

  /** absorb() without marking the call changed: for a step that touches it next anyway. */
  describe(rec: CallRecord, e: ModelEvent, callState = true): void {
    const callType = e.CallType;
    if (typeof callType === 'number') rec.callType = callType;
    const state = e.CallState;
    if (callState && typeof state === 'number') rec.callState = state;
    const ani = e.ANI;
    if (typeof ani === 'string' && ani !== rec.ani) rec.ani = own(ani);
    const dnis = e.DNIS;
    if (typeof dnis === 'string' && dnis !== rec.dnis) rec.dnis = own(dnis);
    const userData = e.UserData;
    if (Array.isArray(userData)) this.setUserData(rec, userData);
    this.addOther(rec, e.OtherDN);
  }

  /** A call that goes on under a new ConnID takes over what the old one knew (its user data: the caller). */
  inherit(to: CallRecord, from: CallRecord): void {
    to.startedAt = from.startedAt;
    to.callType = from.callType;
    to.callState = from.callState;
    to.ani = from.ani;
    to.dnis = from.dnis;
    for (const other of from.others ?? []) this.addOther(to, other);
    for (const p of from.previous ?? []) this.addPrevious(to, p);
    this.touch(to);
  }

  /**
   * Keeps `list` as the call's user data within the byte bounds: past the per-call bound only the
   * leading entries that fit are kept, and past the total what room is left (first come, first
   * kept), with a warning. Kept as given (no copy) when it fits.
   */
  setUserData(rec: CallRecord, list: Readonly<KVList>): void {
    const { maxUserDataBytesPerCall: perCall, maxUserDataBytes: total } = this.limits;
    let kept = list;
    let frozen = list === rec.userData ? rec.userDataFrozen : false;
    let bytes = kvBytes(list, perCall);
    let bound: string | undefined;
    if (bytes > perCall) {
      ({ list: kept, bytes } = kvPrefix(list, perCall));
      frozen = true;
      bound = `maxUserDataBytesPerCall = ${perCall}`;
    }
    const room = total - (this.userDataBytes - rec.userDataBytes);
    if (bytes > room) {
      ({ list: kept, bytes } = kvPrefix(kept, room));
      frozen = true;
      bound = `maxUserDataBytes = ${total} (all calls)`;
    }
    this.userDataBytes += bytes - rec.userDataBytes;
    rec.userDataBytes = bytes;
    rec.userData = kept;
    rec.userDataFrozen = frozen;
    if (bound !== undefined) this.trim(rec, bound, kept.length, list.length);
  }

  private trim(rec: CallRecord, bound: string, kept: number, given: number): void {
    this.trimmed++;
    if (this.trimmed !== 1 && this.trimmed % this.limits.maxCalls !== 0) return;
    this.onWarning?.({
      code: 'ERR_MODEL_USER_DATA_LIMIT',
      detail:
        `the state model keeps user data within ${bound} bytes: call ${rec.connId} keeps ${kept} of ${given} ` +
        `entries (${this.trimmed} trimmed so far)`,
      trimmed: this.trimmed,
    });
  }

  // ------------------------------------------------------------------ bound and commit

  private drop(rec: CallRecord): void {
    rec.live = false;
    this.records.delete(rec.connId);
    this.tiers[rec.rank]!.remove(rec);
    for (const dn of rec.parties.keys()) {
      const dnRec = this.dnRecords.get(dn);
      if (dnRec?.calls?.delete(rec.connId)) this.touchDN(dnRec);
    }
    this.userDataBytes -= rec.userDataBytes;
    rec.userDataBytes = 0;
    rec.userData = undefined;
  }

  /** Past maxCalls, the least recently touched call of the lowest rank goes first. */
  private enforceBound(): void {
    const { maxCalls } = this.limits;
    while (this.records.size > maxCalls) {
      const victim = (this.tiers[0]!.oldest ?? this.tiers[1]!.oldest ?? this.tiers[2]!.oldest) as CallRecord;
      if (this.listening && victim.bornAt !== this.step) {
        victim.endView = this.lastView(victim);
        victim.evicted = true;
        this.evictions.push(victim);
      }
      this.drop(victim);
      this.evicted++;
      if (this.evicted === 1 || this.evicted % maxCalls === 0) {
        const rank = ['offered', 'confirmed by the server', "confirmed by the user's own request"][victim.rank];
        this.onWarning?.({
          code: 'ERR_MODEL_CALLS_LIMIT',
          detail:
            `the state model holds at most maxCalls = ${maxCalls} calls: dropped the least recently seen ` +
            `${rank} call ${victim.connId} (${this.evicted} dropped so far)`,
          evicted: this.evicted,
        });
      }
    }
  }

  /** Ends the step: enforces the bound and, when someone listens, returns the changes. */
  commit(cause: ChangeCause): readonly Change[] {
    if (this.records.size > this.limits.maxCalls) this.enforceBound();
    this.step++;
    if (this.journal.length === 0 && this.dnJournal.length === 0 && this.evictions.length === 0) return NO_CHANGES;
    const out: Change[] = [];
    for (const rec of this.journal) {
      if (rec.live) out.push({ kind: 'callChanged', view: this.callView(rec), cause });
      else if (rec.endView !== undefined && !rec.evicted) out.push({ kind: 'callEnded', view: rec.endView, cause });
    }
    for (const rec of this.evictions) out.push({ kind: 'callEnded', view: rec.endView!, cause: 'evicted' });
    for (const rec of this.journal) rec.endView = undefined;
    for (const rec of this.evictions) rec.endView = undefined;
    for (const rec of this.dnJournal) {
      if (rec.live && changedSinceView(rec)) out.push({ kind: 'dnChanged', view: this.dnView(rec), cause });
    }
    this.journal = [];
    this.dnJournal = [];
    this.evictions = [];
    return out;
  }
}

/** False when the DN's view already shows the record (e.g. a call added and dropped in one step). */
function changedSinceView(rec: DNRecord): boolean {
  const v = rec.view;
  if (v === undefined) return true;
  if (v.agent !== rec.agent || v.dnd !== rec.dnd || v.forward !== rec.forward) return true;
  return rec.calls?.changedSinceMark() ?? false;
}
