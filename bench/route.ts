/**
 * Figure — routing: routes per CPU-second through `conn.route()` with a trivial handler, against
 * the same flow written by hand on raw `request()` calls (listen for EventRouteRequest, send
 * RequestRouteCall), on the same simulator, trials interleaved A B B A so drift cancels. CPU time
 * (the process's: client and simulator together, the same simulator work for both) is the figure:
 * on a loaded machine wall-clock rates swing 4× between trials; they are reported beside it.
 * Both consumers read what a router reads (ConnID, ANI, the Skill in user data) and count each
 * settled route. A fresh simulator per trial: calls left ringing never slow the next trial.
 */
import { TServerConnection, kvGet, type KVList } from '../src/index.js';
import { HotStandbyPair } from '../src/simulator/index.js';
import { fmtRate, median, table, type Bench, type BenchContext, type Figure } from './lib/report.js';

const RP = '5000';

type Candidate = 'conn.route()' | 'raw request()';

async function trial(kind: Candidate, calls: number): Promise<{ wall: number; cpu: number }> {
  const pair = await HotStandbyPair.start({ routingPoints: [RP] });
  // A queue as large as the burst: the raw flow sends one request per call at once, and the
  // default bounds (1,000 in flight + 1,000 waiting) would refuse the rest.
  const conn = new TServerConnection({
    primary: pair.addresses.primary,
    applicationName: 'bench-route',
    requestTimeoutMs: 60_000,
    addp: false,
    offlineQueue: { limit: calls + 1_000 },
  });
  let read = 0;
  const destination = (connId: string, ani: unknown, skill: unknown) => {
    // What a router reads, so neither side wins by reading nothing.
    read += connId.length + String(ani).length + String(skill).length;
    return `2${String(read % 1_000).padStart(3, '0')}`;
  };
  try {
    await conn.open();
    let settled = 0;
    let done: () => void = () => {};
    // A failed route ends the trial with its error (never an unhandled rejection and a wait forever).
    let fail: (err: unknown) => void = () => {};
    const finished = new Promise<void>((resolve, reject) => {
      done = resolve;
      fail = reject;
    });
    const count = () => {
      if (++settled === calls) done();
    };
    let close: () => Promise<unknown>;
    if (kind === 'conn.route()') {
      const rp = await conn.route(RP, (call) => destination(call.connId, call.ani, kvGet(call.userData, 'Skill')), {
        concurrency: 1_000,
        maxWaiting: calls,
      });
      rp.on('routed', count);
      rp.on('error', (err) => fail(err));
      close = () => rp.close();
    } else {
      await conn.registerAddress(RP, { AddressType: 4 });
      const onRequest = (e: Record<string, unknown>) => {
        if (e.ThisDN !== RP) return;
        const connId = e.ConnID as string;
        conn
          .request('RequestRouteCall', {
            ThisDN: RP,
            ConnID: connId,
            OtherDN: destination(connId, e.ANI, kvGet(e.UserData as KVList, 'Skill')),
          })
          .then(count, (err: unknown) => fail(err));
      };
      conn.on('EventRouteRequest', onRequest as never);
      close = async () => conn.off('EventRouteRequest', onRequest as never);
    }
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) pair.placeCall(RP, { from: `+1555${i}`, userData: [['Skill', i % 2 ? 'sales' : 'billing']] });
    await finished;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await close();
    if (read === 0) throw new Error('the consumer read nothing');
    return { wall: (calls / ms) * 1_000, cpu: calls / ((cpu.user + cpu.system) / 1e6) };
  } finally {
    await conn.close();
    await pair.stop();
  }
}

export const routeBench: Bench = {
  name: 'route',
  title: 'Routing: route requests per second through conn.route() vs the same flow on raw request()',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const calls = ctx.quick ? 500 : 2_000;
    const wall: Record<Candidate, number[]> = { 'conn.route()': [], 'raw request()': [] };
    const cpu: Record<Candidate, number[]> = { 'conn.route()': [], 'raw request()': [] };
    await trial('conn.route()', 100); // warm-up, not counted
    await trial('raw request()', 100);
    for (let i = 0; i < ctx.trials; i++) {
      const order: Candidate[] = i % 2 === 0 ? ['conn.route()', 'raw request()'] : ['raw request()', 'conn.route()'];
      for (const kind of order) {
        const r = await trial(kind, calls);
        wall[kind].push(r.wall);
        cpu[kind].push(r.cpu);
      }
    }
    const ratio = median(cpu['conn.route()']) / median(cpu['raw request()']);
    ctx.log(
      table(
        ['candidate', 'routes per CPU-s (median)', 'min', 'max', 'routes/s wall (median)', 'min', 'max'],
        (Object.keys(wall) as Candidate[]).map((k) => [
          k,
          fmtRate(median(cpu[k])),
          fmtRate(Math.min(...cpu[k])),
          fmtRate(Math.max(...cpu[k])),
          fmtRate(median(wall[k])),
          fmtRate(Math.min(...wall[k])),
          fmtRate(Math.max(...wall[k])),
        ]),
      ),
    );
    return [
      {
        id: 'route.throughput',
        value: Math.round(median(cpu['conn.route()'])),
        unit: 'routes per CPU-s',
        extra: {
          calls,
          raw_cpu: Math.round(median(cpu['raw request()'])),
          wall: Math.round(median(wall['conn.route()'])),
          raw_wall: Math.round(median(wall['raw request()'])),
        },
        ratio: { value: ratio, baseline: 'raw request(), CPU time' },
        target: '≥ 0.9× the same flow on raw request()',
        met: ratio >= 0.9,
        candidates: { 'conn.route()': median(cpu['conn.route()']), 'raw request()': median(cpu['raw request()']) },
      },
    ];
  },
};
