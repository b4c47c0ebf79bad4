/**
 * The building blocks of the pair reducer's handlers (machine.ts): each changes the draft
 * state and pushes the effects that go with the change. Pure: no I/O, no clock, no user code.
 */
import type { Endpoint } from '../../transport/index.js';
import { dialTo, pairEndpoints } from './types.js';
import type { DialPurpose, DialSlot, PairEffect, PairRole, PairSession, PairState, PairStatus, PromoteWhy } from './types.js';

export function setStatus(s: PairState, status: PairStatus, fx: PairEffect[]): void {
  if (s.status === status) return;
  s.status = status;
  fx.push({ kind: 'status', status });
}

export function startDial(s: PairState, fx: PairEffect[], purpose: DialPurpose, endpoint: Endpoint, delayMs: number, attempt = 1): void {
  const slot: DialSlot = { id: s.nextDialId++, purpose, endpoint, attempt };
  s.dials = [...s.dials, slot];
  fx.push({ kind: 'dial', dialId: slot.id, endpoint, purpose, delayMs });
}

export function dropDial(s: PairState, id: number): void {
  s.dials = s.dials.filter((d) => d.id !== id);
}

export function cancelDial(s: PairState, fx: PairEffect[], slot: DialSlot): void {
  dropDial(s, slot.id);
  fx.push({ kind: 'cancelDial', dialId: slot.id });
}

/** Backoff for a server whose sessions keep dying young: the last delay the strategy gave for it. */
export function youngDelay(s: PairState, name: string): number {
  return s.config.reconnect ? (s.youngLosses[name]?.delayMs ?? 0) : 0;
}

