/**
 * tlib-sim: runSimCli in process (stopped by an AbortSignal), and the bin itself in a child
 * process stopped by SIGTERM.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runSimCli } from '../../src/simulator/index.js';
import { WireClient } from '../support/wire-client.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), handleSignals: false } };
}

describe('runSimCli', () => {
  it('starts one simulator, prints where it listens, stops on abort', async () => {
    const { out, io } = capture();
    const ac = new AbortController();
    let url = '';
    const done = runSimCli([], { ...io, signal: ac.signal, onReady: ({ servers }) => (url = servers[0].url) });
    // Waits for the servers to listen (their first output line).
    await expect.poll(() => out.length, { timeout: 2000 }).toBe(1);
    expect(out[0]).toBe(`tlib-sim: primary listening on ${url}`);
    const c = await WireClient.connect(url);
    expect((await c.register()).name).toBe('EventLinkConnected');
    ac.abort();
    expect(await done).toBe(0);
    await c.waitForClose();
    expect(out.at(-1)).toBe('tlib-sim: stopped');
  });

  it('--pair starts a primary and a backup; --link-down starts with the link down', async () => {
    const { out, io } = capture();
    const ac = new AbortController();
    let addresses = { primary: '', backup: '' };
    const done = runSimCli(['--pair', '--port', '0', '--host', '127.0.0.1', '--link-down'], {
      ...io,
      signal: ac.signal,
      onReady: ({ pair }) => (addresses = pair!.addresses),
    });
    // Waits for both servers to listen (one line each).
    await expect.poll(() => out.length, { timeout: 2000 }).toBe(2);
    expect(out).toEqual([`tlib-sim: primary listening on ${addresses.primary}`, `tlib-sim: backup listening on ${addresses.backup}`]);
    const c = await WireClient.connect(addresses.backup);
    expect((await c.register()).name).toBe('EventLinkDisconnected');
    expect((await c.waitFor('EventRestoreConnection')).attributes.ServerRole).toBe(1);
    ac.abort();
    expect(await done).toBe(0);
    await c.close();
  });

  it('usage errors exit 2 without starting anything; --help exits 0', async () => {
    const a = capture();
    expect(await runSimCli(['--port', 'abc'], a.io)).toBe(2);
    expect(a.err[0]).toMatch(/--port must be an integer/);
    const b = capture();
    expect(await runSimCli(['--bogus'], b.io)).toBe(2);
    const h = capture();
    expect(await runSimCli(['--help'], h.io)).toBe(0);
    expect(h.out[0]).toMatch(/^usage: tlib-sim/);
  });
});

describe('tlib-sim bin', () => {
  it('runs until SIGTERM, then stops cleanly with exit code 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/tlib-sim.ts', '--pair'], {
      cwd: process.cwd(),
      env: { ...process.env, DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Waits for the child process's servers to listen (its output).
      await expect.poll(() => stdout, { timeout: 15_000, interval: 50 }).toMatch(/backup listening on 127\.0\.0\.1:\d+/);
      const primary = /primary listening on (127\.0\.0\.1:\d+)/.exec(stdout)![1];
      const c = await WireClient.connect(primary);
      expect((await c.register()).name).toBe('EventLinkConnected');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await c.waitForClose();
      expect(stdout).toMatch(/tlib-sim: stopped/);
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 20_000);
});
