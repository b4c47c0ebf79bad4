/**
 * The ledger's known calls keep one DN per call as a string and a Set only for a call on two or
 * more registered DNs (issue 17: learn() runs for every event). The behaviour is the Set's.
 */
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/connection/ledger.js';

const C1 = '00650194ab3c0001';
const C2 = '00650194ab3c0002';

function ledgerOn(...dns: string[]): Ledger {
  const l = new Ledger();
  for (const dn of dns) l.registered(dn, {});
  return l;
}
const ev = (Event: string, ThisDN: string, ConnID?: string) => ({ Event, Server: 's', ThisDN, ConnID });

describe('known calls', () => {
  it('a call on one registered DN: learned on ringing, kept through established, gone on release', () => {
    const l = ledgerOn('7001');
    l.learn(ev('EventRinging', '7001', C1));
    l.learn(ev('EventEstablished', '7001', C1));
    l.learn(ev('EventAttachedDataChanged', '7001', C1));
    expect([...l.calls.keys()]).toEqual([C1]);
    l.learn(ev('EventReleased', '7001', C1));
    expect(l.calls.size).toBe(0);
  });

  it('calls on unregistered DNs and events without a ConnID are not learned', () => {
    const l = ledgerOn('7001');
    l.learn(ev('EventRinging', '9999', C1));
    l.learn(ev('EventRinging', '7001'));
    l.learn(ev('EventAgentReady', '7001', C2));
    expect(l.calls.size).toBe(0);
  });

  it('a call on two registered DNs stays known until both have released it, in either order', () => {
    for (const order of [['7001', '7002'], ['7002', '7001']]) {
      const l = ledgerOn('7001', '7002');
      l.learn(ev('EventDialing', '7001', C1));
      l.learn(ev('EventRinging', '7002', C1));
      l.learn(ev('EventRinging', '7002', C1)); // repeated: no change
      l.learn(ev('EventReleased', order[0], C1));
      expect([...l.calls.keys()], `after ${order[0]} released`).toEqual([C1]);
      l.learn(ev('EventReleased', '9999', C1)); // a DN the call is not on
      expect(l.calls.size).toBe(1);
      l.learn(ev('EventReleased', order[1], C1));
      expect(l.calls.size).toBe(0);
    }
  });

  it('a release on another DN leaves a one-DN call alone; removeCall without a DN forgets the call', () => {
    const l = ledgerOn('7001', '7002');
    l.learn(ev('EventRinging', '7001', C1));
    l.learn(ev('EventReleased', '7002', C1));
    expect(l.calls.size).toBe(1);
    l.learn(ev('EventRinging', '7002', C1));
    l.removeCall(C1);
    expect(l.calls.size).toBe(0);
  });

  it('unregistering a DN forgets its part in every call', () => {
    const l = ledgerOn('7001', '7002');
    l.learn(ev('EventRinging', '7001', C1));
    l.learn(ev('EventRinging', '7002', C1));
    l.learn(ev('EventRinging', '7001', C2));
    l.unregistered('7001');
    expect([...l.calls.keys()]).toEqual([C1]);
    l.unregistered('7002');
    expect(l.calls.size).toBe(0);
  });
});
