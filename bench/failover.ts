/**
 * Figure 3 — failover gap with a HotStandbyPair (in a worker thread):
 *  - kill: from killPrimary() to the first call event delivered from the new primary, with a
 *    standby session open (the new primary places a call the moment it takes over);
 *  - ADDP: the primary freezes; from freeze() until the first call event from the new primary.
 *    The client finds the silence by ADDP; the harness then kills the frozen server (as a watchdog
 *    would) so the backup takes over and places a call.
 * Baseline, same run: the same SDK without a standby session (backup address given, but none
 * opened): killPrimary() → the reconnect loop (10 ms first backoff) finds the new primary, replays
 * the DN → a call placed the moment EventServerConnected is seen → EventRinging.
 */
import { fmtMs, median, percentile, table, type Bench, type BenchContext, type Figure } from './lib/report.js';
import { nextEvent, registerAll, restoreStandby, startHaRig } from './lib/ha.js';
import { SimHost } from './lib/sim-host.js';

const DN = '1001';
const ADDP_MS = 300;

function stats(xs: number[]): (string | number)[] {
  return [xs.length, fmtMs(percentile(xs, 50)), fmtMs(percentile(xs, 90)), fmtMs(percentile(xs, 99)), fmtMs(Math.max(...xs))];
}

export const failoverBench: Bench = {
  name: 'failover',
  title: 'Figure 3: failover gap (HotStandbyPair, loopback)',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const killRuns = ctx.quick ? 15 : 50;
    const addpRuns = ctx.quick ? 6 : 50;
    const coldRuns = ctx.quick ? 5 : 15;
    const rig = await startHaRig({ addp: { timeoutMs: ADDP_MS, remoteTimeoutMs: ADDP_MS } });
    const kill: number[] = [];
    const addp: number[] = [];
    const addpDetect: number[] = [];
    const cold: number[] = [];
    try {
      await registerAll(rig, [DN]);
      for (let i = 0; i < killRuns; i++) {
        const old = rig.conn.state.active;
        const ringing = nextEvent(rig.conn, (e) => e.Event === 'EventRinging' && e.Server !== old);
        const t0 = performance.now();
        await rig.host.call({ cmd: 'killPrimaryAndCall', dn: DN });
        kill.push((await ringing).at - t0);
        await restoreStandby(rig);
      }
      for (let i = 0; i < addpRuns; i++) {
        const old = rig.conn.state.active;
        const lost = nextEvent(rig.conn, (e) => e.Event === 'EventServerDisconnected' && e.Server === old, 5_000);
        const ringing = nextEvent(rig.conn, (e) => e.Event === 'EventRinging' && e.Server !== old, 5_000);
        const t0 = performance.now();
        await rig.host.call({ cmd: 'freezePrimary' });
        addpDetect.push((await lost).at - t0);
        await rig.host.call({ cmd: 'takeOverFromFrozen', dn: DN });
        addp.push((await ringing).at - t0);
        await restoreStandby(rig);
      }
    } finally {
      await rig.close();
    }
    // Baseline: no standby session (the RestoreConnection addresses are refused), reconnect path.
    const host = await SimHost.start({ mode: 'pair' });
    const { backup } = await host.call<{ backup: string }>({ cmd: 'addresses' });
    const plain = await startHaRig({ addp: false, backup, allowedBackupHosts: () => false }, host, false);
    try {
      await registerAll(plain, [DN], false);
      // A configured backup is now always dialled as the standby (learnedAddresses: the configured
      // backup always may): then there is no "without a standby" path to measure, and the row says so.
      await new Promise((r) => setTimeout(r, 200));
      const standbyAnyway = plain.conn.state.standby !== undefined;
      if (standbyAnyway)
        ctx.log('(baseline skipped: the connection opened a standby session on the configured backup; no reconnect-only path to compare)');
      for (let i = 0; i < (standbyAnyway ? 0 : coldRuns); i++) {
        const old = plain.conn.state.active;
        const connected = nextEvent(plain.conn, (e) => e.Event === 'EventServerConnected' && e.Server !== old);
        const ringing = nextEvent(plain.conn, (e) => e.Event === 'EventRinging' && e.Server !== old);
        const t0 = performance.now();
        await plain.host.call({ cmd: 'killPrimaryAndCall', dn: undefined });
        await connected;
        await plain.host.call({ cmd: 'placeCall', dn: DN });
        cold.push((await ringing).at - t0);
        await plain.host.call({ cmd: 'restartDead' });
      }
    } finally {
      await plain.close();
      await host.stop();
    }
    ctx.log(
      table(
        ['gap until the first call event from the new primary', 'runs', 'p50', 'p90', 'p99', 'max'],
        [
          ['kill: killPrimary() → EventRinging (standby session)', ...stats(kill)],
          [`ADDP: freeze() → EventServerDisconnected (timeout ${ADDP_MS} ms)`, ...stats(addpDetect)],
          [`ADDP: freeze() → EventRinging (timeout ${ADDP_MS} ms)`, ...stats(addp)],
          ...(cold.length > 0 ? [['baseline: reconnect path, no standby session → EventRinging', ...stats(cold)]] : []),
        ],
      ),
    );
    const coldP50 = median(cold);
    return [
      {
        id: 'failover.kill',
        value: Number(percentile(kill, 50).toFixed(2)),
        unit: 'ms p50',
        extra: { p99_ms: Number(percentile(kill, 99).toFixed(2)), runs: kill.length },
        ratio: cold.length > 0 ? { value: percentile(kill, 50) / coldP50, baseline: 'reconnect path p50 (lower is better)' } : undefined,
        target: '<= 50 ms (p99)',
        met: percentile(kill, 99) <= 50,
      },
      {
        id: 'failover.addp',
        value: Number(percentile(addp, 50).toFixed(1)),
        unit: 'ms p50',
        extra: { p99_ms: Number(percentile(addp, 99).toFixed(1)), runs: addp.length, timeoutMs: ADDP_MS },
        ratio: { value: percentile(addp, 50) / ADDP_MS, baseline: 'the ADDP timeout' },
        target: `<= timeoutMs + 100 ms = ${ADDP_MS + 100} ms (p99)`,
        met: percentile(addp, 99) <= ADDP_MS + 100,
      },
    ];
  },
};
