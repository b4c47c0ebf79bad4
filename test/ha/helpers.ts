/** Small helpers for the hot-standby tests: a connection on a pair, and bounded waits. */
import { TServerConnection, type ResyncSummary, type TEvent, type TServerConnectionOptions } from '../../src/index.js';
import { HotStandbyPair, type HotStandbyPairOptions } from '../../src/simulator/index.js';

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

/** Resolves when `check` returns a truthy value; rejects after `timeoutMs` naming `what`. */
export async function until<T>(check: () => T | undefined | false | null, what: string, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function nextEvent(conn: TServerConnection, name: string, timeoutMs = 3_000): Promise<TEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.off('event', on);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${name}`));
    }, timeoutMs);
    const on = (e: TEvent) => {
      if (e.Event !== name) return;
      clearTimeout(timer);
      conn.off('event', on);
      resolve(e);
    };
    conn.on('event', on);
  });
}

export function nextResync(conn: TServerConnection, timeoutMs = 3_000) {
  return new Promise<ResyncSummary>((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.off('resynced', on);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for 'resynced'`));
    }, timeoutMs);
    const on = (s: ResyncSummary) => {
      clearTimeout(timer);
      conn.off('resynced', on);
      resolve(s);
    };
    conn.on('resynced', on);
  });
}

/** Counts of live TCP handles and timers, from Node's own view. */
export function resources(): { tcp: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return {
    tcp: info.filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length,
    timers: info.filter((r) => r === 'Timeout').length,
  };
}
