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
export async function openBare(address: string, corked = false): Promise<Receiver & { request(ref: number, dn: string): Promise<void> }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const socket = net.connect({ host, port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let n = 0;
  const waiting = new Map<number, () => void>();
  const decoder = new FrameDecoder({
    onMessage: (m) => {
      n++;
      const ref = m.attributes.ReferenceID;
      if (typeof ref === 'number') {
        const done = waiting.get(ref);
        if (done) {
          waiting.delete(ref);
          done();
        }
      }
    },
    onError: (e) => socket.destroy(e),
  });
  socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  return {
    received: () => n,
    request: (ref, dn) =>
      new Promise<void>((resolve) => {
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

/** `n` requests at once (the SDK's own pipelining vs the bare client's), in ms. */
async function pipelined(send: (i: number) => Promise<unknown>, n: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => send(i)));
  return performance.now() - t0;
}

export const e2eBench: Bench = {
  name: 'e2e',
  title: 'Figure 3: requests on loopback (simulator worker): sequential latency and 1,000 in flight, SDK vs a bare socket client',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const pings = ctx.quick ? 400 : 2_000;
    const rounds = ctx.quick ? 6 : 20;
    const inFlight = 1_000;
    const host = await SimHost.start({ mode: 'single' });
    try {
      const rig = await openSdk(host);
      const sdkLat: number[] = [];
      const bareLat: number[] = [];
      const sdkPipe: number[] = [];
      const barePipe: number[] = [];
      const corkPipe: number[] = [];
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
          // Latency: requests alternated, so drift and noise hit both alike.
          for (let i = 0; i < pings; i++) {
            const dn = DNS[i % DNS.length];
            let t0 = performance.now();
            await rig.conn.queryAddress(dn);
            sdkLat.push(performance.now() - t0);
            t0 = performance.now();
            await bare.request(ref++, dn);
            bareLat.push(performance.now() - t0);
          }
          // Pipelined: 1,000 requests in flight, rounds alternated (warm-up round first).
          await pipelined((i) => rig.conn.queryAddress(DNS[i % DNS.length]), inFlight);
          await pipelined((i) => bare.request(ref + i, DNS[i % DNS.length]), inFlight);
          ref += inFlight;
          await pipelined((i) => corked.request(ref + i, DNS[i % DNS.length]), inFlight);
          ref += inFlight;
          for (let r = 0; r < rounds; r++) {
            sdkPipe.push(await pipelined((i) => rig.conn.queryAddress(DNS[i % DNS.length]), inFlight));
            barePipe.push(await pipelined((i) => bare.request(ref + i, DNS[i % DNS.length]), inFlight));
            ref += inFlight;
            corkPipe.push(await pipelined((i) => corked.request(ref + i, DNS[i % DNS.length]), inFlight));
            ref += inFlight;
          }
        } finally {
          await bare.close();
          await corked.close();
        }
      } finally {
        await rig.close();
      }
      const rate = (ms: number[]) => inFlight / (median(ms) / 1000);
      const range = (ms: number[]) => `${fmtRate(inFlight / (Math.max(...ms) / 1000))}–${fmtRate(inFlight / (Math.min(...ms) / 1000))}`;
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
          [`${fmtNum(inFlight)} requests in flight (${rounds} rounds, alternated)`, 'requests/s (median)', 'range', 'SDK ÷ this'],
          [
            ['conn.queryAddress() × 1,000, Promise.all', fmtRate(rate(sdkPipe)), range(sdkPipe), '1.00×'],
            [
              'bare socket + SDK codec, one write per request',
              fmtRate(rate(barePipe)),
              range(barePipe),
              fmtRatio(rate(sdkPipe) / rate(barePipe)),
            ],
            [
              'the same, writes of a tick corked together',
              fmtRate(rate(corkPipe)),
              range(corkPipe),
              fmtRatio(rate(sdkPipe) / rate(corkPipe)),
            ],
          ],
        ),
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
          extra: { in_flight: inFlight, bare: Math.round(rate(barePipe)), bare_corked: Math.round(rate(corkPipe)) },
          ratio: { value: pipeRatio, baseline: 'bare socket, 1,000 in flight' },
          target: '>= 1.0x bare socket client (issue 17)',
          met: pipeRatio >= 1.0,
          ranges: {
            sdk: [Math.round(inFlight / (Math.max(...sdkPipe) / 1000)), Math.round(inFlight / (Math.min(...sdkPipe) / 1000))],
            bare: [Math.round(inFlight / (Math.max(...barePipe) / 1000)), Math.round(inFlight / (Math.min(...barePipe) / 1000))],
          },
        },
      ];
    } finally {
      await host.stop();
    }
  },
};
