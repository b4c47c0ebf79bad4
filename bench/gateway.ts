/**
 * Figure — the gateway: one gateway process with 1,000 browser sessions (Node WebSocket clients in
 * a worker thread) on 1,000 DNs. Fan-out latency from the T-Server event (the simulator's send) to
 * each browser's receipt, p50 and p99 over every browser and trial: a link change every session
 * hears (one event, 1,000 messages) and a burst of one event per DN (1,000 events, one message
 * each). Memory per session: heap after gc() with the 1,000 sessions, less before.
 *
 * Baseline, same run, trials interleaved (A B A B): a bare `ws` server on its own
 * TServerConnection and simulator pair that JSON-encodes each event and sends it to every client
 * (a link change) or to the client of its ThisDN (the burst), with 1,000 clients of its own.
 */
import { Worker } from 'node:worker_threads';
import { WebSocketServer, type WebSocket } from 'ws';
import { createGateway, tokenFromRequest } from '../src/gateway/index.js';
import { TServerConnection } from '../src/index.js';
import { HotStandbyPair } from '../src/simulator/index.js';
import type { ClientsCommand } from './lib/ws-clients.js';
import { collectGarbage, fmtMs, percentile, table, until, type Bench, type BenchContext, type Figure } from './lib/report.js';

const SESSIONS = 1_000;
const FIRST_DN = 30_000;
const now = () => performance.timeOrigin + performance.now();

/** The clients' worker (TypeScript through tsx's API, as lib/sim-host.ts does). */
class Clients {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private constructor(private readonly worker: Worker) {
    worker.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (error) p?.reject(new Error(error));
      else p?.resolve(result);
    });
  }

  static async start(): Promise<Clients> {
    const api = import.meta.resolve('tsx/esm/api');
    const file = new URL('./lib/ws-clients.ts', import.meta.url).href;
    const code = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(file)}); })`;
    const worker = new Worker(code, { eval: true });
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    return new Clients(worker);
  }

  call<T>(command: ClientsCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, command });
    });
  }

  async stop(): Promise<void> {
    await this.call({ cmd: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }
}

const heap = () => {
  collectGarbage(3);
  return process.memoryUsage().heapUsed;
};

interface Candidate {
  name: 'gateway' | 'bare ws';
  pair: HotStandbyPair;
  conn: TServerConnection;
  clients: Clients;
  url: string;
  stop: () => Promise<void>;
}

async function openConnection(pair: HotStandbyPair, name: string): Promise<TServerConnection> {
  const conn = new TServerConnection({
    primary: pair.addresses.primary,
    applicationName: name,
    addp: false,
    requestTimeoutMs: 30_000,
    offlineQueue: { limit: 10_000 },
  });
  await conn.open();
  return conn;
}

async function gatewayCandidate(): Promise<Candidate> {
  const pair = await HotStandbyPair.start();
  const conn = await openConnection(pair, 'bench-gateway');
  const gateway = await createGateway({
    connection: conn,
    port: 0,
    authenticate: (req) => {
      const token = tokenFromRequest(req);
      return token?.startsWith('bench-') ? { id: token } : undefined;
    },
    authorize: (identity) => ({ dns: [identity.id.slice('bench-'.length)] }),
  });
  const clients = await Clients.start();
  return {
    name: 'gateway',
    pair,
    conn,
    clients,
    url: gateway.url!,
    stop: async () => {
      await clients.stop();
      await gateway.close();
      await conn.close();
      await pair.stop();
    },
  };
}

/** The baseline: each event JSON-encoded once and sent with `ws`, to all or to its DN's client. */
async function bareCandidate(): Promise<Candidate> {
  const pair = await HotStandbyPair.start();
  const conn = await openConnection(pair, 'bench-bare');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const byDn = new Map<string, WebSocket>();
  wss.on('connection', (ws, req) => {
    const dn = new URL(req.url ?? '/', 'http://x').searchParams.get('dn');
    if (dn) byDn.set(dn, ws);
  });
  conn.on('event', (e) => {
    const dn = (e as { ThisDN?: string }).ThisDN;
    const text = JSON.stringify(e);
    if (dn === undefined) for (const ws of wss.clients) ws.send(text);
    else byDn.get(dn)?.send(text);
  });
  const clients = await Clients.start();
  const port = (wss.address() as { port: number }).port;
  return {
    name: 'bare ws',
    pair,
    conn,
    clients,
    url: `ws://127.0.0.1:${port}/`,
    stop: async () => {
      await clients.stop();
      await new Promise((resolve) => wss.close(resolve));
      await conn.close();
      await pair.stop();
    },
  };
}

