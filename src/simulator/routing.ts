/**
 * Routing points, ACD queues and treatments (wire spec 1.1 "The call model"):
 * - a call at a routing point waits; the first RequestRouteCall routes it (EventRinging at the
 *   destination with ThirdPartyDN = the routing point, EventDiverted at the routing point,
 *   EventRouteUsed answering); a later one gets 57; with none within the route timeout the switch
 *   routes to the default destination and sends EventRouteUsed without a ReferenceID;
 * - a call at a queue waits until a Ready agent logged in on the queue is free (longest idle
 *   first): EventDiverted at the queue, EventRinging at the agent (ThirdPartyDN = the queue);
 * - ApplyTreatment plays while the call waits: EventTreatmentApplied, EventTreatmentEnd after the
 *   duration (TreatmentParms `Duration` s or `DurationMs` ms, else the switch setting).
 */
import { AgentStatus, type KVList } from '../protocol/attributes.js';
import { callWithParty, knownDN, ownDN, reachable, validDestination } from './checks.js';
import { SimErrorCode, refuse } from './error-codes.js';
import type { Handler, SimCore } from './handlers.js';
import {
  addParty,
  arrive,
  callAttrs,
  dropParty,
  endCall,
  installRoutingHooks,
  mergeUserData,
  ringTarget,
  partyOf,
  routeTimerKey,
  send,
  treatmentTimerKey,
  type Requester,
  type SwitchContext,
} from './model.js';
import { DNRole, RouteType, TreatmentType } from '../protocol/enums.js';
import { type CallState, type SharedState } from './state.js';

/** Party states in which a DN cannot take another call. */
const BUSY = new Set(['dialing', 'ringing', 'established', 'held']);

/** TreatmentType values the simulator plays (all the public TTreatmentType ones but Unknown). */
const TREATMENTS: ReadonlySet<number> = new Set(Object.values(TreatmentType).filter((t) => t !== TreatmentType.Unknown));

/** Longest treatment duration accepted from TreatmentParms (ms): one hour. */
export const MAX_TREATMENT_MS = 3_600_000;

/** Upper bound on calls distributed in one pass (a bounded loop, whatever the queue length). */
const MAX_DISTRIBUTED_PER_PASS = 10_000;

/** `dn` is on a call (dialing, ringing, established or held). */
export function onCall(shared: SharedState, dn: string): boolean {
  for (const call of shared.calls.values()) {
    for (const p of call.parties) if (p.dn === dn && BUSY.has(p.state)) return true;
  }
  return false;
}

/** `dn` can take a distributed call: not on a call, not on DND. */
export function isFree(shared: SharedState, dn: string): boolean {
  return !onCall(shared, dn) && !shared.dnd.has(dn);
}

/** A destination a routing point may send a call to (62 otherwise). */
function routable(core: SimCore, call: CallState, dest: string, rp: string): void {
  validDestination(core, dest, rp, call);
  reachable(core, call, dest);
}

/**
 * The call leaves routing point `rp` for `dest`: EventRinging (or EventQueued/EventRouteRequest)
 * at `dest`, EventDiverted at `rp`, EventRouteUsed at `rp` (the answer when `req`, else no
 * ReferenceID: a default route).
 */
function routeFrom(ctx: SwitchContext, call: CallState, rp: string, dest: string, req?: Requester): void {
  ctx.shared.clearTimer(routeTimerKey(call.connId));
  stopTreatment(ctx.shared, call);
  dropParty(call, rp);
  arrive(ctx, call, dest, rp, req);
  send(ctx, rp, 'EventDiverted', callAttrs(call, rp, { OtherDN: dest, ThirdPartyDN: dest }), req);
  send(ctx, rp, 'EventRouteUsed', callAttrs(call, rp, { OtherDN: dest }), req, req !== undefined);
}

/** No RequestRouteCall in time: the default destination, or (none, or it cannot ring) release. */
function routeTimeout(ctx: SwitchContext, connId: string, rp: string): void {
  const { shared } = ctx;
  const call = shared.calls.get(connId);
  if (call?.parties.find((p) => p.dn === rp)?.state !== 'routing') return;
  const dest = shared.routingPoints.get(rp)?.defaultDestination;
  if (dest !== undefined && dest !== rp && ringTarget(shared, call, dest) !== undefined) {
    routeFrom(ctx, call, rp, dest);
    return;
  }
  send(ctx, rp, 'EventRouteUsed', callAttrs(call, rp));
  endCall(ctx, call);
}

/** The routing point's timer starts again (a consultation waiting there merged into another call). */
export function rearmRouting(ctx: SwitchContext, call: CallState, rp: string): void {
  const cfg = ctx.shared.routingPoints.get(rp);
  if (!cfg) return;
  ctx.shared.setTimer(routeTimerKey(call.connId), cfg.timeoutMs, (later) => routeTimeout(later, call.connId, rp));
}

/** Free Ready agents on `queue` get its waiting calls, oldest call and longest-idle agent first. */
export function distribute(ctx: SwitchContext, queue: string): void {
  const { shared } = ctx;
  for (let n = 0; n < MAX_DISTRIBUTED_PER_PASS; n++) {
    const call = [...shared.calls.values()].find((c) => c.parties.some((p) => p.dn === queue && p.state === 'queued'));
    if (!call) return;
    const agent = [...shared.agents.values()]
      .filter(
        (a) =>
          a.status === AgentStatus.Ready &&
          a.queues.includes(queue) &&
          isFree(shared, a.dn) &&
          ringTarget(shared, call, a.dn) !== undefined,
      )
      .sort((x, y) => x.idleSince - y.idleSince)[0];
    if (!agent) return;
    stopTreatment(shared, call);
    dropParty(call, queue);
    send(ctx, queue, 'EventDiverted', callAttrs(call, queue, { OtherDN: agent.dn, ThirdPartyDN: agent.dn, ThisQueue: queue }));
    arrive(ctx, call, agent.dn, queue);
  }
}

