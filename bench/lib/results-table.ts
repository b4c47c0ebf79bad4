/**
 * A Markdown table of a results file (bench/results/*.json), for bench/README.md:
 *   npx tsx bench/lib/results-table.ts bench/results/reference.json
 */
import { readFileSync } from 'node:fs';
import type { Figure } from './report.js';

interface Results {
  date: string;
  node: string;
  cpus: string;
  loadavg: { before: number[]; after: number[] };
  quick: boolean;
  trials: number;
  failed: string[];
  figures: Figure[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: tsx bench/lib/results-table.ts FILE.json');
const r = JSON.parse(readFileSync(file, 'utf8')) as Results;
const num = (v: number) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Number(v.toPrecision(3))));
console.log(
  `${r.date.slice(0, 16).replace('T', ' ')} UTC, node ${r.node}, ${r.cpus}, ${r.quick ? '--quick, ' : ''}${r.trials} trials; ` +
    `load average ${r.loadavg.before.map((l) => l.toFixed(1)).join(' / ')} before, ${r.loadavg.after.map((l) => l.toFixed(1)).join(' / ')} after` +
    `${r.failed.length ? `; not run: ${r.failed.join(', ')}` : ''}.\n`,
);
console.log('| figure | value | extra | ratio (same run) | target | |');
console.log('|---|---|---|---|---|---|');
for (const f of r.figures) {
  const extra = Object.entries(f.extra ?? {})
    .map(([k, v]) => `${k} ${typeof v === 'number' ? num(v) : v}`)
    .join(', ');
  const ratio = f.ratio ? `${f.ratio.value.toFixed(2)}× ${f.ratio.baseline}` : '';
  const met = f.met === undefined ? 'info' : f.met ? 'met' : '**missed**';
  console.log(`| \`${f.id}\` | ${num(f.value)} ${f.unit} | ${extra} | ${ratio} | ${f.target} | ${met} |`);
}
