/**
 * The gateway's WebSocket protocol, version 1: what the gateway (Node) and GatewayConnection (the
 * browser) say to each other. Shared by both ends, so it imports nothing from Node.
 *
 * Text frames of JSON. The version is negotiated at the upgrade (subprotocol `tlib-gateway.1`) and
 * repeated in `hello` and `snapshot`. A browser sends `hello` first; the gateway answers with a
 * `snapshot` of the browser's DNs and calls (or `resumed` and what it missed), then sends events and
 * state changes numbered by `seq`, one counter per browser session. Requests carry an `id` the
 * browser chooses; the gateway answers each once, with `answer` or `error`. See docs/gateway.md.
 */
import type { CallView, DNView, Correction } from '../model/types.js';
import type { ConnectionStatus } from '../connection/types.js';

/** The version of the gateway's WebSocket protocol a browser states in its hello. */
export const GATEWAY_PROTOCOL_VERSION = 1;
/** The subprotocol both ends must offer: it names the protocol version. */
export const GATEWAY_SUBPROTOCOL = 'tlib-gateway.1';
/**
 * A browser cannot set headers on a WebSocket, so the token travels as a second subprotocol,
 * `tlib-token.<base64url(token)>` (never echoed back by the gateway). See tokenFromRequest().
 */
export const TOKEN_SUBPROTOCOL_PREFIX = 'tlib-token.';

/** Close codes the gateway uses (4xxx: this protocol's; the others are RFC 6455's). */
export const GatewayCloseCode = {
  /** gateway.close(): the gateway is going away; reconnect (to another gateway). */
  GoingAway: 1001,
  /** A binary frame: the protocol is text only. */
  UnsupportedData: 1003,
  /** Invalid UTF-8 in a text frame (ws closes with it). */
  InvalidPayload: 1007,
  /** A message over `maxMessageBytes` (ws closes with it). */
  MessageTooBig: 1009,
  /** Not JSON, not an object, an unknown type or a field of the wrong shape. */
  Malformed: 4400,
  /** No `hello` within `helloTimeoutMs`. */
  HelloTimeout: 4408,
  /** The same session was resumed on another socket. */
  Superseded: 4409,
  /** The browser stopped reading: more than `maxSendBufferBytes` waited to be sent to it. */
  SendBufferFull: 4413,
  /** No pong to the gateway's ping within `heartbeatMs`. */
  HeartbeatTimeout: 4504,
} as const;
export type GatewayCloseCode = (typeof GatewayCloseCode)[keyof typeof GatewayCloseCode];

/** The T-Server connection as a browser sees it (no server addresses). */
export interface GatewayServerState {
  readonly status: ConnectionStatus;
  readonly linkUp: boolean | undefined;
  readonly resyncing: boolean;
}

/** What the browser may watch and act on, as `authorize` granted it. */
export interface GatewayGrantView {
  readonly dns: readonly string[];
  readonly agentIds: readonly string[];
}

/** An error as it crosses the wire: the class name and stable `code`, and the fields each class carries. */
export interface WireError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

export type ChangeKind = 'callChanged' | 'callEnded' | 'dnChanged';

/** A resync summary as one browser sees it: its own DNs' and calls' corrections. */
export interface GatewayResyncSummary {
  readonly dns: number;
  readonly calls: number;
  readonly durationMs: number;
  readonly corrections: readonly Correction[];
}

// ------------------------------------------------------------------ browser → gateway

export interface HelloMessage {
  readonly type: 'hello';
  readonly v: number;
  /** The session and the last `seq` seen, to get what was missed instead of a snapshot. */
  readonly resume?: { readonly session: string; readonly seq: number };
}
export interface RequestMessage {
  readonly type: 'request';
  /** Chosen by the browser, unique among its requests in flight (a non-negative integer). */
  readonly id: number;
  /** A catalogue request name (`RequestAnswerCall`). */
  readonly name: string;
  /** The request's attributes by their catalogue names. */
  readonly args: Record<string, unknown>;
  readonly timeoutMs?: number;
}
export interface CancelMessage {
  readonly type: 'cancel';
  readonly id: number;
}
/** A message from a browser to the gateway. */
export type ClientMessage = HelloMessage | RequestMessage | CancelMessage;

// ------------------------------------------------------------------ gateway → browser

export interface SnapshotMessage {
  readonly type: 'snapshot';
  readonly v: number;
  readonly session: string;
  /** The `seq` of the last message this snapshot includes; the next one is seq + 1. */
  readonly seq: number;
  readonly grant: GatewayGrantView;
  readonly dns: readonly DNView[];
  readonly calls: readonly CallView[];
  readonly server: GatewayServerState;
  /**
   * `heartbeatMs`: the gateway sends a `heartbeat` at least this often (0: never), so a browser,
   * which cannot see WebSocket pings, can tell a silent gateway from a quiet one.
   */
  readonly limits: { readonly maxMessageBytes: number; readonly maxInFlight: number; readonly heartbeatMs?: number };
}
export interface ResumedMessage {
  readonly type: 'resumed';
  readonly session: string;
  /** The last `seq` the gateway sent; the missed messages (after the browser's seq) follow. */
  readonly seq: number;
}
export interface EventMessage {
  readonly type: 'event';
  readonly seq: number;
  readonly event: Record<string, unknown> & { readonly Event: string };
}
export interface ChangeMessage {
  readonly type: 'change';
  readonly seq: number;
  readonly kind: ChangeKind;
  readonly view: CallView | DNView;
  /** The event that made the change, or 'resync' / 'evicted'. */
  readonly cause: (Record<string, unknown> & { readonly Event: string }) | 'resync' | 'evicted';
}
export interface StateMessage {
  readonly type: 'state';
  readonly seq: number;
  readonly server: GatewayServerState;
}
export interface ResyncedMessage {
  readonly type: 'resynced';
  readonly seq: number;
  readonly summary: GatewayResyncSummary;
}
export interface AnswerMessage {
  readonly type: 'answer';
  readonly id: number;
  readonly event: Record<string, unknown> & { readonly Event: string };
}
export interface ErrorMessage {
  readonly type: 'error';
  /** The request it answers; absent for a notice about the session (a DN that could not be registered). */
  readonly id?: number;
  readonly error: WireError;
}
/** Sent every `heartbeatMs` (not sequenced, not replayed): the gateway is alive. */
export interface HeartbeatMessage {
  readonly type: 'heartbeat';
}
export type SequencedMessage = EventMessage | ChangeMessage | StateMessage | ResyncedMessage;
/** A message from the gateway to a browser. */
export type ServerMessage = SnapshotMessage | ResumedMessage | SequencedMessage | AnswerMessage | ErrorMessage | HeartbeatMessage;

