/**
 * The pair reducer, with no sockets and no timers: one table case per transition of TRANSITIONS
 * (a meta test fails when a transition has no case), one test per race fixed so far, and the
 * generated state diagram checked against docs/design.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PAIR_DIAGRAM_BEGIN,
  PAIR_DIAGRAM_END,
  pairStatesBlock,
  pairStateDiagram,
  withPairStatesBlock,
} from '../../src/connection/pair/diagram.js';
import { assertPairInvariants, pairInvariantViolations } from '../../src/connection/pair/invariants.js';
import { askRetryStrategy } from '../../src/connection/pair/retry.js';
import { HandlerError, InvalidArgumentError } from '../../src/errors.js';
import {
  TRANSITIONS,
  initialPairState,
  reducePair,
  retryAttemptFor,
  stepPair,
  type RetryVerdict,
  type PairConfig,
  type PairEffect,
  type PairInput,
  type PairInputKind,
  type PairState,
  type PairStateKind,
} from '../../src/connection/pair/machine.js';

const ep = (port: number) => ({ host: '127.0.0.1', port, name: `127.0.0.1:${port}` });
const A = ep(7001); // the configured primary
const B = ep(7002); // the other server

/** Deterministic policy: 100, 200, 400 ms, then give up. */
const retryDelay = (attempt: number) => (attempt <= 3 ? 100 * 2 ** (attempt - 1) : null);

/** An input as the tests write it: a dial opens now with its link up, a loss says whether the session died young. */
type TestInput =
  | PairInput
  | { kind: 'dialOpened'; dialId: number; session: number; at?: number; linkUp?: boolean }
  | { kind: 'sessionLost'; session: number; young: boolean; reason: Error };

/**
 * What the driver adds to an input (pair/driver.ts): the time, and retryStrategy's answer when the
 * input needs one — asked of `policy` here.
 */
function complete(s: PairState, input: TestInput, policy: (attempt: number) => number | null = retryDelay): PairInput {
  if (input.kind === 'dialOpened') return { ...input, at: input.at ?? 0, linkUp: input.linkUp ?? true };
  if (input.kind === 'sessionLost' && 'young' in input) {
    const openedAt = [s.active, s.standby].find((x) => x?.id === input.session)?.openedAt ?? 0;
    const lostInput = {
      kind: 'sessionLost' as const,
      session: input.session,
      reason: input.reason,
      at: openedAt + (input.young ? 1 : 60_000),
    };
    const attempt = retryAttemptFor(s, lostInput);
    return attempt === undefined ? lostInput : { ...lostInput, retry: { delayMs: policy(attempt) } };
  }
  if (input.kind === 'dialFailed' && input.retry === undefined) {
    const attempt = retryAttemptFor(s, input);
    return attempt === undefined ? input : { ...input, retry: { delayMs: policy(attempt) } };
  }
  return input as PairInput;
}

class Machine {
  state: PairState;
  /** Effects of the last input. */
  fx: PairEffect[] = [];
  /** Kind and input of the last step. */
  last: { from: PairStateKind; input: PairInputKind } | undefined;
  private nextSession = 1;
  constructor(config: Partial<PairConfig> = {}) {
    this.state = initialPairState({ primary: A, backup: undefined, reconnect: true, resyncOnReconnect: true, ...config });
  }
  send(input: TestInput): PairEffect[] {
    this.last = { from: this.state.kind, input: input.kind };
    const [next, fx] = reducePair(this.state, complete(this.state, input));
    assertPairInvariants(next);
    this.state = next;
    this.fx = fx;
    return fx;
  }
  kinds(): string[] {
    return this.fx.map((e) => e.kind);
  }
  /** The dial effect of the last input (to `name` if given). */
  dial(name?: string): Extract<PairEffect, { kind: 'dial' }> {
    const d = this.fx.find(
      (e): e is Extract<PairEffect, { kind: 'dial' }> => e.kind === 'dial' && (name === undefined || e.endpoint.name === name),
    );
    if (!d) throw new Error(`no dial${name ? ` to ${name}` : ''} in ${JSON.stringify(this.kinds())}`);
    return d;
  }
  /** The last dial succeeds: returns the new session's id. */
  opens(name?: string, linkUp = true): number {
    const id = this.nextSession++;
    this.send({ kind: 'dialOpened', dialId: this.dial(name).dialId, session: id, linkUp });
    return id;
  }
  fails(name?: string, error = new Error('ECONNREFUSED')): PairEffect[] {
    return this.send({ kind: 'dialFailed', dialId: this.dial(name).dialId, error });
  }
  has(effect: Partial<PairEffect>): boolean {
    return this.fx.some((e) => Object.entries(effect).every(([k, v]) => (e as Record<string, unknown>)[k] === v));
  }
}

