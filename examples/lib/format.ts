/**
 * The one-line event formatter the examples print with:
 *
 *   12:00:01.234  tserver-a  EventRinging              DN 1001   ConnID 00650194ab3c0001  OtherDN=5550001 #9
 *
 * wall-clock time of delivery, the server it came from (event.Server), the event name, ThisDN,
 * ConnID (16 hex digits), then the attributes worth seeing, and `#n`, the EventSequenceNumber.
 */
import { AgentStatus, kvToObject, type ConnectionState, type KVList, type KVValue, type TEvent } from '../../src/index.js';

const AGENT_STATUS_NAMES = Object.fromEntries(Object.entries(AgentStatus).map(([k, v]) => [v, k])) as Record<number, string>;

export function clock(date = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}.${p(date.getMilliseconds(), 3)}`;
}

/** A kvlist on one line: {Key=value, Other=2}. Nested lists are shown nested; binary as <n bytes>. */
export function formatKV(list: KVList | undefined): string {
  if (!list) return '{}';
  const obj = kvToObject(list);
  return `{${Object.entries(obj)
    .map(([k, v]) => `${k}=${formatKVValue(v)}`)
    .join(', ')}}`;
}

function formatKVValue(v: KVValue): string {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (Array.isArray(v)) return formatKV(v);
  return `connid:${v.connid}`;
}

export function formatEvent(event: TEvent, label: (server: string) => string = (s) => s): string {
  const e = event as Record<string, unknown> & TEvent;
  const dn = typeof e.ThisDN === 'string' ? `DN ${e.ThisDN}` : '';
  const connId = typeof e.ConnID === 'string' ? `ConnID ${e.ConnID}` : '';
  const extra: string[] = [];
  const add = (key: string, show: (v: never) => string = String) => {
    if (e[key] !== undefined) extra.push(`${key}=${show(e[key] as never)}`);
  };
  add('OtherDN');
  add('AgentID');
  add('AgentStatus', (v: number) => AGENT_STATUS_NAMES[v] ?? String(v));
  add('UserData', formatKV);
  add('Reasons', formatKV);
  add('ErrorCode');
  add('ErrorMessage', (v: string) => JSON.stringify(v));
  add('UserEvent');
  add('CustomerID');
  add('PrivateEvent');
  add('SubscriptionID');
  add('Extensions', formatKV);
  add('Location');
  add('ServerVersion');
  const seq = typeof e.EventSequenceNumber === 'number' ? `#${e.EventSequenceNumber}` : '';
  return [
    clock(),
    label(e.Server).padEnd(9),
    e.Event.padEnd(25),
    dn.padEnd(10),
    connId.padEnd(23),
    [...extra, seq].filter(Boolean).join(' '),
  ]
    .join('  ')
    .trimEnd();
}

/** A narration line (what the example does next), set apart from event lines. */
export function say(text: string): void {
  console.log(`${clock()}  == ${text}`);
}

/** `conn.state` on one line, e.g. `open · active tserver-b · standby tserver-a · link up · 1 DN · 0 calls`. */
export function formatState(state: ConnectionState, label: (server: string) => string = (s) => s): string {
  const link = state.linkUp === undefined ? 'link ?' : state.linkUp ? 'link up' : 'link down';
  return [
    state.status,
    `active ${state.active ? label(state.active) : 'none'}`,
    `standby ${state.standby ? label(state.standby) : 'none'}`,
    link,
    state.resyncing ? 'resyncing' : '',
    `${state.registeredDNs} DN${state.registeredDNs === 1 ? '' : 's'}`,
    `${state.knownCalls} call${state.knownCalls === 1 ? '' : 's'}`,
    state.queued ? `${state.queued} queued` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}
