/**
 * Requests about a DN rather than a call: do-not-disturb, call forwarding (wire spec 1.2 modes 1–5
 * with `Extensions` NoAnswerTimeout) and supervisor monitoring.
 */
import type { KVList } from '../protocol/attributes.js';
import { kvGet } from '../protocol/values.js';
import { ForwardMode, MonitorNextCallType } from '../protocol/enums.js';
import { distribute } from './arrival.js';
import { send } from './calls.js';
import { knownDN, ownDN, validDestination } from './checks.js';
import type { Handler } from './core.js';
import { SimErrorCode, refuse } from './error-codes.js';
import { FORWARD_MODES } from './forwarding.js';

/** The longest no-answer time (s) RequestCallForwardSet may give: an hour. */
export const MAX_NO_ANSWER_SEC = 3_600;

/** `Extensions` NoAnswerTimeout (whole seconds, 1–3,600) in ms, or undefined; 42 for anything else. */
function noAnswerMsOf(extensions: KVList | undefined): number | undefined {
  const value = kvGet(extensions, 'NoAnswerTimeout');
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^[0-9]{1,5}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_NO_ANSWER_SEC) {
    refuse(
      SimErrorCode.InvalidAttribute,
      `invalid attribute Extensions NoAnswerTimeout: whole seconds 1–${MAX_NO_ANSWER_SEC}, got ${JSON.stringify(value)}`,
    );
  }
  return n * 1000;
}

export const DN_HANDLERS = {
  RequestSetDNDOn(core, req, a) {
    ownDN(core, req, a.ThisDN);
    core.shared.dnd.add(a.ThisDN);
    send(core, a.ThisDN, 'EventDNDOn', { ThisDN: a.ThisDN }, req, true);
  },

  RequestSetDNDOff(core, req, a) {
    ownDN(core, req, a.ThisDN);
    core.shared.dnd.delete(a.ThisDN);
    send(core, a.ThisDN, 'EventDNDOff', { ThisDN: a.ThisDN }, req, true);
    for (const q of core.shared.agents.get(a.ThisDN)?.queues ?? []) distribute(core, q);
  },

  RequestCallForwardSet(core, req, a) {
    ownDN(core, req, a.ThisDN);
    validDestination(core, a.OtherDN, a.ThisDN);
    const mode = a.ForwardMode ?? ForwardMode.Unconditional;
    if (!FORWARD_MODES.has(mode)) refuse(SimErrorCode.InvalidAttribute, `invalid attribute ForwardMode: 1–5, got ${mode}`);
    const noAnswerMs = noAnswerMsOf(a.Extensions);
    core.shared.forwarding.set(a.ThisDN, { to: a.OtherDN, mode, noAnswerMs });
    const extensions: KVList | undefined = noAnswerMs !== undefined ? [['NoAnswerTimeout', noAnswerMs / 1000]] : undefined;
    send(core, a.ThisDN, 'EventForwardSet', { ThisDN: a.ThisDN, OtherDN: a.OtherDN, ForwardMode: mode, Extensions: extensions }, req, true);
  },

  RequestCallForwardCancel(core, req, a) {
    ownDN(core, req, a.ThisDN);
    // Cancelling forwarding that is not set succeeds: the request is idempotent.
    const was = core.shared.forwarding.get(a.ThisDN);
    if (!was || a.ForwardMode === undefined || a.ForwardMode === was.mode) core.shared.forwarding.delete(a.ThisDN);
    send(core, a.ThisDN, 'EventForwardCancel', { ThisDN: a.ThisDN, ForwardMode: a.ForwardMode ?? was?.mode }, req, true);
  },

  RequestMonitorNextCall(core, req, a) {
    ownDN(core, req, a.ThisDN);
    knownDN(core, a.OtherDN, 'OtherDN');
    if (a.OtherDN === a.ThisDN) refuse(SimErrorCode.InvalidDestination, 'invalid destination: a supervisor cannot monitor its own DN');
    const type = a.MonitorNextCallType ?? MonitorNextCallType.OneCall;
    if (type !== MonitorNextCallType.OneCall && type !== MonitorNextCallType.AllCalls) {
      refuse(SimErrorCode.InvalidAttribute, `invalid attribute MonitorNextCallType: 0 (one call) or 1 (all calls), got ${type}`);
    }
    core.shared.monitors.set(a.OtherDN, { supervisor: a.ThisDN, allCalls: type === MonitorNextCallType.AllCalls });
    send(core, a.ThisDN, 'EventMonitoringNextCall', { ThisDN: a.ThisDN, OtherDN: a.OtherDN, MonitorNextCallType: type }, req, true);
  },

  RequestCancelMonitoring(core, req, a) {
    ownDN(core, req, a.ThisDN);
    knownDN(core, a.OtherDN, 'OtherDN');
    const monitor = core.shared.monitors.get(a.OtherDN);
    if (monitor?.supervisor !== a.ThisDN) refuse(SimErrorCode.InvalidAttribute, `DN ${a.ThisDN} does not monitor DN ${a.OtherDN}`);
    core.shared.monitors.delete(a.OtherDN);
    send(core, a.ThisDN, 'EventMonitoringCancelled', { ThisDN: a.ThisDN, OtherDN: a.OtherDN }, req, true);
  },
} satisfies { [N in DNRequest]: Handler<N> };

export type DNRequest =
  | 'RequestSetDNDOn'
  | 'RequestSetDNDOff'
  | 'RequestCallForwardSet'
  | 'RequestCallForwardCancel'
  | 'RequestMonitorNextCall'
  | 'RequestCancelMonitoring';
