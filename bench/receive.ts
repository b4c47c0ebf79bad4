/**
 * Figure 2 — the receive path over loopback (issue 17): the same events, written at once by a
 * sender in a worker thread, read by six clients in this thread, trials interleaved (A B C … A B C):
 *  - a reader that only counts bytes (the wire's limit on this machine);
 *  - a bare socket + the SDK's FrameDecoder; NDJSON (lines of JSON.parse); msgpackr plain and with
 *    shared structures (its fastest mode), each on its own encoding of the same events;
 *  - the full receive path: TServerConnection (validation 'warn', 100 DNs registered) with one
 *    listener, fed by the simulator.
 * Every client but the byte counter hands each event to the same consumer (./lib/consume.ts).
 */
import net from 'node:net';
import { Packr } from 'msgpackr';
import { FrameDecoder } from '../src/codec/decoder.js';
import { encodeFrame } from '../src/codec/encoder.js';
import { TServerConnection } from '../src/index.js';
import { callStream } from './lib/call-stream.js';
import { freshConsumer } from './lib/consume.js';
import { eventMix } from './lib/events.js';
import { fmtBytes, fmtNum, fmtRate, median, table, untilAsync, type Bench, type BenchContext, type Figure } from './lib/report.js';
import { SimHost } from './lib/sim-host.js';
import { processCpuNs, taskCpuNs } from './lib/cpu.js';

const DNS = Array.from({ length: 100 }, (_, i) => String(70000 + i));
let sink = 0;
/** A trial that has not ended by then is a harness or SDK fault, reported as such. */
const TRIAL_TIMEOUT_MS = 60_000;

/** One client: `arm()` before a trial, resolves when the whole batch has been consumed. */
export interface Client {
  name: string;
  arm(events: number, bytes: number): Promise<void>;
  /** What the client still waits for (events or bytes), for a timeout's message. */
  left(): number;
  close(): void;
}

/** Counts down to the batch's end; `done` settles the trial. */
class Countdown {
  left = 0;
  private resolve: (() => void) | undefined;
  arm(n: number): Promise<void> {
    this.left = n;
    return new Promise((r) => (this.resolve = r));
  }
  sub(n: number): void {
    this.left -= n;
    if (this.left <= 0 && this.resolve) {
      const r = this.resolve;
      this.resolve = undefined;
      r();
    }
  }
}

async function connect(address: string, hello: string): Promise<net.Socket> {
  const i = address.lastIndexOf(':');
  const socket = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(`${hello}\n`);
  return socket;
}

async function byteCounter(address: string): Promise<Client> {
  const socket = await connect(address, 'bytes');
  const cd = new Countdown();
  socket.on('data', (chunk: Buffer) => cd.sub(chunk.length));
  return { name: 'bytes', arm: (_events, bytes) => cd.arm(bytes), left: () => cd.left, close: () => socket.destroy() };
}

async function decoderClient(address: string): Promise<Client> {
  const socket = await connect(address, 'decoder');
  const cd = new Countdown();
  const use = freshConsumer();
  const decoder = new FrameDecoder({
    onMessage: (m) => {
      sink += use(m.name!, m.attributes);
      cd.sub(1);
    },
    onError: (e) => socket.destroy(e),
  });
  socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  return { name: 'decoder', arm: (events) => cd.arm(events), left: () => cd.left, close: () => socket.destroy() };
}

async function ndjsonClient(address: string): Promise<Client> {
  const socket = await connect(address, 'ndjson');
  const cd = new Countdown();
  const use = freshConsumer();
  let tail: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    const b = tail ? Buffer.concat([tail, chunk]) : chunk;
    let start = 0;
    let n = 0;
    for (let nl = b.indexOf(10, start); nl >= 0; nl = b.indexOf(10, start)) {
      const o = JSON.parse(b.toString('utf8', start, nl)) as { Event: string } & Record<string, unknown>;
      sink += use(o.Event, o);
      n++;
      start = nl + 1;
    }
    tail = start < b.length ? Buffer.from(b.subarray(start)) : undefined;
    cd.sub(n);
  });
  return { name: 'ndjson', arm: (events) => cd.arm(events), left: () => cd.left, close: () => socket.destroy() };
}

