/**
 * A ringing party answers (RequestAnswerCall, or the switch-side answerCall): EventEstablished
 * there and to a caller still dialing; a party added by RequestSingleStepConference then learns who
 * else is on the call; a supervisor monitoring the DN joins as observer.
 */
import { DNRole } from '../protocol/enums.js';
import { addParty, callAttrs, noAnswerTimerKey, partyOf, send, setPartyState } from './calls.js';
import { membersAddedTo } from './party-events.js';
import type { Requester, SimCall } from './records.js';
import type { SwitchContext } from './state.js';

/**
 * `dn` answers its ringing call: EventEstablished there (answering `req` when given), then to each
 * party still dialing (the caller), which is now established too. A party added by
 * RequestSingleStepConference then gets one EventPartyAdded per other member, the conferencer included.
 */
export function answerParty(ctx: SwitchContext, call: SimCall, dn: string, req?: Requester): void {
  const party = partyOf(call, dn);
  if (!party) return;
  setPartyState(call, party, 'established');
  party.answered = true;
  ctx.shared.clearTimer(noAnswerTimerKey(call.connId));
  send(ctx, dn, 'EventEstablished', callAttrs(call, dn), req, true);
  for (const p of call.parties) {
    if (p.state !== 'dialing') continue;
    setPartyState(call, p, 'established');
    send(ctx, p.dn, 'EventEstablished', callAttrs(call, p.dn), req);
  }
  if (party.conferencedBy !== undefined) {
    membersAddedTo(ctx, call, dn, party.conferencedBy, req, true);
    party.conferencedBy = undefined;
  }
  joinMonitoringSupervisor(ctx, call, dn);
}

/** A supervisor monitoring `dn` (MonitorNextCall) joins the call `dn` just answered, as observer. */
function joinMonitoringSupervisor(ctx: SwitchContext, call: SimCall, dn: string): void {
  const monitor = ctx.shared.monitors.get(dn);
  if (!monitor || partyOf(call, monitor.supervisor)) return;
  if (!monitor.allCalls) ctx.shared.monitors.delete(dn);
  addParty(call, monitor.supervisor, 'established', DNRole.Observer);
  send(ctx, monitor.supervisor, 'EventEstablished', callAttrs(call, monitor.supervisor, { OtherDN: dn, ThirdPartyDN: dn }));
}
