/**
 * A small reference switch for the state model's property tests: the call model of wire protocol
 * 1.1 (calls, hold/retrieve, two-step transfer and conference, single-step transfer, releases,
 * user data, agents, DND, forwarding) with 1.2's rule that every party hears about every change
 * (the party-events table: EventPartyChanged, EventPartyAdded, EventPartyDeleted, with CallState),
 * reduced to what the model follows. Each operation returns the events the switch sends (to every
 * DN; the model keeps those of registered DNs), and the switch answers QueryCall / QueryAddress as
 * the simulator does (Extensions Parties / External / Calls / DND / ForwardTo), or with the 1.1
 * attributes alone (`plain`).
 */
import type { KVList } from '../../src/protocol/attributes.js';
import type { ModelEvent, PartyState } from '../../src/model/index.js';

export const SWITCH_DNS = ['A', 'B', 'C'] as const;
export const EXTERNAL = 'ext';

interface RefCall {
  connId: string;
  parties: Map<string, PartyState>;
  external: boolean;
  userData: KVList;
  previous: string[];
  /** For a consultation call: the held call and the DN that consults. */
  consultFor?: { connId: string; by: string };
}

interface RefAgent {
  id: string;
  status: 2 | 3 | 4;
  workMode: number | undefined;
}

/** One operation: which, and three numbers that pick its DN, call and target. */
export type Op = [kind: number, dn: number, call: number, other: number];
export const OP_KINDS = 14;

/** Parties in the conversation: the DNs and the outside caller. */
const size = (rc: RefCall): number => rc.parties.size + (rc.external ? 1 : 0);

export class ReferenceSwitch {
  readonly calls = new Map<string, RefCall>();
  readonly agents = new Map<string, RefAgent>();
  readonly dnd = new Set<string>();
  readonly forward = new Map<string, string>();
  private next = 1;
  private seq = 0;

