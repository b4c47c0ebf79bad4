/**
 * `npm run bench` runs every benchmark; `npm run bench -- NAME [NAME...]` runs some; `--quick`
 * shortens every one (fewer trials, smaller batches); `--trials N` overrides the trial count.
 * Each prints its table as it goes; the summary lines (one per figure) come last.
 * See bench/README.md for how to read them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { collectGarbage, memoryNow, summaryLine, type Bench, type Figure } from './lib/report.js';

/** Loaded on demand, so one benchmark runs without importing the others. */
const BENCHES: { name: string; load: () => Promise<Bench> }[] = [
  { name: 'codec', load: async () => (await import('./codec.js')).codecBench },
  { name: 'receive', load: async () => (await import('./receive.js')).receiveBench },
  { name: 'gate', load: async () => (await import('./gate.js')).gateBench },
  { name: 'e2e', load: async () => (await import('./e2e.js')).e2eBench },
  { name: 'failover', load: async () => (await import('./failover.js')).failoverBench },
  { name: 'resync', load: async () => (await import('./resync.js')).resyncBench },
  { name: 'memory', load: async () => (await import('./memory.js')).memoryBench },
  { name: 'route', load: async () => (await import('./route.js')).routeBench },
  { name: 'idle', load: async () => (await import('./idle.js')).idleBench },
  { name: 'gateway', load: async () => (await import('./gateway.js')).gatewayBench },
];

function usage(): string {
  return [
    'usage: npm run bench -- [--quick] [--trials N] [--out FILE] [NAME ...]',
    'figures go to bench/results/<UTC date and time>.json (or FILE); see bench/README.md',
    `names: ${BENCHES.map((b) => b.name).join(', ')} (default: all)`,
  ].join('\n');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let quick = false;
  let trials: number | undefined;
  let out: string | undefined;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--quick' || a === '-q') quick = true;
    else if (a === '--trials') trials = Number(args[++i]);
    else if (a === '--out') out = args[++i];
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
    `tlib-client benchmarks — node ${process.version}, ${os.cpus().length} × ${cpu}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}` + `${quick ? ', --quick' : ''}, ${ctx.trials} trials per figure`,
  );
  const started = performance.now();
  const loadBefore = os.loadavg();
  const figures: Figure[] = [];
  const failed: string[] = [];
  const memory: Record<string, { heapMiB: number; rssMiB: number }> = {};
  // A rejection nobody handled (a harness bug, or a timeout armed before an await) is reported
  // and charged to the benchmark running, never a crash of the whole run (issue 15 item 7).
  let current = '';
  const stray: string[] = [];
  const onStray = (reason: unknown) => {
    stray.push(current);
    console.log(`!! unhandled rejection during ${current || 'startup'}: ${(reason as Error)?.stack ?? String(reason)}`);
  };
  process.on('unhandledRejection', onStray);
  for (const entry of selected) {
    // Each benchmark starts on a heap without the one before's garbage: the receive and gate
    // figures leave about 450 MiB behind, and a major collection of it landing in the next
    // benchmark's trials (or its sweeping on the helper threads, beside the client and simulator on
    // two cores) would be charged to whichever candidate was running.
    collectGarbage(2);
    const t0 = performance.now();
    current = entry.name;
    try {
      const bench = await entry.load();
      console.log(`\n== ${bench.name}: ${bench.title}`);
      figures.push(...(await bench.run(ctx)));
    } catch (err) {
      failed.push(entry.name);
      console.log(`!! ${entry.name} failed: ${(err as Error)?.stack ?? String(err)}`);
    }
    memory[entry.name] = memoryNow();
    console.log(
      `(${entry.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s; this process now: heap ${memory[entry.name].heapMiB} MiB, RSS ${memory[entry.name].rssMiB} MiB)`,
    );
  }
  for (const name of stray) if (name && !failed.includes(name)) failed.push(name);
  console.log(`\n== summary (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  for (const f of figures) console.log(summaryLine(f));
  for (const name of failed) console.log(`BENCH ${name.padEnd(22)}  FAILED (see above)`);
  const file = writeResults(out, {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${os.cpus().length} × ${cpu}`,
    loadavg: { before: loadBefore, after: os.loadavg() },
    quick,
    trials: ctx.trials,
    benches: selected.map((b) => b.name),
    failed,
    memory,
    figures,
  });
  console.log(`figures written to ${file}`);
  process.off('unhandledRejection', onStray);
  // Benchmarks never fail CI on a figure; only a benchmark that could not run exits non-zero.
  return failed.length > 0 ? 1 : 0;
}

/** The run's figures as JSON, so two runs can be compared (bench/README.md, "Comparing runs"). */
function writeResults(out: string | undefined, data: unknown): string {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  const file = out ?? `${dir}${new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, '')}.json`;
  if (!out) mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
