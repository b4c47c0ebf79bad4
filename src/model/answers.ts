/**
 * What a query answer says, applied to the store: EventPartyInfo (QueryCall) and EventAddressInfo
 * (QueryAddress). Both are used by the resync (which turns the differences into corrections) and
 * by apply() for a user's own query.
 *
 * Two levels of answer. The 1.1 attributes alone name two parties of a call (ThisDN, OtherDN) and
 * one call of a DN (ConnID): they add what they name and take nothing off (finish() of the resync
 * settles the rest). An answer that also lists every party — Extensions `Parties` = [[dn, state]…]
 * in EventPartyInfo — or every call of the DN — Extensions `Calls` = [[connId, state]…] in
 * EventAddressInfo, with `DND` (0/1), `ForwardTo`/`ForwardMode` — is the whole truth: registered
 * DNs it does not list are taken off. The simulator sends these Extensions.
 */
import { agentAnswered } from './agent.js';
import { extension, int, str } from './read.js';
import type { CallRecord } from './records.js';
import type { ModelStore } from './store.js';
import type { Correction, ForwardView, ModelEvent, PartyState } from './types.js';

const PARTY_STATES: ReadonlySet<string> = new Set(['dialing', 'ringing', 'established', 'held', 'queued', 'routing']);

/** An answer's empty list (a DN on no call): one map for all of them, never written to. */
const NO_STATES: ReadonlyMap<string, PartyState> = new Map();

/** A kvlist of [key, party state] as a map; undefined when absent or not a list. */
function stateList(v: unknown): ReadonlyMap<string, PartyState> | undefined {
  if (!Array.isArray(v)) return undefined;
  if (v.length === 0) return NO_STATES;
  const out = new Map<string, PartyState>();
  for (const pair of v as unknown[]) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string') continue;
    out.set(pair[0], typeof pair[1] === 'string' && PARTY_STATES.has(pair[1]) ? (pair[1] as PartyState) : 'established');
  }
  return out;
}

export interface CallAnswer {
  /** Registered DNs the answer puts on the call. */
  named: Set<string>;
  /** The answer listed every party. */
  full: boolean;
  /** The model did not have the call (callFound once committed). */
  found: boolean;
}

/** Takes `dn` off the call, noting the difference (and callGone when the call ends). */
export function takeOff(s: ModelStore, rec: CallRecord, dn: string, diffs: Correction[]): void {
  const before = rec.parties.get(dn);
  if (before === undefined) return;
  const view = s.lastView(rec);
  s.removeParty(rec, dn);
  diffs.push({ kind: 'partyStateChanged', connId: rec.connId, dn, before, after: undefined });
  if (!rec.live) diffs.push({ kind: 'callGone', connId: rec.connId, before: view, after: undefined });
}

function putOn(
  s: ModelStore,
  rec: CallRecord,
  dn: string,
  after: PartyState,
  diffs: Correction[],
  quiet: boolean,
  confirms: boolean,
): void {
  const before = rec.parties.get(dn);
  if (before === after) return;
  s.setParty(rec, dn, after, confirms);
  if (!quiet) diffs.push({ kind: 'partyStateChanged', connId: rec.connId, dn, before, after });
}

/**
 * EventPartyInfo: the call exists, with the parties it names or lists. `confirms`: a requested
 * answer (the resync's, or the user's query) confirms the call; an unsolicited one does not.
 */
export function applyPartyInfo(
  s: ModelStore,
  e: ModelEvent,
  connId: string,
  diffs: Correction[],
  confirms = true,
  /** The call was found in this resync (callFound says it all). */
  quiet = false,
): CallAnswer {
  const list = stateList(extension(e, 'Parties'));
  const named = new Set<string>();
  const candidates = list ? list.keys() : [e.ThisDN, e.OtherDN, e.ThirdPartyDN].values();
  for (const v of candidates) {
    const dn = str(v);
    if (s.isRegistered(dn)) named.add(dn);
  }
  let rec = s.call(connId);
  const found = !rec && named.size > 0;
  if (!rec && !found) return { named, full: list !== undefined, found };
  rec ??= s.ensureCall(connId, e);
  const othersBefore = otherPartiesOf(rec);
  s.absorb(rec, e, false);
  const external = extension(e, 'External');
  if (list) {
    // Every party listed: the other parties are exactly those, and the outside caller.
    const others = [...list.keys()];
    if (typeof external === 'string' && external !== '') others.push(external);
    s.setOthers(rec, others);
  } else s.addOther(rec, e.ThisDN);
  const previous = extension(e, 'PreviousConnIDs');
  if (Array.isArray(previous))
    for (const p of previous as unknown[]) if (Array.isArray(p) && typeof p[0] === 'string') s.addPrevious(rec, p[0]);
  for (const dn of named) putOn(s, rec, dn, list?.get(dn) ?? rec.parties.get(dn) ?? 'established', diffs, found, confirms);
  if (confirms) s.raise(rec, 1);
  if (list) for (const dn of [...rec.parties.keys()]) if (!named.has(dn)) takeOff(s, rec, dn, diffs);
  if (!rec.live) return { named, full: list !== undefined, found };
  // CallState 0 in an answer is no news: a query cannot tell a transferred call from a new one.
  const callState = int(e.CallState);
  if (callState !== undefined && callState !== 0 && callState !== rec.callState) {
    if (!found && !quiet) diffs.push({ kind: 'callStateChanged', connId, before: rec.callState, after: callState });
    s.setCallState(rec, callState);
  }
  const othersAfter = otherPartiesOf(rec);
  if (list && !found && !quiet && !sameSet(othersBefore, othersAfter)) {
    diffs.push({ kind: 'otherPartiesChanged', connId, before: othersBefore, after: othersAfter });
  }
  return { named, full: list !== undefined, found };
}

