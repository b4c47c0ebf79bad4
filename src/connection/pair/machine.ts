/**
 * The hot-standby pair as a pure state machine: `reducePair(state, input) → [state, effects]`.
 * No I/O, no timers, no clock, no user code: the pair driver (driver.ts) feeds it what
 * happened (a dial opened or failed, a session was lost, a server claimed a role or reported its
 * link, a replay or a resync ended) with the time and retryStrategy's answer already in the input,
 * and executes the effects it returns (dial, adopt, promote, announce, show a link event, resync,
 * close, requeue). The link status users see, the event hold, the resync's progress and the role
 * watermark all live in the state, so the invariants (invariants.ts) cover them.
 *
 * `TRANSITIONS` is the whole behaviour as a table, (state kind, input kind) → handler; the state
 * diagram in docs/design.md is generated from it (diagram.ts).
 */
import { pairInvariantViolations } from './invariants.js';
import {
  adoptActive,
  adoptStandby,
  claimRole,
  dialPrimary,
  dropDial,
  ensureStandby,
  learnPair,
  linkShown,
  newSession,
  promote,
  pumpReconnect,
  reconcileRoles,
  restoreRedundancy,
  resyncWhenLinkUp,
  returnToPrimary,
  setStatus,
  shutdown,
  startDial,
  startReconnect,
  youngDelay,
} from './steps.js';
import { diedYoung, pairEndpoints, sessionById } from './types.js';
import type { Handler, PairEffect, PairInput, PairInputKind, PairState, PairStateKind, Transition } from './types.js';

export * from './types.js';

type In<K extends PairInputKind> = Extract<PairInput, { kind: K }>;

// ------------------------------------------------------------------ handlers

const onOpen: Handler<In<'open'>> = (s, _i, fx) => {
  const first = pairEndpoints(s)[0];
  s.kind = 'opening';
  s.openTried = [first.name];
  s.openErrors = [];
  s.openPending = true;
  setStatus(s, 'connecting', fx);
  startDial(s, fx, 'open', first, 0);
};

const onOpenDialFailed: Handler<In<'dialFailed'>> = (s, i, fx) => {
  const slot = s.dials.find((d) => d.id === i.dialId);
  if (!slot) return;
  dropDial(s, slot.id);
  s.openErrors = [...s.openErrors, i.error];
  const next = i.aborted ? undefined : pairEndpoints(s).find((e) => !s.openTried.includes(e.name));
  if (next) {
    s.openTried = [...s.openTried, next.name];
    startDial(s, fx, 'open', next, 0);
    return;
  }
  s.kind = 'closed';
  s.openPending = false;
  setStatus(s, 'closed', fx);
  fx.push({ kind: 'openFailed', aborted: i.aborted === true, errors: s.openErrors, endpoints: s.openTried });
};

/** Where a freshly opened session goes depends on the world now, not on why it was dialled. */
const onDialOpened: Handler<In<'dialOpened'>> = (s, i, fx) => {
  const slot = s.dials.find((d) => d.id === i.dialId);
  if (!slot) {
    fx.push({ kind: 'closeSession', session: i.session, why: 'its dial was cancelled' });
    return;
  }
  dropDial(s, slot.id);
  const session = newSession(i.session, slot.endpoint, i.at, i.linkUp, false);
  if (slot.purpose === 'primary') {
    const old = s.active;
    if (old?.endpoint.name === slot.endpoint.name) {
      fx.push({ kind: 'closeSession', session: i.session, why: 'already active there' });
      return;
    }
    adoptStandby(s, fx, session);
    if (s.standby?.id === i.session && (!old || old.role === 'backup')) returnToPrimary(s, fx, s.standby);
    return;
  }
  if (s.active) adoptStandby(s, fx, session);
  else adoptActive(s, fx, { ...session, announced: true });
};