/** Open on A (the first open). Returns the machine and A's session id. */
function openOnA(config: Partial<PairConfig> = {}): { m: Machine; a: number } {
  const m = new Machine(config);
  m.send({ kind: 'open' });
  const a = m.opens(A.name);
  m.send({ kind: 'replayed', session: a });
  return { m, a };
}

/** Open on A with B as hot standby (A said ServerRole 0 naming B). */
function pair(): { m: Machine; a: number; b: number } {
  const { m, a } = openOnA();
  m.send({ kind: 'restoreConnection', session: a, role: 'primary', seq: 1, named: B });
  const b = m.opens(B.name);
  return { m, a, b };
}

function adopting(): { m: Machine; a: number } {
  const m = new Machine({ backup: B });
  m.send({ kind: 'open' });
  const a = m.opens(A.name);
  return { m, a };
}

function reconnecting(): { m: Machine; a: number } {
  const { m, a } = openOnA({ backup: B });
  m.send({ kind: 'sessionLost', session: a, young: false, reason: new Error('lost') });
  return { m, a };
}

function closing(): Machine {
  const { m } = openOnA();
  m.send({ kind: 'close', reason: new Error('closed') });
  return m;
}

interface Case {
  from: PairStateKind;
  input: PairInputKind;
  title: string;
  run: () => Machine;
  to: PairStateKind;
  effects: string[];
}

const lost = new Error('lost');

