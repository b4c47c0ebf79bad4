/**
 * Events as text: one readable line each (what `tlib monitor`, `tlib demo` and the examples print),
 * or one JSON object each (`tlib monitor --json`). For logs and consoles; nothing here is parsed back.
 */
import { AgentStatus } from '../protocol/attributes.js';
import type { TEvent } from '../protocol/types.js';

function isTime(v: unknown): v is { seconds: number; microseconds: number } {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).length === 2 &&
    typeof (v as { seconds?: unknown }).seconds === 'number' &&
    typeof (v as { microseconds?: unknown }).microseconds === 'number'
  );
}

/** A wire `time` as ISO 8601 with microseconds: 2026-01-02T03:04:05.123456Z. */
export function timeToIso(t: { seconds: number; microseconds: number }): string {
  const base = new Date(t.seconds * 1000).toISOString(); // …:05.000Z
  return `${base.slice(0, 19)}.${String(t.microseconds).padStart(6, '0')}Z`;
}

/** An attribute value made JSON-safe: times → ISO strings, binary → base64, kvlists kept as pairs. */
export function toJsonValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (isTime(v)) return timeToIso(v);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x);
    return out;
  }
  return v;
}

/** One event as one line of JSON (no newline). */
export function eventToJsonLine(event: TEvent): string {
  return JSON.stringify(toJsonValue(event));
}

function showValue(v: unknown): string {
  if (typeof v === 'string') return /[\s=,{}]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (typeof v === 'number') return String(v);
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (isTime(v)) return timeToIso(v);
  if (Array.isArray(v)) {
    // a kvlist: [key, value] pairs, keys may repeat
    return `{${v.map((pair) => (Array.isArray(pair) && pair.length === 2 ? `${String(pair[0])}=${showValue(pair[1])}` : showValue(pair))).join(', ')}}`;
  }
  if (typeof v === 'object' && v !== null && 'connid' in v) return `connid:${String((v as { connid: unknown }).connid)}`;
  return JSON.stringify(toJsonValue(v));
}

/** HH:MM:SS.mmm, local time. */
export function clock(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Numeric attributes the text line shows by name, as the examples do (`AgentStatus=Ready`); --json keeps the number. */
const VALUE_NAMES: Record<string, Record<number, string>> = {
  AgentStatus: Object.fromEntries(Object.entries(AgentStatus).map(([name, value]) => [value, name])),
};

/** Attributes the text line shows in its own columns, or not at all. */
const COLUMNS = new Set(['Event', 'Server', 'ThisDN', 'ConnID', 'time', 'ServerStartTime', 'EventSequenceNumber', 'ReferenceID']);

/**
 * One event as one readable line:
 * `HH:MM:SS.mmm  server  EventName  DN 1001  ConnID 00650194ab3c0001  Key=value …  #seq`
 * (local time of delivery; DN and ConnID columns are blank when the event has none). `label`
 * names the server (`tserver-a` rather than its address).
 */
export function formatEventLine(event: TEvent, now = new Date(), label: (server: string) => string = String): string {
  const e = event as unknown as Record<string, unknown>;
  const dn = typeof e.ThisDN === 'string' ? `DN ${e.ThisDN}` : '';
  const connId = typeof e.ConnID === 'string' ? `ConnID ${e.ConnID}` : '';
  const rest = Object.entries(e)
    .filter(([k, v]) => !COLUMNS.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'number' && VALUE_NAMES[k]?.[v] !== undefined ? VALUE_NAMES[k][v] : showValue(v)}`);
  if (typeof e.EventSequenceNumber === 'number') rest.push(`#${e.EventSequenceNumber}`);
  return [clock(now), label(String(e.Server)), String(e.Event).padEnd(25), dn.padEnd(10), connId.padEnd(23), rest.join(' ')]
    .join('  ')
    .trimEnd();
}
