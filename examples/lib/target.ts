/**
 * Shared by the examples: read `--primary host:port [--backup host:port]` from the command line,
 * or, when no --primary is given, start a HotStandbyPair in this process on 127.0.0.1 (ephemeral
 * ports) so the example runs on its own and can drive failovers.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkHostPort } from '../../src/cli/endpoint.js';
import { HotStandbyPair, type HotStandbyPairOptions } from '../../src/simulator/index.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export interface ExampleArgs {
  /** The T-Server to connect to; undefined means "start a simulator pair here". */
  primary: string | undefined;
  backup: string | undefined;
  /** Every parsed option, the example's own ones included. */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

const COMMON_OPTIONS = {
  primary: { type: 'string' },
  backup: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

/**
 * Parses the command line. Prints `usage` and exits 0 on --help; prints the problem and `usage`
 * and exits 2 on a bad argument (unknown option, malformed host:port).
 */
export function parseExampleArgs(argv: readonly string[], usage: string, extra: OptionsConfig = {}): ExampleArgs {
  try {
    const { values } = parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, ...extra }, strict: true, allowPositionals: false });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    const primary = values.primary as string | undefined;
    const backup = values.backup as string | undefined;
    if (backup !== undefined && primary === undefined) throw new Error('--backup needs --primary');
    if (primary !== undefined) checkHostPort(primary, '--primary');
    if (backup !== undefined) checkHostPort(backup, '--backup');
    return { primary, backup, values };
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${usage}`);
    process.exit(2);
  }
}

export interface Target {
  primary: string;
  backup: string | undefined;
  /** The in-process simulator pair, when no --primary was given. */
  pair: HotStandbyPair | undefined;
  /** Short name for a server address in logs ('tserver-a' for the simulator, else the address). */
  label(server: string): string;
  stop(): Promise<void>;
}

/** Connect to what the command line names, or start a simulator pair on 127.0.0.1. */
export async function startTarget(args: ExampleArgs, pairOptions: HotStandbyPairOptions = {}): Promise<Target> {
  if (args.primary !== undefined) {
    return { primary: args.primary, backup: args.backup, pair: undefined, label: (s) => s, stop: async () => {} };
  }
  const pair = await HotStandbyPair.start({ host: '127.0.0.1', ...pairOptions });
  const names = new Map([
    [pair.a.url, pair.a.name],
    [pair.b.url, pair.b.name],
  ]);
  return {
    primary: pair.addresses.primary,
    // Given explicitly here; a real client may leave it out and learn it from EventRestoreConnection.
    backup: pair.addresses.backup,
    pair,
    label: (s) => names.get(s) ?? s,
    stop: () => pair.stop(),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves on SIGINT/SIGTERM (for the examples run against a real server, which run until stopped). */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const done = (sig: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(sig);
    };
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

/**
 * A hard bound on the example's run time: if it is still running after `ms`, say so and exit 1.
 * The timer does not keep the process alive.
 */
export function watchdog(ms: number, what: string): void {
  setTimeout(() => {
    console.error(`FAILED: ${what} did not finish within ${ms} ms`);
    process.exit(1);
  }, ms).unref();
}

/** Runs the example's main; exits 1 with a clear message if it throws. */
export function run(main: () => Promise<void>): void {
  main().then(
    () => {
      process.exitCode = 0;
      // Everything was closed; should a stray handle remain, do not hang.
      setTimeout(() => process.exit(0), 1000).unref();
    },
    (err: unknown) => {
      console.error(`FAILED: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      process.exit(1);
    },
  );
}
