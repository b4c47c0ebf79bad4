/**
 * The switch's flows that call each other, kept in one module so the imports stay one-way:
 * - a call arriving at a DN (forwarding and DND apply; forwarding on no answer is a timer here),
 *   at a routing point (it waits for RequestRouteCall, else the default route at the route
 *   timeout), at an ACD queue (it waits for a free Ready agent, longest idle first);
 * - a party's EventReleased, with the after-call work (wrap-up) of an agent who answered the call
 *   just before it, and the wrap-up's end (EventAgentReady, then the agent's queues distribute).
 * Wire spec 1.1 "The call model", 1.2 "Forwarding and do-not-disturb", "Agents", "Routing".
 */
import { AgentStatus } from '../protocol/attributes.js';
import { AgentWorkMode, CallState, DNRole } from '../protocol/enums.js';
import {
  addParty,
  callAttrs,
  caller,
  dropParty,
  endCollection,
  forget,
  noAnswerTimerKey,
  onCall,
  partyOf,
  routeTimerKey,
  send,
} from './calls.js';
import { forwardTarget, forwardsOnNoAnswer, ringTarget } from './forwarding.js';
import type { AgentState, EventAttributes, Party, Requester, SimCall } from './records.js';
import type { SharedState, SwitchContext } from './state.js';
import { stopTreatment } from './treatment.js';

/** Upper bound on calls distributed in one pass (a bounded loop, whatever the queue length). */
const MAX_DISTRIBUTED_PER_PASS = 10_000;

export interface ArriveOptions {
  /** ThirdPartyDN of the arrival event: who sent the call here (transferrer, routing point, queue…). */
  thirdParty?: string;
  thirdPartyRole?: number;
  /** CallState of the arrival event. Default: the call's. */
  callState?: number;
  /** The DN that forwarded the call here on no answer: ThirdPartyDN, with CallState 23. */
  forwardedBy?: string;
  /** The arrival events are other events of this request. */
  req?: Requester;
}

export type Arrival = { kind: 'ringing' | 'queued' | 'routing' | 'busy'; dn: string };

/**
 * The call arrives at `dest`: a routing point (it waits there, EventRouteRequest), an ACD queue
 * (EventQueued, then distribution), or a DN (forwarding applies; a DND phone refuses it → 'busy',
 * nothing sent; else EventRinging, and a no-answer timer when the DN forwards on no answer).
 */
export function arrive(ctx: SwitchContext, call: SimCall, dest: string, opts: ArriveOptions = {}): Arrival {
  const { shared } = ctx;
  const target = forwardTarget(shared, dest);
  const forwardedBy = target.forwardedBy ?? opts.forwardedBy;
  const who =
    forwardedBy !== undefined
      ? { ThirdPartyDN: forwardedBy, CallState: CallState.Forwarded }
      : { ThirdPartyDN: opts.thirdParty, ThirdPartyDNRole: opts.thirdPartyRole, CallState: opts.callState ?? call.callState };
  const at = target.dn;
  const rp = shared.routingPoints.get(at);
  if (rp) {
    addParty(call, at, 'routing', DNRole.Destination);
    const previous = call.consultFor !== undefined ? { PreviousConnID: call.consultFor.connId } : {};
    send(ctx, at, 'EventRouteRequest', callAttrs(call, at, { ThisQueue: at, OtherDN: caller(call), ...who, ...previous }), opts.req);
    shared.setTimer(routeTimerKey(call.connId), rp.timeoutMs, (later) => routeTimeout(later, call.connId, at));
    return { kind: 'routing', dn: at };
  }
  if (shared.queues.has(at)) {
    addParty(call, at, 'queued', DNRole.Destination);
    call.queue = at;
    send(ctx, at, 'EventQueued', callAttrs(call, at, { ThisQueue: at, OtherDN: caller(call), ...who }), opts.req);
    distribute(ctx, at);
    return { kind: 'queued', dn: at };
  }
  if (shared.dnd.has(at) || partyOf(call, at)) return { kind: 'busy', dn: at };
  addParty(call, at, 'ringing', DNRole.Destination);
  send(ctx, at, 'EventRinging', callAttrs(call, at, who), opts.req);
  armNoAnswer(ctx, call, at);
  return { kind: 'ringing', dn: at };
}

