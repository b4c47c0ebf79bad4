/**
 * Rigs for the reliability tests: a connection to one simulator or to a hot-standby pair, with a
 * FaultProxy in front of every server, and recorders for everything the SDK reports.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import net from 'node:net';
import tls from 'node:tls';
import { onTestFinished, vi } from 'vitest';
import { TServerConnection, TlibError, type ProtocolWarning, type TEvent, type TServerConnectionOptions } from '../../src/index.js';
import { HotStandbyPair, TServerSimulator, type HotStandbyPairOptions, type SimulatorOptions } from '../../src/simulator/index.js';
import { until } from '../ha/helpers.js';
import { FaultProxy } from '../support/fault-proxy.js';

export { until, nextEvent, nextResync, resources, roundTrip, within } from '../ha/helpers.js';

/** The connection's testing seams (its second constructor argument): here, a clock the test moves. */
export type ConnectionInternals = NonNullable<ConstructorParameters<typeof TServerConnection>[1]>;

export interface Recorder {
  events: TEvent[];
  warnings: ProtocolWarning[];
  errors: TlibError[];
  reconnectFailures: number;
  names(): string[];
  warningCodes(): string[];
}

export function record(conn: TServerConnection): Recorder {
  const r: Recorder = {
    events: [],
    warnings: [],
    errors: [],
    reconnectFailures: 0,
    names: () => r.events.map((e) => e.Event),
    warningCodes: () => r.warnings.map((w) => w.code),
  };
  conn.on('event', (e) => r.events.push(e));
  conn.on('protocolWarning', (w) => r.warnings.push(w));
  conn.on('error', (e) => r.errors.push(e));
  conn.on('reconnectFailed', () => r.reconnectFailures++);
  return r;
}

/** Fast defaults for tests: short ADDP, short backoff without jitter, bounded request time. */
export const FAST: Partial<TServerConnectionOptions> = {
  applicationName: 'reliability-test',
  requestTimeoutMs: 2_000,
  connectTimeoutMs: 1_000,
  addp: { timeoutMs: 400, remoteTimeoutMs: 400 },
  reconnect: { minTimeoutMs: 20, maxTimeoutMs: 100, randomize: false },
};

export interface SingleRig {
  sim: TServerSimulator;
  proxy: FaultProxy;
  conn: TServerConnection;
  rec: Recorder;
  stop(): Promise<void>;
}

/** One simulator, a proxy in front of it, a connection open through the proxy. */
export async function singleRig(
  connOptions: Partial<TServerConnectionOptions> = {},
  simOptions: SimulatorOptions = {},
  internals: ConnectionInternals = {},
): Promise<SingleRig> {
  const sim = new TServerSimulator({ name: 'sim', ...simOptions });
  await sim.start();
  const proxy = await FaultProxy.start(sim.url);
  const conn = new TServerConnection({ primary: proxy.url, ...FAST, ...connOptions }, internals);
  const rec = record(conn);
  try {
    await conn.open();
  } catch (err) {
    await proxy.close();
    await sim.stop();
    throw err;
  }
  return {
    sim,
    proxy,
    conn,
    rec,
    async stop() {
      await conn.close();
      await proxy.close();
      await sim.stop();
    },
  };
}

export interface PairRig {
  pair: HotStandbyPair;
  /** proxies[0] fronts pair.a, proxies[1] fronts pair.b. */
  proxies: [FaultProxy, FaultProxy];
  conn: TServerConnection;
  rec: Recorder;
  /** The proxy in front of a server. */
  proxyOf(server: TServerSimulator): FaultProxy;
  stop(): Promise<void>;
}

/**
 * A pair whose servers announce each other (EventRestoreConnection, either role) at their proxies'
 * addresses, so every session of the connection goes through a FaultProxy.
 */
export async function pairRig(
  pairOptions: HotStandbyPairOptions = {},
  connOptions: Partial<TServerConnectionOptions> = {},
  { waitForStandby = true }: { waitForStandby?: boolean } = {},
): Promise<PairRig> {
  const pair = await HotStandbyPair.start(pairOptions);
  const proxies: [FaultProxy, FaultProxy] = [await FaultProxy.start(pair.a.url), await FaultProxy.start(pair.b.url)];
  pair.a.setPartner({
    get isRunning() {
      return pair.b.isRunning;
    },
    address: () => proxies[1].address,
  });
  pair.b.setPartner({
    get isRunning() {
      return pair.a.isRunning;
    },
    address: () => proxies[0].address,
  });
  const conn = new TServerConnection({ primary: proxies[0].url, ...FAST, ...connOptions });
  const rec = record(conn);
  const stopAll = async () => {
    await conn.close();
    await Promise.all(proxies.map((p) => p.close()));
    await pair.stop();
  };
  try {
    await conn.open();
    if (waitForStandby) await until(() => conn.state.standby, 'a standby session');
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    pair,
    proxies,
    conn,
    rec,
    proxyOf: (s) => (s === pair.a ? proxies[0] : proxies[1]),
    stop: stopAll,
  };
}

/** The outcome of a request, reduced: an answer's event name, or a rejection's class and code. */
export type Outcome = { ok: string } | { error: string; code: string | undefined; typed: boolean };

export function outcome(p: Promise<unknown>): Promise<Outcome> {
  return p.then(
    (e) => ({ ok: String((e as { Event?: string }).Event) }),
    (err: unknown) => ({
      error: (err as Error)?.constructor?.name ?? typeof err,
      code: (err as { code?: string })?.code,
      typed: err instanceof TlibError,
    }),
  );
}

/**
 * Why each session of `conn` is lost from now on to the end of the test, as the
 * `tlib:session:lost` diagnostics channel says: the server and the error itself.
 */
export function lossesOf(conn: TServerConnection): Array<{ server: string; reason: Error & { code?: string } }> {
  const losses: Array<{ server: string; reason: Error & { code?: string } }> = [];
  const onLost = (m: unknown) => {
    const lost = m as { connection: object; server: string; reason: Error };
    if (lost.connection === conn) losses.push({ server: lost.server, reason: lost.reason });
  };
  diagnosticsChannel.subscribe('tlib:session:lost', onLost);
  onTestFinished(() => void diagnosticsChannel.unsubscribe('tlib:session:lost', onLost));
  return losses;
}

/**
 * Records the host of every outgoing socket (net.connect and tls.connect, as the transport dials)
 * from now to the end of the test. `hosts` lists them all; `foreign` those other
 * than 127.0.0.1; `ports` the ports dialled on 127.0.0.1.
 */
export function watchDials(): { hosts: string[]; foreign: string[]; ports: number[] } {
  const seen = { hosts: [] as string[], foreign: [] as string[], ports: [] as number[] };
  const note = (o: unknown) => {
    const { host, port } = o && typeof o === 'object' ? (o as { host?: unknown; port?: unknown }) : {};
    if (host === undefined) return;
    seen.hosts.push(String(host));
    if (host !== '127.0.0.1') seen.foreign.push(String(host));
    else seen.ports.push(Number(port));
  };
  const realNet = net.connect as (...a: unknown[]) => net.Socket;
  const realTls = tls.connect as (...a: unknown[]) => tls.TLSSocket;
  const spies = [
    vi.spyOn(net, 'connect').mockImplementation(((...args: unknown[]) => (note(args[0]), realNet.apply(net, args))) as typeof net.connect),
    vi.spyOn(tls, 'connect').mockImplementation(((...args: unknown[]) => (note(args[0]), realTls.apply(tls, args))) as typeof tls.connect),
  ];
  onTestFinished(() => {
    for (const spy of spies) spy.mockRestore();
  });
  return seen;
}
