/**
 * A realistic T-Server event mix, deterministic (no Math.random): per call, EventRinging with ~10
 * keys of user data, EventEstablished, EventAttachedDataChanged (user data again), EventReleased;
 * agent events (login, ready, not ready with Reasons); registrations (EventRegistered). Every event
 * carries time, EventSequenceNumber and ServerStartTime, as a T-Server's do.
 */
import type { KVList } from '../../src/protocol/attributes.js';

export interface MixEvent {
  /** Catalogue name and wire type. */
  name: string;
  type: number;
  attributes: Record<string, unknown>;
}

const TYPES = {
  EventRegistered: 53,
  EventRinging: 60,
  EventEstablished: 64,
  EventReleased: 65,
  EventAgentLogin: 73,
  EventAgentReady: 75,
  EventAgentNotReady: 76,
  EventAttachedDataChanged: 85,
} as const;

/** The order of one cycle of the mix (10 events: 6 call events, 3 agent events, 1 registration). */
export const MIX_CYCLE: readonly (keyof typeof TYPES)[] = [
  'EventRegistered',
  'EventAgentLogin',
  'EventAgentReady',
  'EventRinging',
  'EventEstablished',
  'EventAttachedDataChanged',
  'EventReleased',
  'EventRinging',
  'EventReleased',
  'EventAgentNotReady',
];

const SEGMENTS = ['Gold', 'Silver', 'Bronze', 'Platinum'];
const LANGS = ['en-US', 'fr-FR', 'de-DE', 'es-ES', 'nl-NL'];
const VQS = ['VQ_Billing_EN', 'VQ_Sales_EN', 'VQ_Support_FR', 'VQ_Retention_DE'];
const NAMES = ['Jane Q. Public', 'Jean Dupont', 'Erika Mustermann', 'Juan Pérez', 'Jan Jansen'];

function connId(n: number): string {
  return `00650194${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** ~10 keys of user data, as an IVR and routing strategy attach them. */
export function userData(n: number, extra = 0): KVList {
  const ud: KVList = [
    ['CustomerSegment', SEGMENTS[n % SEGMENTS.length]],
    ['AccountNumber', `4485-${String(2231 + (n % 7000)).padStart(4, '0')}-${String(n % 1000).padStart(3, '0')}`],
    ['Language', LANGS[n % LANGS.length]],
    ['IVRPath', 'main>billing>speak-to-agent'],
    ['Priority', n % 10],
    ['VirtualQueue', VQS[n % VQS.length]],
    ['CallerName', NAMES[n % NAMES.length]],
    ['CaseID', `CS-${String(100000 + n).padStart(8, '0')}`],
    ['RTargetAgentSelected', `agent-${1000 + (n % 500)}`],
    ['WaitTime', 5 + (n % 120)],
  ];
  for (let i = 0; i < extra; i++) ud.push([`Note${i}`, `follow-up ${n}-${i}`]);
  return ud;
}

export interface MixOptions {
  /** First EventSequenceNumber (default 1). */
  firstSeq?: number;
  /** ServerStartTime of the events (default a fixed instant). */
  serverStartTime?: { seconds: number; microseconds: number };
  /** DNs the events are for (default 100 DNs from 70000). */
  dns?: readonly string[];
}

/** `count` events of the mix, in cycle order; values vary with the index. */
export function eventMix(count: number, options: MixOptions = {}): MixEvent[] {
  const start = options.serverStartTime ?? { seconds: 1_760_000_000, microseconds: 123_456 };
  const dns = options.dns ?? Array.from({ length: 100 }, (_, i) => String(70000 + i));
  let seq = options.firstSeq ?? 1;
  const out: MixEvent[] = [];
  for (let i = 0; out.length < count; i++) {
    const dn = dns[i % dns.length];
    const base = i * 10;
    for (let k = 0; k < MIX_CYCLE.length && out.length < count; k++) {
      const name = MIX_CYCLE[k];
      const n = base + k;
      const call = connId(i * 2 + (k >= 7 ? 1 : 0));
      const common = {
        time: { seconds: start.seconds + 1000 + (n >> 4), microseconds: (n * 7919) % 1_000_000 },
        EventSequenceNumber: seq++,
        ServerStartTime: start,
      };
      let attributes: Record<string, unknown>;
      switch (name) {
        case 'EventRegistered':
          attributes = { ThisDN: dn, AgentStatus: 1, ...common };
          break;
        case 'EventAgentLogin':
          attributes = { ThisDN: dn, AgentID: `agent-${1000 + (i % 500)}`, Place: `Place_${dn}`, ...common };
          break;
        case 'EventAgentReady':
          attributes = { ThisDN: dn, AgentID: `agent-${1000 + (i % 500)}`, ...common };
          break;
        case 'EventAgentNotReady':
          attributes = {
            ThisDN: dn,
            AgentID: `agent-${1000 + (i % 500)}`,
            Reasons: [
              ['ReasonCode', 'Break'],
              ['Duration', 300],
            ],
            ...common,
          };
          break;
        case 'EventRinging':
          attributes = {
            ThisDN: dn,
            ConnID: call,
            OtherDN: `+3120555${String(n % 10000).padStart(4, '0')}`,
            UserData: userData(n),
            ...common,
          };
          break;
        case 'EventEstablished':
          attributes = { ThisDN: dn, ConnID: call, OtherDN: `+3120555${String(n % 10000).padStart(4, '0')}`, ...common };
          break;
        case 'EventAttachedDataChanged':
          attributes = { ThisDN: dn, ConnID: call, UserData: userData(n, 1), ...common };
          break;
        case 'EventReleased':
          attributes = { ThisDN: dn, ConnID: call, ...common };
          break;
      }
      out.push({ name, type: TYPES[name], attributes });
    }
  }
  return out;
}
