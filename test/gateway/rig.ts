/**
 * The gateway rig: a simulator pair, one TServerConnection, a gateway on a loopback port, and Node
 * WebSocket clients that speak the gateway protocol (standing in for browsers). Tokens name the
 * test identities: alice may use DN 1001 and agent A1001, bob DN 1002.
 */
import { createGateway, tokenFromRequest, type Gateway, type GatewayOptions, type GatewayRefusal } from '../../src/gateway/index.js';
import { GATEWAY_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX, fromJson, type ServerMessage } from '../../src/gateway/protocol.js';
import { TServerConnection } from '../../src/index.js';
import { HotStandbyPair } from '../../src/simulator/index.js';
import WebSocket from 'ws';
import { until } from '../ha/helpers.js';

export const GRANTS: Record<string, { id: string; dns: string[]; agentIds: string[] }> = {
  'token-alice': { id: 'alice', dns: ['1001'], agentIds: ['A1001'] },
  'token-bob': { id: 'bob', dns: ['1002'], agentIds: ['A1002'] },
};

export interface GatewayRig {
  pair: HotStandbyPair;
  conn: TServerConnection;
  gateway: Gateway;
  url: string;
  refusals: GatewayRefusal[];
  clients: TestClient[];
}

export async function startGatewayRig(options: Partial<GatewayOptions> = {}, pair?: HotStandbyPair): Promise<GatewayRig> {
  pair ??= await HotStandbyPair.start();
  const conn = new TServerConnection({
    primary: pair.addresses.primary,
    applicationName: 'gateway-test',
    requestTimeoutMs: 3_000,
    addp: false,
    reconnect: { minTimeoutMs: 10, maxTimeoutMs: 50, randomize: false },
  });
  await conn.open();
  const gateway = await createGateway({
    connection: conn,
    port: 0,
    authenticate: (req) => {
      const token = tokenFromRequest(req);
      const g = token === undefined ? undefined : GRANTS[token];
      return g ? { id: g.id } : undefined;
    },
    authorize: (identity) => Object.values(GRANTS).find((g) => g.id === identity.id),
    ...options,
  });
  const refusals: GatewayRefusal[] = [];
  gateway.on('refused', (r) => refusals.push(r));
  return { pair, conn, gateway, url: gateway.url!, refusals, clients: [] };
}

export async function stopGatewayRig(rig: GatewayRig | undefined): Promise<void> {
  if (!rig) return;
  for (const c of rig.clients) c.ws.terminate();
  await rig.gateway.close();
  await rig.conn.close();
  await rig.pair.stop();
}

export function protocolsFor(token: string | undefined): string[] {
  return token === undefined
    ? [GATEWAY_SUBPROTOCOL]
    : [GATEWAY_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + Buffer.from(token).toString('base64url')];
}

/** A Node WebSocket client recording every message from the gateway. */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string } | undefined;
  /** The HTTP status of a refused upgrade. */
  refusedStatus: number | undefined;
  private nextId = 1;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(fromJson(String(data)) as ServerMessage));
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    ws.on('unexpected-response', (_req, res) => {
      this.refusedStatus = res.statusCode;
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => {});
  }

  static connect(rig: GatewayRig, token: string | undefined, options: WebSocket.ClientOptions = {}): TestClient {
    const c = new TestClient(new WebSocket(rig.url, protocolsFor(token), options));
    rig.clients.push(c);
    return c;
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('close', () => reject(new Error(`closed before open (HTTP ${this.refusedStatus})`)));
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  hello(resume?: { session: string; seq: number }): void {
    this.send({ type: 'hello', v: 1, ...(resume ? { resume } : {}) });
  }

  /** Sends a request; its id. */
  request(name: string, args: Record<string, unknown>): number {
    const id = this.nextId++;
    this.send({ type: 'request', id, name, args });
    return id;
  }

  /** The first message (after index `since`) that `match` accepts, waited for. */
  waitFor<T extends ServerMessage = ServerMessage>(
    match: (m: ServerMessage) => boolean,
    what: string,
    since = 0,
    timeoutMs = 5_000,
  ): Promise<T> {
    return until(() => this.messages.slice(since).find(match) as T | undefined, what, timeoutMs);
  }

  /** The answer or error to request `id`. */
  reply(id: number): Promise<ServerMessage> {
    return this.waitFor((m) => (m.type === 'answer' || m.type === 'error') && m.id === id, `reply to request ${id}`);
  }

  waitClosed(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    return until(() => this.closed, 'the socket to close', timeoutMs);
  }

  /** Sequence numbers of the sequenced messages received. */
  seqs(): number[] {
    return this.messages.flatMap((m) => ('seq' in m && m.type !== 'snapshot' && m.type !== 'resumed' ? [m.seq] : []));
  }
}

/** A client that connected, said hello and got its snapshot. */
export async function helloClient(rig: GatewayRig, token: string): Promise<TestClient> {
  const c = TestClient.connect(rig, token);
  await c.opened();
  c.hello();
  await c.waitFor((m) => m.type === 'snapshot', 'snapshot');
  return c;
}
