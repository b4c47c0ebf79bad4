/**
 * What must hold after every transition of the pair machine: the driver checks it after every
 * step (stepPair: a step that breaks it changes nothing), and so do the reducer's table tests.
 */
import type { PairState } from './types.js';

/** What must hold after every transition: sessions, dials, the link users see, the resync and open(). */
export function pairInvariantViolations(s: PairState): string[] {
  const out: string[] = [];
  const { active, standby } = s;
  if (active && standby) {
    if (active.id === standby.id) out.push(`session ${active.id} is both active and standby`);
    if (active.endpoint.name === standby.endpoint.name) out.push(`standby to the active's own server ${active.endpoint.name}`);
  }
  const names = s.dials.map((d) => d.endpoint.name);
  for (const n of new Set(names)) if (names.filter((m) => m === n).length > 1) out.push(`more than one dial to ${n}`);
  for (const d of s.dials) {
    if (active && d.endpoint.name === active.endpoint.name) out.push(`a ${d.purpose} dial to the active's own server ${d.endpoint.name}`);
    if (standby && d.endpoint.name === standby.endpoint.name) out.push(`a ${d.purpose} dial to the standby's server ${d.endpoint.name}`);
  }
  const purposes = s.dials.map((d) => d.purpose);
  for (const p of new Set(purposes)) if (purposes.filter((q) => q === p).length > 1) out.push(`more than one ${p} dial`);
  const hasActive = s.kind === 'adopting' || s.kind === 'open';
  if (hasActive !== (active !== undefined)) out.push(`state ${s.kind} with${active ? '' : 'out'} an active session`);
  if (!hasActive && standby) out.push(`state ${s.kind} with a standby session`);
  if ((s.kind === 'closed' || s.kind === 'closing') && s.dials.length > 0) out.push(`state ${s.kind} with dials`);
  if (s.kind === 'reconnecting' && !s.reconnect) out.push('reconnecting without a reconnect loop');
  if (s.kind === 'reconnecting' && s.dials.length === 0) out.push('reconnecting with no dial: stuck');
  if (s.kind === 'opening' && s.dials.length !== 1) out.push(`opening with ${s.dials.length} dials`);
  if (s.kind !== 'reconnecting' && s.reconnect) out.push(`a reconnect loop in state ${s.kind}`);
  if (s.kind === 'opening' && s.dials.some((d) => d.purpose !== 'open')) out.push('opening with a dial that is not open()');
  const up = s.kind === 'adopting' || s.kind === 'open' || s.kind === 'reconnecting';
  if (s.resync !== 'idle' && !up) out.push(`a ${s.resync} resync in state ${s.kind}`);
  if ((s.kind === 'closed' || s.kind === 'opening') && s.linkShown !== undefined) out.push(`users shown a link in state ${s.kind}`);
  if (s.openPending && (s.kind === 'closed' || s.kind === 'closing')) out.push(`open() still waiting in state ${s.kind}`);
  for (const session of [active, standby]) {
    if (session && !Number.isFinite(session.openedAt)) out.push(`session ${session.id} has no opening time`);
  }
  return out;
}

export function assertPairInvariants(s: PairState): void {
  const v = pairInvariantViolations(s);
  if (v.length > 0) throw new Error(`pair machine invariant broken: ${v.join('; ')}`);
}
