/**
 * Routing points and treatments (wire spec 1.1 "The call model", 1.2 "Routing"):
 * - the first RequestRouteCall for a call waiting at a routing point routes it (EventRinging at the
 *   destination with ThirdPartyDN = the routing point, EventDiverted and EventRouteUsed at the
 *   routing point); a later one gets 57. RouteType 13 names an AgentID (the call goes to the DN the
 *   agent is logged in on), 14 releases the call (EventReleased to every party, CallState 19), 7
 *   rejects it;
 * - ApplyTreatment plays while the call waits: EventTreatmentApplied, EventTreatmentEnd after the
 *   duration (TreatmentParms `Duration` s or `DurationMs` ms, else the switch setting).
 */
import { CallState, RouteType, TreatmentType } from '../protocol/enums.js';
import { agentsFree, defaultDestination, routeFrom, routeUsedAttrs, released } from './arrival.js';
import { callAttrs, forget, mergeUserData, partyOf, routeTimerKey, send, treatmentTimerKey } from './calls.js';
import { callWithParty, knownDN, ownDN, reachable, validDestination } from './checks.js';
import type { Handler } from './core.js';
import { endCall } from './departure.js';
import { SimErrorCode, refuse } from './error-codes.js';
import { treatmentDuration } from './treatment.js';

/** TreatmentType values the simulator plays (all the public TTreatmentType ones but Unknown). */
const TREATMENTS: ReadonlySet<number> = new Set(Object.values(TreatmentType).filter((t) => t !== TreatmentType.Unknown));

export const ROUTING_HANDLERS = {
  RequestRouteCall(core, req, a) {
    const { shared } = core;
    shared.countRouteCall(a.ConnID);
    ownDN(core, req, a.ThisDN);
    if (!shared.routingPoints.has(a.ThisDN)) refuse(SimErrorCode.NotRoutingPoint, `DN ${a.ThisDN} is not a routing point`);
    const call = shared.calls.get(a.ConnID);
    if (!call || partyOf(call, a.ThisDN)?.state !== 'routing') {
      refuse(
        SimErrorCode.NoSuchCall,
        `no call ${a.ConnID} waits at routing point ${a.ThisDN} (routed already, by default or by another RouteCall, or gone)`,
      );
    }
    const rp = a.ThisDN;
    if (a.RouteType === RouteType.Reject) {
      shared.clearTimer(routeTimerKey(call.connId));
      send(core, rp, 'EventRouteUsed', routeUsedAttrs(call, rp, undefined, { RouteType: RouteType.Reject }), req, true);
      endCall(core, call);
      return;
    }
    if (a.RouteType === RouteType.CallDisconnect) {
      // The switch releases the call: every party but the routing point gets EventReleased (CallState 19), EventRouteUsed answers.
      forget(core, call);
      const cleared = { CallState: CallState.Cleared };
      for (const p of call.parties) if (p.dn !== rp) released(core, p, callAttrs(call, p.dn, cleared), req);
      send(core, rp, 'EventRouteUsed', routeUsedAttrs(call, rp, undefined, { RouteType: RouteType.CallDisconnect, ...cleared }), req, true);
      agentsFree(
        core,
        call.parties.map((p) => p.dn),
      );
      return;
    }
    let dest: string | undefined;
    if (a.RouteType === RouteType.AgentID) {
      if (a.OtherDN === undefined)
        refuse(SimErrorCode.MissingAttribute, 'missing attribute OtherDN: RouteType 13 (AgentID) needs the AgentID');
      dest = shared.agentById(a.OtherDN)?.dn;
      if (dest === undefined)
        refuse(SimErrorCode.InvalidDestination, `invalid destination: no agent ${a.OtherDN} is logged in (RouteType 13)`);
    } else {
      dest = a.OtherDN ?? defaultDestination(shared, rp);
      if (dest === undefined)
        refuse(SimErrorCode.InvalidDestination, `no destination: OtherDN is absent and routing point ${rp} has no default destination`);
    }
    validDestination(core, dest, rp, call);
    reachable(core, call, dest);
    if (a.DNIS !== undefined) call.dnis = a.DNIS;
    if (a.UserData !== undefined) call.userData = mergeUserData(call.userData, a.UserData);
    routeFrom(core, call, rp, dest, req);
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
