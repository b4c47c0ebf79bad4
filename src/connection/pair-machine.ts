/**
 * The hot-standby pair as a pure state machine: `reducePair(state, input) → [state, effects]`.
 * No I/O, no timers, no clock: the pair driver (pair-driver.ts) feeds it what happened (a dial
 * opened or failed, a session was lost, a server claimed a role) and executes the effects it
 * returns (dial, adopt, promote, announce, close, requeue). The only call out is
 * `config.retryDelay`, the reconnect policy, which tests make deterministic.
 *
 * `TRANSITIONS` is the whole behaviour as a table, (state kind, input kind) → handler; the state
 * diagram in docs/design.md is generated from it (pair-diagram.ts).
 */
import type { Endpoint } from '../transport/index.js';
import { dialTo, pairEndpoints, sessionById } from './pair-types.js';
import type {
  DialPurpose,
  DialSlot,
  Handler,
  PairEffect,
  PairInput,
  PairInputKind,
  PairRole,
  PairSession,
  PairState,
  PairStateKind,
  PairStatus,
  PromoteWhy,
  Transition,
} from './pair-types.js';

export * from './pair-types.js';

/** Young losses counted per server (the backoff saturates long before). */
const MAX_YOUNG_COUNT = 32;

// ------------------------------------------------------------------ helpers (mutate the draft)

function setStatus(s: PairState, status: PairStatus, fx: PairEffect[]): void {
  if (s.status === status) return;
  s.status = status;
  fx.push({ kind: 'status', status });
}

function startDial(s: PairState, fx: PairEffect[], purpose: DialPurpose, endpoint: Endpoint, delayMs: number, attempt = 1): void {
  const slot: DialSlot = { id: s.nextDialId++, purpose, endpoint, attempt };
  s.dials = [...s.dials, slot];
  fx.push({ kind: 'dial', dialId: slot.id, endpoint, purpose, delayMs });
}

function dropDial(s: PairState, id: number): void {
  s.dials = s.dials.filter((d) => d.id !== id);
}

function cancelDial(s: PairState, fx: PairEffect[], slot: DialSlot): void {
  dropDial(s, slot.id);
  fx.push({ kind: 'cancelDial', dialId: slot.id });
}

/**
 * Backoff for a server whose sessions keep dying young: carries over from one short session to the
 * next. Past the strategy's last retry, its last delay holds (giving up is for failed dials).
 */
function youngDelay(s: PairState, name: string): number {
  const young = s.youngLosses[name];
  if (!young || !s.config.reconnect) return 0;
  for (let n = young.count; n >= 1; n--) {
    const delay = s.config.retryDelay(n, young.reason);
    if (delay !== null) return delay;
  }
  return 0;
}

/**
 * The active changed: the reconnect loop is over, and no dial may go to the active's own server
 * (one session per server).
 */
function afterActiveChange(s: PairState, fx: PairEffect[]): void {
  s.reconnect = undefined;
  for (const d of s.dials) {
    if (d.purpose === 'reconnect' || d.purpose === 'open' || d.endpoint.name === s.active?.endpoint.name) cancelDial(s, fx, d);
  }
}

function adoptActive(s: PairState, fx: PairEffect[], id: number, endpoint: Endpoint): void {
  s.active = { id, endpoint, role: undefined, announced: true };
  s.kind = 'adopting';
  fx.push({ kind: 'adoptActive', session: id });
  afterActiveChange(s, fx);
}

function adoptStandby(s: PairState, fx: PairEffect[], id: number, endpoint: Endpoint): void {
  if (s.active && s.active.endpoint.name === endpoint.name) {
    // Two dials reached the same server: keep one session to it and go for the other server.
    fx.push({ kind: 'closeSession', session: id, why: 'already active there' });
    restoreRedundancy(s, fx);
    return;
  }
  if (s.standby) fx.push({ kind: 'closeSession', session: s.standby.id, why: 'replaced by a newer standby' });
  s.standby = { id, endpoint, role: undefined, announced: false };
  fx.push({ kind: 'adoptStandby', session: id }, { kind: 'stateChanged' });
}

