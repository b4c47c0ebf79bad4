/**
 * The browser build pulls nothing from Node: built with the package's own browser settings
 * (tsup.config.ts `browserBuild`), the file imports no module, and it runs in a context that has
 * only what a browser has (no process, Buffer, require): GatewayConnection validates, queues and
 * settles requests there.
 */
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBrowserBundle } from '../../examples/web-desktop/server.js';

let code = '';
beforeAll(async () => {
  code = await buildBrowserBundle();
}, 60_000);

/** The bundle as a script in a context of browser globals; its exports and a way to run code there. */
function loadInBrowserLikeContext(): { m: Record<string, any>; run: (code: string) => any } {
  const exportsAt = code.lastIndexOf('export {');
  expect(exportsAt).toBeGreaterThan(0);
  const names = code
    .slice(exportsAt + 'export {'.length, code.indexOf('}', exportsAt))
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const body = `${code.slice(0, exportsAt)}\nglobalThis.__exports = { ${names.map((n) => n.replace(/^(\S+) as (\S+)$/, '$2: $1')).join(', ')} };`;
  class NeverOpens {
    readyState = 0;
    send() {}
    close() {}
  }
  const context = vm.createContext({
    console,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    queueMicrotask,
    TextEncoder,
    TextDecoder,
    AbortController,
    AbortSignal,
    URL,
    btoa,
    atob,
    WebSocket: NeverOpens,
  });
  vm.runInContext(body, context, { filename: 'tlib-browser.js' });
  // Objects made in this realm fail the bundle's plain-object checks: arguments are made in its realm.
  return { m: (context as { __exports: Record<string, any> }).__exports, run: (snippet) => vm.runInContext(snippet, context) };
}

describe('the browser build', () => {
  it('imports no module: everything it needs is bundled, nothing is Node’s', () => {
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).not.toMatch(/\bfrom\s*["'][^"']+["']/);
    expect(code).not.toMatch(/require\(\s*["']/);
    expect(code).not.toMatch(/["']node:/);
    // Node's globals: a browser has none of them.
    expect(code).not.toMatch(/\b(process|Buffer|__dirname|setImmediate)\b/);
  });

  it('runs with browser globals only: validates, queues and settles requests', async () => {
    const { m, run } = loadInBrowserLikeContext();
    expect(typeof m.GatewayConnection).toBe('function');
    const conn = run(`globalThis.conn = new __exports.GatewayConnection('ws://127.0.0.1:1/tlib', { token: 'pässwörd' })`);
    expect(typeof conn.answerCall).toBe('function');
    expect(typeof conn.initiateTransfer).toBe('function');
    const opening = conn.open().catch((e: unknown) => e);
    const invalid = await run(`conn.agentNotReady('1001', { reasons: [['Code', {}]] })`).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(m.InvalidArgumentError);
    const queued = run(`conn.agentNotReady('1001', { reasons: [['Code', 'Break']] })`).catch((e: unknown) => e);
    expect(conn.state.queued).toBe(1);
    await conn.close();
    expect(await queued).toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    await opening;
  });
});