  /** Runs one operation if it fits the state (else nothing happens); returns the events sent. */
  run([kind, d, c, o]: Op): ModelEvent[] {
    const out: ModelEvent[] = [];
    let dn: string = SWITCH_DNS[d % SWITCH_DNS.length]!;
    const target = SWITCH_DNS[o % SWITCH_DNS.length]!;
    const calls = [...this.calls.values()];
    let call = calls.length > 0 ? calls[c % calls.length] : undefined;
    // Call operations pick among the (call, party) pairs they fit, so most of them happen.
    const needs: Partial<Record<number, PartyState | 'any'>> = {
      2: 'ringing',
      3: 'established',
      4: 'held',
      5: 'any',
      7: 'established',
      10: 'established',
      11: 'any',
    };
    const need = needs[kind % OP_KINDS];
    if (need !== undefined) {
      const fits = calls.flatMap((rc) => [...rc.parties].filter(([, st]) => need === 'any' || st === need).map(([p]) => [rc, p] as const));
      if (fits.length === 0) return out;
      [call, dn] = fits[(c * SWITCH_DNS.length + d) % fits.length]!;
    } else if (kind % OP_KINDS === 8 || kind % OP_KINDS === 9) {
      const consults = calls.filter((rc) => rc.consultFor);
      call = consults.length > 0 ? consults[c % consults.length] : undefined;
    }
    const send = (Event: string, ThisDN: string, attrs: Record<string, unknown> = {}) =>
      out.push({ Event, Server: 'ref', ThisDN, EventSequenceNumber: ++this.seq, ...attrs });
    const callEvent = (Event: string, at: string, rc: RefCall, attrs: Record<string, unknown> = {}) =>
      send(Event, at, { ConnID: rc.connId, UserData: rc.userData.map(([k, v]) => [k, v]), ...attrs });
    const onCall = (rc: RefCall | undefined, state?: PartyState) =>
      rc !== undefined && (state === undefined ? rc.parties.has(dn) : rc.parties.get(dn) === state);

    switch (kind % OP_KINDS) {
      case 0: {
        // An outside caller rings dn.
        const rc = this.newCall(true);
        rc.parties.set(dn, 'ringing');
        callEvent('EventRinging', dn, rc, { OtherDN: EXTERNAL, CallType: 2 });
        break;
      }
      case 1: {
        if (dn === target) break;
        const rc = this.newCall(false);
        rc.parties.set(dn, 'dialing').set(target, 'ringing');
        callEvent('EventDialing', dn, rc, { OtherDN: target });
        callEvent('EventRinging', target, rc, { OtherDN: dn });
        break;
      }
      case 2: // answer
        if (!onCall(call, 'ringing')) break;
        // The answering party and the one that dialled get EventEstablished; a held party keeps waiting.
        for (const [p, st] of call!.parties) {
          if (st !== 'ringing' && st !== 'dialing') continue;
          call!.parties.set(p, 'established');
          callEvent('EventEstablished', p, call!);
        }
        break;
      case 3: // hold
        if (!onCall(call, 'established')) break;
        call!.parties.set(dn, 'held');
        callEvent('EventHeld', dn, call!);
        break;
      case 4: // retrieve
        if (!onCall(call, 'held')) break;
        call!.parties.set(dn, 'established');
        callEvent('EventRetrieved', dn, call!);
        break;
      case 5: // release by dn
        if (!onCall(call)) break;
        this.release(call!, dn, callEvent);
        break;
      case 6: // the outside caller hangs up
        if (!call?.external) break;
        this.release(call, undefined, callEvent);
        break;
      case 7: // initiate a transfer or conference from a call of two: hold, consult target
        if (!onCall(call, 'established') || call!.parties.has(target) || call!.consultFor || size(call!) !== 2) break;
        call!.parties.set(dn, 'held');
        callEvent('EventHeld', dn, call!);
        {
          const rc = this.newCall(false);
          rc.parties.set(dn, 'dialing').set(target, 'ringing');
          rc.consultFor = { connId: call!.connId, by: dn };
          rc.userData = call!.userData.map(([k, v]) => [k, v]);
          callEvent('EventDialing', dn, rc, { OtherDN: target, CallType: 4 });
          callEvent('EventRinging', target, rc, { OtherDN: dn, CallType: 4 });
        }
        break;
      case 8: // complete transfer (even) or conference (odd)
      case 9: {
        const consult = call?.consultFor ? call : undefined;
        const held = consult ? this.calls.get(consult.consultFor!.connId) : undefined;
        if (!consult || !held || held.parties.get(consult.consultFor!.by) !== 'held') break;
        const by = consult.consultFor!.by;
        const newParty = [...consult.parties.keys()].find((p) => p !== by);
        if (newParty === undefined || held.parties.has(newParty)) break;
        this.calls.delete(consult.connId);
        callEvent('EventReleased', by, consult);
        const members = [...held.parties.keys()].filter((p) => p !== by);
        held.parties.set(newParty, consult.parties.get(newParty)!);
        held.previous.push(consult.connId);
        const changed = { PreviousConnID: consult.connId, ThirdPartyDN: by };
        if (kind % OP_KINDS === 8) {
          // Transfer: the held call's other end and the new party now talk; each is told of the other.
          held.parties.delete(by);
          callEvent('EventReleased', by, held);
          const remaining = held.external ? EXTERNAL : members[0];
          const transferred = { ...changed, ThirdPartyDNRole: 7, CallState: 1 };
          callEvent('EventPartyChanged', newParty, held, { ...transferred, OtherDN: remaining });
          for (const p of members) callEvent('EventPartyChanged', p, held, { ...transferred, OtherDN: newParty });
        } else {
          // Conference: the new party learns every member; every member learns the new party.
          held.parties.set(by, 'established');
          callEvent('EventRetrieved', by, held, { CallState: 2 });
          callEvent('EventPartyAdded', by, held, { OtherDN: newParty, CallState: 2 });
          callEvent('EventPartyChanged', newParty, held, { ...changed, OtherDN: by, ThirdPartyDNRole: 9, CallState: 2 });
          for (const m of held.external ? [...members, EXTERNAL] : members) {
            callEvent('EventPartyAdded', newParty, held, { OtherDN: m, OtherDNRole: 3, CallState: 2 });
          }
          for (const p of members) {
            callEvent('EventPartyAdded', p, held, { OtherDN: newParty, ThirdPartyDN: by, ThirdPartyDNRole: 5, CallState: 2 });
          }
        }
        break;
      }
      case 10: {
        // single-step transfer of dn's established call of two to target
        if (!onCall(call, 'established') || call!.parties.has(target) || call!.consultFor || size(call!) !== 2) break;
        const members = [...call!.parties.keys()].filter((p) => p !== dn);
        call!.parties.delete(dn);
        call!.parties.set(target, 'ringing');
        const transferred = { ThirdPartyDN: dn, ThirdPartyDNRole: 7, CallState: 1 };
        callEvent('EventReleased', dn, call!, { CallState: 1 });
        callEvent('EventRinging', target, call!, { ...transferred, OtherDN: call!.external ? EXTERNAL : members[0] });
        for (const p of members)
          callEvent('EventPartyChanged', p, call!, { ...transferred, PreviousConnID: call!.connId, OtherDN: target });
        break;
      }
      case 11: // user data
        if (!onCall(call)) break;
        call!.userData.push([`k${this.seq}`, o]);
        for (const p of call!.parties.keys()) callEvent('EventAttachedDataChanged', p, call!);
        break;
      case 12: {
        // agent: login / ready / not ready / after-call work / logout, by `o`
        const agent = this.agents.get(dn);
        const step = o % 5;
        if (!agent) {
          this.agents.set(dn, { id: `ag-${dn}`, status: 2, workMode: undefined });
          send('EventAgentLogin', dn, { AgentID: `ag-${dn}` });
        } else if (step === 0) {
          this.agents.delete(dn);
          send('EventAgentLogout', dn, { AgentID: agent.id });
        } else if (step === 1 || step === 2) {
          Object.assign(agent, { status: 3, workMode: undefined });
          send('EventAgentReady', dn, { AgentID: agent.id });
        } else {
          const workMode = step === 3 ? 3 : undefined;
          Object.assign(agent, { status: 4, workMode });
          send('EventAgentNotReady', dn, { AgentID: agent.id, AgentWorkMode: workMode });
        }
        break;
      }
      case 13: // DND (even o) or forwarding (odd o) toggles
        if (o % 2 === 0) {
          const on = !this.dnd.has(dn);
          if (on) this.dnd.add(dn);
          else this.dnd.delete(dn);
          send(on ? 'EventDNDOn' : 'EventDNDOff', dn);
        } else if (this.forward.has(dn)) {
          this.forward.delete(dn);
          send('EventForwardCancel', dn);
        } else if (target !== dn) {
          this.forward.set(dn, target);
          send('EventForwardSet', dn, { OtherDN: target, ForwardMode: 1 });
        }
        break;
    }
    return out;
  }

