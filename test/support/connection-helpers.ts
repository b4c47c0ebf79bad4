/**
 * Helpers for the TServerConnection integration tests: real simulators on 127.0.0.1, connections
 * with small timeouts, recorders of what each side saw, and bounded waits. Nothing here mocks a
 * socket; every wait has a timeout.
 */
import { getEventListeners } from 'node:events';
import { TServerConnection, type ProtocolWarning, type TServerConnectionOptions } from '../../src/connection/index.js';
import type { TlibError } from '../../src/errors.js';
import type { EventMap, PublicEventName, TEvent } from '../../src/protocol/types.js';
import { TServerSimulator, type RequestInfo, type SimulatorOptions } from '../../src/simulator/index.js';

export const WAIT_MS = 2000;

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Whether `t` settled "at once": within a few microtask turns, before any timer or socket could
 * run (what a refusal made without a round trip does). No clock is read.
 */
export async function settledAtOnce(t: { readonly settled: boolean }): Promise<boolean> {
  for (let i = 0; i < 10 && !t.settled; i++) await Promise.resolve();
  return t.settled;
}

/** Polls `cond` until true; throws naming `what` after `timeoutMs`. */
export async function waitUntil(cond: () => boolean, what: string, timeoutMs = WAIT_MS, intervalMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs); // the poll of an event wait: sockets deliver in their own time
  }
}

export type Outcome<T> = { ok: true; value: T; at: number } | { ok: false; error: any; at: number };

/**
 * Attaches to a promise at once (no unhandled rejection) and records how and when it settled.
 * `settled` is true once it did; `result` resolves with the outcome.
 */
export function track<T>(p: Promise<T>): { result: Promise<Outcome<T>>; readonly settled: boolean; outcome: Outcome<T> | undefined } {
  const t = {
    settled: false,
    outcome: undefined as Outcome<T> | undefined,
    result: undefined as unknown as Promise<Outcome<T>>,
  };
  t.result = p.then(
    (value) => (t.outcome = { ok: true as const, value, at: performance.now() }),
    (error) => (t.outcome = { ok: false as const, error, at: performance.now() }),
  );
  void t.result.then(() => (t.settled = true));
  return t;
}

/** Waits for a settled outcome, bounded. */
export async function outcomeOf<T>(p: Promise<T>, timeoutMs = WAIT_MS): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`promise not settled within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([track(p).result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the first `name` event matching `predicate`, emitted from now on. */
export function waitForEvent<N extends PublicEventName>(
  conn: TServerConnection,
  name: N,
  predicate: (e: EventMap[N]) => boolean = () => true,
  timeoutMs = WAIT_MS,
): Promise<EventMap[N]> {
  return new Promise((resolve, reject) => {
    const listener = (e: EventMap[N]): void => {
      if (!predicate(e)) return;
      clearTimeout(timer);
      conn.off(name, listener as never);
      resolve(e);
    };
    const timer = setTimeout(() => {
      conn.off(name, listener as never);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${name}`));
    }, timeoutMs);
    conn.on(name, listener as never);
  });
}

export interface Stamped<T> {
  value: T;
  at: number;
}

/** Records everything a connection reports, from its creation on. */
export class ConnRecorder {
  readonly events: Stamped<TEvent>[] = [];
  readonly warnings: ProtocolWarning[] = [];
  readonly errors: TlibError[] = [];
  readonly reconnectFailures: Stamped<{ server: string; attempt: number; error: Error }>[] = [];
  readonly unknownMessages: { Server: string; type: number }[] = [];
  closes = 0;

  constructor(readonly conn: TServerConnection) {
    conn.on('event', (e) => this.events.push({ value: e, at: performance.now() }));
    conn.on('protocolWarning', (w) => this.warnings.push(w));
    conn.on('error', (e) => this.errors.push(e));
    conn.on('reconnectFailed', (info) => this.reconnectFailures.push({ value: info, at: performance.now() }));
    conn.on('unknownMessage', (m) => this.unknownMessages.push(m));
    conn.on('close', () => this.closes++);
  }

  /** Index of the next event: pass as `since` to look at later events only. */
  mark(): number {
    return this.events.length;
  }

  names(since = 0): string[] {
    return this.events.slice(since).map((e) => e.value.Event);
  }

  of<N extends PublicEventName>(name: N, since = 0): EventMap[N][] {
    return this.events
      .slice(since)
      .map((e) => e.value)
      .filter((e) => e.Event === name) as EventMap[N][];
  }

  /** The first `name` event at index ≥ since matching `predicate`, now or when it comes. */
  async waitFor<N extends PublicEventName>(
    name: N,
    options: { since?: number; predicate?: (e: EventMap[N]) => boolean; timeoutMs?: number } = {},
  ): Promise<Stamped<EventMap[N]>> {
    const since = options.since ?? 0;
    const pred = options.predicate ?? (() => true);
    const find = () =>
      this.events.slice(since).find((e) => e.value.Event === name && pred(e.value as EventMap[N])) as Stamped<EventMap[N]> | undefined;
    await waitUntil(() => find() !== undefined, `${name} (since #${since})`, options.timeoutMs ?? WAIT_MS);
    return find()!;
  }
}

