/**
 * EventGate on its own: fake sessions, a real router on fake sinks, no sockets. Each step of the
 * pipeline in order: internal and forbidden messages, role and link messages out (as outputs, never
 * calls back), standby messages, duplicates, validation, hold/release, the link events the pair
 * asks for around EventPrimaryChanged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DecodedMessage } from '../../src/codec/index.js';
import { EventValidationError, ProtocolError, type TlibError } from '../../src/errors.js';
import { EventGate, type GateHost, type GateOutput, type GateSession } from '../../src/connection/events/gate.js';
import { Ledger } from '../../src/connection/ledger/ledger.js';
import { laneWindows, RequestRouter } from '../../src/connection/requests/router.js';
import { messageByName } from '../../src/protocol/catalogue.js';

class FakeSession implements GateSession {
  state: 'opening' | 'open' | 'closed' = 'open';
  isOpen = true;
  linkUp = true;
  lastLinkEvent: DecodedMessage | undefined;
  holds = 0;
  releases = 0;
  aborted: TlibError | undefined;
  readonly sent: Record<string, unknown>[] = [];
  constructor(readonly name: string) {}
  send(_type: number, attributes: Record<string, unknown>): void {
    this.sent.push(attributes);
  }
  hold(): void {
    this.holds++;
  }
  release(): void {
    this.releases++;
  }
  abort(reason: TlibError): void {
    this.aborted = reason;
    this.state = 'closed';
  }
}

const T = { seconds: 1_700_000_000, microseconds: 0 };
const START = { seconds: 1_699_999_000, microseconds: 5 };

function msg(name: string, attributes: Record<string, unknown> = {}): DecodedMessage {
  return {
    type: messageByName(name)?.type ?? 9999,
    name,
    attributes: { time: T, ...attributes },
    unknownAttributes: undefined,
    byteLength: 0,
  };
}

let a: FakeSession;
let b: FakeSession;
let host: GateHost & { active: FakeSession | undefined };
let router: RequestRouter;
let emitted: Array<[string, unknown]>;
let errors: TlibError[];
let gate: EventGate;

function makeGate(validation: 'strict' | 'warn' | 'off' = 'off'): EventGate {
  return new EventGate(
    host,
    router,
    new Ledger(),
    { emit: (name, arg) => emitted.push([name, arg]), reportError: (err) => errors.push(err) },
    { validation, maxHeldBytes: 1 << 20 },
  );
}

const kinds = (outputs: GateOutput[] | undefined) => (outputs ?? []).map((o) => o.kind);
const delivered = () => emitted.filter(([n]) => n === 'event').map(([, e]) => (e as { Event: string }).Event);

beforeEach(() => {
  a = new FakeSession('a:1');
  b = new FakeSession('b:2');
  emitted = [];
  errors = [];
  host = { active: a };
  router = new RequestRouter({ owner: {}, requestTimeoutMs: 1_000, windows: laneWindows(100, 100), route: () => host.active });
  gate = makeGate();
});
afterEach(() => router.rejectAll(new Error('test over')));

describe('1. internal and forbidden messages; role messages out', () => {
  it('an unknown message type from the active is reported (protocolWarning, unknownMessage), not delivered', () => {
    gate.onMessage({ type: 999, name: undefined, attributes: {}, unknownAttributes: undefined, byteLength: 0 }, a);
    expect(emitted.map(([n]) => n)).toEqual(['protocolWarning', 'unknownMessage']);
    gate.onMessage({ type: 999, name: undefined, attributes: {}, unknownAttributes: undefined, byteLength: 0 }, b);
    expect(emitted).toHaveLength(2);
  });

  it('a request type from a server drops its session as malformed (ERR_UNEXPECTED_MESSAGE)', () => {
    gate.onMessage(msg('RequestQueryServer'), a);
    expect(a.aborted).toBeInstanceOf(ProtocolError);
    expect(a.aborted!.code).toBe('ERR_UNEXPECTED_MESSAGE');
    expect(delivered()).toEqual([]);
  });

  it('EventRestoreConnection from either session is an output, never delivered', () => {
    expect(kinds(gate.onMessage(msg('EventRestoreConnection', { ServerRole: 0 }), a))).toEqual(['restoreConnection']);
    expect(kinds(gate.onMessage(msg('EventRestoreConnection', { ServerRole: 1 }), b))).toEqual(['restoreConnection']);
    expect(emitted).toEqual([]);
  });

  it('EventPrimaryChanged is an output, marked when it came from the standby; nothing is delivered', () => {
    expect(gate.onMessage(msg('EventPrimaryChanged'), a)).toMatchObject([{ kind: 'primaryChanged', fromStandby: false }]);
    expect(gate.onMessage(msg('EventPrimaryChanged'), b)).toMatchObject([{ kind: 'primaryChanged', fromStandby: true }]);
    expect(emitted).toEqual([]);
  });

  it('an ordinary event has no output (and costs no array)', () => {
    expect(gate.onMessage(msg('EventUserEvent', { ThisDN: '1' }), a)).toBeUndefined();
  });
});

describe('2. the standby', () => {
  it('its events stop; an answer to a request sent there settles silently', async () => {
    const p = router.create('RequestRegisterAddress', { ThisDN: '1001' }, {}, { lane: 'control', deliverAnswer: false, target: b });
    router.submit(p);
    gate.onMessage(msg('EventRinging', { ThisDN: '1001', ConnID: '0000000000000001' }), b);
    gate.onMessage(msg('EventRegistered', { ThisDN: '1001', ReferenceID: p.referenceId }), b);
    expect((await p.promise).Event).toBe('EventRegistered');
    expect(emitted).toEqual([]);
  });
});

describe('3. duplicates', () => {
  it('an EventSequenceNumber already delivered stops, per ServerStartTime; an awaited answer always passes', async () => {
    const e = (seq: number, start = START) => msg('EventUserEvent', { ThisDN: '1', EventSequenceNumber: seq, ServerStartTime: start });
    gate.onMessage(e(5), a);
    gate.onMessage(e(5), a);
    gate.onMessage(e(4), a);
    gate.onMessage(e(6), a);
    expect(delivered()).toEqual(['EventUserEvent', 'EventUserEvent']);
    // Another start time starts a new series.
    gate.onMessage(e(1, { seconds: START.seconds, microseconds: 6 }), a);
    expect(delivered()).toHaveLength(3);
    // The answer to a request in flight is never a duplicate.
    const p = router.create('RequestQueryServer', {}, {}, { lane: 'user', deliverAnswer: true, target: undefined });
    router.submit(p);
    gate.onMessage(
      msg('EventServerInfo', {
        ReferenceID: p.referenceId,
        EventSequenceNumber: 0,
        ServerStartTime: { seconds: START.seconds, microseconds: 6 },
      }),
      a,
    );
    expect((await p.promise).Event).toBe('EventServerInfo');
  });
});

describe('4. link events', () => {
  it('a link event of either session is an output (the pair decides what users see); a new ServerStartTime is one too', () => {
    expect(gate.onMessage(msg('EventLinkConnected'), a)).toMatchObject([{ kind: 'link', up: true }]);
    expect(gate.onMessage(msg('EventLinkDisconnected'), b)).toMatchObject([{ kind: 'link', up: false }]);
    expect(kinds(gate.onMessage(msg('EventLinkConnected', { EventSequenceNumber: 1, ServerStartTime: START }), a))).toEqual([
      'newEpoch',
      'link',
    ]);
    expect(delivered()).toEqual([]);
    gate.deliverLink(a, msg('EventLinkConnected'));
    expect(delivered()).toEqual(['EventLinkConnected']);
  });

  it('around EventPrimaryChanged: the link events the pair asks for, LinkDisconnected before it, LinkConnected after it', () => {
    gate.announcePrimaryChanged(b, msg('EventPrimaryChanged'), { linkBefore: false });
    gate.announcePrimaryChanged(b, msg('EventPrimaryChanged'), { linkAfter: true });
    gate.announcePrimaryChanged(b, msg('EventPrimaryChanged'), {});
    expect(delivered()).toEqual([
      'EventLinkDisconnected',
      'EventPrimaryChanged',
      'EventPrimaryChanged',
      'EventLinkConnected',
      'EventPrimaryChanged',
    ]);
  });
});

describe('5. validation', () => {
  it("'strict': an invalid event stops and is reported as an error; the request it answers is rejected", async () => {
    gate = makeGate('strict');
    gate.onMessage(msg('EventACK'), a); // no ReferenceID: Mandatory
    expect(errors[0]).toBeInstanceOf(EventValidationError);
    expect(delivered()).toEqual([]);
    const p = router.create('RequestDistributeUserEvent', { ThisDN: '1' }, {}, { lane: 'user', deliverAnswer: true, target: undefined });
    router.submit(p);
    gate.onMessage({ ...msg('EventACK'), attributes: { ReferenceID: p.referenceId } }, a); // no time
    await expect(p.promise).rejects.toBeInstanceOf(EventValidationError);
    expect(errors).toHaveLength(1);
  });

  it("'warn': reported as protocolWarning, still delivered", () => {
    gate = makeGate('warn');
    gate.onMessage(msg('EventACK'), a);
    expect(emitted.map(([n]) => n)).toEqual(['protocolWarning', 'EventACK', 'event']);
  });
});

describe('6. hold and release during a replay', () => {
  it('events wait while a new active replays the ledger, except EventServerDisconnected; release announces first', () => {
    gate.hold();
    expect(gate.holding).toBe(true);
    gate.onMessage(msg('EventUserEvent', { ThisDN: '1' }), a);
    gate.deliver({ Event: 'EventServerDisconnected', Server: 'b:2' });
    expect(delivered()).toEqual(['EventServerDisconnected']);
    gate.release(() => gate.announce(a, msg('EventLinkConnected')));
    expect(delivered()).toEqual(['EventServerDisconnected', 'EventServerConnected', 'EventLinkConnected', 'EventUserEvent']);
    expect(gate.holding).toBe(false);
  });

  it('dropHeld forgets what was held (the session being adopted was lost)', () => {
    gate.hold();
    gate.onMessage(msg('EventUserEvent', { ThisDN: '1' }), a);
    gate.dropHeld();
    gate.release();
    expect(delivered()).toEqual([]);
  });
});

describe('cost', () => {
  it('a delivered event is emitted once by name and once as "event", with the same object', () => {
    gate.onMessage(msg('EventUserEvent', { ThisDN: '1' }), a);
    expect(emitted).toHaveLength(2);
    expect(emitted[0][1]).toBe(emitted[1][1]);
  });
});
