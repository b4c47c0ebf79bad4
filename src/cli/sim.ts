/**
 * `tlib sim` (also the `tlib-sim` bin): a simulator, or a hot-standby pair, controlled from
 * standard input or a script (sim-controls.ts) until `quit`, SIGINT or SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { HotStandbyPair } from '../simulator/pair.js';
import { SIMULATOR_DEFAULTS } from '../simulator/options.js';
import { TServerSimulator } from '../simulator/server.js';
import { runSimCommand, SIM_COMMANDS_HELP, type SimTarget } from './sim-controls.js';
import { usageErrorLines } from './usage.js';

/** The port `tlib sim` listens on when none is given: the README's snippet connects there. */
export const SIM_DEFAULT_PORT = 7000;

/** Where `tlib sim`'s routing points send a call nobody routes: the DN the README's examples ring. */
export const SIM_DEFAULT_ROUTE = '1001';

export function simUsage(command = 'tlib sim', defaultPort = SIM_DEFAULT_PORT): string {
  return `usage: ${command} [--pair] [--port N] [--host HOST] [--link-down] [--repeat-on-promotion N] [--route-default DN] [--script FILE]

  --pair                   a hot-standby pair: the primary on port N, the backup on N+1
  --port N                 port of the (primary) server; 0 = any free port (default ${defaultPort})
  --host HOST              interface to listen on (default ${SIMULATOR_DEFAULTS.host})
  --link-down              start with the CTI link down
  --repeat-on-promotion N  pair only: events the new primary repeats on promotion (default 0)
  --route-default DN       where routing points send a call nobody routes (a route handler's null, or
                           none in time); none = released (default ${SIM_DEFAULT_ROUTE})
  --script FILE            run the commands in FILE first (with sleep <ms> between them), then read standard input
  -h, --help               this text

Runs until quit, SIGINT (Ctrl-C) or SIGTERM, then stops cleanly. Type commands on standard input:

${SIM_COMMANDS_HELP}

example: ${command} --pair   then type   call 1001 from 5551234 data Queue=Support   and   kill`;
}

export interface SimIO {
  /** Status and command output. Default: console.log. */
  out?: (line: string) => void;
  /** Errors. Default: console.error. */
  err?: (line: string) => void;
  /** Stops the simulator when aborted, as SIGINT/SIGTERM and `quit` do. */
  signal?: AbortSignal;
  /** Listen for SIGINT/SIGTERM on `process`. Default true. */
  handleSignals?: boolean;
  /** Where commands come from. Default process.stdin; null reads none. */
  input?: NodeJS.ReadableStream | null;
  /** Called once every server listens. */
  onReady?: (target: SimTarget) => void;
  /** The command's name in messages: 'tlib sim' (default) or 'tlib-sim'. */
  command?: string;
  /** Called as each command starts, with its line (before its outcome is printed). */
  onCommand?: (line: string) => void;
  /** How `sleep <ms>` waits; it must end when `signal` aborts. Default: a timer. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Port when --port is not given. Default 7000 (SIM_DEFAULT_PORT); the older `tlib-sim` bin keeps 0. */
  defaultPort?: number;
}

interface SimArgs {
  pair: boolean;
  port: number;
  host: string;
  linkUp: boolean;
  repeat: number;
  script: string | undefined;
  /** The switch's default route destination (undefined: an unrouted call is released). */
  routeDefault: string | undefined;
}

function wholeNumber(value: string, what: string, max: number): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n > max) throw new Error(`${what} must be a whole number from 0 to ${max}, got "${value}"`);
  return n;
}

/** Parses the arguments; throws an Error whose message says what is wrong. */
export function parseSimArgs(argv: readonly string[], defaultPort = SIM_DEFAULT_PORT): SimArgs | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      pair: { type: 'boolean', default: false },
      port: { type: 'string' },
      host: { type: 'string' },
      'link-down': { type: 'boolean', default: false },
      'repeat-on-promotion': { type: 'string' },
      script: { type: 'string' },
      'route-default': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const pair = values.pair === true;
  if (!pair && values['repeat-on-promotion'] !== undefined)
    throw new Error('--repeat-on-promotion needs --pair (a lone server is never promoted)');
  const port = values.port === undefined ? defaultPort : wholeNumber(values.port, '--port', 65535);
  if (pair && port === 65535) throw new Error('--port 65535 leaves no port for the backup');
  if (values.script === '') throw new Error('--script needs a file name');
  return {
    pair,
    port,
    host: values.host ?? SIMULATOR_DEFAULTS.host,
    linkUp: values['link-down'] !== true,
    repeat: values['repeat-on-promotion'] === undefined ? 0 : wholeNumber(values['repeat-on-promotion'], '--repeat-on-promotion', 1000),
    script: values.script,
    routeDefault: routeDefaultOf(values['route-default']),
  };
}

