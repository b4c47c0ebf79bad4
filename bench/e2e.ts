/**
 * Figure 3 — requests end to end on loopback: TServerConnection against the simulator (worker
 * thread), sequential (latency percentiles) and 1,000 in flight (throughput). Baseline, same run,
 * same simulator, alternated: a bare net.Socket client that encodes with the SDK's encodeFrame and
 * decodes with its FrameDecoder (what the SDK adds on top of the codec). The receive throughput is
 * Figure 2 (receive.ts); openSdk/sendAndWait stay here for bench/profile.ts.
 */
import net from 'node:net';
import { FrameDecoder } from '../src/codec/decoder.js';
import { encodeFrame } from '../src/codec/encoder.js';
import { TServerConnection } from '../src/index.js';
import { processCpuNs, taskCpuNs } from './lib/cpu.js';
import {
  fmtMs,
  fmtNum,
  fmtRatio,
  fmtRate,
  median,
  percentile,
  table,
  until,
  untilAsync,
  type Bench,
  type BenchContext,
  type Figure,
} from './lib/report.js';
import { SimHost } from './lib/sim-host.js';

const DNS = Array.from({ length: 100 }, (_, i) => String(70000 + i));

interface Run {
  events: number;
  ms: number;
  bytes: number;
}

/** A connection (SDK or bare) that counts events and can wait for a count. */
interface Receiver {
  received(): number;
  close(): Promise<void>;
}

export async function sendAndWait(host: SimHost, rx: Receiver, count: number): Promise<Run> {
  const { bytes } = await host.call<{ bytes: number; events: number }>({ cmd: 'prepareBatch', count, dns: DNS });
  const start = rx.received();
  const t0 = performance.now();
  await host.call({ cmd: 'sendBatch' });
  await until(() => rx.received() - start >= count, `${count} events`, 60_000, 0);
  return { events: count, ms: performance.now() - t0, bytes };
}

function clientsAre(host: SimHost, n: number): Promise<boolean> {
  return untilAsync(async () => (await host.call<number[]>({ cmd: 'clientCounts' }))[0] === n, `${n} clients on the simulator`);
}

export interface E2ERig {
  host: SimHost;
  conn: TServerConnection;
  received(): number;
  close(): Promise<void>;
}

/** The SDK side: an open connection with the mix's 100 DNs registered and a counting handler. */
export async function openSdk(host: SimHost): Promise<E2ERig> {
  const conn = new TServerConnection({ primary: host.primary, applicationName: 'bench-e2e' });
  let n = 0;
  conn.on('event', () => {
    n++;
  });
  await conn.open();
  await Promise.all(DNS.map((dn) => conn.registerAddress(dn)));
  return { host, conn, received: () => n, close: () => conn.close() };
}

/** The baseline: a bare socket and the same streaming decoder, nothing else. */
/**
 * The baseline client. `corked`: the writes of one tick go out together (socket.cork(), uncork on
 * the next tick), as a transport that batches its writes would do.
 */
export async function openBare(
  address: string,
  corked = false,
): Promise<Receiver & { request(ref: number, dn: string): Promise<Record<string, unknown>> }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const socket = net.connect({ host, port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let n = 0;
  const waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  const decoder = new FrameDecoder({
    onMessage: (m) => {
      n++;
      const ref = m.attributes.ReferenceID;
      if (typeof ref === 'number') {
        const done = waiting.get(ref);
        if (done) {
          waiting.delete(ref);
          done(m.attributes);
        }
      }
    },
    onError: (e) => socket.destroy(e),
  });
  socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  return {
    received: () => n,
    request: (ref, dn) =>
      new Promise<Record<string, unknown>>((resolve) => {
        waiting.set(ref, resolve);
        if (corked && socket.writableCorked === 0) {
          socket.cork();
          process.nextTick(() => socket.uncork());
        }
        socket.write(encodeFrame(2, { ReferenceID: ref, ThisDN: dn }));
      }),
    close: async () => {
      socket.destroy();
      await new Promise((r) => setImmediate(r));
    },
  };
}

/** What both sides' consumers read of an answer: the SDK's event, the bare client's decoded attributes. */
type Answer = { readonly ReferenceID?: unknown };

/** Answers the consumers read (printed, so the reading is not optimised away). */
let answered = 0;

/** One candidate's rounds: wall ms and the client's CPU ms (this process less the simulator's thread) per round. */
interface Rounds {
  wall: number[];
  cpu: number[];
}

/**
 * `n` requests at once (the SDK's own pipelining vs the bare client's): wall ms and the client's
 * CPU ms (every thread of this process — main, GC helpers, libuv — less the simulator worker's).
 */
async function pipelined(send: (i: number) => Promise<Answer>, n: number, simTid: number, into?: Rounds): Promise<void> {
  const c0 = processCpuNs() - taskCpuNs(simTid);
  const t0 = performance.now();
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => send(i)));
  // The consumer reads every answer it was given, on both sides.
  for (const a of answers) if (typeof a.ReferenceID === 'number') answered++;
  const wall = performance.now() - t0;
  const cpu = (processCpuNs() - taskCpuNs(simTid) - c0) / 1e6;
  into?.wall.push(wall);
  into?.cpu.push(cpu);
}

