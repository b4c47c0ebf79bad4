/**
 * Small helpers for the hot-standby tests: a connection on a pair, and bounded waits. Every wait
 * here is for a condition or an event, bounded by a deadline that fails the test naming what did
 * not come; none sleeps for a fixed time. The deadlines are Node's own timers (AbortSignal.timeout,
 * unref'd): vitest's fake timers do not hold them, and Node does not count them as active timers.
 */
import { setTimeout as sleepReal } from 'node:timers/promises';
import { encodeFrame } from '../../src/codec/index.js';
import { TServerConnection, type ResyncSummary, type TEvent, type TServerConnectionOptions } from '../../src/index.js';
import { ADDP_PING } from '../../src/protocol/catalogue.js';
import { HotStandbyPair, type HotStandbyPairOptions, type TServerSimulator } from '../../src/simulator/index.js';

export interface Rig {
  pair: HotStandbyPair;
  conn: TServerConnection;
  events: TEvent[];
  names: () => string[];
}

export async function startRig(pairOptions: HotStandbyPairOptions = {}, connOptions: Partial<TServerConnectionOptions> = {}): Promise<Rig> {
  const pair = await HotStandbyPair.start(pairOptions);
  const conn = new TServerConnection({
    primary: pair.addresses.primary,
    applicationName: 'ha-test',
    requestTimeoutMs: 2_000,
    addp: { timeoutMs: 400, remoteTimeoutMs: 400 },
    reconnect: { minTimeoutMs: 10, maxTimeoutMs: 50, randomize: false },
    ...connOptions,
  });
  const events: TEvent[] = [];
  conn.on('event', (e) => events.push(e));
  await conn.open();
  return { pair, conn, events, names: () => events.map((e) => e.Event) };
}

export async function stopRig(rig: Rig | undefined): Promise<void> {
  if (!rig) return;
  await rig.conn.close();
  await rig.pair.stop();
}

/**
 * Resolves with `check()`'s value once it is truthy (polled every 5 ms of real time); rejects
 * naming `what` after `timeoutMs`. For real sockets and real time only. The polls wait on
 * node:timers/promises, which vitest's fake timers do not replace, and nothing here needs vitest:
 * `npm run soak` runs these helpers outside it.
 */
export async function until<T>(check: () => T | undefined | false | null, what: string, timeoutMs = 3_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (performance.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleepReal(5);
  }
}

/** Races `p` against a deadline: rejects naming `what` if it has not settled after `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  const deadline = AbortSignal.timeout(ms);
  return new Promise<T>((resolve, reject) => {
    const expired = () => reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    deadline.addEventListener('abort', expired, { once: true });
    p.then(resolve, reject).finally(() => deadline.removeEventListener('abort', expired));
  });
}

/** The next `'event'` named `name`, emitted from now on. */
export function nextEvent(conn: TServerConnection, name: string, timeoutMs = 3_000): Promise<TEvent> {
  let on: (e: TEvent) => void = () => undefined;
  const seen = new Promise<TEvent>((resolve) => {
    on = (e) => {
      if (e.Event === name) resolve(e);
    };
    conn.on('event', on);
  });
  return within(seen, timeoutMs, name).finally(() => conn.off('event', on));
}

/** The next `'resynced'` summary, emitted from now on. */
export function nextResync(conn: TServerConnection, timeoutMs = 3_000): Promise<ResyncSummary> {
  let on: (s: ResyncSummary) => void = () => undefined;
  const seen = new Promise<ResyncSummary>((resolve) => {
    on = resolve;
    conn.on('resynced', on);
  });
  return within(seen, timeoutMs, "'resynced'").finally(() => conn.off('resynced', on));
}

const ADDP_PING_FRAME = encodeFrame(ADDP_PING, undefined);

/**
 * A barrier on every socket `server` has open: it sends each client an ADDP ping and waits for the
 * pongs. TCP keeps order and the client answers a ping when it reads it, so once the pongs are back
 * the client has read everything the server wrote before — in place of a sleep "for late messages
 * to arrive". Works on a standby session too (whose events users never see), and while requests
 * are held (ADDP is answered below the request layer). Pongs are counted, so the server must send
 * no ADDP pings of its own: give the connection an `addp.remoteTimeoutMs` longer than the test.
 */
export async function roundTrip(server: TServerSimulator, timeoutMs = 3_000): Promise<void> {
  const before = server.addpStats();
  if (before.pingsSent > 0)
    throw new Error(`roundTrip(${server.name}): the server sends ADDP pings of its own; its pongs would not be ours`);
  const clients = server.clientCount;
  server.sendRaw(ADDP_PING_FRAME);
  await until(
    // A client that goes away meanwhile (its close seen by the server) owes no pong.
    () => server.addpStats().pongsReceived - before.pongsReceived >= Math.min(clients, server.clientCount),
    `the pongs of ${server.name}'s ${clients} client(s)`,
    timeoutMs,
  );
  if (server.addpStats().pingsSent > 0) throw new Error(`roundTrip(${server.name}): the server sent an ADDP ping of its own meanwhile`);
}

/** Counts of live TCP handles and timers, from Node's own view. */
export function resources(): { tcp: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return {
    tcp: info.filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length,
    timers: info.filter((r) => r === 'Timeout').length,
  };
}