/** Latencies (ms) of one trigger: armed, fired, collected from every client. */
async function measure(c: Candidate, marker: string, fire: () => void): Promise<number[]> {
  await c.clients.call({ cmd: 'arm', marker });
  const t0 = now();
  fire();
  const times = await c.clients.call<number[]>({ cmd: 'collect', timeoutMs: 30_000 });
  const missing = times.filter((t) => t === 0).length;
  if (missing > 0) throw new Error(`${c.name}: ${missing} of ${times.length} clients never got ${marker}`);
  return times.map((t) => t - t0);
}

export const gatewayBench: Bench = {
  name: 'gateway',
  title: `one gateway, ${SESSIONS.toLocaleString('en-US')} browser sessions on as many DNs: fan-out latency and memory per session vs a bare ws broadcast`,
  async run(ctx: BenchContext): Promise<Figure[]> {
    const candidates: Candidate[] = [];
    try {
      const before = heap();
      const gw = await gatewayCandidate();
      candidates.push(gw);
      const bare = await bareCandidate();
      candidates.push(bare);
      // Memory: each candidate's sessions after gc(), the clients' heap being the worker's.
      const baseHeap = heap();
      await gw.clients.call({ cmd: 'connect', url: gw.url, count: SESSIONS, firstDn: FIRST_DN, gateway: true });
      await until(() => gw.conn.registeredDNs.length === SESSIONS, 'the gateway registered every DN', 60_000, 5);
      const gwHeap = heap();
      await bare.clients.call({ cmd: 'connect', url: bare.url, count: SESSIONS, firstDn: FIRST_DN, gateway: false });
      const bareHeap = heap();
      const perSession = { gateway: (gwHeap - baseHeap) / SESSIONS, bare: (bareHeap - gwHeap) / SESSIONS };
      ctx.log(
        `heap before the servers ${(before / 1048576).toFixed(1)} MiB; per session: gateway ${(perSession.gateway / 1024).toFixed(1)} KiB, bare ws ${(perSession.bare / 1024).toFixed(1)} KiB`,
      );

      const samples: Record<string, Record<Candidate['name'], number[]>> = {
        broadcast: { gateway: [], 'bare ws': [] },
        per_dn: { gateway: [], 'bare ws': [] },
      };
      for (let trial = 0; trial < ctx.trials; trial++) {
        for (const c of trial % 2 === 0 ? [gw, bare] : [bare, gw]) {
          const primary = c.pair.primary;
          samples.broadcast[c.name].push(...(await measure(c, 'EventLinkDisconnected', () => c.pair.setLink(primary, false))));
          samples.broadcast[c.name].push(...(await measure(c, 'EventLinkConnected', () => c.pair.setLink(primary, true))));
          const marker = `burst-${trial}-${c.name}`;
          samples.per_dn[c.name].push(
            ...(await measure(c, marker, () => {
              for (let i = 0; i < SESSIONS; i++) {
                primary.sendEvent('EventUserEvent', { ThisDN: String(FIRST_DN + i), UserData: [['marker', marker]] });
              }
            })),
          );
        }
      }

      const rows: (string | number)[][] = [];
      const figures: Figure[] = [];
      for (const [scenario, by] of Object.entries(samples)) {
        const g = { p50: percentile(by.gateway, 50), p99: percentile(by.gateway, 99) };
        const b = { p50: percentile(by['bare ws'], 50), p99: percentile(by['bare ws'], 99) };
        rows.push([scenario, 'gateway', fmtMs(g.p50), fmtMs(g.p99), by.gateway.length]);
        rows.push([scenario, 'bare ws', fmtMs(b.p50), fmtMs(b.p99), by['bare ws'].length]);
        figures.push({
          id: `gateway.${scenario}`,
          value: Number(g.p99.toFixed(2)),
          unit: 'ms p99',
          extra: {
            p50_ms: Number(g.p50.toFixed(2)),
            bare_p99_ms: Number(b.p99.toFixed(2)),
            bare_p50_ms: Number(b.p50.toFixed(2)),
            sessions: SESSIONS,
          },
          ratio: {
            value: g.p99 / b.p99,
            baseline: `bare ws ${scenario === 'broadcast' ? 'broadcast' : 'send per DN'} p99 (lower is better)`,
          },
          target: 'reported (issue 26: ratios against a bare ws broadcast)',
          met: undefined,
          candidates: { gateway_p99: g.p99, bare_p99: b.p99, gateway_p50: g.p50, bare_p50: b.p50 },
        });
      }
      ctx.log(table(['scenario', 'server', 'p50', 'p99', 'samples'], rows));
      figures.push({
        id: 'gateway.memory',
        value: Math.round(perSession.gateway / 1024),
        unit: 'KiB heap per session',
        extra: { bare_KiB: Number((perSession.bare / 1024).toFixed(1)), sessions: SESSIONS },
        ratio: { value: perSession.gateway / perSession.bare, baseline: 'a bare ws connection (lower is better)' },
        target: 'reported (issue 26)',
        met: undefined,
      });
      return figures;
    } finally {
      for (const c of candidates.reverse()) await c.stop().catch(() => undefined);
    }
  },
};
