/**
 * The README's code as written: the "twenty lines" block is examples/quickstart.mjs, byte for byte,
 * and it runs — against `tlib sim --pair` in another process, a reader typing `call 1001` and `kill`.
 * (.ci/run runs the same driver from the packed tarball installed in a fresh project.)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { driveQuickstart } from './drive-quickstart.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Node with tsx as a loader (tsconfig maps tlib-client to src/), not the tsx CLI, whose SIGINT relay is racy under load. */
const NODE_TSX = [process.execPath, '--import', 'tsx'];
const readme = readFileSync(`${ROOT}README.md`, 'utf8');
const snippet = readFileSync(`${ROOT}examples/quickstart.mjs`, 'utf8');

describe('README quick start', () => {
  it('the twenty-lines block is examples/quickstart.mjs exactly', () => {
    const blocks = [...readme.matchAll(/```(?:js|ts|mjs)\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks).toContain(snippet);
    expect(readme).toContain('(examples/quickstart.mjs)');
  });

  it('runs as the README tells: tlib sim --pair, the snippet, then call 1001 and kill', async () => {
    const { snippet: out } = (await driveQuickstart({
      sim: [...NODE_TSX, 'src/cli/tlib.ts'],
      snippet: [...NODE_TSX, 'examples/quickstart.mjs'],
      cwd: ROOT,
    })) as {
      snippet: string;
    };
    expect(out).toMatch(/status: 'open'/);
    expect(out).toMatch(/1001 rings: call [0-9a-f]{16} from 5551234, queue Support/);
    expect(out).toMatch(/the primary is now 127\.0\.0\.1:\d+/);
    expect(out).toMatch(/resynced: 1 DNs/);
  }, 60_000);
});
