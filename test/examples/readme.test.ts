/**
 * The README against the code it describes: the two quick-start commands, the options table
 * against DEFAULTS, the errors table against the exported classes, the examples listed against
 * the files, the linked docs against the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as sdk from '../../src/index.js';
import { DEFAULTS } from '../../src/index.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
/** Where the README's links point: the repository named in package.json, on GitHub. */
const REPO = 'https://github.com/tlib-client/tlib-client/blob/main/';

/** The README's table row whose first cell is `name` (in backticks). */
function row(name: string): string {
  const line = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
  if (!line) throw new Error(`README has no table row for ${name}`);
  return line;
}

describe('README', () => {
  it('has the two quick-start commands as code lines', () => {
    const lines = readme.split('\n');
    expect(lines).toContain('npm ci && npm run demo');
    expect(lines).toContain('npm ci && npm test');
  });

  it('options table shows the defaults of DEFAULTS', () => {
    expect(row('applicationName')).toContain(`\`'${DEFAULTS.applicationName}'\``);
    expect(row('requestTimeoutMs')).toContain(`\`${DEFAULTS.requestTimeoutMs}\``);
    expect(row('connectTimeoutMs')).toContain(`\`${DEFAULTS.connectTimeoutMs}\``);
    expect(row('addp')).toContain(`\`{ timeoutMs: ${DEFAULTS.addp.timeoutMs}, remoteTimeoutMs: ${DEFAULTS.addp.remoteTimeoutMs} }\``);
    const r = DEFAULTS.reconnect;
    expect(row('reconnect')).toContain(
      `\`{ retries: Infinity, minTimeoutMs: ${r.minTimeoutMs}, maxTimeoutMs: ${r.maxTimeoutMs}, factor: ${r.factor}, randomize: ${r.randomize} }\``,
    );
    expect(r.retries).toBe(Infinity);
    expect(row('offlineQueue')).toContain(`\`{ limit: ${DEFAULTS.offlineQueueLimit} }\``);
    expect(row('validation')).toContain(`\`'${DEFAULTS.validation}'\``);
    expect(row('resyncOnReconnect')).toContain(`\`${DEFAULTS.resyncOnReconnect}\``);
    expect(row('maxFrameBytes')).toContain(`\`${DEFAULTS.maxFrameBytes}\``);
    // Every option of TServerConnectionOptions has a row.
    for (const option of ['primary', 'backup', 'tls', 'allowedBackupHosts', 'codec']) expect(() => row(option)).not.toThrow();
  });

  it('errors table lists every exported error class with its code', () => {
    const classes = Object.entries(sdk).filter(([, v]) => typeof v === 'function' && v.prototype instanceof sdk.TlibError) as [
      string,
      new (...args: never[]) => sdk.TlibError,
    ][];
    expect(classes.length).toBeGreaterThanOrEqual(12);
    for (const [name] of classes) expect(() => row(name), name).not.toThrow();
    expect(row('TServerError')).toContain('`ERR_TSERVER`');
    expect(row('RequestInterruptedError')).toContain('`ERR_REQUEST_INTERRUPTED`');
    expect(row('ConnectError')).toContain('`ERR_CONNECT`');
  });

  it('lists every example, and every file and doc it links exists', () => {
    const examples = readdirSync(new URL('examples/', root)).filter((f) => f.endsWith('.ts'));
    for (const f of examples) expect(readme, f).toContain(`${REPO}examples/${f})`);
    const links = [...readme.matchAll(/\]\(https:\/\/github\.com\/tlib-client\/tlib-client\/blob\/main\/([^)#]+)(?:#[^)]*)?\)/g)].map(
      (m) => m[1],
    );
    expect(links.length).toBeGreaterThan(10);
    for (const link of links) expect(existsSync(new URL(link, root)), link).toBe(true);
  });

  it('links work from the package page: no link into the repository is relative', () => {
    const relative = [...readme.matchAll(/\]\((?!https?:\/\/|#)([^)]+)\)/g)].map((m) => m[1]);
    expect(relative).toEqual([]);
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { repository: { url: string } };
    expect(pkg.repository.url).toBe(`git+${REPO.replace(/\/blob\/main\/$/, '')}.git`);
  });

  it('names the debug namespaces the code uses', () => {
    for (const ns of ['tlib:connection', 'tlib:transport', 'tlib:codec', 'tlib:addp', 'tlib:data', 'tlib:sim'])
      expect(readme).toContain(`\`${ns}\``);
  });
});