/** Makes the standby active; the old active, if still up, becomes the standby. */
function promote(s: PairState, fx: PairEffect[], target: PairSession, why: PromoteWhy, lostId?: number): void {
  const old = s.active;
  if (old === target) return;
  if (s.standby === target) s.standby = undefined;
  target.announced = true;
  s.active = target;
  // An adoption replaying the ledger on the old active is overtaken: its hold ends here.
  if (s.kind === 'adopting') fx.push({ kind: 'endHold', deliver: true });
  s.kind = 'open';
  fx.push({ kind: 'promote', session: target.id, from: old?.id ?? lostId, why });
  if (old) {
    if (s.standby) fx.push({ kind: 'closeSession', session: s.standby.id, why: 'replaced by the old active' });
    s.standby = old;
    fx.push({ kind: 'requeue', session: old.id, why: 'the servers switched over' });
  }
  if (s.status === 'open') fx.push({ kind: 'stateChanged' });
  else setStatus(s, 'open', fx);
  fx.push({ kind: 'flush' });
  afterActiveChange(s, fx);
}

function returnToPrimary(s: PairState, fx: PairEffect[], target: PairSession): void {
  promote(s, fx, target, 'returnToPrimary');
  fx.push({ kind: 'returnToPrimary', session: target.id });
}

/** A background dial that re-opens a standby to `endpoint` (never the active's server, never twice). */
function ensureStandby(s: PairState, fx: PairEffect[], endpoint: Endpoint): void {
  if (!s.config.reconnect || s.dials.some((d) => d.purpose === 'standby')) return;
  if (s.standby?.endpoint.name === endpoint.name || s.active?.endpoint.name === endpoint.name) return;
  if (dialTo(s, endpoint.name)) return;
  startDial(s, fx, 'standby', endpoint, youngDelay(s, endpoint.name));
}

/** One session per server; a hot-standby pair keeps a standby to the other server. */
function restoreRedundancy(s: PairState, fx: PairEffect[]): void {
  const active = s.active;
  if (!active) return;
  if (s.standby || !s.hotStandby) return;
  const other = pairEndpoints(s).find((e) => e.name !== active.endpoint.name);
  if (other) ensureStandby(s, fx, other);
}

/** The reconnect loop dials the next known endpoint no other dial holds; when all are held it waits for one. */
function pumpReconnect(s: PairState, fx: PairEffect[], delayMs: number): void {
  const r = s.reconnect;
  if (s.kind !== 'reconnecting' || !r || s.dials.some((d) => d.purpose === 'reconnect')) return;
  const list = pairEndpoints(s);
  const start = r.last === undefined ? 0 : (list.findIndex((e) => e.name === r.last) + 1) % list.length;
  for (let i = 0; i < list.length; i++) {
    const e = list[(start + i) % list.length];
    if (dialTo(s, e.name)) continue;
    startDial(s, fx, 'reconnect', e, delayMs, r.attempt);
    return;
  }
}

function startReconnect(s: PairState, fx: PairEffect[], delayMs: number): void {
  setStatus(s, 'reconnecting', fx);
  s.kind = 'reconnecting';
  if (!s.config.reconnect) {
    shutdown(s, fx, 'reconnectOff', new Error('connection lost and reconnect is off'));
    return;
  }
  s.reconnect = { attempt: 1, last: undefined };
  pumpReconnect(s, fx, delayMs);
}

function shutdown(s: PairState, fx: PairEffect[], why: 'close' | 'reconnectOff' | 'reconnectGaveUp', error: Error): void {
  for (const d of s.dials) fx.push({ kind: 'cancelDial', dialId: d.id });
  for (const sess of [s.active, s.standby]) if (sess) fx.push({ kind: 'closeSession', session: sess.id, why: 'shutdown' });
  s.dials = [];
  s.active = undefined;
  s.standby = undefined;
  s.reconnect = undefined;
  s.openPending = false;
  s.kind = 'closing';
  setStatus(s, 'closing', fx);
  fx.push({ kind: 'shutdown', why, error });
}

/** Whichever of the two named servers is not the configured primary is the other one (never the active's address for both). */
function learnPair(s: PairState, sender: Endpoint, named: Endpoint): void {
  const other = [named, sender].find((e) => e.name !== s.config.primary.name);
  if (other && other.name !== s.backup?.name) s.backup = other;
}

