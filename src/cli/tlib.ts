#!/usr/bin/env node
/**
 * The `tlib` command:
 *   tlib sim [--pair] [--port N] [--script FILE] …         a simulator, driven by commands on stdin
 *   tlib monitor --primary host:port [--backup host:port] --dn DN [--dn DN …] [--json] [--app NAME]
 *
 * Everything is in exported functions (argument parsing, formatting, the commands themselves) so
 * tests call them in-process; the few lines at the bottom run them when this file is the program.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TServerConnection } from '../connection/connection.js';
import { ConnectionClosedError } from '../errors.js';
import { runDemo } from './demo.js';
import { usageErrorLines, usageProblem } from './usage.js';
import { checkHostPort } from './endpoint.js';
import { eventToJsonLine, formatEventLine } from '../format/event-line.js';
import { runSim } from './sim.js';

export { eventToJsonLine, formatEventLine, timeToIso, toJsonValue } from '../format/event-line.js';

/** Exit codes, for scripts. */
export const EXIT = {
  /** Stopped cleanly (SIGINT/SIGTERM), or --help. */
  OK: 0,
  /** Could not connect to any server, or a DN could not be registered. */
  CONNECT_FAILED: 1,
  /** Bad command line. */
  USAGE: 2,
} as const;

const EXIT_CODES = `exit codes:
  0  stopped cleanly (SIGINT/SIGTERM), or --help / --version
  1  could not connect to any server, or a DN could not be registered
  2  usage error (unknown command or option, bad host:port, no --dn)`;

export const TLIB_USAGE = `usage: tlib <command> [options]

commands:
  sim       run a T-Server simulator (one server, or a hot-standby pair with --pair)
  monitor   connect to a T-Server (pair), register DNs and print their events until stopped
  demo      an agent desktop through a kill of its primary, against a simulator pair in-process

tlib <command> --help shows the command's own page.

options:
  -h, --help      this text
  -v, --version   the version of tlib-client

${EXIT_CODES}`;

export const MONITOR_USAGE = `usage: tlib monitor --primary host:port [--backup host:port] --dn DN [--dn DN ...] [--json] [--app NAME]

  --primary host:port   the primary T-Server
  --backup host:port    the backup T-Server (else learned from the primary, if it has one)
  --dn DN               a DN to register and monitor; repeat for more (at least one)
  --json                one JSON object per event and line (kvlists as [key, value] pairs,
                        times as ISO 8601 strings, binary values as base64)
  --app NAME            ApplicationName sent to the server (default tlib-monitor)
  -h, --help            this text

Events go to stdout, one per line; status and errors go to stderr. Runs until SIGINT (Ctrl-C) or
SIGTERM, then closes the connection and exits 0. Failovers between the pair and reconnects are
followed; the monitor keeps running through them, naming the servers each attempt tried.

example: tlib monitor --primary 127.0.0.1:7000 --backup 127.0.0.1:7001 --dn 1001

${EXIT_CODES}`;

export const DEMO_USAGE = `usage: tlib demo

Starts a simulated hot-standby pair on 127.0.0.1 (free ports) and an agent desktop in this process,
places five calls, kills the primary during the third, and shows the desktop carrying on: one line
per event, the failover gap, the resync summary. Ends with a DEMO OK line and exit code 0, or a
FAILED line and exit code 1.`;

