/**
 * The README's quick start as written: its first JavaScript block importing 'tlib-client' is
 * examples/quickstart.mjs, byte for byte, and it runs as the README says — started before
 * `tlib sim --pair`, it waits, connects when the pair comes up, and follows the simulator's
 * commands (call, link down/up, kill, restart, switchover, quit). (.ci/run runs the same driver
 * from the packed tarball installed in a fresh project, and type-checks the snippet with the
 * README's tsconfig.json on TypeScript 5.9 and 7.)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { driveQuickstart } from './drive-quickstart.mjs';
import { readmeSnippet, readmeTsconfig } from './readme-blocks.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Node with tsx as a loader (tsconfig maps tlib-client to src/), not the tsx CLI, whose SIGINT relay is racy under load. */
const NODE_TSX = [process.execPath, '--import', 'tsx'];
const readme = readFileSync(`${ROOT}README.md`, 'utf8');
const snippet = readFileSync(`${ROOT}examples/quickstart.mjs`, 'utf8');

describe('README quick start', () => {
  it("the first JavaScript block importing 'tlib-client' is examples/quickstart.mjs exactly", () => {
    expect(readmeSnippet(readme)).toBe(snippet);
    expect(readme).toContain('/examples/quickstart.mjs)');
  });

  it('the snippet reads TSERVER_PRIMARY / TSERVER_BACKUP, waits for a server and ends by printing conn.state', () => {
    expect(snippet).toContain("process.env.TSERVER_PRIMARY ?? '127.0.0.1:7000'");
    expect(snippet).toContain("process.env.TSERVER_BACKUP ?? '127.0.0.1:7001'");
    expect(snippet).toContain('await conn.open({ retry: true })');
    const logs = snippet.split('\n').filter((l) => l.startsWith('console.log('));
    expect(logs.at(-1)).toMatch(/^console\.log\(conn\.state\);/);
  });

  it('the TypeScript section has a tsconfig.json with no types setting', () => {
    const tsconfig = JSON.parse(readmeTsconfig(readme)) as { compilerOptions: Record<string, unknown> };
    expect(tsconfig.compilerOptions.module).toBe('nodenext');
    expect(tsconfig.compilerOptions).not.toHaveProperty('types');
  });

  it('runs as the README tells: the snippet first, then tlib sim --pair and its commands', async () => {
    const { snippet: out } = (await driveQuickstart({
      sim: [...NODE_TSX, 'src/cli/tlib.ts'],
      snippet: [...NODE_TSX, 'examples/quickstart.mjs'],
      cwd: ROOT,
    })) as {
      snippet: string;
    };
    expect(out).toMatch(/no T-Server yet \(attempt 1\)/);
    expect(out).toMatch(/status: 'open'/);
    expect(out).toMatch(/1001 rings: call [0-9a-f]{16} from 5551234, queue Support/);
    expect(out).toMatch(/the primary is now 127\.0\.0\.1:\d+/);
    expect(out).toMatch(/resynced: 1 DNs/);
  }, 90_000);
});
