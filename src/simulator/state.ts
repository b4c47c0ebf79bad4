/**
 * What the switch knows, independent of any client connection: agents per DN, calls, and the
 * counters. A hot-standby pair shares one SharedState, which is how the backup is "synchronized":
 * a server that takes over already knows every agent and call, and continues the one
 * EventSequenceNumber counter so a client sees a single increasing sequence across both servers.
 */
import { AgentStatus, type KVList, type TimeValue } from '../protocol/attributes.js';
import { nowTime } from '../protocol/values.js';

export type AgentStatusValue = (typeof AgentStatus)[keyof typeof AgentStatus];

export interface AgentState {
  dn: string;
  agentId: string;
  place: string | undefined;
  workMode: number | undefined;
  /** 2 logged in, 3 ready, 4 not ready (a logged-out DN has no AgentState). */
  status: AgentStatusValue;
  reasons: KVList | undefined;
}

export interface CallState {
  connId: string;
  /** The DN that dialled (MakeCall's ThisDN), or the external caller given to placeCall. */
  from: string | undefined;
  /** The DN that rings. */
  to: string;
  /** DNs of this switch that take part in the call and get its events. */
  parties: string[];
  state: 'ringing' | 'established';
  userData: KVList;
}

/** One call/agent event as the primary sent it, kept for `repeatOnPromotion`. */
export interface SentEventRecord {
  /** Server that sent it (its `name`; servers of a pair have distinct names). */
  sender: string;
  dn: string;
  type: number;
  /** The attributes as sent to clients other than the requester (no ReferenceID). */
  attributes: Record<string, unknown>;
}

export class SharedState {
  readonly agents = new Map<string, AgentState>();
  readonly calls = new Map<string, CallState>();
  /** Carried by every event either server sends. */
  readonly serverStartTime: TimeValue = nowTime();
  private seq = 0;
  private connIdCounter = 0;
  private subscriptionCounter = 0;
  /** High 32 bits of every ConnID: the start time, so ConnIDs differ between runs. */
  private readonly connIdPrefix = (this.serverStartTime.seconds >>> 0).toString(16).padStart(8, '0');
  private readonly recent: SentEventRecord[] = [];

  /**
   * @param repeatLimit how many call/agent events to remember for repeatOnPromotion (0 = none).
   */
  constructor(readonly repeatLimit = 0) {}

  /** The next EventSequenceNumber (1, 2, 3, …; shared by both servers of a pair). */
  nextSequence(): number {
    this.seq = this.seq >= 0x7fffffff ? 1 : this.seq + 1;
    return this.seq;
  }

  get lastSequence(): number {
    return this.seq;
  }

  /** A new ConnID: 16 lowercase hex digits, unique within this state. */
  nextConnId(): string {
    this.connIdCounter = (this.connIdCounter + 1) >>> 0;
    return this.connIdPrefix + this.connIdCounter.toString(16).padStart(8, '0');
  }

  nextSubscriptionId(): number {
    this.subscriptionCounter += 1;
    return this.subscriptionCounter;
  }

  /** The call in progress on `dn`, if any (the most recent one). */
  callOnDN(dn: string): CallState | undefined {
    let found: CallState | undefined;
    for (const call of this.calls.values()) if (call.parties.includes(dn)) found = call;
    return found;
  }

  agentById(agentId: string): AgentState | undefined {
    for (const agent of this.agents.values()) if (agent.agentId === agentId) return agent;
    return undefined;
  }

  remember(record: SentEventRecord): void {
    if (this.repeatLimit <= 0) return;
    this.recent.push(record);
    if (this.recent.length > this.repeatLimit) this.recent.splice(0, this.recent.length - this.repeatLimit);
  }

  /** The last `n` call/agent events `sender` sent, oldest first. */
  lastSentBy(sender: string, n: number): SentEventRecord[] {
    if (n <= 0) return [];
    return this.recent.filter((r) => r.sender === sender).slice(-n);
  }
}