/** A bad command line: the message says what is wrong. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface MonitorOptions {
  primary: string;
  backup: string | undefined;
  dns: string[];
  json: boolean;
  applicationName: string;
}

/** Parses `tlib monitor`'s arguments (after the word `monitor`). Throws UsageError. */
export function parseMonitorArgs(argv: readonly string[]): MonitorOptions {
  const parse = () =>
    parseArgs({
      args: [...argv],
      options: {
        primary: { type: 'string' },
        backup: { type: 'string' },
        dn: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        app: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse());
  } catch (err) {
    throw new UsageError(usageProblem(err));
  }
  if (values.primary === undefined) throw new UsageError('--primary host:port is required');
  for (const [flag, value] of [
    ['--primary', values.primary],
    ['--backup', values.backup],
  ] as const) {
    if (value === undefined) continue;
    try {
      checkHostPort(value, flag);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const dns = values.dn ?? [];
  if (dns.length === 0) throw new UsageError('at least one --dn DN is required');
  const empty = dns.find((dn) => dn.trim() === '');
  if (empty !== undefined) throw new UsageError('--dn needs a non-empty DN');
  if (values.app !== undefined && values.app === '') throw new UsageError('--app needs a non-empty name');
  return {
    primary: values.primary,
    backup: values.backup,
    dns: [...new Set(dns)],
    json: values.json === true,
    applicationName: values.app ?? 'tlib-monitor',
  };
}

// ------------------------------------------------------------------ commands

export interface CliIO {
  /** Event lines. Default: process.stdout. */
  out?: (line: string) => void;
  /** Status and error lines. Default: process.stderr. */
  err?: (line: string) => void;
  /** Stops the command as SIGINT/SIGTERM does. */
  signal?: AbortSignal;
  /** Listen for SIGINT/SIGTERM on `process`. Default true. */
  handleSignals?: boolean;
  /** Called once the monitor is connected and its DNs are registered (tests). */
  onReady?: (conn: TServerConnection) => void;
  /** `tlib sim`'s commands. Default process.stdin; null reads none. */
  input?: NodeJS.ReadableStream | null;
  /** Connection options tests may override (timeouts). */
  connectionOptions?: Partial<ConstructorParameters<typeof TServerConnection>[0]>;
}

const writeOut = (line: string) => void process.stdout.write(`${line}\n`);
const writeErr = (line: string) => void process.stderr.write(`${line}\n`);

/** Resolves when SIGINT/SIGTERM arrives or `signal` aborts; `dispose` removes the listeners. */
function stopRequest(io: CliIO): { stopped: Promise<string>; controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  let resolve!: (why: string) => void;
  const stopped = new Promise<string>((r) => (resolve = r));
  const stop = (why: string) => {
    if (!controller.signal.aborted) controller.abort(new Error(why));
    resolve(why);
  };
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  const onAbort = () => stop('aborted');
  if (io.handleSignals !== false) {
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  }
  if (io.signal?.aborted) stop('aborted');
  else io.signal?.addEventListener('abort', onAbort, { once: true });
  const dispose = () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    io.signal?.removeEventListener('abort', onAbort);
  };
  return { stopped, controller, dispose };
}

/**
 * `tlib monitor`'s reconnect lines: the SDK dials the servers of the pair in turn, so each line
 * names every server tried since the last connect, not only the one this attempt dialled.
 */
export function reconnectReport(): {
  connected(): void;
  failed(f: { server: string; attempt: number; error: Error }): string;
} {
  const tried = new Set<string>();
  return {
    connected: () => tried.clear(),
    failed: (f) => {
      for (const server of f.server.split(', ')) tried.add(server);
      return `reconnect attempt ${f.attempt} failed (tried ${[...tried].join(' and ')}): ${f.error.message}`;
    },
  };
}

/** `tlib monitor`: resolves with the exit code (see EXIT). */
export async function runMonitor(options: MonitorOptions, io: CliIO = {}): Promise<number> {
  const out = io.out ?? writeOut;
  const err = io.err ?? writeErr;
  const { stopped, controller, dispose } = stopRequest(io);
  const conn = new TServerConnection({
    primary: options.primary,
    backup: options.backup,
    applicationName: options.applicationName,
    ...io.connectionOptions,
  });
  conn.on('event', (e) => out(options.json ? eventToJsonLine(e) : formatEventLine(e)));
  conn.on('resynced', (s) =>
    err(`tlib monitor: resynced on ${s.server} in ${s.durationMs} ms (${s.dns} DNs, ${s.calls} calls, ${s.errors.length} errors)`),
  );
  const reconnects = reconnectReport();
  conn.on('EventServerConnected', () => reconnects.connected());
  conn.on('reconnectFailed', (f) => err(`tlib monitor: ${reconnects.failed(f)}`));
  // Redundancy as it comes and goes: the silent session to the other server of the pair.
  let standby: string | undefined;
  conn.on('stateChange', (s) => {
    if (s.standby === standby) return;
    standby = s.standby;
    err(`tlib monitor: ${standby ? `standby session open on ${standby}` : 'no standby session'}`);
  });
  conn.on('protocolWarning', (w) => err(`tlib monitor: protocol warning ${w.code} from ${w.server}: ${w.detail}`));
  conn.on('error', (e) => err(`tlib monitor: ${e.code}: ${e.message}`));
  try {
    try {
      await conn.open({ signal: controller.signal });
    } catch (e) {
      if (controller.signal.aborted) {
        err('tlib monitor: stopped while connecting');
        return EXIT.OK;
      }
      const servers = [options.primary, ...(options.backup ? [options.backup] : [])].join(' or ');
      err(`tlib monitor: could not connect to ${servers}: ${(e as Error).message}`);
      return EXIT.CONNECT_FAILED;
    }
    const results = await Promise.allSettled(options.dns.map((dn) => conn.registerAddress(dn, {}, { signal: controller.signal })));
    if (controller.signal.aborted) {
      err('tlib monitor: stopped');
      return EXIT.OK;
    }
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${options.dns[i]}: ${(r.reason as Error).message}`] : []));
    if (failed.length > 0) {
      err(`tlib monitor: could not register ${failed.join('; ')}`);
      return EXIT.CONNECT_FAILED;
    }
    err(`tlib monitor: connected to ${conn.state.active}, monitoring DN ${options.dns.join(', ')}; Ctrl-C to stop`);
    io.onReady?.(conn);
    // The connection follows failovers and reconnects by itself; with the default reconnect policy
    // (retries: Infinity) it only closes when we close it. Should it give up, its status is 'closed'.
    const closedByItself = new Promise<string>((resolve) =>
      conn.on('stateChange', (s) => {
        if (s.status === 'closed') resolve('closed');
      }),
    );
    const why = await Promise.race([stopped, closedByItself]);
    if (why === 'closed') {
      err('tlib monitor: the connection closed (reconnect gave up)');
      return EXIT.CONNECT_FAILED;
    }
    err(`tlib monitor: ${why}, stopped`);
    return EXIT.OK;
  } finally {
    dispose();
    await conn.close().catch((e: unknown) => {
      if (!(e instanceof ConnectionClosedError)) err(`tlib monitor: close: ${(e as Error).message}`);
    });
  }
}

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The whole `tlib` command: resolves with the exit code. */
export async function runTlib(argv: readonly string[], io: CliIO = {}): Promise<number> {
  const out = io.out ?? writeOut;
  const err = io.err ?? writeErr;
  const [command, ...rest] = argv;
  switch (command) {
    case '-h':
    case '--help':
    case 'help':
      out(TLIB_USAGE);
      return EXIT.OK;
    case '-v':
    case '--version':
      out(packageVersion());
      return EXIT.OK;
    case 'demo':
      if (rest.length > 0 && !(rest.length === 1 && (rest[0] === '-h' || rest[0] === '--help'))) {
        err(usageErrorLines('tlib demo', new Error(`takes no arguments, got ${JSON.stringify(rest.join(' '))}`)));
        return EXIT.USAGE;
      }
      if (rest.length === 1) {
        out(DEMO_USAGE);
        return EXIT.OK;
      }
      return runDemo({ out });
    case 'sim':
      return runSim(rest, { out, err, signal: io.signal, handleSignals: io.handleSignals, input: io.input });
    case 'monitor': {
      if (rest.includes('-h') || rest.includes('--help')) {
        out(MONITOR_USAGE);
        return EXIT.OK;
      }
      let options: MonitorOptions;
      try {
        options = parseMonitorArgs(rest);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        err(usageErrorLines('tlib monitor', e));
        return EXIT.USAGE;
      }
      return runMonitor(options, io);
    }
    case undefined:
      err(TLIB_USAGE);
      return EXIT.USAGE;
    default:
      err(`tlib: unknown command ${JSON.stringify(command)} (commands: sim, monitor, demo)\nsee \`tlib --help\``);
      return EXIT.USAGE;
  }
}

/** True when this file is the program (`tlib`, `node dist/cli/tlib.js`, `tsx src/cli/tlib.ts`), not an import. */
function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // `tlib monitor --json | head`: a closed pipe is a normal way to stop.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.OK);
    throw e;
  });
  runTlib(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error('tlib:', e);
      process.exitCode = 1;
    },
  );
}
