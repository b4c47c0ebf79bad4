// Runs the web desktop example as a user would (`node --import tsx web-desktop/server.ts`), reads
// the page's URL from its standard output, fetches the page, its script and the browser bundle it
// serves, then types `quit` and expects exit code 0. Every wait is bounded.
// usage: node drive-web-desktop.mjs <path to server.ts>
import { spawn } from 'node:child_process';

const server = process.argv[2];
if (!server) throw new Error('usage: node drive-web-desktop.mjs <path to server.ts>');
const child = spawn(process.execPath, ['--import', 'tsx', server], { stdio: ['pipe', 'pipe', 'inherit'] });
const deadline = setTimeout(() => {
  child.kill('SIGKILL');
  console.error('web desktop: no URL and clean exit within 90 s');
  process.exit(1);
}, 90_000);

let out = '';
const url = await new Promise((resolve, reject) => {
  child.stdout.on('data', (chunk) => {
    out += chunk;
    const found = /http:\/\/127\.0\.0\.1:\d+\/\S*/.exec(out);
    if (found) resolve(found[0]);
  });
  child.on('exit', (code) => reject(new Error(`web desktop exited (${code}) before printing its URL:\n${out}`)));
});
const base = new URL(url);
for (const [file, mustHave] of [
  [base.href, '<script'],
  [new URL('/app.js', base).href, 'GatewayConnection'],
  [new URL('/tlib-browser.js', base).href, 'GatewayConnection'],
]) {
  const res = await fetch(file);
  const text = await res.text();
  if (res.status !== 200 || !text.includes(mustHave)) throw new Error(`${file}: HTTP ${res.status}, ${text.length} chars, no ${mustHave}`);
  console.log(`${new URL(file).pathname}: HTTP 200, ${text.length} chars`);
}
child.stdin.end('quit\n');
const code = await new Promise((resolve) => child.on('exit', resolve));
clearTimeout(deadline);
if (code !== 0) throw new Error(`web desktop exited with ${code}`);
console.log('web desktop: page served, quit with exit code 0');
