/**
 * A TServerConnection on a HotStandbyPair running in a worker thread, with the waits the failover,
 * resync and memory benchmarks share.
 */
import { TServerConnection, type ResyncSummary, type TEvent, type TServerConnectionOptions } from '../../src/index.js';
import { until, untilAsync } from './report.js';
import { SimHost } from './sim-host.js';

export interface HaRig {
  host: SimHost;
  conn: TServerConnection;
  close(): Promise<void>;
}

export async function startHaRig(options: Partial<TServerConnectionOptions> = {}, host?: SimHost, withStandby = true): Promise<HaRig> {
  const h = host ?? (await SimHost.start({ mode: 'pair' }));
  const addresses = await h.call<{ primary: string }>({ cmd: 'addresses' });
  const conn = new TServerConnection({
    primary: addresses.primary,
    applicationName: 'bench-ha',
    reconnect: { minTimeoutMs: 10, maxTimeoutMs: 50, randomize: false },
    ...options,
  });
  await conn.open();
  if (withStandby) await until(() => conn.state.standby, 'a standby session', 5_000);
  return {
    host: h,
    conn,
    close: async () => {
      await conn.close();
      if (!host) await h.stop();
    },
  };
}

/** RequestRegisterAddress counts of servers a and b (as the simulator decoded them). */
export async function registrations(host: SimHost): Promise<[number, number]> {
  const [a, b] = await host.call<Record<string, number>[]>({ cmd: 'requestCounts' });
  return [a.RequestRegisterAddress ?? 0, b.RequestRegisterAddress ?? 0];
}

/** Registers `dns` (pipelined, in slices) and waits until the standby has them too. */
export async function registerAll(rig: HaRig, dns: readonly string[], onStandby = true): Promise<void> {
  const [a0, b0] = await registrations(rig.host);
  // Slices of 1,000: within the default maxInFlight + offlineQueue.limit (1,000 each).
  for (let i = 0; i < dns.length; i += 1_000) await Promise.all(dns.slice(i, i + 1_000).map((dn) => rig.conn.registerAddress(dn)));
  if (!onStandby) return;
  await untilAsync(
    async () => {
      const [a, b] = await registrations(rig.host);
      return a - a0 >= dns.length && b - b0 >= dns.length;
    },
    `${dns.length} registrations on both servers`,
    30_000,
  );
}

/**
 * After a failover: restarts the dead server and waits until it is the standby again with every
 * registered DN replayed on it, and no resync is running.
 */
export async function restoreStandby(rig: HaRig): Promise<void> {
  const before = await registrations(rig.host);
  const url = await rig.host.call<string>({ cmd: 'restartDead' });
  const dns = rig.conn.state.registeredDNs;
  await until(() => rig.conn.state.standby === url && !rig.conn.state.resyncing, 'the standby back', 10_000);
  await untilAsync(
    async () => {
      const now = await registrations(rig.host);
      return now[0] - before[0] + (now[1] - before[1]) >= dns;
    },
    'registrations replayed on the standby',
    30_000,
  );
}

/**
 * A promise that may reject before anyone awaits it (it is armed, then the caller awaits something
 * else first): marked handled at once, so a timeout is an error for its `await`, not an unhandled
 * rejection that kills the run (issue 15 item 7). The rejection still reaches whoever awaits it.
 */
function armed<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** Resolves with the first user event that matches, and when it was seen. */
export function nextEvent(
  conn: TServerConnection,
  match: (e: TEvent) => boolean,
  timeoutMs = 10_000,
): Promise<{ event: TEvent; at: number }> {
  return armed(
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.off('event', on);
        reject(new Error(`no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (event: TEvent) => {
        if (!match(event)) return;
        const at = performance.now();
        clearTimeout(timer);
        conn.off('event', on);
        resolve({ event, at });
      };
      conn.on('event', on);
    }),
  );
}

export function nextResync(conn: TServerConnection, timeoutMs = 60_000): Promise<{ summary: ResyncSummary; at: number }> {
  return armed(
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.off('resynced', on);
        reject(new Error(`no 'resynced' within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (summary: ResyncSummary) => {
        const at = performance.now();
        clearTimeout(timer);
        conn.off('resynced', on);
        resolve({ summary, at });
      };
      conn.on('resynced', on);
    }),
  );
}
