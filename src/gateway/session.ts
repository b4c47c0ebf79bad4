/**
 * One browser session: its identity and grant, the socket it is attached to (none while it waits
 * for its browser to come back), the sequence counter of what it was sent, the replay buffer, the
 * calls it sees and its requests in flight. Sending goes through `write`, which drops a browser that
 * stopped reading before its backlog passes `maxSendBufferBytes`.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { GatewayGrantView } from './protocol.js';
import type { SessionGrant } from './policy.js';
import { ReplayBuffer } from './replay-buffer.js';
import type { GatewayIdentity } from './options.js';

export interface SessionLimits {
  readonly maxSendBufferBytes: number;
  readonly resumeBufferMessages: number;
  readonly resumeBufferBytes: number;
}

export class GatewaySession {
  /** 128 random bits: knowing it (and being the same identity) is what lets a browser resume. */
  readonly id = randomBytes(16).toString('base64url');
  readonly grant: SessionGrant;
  readonly grantView: GatewayGrantView;
  socket: WebSocket | undefined;
  /** The seq of the last sequenced message. */
  seq = 0;
  readonly replay: ReplayBuffer;
  /** ConnIDs of the calls this session sees. */
  readonly calls = new Set<string>();
  /** Requests in flight, by the browser's id. */
  readonly inFlight = new Map<number, AbortController>();
  /** Ends the session when its browser does not come back in time. */
  expiry: NodeJS.Timeout | undefined;
  /** Answered the last ping (heartbeat). */
  alive = true;
  ended = false;
  readonly createdAt = Date.now();

  constructor(
    readonly identity: GatewayIdentity,
    grant: { dns: readonly string[]; agentIds: readonly string[] },
    private readonly limits: SessionLimits,
    /** The browser's backlog passed the limit: the gateway drops the socket. */
    private readonly onOverflow: (session: GatewaySession, socket: WebSocket) => void,
  ) {
    this.grant = { dns: new Set(grant.dns), agentIds: new Set(grant.agentIds) };
    this.grantView = { dns: [...this.grant.dns], agentIds: [...this.grant.agentIds] };
    this.replay = new ReplayBuffer(limits.resumeBufferMessages, limits.resumeBufferBytes);
  }

  get attached(): boolean {
    return this.socket !== undefined;
  }

  /** Numbers a message (`tail`: its JSON after the opening brace), keeps it for a resume and sends it. */
  sequenced(tail: string): void {
    const seq = ++this.seq;
    const text = '{"seq":' + seq + ',' + tail;
    this.replay.push(seq, text);
    this.write(text);
  }

  /** Sends to the attached browser, unless its backlog is already past the limit (then it is dropped). */
  write(text: string): void {
    const ws = this.socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.limits.maxSendBufferBytes) {
      this.onOverflow(this, ws);
      return;
    }
    ws.send(text);
  }
}
