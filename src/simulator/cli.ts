/**
 * `tlib-sim [--pair] [--port N] [--host 127.0.0.1]`: one simulator, or a hot-standby pair, until
 * SIGINT/SIGTERM (or `io.signal` aborts): the simulator command to embed in a program or test (a
 * free port by default). The `tlib sim` and `tlib-sim` bins run src/cli/sim.ts instead, which adds
 * the standard-input commands (call, kill, restart…) and listens on 127.0.0.1:7000 by default.
 */
import { parseArgs } from 'node:util';
import { HotStandbyPair } from './pair.js';
import { SIMULATOR_DEFAULTS } from './options.js';
import { TServerSimulator } from './server.js';

/** runSimCli's usage text. */
export const SIM_CLI_USAGE = `usage: tlib-sim [--pair] [--port N] [--host HOST] [--link-down] [--repeat-on-promotion N]

  --pair                   start a hot-standby pair (backup on port N+1, or ephemeral with port 0)
  --port N                 port of the (primary) server; 0 = ephemeral (default 0)
  --host HOST              interface to listen on (default ${SIMULATOR_DEFAULTS.host})
  --link-down              start with the CTI link down
  --repeat-on-promotion N  pair only: events the new primary repeats on promotion (default 0)
  -h, --help               this text

Runs until SIGINT or SIGTERM, then stops cleanly.`;

/** Where runSimCli writes, and what stops it. */
export interface SimCliIO {
  /** Where status lines go. Default: console.log. */
  out?: (line: string) => void;
  /** Where errors go. Default: console.error. */
  err?: (line: string) => void;
  /** Stops the simulator when aborted, as SIGINT/SIGTERM do. */
  signal?: AbortSignal;
  /** Called once every server listens. */
  onReady?: (started: { servers: TServerSimulator[]; pair: HotStandbyPair | undefined }) => void;
  /** Listen for SIGINT/SIGTERM on `process`. Default true. */
  handleSignals?: boolean;
}

function parsePort(value: string | undefined, what: string): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n > 65535) throw new Error(`${what} must be an integer 0–65535, got ${value}`);
  return n;
}

/** Runs the simulator CLI; resolves with the exit code once stopped. */
export async function runSimCli(argv: readonly string[], io: SimCliIO = {}): Promise<number> {
  const out = io.out ?? ((line: string) => console.log(line));
  const err = io.err ?? ((line: string) => console.error(line));
  let pairMode: boolean;
  let port: number;
  let host: string;
  let linkUp: boolean;
  let repeat: number;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        pair: { type: 'boolean', default: false },
        port: { type: 'string' },
        host: { type: 'string' },
        'link-down': { type: 'boolean', default: false },
        'repeat-on-promotion': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      out(SIM_CLI_USAGE);
      return 0;
    }
    pairMode = values.pair === true;
    port = parsePort(values.port, '--port');
    if (pairMode && port === 65535) throw new Error('--port 65535 leaves no port for the backup');
    host = values.host ?? SIMULATOR_DEFAULTS.host;
    linkUp = values['link-down'] !== true;
    repeat = parsePort(values['repeat-on-promotion'], '--repeat-on-promotion');
  } catch (e) {
    err(`tlib-sim: ${(e as Error).message}`);
    err(SIM_CLI_USAGE);
    return 2;
  }

  let servers: TServerSimulator[];
  let pair: HotStandbyPair | undefined;
  try {
    if (pairMode) {
      pair = await HotStandbyPair.start({ host, ports: [port, port === 0 ? 0 : port + 1], linkUp, repeatOnPromotion: repeat });
      servers = [pair.a, pair.b];
      out(`tlib-sim: primary listening on ${pair.a.url}`);
      out(`tlib-sim: backup listening on ${pair.b.url}`);
    } else {
      const server = new TServerSimulator({ host, port, linkUp });
      await server.start();
      servers = [server];
      out(`tlib-sim: primary listening on ${server.url}`);
    }
  } catch (e) {
    err(`tlib-sim: cannot start: ${(e as Error).message}`);
    return 1;
  }
  io.onReady?.({ servers, pair });

  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      io.signal?.removeEventListener('abort', done);
      resolve();
    };
    if (io.handleSignals !== false) {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    }
    if (io.signal?.aborted) done();
    else io.signal?.addEventListener('abort', done, { once: true });
  });

  await (pair ? pair.stop() : Promise.all(servers.map((s) => s.stop())));
  out('tlib-sim: stopped');
  return 0;
}