/** One case per transition: the state it starts from, what comes in, where it goes, what it does. */
const CASES: Case[] = [
  {
    from: 'closed',
    input: 'open',
    title: 'open() dials the primary',
    to: 'opening',
    effects: ['status', 'dial'],
    run: () => ((m) => (m.send({ kind: 'open' }), m))(new Machine()),
  },
  {
    from: 'closed',
    input: 'dialOpened',
    title: 'a stray session is closed',
    to: 'closed',
    effects: ['closeSession'],
    run: () => ((m) => (m.send({ kind: 'dialOpened', dialId: 9, session: 9 }), m))(new Machine()),
  },
  {
    from: 'opening',
    input: 'dialOpened',
    title: 'the first session is adopted as active',
    to: 'adopting',
    effects: ['adoptActive'],
    run: () => adopting().m,
  },
  {
    from: 'opening',
    input: 'dialFailed',
    title: 'the primary refuses: the backup is tried once',
    to: 'opening',
    effects: ['dial'],
    run: () => ((m) => (m.send({ kind: 'open' }), m.fails(A.name), m))(new Machine({ backup: B })),
  },
  {
    from: 'opening',
    input: 'close',
    title: 'close() during open()',
    to: 'closing',
    effects: ['cancelDial', 'status', 'shutdown'],
    run: () => ((m) => (m.send({ kind: 'open' }), m.send({ kind: 'close', reason: lost }), m))(new Machine()),
  },
  {
    from: 'adopting',
    input: 'replayed',
    title: 'replay done: announced, open() resolves',
    to: 'open',
    effects: ['opened', 'status', 'announceConnected', 'flush'],
    run: () => ((x) => (x.m.send({ kind: 'replayed', session: x.a }), x.m))(adopting()),
  },
  {
    from: 'adopting',
    input: 'dialOpened',
    title: 'a standby opens during the replay',
    to: 'adopting',
    effects: ['adoptStandby', 'stateChanged'],
    run: () =>
      ((x) => (x.m.send({ kind: 'restoreConnection', session: x.a, role: 'primary', seq: 1, named: B }), x.m.opens(B.name), x.m))(
        adopting(),
      ),
  },
  {
    from: 'adopting',
    input: 'dialFailed',
    title: 'a standby dial fails during the replay: retried after a backoff',
    to: 'adopting',
    effects: ['dial'],
    run: () =>
      ((x) => (x.m.send({ kind: 'restoreConnection', session: x.a, role: 'primary', seq: 1, named: B }), x.m.fails(B.name), x.m))(
        adopting(),
      ),
  },
  {
    from: 'adopting',
    input: 'sessionLost',
    title: 'the session being adopted is lost: hold dropped, reconnect',
    to: 'reconnecting',
    effects: ['announceDisconnected', 'endHold', 'requeue', 'status', 'dial'],
    run: () => ((x) => (x.m.send({ kind: 'sessionLost', session: x.a, young: false, reason: lost }), x.m))(adopting()),
  },
  {
    from: 'adopting',
    input: 'restoreConnection',
    title: 'ServerRole 0 naming B during the replay: the active confirmed primary, standby dialled',
    to: 'adopting',
    effects: ['primaryConfirmed', 'dial'],
    run: () => ((x) => (x.m.send({ kind: 'restoreConnection', session: x.a, role: 'primary', seq: 1, named: B }), x.m))(adopting()),
  },
  {
    from: 'adopting',
    input: 'primaryChanged',
    title: 'EventPrimaryChanged from the active during the replay: announced, subscriptions, resync',
    to: 'adopting',
    effects: ['primaryConfirmed', 'announcePrimaryChanged', 'replaySubscriptions', 'resync'],
    run: () => ((x) => (x.m.send({ kind: 'primaryChanged', session: x.a, seq: 3 }), x.m))(adopting()),
  },
  {
    from: 'adopting',
    input: 'newEpoch',
    title: 'a new ServerStartTime resets the role watermark',
    to: 'adopting',
    effects: [],
    run: () => ((x) => (x.m.send({ kind: 'newEpoch' }), x.m))(adopting()),
  },
  {
    from: 'adopting',
    input: 'close',
    title: 'close() during the replay',
    to: 'closing',
    effects: ['closeSession', 'status', 'shutdown'],
    run: () => ((x) => (x.m.send({ kind: 'close', reason: lost }), x.m))(adopting()),
  },
  {
    from: 'open',
    input: 'dialOpened',
    title: 'the standby opens',
    to: 'open',
    effects: ['adoptStandby', 'stateChanged'],
    run: () => pair().m,
  },
  {
    from: 'open',
    input: 'dialFailed',
    title: 'a standby dial fails: retried after the backoff',
    to: 'open',
    effects: ['dial'],
    run: () =>
      ((x) => (x.m.send({ kind: 'restoreConnection', session: x.a, role: 'primary', seq: 1, named: B }), x.m.fails(B.name), x.m))(
        openOnA(),
      ),
  },
  {
    from: 'open',
    input: 'sessionLost',
    title: 'the active is lost with a standby up: promoted at once, lost server redialled',
    to: 'open',
    effects: ['announceDisconnected', 'promote', 'stateChanged', 'flush', 'requeue', 'dial'],
    run: () => ((x) => (x.m.send({ kind: 'sessionLost', session: x.a, young: false, reason: lost }), x.m))(pair()),
  },
  {
    from: 'open',
    input: 'restoreConnection',
    title: 'ServerRole 1 on the active with a standby: promote it',
    to: 'open',
    effects: ['promote', 'requeue', 'stateChanged', 'flush'],
    run: () => ((x) => (x.m.send({ kind: 'restoreConnection', session: x.a, role: 'backup', seq: 5, named: B }), x.m))(pair()),
  },
  {
    from: 'open',
    input: 'primaryChanged',
    title: 'EventPrimaryChanged from the standby: promoted, announced, subscriptions, resync',
    to: 'open',
    effects: ['promote', 'requeue', 'stateChanged', 'flush', 'primaryConfirmed', 'announcePrimaryChanged', 'replaySubscriptions', 'resync'],
    run: () => ((x) => (x.m.send({ kind: 'primaryChanged', session: x.b, seq: 5 }), x.m))(pair()),
  },
  {
    from: 'open',
    input: 'newEpoch',
    title: 'a new ServerStartTime resets the role watermark',
    to: 'open',
    effects: [],
    run: () => ((x) => (x.m.send({ kind: 'newEpoch' }), x.m))(pair()),
  },
  {
    from: 'open',
    input: 'close',
    title: 'close()',
    to: 'closing',
    effects: ['closeSession', 'closeSession', 'status', 'shutdown'],
    run: () => ((x) => (x.m.send({ kind: 'close', reason: lost }), x.m))(pair()),
  },
  {
    from: 'open',
    input: 'replayed',
    title: 'the replay of an overtaken adoption ends: nothing more',
    to: 'open',
    effects: [],
    run: () =>
      ((x) => (
        x.m.send({ kind: 'restoreConnection', session: x.a, role: 'primary', seq: 1, named: B }),
        x.m.send({ kind: 'replayed', session: x.a }),
        x.m
      ))(openOnA()),
  },
  {
    from: 'reconnecting',
    input: 'dialOpened',
    title: 'the reconnect loop reaches a server: adopted as active',
    to: 'adopting',
    effects: ['adoptActive'],
    run: () => ((x) => (x.m.opens(), x.m))(reconnecting()),
  },
  {
    from: 'reconnecting',
    input: 'dialFailed',
    title: 'an attempt fails: reconnectFailed, the other endpoint after the backoff',
    to: 'reconnecting',
    effects: ['reconnectFailed', 'dial'],
    run: () => ((x) => (x.m.fails(A.name), x.m))(reconnecting()),
  },
  {
    from: 'reconnecting',
    input: 'replayed',
    title: 'open() resolves even if its session was lost during the replay',
    to: 'reconnecting',
    effects: ['opened'],
    run: () =>
      ((x) => (
        x.m.send({ kind: 'sessionLost', session: x.a, young: false, reason: lost }), x.m.send({ kind: 'replayed', session: x.a }), x.m
      ))(adopting()),
  },
  {
    from: 'reconnecting',
    input: 'newEpoch',
    title: 'a new ServerStartTime resets the role watermark',
    to: 'reconnecting',
    effects: [],
    run: () => ((x) => (x.m.send({ kind: 'newEpoch' }), x.m))(reconnecting()),
  },
  {
    from: 'reconnecting',
    input: 'close',
    title: 'close() while reconnecting',
    to: 'closing',
    effects: ['cancelDial', 'status', 'shutdown'],
    run: () => ((x) => (x.m.send({ kind: 'close', reason: lost }), x.m))(reconnecting()),
  },
  {
    from: 'closing',
    input: 'dialOpened',
    title: 'a session that opens while closing is closed',
    to: 'closing',
    effects: ['closeSession'],
    run: () => ((m) => (m.send({ kind: 'dialOpened', dialId: 1, session: 99 }), m))(closing()),
  },
  {
    from: 'closing',
    input: 'closed',
    title: 'everything stopped',
    to: 'closed',
    effects: ['status'],
    run: () => ((m) => (m.send({ kind: 'closed' }), m))(closing()),
  },
];

