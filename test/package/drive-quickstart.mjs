// The README's quick start as a reader does it: the snippet (examples/quickstart.mjs) is started
// first and waits; then `tlib sim --pair` comes up in another process, the snippet connects, and
// the reader types commands into the simulator: call, link down/up, kill, restart, switchover, quit.
// Used by test/package/quickstart.test.ts (from the checkout, through tsx) and by .ci/run (from the
// packed tarball installed in a fresh project):
//   node drive-quickstart.mjs --sim "node_modules/.bin/tlib" --snippet "node quickstart.mjs"
// Exits 0 when every step was seen; otherwise prints what each process wrote and exits 1.
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {{ child: import('node:child_process').ChildProcessWithoutNullStreams, out: () => string,
 *   waitFor: (pattern: RegExp, what: string, since?: number) => Promise<RegExpExecArray>,
 *   exit: Promise<{ code: number | null, signal: NodeJS.Signals | null }> }} Proc
 */

/**
 * @param {string[]} command
 * @param {{ cwd: string, env?: NodeJS.ProcessEnv, timeoutMs: number }} options
 * @returns {Proc}
 */
function start(command, { cwd, env, timeoutMs }) {
  const [file, ...args] = command;
  const child = spawn(file, args, { cwd, env: { ...process.env, DEBUG: '', FORCE_COLOR: '0', ...env }, stdio: 'pipe' });
  let text = '';
  /** Where the next waitFor starts looking by default: each step waits for output after the previous one. */
  let from = 0;
  /** @type {Set<() => void>} */
  const waiters = new Set();
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8').on('data', (/** @type {string} */ d) => {
      text += d;
      for (const w of [...waiters]) w();
    });
  }
  const exit = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  /** @type {Proc['waitFor']} */
  const waitFor = (pattern, what, since = from) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(text.slice(since));
        if (!m) return;
        from = Math.max(from, since + m.index + m[0].length);
        waiters.delete(check);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${what}: no ${pattern} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { child, out: () => text, waitFor, exit };
}

/** A port that is free, with the next one free too (`tlib sim --pair --port N` listens on N and N+1). */
async function freePortPair() {
  /** @param {number} port @returns {Promise<import('node:net').Server | undefined>} */
  const listen = (port) =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(undefined));
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  for (let i = 0; i < 50; i++) {
    const first = await listen(0);
    if (!first) continue;
    const port = /** @type {import('node:net').AddressInfo} */ (first.address()).port;
    const second = port < 65535 ? await listen(port + 1) : undefined;
    await Promise.all([first, second].map((s) => s && new Promise((r) => s.close(r))));
    if (second) return port;
  }
  throw new Error('no two consecutive free ports in 50 tries');
}

const literally = (/** @type {string} */ s) => s.replace(/[.[\]]/g, '\\$&');

/**
 * Runs the quick start; resolves with both transcripts, rejects (with them in the message) on a missed step.
 * @param {{ sim: string[], snippet: string[], cwd: string, timeoutMs?: number }} options
 */
export async function driveQuickstart({ sim: simCommand, snippet: snippetCommand, cwd, timeoutMs = 20_000 }) {
  const port = await freePortPair();
  const [primary, backup] = [`127.0.0.1:${port}`, `127.0.0.1:${port + 1}`];
  const [P, B] = [literally(primary), literally(backup)];
  // The snippet first, with nothing to connect to: it must wait, saying so, and not die.
  const snippet = start(snippetCommand, { cwd, env: { TSERVER_PRIMARY: primary, TSERVER_BACKUP: backup }, timeoutMs });
  /** @type {Proc | undefined} */
  let sim;
  /** @param {string} command */
  const type = (command) => sim?.child.stdin.write(`${command}\n`);
  try {
    await snippet.waitFor(/no T-Server yet \(attempt 1\): .*connection refused/, 'the snippet waits for a server');
    sim = start([...simCommand, 'sim', '--pair', '--port', String(port)], { cwd, timeoutMs });
    await sim.waitFor(new RegExp(`backup listening on ${B}`), 'tlib sim');
    const connecting = snippet.out().length;
    await snippet.waitFor(/status: 'open'/, 'the snippet connects and prints conn.state');
    // The standby session opens in the background, before or after that: `kill` is a failover only once it is there.
    await snippet.waitFor(new RegExp(`standby: ${B}`), 'the snippet opens its standby session', connecting);

    type('call 1001 from 5551234 data Queue=Support');
    await snippet.waitFor(/1001 rings: call [0-9a-f]{16} from 5551234, queue Support/, 'the snippet sees the call');
    await snippet.waitFor(/call [0-9a-f]{16} answered, CaseID attached/, 'the snippet answers it');
    type('link down');
    await snippet.waitFor(new RegExp(`${P}: CTI link down`), 'the snippet sees the link go down');
    type('link up');
    await snippet.waitFor(new RegExp(`${P}: CTI link up`), 'the snippet sees the link come back');
    type('kill');
    await snippet.waitFor(new RegExp(`lost ${P}`), 'the snippet sees the primary die');
    await snippet.waitFor(new RegExp(`the primary is now ${B}`), 'the snippet sees the failover');
    await snippet.waitFor(/resynced: 1 DNs, \d+ calls in [\d.]+ ms/, 'the snippet sees the resync');
    type('restart');
    await snippet.waitFor(new RegExp(`standby: ${P}`), 'the snippet takes the restarted server as its standby');
    type('switchover');
    await snippet.waitFor(new RegExp(`the primary is now ${P}`), 'the snippet follows the switchover');
    type('quit');
    const simExit = await sim.exit;
    if (simExit.code !== 0) throw new Error(`tlib sim exited ${JSON.stringify(simExit)} after quit`);
    await snippet.waitFor(/reconnect attempt 1: /, 'the snippet keeps trying after both servers are gone');
    snippet.child.kill('SIGINT');
    const snippetExit = await snippet.exit;
    if (snippetExit.code !== 0) throw new Error(`the snippet exited ${JSON.stringify(snippetExit)} after SIGINT`);
    return { sim: sim.out(), snippet: snippet.out() };
  } catch (err) {
    throw new Error(`${/** @type {Error} */ (err).message}\n--- tlib sim\n${sim?.out() ?? ''}\n--- snippet\n${snippet.out()}`);
  } finally {
    for (const p of [sim, snippet]) if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }
}

const isMain = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isMain) {
  const arg = (/** @type {string} */ name) => {
    const i = process.argv.indexOf(name);
    if (i < 0 || i + 1 >= process.argv.length) throw new Error(`usage: drive-quickstart.mjs --sim "CMD" --snippet "CMD"`);
    return process.argv[i + 1].split(' ');
  };
  driveQuickstart({ sim: arg('--sim'), snippet: arg('--snippet'), cwd: process.cwd() }).then(
    ({ snippet }) => {
      process.stdout.write(`${snippet}\nquick start OK: the snippet waited for the simulator, then followed every command\n`);
    },
    (err) => {
      console.error(`quick start FAILED: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
