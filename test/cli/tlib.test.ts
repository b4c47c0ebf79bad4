/**
 * The `tlib` bin as a process: `node --import tsx src/cli/tlib.ts …` against a TServerSimulator
 * started here.
 *
 * Node runs the file itself with tsx as a loader, not through the tsx CLI: the CLI relays SIGINT to
 * its child and gives it 30 ms to acknowledge before killing it and exiting 130, which a loaded
 * machine misses; and `npm exec` neither forwards SIGINT nor reports the child's exit code. The exit
 * code after SIGINT is what these tests check.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TServerSimulator } from '../../src/simulator/index.js';
import { noClients } from './tlib-helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Proc {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when `pattern` has been seen on stdout (or stderr); rejects after `ms`. */
  waitFor: (pattern: RegExp, stream?: 'stdout' | 'stderr', ms?: number) => Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcessWithoutNullStreams>();

function tlib(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/tlib.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DEBUG: '', FORCE_COLOR: '0' },
    stdio: 'pipe',
  });
  children.add(child);
  const buf = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  for (const name of ['stdout', 'stderr'] as const) {
    child[name].setEncoding('utf8').on('data', (d: string) => {
      buf[name] += d;
      for (const w of [...waiters]) w();
    });
  }
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  const waitFor = (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout', ms = 15_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(buf[stream])) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${pattern} on ${stream} within ${ms} ms\n--- stdout\n${buf.stdout}\n--- stderr\n${buf.stderr}`));
      }, ms);
      waiters.add(check);
      check();
    });
  return { child, stdout: () => buf.stdout, stderr: () => buf.stderr, waitFor, exit };
}

// Tests run concurrently: only what is left at the very end is killed.
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
});