/** --route-default: a DN of 1–15 digits, or none. */
function routeDefaultOf(value: string | undefined): string | undefined {
  if (value === undefined) return SIM_DEFAULT_ROUTE;
  if (value === 'none') return undefined;
  if (!SIMULATOR_DEFAULTS.knownDN(value)) throw new Error(`--route-default must be a DN (1–15 digits) or none, got "${value}"`);
  return value;
}

async function start(args: SimArgs): Promise<SimTarget> {
  if (args.pair) {
    const pair = await HotStandbyPair.start({
      host: args.host,
      ports: [args.port, args.port === 0 ? 0 : args.port + 1],
      linkUp: args.linkUp,
      repeatOnPromotion: args.repeat,
      defaultRouteDestination: args.routeDefault,
    });
    return { pair };
  }
  const server = new TServerSimulator({
    host: args.host,
    port: args.port,
    linkUp: args.linkUp,
    defaultRouteDestination: args.routeDefault,
  });
  await server.start();
  return { server };
}

/** Runs the command; resolves with the exit code (0 stopped, 1 could not start, 2 usage). */
export async function runSim(argv: readonly string[], io: SimIO = {}): Promise<number> {
  const name = io.command ?? 'tlib sim';
  const out = io.out ?? ((line: string) => console.log(line));
  const err = io.err ?? ((line: string) => console.error(line));
  let args: SimArgs;
  let script: string[] = [];
  try {
    const parsed = parseSimArgs(argv, io.defaultPort);
    if (parsed === 'help') {
      out(simUsage(name, io.defaultPort));
      return 0;
    }
    args = parsed;
  } catch (e) {
    err(usageErrorLines(name, e));
    return 2;
  }
  if (args.script !== undefined) {
    try {
      script = (await readFile(args.script, 'utf8')).split(/\r?\n/);
    } catch (e) {
      err(`${name}: cannot read --script ${args.script}: ${(e as Error).message}`);
      return 2;
    }
  }

  // Listening for signals before the servers start: a SIGINT as soon as they print their address
  // must stop them cleanly, not kill the process.
  const stop = new AbortController();
  const stopped = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  const onSignal = (): void => stop.abort();
  const unlisten = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.signal?.removeEventListener('abort', onSignal);
  };
  if (io.handleSignals !== false) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  if (io.signal?.aborted) stop.abort();
  else io.signal?.addEventListener('abort', onSignal, { once: true });

  let target: SimTarget;
  try {
    target = await start(args);
  } catch (e) {
    unlisten();
    const hint = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ' (is another simulator running? --port 0 picks a free port)' : '';
    err(`${name}: cannot start: ${(e as Error).message}${hint}`);
    return 1;
  }
  if ('pair' in target) {
    out(`${name}: primary listening on ${target.pair.a.url} (${target.pair.a.name})`);
    out(`${name}: backup listening on ${target.pair.b.url} (${target.pair.b.name})`);
  } else {
    out(`${name}: listening on ${target.server.url} (${target.server.name})`);
  }
  out(`${name}: type help for the commands (call 1001, kill, …); quit or Ctrl-C to stop`);
  io.onReady?.(target);

  // One command at a time, in order: script lines first, then standard input.
  let queue: Promise<void> = Promise.resolve();
  const sleep = (ms: number) => (io.sleep ?? abortableSleep)(ms, stop.signal);
  const enqueue = (line: string): void => {
    queue = queue.then(async () => {
      if (stop.signal.aborted) return;
      io.onCommand?.(line);
      const result = await runSimCommand(target, line, sleep);
      const [first, ...more] = result.lines;
      if (first !== undefined) out(`${line.trim()} → ${first}`);
      for (const l of more) out(`  ${l}`);
      if (result.quit) stop.abort();
    });
  };
  for (const line of script) enqueue(line);
  const input = io.input === undefined ? process.stdin : io.input;
  const reader = input ? createInterface({ input, terminal: false }) : undefined;
  reader?.on('line', enqueue);

  await stopped;
  reader?.close();
  if (input === process.stdin) process.stdin.pause();
  unlisten();
  await queue;
  await ('pair' in target ? target.pair.stop() : target.server.stop());
  out(`${name}: stopped`);
  return 0;
}

/** Waits `ms`, or less when `signal` aborts (a stop must not wait for a script's sleep). */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  });
}
