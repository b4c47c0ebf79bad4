/**
 * The pair's state diagram, generated from the reducer's table (TRANSITIONS): docs/design.md shows
 * it between the `pair-states` markers, and test/connection/pair-machine.test.ts fails when the
 * two differ (UPDATE_PAIR_DIAGRAM=1 rewrites the block).
 */
import { TRANSITIONS, type PairStateKind } from './machine.js';

export const PAIR_DIAGRAM_BEGIN = '<!-- pair-states:begin -->';
export const PAIR_DIAGRAM_END = '<!-- pair-states:end -->';

/** Mermaid `stateDiagram-v2` text: one arrow per (state, next state), labelled with the inputs that take it. */
export function pairStateDiagram(): string {
  const arrows = new Map<string, string[]>();
  for (const [from, row] of Object.entries(TRANSITIONS) as [PairStateKind, (typeof TRANSITIONS)[PairStateKind]][]) {
    for (const [input, tr] of Object.entries(row)) {
      for (const to of tr?.to ?? []) {
        const key = `${from} --> ${to}`;
        arrows.set(key, [...(arrows.get(key) ?? []), input]);
      }
    }
  }
  const lines = ['```mermaid', 'stateDiagram-v2', '  [*] --> closed'];
  for (const [arrow, inputs] of arrows) lines.push(`  ${arrow} : ${inputs.join(', ')}`);
  lines.push('```');
  return lines.join('\n');
}

/** A table of every transition with its one-line description (below the diagram). */
export function pairTransitionTable(): string {
  const lines = ['| state | input | next | what happens |', '|---|---|---|---|'];
  for (const [from, row] of Object.entries(TRANSITIONS)) {
    for (const [input, tr] of Object.entries(row)) {
      if (tr) lines.push(`| ${from} | ${input} | ${tr.to.join(', ')} | ${tr.does} |`);
    }
  }
  return lines.join('\n');
}

const INTRO = `(Generated from \`TRANSITIONS\` in \`src/connection/pair/machine.ts\`: do not edit by hand; \`UPDATE_PAIR_DIAGRAM=1 npx vitest run test/connection/pair-machine.test.ts\` rewrites it.)

The pair is a pure reducer, \`reducePair(state, input) → [state, effects]\`: no I/O, no timers, no
clock, no user code. \`pair/driver.ts\` turns what happens into inputs (a dial opened or failed, a
session lost, a role claim with its EventSequenceNumber, EventPrimaryChanged, a server's link
event, a replay or a resync that ended, close) carrying the clock's time and \`retryStrategy\`'s
answer, and \`pair/effects.ts\` maps each effect to one call (dial after a delay, adopt as active or
standby, promote, requeue, announce, show a link event, resync, shut down), one input at a time (run
to completion). Dials are one attempt each: the reconnect loop, the standby redial and the named
primary's dial are slots in the state. The state also holds the link status users see, the resync
(idle, pending until the link is up, running), the event hold (\`adopting\`), the role watermark and
the young losses per server. After every transition the invariants hold (\`pair/invariants.ts\`,
checked by the driver on every step — a step that breaks them changes nothing and is reported as
\`ERR_TLIB_INTERNAL\` — and against random input sequences): never a standby to the active's own
server, one session per server, at most one dial per server and none to a server a session holds,
at most one dial per purpose, a state kind that matches its sessions, never reconnecting with
nothing dialled, no resync and no link shown outside a state with sessions.`;

/** The whole generated block, markers excluded. */
export function pairStatesBlock(): string {
  return `\n${INTRO}\n\n${pairStateDiagram()}\n\n${pairTransitionTable()}\n`;
}

/** `doc` with its pair-states block replaced by the generated one. */
export function withPairStatesBlock(doc: string): string {
  const begin = doc.indexOf(PAIR_DIAGRAM_BEGIN);
  const end = doc.indexOf(PAIR_DIAGRAM_END);
  if (begin < 0 || end < begin) throw new Error('docs/design.md has no pair-states markers');
  return doc.slice(0, begin + PAIR_DIAGRAM_BEGIN.length) + pairStatesBlock() + doc.slice(end);
}
