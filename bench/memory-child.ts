/**
 * The memory figure's measurements, run by bench/memory.ts in a child process started with
 * --expose-gc (the simulator runs in a worker thread: its heap is not this thread's heap). Sends
 * its result to the parent over IPC.
 */
import net from 'node:net';
import { FrameDecoder } from '../src/codec/decoder.js';
import { fullGc, median, sleep } from './lib/report.js';
import { nextResync, registerAll, restoreStandby, startHaRig, type HaRig } from './lib/ha.js';
import { SimHost } from './lib/sim-host.js';

export interface MemoryResult {
  connections: number;
  /** Rounds of K connections (each side's median is the figure). */
  rounds: number;
  dnsPerConnection: number;
  heapPerConnection: number;
  baselinePerConnection: number;
  /** RSS growth per connection (whole process: worker threads and native memory included). */
  rssPerConnection: number;
  baselineRssPerConnection: number;
  rssBefore: number;
  rssAfter: number;
  cycles: number;
  warmupCycles: number;
  cycleMs: number;
  heapBefore: number;
  heapAfter: number;
  handlesBefore: Record<string, number>;
  handlesAfter: Record<string, number>;
  handlesBeforeOpen: Record<string, number>;
  handlesAfterClose: Record<string, number>;
  listenersBefore: number;
  listenersAfter: number;
}

async function heap(): Promise<number> {
  if (!(await fullGc())) throw new Error('run with --expose-gc');
  return process.memoryUsage().heapUsed;
}

const rss = () => process.memoryUsage().rss;

/** Live handles of this thread by kind (sockets, servers, timers...), as Node reports them. */
function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

function listeners(rig: HaRig): number {
  return rig.conn.eventNames().reduce((n, e) => n + rig.conn.listenerCount(e as never), 0);
}

const dnsFor = (k: number, n: number) => Array.from({ length: n }, (_, i) => String(200_000 + k * 10_000 + i));

async function main(): Promise<MemoryResult> {
  const quick = process.argv.includes('--quick');
  const K = quick ? 4 : 10;
  const ROUNDS = quick ? 3 : 5;
  const DNS = 1_000;
  const cycles = quick ? 100 : 1_000;
  const warmupCycles = 10;

  // --- heap per open connection with 1,000 DNs (standby session included)
  const host = await SimHost.start({ mode: 'pair' });
  const addresses = await host.call<{ primary: string }>({ cmd: 'addresses' });
  // Baseline: what any client must hold: a socket with a decoder, and the set of its DNs.
  const bareRound = async (): Promise<[heap: number, rss: number]> => {
    const h0 = await heap();
    const r0 = rss();
    const bare: { socket: net.Socket; decoder: FrameDecoder; dns: Map<string, object> }[] = [];
    for (let k = 0; k < K; k++) {
      const [h, p] = addresses.primary.split(':');
      const socket = net.connect({ host: h, port: Number(p) });
      await new Promise((r) => socket.once('connect', r));
      const decoder = new FrameDecoder({ onMessage: () => undefined, onError: () => socket.destroy() });
      socket.on('data', (chunk: Buffer) => decoder.push(chunk));
      bare.push({ socket, decoder, dns: new Map(dnsFor(k, DNS).map((dn) => [dn, {}])) });
    }
    const result: [number, number] = [((await heap()) - h0) / K, (rss() - r0) / K];
    for (const b of bare) b.socket.destroy();
    await sleep(50);
    return result;
  };
  const sdkRound = async (): Promise<[heap: number, rss: number]> => {
    const h0 = await heap();
    const r0 = rss();
    const rigs: HaRig[] = [];
    for (let k = 0; k < K; k++) {
      const rig = await startHaRig({}, host);
      await registerAll(rig, dnsFor(k, DNS));
      rigs.push(rig);
    }
    const result: [number, number] = [((await heap()) - h0) / K, (rss() - r0) / K];
    for (const rig of rigs) await rig.close();
    await sleep(50);
    return result;
  };
  // Warm-up: a round of each first, so one-time costs (compiled code, module state) are charged
  // to no figure; then rounds alternate and each side's median is taken.
  await bareRound();
  await sdkRound();
  const bareHeaps: number[] = [];
  const bareRss: number[] = [];
  const sdkHeaps: number[] = [];
  const sdkRss: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const [bh, br] = await bareRound();
    const [sh, sr] = await sdkRound();
    bareHeaps.push(bh);
    bareRss.push(br);
    sdkHeaps.push(sh);
    sdkRss.push(sr);
  }
  const baselinePerConnection = median(bareHeaps);
  const baselineRssPerConnection = median(bareRss);
  const heapPerConnection = median(sdkHeaps);
  const rssPerConnection = median(sdkRss);
  await host.stop();
  await sleep(50);

  // --- 1,000 failover cycles on one connection
  const handlesBeforeOpen = handles();
  const rig = await startHaRig();
  await registerAll(rig, dnsFor(99, 10));
  const cycle = async () => {
    const resynced = nextResync(rig.conn, 10_000);
    await rig.host.call({ cmd: 'killPrimaryAndCall', dn: undefined });
    await resynced;
    await restoreStandby(rig);
  };
  for (let i = 0; i < warmupCycles; i++) await cycle();
  await sleep(50);
  const heapBefore = await heap();
  const rssBefore = rss();
  const handlesBefore = handles();
  const listenersBefore = listeners(rig);
  const t0 = performance.now();
  for (let i = 0; i < cycles; i++) await cycle();
  const cycleMs = (performance.now() - t0) / cycles;
  await sleep(50);
  const heapAfter = await heap();
  const rssAfter = rss();
  const handlesAfter = handles();
  const listenersAfter = listeners(rig);
  await rig.close();
  await sleep(50);
  await fullGc();
  const handlesAfterClose = handles();
  return {
    connections: K,
    rounds: ROUNDS,
    dnsPerConnection: DNS,
    heapPerConnection,
    baselinePerConnection,
    rssPerConnection,
    baselineRssPerConnection,
    rssBefore,
    rssAfter,
    cycles,
    warmupCycles,
    cycleMs,
    heapBefore,
    heapAfter,
    handlesBefore,
    handlesAfter,
    handlesBeforeOpen,
    handlesAfterClose,
    listenersBefore,
    listenersAfter,
  };
}

main().then(
  (result) => {
    process.send?.({ result });
    process.exitCode = 0;
  },
  (err: Error) => {
    process.send?.({ error: err?.stack ?? String(err) });
    process.exitCode = 1;
  },
);
