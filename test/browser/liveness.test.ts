/**
 * GatewayConnection's liveness, on fake timers with a scripted WebSocket: a socket that never
 * brings its session fails the attempt after `openTimeoutMs`; a gateway that goes silent (no
 * message, not even its heartbeat, for two heartbeats) is given up and the client reconnects and
 * resumes — without waiting for a close event a dead peer may never send.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayConnection } from '../../src/browser/index.js';
import { GatewayError } from '../../src/gateway/errors.js';
import { HEARTBEAT_JSON } from '../../src/gateway/protocol.js';

/** A WebSocket the test drives: it opens, delivers and closes when told; close() alone changes nothing on the wire. */
class ScriptedSocket {
  static made: ScriptedSocket[] = [];
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    ScriptedSocket.made.push(this);
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  /** The application closes: the close event waits for the peer (here: forever, a dead gateway). */
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  deliver(message: unknown): void {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }
}

const snapshot = (heartbeatMs: number | undefined, session = 'S1', seq = 0) => ({
  type: 'snapshot',
  v: 1,
  session,
  seq,
  grant: { dns: ['1001'], agentIds: [] },
  dns: [],
  calls: [],
  server: { status: 'open', linkUp: true, resyncing: false },
  limits: { maxMessageBytes: 65536, maxInFlight: 16, ...(heartbeatMs === undefined ? {} : { heartbeatMs }) },
});

let conn: GatewayConnection | undefined;
beforeEach(() => {
  vi.useFakeTimers();
  ScriptedSocket.made = [];
});
afterEach(async () => {
  await conn?.close();
  conn = undefined;
  vi.useRealTimers();
});

function client(options: ConstructorParameters<typeof GatewayConnection>[1] = {}): GatewayConnection {
  conn = new GatewayConnection('ws://gateway.invalid/tlib', {
    WebSocket: ScriptedSocket as unknown as typeof WebSocket,
    reconnect: { minTimeoutMs: 100, maxTimeoutMs: 100, randomize: false },
    ...options,
  });
  conn.on('error', () => {});
  return conn;
}

describe('GatewayConnection liveness', () => {
  it('a socket that opens but brings no snapshot within openTimeoutMs: open() rejects (ERR_GATEWAY_REFUSED), the socket is closed', async () => {
    const c = client({ openTimeoutMs: 2_000 });
    const opening = c.open().catch((e: unknown) => e);
    const ws = ScriptedSocket.made[0];
    ws.open();
    expect(ws.sent[0]).toMatchObject({ type: 'hello', v: 1 });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(c.state.status).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1);
    const err = await opening;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: 'ERR_GATEWAY_REFUSED', message: expect.stringMatching(/within 2000 ms/) });
    expect(ws.closedWith).toBeDefined();
    expect(c.state.status).toBe('closed');
  });

  it('a gateway silent for two heartbeats is given up: requests on the wire are interrupted, the client resumes on a new socket', async () => {
    const c = client();
    const opening = c.open();
    const first = ScriptedSocket.made[0];
    first.open();
    first.deliver(snapshot(1_000));
    await opening;
    // Heartbeats keep it open however long nothing else happens.
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(1_000);
      first.deliver(HEARTBEAT_JSON);
    }
    expect(ScriptedSocket.made).toHaveLength(1);
    expect(c.state.status).toBe('open');
    const pending = c.request('RequestQueryServer', {}).catch((e: unknown) => e);
    expect(first.sent.at(-1)).toMatchObject({ type: 'request', name: 'RequestQueryServer' });
    // Then silence (a host gone, a half-open socket): no close event ever comes.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(first.closedWith).toMatchObject({ code: 4001 });
    expect(await pending).toMatchObject({ code: 'ERR_REQUEST_INTERRUPTED' });
    expect(c.state.status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(100);
    const second = ScriptedSocket.made[1];
    expect(second).toBeDefined();
    second.open();
    expect(second.sent[0]).toMatchObject({ type: 'hello', resume: { session: 'S1', seq: 0 } });
    second.deliver({ type: 'resumed', session: 'S1', seq: 0 });
    expect(c.state.status).toBe('open');
    // The new socket is watched as the first was.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(second.closedWith).toMatchObject({ code: 4001 });
  });

  it('a gateway that announces no heartbeat (heartbeatMs 0, or an older gateway) is not watched', async () => {
    for (const heartbeatMs of [0, undefined]) {
      const c = client();
      const opening = c.open();
      const ws = ScriptedSocket.made.at(-1)!;
      ws.open();
      ws.deliver(snapshot(heartbeatMs));
      await opening;
      await vi.advanceTimersByTimeAsync(600_000);
      expect(ws.closedWith).toBeUndefined();
      expect(c.state.status).toBe('open');
      await c.close();
    }
  });
});
