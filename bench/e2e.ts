/**
 * Figure 2 — end to end on loopback: simulator (worker thread) → socket → TServerConnection → user
 * handler. Throughput of a fixed batch of pre-encoded events written at once (sendRaw), and the
 * latency of request → answering event. Baseline, same run, same simulator, same bytes: a bare
 * net.Socket + FrameDecoder client (what the SDK adds on top of reading frames).
 */
import net from 'node:net';
import { FrameDecoder } from '../src/codec/decoder.js';
import { encodeFrame } from '../src/codec/encoder.js';
import { TServerConnection } from '../src/index.js';
import { fmtMs, fmtNum, fmtRatio, fmtRate, median, percentile, table, until, untilAsync, type Bench, type BenchContext, type Figure } from './lib/report.js';
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
async function openBare(address: string): Promise<Receiver & { request(ref: number, dn: string): Promise<void> }> {
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
        socket.write(encodeFrame(2, { ReferenceID: ref, ThisDN: dn }));
      }),
    close: async () => {
      socket.destroy();
      await new Promise((r) => setImmediate(r));
    },
  };
}

export const e2eBench: Bench = {
  name: 'e2e',
  title: 'Figure 2: end to end on loopback (simulator worker → socket → TServerConnection → handler)',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const batch = ctx.quick ? 50_000 : 200_000;
    const pings = ctx.quick ? 400 : 2_000;
    const host = await SimHost.start({ mode: 'single' });
    try {
      // Throughput: each client alone on the server (sendRaw writes to every client), baseline first.
      const bareRuns: Run[] = [];
      const bare = await openBare(host.primary);
      await clientsAre(host, 1); // the worker has accepted it (sendRaw goes to accepted clients)
      try {
        await sendAndWait(host, bare, Math.min(batch, 20_000)); // warm-up
        for (let t = 0; t < ctx.trials; t++) bareRuns.push(await sendAndWait(host, bare, batch));
      } finally {
        await bare.close();
      }
      await clientsAre(host, 0);
      const rig = await openSdk(host);
      const sdkRuns: Run[] = [];
      const sdkLat: number[] = [];
      const bareLat: number[] = [];
      try {
        await sendAndWait(host, rig, Math.min(batch, 20_000)); // warm-up
        for (let t = 0; t < ctx.trials; t++) sdkRuns.push(await sendAndWait(host, rig, batch));
        // Latency: both clients open, requests alternated so drift and noise hit both alike.
        const bare2 = await openBare(host.primary);
        await clientsAre(host, 2);
        try {
          for (let i = 0; i < 200; i++) {
            await rig.conn.queryAddress(DNS[i % DNS.length]);
            await bare2.request(1_000_000 + i, DNS[i % DNS.length]);
          }
          for (let i = 0; i < pings; i++) {
            const dn = DNS[i % DNS.length];
            let t0 = performance.now();
            await rig.conn.queryAddress(dn);
            sdkLat.push(performance.now() - t0);
            t0 = performance.now();
            await bare2.request(i + 1, dn);
            bareLat.push(performance.now() - t0);
          }
        } finally {
          await bare2.close();
        }
      } finally {
        await rig.close();
      }

      const rate = (runs: Run[]) => median(runs.map((r) => r.events / (r.ms / 1000)));
      const mbps = (runs: Run[]) => median(runs.map((r) => r.bytes / 1e6 / (r.ms / 1000)));
      const sdkRate = rate(sdkRuns);
      const bareRate = rate(bareRuns);
      const bytesPerEvent = sdkRuns[0].bytes / sdkRuns[0].events;
      ctx.log(`Batch: ${fmtNum(batch)} events of the codec mix (${fmtNum(bytesPerEvent, 0)} B/event, ${fmtNum(sdkRuns[0].bytes / 1e6, 1)} MB) written at once by the simulator; handler counts events.`);
      ctx.log(
        table(
          ['throughput', 'events/s', 'MB/s', 'trials (events/s)', 'SDK ÷ this'],
          [
            ['TServerConnection → on("event")', fmtRate(sdkRate), fmtNum(mbps(sdkRuns), 1), sdkRuns.map((r) => fmtRate(r.events / (r.ms / 1000))).join(' '), '1.00×'],
            ['bare socket + FrameDecoder', fmtRate(bareRate), fmtNum(mbps(bareRuns), 1), bareRuns.map((r) => fmtRate(r.events / (r.ms / 1000))).join(' '), fmtRatio(sdkRate / bareRate)],
          ],
        ),
      );
      ctx.log();
      ctx.log(
        table(
          [`request → answer (${pings} sequential, alternated)`, 'p50', 'p90', 'p99', 'max'],
          [
            ['conn.queryAddress() → EventAddressInfo', fmtMs(percentile(sdkLat, 50)), fmtMs(percentile(sdkLat, 90)), fmtMs(percentile(sdkLat, 99)), fmtMs(Math.max(...sdkLat))],
            ['bare socket: frame out → answer decoded', fmtMs(percentile(bareLat, 50)), fmtMs(percentile(bareLat, 90)), fmtMs(percentile(bareLat, 99)), fmtMs(Math.max(...bareLat))],
          ],
        ),
      );
      return [
        {
          id: 'e2e.throughput',
          value: Math.round(sdkRate),
          unit: 'events/s',
          extra: { 'MB/s': Number(mbps(sdkRuns).toFixed(1)), batch },
          ratio: { value: sdkRate / bareRate, baseline: 'bare socket+FrameDecoder' },
          target: '>= 300 k events/s',
          met: sdkRate >= 300_000,
        },
        {
          id: 'e2e.latency',
          value: Number(percentile(sdkLat, 50).toFixed(3)),
          unit: 'ms p50',
          extra: { p99_ms: Number(percentile(sdkLat, 99).toFixed(3)) },
          ratio: { value: percentile(sdkLat, 50) / percentile(bareLat, 50), baseline: 'bare socket p50 (lower is better)' },
          target: 'none set (reported)',
          met: undefined,
        },
      ];
    } finally {
      await host.stop();
    }
  },
};