/** A simulator on 127.0.0.1 (ephemeral port) for one test. */
async function withServer(fn: (server: TServerSimulator) => Promise<void>): Promise<void> {
  const server = new TServerSimulator({ host: '127.0.0.1' });
  await server.start();
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

/** A loopback port nothing listens on: bind an ephemeral one, then close it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

// Each test waits up to 15 s per step (waitFor) for processes that start slowly on a loaded machine.
describe.concurrent('tlib monitor against a simulator', { timeout: 60_000 }, () => {
  it('prints one line per event until SIGINT, then closes and exits 0', () =>
    withServer(async (server) => {
      const p = tlib(['monitor', '--primary', server.url, '--dn', '1001', '--dn', '1002']);
      await p.waitFor(/monitoring DN 1001, 1002; Ctrl-C to stop/, 'stderr');
      await p.waitFor(/EventRegistered\s+DN 1002/);
      expect(p.stdout()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}  127\.0\.0\.1:\d+  EventServerConnected/m);
      expect(p.stdout()).toMatch(/EventLinkConnected/);

      const connId = server.placeCall('1001', {
        from: '5551234',
        userData: [
          ['Queue', 'Sales'],
          ['Queue', 'VIP'],
        ],
      });
      await p.waitFor(new RegExp(`EventRinging\\s+DN 1001\\s+ConnID ${connId}\\s+OtherDN=5551234 UserData=\\{Queue=Sales, Queue=VIP\\}`));
      expect(server.clientCount).toBe(1);

      p.child.kill('SIGINT');
      const { code, signal } = await p.exit;
      expect({ code, signal }, p.stderr()).toEqual({ code: 0, signal: null });
      expect(p.stderr()).toContain('tlib monitor: SIGINT, stopped');
      // It closed its connection: the server sees no client left.
      await noClients(server);
    }));

  it('--json prints one JSON object per line; SIGTERM stops it with exit 0 too', () =>
    withServer(async (server) => {
      const p = tlib(['monitor', '--primary', server.url, '--dn', '1001', '--json']);
      await p.waitFor(/Ctrl-C to stop/, 'stderr');
      const connId = server.placeCall('1001', { from: '5551234', userData: [['Lang', 'fr']] });
      await p.waitFor(/"Event":"EventRinging"/);
      p.child.kill('SIGTERM');
      const { code } = await p.exit;
      expect(code, p.stderr()).toBe(0);
      const lines = p.stdout().trim().split('\n');
      const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events[0]).toEqual({ Event: 'EventServerConnected', Server: server.url });
      const ringing = events.find((e) => e.Event === 'EventRinging')!;
      expect(ringing).toMatchObject({ Server: server.url, ThisDN: '1001', ConnID: connId, OtherDN: '5551234', UserData: [['Lang', 'fr']] });
      expect(ringing.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(typeof ringing.EventSequenceNumber).toBe('number');
    }));

  it('exit code 1 when a DN cannot be registered (EventError 40 unknown DN)', () =>
    withServer(async (server) => {
      const p = tlib(['monitor', '--primary', server.url, '--dn', 'not-a-dn']);
      const { code } = await p.exit;
      expect(code, p.stderr()).toBe(1);
      expect(p.stderr()).toMatch(/could not register not-a-dn: RequestRegisterAddress refused by T-Server: ErrorCode 40/);
    }));
});

describe.concurrent('tlib exit codes and other commands', { timeout: 60_000 }, () => {
  it('exit code 1 when no server can be reached (closed loopback port)', async () => {
    const port = await closedPort();
    const p = tlib(['monitor', '--primary', `127.0.0.1:${port}`, '--dn', '1001']);
    const { code } = await p.exit;
    expect(code, p.stderr()).toBe(1);
    expect(p.stderr()).toMatch(new RegExp(`tlib monitor: could not connect to 127\\.0\\.0\\.1:${port}: .*refused`));
    expect(p.stdout()).toBe('');
  });

  // Every usage error is covered in-process (tlib-unit.test.ts); two prove the process exit code.
  it.each([
    [[], /usage: tlib <command>/],
    [['monitor', '--primary', '127.0.0.1', '--dn', '1001'], /--primary must be 'host:port'/],
  ])('usage error %j: exit code 2', async (args, message) => {
    const p = tlib(args);
    const { code } = await p.exit;
    expect(code, p.stderr()).toBe(2);
    expect(p.stderr()).toMatch(message);
  });

  it('--help documents the commands and the exit codes, exit 0', async () => {
    const p = tlib(['--help']);
    const { code } = await p.exit;
    expect(code).toBe(0);
    expect(p.stdout()).toMatch(/^ {2}monitor {3}connect to a T-Server/m);
    expect(p.stdout()).toMatch(/^ {2}demo {6}/m);
    expect(p.stdout()).toMatch(/exit codes:\n  0  stopped cleanly[^\n]*\n  1  could not connect[^\n]*\n  2  usage error/);
  });

  it('tlib sim --pair listens on 127.0.0.1 and stops cleanly on SIGINT', async () => {
    const p = tlib(['sim', '--pair', '--port', '0']);
    await p.waitFor(/backup listening on 127\.0\.0\.1:\d+/);
    expect(p.stdout()).toMatch(/primary listening on 127\.0\.0\.1:\d+/);
    p.child.kill('SIGINT');
    const { code } = await p.exit;
    expect(code, p.stderr()).toBe(0);
    expect(p.stdout()).toContain('tlib sim: stopped');
  });

  it('tlib sim --help names itself tlib sim and lists the stdin commands', async () => {
    const p = tlib(['sim', '--help']);
    const { code } = await p.exit;
    expect(code).toBe(0);
    expect(p.stdout()).toMatch(/^usage: tlib sim \[--pair\]/);
    expect(p.stdout()).not.toContain('tlib-sim');
    expect(p.stdout()).toContain('call <dn> [from <ani>] [data k=v ...]');
  });
});

describe('tlib sim commands on stdin drive a tlib monitor on the same pair', { timeout: 120_000 }, () => {
  it('call 1001 makes the monitor print EventRinging; kill makes it print EventPrimaryChanged; quit exits 0', async () => {
    const sim = tlib(['sim', '--pair', '--port', '0']);
    await sim.waitFor(/backup listening on 127\.0\.0\.1:\d+/);
    const primary = /primary listening on (127\.0\.0\.1:\d+)/.exec(sim.stdout())![1];
    const backup = /backup listening on (127\.0\.0\.1:\d+)/.exec(sim.stdout())![1];
    const monitor = tlib(['monitor', '--primary', primary, '--backup', backup, '--dn', '1001']);
    try {
      await monitor.waitFor(/monitoring DN 1001; Ctrl-C to stop/, 'stderr');
      // The monitor opens its standby session to the backup in the background and says so: `kill`
      // is a failover (EventPrimaryChanged) only once it is open, a reconnect before.
      await monitor.waitFor(new RegExp(`standby session open on ${backup.replace(/\./g, '\\.')}`), 'stderr');

      sim.child.stdin.write('call 1001 from 5551234 data Queue=Support\n');
      await sim.waitFor(/call 1001 from 5551234 data Queue=Support → ConnID [0-9a-f]{16} rings on DN 1001/);
      const connId = /→ ConnID ([0-9a-f]{16})/.exec(sim.stdout())![1];
      await monitor.waitFor(
        new RegExp(
          `${primary.replace(/\./g, '\\.')}\\s+EventRinging\\s+DN 1001\\s+ConnID ${connId}\\s+OtherDN=5551234 UserData=\\{Queue=Support\\}`,
        ),
      );

      sim.child.stdin.write('kill\n');
      await sim.waitFor(/kill → tserver-a killed; tserver-b is primary now \(EventPrimaryChanged\)/);
      await monitor.waitFor(new RegExp(`${backup.replace(/\./g, '\\.')}\\s+EventPrimaryChanged`));

      sim.child.stdin.write('quit\n');
      const simExit = await sim.exit;
      expect(simExit, sim.stderr()).toEqual({ code: 0, signal: null });
      expect(sim.stdout()).toContain('quit → stopping');
    } finally {
      monitor.child.kill('SIGINT');
      await monitor.exit;
    }
  });
});