/** A DN forwarding on no answer (modes 3, 4) gets its no-answer time to answer `call`. */
function armNoAnswer(ctx: SwitchContext, call: SimCall, dn: string): void {
  const f = ctx.shared.forwarding.get(dn);
  if (!forwardsOnNoAnswer(f)) return;
  const connId = call.connId;
  ctx.shared.setTimer(noAnswerTimerKey(connId), f.noAnswerMs ?? ctx.shared.settings.noAnswerMs, (later) => noAnswer(later, connId, dn));
}

/**
 * No answer at `dn` in time: it gets EventReleased (CallState 23) and the call rings at the
 * forward target (ThirdPartyDN = `dn`, CallState 23). When the target cannot take it now (DND, or
 * already in the call) or the forwarding was cancelled meanwhile, the call keeps ringing at `dn`.
 */
function noAnswer(ctx: SwitchContext, connId: string, dn: string): void {
  const { shared } = ctx;
  const call = shared.calls.get(connId);
  const f = shared.forwarding.get(dn);
  if (!call || partyOf(call, dn)?.state !== 'ringing' || !forwardsOnNoAnswer(f)) return;
  if (f.to === dn || ringTarget(shared, call, f.to) === undefined) return;
  dropParty(call, dn);
  send(ctx, dn, 'EventReleased', callAttrs(call, dn, { ThirdPartyDN: f.to, CallState: CallState.Forwarded }));
  arrive(ctx, call, f.to, { forwardedBy: dn });
}

// ------------------------------------------------------------------ routing points

/**
 * The call leaves routing point `rp` for `dest`: it arrives there (ThirdPartyDN = `rp`),
 * EventDiverted at `rp`, EventRouteUsed at `rp` (the answer when `req`, else no ReferenceID: a
 * default route) naming the destination in ThirdPartyDN (role 2) and the caller in OtherDN.
 */
export function routeFrom(ctx: SwitchContext, call: SimCall, rp: string, dest: string, req?: Requester): void {
  ctx.shared.clearTimer(routeTimerKey(call.connId));
  stopTreatment(ctx.shared, call);
  endCollection(ctx, call, undefined, rp);
  dropParty(call, rp);
  const arrival = arrive(ctx, call, dest, { thirdParty: rp, req });
  send(ctx, rp, 'EventDiverted', callAttrs(call, rp, { OtherDN: arrival.dn, ThirdPartyDN: arrival.dn }), req);
  send(ctx, rp, 'EventRouteUsed', routeUsedAttrs(call, rp, arrival.dn), req, req !== undefined);
}

/** EventRouteUsed (1.2): OtherDN = the caller, ThirdPartyDN = the destination (role 2), ThisQueue = the routing point. */
export function routeUsedAttrs(
  call: SimCall,
  rp: string,
  dest: string | undefined,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return callAttrs(call, rp, {
    OtherDN: caller(call),
    ThirdPartyDN: dest,
    ThirdPartyDNRole: dest !== undefined ? DNRole.Destination : undefined,
    ThisQueue: rp,
    ...extra,
  });
}

/** No RequestRouteCall in time: the default destination, or (none, or it cannot ring) release. */
function routeTimeout(ctx: SwitchContext, connId: string, rp: string): void {
  const { shared } = ctx;
  const call = shared.calls.get(connId);
  if (call === undefined || partyOf(call, rp)?.state !== 'routing') return;
  const dest = defaultDestination(shared, rp);
  if (dest !== undefined && dest !== rp && ringTarget(shared, call, dest) !== undefined) {
    routeFrom(ctx, call, rp, dest);
    return;
  }
  send(ctx, rp, 'EventRouteUsed', routeUsedAttrs(call, rp, undefined));
  forget(ctx, call);
  for (const p of call.parties) released(ctx, p, callAttrs(call, p.dn));
  agentsFree(
    ctx,
    call.parties.map((p) => p.dn),
  );
}

/** Where routing point `rp` sends a call by default: its own default destination, else the switch's. */
export function defaultDestination(shared: SharedState, rp: string): string | undefined {
  return shared.routingPoints.get(rp)?.defaultDestination ?? shared.defaultRouteDestination;
}

/** The routing point's timer starts again (a consultation waiting there merged into another call). */
export function rearmRouting(ctx: SwitchContext, call: SimCall, rp: string): void {
  const cfg = ctx.shared.routingPoints.get(rp);
  if (!cfg) return;
  ctx.shared.setTimer(routeTimerKey(call.connId), cfg.timeoutMs, (later) => routeTimeout(later, call.connId, rp));
}

// ------------------------------------------------------------------ queues

