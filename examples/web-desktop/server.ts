/**
 * A web agent desktop: the gateway on a simulated hot-standby pair, serving one static page (no
 * framework) that shows the agent's state and calls, with buttons for ready / not ready with a
 * reason, answer, hold / retrieve, transfer, conference and release.
 *
 *   npm run web-demo        # prints the page's URL; then type `call` to ring the agent, `kill` to kill the primary, `restart` to bring it back
 *
 * The page loads `tlib-client/browser` (buildBrowserBundle: the installed package's browser build, or
 * in this repository a build of src/) and opens a GatewayConnection to this server's /tlib with its
 * token. Everything runs on 127.0.0.1. `startWebDesktop()` is what the browser test drives.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TServerConnection } from 'tlib-client';
import { createGateway, tokenFromRequest, type Gateway } from 'tlib-client/gateway';
import { HotStandbyPair } from 'tlib-client/simulator';

const USAGE = `usage: npm run web-demo    (or npx tsx examples/web-desktop/server.ts; PORT=8080 to choose the port)

Starts a simulated T-Server pair, a gateway and a web page for agent 1001, and prints the page's
URL. Commands on standard input: call (ring 1001), answer <connid> (the DN ringing answers: a
transfer's or conference's target), kill (kill the primary), restart (bring a killed server back,
as backup), restart-gateway (replace the gateway with a second one), quit.`;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');

/** Demo tokens: in a real deployment `authenticate` checks a session cookie or a signed token. */
const AGENTS: Record<string, { id: string; dn: string; agentId: string }> = {
  'demo-token-1001': { id: 'agent-1001', dn: '1001', agentId: 'A1001' },
  'demo-token-1002': { id: 'agent-1002', dn: '1002', agentId: 'A1002' },
};

export interface WebDesktop {
  pair: HotStandbyPair;
  /** The page for agent 1001 (its token in the query string, for the demo only). */
  url: string;
  /** The current gateway (replaced by restartGateway). */
  gateway: Gateway;
  /** Stops the gateway and its connection, as if its process died (the page keeps running). */
  stopGateway(): Promise<void>;
  /** Starts another gateway, with a connection of its own, on the same address. */
  startGateway(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The page's copy of `tlib-client/browser`. From an installed package it is the package's own
 * browser build (dist/browser/index.js: one self-contained ES module). In this repository, where
 * src/ sits beside the example, it is built from the source with the package's browser build
 * settings (tsup.config.ts), so the page always runs the code beside it.
 */
export async function buildBrowserBundle(): Promise<string> {
  const source = path.join(ROOT, 'src/browser/index.ts');
  if (!existsSync(source)) return readFile(fileURLToPath(import.meta.resolve('tlib-client/browser')), 'utf8');
  // Build tools of this repository, loaded only here: an installed package needs neither.
  const [{ build }, { browserBuild }] = await Promise.all([import('tsup'), import(path.join(ROOT, 'tsup.config.ts'))]);
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'tlib-web-desktop-'));
  try {
    await build({
      ...browserBuild,
      entry: { 'tlib-browser': source },
      format: ['esm'],
      noExternal: [...browserBuild.noExternal],
      outDir,
      config: false,
      silent: true,
      dts: false,
      tsconfig: path.join(ROOT, 'tsconfig.json'),
    });
    return await readFile(path.join(outDir, 'tlib-browser.js'), 'utf8');
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

export async function startWebDesktop(options: { port?: number } = {}): Promise<WebDesktop> {
  const [bundle, page, app] = await Promise.all([
    buildBrowserBundle(),
    readFile(path.join(HERE, 'index.html'), 'utf8'),
    readFile(path.join(HERE, 'app.js'), 'utf8'),
  ]);
  const files: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', page],
    '/app.js': ['text/javascript; charset=utf-8', app],
    '/tlib-browser.js': ['text/javascript; charset=utf-8', bundle],
  };
  const server: Server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]];
    if (!file) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': file[0], 'Cache-Control': 'no-store' }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const pair = await HotStandbyPair.start();
  let conn: TServerConnection | undefined;
  let gateway: Gateway | undefined;
  const startGateway = async () => {
    conn = new TServerConnection({ primary: pair.addresses.primary, backup: pair.addresses.backup, applicationName: 'web-desktop' });
    await conn.open();
    gateway = await createGateway({
      connection: conn,
      server,
      path: '/tlib',
      // Only pages served here may open the WebSocket.
      origins: [`http://127.0.0.1:${port}`],
      authenticate: (req) => {
        const agent = AGENTS[tokenFromRequest(req) ?? ''];
        return agent && { id: agent.id };
      },
      authorize: (identity) => {
        const agent = Object.values(AGENTS).find((a) => a.id === identity.id);
        return agent && { dns: [agent.dn], agentIds: [agent.agentId] };
      },
    });
  };
  const stopGateway = async () => {
    await gateway?.close();
    await conn?.close();
    gateway = undefined;
    conn = undefined;
  };
  await startGateway();
  return {
    pair,
    url: `http://127.0.0.1:${port}/?token=demo-token-1001`,
    get gateway() {
      return gateway!;
    },
    stopGateway,
    startGateway,
    async close() {
      await stopGateway();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pair.stop();
    },
  };
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const desk = await startWebDesktop({ port: Number(process.env.PORT ?? 0) });
  console.log(desk.url);
  console.error(
    'commands: call (ring agent 1001), answer <connid>, kill (kill the primary), restart (the killed server), restart-gateway, quit',
  );
  const quit = async () => {
    await desk.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void quit());
  process.on('SIGTERM', () => void quit());
  // Commands on standard input; without one (closed stdin) the demo runs until a signal. A command
  // that fails says why and the demo goes on.
  let n = 0;
  const run = async (cmd: string): Promise<string | undefined> => {
    const [word, arg] = cmd.split(/\s+/);
    const pair = desk.pair;
    switch (word) {
      case 'call':
        return `ringing 1001: ${pair.placeCall('1001', { from: `+1555000${n++ % 10}` })}`;
      case 'answer':
        if (!arg) return 'usage: answer <connid>';
        pair.answerCall(arg);
        return `answered: ${arg}`;
      case 'kill':
        if (!pair.primary.isRunning) return 'no primary runs: restart first';
        await pair.killPrimary();
        return `killed; primary now ${pair.primary.isRunning ? pair.primary.name : 'none'}`;
      case 'restart': {
        const stopped = [pair.a, pair.b].filter((s) => !s.isRunning);
        if (stopped.length === 0) return 'both servers run: kill one first';
        for (const s of stopped) await pair.restart(s);
        return stopped.map((s) => `${s.name} listening again as ${s.role}`).join('; ');
      }
      case 'restart-gateway':
        await desk.stopGateway();
        await desk.startGateway();
        return 'a new gateway serves the page';
      case 'quit':
        await quit();
        return undefined;
      default:
        return cmd ? `unknown command: ${cmd}` : undefined;
    }
  };
  createInterface({ input: process.stdin }).on('line', (line) => {
    run(line.trim()).then(
      (said) => said && console.error(said),
      (err: unknown) => console.error(`${line.trim()}: ${(err as Error).message}`),
    );
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
