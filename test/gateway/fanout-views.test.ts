/**
 * The gateway's per-session call views (fanout.ts viewFor) are keyed by DN as the model's own
 * views are: a numeric DN such as '1001' must not give `parties` an array backing store of over
 * 1,000 slots (12 KB per view, made for every change a session is sent). V8's own check
 * (%HasDictionaryElements, enabled at run time) tells how the object keeps its numeric keys.
 */
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { TServerConnection } from '../../src/connection/connection.js';
import { Fanout } from '../../src/gateway/fanout.js';
import type { GatewaySession } from '../../src/gateway/session.js';
import { StateModel, type CallView } from '../../src/model/index.js';

v8.setFlagsFromString('--allow-natives-syntax');
const hasDictionaryElements = new Function('o', 'return %HasDictionaryElements(o)') as (o: object) => boolean;

const C1 = '0066019400000001';

/** A session as the fan-out uses one: its granted DNs, its calls, what it is sent. */
function session(dns: string[]): { s: GatewaySession; sent: string[] } {
  const sent: string[] = [];
  const s = { grant: { dns: new Set(dns) }, calls: new Set<string>(), sequenced: (tail: string) => sent.push(tail) };
  return { s: s as unknown as GatewaySession, sent };
}

/** A call on the numeric DNs 1001 and 1002, as the state model shows it. */
function callOnTwoDNs(): CallView {
  const m = new StateModel();
  m.register('1001', 'resync');
  m.register('1002', 'resync');
  m.apply({ Event: 'EventEstablished', Server: 'sim', ThisDN: '1001', ConnID: C1, OtherDN: '1002' });
  m.apply({ Event: 'EventRinging', Server: 'sim', ThisDN: '1002', ConnID: C1, OtherDN: '1001' });
  return m.calls.get(C1)!;
}

describe('gateway fan-out: call views keyed by numeric DNs', () => {
  it('the check can tell: an object given a numeric DN key by key keeps an array of its elements', () => {
    const parties: Record<string, string> = {};
    parties['1001'] = 'established'; // as viewFor built them before: a backing store of 1,002 slots
    expect(hasDictionaryElements(parties)).toBe(false);
  });

  it("the model's view and a session's copy of it keep numeric DNs in a dictionary", () => {
    const view = callOnTwoDNs();
    expect(hasDictionaryElements(view.parties)).toBe(true);
    const { s } = session(['1001']);
    const viewFor = (Fanout.prototype as unknown as { viewFor(v: CallView, s: GatewaySession, ending: boolean): CallView | undefined })
      .viewFor;
    const mine = viewFor.call(new Fanout({} as TServerConnection, 'gw'), view, s, false)!;
    expect(mine).not.toBe(view); // the session sees 1001 only: a copy was made
    expect(mine.parties).toEqual({ '1001': 'established' });
    expect(Object.keys(mine.parties)).toEqual(['1001']);
    expect(mine.otherParties).toContain('1002');
    expect(hasDictionaryElements(mine.parties)).toBe(true);
  });

  it('a session watching 1001 is sent the call with 1001 only among its parties', () => {
    const fanout = new Fanout({} as TServerConnection, 'gw');
    const { s, sent } = session(['1001']);
    fanout.add(s);
    fanout.onCallChanged(callOnTwoDNs(), 'resync');
    expect(sent).toHaveLength(1);
    const msg = JSON.parse(`{${sent[0]}`) as { kind: string; view: CallView };
    expect(msg.kind).toBe('callChanged');
    expect(msg.view.parties).toEqual({ '1001': 'established' });
    expect(msg.view.otherParties).toContain('1002');
  });
});
