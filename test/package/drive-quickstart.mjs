// The README's quick start as a reader does it: one process runs `tlib sim --pair`, another the
// snippet (examples/quickstart.mjs); the reader types `call 1001` and `kill` into the simulator.
// Used by test/package/quickstart.test.ts (from the checkout, through tsx) and by .ci/run (from the
// packed tarball installed in a fresh project):
//   node drive-quickstart.mjs --sim "node_modules/.bin/tlib" --snippet "node quickstart.mjs"
// Exits 0 when every step was seen; otherwise prints what each process wrote and exits 1.
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {{ child: import('node:child_process').ChildProcessWithoutNullStreams, out: () => string,
 *   waitFor: (pattern: RegExp, what: string) => Promise<RegExpExecArray>,
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
  const waitFor = (pattern, what) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(text);
        if (!m) return;
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

/**
 * Runs the quick start; resolves with both transcripts, rejects (with them in the message) on a missed step.
 * @param {{ sim: string[], snippet: string[], cwd: string, timeoutMs?: number }} options
 */
export async function driveQuickstart({ sim: simCommand, snippet: snippetCommand, cwd, timeoutMs = 20_000 }) {
  const sim = start([...simCommand, 'sim', '--pair', '--port', '0'], { cwd, timeoutMs });
  /** @type {Proc | undefined} */
  let snippet;
  try {
    const [, primary] = await sim.waitFor(/primary listening on (\S+)/, 'tlib sim');
    const [, backup] = await sim.waitFor(/backup listening on (\S+)/, 'tlib sim');
    snippet = start(snippetCommand, { cwd, env: { TSERVER_PRIMARY: primary, TSERVER_BACKUP: backup }, timeoutMs });
    await snippet.waitFor(/status: 'open'/, 'the snippet prints conn.state');
    // The SDK opens its standby session to the backup in the background: wait for it, so that
    // `kill` shows a failover (EventPrimaryChanged) rather than a reconnect.
    for (let i = 0; ; i++) {
      sim.child.stdin.write('status\n');
      const seen = sim.out();
      await new Promise((r) => setTimeout(r, 100));
      if (/tserver-b {2}\S+ {2}backup {2}link up {2}1 client/.test(sim.out().slice(seen.length))) break;
      if (i >= timeoutMs / 100) throw new Error('the snippet never opened its standby session to the backup');
    }
    sim.child.stdin.write('call 1001 from 5551234 data Queue=Support\n');
    await snippet.waitFor(/1001 rings: call [0-9a-f]{16} from 5551234, queue Support/, 'the snippet sees the call');
    await snippet.waitFor(/call [0-9a-f]{16} answered, CaseID attached/, 'the snippet answers it');
    sim.child.stdin.write('kill\n');
    await snippet.waitFor(new RegExp(`the primary is now ${backup.replace(/[.[\]]/g, '\\$&')}`), 'the snippet sees the failover');
    await snippet.waitFor(/resynced: 1 DNs, \d+ calls in [\d.]+ ms/, 'the snippet sees the resync');
    snippet.child.kill('SIGINT');
    const snippetExit = await snippet.exit;
    if (snippetExit.code !== 0) throw new Error(`the snippet exited ${JSON.stringify(snippetExit)} after SIGINT`);
    sim.child.stdin.write('quit\n');
    const simExit = await sim.exit;
    if (simExit.code !== 0) throw new Error(`tlib sim exited ${JSON.stringify(simExit)} after quit`);
    return { sim: sim.out(), snippet: snippet.out() };
  } catch (err) {
    throw new Error(`${/** @type {Error} */ (err).message}\n--- tlib sim\n${sim.out()}\n--- snippet\n${snippet?.out() ?? ''}`);
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
      process.stdout.write(`${snippet}\nquick start OK: the snippet saw the call ring and the failover\n`);
    },
    (err) => {
      console.error(`quick start FAILED: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
