/**
 * Each guide in docs/guides/ ends with a whole program: it runs as printed (from the checkout, where
 * tsconfig.json maps tlib-client to src/; .ci/run runs the same programs against the packed
 * package), against the simulator pair it starts, and ends by itself with exit code 0.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { guideProgram } from '../package/readme-blocks.mjs';
import { explain, ROOT, runNode } from './run-child.js';

const GUIDES = `${ROOT}docs/guides/`;
const CHILD_TIMEOUT_MS = 60_000;

const guides = readdirSync(GUIDES).filter((f) => f.endsWith('.md') && f !== 'README.md');

describe('the guides', { timeout: CHILD_TIMEOUT_MS + 15_000 }, () => {
  it('are listed in docs/guides/README.md', () => {
    const index = readFileSync(`${GUIDES}README.md`, 'utf8');
    expect(guides.length).toBeGreaterThanOrEqual(3);
    for (const g of guides) expect(index, g).toContain(`(${g})`);
  });

  it.each(guides)('%s ends with a program that runs as printed', async (guide) => {
    const program = guideProgram(readFileSync(`${GUIDES}${guide}`, 'utf8'));
    expect(program).toMatch(/from 'tlib-client'/);
    // An .mts file in a folder of its own, as a user's project would hold it (ES module: top-level await).
    const dir = mkdtempSync(`${tmpdir()}/tlib-guide-`);
    const file = `${dir}/${guide.replace(/\.md$/, '')}.mts`;
    writeFileSync(file, program);
    // tsconfig.json's paths map tlib-client to src/ for a file outside the repository too.
    const r = await runNode([file], { timeoutMs: CHILD_TIMEOUT_MS, env: { TSX_TSCONFIG_PATH: `${ROOT}tsconfig.json` } }).finally(() =>
      rmSync(dir, { recursive: true, force: true }),
    );
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/ done$/);
  });
});