/** `dn` can take a distributed call: not on a call, not on DND. */
export function isFree(shared: SharedState, dn: string): boolean {
  return !onCall(shared, dn) && !shared.dnd.has(dn);
}

/** Free Ready agents on `queue` get its waiting calls, oldest call and longest-idle agent first. */
export function distribute(ctx: SwitchContext, queue: string): void {
  const { shared } = ctx;
  for (let n = 0; n < MAX_DISTRIBUTED_PER_PASS; n++) {
    const call = [...shared.calls.values()].find((c) => c.parties.some((p) => p.dn === queue && p.state === 'queued'));
    if (!call) return;
    // An agent in after-call work is NotReady: it gets no ACD call.
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
    endCollection(ctx, call, undefined, queue);
    dropParty(call, queue);
    send(ctx, queue, 'EventDiverted', callAttrs(call, queue, { OtherDN: agent.dn, ThirdPartyDN: agent.dn, ThisQueue: queue }));
    arrive(ctx, call, agent.dn, { thirdParty: queue });
  }
}

/** `dns` may have become free: their agents' idle time restarts and their queues distribute. */
export function agentsFree(ctx: SwitchContext, dns: readonly string[]): void {
  const queues = new Set<string>();
  for (const dn of dns) {
    const agent = ctx.shared.agents.get(dn);
    if (!agent || !isFree(ctx.shared, dn)) continue;
    agent.idleSince = ctx.shared.now();
    for (const q of agent.queues) queues.add(q);
  }
  for (const q of queues) distribute(ctx, q);
}

// ------------------------------------------------------------------ releases and after-call work

/** Wrap-up time (s) of an agent: its login's `Extensions` WrapUpTime, else the switch's setting. */
export function wrapUpSeconds(shared: SharedState, agent: AgentState): number {
  return agent.wrapUpSec ?? shared.settings.wrapUpSec;
}

/**
 * EventReleased to `party`, which leaves `call` (it may be dropped already). When its agent
 * answered the call and has a wrap-up time, after-call work starts just before it:
 * EventAgentNotReady (AgentWorkMode 3, Extensions WrapUpTime); EventAgentReady when it is over.
 */
export function released(ctx: SwitchContext, party: Party, attrs: EventAttributes, req?: Requester, answer = false): void {
  if (party.answered) startWrapUp(ctx, party.dn);
  send(ctx, party.dn, 'EventReleased', attrs, req, answer);
}

function startWrapUp(ctx: SwitchContext, dn: string): void {
  const { shared } = ctx;
  const agent = shared.agents.get(dn);
  if (!agent) return;
  const seconds = wrapUpSeconds(shared, agent);
  if (seconds <= 0) return;
  const workModeBefore = agent.wrapUp ? agent.wrapUp.workModeBefore : agent.workMode;
  agent.status = AgentStatus.NotReady;
  agent.workMode = AgentWorkMode.AfterCallWork;
  agent.reasons = undefined;
  agent.wrapUp = { endsAt: shared.now() + seconds * 1000, seconds, workModeBefore };
  send(ctx, dn, 'EventAgentNotReady', {
    ThisDN: dn,
    AgentID: agent.agentId,
    AgentWorkMode: AgentWorkMode.AfterCallWork,
    Extensions: [['WrapUpTime', seconds]],
  });
  shared.setTimer(wrapUpTimerKey(dn), seconds * 1000, (later) => endWrapUp(later, dn));
}

/** The wrap-up time is up: EventAgentReady (the work mode before it), then the agent's queues distribute. */
function endWrapUp(ctx: SwitchContext, dn: string): void {
  const agent = ctx.shared.agents.get(dn);
  if (!agent?.wrapUp) return;
  agent.workMode = agent.wrapUp.workModeBefore;
  agent.wrapUp = undefined;
  agent.status = AgentStatus.Ready;
  agent.idleSince = ctx.shared.now();
  send(ctx, dn, 'EventAgentReady', { ThisDN: dn, AgentID: agent.agentId, AgentWorkMode: agent.workMode });
  for (const q of agent.queues) distribute(ctx, q);
}

/** After-call work ends without EventAgentReady (the agent's own Ready, NotReady or Logout follows). */
export function cancelWrapUp(shared: SharedState, agent: AgentState): void {
  shared.clearTimer(wrapUpTimerKey(agent.dn));
  agent.wrapUp = undefined;
}

const wrapUpTimerKey = (dn: string): string => `wrapup:${dn}`;