export const e2eBench: Bench = {
  name: 'e2e',
  title: 'Figure 3: requests on loopback (simulator worker): sequential latency and 1,000 in flight, SDK vs a bare socket client',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const pings = ctx.quick ? 1_000 : 5_000;
    // Each round takes 10–30 ms; one round's rate swings 3× with what else the machine runs, so
    // the median needs many of them (20 moved it ±20 % run to run).
    const rounds = ctx.quick ? 20 : 60;
    const inFlight = 1_000;
    const host = await SimHost.start({ mode: 'single' });
    try {
      const rig = await openSdk(host);
      const sdkLat: number[] = [];
      const bareLat: number[] = [];
      const sdkPipe: Rounds = { wall: [], cpu: [] };
      const barePipe: Rounds = { wall: [], cpu: [] };
      const corkPipe: Rounds = { wall: [], cpu: [] };
      const simTid = await host.call<number>({ cmd: 'tid' });
      try {
        // The baseline: a bare socket using the SDK's codec, one socket.write per request.
        const bare = await openBare(host.primary);
        const corked = await openBare(host.primary, true);
        await clientsAre(host, 3);
        let ref = 1;
        try {
          for (let i = 0; i < 200; i++) {
            await rig.conn.queryAddress(DNS[i % DNS.length]);
            await bare.request(ref++, DNS[i % DNS.length]);
          }
          // Latency: requests alternated, each side first every other time, so drift, noise and
          // the other side's leftovers (garbage, timers) hit both alike.
          const sdkOnce = async (dn: string) => {
            const t0 = performance.now();
            const a = await rig.conn.queryAddress(dn);
            sdkLat.push(performance.now() - t0);
            if (typeof a.ReferenceID === 'number') answered++;
          };
          const bareOnce = async (dn: string) => {
            const t0 = performance.now();
            const a = await bare.request(ref++, dn);
            bareLat.push(performance.now() - t0);
            if (typeof a.ReferenceID === 'number') answered++;
          };
          for (let i = 0; i < pings; i++) {
            const dn = DNS[i % DNS.length];
            if (i % 2 === 0) {
              await sdkOnce(dn);
              await bareOnce(dn);
            } else {
              await bareOnce(dn);
              await sdkOnce(dn);
            }
          }
          // Pipelined: 1,000 requests in flight; a warm-up round of each, then rounds that each
          // start at the next candidate (A B C, B C A, C A B), so none always follows the same one.
          const candidates: Array<[Rounds, (i: number) => Promise<Answer>]> = [
            [sdkPipe, (i) => rig.conn.queryAddress(DNS[i % DNS.length])],
            [barePipe, (i) => bare.request(ref + i, DNS[i % DNS.length])],
            [corkPipe, (i) => corked.request(ref + i, DNS[i % DNS.length])],
          ];
          for (const [, send] of candidates) {
            await pipelined(send, inFlight, simTid);
            ref += inFlight;
          }
          for (let r = 0; r < rounds; r++) {
            for (let k = 0; k < candidates.length; k++) {
              const [into, send] = candidates[(r + k) % candidates.length];
              await pipelined(send, inFlight, simTid, into);
              ref += inFlight;
            }
          }
        } finally {
          await bare.close();
          await corked.close();
        }
      } finally {
        await rig.close();
      }
      const rate = (r: Rounds) => inFlight / (median(r.wall) / 1000);
      /** The slowest and the fastest round's rate. */
      const rateRange = (r: Rounds): [number, number] => [inFlight / (Math.max(...r.wall) / 1000), inFlight / (Math.min(...r.wall) / 1000)];
      const range = (r: Rounds) => rateRange(r).map(fmtRate).join('–');
      /** The client's CPU µs per request (median round). */
      const cpuUs = (r: Rounds) => (median(r.cpu) * 1000) / inFlight;
      ctx.log(
        table(
          [`request → answer (${pings} sequential, alternated)`, 'p50', 'p90', 'p99', 'max'],
          [
            [
              'conn.queryAddress() → EventAddressInfo',
              fmtMs(percentile(sdkLat, 50)),
              fmtMs(percentile(sdkLat, 90)),
              fmtMs(percentile(sdkLat, 99)),
              fmtMs(Math.max(...sdkLat)),
            ],
            [
              'bare socket + SDK codec: frame out → answer decoded',
              fmtMs(percentile(bareLat, 50)),
              fmtMs(percentile(bareLat, 90)),
              fmtMs(percentile(bareLat, 99)),
              fmtMs(Math.max(...bareLat)),
            ],
          ],
        ),
      );
      ctx.log();
      ctx.log(
        table(
          [
            `${fmtNum(inFlight)} requests in flight (${rounds} rounds, interleaved)`,
            'requests/s (median)',
            'range',
            'SDK ÷ this',
            'client µs CPU/request',
            'SDK ÷ this, CPU',
          ],
          [
            [
              'conn.queryAddress() × 1,000, Promise.all',
              fmtRate(rate(sdkPipe)),
              range(sdkPipe),
              '1.00×',
              fmtNum(cpuUs(sdkPipe), 1),
              '1.00×',
            ],
            [
              'bare socket + SDK codec, one write per request',
              fmtRate(rate(barePipe)),
              range(barePipe),
              fmtRatio(rate(sdkPipe) / rate(barePipe)),
              fmtNum(cpuUs(barePipe), 1),
              fmtRatio(cpuUs(barePipe) / cpuUs(sdkPipe)),
            ],
            [
              'the same, writes of a tick corked together',
              fmtRate(rate(corkPipe)),
              range(corkPipe),
              fmtRatio(rate(sdkPipe) / rate(corkPipe)),
              fmtNum(cpuUs(corkPipe), 1),
              fmtRatio(cpuUs(corkPipe) / cpuUs(sdkPipe)),
            ],
          ],
        ),
      );
      ctx.log(
        `(each consumer reads every answer it is given: the SDK's event, the bare client's decoded attributes; ${fmtNum(answered)} read)`,
      );
      const p99Ratio = percentile(sdkLat, 99) / percentile(bareLat, 99);
      const pipeRatio = rate(sdkPipe) / rate(barePipe);
      return [
        {
          id: 'e2e.latency',
          value: Number(percentile(sdkLat, 99).toFixed(3)),
          unit: 'ms p99',
          extra: {
            p50_ms: Number(percentile(sdkLat, 50).toFixed(3)),
            bare_p99_ms: Number(percentile(bareLat, 99).toFixed(3)),
            bare_p50_ms: Number(percentile(bareLat, 50).toFixed(3)),
          },
          ratio: { value: p99Ratio, baseline: 'bare socket p99 (lower is better)' },
          target: 'p99 <= 1.2x bare socket client (issue 17)',
          met: p99Ratio <= 1.2,
        },
        {
          id: 'e2e.pipelined',
          value: Math.round(rate(sdkPipe)),
          unit: 'requests/s',
          extra: {
            in_flight: inFlight,
            bare: Math.round(rate(barePipe)),
            bare_corked: Math.round(rate(corkPipe)),
            cpu_us: Number(cpuUs(sdkPipe).toFixed(2)),
            bare_cpu_us: Number(cpuUs(barePipe).toFixed(2)),
            cpu_vs_bare: `${(cpuUs(barePipe) / cpuUs(sdkPipe)).toFixed(2)}x`,
          },
          ratio: { value: pipeRatio, baseline: 'bare socket, 1,000 in flight' },
          target: '>= 1.0x bare socket client (issue 17)',
          met: pipeRatio >= 1.0,
          ranges: {
            sdk: rateRange(sdkPipe).map(Math.round) as [number, number],
            bare: rateRange(barePipe).map(Math.round) as [number, number],
          },
        },
      ];
    } finally {
      await host.stop();
    }
  },
};
