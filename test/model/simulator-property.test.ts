/**
 * Property, driving the real simulator pair over loopback: random switch-side operations, some
 * seen by the client and some made during a failover gap (their events lost), then the failover's
 * resync. Afterwards `conn.calls` / `conn.dns` equal the switch's own state, and equal what a
 * fresh client's resync says.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TServerConnection } from '../../src/index.js';
import type { HotStandbyPair } from '../../src/simulator/index.js';
import { nextResync, startRig, stopRig, until, type Rig } from '../ha/helpers.js';

const REGISTERED = ['1001', '1002'];
const DNS = [...REGISTERED, '1003'];
const STATES = ['ready', 'notReady', 'afterCallWork', 'loggedIn'] as const;

let rig: Rig | undefined;
beforeAll(async () => {
  rig = await startRig();
  await until(() => rig!.conn.state.standby, 'a standby session');
  for (const dn of REGISTERED) await rig.conn.registerAddress(dn);
});
afterAll(async () => {
  await stopRig(rig);
});

type Op = [kind: number, dn: number, call: number, silent: boolean];

/** One switch-side operation; a refusal (wrong state) just does nothing. */
function run(pair: HotStandbyPair, [kind, d, c, silent]: Op): void {
  const dn = DNS[d % DNS.length]!;
  const calls = pair.listCalls();
  const call = calls.length > 0 ? calls[c % calls.length]! : undefined;
  const options = { silent };
  try {
    switch (kind % 7) {
      case 0:
        pair.placeCall(dn, { from: '5550100', silent });
        break;
      case 1:
        if (call) pair.answerCall(call.connId, undefined, options);
        break;
      case 2:
        if (call) pair.releaseCall(call.connId, undefined, options);
        break;
      case 3:
        if (call) pair.hangUp(call.connId, options);
        break;
      case 4:
        if (pair.agent(dn)) pair.setAgentState(dn, STATES[c % STATES.length]!, options);
        else pair.loginAgent(dn, `agent-${dn}`, options);
        break;
      case 5:
        pair.setDND(dn, c % 2 === 0, options);
        break;
      case 6:
        if (pair.agent(dn)) pair.setAgentState(dn, 'loggedOut', options);
        break;
    }
  } catch {
    // refused by the switch (e.g. answering a call that is not ringing): no change
  }
}

function truth(pair: HotStandbyPair) {
  const calls: Record<string, Record<string, string>> = {};
  for (const c of pair.listCalls()) {
    const parties = Object.fromEntries(c.parties.filter((p) => REGISTERED.includes(p.dn)).map((p) => [p.dn, p.state]));
    if (Object.keys(parties).length > 0) calls[c.connId] = parties;
  }
  const agents = new Map(pair.listAgents().map((a) => [a.dn, a.status]));
  const dns = Object.fromEntries(REGISTERED.map((dn) => [dn, { status: agents.get(dn) ?? 'loggedOut', dnd: pair.shared.dnd.has(dn) }]));
  return { calls, dns };
}

function picture(conn: TServerConnection) {
  const calls = Object.fromEntries([...conn.calls].map(([id, v]) => [id, { ...v.parties }]));
  const dns = Object.fromEntries([...conn.dns].map(([dn, v]) => [dn, { status: v.agent.status, dnd: v.dnd }]));
  return { calls, dns };
}

const ops = fc.array(fc.tuple(fc.nat(6), fc.nat(DNS.length - 1), fc.nat(7), fc.boolean()) as fc.Arbitrary<Op>, { maxLength: 12 });

describe('state model against the simulator pair (property)', () => {
  it('after a failover with a gap, the model is the switch’s state and what a fresh resync says', async () => {
    await fc.assert(
      fc.asyncProperty(ops, ops, async (before, gap) => {
        const { conn, pair } = rig!;
        for (const op of before) run(pair, [op[0], op[1], op[2], false]);
        await conn.queryServer(); // a barrier: every event sent before its answer was delivered
        expect(picture(conn)).toEqual(truth(pair));
        const resynced = nextResync(conn, 10_000);
        const dead = pair.primary;
        await pair.killPrimary({ promoteAfterMs: 20 });
        for (const op of gap) run(pair, op); // no primary: these events are lost
        await resynced;
        expect(picture(conn)).toEqual(truth(pair));
        // A fresh client on the same switch sees the same picture after its own resync.
        const fresh = new TServerConnection({ primary: pair.primary.url, applicationName: 'fresh', addp: false, reconnect: false });
        try {
          await fresh.open();
          for (const dn of REGISTERED) await fresh.registerAddress(dn);
          for (const dn of REGISTERED) await fresh.queryAddress(dn);
          for (const connId of [...fresh.calls.keys()]) await fresh.queryCall(connId);
          expect(picture(fresh)).toEqual(picture(conn));
        } finally {
          await fresh.close();
        }
        await pair.restart(dead);
        await until(() => conn.state.standby, 'the standby back');
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});