/** A new session as the reducer knows it. */
export function newSession(id: number, endpoint: Endpoint, at: number, linkUp: boolean, announced: boolean): PairSession {
  return { id, endpoint, role: undefined, announced, openedAt: at, linkUp };
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

export function adoptActive(s: PairState, fx: PairEffect[], session: PairSession): void {
  s.active = session;
  s.kind = 'adopting';
  fx.push({ kind: 'adoptActive', session: session.id, afterReconnect: s.everOpened });
  afterActiveChange(s, fx);
}

export function adoptStandby(s: PairState, fx: PairEffect[], session: PairSession): void {
  if (s.active && s.active.endpoint.name === session.endpoint.name) {
    // Two dials reached the same server: keep one session to it and go for the other server.
    fx.push({ kind: 'closeSession', session: session.id, why: 'already active there' });
    restoreRedundancy(s, fx);
    return;
  }
  if (s.standby) fx.push({ kind: 'closeSession', session: s.standby.id, why: 'replaced by a newer standby' });
  s.standby = session;
  fx.push({ kind: 'adoptStandby', session: session.id }, { kind: 'stateChanged' });
}

/** Makes the standby active; the old active, if still up, becomes the standby. */
export function promote(s: PairState, fx: PairEffect[], target: PairSession, why: PromoteWhy, lostId?: number): void {
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
  if (target.role === 'primary') fx.push({ kind: 'primaryConfirmed' });
  afterActiveChange(s, fx);
}

/** Starts the resync now on the active, or once its link is up. */
export function resyncWhenLinkUp(s: PairState, fx: PairEffect[]): void {
  const active = s.active;
  if (!active) return;
  if (!active.linkUp) {
    s.resync = 'pending';
    return;
  }
  s.resync = 'running';
  fx.push({ kind: 'resync', session: active.id });
}

/** The primary returns: EventServerConnected with its link, its subscriptions, and a resync if anything is tracked. */
export function returnToPrimary(s: PairState, fx: PairEffect[], target: PairSession): void {
  promote(s, fx, target, 'returnToPrimary');
  fx.push({ kind: 'announceReturn', session: target.id, linkUp: target.linkUp }, { kind: 'replaySubscriptions', session: target.id });
  if (s.tracked) s.resync = 'pending';
  linkShown(s, fx, target.linkUp);
}

/** Users now see the active's link as `up`: a resync that waited for it starts. */
export function linkShown(s: PairState, fx: PairEffect[], up: boolean): void {
  s.linkShown = up;
  if (up && s.resync === 'pending') resyncWhenLinkUp(s, fx);
}

/** A background dial that re-opens a standby to `endpoint` (never the active's server, never twice). */
export function ensureStandby(s: PairState, fx: PairEffect[], endpoint: Endpoint): void {
  if (!s.config.reconnect || s.dials.some((d) => d.purpose === 'standby')) return;
  if (s.standby?.endpoint.name === endpoint.name || s.active?.endpoint.name === endpoint.name) return;
  if (dialTo(s, endpoint.name)) return;
  startDial(s, fx, 'standby', endpoint, youngDelay(s, endpoint.name));
}

/** One session per server; a hot-standby pair keeps a standby to the other server. */
export function restoreRedundancy(s: PairState, fx: PairEffect[]): void {
  const active = s.active;
  if (!active) return;
  if (s.standby || !s.hotStandby) return;
  const other = pairEndpoints(s).find((e) => e.name !== active.endpoint.name);
  if (other) ensureStandby(s, fx, other);
}

/** The reconnect loop dials the next known endpoint no other dial holds; when all are held it waits for one. */
export function pumpReconnect(s: PairState, fx: PairEffect[], delayMs: number): void {
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

export function startReconnect(s: PairState, fx: PairEffect[], delayMs: number): void {
  setStatus(s, 'reconnecting', fx);
  s.kind = 'reconnecting';
  if (!s.config.reconnect) {
    shutdown(s, fx, 'reconnectOff', new Error('connection lost and reconnect is off'));
    return;
  }
  s.reconnect = { attempt: 1, last: undefined, tried: [] };
  pumpReconnect(s, fx, delayMs);
}

export function shutdown(
  s: PairState,
  fx: PairEffect[],
  why: 'close' | 'reconnectOff' | 'reconnectGaveUp',
  error: Error,
  servers?: readonly string[],
): void {
  for (const d of s.dials) fx.push({ kind: 'cancelDial', dialId: d.id });
  for (const sess of [s.active, s.standby]) if (sess) fx.push({ kind: 'closeSession', session: sess.id, why: 'shutdown' });
  if (s.resync !== 'idle') fx.push({ kind: 'cancelResync' });
  s.dials = [];
  s.active = undefined;
  s.standby = undefined;
  s.reconnect = undefined;
  s.openPending = false;
  s.resync = 'idle';
  s.kind = 'closing';
  setStatus(s, 'closing', fx);
  fx.push(servers ? { kind: 'shutdown', why, error, servers } : { kind: 'shutdown', why, error });
}

/** Whichever of the two named servers is not the configured primary is the other one (never the active's address for both). */
export function learnPair(s: PairState, sender: Endpoint, named: Endpoint): void {
  const other = [named, sender].find((e) => e.name !== s.config.primary.name);
  if (other && other.name !== s.backup?.name) s.backup = other;
}

/** One attempt at the primary a backup named, in its own slot: no other dial may stop it. */
export function dialPrimary(s: PairState, fx: PairEffect[], endpoint: Endpoint): void {
  if (s.dials.some((d) => d.purpose === 'primary') || s.active?.endpoint.name === endpoint.name) return;
  const other = dialTo(s, endpoint.name);
  if (other) cancelDial(s, fx, other);
  startDial(s, fx, 'primary', endpoint, 0);
}

/** The active says it is the backup and the standby says it is the primary: go to the standby. */
export function reconcileRoles(s: PairState, fx: PairEffect[]): void {
  if (s.active?.role === 'backup' && s.standby?.role === 'primary') returnToPrimary(s, fx, s.standby);
}

/** Records a session's own role claim, and says whether it is newer than the last one acted upon. */
export function claimRole(s: PairState, session: PairSession, role: PairRole, seq: number | undefined, fx?: PairEffect[]): boolean {
  if (role === 'primary' && session.role !== 'primary' && session === s.active) fx?.push({ kind: 'primaryConfirmed' });
  session.role = role;
  if (seq === undefined) return true;
  if (seq < s.roleSeq) return false;
  s.roleSeq = seq;
  return true;
}