/** The ledger starts tracking something (a DN registered): every state takes it and stays. */
const trackedCase = (from: PairStateKind, run: () => Machine): Case => ({
  from,
  input: 'tracked',
  title: 'the ledger tracks a DN now: noted, nothing else',
  to: from,
  effects: [],
  run: () => ((m) => (m.send({ kind: 'tracked', tracked: true }), expect(m.state.tracked).toBe(true), m))(run()),
});

CASES.push(
  trackedCase('closed', () => new Machine()),
  trackedCase('opening', () => ((m) => (m.send({ kind: 'open' }), m))(new Machine())),
  trackedCase('adopting', () => adopting().m),
  trackedCase('open', () => openOnA().m),
  trackedCase('reconnecting', () => reconnecting().m),
  trackedCase('closing', () => closing()),
  {
    from: 'adopting',
    input: 'link',
    title: "the adopted session's link goes down during the replay: noted, shown with the announcement",
    to: 'adopting',
    effects: [],
    run: () =>
      ((x) => (x.m.send({ kind: 'link', session: x.a, up: false }), expect(x.m.state.active?.linkUp).toBe(false), x.m))(adopting()),
  },
  {
    from: 'open',
    input: 'link',
    title: "the active's link goes down: shown to users",
    to: 'open',
    effects: ['showLink'],
    run: () => ((x) => (x.m.send({ kind: 'link', session: x.a, up: false }), x.m))(openOnA()),
  },
  {
    from: 'adopting',
    input: 'resynced',
    title: 'a resync ends during a replay',
    to: 'adopting',
    effects: [],
    run: () => ((x) => (x.m.send({ kind: 'primaryChanged', session: x.a, seq: 3 }), x.m.send({ kind: 'resynced' }), x.m))(adopting()),
  },
  {
    from: 'open',
    input: 'resynced',
    title: 'the resync ends',
    to: 'open',
    effects: [],
    run: () => ((x) => (x.m.send({ kind: 'primaryChanged', session: x.b, seq: 5 }), x.m.send({ kind: 'resynced' }), x.m))(pair()),
  },
  {
    from: 'reconnecting',
    input: 'resynced',
    title: 'a resync whose session was lost ends (its queries timed out)',
    to: 'reconnecting',
    effects: [],
    run: () =>
      ((x) => (
        x.m.send({ kind: 'primaryChanged', session: x.a, seq: 3 }),
        x.m.send({ kind: 'sessionLost', session: x.a, young: false, reason: lost }),
        x.m.send({ kind: 'resynced' }),
        x.m
      ))(openOnA()),
  },
);

