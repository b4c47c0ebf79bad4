/**
 * The state model's own cost per event, in process, without sockets: the call stream of
 * `receive.model` (lib/call-stream.ts) encoded once, then decoded in 64 KiB chunks by a
 * FrameDecoder, each message made into the user's event (`eventOf`, as the connection's gate
 * does), applied to a StateModel (nobody listening for changes, as in `receive.model`'s "model
 * on" row) and read by the consumer. The same pipeline without the model is the baseline; the two
 * alternate (A B, B A, …) and each round is timed in this thread's CPU time.
 *
 *   npx tsx bench/model-cost.ts [rounds]           # default 15 (the first 2 are warm-up)
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof --no-turbo-inlining --import tsx bench/model-cost.ts 30 on
 *
 * With `on` as the second argument only the model's pipeline runs (for a profile of it alone).
 *
 * Instructions instead of time (repeatable on a busy machine): `count <rounds> <on|off>` runs one
 * pipeline `rounds` times untimed. Under callgrind, (the count at 3 rounds − at 1) ÷ 200,000 is
 * the instructions per event, on and off (each run takes about two minutes):
 *
 *   valgrind --tool=callgrind --smc-check=all-non-file node --import tsx bench/model-cost.ts count 3 on
 */
import { eventOf, FrameDecoder } from '../src/codec/decoder.js';
import { encodeFrame } from '../src/codec/encoder.js';
import { StateModel } from '../src/model/index.js';
import { callStream } from './lib/call-stream.js';
import { freshConsumer } from './lib/consume.js';
import { threadCpuNs } from './lib/cpu.js';
import { median } from './lib/report.js';

const EVENTS = 100_000;
const CHUNK = 65_536;
const WARM_UP = 2;
const counting = process.argv[2] === 'count';
const args = counting ? process.argv.slice(3) : process.argv.slice(2);
const rounds = counting
  ? Math.max(1, Math.min(100, Number(args[0]) || 1))
  : Math.max(WARM_UP + 1, Math.min(1000, Number(args[0] ?? 15) || 15));
const onlyModel = args[1] === 'on';
const DNS = Array.from({ length: 100 }, (_, i) => String(70000 + i));
const stream = Buffer.concat(callStream(EVENTS, { dns: DNS }).map((e) => encodeFrame(e.type, e.attributes)));
let sink = 0;

/** One pipeline; `model` false: the same without the state model. Returns a function running the whole stream once. */
function pipeline(model: boolean): () => void {
  const m = new StateModel({ listening: () => false });
  for (const dn of DNS) m.register(dn, 'resync');
  const consume = freshConsumer();
  const decoder = new FrameDecoder({
    onMessage: (msg) => {
      const e = eventOf(msg, msg.name!, 'primary');
      if (model) sink += m.apply(e).length;
      sink += consume(msg.name!, e);
    },
    onError: (err) => {
      throw err;
    },
  });
  return () => {
    for (let off = 0; off < stream.length; off += CHUNK) decoder.push(stream.subarray(off, off + CHUNK));
  };
}

if (counting) {
  const run = pipeline(onlyModel);
  for (let r = 0; r < rounds; r++) run();
  console.log(`${rounds} rounds of ${EVENTS} events, model ${onlyModel ? 'on' : 'off'} (sink ${sink % 10})`);
  process.exit(0);
}

const sides = onlyModel
  ? [{ name: 'model on', run: pipeline(true), ns: [] as number[] }]
  : [
      { name: 'model on', run: pipeline(true), ns: [] as number[] },
      { name: 'model off', run: pipeline(false), ns: [] as number[] },
    ];
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < sides.length; i++) {
    const side = sides[(r + i) % sides.length]!;
    const start = threadCpuNs();
    side.run();
    side.ns.push((threadCpuNs() - start) / EVENTS);
  }
}
const med = sides.map((s) => median(s.ns.slice(WARM_UP)));
for (let i = 0; i < sides.length; i++)
  console.log(`${sides[i]!.name.padEnd(10)} ${med[i]!.toFixed(0)} ns of CPU per event (median of ${rounds - WARM_UP} rounds)`);
if (med.length === 2)
  console.log(
    `the model: ${(med[0]! - med[1]!).toFixed(0)} ns per event, ${((med[0]! / med[1]! - 1) * 100).toFixed(0)} % of the path without it (sink ${sink % 10})`,
  );