/** The other parties as the call's view shows them. */
function otherPartiesOf(rec: CallRecord): readonly string[] {
  return (rec.others ?? []).filter((dn) => !rec.parties.has(dn));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export interface DNAnswer {
  /** The calls the answer puts the DN on (all of them when `full`). */
  connIds: ReadonlySet<string>;
  full: boolean;
  /** Calls the model did not have. */
  found: readonly string[];
}

/**
 * What an answer putting the DN on no call returns (most answers to a user's query): shared and
 * frozen, so such an answer allocates nothing; one that puts the DN on a call makes its own.
 */
const NO_CONNIDS: ReadonlySet<string> = new Set();
const NO_FOUND: readonly string[] = Object.freeze([]);
const NO_CALLS_PARTIAL: DNAnswer = Object.freeze({ connIds: NO_CONNIDS, full: false, found: NO_FOUND });
const NO_CALLS_FULL: DNAnswer = Object.freeze({ connIds: NO_CONNIDS, full: true, found: NO_FOUND });

/** The DN is on call `connId` (in `state`, or as it was): the call made if new, the answer made at its first call. */
function putOnCall(
  s: ModelStore,
  e: ModelEvent,
  dn: string,
  connId: string,
  state: PartyState | undefined,
  diffs: Correction[],
  confirms: boolean,
  answer: { connIds: Set<string>; full: boolean; found: string[] } | undefined,
  full: boolean,
): { connIds: Set<string>; full: boolean; found: string[] } {
  const out = answer ?? { connIds: new Set<string>(), full, found: [] };
  out.connIds.add(connId);
  let call = s.call(connId);
  const found = !call;
  if (!call) {
    out.found.push(connId);
    call = s.ensureCall(connId, e);
  }
  putOn(s, call, dn, state ?? call.parties.get(dn) ?? 'established', diffs, found, confirms);
  if (confirms) s.raise(call, 1);
  return out;
}

/**
 * EventAddressInfo (and the agent part of EventRegistered): agent, calls, DND, forwarding.
 * `confirms`: as for applyPartyInfo (an unsolicited answer listing calls confirms none of them).
 */
export function applyAddressInfo(s: ModelStore, e: ModelEvent, dn: string, diffs: Correction[], confirms = true): DNAnswer {
  const rec = s.dn(dn);
  if (!rec) return NO_CALLS_PARTIAL;
  const agent = agentAnswered(rec.agent, e, s.now);
  if (agent !== rec.agent) {
    if (agent.status !== rec.agent.status) diffs.push({ kind: 'agentStatusChanged', dn, before: rec.agent.status, after: agent.status });
    else diffs.push({ kind: 'agentChanged', dn, before: rec.agent, after: agent });
    rec.agent = agent;
    s.touchDN(rec);
  }
  if (e.Event !== 'EventAddressInfo') {
    s.forgetIfPristine(rec);
    return NO_CALLS_PARTIAL;
  }
  const dnd = extension(e, 'DND');
  if ((dnd === 0 || dnd === 1) && rec.dnd !== (dnd === 1)) {
    diffs.push({ kind: 'dndChanged', dn, before: rec.dnd, after: dnd === 1 });
    rec.dnd = dnd === 1;
    s.touchDN(rec);
  }
  const list = stateList(extension(e, 'Calls'));
  if (list) {
    const to = str(extension(e, 'ForwardTo'));
    const mode = int(extension(e, 'ForwardMode'));
    if (to !== rec.forward?.to || mode !== rec.forward?.mode) {
      // The answer carries no NoAnswerTimeout: a forwarding it changed has the switch's.
      const after: ForwardView | undefined = to === undefined ? undefined : Object.freeze({ to, mode, noAnswerTimeout: undefined });
      diffs.push({ kind: 'forwardChanged', dn, before: rec.forward, after });
      rec.forward = after;
      s.touchDN(rec);
    }
  }
  // Without the list, the one call the 1.1 attributes name (if any).
  const named = list === undefined ? str(e.ConnID) : undefined;
  const full = list !== undefined;
  let answer: { connIds: Set<string>; full: boolean; found: string[] } | undefined;
  if (list !== undefined) for (const [connId, state] of list) answer = putOnCall(s, e, dn, connId, state, diffs, confirms, answer, full);
  else if (named !== undefined) answer = putOnCall(s, e, dn, named, undefined, diffs, confirms, answer, full);
  if (list && rec.calls !== undefined && rec.calls.size > 0) {
    for (const connId of [...rec.calls.keys()]) {
      const call = s.call(connId);
      if (call && !list.has(connId)) takeOff(s, call, dn, diffs);
    }
  }
  s.forgetIfPristine(rec);
  return answer ?? (full ? NO_CALLS_FULL : NO_CALLS_PARTIAL);
}