/** One attempt at the primary a backup named, in its own slot: no other dial may stop it. */
function dialPrimary(s: PairState, fx: PairEffect[], endpoint: Endpoint): void {
  if (s.dials.some((d) => d.purpose === 'primary') || s.active?.endpoint.name === endpoint.name) return;
  const other = dialTo(s, endpoint.name);
  if (other) cancelDial(s, fx, other);
  startDial(s, fx, 'primary', endpoint, 0);
}

/** The active says it is the backup and the standby says it is the primary: go to the standby. */
function reconcileRoles(s: PairState, fx: PairEffect[]): void {
  if (s.active?.role === 'backup' && s.standby?.role === 'primary') returnToPrimary(s, fx, s.standby);
}

/** Records a session's own role claim, and says whether it is newer than the last one acted upon. */
function claimRole(s: PairState, session: PairSession, role: PairRole, seq: number | undefined): boolean {
  session.role = role;
  if (seq === undefined) return true;
  if (seq < s.roleSeq) return false;
  s.roleSeq = seq;
  return true;
}

// ------------------------------------------------------------------ handlers

type In<K extends PairInputKind> = Extract<PairInput, { kind: K }>;

const onOpen: Handler<In<'open'>> = (s, _i, fx) => {
  const first = pairEndpoints(s)[0];
  s.kind = 'opening';
  s.openTried = [first.name];
  s.openPending = true;
  setStatus(s, 'connecting', fx);
  startDial(s, fx, 'open', first, 0);
};

const onOpenDialFailed: Handler<In<'dialFailed'>> = (s, i, fx) => {
  const slot = s.dials.find((d) => d.id === i.dialId);
  if (!slot) return;
  dropDial(s, slot.id);
  const next = i.aborted ? undefined : pairEndpoints(s).find((e) => !s.openTried.includes(e.name));
  if (next) {
    s.openTried = [...s.openTried, next.name];
    startDial(s, fx, 'open', next, 0);
    return;
  }
  s.kind = 'closed';
  s.openPending = false;
  setStatus(s, 'closed', fx);
  fx.push({ kind: 'openFailed', aborted: i.aborted === true });
};

/** Where a freshly opened session goes depends on the world now, not on why it was dialled. */
const onDialOpened: Handler<In<'dialOpened'>> = (s, i, fx) => {
  const slot = s.dials.find((d) => d.id === i.dialId);
  if (!slot) {
    fx.push({ kind: 'closeSession', session: i.session, why: 'its dial was cancelled' });
    return;
  }
  dropDial(s, slot.id);
  if (slot.purpose === 'primary') {
    const old = s.active;
    if (old?.endpoint.name === slot.endpoint.name) {
      fx.push({ kind: 'closeSession', session: i.session, why: 'already active there' });
      return;
    }
    adoptStandby(s, fx, i.session, slot.endpoint);
    if (s.standby?.id === i.session && (!old || old.role === 'backup')) returnToPrimary(s, fx, s.standby);
    return;
  }
  if (s.active) adoptStandby(s, fx, i.session, slot.endpoint);
  else adoptActive(s, fx, i.session, slot.endpoint);
};

const onDialFailed: Handler<In<'dialFailed'>> = (s, i, fx) => {
  const slot = s.dials.find((d) => d.id === i.dialId);
  if (!slot) return;
  dropDial(s, slot.id);
  if (slot.purpose === 'reconnect' && s.reconnect) {
    fx.push({ kind: 'reconnectFailed', endpoint: slot.endpoint, attempt: slot.attempt, error: i.error });
    const delay = s.config.retryDelay(slot.attempt, i.error);
    if (delay === null) {
      shutdown(s, fx, 'reconnectGaveUp', i.error);
      return;
    }
    s.reconnect = { attempt: slot.attempt + 1, last: slot.endpoint.name };
    pumpReconnect(s, fx, delay);
    return;
  }
  if (slot.purpose === 'standby') {
    const delay = s.config.retryDelay(slot.attempt, i.error);
    const stillWanted = s.standby === undefined && s.active?.endpoint.name !== slot.endpoint.name;
    if (delay !== null && stillWanted) startDial(s, fx, 'standby', slot.endpoint, delay, slot.attempt + 1);
  }
  // A freed endpoint may be what a waiting reconnect loop needs.
  pumpReconnect(s, fx, 0);
};

