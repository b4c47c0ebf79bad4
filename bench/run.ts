/**
 * `npm run bench` runs every benchmark; `npm run bench -- NAME [NAME...]` runs some; `--quick`
 * shortens every one (fewer trials, smaller batches); `--trials N` overrides the trial count.
 * Each prints its table as it goes; the summary lines (one per figure) come last.
 * See bench/README.md for how to read them.
 */
import os from 'node:os';
import { summaryLine, type Bench, type Figure } from './lib/report.js';

/** Loaded on demand, so one benchmark runs without importing the others. */
const BENCHES: { name: string; load: () => Promise<Bench> }[] = [
  { name: 'codec', load: async () => (await import('./codec.js')).codecBench },
  { name: 'e2e', load: async () => (await import('./e2e.js')).e2eBench },
  { name: 'failover', load: async () => (await import('./failover.js')).failoverBench },
  { name: 'resync', load: async () => (await import('./resync.js')).resyncBench },
  { name: 'memory', load: async () => (await import('./memory.js')).memoryBench },
  { name: 'route', load: async () => (await import('./route.js')).routeBench },
];

function usage(): string {
  return [
    'usage: npm run bench -- [--quick] [--trials N] [NAME ...]',
    `names: ${BENCHES.map((b) => b.name).join(', ')} (default: all)`,
  ].join('\n');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let quick = false;
  let trials: number | undefined;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--quick' || a === '-q') quick = true;
    else if (a === '--trials') trials = Number(args[++i]);
    else if (a === '--help' || a === '-h') {
      console.log(usage());
      return 0;
    } else if (a.startsWith('-')) {
      console.error(`unknown option ${a}\n${usage()}`);
      return 2;
    } else names.push(a);
  }
  if (trials !== undefined && !(Number.isInteger(trials) && trials > 0)) {
    console.error(`--trials needs a positive integer\n${usage()}`);
    return 2;
  }
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}\n${usage()}`);
    return 2;
  }
  const selected = names.length === 0 ? BENCHES : BENCHES.filter((b) => names.includes(b.name));
  const ctx = { quick, trials: trials ?? (quick ? 3 : 5), log: (line = '') => console.log(line) };
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `tlib-client benchmarks — node ${process.version}, ${os.cpus().length} × ${cpu}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}` +
      `${quick ? ', --quick' : ''}, ${ctx.trials} trials per figure`,
  );
  const started = performance.now();
  const figures: Figure[] = [];
  const failed: string[] = [];
  for (const entry of selected) {
    const t0 = performance.now();
    try {
      const bench = await entry.load();
      console.log(`\n== ${bench.name}: ${bench.title}`);
      figures.push(...(await bench.run(ctx)));
    } catch (err) {
      failed.push(entry.name);
      console.log(`!! ${entry.name} failed: ${(err as Error)?.stack ?? String(err)}`);
    }
    console.log(`(${entry.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  console.log(`\n== summary (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  for (const f of figures) console.log(summaryLine(f));
  for (const name of failed) console.log(`BENCH ${name.padEnd(22)}  FAILED (see above)`);
  // Benchmarks never fail CI on a figure; only a benchmark that could not run exits non-zero.
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