/** msgpackr over a stream, as its own UnpackrStream does it (an incomplete tail waits for more). */
async function msgpackClient(address: string, name: string, unpackr: Packr): Promise<Client> {
  const socket = await connect(address, name);
  const cd = new Countdown();
  const use = freshConsumer();
  let tail: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    const b = tail ? Buffer.concat([tail, chunk]) : chunk;
    tail = undefined;
    let n = 0;
    try {
      unpackr.unpackMultiple(b, (o: unknown) => {
        const e = o as { Event: string } & Record<string, unknown>;
        sink += use(e.Event, e);
        n++;
      });
    } catch (err) {
      const e = err as { incomplete?: boolean; lastPosition?: number };
      if (!e.incomplete) throw err;
      tail = Buffer.from(b.subarray(e.lastPosition));
    }
    cd.sub(n);
  });
  return { name, arm: (events) => cd.arm(events), left: () => cd.left, close: () => socket.destroy() };
}

/**
 * The state model switched off, for the figure's "model off" row: the ledger learns nothing, so
 * the path is socket → decoder → gate → listener. Not a public option (the resync needs the model).
 */
function switchModelOff(conn: TServerConnection): void {
  const none: never[] = [];
  (conn as unknown as { ledger: { learn(): never[] } }).ledger.learn = () => none;
}

async function sdkClient(
  host: SimHost,
  options: { dns: readonly string[]; model: boolean; name: string; listenChanges?: boolean },
): Promise<Client> {
  // No ADDP: a simulator worker making a 100,000-event batch does not answer pings for seconds on
  // a loaded machine, and a connection that gave it up would miss a whole trial.
  const conn = new TServerConnection({ primary: host.primary, applicationName: 'bench-receive', validation: 'warn', addp: false });
  conn.on('error', (err) => console.log(`   (receive: error ${err.message})`));
  const cd = new Countdown();
  const use = freshConsumer();
  conn.on('protocolWarning', (w) => console.log(`   (receive: protocolWarning ${w.code}: ${w.detail})`));
  conn.on('stateChange', (st) => {
    if (st.status !== 'open') console.log(`   (receive: connection ${st.status})`);
  });
  conn.on('event', (e) => {
    sink += use(e.Event, e as unknown as Record<string, unknown>);
    cd.sub(1);
  });
  if (options.listenChanges) conn.on('callChanged', (call) => (sink += call.connId.length));
  if (!options.model) switchModelOff(conn);
  await conn.open();
  await Promise.all(options.dns.map((dn) => conn.registerAddress(dn)));
  return {
    name: options.name,
    // Fresh sequence numbers for every batch (the duplicate filter must pass them all): made by
    // the worker before the clock starts.
    arm: (events) => cd.arm(events),
    left: () => cd.left,
    close: () => void conn.close(),
  };
}

/** A connection on `host` with the 100 DNs registered, for the call stream (bench/profile.ts uses it too). */
export async function openCallsClient(host: SimHost, model: boolean): Promise<Client & { dns: string[] }> {
  const client = await sdkClient(host, { dns: DNS, model, name: model ? 'sdk-model' : 'sdk-no-model' });
  return { ...client, dns: DNS };
}

interface Row {
  label: string;
  client: Client;
  bytes: number;
  /** Events per second of wall time, one per trial. */
  rates: number[];
  /** Events per second of the receiving side's CPU time (see cpuOfReceiver), one per trial. */
  cpu: number[];
  send: () => Promise<unknown>;
  prepare?: () => Promise<unknown>;
}

const row = (label: string, client: Client, bytes: number, send: () => Promise<unknown>, prepare?: () => Promise<unknown>): Row => ({
  label,
  client,
  bytes,
  rates: [],
  cpu: [],
  send,
  prepare,
});

/**
 * The receiving side's CPU time in ns: this process's (every thread: the main thread, V8's GC and
 * compiler threads) less the sender threads' (`senders`: the simulator workers' kernel thread ids).
 * On a loaded machine wall time counts the minutes a thread waits for a core; this does not.
 */
function cpuOfReceiver(senders: readonly number[]): number {
  let n = processCpuNs();
  for (const tid of senders) n -= taskCpuNs(tid);
  return n;
}

/**
 * Trials interleaved (A B C … B C A … C A B …) after one warm-up round. The SDK's batches (fresh sequence
 * numbers) are made by the workers at the start of each round, so their encoding and its garbage
 * are done long before a batch is timed.
 */