const onReplayed: Handler<In<'replayed'>> = (s, i, fx) => {
  if (s.openPending) {
    s.openPending = false;
    fx.push({ kind: 'opened' });
  }
  if (s.active?.id !== i.session) return;
  s.kind = 'open';
  setStatus(s, 'open', fx);
  fx.push({ kind: 'announceConnected', session: i.session }, { kind: 'flush' });
  // After a reconnect (not the first open) calls and agents may have moved while we were away.
  if (s.everOpened && s.config.resyncOnReconnect) fx.push({ kind: 'resync', session: i.session });
  s.everOpened = true;
  restoreRedundancy(s, fx);
};

/** A replay that ends after its session was lost or overtaken still lets open() resolve. */
const onStaleReplayed: Handler<In<'replayed'>> = (s, _i, fx) => {
  if (!s.openPending) return;
  s.openPending = false;
  fx.push({ kind: 'opened' });
};

const onSessionLost: Handler<In<'sessionLost'>> = (s, i, fx) => {
  const lost = sessionById(s, i.session);
  if (!lost) return;
  const name = lost.endpoint.name;
  const young = { ...s.youngLosses };
  if (i.young) young[name] = { count: Math.min(MAX_YOUNG_COUNT, (young[name]?.count ?? 0) + 1), reason: i.reason };
  else delete young[name];
  s.youngLosses = young;
  const wasActive = lost === s.active;
  if (wasActive) s.active = undefined;
  else s.standby = undefined;
  if (lost.announced) fx.push({ kind: 'announceDisconnected', session: lost.id, reason: i.reason });
  if (wasActive) {
    if (s.kind === 'adopting') {
      fx.push({ kind: 'endHold', deliver: false });
      s.kind = 'open';
    }
    if (s.standby) {
      // Hot standby: switch at once; the new primary's EventPrimaryChanged will follow.
      promote(s, fx, s.standby, 'lost', lost.id);
    } else {
      fx.push({ kind: 'requeue', session: lost.id, why: 'the connection was lost' });
      startReconnect(s, fx, youngDelay(s, name));
      return;
    }
  }
  fx.push({ kind: 'requeue', session: lost.id, why: 'the connection was lost' });
  ensureStandby(s, fx, lost.endpoint);
};

const onRestoreConnection: Handler<In<'restoreConnection'>> = (s, i, fx) => {
  const session = sessionById(s, i.session);
  if (!session) return;
  if (i.role !== undefined && !claimRole(s, session, i.role, i.seq)) {
    reconcileRoles(s, fx);
    return;
  }
  s.hotStandby = true;
  if (i.role === 'primary') {
    if (session === s.standby && s.active?.role === 'backup') returnToPrimary(s, fx, session);
    if (i.named) learnPair(s, session.endpoint, i.named);
    const named = i.named && i.named.name !== session.endpoint.name ? i.named : undefined;
    if (named && session === s.active && s.standby?.endpoint.name !== named.name) {
      if (s.standby) {
        fx.push({ kind: 'closeSession', session: s.standby.id, why: 'not the backup the primary names' });
        s.standby = undefined;
      }
      ensureStandby(s, fx, named);
    }
  } else if (i.role === 'backup') {
    if (i.named) learnPair(s, session.endpoint, i.named);
    if (session === s.active) {
      if (s.standby) promote(s, fx, s.standby, 'roleBackup');
      else if (i.named) dialPrimary(s, fx, i.named);
    }
  }
  reconcileRoles(s, fx);
};

const onPrimaryChanged: Handler<In<'primaryChanged'>> = (s, i, fx) => {
  const session = sessionById(s, i.session);
  if (!session) return;
  if (!claimRole(s, session, 'primary', i.seq)) {
    reconcileRoles(s, fx);
    return;
  }
  if (session !== s.active) promote(s, fx, session, 'primaryChanged');
  fx.push({ kind: 'announcePrimaryChanged', session: session.id, message: i.message });
};

const onNewEpoch: Handler<In<'newEpoch'>> = (s) => {
  s.roleSeq = -1;
};

const onClose: Handler<In<'close'>> = (s, i, fx) => shutdown(s, fx, 'close', i.reason);

const onClosed: Handler<In<'closed'>> = (s, _i, fx) => {
  s.kind = 'closed';
  s.backup = s.config.backup; // learned addresses are forgotten: a new open() dials only what the options name
  setStatus(s, 'closed', fx);
};

