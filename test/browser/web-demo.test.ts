/**
 * `npm run web-demo` prints the page's URL on standard output, and the page, its script and the
 * browser build are served there.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../ha/helpers.js';

let child: ReturnType<typeof spawn> | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    // npm does not pass the signal on to tsx: end the whole process group the test started.
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
  child = undefined;
});

describe('npm run web-demo', () => {
  it('prints http://127.0.0.1:PORT/… and serves the desktop there', async () => {
    child = spawn('npm', ['run', '-s', 'web-demo'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (err += String(d)));
    const url = await until(() => /^(http:\/\/127\.0\.0\.1:\d+\/\S*)$/m.exec(out)?.[1], 'the URL on stdout', 60_000);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const bundle = await fetch(new URL('/tlib-browser.js', url));
    expect(await bundle.text()).toContain('GatewayConnection');
    // The commands work: a call placed from standard input is answered on stderr with its ConnID.
    child.stdin!.write('call\n');
    await until(() => /ringing 1001: [0-9a-f]{16}/.test(err), 'the call placed', 30_000);
    // A command that fails says why and the demo goes on; a killed server comes back with restart.
    child.stdin!.write('answer 00000000deadbeef\n');
    await until(() => /answer 00000000deadbeef: .+/.test(err), 'the failed answer explained', 30_000);
    child.stdin!.write('kill\n');
    await until(() => /killed; primary now tserver-b/.test(err), 'the primary killed', 30_000);
    child.stdin!.write('restart\n');
    await until(() => /tserver-a listening again as backup/.test(err), 'the killed server back', 30_000);
    child.stdin!.write('call\n');
    await until(() => (err.match(/ringing 1001: /g) ?? []).length === 2, 'a call on the new primary', 30_000);
    expect(child.exitCode).toBeNull();
  }, 90_000);
});
