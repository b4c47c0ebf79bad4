/**
 * Hot loops to profile, one at a time, for a few seconds each:
 *
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/profile.ts decode
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/profile.ts encode
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/profile.ts e2e   (main thread: the client)
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/profile.ts latency   (sequential requests)
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/profile.ts pipelined   (1,000 requests in flight)
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/profile.ts calls   (call events with user data, state model on)
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/profile.ts calls-off   (the same, state model off)
 *
 * then `npx tsx bench/lib/top.ts .tmp/prof/<file>.cpuprofile` for the self-time table
 * (or open the .cpuprofile in Chrome DevTools → Performance).
 */
import { FrameDecoder } from '../src/codec/decoder.js';
import { encodeFrame } from '../src/codec/encoder.js';
import { eventMix } from './lib/events.js';

const what = process.argv[2] ?? 'decode';
const seconds = Number(process.argv[3] ?? 4);
const events = eventMix(20_000);
const frames = events.map((e) => encodeFrame(e.type, e.attributes));
let sink = 0;

async function main(): Promise<void> {
  const until = performance.now() + seconds * 1000;
  let n = 0;
  if (what === 'decode') {
    const stream = Buffer.concat(frames);
    const decoder = new FrameDecoder({
      onMessage: (m) => (sink += m.byteLength),
      onError: (e) => {
        throw e;
      },
    });
    while (performance.now() < until) {
      for (let off = 0; off < stream.length; off += 65536) decoder.push(stream.subarray(off, off + 65536));
      n += frames.length;
    }
  } else if (what === 'encode') {
    while (performance.now() < until) {
      for (const e of events) sink += encodeFrame(e.type, e.attributes).length;
      n += events.length;
    }
  } else if (what === 'e2e') {
    const { openSdk, sendAndWait } = await import('./e2e.js');
    const { SimHost } = await import('./lib/sim-host.js');
    const host = await SimHost.start({ mode: 'single' });
    const rig = await openSdk(host);
    while (performance.now() < until) n += (await sendAndWait(host, rig, 100_000)).events;
    await rig.close();
    await host.stop();
  } else if (what === 'latency') {
    const { openSdk } = await import('./e2e.js');
    const { SimHost } = await import('./lib/sim-host.js');
    const host = await SimHost.start({ mode: 'single' });
    const rig = await openSdk(host);
    while (performance.now() < until) {
      for (let i = 0; i < 1000; i++) await rig.conn.queryAddress(String(70000 + (i % 100)));
      n += 1000;
    }
    await rig.close();
    await host.stop();
  } else if (what === 'pipelined') {
    const { openSdk } = await import('./e2e.js');
    const { SimHost } = await import('./lib/sim-host.js');
    const host = await SimHost.start({ mode: 'single' });
    const rig = await openSdk(host);
    while (performance.now() < until) {
      await Promise.all(Array.from({ length: 1000 }, (_, i) => rig.conn.queryAddress(String(70000 + (i % 100)))));
      n += 1000;
    }
    await rig.close();
    await host.stop();
  } else if (what === 'calls' || what === 'calls-off') {
    const { openCallsClient } = await import('./receive.js');
    const { SimHost } = await import('./lib/sim-host.js');
    const host = await SimHost.start({ mode: 'single' });
    const client = await openCallsClient(host, what === 'calls');
    while (performance.now() < until) {
      await host.call({ cmd: 'prepareBatch', count: 100_000, dns: client.dns, stream: 'calls' });
      const done = client.arm(100_000, 0);
      await host.call({ cmd: 'sendBatch' });
      await done;
      n += 100_000;
    }
    client.close();
    await host.stop();
  } else {
    throw new Error(`unknown hot loop ${what} (decode, encode, e2e, latency, pipelined, calls, calls-off)`);
  }
  console.log(`${what}: ${n} events in ${seconds} s (${Math.round(n / seconds)}/s) sink ${sink % 10}`);
}

await main();