async function runTrials(rows: Row[], count: number, trials: number, senders: readonly number[]): Promise<void> {
  const prepareAll = () => Promise.all(rows.map((r) => r.prepare?.()));
  const trial = async (r: Row): Promise<[number, number]> => {
    const done = r.client.arm(count, r.bytes);
    const c0 = cpuOfReceiver(senders);
    const t0 = performance.now();
    await r.send();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${r.label}: ${r.client.left()} of ${count} events (or bytes) still missing after ${TRIAL_TIMEOUT_MS} ms`)),
        TRIAL_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
    const wall = performance.now() - t0;
    return [count / (wall / 1000), count / ((cpuOfReceiver(senders) - c0) / 1e9)];
  };
  await prepareAll();
  for (const r of rows) await trial(r); // warm-up: JIT every path once
  for (let t = 0; t < trials; t++) {
    await prepareAll();
    // Each round starts at another row: a row never always follows the same one (whose garbage
    // the next trial's collections would pay for).
    for (let i = 0; i < rows.length; i++) {
      const r = rows[(t + i) % rows.length]!;
      const [wall, cpu] = await trial(r);
      r.rates.push(wall);
      r.cpu.push(cpu);
    }
  }
}

/** The table of a figure: each row's medians (wall time and CPU time), ranges, MB/s, and its ratios. */
function rateTable(rows: Row[], count: number, first: string, base: Row, baseName: string, sdk: Row): string {
  const [bw, bc, sw, sc] = [median(base.rates), median(base.cpu), median(sdk.rates), median(sdk.cpu)];
  const µs = (rate: number) => fmtNum(1e6 / rate, 2);
  return table(
    [first, 'events/s wall', 'range', 'MB/s', `÷ ${baseName}`, 'µs CPU/event', 'range', `÷ ${baseName}, CPU`, 'SDK ÷ this, CPU'],
    rows.map((r) => {
      const [w, c] = [median(r.rates), median(r.cpu)];
      return [
        r.label,
        fmtRate(w),
        `${fmtRate(Math.min(...r.rates))}–${fmtRate(Math.max(...r.rates))}`,
        fmtNum((w * r.bytes) / count / 1e6, 1),
        `${(w / bw).toFixed(2)}×`,
        µs(c),
        `${µs(Math.max(...r.cpu))}–${µs(Math.min(...r.cpu))}`,
        `${(c / bc).toFixed(2)}×`,
        `${(sc / c).toFixed(2)}×`,
      ];
    }),
  ).concat(`\n(SDK ÷ this, wall: ${rows.map((r) => `${(sw / median(r.rates)).toFixed(2)}×`).join(' ')})`);
}

/** Per candidate: wall-time and CPU-time ranges (events/s), for the JSON file. */
const rangesOf = (rows: Row[]) =>
  Object.fromEntries(
    rows.flatMap((r) => [
      [r.label, [Math.round(Math.min(...r.rates)), Math.round(Math.max(...r.rates))] as [number, number]],
      [`${r.label}, CPU`, [Math.round(Math.min(...r.cpu)), Math.round(Math.max(...r.cpu))] as [number, number]],
    ]),
  );
const mediansOf = (rows: Row[]) =>
  Object.fromEntries(
    rows.flatMap((r) => [
      [r.label, Math.round(median(r.rates))],
      [`${r.label}, CPU`, Math.round(median(r.cpu))],
    ]),
  );
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

/**
 * Figure 2b — the state model's cost (issue 24): call events on the registered DNs with user data
 * on every event (bench/lib/call-stream.ts), read by a socket + FrameDecoder, NDJSON, and
 * TServerConnection with the model on (an 'event' listener only: views are made when read), on
 * with a 'callChanged' listener too (a view per event), and off. Each SDK connection has its own
 * simulator worker (a simulator writes a batch to all its clients).
 */
async function modelFigure(ctx: BenchContext): Promise<Figure> {
  const count = ctx.quick ? 30_000 : 100_000;
  const events = callStream(count, { dns: DNS });
  const tlib = Buffer.concat(events.map((e) => encodeFrame(e.type, e.attributes)));
  const ndjson = Buffer.from(events.map((e) => `${JSON.stringify({ Event: e.name, ...e.attributes })}\n`).join(''));
  const hosts = await Promise.all([0, 1, 2].map(() => SimHost.start({ mode: 'single' })));
  const clients: Client[] = [];
  try {
    const [on, listened, off] = hosts;
    const blaster = await on.call<string>({ cmd: 'blasterStart' });
    await on.call({ cmd: 'blasterLoad', name: 'decoder', bytes: new Uint8Array(tlib) });
    await on.call({ cmd: 'blasterLoad', name: 'ndjson', bytes: new Uint8Array(ndjson) });
    clients.push(await decoderClient(blaster), await ndjsonClient(blaster));
    await untilAsync(async () => (await on.call<string[]>({ cmd: 'blasterClients' })).length === 2, 'the blaster clients');
    const sdkOn = await sdkClient(on, { dns: DNS, model: true, name: 'sdk-model' });
    const sdkListened = await sdkClient(listened, { dns: DNS, model: true, name: 'sdk-model-listened', listenChanges: true });
    const sdkOff = await sdkClient(off, { dns: DNS, model: false, name: 'sdk-no-model' });
    clients.push(sdkOn, sdkListened, sdkOff);
    const blast = (name: string) => () => on.call({ cmd: 'blast', name });
    const sdkRow = (label: string, client: Client, host: SimHost): Row =>
      row(
        label,
        client,
        tlib.length,
        () => host.call({ cmd: 'sendBatch' }),
        () => host.call({ cmd: 'prepareBatch', count, dns: DNS, stream: 'calls' }),
      );
    const rows: Row[] = [
      row('socket + FrameDecoder', clients[0], tlib.length, blast('decoder')),
      row('NDJSON (JSON.parse per line)', clients[1], ndjson.length, blast('ndjson')),
      sdkRow('TServerConnection, model on', sdkOn, on),
      // Right after "model on": in every round but one the two run back to back.
      sdkRow('… model off', sdkOff, off),
      sdkRow('… model on, callChanged listened', sdkListened, listened),
    ];
    const senders = await Promise.all(hosts.map((h) => h.call<number>({ cmd: 'tid' })));
    await runTrials(rows, count, ctx.trials, senders);
    const [dec, nd, conn, bare, heard] = rows.map((r) => median(r.cpu));
    // Paired by round: each round runs every row once, so a load that drifts from round to round
    // moves both sides of a round's ratio alike; the figure is the median of the rounds' ratios.
    const paired = (f: (t: number) => number) => median(rows[0]!.cpu.map((_, t) => f(t)));
    // The model's share: CPU time per event with it, over CPU time per event without it, minus one.
    const cost = paired((t) => rows[3]!.cpu[t]! / rows[2]!.cpu[t]! - 1);
    const vsNdjson = paired((t) => rows[2]!.cpu[t]! / rows[1]!.cpu[t]!);
    const wallCost = paired((t) => rows[3]!.rates[t]! / rows[2]!.rates[t]! - 1);
    ctx.log(
      `Batch: ${fmtNum(count)} call events on ${DNS.length} registered DNs, user data (5 keys) on every event; TLib ${fmtBytes(tlib.length / count)}/event, NDJSON ${fmtBytes(ndjson.length / count)}.`,
    );
    ctx.log(rateTable(rows, count, 'call events + consume', rows[1], 'NDJSON', rows[2]));
    ctx.log(
      `(median of ${ctx.trials} interleaved trials; CPU: this process less the simulator threads. The model costs ` +
        `${pct(cost)} of the path without it in CPU time, ${pct(wallCost)} in wall time (medians of the rounds' ratios); sink ${sink % 10})`,
    );
    return {
      id: 'receive.model',
      value: Math.round(conn),
      unit: 'events per CPU-s',
      extra: {
        model_off: Math.round(bare),
        model_cost: pct(cost),
        listened: Math.round(heard),
        vs_decoder: `${(conn / dec).toFixed(2)}x`,
        wall_vs_ndjson: `${paired((t) => rows[2]!.rates[t]! / rows[1]!.rates[t]!).toFixed(2)}x`,
        wall_model_cost: pct(wallCost),
        // The same two figures as ratios of the rows' medians (each row's median from its own rounds).
        of_medians_vs_ndjson: `${(conn / nd).toFixed(2)}x`,
        of_medians_model_cost: pct(bare / conn - 1),
      },
      ratio: { value: vsNdjson, baseline: "NDJSON of the same call events, CPU time (median of the rounds' ratios)" },
      target: '>= 1.5x NDJSON, model <= 25% of the path without it (issue 24)',
      met: vsNdjson >= 1.5 && cost <= 0.25,
      ranges: rangesOf(rows),
      candidates: mediansOf(rows),
    };
  } finally {
    for (const c of clients) c.close();
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

export const receiveBench: Bench = {
  name: 'receive',
  title: 'Figure 2: receive path over loopback (sender in a worker thread), vs the wire and other formats',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const count = ctx.quick ? 30_000 : 100_000;
    const events = eventMix(count, { dns: DNS });
    const objects = events.map((e) => ({ Event: e.name, ...e.attributes }));
    const tlib = Buffer.concat(events.map((e) => encodeFrame(e.type, e.attributes)));
    const ndjson = Buffer.from(objects.map((o) => `${JSON.stringify(o)}\n`).join(''));
    const plainPackr = new Packr({ useRecords: false });
    const plain = Buffer.concat(objects.map((o) => plainPackr.pack(o)));
    const recordPackr = new Packr({ useRecords: true, structures: [] });
    const records = Buffer.concat(objects.map((o) => recordPackr.pack(o)));

    const figures: Figure[] = [];
    const host = await SimHost.start({ mode: 'single' });
    const clients: Client[] = [];
    try {
      const blaster = await host.call<string>({ cmd: 'blasterStart' });
      const loads: [string, Buffer][] = [
        ['bytes', tlib],
        ['decoder', tlib],
        ['ndjson', ndjson],
        ['msgpackr', plain],
        ['msgpackr-records', records],
      ];
      for (const [name, data] of loads) await host.call({ cmd: 'blasterLoad', name, bytes: new Uint8Array(data) });
      clients.push(
        await byteCounter(blaster),
        await decoderClient(blaster),
        await ndjsonClient(blaster),
        await msgpackClient(blaster, 'msgpackr', plainPackr),
        await msgpackClient(blaster, 'msgpackr-records', recordPackr),
      );
      await untilAsync(async () => (await host.call<string[]>({ cmd: 'blasterClients' })).length === 5, 'the blaster clients');
      const sdk = await sdkClient(host, { dns: DNS, model: true, name: 'sdk' });
      clients.push(sdk);
      const blast = (name: string) => () => host.call({ cmd: 'blast', name });
      const rows: Row[] = [
        row('byte counter (the wire)', clients[0], tlib.length, blast('bytes')),
        row('socket + FrameDecoder', clients[1], tlib.length, blast('decoder')),
        row('NDJSON (JSON.parse per line)', clients[2], ndjson.length, blast('ndjson')),
        row('msgpackr (plain)', clients[3], plain.length, blast('msgpackr')),
        row('msgpackr (shared structures)', clients[4], records.length, blast('msgpackr-records')),
        row(
          'TServerConnection → on("event")',
          sdk,
          tlib.length,
          () => host.call({ cmd: 'sendBatch' }),
          () => host.call({ cmd: 'prepareBatch', count, dns: DNS }),
        ),
      ];
      await runTrials(rows, count, ctx.trials, [await host.call<number>({ cmd: 'tid' })]);

      const [bytes, dec, nd, , rec, conn] = rows.map((r) => median(r.rates));
      const cpu = rows.map((r) => median(r.cpu));
      ctx.log(
        `Batch: ${fmtNum(count)} events of the codec mix, written at once; TLib ${fmtBytes(tlib.length / count)}/event, NDJSON ${fmtBytes(ndjson.length / count)}, msgpackr ${fmtBytes(plain.length / count)}, with structures ${fmtBytes(records.length / count)}.`,
      );
      ctx.log(rateTable(rows, count, 'receive + consume', rows[0], 'byte counter', rows[5]));
      ctx.log(`(median of ${ctx.trials} interleaved trials; CPU: this process less the simulator thread; sink ${sink % 10})`);
      const mixFigures: Figure[] = [
        {
          id: 'receive.connection',
          value: Math.round(conn),
          unit: 'events/s',
          extra: {
            vs_ndjson: `${(conn / nd).toFixed(2)}x`,
            vs_decoder: `${(conn / dec).toFixed(2)}x`,
            vs_msgpackr_records: `${(conn / rec).toFixed(2)}x`,
            cpu_vs_ndjson: `${(cpu[5] / cpu[2]).toFixed(2)}x`,
            cpu_vs_decoder: `${(cpu[5] / cpu[1]).toFixed(2)}x`,
          },
          ratio: { value: conn / bytes, baseline: 'byte counter' },
          target: '>= 0.25x byte counter and >= 2.5x NDJSON (issue 17)',
          met: conn / bytes >= 0.25 && conn / nd >= 2.5,
          ranges: rangesOf(rows),
          candidates: mediansOf(rows),
        },
        {
          id: 'receive.decoder',
          value: Math.round(dec),
          unit: 'events/s',
          ratio: { value: dec / bytes, baseline: 'byte counter' },
          target: 'none (reported)',
          met: undefined,
        },
      ];
      figures.push(...mixFigures);
    } finally {
      for (const c of clients) c.close();
      await host.stop();
    }
    ctx.log();
    figures.push(await modelFigure(ctx));
    return figures;
  },
};