const onStraySession: Handler<In<'dialOpened'>> = (_s, i, fx) => {
  fx.push({ kind: 'closeSession', session: i.session, why: 'the connection is closing' });
};

// ------------------------------------------------------------------ the table

const t = <I extends PairInput>(to: readonly PairStateKind[], does: string, run: Handler<I>): Transition => ({
  to: [...new Set(to)],
  does,
  run: run as Handler<never>,
});

/** The inputs both 'adopting' and 'open' take; `self` is the kind they stay in. */
const whileUp = (self: 'adopting' | 'open') =>
  ({
    dialOpened: t(
      [self, 'open'],
      'a dialled server answered: standby beside the active (one session per server), or returnToPrimary',
      onDialOpened,
    ),
    dialFailed: t([self], 'a standby dial retries with backoff (retryStrategy); a primary dial ends', onDialFailed),
    sessionLost: t(
      [self, 'open', 'reconnecting', 'closing'],
      'announce; promote the standby, else reconnect; dial the lost server again as standby',
      onSessionLost,
    ),
    restoreConnection: t(
      [self, 'open'],
      'record the role (watermark); learn the pair; keep a standby, promote it, or dial the named primary',
      onRestoreConnection,
    ),
    primaryChanged: t([self, 'open'], 'record the role; unless stale, promote its server, announce and resync', onPrimaryChanged),
    newEpoch: t([self], 'a new ServerStartTime resets the role watermark', onNewEpoch),
    close: t(['closing'], 'cancel dials, close sessions, shut down', onClose),
  }) as const;

export const TRANSITIONS: { readonly [K in PairStateKind]: Partial<Record<PairInputKind, Transition>> } = {
  closed: {
    open: t(['opening'], 'dial the primary (open)', onOpen),
    dialOpened: t(['closed'], 'a stray session is closed', onStraySession),
  },
  opening: {
    dialOpened: t(['adopting'], 'adopt as active: replay the ledger, hold events', onDialOpened),
    dialFailed: t(['opening', 'closed'], 'try the next endpoint once; none left (or aborted): open() fails', onOpenDialFailed),
    close: t(['closing'], 'cancel dials, shut down', onClose),
  },
  adopting: {
    ...whileUp('adopting'),
    replayed: t(
      ['adopting', 'open'],
      'announce EventServerConnected, release held events and requests; resync after a reconnect',
      onReplayed,
    ),
  },
  open: { ...whileUp('open'), replayed: t(['open'], 'a replay that was overtaken: open() may resolve', onStaleReplayed) },
  reconnecting: {
    dialOpened: t(['adopting', 'open'], 'adopt as active (replay), or the named primary returns at once', onDialOpened),
    dialFailed: t(
      ['reconnecting', 'closing'],
      'reconnectFailed; back off (retryStrategy) and dial the next endpoint, or give up and close',
      onDialFailed,
    ),
    replayed: t(['reconnecting'], 'a replay on a session lost since: open() may resolve', onStaleReplayed),
    newEpoch: t(['reconnecting'], 'a new ServerStartTime resets the role watermark', onNewEpoch),
    close: t(['closing'], 'cancel dials, shut down', onClose),
  },
  closing: {
    dialOpened: t(['closing'], 'a stray session is closed', onStraySession),
    closed: t(['closed'], 'everything stopped', onClosed),
  },
};

function draft(s: PairState): PairState {
  return {
    ...s,
    active: s.active && { ...s.active },
    standby: s.standby && { ...s.standby },
    reconnect: s.reconnect && { ...s.reconnect },
  };
}

/** The reducer. Inputs a state kind does not list are ignored (no effects). */
export function reducePair(state: PairState, input: PairInput): [PairState, PairEffect[]] {
  const transition = TRANSITIONS[state.kind][input.kind];
  if (!transition) return [state, []];
  const s = draft(state);
  const fx: PairEffect[] = [];
  (transition.run as Handler)(s, input, fx);
  if (!transition.to.includes(s.kind)) {
    throw new Error(`pair machine: ${state.kind} --${input.kind}--> ${s.kind} is not in TRANSITIONS (${transition.to.join(', ')})`);
  }
  return [s, fx];
}