const onDialFailed: Handler<In<'dialFailed'>> = (s, i, fx) => {
  const slot = s.dials.find((d) => d.id === i.dialId);
  if (!slot) return;
  dropDial(s, slot.id);
  if (i.retry?.problem) fx.push({ kind: 'report', error: i.retry.problem });
  const delay = i.retry?.delayMs ?? null;
  if (slot.purpose === 'reconnect' && s.reconnect) {
    const name = slot.endpoint.name;
    const tried = s.reconnect.tried.includes(name) ? s.reconnect.tried : [...s.reconnect.tried, name];
    fx.push({ kind: 'reconnectFailed', endpoint: slot.endpoint, attempt: slot.attempt, error: i.error, servers: tried });
    if (delay === null) {
      shutdown(s, fx, 'reconnectGaveUp', i.error, tried);
      return;
    }
    s.reconnect = { attempt: slot.attempt + 1, last: name, tried };
    pumpReconnect(s, fx, delay);
    return;
  }
  if (slot.purpose === 'standby') {
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
  const active = s.active;
  if (active?.id !== i.session) return;
  s.kind = 'open';
  setStatus(s, 'open', fx);
  fx.push({ kind: 'announceConnected', session: i.session }, { kind: 'flush' });
  // After a reconnect (not the first open) calls and agents may have moved while we were away.
  if (s.everOpened && s.config.resyncOnReconnect && s.tracked) s.resync = 'pending';
  s.everOpened = true;
  linkShown(s, fx, active.linkUp);
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
  if (diedYoung(lost, i.at)) {
    // Past the strategy's last retry (null), its last delay holds: giving up is for failed dials.
    const before = young[name];
    young[name] = { count: (before?.count ?? 0) + 1, delayMs: i.retry?.delayMs ?? before?.delayMs ?? 0 };
    if (i.retry?.problem) fx.push({ kind: 'report', error: i.retry.problem });
  } else delete young[name];
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
  if (i.role !== undefined && !claimRole(s, session, i.role, i.seq, fx)) {
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

/**
 * EventPrimaryChanged: the seed's order around it — EventLinkDisconnected first when users saw the
 * link up and the new primary's is down, EventLinkConnected after when users saw it down (or never)
 * and it is up — and a resync, at once or when the link comes up.
 */
const onPrimaryChanged: Handler<In<'primaryChanged'>> = (s, i, fx) => {
  const session = sessionById(s, i.session);
  if (!session) return;
  if (!claimRole(s, session, 'primary', i.seq)) {
    reconcileRoles(s, fx);
    return;
  }
  if (session !== s.active) promote(s, fx, session, 'primaryChanged');
  else fx.push({ kind: 'primaryConfirmed' });
  const wasUp = s.linkShown === true;
  fx.push({
    kind: 'announcePrimaryChanged',
    session: session.id,
    message: i.message,
    ...(wasUp && !session.linkUp ? { linkBefore: false as const } : {}),
    ...(!wasUp && session.linkUp ? { linkAfter: true as const } : {}),
  });
  fx.push({ kind: 'replaySubscriptions', session: session.id });
  if (wasUp !== session.linkUp) s.linkShown = session.linkUp;
  s.resync = 'pending';
  resyncWhenLinkUp(s, fx);
};

/**
 * A server's link event. The standby's is noted. The active's is shown unless it repeats what users
 * see, or the active is still being adopted (its replay's announcement shows its latest link).
 */
const onLink: Handler<In<'link'>> = (s, i, fx) => {
  const session = sessionById(s, i.session);
  if (!session) return;
  session.linkUp = i.up;
  // Registrations wait for the link, on either session.
  if (i.up) fx.push({ kind: 'flush' });
  if (session !== s.active || s.kind === 'adopting' || s.linkShown === i.up) return;
  fx.push({ kind: 'showLink', session: session.id, message: i.message });
  linkShown(s, fx, i.up);
};

const onResynced: Handler<In<'resynced'>> = (s) => {
  if (s.resync === 'running') s.resync = 'idle';
};

const onTracked: Handler<In<'tracked'>> = (s, i) => {
  s.tracked = i.tracked;
};

const onNewEpoch: Handler<In<'newEpoch'>> = (s) => {
  s.roleSeq = -1;
};

const onClose: Handler<In<'close'>> = (s, i, fx) => shutdown(s, fx, 'close', i.reason);

const onClosed: Handler<In<'closed'>> = (s, _i, fx) => {
  s.kind = 'closed';
  s.backup = s.config.backup; // learned addresses are forgotten: a new open() dials only what the options name
  s.linkShown = undefined; // users have seen nothing yet of the next open()
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

/** What every state takes alike. */
const always = (self: PairStateKind) =>
  ({
    tracked: t([self], 'the ledger holds DNs or calls, or no longer does (a resync after a reconnect needs something to check)', onTracked),
  }) as const;

/** The inputs both 'adopting' and 'open' take; `self` is the kind they stay in. */
const whileUp = (self: 'adopting' | 'open') =>
  ({
    ...always(self),
    dialOpened: t(
      [self, 'open'],
      'a dialled server answered: standby beside the active (one session per server), or returnToPrimary',
      onDialOpened,
    ),
    dialFailed: t([self], "a standby dial retries after retryStrategy's delay; a primary dial ends", onDialFailed),
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
    primaryChanged: t(
      [self, 'open'],
      'record the role; unless stale, promote its server, announce it with the link events around it, resync',
      onPrimaryChanged,
    ),
    link: t([self], "note the server's link; show the active's unless it repeats what users see; a pending resync starts", onLink),
    resynced: t([self], 'the resync is over', onResynced),
    newEpoch: t([self], 'a new ServerStartTime resets the role watermark', onNewEpoch),
    close: t(['closing'], 'cancel dials, close sessions, shut down', onClose),
  }) as const;

export const TRANSITIONS: { readonly [K in PairStateKind]: Partial<Record<PairInputKind, Transition>> } = {
  closed: {
    ...always('closed'),
    open: t(['opening'], 'dial the primary (open)', onOpen),
    dialOpened: t(['closed'], 'a stray session is closed', onStraySession),
  },
  opening: {
    ...always('opening'),
    dialOpened: t(['adopting'], 'adopt as active: hold events, replay the ledger', onDialOpened),
    dialFailed: t(['opening', 'closed'], 'try the next endpoint once; none left (or aborted): open() fails', onOpenDialFailed),
    close: t(['closing'], 'cancel dials, shut down', onClose),
  },
  adopting: {
    ...whileUp('adopting'),
    replayed: t(
      ['adopting', 'open'],
      'announce EventServerConnected and the link, release held events and requests; resync after a reconnect',
      onReplayed,
    ),
  },
  open: { ...whileUp('open'), replayed: t(['open'], 'a replay that was overtaken: open() may resolve', onStaleReplayed) },
  reconnecting: {
    ...always('reconnecting'),
    dialOpened: t(['adopting', 'open'], 'adopt as active (replay), or the named primary returns at once', onDialOpened),
    dialFailed: t(
      ['reconnecting', 'closing'],
      "reconnectFailed; after retryStrategy's delay dial the next endpoint, or give up (null) and close",
      onDialFailed,
    ),
    replayed: t(['reconnecting'], 'a replay on a session lost since: open() may resolve', onStaleReplayed),
    resynced: t(['reconnecting'], 'the resync is over', onResynced),
    newEpoch: t(['reconnecting'], 'a new ServerStartTime resets the role watermark', onNewEpoch),
    close: t(['closing'], 'cancel dials, shut down', onClose),
  },
  closing: {
    ...always('closing'),
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

/**
 * One step as the driver takes it, in tests and in production alike: the reducer, then the
 * invariants. A step that throws or breaks an invariant changes nothing (the previous state, which
 * held them, stays; no effect runs) and says why in `fault`.
 */
export function stepPair(state: PairState, input: PairInput): { state: PairState; effects: PairEffect[]; fault?: Error } {
  try {
    const [next, effects] = reducePair(state, input);
    const broken = pairInvariantViolations(next);
    if (broken.length > 0) return { state, effects: [], fault: new Error(`pair machine invariant broken: ${broken.join('; ')}`) };
    return { state: next, effects };
  } catch (err) {
    return { state, effects: [], fault: err instanceof Error ? err : new Error(String(err)) };
  }
}
