/**
 * A stream of call events on registered DNs with user data on every event: what the state model
 * works hardest on (each event moves a call it holds). Deterministic. One call per DN is live at a
 * time, calls on all DNs interleaved: per call EventRinging, EventEstablished,
 * EventAttachedDataChanged, EventHeld, EventRetrieved, EventReleased, each with 5 keys of user data,
 * `time`, `EventSequenceNumber` and `ServerStartTime`.
 */
import type { KVList } from '../../src/protocol/attributes.js';
import type { MixEvent, MixOptions } from './events.js';

const STEPS = [
  ['EventRinging', 60],
  ['EventEstablished', 64],
  ['EventAttachedDataChanged', 85],
  ['EventHeld', 66],
  ['EventRetrieved', 67],
  ['EventReleased', 65],
] as const;

const SEGMENTS = ['Gold', 'Silver', 'Bronze', 'Platinum'];
const LANGS = ['en-US', 'fr-FR', 'de-DE', 'es-ES', 'nl-NL'];

/** Five keys, as a routing strategy attaches them; the last one moves with each step. */
function userData(call: number, step: number): KVList {
  return [
    ['CustomerSegment', SEGMENTS[call % SEGMENTS.length]],
    ['AccountNumber', `4485-${String(2231 + (call % 7000)).padStart(4, '0')}`],
    ['Language', LANGS[call % LANGS.length]],
    ['CaseID', `CS-${String(100000 + call).padStart(8, '0')}`],
    ['Step', step],
  ];
}

/** `count` call events on `dns` (default 100 DNs from 70000). */
export function callStream(count: number, options: MixOptions = {}): MixEvent[] {
  const start = options.serverStartTime ?? { seconds: 1_760_000_000, microseconds: 123_456 };
  const dns = options.dns ?? Array.from({ length: 100 }, (_, i) => String(70000 + i));
  let seq = options.firstSeq ?? 1;
  const out: MixEvent[] = [];
  for (let n = 0; n < count; n++) {
    const d = n % dns.length;
    const round = Math.floor(n / dns.length);
    const step = round % STEPS.length;
    const call = Math.floor(round / STEPS.length) * dns.length + d;
    const [name, type] = STEPS[step];
    out.push({
      name,
      type,
      attributes: {
        ThisDN: dns[d],
        ConnID: `00660194${(call >>> 0).toString(16).padStart(8, '0')}`,
        OtherDN: `+3120555${String(call % 10000).padStart(4, '0')}`,
        CallType: 2,
        UserData: userData(call, step),
        time: { seconds: start.seconds + 1000 + (n >> 4), microseconds: (n * 7919) % 1_000_000 },
        EventSequenceNumber: seq++,
        ServerStartTime: start,
      },
    });
  }
  return out;
}