/** `dns` may have become free: their agents' idle time restarts and their queues distribute. */
export function agentsFree(ctx: SwitchContext, dns: string[]): void {
  const queues = new Set<string>();
  for (const dn of dns) {
    const agent = ctx.shared.agents.get(dn);
    if (!agent || !isFree(ctx.shared, dn)) continue;
    agent.idleSince = Date.now();
    for (const q of agent.queues) queues.add(q);
  }
  for (const q of queues) distribute(ctx, q);
}

/** A supervisor monitoring `dn` (MonitorNextCall) joins the call `dn` just answered, as observer. */
export function joinMonitoringSupervisor(ctx: SwitchContext, call: CallState, dn: string): void {
  const monitor = ctx.shared.monitors.get(dn);
  if (!monitor || partyOf(call, monitor.supervisor)) return;
  if (!monitor.allCalls) ctx.shared.monitors.delete(dn);
  addParty(call, monitor.supervisor, 'established', DNRole.Observer);
  send(ctx, monitor.supervisor, 'EventEstablished', callAttrs(call, monitor.supervisor, { OtherDN: dn, ThirdPartyDN: dn }));
}

function stopTreatment(shared: SharedState, call: CallState): void {
  shared.clearTimer(treatmentTimerKey(call.connId));
  call.treatment = undefined;
}

/** Treatment length from TreatmentParms (`DurationMs` in ms or `Duration` in s), else the setting. */
export function treatmentDuration(shared: SharedState, parms: KVList | undefined): number {
  for (const [key, value] of parms ?? []) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) continue;
    if (key === 'DurationMs') return Math.min(value, MAX_TREATMENT_MS);
    if (key === 'Duration') return Math.min(value * 1000, MAX_TREATMENT_MS);
  }
  return shared.settings.treatmentDurationMs;
}

installRoutingHooks({ routeTimeout, distribute, agentsFree });

export const ROUTING_HANDLERS = {
  RequestRouteCall(core, req, a) {
    const { shared } = core;
    shared.countRouteCall(a.ConnID);
    ownDN(core, req, a.ThisDN);
    const rp = shared.routingPoints.get(a.ThisDN);
    if (!rp) refuse(SimErrorCode.NotRoutingPoint, `DN ${a.ThisDN} is not a routing point`);
    const call = shared.calls.get(a.ConnID);
    if (!call || partyOf(call, a.ThisDN)?.state !== 'routing') {
      refuse(
        SimErrorCode.NoSuchCall,
        `no call ${a.ConnID} waits at routing point ${a.ThisDN} (routed already, by default or by another RouteCall, or gone)`,
      );
    }
    // A rejected route releases the call.
    if (a.RouteType === RouteType.Reject) {
      shared.clearTimer(routeTimerKey(call.connId));
      send(core, a.ThisDN, 'EventRouteUsed', callAttrs(call, a.ThisDN, { RouteType: RouteType.Reject }), req, true);
      endCall(core, call);
      return;
    }
    const dest = a.OtherDN ?? rp.defaultDestination;
    if (dest === undefined)
      refuse(SimErrorCode.InvalidDestination, `no destination: OtherDN is absent and routing point ${a.ThisDN} has no default destination`);
    routable(core, call, dest, a.ThisDN);
    if (a.DNIS !== undefined) call.dnis = a.DNIS;
    if (a.UserData !== undefined) call.userData = mergeUserData(call.userData, a.UserData);
    routeFrom(core, call, a.ThisDN, dest, req);
  },

  RequestApplyTreatment(core, req, a) {
    ownDN(core, req, a.ThisDN);
    knownDN(core, a.ThisDN);
    const { call, party } = callWithParty(core, a.ConnID, a.ThisDN);
    const notApplied = (why: string): void =>
      send(
        core,
        a.ThisDN,
        'EventTreatmentNotApplied',
        callAttrs(call, a.ThisDN, { TreatmentType: a.TreatmentType, ErrorMessage: why }),
        req,
        true,
      );
    if (party.state !== 'routing' && party.state !== 'queued')
      return notApplied(`call ${a.ConnID} does not wait at ${a.ThisDN} (it is ${party.state})`);
    if (!TREATMENTS.has(a.TreatmentType)) return notApplied(`TreatmentType ${a.TreatmentType} is not supported`);
    const ms = treatmentDuration(core.shared, a.TreatmentParms);
    call.treatment = { dn: a.ThisDN, type: a.TreatmentType };
    send(
      core,
      a.ThisDN,
      'EventTreatmentApplied',
      callAttrs(call, a.ThisDN, { TreatmentType: a.TreatmentType, TreatmentParms: a.TreatmentParms }),
      req,
      true,
    );
    const connId = call.connId;
    const type = a.TreatmentType;
    const dn = a.ThisDN;
    core.shared.setTimer(treatmentTimerKey(connId), ms, (ctx) => {
      const now = ctx.shared.calls.get(connId);
      if (!now || now.treatment?.dn !== dn) return;
      now.treatment = undefined;
      send(ctx, dn, 'EventTreatmentEnd', callAttrs(now, dn, { TreatmentType: type }));
    });
  },
} satisfies { [N in RoutingRequest]: Handler<N> };

export type RoutingRequest = 'RequestRouteCall' | 'RequestApplyTreatment';