/** The heartbeat's text, sent as is. */
export const HEARTBEAT_JSON = '{"type":"heartbeat"}';

// ------------------------------------------------------------------ parsing (both ends)

/** The longest session id, request name and error text a parser accepts. */
const MAX_ID_CHARS = 64;
const REQUEST_NAME = /^Request[A-Za-z]{1,48}$/;

/** A message that breaks this protocol: `reason` names what was wrong (it becomes the close reason). */
export class GatewayProtocolViolation {
  constructor(readonly reason: string) {}
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses what a browser sent; a GatewayProtocolViolation names the first thing wrong. */
export function parseClientMessage(text: string): ClientMessage | GatewayProtocolViolation {
  let msg: unknown;
  try {
    msg = fromJson(text);
  } catch {
    return new GatewayProtocolViolation('not JSON');
  }
  if (!isObject(msg)) return new GatewayProtocolViolation('a message must be a JSON object');
  switch (msg.type) {
    case 'hello': {
      if (msg.v !== GATEWAY_PROTOCOL_VERSION) return new GatewayProtocolViolation(`hello: v must be ${GATEWAY_PROTOCOL_VERSION}`);
      if (msg.resume === undefined) return { type: 'hello', v: msg.v };
      const r = msg.resume;
      if (!isObject(r) || typeof r.session !== 'string' || r.session.length > MAX_ID_CHARS || !isId(r.seq)) {
        return new GatewayProtocolViolation('hello: resume must be { session: string, seq: integer ≥ 0 }');
      }
      return { type: 'hello', v: msg.v, resume: { session: r.session, seq: r.seq } };
    }
    case 'request': {
      if (!isId(msg.id)) return new GatewayProtocolViolation('request: id must be an integer ≥ 0');
      if (typeof msg.name !== 'string' || !REQUEST_NAME.test(msg.name)) {
        return new GatewayProtocolViolation('request: name must be a request name (RequestAnswerCall, …)');
      }
      if (msg.args !== undefined && !isObject(msg.args)) return new GatewayProtocolViolation('request: args must be an object');
      if (msg.timeoutMs !== undefined && typeof msg.timeoutMs !== 'number') {
        return new GatewayProtocolViolation('request: timeoutMs must be a number');
      }
      return {
        type: 'request',
        id: msg.id,
        name: msg.name,
        args: (msg.args as Record<string, unknown> | undefined) ?? {},
        ...(msg.timeoutMs === undefined ? {} : { timeoutMs: msg.timeoutMs as number }),
      };
    }
    case 'cancel':
      if (!isId(msg.id)) return new GatewayProtocolViolation('cancel: id must be an integer ≥ 0');
      return { type: 'cancel', id: msg.id };
    default:
      return new GatewayProtocolViolation(
        typeof msg.type === 'string' ? `unknown message type ${JSON.stringify(msg.type.slice(0, MAX_ID_CHARS))}` : 'type is missing',
      );
  }
}

// ------------------------------------------------------------------ JSON with bytes

/**
 * Binary attribute values (Uint8Array) cross as `{ "$bytes": "<base64>" }`: JSON has no bytes, and
 * a typed array would otherwise become `{ "0": …, "1": … }`.
 */
export function toJson(value: unknown): string {
  // A replacer runs for every key; most messages carry no bytes, so look first.
  return hasBytes(value, 0) ? JSON.stringify(value, replaceBytes) : JSON.stringify(value);
}

function hasBytes(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof Uint8Array) return true;
  if (depth > 32) return true; // let the replacer handle what is too deep to scan
  if (Array.isArray(value)) {
    for (const v of value) if (hasBytes(v, depth + 1)) return true;
    return false;
  }
  for (const k in value) if (hasBytes((value as Record<string, unknown>)[k], depth + 1)) return true;
  return false;
}

function replaceBytes(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) {
    let s = '';
    for (let i = 0; i < value.length; i++) s += String.fromCharCode(value[i]);
    return { $bytes: btoa(s) };
  }
  return value;
}

function reviveBytes(_key: string, value: unknown): unknown {
  if (isObject(value) && typeof value.$bytes === 'string') {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      try {
        const s = atob(value.$bytes);
        const out = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
        return out;
      } catch {
        return value;
      }
    }
  }
  return value;
}

/** JSON.parse with `{ $bytes }` turned back into Uint8Array (the reviver runs only when the text has one). */
export function fromJson(text: string): unknown {
  return text.includes('"$bytes"') ? JSON.parse(text, reviveBytes) : JSON.parse(text);
}
