/**
 * Self-time table of a .cpuprofile (node --cpu-prof): the functions where the samples landed.
 *   npx tsx bench/lib/top.ts .tmp/prof/CPU.*.cpuprofile [rows]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

// Several files (node writes one per thread, e.g. tsx's loader) are merged.
const args = process.argv.slice(2);
const rows = /^\d+$/.test(args[args.length - 1] ?? '') ? Number(args.pop()) : 25;
if (args.length === 0) throw new Error('usage: tsx bench/lib/top.ts FILE.cpuprofile... [rows]');
const self = new Map<string, number>();
let total = 0;
for (const file of args) tally(JSON.parse(readFileSync(file, 'utf8')) as Profile);

function tally(profile: Profile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i])!;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const f = node.callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  }
}
const sorted = [...self]
  .filter(([k]) => k !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, rows);
const busy = total - (self.get('(idle)') ?? 0);
console.log(`${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy; % of busy time:`);
for (const [key, us] of sorted)
  console.log(`${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
