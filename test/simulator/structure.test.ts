/**
 * The simulator's modules import one way: no cycle among src/simulator's files, type-only imports
 * included, and none over 450 lines (split by what each part is).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '../../src/simulator');
const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

/** Local modules each file imports or re-exports from (`./x.js`), `import type` included. */
function localImports(source: string): string[] {
  const out = new Set<string>();
  for (const m of source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'\.\/([\w-]+)\.js'/gms)) out.add(`${m[1]}.ts`);
  return [...out];
}

/** One cycle in the graph (as a path that returns to its start), or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('src/simulator structure', () => {
  const graph = new Map(files.map((f) => [f, localImports(readFileSync(join(DIR, f), 'utf8'))]));

  it('reads the imports it checks (the parser is not blind)', () => {
    expect(graph.get('server.ts')).toEqual(expect.arrayContaining(['client.ts', 'dispatch.ts', 'state.ts']));
    expect(
      findCycle(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', ['a.ts']],
        ]),
      ),
    ).toEqual(['a.ts', 'b.ts', 'a.ts']);
  });

  it('has no import cycle, type-only imports included', () => {
    expect(findCycle(graph)).toBeUndefined();
  });

  it('keeps every file at 450 lines or fewer', () => {
    const long = files.map((f) => [f, readFileSync(join(DIR, f), 'utf8').split('\n').length - 1] as const).filter(([, n]) => n > 450);
    expect(long).toEqual([]);
  });
});