describe('pair reducer: one case per transition', () => {
  it.each(CASES.map((c) => [`${c.from} --${c.input}--> ${c.to}: ${c.title}`, c] as const))('%s', (_title, c) => {
    const m = c.run();
    expect(m.last).toEqual({ from: c.from, input: c.input });
    expect(m.state.kind).toBe(c.to);
    expect(m.kinds()).toEqual(c.effects);
  });

  it('every transition of TRANSITIONS has a case', () => {
    const covered = new Set(CASES.map((c) => `${c.from}/${c.input}`));
    const missing: string[] = [];
    for (const [from, row] of Object.entries(TRANSITIONS))
      for (const input of Object.keys(row)) if (!covered.has(`${from}/${input}`)) missing.push(`${from}/${input}`);
    expect(missing).toEqual([]);
  });

  it('inputs a state does not list are ignored: same state, no effects', () => {
    const m = new Machine();
    const before = m.state;
    expect(m.send({ kind: 'sessionLost', session: 1, at: 0, reason: lost })).toEqual([]);
    expect(m.send({ kind: 'primaryChanged', session: 1, seq: 1 })).toEqual([]);
    expect(m.state).toBe(before);
  });

  it('the reducer is pure: the input state is not changed', () => {
    const { m } = pair();
    const snapshot = structuredClone({ ...m.state, config: undefined });
    reducePair(m.state, complete(m.state, { kind: 'sessionLost', session: m.state.active!.id, young: true, reason: lost }));
    expect({ ...m.state, config: undefined }).toEqual(snapshot);
  });

  it('the invariants catch a standby to the active’s own server, two dials to one server, a dial to the active', () => {
    const { m } = pair();
    const s = m.state;
    expect(pairInvariantViolations(s)).toEqual([]);
    expect(pairInvariantViolations({ ...s, standby: { ...s.standby!, endpoint: A } }).join()).toMatch(/standby to the active's own server/);
    const d = { id: 50, purpose: 'standby' as const, endpoint: B, attempt: 1 };
    expect(pairInvariantViolations({ ...s, standby: undefined, dials: [d, { ...d, id: 51, purpose: 'primary' }] }).join()).toMatch(
      /more than one dial to 127.0.0.1:7002/,
    );
    expect(pairInvariantViolations({ ...s, dials: [{ ...d, endpoint: A }] }).join()).toMatch(/dial to the active's own server/);
  });
});

describe('pair reducer: the races fixed so far', () => {
  it('switchover race: a late EventPrimaryChanged older than the last role message promotes nothing (role watermark)', () => {
    const { m, a, b } = pair();
    // Switchover to B (seq 10, 11), then back to A (seq 20, 21). A's socket is prompt, B's late.
    m.send({ kind: 'restoreConnection', session: a, role: 'backup', seq: 11, named: B });
    expect(m.state.active?.id).toBe(b);
    m.send({ kind: 'primaryChanged', session: a, seq: 20 });
    expect(m.state.active?.id).toBe(a);
    // B's own EventPrimaryChanged of the first switchover arrives now: stale.
    m.send({ kind: 'primaryChanged', session: b, seq: 10 });
    expect(m.kinds()).not.toContain('promote');
    expect(m.state.active?.id).toBe(a);
    // Then B's ServerRole 1 (seq 21): B is the standby and says so: nothing to do.
    m.send({ kind: 'restoreConnection', session: b, role: 'backup', seq: 21, named: A });
    expect(m.fx).toEqual([]);
    expect(m.state.active?.id).toBe(a);
    expect(m.state.roleSeq).toBe(21);
  });

  it('a stale role claim still records the role, and roles are reconciled: not stuck on the backup with the primary as standby', () => {
    const { m, a, b } = pair();
    m.send({ kind: 'primaryChanged', session: b, seq: 30 });
    expect(m.state.active?.id).toBe(b);
    // A claims primary (newer): it is the standby and B still says primary: no action yet.
    m.send({ kind: 'restoreConnection', session: a, role: 'primary', seq: 40, named: B });
    expect(m.state.active?.id).toBe(b);
    // B's ServerRole 1 is older than 40: stale, yet B's role is recorded and the roles reconciled.
    m.send({ kind: 'restoreConnection', session: b, role: 'backup', seq: 35, named: A });
    expect(m.state.standby).toMatchObject({ id: b, role: 'backup' });
    expect(m.state.active).toMatchObject({ id: a, role: 'primary' });
    expect(m.has({ kind: 'announceReturn', session: a })).toBe(true);
  });

  it('two loops never reach the same server: the reconnect loop dials only what no standby dial holds', () => {
    const { m, a, b } = pair();
    m.send({ kind: 'sessionLost', session: b, young: false, reason: lost }); // standby dial to B starts
    const standbyDial = m.dial(B.name);
    m.send({ kind: 'sessionLost', session: a, young: false, reason: lost }); // reconnect loop starts
    expect(m.state.kind).toBe('reconnecting');
    const reconnectDial = m.dial();
    expect(reconnectDial.endpoint.name).toBe(A.name);
    expect(m.state.dials.map((d) => [d.purpose, d.endpoint.name])).toEqual([
      ['standby', B.name],
      ['reconnect', A.name],
    ]);
    // A answers first: active; B's standby dial goes on and becomes the standby.
    m.send({ kind: 'dialOpened', dialId: reconnectDial.dialId, session: 10 });
    expect(m.state.active).toMatchObject({ id: 10, endpoint: A });
    m.send({ kind: 'dialOpened', dialId: standbyDial.dialId, session: 11 });
    expect(m.state.standby).toMatchObject({ id: 11, endpoint: B });
    expect(m.kinds()).not.toContain('closeSession');
  });

  it('two loops: when the standby dial wins, the reconnect dial is cancelled and a session it still opens is closed (one per server)', () => {
    const { m, a, b } = pair();
    m.send({ kind: 'sessionLost', session: b, young: false, reason: lost });
    const standbyDial = m.dial(B.name);
    m.send({ kind: 'sessionLost', session: a, young: false, reason: lost });
    const reconnectDial = m.dial(A.name);
    m.send({ kind: 'dialOpened', dialId: standbyDial.dialId, session: 11 });
    expect(m.state.active?.endpoint).toEqual(B);
    expect(m.has({ kind: 'cancelDial', dialId: reconnectDial.dialId })).toBe(true);
    m.send({ kind: 'dialOpened', dialId: reconnectDial.dialId, session: 12 });
    expect(m.fx).toEqual([{ kind: 'closeSession', session: 12, why: 'its dial was cancelled' }]);
    m.send({ kind: 'replayed', session: 11 });
    expect(m.dial(A.name).purpose).toBe('standby'); // redundancy restored
  });

  it('switchover + dual loss: ServerRole 1 naming B keeps B as the other server (never the active’s own address), dialPrimary has its own slot', () => {
    const { m, a, b } = pair();
    m.send({ kind: 'primaryChanged', session: b, seq: 10 }); // switchover: B primary, A standby
    m.send({ kind: 'sessionLost', session: a, young: false, reason: lost });
    const standbyDial = m.dial(A.name);
    m.send({ kind: 'sessionLost', session: b, young: false, reason: lost });
    expect(m.dial().endpoint.name).toBe(B.name); // reconnect: A is held by the standby dial
    m.send({ kind: 'dialOpened', dialId: standbyDial.dialId, session: 20 }); // A (now the backup) answers first
    expect(m.state.kind).toBe('adopting');
    m.send({ kind: 'restoreConnection', session: 20, role: 'backup', seq: 11, named: B });
    expect(m.state.backup?.name).toBe(B.name);
    const primaryDial = m.dial(B.name);
    expect(primaryDial.purpose).toBe('primary');
    m.send({ kind: 'dialOpened', dialId: primaryDial.dialId, session: 21 });
    // The overtaken adoption's hold ends with the promotion (its events delivered).
    expect(m.kinds()).toEqual(expect.arrayContaining(['adoptStandby', 'endHold', 'promote', 'announceReturn']));
    expect(m.fx.find((e) => e.kind === 'endHold')).toEqual({ kind: 'endHold', deliver: true });
    expect(m.state.active).toMatchObject({ id: 21, endpoint: B });
    expect(m.state.standby).toMatchObject({ id: 20, endpoint: A });
  });

  it('learnPair: a role message naming the configured primary keeps the sender as the other server', () => {
    const m = new Machine();
    m.send({ kind: 'open' });
    const b = m.opens(A.name);
    m.send({ kind: 'restoreConnection', session: b, role: 'primary', seq: 1, named: A }); // names its own address
    expect(m.state.backup).toBeUndefined();
    expect(m.kinds()).not.toContain('dial');
  });

  it('backoff carries over sessions that die young (no reconnect storm); a stable session resets it', () => {
    const { m, a } = openOnA();
    const delays: number[] = [];
    let session = a;
    for (let i = 0; i < 3; i++) {
      m.send({ kind: 'sessionLost', session, young: true, reason: lost });
      delays.push(m.dial(A.name).delayMs);
      session = m.opens(A.name);
      m.send({ kind: 'replayed', session });
    }
    expect(delays).toEqual([100, 200, 400]);
    m.send({ kind: 'sessionLost', session, young: false, reason: lost });
    expect(m.dial(A.name).delayMs).toBe(0);
  });

  it('reconnect gives up when retryStrategy says null: reconnectFailed for each attempt, then shutdown', () => {
    const { m } = reconnecting();
    const attempts: number[] = [];
    for (let i = 0; i < 4; i++) {
      m.fails();
      const f = m.fx.find((e) => e.kind === 'reconnectFailed');
      if (f?.kind === 'reconnectFailed') attempts.push(f.attempt);
    }
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(m.state.kind).toBe('closing');
    expect(m.fx.at(-1)).toMatchObject({ kind: 'shutdown', why: 'reconnectGaveUp' });
  });

  it('reconnect alternates endpoints with the strategy’s delays', () => {
    const { m } = reconnecting();
    const seen: Array<[string, number]> = [[m.dial().endpoint.name, m.dial().delayMs]];
    for (let i = 0; i < 3; i++) {
      m.fails();
      seen.push([m.dial().endpoint.name, m.dial().delayMs]);
    }
    expect(seen).toEqual([
      [A.name, 0],
      [B.name, 100],
      [A.name, 200],
      [B.name, 400],
    ]);
  });

  it('reconnect: false — a lost active shuts down at once', () => {
    const { m, a } = openOnA({ reconnect: false });
    m.send({ kind: 'sessionLost', session: a, young: false, reason: lost });
    expect(m.state.kind).toBe('closing');
    expect(m.fx.at(-1)).toMatchObject({ kind: 'shutdown', why: 'reconnectOff' });
  });

  it('open() aborted by its signal: closed at once, the backup is not tried', () => {
    const m = new Machine({ backup: B });
    m.send({ kind: 'open' });
    m.send({ kind: 'dialFailed', dialId: m.dial().dialId, error: new Error('aborted'), aborted: true });
    expect(m.state.kind).toBe('closed');
    expect(m.fx).toEqual([
      { kind: 'status', status: 'closed' },
      { kind: 'openFailed', aborted: true, errors: [new Error('aborted')], endpoints: [A.name] },
    ]);
  });
});

describe('pair reducer: no user code inside, and a faulty step changes nothing', () => {
  it('a throwing or misbehaving retryStrategy: the same state and effects as a strategy that gives up, plus one report', () => {
    const failed = (retry: RetryVerdict) => {
      const { m } = reconnecting();
      return reducePair(m.state, { kind: 'dialFailed', dialId: m.dial().dialId, error: lost, retry });
    };
    const [givesUpState, givesUpFx] = failed(askRetryStrategy(() => null, 1, lost));
    expect(givesUpFx.at(-1)).toMatchObject({ kind: 'shutdown', why: 'reconnectGaveUp' });
    const throwing = () => {
      throw new Error('strategy bug');
    };
    for (const [strategy, problem] of [
      [throwing, HandlerError],
      [() => -5, InvalidArgumentError],
      [() => 'soon' as unknown as number, InvalidArgumentError],
      [() => Number.NaN, InvalidArgumentError],
    ] as const) {
      const [state, fx] = failed(askRetryStrategy(strategy, 1, lost));
      expect(state).toEqual(givesUpState);
      expect(fx.filter((e) => e.kind !== 'report')).toEqual(givesUpFx);
      const reports = fx.filter((e) => e.kind === 'report');
      expect(reports).toHaveLength(1);
      expect(reports[0].kind === 'report' && reports[0].error).toBeInstanceOf(problem);
    }
  });

  it('young losses: the strategy is asked once per loss with the real attempt; past its last retry its last delay holds', () => {
    const { m, a } = openOnA();
    let session = a;
    const asked: number[] = [];
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const at = m.state.active!.openedAt + 1;
      const attempt = retryAttemptFor(m.state, { kind: 'sessionLost', session, at })!;
      asked.push(attempt);
      m.send({ kind: 'sessionLost', session, at, reason: lost, retry: askRetryStrategy(retryDelay, attempt, lost) });
      delays.push(m.dial(A.name).delayMs);
      session = m.opens(A.name);
      m.send({ kind: 'replayed', session });
    }
    expect(asked).toEqual([1, 2, 3, 4, 5]);
    expect(delays).toEqual([100, 200, 400, 400, 400]);
  });

  it("a standby's link coming up lets registrations waiting for it go (flush); users see nothing of it", () => {
    const { m, b } = pair();
    m.send({ kind: 'link', session: b, up: false });
    expect(m.fx).toEqual([]);
    m.send({ kind: 'link', session: b, up: true });
    expect(m.kinds()).toEqual(['flush']);
    expect(m.state.standby?.linkUp).toBe(true);
  });

  it('stepPair: a step that throws or breaks an invariant keeps the previous state and runs no effect', () => {
    const { m } = pair();
    const broken: PairState = { ...m.state, kind: 'open', standby: { ...m.state.standby!, endpoint: A } };
    const out = stepPair(broken, { kind: 'newEpoch' });
    expect(out.state).toBe(broken);
    expect(out.effects).toEqual([]);
    expect(out.fault?.message).toMatch(/invariant broken: standby to the active's own server/);
    const ok = stepPair(m.state, { kind: 'newEpoch' });
    expect(ok.fault).toBeUndefined();
    expect(ok.state.roleSeq).toBe(-1);
  });
});

describe('the pair-states diagram', () => {
  it('docs/design.md shows the diagram generated from TRANSITIONS (UPDATE_PAIR_DIAGRAM=1 rewrites it)', () => {
    const path = new URL('../../docs/design.md', import.meta.url);
    const doc = readFileSync(path, 'utf8');
    if (process.env.UPDATE_PAIR_DIAGRAM === '1') writeFileSync(path, withPairStatesBlock(doc));
    const current = readFileSync(path, 'utf8');
    const block = current.slice(current.indexOf(PAIR_DIAGRAM_BEGIN) + PAIR_DIAGRAM_BEGIN.length, current.indexOf(PAIR_DIAGRAM_END));
    expect(block).toBe(pairStatesBlock());
  });

  it('has one arrow per (state, next state), labelled with every input of the table that takes it', () => {
    const diagram = pairStateDiagram();
    const pairs = new Set<string>();
    for (const [from, row] of Object.entries(TRANSITIONS)) {
      for (const [input, tr] of Object.entries(row)) {
        for (const to of tr!.to) {
          const line = diagram.split('\n').find((l) => l.startsWith(`  ${from} --> ${to} : `));
          expect(line?.split(' : ')[1].split(', ')).toContain(input);
          pairs.add(`${from}/${to}`);
        }
      }
    }
    expect(diagram.split('\n').filter((l) => l.includes(' --> ') && !l.includes('[*]'))).toHaveLength(pairs.size);
  });
});

describe('pair reducer: random input sequences (fast-check)', () => {
  const C = ep(7003); // an address a server may name that is neither configured one

  /** Turns two numbers into an input that makes sense for the state (or a stale one, on purpose). */
  function inputFor(s: PairState, choice: number, n: number, nextSession: () => number): TestInput {
    const dial = s.dials.length > 0 ? s.dials[n % s.dials.length] : undefined;
    const sessions = [s.active, s.standby].filter((x) => x !== undefined);
    const session = sessions.length > 0 ? sessions[n % sessions.length]!.id : 1 + (n % 5);
    const seq = n % 40;
    const named = [A, B, C, undefined][n % 4];
    switch (choice) {
      case 0:
        return { kind: 'open' };
      case 1:
      case 2:
        return { kind: 'dialOpened', dialId: dial?.id ?? n, session: nextSession(), linkUp: n % 3 !== 0 };
      case 3:
      case 4:
        return { kind: 'dialFailed', dialId: dial?.id ?? n, error: new Error('refused'), aborted: n % 7 === 0 };
      case 5:
        return { kind: 'replayed', session };
      case 6:
        return { kind: 'sessionLost', session, young: n % 2 === 0, reason: lost };
      case 7:
        return { kind: 'restoreConnection', session, role: (['primary', 'backup', undefined] as const)[n % 3], seq, named };
      case 8:
        return { kind: 'primaryChanged', session, seq };
      case 9:
        return [{ kind: 'newEpoch' } as const, { kind: 'resynced' } as const, { kind: 'tracked', tracked: n % 2 === 0 } as const][n % 3];
      case 10:
        return n % 2 === 0 ? { kind: 'close', reason: lost } : { kind: 'link', session, up: n % 4 === 1 };
      default:
        return { kind: 'closed' };
    }
  }

  it('no sequence breaks an invariant or leaves the table (2,000 runs of up to 80 inputs)', async () => {
    const fc = await import('fast-check');
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(11), fc.nat(1_000)), { maxLength: 80 }),
        (withBackup, reconnect, steps) => {
          let id = 100;
          let state = initialPairState({ primary: A, backup: withBackup ? B : undefined, reconnect, resyncOnReconnect: true });
          for (const [choice, n] of steps) {
            const [next] = reducePair(
              state,
              complete(
                state,
                inputFor(state, choice, n, () => ++id),
              ),
            );
            expect(pairInvariantViolations(next)).toEqual([]);
            state = next;
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('every session that opens ends up active, standby or closed: none is forgotten', async () => {
    const fc = await import('fast-check');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(11), fc.nat(1_000)), { maxLength: 80 }), (steps) => {
        let id = 100;
        let state = initialPairState({ primary: A, backup: B, reconnect: true, resyncOnReconnect: true });
        const open = new Set<number>();
        for (const [choice, n] of steps) {
          const input = complete(
            state,
            inputFor(state, choice, n, () => ++id),
          );
          const [next, fx] = reducePair(state, input);
          if (input.kind === 'dialOpened') open.add(input.session);
          if (input.kind === 'sessionLost' && (state.active?.id === input.session || state.standby?.id === input.session))
            open.delete(input.session);
          for (const e of fx) if (e.kind === 'closeSession') open.delete(e.session);
          state = next;
          const held = new Set([state.active?.id, state.standby?.id].filter((x) => x !== undefined));
          expect([...open].filter((s) => !held.has(s))).toEqual([]);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