/** Records the requests a simulator decoded, by client. */
export class SimRecorder {
  readonly requests: Stamped<RequestInfo>[] = [];
  readonly clients: number[] = [];
  readonly closedClients: number[] = [];

  constructor(readonly sim: TServerSimulator) {
    sim.on('request', (info) => this.requests.push({ value: info, at: performance.now() }));
    sim.on('client', (c) => this.clients.push(c.clientId));
    sim.on('clientClosed', (c) => this.closedClients.push(c.clientId));
  }

  get lastClient(): number | undefined {
    return this.clients[this.clients.length - 1];
  }

  /** Requests (name, attributes) that client sent, in order. */
  of(clientId: number | undefined, name?: string): RequestInfo[] {
    return this.requests.map((r) => r.value).filter((r) => r.clientId === clientId && (name === undefined || r.name === name));
  }

  count(name: string): number {
    return this.requests.filter((r) => r.value.name === name).length;
  }

  /** DNs a client registered and did not unregister, as the simulator saw it (in order of registration). */
  dnsOf(clientId: number | undefined): string[] {
    const dns: string[] = [];
    for (const r of this.of(clientId)) {
      const dn = r.attributes.ThisDN as string;
      if (r.name === 'RequestRegisterAddress' && !dns.includes(dn)) dns.push(dn);
      if (r.name === 'RequestUnregisterAddress') dns.splice(dns.indexOf(dn), 1);
    }
    return dns;
  }
}

/** Counts of live TCP handles and timers (process.getActiveResourcesInfo). */
export function resourceCounts(): { tcp: number; timeout: number } {
  const info = process.getActiveResourcesInfo();
  return {
    tcp: info.filter((n) => n.startsWith('TCP') || n === 'ConnectWrap').length,
    timeout: info.filter((n) => n === 'Timeout').length,
  };
}

/**
 * Resource counts once they stop changing (sockets of earlier tests finish closing asynchronously):
 * the baseline to compare against after close().
 */
export async function quietBaseline(timeoutMs = 1000): Promise<{ tcp: number; timeout: number }> {
  const deadline = performance.now() + timeoutMs;
  let last = resourceCounts();
  let stable = 0;
  while (stable < 3 && performance.now() < deadline) {
    await delay(10); // socket-level: handles close in their own time; three equal readings in a row
    const now = resourceCounts();
    stable = now.tcp === last.tcp && now.timeout === last.timeout ? stable + 1 : 0;
    last = now;
  }
  return last;
}

/** Abort listeners still attached to a signal. */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

/** Fast defaults for tests: small timeouts, quick reconnects, ADDP on with a lenient period. */
export function fastOptions(primary: string, overrides: Partial<TServerConnectionOptions> = {}): TServerConnectionOptions {
  return {
    primary,
    applicationName: 'conn-test',
    requestTimeoutMs: 1000,
    connectTimeoutMs: 500,
    addp: { timeoutMs: 2000, remoteTimeoutMs: 2000 },
    reconnect: { retries: Infinity, minTimeoutMs: 20, maxTimeoutMs: 50, factor: 2, randomize: true },
    offlineQueue: { limit: 100 },
    validation: 'warn',
    // These tests count the exact requests a reconnect sends; the resync after one is tested in test/ha.
    resyncOnReconnect: false,
    ...overrides,
  };
}

/** Owns the simulators and connections of a test; cleanup() stops them all. */
export class Harness {
  private readonly sims: TServerSimulator[] = [];
  private readonly conns: TServerConnection[] = [];

  async sim(options: SimulatorOptions = {}): Promise<TServerSimulator> {
    const sim = new TServerSimulator({ name: `sim${this.sims.length + 1}`, ...options, host: '127.0.0.1' });
    this.sims.push(sim);
    await sim.start();
    return sim;
  }

  /** A port on 127.0.0.1 nobody listens on (a simulator started, then stopped; restartable). */
  async deadSim(options: SimulatorOptions = {}): Promise<TServerSimulator> {
    const sim = await this.sim(options);
    await sim.stop();
    return sim;
  }

  conn(options: TServerConnectionOptions): TServerConnection {
    const conn = new TServerConnection(options);
    this.conns.push(conn);
    return conn;
  }

  /** A connection with fastOptions and a recorder, opened. */
  async open(
    sim: TServerSimulator,
    overrides: Partial<TServerConnectionOptions> = {},
  ): Promise<{ conn: TServerConnection; rec: ConnRecorder }> {
    const conn = this.conn(fastOptions(sim.url, overrides));
    const rec = new ConnRecorder(conn);
    await conn.open();
    return { conn, rec };
  }

  async cleanup(): Promise<void> {
    const conns = this.conns.splice(0);
    const sims = this.sims.splice(0);
    for (const s of sims) if (s.isFrozen) s.freeze(false);
    await Promise.allSettled(conns.map((c) => c.close()));
    await Promise.allSettled(sims.map((s) => s.stop()));
  }
}
