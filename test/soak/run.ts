/**
 * `npm run soak`: 1,000 randomized failovers, switchovers, CTI-link flaps, network cuts and
 * half-open paths with requests in flight (./soak.ts), a progress line every 50 cycles and one
 * final line. Exit code 1 on any failure.
 *
 *   SOAK_CYCLES=200 npm run soak     a shorter run
 *   SOAK_SEED=1234 npm run soak      replay a run
 *   SOAK_TRACE=1 npm run soak        log every cycle's action and the state before it
 *   SOAK_WEIGHTS=cutBoth=10,kill=5   change the mix of disruptions (see DEFAULT_WEIGHTS)
 *   SOAK_DUMP_SOCKETS=1              list the open sockets at the end (to find a leak)
 */
import { soak, type Action, type ResourceCounts } from './soak.js';

const cycles = Number(process.env.SOAK_CYCLES ?? 1_000);
const seed = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const weights = Object.fromEntries(
  (process.env.SOAK_WEIGHTS ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => {
      const [k, v] = kv.split('=');
      return [k as Action, Number(v)];
    }),
) as Partial<Record<Action, number>>;
const mb = (n: number) => (n / 2 ** 20).toFixed(1);
const res = (c: ResourceCounts) => `listeners ${c.listeners}, timers ${c.timers}, sockets ${c.sockets}, servers ${c.servers}`;

const processErrors: string[] = [];
process.on('uncaughtException', (err) => processErrors.push(`uncaught exception: ${err?.stack ?? String(err)}`));
process.on('unhandledRejection', (err) => processErrors.push(`unhandled rejection: ${(err as Error)?.stack ?? String(err)}`));

console.log(`soak: ${cycles} cycles, seed ${seed}${process.env.SOAK_WEIGHTS ? `, weights ${process.env.SOAK_WEIGHTS}` : ''}`);
soak({ cycles, seed, weights, progressEvery: 50, trace: process.env.SOAK_TRACE === '1', log: (l) => console.log(l) }).then(
  (r) => {
    const failures = [...r.failures, ...processErrors];
    console.log(
      `  actions: ${Object.entries(r.actions)
        .map(([a, n]) => `${a} ${n}`)
        .join(', ')}`,
    );
    console.log(
      `  requests: ${r.requests.total} settled (${r.requests.answered} answered, ${r.requests.rejected} typed rejections: ` +
        `${
          Object.entries(r.requests.byError)
            .map(([c, n]) => `${c} ${n}`)
            .join(', ') || 'none'
        })`,
    );
    console.log(
      `  registrations: user ${JSON.stringify(r.registrations.user)}, SDK ${JSON.stringify(r.registrations.sdk)}, ringing ${JSON.stringify(r.registrations.ringing)}, after switchover ${JSON.stringify(r.registrations.ringingAfterSwitchover)}`,
    );
    console.log(`  resources: before ${res(r.resources.before)}; after ${res(r.resources.after)}`);
    console.log(`  protocol warnings: ${JSON.stringify(r.warnings)}`);
    for (const f of failures) console.log(`  FAILURE: ${f}`);
    console.log(
      `soak: ${failures.length === 0 ? 'OK' : 'FAILED'} ${r.cycles} cycles in ${(r.durationMs / 1000).toFixed(1)} s, ` +
        `${r.requests.total} requests all settled, ${failures.length} failures, ` +
        `heap ${mb(r.heap.before)} → ${mb(r.heap.after)} MB${r.heap.gc ? ' after GC' : ''} (bound +${mb(r.heap.boundBytes)} MB, peak ${mb(r.heap.peak)} MB), seed ${r.seed}`,
    );
    process.exit(failures.length === 0 ? 0 : 1);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