  private newCall(external: boolean): RefCall {
    const rc: RefCall = { connId: (this.next++).toString(16).padStart(16, '0'), parties: new Map(), external, userData: [], previous: [] };
    this.calls.set(rc.connId, rc);
    return rc;
  }

  /**
   * `dn` leaves (undefined: the outside caller); a call with fewer than two parties left ends, and
   * in a bigger one every party left gets EventPartyDeleted.
   */
  private release(
    rc: RefCall,
    dn: string | undefined,
    callEvent: (e: string, at: string, rc: RefCall, attrs?: Record<string, unknown>) => void,
  ): void {
    if (dn !== undefined) {
      rc.parties.delete(dn);
      callEvent('EventReleased', dn, rc);
    } else rc.external = false;
    if (size(rc) >= 2) {
      const left = dn ?? EXTERNAL;
      for (const p of rc.parties.keys()) callEvent('EventPartyDeleted', p, rc, { OtherDN: left, ThirdPartyDN: left, ThirdPartyDNRole: 8 });
      return;
    }
    this.calls.delete(rc.connId);
    for (const p of rc.parties.keys()) callEvent('EventReleased', p, rc);
    rc.parties.clear();
  }

  /** The QueryCall answer, or undefined (EventError 57). */
  partyInfo(connId: string, plain: boolean): ModelEvent | undefined {
    const rc = this.calls.get(connId);
    if (!rc) return undefined;
    const dns = [...rc.parties.keys()];
    return {
      Event: 'EventPartyInfo',
      Server: 'ref',
      ConnID: connId,
      ThisDN: rc.external ? EXTERNAL : dns[0],
      OtherDN: rc.external ? dns[0] : dns[1],
      // A conversation of more than two is Conferenced; 0 says nothing about how the call got here.
      CallState: size(rc) > 2 ? 2 : 0,
      UserData: rc.userData.map(([k, v]) => [k, v]),
      Extensions: plain ? undefined : [['Parties', [...rc.parties]], ...(rc.external ? [['External', EXTERNAL] as [string, string]] : [])],
    };
  }

  addressInfo(dn: string, plain: boolean): ModelEvent {
    const agent = this.agents.get(dn);
    const calls = [...this.calls.values()].filter((rc) => rc.parties.has(dn));
    const ext: KVList = [
      ['Calls', calls.map((rc) => [rc.connId, rc.parties.get(dn)!])],
      ['DND', this.dnd.has(dn) ? 1 : 0],
    ];
    if (this.forward.has(dn)) ext.push(['ForwardTo', this.forward.get(dn)!], ['ForwardMode', 1]);
    return {
      Event: 'EventAddressInfo',
      Server: 'ref',
      ThisDN: dn,
      AgentID: agent?.id,
      AgentStatus: agent?.status ?? 1,
      AgentWorkMode: agent?.workMode,
      ConnID: calls.at(-1)?.connId,
      Extensions: plain ? undefined : ext,
    };
  }
}
