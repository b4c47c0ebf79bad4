/**
 * Property: for random sequences of call-model operations on a reference switch, the state model
 * equals what a fresh resync against the same switch says — whether it saw every event (and then a
 * resync corrects nothing) or lost the events after some point (a failover gap) and resynced.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateModel, type Change, type ModelEvent, type ResyncResult } from '../../src/model/index.js';
import { EXTERNAL, OP_KINDS, ReferenceSwitch, SWITCH_DNS, type Op } from './reference-switch.js';

const REGISTERED = ['A', 'B'];
const op = fc.tuple(fc.nat(OP_KINDS - 1), fc.nat(SWITCH_DNS.length - 1), fc.nat(7), fc.nat(9)) as fc.Arbitrary<Op>;
const ops = fc.array(op, { minLength: 1, maxLength: 80, size: 'max' });

function fresh(): StateModel {
  const m = new StateModel();
  for (const dn of REGISTERED) m.register(dn, { Event: 'EventRegistered', ThisDN: dn });
  return m;
}

/**
 * Drives a resync as the connection does: the plan's calls, its DNs, then the calls DN answers
 * found. Every dnChanged of the resync must be one of its corrections: a DN whose agent, DND or
 * forwarding was corrected, or a DN that a corrected call joined or left.
 */
function resync(m: StateModel, sw: ReferenceSwitch, plain = false): ResyncResult {
  const changes: Change[] = [];
  const plan = m.beginResync();
  for (const connId of plan.calls) changes.push(...m.resyncCall(connId, sw.partyInfo(connId, plain) ?? 'gone'));
  for (const dn of plan.dns) changes.push(...m.resyncDN(dn, sw.addressInfo(dn, plain)));
  for (const connId of m.callsToQuery()) changes.push(...m.resyncCall(connId, sw.partyInfo(connId, plain) ?? 'gone'));
  expect(m.callsToQuery()).toEqual([]);
  const result = m.endResync();
  changes.push(...result.changes);
  const corrected = new Set<string>();
  for (const c of result.corrections) {
    if ('dn' in c) corrected.add(c.dn);
    for (const v of [c.before, c.after]) if (v && typeof v === 'object' && 'parties' in v) for (const dn in v.parties) corrected.add(dn);
  }
  for (const c of changes) if (c.kind === 'dnChanged') expect(corrected).toContain(c.view.dn);
  return result;
}

/** What a screen shows: calls (registered parties, user data) and DNs (agent status, DND, forwarding, calls). */
function picture(m: StateModel) {
  return {
    calls: Object.fromEntries(
      [...m.calls].map(([id, v]) => [id, { parties: { ...v.parties }, others: [...v.otherParties].sort(), userData: v.userData }]).sort(),
    ),
    dns: Object.fromEntries(
      [...m.dns].map(([dn, v]) => [dn, { status: v.agent.status, dnd: v.dnd, forward: v.forward?.to, calls: [...v.calls].sort() }]),
    ),
  };
}

/** The truth, read off the reference switch directly. */
function truth(sw: ReferenceSwitch) {
  const calls: Record<string, unknown> = {};
  for (const rc of sw.calls.values()) {
    const parties = Object.fromEntries([...rc.parties].filter(([dn]) => REGISTERED.includes(dn)));
    const others = [...rc.parties.keys()].filter((dn) => !REGISTERED.includes(dn));
    if (rc.external) others.push(EXTERNAL);
    if (Object.keys(parties).length > 0) calls[rc.connId] = { parties, others: others.sort(), userData: rc.userData };
  }
  const status = (dn: string) => {
    const a = sw.agents.get(dn);
    if (!a) return 'loggedOut';
    return a.status === 2 ? 'loggedIn' : a.status === 3 ? 'ready' : a.workMode === 3 ? 'afterCallWork' : 'notReady';
  };
  const dns = Object.fromEntries(
    REGISTERED.map((dn) => [
      dn,
      {
        status: status(dn),
        dnd: sw.dnd.has(dn),
        forward: sw.forward.get(dn),
        calls: [...sw.calls.values()]
          .filter((rc) => rc.parties.has(dn))
          .map((rc) => rc.connId)
          .sort(),
      },
    ]),
  );
  return { calls: Object.fromEntries(Object.entries(calls).sort()), dns };
}

function play(sw: ReferenceSwitch, list: Op[]): ModelEvent[] {
  return list.flatMap((o) => sw.run(o));
}

describe('state model properties (reference switch)', () => {
  it('seeing every event, the model is the truth and a resync corrects nothing', () => {
    fc.assert(
      fc.property(ops, (list) => {
        const sw = new ReferenceSwitch();
        const m = fresh();
        for (const e of play(sw, list)) m.apply(e);
        expect(picture(m)).toEqual(truth(sw));
        expect(resync(m, sw).corrections).toEqual([]);
        expect(picture(m)).toEqual(truth(sw));
      }),
      { numRuns: 300 },
    );
  });

  it('losing the events after any point, a resync brings the model to what a fresh resync says', () => {
    fc.assert(
      fc.property(ops, ops, (seen, lost) => {
        const sw = new ReferenceSwitch();
        const m = fresh();
        for (const e of play(sw, seen)) m.apply(e);
        play(sw, lost); // the failover gap: these events never reach the client
        const known = new Set(m.calls.keys());
        const { corrections } = resync(m, sw);
        const f = fresh();
        resync(f, sw);
        expect(picture(m)).toEqual(picture(f));
        expect(picture(m)).toEqual(truth(sw));
        // Every correction names something that was really different; gone and found calls exactly.
        for (const c of corrections) expect(c.before).not.toEqual(c.after);
        const now = Object.keys(truth(sw).calls);
        const named = (kind: string) =>
          corrections
            .filter((c) => c.kind === kind)
            .map((c) => ('connId' in c ? c.connId : ''))
            .sort();
        expect(named('callGone')).toEqual([...known].filter((id) => !now.includes(id)).sort());
        expect(named('callFound')).toEqual(now.filter((id) => !known.has(id)).sort());
      }),
      { numRuns: 300 },
    );
  });

  it('with 1.1 answers alone (no party lists), a resync still leaves no ghost call and the right agent states', () => {
    fc.assert(
      fc.property(ops, ops, (seen, lost) => {
        const sw = new ReferenceSwitch();
        const m = fresh();
        for (const e of play(sw, seen)) m.apply(e);
        play(sw, lost);
        resync(m, sw, true);
        for (const connId of m.calls.keys()) expect(sw.calls.has(connId)).toBe(true);
        const t = truth(sw);
        for (const dn of REGISTERED) expect(m.dns.get(dn)!.agent.status).toBe(t.dns[dn]!.status);
      }),
      { numRuns: 200 },
    );
  });
});
